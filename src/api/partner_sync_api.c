/*
 * partner_sync_api.c - what partner platforms push in bulk and pull back:
 * the three batch endpoints (submissions, likes, watch progress) and the
 * change feed of the partner's submissions (API.md section 7).
 *
 * A batch's items are applied one by one, each in its own transaction,
 * through the same rule a single request uses (submissions_save,
 * likes_apply, progress_credit), and each gets the status it would have
 * got alone: one bad item never fails the others, and replaying a batch
 * changes nothing (submissions are keyed by external id, likes by account
 * and submission, progress is a union).
 */
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/contest.h"
#include "drillcamp/cursor.h"
#include "drillcamp/enums.h"
#include "drillcamp/learning.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

/* The outcome of one item. */
struct item_result {
    unsigned status; /* on success */
    int64_t id;      /* 0: none */
    enum dc_err err;
    struct dc_problem problem; /* field relative to the item, "" for the item itself */
};

/* One item's work: fills r. The connection is outside a transaction on
 * entry and must be again on return. */
typedef void (*item_fn)(struct dc_req *req, const struct dc_campaign *camp, const json_t *item,
                        struct item_result *r);

static json_t *result_json(struct dc_arena *a, size_t index, const struct item_result *r)
{
    json_t *o = json_pack("{s:I, s:i}", "index", (json_int_t)index, "status",
                          r->err == DC_OK ? (int)r->status : (int)dc_err_status(r->err));
    if (r->err == DC_OK && r->id > 0)
        json_object_set_new(o, "id", api_id_json(r->id));
    if (r->err != DC_OK) {
        const char *f = r->problem.field ? api_item_field(a, index, r->problem.field) : NULL;
        json_object_set_new(o, "error", dc_err_json(r->err, f, r->problem.message));
    }
    return o;
}

/* A batch being applied: its items, each item's result, the campaign;
 * and the ops its good items staged for one call of a rule. */
struct batch {
    const json_t *items;
    size_t n;
    struct item_result *results;
    struct dc_campaign camp;
    void **staged; /* the k-th staged op (in the arena) */
    size_t *at;    /* and its item's index */
    size_t nstaged;
};

/* Reads an item into an op for the rule (in the arena), or NULL with r
 * failed. */
typedef void *(*stage_fn)(struct dc_req *req, const struct batch *b, const json_t *item,
                          struct item_result *r);

/*
 * The common frame of the three batches: {"items": [1..500]}, the
 * campaign loaded once, a result per item (a non-object item fails as
 * itself).
 */
static enum dc_err batch_begin(struct dc_req *req, struct batch *b)
{
    const json_t *items = json_object_get(req->json, "items");
    size_t n = json_array_size(items);
    *b = (struct batch){0};
    if (!json_is_array(items) || n < 1 || n > DC_BATCH_MAX_ITEMS)
        return dc_req_fail(req, DC_ERR_VALIDATION, "items",
                           "items must be an array of 1-500 items");
    b->results = arena_calloc(req->arena, n, sizeof *b->results);
    if (!b->results)
        return DC_ERR_NOMEM;
    b->items = items;
    b->n = n;
    for (size_t i = 0; i < b->n; i++) {
        b->results[i].status = 200;
        if (!json_is_object(json_array_get(b->items, i)))
            b->results[i].err = dc_problem_set(&b->results[i].problem, DC_ERR_VALIDATION, "",
                                               "each item must be an object");
    }
    return api_campaign_load(req->db, &b->camp);
}

/* {"results": [...]}; when the database went away for an item, the rest
 * would fail alike: 503 for the whole batch, which the client retries
 * (replays are harmless). */
static enum dc_err batch_reply(struct dc_req *req, const struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->results[i].err == DC_ERR_UNAVAILABLE)
            return DC_ERR_UNAVAILABLE;
    json_t *results = json_array();
    for (size_t i = 0; i < b->n; i++)
        json_array_append_new(results, result_json(req->arena, i, &b->results[i]));
    return dc_reply_json(req, 200, json_pack("{s:o}", "results", results));
}

