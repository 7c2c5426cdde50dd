/*
 * progress_api.c - watch-progress heartbeats (POST /v1/progress) and the
 * learner's summary (GET /v1/me/progress); and the crediting rule that
 * users' heartbeats and partners' progress batches share.
 *
 * Credit is applied in batches: users' heartbeats wait suspended while the
 * progress thread applies everything queued in one transaction (a partner
 * batch is one such transaction too). The transaction locks the learners
 * and intervals it touches in key order, so reports of one account apply
 * one after the other (nothing counted twice, nothing lost) and batches
 * never deadlock; each account's reports apply whole or not at all.
 */
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/dispatch.h"
#include "drillcamp/learning.h"
#include "drillcamp/limits.h"

#define PROGRESS_BATCH_MAX 64
#define PROGRESS_QUEUE_MAX 4096

/* What a batch reads and writes, each sorted and distinct: the accounts
 * (their learners), the contents (their lengths) and the (account,
 * content) keys (their interval sets). */
struct batch_state {
    int64_t *accounts;
    struct dc_learner *learners;
    bool *learner_changed;
    size_t naccounts;
    struct dc_content_key *contents;
    int32_t *lengths;
    enum dc_err *length_errs;
    size_t ncontents;
    struct dc_progress_key *keys;
    struct progress_set *sets;
    bool *key_changed;
    size_t nkeys;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_content(const void *a, const void *b)
{
    const struct dc_content_key *x = a, *y = b;
    int t = strcmp(x->type, y->type);
    return t ? t : x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_key(const void *a, const void *b)
{
    const struct dc_progress_key *x = a, *y = b;
    if (x->account_id != y->account_id)
        return x->account_id < y->account_id ? -1 : 1;
    int t = strcmp(x->type, y->type);
    return t ? t : x->id < y->id ? -1 : x->id > y->id;
}

/* Sorts n items and keeps one of each; the new count. */
static size_t sort_unique(void *items, size_t n, size_t size,
                          int (*cmp)(const void *, const void *))
{
    char *p = items;
    qsort(p, n, size, cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || cmp(p + (k - 1) * size, p + i * size) != 0)
            memmove(p + k++ * size, p + i * size, size);
    return k;
}

static size_t find(const void *key, const void *items, size_t n, size_t size,
                   int (*cmp)(const void *, const void *))
{
    const char *hit = bsearch(key, items, n, size, cmp);
    return hit ? (size_t)(hit - (const char *)items) / size : n;
}

/* Collects what the jobs touch into b (in the arena). */
static enum dc_err state_gather(struct dc_arena *a, struct progress_job *const *jobs, size_t n,
                                struct batch_state *b)
{
    size_t reports = 0;
    for (size_t j = 0; j < n; j++)
        reports += (size_t)jobs[j]->n;
    b->accounts = arena_calloc(a, n, sizeof *b->accounts);
    b->contents = arena_calloc(a, reports, sizeof *b->contents);
    b->keys = arena_calloc(a, reports, sizeof *b->keys);
    if (!b->accounts || !b->contents || !b->keys)
        return DC_ERR_NOMEM;
    for (size_t j = 0, r = 0; j < n; j++) {
        b->accounts[j] = jobs[j]->account_id;
        for (int i = 0; i < jobs[j]->n; i++, r++) {
            const struct progress_report *rep = &jobs[j]->reports[i];
            b->contents[r] = (struct dc_content_key){rep->content_type, rep->content_id};
            b->keys[r] =
                (struct dc_progress_key){jobs[j]->account_id, rep->content_type, rep->content_id};
        }
    }
    b->naccounts = sort_unique(b->accounts, n, sizeof *b->accounts, cmp_i64);
    b->ncontents = sort_unique(b->contents, reports, sizeof *b->contents, cmp_content);
    b->nkeys = sort_unique(b->keys, reports, sizeof *b->keys, cmp_key);
    b->learners = arena_calloc(a, b->naccounts, sizeof *b->learners);
    b->learner_changed = arena_calloc(a, b->naccounts, sizeof *b->learner_changed);
    b->lengths = arena_calloc(a, b->ncontents, sizeof *b->lengths);
    b->length_errs = arena_calloc(a, b->ncontents, sizeof *b->length_errs);
    b->sets = arena_calloc(a, b->nkeys, sizeof *b->sets);
    b->key_changed = arena_calloc(a, b->nkeys, sizeof *b->key_changed);
    return b->learners && b->learner_changed && b->lengths && b->length_errs && b->sets &&
                   b->key_changed
               ? DC_OK
               : DC_ERR_NOMEM;
}

/* A job's working copies of the sets it touches: set[i] for its report
 * i's key (copied from the batch on first touch). */
struct job_sets {
    size_t *key;              /* the batch key of report i */
    struct progress_set *set; /* the copy of that key, or unused */
    bool *owner;              /* report i's copy is the key's (first touch) */
};

/* Applies one job to copies of the batch state; on success the copies
 * replace the batch's. */
static void job_apply(struct dc_arena *a, const struct dc_campaign *camp, double now,
                      struct batch_state *b, struct progress_job *job)
{
    struct dc_progress_key k = {job->account_id, NULL, 0};
    size_t acct = find(&job->account_id, b->accounts, b->naccounts, sizeof *b->accounts, cmp_i64);
    struct dc_learner l = b->learners[acct];
    double rate = camp->rules.max_playback_rate;
    int64_t left = job->allowance ? progress_bucket_available(&l.bucket, rate, now) : -1;
    int64_t credited = 0;
    size_t n = (size_t)job->n;
    struct job_sets js = {arena_calloc(a, n, sizeof *js.key), arena_calloc(a, n, sizeof *js.set),
                          arena_calloc(a, n, sizeof *js.owner)};
    job->err = js.key && js.set && js.owner ? DC_OK : DC_ERR_NOMEM;
    /* every report against its content first: a bad one fails the job */
    for (size_t i = 0; job->err == DC_OK && i < n; i++) {
        const struct progress_report *r = &job->reports[i];
        struct dc_content_key ck = {r->content_type, r->content_id};
        size_t c = find(&ck, b->contents, b->ncontents, sizeof ck, cmp_content);
        job->bad_item = (int)i;
        if (b->length_errs[c] == DC_ERR_NOT_FOUND)
            job->err =
                dc_problem_set(&job->problem, DC_ERR_VALIDATION, "content_id", "unknown content");
        else if (b->length_errs[c] != DC_OK)
            job->err = dc_problem_set(&job->problem, DC_ERR_INVALID_STATE, "content_id",
                                      "a scheduled livestream has no length yet");
        else if (r->to > b->lengths[c])
            job->err = dc_problem_set(&job->problem, DC_ERR_VALIDATION, "to_second",
                                      "to_second is past the content's length");
        k.type = r->content_type;
        k.id = r->content_id;
        js.key[i] = find(&k, b->keys, b->nkeys, sizeof k, cmp_key);
    }
    if (job->err == DC_OK)
        job->bad_item = -1;
    /* then merged into copies, within the allowance when there is one */
    for (size_t i = 0; job->err == DC_OK && i < n; i++) {
        size_t first = i;
        for (size_t p = 0; p < i && first == i; p++)
            if (js.key[p] == js.key[i])
                first = p;
        if (first == i) {
            job->err = progress_set_copy(&b->sets[js.key[i]], &js.set[i]);
            js.owner[i] = true;
        }
        const struct progress_report *r = &job->reports[i];
        struct progress_set *set = &js.set[first];
        int64_t fresh = (int64_t)(r->to - r->from) - progress_set_covered(set, r->from, r->to);
        int64_t added = 0;
        if (job->err == DC_OK)
            job->err = progress_merge_interval(set, r->from, r->to,
                                               job->allowance ? left - credited : -1, &added);
        /* new seconds the allowance did not cover are dropped, and said so */
        job->capped = job->capped || added < fresh;
        credited += added;
    }
    job->contents = job->err == DC_OK ? arena_calloc(a, n, sizeof *job->contents) : NULL;
    if (job->err == DC_OK && !job->contents)
        job->err = DC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!js.owner || !js.owner[i])
            continue;
        if (job->err != DC_OK) {
            progress_set_free(&js.set[i]);
            continue;
        }
        /* the job's copy becomes the key's */
        struct progress_set *kept = &b->sets[js.key[i]];
        b->key_changed[js.key[i]] = b->key_changed[js.key[i]] ||
                                    progress_set_length(&js.set[i]) != progress_set_length(kept);
        progress_set_free(kept);
        *kept = js.set[i];
        job->contents[job->ncontents++] = (struct progress_content){
            job->reports[i].content_type, job->reports[i].content_id, progress_set_length(kept)};
    }
    if (job->err != DC_OK)
        return;
    l.credited_seconds += credited;
    if (job->allowance)
        progress_bucket_take(&l.bucket, rate, now, credited);
    b->learner_changed[acct] = b->learner_changed[acct] || job->allowance || credited > 0;
    b->learners[acct] = l;
    job->learner = l;
}

