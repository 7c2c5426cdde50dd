/*
 * fuzz_json_bodies.c - the request-body parsing and validation of every
 * route that takes a JSON body, without a database or a network.
 *
 * The first input byte picks the route (and the campaign topic spelling);
 * the rest is the body. The request goes the way the dispatcher
 * (src/http/dispatch.c) takes it: the real dc_req_parse_json (json_loadb
 * with JSON_REJECT_DUPLICATES, objects only) into req->json, or the real
 * dc_reply_error's 400 envelope; then the route's validation up to its
 * first database call; a failure is answered by the real dc_reply_error
 * and its envelope checked (status, code, the field and message named).
 *
 * Real code (called, never copied here):
 *   - profile_parse: POST /v1/accounts, PATCH /v1/me and
 *     PUT /v1/partner/users/:external_user_id (all three uses run on every
 *     such body and are cross-checked);
 *   - progress_parse_report: each item of POST /v1/progress and of
 *     POST /v1/partner/progress/batch;
 *   - submission_parse and submission_tags_pg_array (in the request's
 *     arena, freed per input): POST /v1/submissions, the partner upload and
 *     each partner submission batch item;
 *   - api_item_field (the items.N.member of an item's failure), dc_err_json
 *     (a batch item's error object), dc_req_fail, dc_reply_error;
 *   - the enumerations of include/drillcamp/enums.h (dc_enum_has and the
 *     tables' .message) wherever a handler checks one.
 * Mirrored (the handler's checks live in static functions of src/api/,
 * followed here check for check, with the same fields and messages):
 *   - sessions_api.c sessions_api_login, me_api.c current_password_check,
 *     accounts_api.c accounts_api_set_role, organizations_api.c
 *     organizations_api_create, partners_api.c partners_api_create,
 *     certificates_api.c certificates_api_revoke (their few field reads);
 *   - campaign_api.c campaign_merge (PATCH /v1/admin/campaign);
 *   - lessons_api.c url_field / lesson_fields (before the category lookup);
 *   - livestreams_api.c livestreams_api_create / livestreams_api_end;
 *   - submissions_api.c submissions_api_patch, submissions_api_review and
 *     channels_literal (recommend);
 *   - progress_api.c reports_parse and partner_sync_api.c batch_run (the
 *     {"items": [...]} frames) and the item functions submission_item,
 *     like_item and progress_item up to their database calls;
 *   - api_partner_author's check of external_user_id (the account lookup
 *     needs the database; a well-formed id is taken as linked).
 *
 * Checked against what each validator promises: an accepted value has the
 * documented bounds (an accepted profile has a valid phone, a region of six
 * digits, an audience dc_enum_has accepts; an accepted progress report has
 * 0 <= from < to), borrowed strings point into the body, a failure names a
 * field the route reads with a message, and it is the first bad field (the
 * members read before it are accepted on their own; with it added, the
 * same failure). The enumeration tables are checked once, and so is that
 * every value of a table passes the validator that reads it. Every string,
 * number and array of the body then goes through the generic validators of
 * validate.h, submission.h, campaign.h and enums.h. A broken invariant
 * aborts.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/campaign.h"
#include "drillcamp/enums.h"
#include "drillcamp/http.h"
#include "drillcamp/limits.h"
#include "drillcamp/profile.h"
#include "drillcamp/progress.h"
#include "drillcamp/router.h"
#include "drillcamp/submission.h"
#include "drillcamp/validate.h"

#include "fuzz_common.h"

static const char *const TOPICS[] = {"逃生演练训练营", "#逃生演练训练营", "＃逃生演练训练营", "a"};

/* Every table of enums.h (dc_enums_all is not in the stand-in yet). */
static const struct dc_enum *const ENUMS[] = {
    &DC_ENUM_ACCOUNT_KIND,      &DC_ENUM_ROLE,
    &DC_ENUM_AUDIENCE,          &DC_ENUM_ORG_TYPE,
    &DC_ENUM_REGION_LEVEL,      &DC_ENUM_SUBMISSION_STATUS,
    &DC_ENUM_SUBMISSION_SOURCE, &DC_ENUM_VIDEO_FORMAT,
    &DC_ENUM_LIVESTREAM_STATUS, &DC_ENUM_CONTENT_TYPE,
    &DC_ENUM_REVIEW_DECISION,   &DC_ENUM_LIKE_ACTION,
    &DC_ENUM_STATS_GROUP,
};
#define NENUMS (sizeof ENUMS / sizeof ENUMS[0])

/* ---- what a route may name in a failure, in the order it reads them ---- */

static const char *const PROFILE_ORDER[] = {"phone",    "password",    "display_name",
                                            "kind",     "region_code", "organization_id",
                                            "audience", NULL};
static const char *const F_PATCH_ME[] = {
    "password", "display_name",     "region_code", "organization_id",
    "audience", "current_password", NULL};
static const char *const F_PARTNER_USER[] = {"phone", "display_name", "region_code", "audience",
                                             NULL};
static const char *const F_LOGIN[] = {"phone", "password", NULL};
static const char *const F_ROLE[] = {"role", NULL};
static const char *const F_ORG[] = {"name", "type", "region_code", NULL};
static const char *const F_CAMPAIGN[] = {"name",
                                         "topic",
                                         "warmup_at",
                                         "launch_at",
                                         "ends_at",
                                         "rules",
                                         "rules.class_hour_seconds",
                                         "rules.required_class_hours",
                                         "rules.require_checkin",
                                         "rules.max_playback_rate",
                                         "rules.top_n",
                                         NULL};
static const char *const F_LESSON[] = {
    "title", "category", "duration_seconds", "video_url", "cover_url", "description", NULL};
static const char *const F_LIVESTREAM[] = {"title", "expert", "scheduled_at", "description", NULL};
static const char *const F_LIVESTREAM_END[] = {"replay_url", "duration_seconds", NULL};
static const char *const F_ITEMS[] = {"items", NULL};
static const char *const F_REPORT[] = {"content_type", "content_id", "from_second", "to_second",
                                       NULL};
static const char *const F_REASON[] = {"reason", NULL};
static const char *const SUBMISSION_ORDER[] = {
    "title",  "description", "category", "video_url", "cover_url", "duration_seconds",
    "format", "size_bytes",  "hashtags", "original",  NULL};
static const char *const F_PARTNER_SUBMISSION[] = {
    "external_user_id", "title",  "description", "category", "video_url", "cover_url",
    "duration_seconds", "format", "size_bytes",  "hashtags", "original",  NULL};
static const char *const F_SUBMISSION_PATCH[] = {"title", "description", "cover_url", NULL};
static const char *const F_REVIEW[] = {"decision", "reason", NULL};
static const char *const F_CHANNELS[] = {"channels", NULL};
static const char *const F_NAME[] = {"name", NULL};
static const char *const F_ITEM_SUBMISSION[] = {
    "external_id", "external_user_id", "title",  "description", "category", "video_url",
    "cover_url",   "duration_seconds", "format", "size_bytes",  "hashtags", "original",
    NULL};
static const char *const F_ITEM_LIKE[] = {"external_user_id", "submission_id", "action", NULL};
static const char *const F_ITEM_PROGRESS[] = {"external_user_id", "content_type", "content_id",
                                              "from_second",      "to_second",    NULL};

