/*
 * test_security.c - issue 6 items 3, 5 (the bad input sweep), 6 and 7
 * against the real server and PostgreSQL:
 *
 *  - rate limits: each test starts a server of its own with a low limit
 *    (dc_server_start extra_env) and stops it again: logins per phone and
 *    per IP (X-Forwarded-For does not reset it), registrations per IP,
 *    likes and progress per account, partner requests per key (bad
 *    signatures spend nothing; another key is unaffected), and an honest
 *    Retry-After. Over the limit: 429 rate_limited + Retry-After, nothing
 *    done.
 *  - the bad input sweep: every endpoint taking JSON gets truncated JSON,
 *    10,000-level nesting, huge numbers, negative and fractional numbers
 *    where integers are expected, nulls, 1 MB strings, invalid UTF-8, wrong
 *    types, SQL injection and XSS strings. Every answer is a 4xx with the
 *    error envelope (never a 5xx); a rejected request stores nothing (a
 *    fingerprint of the database before and after); accepted strings come
 *    back byte-identical.
 *  - property-level authorization: fields a caller may not set (role,
 *    like_count, id, phone, status, source, author, ...) stay as they were;
 *    no response anywhere holds password hashes, token hashes or sealed
 *    secrets (every response body of this program is checked).
 *  - privacy: author objects and the leaderboard never carry a phone; the
 *    account itself sees its full phone; private answers are no-store; and
 *    finally the server logs of the whole run are searched for every
 *    password, bearer token, partner secret and full phone number used.
 *
 * There is one campaign (id 1): tests that need a phase set it first. Each
 * test makes its own users, partners and content. The log check runs after
 * the main suite, once the main server has stopped.
 */
#include <ctype.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define DAY    (24 * 3600)
#define SQLI   "'; DROP TABLE accounts; --"
#define XSS    "<script>alert(1)</script>"
#define MIB    (1024u * 1024u)
#define REPORT 32768

/* ---- process-wide bookkeeping ------------------------------------------ */

static char *admin;            /* made in main() before the tests fork */
static int run_id;             /* main()'s pid */
static char secrets_path[700]; /* what the log must never hold, and which logs */

/* Records a value the server log must never hold (kind P password, T
 * token, K partner secret, N phone) or a log file to search (L). */
static void note(char kind, const char *value)
{
    if (!value || !*value)
        return;
    int fd = open(secrets_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0)
        return;
    char *line = dc_fmt("%c %s\n", kind, value);
    ssize_t w = write(fd, line, strlen(line));
    (void)w;
    free(line);
    close(fd);
}

static void log_dir(char *out, size_t cap)
{
    const char *d = getenv("DC_TEST_LOG_DIR");
    snprintf(out, cap, "%s", d ? d : ".");
}

/* Passwords never come back in any answer. */
static char *passwords[256];
static int npasswords;

static void note_password(const char *pw)
{
    note('P', pw);
    if (npasswords < 256)
        passwords[npasswords++] = dc_strdup(pw);
}

static const char *const NEVER_IN_RESPONSES[] = {"password_hash", "token_hash", "secret_enc",
                                                 "scrypt$"};

/* Stored secrets of this process's accounts and partners (password
 * hashes, token hashes, sealed partner secrets), read from the database:
 * no answer may hold any of them. */
static char *stored_secrets[512];
static int nstored;

static void forbid_stored(const char *query)
{
    PGconn *c = PQconnectdb(getenv("DATABASE_URL"));
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *res = PQexec(c, query);
        for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
            if (nstored < 512 && !PQgetisnull(res, i, 0) && strlen(PQgetvalue(res, i, 0)) >= 16)
                stored_secrets[nstored++] = dc_strdup(PQgetvalue(res, i, 0));
        PQclear(res);
    }
    PQfinish(c);
}

static void forbid_account(const char *id)
{
    char *q = dc_fmt("SELECT password_hash FROM accounts WHERE id = %s UNION ALL"
                     " SELECT token_hash FROM sessions WHERE account_id = %s",
                     id, id);
    forbid_stored(q);
    free(q);
}

/* Values worth remembering for the log check, wherever they show up. */
static void note_from(const json_t *j)
{
    if (!json_is_object(j))
        return;
    const char *v;
    if ((v = json_string_value(json_object_get(j, "token"))))
        note('T', v);
    if ((v = json_string_value(json_object_get(j, "secret"))))
        note('K', v);
    if ((v = json_string_value(json_object_get(j, "phone"))))
        note('N', v);
    note_from(json_object_get(j, "account"));
}

/* Every response this program gets passes through here: its own requests
 * through seen(), the harness's asserting helpers' (dc_make_lesson,
 * dc_campaign_live, dc_submit, ...) as its answer check. */
static void check_answer(const struct dc_resp *r, const char *what)
{
    note_from(r->json);
    for (int i = 0; r->body && i < nstored; i++)
        ck_assert_msg(strstr(r->body, stored_secrets[i]) == NULL,
                      "%s: the answer holds a stored hash or sealed secret: %.500s", what, r->body);
    for (size_t i = 0; r->body && i < sizeof NEVER_IN_RESPONSES / sizeof(char *); i++)
        ck_assert_msg(strstr(r->body, NEVER_IN_RESPONSES[i]) == NULL,
                      "%s: the answer holds %s: %.500s", what, NEVER_IN_RESPONSES[i], r->body);
    for (int i = 0; r->body && i < npasswords; i++)
        ck_assert_msg(strstr(r->body, passwords[i]) == NULL, "%s: the answer holds a password",
                      what);
}

static struct dc_resp *seen(struct dc_resp *r, const char *what)
{
    check_answer(r, what);
    return r;
}

static struct dc_resp *req(const char *method, const char *path, const char *token,
                           const char *body)
{
    return seen(dc_req(method, path, token, body), path);
}

static struct dc_resp *req_json(const char *method, const char *path, const char *token, json_t *b)
{
    char *text = dc_dumps(b);
    struct dc_resp *r = req(method, path, token, text);
    free(text);
    return r;
}

static struct dc_resp *req_lines(const char *method, const char *path, const char *const *lines,
                                 const char *body, size_t len)
{
    return seen(dc_http_lines(method, path, lines, body, len), path);
}

static void expect_no_store(const struct dc_resp *r, const char *what)
{
    char *cc = dc_resp_header(r, "Cache-Control");
    ck_assert_msg(cc && strstr(cc, "no-store"), "%s: Cache-Control %s, want no-store", what,
                  cc ? cc : "(none)");
    free(cc);
}

/* ---- accounts ------------------------------------------------------------ */

struct user {
    char phone[12];
    char password[48];
    char *id;
    char *token;
};

static unsigned counter(void)
{
    static unsigned n;
    return ++n;
}

static void fresh_phone(char out[12])
{
    dc_unique_phone(out);
    note('N', out);
}

/* Registers (and with login, logs in) a user of its own password. */
static void user_make(struct user *u, const char *name, bool login)
{
    memset(u, 0, sizeof *u);
    fresh_phone(u->phone);
    snprintf(u->password, sizeof u->password, "sec pw %d-%d-%u", run_id, (int)getpid(), counter());
    note_password(u->password);
    struct dc_resp *r =
        req_json("POST", "/v1/accounts", NULL,
                 json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", u->phone, "password", u->password,
                           "display_name", name, "kind", "individual", "region_code", "350100"));
    dc_expect_status(r, 201, "register");
    u->id = dc_strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    if (login) {
        r = req_json("POST", "/v1/sessions", NULL,
                     json_pack("{s:s, s:s}", "phone", u->phone, "password", u->password));
        dc_expect_status(r, 201, "login");
        u->token = dc_strdup(dc_str(r->json, "token"));
        dc_resp_free(r);
    }
    forbid_account(u->id);
}

static struct dc_resp *login(const char *phone, const char *password)
{
    return req_json("POST", "/v1/sessions", NULL,
                    json_pack("{s:s, s:s}", "phone", phone, "password", password));
}

static void user_free(struct user *u)
{
    free(u->id);
    free(u->token);
}

/*
 * Accounts cost two scrypt hashes each (register, log in), so the users
 * the tests need are made once in main() before the tests fork, by worker
 * threads; every test takes slots of its own, never another test's.
 */
enum slot {
    S_LOGIN_A,
    S_LOGIN_B,
    S_IP_A,
    S_LIKE_AUTHOR,
    S_LIKE_X,
    S_LIKE_Y,
    S_PROG_X,
    S_PROG_Y,
    S_RETRY,
    S_ODD,
    S_PROP_ME,
    S_PROP_SUB,
    S_PROP_OTHER,
    S_PRIV_AUTHOR,
    S_PRIV_VIEWER,
    S_PRIV_MOD,
    S_PRIV_OWN,
    S_SWEEP0 /* + the endpoint's index in ENDPOINTS */
};

#define POOL_MAX (S_SWEEP0 + 32)

static struct user pool[POOL_MAX];
static bool pool_wanted[POOL_MAX];

/* A copy of a slot's user (its own id and token strings). */
static void user_take(struct user *u, int slot)
{
    ck_assert_int_lt(slot, POOL_MAX);
    ck_assert_msg(pool[slot].token != NULL, "no pool user in slot %d", slot);
    *u = pool[slot];
    u->id = dc_strdup(pool[slot].id);
    u->token = dc_strdup(pool[slot].token);
}

/* Registers and logs in without Check (runs in main()'s threads). */
static bool pool_make_one(struct user *u, int slot)
{
    dc_unique_phone(u->phone);
    snprintf(u->password, sizeof u->password, "sec pool pw %d-%d", run_id, slot);
    char name[32];
    snprintf(name, sizeof name, "安全测试%02d", slot);
    char *body =
        dc_dumps(json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", u->phone, "password", u->password,
                           "display_name", name, "kind", "individual", "region_code", "350100"));
    struct dc_resp *r = dc_req("POST", "/v1/accounts", NULL, body);
    free(body);
    const char *id = r->status == 201 ? dc_str(r->json, "id") : NULL;
    u->id = id ? dc_strdup(id) : NULL;
    dc_resp_free(r);
    if (!u->id)
        return false;
    u->token = dc_login(u->phone, u->password);
    return u->token != NULL;
}

/* ---- partners (signing from API.md section 7) -------------------------- */

struct partner {
    char id[24];
    char key_id[64];
    char secret[128];
    char ext_user[64];
    char *account_id;
};

/* A signed request with the raw body bytes (len), content type ctype. */
static struct dc_resp *partner_raw(const struct partner *p, const char *secret, const char *method,
                                   const char *target, const char *ctype, const char *body,
                                   size_t len)
{
    char ts[32], sig[65], key_line[128], ts_line[64], sig_line[128], ct_line[128];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    dc_partner_sign(secret, method, target, ts, body, sig); /* body: len == strlen(body) */
    snprintf(key_line, sizeof key_line, "X-Partner-Key: %s", p->key_id);
    snprintf(ts_line, sizeof ts_line, "X-Timestamp: %s", ts);
    snprintf(sig_line, sizeof sig_line, "X-Signature: %s", sig);
    snprintf(ct_line, sizeof ct_line, "Content-Type: %s", ctype ? ctype : "application/json");
    const char *lines[] = {key_line, ts_line, sig_line, body ? ct_line : NULL, NULL};
    return req_lines(method, target, lines, body, len);
}

static struct dc_resp *partner_call(const struct partner *p, const char *method, const char *target,
                                    const char *body)
{
    return partner_raw(p, p->secret, method, target, NULL, body, body ? strlen(body) : 0);
}

static struct dc_resp *partner_call_json(const struct partner *p, const char *method,
                                         const char *target, json_t *body)
{
    char *text = dc_dumps(body);
    struct dc_resp *r = partner_call(p, method, target, text);
    free(text);
    return r;
}

/* A new partner with one linked user (ext_user); needs the admin token. */
static void partner_make(struct partner *p, const char *name)
{
    memset(p, 0, sizeof *p);
    struct dc_resp *r =
        req_json("POST", "/v1/admin/partners", admin, json_pack("{s:s}", "name", name));
    dc_expect_status(r, 201, "create partner");
    expect_no_store(r, "partner create");
    snprintf(p->id, sizeof p->id, "%s", dc_str(r->json, "id"));
    snprintf(p->key_id, sizeof p->key_id, "%s", dc_str(r->json, "key_id"));
    snprintf(p->secret, sizeof p->secret, "%s", dc_str(r->json, "secret"));
    note('K', p->secret);
    dc_resp_free(r);
    char *q = dc_fmt("SELECT secret_enc FROM partners WHERE id = %s", p->id);
    forbid_stored(q);
    free(q);
    snprintf(p->ext_user, sizeof p->ext_user, "sec-user-%d-%u", (int)getpid(), counter());
    char phone[12];
    fresh_phone(phone);
    char *target = dc_fmt("/v1/partner/users/%s", p->ext_user);
    r = partner_call_json(p, "PUT", target,
                          json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "平台作者",
                                    "region_code", "350100"));
    dc_expect_status(r, 201, "link partner user");
    p->account_id = dc_strdup(dc_str(json_object_get(r->json, "account"), "id"));
    dc_resp_free(r);
    free(target);
}

/* ---- campaign and content ------------------------------------------------- */

static char *take_id(struct dc_resp *r, long want, const char *what)
{
    dc_expect_status(r, want, what);
    char *id = dc_strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    return id;
}

