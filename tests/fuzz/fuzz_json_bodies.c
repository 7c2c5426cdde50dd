/*
 * fuzz_json_bodies.c - the request-body parsing and validation of every
 * endpoint that takes JSON, without a database or a network.
 *
 * The first input byte picks the endpoint (and the campaign topic spelling);
 * the rest is the body. It goes through the real dc_req_json_object_or_respond
 * (src/http/request.c: json_loadb with JSON_REJECT_DUPLICATES, objects only,
 * the 400 envelope otherwise), then through the same sequence of validators
 * the endpoint's handler in src/api/ runs before it touches the database
 * (those sequences live in static functions there and are mirrored here
 * call for call). Every string, number and array in the body then goes
 * through each validator of include/drillcamp/validate.h, submission.h and
 * campaign.h with cross-checks between them; a broken invariant aborts.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drillcamp/campaign.h"
#include "drillcamp/http.h"
#include "drillcamp/progress.h"
#include "drillcamp/submission.h"
#include "drillcamp/validate.h"

#include "fuzz_common.h"

static const char *const KINDS[] = {"individual", "official", NULL};
static const char *const AUDIENCES[] = {"employee", "student", "teacher",
                                        "resident", "public",  NULL};
static const char *const ROLES[] = {"user", "moderator", "admin", NULL};
static const char *const ORG_TYPES[] = {
    "government",   "enterprise_central", "enterprise_local", "university", "school",
    "kindergarten", "community",          "village",          "other",      NULL};
static const char *const CONTENT_TYPES[] = {"lesson", "livestream", NULL};
static const char *const ACTIONS[] = {"like", "unlike", NULL};
static const char *const DECISIONS[] = {"approve", "reject", NULL};

static const char *const TOPICS[] = {"逃生演练训练营", "#逃生演练训练营", "＃逃生演练训练营", "a"};

/* ---- checks every validator's answer against what it promises ---- */

/* A string validate_string accepted: its bounds hold. */
static void check_string_ok(enum dc_err err, const char *s, bool required, size_t min_chars,
                            size_t max_chars, bool no_control)
{
    if (err != DC_OK) {
        CHECK(err == DC_ERR_VALIDATION);
        return;
    }
    if (!s) {
        CHECK(!required);
        return;
    }
    size_t n = validate_utf8_len(s);
    CHECK(n >= min_chars && n <= max_chars);
    CHECK(validate_utf8(s));
    if (no_control)
        CHECK(validate_no_control(s));
}

