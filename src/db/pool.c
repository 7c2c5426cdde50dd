/*
 * pool.c - a fixed pool of libpq connections with lazy prepared statements.
 *
 * Each connection is checked on checkout: a socket that turned readable
 * while idle means PostgreSQL closed it (restart, crash recovery), so it is
 * reconnected before use. While connecting fails, checkouts fail fast for a
 * second (DC_ERR_UNAVAILABLE, 503 with Retry-After) instead of every request
 * waiting out a connect timeout.
 *
 * A checked-out connection carries the arena of whoever holds it: results
 * read through db_query_list/db_query_one are handed to that arena, so the
 * rows' strings stay valid until it is freed.
 */
#include "drillcamp/db.h"

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drillcamp/arena.h"
#include "drillcamp/log.h"

#define MAX_PREPARED   256
#define RETRY_DELAY_MS 1000

struct pool;

struct db_conn {
    struct pool *owner;
    PGconn *pg;
    bool in_use;
    bool broken;
    bool arg_failed; /* a db_arg_* could not allocate since the last statement */
    struct dc_arena *arena;
    int nprepared;
    const struct db_stmt *prepared[MAX_PREPARED];
};

struct pool {
    struct db_conn *conns;
    int size;
    char *conninfo;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long long down_until_ms;
    struct db_pool_stats stats;
};

/* primary: every write and most reads; replica: DATABASE_READ_URL, if set */
static struct pool primary = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static struct pool replica = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Silences libpq's notices (they would go to stderr unformatted). */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

enum dc_err db_connect_once(const char *conninfo, PGconn **out)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {conninfo ? conninfo : "", "3", "drillcamp", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg)
        return DC_ERR_NOMEM;
    if (PQstatus(pg) != CONNECTION_OK) {
        PQfinish(pg);
        return DC_ERR_UNAVAILABLE;
    }
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    PGresult *r = PQexec(pg, "SET TIME ZONE 'UTC'");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        PQfinish(pg);
        return DC_ERR_UNAVAILABLE;
    }
    *out = pg;
    return DC_OK;
}

static enum dc_err pool_init(struct pool *pool, const char *conninfo, int size)
{
    pool->conns = calloc((size_t)size, sizeof *pool->conns);
    pool->conninfo = strdup(conninfo ? conninfo : "");
    if (!pool->conns || !pool->conninfo)
        return DC_ERR_NOMEM;
    for (int i = 0; i < size; i++)
        pool->conns[i].owner = pool;
    pool->size = size;
    pool->stats.size = size;
    return DC_OK;
}

static bool use_prepared = true;

void db_pool_set_prepared(bool on)
{
    use_prepared = on;
}

enum dc_err db_pool_init(const char *conninfo, const char *read_conninfo, int size,
                         unsigned max_lag_ms)
{
    enum dc_err err = pool_init(&primary, conninfo, size);
    if (err == DC_OK && read_conninfo && *read_conninfo)
        err = pool_init(&replica, read_conninfo, size);
    if (err == DC_OK && replica.size)
        err = db_replica_monitor_start(conninfo, read_conninfo, max_lag_ms);
    return err;
}

static void pool_shutdown(struct pool *pool)
{
    for (int i = 0; i < pool->size; i++)
        if (pool->conns[i].pg)
            PQfinish(pool->conns[i].pg);
    free(pool->conns);
    free(pool->conninfo);
    pool->conns = NULL;
    pool->conninfo = NULL;
    pool->size = 0;
}

void db_pool_shutdown(void)
{
    if (replica.size)
        db_replica_monitor_stop();
    pool_shutdown(&primary);
    pool_shutdown(&replica);
}

void db_pool_get_stats(bool of_replica, struct db_pool_stats *out)
{
    struct pool *pool = of_replica ? &replica : &primary;
    pthread_mutex_lock(&pool->mu);
    *out = pool->stats;
    pthread_mutex_unlock(&pool->mu);
}

/* True when the idle connection can no longer be used. */
static bool conn_dead(struct db_conn *c)
{
    if (!c->pg || c->broken || PQstatus(c->pg) != CONNECTION_OK)
        return true;
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        return true;
    struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (p.fd < 0)
        return true;
    if (poll(&p, 1, 0) > 0) {
        /* an idle connection only gets data when the server is leaving */
        if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)
            return true;
        PGnotify *n;
        while ((n = PQnotifies(c->pg)) != NULL)
            PQfreemem(n);
        if (p.revents & (POLLHUP | POLLERR))
            return true;
    }
    return false;
}