static char *make_livestream(bool start)
{
    char when[32];
    dc_iso_time(time(NULL) + 3600, when);
    char *id = take_id(req_json("POST", "/v1/admin/livestreams", admin,
                                json_pack("{s:s, s:s, s:s}", "title", "安全直播", "expert", "专家",
                                          "scheduled_at", when)),
                       201, "livestream");
    if (start) {
        char *path = dc_fmt("/v1/admin/livestreams/%s/start", id);
        struct dc_resp *r = req("POST", path, admin, NULL);
        dc_expect_status(r, 200, "livestream start");
        dc_resp_free(r);
        free(path);
    }
    return id;
}

static char *make_submission(const char *token, bool approve)
{
    json_t *body = dc_video_json("安全作品");
    return approve ? dc_submit_approved(admin, token, body) : dc_submit(token, body);
}

/* ---- servers of a test's own -------------------------------------------- */

static int own_server; /* pid of the server this test process started */

static void stop_own_server(void)
{
    if (own_server && dc_server_pid() == own_server) {
        int st = dc_server_stop();
        own_server = 0;
        ck_assert_msg(st == 0, "the test's server stopped with %d", st);
    }
}

static void stop_own_server_at_exit(void)
{
    if (own_server && dc_server_pid() == own_server)
        dc_server_stop();
    own_server = 0;
}

/* Starts a server with these limits for this test only (its log noted). */
static void own_server_start(const char *const *env)
{
    static bool registered;
    if (!registered) {
        atexit(stop_own_server_at_exit);
        registered = true;
    }
    dc_server_start(env);
    own_server = dc_server_pid();
    char dir[512], path[700];
    log_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/server-%d.log", dir, (int)getpid());
    note('L', path);
}

/* Asserts a 429 rate_limited with an envelope and a sane Retry-After. */
static unsigned expect_limited(const struct dc_resp *r, const char *what)
{
    dc_expect_error(r, 429, "rate_limited", NULL, what);
    ck_assert_ptr_nonnull(dc_str(json_object_get(r->json, "error"), "message"));
    char *ra = dc_resp_header(r, "Retry-After");
    ck_assert_msg(ra != NULL, "%s: 429 without Retry-After", what);
    char *end;
    long v = strtol(ra, &end, 10);
    ck_assert_msg(end != ra && *end == '\0' && v >= 1 && v <= 60, "%s: Retry-After %s", what, ra);
    free(ra);
    return (unsigned)v;
}

/* ---- 1. rate limits -------------------------------------------------------- */

START_TEST(limit_login_per_phone)
{
    const char *env[] = {"DRILLCAMP_LIMIT_LOGIN_PHONE=3", NULL};
    own_server_start(env);
    struct user a, b;
    user_take(&a, S_LOGIN_A);
    user_take(&b, S_LOGIN_B);
    long long sessions = dc_sql_ll("SELECT count(*) FROM sessions WHERE account_id = %s", a.id);
    note_password("wrong password 1");
    struct dc_resp *r = login(a.phone, "wrong password 1");
    dc_expect_error(r, 401, "invalid_credentials", NULL, "wrong 1");
    dc_resp_free(r);
    r = login(a.phone, "wrong password 1");
    dc_expect_error(r, 401, "invalid_credentials", NULL, "wrong 2");
    dc_resp_free(r);
    r = login(a.phone, a.password);
    dc_expect_status(r, 201, "third attempt, right password");
    note('T', dc_str(r->json, "token"));
    dc_resp_free(r);
    /* the fourth attempt of that phone, right password or not */
    r = login(a.phone, a.password);
    expect_limited(r, "fourth login of one phone");
    dc_resp_free(r);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM sessions WHERE account_id = %s", a.id),
                     sessions + 1);
    /* another phone still logs in, and then the first is still limited */
    r = login(b.phone, b.password);
    dc_expect_status(r, 201, "another phone");
    note('T', dc_str(r->json, "token"));
    dc_resp_free(r);
    r = login(a.phone, "wrong password 1");
    expect_limited(r, "fifth login of one phone");
    dc_resp_free(r);
    user_free(&a);
    user_free(&b);
    stop_own_server();
}
END_TEST

START_TEST(limit_login_per_ip)
{
    const char *env[] = {"DRILLCAMP_LIMIT_LOGIN_IP=3", NULL};
    own_server_start(env);
    struct user a;
    user_take(&a, S_IP_A);
    char p1[12], p2[12];
    fresh_phone(p1);
    fresh_phone(p2);
    note_password("nobody's password");
    struct dc_resp *r = login(p1, "nobody's password");
    dc_expect_error(r, 401, "invalid_credentials", NULL, "unknown phone 1");
    dc_resp_free(r);
    r = login(p2, "nobody's password");
    dc_expect_error(r, 401, "invalid_credentials", NULL, "unknown phone 2");
    dc_resp_free(r);
    r = login(a.phone, a.password);
    dc_expect_status(r, 201, "third login from the address");
    note('T', dc_str(r->json, "token"));
    dc_resp_free(r);
    r = login(a.phone, a.password);
    expect_limited(r, "fourth login from one address");
    dc_resp_free(r);
    /* forwarding headers do not make another address */
    char *body = dc_dumps(json_pack("{s:s, s:s}", "phone", a.phone, "password", a.password));
    const char *spoof[] = {"Content-Type: application/json", "X-Forwarded-For: 203.0.113.77",
                           "X-Real-IP: 203.0.113.78", "Forwarded: for=203.0.113.79", NULL};
    r = req_lines("POST", "/v1/sessions", spoof, body, strlen(body));
    expect_limited(r, "login with X-Forwarded-For");
    dc_resp_free(r);
    free(body);
    /* other endpoints, registration included, are not limited by it */
    struct user b;
    user_make(&b, "限流丁", false);
    r = req("GET", "/v1/campaign", NULL, NULL);
    dc_expect_status(r, 200, "campaign while logins are limited");
    dc_resp_free(r);
    user_free(&a);
    user_free(&b);
    stop_own_server();
}
END_TEST

static struct dc_resp *register_raw(const char *phone, const char *const *extra)
{
    char *body = dc_dumps(json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", phone, "password",
                                    "limit register pw", "display_name", "注册限流", "kind",
                                    "individual", "region_code", "350100"));
    const char *lines[6] = {"Content-Type: application/json"};
    int n = 1;
    for (const char *const *e = extra; e && *e && n < 5; e++)
        lines[n++] = *e;
    struct dc_resp *r = req_lines("POST", "/v1/accounts", lines, body, strlen(body));
    free(body);
    return r;
}

START_TEST(limit_register_per_ip)
{
    const char *env[] = {"DRILLCAMP_LIMIT_REGISTER_IP=3", NULL};
    own_server_start(env);
    note_password("limit register pw");
    char phones[5][12];
    for (int i = 0; i < 3; i++) {
        fresh_phone(phones[i]);
        struct dc_resp *r = register_raw(phones[i], NULL);
        dc_expect_status(r, 201, "registration within the limit");
        expect_no_store(r, "registration");
        dc_resp_free(r);
    }
    fresh_phone(phones[3]);
    struct dc_resp *r = register_raw(phones[3], NULL);
    expect_limited(r, "fourth registration from one address");
    dc_resp_free(r);
    fresh_phone(phones[4]);
    const char *spoof[] = {"X-Forwarded-For: 198.51.100.7", NULL};
    r = register_raw(phones[4], spoof);
    expect_limited(r, "registration with X-Forwarded-For");
    dc_resp_free(r);
    for (int i = 3; i < 5; i++) {
        ck_assert_msg(dc_sql_ll("SELECT count(*) FROM accounts WHERE phone = '%s'", phones[i]) == 0,
                      "a limited registration stored an account");
    }
    /* logging in is another limit */
    r = login(phones[0], "limit register pw");
    dc_expect_status(r, 201, "login while registrations are limited");
    note('T', dc_str(r->json, "token"));
    dc_resp_free(r);
    stop_own_server();
}
END_TEST

static struct dc_resp *like(const char *token, const char *id, bool on)
{
    char *path = dc_fmt("/v1/submissions/%s/like", id);
    struct dc_resp *r = req(on ? "PUT" : "DELETE", path, token, NULL);
    free(path);
    return r;
}

START_TEST(limit_likes_per_account)
{
    const char *env[] = {"DRILLCAMP_LIMIT_LIKES_ACCOUNT=3", NULL};
    own_server_start(env);
    dc_campaign_live(admin, DC_RULES_FAST);
    struct user author, x, y;
    user_take(&author, S_LIKE_AUTHOR);
    user_take(&x, S_LIKE_X);
    user_take(&y, S_LIKE_Y);
    char *sub = make_submission(author.token, true);
    const bool plan[] = {true, false, true};
    for (int i = 0; i < 3; i++) {
        struct dc_resp *r = like(x.token, sub, plan[i]);
        dc_expect_status(r, 200, "like within the limit");
        dc_resp_free(r);
    }
    struct dc_resp *r = like(x.token, sub, false);
    expect_limited(r, "fourth like change of one account");
    dc_resp_free(r);
    /* the refused unlike did nothing */
    ck_assert_int_eq(
        dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s AND account_id = %s", sub,
                  x.id),
        1);
    r = like(y.token, sub, true);
    dc_expect_status(r, 200, "another account likes");
    ck_assert_int_eq(dc_int(r->json, "like_count"), 2);
    dc_resp_free(r);
    free(sub);
    user_free(&author);
    user_free(&x);
    user_free(&y);
    stop_own_server();
}
END_TEST

static struct dc_resp *progress(const char *token, const char *lesson, int from, int to)
{
    return req_json("POST", "/v1/progress", token,
                    json_pack("{s:[{s:s, s:s, s:i, s:i}]}", "items", "content_type", "lesson",
                              "content_id", lesson, "from_second", from, "to_second", to));
}

static json_int_t credited(const char *token)
{
    struct dc_resp *r = req("GET", "/v1/me/progress", token, NULL);
    dc_expect_status(r, 200, "my progress");
    json_int_t t = dc_int(r->json, "total_credited_seconds");
    dc_resp_free(r);
    return t;
}

START_TEST(limit_progress_per_account)
{
    const char *env[] = {"DRILLCAMP_LIMIT_PROGRESS_ACCOUNT=3", NULL};
    own_server_start(env);
    dc_campaign_live(admin, DC_RULES_FAST);
    struct user x, y;
    user_take(&x, S_PROG_X);
    user_take(&y, S_PROG_Y);
    char *lesson = dc_make_lesson(admin, "fire", 600);
    for (int i = 0; i < 3; i++) {
        struct dc_resp *r = progress(x.token, lesson, i * 10, i * 10 + 10);
        dc_expect_status(r, 200, "progress within the limit");
        dc_resp_free(r);
    }
    struct dc_resp *r = progress(x.token, lesson, 30, 40);
    expect_limited(r, "fourth progress report of one account");
    dc_resp_free(r);
    ck_assert_int_eq(credited(x.token), 30);
    r = progress(y.token, lesson, 0, 10);
    dc_expect_status(r, 200, "another account reports");
    dc_resp_free(r);
    free(lesson);
    user_free(&x);
    user_free(&y);
    stop_own_server();
}
END_TEST

/* Waiting Retry-After seconds is enough to be let through again. */
START_TEST(limit_retry_after_is_honest)
{
    const char *env[] = {"DRILLCAMP_LIMIT_PROGRESS_ACCOUNT=60", NULL};
    own_server_start(env);
    dc_campaign_live(admin, DC_RULES_FAST);
    struct user x;
    user_take(&x, S_RETRY);
    char *lesson = dc_make_lesson(admin, "fire", 3600);
    unsigned wait = 0;
    int i;
    for (i = 0; i < 400 && !wait; i++) {
        struct dc_resp *r = progress(x.token, lesson, i, i + 1);
        if (r->status == 429)
            wait = expect_limited(r, "over 60 a minute");
        else
            dc_expect_status(r, 200, "within 60 a minute");
        dc_resp_free(r);
    }
    ck_assert_msg(wait > 0, "never limited after %d reports", i);
    ck_assert_msg(i >= 60, "limited after %d reports, the burst is 60", i);
    ck_assert_uint_le(wait, 2);
    usleep(wait * 1000000u + 200000u);
    struct dc_resp *r = progress(x.token, lesson, 1000, 1001);
    dc_expect_status(r, 200, "after Retry-After");
    dc_resp_free(r);
    free(lesson);
    user_free(&x);
    stop_own_server();
}
END_TEST

START_TEST(limit_partner_per_key)
{
    const char *env[] = {"DRILLCAMP_LIMIT_PARTNER_KEY=3", NULL};
    own_server_start(env);
    struct partner a, b;
    partner_make(&a, "限流平台甲"); /* its link spends one of a's three */
    partner_make(&b, "限流平台乙");
    /* forged requests under a's key spend nothing of a's quota */
    for (int i = 0; i < 6; i++) {
        struct dc_resp *r =
            partner_raw(&a, "not the secret", "GET", "/v1/partner/changes", NULL, NULL, 0);
        dc_expect_error(r, 401, "invalid_signature", NULL, "forged");
        expect_no_store(r, "partner 401");
        dc_resp_free(r);
    }
    for (int i = 0; i < 2; i++) {
        struct dc_resp *r = partner_call(&a, "GET", "/v1/partner/changes", NULL);
        dc_expect_status(r, 200, "partner within the limit");
        expect_no_store(r, "partner changes");
        dc_resp_free(r);
    }
    struct dc_resp *r = partner_call(&a, "GET", "/v1/partner/changes", NULL);
    expect_limited(r, "fourth request of one key");
    dc_resp_free(r);
    char phone[12];
    fresh_phone(phone);
    char *target = dc_fmt("/v1/partner/users/limited-%d", (int)getpid());
    r = partner_call_json(&a, "PUT", target,
                          json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "限流",
                                    "region_code", "350100"));
    expect_limited(r, "a limited key's write");
    dc_resp_free(r);
    ck_assert_msg(dc_sql_ll("SELECT count(*) FROM accounts WHERE phone = '%s'", phone) == 0,
                  "a limited partner request linked a user");
    free(target);
    r = partner_call(&b, "GET", "/v1/partner/changes", NULL);
    dc_expect_status(r, 200, "another key");
    dc_resp_free(r);
    stop_own_server();
}
END_TEST