/* The index of f in the NULL-terminated list, or -1 (f NULL: -1). */
static int field_index(const char *const *list, const char *f)
{
    for (int i = 0; f && list[i]; i++)
        if (strcmp(list[i], f) == 0)
            return i;
    return -1;
}

/* ---- checks every validator's answer against what it promises ---- */

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

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

/* validate_string as the mirrored handlers call it, with its promises checked. */
static enum dc_err vstring(const json_t *obj, const char *key, bool required, size_t min_chars,
                           size_t max_chars, bool no_control, const char **out)
{
    enum dc_err err = validate_string(obj, key, required, min_chars, max_chars, no_control, out);
    check_string_ok(err, *out, required, min_chars, max_chars, no_control);
    if (err == DC_OK && *out)
        CHECK(*out == json_string_value(json_object_get(obj, key)));
    return err;
}

/* A string a real validator accepted for key: borrowed from the body, or
 * NULL when the member is absent or null. */
static void check_borrowed(const json_t *body, const char *key, const char *v)
{
    const json_t *m = json_object_get(body, key);
    if (v)
        CHECK(json_is_string(m) && v == json_string_value(m));
    else
        CHECK(!m || json_is_null(m));
}

/* A string of chars characters in [lo, hi], valid UTF-8 and, when asked,
 * free of control characters. */
static bool chars_between(const char *s, size_t lo, size_t hi, bool no_control)
{
    size_t n = validate_utf8_len(s);
    return validate_utf8(s) && n >= lo && n <= hi && (!no_control || validate_no_control(s));
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
    bool ok = validate_https_url(s, DC_URL_MAX_BYTES);
    if (ok) {
        CHECK(strncasecmp(s, "https://", 8) == 0 && strlen(s) <= DC_URL_MAX_BYTES && strlen(s) > 8);
        CHECK(validate_no_control(s));
        CHECK(!strpbrk(s, " \"<>\\"));
    }
    /* a tighter limit never accepts more */
    if (validate_https_url(s, 16))
        CHECK(ok && strlen(s) <= 16);
}

