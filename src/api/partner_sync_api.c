/*
 * partner_sync_api.c - what partner platforms push in bulk and pull back:
 * the three batch endpoints (submissions, likes, watch progress) and the
 * change feed of the partner's submissions (API.md section 7).
 *
 * A batch's items are applied one by one, each in its own transaction, and
 * each gets the status it would have got alone: one bad item never fails
 * the others, and replaying a batch changes nothing (submissions are keyed
 * by external id, likes by account and submission, progress is a union).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/contest.h"
#include "drillcamp/cursor.h"
#include "drillcamp/learning.h"
#include "drillcamp/validate.h"

#define BATCH_MAX 500

static const char *const CONTENT_TYPES[] = {"lesson", "livestream", NULL};
static const char *const ACTIONS[] = {"like", "unlike", NULL};

/* The outcome of one item. */
struct item_result {
    unsigned status; /* on success */
    int64_t id;      /* 0: none */
    enum dc_err err;
    const char *field; /* relative to the item, "" for the item itself */
    const char *message;
};

/* One item's work: fills r; may use conn, which is outside a transaction
 * on entry and must be again on return. */
typedef void (*item_fn)(struct db_conn *conn, const struct dc_partner *partner,
                        const struct dc_campaign *camp, bool open, const json_t *item,
                        struct item_result *r);

static json_t *result_json(size_t index, const struct item_result *r)
{
    json_t *o = json_pack("{s:I, s:i}", "index", (json_int_t)index, "status",
                          r->err == DC_OK ? (int)r->status : (int)dc_err_status(r->err));
    if (r->err == DC_OK && r->id > 0)
        json_object_set_new(o, "id", api_id_json(r->id));
    if (r->err != DC_OK) {
        char field[96];
        const char *f = NULL;
        if (r->field) {
            snprintf(field, sizeof field, "items.%zu%s%s", index, r->field[0] ? "." : "", r->field);
            f = field;
        }
        json_object_set_new(o, "error", dc_err_json(r->err, f, r->message));
    }
    return o;
}

static void fail(struct item_result *r, enum dc_err err, const char *field, const char *message)
{
    r->err = err;
    r->field = field;
    r->message = message;
}

/*
 * The common frame of the three batches: the signature, {"items": [1..500]},
 * the campaign gate (once: a closed phase fails every item alike), then
 * each item through fn, answered as {"results": [...]}.
 */
static void batch_run(struct dc_req *req, enum dc_activity activity, item_fn fn)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_partner partner;
    struct dc_campaign camp;
    json_t *body = NULL, *results = NULL;
    if (!api_db_acquire_or_respond(req, &conn) || !api_partner_or_respond(req, conn, &partner))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    json_t *items = json_object_get(body, "items");
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n < 1 || n > BATCH_MAX) {
        dc_reply_err(req, DC_ERR_VALIDATION, "items", "items must be an array of 1-500 items");
        goto out;
    }
    err = campaign_repo_get(conn, &camp);
    if (err != DC_OK)
        goto out;
    bool open = campaign_allows(&camp, activity, campaign_now());
    results = json_array();
    for (size_t i = 0; i < n; i++) {
        struct item_result r = {.status = 200, .err = DC_OK};
        const json_t *item = json_array_get(items, i);
        if (!json_is_object(item))
            fail(&r, DC_ERR_VALIDATION, "", "each item must be an object");
        else
            fn(conn, &partner, &camp, open, item, &r);
        /* the database went away: the rest would fail alike, and the
         * client must retry the batch (replays are harmless) */
        if (r.err == DC_ERR_UNAVAILABLE) {
            err = r.err;
            goto out;
        }
        json_array_append_new(results, result_json(i, &r));
    }
    dc_reply_json(req, 200, json_pack("{s:O}", "results", results));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    json_decref(body);
    json_decref(results);
}

/* The account of the item's external_user_id, or a 422 in r. */
static bool item_author(struct db_conn *conn, const struct dc_partner *partner, const json_t *item,
                        int64_t *account, struct item_result *r)
{
    enum dc_err err = api_partner_author(conn, partner, item, account);
    if (err == DC_ERR_VALIDATION)
        fail(r, err, "external_user_id", API_PARTNER_AUTHOR_MSG);
    else if (err != DC_OK)
        fail(r, err, NULL, NULL);
    return err == DC_OK;
}

