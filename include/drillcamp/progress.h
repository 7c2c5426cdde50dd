/*
 * progress.h - pure learning arithmetic: the union of watched intervals per
 * content, the per-account playback-rate token bucket, eligibility, class
 * hours and Beijing calendar days. No database, no HTTP.
 */
#ifndef DRILLCAMP_PROGRESS_H
#define DRILLCAMP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "drillcamp/err.h"

/* One watch report (POST /v1/progress items, partner progress items):
 * seconds [from, to) of a content. content_type is borrowed from the JSON. */
struct progress_report {
    const char *content_type; /* "lesson" or "livestream" */
    int64_t content_id;
    int32_t from, to;
};

/*
 * Reads one report object: content_type, content_id (an id string or a
 * positive integer), 0 <= from_second < to_second. On DC_ERR_VALIDATION
 * p->field names the bad member relative to the item ("" for the item
 * itself, when it is not an object). The content's length is the caller's
 * check (it needs the database).
 */
enum dc_err progress_parse_report(const json_t *item, struct progress_report *out,
                                  struct dc_problem *p);

/* Seconds [from, to) of one content. */
struct progress_interval {
    int32_t from;
    int32_t to;
};

/* Sorted, disjoint, non-adjacent intervals. Zero-initialise; free with
 * progress_set_free. */
struct progress_set {
    struct progress_interval *v;
    size_t n;
    size_t cap;
};

void progress_set_free(struct progress_set *s);
/* *dst becomes a copy of src (free it with progress_set_free). */
enum dc_err progress_set_copy(const struct progress_set *src, struct progress_set *dst);
/* Total seconds covered. */
int64_t progress_set_length(const struct progress_set *s);

/* Seconds of [from, to) the set already covers. */
int64_t progress_set_covered(const struct progress_set *s, int32_t from, int32_t to);

/*
 * Adds [from, to) to the set, crediting at most max_new seconds not yet
 * covered (max_new < 0: no limit); uncovered seconds are taken from `from`
 * upward, so a capped report credits its earliest new seconds. *added
 * receives the seconds that became covered.
 */
enum dc_err progress_merge_interval(struct progress_set *s, int32_t from, int32_t to,
                                    int64_t max_new, int64_t *added);

/* The set as a PostgreSQL integer[] literal "{f0,t0,f1,t1}"; malloc'ed. */
char *progress_set_to_pg_array(const struct progress_set *s);
/* Parses what progress_set_to_pg_array wrote (NULL or "" is empty); the
 * result is normalised even if the text was not. */
enum dc_err progress_set_from_pg_array(const char *text, struct progress_set *out);

/* Token bucket over credited seconds: rate tokens a second, burst
 * PROGRESS_BURST_SECONDS x rate, full for a new account. */
#define PROGRESS_BURST_SECONDS 120.0

struct progress_bucket {
    double tokens;
    double at; /* unix seconds of `tokens` */
};

/* A full bucket at `now`. */
struct progress_bucket progress_bucket_new(double rate, double now);
/* Whole seconds available at now (refilled, capped at the burst). */
int64_t progress_bucket_available(const struct progress_bucket *b, double rate, double now);
/* Refills to now and spends `seconds`. */
void progress_bucket_take(struct progress_bucket *b, double rate, double now, int64_t seconds);

struct progress_rules {
    int class_hour_seconds;
    int required_class_hours;
    bool require_checkin;
};

/* total / class_hour_seconds rounded down to 2 decimals. */
double progress_class_hours(int64_t total_seconds, int class_hour_seconds);
int64_t progress_required_seconds(const struct progress_rules *r);
int64_t progress_remaining_seconds(const struct progress_rules *r, int64_t total_seconds);
bool progress_eligible(const struct progress_rules *r, int64_t total_seconds, int checkin_days);

/* Calendar day in Asia/Shanghai (UTC+8, no daylight saving) as days since
 * 1970-01-01, and as "YYYY-MM-DD" (out: 11 bytes). */
int64_t progress_beijing_day(time_t t);
void progress_day_string(int64_t day, char *out);

#endif