static enum dc_err vstring(const json_t *obj, const char *key, bool required, size_t min_chars,
                           size_t max_chars, bool no_control, const char **out)
{
    enum dc_err err = validate_string(obj, key, required, min_chars, max_chars, no_control, out);
    check_string_ok(err, *out, required, min_chars, max_chars, no_control);
    if (err == DC_OK && *out)
        CHECK(*out == json_string_value(json_object_get(obj, key)));
    return err;
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static void check_phone(const char *s)
{
    if (validate_phone(s)) {
        CHECK(all_digits(s, 11) && s[0] == '1' && s[1] >= '3');
    }
    char masked[12];
    validate_mask_phone(s, masked, sizeof masked);
    CHECK(strlen(masked) <= 11);
    if (strlen(s) == 11)
        CHECK(strncmp(masked + 3, "****", 4) == 0);
}

static void check_id(const char *s)
{
    int64_t v = 0;
    if (validate_id(s, &v)) {
        char back[32];
        CHECK(v > 0);
        snprintf(back, sizeof back, "%lld", (long long)v);
        CHECK(strcmp(back, s) == 0);
    }
}

static void check_time(const char *s)
{
    double t;
    if (!campaign_parse_time(s, &t))
        return;
    CHECK(isfinite(t));
    char text[DC_TS_LEN], again[DC_TS_LEN];
    campaign_format_time(t, text);
    double t2;
    if (campaign_parse_time(text, &t2)) {
        CHECK(t2 == floor(t));
        campaign_format_time(t2, again);
        CHECK(strcmp(text, again) == 0);
    } else {
        /* only an offset can push a parsed time out of 1900..9999 */
        CHECK(strlen(text) != 20 || strncmp(text, "1899", 4) == 0);
    }
}

static void check_url(const char *s)
{
    bool ok = validate_https_url(s, 2048);
    if (ok) {
        CHECK(strncasecmp(s, "https://", 8) == 0 && strlen(s) <= 2048 && strlen(s) > 8);
        CHECK(validate_no_control(s));
        CHECK(!strpbrk(s, " \"<>\\"));
    }
    /* a tighter limit never accepts more */
    if (validate_https_url(s, 16))
        CHECK(ok && strlen(s) <= 16);
}

/* Runs every string validator on s. */
static void check_any_string(const json_t *v)
{
    const char *s = json_string_value(v);
    /* jansson refuses invalid UTF-8, lone surrogates and (without
     * JSON_ALLOW_NUL) \u0000: the two checks must agree with it */
    CHECK(strlen(s) == json_string_length(v));
    CHECK(validate_utf8(s));
    CHECK(validate_utf8_len(s) <= strlen(s));
    (void)validate_no_control(s);
    if (validate_region_code_format(s))
        CHECK(all_digits(s, 6));
    check_phone(s);
    check_id(s);
    check_time(s);
    check_url(s);
    size_t pre = submission_tag_prefix(s);
    for (size_t i = 0; i < sizeof TOPICS / sizeof TOPICS[0]; i++) {
        /* "#x", "＃x" and "x" name the same topic, whichever side has the mark */
        bool is = submission_tag_is_topic(s, TOPICS[i]);
        CHECK(is == submission_tag_is_topic(TOPICS[i], s));
        if (is)
            CHECK(strcmp(s + pre, TOPICS[i] + submission_tag_prefix(TOPICS[i])) == 0);
    }
    CHECK(pre == 0 || pre == 1 || pre == 3);
    CHECK(pre <= strlen(s));
    (void)validate_one_of(s, AUDIENCES);
}

/* Walks the whole body (bounded), running the generic validators on every
 * value. */
static void sweep(const json_t *v, int depth, int *budget)
{
    if (--*budget < 0 || depth > 64)
        return;
    int64_t id;
    if (validate_id_member(v, &id))
        CHECK(id > 0);
    switch (json_typeof(v)) {
    case JSON_STRING:
        check_any_string(v);
        break;
    case JSON_OBJECT: {
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)v, key, member)
        {
            CHECK(validate_utf8(key));
            sweep(member, depth + 1, budget);
        }
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *member;
        json_array_foreach(v, i, member) sweep(member, depth + 1, budget);
        break;
    }
    default:
        break;
    }
}

/* ---- the handlers' validation sequences (src/api/), without the database ---- */

/* accounts_api.c enum_field */
static enum dc_err enum_field(const json_t *body, const char *key, bool required,
                              const char *const *allowed, const char **out)
{
    enum dc_err err = vstring(body, key, required, 1, 32, true, out);
    if (err == DC_OK && *out && !validate_one_of(*out, allowed))
        err = DC_ERR_VALIDATION;
    return err;
}

/* accounts_api.c profile_parse */
static enum dc_err profile_parse(const json_t *body, bool creating, int64_t *org_id)
{
    const char *password, *display_name, *region_code, *audience;
    *org_id = 0;
    if (vstring(body, "password", creating, 8, 128, false, &password) != DC_OK)
        return DC_ERR_VALIDATION;
    if (vstring(body, "display_name", creating, 1, 40, true, &display_name) != DC_OK)
        return DC_ERR_VALIDATION;
    if (creating) {
        const char *kind;
        if (enum_field(body, "kind", true, KINDS, &kind) != DC_OK)
            return DC_ERR_VALIDATION;
        CHECK(kind && validate_one_of(kind, KINDS));
    }
    if (vstring(body, "region_code", creating, 6, 6, true, &region_code) != DC_OK ||
        (region_code && !validate_region_code_format(region_code)))
        return DC_ERR_VALIDATION;
    json_t *org = json_object_get(body, "organization_id");
    if (org && !json_is_null(org) &&
        (!json_is_string(org) || !validate_id(json_string_value(org), org_id)))
        return DC_ERR_VALIDATION;
    if (enum_field(body, "audience", false, AUDIENCES, &audience) != DC_OK)
        return DC_ERR_VALIDATION;
    if (creating)
        CHECK(password && display_name && region_code && all_digits(region_code, 6));
    return DC_OK;
}

