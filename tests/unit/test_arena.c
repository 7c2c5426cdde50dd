/*
 * test_arena.c - the per-request arena of src/core/arena.c (arena.h):
 *   - every pointer (alloc, calloc, strdup, strndup, printf) is aligned to
 *     alignof(max_align_t), for many odd sizes;
 *   - every allocation is zeroed, also when malloc hands back memory an
 *     earlier arena dirtied, and after arena_printf gave up on a block;
 *   - 0-byte allocations are distinct valid pointers;
 *   - 1 MiB and 10 MiB allocations are usable end to end, beside small ones;
 *   - calloc overflow and huge sizes give NULL and leave the arena usable;
 *   - strdup/strndup/printf copy exactly, long strings (> 4 KiB, > 64 KiB)
 *     included, and NULL gives NULL;
 *   - deferred cleanups run newest first, before the memory is released;
 *     without an arena the cleanup runs at once and arena_defer says false;
 *   - arena_free(NULL) does nothing;
 *   - a randomized run (fixed seed) of mixed allocations, each filled with
 *     its own pattern and verified later, and checked for overlap;
 *   - arena_bytes grows, is at least the sum asked and not wildly more.
 * Run under valgrind or ASan, the cleanup and strndup tests also catch
 * use-after-free and reads past the bytes given.
 */
#include <check.h>
#include <limits.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/arena.h"

#define ALIGN alignof(max_align_t)

/* Checks a condition without Check's per-assertion bookkeeping (every passing
 * ck_assert records a mark point, far too slow for millions of checks). */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static void require_aligned(const void *p, const char *what, size_t size)
{
    REQUIRE(p != NULL, "%s of %zu bytes gave NULL", what, size);
    REQUIRE((uintptr_t)p % ALIGN == 0, "%s of %zu bytes is misaligned: %p", what, size, p);
}

static void require_zero(const void *p, size_t n, const char *what)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        REQUIRE(b[i] == 0, "%s: byte %zu of %zu is 0x%02x, not zero", what, i, n, b[i]);
}

/* p, or the test fails (out of memory). */
static void *need(void *p)
{
    if (!p) {
        ck_abort_msg("out of memory");
        abort(); /* not reached; for the static analyzer */
    }
    return p;
}

/* n bytes of 'a'..'z' (no NUL) followed by a NUL, malloc'ed. */
static char *letters(size_t n)
{
    char *s = need(malloc(n + 1));
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + i % 26);
    s[n] = '\0';
    return s;
}

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

static size_t rng_upto(size_t hi)
{
    return (size_t)(rng_next() % (uint32_t)(hi + 1));
}

START_TEST(alignment_of_every_pointer)
{
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    /* every size up to 700, then odd sizes across block boundaries */
    for (size_t size = 0; size <= 700; size++)
        require_aligned(arena_alloc(a, size), "alloc", size);
    for (size_t size = 701; size < 300000; size = size * 3 / 2 + 7) {
        require_aligned(arena_alloc(a, size), "alloc", size);
        require_aligned(arena_alloc(a, 1), "alloc after it", 1);
    }
    for (size_t n = 0; n < 40; n++)
        require_aligned(arena_calloc(a, n, 3), "calloc", n * 3);
    char *src = letters(9000);
    for (size_t len = 0; len < 9000; len += 1 + len / 2) {
        require_aligned(arena_strndup(a, src, len), "strndup", len);
        require_aligned(arena_strdup(a, src + 9000 - len), "strdup", len);
        require_aligned(arena_printf(a, "%.*s", (int)len, src), "printf", len);
    }
    free(src);
    arena_free(a);
}
END_TEST

