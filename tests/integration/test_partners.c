/*
 * test_partners.c - partner platforms (API.md section 7) and the admin
 * audit list (section 8) against the real server.
 *
 * Requests are signed the way a partner would dc_partner_sign them, with this file's
 * own HMAC-SHA256 code written from the spec (not the server's
 * partner_signature), and sent through a small libcurl helper because the
 * partner headers (X-Partner-Key, X-Timestamp, X-Signature) are custom.
 */
#include <check.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static char *admin; /* one admin token for the whole run */

/* The server reads CLOCK_REALTIME; time() may read the coarse clock, a
 * tick behind it just after a second begins (see fresh_second). */
static void ts_text(long long offset, char out[32])
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(out, 32, "%lld", (long long)now.tv_sec + offset);
}

/* Waits for a fresh wall-clock second, so that the server reads the same
 * second as the timestamp the test is about to send (skew edge cases). */
static void fresh_second(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_nsec > 200 * 1000 * 1000)
        usleep((useconds_t)((1000000000L - ts.tv_nsec) / 1000 + 2000));
}

/* ---- fixtures ---- */

static char *user_body(const char *phone, const char *display_name, const char *region,
                       const char *audience)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", display_name,
                          "region_code", region);
    if (audience)
        json_object_set_new(b, "audience", json_string(audience));
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* PUT /v1/partner/users/{ext} for a phone; asserts the status and returns
 * the linked account's id (malloc'ed). */
static char *link_user(const struct dc_partner_cred *p, const char *ext, const char *phone,
                       long status)
{
    char target[256];
    snprintf(target, sizeof target, "/v1/partner/users/%s", ext);
    char *body = user_body(phone, "合作用户", "350100", NULL);
    struct dc_resp *r = dc_partner_expect(p, "PUT", target, body, status, target);
    const char *id = dc_str(json_object_get(r->json, "account"), "id");
    ck_assert_msg(id != NULL, "no account.id in %s", r->body);
    char *out = strdup(id);
    dc_resp_free(r);
    free(body);
    return out;
}

/* account_id linked to (partner, ext) in the database, malloc'ed or NULL */
static char *linked_account(const struct dc_partner_cred *p, const char *ext)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT account_id FROM partner_users WHERE partner_id = %s AND external_user_id = "
             "'%s'",
             p->id, ext);
    return dc_sql_value(sql);
}

/* ---- partner creation ---- */

START_TEST(create_partner_once)
{
    struct dc_resp *r =
        dc_send_json("POST", "/v1/admin/partners", admin, json_pack("{s:s}", "name", "抖音"));
    dc_expect_status(r, 201, "create partner");
    const char *id = dc_str(r->json, "id");
    const char *key_id = dc_str(r->json, "key_id");
    const char *secret = dc_str(r->json, "secret");
    ck_assert_ptr_nonnull(id);
    ck_assert(strlen(id) > 0 && strspn(id, "0123456789") == strlen(id));
    ck_assert_ptr_nonnull(key_id);
    ck_assert_msg(strncmp(key_id, "pk_", 3) == 0, "key_id %s", key_id);
    ck_assert_ptr_nonnull(secret);
    ck_assert_uint_eq(strlen(secret), 43);
    char *cc = dc_resp_header(r, "Cache-Control");
    ck_assert_ptr_nonnull(cc);
    ck_assert_ptr_nonnull(strstr(cc, "no-store"));
    free(cc);

    /* the secret is stored sealed: nowhere in its row in clear, nor in the
     * audit details (secret is base64url, safe to inline) */
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT secret_enc FROM partners WHERE key_id = '%s'", key_id);
    char *enc = dc_sql_value(sql);
    ck_assert_ptr_nonnull(enc);
    ck_assert_ptr_null(strstr(enc, secret));
    ck_assert_str_ne(enc, secret);
    free(enc);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM partners p WHERE strpos(p::text, '%s') > 0",
             secret);
    char *n = dc_sql_value(sql);
    ck_assert_str_eq(n, "0");
    free(n);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE strpos(details::text, '%s') > 0", secret);
    n = dc_sql_value(sql);
    ck_assert_str_eq(n, "0");
    free(n);
    dc_resp_free(r);
}
END_TEST

