/*
 * test_db_outage.c - the server rides out a PostgreSQL outage (API.md
 * section 1: 503 unavailable with Retry-After; section 8: /readyz):
 *
 *  - before: /readyz 200 and a database-backed read (GET /v1/regions) 200;
 *  - PostgreSQL stopped ("fast" shutdown, then in a second test "immediate",
 *    i.e. a crash and recovery on the next start): /readyz, GET /v1/regions
 *    and POST /v1/sessions answer 503 unavailable with Retry-After, while
 *    /healthz (no database) stays 200;
 *  - PostgreSQL started again: within 10 s /readyz and /v1/regions are 200
 *    again and register + login + GET /v1/me work, all on the same server
 *    process (no restart).
 *
 * Each test stops and starts PostgreSQL itself (Check runs it in a forked
 * child). Each test has its own test case whose unchecked teardown (run in
 * the parent) starts PostgreSQL again in case the test failed midway, and
 * main() does so once more as a safety net: scripts/pg.sh start is
 * idempotent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* True while the server process is alive and not a zombie. */
static bool server_alive(int pid)
{
    char path[64], state = '?';
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    /* "pid (comm) S ...": the state follows the last ')' */
    char buf[512];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p && p[1] == ' ')
        state = p[2];
    return state != '?' && state != 'Z' && state != 'X';
}

static long status_of(const char *method, const char *path, const char *json)
{
    struct dc_resp *r = dc_req(method, path, NULL, json);
    long st = r->status;
    dc_resp_free(r);
    return st;
}

/* 503 unavailable in the error envelope, with Retry-After. */
static void expect_unavailable(const char *method, const char *path, const char *json)
{
    struct dc_resp *r = dc_req(method, path, NULL, json);
    ck_assert_msg(r->status == 503, "%s %s while the database is down: %ld %s", method, path,
                  r->status, r->body);
    ck_assert_msg(json_object_size(r->json) == 1 &&
                      json_is_object(json_object_get(r->json, "error")),
                  "%s %s: not an error envelope: %s", method, path, r->body);
    ck_assert_msg(strcmp(dc_err_code_of(r), "unavailable") == 0, "%s %s: code %s", method, path,
                  dc_err_code_of(r));
    const char *msg =
        json_string_value(json_object_get(json_object_get(r->json, "error"), "message"));
    ck_assert_msg(msg && *msg, "%s %s: no message", method, path);
    char *ra = dc_resp_header(r, "Retry-After");
    ck_assert_msg(ra && atoi(ra) >= 1, "%s %s: Retry-After is %s", method, path,
                  ra ? ra : "(absent)");
    free(ra);
    char *rid = dc_resp_header(r, "X-Request-Id");
    ck_assert_msg(rid && *rid, "%s %s: no X-Request-Id", method, path);
    free(rid);
    dc_resp_free(r);
}

static void expect_all_up(const char *when)
{
    struct dc_resp *r = dc_req("GET", "/readyz", NULL, NULL);
    ck_assert_msg(r->status == 200, "%s: /readyz %ld %s", when, r->status, r->body);
    dc_resp_free(r);
    r = dc_req("GET", "/v1/regions", NULL, NULL);
    ck_assert_msg(r->status == 200, "%s: /v1/regions %ld %s", when, r->status, r->body);
    ck_assert_msg(json_array_size(json_object_get(r->json, "items")) > 0, "%s: no regions", when);
    dc_resp_free(r);
}

/* One outage: stop PostgreSQL with mode, check the 503s, start it again and
 * wait (up to 10 s) for the same server process to recover. */
