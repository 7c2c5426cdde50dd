/*
 * likes_repo.c - SQL for likes with sharded counters and their folding.
 *
 * A like inserts its (submission, account) row and adds +1 to one of 32
 * shard rows chosen by the account, so that concurrent likers of one video
 * rarely wait on the same row. likes_repo_fold moves the shards into
 * submissions.like_count (and the newest counted like's time, for ties)
 * about once a second.
 */
#include <stdio.h>

#include "drillcamp/arena.h"
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

static void target_from_row(const PGresult *r, int i, void *item)
{
    struct dc_like_target *t = item;
    t->status = db_text(r, i, 0);
    t->author_id = db_i64(r, i, 1);
}

enum dc_err likes_repo_target(struct db_conn *c, int64_t submission_id, struct dc_like_target *out)
{
    const char *p[] = {db_arg_i64(c, submission_id)};
    return db_query_one(c, &TARGET, p, target_from_row, out);
}

enum dc_err likes_repo_set(struct db_conn *c, int64_t submission_id, int64_t account_id, bool like,
                           int64_t *like_count)
{
    const char *p[] = {db_arg_i64(c, submission_id), db_arg_i64(c, account_id)};
    enum dc_err err = db_exec_void(c, like ? &LIKE : &UNLIKE, p);
    *like_count = 0;
    if (err == DC_OK)
        err = db_query_one(c, &COUNT, p, db_row_i64, like_count);
    return err == DC_ERR_NOT_FOUND ? DC_OK : err;
}

/* The folded submissions' ids as a bigint[] literal in the arena. */
static const char *ids_literal(struct dc_arena *a, const int64_t *ids, size_t n)
{
    char *s = arena_alloc(a, n * 21 + 3); /* each: a comma and 20 characters */
    if (!s)
        return NULL;
    size_t o = 0;
    s[o++] = '{';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, 22, "%s%lld", i ? "," : "", (long long)ids[i]);
    s[o++] = '}';
    s[o] = '\0';
    return s;
}

enum dc_err likes_repo_fold(struct db_conn *c, int *moved)
{
    int64_t *ids = NULL;
    size_t n = 0;
    *moved = 0;
    enum dc_err err = db_query_list(c, &FOLD, NULL, sizeof *ids, db_row_i64, (void **)&ids, &n);
    if (err != DC_OK || n == 0)
        return err;
    const char *p[] = {ids_literal(db_conn_arena(c), ids, n)};
    if (!p[0])
        return DC_ERR_NOMEM;
    err = db_exec_void(c, &FOLD_NEWEST, p);
    *moved = (int)n;
    return err;
}