START_TEST(create_partner_roles)
{
    struct dc_user user = dc_new_user(NULL);
    struct dc_resp *r =
        dc_send_json("POST", "/v1/admin/partners", user.token, json_pack("{s:s}", "name", "快手"));
    dc_expect_error(r, 403, "forbidden", NULL, "user creates a partner");
    dc_resp_free(r);
    r = dc_send_json("POST", "/v1/admin/partners", NULL, json_pack("{s:s}", "name", "快手"));
    dc_expect_error(r, 401, "unauthorized", NULL, "anonymous creates a partner");
    dc_resp_free(r);
}
END_TEST

START_TEST(create_partner_bad_name)
{
    char long_name[200];
    memset(long_name, 'x', 101);
    long_name[101] = '\0';
    json_t *bodies[] = {
        json_pack("{s:s}", "name", ""),
        json_pack("{s:s}", "name", long_name),
        json_pack("{s:i}", "name", 7),
        json_pack("{s:s}", "other", "x"),
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        struct dc_resp *r = dc_send_json("POST", "/v1/admin/partners", admin, bodies[i]);
        dc_expect_error(r, 422, "validation_failed", "name", "bad partner name");
        dc_resp_free(r);
    }
}
END_TEST

/* ---- signatures ---- */

START_TEST(signature_good_then_repeat)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "sig-good", &p);
    char phone[12];
    dc_unique_phone(phone);
    char *a = link_user(&p, "good-1", phone, 201);
    char *b = link_user(&p, "good-1", phone, 200);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

/* more than 300 s off either way is stale; 299 s back is fine */
START_TEST(signature_timestamp_window)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "sig-time", &p);
    char phone[12], ts[32], sig[65];
    dc_unique_phone(phone);
    char *body = user_body(phone, "时间", "350100", NULL);
    const char *target = "/v1/partner/users/time-1";
    const long long offsets[] = {-301, 301, -1000000};
    for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++) {
        fresh_second();
        ts_text(offsets[i], ts);
        dc_partner_sign(p.secret, "PUT", target, ts, body, sig);
        struct dc_resp *r = dc_partner_send("PUT", target, p.key_id, ts, sig, body);
        dc_expect_error(r, 401, "stale_request", NULL, ts);
        dc_resp_free(r);
    }
    fresh_second();
    ts_text(-299, ts);
    dc_partner_sign(p.secret, "PUT", target, ts, body, sig);
    struct dc_resp *r = dc_partner_send("PUT", target, p.key_id, ts, sig, body);
    dc_expect_status(r, 201, "299 s back");
    dc_resp_free(r);
    fresh_second();
    ts_text(299, ts);
    dc_partner_sign(p.secret, "PUT", target, ts, body, sig);
    r = dc_partner_send("PUT", target, p.key_id, ts, sig, body);
    dc_expect_status(r, 200, "299 s ahead");
    dc_resp_free(r);
    free(body);
}
END_TEST

