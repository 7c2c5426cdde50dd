/*
 * progress_api.c - watch-progress heartbeats (POST /v1/progress), the
 * learner's summary (GET /v1/me/progress) and daily check-ins.
 *
 * A batch runs in one transaction that first locks the account's learner
 * row: heartbeats of one account apply one after the other (nothing counted
 * twice, nothing lost), while different accounts never wait on each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/learning.h"
#include "drillcamp/validate.h"

#define MAX_ITEMS 100

static const char *const CONTENT_TYPES[] = {"lesson", "livestream", NULL};

struct heartbeat {
    const char *content_type;
    int64_t content_id;
    int32_t from, to;
    int content; /* index into the batch's distinct contents */
};

struct content {
    const char *type;
    int64_t id;
    int32_t length;
    struct progress_set set;
    bool changed;
};

struct batch {
    struct heartbeat items[MAX_ITEMS];
    int n;
    struct content contents[MAX_ITEMS];
    int ncontents;
};

static void batch_free(struct batch *b)
{
    for (int i = 0; i < b->ncontents; i++)
        progress_set_free(&b->contents[i].set);
}

/* Reads and checks the shape of every item; answers 422 on the first bad
 * field (items.N.name). */
static bool batch_parse_or_respond(struct dc_req *req, const json_t *body, struct batch *b)
{
    char field[48];
    json_t *items = json_object_get(body, "items");
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n < 1 || n > MAX_ITEMS) {
        dc_reply_err(req, DC_ERR_VALIDATION, "items", "items must be an array of 1-100 reports");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        struct heartbeat *h = &b->items[i];
        json_t *from = json_object_get(it, "from_second"), *to = json_object_get(it, "to_second");
        const char *bad = NULL;
        if (!json_is_object(it))
            bad = "";
        else if (validate_string(it, "content_type", true, 1, 16, true, &h->content_type) !=
                     DC_OK ||
                 !validate_one_of(h->content_type, CONTENT_TYPES))
            bad = ".content_type";
        else if (!validate_id_member(json_object_get(it, "content_id"), &h->content_id))
            bad = ".content_id";
        else if (!json_is_integer(from) || json_integer_value(from) < 0 ||
                 json_integer_value(from) > INT32_MAX - 1)
            bad = ".from_second";
        else if (!json_is_integer(to) || json_integer_value(to) <= json_integer_value(from) ||
                 json_integer_value(to) > INT32_MAX)
            bad = ".to_second";
        if (bad) {
            snprintf(field, sizeof field, "items.%zu%s", i, bad);
            dc_reply_err(req, DC_ERR_VALIDATION, field, NULL);
            return false;
        }
        h->from = (int32_t)json_integer_value(from);
        h->to = (int32_t)json_integer_value(to);
    }
    b->n = (int)n;
    return true;
}

/* Finds or adds the batch's entry for a content. */
static int content_index(struct batch *b, const struct heartbeat *h)
{
    for (int i = 0; i < b->ncontents; i++)
        if (b->contents[i].id == h->content_id && strcmp(b->contents[i].type, h->content_type) == 0)
            return i;
    struct content *c = &b->contents[b->ncontents];
    memset(c, 0, sizeof *c);
    c->type = h->content_type;
    c->id = h->content_id;
    c->length = -1;
    return b->ncontents++;
}

/* Loads each content's length and current intervals (locked), checking
 * every item against its content; answers the client on a bad one. */
static bool batch_load_or_respond(struct dc_req *req, struct db_conn *conn, struct batch *b,
                                  double now)
{
    char field[48];
    for (int i = 0; i < b->n; i++) {
        struct heartbeat *h = &b->items[i];
        h->content = content_index(b, h);
        struct content *c = &b->contents[h->content];
        enum dc_err err = DC_OK;
        if (c->length < 0) {
            err = progress_repo_content_length(conn, c->type, c->id, now, &c->length);
            if (err == DC_OK)
                err = progress_repo_lock_intervals(conn, req->auth.account_id, c->type, c->id,
                                                   &c->set);
        }
        if (err == DC_ERR_NOT_FOUND || err == DC_ERR_INVALID_STATE) {
            snprintf(field, sizeof field, "items.%d.content_id", i);
            dc_reply_err(req, err == DC_ERR_NOT_FOUND ? DC_ERR_VALIDATION : err, field,
                         err == DC_ERR_NOT_FOUND ? "unknown content"
                                                 : "a scheduled livestream has no length yet");
            return false;
        }
        if (err != DC_OK) {
            dc_reply_err(req, err, NULL, NULL);
            return false;
        }
        if (h->to > c->length) {
            snprintf(field, sizeof field, "items.%d.to_second", i);
            dc_reply_err(req, DC_ERR_VALIDATION, field, "to_second is past the content's length");
            return false;
        }
    }
    return true;
}

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

