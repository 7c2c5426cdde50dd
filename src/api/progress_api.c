/*
 * progress_api.c - watch-progress heartbeats (POST /v1/progress) and the
 * learner's summary (GET /v1/me/progress); and the crediting rule that
 * users' heartbeats and partners' progress batches share.
 *
 * A call runs in one transaction that first locks the account's learner
 * row: reports of one account apply one after the other (nothing counted
 * twice, nothing lost), while different accounts never wait on each other.
 */
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/learning.h"
#include "drillcamp/limits.h"

/* One distinct content of a call: its length and locked intervals. */
struct content {
    const char *type;
    int64_t id;
    int32_t length;
    struct progress_set set;
    bool changed;
};

/* The index of a report's content among the first n, or n when new. */
static int content_find(const struct content *cs, int n, const struct progress_report *r)
{
    for (int i = 0; i < n; i++)
        if (cs[i].id == r->content_id && strcmp(cs[i].type, r->content_type) == 0)
            return i;
    return n;
}

/* Loads each content's length and intervals (locked) once, checking every
 * report against its content; which[i] receives report i's content. */
static enum dc_err contents_load(struct db_conn *c, int64_t account_id,
                                 const struct progress_report *reports, int n, double now,
                                 struct content *cs, int *ncs, int *which,
                                 struct progress_outcome *out, struct dc_problem *p)
{
    for (int i = 0; i < n; i++) {
        const struct progress_report *r = &reports[i];
        int k = which[i] = content_find(cs, *ncs, r);
        enum dc_err err = DC_OK;
        out->bad_item = i;
        if (k == *ncs) {
            cs[k] = (struct content){.type = r->content_type, .id = r->content_id};
            (*ncs)++;
            err =
                progress_repo_content_length(c, r->content_type, r->content_id, now, &cs[k].length);
            if (err == DC_OK)
                err = progress_repo_lock_intervals(c, account_id, r->content_type, r->content_id,
                                                   &cs[k].set);
        }
        if (err == DC_ERR_NOT_FOUND)
            return dc_problem_set(p, DC_ERR_VALIDATION, "content_id", "unknown content");
        if (err == DC_ERR_INVALID_STATE)
            return dc_problem_set(p, err, "content_id", "a scheduled livestream has no length yet");
        if (err != DC_OK)
            return err;
        if (r->to > cs[k].length)
            return dc_problem_set(p, DC_ERR_VALIDATION, "to_second",
                                  "to_second is past the content's length");
    }
    out->bad_item = -1;
    return DC_OK;
}

/* Merges every report into its content's set, within the allowance when
 * there is one; saves the changed sets and the learner. */
static enum dc_err reports_merge(struct db_conn *c, int64_t account_id, double rate, double now,
                                 const struct progress_report *reports, int n, bool allowance,
                                 struct content *cs, int ncs, const int *which,
                                 struct progress_outcome *out)
{
    struct dc_learner *l = &out->learner;
    int64_t left = allowance ? progress_bucket_available(&l->bucket, rate, now) : -1;
    int64_t credited = 0;
    enum dc_err err = DC_OK;
    for (int i = 0; i < n && err == DC_OK; i++) {
        const struct progress_report *r = &reports[i];
        struct content *k = &cs[which[i]];
        int64_t fresh = (int64_t)(r->to - r->from) - progress_set_covered(&k->set, r->from, r->to);
        int64_t added;
        err = progress_merge_interval(&k->set, r->from, r->to, allowance ? left - credited : -1,
                                      &added);
        /* new seconds the allowance did not cover are dropped, and said so */
        out->capped = out->capped || added < fresh;
        credited += added;
        k->changed = k->changed || added > 0;
    }
    for (int i = 0; i < ncs && err == DC_OK; i++)
        if (cs[i].changed)
            err = progress_repo_save_intervals(c, account_id, cs[i].type, cs[i].id, &cs[i].set);
    if (err != DC_OK || (!allowance && credited == 0))
        return err;
    l->credited_seconds += credited;
    if (allowance)
        progress_bucket_take(&l->bucket, rate, now, credited);
    return learners_repo_save(c, account_id, l);
}

enum dc_err progress_credit(struct db_conn *c, const struct dc_campaign *camp, int64_t account_id,
                            const struct progress_report *reports, int n, bool allowance,
                            struct progress_outcome *out, struct dc_problem *p)
{
    struct dc_arena *a = db_conn_arena(c);
    struct content *cs = arena_calloc(a, (size_t)n, sizeof *cs);
    int *which = arena_calloc(a, (size_t)n, sizeof *which);
    int ncs = 0;
    double now = campaign_now(), rate = camp->rules.max_playback_rate;
    *out = (struct progress_outcome){.bad_item = -1};
    enum dc_err err = cs && which ? db_begin(c) : DC_ERR_NOMEM;
    if (err == DC_OK)
        err = learners_repo_lock(c, account_id, rate, now, &out->learner);
    if (err == DC_OK)
        err = contents_load(c, account_id, reports, n, now, cs, &ncs, which, out, p);
    if (err == DC_OK)
        err = reports_merge(c, account_id, rate, now, reports, n, allowance, cs, ncs, which, out);
    if (err == DC_OK)
        err = db_commit(c);
    if (err != DC_OK)
        db_rollback(c);
    out->contents = err == DC_OK ? arena_calloc(a, (size_t)ncs, sizeof *out->contents) : NULL;
    if (err == DC_OK && !out->contents)
        err = DC_ERR_NOMEM;
    for (int i = 0; i < ncs; i++) {
        if (out->contents)
            out->contents[i] =
                (struct progress_content){cs[i].type, cs[i].id, progress_set_length(&cs[i].set)};
        progress_set_free(&cs[i].set);
    }
    out->ncontents = out->contents ? ncs : 0;
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

/* Route: bearer, rate limited per account, JSON body. */
enum dc_err progress_api_post(struct dc_req *req)
{
    struct dc_campaign camp;
    struct progress_report *reports = NULL;
    struct progress_outcome o = {.bad_item = -1};
    int n = 0;
    enum dc_err err = reports_parse(req, &reports, &n);
    if (err == DC_OK)
        err = api_campaign_gate(req->db, ACT_LEARN, &camp);
    if (err == DC_OK)
        err = progress_credit(req->db, &camp, req->auth.account_id, reports, n, true, &o,
                              &req->problem);
    if (err != DC_OK && o.bad_item >= 0)
        return dc_req_fail(req, err,
                           api_item_field(req->arena, (size_t)o.bad_item, req->problem.field),
                           req->problem.message);
    if (err != DC_OK)
        return err;
    json_t *items = json_array();
    for (int i = 0; i < o.ncontents; i++)
        json_array_append_new(items, json_pack("{s:s, s:o, s:I}", "content_type",
                                               o.contents[i].type, "content_id",
                                               api_id_json(o.contents[i].id), "credited_seconds",
                                               (json_int_t)o.contents[i].credited_seconds));
    json_t *resp = json_pack("{s:o, s:b}", "items", items, "capped", o.capped);
    return dc_reply_json(req, 200, progress_summary(resp, &camp.rules, &o.learner));
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