START_TEST(signature_wrong_secret_or_key)
{
    struct dc_partner_cred p, other;
    dc_new_partner(admin, "sig-wrong", &p);
    dc_new_partner(admin, "sig-other", &other);
    char phone[12], ts[32], sig[65];
    dc_unique_phone(phone);
    char *body = user_body(phone, "错误", "350100", NULL);
    const char *target = "/v1/partner/users/wrong-1";
    ts_text(0, ts);

    dc_partner_sign("not the secret", "PUT", target, ts, body, sig);
    struct dc_resp *r = dc_partner_send("PUT", target, p.key_id, ts, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "wrong secret");
    dc_resp_free(r);

    /* another partner's secret under this key */
    dc_partner_sign(other.secret, "PUT", target, ts, body, sig);
    r = dc_partner_send("PUT", target, p.key_id, ts, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "other partner's secret");
    dc_resp_free(r);

    dc_partner_sign(p.secret, "PUT", target, ts, body, sig);
    r = dc_partner_send("PUT", target, "pk_nosuchkey000", ts, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "unknown key");
    dc_resp_free(r);

    /* a signed method other than the one sent */
    dc_partner_sign(p.secret, "POST", target, ts, body, sig);
    r = dc_partner_send("PUT", target, p.key_id, ts, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "method changed");
    dc_resp_free(r);

    /* the timestamp header changed after signing */
    char ts2[32];
    ts_text(-5, ts2);
    dc_partner_sign(p.secret, "PUT", target, ts, body, sig);
    r = dc_partner_send("PUT", target, p.key_id, ts2, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "timestamp changed");
    dc_resp_free(r);

    /* nothing was linked by any of these */
    char *acct = linked_account(&p, "wrong-1");
    ck_assert_ptr_null(acct);
    free(body);
}
END_TEST

START_TEST(signature_covers_body_path_query)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "sig-parts", &p);
    char phone[12], ts[32], sig[65];
    dc_unique_phone(phone);
    char *body = user_body(phone, "签名", "350100", NULL);
    char *body2 = user_body(phone, "篡改", "350100", NULL);
    ts_text(0, ts);

    dc_partner_sign(p.secret, "PUT", "/v1/partner/users/parts-a", ts, body, sig);
    struct dc_resp *r =
        dc_partner_send("PUT", "/v1/partner/users/parts-a", p.key_id, ts, sig, body2);
    dc_expect_error(r, 401, "invalid_signature", NULL, "body changed");
    dc_resp_free(r);

    r = dc_partner_send("PUT", "/v1/partner/users/parts-b", p.key_id, ts, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "path changed");
    dc_resp_free(r);

    dc_partner_sign(p.secret, "PUT", "/v1/partner/users/parts-a?a=1", ts, body, sig);
    r = dc_partner_send("PUT", "/v1/partner/users/parts-a?a=2", p.key_id, ts, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "query changed");
    dc_resp_free(r);
    /* signed with a query, sent without it */
    r = dc_partner_send("PUT", "/v1/partner/users/parts-a", p.key_id, ts, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "query dropped");
    dc_resp_free(r);
    /* and the matching query passes */
    r = dc_partner_send("PUT", "/v1/partner/users/parts-a?a=1", p.key_id, ts, sig, body);
    dc_expect_status(r, 201, "query as signed");
    dc_resp_free(r);

    char *a = linked_account(&p, "parts-a");
    char *b = linked_account(&p, "parts-b");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_null(b);
    free(a);
    free(body);
    free(body2);
}
END_TEST

/* the signature covers the target exactly as sent, percent-encoding intact */
START_TEST(signature_percent_encoded_target)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "sig-pct", &p);
    char phone[12], phone2[12];
    dc_unique_phone(phone);
    dc_unique_phone(phone2);
    char *body = user_body(phone, "编码", "350100", NULL);
    const char *target = "/v1/partner/users/pct-1?x=%E4%B8%AD";
    struct dc_resp *r = dc_partner_expect(&p, "PUT", target, body, 201, "encoded query");
    dc_resp_free(r);
    r = dc_partner_expect(&p, "PUT", target, body, 200, "encoded query again");
    dc_resp_free(r);

    /* signed over the decoded form instead: not what was sent */
    char ts[32], sig[65];
    ts_text(0, ts);
    dc_partner_sign(p.secret, "PUT", "/v1/partner/users/pct-1?x=中", ts, body, sig);
    r = dc_partner_send("PUT", target, p.key_id, ts, sig, body);
    dc_expect_error(r, 401, "invalid_signature", NULL, "decoded target signed");
    dc_resp_free(r);

    /* an encoded external id in the path ("用户1") */
    char *body2 = user_body(phone2, "编码二", "350100", NULL);
    r = dc_partner_expect(&p, "PUT", "/v1/partner/users/%E7%94%A8%E6%88%B71", body2, 201,
                          "encoded path");
    dc_resp_free(r);
    char *acct = linked_account(&p, "用户1");
    ck_assert_ptr_nonnull(acct);
    free(acct);
    free(body);
    free(body2);
}
END_TEST