/* Every table answers the same for s through its three lookups. */
static void check_enum_lookups(const char *s)
{
    for (size_t t = 0; t < NENUMS; t++) {
        const struct dc_enum *e = ENUMS[t];
        int i = dc_enum_index(e, s);
        CHECK(i >= -1 && i < (int)e->n);
        CHECK(dc_enum_has(e, s) == (i >= 0));
        if (i >= 0) {
            CHECK(strcmp(e->values[i].key, s) == 0);
            CHECK(dc_enum_label(e, s) == e->values[i].label);
        } else {
            CHECK(dc_enum_label(e, s) == NULL);
        }
    }
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
    check_enum_lookups(s);
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

/* ---- the first bad field ---- */

/* A real validator seen as: body in, failure (field relative to body) out. */
struct parser {
    const char *const *order; /* the members it reads, in its order */
    enum dc_err (*parse)(const json_t *body, const void *ctx, struct dc_problem *p);
    const void *ctx;
};

/* A new object with the members order[0..n-1] of body that it has. */
static json_t *members_prefix(const json_t *body, const char *const *order, int n)
{
    json_t *o = json_object();
    CHECK(o);
    for (int i = 0; i < n; i++) {
        json_t *v = json_object_get(body, order[i]);
        if (v)
            CHECK(json_object_set(o, order[i], v) == 0);
    }
    return o;
}

/*
 * p is the failure ps gave for body: the members read before p->field are
 * accepted on their own (a body of just those fails later, if at all), and
 * with p->field added the failure is the same field and message.
 */
static void check_first_bad(const struct parser *ps, const json_t *body, const struct dc_problem *p)
{
    int k = field_index(ps->order, p->field);
    CHECK(k >= 0);
    for (int n = k; n <= k + 1; n++) {
        json_t *pre = members_prefix(body, ps->order, n);
        struct dc_problem q = {NULL, NULL};
        enum dc_err err = ps->parse(pre, ps->ctx, &q);
        if (n == k) {
            if (err != DC_OK) {
                CHECK(err == DC_ERR_VALIDATION);
                if (field_index(ps->order, q.field) < k) {
                    fprintf(stderr, "%s is named, but %s alone fails already\n", p->field,
                            q.field ? q.field : "(null)");
                    abort();
                }
            }
        } else {
            CHECK(err == DC_ERR_VALIDATION && q.field && q.message);
            CHECK(strcmp(q.field, p->field) == 0);
            CHECK(strcmp(q.message, p->message) == 0);
        }
        json_decref(pre);
    }
}

/* ---- the profile rule (real: profile_parse) ---- */

static enum dc_err parse_profile(const json_t *body, const void *ctx, struct dc_problem *p)
{
    struct dc_profile pr;
    return profile_parse(body, *(const enum profile_use *)ctx, &pr, p);
}

static const char *const *profile_fields(enum profile_use use)
{
    return use == PROFILE_REGISTER ? PROFILE_ORDER
           : use == PROFILE_UPDATE ? F_PATCH_ME
                                   : F_PARTNER_USER;
}

/* What profile_parse promises for one use. */
static void check_profile(const json_t *body, enum profile_use use, enum dc_err err,
                          const struct dc_profile *pr, const struct dc_problem *p)
{
    if (err != DC_OK) {
        CHECK(err == DC_ERR_VALIDATION);
        CHECK(p->field && p->message && p->message[0]);
        CHECK(field_index(profile_fields(use), p->field) >= 0);
        CHECK(strcmp(p->field, "current_password") != 0);
        if (strcmp(p->field, "kind") == 0)
            CHECK(strcmp(p->message, DC_ENUM_ACCOUNT_KIND.message) == 0);
        if (strcmp(p->field, "audience") == 0)
            CHECK(strcmp(p->message, DC_ENUM_AUDIENCE.message) == 0);
        struct parser ps = {PROFILE_ORDER, parse_profile, &use};
        check_first_bad(&ps, body, p);
        return;
    }
    bool creating = use != PROFILE_UPDATE;
    /* phone: a mainland mobile number, on the two paths that create */
    if (creating) {
        const char *s = pr->phone;
        CHECK(s && all_digits(s, 11) && s[0] == '1' && s[1] >= '3' && s[1] <= '9');
        check_borrowed(body, "phone", s);
    } else {
        CHECK(pr->phone == NULL);
    }
    /* password: 8-128 characters, never read from a partner */
    if (use == PROFILE_PARTNER_USER) {
        CHECK(pr->password == NULL);
    } else {
        check_borrowed(body, "password", pr->password);
        CHECK(use != PROFILE_REGISTER || pr->password);
        CHECK(!pr->password ||
              chars_between(pr->password, DC_PASSWORD_MIN_CHARS, DC_PASSWORD_MAX_CHARS, false));
    }
    check_borrowed(body, "display_name", pr->display_name);
    CHECK(!creating || pr->display_name);
    CHECK(!pr->display_name || chars_between(pr->display_name, 1, DC_DISPLAY_NAME_MAX_CHARS, true));
    /* kind: registration only, one of the table */
    if (use == PROFILE_REGISTER) {
        CHECK(dc_enum_has(&DC_ENUM_ACCOUNT_KIND, pr->kind));
        check_borrowed(body, "kind", pr->kind);
    } else {
        CHECK(pr->kind == NULL);
    }
    check_borrowed(body, "region_code", pr->region_code);
    CHECK(!creating || pr->region_code);
    CHECK(!pr->region_code || all_digits(pr->region_code, 6));
    /* organization_id: an id string or null; a partner's user has none */
    const json_t *org = json_object_get(body, "organization_id");
    if (use == PROFILE_PARTNER_USER) {
        CHECK(!pr->organization_set && pr->organization_id == 0);
    } else {
        CHECK(pr->organization_set == (org != NULL));
        if (org && !json_is_null(org)) {
            int64_t id = 0;
            CHECK(json_is_string(org) && validate_id(json_string_value(org), &id));
            CHECK(pr->organization_id == id && id > 0);
        } else {
            CHECK(pr->organization_id == 0);
        }
    }
    /* audience: absent, or a value of the table (which has a label for each) */
    check_borrowed(body, "audience", pr->audience);
    if (pr->audience) {
        CHECK(dc_enum_has(&DC_ENUM_AUDIENCE, pr->audience));
        CHECK(dc_enum_label(&DC_ENUM_AUDIENCE, pr->audience) != NULL);
    }
    /* an official account names its organization */
    if (use == PROFILE_REGISTER && strcmp(pr->kind, "official") == 0)
        CHECK(pr->organization_id > 0);
}

/*
 * The three uses on one body: each checked on its own, and together they
 * are one rule (registration reads the most, with the most required).
 * mine's result is left in *p for the route.
 */
static enum dc_err profile_route(const json_t *body, enum profile_use mine, struct dc_profile *out,
                                 struct dc_problem *p)
{
    static const enum profile_use uses[3] = {PROFILE_REGISTER, PROFILE_UPDATE,
                                             PROFILE_PARTNER_USER};
    struct dc_profile pr[3];
    struct dc_problem pb[3];
    enum dc_err err[3];
    for (int i = 0; i < 3; i++) {
        pb[i] = (struct dc_problem){NULL, NULL};
        err[i] = profile_parse(body, uses[i], &pr[i], &pb[i]);
        check_profile(body, uses[i], err[i], &pr[i], &pb[i]);
    }
    /* what registration accepts, the other two accept */
    if (err[0] == DC_OK)
        CHECK(err[1] == DC_OK && err[2] == DC_OK);
    for (int i = 1; i < 3; i++) {
        if (err[i] == DC_OK)
            continue;
        /* what they refuse, registration refuses, at the same field or an earlier one */
        CHECK(err[0] != DC_OK);
        CHECK(field_index(PROFILE_ORDER, pb[0].field) <= field_index(PROFILE_ORDER, pb[i].field));
    }
    /* the same field is refused with the same message, whichever the path */
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (err[i] != DC_OK && err[j] != DC_OK && strcmp(pb[i].field, pb[j].field) == 0)
                CHECK(strcmp(pb[i].message, pb[j].message) == 0);
    int m = mine == PROFILE_REGISTER ? 0 : mine == PROFILE_UPDATE ? 1 : 2;
    *out = pr[m];
    *p = pb[m];
    return err[m];
}

/* ---- one progress report (real: progress_parse_report) ---- */

static enum dc_err parse_report(const json_t *item, const void *ctx, struct dc_problem *p)
{
    struct progress_report r;
    (void)ctx;
    return progress_parse_report(item, &r, p);
}

/* Reads one report and checks what progress_parse_report promises. */
static enum dc_err report_parse(const json_t *item, struct progress_report *r, struct dc_problem *p)
{
    enum dc_err err = progress_parse_report(item, r, p);
    if (err != DC_OK) {
        CHECK(err == DC_ERR_VALIDATION && p->field && p->message && p->message[0]);
        /* "" for the item itself, exactly when it is not an object */
        CHECK((p->field[0] == '\0') == !json_is_object(item));
        if (p->field[0]) {
            CHECK(field_index(F_REPORT, p->field) >= 0);
            if (strcmp(p->field, "content_type") == 0)
                CHECK(strcmp(p->message, DC_ENUM_CONTENT_TYPE.message) == 0);
            struct parser ps = {F_REPORT, parse_report, NULL};
            check_first_bad(&ps, item, p);
        }
        return err;
    }
    CHECK(json_is_object(item));
    CHECK(dc_enum_has(&DC_ENUM_CONTENT_TYPE, r->content_type));
    check_borrowed(item, "content_type", r->content_type);
    int64_t id = 0;
    CHECK(validate_id_member(json_object_get(item, "content_id"), &id) && id == r->content_id);
    CHECK(r->content_id > 0);
    CHECK(0 <= r->from && r->from < r->to);
    CHECK(json_integer_value(json_object_get(item, "from_second")) == r->from);
    CHECK(json_integer_value(json_object_get(item, "to_second")) == r->to);
    return DC_OK;
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

/* The union of the reports of the first one's content, as progress_credit
 * builds it (without the database's length and allowance). */
static void reports_union(const struct progress_report *r, size_t n)
{
    struct progress_set set = {0};
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].content_id != r[0].content_id || strcmp(r[i].content_type, r[0].content_type) != 0)
            continue;
        int64_t added = 0, before = progress_set_length(&set);
        CHECK(progress_merge_interval(&set, r[i].from, r[i].to, -1, &added) == DC_OK);
        total += added;
        CHECK(progress_set_length(&set) == before + added);
        CHECK(progress_set_covered(&set, r[i].from, r[i].to) == (int64_t)r[i].to - r[i].from);
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
}

/* ---- a submission (real: submission_parse, submission_tags_pg_array) ---- */