START_TEST(zeroed_even_on_reused_memory)
{
    /* dirty the heap: fill everything an arena hands out, then free it */
    static const size_t sizes[] = {1, 7, 100, 1000, 3000, 5000, 20000, 60000, 70000, 300000};
    enum { NSIZES = sizeof sizes / sizeof sizes[0], ROUNDS = 8 };
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < NSIZES; i++) {
            unsigned char *p = arena_alloc(a, sizes[i]);
            ck_assert_ptr_nonnull(p);
            memset(p, 0xA5, sizes[i]);
        }
    arena_free(a);
    for (int i = 0; i < 64; i++) {
        void *junk = malloc(4096);
        ck_assert_ptr_nonnull(junk);
        memset(junk, 0x5A, 4096);
        free(junk);
    }

    /* a new arena gets that memory back from malloc: all of it reads zero */
    a = arena_new();
    ck_assert_ptr_nonnull(a);
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < NSIZES; i++) {
            unsigned char *p = arena_alloc(a, sizes[i]);
            ck_assert_ptr_nonnull(p);
            require_zero(p, sizes[i], "alloc on reused memory");
            memset(p, 0xA5, sizes[i]);
            unsigned char *c = arena_calloc(a, sizes[i], 1);
            ck_assert_ptr_nonnull(c);
            require_zero(c, sizes[i], "calloc on reused memory");
            memset(c, 0xA5, sizes[i]);
        }

    /* arena_printf that does not fit the rest of a block must leave that
     * rest zero: long strings (some longer than any block, so that the
     * block stays in use) between small allocations */
    char *big = letters(70000);
    for (int i = 0; i < 400; i++) {
        size_t small = (size_t)(i * 37 % 200);
        unsigned char *p = arena_alloc(a, small);
        ck_assert_ptr_nonnull(p);
        require_zero(p, small, "alloc after printf");
        memset(p, 0xA5, small);
        char *s = arena_printf(a, "%d:%s", i, big + (i % 7 == 0 ? 0 : 67000 + i % 1000));
        ck_assert_ptr_nonnull(s);
    }
    free(big);
    arena_free(a);
}
END_TEST

static int cmp_ptr(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t) * (void *const *)x, b = (uintptr_t) * (void *const *)y;
    return a < b ? -1 : a > b;
}

START_TEST(zero_byte_allocations_distinct)
{
    enum { N = 3000 };
    static void *ptrs[N];
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    for (int i = 0; i < N; i++) {
        /* zero bytes, sometimes between other allocations */
        ptrs[i] = i % 3 == 0 ? arena_calloc(a, 0, 8) : arena_alloc(a, 0);
        require_aligned(ptrs[i], "0-byte alloc", 0);
        if (i % 5 == 0)
            ck_assert_ptr_nonnull(arena_alloc(a, (size_t)i % 17));
    }
    qsort(ptrs, N, sizeof ptrs[0], cmp_ptr);
    for (int i = 1; i < N; i++)
        REQUIRE(ptrs[i] != ptrs[i - 1], "two 0-byte allocations share %p", ptrs[i]);
    arena_free(a);
}
END_TEST

/* Fills p[0..n) with a pattern seeded by seed, or checks it is still there. */
static void pattern(unsigned char *p, size_t n, uint32_t seed, bool check, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char v = (unsigned char)((i * 2654435761u + seed) >> 13);
        if (check)
            REQUIRE(p[i] == v, "%s: byte %zu of %zu was overwritten", what, i, n);
        else
            p[i] = v;
    }
}

START_TEST(large_allocations_usable)
{
    const size_t mib = (size_t)1 << 20;
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    unsigned char *before = arena_alloc(a, 100);
    ck_assert_ptr_nonnull(before);
    pattern(before, 100, 1, false, "");

    unsigned char *one = arena_alloc(a, mib);
    require_aligned(one, "alloc", mib);
    require_zero(one, mib, "1 MiB");
    pattern(one, mib, 2, false, "");

    unsigned char *mid = arena_alloc(a, 5000);
    ck_assert_ptr_nonnull(mid);
    require_zero(mid, 5000, "small after 1 MiB");
    pattern(mid, 5000, 3, false, "");

    unsigned char *ten = arena_calloc(a, 10, mib);
    require_aligned(ten, "calloc", 10 * mib);
    require_zero(ten, 10 * mib, "10 MiB");
    pattern(ten, 10 * mib, 4, false, "");

    unsigned char *after = arena_alloc(a, 100);
    ck_assert_ptr_nonnull(after);
    require_zero(after, 100, "small after 10 MiB");
    pattern(after, 100, 5, false, "");

    pattern(before, 100, 1, true, "100 bytes before");
    pattern(one, mib, 2, true, "1 MiB");
    pattern(mid, 5000, 3, true, "5000 bytes between");
    pattern(ten, 10 * mib, 4, true, "10 MiB");
    pattern(after, 100, 5, true, "100 bytes after");
    ck_assert_uint_ge(arena_bytes(a), 11 * mib + 5200);
    arena_free(a);
}
END_TEST

