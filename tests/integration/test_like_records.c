/*
 * test_like_records.c - each like records who made it without storing who
 * (API.md section 6, "Like integrity"): client_hash and device_hash, the
 * first 16 hex digits of HMAC-SHA256 under a server secret of the client's
 * address and of X-Device-Id.
 *
 *  1. likes_record_keyed_hashes: likes from one address share a
 *     client_hash, device ids give device hashes (absent: null), neither
 *     the address nor the device id is stored; behind a trusted proxy the
 *     forwarded client is hashed; another DRILLCAMP_LIKE_KEY gives other
 *     hashes for the same client (keyed, not a plain digest).
 *  2. partner_likes_have_no_hashes: a partner's batch like records null
 *     hashes (the partner is the client).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "harness.h"

/* PUT the like as token, with extra header lines ("" for none). */
static void like(const char *token, const char *sub, const char *extra)
{
    char auth[200], path[96];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(path, sizeof path, "/v1/submissions/%s/like", sub);
    const char *lines[] = {auth, *extra ? extra : NULL, NULL};
    struct dc_resp *r = dc_http_lines("PUT", path, lines, NULL, 0);
    dc_expect_status(r, 200, "like");
    dc_resp_free(r);
}

/* A column of the like of (sub, account), "NULL" when null (malloc'ed). */
static char *like_col(const char *col, const char *sub, const char *account)
{
    char *v = dc_sql_fmt("SELECT coalesce(%s, 'NULL') FROM likes WHERE submission_id = %s"
                         " AND account_id = %s",
                         col, sub, account);
    ck_assert_msg(v != NULL, "no like of %s by %s", sub, account);
    return v;
}

static bool is_hash(const char *s)
{
    if (strlen(s) != 16)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* An approved submission by a fresh author (malloc'ed id). */
static char *approved(const char *admin)
{
    struct dc_user author = dc_new_user(NULL);
    return dc_submit_approved(admin, author.token, dc_video_json("点赞记录"));
}

START_TEST(likes_record_keyed_hashes)
{
    const char *env[] = {"DRILLCAMP_TRUSTED_PROXIES=10.1.0.0/16", NULL};
    dc_server_start(env);
    char *admin = dc_new_admin_token();
    dc_campaign_live(admin, DC_RULES_FAST);
    char *sub = approved(admin);
    struct dc_user a = dc_new_user(NULL), b = dc_new_user(NULL), c = dc_new_user(NULL);
    like(a.token, sub, "");
    like(b.token, sub, "X-Device-Id: device-one");
    like(c.token, sub, "X-Device-Id: device-two");
    char *ca = like_col("client_hash", sub, a.id), *cb = like_col("client_hash", sub, b.id);
    char *da = like_col("device_hash", sub, a.id), *db = like_col("device_hash", sub, b.id);
    char *dcx = like_col("device_hash", sub, c.id);
    ck_assert_msg(is_hash(ca), "client_hash %s", ca);
    ck_assert_str_eq(ca, cb); /* one address: one client */
    ck_assert_str_eq(da, "NULL");
    ck_assert_msg(is_hash(db) && is_hash(dcx), "device hashes %s %s", db, dcx);
    ck_assert_str_ne(db, dcx);
    /* nothing raw is kept */
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM likes l WHERE l::text LIKE '%%127.0.0.1%%'"
                               " OR l::text LIKE '%%device-%%'"),
                     0);
    ck_assert_int_eq(dc_server_stop(), 0);

    /* from a trusted proxy: the forwarded client is hashed. The server is
     * reached from 127.0.0.1, trusted only in this second run. */
    const char *proxied[] = {"DRILLCAMP_TRUSTED_PROXIES=127.0.0.1", NULL};
    dc_server_start(proxied);
    struct dc_user d = dc_new_user(NULL), e = dc_new_user(NULL), f = dc_new_user(NULL);
    like(d.token, sub, "X-Forwarded-For: 203.0.113.9");
    like(e.token, sub, "X-Forwarded-For: 6.6.6.6, 203.0.113.9");
    like(f.token, sub, "X-Forwarded-For: 203.0.113.10");
    char *cd = like_col("client_hash", sub, d.id), *ce = like_col("client_hash", sub, e.id);
    char *cf = like_col("client_hash", sub, f.id);
    ck_assert_str_eq(cd, ce);
    ck_assert_str_ne(cd, cf);
    ck_assert_str_ne(cd, ca);
    ck_assert_int_eq(dc_server_stop(), 0);

    /* another key, the same client: another hash */
    const char *rekeyed[] = {"DRILLCAMP_LIKE_KEY=00112233445566778899aabbccddeeff"
                             "00112233445566778899aabbccddeeff",
                             NULL};
    dc_server_start(rekeyed);
    struct dc_user g = dc_new_user(NULL);
    like(g.token, sub, "");
    char *cg = like_col("client_hash", sub, g.id);
    ck_assert_msg(is_hash(cg), "client_hash %s", cg);
    ck_assert_str_ne(cg, ca);
    ck_assert_int_eq(dc_server_stop(), 0);
    char *all[] = {ca, cb, da, db, dcx, cd, ce, cf, cg, sub, admin};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}
END_TEST

START_TEST(partner_likes_have_no_hashes)
{
    dc_server_start(NULL);
    char *admin = dc_new_admin_token();
    dc_campaign_live(admin, DC_RULES_FAST);
    char *sub = approved(admin);
    struct dc_partner_cred p;
    dc_new_partner(admin, "点赞伙伴", &p);
    char phone[12];
    json_t *u = json_pack("{s:s, s:s, s:s}", "phone", dc_unique_phone(phone), "display_name",
                          "合作用户", "region_code", "350100");
    char *body = json_dumps(u, JSON_COMPACT);
    json_decref(u);
    struct dc_resp *r = dc_partner_call(&p, "PUT", "/v1/partner/users/liker-1", body);
    free(body);
    dc_expect_status(r, 201, "link");
    char *account = strdup(dc_str(json_object_get(r->json, "account"), "id"));
    dc_resp_free(r);
    json_t *batch = json_pack("{s:[{s:s, s:s, s:s}]}", "items", "external_user_id", "liker-1",
                              "submission_id", sub, "action", "like");
    body = json_dumps(batch, JSON_COMPACT);
    json_decref(batch);
    r = dc_partner_call(&p, "POST", "/v1/partner/likes/batch", body);
    free(body);
    dc_expect_status(r, 200, "batch");
    dc_resp_free(r);
    char *ch = like_col("client_hash", sub, account), *dh = like_col("device_hash", sub, account);
    ck_assert_str_eq(ch, "NULL");
    ck_assert_str_eq(dh, "NULL");
    free(ch);
    free(dh);
    free(account);
    free(sub);
    free(admin);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("like_records");
    TCase *tc = tcase_create("like_records");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, likes_record_keyed_hashes);
    tcase_add_test(tc, partner_likes_have_no_hashes);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
