/*
 * reservations_repo.c - SQL for livestream reservations (预约), with the
 * livestream's reservation_count kept in the same statement.
 */
#include "drillcamp/learning.h"

/* the first column says whether the livestream exists */
static const struct db_stmt PUT = {
    "reservations_put",
    "WITH ins AS (INSERT INTO reservations (livestream_id, account_id)"
    " SELECT id, $2 FROM livestreams WHERE id = $1 ON CONFLICT DO NOTHING RETURNING 1),"
    " bump AS (UPDATE livestreams SET reservation_count = reservation_count + 1"
    " WHERE id = $1 AND EXISTS (SELECT 1 FROM ins) RETURNING 1)"
    " SELECT EXISTS (SELECT 1 FROM livestreams WHERE id = $1), (SELECT count(*) FROM bump)",
    2};

static const struct db_stmt DELETE = {
    "reservations_delete",
    "WITH del AS (DELETE FROM reservations WHERE livestream_id = $1 AND account_id = $2"
    " RETURNING 1), drop_ AS (UPDATE livestreams SET reservation_count = reservation_count - 1"
    " WHERE id = $1 AND EXISTS (SELECT 1 FROM del) RETURNING 1)"
    " SELECT EXISTS (SELECT 1 FROM livestreams WHERE id = $1), (SELECT count(*) FROM drop_)",
    2};

/* A reservation change; DC_ERR_NOT_FOUND when the livestream does not exist. */
static enum dc_err change(struct db_conn *c, const struct db_stmt *s, int64_t livestream_id,
                          int64_t account_id)
{
    const char *p[] = {db_arg_i64(c, livestream_id), db_arg_i64(c, account_id)};
    bool exists = false;
    enum dc_err err = db_query_one(c, s, p, db_row_bool, &exists);
    return err == DC_OK && !exists ? DC_ERR_NOT_FOUND : err;
}

enum dc_err reservations_repo_put(struct db_conn *c, int64_t livestream_id, int64_t account_id)
{
    return change(c, &PUT, livestream_id, account_id);
}

enum dc_err reservations_repo_delete(struct db_conn *c, int64_t livestream_id, int64_t account_id)
{
    return change(c, &DELETE, livestream_id, account_id);
}