static enum dc_err conn_reconnect(struct db_conn *c)
{
    struct pool *pool = c->owner;
    pthread_mutex_lock(&pool->mu);
    bool backoff = now_ms() < pool->down_until_ms;
    pthread_mutex_unlock(&pool->mu);
    if (backoff)
        return DC_ERR_UNAVAILABLE;
    bool had = c->pg != NULL;
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
    c->nprepared = 0;
    c->broken = false;
    PGconn *pg;
    enum dc_err err = db_connect_once(pool->conninfo, &pg);
    pthread_mutex_lock(&pool->mu);
    if (err != DC_OK) {
        pool->stats.connect_failures++;
        pool->down_until_ms = now_ms() + RETRY_DELAY_MS;
    } else if (had) {
        pool->stats.reconnects++;
    }
    pthread_mutex_unlock(&pool->mu);
    if (err != DC_OK)
        return DC_ERR_UNAVAILABLE;
    c->pg = pg;
    return DC_OK;
}

static enum dc_err pool_acquire(struct pool *pool, struct db_conn **out, struct dc_arena *arena)
{
    struct db_conn *c = NULL;
    pthread_mutex_lock(&pool->mu);
    pool->stats.acquires++;
    for (;;) {
        for (int i = 0; i < pool->size; i++) {
            if (!pool->conns[i].in_use) {
                c = &pool->conns[i];
                break;
            }
        }
        if (c)
            break;
        pool->stats.waits++;
        pthread_cond_wait(&pool->cv, &pool->mu);
    }
    c->in_use = true;
    pool->stats.in_use++;
    pthread_mutex_unlock(&pool->mu);

    if (conn_dead(c)) {
        enum dc_err err = conn_reconnect(c);
        if (err != DC_OK) {
            db_release(c);
            return err;
        }
    }
    c->arena = arena;
    c->arg_failed = false;
    *out = c;
    return DC_OK;
}

enum dc_err db_acquire(struct db_conn **out, struct dc_arena *arena)
{
    return pool_acquire(&primary, out, arena);
}

enum dc_err db_acquire_read(struct db_conn **out, struct dc_arena *arena)
{
    if (!replica.size)
        return pool_acquire(&primary, out, arena);
    enum db_replica_state st = db_replica_state();
    if (st == DB_REPLICA_OK) {
        if (pool_acquire(&replica, out, arena) == DC_OK)
            return DC_OK;
        st = DB_REPLICA_DOWN;
    }
    db_replica_count_fallback(st);
    return pool_acquire(&primary, out, arena);
}

bool db_conn_is_replica(const struct db_conn *c)
{
    return c && c->owner == &replica;
}

struct dc_arena *db_conn_arena(const struct db_conn *c)
{
    return c->arena;
}