/* ---- 2. the bad input sweep ---------------------------------------------- */

enum ftype {
    F_TEXT,   /* free text: SQL/XSS may be accepted, and then echoed byte-identical */
    F_SECRET, /* a password: may be accepted, never echoed */
    F_KEY,    /* an external id: may be accepted, not echoed */
    F_STR,    /* a constrained string (enum, phone, code, URL, time) */
    F_INT,    /* an integer */
    F_NUM,    /* a positive number */
    F_ID,     /* an id (decimal string) */
    F_BOOL,
    F_LIST, /* an array */
};

struct fspec {
    const char *path; /* dotted, into the body */
    enum ftype type;
    bool required;
    const char *echo; /* dotted path into the answer, "sql:..." (%s: results.0.id), or NULL */
};

struct ep_ctx {
    int slot; /* the endpoint's pool slot */
    char *token;
    struct partner p;
    struct user u;
    char *ids[4];
    char *saved_name, *saved_topic;
};

struct endpoint {
    const char *name;
    const char *method;
    bool partner; /* signed by ctx->p, else Bearer ctx->token */
    bool batch;   /* answers {results:[...]}: item 0 is the verdict */
    void (*prepare)(struct ep_ctx *x);
    /* a fresh path and a fresh valid base body for one mutation; NULL:
     * the path is the name's, its :param segment ctx->ids[0], and the body
     * is base (JSON text) */
    void (*build)(struct ep_ctx *x, char **path, json_t **base);
    const char *base;
    const struct fspec *fields;
    void (*finish)(struct ep_ctx *x);
};

/* -- prepare/build per endpoint -- */

static void prep_none(struct ep_ctx *x)
{
    (void)x;
}

static void prep_admin(struct ep_ctx *x)
{
    x->token = dc_strdup(admin);
}

static void prep_user(struct ep_ctx *x)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    user_take(&x->u, x->slot);
    x->token = dc_strdup(x->u.token);
}

static void prep_partner(struct ep_ctx *x)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    partner_make(&x->p, "扫描平台");
}

static void b_accounts(struct ep_ctx *x, char **path, json_t **base)
{
    (void)x;
    char phone[12];
    fresh_phone(phone);
    *path = dc_strdup("/v1/accounts");
    *base = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "phone", phone, "password",
                      "sweep pass 123", "display_name", "扫描注册", "kind", "individual",
                      "region_code", "350100", "audience", "public");
}

static const struct fspec FS_ACCOUNTS[] = {
    {"phone", F_STR, true, NULL},
    {"password", F_SECRET, true, NULL},
    {"display_name", F_TEXT, true, "display_name"},
    {"kind", F_STR, true, NULL},
    {"region_code", F_STR, true, NULL},
    {"organization_id", F_ID, false, NULL},
    {"audience", F_STR, false, NULL},
    {NULL, 0, false, NULL},
};

static void prep_sessions(struct ep_ctx *x)
{
    user_take(&x->u, x->slot);
}

static void b_sessions(struct ep_ctx *x, char **path, json_t **base)
{
    *path = dc_strdup("/v1/sessions");
    *base = json_pack("{s:s, s:s}", "phone", x->u.phone, "password", x->u.password);
}

static const struct fspec FS_SESSIONS[] = {
    {"phone", F_STR, true, NULL},
    {"password", F_SECRET, true, NULL},
    {NULL, 0, false, NULL},
};

static const struct fspec FS_ME[] = {
    {"display_name", F_TEXT, false, "display_name"},
    {"region_code", F_STR, false, NULL},
    {"organization_id", F_ID, false, NULL},
    {"audience", F_STR, false, NULL},
    {"password", F_SECRET, false, NULL},
    {NULL, 0, false, NULL},
};

static void prep_campaign(struct ep_ctx *x)
{
    x->token = dc_strdup(admin);
    dc_campaign_live(admin, DC_RULES_FAST);
    struct dc_resp *r = req("GET", "/v1/campaign", NULL, NULL);
    dc_expect_status(r, 200, "campaign");
    x->saved_name = dc_strdup(dc_str(r->json, "name"));
    x->saved_topic = dc_strdup(dc_str(r->json, "topic"));
    dc_resp_free(r);
}

static void fin_campaign(struct ep_ctx *x)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    struct dc_resp *r = req_json("PATCH", "/v1/admin/campaign", admin,
                                 json_pack("{s:s, s:s}", "name", x->saved_name, "topic", DC_TOPIC));
    dc_expect_status(r, 200, "campaign restored");
    dc_resp_free(r);
}

static const struct fspec FS_CAMPAIGN[] = {
    {"name", F_TEXT, false, "name"},
    {"topic", F_TEXT, false, "topic"},
    {"warmup_at", F_STR, false, NULL},
    {"launch_at", F_STR, false, NULL},
    {"ends_at", F_STR, false, NULL},
    {"rules.class_hour_seconds", F_INT, false, NULL},
    {"rules.required_class_hours", F_INT, false, NULL},
    {"rules.require_checkin", F_BOOL, false, NULL},
    {"rules.max_playback_rate", F_NUM, false, NULL},
    {"rules.top_n", F_INT, false, NULL},
    {NULL, 0, false, NULL},
};

static const struct fspec FS_ORGS[] = {
    {"name", F_TEXT, true, "name"},
    {"type", F_STR, true, NULL},
    {"region_code", F_STR, true, NULL},
    {NULL, 0, false, NULL},
};

static const struct fspec FS_LESSON[] = {
    {"title", F_TEXT, true, "title"},
    {"category", F_STR, true, NULL},
    {"duration_seconds", F_INT, true, NULL},
    {"video_url", F_STR, true, NULL},
    {"cover_url", F_STR, false, NULL},
    {"description", F_TEXT, false, "description"},
    {NULL, 0, false, NULL},
};

static const struct fspec FS_LESSON_PATCH[] = {
    {"title", F_TEXT, false, "title"},
    {"category", F_STR, false, NULL},
    {"duration_seconds", F_INT, false, NULL},
    {"video_url", F_STR, false, NULL},
    {"cover_url", F_STR, false, NULL},
    {"description", F_TEXT, false, "description"},
    {NULL, 0, false, NULL},
};

static void prep_lesson_patch(struct ep_ctx *x)
{
    x->token = dc_strdup(admin);
    x->ids[0] = dc_make_lesson(admin, "fire", 300);
}

static void b_livestream_create(struct ep_ctx *x, char **path, json_t **base)
{
    (void)x;
    char when[32];
    dc_iso_time(time(NULL) + 7200, when);
    *path = dc_strdup("/v1/admin/livestreams");
    *base = json_pack("{s:s, s:s, s:s, s:s}", "title", "扫描直播", "expert", "扫描专家",
                      "scheduled_at", when, "description", "直播简介");
}

static const struct fspec FS_LIVESTREAM[] = {
    {"title", F_TEXT, true, "title"},
    {"expert", F_TEXT, true, "expert"},
    {"scheduled_at", F_STR, true, NULL},
    {"description", F_TEXT, false, "description"},
    {NULL, 0, false, NULL},
};

static void prep_livestream_end(struct ep_ctx *x)
{
    x->token = dc_strdup(admin);
    x->ids[0] = make_livestream(true);
}

static const struct fspec FS_LIVESTREAM_END[] = {
    {"replay_url", F_STR, true, NULL},
    {"duration_seconds", F_INT, true, NULL},
    {NULL, 0, false, NULL},
};

static void prep_progress(struct ep_ctx *x)
{
    prep_user(x);
    x->ids[0] = dc_make_lesson(admin, "fire", 600);
}

static void b_progress(struct ep_ctx *x, char **path, json_t **base)
{
    *path = dc_strdup("/v1/progress");
    *base = json_pack("{s:[{s:s, s:s, s:i, s:i}]}", "items", "content_type", "lesson", "content_id",
                      x->ids[0], "from_second", 0, "to_second", 10);
}

static const struct fspec FS_PROGRESS[] = {
    {"items", F_LIST, true, NULL},
    {"items.0", F_LIST, true, NULL}, /* an item that is no object */
    {"items.0.content_type", F_STR, true, NULL},
    {"items.0.content_id", F_ID, true, NULL},
    {"items.0.from_second", F_INT, true, NULL},
    {"items.0.to_second", F_INT, true, NULL},
    {NULL, 0, false, NULL},
};

static void b_submission(struct ep_ctx *x, char **path, json_t **base)
{
    (void)x;
    *path = dc_strdup("/v1/submissions");
    *base = dc_video_json("扫描作品");
}

#define SUBMISSION_FIELDS(pre, echo_title, echo_desc, echo_tag)                                    \
    {pre "title", F_TEXT, true, echo_title}, {pre "description", F_TEXT, false, echo_desc},        \
        {pre "category", F_STR, true, NULL}, {pre "video_url", F_STR, true, NULL},                 \
        {pre "cover_url", F_STR, false, NULL}, {pre "duration_seconds", F_INT, true, NULL},        \
        {pre "format", F_STR, true, NULL}, {pre "size_bytes", F_INT, true, NULL},                  \
        {pre "hashtags", F_LIST, true, NULL}, {pre "hashtags.1", F_TEXT, true, echo_tag},          \
    {                                                                                              \
        pre "original", F_BOOL, true, NULL                                                         \
    }

static const struct fspec FS_SUBMISSION[] = {
    SUBMISSION_FIELDS("", "title", "description", "hashtags.1"),
    {NULL, 0, false, NULL},
};

static void prep_submission_patch(struct ep_ctx *x)
{
    prep_user(x);
    x->ids[0] = make_submission(x->token, false);
}

static const struct fspec FS_SUBMISSION_PATCH[] = {
    {"title", F_TEXT, false, "title"},
    {"description", F_TEXT, false, "description"},
    {"cover_url", F_STR, false, NULL},
    {NULL, 0, false, NULL},
};

/* The admin acts on a submission of the slot's user (approved or not). */
static void prep_admin_submission(struct ep_ctx *x, bool approved)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    x->token = dc_strdup(admin);
    user_take(&x->u, x->slot);
    x->ids[0] = make_submission(x->u.token, approved);
}

static void prep_review(struct ep_ctx *x)
{
    prep_admin_submission(x, false);
}

static const struct fspec FS_REVIEW[] = {
    {"decision", F_STR, true, NULL},
    {"reason", F_TEXT, true, "reject_reason"},
    {NULL, 0, false, NULL},
};

static void prep_recommend(struct ep_ctx *x)
{
    prep_admin_submission(x, true);
}

static const struct fspec FS_RECOMMEND[] = {
    {"channels", F_LIST, true, NULL},
    {"channels.0", F_TEXT, true, "recommended_channels.0"},
    {NULL, 0, false, NULL},
};

static void prep_role(struct ep_ctx *x)
{
    x->token = dc_strdup(admin);
    user_take(&x->u, x->slot);
    x->ids[0] = dc_strdup(x->u.id);
}

static const struct fspec FS_ROLE[] = {
    {"role", F_STR, true, NULL},
    {NULL, 0, false, NULL},
};

static const struct fspec FS_PARTNERS[] = {
    {"name", F_TEXT, true, "name"},
    {NULL, 0, false, NULL},
};

/* A certificate of its own, first issued here (a user of its own: the
 * sweep and the oversize test both prepare this endpoint). */
static void prep_revoke(struct ep_ctx *x)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    x->token = dc_strdup(admin);
    user_make(&x->u, "撤销测试", true);
    dc_earn(admin, x->u.token, 8 * 3600);
    struct dc_resp *r = req("POST", "/v1/me/certificate", x->u.token, NULL);
    /* API.md section 5: 201 the certificate when first issued */
    dc_expect_status(r, 201, "certificate claim");
    x->ids[0] = dc_strdup(dc_str(r->json, "serial"));
    dc_resp_free(r);
}

static const struct fspec FS_REVOKE[] = {
    {"reason", F_TEXT, true, NULL},
    {NULL, 0, false, NULL},
};

static void b_partner_user(struct ep_ctx *x, char **path, json_t **base)
{
    (void)x;
    char phone[12];
    fresh_phone(phone);
    *path = dc_fmt("/v1/partner/users/sweep-%d-%u", (int)getpid(), counter());
    *base = json_pack("{s:s, s:s, s:s, s:s}", "phone", phone, "display_name", "扫描平台用户",
                      "region_code", "350100", "audience", "student");
}

static const struct fspec FS_PARTNER_USER[] = {
    {"phone", F_STR, true, NULL},
    {"display_name", F_TEXT, true, "account.display_name"},
    {"region_code", F_STR, true, NULL},
    {"audience", F_STR, false, NULL},
    {NULL, 0, false, NULL},
};

