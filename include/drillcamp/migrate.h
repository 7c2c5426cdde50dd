/*
 * migrate.h - the numbered SQL migrations compiled into the binary.
 *
 * Each migrations/NNNN_name.sql runs once, in order, in its own transaction,
 * recorded in schema_migrations. A session-level advisory lock makes two
 * instances migrating at the same time take turns.
 */
#ifndef DRILLCAMP_MIGRATE_H
#define DRILLCAMP_MIGRATE_H

#include <libpq-fe.h>

#include "drillcamp/err.h"

struct dc_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct dc_migration dc_migrations[];
extern const int dc_migrations_count;

/* The highest version this binary carries. */
int migrate_latest_version(void);
/* Applies what is missing; *applied receives how many ran. */
enum dc_err migrate_apply(PGconn *pg, int *applied);
/* The highest version recorded in the database (0 when none). */
enum dc_err migrate_current_version(PGconn *pg, int *version);

#endif
