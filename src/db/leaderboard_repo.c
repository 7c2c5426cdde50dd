/*
 * leaderboard_repo.c - SQL for the participant ranking (approved
 * submissions in rank order from an index: no likes are scanned), the
 * frozen final snapshot and the winners' phones.
 */
#include "drillcamp/contest.h"

static const struct db_stmt RANK_PAGE = {
    "leaderboard_page",
    "SELECT s.id, s.author_id, a.display_name, a.kind, a.region_code, s.title, s.cover_url,"
    " s.like_count FROM submissions s JOIN accounts a ON a.id = s.author_id"
    " WHERE s.status = 'approved'"
    " ORDER BY s.like_count DESC, s.last_like_at ASC NULLS FIRST, s.created_at, s.id"
    " OFFSET $1::int LIMIT $2::int",
    2};

static const struct db_stmt SNAPSHOT = {
    "leaderboard_snapshot", "SELECT body FROM leaderboard_snapshots WHERE campaign_id = $1", 1};

static const struct db_stmt FREEZE = {
    "leaderboard_freeze",
    "WITH ins AS (INSERT INTO leaderboard_snapshots (campaign_id, frozen_at, body)"
    " VALUES ($1, to_timestamp($3::float8), $2) ON CONFLICT (campaign_id) DO NOTHING"
    " RETURNING body), mark AS (UPDATE campaigns SET frozen_at = to_timestamp($3::float8)"
    " WHERE id = $1 AND EXISTS (SELECT 1 FROM ins) RETURNING 1)"
    " SELECT body FROM ins",
    3};

static const struct db_stmt PHONES = {
    "leaderboard_phones",
    "SELECT a.phone FROM unnest($1::bigint[]) WITH ORDINALITY AS w(id, ord)"
    " JOIN accounts a ON a.id = w.id ORDER BY w.ord",
    1};

static void rank_from_row(const PGresult *r, int i, void *item)
{
    struct dc_rank_row *x = item;
    x->submission_id = db_i64(r, i, 0);
    x->account_id = db_i64(r, i, 1);
    x->display_name = db_text(r, i, 2);
    x->kind = db_text(r, i, 3);
    x->region_code = db_text(r, i, 4);
    x->title = db_text(r, i, 5);
    x->cover_url = db_text_or_null(r, i, 6);
    x->like_count = db_i64(r, i, 7);
}

enum dc_err leaderboard_repo_page(struct db_conn *c, int offset, int limit,
                                  struct dc_rank_row **out, size_t *n)
{
    const char *p[] = {db_arg_i64(c, offset), db_arg_i64(c, limit)};
    return db_query_list(c, &RANK_PAGE, p, sizeof **out, rank_from_row, (void **)out, n);
}

enum dc_err leaderboard_repo_snapshot(struct db_conn *c, int64_t campaign_id, const char **body)
{
    const char *p[] = {db_arg_i64(c, campaign_id)};
    return db_query_one(c, &SNAPSHOT, p, db_row_text, body);
}

enum dc_err leaderboard_repo_freeze(struct db_conn *c, int64_t campaign_id, const char *json,
                                    double frozen_at, const char **body)
{
    const char *p[] = {db_arg_i64(c, campaign_id), json, db_arg_double(c, frozen_at)};
    enum dc_err err = db_query_one(c, &FREEZE, p, db_row_text, body);
    /* someone froze first: theirs is the snapshot */
    return err == DC_ERR_NOT_FOUND ? leaderboard_repo_snapshot(c, campaign_id, body) : err;
}

enum dc_err leaderboard_repo_phones(struct db_conn *c, const char *ids_pg, const char ***out,
                                    size_t *n)
{
    const char *p[] = {ids_pg};
    return db_query_list(c, &PHONES, p, sizeof **out, db_row_text, (void **)out, n);
}