void db_release(struct db_conn *c)
{
    if (!c)
        return;
    struct pool *pool = c->owner;
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        db_rollback(c);
    c->arena = NULL;
    pthread_mutex_lock(&pool->mu);
    c->in_use = false;
    pool->stats.in_use--;
    pthread_cond_signal(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

PGconn *db_conn_pg(struct db_conn *conn)
{
    return conn->pg;
}

enum dc_err db_err_from_sqlstate(const char *s)
{
    if (!s || strlen(s) != 5)
        return DC_ERR_INTERNAL;
    if (strcmp(s, "23505") == 0)
        return DC_ERR_CONFLICT;
    if (strcmp(s, "23503") == 0 || strcmp(s, "23514") == 0 || strncmp(s, "22", 2) == 0)
        return DC_ERR_VALIDATION;
    /* connection exceptions, admin shutdown, insufficient resources,
     * serialization failures and deadlocks: the client may retry */
    if (strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0 || strncmp(s, "53", 2) == 0 ||
        strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
        return DC_ERR_UNAVAILABLE;
    return DC_ERR_INTERNAL;
}

/* Classifies a failed result; marks the connection broken when it is gone. */
static enum dc_err result_error(struct db_conn *c, PGresult *r, const char *what)
{
    if (PQstatus(c->pg) != CONNECTION_OK) {
        c->broken = true;
        return DC_ERR_UNAVAILABLE;
    }
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
    enum dc_err err = db_err_from_sqlstate(st);
    if (err == DC_ERR_INTERNAL || err == DC_ERR_UNAVAILABLE) {
        /* statement name, SQLSTATE and constraint only: never values */
        char msg[200];
        snprintf(msg, sizeof msg, "%s failed: sqlstate %s%s%s", what, st ? st : "none",
                 constraint ? " constraint " : "", constraint ? constraint : "");
        log_event("error", "db", msg);
    }
    return err;
}

/*
 * A prepared statement missing on the server (26000) or there already
 * (42P05) on a connection that prepared it (or not) itself: something
 * between us and PostgreSQL hands each transaction another server
 * connection (PgBouncer in transaction mode). Said once, plainly; the
 * connection forgets what it prepared and the client may retry (503).
 */
static enum dc_err statement_vanished(struct db_conn *c, const char *sqlstate)
{
    static atomic_flag said = ATOMIC_FLAG_INIT;
    if (!atomic_flag_test_and_set(&said)) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "sqlstate %s: prepared statements do not survive between transactions on this "
                 "connection (a pooler in transaction mode?): set DRILLCAMP_DB_PREPARED=0",
                 sqlstate);
        log_event("error", "db", msg);
    }
    c->nprepared = 0;
    return DC_ERR_UNAVAILABLE;
}

/* A statement's result: *out on success, else the error (r cleared). */
static enum dc_err result_of(struct db_conn *c, const struct db_stmt *stmt, PGresult *r,
                             PGresult **out)
{
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        *out = r;
        return DC_OK;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    enum dc_err err =
        use_prepared && state && (strcmp(state, "26000") == 0 || strcmp(state, "42P05") == 0)
            ? statement_vanished(c, state)
            : result_error(c, r, stmt->name);
    PQclear(r);
    return err;
}

static bool is_prepared(const struct db_conn *c, const struct db_stmt *stmt)
{
    for (int i = 0; i < c->nprepared; i++)
        if (c->prepared[i] == stmt)
            return true;
    return false;
}

enum dc_err db_exec(struct db_conn *c, const struct db_stmt *stmt, const char *const *params,
                    PGresult **out)
{
    *out = NULL;
    if (c->arg_failed) {
        c->arg_failed = false;
        return DC_ERR_NOMEM;
    }
    if (!use_prepared) {
        PGresult *r = PQexecParams(c->pg, stmt->sql, stmt->nparams, NULL, params, NULL, NULL, 0);
        return result_of(c, stmt, r, out);
    }
    if (!is_prepared(c, stmt)) {
        PGresult *pr = PQprepare(c->pg, stmt->name, stmt->sql, stmt->nparams, NULL);
        if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
            PGresult *none = NULL;
            return result_of(c, stmt, pr, &none);
        }
        PQclear(pr);
        if (c->nprepared < MAX_PREPARED)
            c->prepared[c->nprepared++] = stmt;
    }
    PGresult *r = PQexecPrepared(c->pg, stmt->name, stmt->nparams, params, NULL, NULL, 0);
    return result_of(c, stmt, r, out);
}

static void result_clear(void *r)
{
    PQclear(r);
}

/* Runs stmt and hands the result to the connection's arena. */
static enum dc_err exec_kept(struct db_conn *c, const struct db_stmt *stmt,
                             const char *const *params, PGresult **out)
{
    enum dc_err err = db_exec(c, stmt, params, out);
    if (err != DC_OK)
        return err;
    if (!c->arena || !arena_defer(c->arena, result_clear, *out)) {
        if (!c->arena)
            PQclear(*out);
        *out = NULL;
        return DC_ERR_NOMEM;
    }
    return DC_OK;
}

enum dc_err db_query_list(struct db_conn *c, const struct db_stmt *stmt, const char *const *params,
                          size_t item_size, db_row_fn fn, void **out, size_t *n)
{
    PGresult *r;
    *out = NULL;
    *n = 0;
    enum dc_err err = exec_kept(c, stmt, params, &r);
    if (err != DC_OK)
        return err;
    int rows = PQntuples(r);
    char *items = arena_calloc(c->arena, rows ? (size_t)rows : 1, item_size);
    if (!items)
        return DC_ERR_NOMEM;
    for (int i = 0; i < rows; i++)
        fn(r, i, items + (size_t)i * item_size);
    *out = items;
    *n = (size_t)rows;
    return DC_OK;
}

enum dc_err db_query_one(struct db_conn *c, const struct db_stmt *stmt, const char *const *params,
                         db_row_fn fn, void *item)
{
    PGresult *r;
    enum dc_err err = exec_kept(c, stmt, params, &r);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0)
        return DC_ERR_NOT_FOUND;
    fn(r, 0, item);
    return DC_OK;
}

