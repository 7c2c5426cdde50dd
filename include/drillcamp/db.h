/*
 * db.h - the PostgreSQL pool, prepared statements and transactions.
 *
 * A fixed pool of libpq connections shared by the worker threads. A
 * connection found dead on checkout (PostgreSQL restarted) is reconnected;
 * while the database cannot be reached, db_acquire fails fast with
 * DC_ERR_UNAVAILABLE so that the HTTP layer answers 503 with Retry-After.
 * Statements are declared once as static struct db_stmt and prepared lazily
 * on each connection the first time they run there.
 */
#ifndef DRILLCAMP_DB_H
#define DRILLCAMP_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "drillcamp/err.h"

struct db_conn; /* one pooled connection */

struct db_stmt {
    const char *name; /* unique statement name */
    const char *sql;
    int nparams;
};

struct db_pool_stats {
    int size;
    int in_use;
    long long acquires;
    long long waits;
    long long connect_failures;
    long long reconnects;
};

/* read_conninfo (may be NULL): a replica for db_acquire_read. */
enum dc_err db_pool_init(const char *conninfo, const char *read_conninfo, int size);
void db_pool_shutdown(void);
void db_pool_get_stats(struct db_pool_stats *out);

/* Checks out a live connection; waits for a free one. */
enum dc_err db_acquire(struct db_conn **out);
/* The same from the read replica when DATABASE_READ_URL is set (else the
 * primary): only for read-only statements that tolerate replication lag. */
enum dc_err db_acquire_read(struct db_conn **out);
/* Returns the connection; a NULL conn is a no-op. */
void db_release(struct db_conn *conn);

/*
 * Runs a prepared statement. On DC_OK *out is a PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK result owned by the caller (PQclear it). On failure *out
 * is NULL and, when the database reported an error, sqlstate (if not NULL,
 * 6 bytes) receives its SQLSTATE. Unique violations return DC_ERR_CONFLICT,
 * lost connections DC_ERR_UNAVAILABLE, anything else DC_ERR_INTERNAL.
 */
enum dc_err db_exec(struct db_conn *conn, const struct db_stmt *stmt, const char *const *params,
                    PGresult **out, char *sqlstate);

/* Fills one caller struct from row `row` of a result. */
typedef void (*db_row_fn)(const PGresult *r, int row, void *item);
/*
 * Runs stmt and turns every row into an item of item_size bytes with fn:
 * *out is a malloc'ed array for the caller (never NULL on DC_OK), *n its
 * length.
 */
enum dc_err db_query_list(struct db_conn *conn, const struct db_stmt *stmt,
                          const char *const *params, size_t item_size, db_row_fn fn, void **out,
                          size_t *n);
/* The same for at most one row: DC_ERR_NOT_FOUND when there is none. */
enum dc_err db_query_one(struct db_conn *conn, const struct db_stmt *stmt,
                         const char *const *params, db_row_fn fn, void *item);
/* Runs stmt for its effect only. */
enum dc_err db_exec_void(struct db_conn *conn, const struct db_stmt *stmt,
                         const char *const *params);

/* Transactions on one connection. db_rollback is safe to call after errors. */
enum dc_err db_begin(struct db_conn *conn);
enum dc_err db_commit(struct db_conn *conn);
void db_rollback(struct db_conn *conn);

/* Maps a SQLSTATE to the error the rest of the program speaks. */
enum dc_err db_err_from_sqlstate(const char *sqlstate);

/* Plain connection for one-off tools (migrate, seed); caller PQfinish()es. */
enum dc_err db_connect_once(const char *conninfo, PGconn **out);

/* The underlying libpq connection (borrowed), for the migration runner. */
PGconn *db_conn_pg(struct db_conn *conn);

#endif