START_TEST(signature_missing_or_bad_headers)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "sig-headers", &p);
    char phone[12], ts[32], sig[65];
    dc_unique_phone(phone);
    char *body = user_body(phone, "头", "350100", NULL);
    const char *target = "/v1/partner/users/hdr-1";
    ts_text(0, ts);
    dc_partner_sign(p.secret, "PUT", target, ts, body, sig);

    struct dc_resp *r = dc_partner_send("PUT", target, NULL, ts, sig, body);
    dc_expect_status(r, 401, "no X-Partner-Key");
    dc_resp_free(r);
    r = dc_partner_send("PUT", target, p.key_id, NULL, sig, body);
    dc_expect_status(r, 401, "no X-Timestamp");
    dc_resp_free(r);
    r = dc_partner_send("PUT", target, p.key_id, ts, NULL, body);
    dc_expect_status(r, 401, "no X-Signature");
    dc_resp_free(r);
    r = dc_partner_send("PUT", target, NULL, NULL, NULL, body);
    dc_expect_status(r, 401, "no partner headers");
    dc_resp_free(r);
    /* a user's bearer token is no partner credential */
    struct dc_user user = dc_new_user(NULL);
    r = dc_req("PUT", target, user.token, body);
    dc_expect_status(r, 401, "bearer token instead");
    dc_resp_free(r);

    /* timestamps that are not 1-12 decimal digits, each signed correctly
     * over the text sent: API.md names a code only for a time more than
     * 300 s off (stale_request) and a bad signature or unknown key
     * (invalid_signature); api/openapi.yaml (partner signing, check 1)
     * names the one the server gives a malformed X-Timestamp:
     * invalid_signature, before any clock comparison */
    char now_minus[40], now_frac[40];
    snprintf(now_minus, sizeof now_minus, "-%lld", (long long)time(NULL));
    snprintf(now_frac, sizeof now_frac, "%lld.5", (long long)time(NULL));
    const char *bad[] = {now_minus, "abc", now_frac, "1e9", "+1796289851", "1234567890123"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        dc_partner_sign(p.secret, "PUT", target, bad[i], body, sig);
        r = dc_partner_send("PUT", target, p.key_id, bad[i], sig, body);
        dc_expect_error(r, 401, "invalid_signature", NULL, bad[i]);
        dc_resp_free(r);
    }
    char *acct = linked_account(&p, "hdr-1");
    ck_assert_ptr_null(acct);
    free(body);
}
END_TEST

/* ---- linking ---- */

START_TEST(link_existing_phone)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "link-existing", &p);
    char phone[12];
    dc_unique_phone(phone);
    char *registered = dc_register(phone, DC_PASSWORD, "已注册");
    ck_assert_ptr_nonnull(registered);
    char *linked = link_user(&p, "exist-1", phone, 200);
    ck_assert_str_eq(linked, registered);
    char *db = linked_account(&p, "exist-1");
    ck_assert_ptr_nonnull(db);
    ck_assert_str_eq(db, registered);
    /* the account keeps its own password */
    char *tok = dc_login(phone, DC_PASSWORD);
    ck_assert_ptr_nonnull(tok);
    free(tok);
    free(db);
    free(linked);
    free(registered);
}
END_TEST

