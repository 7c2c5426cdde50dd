/*
 * replica.c - whether the read replica (DATABASE_READ_URL) may answer
 * reads now: it answers, and it has replayed what the primary had written
 * at most DRILLCAMP_REPLICA_MAX_LAG_MS ago.
 *
 * A ticker checks five times a second on two connections of its own: it
 * samples the primary's WAL position with the time, and the replica's
 * replay position; the replica's lag is the age of the newest sample it
 * has replayed past (0 when it has replayed the latest). Unlike
 * now() - pg_last_xact_replay_timestamp(), this is 0 for an idle primary
 * and grows when the replica stops receiving. The pool (db_acquire_read)
 * reads the verdict: one atomic load per read.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drillcamp/db.h"
#include "drillcamp/ticker.h"

#define TICK_MS 200
#define SAMPLES 64 /* 12.8 s of primary positions */

static const char SQL_PRIMARY_LSN[] = "SELECT pg_current_wal_lsn()";
static const char SQL_REPLICA_LSN[] =
    "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn(), '0/0')";

struct sample {
    long long at_ms;
    uint64_t lsn;
};

static char *primary_info, *replica_info;
static unsigned max_lag_ms;
static atomic_int verdict = DB_REPLICA_DOWN; /* until the first check */
static atomic_llong lag_ms = -1;
static atomic_llong fallbacks[3];
static struct ticker monitor;

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* "16/B374D848" to a number; false when it is not one. */
static bool lsn_parse(const char *s, uint64_t *out)
{
    unsigned hi, lo;
    if (!s || sscanf(s, "%X/%X", &hi, &lo) != 2)
        return false;
    *out = ((uint64_t)hi << 32) | lo;
    return true;
}

/* A live connection in *pg (reconnected when lost); false when down. */
static bool ensure(PGconn **pg, const char *conninfo)
{
    if (*pg && PQstatus(*pg) == CONNECTION_OK)
        return true;
    if (*pg)
        PQfinish(*pg);
    *pg = NULL;
    return db_connect_once(conninfo, pg) == DC_OK;
}

/* Runs a one-row query; the row's result (caller PQclears), or NULL. */
static PGresult *one_row(PGconn *pg, const char *sql)
{
    PGresult *r = PQexecParams(pg, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        return r;
    PQclear(r);
    return NULL;
}

/* The ticker's own: its connections and the primary's recent positions. */
static PGconn *primary_pg, *replica_pg;
static struct sample ring[SAMPLES];
static int nring, next_sample;

/* One check (the ticker's work): the verdict and lag from a new primary
 * sample and the replica's replay position. */
static void monitor_tick(void *arg)
{
    (void)arg;
    long long now = mono_ms();
    PGresult *pr = ensure(&primary_pg, primary_info) ? one_row(primary_pg, SQL_PRIMARY_LSN) : NULL;
    uint64_t plsn;
    if (pr && lsn_parse(PQgetvalue(pr, 0, 0), &plsn)) {
        ring[next_sample] = (struct sample){now, plsn};
        next_sample = (next_sample + 1) % SAMPLES;
        if (nring < SAMPLES)
            nring++;
    }
    PQclear(pr);
    PGresult *rr = ensure(&replica_pg, replica_info) ? one_row(replica_pg, SQL_REPLICA_LSN) : NULL;
    uint64_t rlsn;
    if (!rr || !lsn_parse(PQgetvalue(rr, 0, 1), &rlsn)) {
        PQclear(rr);
        atomic_store(&verdict, DB_REPLICA_DOWN);
        atomic_store(&lag_ms, -1);
        return;
    }
    bool standby = strcmp(PQgetvalue(rr, 0, 0), "t") == 0;
    PQclear(rr);
    /* the newest primary position the replica has replayed past */
    long long lag = -1;
    if (!standby) {
        lag = 0; /* not replaying anything: it is a primary itself */
    } else {
        for (int i = 1; i <= nring; i++) {
            const struct sample *s = &ring[(next_sample - i + SAMPLES) % SAMPLES];
            if (rlsn >= s->lsn) {
                lag = i == 1 ? 0 : now - s->at_ms;
                break;
            }
        }
    }
    if (lag < 0) /* behind every sample kept: as old as the oldest, at least */
        lag = nring ? now - ring[(next_sample - nring + SAMPLES) % SAMPLES].at_ms : -1;
    atomic_store(&lag_ms, lag);
    atomic_store(&verdict,
                 lag >= 0 && lag <= (long long)max_lag_ms ? DB_REPLICA_OK : DB_REPLICA_LAGGING);
}

enum dc_err db_replica_monitor_start(const char *primary, const char *replica, unsigned max_lag)
{
    primary_info = strdup(primary ? primary : "");
    replica_info = strdup(replica ? replica : "");
    max_lag_ms = max_lag;
    if (!primary_info || !replica_info)
        return DC_ERR_NOMEM;
    return ticker_start(&monitor, TICK_MS, monitor_tick, NULL);
}

void db_replica_monitor_stop(void)
{
    ticker_stop(&monitor);
    if (primary_pg)
        PQfinish(primary_pg);
    if (replica_pg)
        PQfinish(replica_pg);
    primary_pg = replica_pg = NULL;
    nring = next_sample = 0;
    free(primary_info);
    free(replica_info);
    primary_info = replica_info = NULL;
}

enum db_replica_state db_replica_state(void)
{
    return (enum db_replica_state)atomic_load(&verdict);
}

void db_replica_count_fallback(enum db_replica_state why)
{
    if (why >= 0 && why < 3)
        atomic_fetch_add(&fallbacks[why], 1);
}

void db_replica_get_stats(struct db_replica_stats *out)
{
    out->state = db_replica_state();
    out->lag_ms = atomic_load(&lag_ms);
    out->fallbacks_down = atomic_load(&fallbacks[DB_REPLICA_DOWN]);
    out->fallbacks_lagging = atomic_load(&fallbacks[DB_REPLICA_LAGGING]);
}
