/*
 * test_ticker.c - the periodic thread: a first tick at once, more at the
 * period, none after ticker_stop returns, and stopping a ticker that never
 * started does nothing.
 */
#include <check.h>
#include <stdatomic.h>
#include <time.h>

#include "check_run.h"
#include "drillcamp/ticker.h"

static void count(void *arg)
{
    atomic_fetch_add((atomic_int *)arg, 1);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

START_TEST(ticks_until_stopped)
{
    atomic_int n = 0;
    struct ticker t = {0};
    ck_assert_int_eq(ticker_start(&t, 5, count, &n), DC_OK);
    for (int i = 0; i < 400 && atomic_load(&n) < 3; i++)
        nap_ms(5);
    ticker_stop(&t);
    int at_stop = atomic_load(&n);
    ck_assert_int_ge(at_stop, 3);
    nap_ms(30);
    ck_assert_int_eq(atomic_load(&n), at_stop); /* none after stop returned */
    ticker_stop(&t);                            /* twice: nothing */
}
END_TEST

START_TEST(first_tick_at_once_and_stop_does_not_wait_a_period)
{
    atomic_int n = 0;
    struct ticker t = {0};
    /* an hour's period: the first tick comes at once, and stop ends the wait */
    ck_assert_int_eq(ticker_start(&t, 3600 * 1000, count, &n), DC_OK);
    for (int i = 0; i < 400 && atomic_load(&n) < 1; i++)
        nap_ms(5);
    ck_assert_int_eq(atomic_load(&n), 1);
    ticker_stop(&t);
    ck_assert_int_eq(atomic_load(&n), 1);
}
END_TEST

START_TEST(never_started)
{
    struct ticker t = {0};
    ticker_stop(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ticker");
    TCase *tc = tcase_create("ticker");
    tcase_add_test(tc, ticks_until_stopped);
    tcase_add_test(tc, first_tick_at_once_and_stop_does_not_wait_a_period);
    tcase_add_test(tc, never_started);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
