/*
 * likes_repo.c - SQL for likes with sharded counters and their folding.
 *
 * A like inserts its (submission, account) row and adds +1 to one of 32
 * shard rows chosen by the account, so that concurrent likers of one video
 * rarely wait on the same row. likes_repo_fold moves the shards into
 * submissions.like_count (and the newest counted like's time, for ties)
 * about once a second.
 */
#include "drillcamp/contest.h"

#define SHARDS "32"

/*
 * n likes and unlikes in one statement, so one transaction and one commit:
 * $1 submissions, $2 accounts, $3 like (true) or unlike, an op per index.
 * Each op is checked (404 unless approved, 403 one's own, 409 outside
 * live), then the good ones insert or delete their like row, the rows that
 * changed move the shard counters, and each op gets its code and the count
 * including the batch: folded + shards before + the batch's own moves. A
 * (submission, account) appears once per statement (the caller splits),
 * and rows are locked in key order so that batches and the folder do not
 * deadlock each other.
 */
static const struct db_stmt APPLY = {
    "likes_apply",
    "WITH r AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[])"
    " WITH ORDINALITY AS r(sid, aid, liking, ord)),"
    " k AS (SELECT launch_at <= now() AND now() < ends_at AS live FROM campaigns WHERE id = 1),"
    " v AS (SELECT r.ord, r.sid, r.aid, r.liking, s.like_count,"
    " CASE WHEN s.id IS NULL OR s.status <> 'approved' THEN 404 WHEN s.author_id = r.aid THEN 403"
    " WHEN NOT k.live THEN 409 ELSE 200 END AS code"
    " FROM r CROSS JOIN k LEFT JOIN submissions s ON s.id = r.sid),"
    " ins AS (INSERT INTO likes (submission_id, account_id)"
    " SELECT sid, aid FROM v WHERE code = 200 AND liking ORDER BY sid, aid"
    " ON CONFLICT DO NOTHING RETURNING submission_id, account_id),"
    " del AS (DELETE FROM likes l USING v WHERE v.code = 200 AND NOT v.liking"
    " AND l.submission_id = v.sid AND l.account_id = v.aid RETURNING l.submission_id, "
    "l.account_id),"
    " moved AS (SELECT submission_id, (account_id % " SHARDS ")::smallint AS shard, sum(d) AS d"
    " FROM (SELECT submission_id, account_id, 1 AS d FROM ins"
    " UNION ALL SELECT submission_id, account_id, -1 FROM del) x GROUP BY 1, 2),"
    " bump AS (INSERT INTO like_shards (submission_id, shard, delta)"
    " SELECT submission_id, shard, d FROM moved ORDER BY submission_id, shard"
    " ON CONFLICT (submission_id, shard) DO UPDATE SET delta = like_shards.delta + excluded.delta"
    " RETURNING 1)"
    " SELECT v.code, CASE WHEN v.code = 200 THEN v.like_count"
    " + coalesce((SELECT sum(delta) FROM like_shards ls WHERE ls.submission_id = v.sid), 0)"
    " + coalesce((SELECT sum(m.d) FROM moved m WHERE m.submission_id = v.sid), 0) ELSE 0 END"
    " FROM v ORDER BY v.ord",
    3};

/* the shard rows are locked in key order, as the like batches lock them,
 * so that the two never deadlock */
static const struct db_stmt FOLD = {
    "likes_fold",
    "WITH locked AS (SELECT submission_id, shard FROM like_shards ORDER BY submission_id, shard"
    " FOR UPDATE), moved AS (DELETE FROM like_shards ls USING locked"
    " WHERE ls.submission_id = locked.submission_id AND ls.shard = locked.shard"
    " RETURNING ls.submission_id, ls.delta),"
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

/* An op's code and count. */
struct applied {
    int code;
    int64_t count;
};

static void applied_from_row(const PGresult *r, int i, void *item)
{
    struct applied *a = item;
    a->code = db_int(r, i, 0);
    a->count = db_i64(r, i, 1);
}

enum dc_err likes_repo_apply(struct db_conn *c, const int64_t *sids, const int64_t *aids,
                             const bool *likes, size_t n, int *codes, int64_t *counts)
{
    const char *p[] = {db_arg_i64_array(c, sids, n), db_arg_i64_array(c, aids, n),
                       db_arg_bool_array(c, likes, n)};
    struct applied *rows = NULL;
    size_t got = 0;
    enum dc_err err =
        db_query_list(c, &APPLY, p, sizeof *rows, applied_from_row, (void **)&rows, &got);
    if (err == DC_OK && got != n)
        err = DC_ERR_INTERNAL;
    for (size_t i = 0; err == DC_OK && i < n; i++) {
        codes[i] = rows[i].code;
        counts[i] = rows[i].count;
    }
    return err;
}

enum dc_err likes_repo_fold(struct db_conn *c, int *moved)
{
    int64_t *ids = NULL;
    size_t n = 0;
    *moved = 0;
    enum dc_err err = db_query_list(c, &FOLD, NULL, sizeof *ids, db_row_i64, (void **)&ids, &n);
    if (err != DC_OK || n == 0)
        return err;
    const char *p[] = {db_arg_i64_array(c, ids, n)};
    err = db_exec_void(c, &FOLD_NEWEST, p);
    *moved = (int)n;
    return err;
}