START_TEST(overflow_and_huge_sizes_refused)
{
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    size_t bytes = arena_bytes(a);

    /* n * size does not fit in size_t: NULL, even where it wraps to 0 or 1 */
    ck_assert_ptr_null(arena_calloc(a, SIZE_MAX, 2));
    ck_assert_ptr_null(arena_calloc(a, 2, SIZE_MAX));
    ck_assert_ptr_null(arena_calloc(a, SIZE_MAX, SIZE_MAX));  /* wraps to 1 */
    ck_assert_ptr_null(arena_calloc(a, SIZE_MAX / 2 + 1, 2)); /* wraps to 0 */
    ck_assert_ptr_null(arena_calloc(a, SIZE_MAX / 3 + 1, 3));
#if SIZE_MAX > UINT32_MAX
    ck_assert_ptr_null(arena_calloc(a, (size_t)1 << 32, (size_t)1 << 32)); /* wraps to 0 */
    ck_assert_ptr_null(arena_calloc(a, ((size_t)1 << 32) + 1, ((size_t)1 << 32) - 1));
#endif

    /* sizes whose rounding or block header would wrap, and objects beyond
     * PTRDIFF_MAX, never reach malloc (arena_bytes unchanged; under ASan a
     * huge malloc would abort the test) */
    ck_assert_ptr_null(arena_alloc(a, SIZE_MAX));
    ck_assert_ptr_null(arena_alloc(a, SIZE_MAX - 1));
    ck_assert_ptr_null(arena_alloc(a, SIZE_MAX - ALIGN + 1));
    ck_assert_ptr_null(arena_alloc(a, SIZE_MAX - 64));
    ck_assert_ptr_null(arena_alloc(a, (size_t)PTRDIFF_MAX + 1));
    ck_assert_ptr_null(arena_alloc(a, (size_t)PTRDIFF_MAX));
    ck_assert_ptr_null(arena_calloc(a, 1, SIZE_MAX - 8));
    ck_assert_uint_eq(arena_bytes(a), bytes);

    /* zero elements or zero-sized elements are 0-byte allocations */
    void *z1 = arena_calloc(a, 0, SIZE_MAX);
    void *z2 = arena_calloc(a, SIZE_MAX, 0);
    require_aligned(z1, "calloc(0, SIZE_MAX)", 0);
    require_aligned(z2, "calloc(SIZE_MAX, 0)", 0);
    ck_assert_ptr_ne(z1, z2);

    /* an exact product is fine, and the arena still works */
    unsigned char *p = arena_calloc(a, 12, 100);
    require_aligned(p, "calloc", 1200);
    require_zero(p, 1200, "calloc(12, 100)");
    memset(p, 1, 1200);
    char *s = arena_strdup(a, "still fine");
    ck_assert_str_eq(s, "still fine");
    arena_free(a);
}
END_TEST

START_TEST(strings_copied)
{
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);

    ck_assert_ptr_null(arena_strdup(a, NULL));
    ck_assert_ptr_null(arena_strndup(a, NULL, 5));

    const char *src = "hello";
    char *s = arena_strdup(a, src);
    ck_assert_str_eq(s, "hello");
    ck_assert_ptr_ne(s, src);
    ck_assert_str_eq(arena_strdup(a, ""), "");
    ck_assert_str_eq(arena_strdup(a, "逃生演练训练营"), "逃生演练训练营");

    ck_assert_str_eq(arena_strndup(a, src, 0), "");
    ck_assert_str_eq(arena_strndup(a, src, 3), "hel");
    ck_assert_str_eq(arena_strndup(a, src, 5), "hello");
    ck_assert_str_eq(arena_strndup(a, src, 6), "hello");
    ck_assert_str_eq(arena_strndup(a, src, SIZE_MAX), "hello"); /* stops at the NUL */
    /* n bytes without a NUL: exactly n are read (valgrind/ASan see more) */
    char *raw = malloc(8);
    ck_assert_ptr_nonnull(raw);
    memcpy(raw, "abcdefgh", 8); // NOLINT(bugprone-not-null-terminated-result): on purpose
    ck_assert_str_eq(arena_strndup(a, raw, 8), "abcdefgh");
    free(raw);
    /* a string cut in the middle of a UTF-8 character is cut bytewise */
    ck_assert_uint_eq(strlen(arena_strndup(a, "训练营", 4)), 4);

    /* long strings: beyond the first block and beyond a standard block */
    static const size_t lens[] = {4095, 4096, 4097, 5000, 65536, 100000, 300000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char *big = letters(lens[i]);
        char *d = arena_strdup(a, big);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(strlen(d), lens[i]);
        ck_assert_int_eq(memcmp(d, big, lens[i] + 1), 0);
        char *n = arena_strndup(a, big, lens[i] - 10);
        ck_assert_ptr_nonnull(n);
        ck_assert_uint_eq(strlen(n), lens[i] - 10);
        ck_assert_int_eq(memcmp(n, big, lens[i] - 10), 0);
        /* both still intact after the other was made */
        ck_assert_int_eq(memcmp(d, big, lens[i] + 1), 0);
        free(big);
    }
    arena_free(a);
}
END_TEST

