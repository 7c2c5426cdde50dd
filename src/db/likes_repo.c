/*
 * likes_repo.c - likes with sharded counters and their folding, and the
 * leaderboard and Idempotency-Key SQL of the contest.
 *
 * A like inserts its (submission, account) row and adds +1 to one of 32
 * shard rows chosen by the account, so that concurrent likers of one video
 * rarely wait on the same row. likes_repo_fold moves the shards into
 * submissions.like_count (and the newest counted like's time, for ties)
 * about once a second.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/contest.h"

#define SHARDS "32"

static const struct db_stmt TARGET = {"likes_target",
                                      "SELECT status, author_id FROM submissions WHERE id = $1", 1};

static const struct db_stmt LIKE = {
    "likes_like",
    "WITH ins AS (INSERT INTO likes (submission_id, account_id) VALUES ($1, $2)"
    " ON CONFLICT DO NOTHING RETURNING 1)"
    " INSERT INTO like_shards (submission_id, shard, delta)"
    " SELECT $1, ($2::bigint % " SHARDS ")::smallint, 1 FROM ins"
    " ON CONFLICT (submission_id, shard) DO UPDATE SET delta = like_shards.delta + 1",
    2};

static const struct db_stmt UNLIKE = {
    "likes_unlike",
    "WITH del AS (DELETE FROM likes WHERE submission_id = $1 AND account_id = $2 RETURNING 1)"
    " INSERT INTO like_shards (submission_id, shard, delta)"
    " SELECT $1, ($2::bigint % " SHARDS ")::smallint, -1 FROM del"
    " ON CONFLICT (submission_id, shard) DO UPDATE SET delta = like_shards.delta - 1",
    2};

static const struct db_stmt COUNT = {
    "likes_count",
    "SELECT s.like_count + coalesce((SELECT sum(delta) FROM like_shards"
    " WHERE submission_id = $1), 0) FROM submissions s WHERE s.id = $1",
    1};

static const struct db_stmt FOLD = {
    "likes_fold",
    "WITH moved AS (DELETE FROM like_shards RETURNING submission_id, delta),"
    " sums AS (SELECT submission_id, sum(delta) AS d FROM moved GROUP BY submission_id)"
    " UPDATE submissions s SET like_count = s.like_count + sums.d"
    " FROM sums WHERE s.id = sums.submission_id RETURNING s.id",
    0};

/* a second statement, so that it sees the likes whose shard rows the fold
 * waited for (they committed after the fold statement's snapshot) */
static const struct db_stmt FOLD_NEWEST = {
    "likes_fold_newest",
    "UPDATE submissions s SET last_like_at = (SELECT max(l.created_at) FROM likes l"
    " WHERE l.submission_id = s.id) WHERE s.id = ANY ($1::bigint[])",
    1};

static const struct db_stmt RANK_PAGE = {
    "leaderboard_page",
    "SELECT s.id, s.author_id, a.display_name, a.kind, a.region_code, s.title, s.cover_url,"
    " s.like_count, a.phone FROM submissions s JOIN accounts a ON a.id = s.author_id"
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

static const struct db_stmt IDEM_EXPIRE = {
    "idempotency_expire",
    "DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2"
    " AND created_at < now() - interval '24 hours'",
    2};

static const struct db_stmt IDEM_CLAIM = {
    "idempotency_claim",
    "INSERT INTO idempotency_keys (account_id, key, request_hash) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING RETURNING 1",
    3};

static const struct db_stmt IDEM_GET = {
    "idempotency_get",
    "SELECT request_hash, coalesce(status, 0), coalesce(response, '') FROM idempotency_keys"
    " WHERE account_id = $1 AND key = $2",
    2};

static const struct db_stmt IDEM_STORE = {
    "idempotency_store",
    "UPDATE idempotency_keys SET status = $3, response = $4 WHERE account_id = $1 AND key = $2", 4};

static void target_from_row(const PGresult *r, int i, void *item)
{
    struct dc_like_target *t = item;
    snprintf(t->status, sizeof t->status, "%s", PQgetvalue(r, i, 0));
    t->author_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
}

enum dc_err likes_repo_target(struct db_conn *c, int64_t submission_id, struct dc_like_target *out)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, submission_id);
    const char *p[] = {id};
    return db_query_one(c, &TARGET, p, target_from_row, out);
}

enum dc_err likes_repo_set(struct db_conn *c, int64_t submission_id, int64_t account_id, bool like,
                           int64_t *like_count)
{
    char sid[24], aid[24];
    snprintf(sid, sizeof sid, "%" PRId64, submission_id);
    snprintf(aid, sizeof aid, "%" PRId64, account_id);
    const char *p[] = {sid, aid};
    enum dc_err err = db_exec_void(c, like ? &LIKE : &UNLIKE, p);
    if (err != DC_OK)
        return err;
    PGresult *r;
    err = db_exec(c, &COUNT, p, &r, NULL);
    if (err != DC_OK)
        return err;
    *like_count = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return DC_OK;
}