static void b_partner_submission(struct ep_ctx *x, char **path, json_t **base)
{
    *path = dc_fmt("/v1/partner/submissions/sweep-%d-%u", (int)getpid(), counter());
    *base = dc_video_json("扫描平台作品");
    json_object_set_new(*base, "external_user_id", json_string(x->p.ext_user));
}

static const struct fspec FS_PARTNER_SUBMISSION[] = {
    {"external_user_id", F_STR, true, NULL},
    SUBMISSION_FIELDS("", "title", "description", "hashtags.1"),
    {NULL, 0, false, NULL},
};

static void b_partner_sub_batch(struct ep_ctx *x, char **path, json_t **base)
{
    json_t *item = dc_video_json("扫描批量作品");
    json_object_set_new(item, "external_user_id", json_string(x->p.ext_user));
    char ext[64];
    snprintf(ext, sizeof ext, "sweep-b-%d-%u", (int)getpid(), counter());
    json_object_set_new(item, "external_id", json_string(ext));
    *path = dc_strdup("/v1/partner/submissions/batch");
    *base = json_pack("{s:[o]}", "items", item);
}

static const struct fspec FS_PARTNER_SUB_BATCH[] = {
    {"items", F_LIST, true, NULL},
    {"items.0", F_LIST, true, NULL},
    {"items.0.external_id", F_KEY, true, NULL},
    {"items.0.external_user_id", F_STR, true, NULL},
    SUBMISSION_FIELDS("items.0.", "sql:SELECT title FROM submissions WHERE id = %s",
                      "sql:SELECT description FROM submissions WHERE id = %s",
                      "sql:SELECT hashtags[2] FROM submissions WHERE id = %s"),
    {NULL, 0, false, NULL},
};

static void prep_partner_likes(struct ep_ctx *x)
{
    prep_partner(x);
    user_take(&x->u, x->slot);
    x->ids[0] = make_submission(x->u.token, true);
}

static void b_partner_likes(struct ep_ctx *x, char **path, json_t **base)
{
    *path = dc_strdup("/v1/partner/likes/batch");
    *base = json_pack("{s:[{s:s, s:s, s:s}]}", "items", "external_user_id", x->p.ext_user,
                      "submission_id", x->ids[0], "action", "like");
}

static const struct fspec FS_PARTNER_LIKES[] = {
    {"items", F_LIST, true, NULL},
    {"items.0", F_LIST, true, NULL},
    {"items.0.external_user_id", F_STR, true, NULL},
    {"items.0.submission_id", F_ID, true, NULL},
    {"items.0.action", F_STR, true, NULL},
    {NULL, 0, false, NULL},
};

static void prep_partner_progress(struct ep_ctx *x)
{
    prep_partner(x);
    x->ids[0] = dc_make_lesson(admin, "fire", 600);
}

static void b_partner_progress(struct ep_ctx *x, char **path, json_t **base)
{
    *path = dc_strdup("/v1/partner/progress/batch");
    *base = json_pack("{s:[{s:s, s:s, s:s, s:i, s:i}]}", "items", "external_user_id", x->p.ext_user,
                      "content_type", "lesson", "content_id", x->ids[0], "from_second", 0,
                      "to_second", 10);
}

static const struct fspec FS_PARTNER_PROGRESS[] = {
    {"items", F_LIST, true, NULL},
    {"items.0", F_LIST, true, NULL},
    {"items.0.external_user_id", F_STR, true, NULL},
    {"items.0.content_type", F_STR, true, NULL},
    {"items.0.content_id", F_ID, true, NULL},
    {"items.0.from_second", F_INT, true, NULL},
    {"items.0.to_second", F_INT, true, NULL},
    {NULL, 0, false, NULL},
};

static const struct endpoint ENDPOINTS[] = {
    {"POST /v1/accounts", "POST", false, false, prep_none, b_accounts, NULL, FS_ACCOUNTS, NULL},
    {"POST /v1/sessions", "POST", false, false, prep_sessions, b_sessions, NULL, FS_SESSIONS, NULL},
    {"PATCH /v1/me", "PATCH", false, false, prep_user, NULL, "{\"display_name\":\"扫描改名\"}",
     FS_ME, NULL},
    {"PATCH /v1/admin/campaign", "PATCH", false, false, prep_campaign, NULL,
     "{\"rules\":{\"top_n\":100}}", FS_CAMPAIGN, fin_campaign},
    {"POST /v1/admin/organizations", "POST", false, false, prep_admin, NULL,
     "{\"name\":\"扫描单位\",\"type\":\"community\",\"region_code\":\"350100\"}", FS_ORGS, NULL},
    {"POST /v1/admin/lessons", "POST", false, false, prep_admin, NULL,
     "{\"title\":\"扫描课程\",\"category\":\"flood\",\"duration_seconds\":300,\"video_url\":"
     "\"https://video.example.cn/s.mp4\",\"cover_url\":\"https://img.example.cn/"
     "s.jpg\",\"description\":\"防汛知识\"}",
     FS_LESSON, NULL},
    {"PATCH /v1/admin/lessons/:id", "PATCH", false, false, prep_lesson_patch, NULL,
     "{\"title\":\"扫描改课\"}", FS_LESSON_PATCH, NULL},
    {"POST /v1/admin/livestreams", "POST", false, false, prep_admin, b_livestream_create, NULL,
     FS_LIVESTREAM, NULL},
    {"POST /v1/admin/livestreams/:id/end", "POST", false, false, prep_livestream_end, NULL,
     "{\"replay_url\":\"https://video.example.cn/r.m3u8\",\"duration_seconds\":1800}",
     FS_LIVESTREAM_END, NULL},
    {"POST /v1/progress", "POST", false, false, prep_progress, b_progress, NULL, FS_PROGRESS, NULL},
    {"POST /v1/submissions", "POST", false, false, prep_user, b_submission, NULL, FS_SUBMISSION,
     NULL},
    {"PATCH /v1/submissions/:id", "PATCH", false, false, prep_submission_patch, NULL,
     "{\"title\":\"扫描改名作品\"}", FS_SUBMISSION_PATCH, NULL},
    {"POST /v1/admin/submissions/:id/review", "POST", false, false, prep_review, NULL,
     "{\"decision\":\"reject\",\"reason\":\"内容不符\"}", FS_REVIEW, NULL},
    {"POST /v1/admin/submissions/:id/recommend", "POST", false, false, prep_recommend, NULL,
     "{\"channels\":[\"央视新闻\"]}", FS_RECOMMEND, NULL},
    {"PUT /v1/admin/accounts/:id/role", "PUT", false, false, prep_role, NULL, "{\"role\":\"user\"}",
     FS_ROLE, NULL},
    {"POST /v1/admin/partners", "POST", false, false, prep_admin, NULL, "{\"name\":\"扫描新平台\"}",
     FS_PARTNERS, NULL},
    {"POST /v1/admin/certificates/:serial/revoke", "POST", false, false, prep_revoke, NULL,
     "{\"reason\":\"扫描撤销\"}", FS_REVOKE, NULL},
    {"PUT /v1/partner/users/:external_user_id", "PUT", true, false, prep_partner, b_partner_user,
     NULL, FS_PARTNER_USER, NULL},
    {"PUT /v1/partner/submissions/:external_id", "PUT", true, false, prep_partner,
     b_partner_submission, NULL, FS_PARTNER_SUBMISSION, NULL},
    {"POST /v1/partner/submissions/batch", "POST", true, true, prep_partner, b_partner_sub_batch,
     NULL, FS_PARTNER_SUB_BATCH, NULL},
    {"POST /v1/partner/likes/batch", "POST", true, true, prep_partner_likes, b_partner_likes, NULL,
     FS_PARTNER_LIKES, NULL},
    {"POST /v1/partner/progress/batch", "POST", true, true, prep_partner_progress,
     b_partner_progress, NULL, FS_PARTNER_PROGRESS, NULL},
};

#define NENDPOINTS ((int)(sizeof ENDPOINTS / sizeof ENDPOINTS[0]))

/* A fresh path and base body of the endpoint (see struct endpoint). */
static void ep_build(const struct endpoint *ep, struct ep_ctx *x, char **path, json_t **base)
{
    if (ep->build) {
        ep->build(x, path, base);
        return;
    }
    const char *p = strchr(ep->name, ' ') + 1, *param = strchr(p, ':');
    const char *rest = param ? param + strcspn(param, "/") : "";
    *path = param ? dc_fmt("%.*s%s%s", (int)(param - p), p, x->ids[0], rest) : dc_strdup(p);
    json_error_t err;
    *base = json_loads(ep->base, 0, &err);
    ck_assert_msg(*base != NULL, "%s: base body: %s", ep->name, err.text);
}

/* -- the database fingerprint: what a rejected request must not change -- */

static PGconn *pg;

static const char *const FINGERPRINT_PARTS[] = {
    "accounts",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', id, phone, password_hash,"
    " display_name, kind, role, region_code, organization_id, audience), ';' ORDER BY id), ''))"
    " FROM accounts)",
    "sessions",
    "(SELECT count(*)::text FROM sessions)",
    "organizations",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(o::text, ';' ORDER BY id), ''))"
    " FROM organizations o)",
    "campaigns",
    "(SELECT md5(coalesce(string_agg(c::text, ';' ORDER BY id), '')) FROM campaigns c)",
    "lessons",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(l::text, ';' ORDER BY id), ''))"
    " FROM lessons l)",
    "livestreams",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', id, title, expert,"
    " scheduled_at, status, description, replay_url, duration_seconds), ';' ORDER BY id), ''))"
    " FROM livestreams)",
    "progress",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(p::text, ';' ORDER BY account_id,"
    " content_type, content_id), '')) FROM progress p)",
    "learners",
    "(SELECT md5(coalesce(string_agg(concat_ws(',', account_id, credited_seconds), ';'"
    " ORDER BY account_id), '')) FROM learners)",
    "submissions",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', id, author_id, title,"
    " description, category, video_url, cover_url, duration_seconds, format, size_bytes,"
    " hashtags::text, status, reject_reason, recommended, recommended_channels::text, source),"
    " ';' ORDER BY id), '')) FROM submissions)",
    "likes",
    "(SELECT count(*)::text FROM likes)",
    "partners",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(p::text, ';' ORDER BY id), ''))"
    " FROM partners p)",
    "partner_users",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', partner_id,"
    " external_user_id, account_id), ';' ORDER BY partner_id, external_user_id), ''))"
    " FROM partner_users)",
    "audit_log",
    "(SELECT count(*)::text FROM audit_log)",
    "certificates",
    "(SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', serial, revoked_at,"
    " revoke_reason), ';' ORDER BY serial), '')) FROM certificates)",
    "idempotency_keys",
    "(SELECT count(*)::text FROM idempotency_keys)",
    "checkins",
    "(SELECT count(*)::text FROM checkins)",
    "reservations",
    "(SELECT count(*)::text FROM reservations)",
};

#define NPARTS (sizeof FINGERPRINT_PARTS / sizeof(char *) / 2)

/* One line per table ("name=value\n"), malloc'ed. */
static char *fingerprint(void)
{
    if (!pg) {
        pg = PQconnectdb(getenv("DATABASE_URL"));
        ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "no database: %s", PQerrorMessage(pg));
    }
    static char *query;
    if (!query) {
        size_t cap = 64;
        for (size_t i = 0; i < NPARTS; i++)
            cap += strlen(FINGERPRINT_PARTS[2 * i + 1]) + 4;
        query = dc_need(malloc(cap));
        strcpy(query, "SELECT ");
        for (size_t i = 0; i < NPARTS; i++) {
            if (i)
                strcat(query, ", ");
            strcat(query, FINGERPRINT_PARTS[2 * i + 1]);
        }
    }
    PGresult *res = PQexec(pg, query);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "fingerprint: %s",
                  PQresultErrorMessage(res));
    size_t cap = 64;
    for (size_t i = 0; i < NPARTS; i++)
        cap += strlen(FINGERPRINT_PARTS[2 * i]) + strlen(PQgetvalue(res, 0, (int)i)) + 3;
    char *out = dc_need(malloc(cap));
    out[0] = '\0';
    for (size_t i = 0; i < NPARTS; i++) {
        strcat(out, FINGERPRINT_PARTS[2 * i]);
        strcat(out, "=");
        strcat(out, PQgetvalue(res, 0, (int)i));
        strcat(out, "\n");
    }
    PQclear(res);
    return out;
}

/* The next transaction id PostgreSQL would hand out: it moves only when
 * some transaction wrote (or locked rows), so an unchanged value means the
 * request changed nothing and the full fingerprint need not be taken. */
