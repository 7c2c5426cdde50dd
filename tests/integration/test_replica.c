/*
 * test_replica.c - read routing with DATABASE_READ_URL, and the server's
 * flows with unnamed statements (DRILLCAMP_DB_PREPARED=0, for PgBouncer in
 * transaction mode).
 *
 *  1. anonymous_reads_on_the_replica: with a replica that answers (here
 *     the test database itself: not in recovery, so no lag), anonymous
 *     lag-tolerant reads check out replica connections; the same reads
 *     with a token, the caller's own data and writes go to the primary;
 *     an admin's report reads the replica once the token is checked.
 *  2. replica_down_reads_the_primary: a replica that cannot be reached:
 *     every read is answered from the primary, and /metrics counts each
 *     as a fallback.
 *  3. unnamed_statements_run_every_flow: register, log in, learn, claim a
 *     certificate, submit, review, like, read the leaderboard, with
 *     DRILLCAMP_DB_PREPARED=0.
 *  Lag (a replica that stops replaying) is driven by scripts/topology.sh,
 *  which has a real streaming replica.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_run.h"
#include "harness.h"

#define REPLICA_ACQ "drillcamp_db_pool_acquires_total{pool=\"replica\"}"
#define PRIMARY_ACQ "drillcamp_db_pool_acquires_total{pool=\"primary\"}"

/* "DATABASE_READ_URL=<the test database>" (static). */
static const char *read_url_env(void)
{
    static char env[512];
    free(dc_sql_value("SELECT 1")); /* the harness has made the database */
    snprintf(env, sizeof env, "DATABASE_READ_URL=%s", getenv("DATABASE_URL"));
    return env;
}

static void get_ok(const char *path, const char *token)
{
    struct dc_resp *r = dc_req("GET", path, token, NULL);
    dc_expect_status(r, 200, path);
    dc_resp_free(r);
}

START_TEST(anonymous_reads_on_the_replica)
{
    const char *env[] = {read_url_env(), NULL};
    dc_server_start(env);
    for (int i = 0; i < 50 && dc_metric("drillcamp_db_replica_up") != 1; i++)
        dc_nap_ms(100);
    ck_assert_msg(dc_metric("drillcamp_db_replica_up") == 1, "the replica never came up");
    char *admin = dc_new_admin_token();
    struct dc_user u = dc_new_user(NULL);

    double rep0 = dc_metric(REPLICA_ACQ), pri0 = dc_metric(PRIMARY_ACQ);
    get_ok("/v1/lessons", NULL);
    get_ok("/v1/submissions", NULL);
    get_ok("/v1/organizations", NULL);
    double rep1 = dc_metric(REPLICA_ACQ), pri1 = dc_metric(PRIMARY_ACQ);
    ck_assert_msg(rep1 - rep0 == 3, "anonymous reads: %g replica checkouts", rep1 - rep0);

    /* a token holder reads on the primary (its session and its own
     * writes are there at once) */
    get_ok("/v1/lessons", u.token);
    get_ok("/v1/submissions", u.token);
    get_ok("/v1/me/progress", u.token);
    double rep2 = dc_metric(REPLICA_ACQ), pri2 = dc_metric(PRIMARY_ACQ);
    ck_assert_msg(rep2 == rep1, "reads with a token took %g replica checkouts", rep2 - rep1);
    ck_assert(pri2 - pri1 >= 3);
    (void)pri0;

    /* a staff report: the token on the primary, the report on the replica */
    get_ok("/v1/admin/stats?group_by=region", admin);
    ck_assert_msg(dc_metric(REPLICA_ACQ) - rep2 == 1, "the report did not read the replica");
    ck_assert(dc_metric("drillcamp_db_replica_fallbacks_total{reason=\"down\"}") == 0);
    ck_assert(dc_metric("drillcamp_db_replica_lag_seconds") == 0);
    free(admin);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

START_TEST(replica_down_reads_the_primary)
{
    const char *env[] = {"DATABASE_READ_URL=host=127.0.0.1 port=1 dbname=none connect_timeout=1",
                         NULL};
    dc_server_start(env);
    dc_nap_ms(500); /* the monitor has tried */
    ck_assert(dc_metric("drillcamp_db_replica_up") == 0);
    double f0 = dc_metric("drillcamp_db_replica_fallbacks_total{reason=\"down\"}");
    for (int i = 0; i < 4; i++)
        get_ok("/v1/lessons", NULL);
    get_ok("/v1/regions", NULL);
    double f1 = dc_metric("drillcamp_db_replica_fallbacks_total{reason=\"down\"}");
    ck_assert_msg(f1 - f0 == 5, "%g fallbacks counted for 5 reads", f1 - f0);
    ck_assert(dc_metric(REPLICA_ACQ) == 0);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

START_TEST(unnamed_statements_run_every_flow)
{
    const char *env[] = {"DRILLCAMP_DB_PREPARED=0", NULL};
    dc_server_start(env);
    char *admin = dc_new_admin_token();
    dc_campaign_live(admin, DC_RULES_FAST);
    struct dc_user u = dc_new_user(NULL), fan = dc_new_user(NULL);
    get_ok("/v1/me", u.token);
    dc_earn(admin, u.token, 8 * 3600);
    json_t *cert = dc_expect_json("POST", "/v1/me/certificate", u.token, NULL, 201, "claim");
    char path[128];
    snprintf(path, sizeof path, "/v1/certificates/%s", dc_str(cert, "serial"));
    get_ok(path, NULL);
    json_decref(cert);
    char *sub = dc_submit_approved(admin, u.token, dc_video_json("无名语句"));
    snprintf(path, sizeof path, "/v1/submissions/%s/like", sub);
    struct dc_resp *r = dc_req("PUT", path, fan.token, NULL);
    dc_expect_status(r, 200, "like");
    dc_resp_free(r);
    /* the like reaches the count (folded within seconds) */
    long long likes = 0;
    for (int i = 0; i < 50 && likes != 1; i++) {
        dc_nap_ms(100);
        likes = dc_sql_ll("SELECT like_count FROM submissions WHERE id = %s", sub);
    }
    ck_assert_int_eq(likes, 1);
    get_ok("/v1/leaderboard", NULL);
    get_ok("/v1/admin/stats?group_by=region", admin);
    free(sub);
    free(admin);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("replica");
    TCase *tc = tcase_create("replica");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, anonymous_reads_on_the_replica);
    tcase_add_test(tc, replica_down_reads_the_primary);
    tcase_add_test(tc, unnamed_statements_run_every_flow);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