enum dc_err db_exec_void(struct db_conn *c, const struct db_stmt *stmt, const char *const *params)
{
    PGresult *r;
    enum dc_err err = db_exec(c, stmt, params, &r);
    PQclear(r);
    return err;
}

const char *db_text(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col);
}

const char *db_text_or_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t db_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int db_int(const PGresult *r, int row, int col)
{
    return (int)strtol(PQgetvalue(r, row, col), NULL, 10);
}

bool db_bool(const PGresult *r, int row, int col)
{
    return strcmp(PQgetvalue(r, row, col), "t") == 0;
}

double db_double(const PGresult *r, int row, int col)
{
    return strtod(PQgetvalue(r, row, col), NULL);
}

void db_row_bool(const PGresult *r, int row, void *item)
{
    *(bool *)item = db_bool(r, row, 0);
}

void db_row_i64(const PGresult *r, int row, void *item)
{
    *(int64_t *)item = db_i64(r, row, 0);
}

void db_row_text(const PGresult *r, int row, void *item)
{
    *(const char **)item = db_text_or_null(r, row, 0);
}

const char *db_arg_i64(struct db_conn *c, int64_t v)
{
    char *s = arena_printf(c->arena, "%" PRId64, v);
    if (!s)
        c->arg_failed = true;
    return s;
}

const char *db_arg_double(struct db_conn *c, double v)
{
    char *s = arena_printf(c->arena, "%.17g", v);
    if (!s)
        c->arg_failed = true;
    return s;
}

const char *db_arg_bool(bool v)
{
    return v ? "true" : "false";
}

/* n elements written by put into one "{...}" literal of at most
 * n * width + 3 bytes. */
static const char *array_arg(struct db_conn *c, size_t n, size_t width,
                             size_t (*put)(char *out, size_t cap, size_t i, const void *v),
                             const void *v)
{
    size_t cap = n * (width + 1) + 3;
    char *s = arena_alloc(c->arena, cap);
    if (!s) {
        c->arg_failed = true;
        return NULL;
    }
    size_t o = 0;
    s[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            s[o++] = ',';
        o += put(s + o, cap - o, i, v);
    }
    s[o++] = '}';
    s[o] = '\0';
    return s;
}

static size_t put_i64(char *out, size_t cap, size_t i, const void *v)
{
    return (size_t)snprintf(out, cap, "%" PRId64, ((const int64_t *)v)[i]);
}

static size_t put_double(char *out, size_t cap, size_t i, const void *v)
{
    return (size_t)snprintf(out, cap, "%.17g", ((const double *)v)[i]);
}

/* A quoted element: backslash before " and \. */
static size_t put_text(char *out, size_t cap, size_t i, const void *v)
{
    const char *t = ((const char *const *)v)[i];
    size_t o = 0;
    out[o++] = '"';
    for (; *t && o + 3 < cap; t++) {
        if (*t == '"' || *t == '\\')
            out[o++] = '\\';
        out[o++] = *t;
    }
    out[o++] = '"';
    out[o] = '\0';
    return o;
}

static size_t put_bool(char *out, size_t cap, size_t i, const void *v)
{
    return (size_t)snprintf(out, cap, "%c", ((const bool *)v)[i] ? 't' : 'f');
}

const char *db_arg_bool_array(struct db_conn *c, const bool *v, size_t n)
{
    return array_arg(c, n, 1, put_bool, v);
}

const char *db_arg_i64_array(struct db_conn *c, const int64_t *v, size_t n)
{
    return array_arg(c, n, 20, put_i64, v);
}

const char *db_arg_double_array(struct db_conn *c, const double *v, size_t n)
{
    return array_arg(c, n, 25, put_double, v);
}

const char *db_arg_text_array(struct db_conn *c, const char *const *v, size_t n)
{
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = 2 * strlen(v[i]) + 2;
        width = l > width ? l : width;
    }
    return array_arg(c, n, width + 1, put_text, v);
}

static enum dc_err simple(struct db_conn *c, const char *sql)
{
    PGresult *r = PQexec(c->pg, sql);
    enum dc_err err = DC_OK;
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        err = result_error(c, r, sql);
    PQclear(r);
    return err;
}

enum dc_err db_begin(struct db_conn *c)
{
    return simple(c, "BEGIN");
}

enum dc_err db_commit(struct db_conn *c)
{
    return simple(c, "COMMIT");
}

enum dc_err db_ping(struct db_conn *c)
{
    return simple(c, "SELECT 1");
}

void db_rollback(struct db_conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        (void)simple(c, "ROLLBACK");
}