/* Writes what changed: the interval sets, then the learners. */
static enum dc_err state_save(struct db_conn *c, const struct batch_state *b)
{
    struct dc_arena *a = db_conn_arena(c);
    struct dc_progress_key *keys = arena_calloc(a, b->nkeys, sizeof *keys);
    const struct progress_set **sets = arena_calloc(a, b->nkeys, sizeof(struct progress_set *));
    int64_t *accounts = arena_calloc(a, b->naccounts, sizeof *accounts);
    struct dc_learner *learners = arena_calloc(a, b->naccounts, sizeof *learners);
    size_t nk = 0, na = 0;
    if (!keys || !sets || !accounts || !learners)
        return DC_ERR_NOMEM;
    for (size_t i = 0; i < b->nkeys; i++) {
        if (b->key_changed[i]) {
            keys[nk] = b->keys[i];
            sets[nk++] = &b->sets[i];
        }
    }
    for (size_t i = 0; i < b->naccounts; i++) {
        if (b->learner_changed[i]) {
            accounts[na] = b->accounts[i];
            learners[na++] = b->learners[i];
        }
    }
    enum dc_err err = nk ? progress_repo_save_many(c, keys, sets, nk) : DC_OK;
    if (err == DC_OK && na)
        err = learners_repo_save_credit(c, accounts, learners, na);
    return err;
}