static void submission_item(struct db_conn *conn, const struct dc_partner *partner,
                            const struct dc_campaign *camp, bool open, const json_t *item,
                            struct item_result *r)
{
    struct dc_submission_input in;
    struct dc_submission sub;
    const char *ext, *field = NULL, *msg = NULL;
    int64_t author;
    bool exists = false, created = false;
    if (validate_string(item, "external_id", true, 1, 128, true, &ext) != DC_OK) {
        fail(r, DC_ERR_VALIDATION, "external_id",
             "external_id must be 1-128 characters of UTF-8 without control characters");
        return;
    }
    if (!item_author(conn, partner, item, &author, r))
        return;
    if (!open) {
        fail(r, DC_ERR_CAMPAIGN_CLOSED, NULL, NULL);
        return;
    }
    enum dc_err err = submission_parse(item, camp->topic, &in, &field, &msg);
    if (err == DC_OK)
        err = categories_repo_exists(conn, in.category, &exists);
    if (err == DC_OK && !exists) {
        err = DC_ERR_VALIDATION;
        field = "category";
        msg = "category is not a known category";
    }
    for (int attempt = 0; err == DC_OK && attempt < 2; attempt++) {
        err = submissions_repo_upsert_partner(conn, partner->id, ext, author, &in, &sub, &created);
        if (err == DC_ERR_CONFLICT && attempt == 0)
            err = DC_OK;
        else
            break;
    }
    if (err != DC_OK) {
        fail(r, err, field, msg);
        return;
    }
    r->status = created ? 201 : 200;
    r->id = sub.id;
}

void partner_sync_api_submissions(struct dc_req *req)
{
    batch_run(req, ACT_SUBMIT, submission_item);
}

static void like_item(struct db_conn *conn, const struct dc_partner *partner,
                      const struct dc_campaign *camp, bool open, const json_t *item,
                      struct item_result *r)
{
    struct dc_like_target t;
    const char *action;
    int64_t account, id, count;
    (void)camp;
    if (!item_author(conn, partner, item, &account, r))
        return;
    const json_t *sid = json_object_get(item, "submission_id");
    if (!json_is_string(sid) || !validate_id(json_string_value(sid), &id)) {
        fail(r, DC_ERR_VALIDATION, "submission_id", "submission_id must be an id string");
        return;
    }
    if (validate_string(item, "action", true, 1, 8, true, &action) != DC_OK ||
        !validate_one_of(action, ACTIONS)) {
        fail(r, DC_ERR_VALIDATION, "action", "action must be like or unlike");
        return;
    }
    enum dc_err err = likes_repo_target(conn, id, &t);
    /* only approved submissions can be liked; the rest do not exist to likers */
    if (err == DC_OK && strcmp(t.status, "approved") != 0)
        err = DC_ERR_NOT_FOUND;
    if (err == DC_OK && t.author_id == account)
        err = DC_ERR_SELF_LIKE;
    if (err == DC_OK && !open)
        err = DC_ERR_CAMPAIGN_CLOSED;
    if (err == DC_OK)
        err = db_begin(conn);
    if (err == DC_OK) {
        err = likes_repo_set(conn, id, account, strcmp(action, "like") == 0, &count);
        err = err == DC_OK ? db_commit(conn) : err;
        if (err != DC_OK)
            db_rollback(conn);
    }
    if (err != DC_OK) {
        fail(r, err, NULL, NULL);
        return;
    }
    r->id = id;
}

void partner_sync_api_likes(struct dc_req *req)
{
    batch_run(req, ACT_LIKE, like_item);
}

/* Adds [from, to) to the account's union for the content, without the
 * playback-rate allowance: the partner watched the clock. */