/* a new phone makes an account that has no usable password */
START_TEST(link_new_phone)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "link-new", &p);
    char phone[12];
    dc_unique_phone(phone);
    char *id = link_user(&p, "new-1", phone, 201);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT phone FROM accounts WHERE id = %s", id);
    char *db_phone = dc_sql_value(sql);
    ck_assert_ptr_nonnull(db_phone);
    ck_assert_str_eq(db_phone, phone);
    free(db_phone);
    char *db = linked_account(&p, "new-1");
    ck_assert_ptr_nonnull(db);
    ck_assert_str_eq(db, id);
    free(db);

    const char *guesses[] = {"partner-linked", DC_PASSWORD, "password123"};
    for (size_t i = 0; i < sizeof guesses / sizeof *guesses; i++) {
        struct dc_resp *r =
            dc_send_json("POST", "/v1/sessions", NULL,
                         json_pack("{s:s, s:s}", "phone", phone, "password", guesses[i]));
        dc_expect_error(r, 401, "invalid_credentials", NULL, guesses[i]);
        dc_resp_free(r);
    }
    /* registering that phone directly now conflicts rather than duplicating */
    char *again = dc_register(phone, DC_PASSWORD, "重复");
    ck_assert_ptr_null(again);
    free(id);
}
END_TEST

START_TEST(link_validation)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "link-validate", &p);
    char phone[12];
    dc_unique_phone(phone);
    char long_name[64];
    memset(long_name, 'n', 41);
    long_name[41] = '\0';
    struct {
        const char *phone, *display_name, *region, *audience, *field;
    } cases[] = {
        {"12345", "名字", "350100", NULL, "phone"},
        {"1380013800a", "名字", "350100", NULL, "phone"},
        {"", "名字", "350100", NULL, "phone"},
        {"12000000000", "名字", "350100", NULL, "phone"},
        {"+8613800138000", "名字", "350100", NULL, "phone"},
        {phone, "", "350100", NULL, "display_name"},
        {phone, long_name, "350100", NULL, "display_name"},
        {phone, "a\tb", "350100", NULL, "display_name"},
        {phone, "名字", "35010", NULL, "region_code"},
        {phone, "名字", "abcdef", NULL, "region_code"},
        {phone, "名字", "999999", NULL, "region_code"},
        {phone, "名字", "350100", "alien", "audience"},
        {phone, "名字", "350100", "", "audience"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *body =
            user_body(cases[i].phone, cases[i].display_name, cases[i].region, cases[i].audience);
        struct dc_resp *r = dc_partner_call(&p, "PUT", "/v1/partner/users/val-1", body);
        dc_expect_error(r, 422, "validation_failed", cases[i].field, body);
        dc_resp_free(r);
        free(body);
    }
    /* a missing field is named too */
    struct dc_resp *r = dc_partner_call(&p, "PUT", "/v1/partner/users/val-1",
                                        "{\"display_name\":\"名字\",\"region_code\":\"350100\"}");
    dc_expect_error(r, 422, "validation_failed", "phone", "no phone");
    dc_resp_free(r);
    char *acct = linked_account(&p, "val-1");
    ck_assert_ptr_null(acct);

    /* a valid audience is kept, and 40 Chinese characters are 40, not 120 */
    char name40[40 * 3 + 1] = "";
    for (int i = 0; i < 40; i++)
        strcat(name40, "学");
    char *body = user_body(phone, name40, "350100", "student");
    r = dc_partner_expect(&p, "PUT", "/v1/partner/users/val-1", body, 201, "valid audience");
    ck_assert_str_eq(dc_str(json_object_get(r->json, "account"), "audience"), "student");
    ck_assert_str_eq(dc_str(json_object_get(r->json, "account"), "display_name"), name40);
    dc_resp_free(r);
    free(body);
}
END_TEST

