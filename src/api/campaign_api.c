/*
 * campaign_api.c - GET /v1/campaign, PATCH /v1/admin/campaign, and the
 * phase gate every activity passes (API.md section 3).
 */
#include <stdio.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/learning.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

json_t *api_campaign_json(const struct dc_campaign *c, double now)
{
    char w[DC_TS_LEN], l[DC_TS_LEN], e[DC_TS_LEN], f[DC_TS_LEN];
    campaign_format_time(c->warmup_at, w);
    campaign_format_time(c->launch_at, l);
    campaign_format_time(c->ends_at, e);
    campaign_format_time(c->frozen_at, f);
    json_t *rules =
        json_pack("{s:i, s:i, s:b, s:f, s:i}", "class_hour_seconds", c->rules.class_hour_seconds,
                  "required_class_hours", c->rules.required_class_hours, "require_checkin",
                  c->rules.require_checkin, "max_playback_rate", c->rules.max_playback_rate,
                  "top_n", c->rules.top_n);
    return json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", api_id_json(c->id),
                     "name", c->name, "topic", c->topic, "issuer", c->issuer, "warmup_at", w,
                     "launch_at", l, "ends_at", e, "phase",
                     campaign_phase_name(campaign_phase(c, now)), "frozen_at",
                     c->frozen_at > 0 ? json_string(f) : json_null(), "rules", rules);
}

enum dc_err api_campaign_load(struct db_conn *c, struct dc_campaign *out)
{
    return public_cache_campaign(out) ? DC_OK : campaign_repo_get(c, out);
}

enum dc_err api_campaign_gate(struct db_conn *c, enum dc_activity activity, struct dc_campaign *out)
{
    enum dc_err err = api_campaign_load(c, out);
    if (err == DC_OK && !campaign_allows(out, activity, campaign_now()))
        err = DC_ERR_CAMPAIGN_CLOSED;
    return err;
}

/* Route: anyone, no database: the answer rendered once a second. */
enum dc_err campaign_api_get(struct dc_req *req)
{
    return public_cache_reply(req, PUBLIC_CAMPAIGN);
}

/* Reads an optional RFC 3339 member into *t. */
static bool time_field(const json_t *body, const char *key, double *t)
{
    json_t *v = json_object_get(body, key);
    if (!v)
        return true;
    return json_is_string(v) && campaign_parse_time(json_string_value(v), t);
}

/* Reads an optional integer member in [lo, hi] into *out. */
static bool int_field(const json_t *obj, const char *key, int lo, int hi, int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return false;
    *out = (int)json_integer_value(v);
    return true;
}

/* Merges the PATCH body into c; on a bad member sets *field. */
static enum dc_err campaign_merge(const json_t *body, struct dc_campaign *c, const char **field)
{
    const char *s;
    if (validate_string(body, "name", false, 1, DC_NAME_MAX_CHARS, true, &s) != DC_OK)
        return *field = "name", DC_ERR_VALIDATION;
    if (s)
        snprintf(c->name, sizeof c->name, "%s", s);
    if (validate_string(body, "topic", false, 1, 40, true, &s) != DC_OK)
        return *field = "topic", DC_ERR_VALIDATION;
    if (s)
        snprintf(c->topic, sizeof c->topic, "%s", s);
    if (validate_string(body, "issuer", false, 1, DC_ISSUER_MAX_CHARS, true, &s) != DC_OK)
        return *field = "issuer", DC_ERR_VALIDATION;
    if (s)
        snprintf(c->issuer, sizeof c->issuer, "%s", s);
    if (!time_field(body, "warmup_at", &c->warmup_at))
        return *field = "warmup_at", DC_ERR_VALIDATION;
    if (!time_field(body, "launch_at", &c->launch_at))
        return *field = "launch_at", DC_ERR_VALIDATION;
    if (!time_field(body, "ends_at", &c->ends_at))
        return *field = "ends_at", DC_ERR_VALIDATION;
    json_t *rules = json_object_get(body, "rules");
    if (rules && !json_is_object(rules))
        return *field = "rules", DC_ERR_VALIDATION;
    if (!int_field(rules, "class_hour_seconds", 1, DC_CONTENT_MAX_SECONDS,
                   &c->rules.class_hour_seconds))
        return *field = "rules.class_hour_seconds", DC_ERR_VALIDATION;
    if (!int_field(rules, "required_class_hours", 1, 1000, &c->rules.required_class_hours))
        return *field = "rules.required_class_hours", DC_ERR_VALIDATION;
    json_t *rc = json_object_get(rules, "require_checkin");
    if (rc && !json_is_boolean(rc))
        return *field = "rules.require_checkin", DC_ERR_VALIDATION;
    if (rc)
        c->rules.require_checkin = json_is_true(rc);
    json_t *rate = json_object_get(rules, "max_playback_rate");
    if (rate &&
        (!json_is_number(rate) || !(json_number_value(rate) > 0) || json_number_value(rate) > 1000))
        return *field = "rules.max_playback_rate", DC_ERR_VALIDATION;
    if (rate)
        c->rules.max_playback_rate = json_number_value(rate);
    if (!int_field(rules, "top_n", 1, 10000, &c->rules.top_n))
        return *field = "rules.top_n", DC_ERR_VALIDATION;
    if (!campaign_dates_ordered(c))
        return *field = c->warmup_at > c->launch_at ? "warmup_at" : "ends_at", DC_ERR_VALIDATION;
    return DC_OK;
}

/* Route: admin, JSON body. */
enum dc_err campaign_api_patch(struct dc_req *req)
{
    const char *field = NULL;
    struct dc_campaign c;
    enum dc_err err = db_begin(req->db);
    if (err == DC_OK)
        err = campaign_repo_get_for_update(req->db, &c);
    if (err == DC_OK && (err = campaign_merge(req->json, &c, &field)) != DC_OK)
        return dc_req_fail(req, err, field,
                           strstr(field, "_at") ? "dates must be RFC 3339 and satisfy "
                                                  "warmup_at <= launch_at < ends_at"
                                                : NULL);
    if (err == DC_OK)
        err = campaign_repo_update(req->db, &c);
    if (err == DC_OK)
        err = api_audit(req, "campaign.update", "campaign:1", json_incref(req->json));
    if (err == DC_OK)
        err = db_commit(req->db);
    if (err != DC_OK)
        return err;
    public_cache_refresh_now(); /* the next GET shows the change */
    return dc_reply_json(req, 200, api_campaign_json(&c, campaign_now()));
}
