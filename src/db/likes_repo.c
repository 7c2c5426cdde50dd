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
    "WITH r AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[], $4::text[],"
    " $5::text[]) WITH ORDINALITY AS r(sid, aid, liking, client, device, ord)),"
    " k AS (SELECT launch_at <= now() AND now() < ends_at AS live FROM campaigns WHERE id = 1),"
    " v AS (SELECT r.ord, r.sid, r.aid, r.liking, r.client, r.device, s.like_count,"
    " CASE WHEN s.id IS NULL OR s.status <> 'approved' THEN 404 WHEN s.author_id = r.aid THEN 403"
    " WHEN NOT k.live THEN 409 ELSE 200 END AS code"
    " FROM r CROSS JOIN k LEFT JOIN submissions s ON s.id = r.sid),"
    " ins AS (INSERT INTO likes (submission_id, account_id, client_hash, device_hash)"
    " SELECT sid, aid, nullif(client, ''), nullif(device, '') FROM v"
    " WHERE code = 200 AND liking ORDER BY sid, aid"
    " ON CONFLICT DO NOTHING RETURNING submission_id, account_id),"
    " del AS (DELETE FROM likes l USING v WHERE v.code = 200 AND NOT v.liking"
    " AND l.submission_id = v.sid AND l.account_id = v.aid RETURNING l.submission_id, "
    "l.account_id),"
    " moved AS (SELECT submission_id, (account_id % " SHARDS ")::smallint AS shard, sum(d) AS d,"
    " CASE WHEN bool_and(d > 0) THEN now() END AS newest"
    " FROM (SELECT submission_id, account_id, 1 AS d FROM ins"
    " UNION ALL SELECT submission_id, account_id, -1 FROM del) x GROUP BY 1, 2),"
    " bump AS (INSERT INTO like_shards (submission_id, shard, delta, newest)"
    " SELECT submission_id, shard, d, newest FROM moved ORDER BY submission_id, shard"
    " ON CONFLICT (submission_id, shard) DO UPDATE SET delta = like_shards.delta + excluded.delta,"
    " newest = CASE WHEN like_shards.newest IS NOT NULL AND excluded.newest IS NOT NULL"
    " THEN greatest(like_shards.newest, excluded.newest) END"
    " RETURNING 1)"
    " SELECT v.code, CASE WHEN v.code = 200 THEN v.like_count"
    " + coalesce((SELECT sum(delta) FROM like_shards ls WHERE ls.submission_id = v.sid), 0)"
    " + coalesce((SELECT sum(m.d) FROM moved m WHERE m.submission_id = v.sid), 0) ELSE 0 END"
    " FROM v ORDER BY v.ord",
    5};

/*
 * The folder takes the submissions with shards in id order, a chunk at a
 * time: $1 the last id of the previous chunk, $2 how many. It locks their
 * shard rows in key order, as the like batches do, so the two never
 * deadlock; a like waits for one chunk at most. The rows come back as two
 * arrays (submission ids, shards) for FOLD_MOVE, with the chunk's last id
 * and size.
 */
static const struct db_stmt FOLD_LOCK = {
    "likes_fold_lock",
    "WITH l AS (SELECT submission_id, shard FROM like_shards WHERE submission_id IN"
    " (SELECT DISTINCT submission_id FROM like_shards WHERE submission_id > $1"
    " ORDER BY 1 LIMIT $2) ORDER BY submission_id, shard FOR UPDATE)"
    " SELECT coalesce(array_agg(submission_id)::text, '{}'), coalesce(array_agg(shard)::text, "
    "'{}'),"
    " coalesce(max(submission_id), $1), count(DISTINCT submission_id) FROM l",
    2};

/*
 * A second statement, so that its snapshot sees every like whose shard row
 * the lock waited for (they committed after FOLD_LOCK's snapshot): deletes
 * exactly the locked rows and adds them to like_count, with the newest
 * counted like's time for ties: the shards' newest when they only hold
 * likes, else (an unlike may have removed the newest) looked up in likes.
 */
static const struct db_stmt FOLD_MOVE = {
    "likes_fold_move",
    "WITH moved AS (DELETE FROM like_shards ls"
    " USING unnest($1::bigint[], $2::smallint[]) AS k(sid, shard)"
    " WHERE ls.submission_id = k.sid AND ls.shard = k.shard"
    " RETURNING ls.submission_id, ls.delta, ls.newest),"
    " sums AS (SELECT submission_id, sum(delta) AS d, max(newest) AS newest,"
    " bool_or(newest IS NULL) AS recount FROM moved GROUP BY submission_id)"
    " UPDATE submissions s SET like_count = s.like_count + sums.d,"
    " last_like_at = CASE WHEN sums.recount"
    " THEN (SELECT max(l.created_at) FROM likes l WHERE l.submission_id = s.id)"
    " ELSE greatest(s.last_like_at, sums.newest) END"
    " FROM sums WHERE s.id = sums.submission_id",
    2};

/* One chunk's locked shard rows. */
struct fold_chunk {
    const char *sids;   /* "{...}", into the result */
    const char *shards; /* "{...}" */
    int64_t last;
    int64_t n;
};

static void fold_chunk_from_row(const PGresult *r, int i, void *item)
{
    struct fold_chunk *f = item;
    f->sids = db_text(r, i, 0);
    f->shards = db_text(r, i, 1);
    f->last = db_i64(r, i, 2);
    f->n = db_i64(r, i, 3);
}

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

enum dc_err likes_repo_apply(struct db_conn *c, const struct likes_batch *b, int *codes,
                             int64_t *counts)
{
    size_t n = b->n;
    const char *p[] = {db_arg_i64_array(c, b->sids, n), db_arg_i64_array(c, b->aids, n),
                       db_arg_bool_array(c, b->likes, n), db_arg_text_array(c, b->clients, n),
                       db_arg_text_array(c, b->devices, n)};
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

enum dc_err likes_repo_fold_chunk(struct db_conn *c, int64_t *after, int limit, int *moved)
{
    struct fold_chunk f = {0};
    const char *p[] = {db_arg_i64(c, *after), db_arg_i64(c, limit)};
    *moved = 0;
    enum dc_err err = db_query_one(c, &FOLD_LOCK, p, fold_chunk_from_row, &f);
    if (err != DC_OK || f.n == 0)
        return err;
    const char *q[] = {f.sids, f.shards};
    err = db_exec_void(c, &FOLD_MOVE, q);
    if (err == DC_OK) {
        *after = f.last;
        *moved = (int)f.n;
    }
    return err;
}

enum dc_err likes_repo_fold(struct db_conn *c, int *moved)
{
    int64_t after = 0;
    int n = 0;
    enum dc_err err;
    *moved = 0;
    do {
        err = likes_repo_fold_chunk(c, &after, LIKES_FOLD_CHUNK, &n);
        *moved += n;
    } while (err == DC_OK && n > 0);
    return err;
}
