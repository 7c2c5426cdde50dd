/*
 * test_accounts.c - API.md section 2 against the real server and PostgreSQL:
 *
 *  - POST /v1/accounts: the account object (id string, full and masked phone,
 *    defaults, RFC 3339 created_at), Chinese text returned byte-identical,
 *    every validation rule (422 validation_failed naming the field), 409
 *    phone_taken (also under a race), official accounts and their
 *    organization, passwords kept only as salted hashes;
 *  - POST /v1/sessions: token shape, expires_at, 401 invalid_credentials
 *    alike for an unknown phone and a wrong password;
 *  - GET /v1/me and bearer authentication (missing, garbage, unknown,
 *    expired, Basic);
 *  - section 1 conventions on these endpoints (415, 400, 405 + Allow,
 *    X-Request-Id, unknown fields ignored);
 *  - DELETE /v1/sessions/current: the token dies at once, other sessions live;
 *  - PATCH /v1/me: profile changes, protected fields ignored, the
 *    current_password rules and the revocation of the other sessions after a
 *    password change;
 *  - PUT /v1/admin/accounts/{id}/role: effect on existing tokens, audit row,
 *    403/404/422/401;
 *  - drillcamp create-admin with the password on standard input;
 *  - GET /v1/regions, POST /v1/admin/organizations and GET /v1/organizations
 *    with keyset paging.
 *
 * Every test makes its own accounts (fresh phone numbers) and organizations,
 * so the tests do not depend on each other or on their order.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* ---- small helpers ---------------------------------------------------- */

/* Asserts an error envelope: status, code, and field (NULL: no field
 * expected; "*": any). Only code, message and field may appear. */
static void expect_error(const struct dc_resp *r, long status, const char *code, const char *field,
                         const char *what)
{
    ck_assert_msg(r->status == status, "%s: status %ld, want %ld; body %s", what, r->status, status,
                  r->body);
    json_t *e = json_object_get(r->json, "error");
    ck_assert_msg(json_is_object(e), "%s: no error object in %s", what, r->body);
    ck_assert_msg(json_object_size(r->json) == 1, "%s: extra top-level keys: %s", what, r->body);
    ck_assert_msg(strcmp(dc_err_code_of(r), code) == 0, "%s: code %s, want %s", what,
                  dc_err_code_of(r), code);
    const char *msg = dc_str(e, "message");
    ck_assert_msg(msg && *msg, "%s: no message in %s", what, r->body);
    const char *key;
    json_t *v;
    json_object_foreach(e, key, v)
    {
        (void)v;
        ck_assert_msg(strcmp(key, "code") == 0 || strcmp(key, "message") == 0 ||
                          strcmp(key, "field") == 0,
                      "%s: unexpected error key %s in %s", what, key, r->body);
    }
    const char *got = dc_str(e, "field");
    if (field && strcmp(field, "*") != 0)
        ck_assert_msg(got && strcmp(got, field) == 0, "%s: field %s, want %s; body %s", what,
                      got ? got : "(none)", field, r->body);
}

/* A valid registration body for an individual in 福州市. */
static json_t *register_body(const char *phone)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", phone, "password", DC_PASSWORD,
                     "display_name", "测试用户", "kind", "individual", "region_code", "350100");
}

/* Registration with body must fail 422 naming field; nothing is created. */
static void expect_register_422(json_t *body, const char *field, const char *what)
{
    const char *phone = dc_str(body, "phone");
    char *phone_copy = phone ? strdup(phone) : NULL;
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, body);
    expect_error(r, 422, "validation_failed", field, what);
    dc_resp_free(r);
    if (phone_copy) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM accounts WHERE phone = '%s'", phone_copy);
        char *n = dc_sql_value(sql);
        ck_assert_msg(n && strcmp(n, "0") == 0, "%s: an account was created anyway", what);
        free(n);
        free(phone_copy);
    }
}

/* "YYYY-MM-DDTHH:MM:SS[.frac]Z" -> seconds since the epoch, or -1. */
static long long parse_rfc3339_utc(const char *s)
{
    if (!s)
        return -1;
    struct tm tm = {0};
    int used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &used) != 6 ||
        used != 19 || s[4] != '-' || s[7] != '-')
        return -1;
    const char *p = s + used;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (strcmp(p, "Z") != 0)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