static char *next_xid(void)
{
    if (!pg)
        free(fingerprint());
    PGresult *res = PQexec(pg, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text");
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "xid: %s", PQresultErrorMessage(res));
    char *v = dc_strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

/* The tables whose line differs, as text. */
static void fingerprint_diff(const char *a, const char *b, char *out, size_t cap)
{
    out[0] = '\0';
    while (*a && *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        if (!ea || !eb)
            break;
        if ((ea - a) != (eb - b) || strncmp(a, b, (size_t)(ea - a)) != 0) {
            size_t n = strlen(out);
            const char *eq = memchr(a, '=', (size_t)(ea - a));
            snprintf(out + n, cap - n, "%s%.*s", n ? "," : "", (int)(eq ? eq - a : ea - a), a);
        }
        a = ea + 1;
        b = eb + 1;
    }
}

/* -- mutations -- */

enum mclass {
    M_REJECT, /* must be refused (4xx) */
    M_MAYBE,  /* may be accepted (nulls of optional fields) */
    M_ECHO,   /* may be accepted, and then echoed byte-identical */
};

struct mutation {
    char name[64];
    char *raw;      /* the JSON text put in place of the field's value */
    char *expected; /* for M_ECHO: the string sent */
    enum mclass cls;
};

static char *deep(int levels, bool objects)
{
    size_t n = objects ? (size_t)levels * 6 + 8 : (size_t)levels * 2 + 1;
    char *s = dc_need(malloc(n + 8));
    char *p = s;
    for (int i = 0; i < levels; i++) {
        if (objects) {
            memcpy(p, "{\"a\":", 5);
            p += 5;
        } else {
            *p++ = '[';
        }
    }
    if (objects) {
        memcpy(p, "1", 1);
        p++;
    }
    for (int i = 0; i < levels; i++)
        *p++ = objects ? '}' : ']';
    *p = '\0';
    return s;
}

static char *big_string(size_t n)
{
    char *s = dc_need(malloc(n + 3));
    s[0] = '"';
    memset(s + 1, 'x', n);
    s[n + 1] = '"';
    s[n + 2] = '\0';
    return s;
}

static char *json_text(const char *s)
{
    return dc_dumps(json_string(s));
}

static void add(struct mutation *m, int *n, const char *name, char *raw, enum mclass cls,
                const char *expected)
{
    ck_assert_int_lt(*n, 48);
    snprintf(m[*n].name, sizeof m[*n].name, "%s", name);
    m[*n].raw = raw;
    m[*n].cls = cls;
    m[*n].expected = expected ? dc_strdup(expected) : NULL;
    (*n)++;
}

/* The values a field of this type gets; returns how many. */
static int field_mutations(const struct fspec *f, struct mutation *m)
{
    int n = 0;
    bool text = f->type == F_TEXT || f->type == F_SECRET || f->type == F_KEY;
    bool stringy = text || f->type == F_STR || f->type == F_ID;
    add(m, &n, "null", dc_strdup("null"), f->required ? M_REJECT : M_MAYBE, NULL);
    add(m, &n, "1e400", dc_strdup("1e400"), M_REJECT, NULL);
    add(m, &n, "huge integer", dc_strdup("99999999999999999999999"), M_REJECT, NULL);
    add(m, &n, "huge negative", dc_strdup("-99999999999999999999999"), M_REJECT, NULL);
    add(m, &n, "10000-deep array", deep(10000, false), M_REJECT, NULL);
    add(m, &n, "10000-deep object", deep(10000, true), M_REJECT, NULL);
    if (f->type != F_LIST)
        add(m, &n, "object", dc_strdup("{\"a\":1}"), M_REJECT, NULL);
    if (f->type != F_BOOL)
        add(m, &n, "boolean", dc_strdup("true"), M_REJECT, NULL);
    if (f->type == F_INT || f->type == F_NUM) {
        add(m, &n, "-1", dc_strdup("-1"), M_REJECT, NULL);
        add(m, &n, "string number", dc_strdup("\"10\""), M_REJECT, NULL);
        add(m, &n, "1e300", dc_strdup("1e300"), M_REJECT, NULL);
        add(m, &n, "-1e300", dc_strdup("-1e300"), M_REJECT, NULL);
    }
    if (f->type == F_INT) {
        add(m, &n, "1.5", dc_strdup("1.5"), M_REJECT, NULL);
        add(m, &n, "0.5", dc_strdup("0.5"), M_REJECT, NULL);
        add(m, &n, "10.0", dc_strdup("10.0"), M_MAYBE, NULL);
        add(m, &n, "int64 max", dc_strdup("9223372036854775807"), M_REJECT, NULL);
        add(m, &n, "int64 min", dc_strdup("-9223372036854775808"), M_REJECT, NULL);
    }
    if (f->type == F_NUM)
        add(m, &n, "0", dc_strdup("0"), M_REJECT, NULL);
    if (f->type == F_ID) {
        add(m, &n, "id -1", dc_strdup("\"-1\""), M_REJECT, NULL);
        add(m, &n, "id 1.5", dc_strdup("\"1.5\""), M_REJECT, NULL);
        add(m, &n, "id 0", dc_strdup("\"0\""), M_REJECT, NULL);
        add(m, &n, "id 23 digits", dc_strdup("\"99999999999999999999999\""), M_REJECT, NULL);
        add(m, &n, "id int64 overflow", dc_strdup("\"9223372036854775808\""), M_REJECT, NULL);
        add(m, &n, "number -1", dc_strdup("-1"), M_REJECT, NULL);
        add(m, &n, "number 1.5", dc_strdup("1.5"), M_REJECT, NULL);
        add(m, &n, "id SQL", json_text("1 OR 1=1"), M_REJECT, NULL);
    }
    if (f->type == F_BOOL) {
        add(m, &n, "string true", dc_strdup("\"true\""), M_REJECT, NULL);
        add(m, &n, "number 1", dc_strdup("1"), M_REJECT, NULL);
    }
    if (f->type == F_LIST) {
        add(m, &n, "string", dc_strdup("\"x\""), M_REJECT, NULL);
        add(m, &n, "empty array", dc_strdup("[]"), M_REJECT, NULL);
        add(m, &n, "[1]", dc_strdup("[1]"), M_REJECT, NULL);
        add(m, &n, "[null]", dc_strdup("[null]"), M_REJECT, NULL);
        add(m, &n, "number", dc_strdup("7"), M_REJECT, NULL);
    }
    if (stringy) {
        if (f->type != F_ID) /* ids may also be given as JSON numbers */
            add(m, &n, "number", dc_strdup("123"), M_REJECT, NULL);
        add(m, &n, "1 MB string", big_string(1000000), M_REJECT, NULL);
        add(m, &n, "raw 0xFF 0xFE", dc_strdup("\"ab\xff\xfe\""), M_REJECT, NULL);
        add(m, &n, "overlong '/'", dc_strdup("\"a\xc0\xaf\""), M_REJECT, NULL);
        add(m, &n, "encoded surrogate", dc_strdup("\"a\xed\xa0\x80\""), M_REJECT, NULL);
        add(m, &n, "truncated sequence", dc_strdup("\"a\xe4\xb8\""), M_REJECT, NULL);
        add(m, &n, "lone surrogate escape", dc_strdup("\"a\\ud800b\""), M_REJECT, NULL);
        add(m, &n, "NUL escape", dc_strdup("\"a\\u0000b\""), M_REJECT, NULL);
        enum mclass probe = f->type == F_TEXT                     ? M_ECHO
                            : f->type == F_STR || f->type == F_ID ? M_REJECT
                                                                  : M_MAYBE;
        add(m, &n, "SQL injection", json_text(SQLI), probe, SQLI);
        add(m, &n, "XSS", json_text(XSS), probe, XSS);
        add(m, &n, "SQL quote", json_text("x' OR '1'='1"), probe, "x' OR '1'='1");
    }
    if (f->type == F_STR)
        add(m, &n, "empty string", dc_strdup("\"\""), M_REJECT, NULL);
    return n;
}

/* Whole-body mutations: the complete body text instead of the base. */
struct body_mut {
    const char *name;
    char *text;
    size_t len;
    const char *ctype; /* NULL: application/json */
};

static int body_mutations(const char *base, bool batch, struct body_mut *b)
{
    int n = 0;
    size_t len = strlen(base);
#define BODY(nm, t)                                                                                \
    do {                                                                                           \
        b[n].name = nm;                                                                            \
        b[n].text = t;                                                                             \
        b[n].len = strlen(b[n].text);                                                              \
        b[n].ctype = NULL;                                                                         \
        n++;                                                                                       \
    } while (0)
    BODY("truncated JSON", dc_need(strndup(base, len / 2)));
    BODY("cut before the last brace", dc_need(strndup(base, len - 1)));
    BODY("empty body", dc_strdup(""));
    BODY("null", dc_strdup("null"));
    BODY("array", dc_strdup("[]"));
    BODY("string", dc_strdup("\"x\""));
    BODY("number", dc_strdup("123"));
    BODY("1e400", dc_strdup("1e400"));
    BODY("10000-deep arrays", deep(10000, false));
    BODY("10000-deep objects", deep(10000, true));
    BODY("trailing garbage", dc_fmt("%s x", base));
    BODY("two documents", dc_fmt("%s%s", base, base));
    BODY("duplicate key", dc_fmt("{\"zz\":1,\"zz\":2,%s", base + 1));
    BODY("unknown field 10000 deep", dc_fmt("{\"zz\":%s,%s", deep(10000, false), base + 1));
    BODY("unknown field raw 0xFF", dc_fmt("{\"zz\":\"\xff\",%s", base + 1));
    BODY("unknown field overlong", dc_fmt("{\"zz\":\"\xc0\xaf\",%s", base + 1));
    BODY("unknown field surrogate escape", dc_fmt("{\"zz\":\"\\udfff\",%s", base + 1));
    BODY("unknown field NUL escape", dc_fmt("{\"zz\":\"\\u0000\",%s", base + 1));
    BODY("unknown field 1e400", dc_fmt("{\"zz\":1e400,%s", base + 1));
    BODY("key raw 0xFF", dc_fmt("{\"\xff\":1,%s", base + 1));
    BODY("single quotes", dc_strdup("{'a':1}"));
    BODY("NaN", dc_fmt("{\"zz\":NaN,%s", base + 1));
    BODY("comment", dc_fmt("/* x */%s", base));
    (void)batch; /* bodies over the limit: oversize_bodies_answered_413 */
    BODY("text/plain", dc_strdup(base));
    b[n - 1].ctype = "text/plain";
#undef BODY
    return n;
}

/* -- JSON paths -- */

static json_t *path_parent(json_t *root, const char *path, const char **last)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    char *save = NULL, *tok = strtok_r(buf, ".", &save);
    static char leaf[64];
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) {
            snprintf(leaf, sizeof leaf, "%s", tok);
            *last = leaf;
            return cur;
        }
        cur = isdigit((unsigned char)tok[0]) ? json_array_get(cur, (size_t)atoi(tok))
                                             : json_object_get(cur, tok);
        tok = next;
    }
    return NULL;
}

static json_t *path_get(json_t *root, const char *path)
{
    const char *last;
    json_t *parent = path_parent(root, path, &last);
    if (!parent)
        return NULL;
    return isdigit((unsigned char)last[0]) ? json_array_get(parent, (size_t)atoi(last))
                                           : json_object_get(parent, last);
}

#define PLACEHOLDER "@@SWEEP_RAW_VALUE@@"

/* The base body with the field replaced by raw JSON text. */
static char *with_raw(json_t *base, const char *path, const char *raw)
{
    const char *last;
    json_t *parent = path_parent(base, path, &last);
    ck_assert_msg(parent != NULL, "no parent for %s", path);
    if (isdigit((unsigned char)last[0]))
        ck_assert_int_eq(json_array_set_new(parent, (size_t)atoi(last), json_string(PLACEHOLDER)),
                         0);
    else
        json_object_set_new(parent, last, json_string(PLACEHOLDER));
    char *text = dc_dumps(json_incref(base));
    char *at = strstr(text, "\"" PLACEHOLDER "\"");
    ck_assert_ptr_nonnull(at);
    size_t pre = (size_t)(at - text), plen = strlen(PLACEHOLDER) + 2;
    char *out = dc_need(malloc(strlen(text) - plen + strlen(raw) + 1));
    memcpy(out, text, pre);
    strcpy(out + pre, raw);
    strcat(out, at + plen);
    free(text);
    return out;
}

/* -- one request of the sweep and its verdict -- */

static bool snake_case(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || *s == '_' || isdigit((unsigned char)*s)))
            return false;
    return true;
}

static const char *const LEAKS[] = {"SELECT ", "INSERT ",  "UPDATE ",       "DELETE FROM",
                                    "ERROR:",  "violates", "duplicate key", "syntax error",
                                    "libpq",   "jansson",  ".c:",           "Traceback"};

/* The error envelope (err is the error object; top the whole answer or
 * NULL for a batch item); an empty why when fine. */
static void check_envelope(const json_t *top, const json_t *err, char *why, size_t cap)
{
    if (!json_is_object(err)) {
        snprintf(why, cap, "no error object");
        return;
    }
    const char *code = dc_str(err, "code"), *msg = dc_str(err, "message");
    if (!snake_case(code) || !msg || !*msg) {
        snprintf(why, cap, "the error lacks a snake_case code or a message");
        return;
    }
    if (top && json_object_size(top) != 1) {
        snprintf(why, cap, "the error answer has members beside error");
        return;
    }
    for (size_t i = 0; i < sizeof LEAKS / sizeof(char *); i++)
        if (strstr(msg, LEAKS[i])) {
            snprintf(why, cap, "the error message leaks internals (%s)", LEAKS[i]);
            return;
        }
}

struct sweep {
    const struct endpoint *ep;
    struct ep_ctx *x;
    char *before;     /* fingerprint, NULL when unknown */
    char *before_xid; /* next_xid() when it was taken */
    char report[REPORT];
    int requests, failures;
};

static void sweep_fail(struct sweep *s, const char *what, const char *why, const struct dc_resp *r)
{
    s->failures++;
    size_t n = strlen(s->report);
    if (n + 400 < sizeof s->report)
        snprintf(s->report + n, sizeof s->report - n, "\n  %s: %s (status %ld; %.200s)", what, why,
                 r ? r->status : 0L, r && r->body ? r->body : "");
}