void progress_api_post(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_campaign camp;
    struct dc_learner learner;
    struct batch *b = calloc(1, sizeof *b);
    json_t *body = NULL;
    bool capped = false;
    double now = campaign_now();

    if (!b || !api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn) ||
        !api_rate_account_or_respond(req, RL_PROGRESS_ACCOUNT))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body || !batch_parse_or_respond(req, body, b))
        goto out;
    err = db_begin(conn);
    if (err != DC_OK || !api_campaign_gate_or_respond(req, conn, ACT_LEARN, &camp))
        goto out;
    double rate = camp.rules.max_playback_rate;
    err = learners_repo_lock(conn, req->auth.account_id, rate, now, &learner);
    if (err != DC_OK || !batch_load_or_respond(req, conn, b, now))
        goto out;
    int64_t allowance = progress_bucket_available(&learner.bucket, rate, now), credited = 0;
    for (int i = 0; i < b->n && err == DC_OK; i++) {
        struct heartbeat *h = &b->items[i];
        struct content *c = &b->contents[h->content];
        int64_t fresh = (int64_t)(h->to - h->from) - progress_set_covered(&c->set, h->from, h->to);
        int64_t added;
        err = progress_merge_interval(&c->set, h->from, h->to, allowance - credited, &added);
        /* new seconds the allowance did not cover are dropped, and said so */
        capped = capped || added < fresh;
        credited += added;
        c->changed = c->changed || added > 0;
    }
    for (int i = 0; i < b->ncontents && err == DC_OK; i++)
        if (b->contents[i].changed)
            err = progress_repo_save_intervals(conn, req->auth.account_id, b->contents[i].type,
                                               b->contents[i].id, &b->contents[i].set);
    if (err != DC_OK)
        goto out;
    learner.credited_seconds += credited;
    progress_bucket_take(&learner.bucket, rate, now, credited);
    err = learners_repo_save(conn, req->auth.account_id, &learner);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK)
        goto out;
    json_t *items = json_array();
    for (int i = 0; i < b->ncontents; i++)
        json_array_append_new(
            items, json_pack("{s:s, s:o, s:I}", "content_type", b->contents[i].type, "content_id",
                             api_id_json(b->contents[i].id), "credited_seconds",
                             (json_int_t)progress_set_length(&b->contents[i].set)));
    json_t *resp = json_pack("{s:o, s:b}", "items", items, "capped", capped);
    dc_reply_json(req, 200, progress_summary(resp, &camp.rules, &learner));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    json_decref(body);
    if (b)
        batch_free(b);
    free(b);
}

void progress_api_mine(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_campaign camp;
    struct dc_learner learner;
    struct dc_progress_item *items = NULL;
    size_t n = 0;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    err = campaign_repo_get(conn, &camp);
    if (err == DC_OK)
        err = learners_repo_get(conn, req->auth.account_id, &learner);
    if (err == DC_OK)
        err = progress_repo_list(conn, req->auth.account_id, &items, &n);
    if (err != DC_OK)
        goto out;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:s, s:o, s:s, s:o, s:i}", "content_type", items[i].content_type,
                           "content_id", api_id_json(items[i].content_id), "title", items[i].title,
                           "duration_seconds",
                           items[i].duration_seconds ? json_integer(items[i].duration_seconds)
                                                     : json_null(),
                           "credited_seconds", items[i].credited_seconds));
    struct progress_rules pr = {camp.rules.class_hour_seconds, camp.rules.required_class_hours,
                                camp.rules.require_checkin};
    json_t *resp = json_pack("{s:o, s:i, s:I, s:i}", "items", arr, "required_class_hours",
                             camp.rules.required_class_hours, "remaining_seconds",
                             (json_int_t)progress_remaining_seconds(&pr, learner.credited_seconds),
                             "checkin_days", learner.checkin_days);
    dc_reply_json(req, 200, progress_summary(resp, &camp.rules, &learner));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}

/* The current streak: it lives while the last check-in is today or yesterday. */
static int current_streak(const struct dc_learner *l, int64_t today)
{
    return l->last_checkin_day >= today - 1 ? l->streak_days : 0;
}

void checkins_api_post(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_campaign camp;
    struct dc_learner l;
    bool inserted = false;
    double now = campaign_now();
    int64_t today = progress_beijing_day((time_t)now);
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    err = db_begin(conn);
    if (err != DC_OK || !api_campaign_gate_or_respond(req, conn, ACT_CHECKIN, &camp))
        goto out;
    err = learners_repo_lock(conn, req->auth.account_id, camp.rules.max_playback_rate, now, &l);
    if (err == DC_OK)
        err = checkins_repo_insert(conn, req->auth.account_id, today, &inserted);
    if (err == DC_OK && inserted) {
        l.streak_days = l.last_checkin_day == today - 1 ? l.streak_days + 1 : 1;
        l.checkin_days++;
        l.last_checkin_day = today;
        err = learners_repo_save(conn, req->auth.account_id, &l);
    }
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK)
        goto out;
    char date[11];
    progress_day_string(today, date);
    dc_reply_json(req, inserted ? 201 : 200,
                  json_pack("{s:s, s:i, s:i}", "date", date, "streak_days",
                            current_streak(&l, today), "total_days", l.checkin_days));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}

void checkins_api_mine(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_learner l;
    char(*days)[11] = NULL;
    size_t n = 0;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    err = learners_repo_get(conn, req->auth.account_id, &l);
    if (err == DC_OK)
        err = checkins_repo_days(conn, req->auth.account_id, &days, &n);
    if (err != DC_OK)
        goto out;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(days[i]));
    int64_t today = progress_beijing_day((time_t)campaign_now());
    dc_reply_json(req, 200,
                  json_pack("{s:i, s:i, s:o}", "total_days", l.checkin_days, "streak_days",
                            current_streak(&l, today), "dates", arr));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(days);
}