/* re-linking an external id to another phone moves the link */
START_TEST(link_moves)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "link-move", &p);
    char phone1[12], phone2[12];
    dc_unique_phone(phone1);
    dc_unique_phone(phone2);
    char *first = link_user(&p, "mover", phone1, 201);
    char *second = link_user(&p, "mover", phone2, 201);
    ck_assert_str_ne(first, second);
    char *db = linked_account(&p, "mover");
    ck_assert_ptr_nonnull(db);
    ck_assert_str_eq(db, second);
    free(db);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM partner_users WHERE partner_id = %s AND external_user_id = "
             "'mover'",
             p.id);
    char *n = dc_sql_value(sql);
    ck_assert_str_eq(n, "1");
    free(n);
    /* the first account still exists */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM accounts WHERE id = %s", first);
    n = dc_sql_value(sql);
    ck_assert_str_eq(n, "1");
    free(n);
    /* and moving back links to the first account again, without a new one */
    char *back = link_user(&p, "mover", phone1, 200);
    ck_assert_str_eq(back, first);
    free(back);
    free(first);
    free(second);
}
END_TEST

/* two partners' same external id are different users */
START_TEST(link_partners_independent)
{
    struct dc_partner_cred a, b;
    dc_new_partner(admin, "link-a", &a);
    dc_new_partner(admin, "link-b", &b);
    char phone_a[12], phone_b[12];
    dc_unique_phone(phone_a);
    dc_unique_phone(phone_b);
    char *id_a = link_user(&a, "u1", phone_a, 201);
    char *id_b = link_user(&b, "u1", phone_b, 201);
    ck_assert_str_ne(id_a, id_b);
    char *db_a = linked_account(&a, "u1");
    char *db_b = linked_account(&b, "u1");
    ck_assert_ptr_nonnull(db_a);
    ck_assert_ptr_nonnull(db_b);
    ck_assert_str_eq(db_a, id_a);
    ck_assert_str_eq(db_b, id_b);
    /* B re-linking its u1 leaves A's alone */
    char *again = link_user(&b, "u1", phone_b, 200);
    free(db_a);
    db_a = linked_account(&a, "u1");
    ck_assert_str_eq(db_a, id_a);
    free(again);
    free(db_a);
    free(db_b);
    free(id_a);
    free(id_b);
}
END_TEST

/* ---- audit ---- */

static int64_t id_of(const json_t *item)
{
    const char *s = dc_str(item, "id");
    ck_assert_ptr_nonnull(s);
    return strtoll(s, NULL, 10);
}

START_TEST(audit_lists_partner_create)
{
    char name[64];
    snprintf(name, sizeof name, "审计-%ld-%d", (long)time(NULL), (int)getpid());
    struct dc_partner_cred p;
    dc_new_partner(admin, name, &p);
    char target[64];
    snprintf(target, sizeof target, "partner:%s", p.id);

    struct dc_resp *r = dc_req("GET", "/v1/admin/audit?limit=100", admin, NULL);
    dc_expect_status(r, 200, "audit list");
    json_t *items = json_object_get(r->json, "items");
    ck_assert(json_is_array(items));
    ck_assert(json_array_size(items) > 0);
    ck_assert(json_object_get(r->json, "next_cursor") != NULL);
    bool found = false;
    int64_t prev = INT64_MAX;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        int64_t id = id_of(it);
        ck_assert_msg(id < prev, "ids not descending at %zu", i);
        prev = id;
        ck_assert_ptr_nonnull(dc_str(it, "actor_id"));
        ck_assert_ptr_nonnull(dc_str(it, "at"));
        const char *action = dc_str(it, "action");
        const json_t *details = json_object_get(it, "details");
        const char *dname = dc_str(details, "name");
        if (action && strcmp(action, "partner.create") == 0 && dname && strcmp(dname, name) == 0) {
            found = true;
            ck_assert_str_eq(dc_str(it, "target"), target);
            ck_assert(json_is_object(details));
        }
    }
    ck_assert_msg(found, "no partner.create for %s in %s", name, r->body);
    dc_resp_free(r);
}
END_TEST