static bool is_decimal_id(const char *s)
{
    if (!s || !*s || *s == '0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static struct dc_resp *get_with_authorization(const char *path, const char *auth_line)
{
    const char *lines[] = {auth_line, NULL};
    return dc_http_lines("GET", path, lines, NULL, 0);
}

/* 401 unauthorized with a Bearer challenge. */
static void expect_unauthorized(const struct dc_resp *r, const char *what)
{
    expect_error(r, 401, "unauthorized", NULL, what);
    char *www = dc_resp_header(r, "WWW-Authenticate");
    ck_assert_msg(www && strncmp(www, "Bearer", 6) == 0, "%s: WWW-Authenticate is %s", what,
                  www ? www : "(absent)");
    free(www);
}

static long status_of_me(const char *token)
{
    struct dc_resp *r = dc_req("GET", "/v1/me", token, NULL);
    long st = r->status;
    dc_resp_free(r);
    return st;
}

/* GET /v1/me, asserting 200; caller frees. */
static struct dc_resp *get_me(const char *token)
{
    struct dc_resp *r = dc_req("GET", "/v1/me", token, NULL);
    ck_assert_msg(r->status == 200, "GET /v1/me: %ld %s", r->status, r->body);
    return r;
}

static long login_status(const char *phone, const char *password)
{
    struct dc_resp *r = dc_send_json("POST", "/v1/sessions", NULL,
                                     json_pack("{s:s, s:s}", "phone", phone, "password", password));
    long st = r->status;
    dc_resp_free(r);
    return st;
}

/* An organization created by an admin; returns its id (malloc'ed). */
static char *new_org(const char *admin, const char *name, const char *type, const char *region)
{
    struct dc_resp *r = dc_send_json(
        "POST", "/v1/admin/organizations", admin,
        json_pack("{s:s, s:s, s:s}", "name", name, "type", type, "region_code", region));
    ck_assert_msg(r->status == 201, "create organization: %ld %s", r->status, r->body);
    const char *id = dc_str(r->json, "id");
    ck_assert_msg(is_decimal_id(id), "organization id %s", r->body);
    char *out = strdup(id);
    dc_resp_free(r);
    return out;
}

/* ---- registration ----------------------------------------------------- */

/* the 201 body is the full account object with the documented defaults */
START_TEST(register_returns_account)
{
    char phone[12];
    dc_unique_phone(phone);
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, register_body(phone));
    ck_assert_msg(r->status == 201, "register: %ld %s", r->status, r->body);
    ck_assert(json_is_object(r->json));
    ck_assert_msg(is_decimal_id(dc_str(r->json, "id")), "id must be a decimal string: %s", r->body);
    ck_assert_str_eq(dc_str(r->json, "phone"), phone);
    char masked[16];
    snprintf(masked, sizeof masked, "%.3s****%.4s", phone, phone + 7);
    ck_assert_str_eq(dc_str(r->json, "phone_masked"), masked);
    ck_assert_str_eq(dc_str(r->json, "display_name"), "测试用户");
    ck_assert_str_eq(dc_str(r->json, "kind"), "individual");
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    ck_assert_str_eq(dc_str(r->json, "region_code"), "350100");
    ck_assert(json_is_null(json_object_get(r->json, "organization_id")));
    ck_assert_str_eq(dc_str(r->json, "audience"), "public");
    long long created = parse_rfc3339_utc(dc_str(r->json, "created_at"));
    ck_assert_msg(created > 0, "created_at not RFC 3339 UTC: %s", r->body);
    long long skew = created - (long long)time(NULL);
    ck_assert_msg(skew > -300 && skew < 300, "created_at is %lld s off the clock", skew);
    ck_assert(json_object_get(r->json, "password") == NULL);
    ck_assert(json_object_get(r->json, "password_hash") == NULL);
    ck_assert(strstr(r->body, DC_PASSWORD) == NULL);
    char *rid = dc_resp_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    free(rid);
    char *cc = dc_resp_header(r, "Cache-Control");
    ck_assert_msg(cc && strstr(cc, "no-store"), "Cache-Control on register: %s",
                  cc ? cc : "(absent)");
    free(cc);
    /* the password is kept only as a salted hash */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT password_hash FROM accounts WHERE id = %s",
             dc_str(r->json, "id"));
    char *hash = dc_sql_value(sql);
    ck_assert_ptr_nonnull(hash);
    ck_assert_msg(strstr(hash, DC_PASSWORD) == NULL && strlen(hash) > 32, "password_hash: %s",
                  hash);
    dc_resp_free(r);

    /* audience is kept when given */
    dc_unique_phone(phone);
    json_t *b = register_body(phone);
    json_object_set_new(b, "audience", json_string("teacher"));
    r = dc_send_json("POST", "/v1/accounts", NULL, b);
    ck_assert_msg(r->status == 201, "register: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "audience"), "teacher");
    snprintf(sql, sizeof sql, "SELECT password_hash FROM accounts WHERE id = %s",
             dc_str(r->json, "id"));
    char *hash2 = dc_sql_value(sql);
    ck_assert_ptr_nonnull(hash2);
    ck_assert_msg(strcmp(hash, hash2) != 0, "same password, same hash: no salt");
    free(hash2);
    free(hash);
    dc_resp_free(r);
}
END_TEST

/* a Chinese display name comes back byte for byte from every endpoint */
START_TEST(register_chinese_name_roundtrip)
{
    static const char name[] = "张三·消防志愿者";
    char phone[12];
    dc_unique_phone(phone);
    json_t *b = register_body(phone);
    json_object_set_new(b, "display_name", json_string(name));
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
    ck_assert_msg(r->status == 201, "register: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "display_name"), name);
    ck_assert_msg(strstr(r->body, name) != NULL, "register body not raw UTF-8: %s", r->body);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT display_name FROM accounts WHERE id = %s",
             dc_str(r->json, "id"));
    dc_resp_free(r);
    char *stored = dc_sql_value(sql);
    ck_assert_ptr_nonnull(stored);
    ck_assert_str_eq(stored, name);
    free(stored);

    r = dc_send_json("POST", "/v1/sessions", NULL,
                     json_pack("{s:s, s:s}", "phone", phone, "password", DC_PASSWORD));
    ck_assert_int_eq(r->status, 201);
    ck_assert_str_eq(dc_str(json_object_get(r->json, "account"), "display_name"), name);
    ck_assert(strstr(r->body, name) != NULL);
    char *tok = strdup(dc_str(r->json, "token"));
    dc_resp_free(r);

    r = get_me(tok);
    ck_assert_str_eq(dc_str(r->json, "display_name"), name);
    ck_assert(strstr(r->body, name) != NULL);
    dc_resp_free(r);
    free(tok);
}
END_TEST

START_TEST(register_rejects_bad_phone)
{
    static const char *const bad[] = {"12345678901",  "2380013800",     "1380013800",
                                      "138001380001", "1380013800a",    "",
                                      "13800 13800",  "+8613800138000", "１３８００１３８０００"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *b = register_body("13800138000");
        json_object_set_new(b, "phone", json_string(bad[i]));
        struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
        expect_error(r, 422, "validation_failed", "phone", bad[i]);
        dc_resp_free(r);
    }
    /* a JSON number is not a phone string */
    json_t *b = register_body("13800138000");
    json_object_set_new(b, "phone", json_integer(13800138000LL));
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
    expect_error(r, 422, "validation_failed", "phone", "numeric phone");
    dc_resp_free(r);
}
END_TEST

/* 7 and 129 characters fail, 8 and 128 pass (characters, not bytes) */
START_TEST(register_password_length)
{
    char phone[12], pw[200];
    memset(pw, 'p', 7);
    pw[7] = '\0';
    json_t *b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "password", json_string(pw));
    expect_register_422(b, "password", "7-char password");

    memset(pw, 'p', 129);
    pw[129] = '\0';
    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "password", json_string(pw));
    expect_register_422(b, "password", "129-char password");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "password", json_integer(12345678));
    expect_register_422(b, "password", "numeric password");

    /* 7 Chinese characters are 21 bytes but still too short */
    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "password", json_string("消防安全演练课"));
    expect_register_422(b, "password", "7 Chinese chars");

    static const size_t ok_len[] = {8, 128};
    for (size_t i = 0; i < 2; i++) {
        memset(pw, 'q', ok_len[i]);
        pw[ok_len[i]] = '\0';
        b = register_body(dc_unique_phone(phone));
        json_object_set_new(b, "password", json_string(pw));
        struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
        ck_assert_msg(r->status == 201, "%zu-char password: %ld %s", ok_len[i], r->status, r->body);
        dc_resp_free(r);
        ck_assert_int_eq(login_status(phone, pw), 201);
    }
}
END_TEST

/* 1-40 characters (counted as characters), no control characters */
START_TEST(register_display_name_rules)
{
    char phone[12], name[41 * 3 + 1];
    json_t *b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "display_name", json_string(""));
    expect_register_422(b, "display_name", "empty display_name");

    memset(name, 'n', 41);
    name[41] = '\0';
    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "display_name", json_string(name));
    expect_register_422(b, "display_name", "41 ASCII chars");

    name[0] = '\0';
    for (int i = 0; i < 41; i++)
        strcat(name, "消");
    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "display_name", json_string(name));
    expect_register_422(b, "display_name", "41 Chinese chars");

    static const char *const ctl[] = {"bell\astring", "two\nlines", "tab\there", "del\x7f"};
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
        b = register_body(dc_unique_phone(phone));
        json_object_set_new(b, "display_name", json_string(ctl[i]));
        expect_register_422(b, "display_name", "control character in display_name");
    }

    /* exactly 40 Chinese characters (120 bytes) is fine */
    name[strlen(name) - 3] = '\0';
    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "display_name", json_string(name));
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
    ck_assert_msg(r->status == 201, "40 Chinese chars: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "display_name"), name);
    dc_resp_free(r);
}
END_TEST

START_TEST(register_kind_region_audience_rules)
{
    char phone[12];
    json_t *b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "kind", json_string("company"));
    expect_register_422(b, "kind", "kind company");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "region_code", json_string("999999"));
    expect_register_422(b, "region_code", "unknown region 999999");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "region_code", json_string("35010"));
    expect_register_422(b, "region_code", "malformed region 35010");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "region_code", json_integer(350100));
    expect_register_422(b, "region_code", "numeric region_code");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "kind", json_string("official"));
    expect_register_422(b, "organization_id", "official without organization");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "kind", json_string("official"));
    json_object_set_new(b, "organization_id", json_null());
    expect_register_422(b, "organization_id", "official with null organization");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "kind", json_string("official"));
    json_object_set_new(b, "organization_id", json_string("999999999999"));
    expect_register_422(b, "organization_id", "official with unknown organization");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "organization_id", json_string("not-an-id"));
    expect_register_422(b, "organization_id", "malformed organization_id");

    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "audience", json_string("everyone"));
    expect_register_422(b, "audience", "audience everyone");
}
END_TEST

/* each required field left out, one at a time */
START_TEST(register_missing_fields)
{
    static const char *const required[] = {"phone", "password", "display_name", "kind",
                                           "region_code"};
    char phone[12];
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        json_t *b = register_body(dc_unique_phone(phone));
        json_object_del(b, required[i]);
        expect_register_422(b, required[i], required[i]);
    }
    /* a null is as good as missing */
    json_t *b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "display_name", json_null());
    expect_register_422(b, "display_name", "null display_name");
}
END_TEST