static struct dc_resp *sweep_send(struct sweep *s, const char *path, const char *body, size_t len,
                                  const char *ctype)
{
    if (s->ep->partner)
        return partner_raw(&s->x->p, s->x->p.secret, s->ep->method, path,
                           ctype ? ctype : "application/json", body, len);
    char auth[512], ct[128];
    const char *lines[3] = {NULL, NULL, NULL};
    int n = 0;
    if (s->x->token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->x->token);
        lines[n++] = auth;
    }
    snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "application/json");
    lines[n++] = ct;
    return req_lines(s->ep->method, path, lines, body, len);
}

/* The string an accepted request stored for `echo`, malloc'ed or NULL. */
static char *echoed(const char *echo, const json_t *verdict, const struct dc_resp *r)
{
    if (strncmp(echo, "sql:", 4) == 0) {
        const char *id = dc_str(verdict, "id");
        if (!id)
            return NULL;
        /* the template's one %s is the id */
        const char *tmpl = echo + 4, *at = strstr(tmpl, "%s");
        ck_assert_ptr_nonnull(at);
        char *q = dc_fmt("%.*s%s%s", (int)(at - tmpl), tmpl, id, at + 2);
        char *v = dc_sql_value(q);
        free(q);
        return v;
    }
    (void)verdict;
    const char *v = json_string_value(path_get(r->json, echo));
    return v ? dc_strdup(v) : NULL;
}

static void sweep_one(struct sweep *s, const char *what, const char *path, const char *body,
                      size_t len, const char *ctype, enum mclass cls, const char *expected,
                      const char *echo)
{
    char *xid_before = next_xid();
    if (s->before && (!s->before_xid || strcmp(s->before_xid, xid_before) != 0)) {
        free(s->before);
        s->before = NULL;
    }
    if (!s->before) {
        s->before = fingerprint();
        free(s->before_xid);
        s->before_xid = next_xid();
        if (strcmp(s->before_xid, xid_before) != 0) {
            /* something wrote meanwhile: take both again */
            free(xid_before);
            xid_before = dc_strdup(s->before_xid);
        }
    }
    struct dc_resp *r = sweep_send(s, path, body, len, ctype);
    s->requests++;
    /* a batch answers 200 with the item's own status */
    const json_t *verdict = r->json;
    long status = r->status;
    bool item = false;
    if (s->ep->batch && r->status == 200) {
        verdict = json_array_get(json_object_get(r->json, "results"), 0);
        json_t *st = json_object_get(verdict, "status");
        status = json_is_integer(st) ? (long)json_integer_value(st) : -1;
        item = true;
    }
    char why[300] = "";
    if (r->status == 0)
        snprintf(why, sizeof why, "no answer (connection failed)");
    else if (r->status >= 500 || status >= 500)
        snprintf(why, sizeof why, "a server error");
    else if (status >= 400 && status < 500) {
        check_envelope(item ? NULL : r->json, json_object_get(verdict, "error"), why, sizeof why);
        char *xid_after = next_xid();
        if (!why[0] && strcmp(xid_after, xid_before) != 0) {
            /* some transaction wrote: compare the data itself */
            char *after = fingerprint();
            if (strcmp(after, s->before) != 0) {
                char diff[200];
                fingerprint_diff(s->before, after, diff, sizeof diff);
                snprintf(why, sizeof why, "a refused request changed the database (%s)", diff);
            }
            free(s->before);
            s->before = after;
            free(s->before_xid);
            s->before_xid = next_xid();
        }
        free(xid_after);
    } else if (status >= 200 && status < 300) {
        free(s->before);
        s->before = NULL;
        if (cls == M_REJECT)
            snprintf(why, sizeof why, "accepted (%ld)", status);
        else if (cls == M_ECHO && echo) {
            char *got = echoed(echo, verdict, r);
            if (!got || strcmp(got, expected) != 0)
                snprintf(why, sizeof why, "accepted, but %s came back as %.80s, sent %.80s", echo,
                         got ? got : "(nothing)", expected);
            free(got);
        }
    } else {
        snprintf(why, sizeof why, "unexpected status %ld", status);
    }
    if (why[0]) {
        free(s->before);
        s->before = NULL;
        sweep_fail(s, what, why, r);
    }
    free(xid_before);
    dc_resp_free(r);
}

/* Endpoint i prepared into x, and a sweep of it. */
static struct sweep *sweep_start(int i, struct ep_ctx *x)
{
    *x = (struct ep_ctx){.slot = S_SWEEP0 + i};
    ENDPOINTS[i].prepare(x);
    struct sweep *s = dc_need(calloc(1, sizeof *s));
    s->ep = &ENDPOINTS[i];
    s->x = x;
    return s;
}

START_TEST(bad_input_sweep)
{
    const struct endpoint *ep = &ENDPOINTS[_i];
    struct ep_ctx x;
    struct sweep *s = sweep_start(_i, &x);
    char *path;
    json_t *base;

    /* whole bodies */
    ep_build(ep, &x, &path, &base);
    char *base_text = dc_dumps(json_incref(base));
    json_decref(base);
    free(path);
    struct body_mut bodies[32];
    int nb = body_mutations(base_text, ep->batch, bodies);
    for (int i = 0; i < nb; i++) {
        ep_build(ep, &x, &path, &base);
        json_decref(base);
        char what[128];
        snprintf(what, sizeof what, "body: %s", bodies[i].name);
        sweep_one(s, what, path, bodies[i].text, bodies[i].len, bodies[i].ctype, M_REJECT, NULL,
                  NULL);
        free(path);
        free(bodies[i].text);
    }
    free(base_text);

    /* field by field */
    for (const struct fspec *f = ep->fields; f->path; f++) {
        struct mutation m[48];
        int nm = field_mutations(f, m);
        for (int i = 0; i < nm; i++) {
            ep_build(ep, &x, &path, &base);
            char *body = with_raw(base, f->path, m[i].raw);
            char what[160];
            snprintf(what, sizeof what, "%s = %s", f->path, m[i].name);
            sweep_one(s, what, path, body, strlen(body), NULL, m[i].cls, m[i].expected, f->echo);
            json_decref(base);
            free(body);
            free(path);
            free(m[i].raw);
            free(m[i].expected);
        }
    }
    if (ep->finish)
        ep->finish(&x);
    free(s->before);
    free(s->before_xid);
    printf("bad input sweep: %s: %d requests, %d failures\n", ep->name, s->requests, s->failures);
    ck_assert_msg(s->failures == 0, "%s: %d of %d bad inputs mishandled:%s", ep->name, s->failures,
                  s->requests, s->report);
    free(s);
}
END_TEST

/* Bodies over the limit (1 MiB; 8 MiB on the batches): every JSON endpoint
 * answers 413 payload_too_large, and the client gets to read that answer
 * (a few tries each, since a connection reset before the answer is read
 * depends on timing). */
START_TEST(oversize_bodies_answered_413)
{
    const struct endpoint *ep = &ENDPOINTS[_i];
    struct ep_ctx x;
    struct sweep *s = sweep_start(_i, &x);
    char *path;
    json_t *base;
    ep_build(ep, &x, &path, &base);
    char *base_text = dc_dumps(base);
    char *pad = big_string(ep->batch ? 9 * MIB : 2 * MIB);
    char *body = dc_fmt("{\"zz\":%s,%s", pad, base_text + 1);
    free(pad);
    int resets = 0;
    for (int i = 0; i < 5; i++) {
        struct dc_resp *r = sweep_send(s, path, body, strlen(body), NULL);
        s->requests++;
        if (r->status == 0)
            resets++;
        else if (r->status != 413 || strcmp(dc_err_code_of(r), "payload_too_large") != 0)
            sweep_fail(s, "over the body limit", "not 413 payload_too_large", r);
        dc_resp_free(r);
    }
    if (resets)
        s->failures++;
    free(body);
    free(base_text);
    free(path);
    if (ep->finish)
        ep->finish(&x);
    ck_assert_msg(s->failures == 0,
                  "%s: %d of %d bodies over the limit got no readable 413 (the connection was "
                  "reset before the answer could be read)%s",
                  ep->name, resets, s->requests, s->report);
    free(s);
}
END_TEST

/* ---- 3. accepted strings come back byte-identical ---------------------- */

static const char *const ODD_STRINGS[] = {
    SQLI,
    XSS,
    "Robert'); DROP TABLE submissions;--",
    "\" OR \"\"=\"",
    "${jndi:ldap://x/a}",
    "{{7*7}} %s %n %x",
    "<img src=x onerror=alert(1)>",
    "中文🙂\\'\"&amp;",
    "１２３　全角",
};

#define NODD (sizeof ODD_STRINGS / sizeof(char *))

static void expect_same(const char *got, const char *sent, const char *what)
{
    ck_assert_msg(got && strcmp(got, sent) == 0, "%s: sent %s, got back %s", what, sent,
                  got ? got : "(nothing)");
}

START_TEST(odd_strings_round_trip)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    struct user u;
    user_take(&u, S_ODD);
    for (size_t i = 0; i < NODD; i++) {
        const char *s = ODD_STRINGS[i];
        /* a display name: PATCH, then GET /v1/me */
        struct dc_resp *r =
            req_json("PATCH", "/v1/me", u.token, json_pack("{s:s}", "display_name", s));
        dc_expect_status(r, 200, "PATCH display_name");
        expect_same(dc_str(r->json, "display_name"), s, "PATCH /v1/me display_name");
        dc_resp_free(r);
        r = req("GET", "/v1/me", u.token, NULL);
        expect_same(dc_str(r->json, "display_name"), s, "GET /v1/me display_name");
        dc_resp_free(r);

        /* a submission's title, description and a hashtag, then GET */
        json_t *b = dc_video_json(s);
        json_object_set_new(b, "description", json_string(s));
        json_object_set_new(b, "hashtags", json_pack("[s, s]", DC_TOPIC, s));
        r = req_json("POST", "/v1/submissions", u.token, b);
        dc_expect_status(r, 201, "submission with odd strings");
        char *id = dc_strdup(dc_str(r->json, "id"));
        dc_resp_free(r);
        char *path = dc_fmt("/v1/submissions/%s", id);
        r = req("GET", path, u.token, NULL);
        dc_expect_status(r, 200, "GET own submission");
        expect_same(dc_str(r->json, "title"), s, "submission title");
        expect_same(dc_str(r->json, "description"), s, "submission description");
        expect_same(json_string_value(json_array_get(json_object_get(r->json, "hashtags"), 1)), s,
                    "submission hashtag");
        dc_resp_free(r);
        /* rejected with that reason, and the reason comes back */
        char *rpath = dc_fmt("/v1/admin/submissions/%s/review", id);
        r = req_json("POST", rpath, admin,
                     json_pack("{s:s, s:s}", "decision", "reject", "reason", s));
        dc_expect_status(r, 200, "reject with odd reason");
        expect_same(dc_str(r->json, "reject_reason"), s, "reject_reason");
        dc_resp_free(r);
        free(rpath);
        free(path);
        free(id);

        /* a lesson and a livestream */
        r = req_json("POST", "/v1/admin/lessons", admin,
                     json_pack("{s:s, s:s, s:i, s:s, s:s}", "title", s, "category", "fire",
                               "duration_seconds", 60, "video_url", "https://v.example.cn/x.mp4",
                               "description", s));
        dc_expect_status(r, 201, "lesson with odd title");
        id = dc_strdup(dc_str(r->json, "id"));
        dc_resp_free(r);
        path = dc_fmt("/v1/lessons/%s", id);
        r = req("GET", path, NULL, NULL);
        expect_same(dc_str(r->json, "title"), s, "lesson title");
        expect_same(dc_str(r->json, "description"), s, "lesson description");
        dc_resp_free(r);
        free(path);
        free(id);
        char when[32];
        dc_iso_time(time(NULL) + 3600, when);
        r = req_json("POST", "/v1/admin/livestreams", admin,
                     json_pack("{s:s, s:s, s:s}", "title", s, "expert", s, "scheduled_at", when));
        dc_expect_status(r, 201, "livestream with odd title");
        id = dc_strdup(dc_str(r->json, "id"));
        dc_resp_free(r);
        path = dc_fmt("/v1/livestreams/%s", id);
        r = req("GET", path, NULL, NULL);
        expect_same(dc_str(r->json, "title"), s, "livestream title");
        expect_same(dc_str(r->json, "expert"), s, "livestream expert");
        dc_resp_free(r);
        free(path);
        free(id);

        /* an organization (listed back) */
        r = req_json(
            "POST", "/v1/admin/organizations", admin,
            json_pack("{s:s, s:s, s:s}", "name", s, "type", "other", "region_code", "350100"));
        dc_expect_status(r, 201, "organization with odd name");
        expect_same(dc_str(r->json, "name"), s, "organization name");
        dc_resp_free(r);
    }
    /* a recommendation channel without quotes, commas or braces */
    char *sub = make_submission(u.token, true);
    char *path = dc_fmt("/v1/admin/submissions/%s/recommend", sub);
    struct dc_resp *r =
        req_json("POST", path, admin, json_pack("{s:[s, s]}", "channels", SQLI, XSS));
    dc_expect_status(r, 200, "recommend with odd channels");
    json_t *ch = json_object_get(r->json, "recommended_channels");
    expect_same(json_string_value(json_array_get(ch, 0)), SQLI, "channel 0");
    expect_same(json_string_value(json_array_get(ch, 1)), XSS, "channel 1");
    dc_resp_free(r);
    free(path);
    free(sub);
    /* the tables the injection names are all still there */
    ck_assert_int_ge(dc_sql_ll("SELECT count(*) FROM accounts"), 1);
    ck_assert_int_ge(dc_sql_ll("SELECT count(*) FROM submissions"), 1);
    user_free(&u);
}
END_TEST

