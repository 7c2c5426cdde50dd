/*
 * test_progress.c - the pure learning arithmetic of src/core/progress.c:
 *   - interval union per content (overlap, duplicate, nesting, touching,
 *     disjoint ordering, empty and fully covered reports);
 *   - the max_new cap (earliest uncovered seconds first, 0 = nothing,
 *     negative = unlimited);
 *   - a randomized comparison of progress_merge_interval against a
 *     brute-force per-second bitmap implementing the documented rule;
 *   - the PostgreSQL integer[] text round trip, normalisation and errors;
 *   - the playback-rate token bucket (burst 120 s x rate);
 *   - eligibility, remaining seconds and class hours (API.md section 4);
 *   - Beijing (UTC+8) calendar days and their "YYYY-MM-DD" form.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/progress.h"

/* Merges [from, to) with cap max_new and returns the seconds added, asserting
 * that `added` equals the growth of progress_set_length. */
static int64_t merge(struct progress_set *s, int32_t from, int32_t to, int64_t max_new)
{
    int64_t before = progress_set_length(s);
    int64_t added = -12345;
    ck_assert_int_eq(progress_merge_interval(s, from, to, max_new, &added), DC_OK);
    ck_assert_int_eq(progress_set_length(s) - before, added);
    return added;
}

/* Asserts the set is exactly the n intervals given as from0, to0, ... */
static void expect_set(const struct progress_set *s, size_t n, const int32_t *pairs)
{
    ck_assert_uint_eq(s->n, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(s->v[i].from == pairs[2 * i] && s->v[i].to == pairs[2 * i + 1],
                      "interval %zu is [%d,%d), expected [%d,%d)", i, (int)s->v[i].from,
                      (int)s->v[i].to, (int)pairs[2 * i], (int)pairs[2 * i + 1]);
    }
}