/* limit=1 pages follow next_cursor with ids going down, no duplicates */
START_TEST(audit_paging)
{
    struct dc_partner_cred p;
    for (int i = 0; i < 4; i++)
        dc_new_partner(admin, "audit-page", &p);
    int64_t seen[6];
    char *cursor = NULL;
    for (int page = 0; page < 6; page++) {
        char path[512];
        if (cursor) {
            CURL *c = curl_easy_init();
            char *esc = curl_easy_escape(c, cursor, 0);
            snprintf(path, sizeof path, "/v1/admin/audit?limit=1&cursor=%s", esc);
            curl_free(esc);
            curl_easy_cleanup(c);
        } else {
            snprintf(path, sizeof path, "/v1/admin/audit?limit=1");
        }
        struct dc_resp *r = dc_req("GET", path, admin, NULL);
        dc_expect_status(r, 200, path);
        json_t *items = json_object_get(r->json, "items");
        ck_assert_uint_eq(json_array_size(items), 1);
        seen[page] = id_of(json_array_get(items, 0));
        for (int k = 0; k < page; k++)
            ck_assert_msg(seen[k] > seen[page], "page %d: id %" PRId64 " after %" PRId64, page,
                          seen[page], seen[k]);
        const char *next = dc_str(r->json, "next_cursor");
        ck_assert_msg(next && *next, "page %d has no next_cursor: %s", page, r->body);
        free(cursor);
        cursor = strdup(next);
        dc_resp_free(r);
    }
    free(cursor);
}
END_TEST

START_TEST(audit_access_and_limits)
{
    struct dc_user user = dc_new_user(NULL);
    struct dc_resp *r = dc_req("GET", "/v1/admin/audit", user.token, NULL);
    dc_expect_error(r, 403, "forbidden", NULL, "user reads audit");
    dc_resp_free(r);
    r = dc_req("GET", "/v1/admin/audit", NULL, NULL);
    dc_expect_error(r, 401, "unauthorized", NULL, "anonymous reads audit");
    dc_resp_free(r);
    const char *bad[] = {"limit=0", "limit=101", "limit=-1", "limit=abc"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/admin/audit?%s", bad[i]);
        r = dc_req("GET", path, admin, NULL);
        dc_expect_error(r, 422, "validation_failed", "limit", path);
        dc_resp_free(r);
    }
    r = dc_req("GET", "/v1/admin/audit?cursor=garbage!!", admin, NULL);
    dc_expect_error(r, 422, "validation_failed", "cursor", "bad cursor");
    dc_resp_free(r);
}
END_TEST

/* ---- partner submissions ---- */

static char *video_body(const char *ext_user, const char *title)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:[s], s:b}", "external_user_id",
                          ext_user, "title", title, "category", "fire", "video_url",
                          "https://cdn.partner.example/v/1.mp4", "duration_seconds", 30, "format",
                          "mp4", "size_bytes", 1000, "hashtags", "#逃生演练训练营", "original", 1);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return text;
}

/* create (201, source partner, author = the linked account), update by the
 * same external id (200, same id), and the same external id of another
 * partner is another submission */