/* ---- 4. property-level authorization ------------------------------------ */

static json_t *get_me(const char *token)
{
    struct dc_resp *r = req("GET", "/v1/me", token, NULL);
    dc_expect_status(r, 200, "GET /v1/me");
    json_t *j = json_incref(r->json);
    dc_resp_free(r);
    return j;
}

START_TEST(patch_me_cannot_set_protected_fields)
{
    struct user u;
    user_take(&u, S_PROP_ME);
    json_t *before = get_me(u.token);
    char *q =
        dc_fmt("SELECT password_hash || role || phone || kind || created_at::text FROM accounts"
               " WHERE id = %s",
               u.id);
    char *db_before = dc_sql_value(q);
    char other_phone[12];
    fresh_phone(other_phone);
    json_t *attack = json_pack(
        "{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "role", "admin",
        "id", "1", "like_count", 99999, "phone", other_phone, "phone_masked", "139****0000",
        "created_at", "2000-01-01T00:00:00Z", "updated_at", "2000-01-01T00:00:00Z", "kind",
        "official", "password_hash", "scrypt$1$2$3", "token", "x", "account_id", "1", "verified",
        true, "status", "approved", "display_name", "只改名字");
    struct dc_resp *r = req_json("PATCH", "/v1/me", u.token, attack);
    dc_expect_status(r, 200, "PATCH /v1/me with protected fields");
    ck_assert_str_eq(dc_str(r->json, "display_name"), "只改名字");
    dc_resp_free(r);
    /* only role: ignored, never applied. API.md section 1: unknown fields
     * are ignored (role is none of PATCH /v1/me's fields), and a successful
     * change answers 200 with the object */
    r = req("PATCH", "/v1/me", u.token, "{\"role\":\"admin\"}");
    dc_expect_status(r, 200, "PATCH /v1/me with role only");
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    dc_resp_free(r);
    json_t *after = get_me(u.token);
    const char *keys[] = {"id",      "role",       "phone",           "phone_masked",
                          "kind",    "created_at", "organization_id", "region_code",
                          "audience"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char *a = json_dumps(json_object_get(before, keys[i]), JSON_ENCODE_ANY);
        char *b = json_dumps(json_object_get(after, keys[i]), JSON_ENCODE_ANY);
        ck_assert_msg(a && b && strcmp(a, b) == 0, "%s changed from %s to %s", keys[i], a, b);
        free(a);
        free(b);
    }
    ck_assert_ptr_null(json_object_get(after, "like_count"));
    ck_assert_str_eq(dc_str(after, "role"), "user");
    char *db_after = dc_sql_value(q);
    ck_assert_str_eq(db_before, db_after);
    /* still no admin */
    r = req("GET", "/v1/admin/audit", u.token, NULL);
    dc_expect_error(r, 403, "forbidden", NULL, "after the attack");
    dc_resp_free(r);
    /* the old password still logs in */
    r = login(u.phone, u.password);
    dc_expect_status(r, 201, "old password");
    note('T', dc_str(r->json, "token"));
    dc_resp_free(r);
    json_decref(before);
    json_decref(after);
    free(db_before);
    free(db_after);
    free(q);
    user_free(&u);
}
END_TEST

START_TEST(register_cannot_set_protected_fields)
{
    char phone[12];
    fresh_phone(phone);
    note_password("protected reg pw");
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "phone", phone,
                          "password", "protected reg pw", "display_name", "注册提权", "kind",
                          "individual", "region_code", "350100", "role", "admin", "id", "987654321",
                          "created_at", "2000-01-01T00:00:00Z", "like_count", 5);
    struct dc_resp *r = req_json("POST", "/v1/accounts", NULL, b);
    dc_expect_status(r, 201, "register with role admin");
    ck_assert_str_eq(dc_str(r->json, "role"), "user");
    ck_assert_str_ne(dc_str(r->json, "id"), "987654321");
    ck_assert_str_ne(dc_str(r->json, "created_at"), "2000-01-01T00:00:00Z");
    ck_assert_ptr_null(json_object_get(r->json, "like_count"));
    char *role = dc_sql_fmt("SELECT role FROM accounts WHERE phone = '%s'", phone);
    ck_assert_str_eq(role, "user");
    free(role);
    dc_resp_free(r);
}
END_TEST

START_TEST(submission_cannot_set_server_fields)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    struct user u, other;
    user_take(&u, S_PROP_SUB);
    user_take(&other, S_PROP_OTHER);
    json_t *b = dc_video_json("想自己通过");
    json_object_set_new(b, "status", json_string("approved"));
    json_object_set_new(b, "like_count", json_integer(100000));
    json_object_set_new(b, "recommended", json_true());
    json_object_set_new(b, "recommended_channels", json_pack("[s]", "央视"));
    json_object_set_new(b, "source", json_string("partner"));
    json_object_set_new(b, "author", json_pack("{s:s}", "id", other.id));
    json_object_set_new(b, "author_id", json_string(other.id));
    json_object_set_new(b, "id", json_string("987654321"));
    json_object_set_new(b, "reject_reason", json_string("x"));
    json_object_set_new(b, "created_at", json_string("2000-01-01T00:00:00Z"));
    struct dc_resp *r = req_json("POST", "/v1/submissions", u.token, b);
    dc_expect_status(r, 201, "submission with server fields");
    ck_assert_str_eq(dc_str(r->json, "status"), "pending");
    ck_assert_int_eq(dc_int(r->json, "like_count"), 0);
    ck_assert(json_is_false(json_object_get(r->json, "recommended")));
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "recommended_channels")), 0);
    ck_assert_str_eq(dc_str(r->json, "source"), "direct");
    ck_assert_str_eq(dc_str(json_object_get(r->json, "author"), "id"), u.id);
    ck_assert(json_is_null(json_object_get(r->json, "reject_reason")));
    char *id = dc_strdup(dc_str(r->json, "id"));
    ck_assert_str_ne(id, "987654321");
    dc_resp_free(r);

    /* PATCH: only title, description and cover_url */
    char *path = dc_fmt("/v1/submissions/%s", id);
    json_t *p = json_pack("{s:s, s:s, s:i, s:b, s:s, s:s, s:s, s:[s], s:i, s:s, s:s}", "title",
                          "只改标题", "status", "approved", "like_count", 5000, "recommended", true,
                          "author_id", other.id, "category", "flood", "video_url",
                          "https://evil.example.com/x.mp4", "hashtags", "别的", "duration_seconds",
                          900, "format", "mov", "source", "partner");
    r = req_json("PATCH", path, u.token, p);
    dc_expect_status(r, 200, "PATCH with server fields");
    ck_assert_str_eq(dc_str(r->json, "title"), "只改标题");
    ck_assert_str_eq(dc_str(r->json, "status"), "pending");
    ck_assert_str_eq(dc_str(r->json, "category"), "fire");
    ck_assert_str_eq(dc_str(r->json, "video_url"), "https://video.example.com/v/escape.mp4");
    ck_assert_int_eq(dc_int(r->json, "duration_seconds"), 95);
    ck_assert_str_eq(dc_str(r->json, "format"), "mp4");
    ck_assert_int_eq(dc_int(r->json, "like_count"), 0);
    ck_assert_str_eq(dc_str(json_object_get(r->json, "author"), "id"), u.id);
    dc_resp_free(r);
    char *q = dc_fmt("SELECT concat_ws(',', status, like_count, recommended, author_id, category,"
                     " source, hashtags::text) FROM submissions WHERE id = %s",
                     id);
    char *row = dc_sql_value(q);
    char *want = dc_fmt("pending,0,f,%s,fire,direct,{%s,消防安全}", u.id, DC_TOPIC);
    ck_assert_str_eq(row, want);
    free(want);
    free(row);
    free(q);
    free(path);
    free(id);
    user_free(&u);
    user_free(&other);
}
END_TEST

START_TEST(partner_link_cannot_set_role)
{
    struct partner p;
    partner_make(&p, "属性平台");
    char phone[12];
    fresh_phone(phone);
    char *target = dc_fmt("/v1/partner/users/prop-%d", (int)getpid());
    struct dc_resp *r =
        partner_call_json(&p, "PUT", target,
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "phone", phone,
                                    "display_name", "平台提权", "region_code", "350100", "role",
                                    "admin", "kind", "official", "password", "partner set pw"));
    dc_expect_status(r, 201, "partner link with role");
    json_t *acct = json_object_get(r->json, "account");
    ck_assert_str_eq(dc_str(acct, "role"), "user");
    ck_assert_str_eq(dc_str(acct, "kind"), "individual");
    dc_resp_free(r);
    free(target);
    /* the password in the body set nothing */
    note_password("partner set pw");
    r = login(phone, "partner set pw");
    dc_expect_error(r, 401, "invalid_credentials", NULL, "partner-set password");
    dc_resp_free(r);
}
END_TEST

/* ---- 5. privacy ------------------------------------------------------------ */

/* Every phone the database holds, as a NULL-terminated array. */
static char **all_phones(size_t *n)
{
    PGconn *c = PQconnectdb(getenv("DATABASE_URL"));
    ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
    PGresult *res = PQexec(c, "SELECT phone FROM accounts");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    *n = (size_t)PQntuples(res);
    char **out = dc_need(calloc(*n + 1, sizeof *out));
    for (size_t i = 0; i < *n; i++)
        out[i] = dc_strdup(PQgetvalue(res, (int)i, 0));
    PQclear(res);
    PQfinish(c);
    return out;
}

static void expect_no_phones(const struct dc_resp *r, char **phones, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strstr(r->body, phones[i]) == NULL, "%s shows the phone %s", what, phones[i]);
}

/* an author or account object: only the allow-listed members */
static void expect_public_account(const json_t *o, const char *what)
{
    ck_assert_msg(json_is_object(o), "%s: no object", what);
    const char *allowed[] = {"id", "display_name", "kind", "region_code"};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
            ok = ok || strcmp(key, allowed[i]) == 0;
        ck_assert_msg(ok, "%s carries %s", what, key);
    }
}

START_TEST(public_views_never_show_phones)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    struct user author, viewer, mod;
    user_take(&author, S_PRIV_AUTHOR);
    user_take(&viewer, S_PRIV_VIEWER);
    user_take(&mod, S_PRIV_MOD);
    char *path = dc_fmt("/v1/admin/accounts/%s/role", mod.id);
    struct dc_resp *r = req("PUT", path, admin, "{\"role\":\"moderator\"}");
    dc_expect_status(r, 200, "make moderator");
    dc_resp_free(r);
    free(path);
    char *sub = make_submission(author.token, true);
    r = like(viewer.token, sub, true);
    dc_expect_status(r, 200, "like");
    dc_resp_free(r);
    size_t n;
    char **phones = all_phones(&n);
    path = dc_fmt("/v1/submissions/%s", sub);
    const char *tokens[] = {NULL, viewer.token, author.token, mod.token};
    for (size_t t = 0; t < 4; t++) {
        r = req("GET", path, tokens[t], NULL);
        dc_expect_status(r, 200, "GET submission");
        expect_public_account(json_object_get(r->json, "author"), "submission author");
        expect_no_phones(r, phones, n, "GET /v1/submissions/:id");
        dc_resp_free(r);
    }
    const char *lists[] = {"/v1/submissions?limit=100", "/v1/submissions?sort=likes&limit=100",
                           "/v1/leaderboard", "/v1/admin/submissions?status=approved&limit=100"};
    for (size_t i = 0; i < 4; i++) {
        r = req("GET", lists[i], i == 3 ? mod.token : viewer.token, NULL);
        dc_expect_status(r, 200, lists[i]);
        expect_no_phones(r, phones, n, lists[i]);
        size_t k;
        json_t *it;
        json_t *items = json_object_get(r->json, i == 2 ? "entries" : "items");
        /* the author's approved submission is in every one of them */
        ck_assert_msg(json_array_size(items) > 0, "%s: no items: %.500s", lists[i], r->body);
        json_array_foreach(items, k, it)
        {
            expect_public_account(json_object_get(it, i == 2 ? "account" : "author"), lists[i]);
        }
        dc_resp_free(r);
    }
    /* no phone member anywhere in the leaderboard */
    r = req("GET", "/v1/leaderboard", NULL, NULL);
    dc_expect_status(r, 200, "leaderboard");
    ck_assert_msg(strstr(r->body, "\"phone") == NULL, "the leaderboard has a phone member");
    dc_resp_free(r);
    for (size_t i = 0; i < n; i++)
        free(phones[i]);
    free(phones);
    free(path);
    free(sub);
    user_free(&author);
    user_free(&viewer);
    user_free(&mod);
}
END_TEST