static enum dc_err parse_submission(const json_t *body, const void *ctx, struct dc_problem *p)
{
    struct dc_submission_input in;
    return submission_parse(body, (const char *)ctx, &in, p);
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

/* submission_parse as submissions_save calls it for every upload (the
 * campaign taken as open, the category as known), then the hashtags as
 * the repository stores them. */
static enum dc_err submission(struct dc_arena *a, const json_t *body, const char *topic,
                              struct dc_problem *p)
{
    struct dc_submission_input in;
    enum dc_err err = submission_parse(body, topic, &in, p);
    if (err != DC_OK) {
        CHECK(err == DC_ERR_VALIDATION && p->field && p->message && p->message[0]);
        CHECK(field_index(SUBMISSION_ORDER, p->field) >= 0);
        if (strcmp(p->field, "format") == 0)
            CHECK(strcmp(p->message, DC_ENUM_VIDEO_FORMAT.message) == 0);
        struct parser ps = {SUBMISSION_ORDER, parse_submission, topic};
        check_first_bad(&ps, body, p);
        return err;
    }
    check_borrowed(body, "title", in.title);
    CHECK(in.title && chars_between(in.title, 1, 60, false));
    CHECK(in.description && chars_between(in.description, 0, 1000, false));
    if (json_string_value(json_object_get(body, "description")))
        check_borrowed(body, "description", in.description);
    else
        CHECK(strcmp(in.description, "") == 0);
    check_borrowed(body, "category", in.category);
    CHECK(in.category && chars_between(in.category, 1, 40, true));
    check_borrowed(body, "video_url", in.video_url);
    CHECK(in.video_url && validate_https_url(in.video_url, DC_URL_MAX_BYTES));
    check_borrowed(body, "cover_url", in.cover_url);
    CHECK(!in.cover_url || validate_https_url(in.cover_url, DC_URL_MAX_BYTES));
    CHECK(in.duration_seconds >= 1 && in.duration_seconds <= 900);
    CHECK(json_integer_value(json_object_get(body, "duration_seconds")) == in.duration_seconds);
    CHECK(dc_enum_has(&DC_ENUM_VIDEO_FORMAT, in.format));
    check_borrowed(body, "format", in.format);
    CHECK(in.size_bytes >= 1 && in.size_bytes <= 4294967296LL);
    CHECK(json_integer_value(json_object_get(body, "size_bytes")) == in.size_bytes);
    const json_t *tags = json_object_get(body, "hashtags");
    CHECK(in.ntags >= 1 && in.ntags <= SUBMISSION_MAX_TAGS &&
          (size_t)in.ntags == json_array_size(tags));
    bool topic_seen = false;
    for (int i = 0; i < in.ntags; i++) {
        /* each tag is its string without the leading mark */
        const char *s = json_string_value(json_array_get(tags, (size_t)i));
        CHECK(s && in.tags[i] == s + submission_tag_prefix(s));
        CHECK(strlen(in.tags[i]) == in.tag_len[i]);
        CHECK(chars_between(in.tags[i], 1, 50, true));
        topic_seen = topic_seen || submission_tag_is_topic(in.tags[i], topic);
    }
    CHECK(topic_seen);
    CHECK(json_is_true(json_object_get(body, "original")));
    char *lit = submission_tags_pg_array(a, &in);
    CHECK(lit);
    check_tags_literal(lit, &in);
    return DC_OK;
}

/* ---- the routes ---- */

/* POST /v1/accounts: accounts_api_register up to profile_check_refs. */
static enum dc_err ep_register(struct dc_req *req, const char *topic)
{
    struct dc_profile pr;
    (void)topic;
    return profile_route(req->json, PROFILE_REGISTER, &pr, &req->problem);
}

/* POST /v1/sessions: sessions_api_login (mirrored) up to the phone's rate limit. */
static enum dc_err ep_login(struct dc_req *req, const char *topic)
{
    const char *phone, *password;
    (void)topic;
    if (vstring(req->json, "phone", true, 1, 32, false, &phone) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "phone", NULL);
    if (vstring(req->json, "password", true, 1, 1024, false, &password) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "password", NULL);
    CHECK(phone && password);
    return DC_OK;
}

/* PATCH /v1/me: me_api_patch, profile_parse (real) then the mirrored
 * current_password_check up to the stored hash. */
static enum dc_err ep_patch_me(struct dc_req *req, const char *topic)
{
    struct dc_profile pr;
    const char *current;
    (void)topic;
    enum dc_err err = profile_route(req->json, PROFILE_UPDATE, &pr, &req->problem);
    if (err != DC_OK || !pr.password)
        return err;
    if (vstring(req->json, "current_password", true, 1, 128, false, &current) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "current_password",
                           "current_password is required to change the password");
    CHECK(current);
    return DC_OK;
}

/* PUT /v1/admin/accounts/:id/role: accounts_api_set_role (mirrored). */
static enum dc_err ep_role(struct dc_req *req, const char *topic)
{
    const char *role;
    (void)topic;
    if (vstring(req->json, "role", true, 1, 32, true, &role) != DC_OK ||
        !dc_enum_has(&DC_ENUM_ROLE, role))
        return dc_req_fail(req, DC_ERR_VALIDATION, "role", DC_ENUM_ROLE.message);
    CHECK(role && dc_enum_index(&DC_ENUM_ROLE, role) >= 0);
    return DC_OK;
}

/* POST /v1/admin/organizations: organizations_api_create (mirrored). */
static enum dc_err ep_org(struct dc_req *req, const char *topic)
{
    const char *name, *type, *region;
    (void)topic;
    if (vstring(req->json, "name", true, 1, DC_NAME_MAX_CHARS, true, &name) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "name",
                           "name must be 1-100 characters without control characters");
    if (vstring(req->json, "type", true, 1, 32, true, &type) != DC_OK ||
        !dc_enum_has(&DC_ENUM_ORG_TYPE, type))
        return dc_req_fail(req, DC_ERR_VALIDATION, "type", DC_ENUM_ORG_TYPE.message);
    if (vstring(req->json, "region_code", true, 6, 6, true, &region) != DC_OK ||
        !validate_region_code_format(region))
        return dc_req_fail(req, DC_ERR_VALIDATION, "region_code",
                           "region_code must be a known 6-digit division code");
    CHECK(name && type && all_digits(region, 6));
    /* the reports label every organization type */
    CHECK(dc_enum_label(&DC_ENUM_ORG_TYPE, type) != NULL);
    return DC_OK;
}

/* campaign_api.c time_field / int_field / campaign_merge (mirrored) */
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

static enum dc_err campaign_merge(const json_t *body, struct dc_campaign *c, const char **field)
{
    const char *s;
    if (vstring(body, "name", false, 1, DC_NAME_MAX_CHARS, true, &s) != DC_OK)
        return *field = "name", DC_ERR_VALIDATION;
    if (s)
        snprintf(c->name, sizeof c->name, "%s", s);
    if (vstring(body, "topic", false, 1, 40, true, &s) != DC_OK)
        return *field = "topic", DC_ERR_VALIDATION;
    if (s)
        snprintf(c->topic, sizeof c->topic, "%s", s);
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

/* PATCH /v1/admin/campaign: campaign_api_patch, merged into the seeded
 * defaults (the row the handler locks). */
static enum dc_err ep_campaign(struct dc_req *req, const char *topic)
{
    struct dc_campaign c = {
        .id = 1,
        .warmup_at = 1685491200, /* 2023-05-31 */
        .launch_at = 1685577600,
        .ends_at = 1688169600,
        .rules = {3600, 8, true, 1.0, 100},
    };
    const char *field = NULL;
    snprintf(c.name, sizeof c.name, "%s", "安全生产月");
    snprintf(c.topic, sizeof c.topic, "%s", topic);
    enum dc_err err = campaign_merge(req->json, &c, &field);
    if (err != DC_OK) {
        CHECK(field);
        return dc_req_fail(req, err, field,
                           strstr(field, "_at") ? "dates must be RFC 3339 and satisfy "
                                                  "warmup_at <= launch_at < ends_at"
                                                : NULL);
    }
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
    return DC_OK;
}

/* lessons_api.c url_field (mirrored) */
static bool url_field(const json_t *body, const char *key, bool *set, const char **out)
{
    json_t *v = json_object_get(body, key);
    *set = v != NULL;
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v) || !validate_https_url(json_string_value(v), DC_URL_MAX_BYTES))
        return false;
    *out = json_string_value(v);
    return true;
}

/* POST /v1/admin/lessons, PATCH /v1/admin/lessons/:id: lessons_api.c
 * lesson_fields (mirrored) up to the category lookup. */