static void outage_cycle(const char *mode)
{
    int pid = dc_server_pid();
    ck_assert_msg(server_alive(pid), "the server is not running");
    expect_all_up("before the outage");

    dc_pg_stop(mode);
    /* the first request after the stop may be the one that notices the
     * dropped connections; every answer must already be 503 though */
    expect_unavailable("GET", "/readyz", NULL);
    expect_unavailable("GET", "/v1/regions", NULL);
    expect_unavailable("POST", "/v1/sessions",
                       "{\"phone\":\"13900000000\",\"password\":\"looks valid 123\"}");
    /* several in a row (the pool has several connections, each dropped) */
    for (int i = 0; i < 8; i++)
        expect_unavailable("GET", "/v1/regions", NULL);
    expect_unavailable("GET", "/readyz", NULL);

    struct dc_resp *h = dc_req("GET", "/healthz", NULL, NULL);
    ck_assert_msg(h->status == 200, "/healthz during the outage: %ld %s", h->status, h->body);
    dc_resp_free(h);
    ck_assert_msg(server_alive(pid), "the server died during the outage (%s)", mode);

    dc_pg_start();
    long ready = 0, regions = 0;
    for (int i = 0; i < 50; i++) {
        ready = status_of("GET", "/readyz", NULL);
        regions = ready == 200 ? status_of("GET", "/v1/regions", NULL) : 0;
        if (ready == 200 && regions == 200)
            break;
        dc_nap_ms(200);
    }
    ck_assert_msg(ready == 200 && regions == 200,
                  "not recovered 10 s after PostgreSQL came back (%s): readyz %ld, regions %ld",
                  mode, ready, regions);
    /* every pooled connection works again, not only the first one */
    for (int i = 0; i < 12; i++)
        expect_all_up("after recovery");

    /* writes and authentication work again */
    struct dc_user u;
    ck_assert_msg(dc_try_new_user(&u, NULL, 0), "register + login failed after recovery (%s)",
                  mode);
    struct dc_resp *me = dc_req("GET", "/v1/me", u.token, NULL);
    ck_assert_msg(me->status == 200, "GET /v1/me after recovery: %ld %s", me->status, me->body);
    const char *got = json_string_value(json_object_get(me->json, "phone"));
    ck_assert_msg(got && strcmp(got, u.phone) == 0, "GET /v1/me phone %s, want %s", got ? got : "-",
                  u.phone);
    dc_resp_free(me);

    ck_assert_msg(dc_server_pid() == pid && server_alive(pid),
                  "the server process changed or died (%s)", mode);
}

START_TEST(outage_fast_shutdown)
{
    outage_cycle("fast");
}
END_TEST

/* "immediate" kills PostgreSQL without a checkpoint: the next start runs
 * crash recovery, and the server's connections die without a goodbye. */
START_TEST(outage_immediate_crash)
{
    outage_cycle("immediate");
}
END_TEST

/* A token issued before the outage still works after it. */
START_TEST(session_survives_outage)
{
    struct dc_user u = dc_new_user(NULL);
    dc_pg_stop("fast");
    struct dc_resp *r = dc_req("GET", "/v1/me", u.token, NULL);
    long down = r->status;
    char *ra = dc_resp_header(r, "Retry-After");
    dc_resp_free(r);
    dc_pg_start();
    ck_assert_msg(down == 503, "GET /v1/me while down: %ld", down);
    ck_assert_msg(ra != NULL, "GET /v1/me while down: no Retry-After");
    free(ra);
    long st = 0;
    for (int i = 0; i < 50 && st != 200; i++) {
        r = dc_req("GET", "/v1/me", u.token, NULL);
        st = r->status;
        dc_resp_free(r);
        if (st != 200)
            dc_nap_ms(200);
    }
    ck_assert_msg(st == 200, "GET /v1/me with the old token after recovery: %ld", st);
}
END_TEST

/* Runs in the parent after a test case, even when its test failed with
 * PostgreSQL stopped, so that the next test starts with it running. */
static void pg_up(void)
{
    dc_pg_start();
}

static void add_case(Suite *s, const char *name, const TTest *test)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, NULL, pg_up);
    tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

int main(void)
{
    dc_server_start(NULL);
    Suite *s = suite_create("db_outage");
    add_case(s, "fast_shutdown", outage_fast_shutdown);
    add_case(s, "immediate_crash", outage_immediate_crash);
    add_case(s, "session_survives", session_survives_outage);

    int rc = dc_run_suite(s);
    dc_pg_start(); /* safety net: a failed test may have left it stopped */
    int stop = dc_server_stop();
    if (stop != 0)
        fprintf(stderr, "test_db_outage: the server exited with status %d\n", stop);
    return rc == 0 && stop == 0 ? 0 : 1;
}