/* 409 phone_taken, and the first account keeps its name and password */
START_TEST(register_duplicate_phone)
{
    char phone[12];
    dc_unique_phone(phone);
    json_t *b = register_body(phone);
    json_object_set_new(b, "display_name", json_string("先来的"));
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
    ck_assert_int_eq(r->status, 201);
    char *id = strdup(dc_str(r->json, "id"));
    dc_resp_free(r);

    b = register_body(phone);
    json_object_set_new(b, "display_name", json_string("后到的"));
    json_object_set_new(b, "password", json_string("another password 2"));
    json_object_set_new(b, "region_code", json_string("350200"));
    r = dc_send_json("POST", "/v1/accounts", NULL, b);
    expect_error(r, 409, "phone_taken", NULL, "duplicate phone");
    dc_resp_free(r);

    ck_assert_int_eq(login_status(phone, "another password 2"), 401);
    char *tok = dc_login(phone, DC_PASSWORD);
    ck_assert_ptr_nonnull(tok);
    r = get_me(tok);
    ck_assert_str_eq(dc_str(r->json, "id"), id);
    ck_assert_str_eq(dc_str(r->json, "display_name"), "先来的");
    ck_assert_str_eq(dc_str(r->json, "region_code"), "350100");
    dc_resp_free(r);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM accounts WHERE phone = '%s'", phone);
    char *n = dc_sql_value(sql);
    ck_assert_str_eq(n, "1");
    free(n);
    free(tok);
    free(id);
}
END_TEST

struct race {
    const char *phone;
    int n;
    long status;
};

static void *race_register(void *arg)
{
    struct race *x = arg;
    char name[32];
    snprintf(name, sizeof name, "抢注%d", x->n);
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", x->phone, "password", DC_PASSWORD,
                          "display_name", name, "kind", "individual", "region_code", "350100");
    char *text = json_dumps(b, JSON_COMPACT);
    struct dc_resp *r = dc_req("POST", "/v1/accounts", NULL, text);
    x->status = r->status;
    dc_resp_free(r);
    free(text);
    json_decref(b);
    return NULL;
}

/* six registrations of one phone at once: exactly one account */
START_TEST(register_race_same_phone)
{
    char phone[12];
    dc_unique_phone(phone);
    struct race runs[6];
    pthread_t th[6];
    for (int i = 0; i < 6; i++) {
        runs[i] = (struct race){phone, i, 0};
        ck_assert_int_eq(pthread_create(&th[i], NULL, race_register, &runs[i]), 0);
    }
    int created = 0, taken = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        created += runs[i].status == 201;
        taken += runs[i].status == 409;
    }
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(taken, 5);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM accounts WHERE phone = '%s'", phone);
    char *n = dc_sql_value(sql);
    ck_assert_str_eq(n, "1");
    free(n);
}
END_TEST

/* an official account names a real organization; its id comes back */
START_TEST(register_official_with_organization)
{
    char *admin = dc_new_admin_token();
    ck_assert_ptr_nonnull(admin);
    char *org = new_org(admin, "福州市鼓楼区应急管理局", "government", "350100");
    char phone[12];
    json_t *b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "kind", json_string("official"));
    json_object_set_new(b, "organization_id", json_string(org));
    json_object_set_new(b, "display_name", json_string("鼓楼应急"));
    json_object_set_new(b, "audience", json_string("employee"));
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
    ck_assert_msg(r->status == 201, "official register: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "kind"), "official");
    ck_assert_str_eq(dc_str(r->json, "organization_id"), org);
    ck_assert_str_eq(dc_str(r->json, "audience"), "employee");
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    dc_resp_free(r);

    /* an individual may name an organization too */
    b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "organization_id", json_string(org));
    r = dc_send_json("POST", "/v1/accounts", NULL, b);
    ck_assert_msg(r->status == 201, "individual with org: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "organization_id"), org);
    dc_resp_free(r);
    free(org);
    free(admin);
}
END_TEST

/* ---- sessions --------------------------------------------------------- */