/* Each object item through fn, staging the good ones' ops. */
static enum dc_err batch_stage(struct dc_req *req, struct batch *b, stage_fn fn)
{
    b->staged = arena_calloc(req->arena, b->n, sizeof *b->staged);
    b->at = arena_calloc(req->arena, b->n, sizeof *b->at);
    if (!b->staged || !b->at)
        return DC_ERR_NOMEM;
    for (size_t i = 0; i < b->n && b->results[i].err != DC_ERR_UNAVAILABLE; i++) {
        void *op = b->results[i].err == DC_OK
                       ? fn(req, b, json_array_get(b->items, i), &b->results[i])
                       : NULL;
        if (op) {
            b->staged[b->nstaged] = op;
            b->at[b->nstaged++] = i;
        }
    }
    return DC_OK;
}

/* Each object item through fn, one after the other. */
static enum dc_err batch_run(struct dc_req *req, item_fn fn)
{
    struct batch b;
    enum dc_err err = batch_begin(req, &b);
    for (size_t i = 0; err == DC_OK && i < b.n; i++) {
        if (b.results[i].err == DC_OK)
            fn(req, &b.camp, json_array_get(b.items, i), &b.results[i]);
        if (b.results[i].err == DC_ERR_UNAVAILABLE)
            break;
    }
    return err == DC_OK ? batch_reply(req, &b) : err;
}

static void submission_item(struct dc_req *req, const struct dc_campaign *camp, const json_t *item,
                            struct item_result *r)
{
    struct submission_origin o = {.partner_id = req->partner->id};
    struct dc_submission sub;
    bool created = false;
    if (validate_string(item, "external_id", true, 1, DC_EXTERNAL_ID_MAX_CHARS, true,
                        &o.external_id) != DC_OK) {
        r->err = dc_problem_set(&r->problem, DC_ERR_VALIDATION, "external_id",
                                "external_id must be 1-128 characters of UTF-8 without control "
                                "characters");
        return;
    }
    r->err = api_partner_author(req->db, req->partner, item, &o.author_id, &r->problem);
    if (r->err == DC_OK)
        r->err = submissions_save(req->db, camp, &o, item, &sub, &created, &r->problem);
    r->status = created ? 201 : 200;
    r->id = r->err == DC_OK ? sub.id : 0;
}

/* Route: partner signature, JSON body (8 MiB). */
enum dc_err partner_sync_api_submissions(struct dc_req *req)
{
    return batch_run(req, submission_item);
}

/* A like item's fields as an op (in the arena), or NULL with r failed. */
static void *like_stage(struct dc_req *req, const struct batch *b, const json_t *item,
                        struct item_result *r)
{
    struct like_op *op = arena_alloc(req->arena, sizeof *op);
    const char *action;
    const json_t *sid = json_object_get(item, "submission_id");
    (void)b;
    r->err = op ? api_partner_author(req->db, req->partner, item, &op->account_id, &r->problem)
                : DC_ERR_NOMEM;
    if (r->err != DC_OK)
        return NULL;
    if (!json_is_string(sid) || !validate_id(json_string_value(sid), &op->submission_id))
        r->err = dc_problem_set(&r->problem, DC_ERR_VALIDATION, "submission_id",
                                "submission_id must be an id string");
    else if (validate_string(item, "action", true, 1, 8, true, &action) != DC_OK ||
             !dc_enum_has(&DC_ENUM_LIKE_ACTION, action))
        r->err =
            dc_problem_set(&r->problem, DC_ERR_VALIDATION, "action", DC_ENUM_LIKE_ACTION.message);
    else
        op->like = strcmp(action, "like") == 0;
    if (r->err == DC_OK) /* the partner is the client: no client or device hash */
        op->client_hash[0] = op->device_hash[0] = '\0';
    return r->err == DC_OK ? op : NULL;
}

/* Route: partner signature, JSON body (8 MiB). Every good item goes
 * through the like rule in one statement, in item order. */
