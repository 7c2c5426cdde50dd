/*
 * learners_repo.c - SQL for the per-account learner row: credited seconds,
 * the playback token bucket and the check-in streak. Writers lock the row
 * first, so two heartbeats of one account are applied one after the other
 * while different accounts never wait on each other.
 */
#include "drillcamp/arena.h"
#include "drillcamp/learning.h"

static const struct db_stmt CREATE = {
    "learners_create",
    "INSERT INTO learners (account_id, bucket_tokens, bucket_at) VALUES ($1, $2, $3)"
    " ON CONFLICT (account_id) DO NOTHING",
    3};

#define LEARNER_COLS                                                                               \
    "credited_seconds, bucket_tokens, bucket_at, checkin_days, streak_days,"                       \
    " coalesce(last_checkin_day - date '1970-01-01', -1)"

static const struct db_stmt LOCK = {
    "learners_lock", "SELECT " LEARNER_COLS " FROM learners WHERE account_id = $1 FOR UPDATE", 1};

static const struct db_stmt GET = {
    "learners_get", "SELECT " LEARNER_COLS " FROM learners WHERE account_id = $1", 1};

static const struct db_stmt SAVE = {
    "learners_save",
    "UPDATE learners SET credited_seconds = $2, bucket_tokens = $3, bucket_at = $4,"
    " checkin_days = $5, streak_days = $6,"
    " last_checkin_day = CASE WHEN $7::int < 0 THEN NULL ELSE date '1970-01-01' + $7::int END,"
    " updated_at = now() WHERE account_id = $1",
    7};

/* many learners at once, for a batch of watch reports: created when new,
 * then locked in account order (batches never deadlock each other) */
static const struct db_stmt CREATE_MANY = {
    "learners_create_many",
    "INSERT INTO learners (account_id, bucket_tokens, bucket_at)"
    " SELECT a, $2, $3 FROM unnest($1::bigint[]) a ON CONFLICT (account_id) DO NOTHING",
    3};

static const struct db_stmt LOCK_MANY = {
    "learners_lock_many",
    "SELECT " LEARNER_COLS ", account_id FROM learners WHERE account_id = ANY ($1::bigint[])"
    " ORDER BY account_id FOR UPDATE",
    1};

static const struct db_stmt SAVE_CREDIT_MANY = {
    "learners_save_credit_many",
    "UPDATE learners l SET credited_seconds = u.cs, bucket_tokens = u.bt, bucket_at = u.ba,"
    " updated_at = now() FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[])"
    " AS u(a, cs, bt, ba) WHERE l.account_id = u.a",
    4};

static void learner_from_row(const PGresult *r, int i, void *item)
{
    struct dc_learner *l = item;
    l->credited_seconds = db_i64(r, i, 0);
    l->bucket.tokens = db_double(r, i, 1);
    l->bucket.at = db_double(r, i, 2);
    l->checkin_days = db_int(r, i, 3);
    l->streak_days = db_int(r, i, 4);
    l->last_checkin_day = db_i64(r, i, 5);
}

enum dc_err learners_repo_lock(struct db_conn *c, int64_t account_id, double rate, double now,
                               struct dc_learner *out)
{
    struct progress_bucket full = progress_bucket_new(rate, now);
    const char *p[] = {db_arg_i64(c, account_id), db_arg_double(c, full.tokens),
                       db_arg_double(c, full.at)};
    enum dc_err err = db_exec_void(c, &CREATE, p);
    return err == DC_OK ? db_query_one(c, &LOCK, p, learner_from_row, out) : err;
}

enum dc_err learners_repo_get(struct db_conn *c, int64_t account_id, struct dc_learner *out)
{
    const char *p[] = {db_arg_i64(c, account_id)};
    enum dc_err err = db_query_one(c, &GET, p, learner_from_row, out);
    if (err == DC_ERR_NOT_FOUND) {
        *out = (struct dc_learner){.last_checkin_day = -1};
        err = DC_OK;
    }
    return err;
}

enum dc_err learners_repo_save(struct db_conn *c, int64_t account_id, const struct dc_learner *l)
{
    const char *p[] = {db_arg_i64(c, account_id),          db_arg_i64(c, l->credited_seconds),
                       db_arg_double(c, l->bucket.tokens), db_arg_double(c, l->bucket.at),
                       db_arg_i64(c, l->checkin_days),     db_arg_i64(c, l->streak_days),
                       db_arg_i64(c, l->last_checkin_day)};
    return db_exec_void(c, &SAVE, p);
}

/* A locked learner row and whose it is. */
struct owned_learner {
    struct dc_learner l;
    int64_t account_id;
};

static void owned_from_row(const PGresult *r, int i, void *item)
{
    struct owned_learner *o = item;
    learner_from_row(r, i, &o->l);
    o->account_id = db_i64(r, i, 6);
}

enum dc_err learners_repo_lock_many(struct db_conn *c, const int64_t *accounts, size_t n,
                                    double rate, double now, struct dc_learner *out)
{
    struct progress_bucket full = progress_bucket_new(rate, now);
    const char *ids = db_arg_i64_array(c, accounts, n);
    const char *p[] = {ids, db_arg_double(c, full.tokens), db_arg_double(c, full.at)};
    struct owned_learner *rows = NULL;
    size_t got = 0;
    enum dc_err err = db_exec_void(c, &CREATE_MANY, p);
    if (err == DC_OK)
        err = db_query_list(c, &LOCK_MANY, p, sizeof *rows, owned_from_row, (void **)&rows, &got);
    /* accounts are sorted and distinct, and so are the rows: one each */
    for (size_t i = 0; err == DC_OK && i < n; i++) {
        if (i >= got || rows[i].account_id != accounts[i])
            return DC_ERR_INTERNAL;
        out[i] = rows[i].l;
    }
    return err;
}

enum dc_err learners_repo_save_credit(struct db_conn *c, const int64_t *accounts,
                                      const struct dc_learner *learners, size_t n)
{
    struct dc_arena *a = db_conn_arena(c);
    int64_t *cs = arena_calloc(a, n, sizeof *cs);
    double *bt = arena_calloc(a, n, sizeof *bt), *ba = arena_calloc(a, n, sizeof *ba);
    if (!cs || !bt || !ba)
        return DC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        cs[i] = learners[i].credited_seconds;
        bt[i] = learners[i].bucket.tokens;
        ba[i] = learners[i].bucket.at;
    }
    const char *p[] = {db_arg_i64_array(c, accounts, n), db_arg_i64_array(c, cs, n),
                       db_arg_double_array(c, bt, n), db_arg_double_array(c, ba, n)};
    return db_exec_void(c, &SAVE_CREDIT_MANY, p);
}