enum dc_err likes_repo_fold(struct db_conn *c, int *moved)
{
    PGresult *r;
    *moved = 0;
    enum dc_err err = db_exec(c, &FOLD, NULL, &r, NULL);
    if (err != DC_OK)
        return err;
    int n = PQntuples(r);
    char *ids = malloc((size_t)n * 21 + 3);
    if (!ids) {
        PQclear(r);
        return DC_ERR_NOMEM;
    }
    size_t o = 0;
    ids[o++] = '{';
    for (int i = 0; i < n; i++)
        o += (size_t)sprintf(ids + o, "%s%s", i ? "," : "", PQgetvalue(r, i, 0));
    ids[o++] = '}';
    ids[o] = '\0';
    PQclear(r);
    const char *p[] = {ids}; // cppcheck-suppress variableScope
    if (n > 0)
        err = db_exec_void(c, &FOLD_NEWEST, p);
    free(ids);
    *moved = n;
    return err;
}
static void rank_from_row(const PGresult *r, int i, void *item)
{
    struct dc_rank_row *x = item;
    x->submission_id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    x->account_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    snprintf(x->display_name, sizeof x->display_name, "%s", PQgetvalue(r, i, 2));
    snprintf(x->kind, sizeof x->kind, "%s", PQgetvalue(r, i, 3));
    snprintf(x->region_code, sizeof x->region_code, "%s", PQgetvalue(r, i, 4));
    snprintf(x->title, sizeof x->title, "%s", PQgetvalue(r, i, 5));
    x->has_cover = !PQgetisnull(r, i, 6);
    snprintf(x->cover_url, sizeof x->cover_url, "%s", PQgetvalue(r, i, 6));
    x->like_count = strtoll(PQgetvalue(r, i, 7), NULL, 10);
    snprintf(x->phone, sizeof x->phone, "%s", PQgetvalue(r, i, 8));
}

enum dc_err leaderboard_repo_page(struct db_conn *c, int offset, int limit,
                                  struct dc_rank_row **out, size_t *n)
{
    char off[16], lim[16];
    snprintf(off, sizeof off, "%d", offset);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {off, lim};
    return db_query_list(c, &RANK_PAGE, p, sizeof **out, rank_from_row, (void **)out, n);
}

/* Copies the first column of a one-row result into *body (malloc'ed). */
static enum dc_err first_text(struct db_conn *c, const struct db_stmt *s, const char *const *p,
                              char **body)
{
    PGresult *r;
    enum dc_err err = db_exec(c, s, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0)
        err = DC_ERR_NOT_FOUND;
    else if (!(*body = strdup(PQgetvalue(r, 0, 0))))
        err = DC_ERR_NOMEM;
    PQclear(r);
    return err;
}

enum dc_err leaderboard_repo_snapshot(struct db_conn *c, int64_t campaign_id, char **body)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, campaign_id);
    const char *p[] = {id};
    return first_text(c, &SNAPSHOT, p, body);
}

enum dc_err leaderboard_repo_freeze(struct db_conn *c, int64_t campaign_id, const char *json,
                                    double frozen_at, char **body)
{
    char id[24], at[40];
    snprintf(id, sizeof id, "%" PRId64, campaign_id);
    snprintf(at, sizeof at, "%.6f", frozen_at);
    const char *p[] = {id, json, at};
    enum dc_err err = first_text(c, &FREEZE, p, body);
    /* someone froze first: theirs is the snapshot */
    return err == DC_ERR_NOT_FOUND ? leaderboard_repo_snapshot(c, campaign_id, body) : err;
}

static void phone_from_row(const PGresult *r, int i, void *item)
{
    snprintf(item, 16, "%s", PQgetvalue(r, i, 0));
}

enum dc_err leaderboard_repo_phones(struct db_conn *c, const char *ids_pg, char (**out)[16],
                                    size_t *n)
{
    const char *p[] = {ids_pg};
    return db_query_list(c, &PHONES, p, 16, phone_from_row, (void **)out, n);
}

enum dc_err idempotency_repo_claim(struct db_conn *c, int64_t account_id, const char *key,
                                   const char *request_hash, struct dc_idem *out)
{
    char aid[24];
    snprintf(aid, sizeof aid, "%" PRId64, account_id);
    const char *p[] = {aid, key, request_hash};
    memset(out, 0, sizeof *out);
    enum dc_err err = db_exec_void(c, &IDEM_EXPIRE, p);
    PGresult *r = NULL;
    if (err == DC_OK)
        err = db_exec(c, &IDEM_CLAIM, p, &r, NULL);
    if (err != DC_OK)
        return err;
    out->fresh = PQntuples(r) == 1;
    PQclear(r);
    if (out->fresh)
        return DC_OK;
    /* a concurrent holder has committed by now (the insert waited for it) */
    err = db_exec(c, &IDEM_GET, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return DC_ERR_CONFLICT;
    }
    snprintf(out->hash, sizeof out->hash, "%s", PQgetvalue(r, 0, 0));
    out->status = atoi(PQgetvalue(r, 0, 1));
    out->response = strdup(PQgetvalue(r, 0, 2));
    PQclear(r);
    return out->response ? DC_OK : DC_ERR_NOMEM;
}

enum dc_err idempotency_repo_store(struct db_conn *c, int64_t account_id, const char *key,
                                   int status, const char *response)
{
    char aid[24], st[16];
    snprintf(aid, sizeof aid, "%" PRId64, account_id);
    snprintf(st, sizeof st, "%d", status);
    const char *p[] = {aid, key, st, response};
    return db_exec_void(c, &IDEM_STORE, p);
}
