/*
 * test_ratelimit.c - the in-memory token buckets (burst, refill,
 * Retry-After, keys apart, a disabled limit) and the cap on concurrent
 * password hashes.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "check_run.h"
#include "drillcamp/ratelimit.h"

static void init(unsigned login_phone, unsigned likes)
{
    unsigned limits[RL__COUNT] = {0};
    limits[RL_LOGIN_PHONE] = login_phone;
    limits[RL_LIKES_ACCOUNT] = likes;
    ratelimit_shutdown();
    ck_assert_int_eq(ratelimit_init(limits), DC_OK);
}

START_TEST(burst_then_refused_with_retry_after)
{
    init(3, 0);
    unsigned retry = 0;
    double t = 1000.0;
    for (int i = 0; i < 3; i++)
        ck_assert(ratelimit_take(RL_LOGIN_PHONE, "13800000000", t, &retry));
    ck_assert(!ratelimit_take(RL_LOGIN_PHONE, "13800000000", t, &retry));
    /* 3 a minute: one token every 20 s */
    ck_assert_uint_eq(retry, 20);
    ck_assert(!ratelimit_take(RL_LOGIN_PHONE, "13800000000", t + 10, &retry));
    ck_assert_uint_ge(retry, 1);
    ck_assert_uint_le(retry, 20);
    ratelimit_shutdown();
}
END_TEST

START_TEST(refills_at_the_rate)
{
    init(60, 0); /* one a second */
    unsigned retry;
    double t = 5000.0;
    for (int i = 0; i < 60; i++)
        ck_assert(ratelimit_take(RL_LOGIN_PHONE, "k", t, &retry));
    ck_assert(!ratelimit_take(RL_LOGIN_PHONE, "k", t, &retry));
    ck_assert_uint_eq(retry, 1);
    ck_assert(ratelimit_take(RL_LOGIN_PHONE, "k", t + 1.0, &retry));
    ck_assert(!ratelimit_take(RL_LOGIN_PHONE, "k", t + 1.0, &retry));
    /* a long pause refills to the burst, not beyond */
    int n = 0;
    while (ratelimit_take(RL_LOGIN_PHONE, "k", t + 3600.0, &retry))
        n++;
    ck_assert_int_eq(n, 60);
    ratelimit_shutdown();
}
END_TEST

START_TEST(keys_and_kinds_are_apart)
{
    init(2, 5);
    unsigned retry;
    double t = 100.0;
    ck_assert(ratelimit_take(RL_LOGIN_PHONE, "a", t, &retry));
    ck_assert(ratelimit_take(RL_LOGIN_PHONE, "a", t, &retry));
    ck_assert(!ratelimit_take(RL_LOGIN_PHONE, "a", t, &retry));
    /* another key, another kind, a disabled kind: unaffected */
    ck_assert(ratelimit_take(RL_LOGIN_PHONE, "b", t, &retry));
    ck_assert(ratelimit_take(RL_LIKES_ACCOUNT, "a", t, &retry));
    for (int i = 0; i < 1000; i++)
        ck_assert(ratelimit_take(RL_REGISTER_IP, "a", t, &retry));
    /* many keys: memory is a fixed table, and fresh keys still start full */
    char key[32];
    for (int i = 0; i < 200000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ck_assert(ratelimit_take(RL_LIKES_ACCOUNT, key, t + 1000.0 + i, &retry));
    }
    ratelimit_shutdown();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, burst_then_refused_with_retry_after);
    tcase_add_test(tc, refills_at_the_rate);
    tcase_add_test(tc, keys_and_kinds_are_apart);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
