/*
 * likes_api.c - PUT and DELETE /v1/submissions/:id/like, and the like rule
 * that users and partners' like batches share: idempotent, one like per
 * account and submission, the returned count including the call.
 *
 * Users' likes are batched (batcher.c): a like waits suspended while the
 * like thread applies everything queued in one statement and one commit,
 * then it is answered.
 */
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/clienthash.h"
#include "drillcamp/arena.h"
#include "drillcamp/contest.h"
#include "drillcamp/dispatch.h"

/* Likes waiting for the batch beyond this many are 503 at once. */
#define LIKE_BATCH_MAX 256
#define LIKE_QUEUE_MAX 8192
#define LIKE_ATTEMPTS  3 /* a batch aborted by a deadlock or a serialization failure is retried */

static struct batcher *like_batcher;

static enum dc_err err_of_code(int code)
{
    switch (code) {
    case 200:
        return DC_OK;
    case 404:
        return DC_ERR_NOT_FOUND; /* only approved submissions can be liked */
    case 403:
        return DC_ERR_SELF_LIKE;
    case 409:
        return DC_ERR_CAMPAIGN_CLOSED;
    default:
        return DC_ERR_INTERNAL;
    }
}

/* ops[from..] up to the first that repeats an earlier op's (submission,
 * account): one statement's worth, which applies them all at once. */
static size_t distinct_run(struct like_op *const *ops, size_t from, size_t n)
{
    size_t end = from;
    for (; end < n; end++)
        for (size_t k = from; k < end; k++)
            if (ops[k]->submission_id == ops[end]->submission_id &&
                ops[k]->account_id == ops[end]->account_id)
                return end;
    return end;
}

/* One statement for ops[0..n) (distinct pairs), retried when the database
 * aborted it (nothing of it was kept then). */
static enum dc_err apply_run(struct db_conn *c, struct like_op *const *ops, size_t n)
{
    struct dc_arena *a = db_conn_arena(c);
    int64_t *sids = arena_calloc(a, n, sizeof *sids), *aids = arena_calloc(a, n, sizeof *aids);
    int64_t *counts = arena_calloc(a, n, sizeof *counts);
    bool *likes = arena_calloc(a, n, sizeof *likes);
    int *codes = arena_calloc(a, n, sizeof *codes);
    const char **clients = arena_calloc(a, n, sizeof *clients);
    const char **devices = arena_calloc(a, n, sizeof *devices);
    if (!sids || !aids || !counts || !likes || !codes || !clients || !devices)
        return DC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        sids[i] = ops[i]->submission_id;
        aids[i] = ops[i]->account_id;
        likes[i] = ops[i]->like;
        clients[i] = ops[i]->client_hash;
        devices[i] = ops[i]->device_hash;
    }
    struct likes_batch batch = {sids, aids, likes, clients, devices, n};
    enum dc_err err = DC_ERR_UNAVAILABLE;
    for (int attempt = 0; attempt < LIKE_ATTEMPTS && err == DC_ERR_UNAVAILABLE; attempt++)
        err = likes_repo_apply(c, &batch, codes, counts);
    for (size_t i = 0; err == DC_OK && i < n; i++) {
        ops[i]->err = err_of_code(codes[i]);
        ops[i]->like_count = counts[i];
    }
    return err;
}

enum dc_err likes_apply(struct db_conn *c, struct like_op *const *ops, size_t n)
{
    enum dc_err err = DC_OK;
    for (size_t from = 0; err == DC_OK && from < n;) {
        size_t end = distinct_run(ops, from, n);
        err = apply_run(c, ops + from, end - from);
        from = end;
    }
    return err;
}

/* A user's like waiting for its batch. */
struct like_wait {
    struct like_op op;
    struct dc_req *req;
};

/* On the like thread: one batch of waiting likes, then each answered. */
static void like_batch(struct db_conn *c, void **items, size_t n, enum dc_err err)
{
    struct like_op **ops = c ? arena_calloc(db_conn_arena(c), n, sizeof(struct like_op *)) : NULL;
    if (err == DC_OK && !ops)
        err = DC_ERR_NOMEM;
    for (size_t i = 0; err == DC_OK && i < n; i++)
        ops[i] = &((struct like_wait *)items[i])->op;
    if (err == DC_OK)
        err = likes_apply(c, ops, n);
    for (size_t i = 0; i < n; i++) {
        struct like_wait *w = items[i];
        enum dc_err e = err != DC_OK ? err : w->op.err;
        if (e == DC_OK)
            e = dc_reply_json(w->req, 200,
                              json_pack("{s:b, s:I}", "liked", w->op.like, "like_count",
                                        (json_int_t)w->op.like_count));
        dispatch_wake(w->req, e, NULL);
    }
}

/* Runs once the request is suspended: into the next batch, or 503 when the
 * queue is full. */
static void like_start(struct dc_req *req, void *ctx)
{
    if (!like_batcher || !batcher_submit(like_batcher, ctx))
        dispatch_wake(req, DC_ERR_UNAVAILABLE, NULL);
}

/* PUT and DELETE alike. Route: bearer, rate limited per account. */
static enum dc_err like_change(struct dc_req *req, bool like)
{
    struct like_wait *w = arena_alloc(req->arena, sizeof *w);
    int64_t id;
    enum dc_err err = w ? api_path_id(req, "id", &id) : DC_ERR_NOMEM;
    if (err != DC_OK)
        return err;
    w->op = (struct like_op){.submission_id = id, .account_id = req->auth.account_id, .like = like};
    /* who liked, kept as keyed hashes only (the real client behind trusted
     * proxies) */
    client_hash(req->client_ip, w->op.client_hash);
    const char *device = dc_req_header(req, "X-Device-Id");
    if (device && *device)
        client_hash(device, w->op.device_hash);
    w->req = req;
    return dispatch_defer(req, like_start, w);
}

enum dc_err likes_api_put(struct dc_req *req)
{
    return like_change(req, true);
}

enum dc_err likes_api_delete(struct dc_req *req)
{
    return like_change(req, false);
}

enum dc_err likes_start_batching(void)
{
    like_batcher = batcher_start(like_batch, LIKE_BATCH_MAX, LIKE_QUEUE_MAX);
    return like_batcher ? DC_OK : DC_ERR_INTERNAL;
}

void likes_stop_batching(void)
{
    batcher_stop(like_batcher);
    like_batcher = NULL;
}