/* POST /v1/accounts */
static void ep_register(const json_t *body)
{
    const char *phone;
    int64_t org;
    if (vstring(body, "phone", true, 1, 32, true, &phone) != DC_OK || !validate_phone(phone))
        return;
    if (profile_parse(body, true, &org) != DC_OK)
        return;
    const char *kind = json_string_value(json_object_get(body, "kind"));
    CHECK(kind);
    if (strcmp(kind, "official") == 0 && org == 0)
        return;
}

/* POST /v1/sessions */
static void ep_login(const json_t *body)
{
    const char *phone, *password;
    if (vstring(body, "phone", true, 1, 32, false, &phone) != DC_OK)
        return;
    if (vstring(body, "password", true, 1, 1024, false, &password) != DC_OK)
        return;
    CHECK(phone && password);
}

/* PATCH /v1/me */
static void ep_patch_me(const json_t *body)
{
    int64_t org;
    if (profile_parse(body, false, &org) != DC_OK)
        return;
    const char *password = json_string_value(json_object_get(body, "password"));
    const char *current;
    if (password)
        (void)vstring(body, "current_password", true, 1, 128, false, &current);
}

/* PUT /v1/admin/accounts/:id/role */
static void ep_role(const json_t *body)
{
    const char *role;
    if (enum_field(body, "role", true, ROLES, &role) == DC_OK)
        CHECK(role && validate_one_of(role, ROLES));
}

/* POST /v1/admin/organizations */
static void ep_org(const json_t *body)
{
    const char *name, *type, *region;
    if (vstring(body, "name", true, 1, 100, true, &name) != DC_OK)
        return;
    if (vstring(body, "type", true, 1, 32, true, &type) != DC_OK ||
        !validate_one_of(type, ORG_TYPES))
        return;
    if (vstring(body, "region_code", true, 6, 6, true, &region) != DC_OK ||
        !validate_region_code_format(region))
        return;
}

/* campaign_api.c time_field / int_field / campaign_merge */
static bool time_field(const json_t *body, const char *key, double *t)
{
    json_t *v = json_object_get(body, key);
    if (!v)
        return true;
    return json_is_string(v) && campaign_parse_time(json_string_value(v), t);
}

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

static enum dc_err campaign_merge(const json_t *body, struct dc_campaign *c)
{
    const char *s;
    if (vstring(body, "name", false, 1, 100, true, &s) != DC_OK)
        return DC_ERR_VALIDATION;
    if (s)
        snprintf(c->name, sizeof c->name, "%s", s);
    if (vstring(body, "topic", false, 1, 40, true, &s) != DC_OK)
        return DC_ERR_VALIDATION;
    if (s)
        snprintf(c->topic, sizeof c->topic, "%s", s);
    if (!time_field(body, "warmup_at", &c->warmup_at))
        return DC_ERR_VALIDATION;
    if (!time_field(body, "launch_at", &c->launch_at))
        return DC_ERR_VALIDATION;
    if (!time_field(body, "ends_at", &c->ends_at))
        return DC_ERR_VALIDATION;
    json_t *rules = json_object_get(body, "rules");
    if (rules && !json_is_object(rules))
        return DC_ERR_VALIDATION;
    if (!int_field(rules, "class_hour_seconds", 1, 86400, &c->rules.class_hour_seconds))
        return DC_ERR_VALIDATION;
    if (!int_field(rules, "required_class_hours", 1, 1000, &c->rules.required_class_hours))
        return DC_ERR_VALIDATION;
    json_t *rc = json_object_get(rules, "require_checkin");
    if (rc && !json_is_boolean(rc))
        return DC_ERR_VALIDATION;
    if (rc)
        c->rules.require_checkin = json_is_true(rc);
    json_t *rate = json_object_get(rules, "max_playback_rate");
    if (rate &&
        (!json_is_number(rate) || !(json_number_value(rate) > 0) || json_number_value(rate) > 1000))
        return DC_ERR_VALIDATION;
    if (rate)
        c->rules.max_playback_rate = json_number_value(rate);
    if (!int_field(rules, "top_n", 1, 10000, &c->rules.top_n))
        return DC_ERR_VALIDATION;
    if (!campaign_dates_ordered(c))
        return DC_ERR_VALIDATION;
    return DC_OK;
}