START_TEST(printf_formats)
{
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(arena_printf(a, "%d %s %c", 42, "x", 'y'), "42 x y");
    ck_assert_str_eq(arena_printf(a, "%s", ""), "");
    ck_assert_str_eq(arena_printf(a, "items.%zu.%s", (size_t)3, "to_second"), "items.3.to_second");
    ck_assert_str_eq(arena_printf(a, "%s（%s）", "张三", "消防志愿者"), "张三（消防志愿者）");

    /* long results: > 4 KiB and > 64 KiB (a block of their own) */
    char *big = letters(5000);
    char *s = arena_printf(a, "[%s|%s]", big, big);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(strlen(s), 10003);
    ck_assert_int_eq(s[0], '[');
    ck_assert_int_eq(memcmp(s + 1, big, 5000), 0);
    ck_assert_int_eq(s[5001], '|');
    ck_assert_int_eq(memcmp(s + 5002, big, 5000), 0);
    ck_assert_str_eq(s + 10002, "]");
    char *pad = arena_printf(a, "%0*d", 70000, 7);
    ck_assert_ptr_nonnull(pad);
    ck_assert_uint_eq(strlen(pad), 70000);
    ck_assert_int_eq(pad[0], '0');
    ck_assert_int_eq(pad[69998], '0');
    ck_assert_int_eq(pad[69999], '7');

    /* many medium strings, some of them fit the block and some not: each is
     * whole, and none overwrote another */
    enum { N = 600 };
    static char *out[N];
    char expect[400];
    for (int i = 0; i < N; i++) {
        out[i] = arena_printf(a, "%05d:%.*s", i, 1 + i % 300, big + i % 26);
        ck_assert_ptr_nonnull(out[i]);
        require_aligned(out[i], "printf", strlen(out[i]));
    }
    for (int i = 0; i < N; i++) {
        snprintf(expect, sizeof expect, "%05d:%.*s", i, 1 + i % 300, big + i % 26);
        REQUIRE(strcmp(out[i], expect) == 0, "printf result %d is \"%s\", expected \"%s\"", i,
                out[i], expect);
    }
    free(big);
    arena_free(a);
}
END_TEST

static int order[16];
static int norder;

/* A cleanup: records the index stored in the arena memory p points to. */
static void record_index(void *p)
{
    order[norder++] = *(const int *)p;
}

START_TEST(defer_runs_newest_first)
{
    norder = 0;
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    for (int i = 0; i < 5; i++) {
        /* the argument lives in the arena itself: the cleanups must run
         * before any block is freed (valgrind/ASan see it otherwise) */
        int *idx = arena_alloc(a, sizeof *idx);
        ck_assert_ptr_nonnull(idx);
        *idx = i;
        size_t before = arena_bytes(a);
        ck_assert(arena_defer(a, record_index, idx));
        ck_assert_uint_gt(arena_bytes(a), before); /* the record is counted */
        /* a block later, so that blocks exist to free */
        ck_assert_ptr_nonnull(arena_alloc(a, 3000));
    }
    /* a malloc'ed resource handed over: freed with the arena (valgrind's
     * leak check fails otherwise) */
    ck_assert(arena_defer(a, free, malloc(64)));
    ck_assert_int_eq(norder, 0); /* nothing runs before arena_free */
    arena_free(a);
    ck_assert_int_eq(norder, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(order[i] == 4 - i, "cleanup %d ran as number %d, expected %d", order[i], i,
                      4 - order[i]);

    /* without an arena no record can be made: fn(p) at once, false */
    norder = 0;
    int seven = 7;
    ck_assert(!arena_defer(NULL, record_index, &seven));
    ck_assert_int_eq(norder, 1);
    ck_assert_int_eq(order[0], 7);
}
END_TEST

START_TEST(free_null_is_noop)
{
    arena_free(NULL);
    /* and an arena that never allocated frees cleanly */
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    arena_free(a);
}
END_TEST

#define RANDOM_SEED  0x5EEDA7E7u
#define RANDOM_ALLOC 8000

struct rec {
    unsigned char *p;
    size_t n; /* bytes owned: size asked, or string length + 1 */
};

/* A size: mostly small, sometimes up to a block, rarely beyond one. */
static size_t random_size(void)
{
    uint32_t r = rng_next() % 100;
    if (r < 70)
        return rng_upto(64);
    if (r < 90)
        return 65 + rng_upto(2000);
    if (r < 99)
        return 2066 + rng_upto(20000);
    return 22067 + rng_upto(180000);
}

static void verify_all(const struct rec *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pattern(recs[i].p, recs[i].n, (uint32_t)i, true, "earlier allocation");
}

static int cmp_rec(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const struct rec *)x)->p, b = (uintptr_t)((const struct rec *)y)->p;
    return a < b ? -1 : a > b;
}

