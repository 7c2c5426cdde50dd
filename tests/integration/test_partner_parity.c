/*
 * test_partner_parity.c - one rule, whoever calls it (issue 10, item 3):
 * the same input sent by a user and by a partner gets the same answer
 * (status, error code, field and message), because both paths run the same
 * code. Each test is one of the drifts found between the copies:
 *
 *  - profile fields: registration, PATCH /v1/me and a partner's user link
 *    (the phone message differed; audiences were read differently);
 *  - submissions: POST /v1/submissions, PUT /v1/partner/submissions/{id}
 *    and a submissions batch item;
 *  - a partner's upload of the same new external id sent concurrently:
 *    the single PUT answered 409 where the batch retried;
 *  - progress: POST /v1/progress and a progress batch item (the user path
 *    named the field with a generic message, the partner path explained);
 *  - likes: PUT /v1/submissions/{id}/like and a likes batch item.
 *
 * Batch results name fields as items.N.field; the user path names the top
 * level field (items.0.field for progress, whose body is a list too). The
 * comparison drops a batch's "items.0." before comparing.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char *admin; /* made in main() before the tests fork */

/* one hour a class hour, no check-in needed, real-time playback */
static const struct dc_rules RULES = {3600, 8, DC_CHECKIN_OFF, 1.0, 100};
/* the same with a playback rate that never caps a report */
static const struct dc_rules RULES_FAST = DC_RULES_FAST;
/* the phase alone, rules unchanged */
static const struct dc_rules NO_RULES = {0};

/* ---- answers ------------------------------------------------------------ */

/* What a request was answered, from either shape. */
struct answer {
    long status;
    char code[64];
    char field[128];
    char message[256];
};

static void answer_error(struct answer *a, const json_t *e)
{
    snprintf(a->code, sizeof a->code, "%s", e ? dc_str(e, "code") : "");
    snprintf(a->message, sizeof a->message, "%s", e ? dc_str(e, "message") : "");
    const char *f = e ? dc_str(e, "field") : NULL;
    if (f && strncmp(f, "items.0.", 8) == 0)
        f += 8;
    snprintf(a->field, sizeof a->field, "%s", f ? f : "");
}

/* A single request's answer (the error envelope, when it failed); r freed. */
static struct answer of_response(struct dc_resp *r)
{
    struct answer a = {.status = r->status};
    answer_error(&a, r->status >= 400 ? json_object_get(r->json, "error") : NULL);
    dc_resp_free(r);
    return a;
}

/* A one-item batch's result; r freed. */
static struct answer of_batch(struct dc_resp *r)
{
    dc_expect_status(r, 200, "batch");
    json_t *res = json_array_get(json_object_get(r->json, "results"), 0);
    ck_assert_msg(json_is_object(res), "no result: %s", r->body);
    struct answer a = {.status = (long)dc_int(res, "status")};
    answer_error(&a, json_object_get(res, "error"));
    dc_resp_free(r);
    return a;
}

static void expect_alike(const struct answer *user, const struct answer *partner, long status,
                         const char *what)
{
    ck_assert_msg(user->status == status, "%s: the user path answered %ld, want %ld (%s %s)", what,
                  user->status, status, user->code, user->message);
    ck_assert_msg(partner->status == user->status && strcmp(partner->code, user->code) == 0 &&
                      strcmp(partner->field, user->field) == 0 &&
                      strcmp(partner->message, user->message) == 0,
                  "%s: user %ld %s [%s] \"%s\" but partner %ld %s [%s] \"%s\"", what, user->status,
                  user->code, user->field, user->message, partner->status, partner->code,
                  partner->field, partner->message);
}

/* ---- fixtures ----------------------------------------------------------- */

static char *text_of(json_t *j)
{
    return dc_dumps(j);
}

/* POST /v1/partner/{kind}/batch with one item (stolen). */
static struct dc_resp *batch_one(const struct dc_partner_cred *p, const char *kind, json_t *item)
{
    char target[64];
    snprintf(target, sizeof target, "/v1/partner/%s/batch", kind);
    char *body = text_of(json_pack("{s:[o]}", "items", item));
    struct dc_resp *r = dc_partner_call(p, "POST", target, body);
    free(body);
    return r;
}

/* Links the partner's user ext to the account with phone (made if new). */
static void link_user(const struct dc_partner_cred *p, const char *ext, const char *phone)
{
    char target[160];
    snprintf(target, sizeof target, "/v1/partner/users/%s", ext);
    char *body = text_of(json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "伙伴用户",
                                   "region_code", "350100"));
    struct dc_resp *r = dc_partner_call(p, "PUT", target, body);
    ck_assert_msg(r->status == 200 || r->status == 201, "link %s: %ld %s", ext, r->status, r->body);
    dc_resp_free(r);
    free(body);
}