enum dc_err progress_credit(struct db_conn *c, const struct dc_campaign *camp,
                            struct progress_job *const *jobs, size_t n)
{
    struct dc_arena *a = db_conn_arena(c);
    struct batch_state b = {0};
    double now = campaign_now();
    for (size_t j = 0; j < n; j++) {
        jobs[j]->err = DC_OK;
        jobs[j]->bad_item = -1;
        jobs[j]->capped = false;
        jobs[j]->ncontents = 0;
    }
    enum dc_err err = state_gather(a, jobs, n, &b);
    if (err == DC_OK)
        err = db_begin(c);
    if (err == DC_OK)
        err = learners_repo_lock_many(c, b.accounts, b.naccounts, camp->rules.max_playback_rate,
                                      now, b.learners);
    if (err == DC_OK)
        err = progress_repo_content_lengths(c, b.contents, b.ncontents, now, b.lengths,
                                            b.length_errs);
    if (err == DC_OK)
        err = progress_repo_lock_many(c, b.keys, b.nkeys, b.sets);
    for (size_t j = 0; err == DC_OK && j < n; j++)
        job_apply(a, camp, now, &b, jobs[j]);
    if (err == DC_OK)
        err = state_save(c, &b);
    if (err == DC_OK)
        err = db_commit(c);
    if (err != DC_OK)
        db_rollback(c);
    for (size_t i = 0; b.sets && i < b.nkeys; i++)
        progress_set_free(&b.sets[i]);
    return err;
}

/* total_credited_seconds, class_hours and eligible, added to body. */
static json_t *progress_summary(json_t *body, const struct dc_rules *rules,
                                const struct dc_learner *l)
{
    struct progress_rules pr = {rules->class_hour_seconds, rules->required_class_hours,
                                rules->require_checkin};
    json_object_set_new(body, "total_credited_seconds", json_integer(l->credited_seconds));
    json_object_set_new(
        body, "class_hours",
        json_real(progress_class_hours(l->credited_seconds, rules->class_hour_seconds)));
    json_object_set_new(body, "eligible",
                        json_boolean(progress_eligible(&pr, l->credited_seconds, l->checkin_days)));
    return body;
}

/* Reads {"items": [1..100 reports]}; a bad one is 422 items.N.member. */
static enum dc_err reports_parse(struct dc_req *req, struct progress_report **out, int *n)
{
    json_t *items = json_object_get(req->json, "items");
    size_t count = json_array_size(items);
    if (!json_is_array(items) || count < 1 || count > DC_PROGRESS_MAX_ITEMS)
        return dc_req_fail(req, DC_ERR_VALIDATION, "items",
                           "items must be an array of 1-100 reports");
    *out = arena_calloc(req->arena, count, sizeof **out);
    if (!*out)
        return DC_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        enum dc_err err =
            progress_parse_report(json_array_get(items, i), &(*out)[i], &req->problem);
        if (err != DC_OK)
            return dc_req_fail(req, err, api_item_field(req->arena, i, req->problem.field),
                               req->problem.message);
    }
    *n = (int)count;
    return DC_OK;
}

/* A user's heartbeats waiting for their batch. */
struct progress_wait {
    struct progress_job job;
    struct dc_req *req;
    struct dc_campaign camp;
};

/* The answer of a credited job. */
static enum dc_err progress_reply(struct dc_req *req, const struct progress_job *job,
                                  const struct dc_rules *rules)
{
    json_t *items = json_array();
    for (int i = 0; i < job->ncontents; i++)
        json_array_append_new(items, json_pack("{s:s, s:o, s:I}", "content_type",
                                               job->contents[i].type, "content_id",
                                               api_id_json(job->contents[i].id), "credited_seconds",
                                               (json_int_t)job->contents[i].credited_seconds));
    json_t *resp = json_pack("{s:o, s:b}", "items", items, "capped", job->capped);
    return dc_reply_json(req, 200, progress_summary(resp, rules, &job->learner));
}