START_TEST(union_basics)
{
    struct progress_set s = {0};

    /* empty set */
    ck_assert_int_eq(progress_set_length(&s), 0);

    /* from >= to adds nothing */
    ck_assert_int_eq(merge(&s, 5, 5, -1), 0);
    ck_assert_int_eq(merge(&s, 9, 3, -1), 0);
    ck_assert_uint_eq(s.n, 0);

    /* touching intervals become one */
    ck_assert_int_eq(merge(&s, 0, 10, -1), 10);
    ck_assert_int_eq(merge(&s, 10, 20, -1), 10);
    expect_set(&s, 1, (const int32_t[]){0, 20});
    ck_assert_int_eq(progress_set_length(&s), 20);

    /* duplicate and nested add nothing */
    ck_assert_int_eq(merge(&s, 0, 20, -1), 0);
    ck_assert_int_eq(merge(&s, 3, 7, -1), 0);
    ck_assert_int_eq(merge(&s, 19, 20, 100), 0);
    expect_set(&s, 1, (const int32_t[]){0, 20});

    /* overlapping extends */
    ck_assert_int_eq(merge(&s, 15, 30, -1), 10);
    expect_set(&s, 1, (const int32_t[]){0, 30});

    /* disjoint intervals kept sorted regardless of arrival order */
    ck_assert_int_eq(merge(&s, 100, 110, -1), 10);
    ck_assert_int_eq(merge(&s, 50, 60, -1), 10);
    ck_assert_int_eq(merge(&s, 200, 201, -1), 1);
    expect_set(&s, 4, (const int32_t[]){0, 30, 50, 60, 100, 110, 200, 201});
    ck_assert_int_eq(progress_set_length(&s), 51);

    /* one interval bridging several gaps */
    ck_assert_int_eq(merge(&s, 25, 105, -1), 20 + 40);
    expect_set(&s, 2, (const int32_t[]){0, 110, 200, 201});

    /* an interval enclosing everything */
    ck_assert_int_eq(merge(&s, 0, 300, -1), 300 - 111);
    expect_set(&s, 1, (const int32_t[]){0, 300});

    /* covered() reports the overlap with the set */
    ck_assert_int_eq(progress_set_covered(&s, 290, 310), 10);
    ck_assert_int_eq(progress_set_covered(&s, 400, 500), 0);

    progress_set_free(&s);
    ck_assert_ptr_null(s.v);
    ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(cap_max_new)
{
    struct progress_set s = {0};

    /* cap 5: earliest uncovered seconds, [0,5) */
    ck_assert_int_eq(merge(&s, 10, 20, -1), 10);
    ck_assert_int_eq(merge(&s, 0, 30, 5), 5);
    expect_set(&s, 2, (const int32_t[]){0, 5, 10, 20});
    progress_set_free(&s);

    /* cap 15: [0,10) then [20,25) */
    ck_assert_int_eq(merge(&s, 10, 20, -1), 10);
    ck_assert_int_eq(merge(&s, 0, 30, 15), 15);
    expect_set(&s, 1, (const int32_t[]){0, 25});
    progress_set_free(&s);

    /* cap 0: nothing */
    ck_assert_int_eq(merge(&s, 10, 20, -1), 10);
    ck_assert_int_eq(merge(&s, 0, 30, 0), 0);
    expect_set(&s, 1, (const int32_t[]){10, 20});
    progress_set_free(&s);

    /* cap -1: unlimited */
    ck_assert_int_eq(merge(&s, 10, 20, -1), 10);
    ck_assert_int_eq(merge(&s, 0, 30, -1), 20);
    expect_set(&s, 1, (const int32_t[]){0, 30});
    progress_set_free(&s);

    /* a cap larger than the gap credits only the gap */
    ck_assert_int_eq(merge(&s, 10, 20, -1), 10);
    ck_assert_int_eq(merge(&s, 0, 30, 1000), 20);
    expect_set(&s, 1, (const int32_t[]){0, 30});
    progress_set_free(&s);

    /* cap on an empty set starting mid-content */
    ck_assert_int_eq(merge(&s, 40, 100, 7), 7);
    expect_set(&s, 1, (const int32_t[]){40, 47});
    progress_set_free(&s);
}
END_TEST

/* xorshift32: deterministic across platforms, unlike rand(). */
static uint32_t rng_state;

static uint32_t rng_next(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* Uniform-ish in [lo, hi]. */
static int32_t rng_range(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(rng_next() % (uint32_t)(hi - lo + 1));
}

/* Checks a condition without Check's per-assertion bookkeeping (every passing
 * ck_assert records a mark point, far too slow for millions of checks). */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

#define RANDOM_SEED 0xC0FFEE11u
#define RANDOM_SETS 3000
#define MAX_LEN     600

START_TEST(randomized_against_bitmap)
{
    rng_state = RANDOM_SEED;
    long merges = 0;
    for (int iter = 0; iter < RANDOM_SETS; iter++) {
        int32_t len = rng_range(1, MAX_LEN);
        bool bit[MAX_LEN];
        memset(bit, 0, sizeof bit);
        int64_t popcount = 0;
        struct progress_set s = {0};
        int rounds = rng_range(1, 30);
        for (int r = 0; r < rounds; r++, merges++) {
            int32_t from = rng_range(0, len);
            int32_t to = rng_range(0, len);
            /* mostly well-ordered intervals, sometimes short ones */
            if (from > to && rng_next() % 4 != 0) {
                int32_t t = from;
                from = to;
                to = t;
            }
            if (rng_next() % 3 == 0 && from < len)
                to = from + rng_range(1, len - from);
            int64_t max_new = -1;
            switch (rng_next() % 4) {
            case 0:
                max_new = rng_range(0, 40);
                break;
            case 1:
                max_new = rng_next() % 8 == 0 ? 0 : -(int64_t)rng_range(1, 5);
                break;
            default:
                break;
            }

            /* covered() agrees with the bitmap before the merge */
            int64_t expect_cov = 0;
            for (int32_t x = from; x < to; x++)
                expect_cov += bit[x];
            REQUIRE(progress_set_covered(&s, from, to) == expect_cov,
                    "seed %u iter %d round %d: covered [%d,%d) got %lld want %lld", RANDOM_SEED,
                    iter, r, (int)from, (int)to, (long long)progress_set_covered(&s, from, to),
                    (long long)expect_cov);

            /* reference: first max_new uncovered seconds from `from` upward */
            int64_t budget = max_new < 0 ? INT64_MAX : max_new;
            int64_t marked = 0;
            for (int32_t x = from; x < to && budget > 0; x++) {
                if (!bit[x]) {
                    bit[x] = true;
                    marked++;
                    budget--;
                }
            }
            popcount += marked;

            int64_t added = -12345;
            enum dc_err e = progress_merge_interval(&s, from, to, max_new, &added);
            REQUIRE(e == DC_OK, "seed %u iter %d round %d: err %d", RANDOM_SEED, iter, r, (int)e);
            REQUIRE(added == marked,
                    "seed %u iter %d round %d: len %d merge [%d,%d) max_new %lld: "
                    "added %lld, bitmap %lld",
                    RANDOM_SEED, iter, r, (int)len, (int)from, (int)to, (long long)max_new,
                    (long long)added, (long long)marked);
            REQUIRE(progress_set_length(&s) == popcount,
                    "seed %u iter %d round %d: length %lld, popcount %lld", RANDOM_SEED, iter, r,
                    (long long)progress_set_length(&s), (long long)popcount);

            /* shape: non-empty, inside [0,len], sorted, disjoint, non-adjacent */
            for (size_t i = 0; i < s.n; i++) {
                REQUIRE(s.v[i].from < s.v[i].to && s.v[i].from >= 0 && s.v[i].to <= len,
                        "seed %u iter %d round %d: bad interval %zu [%d,%d) len %d", RANDOM_SEED,
                        iter, r, i, (int)s.v[i].from, (int)s.v[i].to, (int)len);
                if (i + 1 < s.n)
                    REQUIRE(s.v[i].to < s.v[i + 1].from,
                            "seed %u iter %d round %d: intervals %zu [%d,%d) and "
                            "[%d,%d) not sorted/disjoint/non-adjacent",
                            RANDOM_SEED, iter, r, i, (int)s.v[i].from, (int)s.v[i].to,
                            (int)s.v[i + 1].from, (int)s.v[i + 1].to);
            }

            /* each second covered iff the bitmap says so */
            size_t k = 0;
            for (int32_t x = 0; x < len; x++) {
                while (k < s.n && s.v[k].to <= x)
                    k++;
                bool in = k < s.n && s.v[k].from <= x;
                REQUIRE(in == bit[x], "seed %u iter %d round %d: second %d set %d bitmap %d",
                        RANDOM_SEED, iter, r, (int)x, (int)in, (int)bit[x]);
            }
        }
        progress_set_free(&s);
    }
    ck_assert_int_ge(merges, RANDOM_SETS);
}
END_TEST

START_TEST(pg_array_round_trip)
{
    struct progress_set s = {0}, back;
    char *txt;

    /* empty set */
    txt = progress_set_to_pg_array(&s);
    ck_assert_ptr_nonnull(txt);
    ck_assert_str_eq(txt, "{}");
    ck_assert_int_eq(progress_set_from_pg_array(txt, &back), DC_OK);
    ck_assert_uint_eq(back.n, 0);
    progress_set_free(&back);
    free(txt);

    /* a few intervals, including large values */
    int64_t added;
    progress_merge_interval(&s, 0, 5, -1, &added);
    progress_merge_interval(&s, 7, 9, -1, &added);
    progress_merge_interval(&s, 100, 2000000000, -1, &added);
    txt = progress_set_to_pg_array(&s);
    ck_assert_ptr_nonnull(txt);
    ck_assert_str_eq(txt, "{0,5,7,9,100,2000000000}");
    ck_assert_int_eq(progress_set_from_pg_array(txt, &back), DC_OK);
    expect_set(&back, 3, (const int32_t[]){0, 5, 7, 9, 100, 2000000000});
    progress_set_free(&back);
    free(txt);
    progress_set_free(&s);

    /* NULL and "" are empty */
    ck_assert_int_eq(progress_set_from_pg_array(NULL, &back), DC_OK);
    ck_assert_uint_eq(back.n, 0);
    progress_set_free(&back);
    ck_assert_int_eq(progress_set_from_pg_array("", &back), DC_OK);
    ck_assert_uint_eq(back.n, 0);
    progress_set_free(&back);
    ck_assert_int_eq(progress_set_from_pg_array("{}", &back), DC_OK);
    ck_assert_uint_eq(back.n, 0);
    progress_set_free(&back);

    /* unnormalised text is normalised */
    ck_assert_int_eq(progress_set_from_pg_array("{10,20,0,5,4,12}", &back), DC_OK);
    expect_set(&back, 1, (const int32_t[]){0, 20});
    progress_set_free(&back);
    ck_assert_int_eq(progress_set_from_pg_array("{30,40,0,5}", &back), DC_OK);
    expect_set(&back, 2, (const int32_t[]){0, 5, 30, 40});
    progress_set_free(&back);

    /* malformed text is an error and leaves an empty set */
    const char *const bad[] = {"[1,2]",           "{1,2,3}", "{a,b}",  "{-1,2}", "{1,2",
                               "{1,99999999999}", "{-3,-1}", "{0,-5}", "1,2}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        back.v = (void *)1; /* must be overwritten */
        back.n = 99;
        ck_assert_msg(progress_set_from_pg_array(bad[i], &back) != DC_OK, "\"%s\" accepted",
                      bad[i]);
        ck_assert_msg(back.n == 0 && back.v == NULL, "\"%s\" left a non-empty set", bad[i]);
        progress_set_free(&back);
    }
}
END_TEST

START_TEST(bucket)
{
    const double t0 = 1700000000.0;

    struct progress_bucket b = progress_bucket_new(1.0, t0);
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0), 120);
    progress_bucket_take(&b, 1.0, t0, 120);
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0), 0);
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0 + 30), 30);
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0 + 86400), 120);
    /* time going backwards does not refill */
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0 - 1000), 0);

    /* refill then partial spend */
    progress_bucket_take(&b, 1.0, t0 + 30, 10);
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0 + 30), 20);
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0 + 35), 25);

    /* rate 2.0: burst 240, refills 2 a second */
    b = progress_bucket_new(2.0, t0);
    ck_assert_int_eq(progress_bucket_available(&b, 2.0, t0), 240);
    progress_bucket_take(&b, 2.0, t0, 240);
    ck_assert_int_eq(progress_bucket_available(&b, 2.0, t0 + 10), 20);
    ck_assert_int_eq(progress_bucket_available(&b, 2.0, t0 + 1000), 240);

    /* rate 1.5: burst 180 */
    b = progress_bucket_new(1.5, t0);
    ck_assert_int_eq(progress_bucket_available(&b, 1.5, t0), 180);
    progress_bucket_take(&b, 1.5, t0, 180);
    ck_assert_int_eq(progress_bucket_available(&b, 1.5, t0 + 3), 4); /* 4.5 -> 4 */

    /* taking more than available leaves 0, not negative */
    b = progress_bucket_new(1.0, t0);
    progress_bucket_take(&b, 1.0, t0, 500);
    ck_assert(b.tokens >= 0.0);
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0), 0);
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0 + 1), 1);

    /* API.md: a first report of 3000 s at rate 1.0 credits only 120 */
    b = progress_bucket_new(1.0, t0);
    struct progress_set s = {0};
    int64_t avail = progress_bucket_available(&b, 1.0, t0);
    int64_t added = merge(&s, 0, 3000, avail);
    ck_assert_int_eq(added, 120);
    progress_bucket_take(&b, 1.0, t0, added);
    expect_set(&s, 1, (const int32_t[]){0, 120});
    ck_assert_int_eq(progress_bucket_available(&b, 1.0, t0), 0);
    progress_set_free(&s);
}
END_TEST

