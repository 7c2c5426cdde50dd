/*
 * db.h - the PostgreSQL pool, prepared statements, transactions, and the
 * one way repositories read rows.
 *
 * A fixed pool of libpq connections shared by the worker threads. A
 * connection found dead on checkout (PostgreSQL restarted) is reconnected;
 * while the database cannot be reached, db_acquire fails fast with
 * DC_ERR_UNAVAILABLE so that the HTTP layer answers 503 with Retry-After.
 * Statements are declared once as static struct db_stmt and prepared lazily
 * on each connection the first time they run there.
 *
 * Reading rows: a connection is checked out with an arena (the request's,
 * or a tool's own). db_query_list and db_query_one turn each row into a
 * caller struct with a row callback; the strings of those structs point
 * straight into the PGresult, which the arena keeps until it is freed. So
 * nothing a repository returns is freed by its caller, and no row is
 * copied into fixed buffers. Parameters are text: db_arg_* format numbers
 * into the same arena.
 */
#ifndef DRILLCAMP_DB_H
#define DRILLCAMP_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/err.h"

struct db_conn; /* one pooled connection */
struct dc_arena;

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

/* An RFC 3339 UTC timestamp column in SQL ("2023-05-31T00:00:00Z"; NULL
 * stays NULL). Sessions run with TIME ZONE 'UTC'. */
#define DB_TS(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* read_conninfo (may be NULL): a replica for db_acquire_read, used while
 * it is no more than max_lag_ms behind the primary (a thread checks). */
enum dc_err db_pool_init(const char *conninfo, const char *read_conninfo, int size,
                         unsigned max_lag_ms);
void db_pool_shutdown(void);
/* Named prepared statements (the default) or unnamed ones, parsed at each
 * run: for a pooler that does not keep prepared statements across
 * transactions (PgBouncer before 1.21 in transaction mode). Call before
 * db_pool_init. */
void db_pool_set_prepared(bool on);
/* The primary's pool (replica false) or the replica's (zeros when none). */
void db_pool_get_stats(bool replica, struct db_pool_stats *out);

/* The read replica, as its monitor (replica.c) last saw it. */
enum db_replica_state { DB_REPLICA_DOWN, DB_REPLICA_LAGGING, DB_REPLICA_OK };
struct db_replica_stats {
    enum db_replica_state state;
    long long lag_ms;                            /* -1: unknown */
    long long fallbacks_down, fallbacks_lagging; /* reads sent to the primary instead */
};
enum dc_err db_replica_monitor_start(const char *primary, const char *replica, unsigned max_lag_ms);
void db_replica_monitor_stop(void);
enum db_replica_state db_replica_state(void);
void db_replica_count_fallback(enum db_replica_state why);
void db_replica_get_stats(struct db_replica_stats *out);

/* Checks out a live connection whose rows live in arena (not NULL); waits
 * for a free one. */
enum dc_err db_acquire(struct db_conn **out, struct dc_arena *arena);
/* The same from the read replica when DATABASE_READ_URL is set and the
 * replica is up and within its lag bound; else from the primary (counted
 * as a fallback). Only for read-only statements that tolerate the lag. */
enum dc_err db_acquire_read(struct db_conn **out, struct dc_arena *arena);
/* Whether conn came from the replica. */
bool db_conn_is_replica(const struct db_conn *conn);
/* Returns the connection (rolling back an open transaction); NULL is a no-op. */
void db_release(struct db_conn *conn);
/* The arena the connection's rows live in (borrowed). */
struct dc_arena *db_conn_arena(const struct db_conn *conn);

/*
 * Runs a prepared statement. On DC_OK *out is a PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK result owned by the caller (PQclear it). On failure *out
 * is NULL. Unique violations return DC_ERR_CONFLICT, check and foreign-key
 * violations and bad values DC_ERR_VALIDATION, lost connections,
 * serialization failures and deadlocks DC_ERR_UNAVAILABLE, anything else
 * DC_ERR_INTERNAL; DC_ERR_NOMEM when a db_arg_* of the same connection
 * failed since the last statement.
 */
enum dc_err db_exec(struct db_conn *conn, const struct db_stmt *stmt, const char *const *params,
                    PGresult **out);

/* Fills one caller struct from row `row` of a result; strings may point
 * into r, which lives as long as the connection's arena. */
typedef void (*db_row_fn)(const PGresult *r, int row, void *item);
/*
 * Runs stmt and turns every row into an item of item_size bytes with fn:
 * *out is an array in the connection's arena (never NULL on DC_OK), *n its
 * length.
 */
enum dc_err db_query_list(struct db_conn *conn, const struct db_stmt *stmt,
                          const char *const *params, size_t item_size, db_row_fn fn, void **out,
                          size_t *n);
/* The same for the first row into *item: DC_ERR_NOT_FOUND when there is none. */
enum dc_err db_query_one(struct db_conn *conn, const struct db_stmt *stmt,
                         const char *const *params, db_row_fn fn, void *item);
/* Runs stmt for its effect only. */
enum dc_err db_exec_void(struct db_conn *conn, const struct db_stmt *stmt,
                         const char *const *params);

/* Row callbacks for one-value queries: column 0 as bool, int64_t, or text
 * (const char *, NULL for SQL NULL), into the item pointed to. */
void db_row_bool(const PGresult *r, int row, void *item);
void db_row_i64(const PGresult *r, int row, void *item);
void db_row_text(const PGresult *r, int row, void *item);

/* Column readers for row callbacks. db_text is "" for SQL NULL; the
 * _or_null form NULL. Strings point into r. */
const char *db_text(const PGresult *r, int row, int col);
const char *db_text_or_null(const PGresult *r, int row, int col);
int64_t db_i64(const PGresult *r, int row, int col);
int db_int(const PGresult *r, int row, int col);
bool db_bool(const PGresult *r, int row, int col);
double db_double(const PGresult *r, int row, int col);

/* Parameters as text in the connection's arena; on allocation failure the
 * next statement on conn fails with DC_ERR_NOMEM. db_arg_bool is static. */
const char *db_arg_i64(struct db_conn *conn, int64_t v);
const char *db_arg_double(struct db_conn *conn, double v);
const char *db_arg_bool(bool v);
/* Array parameters ("{...}") of n values, in the connection's arena; text
 * elements are quoted. */
const char *db_arg_i64_array(struct db_conn *conn, const int64_t *v, size_t n);
const char *db_arg_bool_array(struct db_conn *conn, const bool *v, size_t n);
const char *db_arg_double_array(struct db_conn *conn, const double *v, size_t n);
const char *db_arg_text_array(struct db_conn *conn, const char *const *v, size_t n);

/* Transactions on one connection. db_rollback is safe to call after errors. */
enum dc_err db_begin(struct db_conn *conn);
enum dc_err db_commit(struct db_conn *conn);
void db_rollback(struct db_conn *conn);
/* A round trip: DC_OK when the database answers. */
enum dc_err db_ping(struct db_conn *conn);

/* Maps a SQLSTATE to the error the rest of the program speaks. */
enum dc_err db_err_from_sqlstate(const char *sqlstate);

/* Plain connection for one-off tools (migrate); caller PQfinish()es. */
enum dc_err db_connect_once(const char *conninfo, PGconn **out);

/* The underlying libpq connection (borrowed), for the migration runner. */
PGconn *db_conn_pg(struct db_conn *conn);

#endif