/* On the progress thread: one batch of waiting heartbeats, then each
 * answered. */
static void progress_batch(struct db_conn *c, void **items, size_t n, enum dc_err err)
{
    struct progress_job **jobs =
        c ? arena_calloc(db_conn_arena(c), n, sizeof(struct progress_job *)) : NULL;
    if (err == DC_OK && !jobs)
        err = DC_ERR_NOMEM;
    for (size_t i = 0; err == DC_OK && i < n; i++)
        jobs[i] = &((struct progress_wait *)items[i])->job;
    /* the rate of the newest campaign read among the batch's requests */
    if (err == DC_OK)
        err = progress_credit(c, &((struct progress_wait *)items[n - 1])->camp, jobs, n);
    for (size_t i = 0; i < n; i++) {
        struct progress_wait *w = items[i];
        struct dc_req *req = w->req;
        enum dc_err e = err != DC_OK ? err : w->job.err;
        if (e != DC_OK && err == DC_OK && w->job.bad_item >= 0)
            dc_req_fail(req, e,
                        api_item_field(req->arena, (size_t)w->job.bad_item, w->job.problem.field),
                        w->job.problem.message);
        else if (e == DC_OK)
            e = progress_reply(req, &w->job, &w->camp.rules);
        dispatch_wake(req, e, NULL);
    }
}

static struct batcher *progress_batcher;

/* Runs once the request is suspended: into the next batch, or 503 when the
 * queue is full. */
static void progress_start(struct dc_req *req, void *ctx)
{
    if (!progress_batcher || !batcher_submit(progress_batcher, ctx))
        dispatch_wake(req, DC_ERR_UNAVAILABLE, NULL);
}

/* Route: bearer, rate limited per account, JSON body. The reports wait for
 * the next batch. */
enum dc_err progress_api_post(struct dc_req *req)
{
    struct progress_wait *w = arena_alloc(req->arena, sizeof *w);
    struct progress_report *reports = NULL;
    int n = 0;
    enum dc_err err = w ? reports_parse(req, &reports, &n) : DC_ERR_NOMEM;
    if (err == DC_OK)
        err = api_campaign_gate(req->db, ACT_LEARN, &w->camp);
    if (err != DC_OK)
        return err;
    w->job = (struct progress_job){
        .account_id = req->auth.account_id, .reports = reports, .n = n, .allowance = true};
    w->req = req;
    return dispatch_defer(req, progress_start, w);
}

enum dc_err progress_start_batching(void)
{
    progress_batcher = batcher_start(progress_batch, PROGRESS_BATCH_MAX, PROGRESS_QUEUE_MAX);
    return progress_batcher ? DC_OK : DC_ERR_INTERNAL;
}

void progress_stop_batching(void)
{
    batcher_stop(progress_batcher);
    progress_batcher = NULL;
}

static json_t *item_json(const void *item)
{
    const struct dc_progress_item *it = item;
    return json_pack("{s:s, s:o, s:s, s:o, s:i}", "content_type", it->content_type, "content_id",
                     api_id_json(it->content_id), "title", it->title, "duration_seconds",
                     it->duration_seconds ? json_integer(it->duration_seconds) : json_null(),
                     "credited_seconds", it->credited_seconds);
}

/* Route: bearer. */
enum dc_err progress_api_mine(struct dc_req *req)
{
    struct dc_campaign camp;
    struct dc_learner learner;
    struct dc_progress_item *items;
    size_t n;
    enum dc_err err = api_campaign_load(req->db, &camp);
    if (err == DC_OK)
        err = learners_repo_get(req->db, req->auth.account_id, &learner);
    if (err == DC_OK)
        err = progress_repo_list(req->db, req->auth.account_id, &items, &n);
    if (err != DC_OK)
        return err;
    json_t *arr = api_json_array(items, n, sizeof *items, item_json);
    struct progress_rules pr = {camp.rules.class_hour_seconds, camp.rules.required_class_hours,
                                camp.rules.require_checkin};
    json_t *resp = json_pack("{s:o, s:i, s:I, s:i}", "items", arr, "required_class_hours",
                             camp.rules.required_class_hours, "remaining_seconds",
                             (json_int_t)progress_remaining_seconds(&pr, learner.credited_seconds),
                             "checkin_days", learner.checkin_days);
    return dc_reply_json(req, 200, progress_summary(resp, &camp.rules, &learner));
}