static enum dc_err lesson(struct dc_req *req, bool creating)
{
    const json_t *body = req->json;
    const char *title, *category, *video_url, *cover_url, *description;
    bool video_set, cover_set;
    json_t *dur = json_object_get(body, "duration_seconds");
    if (vstring(body, "title", creating, 1, DC_NAME_MAX_CHARS, true, &title) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "title",
                           "title must be 1-100 characters without control characters");
    if (vstring(body, "category", creating, 1, 40, true, &category) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "category", "category is not a known category");
    if ((creating && !dur) || (dur && (!json_is_integer(dur) || json_integer_value(dur) < 1 ||
                                       json_integer_value(dur) > DC_CONTENT_MAX_SECONDS)))
        return dc_req_fail(req, DC_ERR_VALIDATION, "duration_seconds",
                           "duration_seconds must be an integer 1-86400");
    if (!url_field(body, "video_url", &video_set, &video_url) || (video_set && !video_url) ||
        (creating && !video_url))
        return dc_req_fail(req, DC_ERR_VALIDATION, "video_url",
                           "video_url must be an https URL of at most 2048 bytes");
    if (!url_field(body, "cover_url", &cover_set, &cover_url))
        return dc_req_fail(req, DC_ERR_VALIDATION, "cover_url",
                           "cover_url must be an https URL of at most 2048 bytes or null");
    if (vstring(body, "description", false, 0, DC_DESCRIPTION_MAX_CHARS, false, &description) !=
        DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "description",
                           "description must be at most 2000 characters");
    if (creating)
        CHECK(title && category && video_url && dur);
    CHECK(!video_url || validate_https_url(video_url, DC_URL_MAX_BYTES));
    CHECK(!cover_url || validate_https_url(cover_url, DC_URL_MAX_BYTES));
    return DC_OK;
}

static enum dc_err ep_lesson_create(struct dc_req *req, const char *topic)
{
    (void)topic;
    return lesson(req, true);
}

static enum dc_err ep_lesson_patch(struct dc_req *req, const char *topic)
{
    (void)topic;
    return lesson(req, false);
}

/* POST /v1/admin/livestreams: livestreams_api_create (mirrored). */
static enum dc_err ep_livestream_create(struct dc_req *req, const char *topic)
{
    const json_t *body = req->json;
    const char *title, *expert, *scheduled, *description;
    double when;
    (void)topic;
    if (vstring(body, "title", true, 1, DC_NAME_MAX_CHARS, true, &title) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "title", NULL);
    if (vstring(body, "expert", true, 1, DC_NAME_MAX_CHARS, true, &expert) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "expert", NULL);
    if (vstring(body, "scheduled_at", true, 1, 40, true, &scheduled) != DC_OK ||
        !campaign_parse_time(scheduled, &when))
        return dc_req_fail(req, DC_ERR_VALIDATION, "scheduled_at", NULL);
    if (vstring(body, "description", false, 0, DC_DESCRIPTION_MAX_CHARS, false, &description) !=
        DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "description", NULL);
    CHECK(isfinite(when));
    return DC_OK;
}

/* POST /v1/admin/livestreams/:id/end: livestreams_api_end (mirrored). */
static enum dc_err ep_livestream_end(struct dc_req *req, const char *topic)
{
    const char *replay;
    json_t *d = json_object_get(req->json, "duration_seconds");
    (void)topic;
    if (vstring(req->json, "replay_url", true, 1, DC_URL_MAX_BYTES, true, &replay) != DC_OK ||
        !validate_https_url(replay, DC_URL_MAX_BYTES))
        return dc_req_fail(req, DC_ERR_VALIDATION, "replay_url", NULL);
    if (!json_is_integer(d) || json_integer_value(d) < 1 ||
        json_integer_value(d) > DC_CONTENT_MAX_SECONDS)
        return dc_req_fail(req, DC_ERR_VALIDATION, "duration_seconds", NULL);
    return DC_OK;
}

/* POST /v1/progress: progress_api.c reports_parse (the frame mirrored,
 * each item through the real progress_parse_report and api_item_field),
 * then the union per content. */
static enum dc_err ep_progress(struct dc_req *req, const char *topic)
{
    (void)topic;
    json_t *items = json_object_get(req->json, "items");
    size_t count = json_array_size(items);
    if (!json_is_array(items) || count < 1 || count > DC_PROGRESS_MAX_ITEMS)
        return dc_req_fail(req, DC_ERR_VALIDATION, "items",
                           "items must be an array of 1-100 reports");
    struct progress_report *reports = arena_calloc(req->arena, count, sizeof *reports);
    CHECK(reports);
    for (size_t i = 0; i < count; i++) {
        enum dc_err err = report_parse(json_array_get(items, i), &reports[i], &req->problem);
        if (err != DC_OK)
            return dc_req_fail(req, err, api_item_field(req->arena, i, req->problem.field),
                               req->problem.message);
    }
    reports_union(reports, count);
    return DC_OK;
}

/* POST /v1/admin/certificates/:serial/revoke: certificates_api_revoke (mirrored). */
static enum dc_err ep_revoke(struct dc_req *req, const char *topic)
{
    const char *reason;
    (void)topic;
    if (vstring(req->json, "reason", true, 1, DC_REASON_MAX_CHARS, true, &reason) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "reason", "reason must be 1-500 characters");
    return DC_OK;
}

/* POST /v1/submissions: submissions_save (real submission_parse). */
static enum dc_err ep_submission_create(struct dc_req *req, const char *topic)
{
    return submission(req->arena, req->json, topic, &req->problem);
}

/* PATCH /v1/submissions/:id: submissions_api_patch (mirrored) after the
 * author check. */
static enum dc_err ep_submission_patch(struct dc_req *req, const char *topic)
{
    const char *title, *description, *cover = NULL;
    json_t *cv = json_object_get(req->json, "cover_url");
    (void)topic;
    if (vstring(req->json, "title", false, 1, 60, false, &title) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "title", NULL);
    if (vstring(req->json, "description", false, 0, 1000, false, &description) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "description", NULL);
    if (cv && !json_is_null(cv) &&
        (!json_is_string(cv) ||
         !validate_https_url(cover = json_string_value(cv), DC_URL_MAX_BYTES)))
        return dc_req_fail(req, DC_ERR_VALIDATION, "cover_url", NULL);
    /* what the repository is given: null clears, a string is an https URL */
    CHECK(!cover || (cv && cover == json_string_value(cv)));
    return DC_OK;
}

/* POST /v1/admin/submissions/:id/review: submissions_api_review (mirrored). */
static enum dc_err ep_review(struct dc_req *req, const char *topic)
{
    const char *decision, *reason;
    (void)topic;
    if (vstring(req->json, "decision", true, 1, 16, true, &decision) != DC_OK ||
        !dc_enum_has(&DC_ENUM_REVIEW_DECISION, decision))
        return dc_req_fail(req, DC_ERR_VALIDATION, "decision", NULL);
    bool approve = strcmp(decision, "approve") == 0;
    if (vstring(req->json, "reason", !approve, 1, DC_REASON_MAX_CHARS, true, &reason) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "reason", NULL);
    /* a rejection says why */
    CHECK(approve || reason);
    return DC_OK;
}

