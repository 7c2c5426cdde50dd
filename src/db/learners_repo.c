/*
 * learners_repo.c - SQL for the per-account learner row: credited seconds,
 * the playback token bucket and the check-in streak. Writers lock the row
 * first, so two heartbeats of one account are applied one after the other
 * while different accounts never wait on each other.
 */
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
