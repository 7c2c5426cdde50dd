/*
 * fuzz_intervals.c - the interval union behind watch credit
 * (progress_merge_interval, progress_set_covered, progress_set_length and
 * the integer[] text round trip, include/drillcamp/progress.h).
 *
 * Input byte 0, low bit set: the rest is integer[] text as the database
 * could hold it, given to progress_set_from_pg_array; a set it accepts must
 * be normalised and survive a round trip.
 *
 * Low bit clear: the rest is a sequence of operations (from, to, max_new):
 *   - control byte c with bit 7 clear: "small", from and to one byte each
 *     (0..255), max_new = c & 63, or no limit (-1) when bit 6 is set. A
 *     256-bit bitmap models the set exactly: the merge must credit the
 *     lowest uncovered seconds first, up to max_new, and leave the set equal
 *     to the bitmap;
 *   - bit 7 set: "large", from and to any int32 (4 bytes each, big endian),
 *     max_new from 2 signed bytes (negative: no limit); checked by
 *     arithmetic only (length grows by what was credited, never more than
 *     asked, the covered part of [from, to) grows by the same).
 * After every operation the set must be sorted, disjoint and non-adjacent,
 * and (when every bound is >= 0, as the API guarantees) survive the round
 * trip through progress_set_to_pg_array / progress_set_from_pg_array.
 * Any broken invariant aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/progress.h"

#include "fuzz_common.h"

#define MODEL_BITS 256

static void check_normalised(const struct progress_set *s)
{
    CHECK(s->n <= s->cap);
    CHECK(s->n == 0 || s->v != NULL);
    for (size_t i = 0; i < s->n; i++) {
        CHECK(s->v[i].from < s->v[i].to);
        if (i)
            CHECK(s->v[i - 1].to < s->v[i].from); /* disjoint and not touching */
    }
}

static bool sets_equal(const struct progress_set *a, const struct progress_set *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].from != b->v[i].from || a->v[i].to != b->v[i].to)
            return false;
    return true;
}

static void check_round_trip(const struct progress_set *s)
{
    char *text = progress_set_to_pg_array(s);
    CHECK(text);
    CHECK(text[0] == '{' && text[strlen(text) - 1] == '}');
    bool nonneg = true;
    for (size_t i = 0; i < s->n; i++)
        nonneg = nonneg && s->v[i].from >= 0;
    struct progress_set back;
    enum dc_err err = progress_set_from_pg_array(text, &back);
    if (nonneg) {
        CHECK(err == DC_OK);
        CHECK(sets_equal(s, &back));
        progress_set_free(&back);
    } else if (err == DC_OK) {
        progress_set_free(&back);
    }
    free(text);
}

static int64_t model_count(const uint8_t *bits, int from, int to)
{
    int64_t n = 0;
    for (int i = from; i < to; i++)
        n += (bits[i / 8] >> (i % 8)) & 1;
    return n;
}

static void check_model(const struct progress_set *s, const uint8_t *bits)
{
    uint8_t mine[MODEL_BITS / 8] = {0};
    for (size_t i = 0; i < s->n; i++) {
        CHECK(s->v[i].from >= 0 && s->v[i].to <= MODEL_BITS);
        for (int32_t x = s->v[i].from; x < s->v[i].to; x++)
            mine[x / 8] |= (uint8_t)(1u << (x % 8));
    }
    CHECK(memcmp(mine, bits, sizeof mine) == 0);
    CHECK(progress_set_length(s) == model_count(bits, 0, MODEL_BITS));
}

static int32_t be32(const uint8_t *p)
{
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                     p[3]);
}

static void fuzz_text(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    struct progress_set s;
    if (progress_set_from_pg_array(text, &s) == DC_OK) {
        check_normalised(&s);
        for (size_t i = 0; i < s.n; i++)
            CHECK(s.v[i].from >= 0);
        check_round_trip(&s);
        /* merging what is already there credits nothing */
        for (size_t i = 0; i < s.n && i < 8; i++) {
            int64_t added = -1;
            CHECK(progress_merge_interval(&s, s.v[i].from, s.v[i].to, -1, &added) == DC_OK);
            CHECK(added == 0);
        }
        check_normalised(&s);
        progress_set_free(&s);
    } else {
        CHECK(s.v == NULL && s.n == 0);
    }
    free(text);
}

static void fuzz_ops(const uint8_t *data, size_t size)
{
    struct progress_set s = {0};
    uint8_t bits[MODEL_BITS / 8] = {0};
    bool model = true; /* false after the first large operation */
    size_t i = 0;
    while (i < size) {
        uint8_t c = data[i++];
        int32_t from, to;
        int64_t max_new;
        bool small = !(c & 0x80);
        if (small) {
            if (i + 2 > size)
                break;
            from = data[i];
            to = data[i + 1];
            i += 2;
            max_new = (c & 0x40) ? -1 : (c & 0x3f);
        } else {
            if (i + 10 > size)
                break;
            from = be32(data + i);
            to = be32(data + i + 4);
            max_new = (int16_t)((data[i + 8] << 8) | data[i + 9]);
            i += 10;
            if (max_new < 0)
                max_new = -1;
            model = false;
        }

        int64_t before_len = progress_set_length(&s);
        int64_t before_cov = from < to ? progress_set_covered(&s, from, to) : 0;
        int64_t added = -7;
        CHECK(progress_merge_interval(&s, from, to, max_new, &added) == DC_OK);
        check_normalised(&s);
        CHECK(added >= 0);
        CHECK(progress_set_length(&s) == before_len + added);
        if (from >= to || max_new == 0) {
            CHECK(added == 0);
        } else {
            int64_t want = (int64_t)to - from - before_cov; /* uncovered seconds */
            if (max_new >= 0 && max_new < want)
                want = max_new;
            CHECK(added == want);
            CHECK(progress_set_covered(&s, from, to) == before_cov + added);
        }

        if (model) {
            /* lowest uncovered seconds first, up to max_new */
            int64_t budget = max_new < 0 ? INT64_MAX : max_new;
            int64_t expect = 0;
            for (int x = from; x < to && budget > 0; x++) {
                if (!((bits[x / 8] >> (x % 8)) & 1)) {
                    bits[x / 8] |= (uint8_t)(1u << (x % 8));
                    budget--;
                    expect++;
                }
            }
            CHECK(added == expect);
            check_model(&s, bits);
            /* covered() against the model on a window taken from the op */
            int a = (from * 7 + c) % MODEL_BITS, b = (to * 13 + c) % (MODEL_BITS + 1);
            if (a < b)
                CHECK(progress_set_covered(&s, a, b) == model_count(bits, a, b));
            else
                CHECK(progress_set_covered(&s, a, b) == 0);
        }
        check_round_trip(&s);
    }
    progress_set_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_text(data + 1, size - 1);
    else
        fuzz_ops(data + 1, size - 1);
    return 0;
}
