/*
 * migrate.c - applies the embedded migrations under an advisory lock.
 */
#include "drillcamp/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/log.h"

/* "drillcam" in ASCII: the advisory lock every instance migrates under */
#define MIGRATE_LOCK_KEY "7237963465533645165"

static const char SQL_LOCK[] = "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")";
static const char SQL_UNLOCK[] = "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")";
static const char SQL_CREATE[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 " version integer PRIMARY KEY,"
                                 " name text NOT NULL,"
                                 " applied_at timestamptz NOT NULL DEFAULT now())";
static const char SQL_APPLIED[] = "SELECT 1 FROM schema_migrations WHERE version = $1";
static const char SQL_RECORD[] = "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)";
static const char SQL_CURRENT[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
static const char SQL_TABLE_EXISTS[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";

int migrate_latest_version(void)
{
    int v = 0;
    for (int i = 0; i < dc_migrations_count; i++)
        if (dc_migrations[i].version > v)
            v = dc_migrations[i].version;
    return v;
}

/* Runs sql (may hold several statements); true on success. */
static bool run(PGconn *pg, const char *sql, const char *what)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s", what, PQresultErrorMessage(r));
        msg[strcspn(msg, "\n")] = '\0';
        log_event("error", "migrate", msg);
    }
    PQclear(r);
    return ok;
}

static enum dc_err apply_one(PGconn *pg, const struct dc_migration *m, bool *ran)
{
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *p1[] = {version};
    *ran = false;
    if (!run(pg, "BEGIN", "begin"))
        return DC_ERR_UNAVAILABLE;
    PGresult *r = PQexecParams(pg, SQL_APPLIED, 1, NULL, p1, NULL, NULL, 0);
    bool done = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    bool failed = PQresultStatus(r) != PGRES_TUPLES_OK;
    PQclear(r);
    if (failed || done) {
        run(pg, "ROLLBACK", "rollback");
        return failed ? DC_ERR_INTERNAL : DC_OK;
    }
    if (!run(pg, m->sql, m->name)) {
        run(pg, "ROLLBACK", "rollback");
        return DC_ERR_INTERNAL;
    }
    const char *p2[] = {version, m->name};
    r = PQexecParams(pg, SQL_RECORD, 2, NULL, p2, NULL, NULL, 0);
    failed = PQresultStatus(r) != PGRES_COMMAND_OK;
    PQclear(r);
    if (failed || !run(pg, "COMMIT", "commit")) {
        run(pg, "ROLLBACK", "rollback");
        return DC_ERR_INTERNAL;
    }
    char msg[128];
    snprintf(msg, sizeof msg, "applied %04d_%s", m->version, m->name);
    log_event("info", "migrate", msg);
    *ran = true;
    return DC_OK;
}

enum dc_err migrate_apply(PGconn *pg, int *applied)
{
    *applied = 0;
    if (!run(pg, SQL_LOCK, "advisory lock"))
        return DC_ERR_UNAVAILABLE;
    enum dc_err err = run(pg, SQL_CREATE, "schema_migrations") ? DC_OK : DC_ERR_INTERNAL;
    for (int i = 0; err == DC_OK && i < dc_migrations_count; i++) {
        bool ran;
        err = apply_one(pg, &dc_migrations[i], &ran);
        if (ran)
            (*applied)++;
    }
    run(pg, SQL_UNLOCK, "advisory unlock");
    return err;
}

enum dc_err migrate_current_version(PGconn *pg, int *version)
{
    *version = 0;
    PGresult *r = PQexec(pg, SQL_TABLE_EXISTS);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return DC_ERR_UNAVAILABLE;
    }
    bool exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!exists)
        return DC_OK;
    r = PQexec(pg, SQL_CURRENT);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return DC_ERR_UNAVAILABLE;
    }
    *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return DC_OK;
}