/* PATCH /v1/admin/campaign: merged into the seeded defaults */
static void ep_campaign(const json_t *body)
{
    struct dc_campaign c = {
        .id = 1,
        .warmup_at = 1685491200, /* 2023-05-31 */
        .launch_at = 1685577600,
        .ends_at = 1688169600,
        .rules = {3600, 8, true, 1.0, 100},
    };
    snprintf(c.name, sizeof c.name, "%s", "安全生产月");
    snprintf(c.topic, sizeof c.topic, "%s", TOPICS[0]);
    if (campaign_merge(body, &c) != DC_OK)
        return;
    CHECK(campaign_dates_ordered(&c));
    CHECK(c.rules.max_playback_rate > 0 && c.rules.max_playback_rate <= 1000);
    CHECK(validate_utf8(c.name) && validate_utf8(c.topic));
    double probes[] = {c.warmup_at - 1, c.warmup_at, c.launch_at, c.ends_at - 1e-3, c.ends_at};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        enum dc_phase p = campaign_phase(&c, probes[i]);
        CHECK(p >= PHASE_UPCOMING && p <= PHASE_ENDED);
        CHECK(campaign_phase_name(p) != NULL);
        CHECK(campaign_allows(&c, ACT_LEARN, probes[i]) == (p == PHASE_LIVE));
        CHECK(campaign_allows(&c, ACT_CHECKIN, probes[i]) ==
              (p == PHASE_WARMUP || p == PHASE_LIVE));
    }
    char ts[DC_TS_LEN];
    campaign_format_time(c.ends_at, ts);
    struct progress_rules r = {c.rules.class_hour_seconds, c.rules.required_class_hours,
                               c.rules.require_checkin};
    CHECK(progress_required_seconds(&r) > 0);
    CHECK(progress_class_hours(progress_required_seconds(&r), r.class_hour_seconds) ==
          (double)r.required_class_hours);
}

/* lessons_api.c url_field / lesson_fields_or_respond (before the category lookup) */
static bool url_field(const json_t *body, const char *key, bool *set, const char **out)
{
    json_t *v = json_object_get(body, key);
    *set = v != NULL;
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v) || !validate_https_url(json_string_value(v), 2048))
        return false;
    *out = json_string_value(v);
    return true;
}

static void ep_lesson(const json_t *body, bool creating)
{
    const char *title, *category, *video_url, *cover_url, *description;
    bool video_set, cover_set;
    json_t *dur = json_object_get(body, "duration_seconds");
    if (vstring(body, "title", creating, 1, 100, true, &title) != DC_OK)
        return;
    if (vstring(body, "category", creating, 1, 40, true, &category) != DC_OK)
        return;
    if ((creating && !dur) || (dur && (!json_is_integer(dur) || json_integer_value(dur) < 1 ||
                                       json_integer_value(dur) > 86400)))
        return;
    if (!url_field(body, "video_url", &video_set, &video_url) || (video_set && !video_url) ||
        (creating && !video_url))
        return;
    if (!url_field(body, "cover_url", &cover_set, &cover_url))
        return;
    if (vstring(body, "description", false, 0, 2000, false, &description) != DC_OK)
        return;
    if (creating)
        CHECK(title && category && video_url && dur);
}

/* POST /v1/admin/livestreams */
static void ep_livestream_create(const json_t *body)
{
    const char *title, *expert, *scheduled, *description;
    double when;
    if (vstring(body, "title", true, 1, 100, true, &title) != DC_OK)
        return;
    if (vstring(body, "expert", true, 1, 100, true, &expert) != DC_OK)
        return;
    if (vstring(body, "scheduled_at", true, 1, 40, true, &scheduled) != DC_OK ||
        !campaign_parse_time(scheduled, &when))
        return;
    if (vstring(body, "description", false, 0, 2000, false, &description) != DC_OK)
        return;
    CHECK(isfinite(when));
}