/* A partner with one linked user (ext "u-<pid>-<n>"): the same account
 * calls as itself (user.token) and through the partner (ext). */
struct side {
    struct dc_partner_cred partner;
    char ext[32];
    struct dc_user user;
    const char *token;
};

static void side_new(struct side *s, const char *name)
{
    static int n;
    dc_new_partner(admin, name, &s->partner);
    s->user = dc_new_user("两边用户");
    s->token = s->user.token;
    snprintf(s->ext, sizeof s->ext, "u-%d-%d", (int)getpid(), ++n);
    link_user(&s->partner, s->ext, s->user.phone);
}

/* ---- profile fields ----------------------------------------------------- */

/* A registration body with field set to value (NULL: removed). */
static json_t *register_body(const char *field, json_t *value)
{
    char phone[12];
    dc_unique_phone(phone);
    json_t *b =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", phone, "password", DC_PASSWORD,
                  "display_name", "注册用户", "kind", "individual", "region_code", "350100");
    json_object_set_new(b, field, value);
    return b;
}

static json_t *partner_user_body(const char *field, json_t *value)
{
    char phone[12];
    dc_unique_phone(phone);
    json_t *b = json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "伙伴用户",
                          "region_code", "350100");
    json_object_set_new(b, field, value);
    return b;
}

/* Registration and a partner's link of a new user, one bad field each. */
static void profile_pair(const struct dc_partner_cred *p, const char *field, json_t *value,
                         long status, const char *what)
{
    static int n;
    char target[64];
    snprintf(target, sizeof target, "/v1/partner/users/profile-%d-%d", (int)getpid(), ++n);
    struct answer user = of_response(
        dc_send_json("POST", "/v1/accounts", NULL, register_body(field, json_incref(value))));
    char *body = text_of(partner_user_body(field, value));
    struct answer partner = of_response(dc_partner_call(p, "PUT", target, body));
    free(body);
    expect_alike(&user, &partner, status, what);
}

START_TEST(phone_rule_alike)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "parity-phone", &p);
    const char *bad[] = {"123", "23912345678", "1391234567a", "139123456789", "12912345678", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        profile_pair(&p, "phone", json_string(bad[i]), 422, bad[i]);
    profile_pair(&p, "phone", json_integer(13912345678LL), 422, "a number");
    profile_pair(&p, "phone", json_null(), 422, "null");
}
END_TEST

START_TEST(profile_rules_alike)
{
    struct side s;
    side_new(&s, "parity-profile");
    struct {
        const char *field;
        json_t *value;
        long status;
    } cases[] = {
        {"display_name",
         json_string(
             "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十多"),
         422},
        {"display_name", json_string("bell\a"), 422},
        {"display_name", json_string(""), 422},
        {"region_code", json_string("12345"), 422},
        {"region_code", json_string("990000"), 422},
        {"audience", json_string("alien"), 422},
        {"audience", json_integer(1), 422},
        {"audience", json_string("student"), 201},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s case %zu", cases[i].field, i);
        profile_pair(&s.partner, cases[i].field, json_incref(cases[i].value), cases[i].status,
                     what);
        if (cases[i].status != 422) {
            json_decref(cases[i].value);
            continue;
        }
        /* PATCH /v1/me reads the same field by the same rule */
        struct answer reg =
            of_response(dc_send_json("POST", "/v1/accounts", NULL,
                                     register_body(cases[i].field, json_incref(cases[i].value))));
        struct answer me = of_response(dc_send_json(
            "PATCH", "/v1/me", s.token, json_pack("{s:o}", cases[i].field, cases[i].value)));
        expect_alike(&reg, &me, 422, what);
    }
}
END_TEST

/* ---- submissions -------------------------------------------------------- */

/* The three upload paths with one body (stolen): direct, the partner's PUT
 * and a batch item; the partner's two with the same answer as the user's. */
static void upload_three(struct side *s, json_t *body, long status, const char *what)
{
    static int n;
    char ext[48], target[96];
    snprintf(ext, sizeof ext, "parity-sub-%d-%d", (int)getpid(), ++n);
    snprintf(target, sizeof target, "/v1/partner/submissions/%s", ext);
    struct answer user =
        of_response(dc_send_json("POST", "/v1/submissions", s->token, json_incref(body)));
    json_object_set_new(body, "external_user_id", json_string(s->ext));
    char *text = text_of(json_incref(body));
    struct answer put = of_response(dc_partner_call(&s->partner, "PUT", target, text));
    free(text);
    snprintf(ext, sizeof ext, "parity-sub-%d-%d", (int)getpid(), ++n);
    json_object_set_new(body, "external_id", json_string(ext));
    struct answer item = of_batch(batch_one(&s->partner, "submissions", body));
    expect_alike(&user, &put, status, what);
    expect_alike(&user, &item, status, what);
}