/* submissions_api.c channels_literal (mirrored) */
static const char *channels_literal(struct dc_arena *a, const json_t *ch)
{
    size_t n = json_array_size(ch), cap = 3;
    if (!json_is_array(ch) || n < 1 || n > 20)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *c = json_string_value(json_array_get(ch, i));
        if (!c || validate_utf8_len(c) < 1 || validate_utf8_len(c) > 50 ||
            !validate_no_control(c) || strpbrk(c, "\"\\{},"))
            return NULL;
        cap += strlen(c) + 3;
    }
    char *s = arena_alloc(a, cap), *o = s;
    CHECK(s);
    for (size_t i = 0; i < n; i++)
        o = stpcpy(stpcpy(stpcpy(o, i ? ",\"" : "{\""), json_string_value(json_array_get(ch, i))),
                   "\"");
    strcpy(o, "}");
    CHECK(strlen(s) < cap);
    return s;
}

/* POST /v1/admin/submissions/:id/recommend: submissions_api_recommend
 * (mirrored); the literal must read back as the channels. */
static enum dc_err ep_recommend(struct dc_req *req, const char *topic)
{
    (void)topic;
    json_t *ch = json_object_get(req->json, "channels");
    const char *lit = channels_literal(req->arena, ch);
    if (!lit)
        return dc_req_fail(req, DC_ERR_VALIDATION, "channels",
                           "channels must be 1-20 names of 1-50 characters");
    const char *p = lit;
    CHECK(*p++ == '{');
    for (size_t i = 0; i < json_array_size(ch); i++) {
        const char *c = json_string_value(json_array_get(ch, i));
        size_t n = strlen(c);
        if (i)
            CHECK(*p++ == ',');
        CHECK(*p++ == '"' && strncmp(p, c, n) == 0 && p[n] == '"');
        p += n + 1;
    }
    CHECK(strcmp(p, "}") == 0);
    return DC_OK;
}

/* POST /v1/admin/partners: partners_api_create (mirrored). */
static enum dc_err ep_partner_create(struct dc_req *req, const char *topic)
{
    const char *name;
    (void)topic;
    if (vstring(req->json, "name", true, 1, DC_NAME_MAX_CHARS, true, &name) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "name", "name must be 1-100 characters");
    return DC_OK;
}

/* PUT /v1/partner/users/:external_user_id: partner_users_api_put (real
 * profile_parse). */
static enum dc_err ep_partner_user(struct dc_req *req, const char *topic)
{
    struct dc_profile pr;
    (void)topic;
    return profile_route(req->json, PROFILE_PARTNER_USER, &pr, &req->problem);
}

/* api_partner_author's check of external_user_id (mirrored); the lookup of
 * the linked account is taken as found. */
static enum dc_err partner_author(const json_t *obj, struct dc_problem *p)
{
    const char *ext;
    if (vstring(obj, "external_user_id", true, 1, DC_EXTERNAL_ID_MAX_CHARS, true, &ext) != DC_OK)
        return dc_problem_set(p, DC_ERR_VALIDATION, "external_user_id",
                              "external_user_id must name a user this partner linked");
    return DC_OK;
}

/* PUT /v1/partner/submissions/:external_id: partner_submissions_api_put,
 * the author (mirrored) then submissions_save (real submission_parse). */
static enum dc_err ep_partner_submission(struct dc_req *req, const char *topic)
{
    enum dc_err err = partner_author(req->json, &req->problem);
    return err == DC_OK ? submission(req->arena, req->json, topic, &req->problem) : err;
}

/* One batch item's outcome, as partner_sync_api.c's struct item_result. */
struct item_result {
    enum dc_err err;
    struct dc_problem problem; /* field relative to the item, "" for the item itself */
};

/* partner_sync_api.c submission_item up to its database calls */
static void submission_item(struct dc_req *req, const json_t *item, const char *topic,
                            struct item_result *r)
{
    const char *ext;
    if (vstring(item, "external_id", true, 1, DC_EXTERNAL_ID_MAX_CHARS, true, &ext) != DC_OK) {
        r->err = dc_problem_set(&r->problem, DC_ERR_VALIDATION, "external_id",
                                "external_id must be 1-128 characters of UTF-8 without control "
                                "characters");
        return;
    }
    r->err = partner_author(item, &r->problem);
    if (r->err == DC_OK)
        r->err = submission(req->arena, item, topic, &r->problem);
}

/* partner_sync_api.c like_item up to likes_apply */
static void like_item(const json_t *item, struct item_result *r)
{
    const char *action;
    int64_t id;
    const json_t *sid = json_object_get(item, "submission_id");
    r->err = partner_author(item, &r->problem);
    if (r->err != DC_OK)
        return;
    if (!json_is_string(sid) || !validate_id(json_string_value(sid), &id))
        r->err = dc_problem_set(&r->problem, DC_ERR_VALIDATION, "submission_id",
                                "submission_id must be an id string");
    else if (vstring(item, "action", true, 1, 8, true, &action) != DC_OK ||
             !dc_enum_has(&DC_ENUM_LIKE_ACTION, action))
        r->err =
            dc_problem_set(&r->problem, DC_ERR_VALIDATION, "action", DC_ENUM_LIKE_ACTION.message);
    else
        CHECK(id > 0 && (strcmp(action, "like") == 0 || strcmp(action, "unlike") == 0));
}

/* partner_sync_api.c progress_item up to the campaign gate (real
 * progress_parse_report) */
static void progress_item(const json_t *item, struct progress_report *report, struct item_result *r)
{
    r->err = partner_author(item, &r->problem);
    if (r->err == DC_OK)
        r->err = report_parse(item, report, &r->problem);
}

/* The error object of a failed item, as result_json builds it with the real
 * api_item_field and dc_err_json. */
static void check_item_result(struct dc_req *req, size_t index, const struct item_result *r,
                              const char *const *fields)
{
    if (r->err == DC_OK)
        return;
    CHECK(r->err == DC_ERR_VALIDATION);
    CHECK(r->problem.field && r->problem.message && r->problem.message[0]);
    CHECK(r->problem.field[0] == '\0' || field_index(fields, r->problem.field) >= 0);
    const char *f = api_item_field(req->arena, index, r->problem.field);
    char want[256];
    if (r->problem.field[0])
        snprintf(want, sizeof want, "items.%zu.%s", index, r->problem.field);
    else
        snprintf(want, sizeof want, "items.%zu", index);
    CHECK(f && strcmp(f, want) == 0);
    json_t *e = dc_err_json(r->err, f, r->problem.message);
    CHECK(e);
    CHECK(strcmp(json_string_value(json_object_get(e, "code")), "validation_failed") == 0);
    CHECK(strcmp(json_string_value(json_object_get(e, "field")), f) == 0);
    CHECK(strcmp(json_string_value(json_object_get(e, "message")), r->problem.message) == 0);
    json_decref(e);
}

/* partner_sync_api.c batch_run: {"items": [1..500]}, each item on its own
 * (the frame mirrored); kind 0 submissions, 1 likes, 2 progress. */