/* POST /v1/admin/livestreams/:id/end */
static void ep_livestream_end(const json_t *body)
{
    const char *replay;
    json_t *d = json_object_get(body, "duration_seconds");
    if (vstring(body, "replay_url", true, 1, 2048, true, &replay) != DC_OK ||
        !validate_https_url(replay, 2048))
        return;
    if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 86400)
        return;
}

/* Checks a set is sorted, disjoint and non-adjacent. */
static void check_set(const struct progress_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        CHECK(s->v[i].from < s->v[i].to);
        if (i)
            CHECK(s->v[i - 1].to < s->v[i].from);
    }
}

/* progress_api.c batch_parse_or_respond, then the union per content */
static void ep_progress(const json_t *body, size_t max_items)
{
    json_t *items = json_object_get(body, "items");
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n < 1 || n > max_items)
        return;
    struct heartbeat {
        const char *type;
        int64_t id;
        int32_t from, to;
    } *hb = calloc(n, sizeof *hb);
    CHECK(hb);
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        json_t *from = json_object_get(it, "from_second"), *to = json_object_get(it, "to_second");
        if (!json_is_object(it))
            goto out;
        if (vstring(it, "content_type", true, 1, 16, true, &hb[i].type) != DC_OK ||
            !validate_one_of(hb[i].type, CONTENT_TYPES))
            goto out;
        if (!validate_id_member(json_object_get(it, "content_id"), &hb[i].id))
            goto out;
        if (!json_is_integer(from) || json_integer_value(from) < 0 ||
            json_integer_value(from) > INT32_MAX - 1)
            goto out;
        if (!json_is_integer(to) || json_integer_value(to) <= json_integer_value(from) ||
            json_integer_value(to) > INT32_MAX)
            goto out;
        hb[i].from = (int32_t)json_integer_value(from);
        hb[i].to = (int32_t)json_integer_value(to);
        CHECK(hb[i].id > 0 && hb[i].from >= 0 && hb[i].from < hb[i].to);
    }
    /* every item valid: the union of the items of the first content */
    struct progress_set set = {0};
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (hb[i].id != hb[0].id || strcmp(hb[i].type, hb[0].type) != 0)
            continue;
        int64_t added = 0, before = progress_set_length(&set);
        CHECK(progress_merge_interval(&set, hb[i].from, hb[i].to, -1, &added) == DC_OK);
        total += added;
        CHECK(progress_set_length(&set) == before + added);
        CHECK(progress_set_covered(&set, hb[i].from, hb[i].to) == (int64_t)hb[i].to - hb[i].from);
        check_set(&set);
    }
    CHECK(total == progress_set_length(&set));
    char *text = progress_set_to_pg_array(&set);
    CHECK(text);
    struct progress_set back;
    CHECK(progress_set_from_pg_array(text, &back) == DC_OK);
    CHECK(back.n == set.n);
    for (size_t i = 0; i < set.n; i++)
        CHECK(back.v[i].from == set.v[i].from && back.v[i].to == set.v[i].to);
    progress_set_free(&back);
    free(text);
    progress_set_free(&set);
out:
    free(hb);
}

/* POST /v1/admin/certificates/:serial/revoke */
static void ep_revoke(const json_t *body)
{
    const char *reason;
    (void)vstring(body, "reason", true, 1, 500, true, &reason);
}

/* Parses a PostgreSQL text[] literal of quoted elements back; aborts unless
 * it holds exactly the tags. */