START_TEST(submission_rules_alike)
{
    struct side s;
    side_new(&s, "parity-submissions");
    dc_campaign_live(admin, RULES);
    upload_three(&s, dc_video_json("好作品"), 201, "a good one");
    struct {
        const char *field;
        json_t *value;
    } bad[] = {
        {"title", json_string("")},
        {"category", json_string("no_such_category")},
        {"video_url", json_string("http://video.example.com/v.mp4")},
        {"duration_seconds", json_integer(901)},
        {"format", json_string("avi")},
        {"size_bytes", json_integer(0)},
        {"hashtags", json_pack("[s]", "消防安全")},
        {"original", json_false()},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *b = dc_video_json("差一点");
        json_object_set_new(b, bad[i].field, bad[i].value);
        upload_three(&s, b, 422, bad[i].field);
    }
    /* the campaign's phase: 409 on every path */
    dc_campaign_set(admin, DC_ENDED, NO_RULES);
    upload_three(&s, dc_video_json("晚了"), 409, "ended");
    dc_campaign_live(admin, RULES);
}
END_TEST

/* ---- the same new external id uploaded concurrently --------------------- */

#define RACE_IDS     8
#define RACE_SENDERS 8

struct race {
    const struct dc_partner_cred *partner;
    const char *ext_user;
    int run;
    bool batch;
    long status[RACE_IDS * RACE_SENDERS];
};

static void race_job(int i, void *ctx)
{
    struct race *r = ctx;
    char ext[64], target[128];
    snprintf(ext, sizeof ext, "race-%d-%s-%d", r->run, r->batch ? "b" : "p", i / RACE_SENDERS);
    json_t *body = dc_video_json("同一个作品");
    json_object_set_new(body, "external_user_id", json_string(r->ext_user));
    CURL *c = curl_easy_init();
    struct dc_resp *resp;
    if (r->batch) {
        json_object_set_new(body, "external_id", json_string(ext));
        char *text = dc_dumps(json_pack("{s:[o]}", "items", body));
        resp = dc_partner_call_on(c, r->partner, "POST", "/v1/partner/submissions/batch", text);
        free(text);
        json_t *res = json_array_get(json_object_get(resp->json, "results"), 0);
        r->status[i] = resp->status == 200 && res
                           ? (long)json_integer_value(json_object_get(res, "status"))
                           : -resp->status;
    } else {
        snprintf(target, sizeof target, "/v1/partner/submissions/%s", ext);
        char *text = dc_dumps(body);
        resp = dc_partner_call_on(c, r->partner, "PUT", target, text);
        free(text);
        r->status[i] = resp->status;
    }
    dc_resp_free(resp);
    curl_easy_cleanup(c);
}

/* Every id: one 201 (created), the rest 200 (the same content again). */
static void race_check(const struct race *r, const char *what)
{
    for (int id = 0; id < RACE_IDS; id++) {
        int created = 0, same = 0;
        for (int k = 0; k < RACE_SENDERS; k++) {
            long st = r->status[id * RACE_SENDERS + k];
            created += st == 201;
            same += st == 200;
            ck_assert_msg(st == 200 || st == 201, "%s: id %d sender %d answered %ld", what, id, k,
                          st);
        }
        ck_assert_msg(created == 1 && same == RACE_SENDERS - 1,
                      "%s: id %d: %d created, %d unchanged", what, id, created, same);
    }
}

START_TEST(concurrent_upload_alike)
{
    static int run;
    struct side s;
    side_new(&s, "parity-race");
    dc_campaign_live(admin, RULES);
    for (int batch = 0; batch < 2; batch++) {
        struct race r = {.partner = &s.partner, .ext_user = s.ext, .run = ++run, .batch = batch};
        dc_run_parallel(RACE_IDS * RACE_SENDERS, RACE_SENDERS, race_job, &r);
        race_check(&r, batch ? "batch items" : "single PUTs");
    }
}
END_TEST

/* ---- progress ----------------------------------------------------------- */

static char *make_content(const char *path, json_t *body)
{
    json_t *o = dc_expect_json("POST", path, admin, body, 201, path);
    char *id = dc_strdup(dc_str(o, "id"));
    json_decref(o);
    return id;
}