START_TEST(randomized_no_overlap)
{
    rng_state = RANDOM_SEED;
    static struct rec recs[RANDOM_ALLOC];
    char *src = letters(210000);
    char *expect = need(malloc(210100));
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);

    for (size_t i = 0; i < RANDOM_ALLOC; i++) {
        size_t size = random_size();
        unsigned char *p = NULL;
        const char *want = NULL; /* the expected string, for string kinds */
        switch (rng_next() % 6) {
        case 0:
        case 1:
            p = arena_alloc(a, size);
            break;
        case 2:
            if (size % 4 == 0)
                p = arena_calloc(a, size / 4, 4);
            else
                p = arena_calloc(a, 1, size);
            break;
        case 3:
            want = src + 210000 - size;
            p = (unsigned char *)arena_strdup(a, want);
            size = size + 1;
            break;
        case 4:
            p = (unsigned char *)arena_strndup(a, src + i % 26, size);
            memcpy(expect, src + i % 26, size);
            expect[size] = '\0';
            want = expect;
            size = size + 1;
            break;
        default:
            p = (unsigned char *)arena_printf(a, "%zu#%.*s", i, (int)size, src);
            snprintf(expect, 210100, "%zu#%.*s", i, (int)size, src);
            want = expect;
            size = strlen(expect) + 1;
            break;
        }
        require_aligned(p, "random allocation", size);
        if (want)
            REQUIRE(strcmp((const char *)p, want) == 0, "string %zu differs", i);
        else
            require_zero(p, size, "random allocation");
        recs[i].p = p;
        recs[i].n = size;
        pattern(p, size, (uint32_t)i, false, "");
        if (i % 2000 == 1999)
            verify_all(recs, i + 1);
    }
    verify_all(recs, RANDOM_ALLOC);

    /* no two allocations share a byte (0-byte ones count as one byte) */
    qsort(recs, RANDOM_ALLOC, sizeof recs[0], cmp_rec);
    for (size_t i = 1; i < RANDOM_ALLOC; i++) {
        uintptr_t end = (uintptr_t)recs[i - 1].p + (recs[i - 1].n ? recs[i - 1].n : 1);
        REQUIRE(end <= (uintptr_t)recs[i].p, "allocations at %p (%zu bytes) and %p overlap",
                (void *)recs[i - 1].p, recs[i - 1].n, (void *)recs[i].p);
    }
    arena_free(a);
    free(src);
    free(expect);
}
END_TEST

START_TEST(bytes_accounting)
{
    struct dc_arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    size_t first = arena_bytes(a);
    /* a new arena holds one small first block (about 4 KiB) */
    ck_assert_uint_gt(first, 0);
    ck_assert_uint_le(first, 8192);

    rng_state = RANDOM_SEED ^ 0xFFu;
    size_t asked = 0, rounded = 0, prev = first;
    for (int i = 0; i < 5000; i++) {
        size_t size = 1 + rng_upto(299);
        ck_assert_ptr_nonnull(arena_alloc(a, size));
        asked += size;
        rounded += (size + ALIGN - 1) / ALIGN * ALIGN;
        size_t now = arena_bytes(a);
        REQUIRE(now >= prev, "arena_bytes shrank from %zu to %zu", prev, now);
        REQUIRE(now >= asked, "arena_bytes %zu is below the %zu bytes asked", now, asked);
        prev = now;
    }
    ck_assert_uint_gt(prev, first);
    /* blocks are reused until full: not much more than was asked */
    ck_assert_msg(prev <= 2 * rounded + (size_t)128 * 1024, "%zu bytes taken for %zu asked", prev,
                  asked);

    /* a large allocation is counted whole */
    ck_assert_ptr_nonnull(arena_alloc(a, (size_t)1 << 20));
    ck_assert_uint_ge(arena_bytes(a), prev + ((size_t)1 << 20));
    arena_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("arena");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, alignment_of_every_pointer);
    tcase_add_test(tc, zeroed_even_on_reused_memory);
    tcase_add_test(tc, zero_byte_allocations_distinct);
    tcase_add_test(tc, large_allocations_usable);
    tcase_add_test(tc, overflow_and_huge_sizes_refused);
    tcase_add_test(tc, strings_copied);
    tcase_add_test(tc, printf_formats);
    tcase_add_test(tc, defer_runs_newest_first);
    tcase_add_test(tc, free_null_is_noop);
    tcase_add_test(tc, randomized_no_overlap);
    tcase_add_test(tc, bytes_accounting);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