START_TEST(own_account_shows_full_phone)
{
    struct user u;
    user_take(&u, S_PRIV_OWN);
    struct dc_resp *r = login(u.phone, u.password);
    dc_expect_status(r, 201, "login");
    expect_no_store(r, "POST /v1/sessions");
    const char *token = dc_str(r->json, "token");
    note('T', token);
    char *tok = dc_strdup(token);
    ck_assert_str_eq(dc_str(json_object_get(r->json, "account"), "phone"), u.phone);
    dc_resp_free(r);
    r = req("GET", "/v1/me", tok, NULL);
    dc_expect_status(r, 200, "GET /v1/me");
    expect_no_store(r, "GET /v1/me");
    ck_assert_str_eq(dc_str(r->json, "phone"), u.phone);
    char masked[16];
    snprintf(masked, sizeof masked, "%.3s****%.4s", u.phone, u.phone + 7);
    ck_assert_str_eq(dc_str(r->json, "phone_masked"), masked);
    dc_resp_free(r);
    r = req("PATCH", "/v1/me", tok, "{\"audience\":\"student\"}");
    dc_expect_status(r, 200, "PATCH /v1/me");
    expect_no_store(r, "PATCH /v1/me");
    dc_resp_free(r);
    const char *private_gets[] = {"/v1/me/progress", "/v1/me/checkins", "/v1/me/reservations",
                                  "/v1/submissions?mine=true"};
    for (size_t i = 0; i < 4; i++) {
        r = req("GET", private_gets[i], tok, NULL);
        dc_expect_status(r, 200, private_gets[i]);
        expect_no_store(r, private_gets[i]);
        dc_resp_free(r);
    }
    /* a failed login is private too, and tells nothing */
    note_password("definitely wrong");
    r = login(u.phone, "definitely wrong");
    dc_expect_error(r, 401, "invalid_credentials", NULL, "wrong password");
    ck_assert_ptr_null(strstr(r->body, u.phone));
    dc_resp_free(r);
    /* another user's view of this account's submission has no phone: see
     * public_views_never_show_phones; an admin may see it */
    char *path = dc_fmt("/v1/admin/accounts/%s/role", u.id);
    r = req("PUT", path, admin, "{\"role\":\"user\"}");
    dc_expect_status(r, 200, "admin view");
    expect_no_store(r, "admin view");
    const char *shown = dc_str(r->json, "phone");
    ck_assert_msg(!shown || strcmp(shown, u.phone) == 0, "admin view shows phone %s", shown);
    dc_resp_free(r);
    free(path);
    free(tok);
    user_free(&u);
}
END_TEST

START_TEST(partner_answers_are_private)
{
    dc_campaign_live(admin, DC_RULES_FAST);
    struct partner p;
    partner_make(&p, "隐私平台");
    char phone[12];
    fresh_phone(phone);
    char *target = dc_fmt("/v1/partner/users/priv-%d", (int)getpid());
    struct dc_resp *r =
        partner_call_json(&p, "PUT", target,
                          json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "平台隐私",
                                    "region_code", "350100"));
    dc_expect_status(r, 201, "partner link");
    expect_no_store(r, "partner link");
    ck_assert_ptr_null(json_object_get(json_object_get(r->json, "account"), "phone"));
    dc_resp_free(r);
    free(target);
    r = partner_call(&p, "GET", "/v1/partner/changes", NULL);
    dc_expect_status(r, 200, "changes");
    expect_no_store(r, "partner changes");
    dc_resp_free(r);
    char *lesson = dc_make_lesson(admin, "fire", 100);
    char *body = dc_dumps(json_pack("{s:[{s:s, s:s, s:s, s:i, s:i}]}", "items", "external_user_id",
                                    p.ext_user, "content_type", "lesson", "content_id", lesson,
                                    "from_second", 0, "to_second", 10));
    r = partner_call(&p, "POST", "/v1/partner/progress/batch", body);
    dc_expect_status(r, 200, "progress batch");
    expect_no_store(r, "partner batch");
    dc_resp_free(r);
    free(body);
    free(lesson);
    r = partner_raw(&p, "wrong secret", "GET", "/v1/partner/changes", NULL, NULL, 0);
    dc_expect_status(r, 401, "forged");
    expect_no_store(r, "partner 401");
    dc_resp_free(r);
}
END_TEST

/* ---- 6. the logs hold no secrets (runs after the main suite) ----------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct growbuf {
        char *p;
        size_t n, cap;
    } b = {NULL, 0, 0};
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.n + k + 1 > b.cap) {
            b.cap = (b.n + k + 1) * 2;
            b.p = dc_need(realloc(b.p, b.cap));
        }
        memcpy(b.p + b.n, chunk, k);
        b.n += k;
    }
    fclose(f);
    if (!b.p)
        b.p = dc_need(calloc(1, 1));
    b.p[b.n] = '\0';
    *len = b.n;
    return b.p;
}

START_TEST(logs_hold_no_secrets)
{
    /* a flow of this test's own on a server of its own, so that the check
     * never runs on nothing */
    own_server_start(NULL);
    struct user u;
    user_make(&u, "日志检查", true);
    note_password("log check wrong pw");
    struct dc_resp *r = login(u.phone, "log check wrong pw");
    dc_expect_status(r, 401, "wrong password");
    dc_resp_free(r);
    note_password("log check new pw 1");
    r = req_json(
        "PATCH", "/v1/me", u.token,
        json_pack("{s:s, s:s}", "password", "log check new pw 1", "current_password", u.password));
    dc_expect_status(r, 200, "password change");
    dc_resp_free(r);
    r = req("GET", "/v1/me", "0000000000000000000000000000000000000000000", NULL);
    dc_expect_status(r, 401, "bad token");
    dc_resp_free(r);
    struct partner p;
    partner_make(&p, "日志平台");
    r = partner_call(&p, "GET", "/v1/partner/changes?limit=5", NULL);
    dc_expect_status(r, 200, "partner request");
    dc_resp_free(r);
    r = req("DELETE", "/v1/sessions/current", u.token, NULL);
    dc_expect_status(r, 204, "logout");
    dc_resp_free(r);
    stop_own_server();
    user_free(&u);

    /* the secrets and logs of the whole run */
    size_t len;
    char *list = read_file(secrets_path, &len);
    ck_assert_msg(list != NULL, "no secrets list at %s", secrets_path);
    char dir[512], main_log[700];
    log_dir(dir, sizeof dir);
    snprintf(main_log, sizeof main_log, "%s/server-%d.log", dir, run_id);
    char *logs[256];
    int nlogs = 0;
    logs[nlogs++] = dc_strdup(main_log);
    int nsecrets = 0;
    for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n"))
        if (line[0] == 'L' && nlogs < 256) {
            bool dup = false;
            for (int i = 0; i < nlogs; i++)
                dup = dup || strcmp(logs[i], line + 2) == 0;
            if (!dup)
                logs[nlogs++] = dc_strdup(line + 2);
        }
    free(list);
    list = read_file(secrets_path, &len);
    char report[REPORT] = "";
    size_t scanned = 0;
    for (int i = 0; i < nlogs; i++) {
        size_t n;
        char *text = read_file(logs[i], &n);
        ck_assert_msg(text != NULL, "no server log at %s", logs[i]);
        ck_assert_msg(strstr(text, "/v1/") != NULL, "%s has no access lines", logs[i]);
        scanned += n;
        char *copy = dc_strdup(list);
        nsecrets = 0;
        for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
            if (line[0] == 'L' || strlen(line) < 3)
                continue;
            nsecrets++;
            if (strstr(text, line + 2)) {
                size_t m = strlen(report);
                const char *kind = line[0] == 'P'   ? "password"
                                   : line[0] == 'T' ? "bearer token"
                                   : line[0] == 'K' ? "partner secret"
                                                    : "full phone number";
                if (m + 300 < sizeof report)
                    snprintf(report + m, sizeof report - m, "\n  %s %s in %s", kind, line + 2,
                             logs[i]);
            }
        }
        free(copy);
        free(text);
    }
    printf("log check: %d secrets searched in %d logs (%zu bytes)\n", nsecrets, nlogs, scanned);
    ck_assert_msg(nsecrets >= 20, "only %d secrets noted", nsecrets);
    ck_assert_msg(report[0] == '\0', "the server logs hold secrets:%s", report);
    for (int i = 0; i < nlogs; i++)
        free(logs[i]);
    free(list);
}
END_TEST

/* ---- main ------------------------------------------------------------------ */

static char *make_admin(void)
{
    char phone[12], pw[64], env[96];
    dc_unique_phone(phone);
    note('N', phone);
    snprintf(pw, sizeof pw, "sec admin pw %d", run_id);
    note_password(pw);
    snprintf(env, sizeof env, "DRILLCAMP_ADMIN_PASSWORD=%s", pw);
    const char *args[] = {"create-admin", "--phone", phone, NULL};
    const char *envs[] = {env, NULL};
    if (dc_run_cli(args, envs, NULL, NULL) != 0)
        return NULL;
    char *tok = dc_login(phone, pw);
    note('T', tok);
    char *id = dc_sql_fmt("SELECT id FROM accounts WHERE phone = '%s'", phone);
    if (id)
        forbid_account(id);
    free(id);
    return tok;
}

struct pool_job {
    int next;
    pthread_mutex_t lock;
    bool ok;
};

static void *pool_worker(void *arg)
{
    struct pool_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int slot = j->next;
        while (slot < POOL_MAX && !pool_wanted[slot])
            slot++;
        j->next = slot + 1;
        pthread_mutex_unlock(&j->lock);
        if (slot >= POOL_MAX)
            return NULL;
        if (!pool_make_one(&pool[slot], slot)) {
            pthread_mutex_lock(&j->lock);
            j->ok = false;
            pthread_mutex_unlock(&j->lock);
        }
    }
}

/* The sweep's endpoints whose prepare takes a user of the pool. */
static bool sweep_needs_user(const struct endpoint *ep)
{
    void (*const takers[])(struct ep_ctx *) = {
        prep_user,   prep_sessions,  prep_progress, prep_submission_patch,
        prep_review, prep_recommend, prep_role,     prep_partner_likes};
    for (size_t i = 0; i < sizeof takers / sizeof *takers; i++)
        if (ep->prepare == takers[i])
            return true;
    return false;
}

static bool make_pool(void)
{
    for (int i = 0; i < S_SWEEP0; i++)
        pool_wanted[i] = true;
    for (int i = 0; i < NENDPOINTS && S_SWEEP0 + i < POOL_MAX; i++)
        pool_wanted[S_SWEEP0 + i] = sweep_needs_user(&ENDPOINTS[i]);
    struct pool_job j = {.next = 0, .ok = true};
    pthread_mutex_init(&j.lock, NULL);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, pool_worker, &j);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&j.lock);
    for (int i = 0; i < POOL_MAX; i++)
        if (pool_wanted[i] && pool[i].id) {
            note('N', pool[i].phone);
            note_password(pool[i].password);
            note('T', pool[i].token);
            forbid_account(pool[i].id);
        }
    return j.ok;
}

int main(void)
{
    run_id = (int)getpid();
    char dir[512];
    log_dir(dir, sizeof dir);
    mkdir(dir, 0755);
    snprintf(secrets_path, sizeof secrets_path, "%s/security-secrets-%d.txt", dir, run_id);
    unlink(secrets_path);
    /* the harness's own passwords, should a helper of it be used */
    note_password("correct horse 1");
    note_password("admin pass 123");
    note_password("sweep pass 123");
    dc_set_answer_check(check_answer);
    dc_server_start(NULL);
    admin = make_admin();
    if (!admin || !make_pool()) {
        fprintf(stderr, "test_security: no admin token\n");
        dc_server_stop();
        return 1;
    }
    Suite *s = suite_create("security");
    TCase *limits = tcase_create("rate_limits");
    tcase_set_timeout(limits, 90);
    tcase_add_test(limits, limit_login_per_phone);
    tcase_add_test(limits, limit_login_per_ip);
    tcase_add_test(limits, limit_register_per_ip);
    tcase_add_test(limits, limit_likes_per_account);
    tcase_add_test(limits, limit_progress_per_account);
    tcase_add_test(limits, limit_retry_after_is_honest);
    tcase_add_test(limits, limit_partner_per_key);
    suite_add_tcase(s, limits);
    TCase *sweep = tcase_create("bad_input");
    tcase_set_timeout(sweep, 120);
    tcase_add_loop_test(sweep, bad_input_sweep, 0, NENDPOINTS);
    tcase_add_test(sweep, odd_strings_round_trip);
    suite_add_tcase(s, sweep);
    TCase *oversize = tcase_create("oversize");
    tcase_set_timeout(oversize, 60);
    tcase_add_loop_test(oversize, oversize_bodies_answered_413, 0, NENDPOINTS);
    suite_add_tcase(s, oversize);
    TCase *props = tcase_create("properties");
    tcase_set_timeout(props, 60);
    tcase_add_test(props, patch_me_cannot_set_protected_fields);
    tcase_add_test(props, register_cannot_set_protected_fields);
    tcase_add_test(props, submission_cannot_set_server_fields);
    tcase_add_test(props, partner_link_cannot_set_role);
    suite_add_tcase(s, props);
    TCase *privacy = tcase_create("privacy");
    tcase_set_timeout(privacy, 60);
    tcase_add_test(privacy, public_views_never_show_phones);
    tcase_add_test(privacy, own_account_shows_full_phone);
    tcase_add_test(privacy, partner_answers_are_private);
    suite_add_tcase(s, privacy);
    int failed = dc_run_suite(s);
    int stopped = dc_server_stop();
    if (stopped != 0)
        fprintf(stderr, "test_security: the server stopped with %d\n", stopped);

    /* once the main server has written its last line */
    Suite *logs = suite_create("security_logs");
    TCase *lc = tcase_create("logs");
    tcase_set_timeout(lc, 60);
    tcase_add_test(lc, logs_hold_no_secrets);
    suite_add_tcase(logs, lc);
    int log_failed = dc_run_suite(logs);
    free(admin);
    return failed != 0 || stopped != 0 || log_failed != 0 ? 1 : 0;
}