static void check_tags_literal(const char *lit, const struct dc_submission_input *in)
{
    const char *p = lit;
    CHECK(*p++ == '{');
    for (int i = 0; i < in->ntags; i++) {
        if (i)
            CHECK(*p++ == ',');
        CHECK(*p++ == '"');
        size_t k = 0;
        while (*p != '"') {
            CHECK(*p != '\0');
            if (*p == '\\')
                p++;
            CHECK(*p != '\0');
            CHECK(k < in->tag_len[i] && *p == in->tags[i][k]);
            k++;
            p++;
        }
        CHECK(k == in->tag_len[i]);
        p++;
    }
    CHECK(*p++ == '}');
    CHECK(*p == '\0');
}

/* submission_parse as POST /v1/submissions, PUT /v1/partner/submissions/:id
 * and each partner submission batch item call it */
static void submission(const json_t *body, const char *topic)
{
    struct dc_submission_input in;
    const char *field = NULL, *message = NULL;
    enum dc_err err = submission_parse(body, topic, &in, &field, &message);
    if (err != DC_OK) {
        CHECK(err == DC_ERR_VALIDATION && field && message);
        return;
    }
    CHECK(in.title && validate_utf8_len(in.title) >= 1 && validate_utf8_len(in.title) <= 60);
    CHECK(in.description && validate_utf8_len(in.description) <= 1000);
    CHECK(in.category && in.video_url && validate_https_url(in.video_url, 2048));
    CHECK(!in.cover_url || validate_https_url(in.cover_url, 2048));
    CHECK(in.duration_seconds >= 1 && in.duration_seconds <= 900);
    CHECK(strcmp(in.format, "mp4") == 0 || strcmp(in.format, "mov") == 0);
    CHECK(in.size_bytes >= 1 && in.size_bytes <= 4294967296LL);
    CHECK(in.ntags >= 1 && in.ntags <= SUBMISSION_MAX_TAGS);
    bool topic_seen = false;
    for (int i = 0; i < in.ntags; i++) {
        CHECK(strlen(in.tags[i]) == in.tag_len[i]);
        size_t chars = validate_utf8_len(in.tags[i]);
        CHECK(chars >= 1 && chars <= 50);
        topic_seen = topic_seen || submission_tag_is_topic(in.tags[i], topic);
    }
    CHECK(topic_seen);
    CHECK(json_is_true(json_object_get(body, "original")));
    char *lit = submission_tags_pg_array(&in);
    CHECK(lit);
    check_tags_literal(lit, &in);
    free(lit);
}

/* PATCH /v1/submissions/:id */
static void ep_submission_patch(const json_t *body)
{
    const char *title, *description;
    json_t *cv = json_object_get(body, "cover_url");
    if (vstring(body, "title", false, 1, 60, true, &title) != DC_OK)
        return;
    if (vstring(body, "description", false, 0, 1000, false, &description) != DC_OK)
        return;
    if (cv && !json_is_null(cv) &&
        (!json_is_string(cv) || !validate_https_url(json_string_value(cv), 2048)))
        return;
}

/* POST /v1/admin/submissions/:id/review */
static void ep_review(const json_t *body)
{
    const char *decision, *reason;
    if (vstring(body, "decision", true, 1, 16, true, &decision) != DC_OK ||
        !validate_one_of(decision, DECISIONS))
        return;
    bool reject = strcmp(decision, "reject") == 0;
    if (vstring(body, "reason", reject, 1, 500, true, &reason) != DC_OK)
        return;
    if (reject)
        CHECK(reason);
}

/* POST /v1/admin/submissions/:id/recommend: the check and the text[] literal */
static void ep_recommend(const json_t *body)
{
    json_t *ch = json_object_get(body, "channels");
    size_t n = json_array_size(ch);
    bool ok = json_is_array(ch) && n >= 1 && n <= 20;
    for (size_t i = 0; ok && i < n; i++) {
        const char *c = json_string_value(json_array_get(ch, i));
        ok = c && validate_utf8_len(c) >= 1 && validate_utf8_len(c) <= 50 &&
             validate_no_control(c) && !strpbrk(c, "\"\\{},");
    }
    if (!ok)
        return;
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += strlen(json_string_value(json_array_get(ch, i))) + 3;
    char *channels = malloc(cap);
    CHECK(channels);
    strcpy(channels, "{");
    for (size_t i = 0; i < n; i++) {
        strcat(channels, i ? ",\"" : "\"");
        strcat(channels, json_string_value(json_array_get(ch, i)));
        strcat(channels, "\"");
    }
    strcat(channels, "}");
    CHECK(strlen(channels) < cap);
    free(channels);
}

