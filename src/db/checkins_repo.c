/*
 * checkins_repo.c - SQL for daily check-ins (签到): one row per account
 * and Beijing calendar day.
 */
#include "drillcamp/learning.h"

static const struct db_stmt INSERT = {
    "checkins_insert",
    "INSERT INTO checkins (account_id, day) VALUES ($1, date '1970-01-01' + $2::int)"
    " ON CONFLICT DO NOTHING RETURNING 1",
    2};

static const struct db_stmt DAYS = {
    "checkins_days",
    "SELECT to_char(day, 'YYYY-MM-DD') FROM checkins WHERE account_id = $1 ORDER BY day", 1};

enum dc_err checkins_repo_insert(struct db_conn *c, int64_t account_id, int64_t day, bool *inserted)
{
    const char *p[] = {db_arg_i64(c, account_id), db_arg_i64(c, day)};
    int64_t one = 0;
    enum dc_err err = db_query_one(c, &INSERT, p, db_row_i64, &one);
    *inserted = err == DC_OK;
    return err == DC_ERR_NOT_FOUND ? DC_OK : err;
}

enum dc_err checkins_repo_days(struct db_conn *c, int64_t account_id, const char ***out, size_t *n)
{
    const char *p[] = {db_arg_i64(c, account_id)};
    return db_query_list(c, &DAYS, p, sizeof **out, db_row_text, (void **)out, n);
}