static enum dc_err partner_batch(struct dc_req *req, int kind, const char *topic)
{
    static const char *const *const fields[3] = {F_ITEM_SUBMISSION, F_ITEM_LIKE, F_ITEM_PROGRESS};
    json_t *items = json_object_get(req->json, "items");
    size_t n = json_array_size(items), nreports = 0;
    if (!json_is_array(items) || n < 1 || n > DC_BATCH_MAX_ITEMS)
        return dc_req_fail(req, DC_ERR_VALIDATION, "items",
                           "items must be an array of 1-500 items");
    struct progress_report *reports = arena_calloc(req->arena, n, sizeof *reports);
    CHECK(reports);
    for (size_t i = 0; i < n; i++) {
        struct item_result r = {DC_OK, {NULL, NULL}};
        const json_t *item = json_array_get(items, i);
        if (!json_is_object(item))
            r.err =
                dc_problem_set(&r.problem, DC_ERR_VALIDATION, "", "each item must be an object");
        else if (kind == 0)
            submission_item(req, item, topic, &r);
        else if (kind == 1)
            like_item(item, &r);
        else {
            progress_item(item, &reports[nreports], &r);
            nreports += r.err == DC_OK;
        }
        check_item_result(req, i, &r, fields[kind]);
    }
    /* each accepted report is credited alone: the union of those of one content */
    if (nreports)
        reports_union(reports, nreports);
    return DC_OK;
}

static enum dc_err ep_partner_submissions_batch(struct dc_req *req, const char *topic)
{
    return partner_batch(req, 0, topic);
}

static enum dc_err ep_partner_likes_batch(struct dc_req *req, const char *topic)
{
    return partner_batch(req, 1, topic);
}

static enum dc_err ep_partner_progress_batch(struct dc_req *req, const char *topic)
{
    return partner_batch(req, 2, topic);
}

/* The routes, in the order of the input's first byte (the seed corpus
 * depends on it: append, never reorder). */
static const struct endpoint {
    const char *method, *pattern; /* its route in dc_routes */
    enum dc_err (*run)(struct dc_req *req, const char *topic);
    const char *const *fields;      /* what a failure may name */
    const char *const *item_fields; /* the members of items.N.member, or NULL */
    bool says_why;                  /* every failure has its own message */
} ENDPOINTS[] = {
    {"POST", "/v1/accounts", ep_register, PROFILE_ORDER, NULL, true},
    {"POST", "/v1/sessions", ep_login, F_LOGIN, NULL, false},
    {"PATCH", "/v1/me", ep_patch_me, F_PATCH_ME, NULL, true},
    {"PUT", "/v1/admin/accounts/:id/role", ep_role, F_ROLE, NULL, true},
    {"POST", "/v1/admin/organizations", ep_org, F_ORG, NULL, true},
    {"PATCH", "/v1/admin/campaign", ep_campaign, F_CAMPAIGN, NULL, false},
    {"POST", "/v1/admin/lessons", ep_lesson_create, F_LESSON, NULL, true},
    {"PATCH", "/v1/admin/lessons/:id", ep_lesson_patch, F_LESSON, NULL, true},
    {"POST", "/v1/admin/livestreams", ep_livestream_create, F_LIVESTREAM, NULL, false},
    {"POST", "/v1/admin/livestreams/:id/end", ep_livestream_end, F_LIVESTREAM_END, NULL, false},
    {"POST", "/v1/progress", ep_progress, F_ITEMS, F_REPORT, true},
    {"POST", "/v1/admin/certificates/:serial/revoke", ep_revoke, F_REASON, NULL, true},
    {"POST", "/v1/submissions", ep_submission_create, SUBMISSION_ORDER, NULL, true},
    {"PATCH", "/v1/submissions/:id", ep_submission_patch, F_SUBMISSION_PATCH, NULL, false},
    {"POST", "/v1/admin/submissions/:id/review", ep_review, F_REVIEW, NULL, false},
    {"POST", "/v1/admin/submissions/:id/recommend", ep_recommend, F_CHANNELS, NULL, true},
    {"POST", "/v1/admin/partners", ep_partner_create, F_NAME, NULL, true},
    {"PUT", "/v1/partner/users/:external_user_id", ep_partner_user, F_PARTNER_USER, NULL, true},
    {"PUT", "/v1/partner/submissions/:external_id", ep_partner_submission, F_PARTNER_SUBMISSION,
     NULL, true},
    {"POST", "/v1/partner/submissions/batch", ep_partner_submissions_batch, F_ITEMS, NULL, true},
    {"POST", "/v1/partner/likes/batch", ep_partner_likes_batch, F_ITEMS, NULL, true},
    {"POST", "/v1/partner/progress/batch", ep_partner_progress_batch, F_ITEMS, NULL, true},
};
#define NENDPOINTS (sizeof ENDPOINTS / sizeof ENDPOINTS[0])

static const struct dc_route *endpoint_route[NENDPOINTS];

/* A failure's field is one the route reads: a member, "items", or
 * "items.N" / "items.N.member" for a route that reads items. */
static void check_failure_field(const struct endpoint *ep, const char *field)
{
    CHECK(field);
    if (field_index(ep->fields, field) >= 0)
        return;
    CHECK(ep->item_fields && strncmp(field, "items.", 6) == 0);
    char *end;
    const char *digits = field + 6;
    CHECK(*digits >= '0' && *digits <= '9');
    unsigned long i = strtoul(digits, &end, 10);
    CHECK(i < DC_BATCH_MAX_ITEMS);
    if (*end == '\0')
        return; /* the item itself */
    CHECK(*end == '.' && field_index(ep->item_fields, end + 1) >= 0);
}

/* The error envelope dc_reply_error wrote for err. */
static void check_envelope(const struct dc_req *req, enum dc_err err, const char *field,
                           const char *message)
{
    CHECK(req->status == dc_err_status(err));
    CHECK(json_is_object(req->reply) && json_object_size(req->reply) == 1);
    const json_t *e = json_object_get(req->reply, "error");
    CHECK(json_is_object(e));
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    const json_t *f = json_object_get(e, "field");
    CHECK(code && strcmp(code, dc_err_code(err)) == 0);
    CHECK(msg && strcmp(msg, message ? message : dc_err_message(err)) == 0);
    if (field)
        CHECK(json_is_string(f) && strcmp(json_string_value(f), field) == 0);
    else
        CHECK(f == NULL);
    /* neither a 400 nor a 422 carries WWW-Authenticate or Retry-After */
    CHECK(req->nheaders == 0 && req->raw == NULL && req->stream == NULL);
}

/* ---- once: the tables, and that each validator takes every value of its table ---- */