static enum dc_err progress_apply(struct db_conn *conn, int64_t account, const char *type,
                                  int64_t content_id, int32_t from, int32_t to,
                                  const struct dc_campaign *camp, struct item_result *r)
{
    struct dc_learner learner;
    struct progress_set set = {0};
    int32_t length = 0;
    int64_t added = 0;
    double now = campaign_now();
    enum dc_err err =
        learners_repo_lock(conn, account, camp->rules.max_playback_rate, now, &learner);
    if (err == DC_OK)
        err = progress_repo_content_length(conn, type, content_id, now, &length);
    if (err == DC_ERR_NOT_FOUND) {
        fail(r, DC_ERR_VALIDATION, "content_id", "unknown content");
        goto out;
    }
    if (err == DC_ERR_INVALID_STATE) {
        fail(r, err, "content_id", "a scheduled livestream has no length yet");
        goto out;
    }
    if (err == DC_OK && to > length) {
        fail(r, DC_ERR_VALIDATION, "to_second", "to_second is past the content's length");
        goto out;
    }
    if (err == DC_OK)
        err = progress_repo_lock_intervals(conn, account, type, content_id, &set);
    if (err == DC_OK)
        err = progress_merge_interval(&set, from, to, -1, &added);
    if (err == DC_OK && added > 0) {
        err = progress_repo_save_intervals(conn, account, type, content_id, &set);
        learner.credited_seconds += added;
        if (err == DC_OK)
            err = learners_repo_save(conn, account, &learner);
    }
    if (err != DC_OK)
        fail(r, err, NULL, NULL);
out:
    progress_set_free(&set);
    return r->err;
}

static void progress_item(struct db_conn *conn, const struct dc_partner *partner,
                          const struct dc_campaign *camp, bool open, const json_t *item,
                          struct item_result *r)
{
    const char *type;
    int64_t account, content_id;
    const json_t *from = json_object_get(item, "from_second"),
                 *to = json_object_get(item, "to_second");
    if (!item_author(conn, partner, item, &account, r))
        return;
    if (validate_string(item, "content_type", true, 1, 16, true, &type) != DC_OK ||
        !validate_one_of(type, CONTENT_TYPES))
        fail(r, DC_ERR_VALIDATION, "content_type", "content_type must be lesson or livestream");
    else if (!validate_id_member(json_object_get(item, "content_id"), &content_id))
        fail(r, DC_ERR_VALIDATION, "content_id", "content_id must be an id");
    else if (!json_is_integer(from) || json_integer_value(from) < 0 ||
             json_integer_value(from) > INT32_MAX - 1)
        fail(r, DC_ERR_VALIDATION, "from_second", "from_second must be an integer >= 0");
    else if (!json_is_integer(to) || json_integer_value(to) <= json_integer_value(from) ||
             json_integer_value(to) > INT32_MAX)
        fail(r, DC_ERR_VALIDATION, "to_second", "to_second must be an integer > from_second");
    else if (!open)
        fail(r, DC_ERR_CAMPAIGN_CLOSED, NULL, NULL);
    if (r->err != DC_OK)
        return;
    enum dc_err err = db_begin(conn);
    if (err == DC_OK &&
        progress_apply(conn, account, type, content_id, (int32_t)json_integer_value(from),
                       (int32_t)json_integer_value(to), camp, r) == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK && r->err == DC_OK)
        fail(r, err, NULL, NULL);
    if (r->err != DC_OK)
        db_rollback(conn);
}

void partner_sync_api_progress(struct dc_req *req)
{
    batch_run(req, ACT_LEARN, progress_item);
}

static json_t *change_json(const struct dc_partner_change *c)
{
    return json_pack(
        "{s:o, s:s, s:s, s:o, s:b, s:I, s:s}", "submission_id", api_id_json(c->submission_id),
        "external_id", c->external_id, "status", c->status, "reject_reason",
        c->has_reject_reason ? json_string(c->reject_reason) : json_null(), "recommended",
        c->recommended, "like_count", (json_int_t)c->like_count, "changed_at", c->changed_at);
}

/* GET /v1/partner/changes: next_cursor is never null; an empty page hands
 * back the cursor it was given, to be polled again later. */
void partner_sync_api_changes(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_partner partner;
    struct dc_partner_change *items = NULL;
    size_t n = 0;
    int limit;
    int64_t tx, seq;
    if (!api_page_or_respond(req, &limit, &tx, &seq) || !api_db_acquire_or_respond(req, &conn) ||
        !api_partner_or_respond(req, conn, &partner))
        goto out;
    err = partner_changes_repo_page(conn, partner.id, tx, seq, limit, &items, &n);
    if (err != DC_OK)
        goto out;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, change_json(&items[i]));
    if (n > 0) {
        tx = items[n - 1].tx;
        seq = items[n - 1].seq;
    }
    char cursor[CURSOR_MAX];
    cursor_encode(tx, seq, cursor);
    dc_reply_json(req, 200, json_pack("{s:o, s:s}", "items", arr, "next_cursor", cursor));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}