START_TEST(login_returns_token)
{
    char phone[12];
    dc_unique_phone(phone);
    char *id = dc_register(phone, DC_PASSWORD, "登录测试");
    ck_assert_ptr_nonnull(id);
    struct dc_resp *r =
        dc_send_json("POST", "/v1/sessions", NULL,
                     json_pack("{s:s, s:s}", "phone", phone, "password", DC_PASSWORD));
    ck_assert_msg(r->status == 201, "login: %ld %s", r->status, r->body);
    const char *tok = dc_str(r->json, "token");
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(strlen(tok), 43);
    for (const char *p = tok; *p; p++)
        ck_assert_msg((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                          (*p >= '0' && *p <= '9') || *p == '-' || *p == '_',
                      "token char %c is not base64url", *p);
    long long exp = parse_rfc3339_utc(dc_str(r->json, "expires_at"));
    ck_assert_msg(exp > 0, "expires_at not RFC 3339 UTC: %s", r->body);
    long long days = (exp - (long long)time(NULL)) / 86400;
    ck_assert_msg(days >= 29 && days <= 30, "token lives %lld days, want 30", days);
    json_t *acct = json_object_get(r->json, "account");
    ck_assert_str_eq(dc_str(acct, "id"), id);
    ck_assert_str_eq(dc_str(acct, "phone"), phone);
    ck_assert_str_eq(dc_str(acct, "role"), "user");
    ck_assert_str_eq(dc_str(acct, "display_name"), "登录测试");
    char *cc = dc_resp_header(r, "Cache-Control");
    ck_assert_msg(cc && strstr(cc, "no-store"), "Cache-Control on login: %s", cc ? cc : "none");
    free(cc);
    /* only the hash is stored */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE token_hash = '%s'", tok);
    char *n = dc_sql_value(sql);
    ck_assert_str_eq(n, "0");
    free(n);
    char *tok2 = strdup(tok);
    dc_resp_free(r);

    /* two logins give two different tokens */
    char *tok3 = dc_login(phone, DC_PASSWORD);
    ck_assert_ptr_nonnull(tok3);
    ck_assert_str_ne(tok2, tok3);
    free(tok3);
    free(tok2);
    free(id);
}
END_TEST

/* wrong password and unknown phone: same 401, same message, similar time */
START_TEST(login_bad_credentials)
{
    char phone[12], other[12];
    dc_unique_phone(phone);
    dc_unique_phone(other);
    char *id = dc_register(phone, DC_PASSWORD, "凭据测试");
    ck_assert_ptr_nonnull(id);

    struct dc_resp *wrong =
        dc_send_json("POST", "/v1/sessions", NULL,
                     json_pack("{s:s, s:s}", "phone", phone, "password", "wrong password 9"));
    struct dc_resp *unknown =
        dc_send_json("POST", "/v1/sessions", NULL,
                     json_pack("{s:s, s:s}", "phone", other, "password", "wrong password 9"));

    expect_error(wrong, 401, "invalid_credentials", NULL, "wrong password");
    expect_error(unknown, 401, "invalid_credentials", NULL, "unknown phone");
    ck_assert_str_eq(dc_str(json_object_get(wrong->json, "error"), "message"),
                     dc_str(json_object_get(unknown->json, "error"), "message"));
    ck_assert(json_object_get(json_object_get(wrong->json, "error"), "field") == NULL);
    ck_assert(json_object_get(json_object_get(unknown->json, "error"), "field") == NULL);
    char *w1 = dc_resp_header(wrong, "WWW-Authenticate");
    char *w2 = dc_resp_header(unknown, "WWW-Authenticate");
    ck_assert_ptr_nonnull(w1);
    ck_assert_ptr_nonnull(w2);
    free(w1);
    free(w2);
    dc_resp_free(wrong);
    dc_resp_free(unknown);

    /* missing fields are 422, not 401 */
    struct dc_resp *r =
        dc_send_json("POST", "/v1/sessions", NULL, json_pack("{s:s}", "phone", phone));
    expect_error(r, 422, "validation_failed", "password", "login without password");
    dc_resp_free(r);
    r = dc_send_json("POST", "/v1/sessions", NULL, json_pack("{s:s}", "password", DC_PASSWORD));
    expect_error(r, 422, "validation_failed", "phone", "login without phone");
    dc_resp_free(r);
    free(id);
}
END_TEST

/* bearer authentication on GET /v1/me */
START_TEST(me_requires_valid_bearer)
{
    struct dc_user u = dc_new_user(NULL);
    struct dc_resp *r = get_me(u.token);
    ck_assert_str_eq(dc_str(r->json, "phone"), u.phone);
    char *cc = dc_resp_header(r, "Cache-Control");
    ck_assert_msg(cc && strstr(cc, "no-store"), "Cache-Control: %s", cc ? cc : "(absent)");
    free(cc);
    dc_resp_free(r);

    r = dc_req("GET", "/v1/me", NULL, NULL);
    expect_unauthorized(r, "no token");
    dc_resp_free(r);

    r = dc_req("GET", "/v1/me", "garbage", NULL);
    expect_unauthorized(r, "garbage token");
    dc_resp_free(r);

    /* well-formed (43 base64url chars) but never issued */
    r = dc_req("GET", "/v1/me", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
    expect_unauthorized(r, "unknown token");
    dc_resp_free(r);

    /* the real token with one character changed */
    char *bent = strdup(u.token);
    bent[0] = bent[0] == 'A' ? 'B' : 'A';
    r = dc_req("GET", "/v1/me", bent, NULL);
    expect_unauthorized(r, "altered token");
    dc_resp_free(r);
    free(bent);

    r = get_with_authorization("/v1/me", "Authorization: Basic eHh4Onl5eQ==");
    expect_unauthorized(r, "Basic credentials");
    dc_resp_free(r);

    char line[sizeof u.token + 32];
    snprintf(line, sizeof line, "Authorization: Basic %s", u.token);
    r = get_with_authorization("/v1/me", line);
    expect_unauthorized(r, "real token under Basic");
    dc_resp_free(r);

    /* the scheme name is case-insensitive (RFC 7235) */
    snprintf(line, sizeof line, "Authorization: bearer %s", u.token);
    r = get_with_authorization("/v1/me", line);
    ck_assert_msg(r->status == 200, "lower-case bearer: %ld %s", r->status, r->body);
    dc_resp_free(r);
}
END_TEST

/* logout ends that token only */
START_TEST(logout_ends_only_that_session)
{
    struct dc_user first = dc_new_user(NULL);
    char *second = dc_login(first.phone, DC_PASSWORD);
    ck_assert_ptr_nonnull(second);
    ck_assert_int_eq(status_of_me(first.token), 200);
    ck_assert_int_eq(status_of_me(second), 200);

    struct dc_resp *r = dc_req("DELETE", "/v1/sessions/current", first.token, NULL);
    ck_assert_msg(r->status == 204, "logout: %ld %s", r->status, r->body);
    ck_assert_int_eq(r->body_len, 0);
    dc_resp_free(r);

    r = dc_req("GET", "/v1/me", first.token, NULL);
    expect_unauthorized(r, "token after logout");
    dc_resp_free(r);
    r = dc_req("DELETE", "/v1/sessions/current", first.token, NULL);
    expect_unauthorized(r, "second logout");
    dc_resp_free(r);
    ck_assert_int_eq(status_of_me(second), 200);

    r = dc_req("DELETE", "/v1/sessions/current", NULL, NULL);
    expect_unauthorized(r, "logout without token");
    dc_resp_free(r);
    free(second);
}
END_TEST

/* a token past its expires_at is refused like an unknown one */
START_TEST(expired_token_is_rejected)
{
    struct dc_user u = dc_new_user(NULL);
    ck_assert_int_eq(status_of_me(u.token), 200);
    char sql[256 + sizeof u.token];
    snprintf(sql, sizeof sql,
             "UPDATE sessions SET expires_at = now() - interval '1 second'"
             " WHERE token_hash = encode(sha256(convert_to('%s', 'UTF8')), 'hex') RETURNING 1",
             u.token);
    char *v = dc_sql_value(sql);
    ck_assert_msg(v != NULL, "the session row was not found by its SHA-256");
    free(v);
    struct dc_resp *r = dc_req("GET", "/v1/me", u.token, NULL);
    expect_unauthorized(r, "expired token");
    dc_resp_free(r);
}
END_TEST

/* section 1 conventions on the account endpoints */
START_TEST(account_endpoints_conventions)
{
    char phone[12];
    json_t *b = register_body(dc_unique_phone(phone));
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);

    /* no Content-Type, or another one: 415 */
    struct dc_resp *r = dc_http("POST", "/v1/accounts", NULL, "", text, strlen(text));
    expect_error(r, 415, "unsupported_media_type", NULL, "no Content-Type");
    dc_resp_free(r);
    r = dc_http("POST", "/v1/accounts", NULL, "text/plain", text, strlen(text));
    expect_error(r, 415, "unsupported_media_type", NULL, "text/plain");
    dc_resp_free(r);
    r = dc_http("POST", "/v1/accounts", NULL, "application/json; charset=latin1", text,
                strlen(text));
    expect_error(r, 415, "unsupported_media_type", NULL, "charset=latin1");
    dc_resp_free(r);

    /* malformed JSON, a non-object, invalid UTF-8: 400 */
    r = dc_req("POST", "/v1/accounts", NULL, "{\"phone\": ");
    expect_error(r, 400, "invalid_json", NULL, "truncated JSON");
    dc_resp_free(r);
    r = dc_req("POST", "/v1/accounts", NULL, "[]");
    expect_error(r, 400, "invalid_json", NULL, "array body");
    dc_resp_free(r);
    r = dc_req("POST", "/v1/sessions", NULL, "\"13800138000\"");
    expect_error(r, 400, "invalid_json", NULL, "string body on login");
    dc_resp_free(r);
    char bad_utf8[256];
    snprintf(bad_utf8, sizeof bad_utf8,
             "{\"phone\":\"%s\",\"password\":\"%s\",\"display_name\":\"\xff\xfe\","
             "\"kind\":\"individual\",\"region_code\":\"350100\"}",
             phone, DC_PASSWORD);
    r = dc_req("POST", "/v1/accounts", NULL, bad_utf8);
    expect_error(r, 400, "invalid_json", NULL, "invalid UTF-8");
    dc_resp_free(r);

    /* unknown fields are ignored; charset=utf-8 is allowed; X-Request-Id echoed */
    json_t *extra = register_body(phone);
    json_object_set_new(extra, "favourite_colour", json_string("红"));
    char *extra_text = json_dumps(extra, JSON_COMPACT);
    json_decref(extra);
    const char *hdrs[] = {"Content-Type: application/json; charset=utf-8",
                          "X-Request-Id: acct-test-0001", NULL};
    r = dc_http_lines("POST", "/v1/accounts", hdrs, extra_text, strlen(extra_text));
    ck_assert_msg(r->status == 201, "charset=utf-8 register: %ld %s", r->status, r->body);
    ck_assert(json_object_get(r->json, "favourite_colour") == NULL);
    char *rid = dc_resp_header(r, "X-Request-Id");
    ck_assert_msg(rid && strcmp(rid, "acct-test-0001") == 0, "X-Request-Id: %s",
                  rid ? rid : "(absent)");
    free(rid);
    dc_resp_free(r);
    free(extra_text);

    /* wrong method: 405 with Allow */
    r = dc_req("GET", "/v1/accounts", NULL, NULL);
    expect_error(r, 405, "method_not_allowed", NULL, "GET /v1/accounts");
    char *allow = dc_resp_header(r, "Allow");
    ck_assert_msg(allow && strstr(allow, "POST"), "Allow: %s", allow ? allow : "(absent)");
    free(allow);
    dc_resp_free(r);
    r = dc_req("GET", "/v1/sessions/current", NULL, NULL);
    expect_error(r, 405, "method_not_allowed", NULL, "GET /v1/sessions/current");
    allow = dc_resp_header(r, "Allow");
    ck_assert_msg(allow && strstr(allow, "DELETE"), "Allow: %s", allow ? allow : "(absent)");
    free(allow);
    dc_resp_free(r);
    free(text);
}
END_TEST

/* ---- PATCH /v1/me ----------------------------------------------------- */

START_TEST(patch_me_changes_profile)
{
    struct dc_user u = dc_new_user(NULL);
    struct dc_resp *r = dc_send_json("PATCH", "/v1/me", u.token,
                                     json_pack("{s:s, s:s, s:s}", "display_name", "李四（厦门）",
                                               "region_code", "350200", "audience", "student"));
    ck_assert_msg(r->status == 200, "patch: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "display_name"), "李四（厦门）");
    ck_assert_str_eq(dc_str(r->json, "region_code"), "350200");
    ck_assert_str_eq(dc_str(r->json, "audience"), "student");
    ck_assert_str_eq(dc_str(r->json, "phone"), u.phone);
    dc_resp_free(r);

    r = get_me(u.token);
    ck_assert_str_eq(dc_str(r->json, "id"), u.id);
    ck_assert_str_eq(dc_str(r->json, "display_name"), "李四（厦门）");
    ck_assert_str_eq(dc_str(r->json, "region_code"), "350200");
    ck_assert_str_eq(dc_str(r->json, "audience"), "student");
    ck_assert_str_eq(dc_str(r->json, "kind"), "individual");
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    dc_resp_free(r);

    /* an empty object changes nothing */
    r = dc_send_json("PATCH", "/v1/me", u.token, json_object());
    ck_assert_msg(r->status == 200, "empty patch: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "display_name"), "李四（厦门）");
    ck_assert_str_eq(dc_str(r->json, "region_code"), "350200");
    dc_resp_free(r);

    /* bad values are 422 naming the field, and change nothing */
    r = dc_send_json("PATCH", "/v1/me", u.token, json_pack("{s:s}", "region_code", "999999"));
    expect_error(r, 422, "validation_failed", "region_code", "patch unknown region");
    dc_resp_free(r);
    r = dc_send_json("PATCH", "/v1/me", u.token,
                     json_pack("{s:s}", "organization_id", "999999999999"));
    expect_error(r, 422, "validation_failed", "organization_id", "patch unknown organization");
    dc_resp_free(r);
    r = dc_send_json("PATCH", "/v1/me", u.token, json_pack("{s:s}", "display_name", ""));
    expect_error(r, 422, "validation_failed", "display_name", "patch empty name");
    dc_resp_free(r);
    r = dc_send_json("PATCH", "/v1/me", u.token, json_pack("{s:s}", "audience", "martian"));
    expect_error(r, 422, "validation_failed", "audience", "patch bad audience");
    dc_resp_free(r);
    r = get_me(u.token);
    ck_assert_str_eq(dc_str(r->json, "region_code"), "350200");
    ck_assert_str_eq(dc_str(r->json, "audience"), "student");
    dc_resp_free(r);

    r = dc_send_json("PATCH", "/v1/me", NULL, json_pack("{s:s}", "audience", "public"));
    expect_unauthorized(r, "patch without token");
    dc_resp_free(r);
}
END_TEST

/* role, phone and kind in a PATCH are ignored like unknown fields */
START_TEST(patch_me_ignores_role_phone_kind)
{
    char other[12];
    struct dc_user u = dc_new_user(NULL);
    dc_unique_phone(other);
    struct dc_resp *r = dc_send_json("PATCH", "/v1/me", u.token,
                                     json_pack("{s:s, s:s, s:s, s:s}", "role", "admin", "phone",
                                               other, "kind", "official", "audience", "resident"));
    ck_assert_msg(r->status == 200, "patch: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    ck_assert_str_eq(dc_str(r->json, "phone"), u.phone);
    ck_assert_str_eq(dc_str(r->json, "kind"), "individual");
    ck_assert_str_eq(dc_str(r->json, "audience"), "resident");
    dc_resp_free(r);

    r = get_me(u.token);
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    ck_assert_str_eq(dc_str(r->json, "phone"), u.phone);
    ck_assert_str_eq(dc_str(r->json, "kind"), "individual");
    dc_resp_free(r);

    /* still no admin rights */
    char path[96];
    snprintf(path, sizeof path, "/v1/admin/accounts/%s/role", u.id);
    r = dc_send_json("PUT", path, u.token, json_pack("{s:s}", "role", "admin"));
    expect_error(r, 403, "forbidden", NULL, "role change by a plain user");
    dc_resp_free(r);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT role || ' ' || phone FROM accounts WHERE id = %s", u.id);
    char *v = dc_sql_value(sql), want[40];
    snprintf(want, sizeof want, "user %s", u.phone);
    ck_assert_str_eq(v, want);
    free(v);
    /* and the other phone did not become a login */
    ck_assert_int_eq(login_status(other, DC_PASSWORD), 401);
}
END_TEST

/* an official account must keep its organization (openapi decision) */
START_TEST(patch_me_official_keeps_organization)
{
    char *admin = dc_new_admin_token();
    ck_assert_ptr_nonnull(admin);
    char *org = new_org(admin, "平潭综合实验区消防救援支队", "government", "350128");
    char *org2 = new_org(admin, "厦门大学", "university", "350200");
    char phone[12];
    json_t *b = register_body(dc_unique_phone(phone));
    json_object_set_new(b, "kind", json_string("official"));
    json_object_set_new(b, "organization_id", json_string(org));
    struct dc_resp *r = dc_send_json("POST", "/v1/accounts", NULL, b);
    ck_assert_int_eq(r->status, 201);
    dc_resp_free(r);
    char *tok = dc_login(phone, DC_PASSWORD);
    ck_assert_ptr_nonnull(tok);

    r = dc_send_json("PATCH", "/v1/me", tok, json_pack("{s:n}", "organization_id"));
    expect_error(r, 422, "validation_failed", "organization_id", "official clears organization");
    dc_resp_free(r);
    r = get_me(tok);
    ck_assert_str_eq(dc_str(r->json, "organization_id"), org);
    dc_resp_free(r);

    /* moving to another real organization is fine */
    r = dc_send_json("PATCH", "/v1/me", tok, json_pack("{s:s}", "organization_id", org2));
    ck_assert_msg(r->status == 200, "patch org: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "organization_id"), org2);
    dc_resp_free(r);
    free(tok);

    /* an individual may join and leave an organization */
    struct dc_user ind = dc_new_user(NULL);
    r = dc_send_json("PATCH", "/v1/me", ind.token, json_pack("{s:s}", "organization_id", org));
    ck_assert_msg(r->status == 200, "individual joins: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "organization_id"), org);
    dc_resp_free(r);
    r = dc_send_json("PATCH", "/v1/me", ind.token, json_pack("{s:n}", "organization_id"));
    ck_assert_msg(r->status == 200, "individual leaves: %ld %s", r->status, r->body);
    ck_assert(json_is_null(json_object_get(r->json, "organization_id")));
    dc_resp_free(r);
    r = get_me(ind.token);
    ck_assert(json_is_null(json_object_get(r->json, "organization_id")));
    dc_resp_free(r);
    free(org);
    free(org2);
    free(admin);
}
END_TEST

START_TEST(patch_me_password_needs_current)
{
    struct dc_user u = dc_new_user(NULL);
    struct dc_resp *r = dc_send_json("PATCH", "/v1/me", u.token,
                                     json_pack("{s:s}", "password", "brand new pass 2"));
    expect_error(r, 422, "validation_failed", "current_password", "no current_password");
    dc_resp_free(r);
    ck_assert_int_eq(login_status(u.phone, DC_PASSWORD), 201);
    ck_assert_int_eq(login_status(u.phone, "brand new pass 2"), 401);
    ck_assert_int_eq(status_of_me(u.token), 200);
}
END_TEST

/* a wrong current_password is 403 and the whole request changes nothing */
START_TEST(patch_me_password_wrong_current)
{
    struct dc_user u = dc_new_user(NULL);
    char *other = dc_login(u.phone, DC_PASSWORD);
    ck_assert_ptr_nonnull(other);
    struct dc_resp *r =
        dc_send_json("PATCH", "/v1/me", u.token,
                     json_pack("{s:s, s:s, s:s}", "password", "brand new pass 2",
                               "current_password", "not my password", "display_name", "不该改名"));
    expect_error(r, 403, "forbidden", "current_password", "wrong current_password");
    dc_resp_free(r);
    ck_assert_int_eq(login_status(u.phone, DC_PASSWORD), 201);
    ck_assert_int_eq(login_status(u.phone, "brand new pass 2"), 401);
    ck_assert_int_eq(status_of_me(other), 200);
    r = get_me(u.token);
    ck_assert_str_eq(dc_str(r->json, "display_name"), "测试用户");
    dc_resp_free(r);
    free(other);
}
END_TEST

/* the right current_password: new password works, old one and every other
 * session stop working, the token used for the change keeps working */
START_TEST(patch_me_password_change_revokes_other_sessions)
{
    struct dc_user u = dc_new_user(NULL);
    char *other = dc_login(u.phone, DC_PASSWORD);
    ck_assert_ptr_nonnull(other);
    struct dc_resp *r = dc_send_json(
        "PATCH", "/v1/me", u.token,
        json_pack("{s:s, s:s}", "password", "brand new pass 2", "current_password", DC_PASSWORD));
    ck_assert_msg(r->status == 200, "password change: %ld %s", r->status, r->body);
    ck_assert(json_object_get(r->json, "password") == NULL);
    ck_assert_str_eq(dc_str(r->json, "phone"), u.phone);
    dc_resp_free(r);

    ck_assert_int_eq(login_status(u.phone, "brand new pass 2"), 201);
    ck_assert_int_eq(login_status(u.phone, DC_PASSWORD), 401);
    r = dc_req("GET", "/v1/me", other, NULL);
    expect_unauthorized(r, "other session after password change");
    dc_resp_free(r);
    ck_assert_int_eq(status_of_me(u.token), 200);

    /* a too-short new password is refused before anything else */
    r = dc_send_json(
        "PATCH", "/v1/me", u.token,
        json_pack("{s:s, s:s}", "password", "short", "current_password", "brand new pass 2"));
    expect_error(r, 422, "validation_failed", "password", "short new password");
    dc_resp_free(r);
    free(other);
}
END_TEST

/* ---- roles ------------------------------------------------------------ */

/* admin promotes a user; the user's existing token carries the new role */
START_TEST(admin_sets_role)
{
    char *admin = dc_new_admin_token();
    ck_assert_ptr_nonnull(admin);
    struct dc_user u = dc_new_user(NULL);
    char path[96];
    snprintf(path, sizeof path, "/v1/admin/accounts/%s/role", u.id);
    struct dc_resp *r = dc_send_json("PUT", path, admin, json_pack("{s:s}", "role", "moderator"));
    ck_assert_msg(r->status == 200, "set role: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(r->json, "id"), u.id);
    ck_assert_str_eq(dc_str(r->json, "role"), "moderator");
    ck_assert_str_eq(dc_str(r->json, "phone"), u.phone);
    dc_resp_free(r);

    r = get_me(u.token);
    ck_assert_str_eq(dc_str(r->json, "role"), "moderator");
    dc_resp_free(r);
    /* a moderator is still not an admin */
    r = dc_send_json("PUT", path, u.token, json_pack("{s:s}", "role", "admin"));
    expect_error(r, 403, "forbidden", NULL, "moderator sets role");
    dc_resp_free(r);

    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action='account.role' AND target='account:%s'",
             u.id);
    char *n = dc_sql_value(sql);
    ck_assert_msg(n && strcmp(n, "1") == 0, "audit rows: %s", n ? n : "(none)");
    free(n);

    /* and back to user */
    r = dc_send_json("PUT", path, admin, json_pack("{s:s}", "role", "user"));
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    dc_resp_free(r);
    r = get_me(u.token);
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    dc_resp_free(r);
    free(admin);
}
END_TEST

START_TEST(set_role_errors)
{
    char *admin = dc_new_admin_token();
    ck_assert_ptr_nonnull(admin);
    struct dc_user user = dc_new_user(NULL);
    char path[96];
    snprintf(path, sizeof path, "/v1/admin/accounts/%s/role", user.id);

    struct dc_resp *r =
        dc_send_json("PUT", path, user.token, json_pack("{s:s}", "role", "moderator"));
    expect_error(r, 403, "forbidden", NULL, "plain user");
    dc_resp_free(r);

    r = dc_send_json("PUT", path, NULL, json_pack("{s:s}", "role", "moderator"));
    expect_unauthorized(r, "no token");
    dc_resp_free(r);

    r = dc_send_json("PUT", "/v1/admin/accounts/999999999999/role", admin,
                     json_pack("{s:s}", "role", "moderator"));
    expect_error(r, 404, "not_found", NULL, "unknown id");
    dc_resp_free(r);

    static const char *const bad_ids[] = {"abc", "12x", "0", "-5", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        char p[128];
        snprintf(p, sizeof p, "/v1/admin/accounts/%s/role", bad_ids[i]);
        r = dc_send_json("PUT", p, admin, json_pack("{s:s}", "role", "moderator"));
        expect_error(r, 404, "not_found", NULL, bad_ids[i]);
        dc_resp_free(r);
    }

    r = dc_send_json("PUT", path, admin, json_pack("{s:s}", "role", "superuser"));
    expect_error(r, 422, "validation_failed", "role", "bad role");
    dc_resp_free(r);
    r = dc_send_json("PUT", path, admin, json_object());
    expect_error(r, 422, "validation_failed", "role", "missing role");
    dc_resp_free(r);
    r = dc_send_json("PUT", path, admin, json_pack("{s:i}", "role", 1));
    expect_error(r, 422, "validation_failed", "role", "numeric role");
    dc_resp_free(r);

    /* nothing changed, nothing audited */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT role FROM accounts WHERE id = %s", user.id);
    char *v = dc_sql_value(sql);
    ck_assert_str_eq(v, "user");
    free(v);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action='account.role' AND target='account:%s'",
             user.id);
    v = dc_sql_value(sql);
    ck_assert_str_eq(v, "0");
    free(v);
    free(admin);
}
END_TEST

/* ---- create-admin ----------------------------------------------------- */

START_TEST(cli_create_admin)
{
    char phone[12];
    dc_unique_phone(phone);
    const char *args[] = {"create-admin", "--phone", phone, NULL};
    char *out = NULL;
    int rc = dc_run_cli(args, NULL, "pw from stdin 1\n", &out);
    ck_assert_msg(rc == 0, "create-admin exited %d: %s", rc, out ? out : "");
    ck_assert_msg(strstr(out, "pw from stdin") == NULL, "password echoed: %s", out);
    free(out);
    struct dc_resp *r =
        dc_send_json("POST", "/v1/sessions", NULL,
                     json_pack("{s:s, s:s}", "phone", phone, "password", "pw from stdin 1"));
    ck_assert_msg(r->status == 201, "admin login: %ld %s", r->status, r->body);
    ck_assert_str_eq(dc_str(json_object_get(r->json, "account"), "role"), "admin");
    char *tok = strdup(dc_str(r->json, "token"));
    dc_resp_free(r);
    r = get_me(tok);
    ck_assert_str_eq(dc_str(r->json, "role"), "admin");
    dc_resp_free(r);
    /* and the admin endpoints answer */
    r = dc_send_json("POST", "/v1/admin/organizations", tok,
                     json_pack("{s:s, s:s, s:s}", "name", "命令行测试单位", "type", "other",
                               "region_code", "350100"));
    ck_assert_int_eq(r->status, 201);
    dc_resp_free(r);
    free(tok);

    const char *bad[] = {"create-admin", "--phone", "12345", NULL};
    ck_assert_int_ne(dc_run_cli(bad, NULL, "pw from stdin 1\n", NULL), 0);
    const char *bad2[] = {"create-admin", "--phone", "23800138000", NULL};
    ck_assert_int_ne(dc_run_cli(bad2, NULL, "pw from stdin 1\n", NULL), 0);
}
END_TEST

/* create-admin on a registered phone promotes that account */
START_TEST(cli_create_admin_promotes)
{
    struct dc_user u = dc_new_user(NULL);
    const char *args[] = {"create-admin", "--phone", u.phone, NULL};
    ck_assert_int_eq(dc_run_cli(args, NULL, "promoted pass 1\n", NULL), 0);
    struct dc_resp *r = get_me(u.token);
    ck_assert_str_eq(dc_str(r->json, "role"), "admin");
    ck_assert_str_eq(dc_str(r->json, "id"), u.id);
    dc_resp_free(r);
    ck_assert_int_eq(login_status(u.phone, "promoted pass 1"), 201);
}
END_TEST

/* ---- regions ---------------------------------------------------------- */

START_TEST(regions_lists_provinces)
{
    struct dc_resp *r = dc_req("GET", "/v1/regions", NULL, NULL);
    ck_assert_msg(r->status == 200, "regions: %ld %s", r->status, r->body);
    json_t *items = json_object_get(r->json, "items");
    ck_assert(json_is_array(items));
    ck_assert_int_eq(json_array_size(items), 34);
    ck_assert(json_object_get(r->json, "next_cursor") == NULL ||
              json_is_null(json_object_get(r->json, "next_cursor")));
    bool fujian = false;
    const char *prev = "";
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *code = dc_str(it, "code");
        ck_assert_msg(code && strlen(code) == 6, "code in %s", r->body);
        ck_assert_msg(strcmp(prev, code) < 0, "not ordered by code at %s", code);
        prev = code;
        ck_assert_str_eq(dc_str(it, "level"), "province");
        ck_assert_msg(json_is_null(json_object_get(it, "parent")), "parent of %s", code);
        ck_assert_msg(dc_str(it, "name") && *dc_str(it, "name"), "name of %s", code);
        if (strcmp(code, "350000") == 0) {
            ck_assert_str_eq(dc_str(it, "name"), "福建省");
            fujian = true;
        }
    }
    ck_assert(fujian);
    ck_assert_msg(strstr(r->body, "福建省") != NULL, "names not raw UTF-8");
    dc_resp_free(r);
}
END_TEST

/* Fujian: nine prefecture-level cities plus Pingtan */
START_TEST(regions_lists_fujian_cities)
{
    static const char *const codes[] = {"350100", "350128", "350200", "350300", "350400",
                                        "350500", "350600", "350700", "350800", "350900"};
    struct dc_resp *r = dc_req("GET", "/v1/regions?parent=350000", NULL, NULL);
    ck_assert_msg(r->status == 200, "regions: %ld %s", r->status, r->body);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 10);
    for (size_t k = 0; k < 10; k++) {
        json_t *it = json_array_get(items, k);
        /* ordered by code, so the list matches codes[] one for one */
        ck_assert_str_eq(dc_str(it, "code"), codes[k]);
        ck_assert_str_eq(dc_str(it, "level"), "city");
        ck_assert_str_eq(dc_str(it, "parent"), "350000");
        if (strcmp(codes[k], "350128") == 0)
            ck_assert_str_eq(dc_str(it, "name"), "平潭综合实验区");
        if (strcmp(codes[k], "350100") == 0)
            ck_assert_str_eq(dc_str(it, "name"), "福州市");
        if (strcmp(codes[k], "350200") == 0)
            ck_assert_str_eq(dc_str(it, "name"), "厦门市");
    }
    dc_resp_free(r);
}
END_TEST

START_TEST(regions_bad_parent)
{
    struct dc_resp *r = dc_req("GET", "/v1/regions?parent=999999", NULL, NULL);
    expect_error(r, 404, "not_found", NULL, "parent 999999");
    dc_resp_free(r);
    r = dc_req("GET", "/v1/regions?parent=abc", NULL, NULL);
    expect_error(r, 422, "validation_failed", "parent", "parent abc");
    dc_resp_free(r);
    r = dc_req("GET", "/v1/regions?parent=35000", NULL, NULL);
    expect_error(r, 422, "validation_failed", "parent", "parent 35000");
    dc_resp_free(r);
    /* a known division without children: an empty list */
    r = dc_req("GET", "/v1/regions?parent=350128", NULL, NULL);
    ck_assert_msg(r->status == 200, "Pingtan children: %ld %s", r->status, r->body);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    dc_resp_free(r);
}
END_TEST

/* ---- organizations ---------------------------------------------------- */

START_TEST(organizations_create)
{
    static const char name[] = "厦门市消防救援支队";
    char *admin = dc_new_admin_token();
    ck_assert_ptr_nonnull(admin);
    struct dc_resp *r = dc_send_json(
        "POST", "/v1/admin/organizations", admin,
        json_pack("{s:s, s:s, s:s}", "name", name, "type", "government", "region_code", "350200"));
    ck_assert_msg(r->status == 201, "create: %ld %s", r->status, r->body);
    ck_assert_msg(is_decimal_id(dc_str(r->json, "id")), "id: %s", r->body);
    ck_assert_str_eq(dc_str(r->json, "name"), name);
    ck_assert(strstr(r->body, name) != NULL);
    ck_assert_str_eq(dc_str(r->json, "type"), "government");
    ck_assert_str_eq(dc_str(r->json, "region_code"), "350200");
    ck_assert_msg(parse_rfc3339_utc(dc_str(r->json, "created_at")) > 0, "created_at: %s", r->body);
    char *id = strdup(dc_str(r->json, "id"));
    dc_resp_free(r);

    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action='organization.create'"
             " AND target='organization:%s'",
             id);
    char *n = dc_sql_value(sql);
    ck_assert_str_eq(n, "1");
    free(n);

    struct dc_user user = dc_new_user(NULL);
    r = dc_send_json(
        "POST", "/v1/admin/organizations", user.token,
        json_pack("{s:s, s:s, s:s}", "name", name, "type", "government", "region_code", "350200"));
    expect_error(r, 403, "forbidden", NULL, "user creates organization");
    dc_resp_free(r);
    r = dc_send_json(
        "POST", "/v1/admin/organizations", NULL,
        json_pack("{s:s, s:s, s:s}", "name", name, "type", "government", "region_code", "350200"));
    expect_unauthorized(r, "anonymous creates organization");
    dc_resp_free(r);

    r = dc_send_json(
        "POST", "/v1/admin/organizations", admin,
        json_pack("{s:s, s:s, s:s}", "name", name, "type", "ngo", "region_code", "350200"));
    expect_error(r, 422, "validation_failed", "type", "bad type");
    dc_resp_free(r);
    r = dc_send_json(
        "POST", "/v1/admin/organizations", admin,
        json_pack("{s:s, s:s, s:s}", "name", name, "type", "government", "region_code", "999999"));
    expect_error(r, 422, "validation_failed", "region_code", "unknown region");
    dc_resp_free(r);
    r = dc_send_json(
        "POST", "/v1/admin/organizations", admin,
        json_pack("{s:s, s:s, s:s}", "name", "", "type", "government", "region_code", "350200"));
    expect_error(r, 422, "validation_failed", "name", "empty name");
    dc_resp_free(r);
    r = dc_send_json("POST", "/v1/admin/organizations", admin,
                     json_pack("{s:s, s:s}", "name", name, "type", "government"));
    expect_error(r, 422, "validation_failed", "region_code", "missing region");
    dc_resp_free(r);

    /* anyone can read it back */
    r = dc_req("GET", "/v1/organizations?region_code=350200&type=government&limit=100", NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    bool found = false;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        if (strcmp(dc_str(it, "id"), id) == 0) {
            found = true;
            ck_assert_str_eq(dc_str(it, "name"), name);
        }
    }
    /* more than 100 such organizations would need paging: not in this run */
    ck_assert_msg(found || (json_array_size(json_object_get(r->json, "items")) == 100 &&
                            json_is_string(json_object_get(r->json, "next_cursor"))),
                  "organization %s not listed: %.500s", id, r->body);
    dc_resp_free(r);
    free(id);
    free(admin);
}
END_TEST

/* Pages through ?query with limit=2; returns the ids in order (caller
 * decrefs) and asserts the shape of every page. */
static json_t *collect_pages(const char *query, const char *want_region, const char *want_type)
{
    json_t *ids = json_array();
    char *cursor = NULL;
    for (int page = 0; page < 10000; page++) {
        char path[512];
        if (cursor)
            snprintf(path, sizeof path, "/v1/organizations?%s&limit=2&cursor=%s", query, cursor);
        else
            snprintf(path, sizeof path, "/v1/organizations?%s&limit=2", query);
        free(cursor);
        cursor = NULL;
        struct dc_resp *r = dc_req("GET", path, NULL, NULL);
        ck_assert_msg(r->status == 200, "%s: %ld %s", path, r->status, r->body);
        json_t *items = json_object_get(r->json, "items");
        ck_assert(json_is_array(items));
        ck_assert_int_le(json_array_size(items), 2);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            if (want_region)
                ck_assert_str_eq(dc_str(it, "region_code"), want_region);
            if (want_type)
                ck_assert_str_eq(dc_str(it, "type"), want_type);
            json_array_append_new(ids, json_string(dc_str(it, "id")));
        }
        json_t *next = json_object_get(r->json, "next_cursor");
        ck_assert_msg(next && (json_is_null(next) || json_is_string(next)), "next_cursor in %s",
                      r->body);
        if (json_is_string(next)) {
            ck_assert_int_eq(json_array_size(items), 2);
            cursor = strdup(json_string_value(next));
        }
        dc_resp_free(r);
        if (!cursor)
            return ids;
    }
    ck_abort_msg("paging never ended");
    return ids;
}

/* keyset paging: every organization once, in id order, then null */
START_TEST(organizations_paging)
{
    char *admin = dc_new_admin_token();
    ck_assert_ptr_nonnull(admin);
    char tag[12], name[96];
    dc_unique_phone(tag);
    char *mine[3];
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "分页测试%s-%d", tag, k);
        mine[k] = new_org(admin, name, k == 1 ? "community" : "village", "350128");
    }

    static const struct {
        const char *query, *type;
    } runs[] = {{"region_code=350128", NULL}, {"region_code=350128&type=village", "village"}};
    for (size_t run = 0; run < 2; run++) {
        json_t *ids = collect_pages(runs[run].query, "350128", runs[run].type);
        /* ids strictly ascending: no duplicates */
        long long prev = 0;
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            long long cur = strtoll(json_string_value(v), NULL, 10);
            ck_assert_msg(cur > prev, "%s: id %lld after %lld", runs[run].query, cur, prev);
            prev = cur;
        }
        /* no gaps: exactly what the database holds */
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM organizations WHERE region_code = '350128'%s%s%s",
                 runs[run].type ? " AND type = '" : "", runs[run].type ? runs[run].type : "",
                 runs[run].type ? "'" : "");
        char *n = dc_sql_value(sql);
        ck_assert_ptr_nonnull(n);
        ck_assert_int_eq((long long)json_array_size(ids), strtoll(n, NULL, 10));
        free(n);
        for (int k = 0; k < 3; k++) {
            bool want = runs[run].type == NULL || k != 1;
            bool seen = false;
            json_array_foreach(ids, i, v)
            {
                if (strcmp(json_string_value(v), mine[k]) == 0)
                    seen = true;
            }
            ck_assert_msg(seen == want, "%s: organization %s seen=%d", runs[run].query, mine[k],
                          seen);
        }
        json_decref(ids);
    }

    /* a well-formed code that matches nothing: empty list */
    struct dc_resp *r =
        dc_req("GET", "/v1/organizations?region_code=350900&type=kindergarten", NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_array(json_object_get(r->json, "items")));
    dc_resp_free(r);
    for (int k = 0; k < 3; k++)
        free(mine[k]);
    free(admin);
}
END_TEST