static void check_tables(void)
{
    for (size_t t = 0; t < NENUMS; t++) {
        const struct dc_enum *e = ENUMS[t];
        CHECK(e->name && e->message && e->message[0] && e->values && e->n >= 1);
        CHECK(!dc_enum_has(e, NULL));
        for (size_t i = 0; i < e->n; i++) {
            const char *k = e->values[i].key;
            /* stored and sent as JSON strings: text without control characters */
            CHECK(k && k[0] && validate_utf8(k) && validate_no_control(k));
            CHECK(dc_enum_index(e, k) == (int)i);
            CHECK(dc_enum_has(e, k));
            CHECK(dc_enum_label(e, k) == e->values[i].label);
            CHECK(!e->values[i].label || validate_utf8(e->values[i].label));
        }
    }
    /* the tables that reports print carry a label for every value */
    for (size_t i = 0; i < DC_ENUM_AUDIENCE.n; i++)
        CHECK(DC_ENUM_AUDIENCE.values[i].label);
    for (size_t i = 0; i < DC_ENUM_ORG_TYPE.n; i++)
        CHECK(DC_ENUM_ORG_TYPE.values[i].label);

    /* every content type is a report the parser takes */
    for (size_t i = 0; i < DC_ENUM_CONTENT_TYPE.n; i++) {
        json_t *item =
            json_pack("{s:s, s:s, s:i, s:i}", "content_type", DC_ENUM_CONTENT_TYPE.values[i].key,
                      "content_id", "1", "from_second", 0, "to_second", 1);
        struct progress_report r;
        struct dc_problem p = {NULL, NULL};
        CHECK(item && progress_parse_report(item, &r, &p) == DC_OK);
        json_decref(item);
    }
    /* every format is a submission the parser takes */
    for (size_t i = 0; i < DC_ENUM_VIDEO_FORMAT.n; i++) {
        json_t *body =
            json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:[s], s:b}", "title", "t", "category",
                      "fire", "video_url", "https://v.example.com/1.mp4", "duration_seconds", 60,
                      "format", DC_ENUM_VIDEO_FORMAT.values[i].key, "size_bytes", 1000, "hashtags",
                      TOPICS[0], "original", 1);
        struct dc_submission_input in;
        struct dc_problem p = {NULL, NULL};
        CHECK(body && submission_parse(body, TOPICS[0], &in, &p) == DC_OK);
        json_decref(body);
    }
    /* every kind and every audience is a registration the parser takes */
    for (size_t k = 0; k < DC_ENUM_ACCOUNT_KIND.n; k++) {
        for (size_t a = 0; a < DC_ENUM_AUDIENCE.n; a++) {
            json_t *body =
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "phone", "13712345678", "password",
                          "12345678", "display_name", "x", "kind",
                          DC_ENUM_ACCOUNT_KIND.values[k].key, "region_code", "350100",
                          "organization_id", "1", "audience", DC_ENUM_AUDIENCE.values[a].key);
            struct dc_profile pr;
            struct dc_problem p = {NULL, NULL};
            CHECK(body && profile_parse(body, PROFILE_REGISTER, &pr, &p) == DC_OK);
            json_decref(body);
        }
    }
    /* the mirrored readers' bounds take every value of their tables */
    for (size_t i = 0; i < DC_ENUM_ROLE.n; i++)
        CHECK(chars_between(DC_ENUM_ROLE.values[i].key, 1, 32, true));
    for (size_t i = 0; i < DC_ENUM_ORG_TYPE.n; i++)
        CHECK(chars_between(DC_ENUM_ORG_TYPE.values[i].key, 1, 32, true));
    for (size_t i = 0; i < DC_ENUM_REVIEW_DECISION.n; i++)
        CHECK(validate_utf8_len(DC_ENUM_REVIEW_DECISION.values[i].key) <= 16);
    for (size_t i = 0; i < DC_ENUM_LIKE_ACTION.n; i++)
        CHECK(validate_utf8_len(DC_ENUM_LIKE_ACTION.values[i].key) <= 8);

    /* every route here is a JSON route of the table, and every JSON route
     * of the table is here (a new one needs its entry) */
    for (size_t i = 0; i < NENDPOINTS; i++) {
        const struct dc_route *found = NULL;
        for (const struct dc_route *r = dc_routes; r->method; r++)
            if (strcmp(r->method, ENDPOINTS[i].method) == 0 &&
                strcmp(r->pattern, ENDPOINTS[i].pattern) == 0)
                found = r;
        if (!found || !(found->flags & DC_ROUTE_JSON)) {
            fprintf(stderr, "%s %s is not a JSON route of dc_routes\n", ENDPOINTS[i].method,
                    ENDPOINTS[i].pattern);
            abort();
        }
        endpoint_route[i] = found;
    }
    for (const struct dc_route *r = dc_routes; r->method; r++) {
        bool covered = false;
        for (size_t i = 0; i < NENDPOINTS; i++)
            covered = covered || endpoint_route[i] == r;
        if ((r->flags & DC_ROUTE_JSON) && !covered) {
            fprintf(stderr, "%s %s takes JSON but has no entry in ENDPOINTS\n", r->method,
                    r->pattern);
            abort();
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    check_tables();
    return 0;
}

/* Frees what a dc_req collected (src/http/server.c state_free). */
static void req_free(struct dc_req *r)
{
    json_decref(r->json);
    json_decref(r->reply);
    json_decref(r->problem_extra);
    free(r->raw);
    for (int i = 0; i < r->nheaders; i++)
        free(r->headers[i].value);
    dc_stream_free(r->stream);
    arena_free(r->arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t which = data[0] % NENDPOINTS;
    const struct endpoint *ep = &ENDPOINTS[which];
    const struct dc_route *route = endpoint_route[which];
    const char *topic = TOPICS[(data[0] / NENDPOINTS) % 4];

    /* the HTTP layer hands handlers a NUL-terminated copy of the body, at
     * most the route's body limit (413 otherwise) */
    size_t len = size - 1;
    if (len > (route->body_limit ? route->body_limit : DC_BODY_LIMIT_DEFAULT))
        return 0;
    char *copy = fuzz_memdup(data + 1, len);

    struct dc_req req = {0};
    req.method = route->method;
    req.path = route->pattern;
    req.target = route->pattern;
    req.route = route;
    req.body = len ? copy : NULL;
    req.body_len = len;
    req.arena = arena_new();
    CHECK(req.arena);

    /* the dispatcher's step 6 */
    enum dc_err err = dc_req_parse_json(&req, &req.json);
    json_error_t jerr;
    json_t *ref = len ? json_loadb(copy, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    CHECK((err == DC_OK) == json_is_object(ref));
    json_decref(ref);
    if (err != DC_OK) {
        CHECK(err == DC_ERR_INVALID_JSON && req.json == NULL);
        CHECK(req.problem.field == NULL && req.problem.message != NULL);
        const char *message = req.problem.message;
        dc_reply_error(&req, err);
        check_envelope(&req, err, NULL, message);
        CHECK(req.status == 400);
        req_free(&req);
        free(copy);
        return 0;
    }
    CHECK(json_is_object(req.json) && req.status == 0 && req.reply == NULL);

    err = ep->run(&req, topic);
    if (err != DC_OK) {
        /* a validation failure naming what the route reads, answered 422 */
        CHECK(err == DC_ERR_VALIDATION);
        check_failure_field(ep, req.problem.field);
        if (ep->says_why)
            CHECK(req.problem.message && req.problem.message[0]);
        const char *field = req.problem.field, *message = req.problem.message;
        dc_reply_error(&req, err);
        check_envelope(&req, err, field, message);
    } else {
        CHECK(req.status == 0 && req.reply == NULL);
    }

    int budget = 20000;
    sweep(req.json, 0, &budget);

    /* an error answer naming the body's own first key, as a batch names
     * items.N.member */
    const char *key = json_object_iter_key(json_object_iter(req.json));
    if (key) {
        const char *f = api_item_field(req.arena, 0, key);
        if (key[0])
            CHECK(f && strncmp(f, "items.0.", 8) == 0 && strcmp(f + 8, key) == 0);
        else
            CHECK(f && strcmp(f, "items.0") == 0);
        req.problem = (struct dc_problem){NULL, NULL};
        err = dc_req_fail(&req, DC_ERR_VALIDATION, f, NULL);
        CHECK(err == DC_ERR_VALIDATION);
        dc_reply_error(&req, err);
        check_envelope(&req, err, f, NULL);
    }

    req_free(&req);
    free(copy);
    return 0;
}
