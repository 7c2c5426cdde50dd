/*
 * progress.c - interval union, playback-rate bucket, eligibility and
 * Beijing days. Everything here is arithmetic on values the caller owns.
 */
#include "drillcamp/progress.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/enums.h"
#include "drillcamp/validate.h"

void progress_set_free(struct progress_set *s)
{
    if (!s)
        return;
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

int64_t progress_set_length(const struct progress_set *s)
{
    int64_t total = 0;
    for (size_t i = 0; i < s->n; i++)
        total += (int64_t)s->v[i].to - s->v[i].from;
    return total;
}

int64_t progress_set_covered(const struct progress_set *s, int32_t from, int32_t to)
{
    int64_t covered = 0;
    for (size_t i = 0; i < s->n; i++) {
        int32_t lo = s->v[i].from > from ? s->v[i].from : from;
        int32_t hi = s->v[i].to < to ? s->v[i].to : to;
        if (hi > lo)
            covered += (int64_t)hi - lo;
    }
    return covered;
}

static enum dc_err set_push(struct progress_set *s, int32_t from, int32_t to)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct progress_interval *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return DC_ERR_NOMEM;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n].from = from;
    s->v[s->n].to = to;
    s->n++;
    return DC_OK;
}

static int cmp_interval(const void *a, const void *b)
{
    const struct progress_interval *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return (x->to > y->to) - (x->to < y->to);
}

/* Sorts and merges overlapping or touching intervals in place. */
static void set_normalise(struct progress_set *s)
{
    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof *s->v, cmp_interval);
    size_t w = 0;
    for (size_t i = 1; i < s->n; i++) {
        if (s->v[i].from <= s->v[w].to) {
            if (s->v[i].to > s->v[w].to)
                s->v[w].to = s->v[i].to;
        } else {
            s->v[++w] = s->v[i];
        }
    }
    s->n = w + 1;
}

enum dc_err progress_merge_interval(struct progress_set *s, int32_t from, int32_t to,
                                    int64_t max_new, int64_t *added)
{
    *added = 0;
    if (from >= to || max_new == 0)
        return DC_OK;
    /* walk the gaps of the set inside [from, to), lowest first */
    int32_t cursor = from;
    int64_t budget = max_new < 0 ? INT64_MAX : max_new;
    size_t before = s->n;
    for (size_t i = 0; i <= before && cursor < to && budget > 0; i++) {
        int32_t gap_end = i < before ? s->v[i].from : to;
        if (i < before && s->v[i].to <= cursor)
            continue;
        if (gap_end > to)
            gap_end = to;
        if (gap_end > cursor) {
            int64_t take = (int64_t)gap_end - cursor;
            if (take > budget)
                take = budget;
            if (set_push(s, cursor, (int32_t)(cursor + take)) != DC_OK)
                return DC_ERR_NOMEM;
            budget -= take;
            *added += take;
        }
        if (i < before && s->v[i].to > cursor)
            cursor = s->v[i].to;
    }
    set_normalise(s);
    return DC_OK;
}

char *progress_set_to_pg_array(const struct progress_set *s)
{
    size_t cap = 3 + s->n * 24;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    out[o++] = '{';
    for (size_t i = 0; i < s->n; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%d,%d", i ? "," : "", (int)s->v[i].from,
                              (int)s->v[i].to);
    out[o++] = '}';
    out[o] = '\0';
    return out;
}

enum dc_err progress_set_copy(const struct progress_set *src, struct progress_set *dst)
{
    memset(dst, 0, sizeof *dst);
    if (src->n == 0)
        return DC_OK;
    dst->v = malloc(src->n * sizeof *dst->v);
    if (!dst->v)
        return DC_ERR_NOMEM;
    memcpy(dst->v, src->v, src->n * sizeof *dst->v);
    dst->n = dst->cap = src->n;
    return DC_OK;
}