START_TEST(partner_submission_upsert)
{
    dc_campaign_live(admin, (struct dc_rules){0});
    struct dc_partner_cred a, b;
    dc_new_partner(admin, "视频平台甲", &a);
    dc_new_partner(admin, "视频平台乙", &b);
    char phone[12];
    dc_unique_phone(phone);
    char *account = link_user(&a, "author-1", phone, 201);
    char *body = video_body("author-1", "平台上传的演练视频");
    struct dc_resp *r =
        dc_partner_expect(&a, "PUT", "/v1/partner/submissions/vid-1", body, 201, "partner create");
    ck_assert_str_eq(dc_str(r->json, "source"), "partner");
    ck_assert_str_eq(dc_str(r->json, "status"), "pending");
    ck_assert_str_eq(dc_str(json_object_get(r->json, "author"), "id"), account);
    char *id = strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    free(body);
    body = video_body("author-1", "改过标题的演练视频");
    r = dc_partner_expect(&a, "PUT", "/v1/partner/submissions/vid-1", body, 200, "partner update");
    ck_assert_str_eq(dc_str(r->json, "id"), id);
    ck_assert_str_eq(dc_str(r->json, "title"), "改过标题的演练视频");
    dc_resp_free(r);
    free(body);
    /* partner B has no such user linked: 422, and its own vid-1 is separate */
    body = video_body("author-1", "乙的视频");
    r = dc_partner_call(&b, "PUT", "/v1/partner/submissions/vid-1", body);
    dc_expect_error(r, 422, "validation_failed", "external_user_id", "unlinked user");
    dc_resp_free(r);
    free(link_user(&b, "author-1", phone, 200));
    r = dc_partner_expect(&b, "PUT", "/v1/partner/submissions/vid-1", body, 201,
                          "partner B's own vid-1");
    ck_assert_str_ne(dc_str(r->json, "id"), id);
    dc_resp_free(r);
    free(body);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT title FROM submissions WHERE id = %s", id);
    char *title = dc_sql_value(sql);
    ck_assert_str_eq(title, "改过标题的演练视频");
    free(title);
    free(id);
    free(account);
}
END_TEST

/* the same validation as direct submissions, and the signature check */
START_TEST(partner_submission_validation)
{
    dc_campaign_live(admin, (struct dc_rules){0});
    struct dc_partner_cred a;
    dc_new_partner(admin, "视频平台丙", &a);
    char phone[12];
    dc_unique_phone(phone);
    free(link_user(&a, "author-2", phone, 201));
    char *base = video_body("author-2", "x");
    json_t *b = json_loads(base, 0, NULL);
    free(base);
    json_object_set_new(b, "original", json_false());
    char *text = json_dumps(b, JSON_COMPACT);
    struct dc_resp *r = dc_partner_call(&a, "PUT", "/v1/partner/submissions/vid-2", text);
    dc_expect_error(r, 422, "validation_failed", "original", "original false");
    dc_resp_free(r);
    free(text);
    json_object_set_new(b, "original", json_true());
    json_object_set_new(b, "video_url", json_string("http://insecure.example/v.mp4"));
    text = json_dumps(b, JSON_COMPACT);
    r = dc_partner_call(&a, "PUT", "/v1/partner/submissions/vid-2", text);
    dc_expect_error(r, 422, "validation_failed", "video_url", "http url");
    dc_resp_free(r);
    /* signed for vid-2, sent to vid-3 */
    char ts[32], sig[65];
    ts_text(0, ts);
    dc_partner_sign(a.secret, "PUT", "/v1/partner/submissions/vid-2", ts, text, sig);
    r = dc_partner_send("PUT", "/v1/partner/submissions/vid-3", a.key_id, ts, sig, text);
    dc_expect_error(r, 401, "invalid_signature", NULL, "path changed");
    dc_resp_free(r);
    free(text);
    json_decref(b);
}
END_TEST

int main(void)
{
    admin = dc_start_with_admin("test_partners");
    Suite *s = suite_create("partners");
    dc_add_tcase(s, "create", 0, create_partner_once, create_partner_roles, create_partner_bad_name,
                 NULL);
    dc_add_tcase(s, "signatures", 60, signature_good_then_repeat, signature_timestamp_window,
                 signature_wrong_secret_or_key, signature_covers_body_path_query,
                 signature_percent_encoded_target, signature_missing_or_bad_headers, NULL);
    dc_add_tcase(s, "linking", 60, link_existing_phone, link_new_phone, link_validation, link_moves,
                 link_partners_independent, partner_submission_upsert,
                 partner_submission_validation, NULL);
    dc_add_tcase(s, "audit", 60, audit_lists_partner_create, audit_paging, audit_access_and_limits,
                 NULL);
    int rc = dc_finish("test_partners", dc_run_suite(s));
    free(admin);
    return rc;
}