static bool near(double x, double want)
{
    return fabs(x - want) < 1e-9;
}

START_TEST(eligibility_and_class_hours)
{
    struct progress_rules r = {
        .class_hour_seconds = 3600, .required_class_hours = 8, .require_checkin = false};
    ck_assert_int_eq(progress_required_seconds(&r), 28800);
    ck_assert(progress_eligible(&r, 28800, 0));
    ck_assert(progress_eligible(&r, 40000, 0));
    ck_assert_int_eq(progress_remaining_seconds(&r, 28800), 0);
    ck_assert_int_eq(progress_remaining_seconds(&r, 40000), 0);
    ck_assert(!progress_eligible(&r, 28799, 5));
    ck_assert_int_eq(progress_remaining_seconds(&r, 28799), 1);
    ck_assert_int_eq(progress_remaining_seconds(&r, 0), 28800);

    r.require_checkin = true;
    ck_assert(!progress_eligible(&r, 28800, 0));
    ck_assert(progress_eligible(&r, 28800, 1));
    ck_assert(!progress_eligible(&r, 28799, 1));

    double h;
    h = progress_class_hours(28799, 3600);
    ck_assert_msg(near(h, 7.99), "28799 -> %.12f", h);
    h = progress_class_hours(5400, 3600);
    ck_assert_msg(near(h, 1.5), "5400 -> %.12f", h);
    h = progress_class_hours(35, 3600);
    ck_assert_msg(near(h, 0.0), "35 -> %.12f", h);
    h = progress_class_hours(36, 3600);
    ck_assert_msg(near(h, 0.01), "36 -> %.12f", h);
    h = progress_class_hours(28800, 3600);
    ck_assert_msg(near(h, 8.0), "28800 -> %.12f", h);
    h = progress_class_hours(0, 3600);
    ck_assert_msg(near(h, 0.0), "0 -> %.12f", h);
    h = progress_class_hours(1000, 0);
    ck_assert_msg(near(h, 0.0), "div by 0 -> %.12f", h);
}
END_TEST