enum dc_err progress_set_from_pg_array(const char *text, struct progress_set *out)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return DC_OK;
    const char *p = text;
    if (*p++ != '{')
        return DC_ERR_INTERNAL;
    long pending = -1;
    while (*p && *p != '}') {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > INT32_MAX)
            goto bad;
        if (pending < 0) {
            pending = v;
        } else {
            if (v > pending && set_push(out, (int32_t)pending, (int32_t)v) != DC_OK)
                goto bad;
            pending = -1;
        }
        p = end;
        if (*p == ',')
            p++;
    }
    if (*p != '}' || pending >= 0)
        goto bad;
    set_normalise(out);
    return DC_OK;
bad:
    progress_set_free(out);
    return DC_ERR_INTERNAL;
}

struct progress_bucket progress_bucket_new(double rate, double now)
{
    struct progress_bucket b = {PROGRESS_BURST_SECONDS * rate, now};
    return b;
}

static double bucket_level(const struct progress_bucket *b, double rate, double now)
{
    double burst = PROGRESS_BURST_SECONDS * rate;
    double elapsed = now > b->at ? now - b->at : 0;
    double level = b->tokens + elapsed * rate;
    return level > burst ? burst : level;
}

int64_t progress_bucket_available(const struct progress_bucket *b, double rate, double now)
{
    double level = bucket_level(b, rate, now);
    /* a hair of tolerance so that 120 x 1.0 is 120, not 119.999 */
    return level <= 0 ? 0 : (int64_t)floor(level + 1e-9);
}

void progress_bucket_take(struct progress_bucket *b, double rate, double now, int64_t seconds)
{
    double level = bucket_level(b, rate, now) - (double)seconds;
    b->tokens = level < 0 ? 0 : level;
    b->at = now > b->at ? now : b->at;
}

double progress_class_hours(int64_t total_seconds, int class_hour_seconds)
{
    if (class_hour_seconds <= 0)
        return 0;
    int64_t hundredths = total_seconds * 100 / class_hour_seconds;
    return (double)hundredths / 100.0;
}

int64_t progress_required_seconds(const struct progress_rules *r)
{
    return (int64_t)r->required_class_hours * r->class_hour_seconds;
}

int64_t progress_remaining_seconds(const struct progress_rules *r, int64_t total_seconds)
{
    int64_t left = progress_required_seconds(r) - total_seconds;
    return left > 0 ? left : 0;
}

bool progress_eligible(const struct progress_rules *r, int64_t total_seconds, int checkin_days)
{
    return total_seconds >= progress_required_seconds(r) &&
           (!r->require_checkin || checkin_days > 0);
}

int64_t progress_beijing_day(time_t t)
{
    int64_t local = (int64_t)t + (int64_t)8 * 3600;
    int64_t day = local / 86400;
    if (local % 86400 < 0)
        day--;
    return day;
}

void progress_day_string(int64_t day, char *out)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

enum dc_err progress_parse_report(const json_t *item, struct progress_report *out,
                                  struct dc_problem *p)
{
    const json_t *from = json_object_get(item, "from_second");
    const json_t *to = json_object_get(item, "to_second");
    if (!json_is_object(item))
        return dc_problem_set(p, DC_ERR_VALIDATION, "", "each item must be an object");
    if (validate_string(item, "content_type", true, 1, 16, true, &out->content_type) != DC_OK ||
        !dc_enum_has(&DC_ENUM_CONTENT_TYPE, out->content_type))
        return dc_problem_set(p, DC_ERR_VALIDATION, "content_type", DC_ENUM_CONTENT_TYPE.message);
    if (!validate_id_member(json_object_get(item, "content_id"), &out->content_id))
        return dc_problem_set(p, DC_ERR_VALIDATION, "content_id", "content_id must be an id");
    if (!json_is_integer(from) || json_integer_value(from) < 0 ||
        json_integer_value(from) > INT32_MAX - 1)
        return dc_problem_set(p, DC_ERR_VALIDATION, "from_second",
                              "from_second must be an integer >= 0");
    if (!json_is_integer(to) || json_integer_value(to) <= json_integer_value(from) ||
        json_integer_value(to) > INT32_MAX)
        return dc_problem_set(p, DC_ERR_VALIDATION, "to_second",
                              "to_second must be an integer > from_second");
    out->from = (int32_t)json_integer_value(from);
    out->to = (int32_t)json_integer_value(to);
    return DC_OK;
}