/* POST /v1/admin/partners */
static void ep_partner_create(const json_t *body)
{
    const char *name;
    (void)vstring(body, "name", true, 1, 100, true, &name);
}

/* PUT /v1/partner/users/:external_user_id */
static void ep_partner_user(const json_t *body)
{
    const char *phone, *display_name, *region, *audience;
    if (vstring(body, "phone", true, 1, 32, true, &phone) != DC_OK || !validate_phone(phone))
        return;
    if (vstring(body, "display_name", true, 1, 40, true, &display_name) != DC_OK)
        return;
    if (vstring(body, "region_code", true, 6, 6, true, &region) != DC_OK ||
        !validate_region_code_format(region))
        return;
    if (vstring(body, "audience", false, 1, 16, true, &audience) != DC_OK ||
        (audience && !validate_one_of(audience, AUDIENCES)))
        return;
}

/* PUT /v1/partner/submissions/:external_id */
static void ep_partner_submission(const json_t *body, const char *topic)
{
    const char *ext;
    if (vstring(body, "external_user_id", true, 1, 128, true, &ext) != DC_OK)
        return;
    submission(body, topic);
}

/* partner_sync_api.c batch_run and the three item functions */
static void ep_partner_batch(const json_t *body, int kind, const char *topic)
{
    json_t *items = json_object_get(body, "items");
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n < 1 || n > 500)
        return;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(items, i);
        const char *ext, *user, *action, *type;
        int64_t id;
        if (!json_is_object(item))
            continue;
        if (kind == 0) {
            if (vstring(item, "external_id", true, 1, 128, true, &ext) != DC_OK)
                continue;
            if (vstring(item, "external_user_id", true, 1, 128, true, &user) != DC_OK)
                continue;
            submission(item, topic);
        } else if (kind == 1) {
            if (vstring(item, "external_user_id", true, 1, 128, true, &user) != DC_OK)
                continue;
            const json_t *sid = json_object_get(item, "submission_id");
            if (!json_is_string(sid) || !validate_id(json_string_value(sid), &id))
                continue;
            if (vstring(item, "action", true, 1, 8, true, &action) != DC_OK ||
                !validate_one_of(action, ACTIONS))
                continue;
        } else {
            const json_t *from = json_object_get(item, "from_second"),
                         *to = json_object_get(item, "to_second");
            if (vstring(item, "external_user_id", true, 1, 128, true, &user) != DC_OK)
                continue;
            if (vstring(item, "content_type", true, 1, 16, true, &type) != DC_OK ||
                !validate_one_of(type, CONTENT_TYPES))
                continue;
            if (!validate_id_member(json_object_get(item, "content_id"), &id))
                continue;
            if (!json_is_integer(from) || json_integer_value(from) < 0 ||
                json_integer_value(from) > INT32_MAX - 1)
                continue;
            if (!json_is_integer(to) || json_integer_value(to) <= json_integer_value(from) ||
                json_integer_value(to) > INT32_MAX)
                continue;
            struct progress_set set = {0};
            int64_t added;
            CHECK(progress_merge_interval(&set, (int32_t)json_integer_value(from),
                                          (int32_t)json_integer_value(to), -1, &added) == DC_OK);
            CHECK(added == json_integer_value(to) - json_integer_value(from));
            progress_set_free(&set);
        }
    }
    if (kind == 2)
        ep_progress(body, 500);
}

enum endpoint {
    EP_REGISTER,
    EP_LOGIN,
    EP_PATCH_ME,
    EP_ROLE,
    EP_ORG,
    EP_CAMPAIGN,
    EP_LESSON_CREATE,
    EP_LESSON_PATCH,
    EP_LIVESTREAM_CREATE,
    EP_LIVESTREAM_END,
    EP_PROGRESS,
    EP_REVOKE,
    EP_SUBMISSION_CREATE,
    EP_SUBMISSION_PATCH,
    EP_REVIEW,
    EP_RECOMMEND,
    EP_PARTNER_CREATE,
    EP_PARTNER_USER,
    EP_PARTNER_SUBMISSION,
    EP_PARTNER_SUBMISSIONS_BATCH,
    EP_PARTNER_LIKES_BATCH,
    EP_PARTNER_PROGRESS_BATCH,
    EP__COUNT
};