enum dc_err partner_sync_api_likes(struct dc_req *req)
{
    struct batch b;
    enum dc_err err = batch_begin(req, &b);
    if (err == DC_OK)
        err = batch_stage(req, &b, like_stage);
    struct like_op **ops = err == DC_OK ? arena_calloc(req->arena, b.n, sizeof(void *)) : NULL;
    if (err != DC_OK || !ops)
        return err != DC_OK ? err : DC_ERR_NOMEM;
    for (size_t k = 0; k < b.nstaged; k++)
        ops[k] = b.staged[k];
    err = likes_apply(req->db, ops, b.nstaged);
    for (size_t k = 0; k < b.nstaged; k++) {
        struct item_result *r = &b.results[b.at[k]];
        r->err = err != DC_OK ? err : ops[k]->err;
        r->id = r->err == DC_OK ? ops[k]->submission_id : 0;
    }
    return batch_reply(req, &b);
}

/* A progress item as a job of one report (in the arena; no allowance: the
 * partner watched the clock), or NULL with r failed. */
static void *progress_stage(struct dc_req *req, const struct batch *b, const json_t *item,
                            struct item_result *r)
{
    struct progress_job *job = arena_alloc(req->arena, sizeof *job);
    struct progress_report *report = arena_alloc(req->arena, sizeof *report);
    r->err = job && report
                 ? api_partner_author(req->db, req->partner, item, &job->account_id, &r->problem)
                 : DC_ERR_NOMEM;
    if (r->err == DC_OK)
        r->err = progress_parse_report(item, report, &r->problem);
    if (r->err == DC_OK && !campaign_allows(&b->camp, ACT_LEARN, campaign_now()))
        r->err = dc_problem_set(&r->problem, DC_ERR_CAMPAIGN_CLOSED, NULL, NULL);
    if (r->err != DC_OK)
        return NULL;
    job->reports = report;
    job->n = 1;
    return job;
}

/* Route: partner signature, JSON body (8 MiB). Every good item is a job of
 * the crediting rule, all in one transaction, each applied alone. */
enum dc_err partner_sync_api_progress(struct dc_req *req)
{
    struct batch b;
    enum dc_err err = batch_begin(req, &b);
    if (err == DC_OK)
        err = batch_stage(req, &b, progress_stage);
    struct progress_job **jobs =
        err == DC_OK ? arena_calloc(req->arena, b.n, sizeof(void *)) : NULL;
    if (err != DC_OK || !jobs)
        return err != DC_OK ? err : DC_ERR_NOMEM;
    for (size_t k = 0; k < b.nstaged; k++)
        jobs[k] = b.staged[k];
    err = b.nstaged ? progress_credit(req->db, &b.camp, jobs, b.nstaged) : DC_OK;
    for (size_t k = 0; k < b.nstaged; k++) {
        struct item_result *r = &b.results[b.at[k]];
        r->err = err != DC_OK ? err : jobs[k]->err;
        if (err == DC_OK)
            r->problem = jobs[k]->problem;
    }
    return batch_reply(req, &b);
}

static json_t *change_json(const void *item)
{
    const struct dc_partner_change *c = item;
    return json_pack("{s:o, s:s, s:s, s:o, s:b, s:I, s:s}", "submission_id",
                     api_id_json(c->submission_id), "external_id", c->external_id, "status",
                     c->status, "reject_reason", api_string_or_null(c->reject_reason),
                     "recommended", c->recommended, "like_count", (json_int_t)c->like_count,
                     "changed_at", c->changed_at);
}

/* GET /v1/partner/changes: next_cursor is never null; an empty page hands
 * back the cursor it was given, to be polled again later.
 * Route: partner signature. */
enum dc_err partner_sync_api_changes(struct dc_req *req)
{
    struct dc_partner_change *items;
    size_t n;
    struct api_page page;
    enum dc_err err = api_page_parse(req, &page);
    if (err == DC_OK)
        err = partner_changes_repo_page(req->db, req->partner->id, page.after_a, page.after_b,
                                        page.limit, &items, &n);
    if (err != DC_OK)
        return err;
    json_t *arr = api_json_array(items, n, sizeof *items, change_json);
    int64_t tx = n ? items[n - 1].tx : page.after_a, seq = n ? items[n - 1].seq : page.after_b;
    char cursor[CURSOR_MAX];
    cursor_encode(tx, seq, cursor);
    return dc_reply_json(req, 200, json_pack("{s:o, s:s}", "items", arr, "next_cursor", cursor));
}
