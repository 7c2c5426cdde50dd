/*
 * test_public_cache.c - the public answers rendered once a second
 * (GET /v1/campaign, GET /v1/leaderboard): each carries an ETag and
 * Cache-Control: public, max-age=1; If-None-Match with that ETag (or *)
 * is 304 without a body, any other is 200; a change made through this
 * server shows in the very next GET (a campaign PATCH, a freeze), and
 * likes show within seconds with a new ETag.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char *admin; /* made in main() before the tests fork */

static const struct dc_rules RULES = {3600, 8, DC_CHECKIN_OFF, 1.0, 100};

/* GET path with If-None-Match: inm (NULL: none). */
static struct dc_resp *get_if(const char *path, const char *inm)
{
    char header[160];
    const char *lines[] = {header, NULL};
    snprintf(header, sizeof header, "If-None-Match: %s", inm ? inm : "");
    return dc_http_lines("GET", path, inm ? lines : NULL, NULL, 0);
}

/* The answer's ETag (malloc'ed), after checking the caching headers. */
static char *cached_etag(const struct dc_resp *r, const char *what)
{
    char *etag = dc_resp_header(r, "ETag");
    char *cc = dc_resp_header(r, "Cache-Control");
    ck_assert_msg(etag && strlen(etag) > 2 && etag[0] == '"' && etag[strlen(etag) - 1] == '"',
                  "%s: ETag %s", what, etag ? etag : "(none)");
    ck_assert_msg(cc && strcmp(cc, "public, max-age=1") == 0, "%s: Cache-Control %s", what,
                  cc ? cc : "(none)");
    free(cc);
    return etag;
}

/* 200 with a body, then 304 without one for its ETag and for *, and 200
 * again for another ETag. */
static void revalidates(const char *path)
{
    struct dc_resp *r = get_if(path, NULL);
    dc_expect_status(r, 200, path);
    ck_assert_uint_gt(r->body_len, 2);
    char *etag = cached_etag(r, path);
    dc_resp_free(r);

    r = get_if(path, etag);
    dc_expect_status(r, 304, path);
    ck_assert_uint_eq(r->body_len, 0);
    char *again = cached_etag(r, path);
    ck_assert_str_eq(again, etag);
    free(again);
    dc_resp_free(r);

    r = get_if(path, "*");
    dc_expect_status(r, 304, path);
    dc_resp_free(r);

    r = get_if(path, "\"0000000000000000\", W/\"x\"");
    dc_expect_status(r, 200, path);
    ck_assert_uint_gt(r->body_len, 2);
    dc_resp_free(r);
    free(etag);
}

START_TEST(campaign_revalidates)
{
    revalidates("/v1/campaign");
}
END_TEST

START_TEST(leaderboard_revalidates)
{
    revalidates("/v1/leaderboard");
    revalidates("/v1/leaderboard?limit=1");
}
END_TEST

/* A PATCH through this server shows in the next GET, with a new ETag. */
START_TEST(campaign_change_shows_at_once)
{
    dc_campaign_live(admin, RULES);
    struct dc_resp *r = get_if("/v1/campaign", NULL);
    dc_expect_status(r, 200, "before");
    char *before = cached_etag(r, "before");
    dc_resp_free(r);
    char name[64];
    snprintf(name, sizeof name, "缓存测试 %d", (int)getpid());
    json_decref(dc_expect_json("PATCH", "/v1/admin/campaign", admin,
                               json_pack("{s:s}", "name", name), 200, "rename"));
    r = get_if("/v1/campaign", before);
    dc_expect_status(r, 200, "after the rename");
    ck_assert_str_eq(dc_str(r->json, "name"), name);
    char *after = cached_etag(r, "after");
    ck_assert_str_ne(after, before);
    dc_resp_free(r);
    free(before);
    free(after);
}
END_TEST

/* A like shows in the cached leaderboard within seconds, with a new ETag. */
START_TEST(leaderboard_follows_likes)
{
    dc_campaign_live(admin, RULES);
    struct dc_user author = dc_new_user("作者");
    struct dc_user fan = dc_new_user("粉丝");
    char *id = dc_submit_approved(admin, author.token, dc_video_json("缓存里的作品"));
    /* wait until the approval shows, then remember that answer's ETag */
    char *etag = NULL;
    json_int_t likes = -1;
    for (int i = 0; i < 100 && likes < 0; i++) {
        struct dc_resp *r = get_if("/v1/leaderboard", NULL);
        dc_expect_status(r, 200, "leaderboard");
        json_t *entries = json_object_get(r->json, "entries");
        for (size_t k = 0; k < json_array_size(entries); k++) {
            json_t *e = json_array_get(entries, k);
            if (strcmp(dc_str(json_object_get(e, "submission"), "id"), id) == 0) {
                likes = dc_int(e, "like_count");
                free(etag);
                etag = cached_etag(r, "leaderboard");
            }
        }
        dc_resp_free(r);
        if (likes < 0)
            usleep(100 * 1000);
    }
    ck_assert_msg(likes == 0, "the approved submission never showed (likes %lld)",
                  (long long)likes);
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", id);
    struct dc_resp *r = dc_req("PUT", path, fan.token, NULL);
    dc_expect_status(r, 200, "like");
    dc_resp_free(r);
    /* the old ETag stops matching once the like is folded and rendered */
    bool changed = false;
    for (int i = 0; i < 100 && !changed; i++) {
        r = get_if("/v1/leaderboard", etag);
        changed = r->status == 200;
        if (!changed) {
            dc_expect_status(r, 304, "unchanged leaderboard");
            usleep(100 * 1000);
        }
        dc_resp_free(r);
    }
    ck_assert_msg(changed, "the leaderboard still matched its old ETag 10 s after a like");
    free(etag);
    free(id);
}
END_TEST

int main(void)
{
    admin = dc_start_with_admin("test_public_cache");
    Suite *s = suite_create("public_cache");
    dc_add_tcase(s, "cache", 60, campaign_revalidates, leaderboard_revalidates,
                 campaign_change_shows_at_once, leaderboard_follows_likes, NULL);
    int rc = dc_finish("test_public_cache", dc_run_suite(s));
    free(admin);
    return rc;
}