START_TEST(beijing_days)
{
    char buf[11];
    /* 2023-05-31 23:59 +08:00 and 2023-06-01 00:01 +08:00 */
    const time_t late = 1685548740;    /* 2023-05-31T15:59:00Z */
    const time_t early = 1685548860;   /* 2023-05-31T16:01:00Z */
    const time_t morning = 1685462460; /* 2023-05-30T16:01:00Z = 05-31 00:01 +08 */

    int64_t d_late = progress_beijing_day(late);
    int64_t d_early = progress_beijing_day(early);
    ck_assert_int_eq(d_late, 19508);
    ck_assert_int_eq(d_early, 19509);
    ck_assert_int_ne(d_late, d_early);
    progress_day_string(d_late, buf);
    ck_assert_str_eq(buf, "2023-05-31");
    progress_day_string(d_early, buf);
    ck_assert_str_eq(buf, "2023-06-01");

    /* 00:01 and 23:59 of the same Beijing day */
    ck_assert_int_eq(progress_beijing_day(morning), d_late);

    /* the epoch boundary in Beijing: 1970-01-01 00:00 +08 = -28800 */
    ck_assert_int_eq(progress_beijing_day(-28800), 0);
    ck_assert_int_eq(progress_beijing_day(-28801), -1);
    ck_assert_int_eq(progress_beijing_day(0), 0);
    progress_day_string(-1, buf);
    ck_assert_str_eq(buf, "1969-12-31");
    progress_day_string(0, buf);
    ck_assert_str_eq(buf, "1970-01-01");

    /* well before 1970: 1960-03-15T04:00:00Z = 12:00 +08 */
    int64_t d_old = progress_beijing_day((time_t)-309211200);
    ck_assert_int_eq(d_old, -3579);
    progress_day_string(d_old, buf);
    ck_assert_str_eq(buf, "1960-03-15");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("progress");
    TCase *tc = tcase_create("arithmetic");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, union_basics);
    tcase_add_test(tc, cap_max_new);
    tcase_add_test(tc, randomized_against_bitmap);
    tcase_add_test(tc, pg_array_round_trip);
    tcase_add_test(tc, bucket);
    tcase_add_test(tc, eligibility_and_class_hours);
    tcase_add_test(tc, beijing_days);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