/* POST /v1/progress and a progress batch, one item (stolen) each. */
static void progress_pair(struct side *s, json_t *item, long status, const char *what)
{
    if (json_is_object(item))
        json_object_set_new(item, "external_user_id", json_string(s->ext));
    struct answer user = of_response(
        dc_send_json("POST", "/v1/progress", s->token, json_pack("{s:[O]}", "items", item)));
    struct answer partner = of_batch(batch_one(&s->partner, "progress", item));
    expect_alike(&user, &partner, status, what);
}

static json_t *report(const char *type, json_t *id, json_t *from, json_t *to)
{
    return json_pack("{s:s, s:o, s:o, s:o}", "content_type", type, "content_id", id, "from_second",
                     from, "to_second", to);
}

START_TEST(progress_rules_alike)
{
    struct side s;
    side_new(&s, "parity-progress");
    dc_campaign_live(admin, RULES_FAST);
    char *lesson = make_content("/v1/admin/lessons",
                                json_pack("{s:s, s:s, s:i, s:s}", "title", "高层建筑火灾逃生",
                                          "category", "high_rise_fire_escape", "duration_seconds",
                                          600, "video_url", "https://video.example.com/l/1.mp4"));
    char *live = make_content("/v1/admin/livestreams",
                              json_pack("{s:s, s:s, s:s}", "title", "专家讲座", "expert", "李专家",
                                        "scheduled_at", "2030-06-01T12:00:00Z"));
    progress_pair(&s, report("lesson", json_string(lesson), json_integer(0), json_integer(60)), 200,
                  "a good report");
    progress_pair(&s, report("video", json_string(lesson), json_integer(0), json_integer(60)), 422,
                  "content_type");
    progress_pair(&s, report("lesson", json_string("abc"), json_integer(0), json_integer(60)), 422,
                  "content_id");
    progress_pair(&s, report("lesson", json_string(lesson), json_integer(-1), json_integer(60)),
                  422, "from_second");
    progress_pair(&s, report("lesson", json_string(lesson), json_integer(60), json_integer(60)),
                  422, "to_second");
    progress_pair(&s, report("lesson", json_string("999999999"), json_integer(0), json_integer(60)),
                  422, "unknown content");
    progress_pair(&s, report("lesson", json_string(lesson), json_integer(0), json_integer(601)),
                  422, "past the length");
    progress_pair(&s, report("livestream", json_string(live), json_integer(0), json_integer(60)),
                  409, "a scheduled livestream");
    progress_pair(&s, json_integer(5), 422, "not an object");
    dc_campaign_set(admin, DC_ENDED, NO_RULES);
    progress_pair(&s, report("lesson", json_string(lesson), json_integer(0), json_integer(60)), 409,
                  "ended");
    dc_campaign_live(admin, RULES);
    free(lesson);
    free(live);
}
END_TEST

/* ---- likes -------------------------------------------------------------- */

/* The user's PUT like and the partner's like item for the same account. */
static void like_pair(struct side *s, const char *id, long status, const char *what)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", id);
    struct answer user = of_response(dc_req("PUT", path, s->token, NULL));
    struct answer partner =
        of_batch(batch_one(&s->partner, "likes",
                           json_pack("{s:s, s:s, s:s}", "external_user_id", s->ext, "submission_id",
                                     id, "action", "like")));
    expect_alike(&user, &partner, status, what);
}

START_TEST(like_rules_alike)
{
    struct side s;
    side_new(&s, "parity-likes");
    dc_campaign_live(admin, RULES);
    struct dc_user other = dc_new_user("别人");
    char *own = dc_submit_approved(admin, s.token, dc_video_json("我的作品"));
    char *theirs = dc_submit_approved(admin, other.token, dc_video_json("别人的作品"));
    char *pending = dc_submit(other.token, dc_video_json("待审核"));
    like_pair(&s, own, 403, "one's own");
    like_pair(&s, pending, 404, "pending");
    like_pair(&s, "999999999", 404, "unknown");
    like_pair(&s, theirs, 200, "approved");
    dc_campaign_set(admin, DC_ENDED, NO_RULES);
    like_pair(&s, theirs, 409, "ended");
    dc_campaign_live(admin, RULES);
    free(own);
    free(theirs);
    free(pending);
}
END_TEST

int main(void)
{
    admin = dc_start_with_admin("test_partner_parity");
    Suite *s = suite_create("partner_parity");
    dc_add_tcase(s, "profile", 120, phone_rule_alike, profile_rules_alike, NULL);
    dc_add_tcase(s, "contest", 180, submission_rules_alike, concurrent_upload_alike,
                 like_rules_alike, NULL);
    dc_add_tcase(s, "learning", 120, progress_rules_alike, NULL);
    int rc = dc_finish("test_partner_parity", dc_run_suite(s));
    free(admin);
    return rc;
}