/* Frees what a dc_req collected (src/http/server.c does this per request). */
static void req_free(struct dc_req *r)
{
    json_decref(r->json);
    free(r->raw);
    for (int i = 0; i < r->nheaders; i++)
        free(r->headers[i].value);
    dc_stream_free(r->stream);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum endpoint ep = (enum endpoint)(data[0] % EP__COUNT);
    const char *topic = TOPICS[(data[0] / EP__COUNT) % 4];

    /* the HTTP layer hands handlers a NUL-terminated copy of the body */
    size_t len = size - 1;
    char *copy = fuzz_memdup(data + 1, len);

    struct dc_req req = {0};
    req.method = "POST";
    req.path = "/fuzz";
    req.body = len ? copy : NULL;
    req.body_len = len;
    json_t *body = dc_req_json_object_or_respond(&req);
    if (!body) {
        /* answered 400 invalid_json with the error envelope */
        CHECK(req.status == 400);
        json_t *e = json_object_get(req.json, "error");
        CHECK(json_is_object(e));
        CHECK(strcmp(json_string_value(json_object_get(e, "code")), "invalid_json") == 0);
        CHECK(json_string_value(json_object_get(e, "message")) != NULL);
        req_free(&req);
        free(copy);
        return 0;
    }
    CHECK(json_is_object(body) && req.status == 0 && req.json == NULL);

    switch (ep) {
    case EP_REGISTER:
        ep_register(body);
        break;
    case EP_LOGIN:
        ep_login(body);
        break;
    case EP_PATCH_ME:
        ep_patch_me(body);
        break;
    case EP_ROLE:
        ep_role(body);
        break;
    case EP_ORG:
        ep_org(body);
        break;
    case EP_CAMPAIGN:
        ep_campaign(body);
        break;
    case EP_LESSON_CREATE:
        ep_lesson(body, true);
        break;
    case EP_LESSON_PATCH:
        ep_lesson(body, false);
        break;
    case EP_LIVESTREAM_CREATE:
        ep_livestream_create(body);
        break;
    case EP_LIVESTREAM_END:
        ep_livestream_end(body);
        break;
    case EP_PROGRESS:
        ep_progress(body, 100);
        break;
    case EP_REVOKE:
        ep_revoke(body);
        break;
    case EP_SUBMISSION_CREATE:
        submission(body, topic);
        break;
    case EP_SUBMISSION_PATCH:
        ep_submission_patch(body);
        break;
    case EP_REVIEW:
        ep_review(body);
        break;
    case EP_RECOMMEND:
        ep_recommend(body);
        break;
    case EP_PARTNER_CREATE:
        ep_partner_create(body);
        break;
    case EP_PARTNER_USER:
        ep_partner_user(body);
        break;
    case EP_PARTNER_SUBMISSION:
        ep_partner_submission(body, topic);
        break;
    case EP_PARTNER_SUBMISSIONS_BATCH:
        ep_partner_batch(body, 0, topic);
        break;
    case EP_PARTNER_LIKES_BATCH:
        ep_partner_batch(body, 1, topic);
        break;
    case EP_PARTNER_PROGRESS_BATCH:
        ep_partner_batch(body, 2, topic);
        break;
    case EP__COUNT:
        break;
    }

    int budget = 20000;
    sweep(body, 0, &budget);

    /* an error answer built from the body's own first key, as handlers do
     * for items.N.field */
    const char *key = json_object_iter_key(json_object_iter(body));
    dc_reply_err(&req, DC_ERR_VALIDATION, key, NULL);
    CHECK(req.status == 422);
    CHECK(json_is_object(json_object_get(req.json, "error")));

    json_decref(body);
    req_free(&req);
    free(copy);
    return 0;
}
