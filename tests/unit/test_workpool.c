/*
 * test_workpool.c - the thread pool password hashes run on: every job
 * runs, never more at once than the pool's threads (the cap on 32 MiB
 * hashes), a full queue refuses at once, and freeing the pool runs what
 * is still queued.
 */
#include <check.h>
#include <stdatomic.h>
#include <unistd.h>

#include "check_run.h"
#include "drillcamp/workpool.h"

static atomic_int running, peak, done;

static void slow_job(void *arg)
{
    (void)arg;
    int now = atomic_fetch_add(&running, 1) + 1;
    for (int seen = atomic_load(&peak);
         now > seen && !atomic_compare_exchange_weak(&peak, &seen, now);)
        ;
    usleep(20 * 1000);
    atomic_fetch_sub(&running, 1);
    atomic_fetch_add(&done, 1);
}

static void reset(void)
{
    atomic_store(&running, 0);
    atomic_store(&peak, 0);
    atomic_store(&done, 0);
}

START_TEST(every_job_runs_within_the_cap)
{
    reset();
    struct workpool *p = workpool_new(3, 64);
    ck_assert_ptr_nonnull(p);
    for (int i = 0; i < 40; i++)
        ck_assert(workpool_submit(p, slow_job, NULL));
    while (atomic_load(&done) < 40)
        usleep(5 * 1000);
    ck_assert_int_le(atomic_load(&peak), 3);
    ck_assert_int_ge(atomic_load(&peak), 2); /* they do run side by side */
    workpool_free(p);
    ck_assert_int_eq(atomic_load(&done), 40);
}
END_TEST

START_TEST(full_queue_refuses_at_once)
{
    reset();
    struct workpool *p = workpool_new(1, 4);
    ck_assert_ptr_nonnull(p);
    int accepted = 0, refused = 0;
    for (int i = 0; i < 20; i++) {
        if (workpool_submit(p, slow_job, NULL))
            accepted++;
        else
            refused++;
    }
    /* one running at most, four waiting: the rest are turned away */
    ck_assert_int_le(accepted, 5);
    ck_assert_int_ge(accepted, 4);
    ck_assert_int_eq(accepted + refused, 20);
    ck_assert_uint_le(workpool_queued(p), 4);
    workpool_free(p); /* runs what was queued */
    ck_assert_int_eq(atomic_load(&done), accepted);
}
END_TEST

START_TEST(free_null_is_a_no_op)
{
    workpool_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workpool");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_job_runs_within_the_cap);
    tcase_add_test(tc, full_queue_refuses_at_once);
    tcase_add_test(tc, free_null_is_a_no_op);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