START_TEST(organizations_bad_paging)
{
    static const struct {
        const char *query, *field;
    } bad[] = {
        {"limit=0", "limit"},           {"limit=101", "limit"},
        {"limit=-1", "limit"},          {"limit=abc", "limit"},
        {"cursor=garbage!!", "cursor"}, {"cursor=AAAA", "cursor"},
        {"type=ngo", "type"},           {"region_code=abc", "region_code"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/organizations?%s", bad[i].query);
        struct dc_resp *r = dc_req("GET", path, NULL, NULL);
        expect_error(r, 422, "validation_failed", bad[i].field, bad[i].query);
        dc_resp_free(r);
    }
    /* the bounds themselves are fine */
    struct dc_resp *r = dc_req("GET", "/v1/organizations?limit=1", NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_le(json_array_size(json_object_get(r->json, "items")), 1);
    dc_resp_free(r);
    r = dc_req("GET", "/v1/organizations?limit=100", NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    dc_resp_free(r);
}
END_TEST

int main(void)
{
    dc_server_start(NULL);
    Suite *s = suite_create("accounts");

    dc_add_tcase(s, "register", 60, register_returns_account, register_chinese_name_roundtrip,
                 register_rejects_bad_phone, register_password_length, register_display_name_rules,
                 register_kind_region_audience_rules, register_missing_fields,
                 register_duplicate_phone, register_race_same_phone,
                 register_official_with_organization, NULL);

    dc_add_tcase(s, "sessions", 60, login_returns_token, login_bad_credentials,
                 me_requires_valid_bearer, logout_ends_only_that_session, expired_token_is_rejected,
                 account_endpoints_conventions, NULL);

    dc_add_tcase(s, "patch_me", 60, patch_me_changes_profile, patch_me_ignores_role_phone_kind,
                 patch_me_official_keeps_organization, patch_me_password_needs_current,
                 patch_me_password_wrong_current, patch_me_password_change_revokes_other_sessions,
                 NULL);

    dc_add_tcase(s, "roles", 60, admin_sets_role, set_role_errors, cli_create_admin,
                 cli_create_admin_promotes, NULL);

    dc_add_tcase(s, "regions_organizations", 60, regions_lists_provinces,
                 regions_lists_fujian_cities, regions_bad_parent, organizations_create,
                 organizations_paging, organizations_bad_paging, NULL);

    return dc_finish("test_accounts", dc_run_suite(s));
}
