/*
 * test_session.c - one server session through the main flows of every
 * resource, ending with a clean stop (exit 0).
 *
 * It is short on purpose: scripts/valgrind.sh runs it with the server under
 * valgrind memcheck (DC_SERVER_WRAPPER), where the exit status is 99 on any
 * memory error or definite leak, so the last assertion covers both.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define TOPIC "#逃生演练训练营"

static void expect_free(const char *method, const char *path, const char *token, json_t *body,
                        long status)
{
    dc_resp_free(dc_expect(method, path, token, body, status));
}

static json_t *video(const char *title)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:[s], s:b}", "title", title,
                     "description", "湿毛巾捂住口鼻，低姿撤离", "category", "fire", "video_url",
                     "https://video.example.com/v/session.mp4", "duration_seconds", 60, "format",
                     "mp4", "size_bytes", (json_int_t)1048576, "hashtags", TOPIC, "original", true);
}

START_TEST(main_flows_then_clean_exit)
{
    char path[160], body[1024];
    /* started here, so that this process can wait for its exit status */
    dc_server_start(NULL);
    char *admin = dc_new_admin_token();
    dc_campaign_live(admin, (struct dc_rules){.class_hour_seconds = 60,
                                              .required_class_hours = 1,
                                              .require_checkin = DC_CHECKIN_ON,
                                              .max_playback_rate = 1000});

    /* catalogue, anonymously */
    expect_free("GET", "/v1/campaign", NULL, NULL, 200);
    expect_free("GET", "/v1/categories", NULL, NULL, 200);
    expect_free("GET", "/v1/regions?parent=350000", NULL, NULL, 200);
    char *lesson = dc_make_lesson(admin, "high_rise_fire_escape", 600);
    expect_free("GET", "/v1/lessons?limit=5", NULL, NULL, 200);

    /* a learner: profile, progress, check-in, certificate */
    struct dc_user alice = dc_new_user(NULL);
    expect_free("GET", "/v1/me", alice.token, NULL, 200);
    expect_free("PATCH", "/v1/me", alice.token, json_pack("{s:s}", "display_name", "演练学员"),
                200);
    struct dc_resp *r =
        dc_expect("POST", "/v1/progress", alice.token,
                  json_pack("{s:[{s:s, s:s, s:i, s:i}]}", "items", "content_type", "lesson",
                            "content_id", lesson, "from_second", 0, "to_second", 90),
                  200);
    ck_assert_int_eq(dc_int(r->json, "total_credited_seconds"), 90);
    dc_resp_free(r);
    expect_free("POST", "/v1/checkins", alice.token, NULL, 201);
    expect_free("GET", "/v1/me/progress", alice.token, NULL, 200);
    r = dc_expect("POST", "/v1/me/certificate", alice.token, NULL, 201);
    char *serial = strdup(dc_str(r->json, "serial"));
    dc_resp_free(r);
    snprintf(path, sizeof path, "/v1/certificates/%s", serial);
    expect_free("GET", path, NULL, NULL, 200);
    snprintf(path, sizeof path, "/v1/certificates/%s.svg", serial);
    expect_free("GET", path, NULL, NULL, 200);

    /* a video, replayed by Idempotency-Key, approved and liked */
    char auth[600];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", alice.token);
    const char *lines[] = {auth, "Idempotency-Key: session-1", "Content-Type: application/json",
                           NULL};
    json_t *tmp = video("会话测试作品");
    char *text = json_dumps(tmp, JSON_COMPACT);
    json_decref(tmp);
    r = dc_http_lines("POST", "/v1/submissions", lines, text, strlen(text));
    dc_expect_status(r, 201, "submission");
    char *sub = strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    r = dc_http_lines("POST", "/v1/submissions", lines, text, strlen(text));
    dc_expect_status(r, 201, "submission replayed");
    ck_assert_str_eq(dc_str(r->json, "id"), sub);
    dc_resp_free(r);
    free(text);
    snprintf(path, sizeof path, "/v1/admin/submissions/%s/review", sub);
    expect_free("POST", path, admin, json_pack("{s:s}", "decision", "approve"), 200);
    struct dc_user bob = dc_new_user(NULL);
    snprintf(path, sizeof path, "/v1/submissions/%s/like", sub);
    r = dc_expect("PUT", path, bob.token, NULL, 200);
    ck_assert_int_eq(dc_int(r->json, "like_count"), 1);
    dc_resp_free(r);
    expect_free("GET", "/v1/leaderboard?limit=10", NULL, NULL, 200);
    expect_free("GET", "/v1/submissions?sort=likes", NULL, NULL, 200);

    /* a partner: link, batch, progress, the change feed */
    struct dc_partner_cred p;
    dc_new_partner(admin, "会话平台", &p);
    char p_phone[12];
    snprintf(body, sizeof body,
             "{\"phone\":\"%s\",\"display_name\":\"平台用户\",\"region_code\":\"350200\"}",
             dc_unique_phone(p_phone));
    r = dc_partner_expect(&p, "PUT", "/v1/partner/users/u-1", body, 201, "partner link");
    dc_resp_free(r);
    json_t *item = video("平台作品");
    json_object_set_new(item, "external_id", json_string("v-1"));
    json_object_set_new(item, "external_user_id", json_string("u-1"));
    json_t *batch = json_pack("{s:[o, {s:s}]}", "items", item, "external_id", "v-2");
    text = json_dumps(batch, JSON_COMPACT);
    json_decref(batch);
    r = dc_partner_call(&p, "POST", "/v1/partner/submissions/batch", text);
    free(text);
    dc_expect_status(r, 200, "partner batch");
    json_t *results = json_object_get(r->json, "results");
    ck_assert_int_eq(dc_int(json_array_get(results, 0), "status"), 201);
    ck_assert_int_eq(dc_int(json_array_get(results, 1), "status"), 422);
    dc_resp_free(r);
    snprintf(body, sizeof body,
             "{\"items\":[{\"external_user_id\":\"u-1\",\"content_type\":\"lesson\","
             "\"content_id\":\"%s\",\"from_second\":0,\"to_second\":600}]}",
             lesson);
    r = dc_partner_expect(&p, "POST", "/v1/partner/progress/batch", body, 200, "partner progress");
    ck_assert_int_eq(dc_int(json_array_get(json_object_get(r->json, "results"), 0), "status"), 200);
    dc_resp_free(r);
    snprintf(body, sizeof body,
             "{\"items\":[{\"external_user_id\":\"u-1\",\"submission_id\":\"%s\","
             "\"action\":\"like\"}]}",
             sub);
    r = dc_partner_expect(&p, "POST", "/v1/partner/likes/batch", body, 200, "partner likes");
    dc_resp_free(r);
    r = dc_partner_expect(&p, "GET", "/v1/partner/changes?limit=10", NULL, 200, "changes");
    ck_assert_ptr_nonnull(dc_str(r->json, "next_cursor"));
    dc_resp_free(r);

    /* ops */
    expect_free("GET", "/v1/admin/stats?group_by=region&region_code=350000", admin, NULL, 200);
    expect_free("GET", "/v1/admin/stats.csv?group_by=audience", admin, NULL, 200);
    r = dc_expect("GET", "/v1/admin/certificates.csv", admin, NULL, 200);
    ck_assert_ptr_nonnull(strstr(r->body, serial));
    dc_resp_free(r);
    expect_free("GET", "/v1/admin/audit?limit=5", admin, NULL, 200);
    expect_free("GET", "/metrics", NULL, NULL, 200);
    expect_free("GET", "/readyz", NULL, NULL, 200);
    expect_free("DELETE", "/v1/sessions/current", bob.token, NULL, 204);
    expect_free("GET", "/v1/me", bob.token, NULL, 401);

    /* a clean stop; under valgrind also no error and no definite leak */
    ck_assert_int_eq(dc_server_stop(), 0);
    free(admin);
    free(lesson);
    free(serial);
    free(sub);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("session");
    dc_add_tcase(s, "flows", 900, main_flows_then_clean_exit, NULL);
    return dc_run_suite(s);
}
