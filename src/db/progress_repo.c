/*
 * progress_repo.c - SQL for the per-account learner row, the merged watch
 * intervals per content, and check-ins. Writers lock the learner row first,
 * so two heartbeats of one account are applied one after the other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/learning.h"

static const struct db_stmt LEARNER_CREATE = {
    "learners_create",
    "INSERT INTO learners (account_id, bucket_tokens, bucket_at) VALUES ($1, $2, $3)"
    " ON CONFLICT (account_id) DO NOTHING",
    3};

#define LEARNER_COLS                                                                               \
    "credited_seconds, bucket_tokens, bucket_at, checkin_days, streak_days,"                       \
    " coalesce(last_checkin_day - date '1970-01-01', -1)"

static const struct db_stmt LEARNER_LOCK = {
    "learners_lock", "SELECT " LEARNER_COLS " FROM learners WHERE account_id = $1 FOR UPDATE", 1};

static const struct db_stmt LEARNER_GET = {
    "learners_get", "SELECT " LEARNER_COLS " FROM learners WHERE account_id = $1", 1};

static const struct db_stmt LEARNER_SAVE = {
    "learners_save",
    "UPDATE learners SET credited_seconds = $2, bucket_tokens = $3, bucket_at = $4,"
    " checkin_days = $5, streak_days = $6,"
    " last_checkin_day = CASE WHEN $7::int < 0 THEN NULL ELSE date '1970-01-01' + $7::int END,"
    " updated_at = now() WHERE account_id = $1",
    7};

static const struct db_stmt LESSON_LENGTH = {
    "progress_lesson_length", "SELECT duration_seconds, 'ended', 0 FROM lessons WHERE id = $1", 1};

static const struct db_stmt LIVESTREAM_LENGTH = {
    "progress_livestream_length",
    "SELECT coalesce(duration_seconds, 0), status, coalesce(extract(epoch FROM started_at), 0)"
    " FROM livestreams WHERE id = $1",
    1};

static const struct db_stmt INTERVALS_LOCK = {
    "progress_intervals_lock",
    "SELECT intervals FROM progress WHERE account_id = $1 AND content_type = $2"
    " AND content_id = $3 FOR UPDATE",
    3};

static const struct db_stmt INTERVALS_SAVE = {
    "progress_intervals_save",
    "INSERT INTO progress (account_id, content_type, content_id, intervals, credited_seconds)"
    " VALUES ($1, $2, $3, $4::integer[], $5) ON CONFLICT (account_id, content_type, content_id)"
    " DO UPDATE SET intervals = excluded.intervals, credited_seconds = excluded.credited_seconds,"
    " updated_at = now()",
    5};

static const struct db_stmt PROGRESS_LIST = {
    "progress_list",
    "SELECT p.content_type, p.content_id, coalesce(le.title, ls.title, ''),"
    " coalesce(le.duration_seconds, ls.duration_seconds, 0), p.credited_seconds"
    " FROM progress p"
    " LEFT JOIN lessons le ON p.content_type = 'lesson' AND le.id = p.content_id"
    " LEFT JOIN livestreams ls ON p.content_type = 'livestream' AND ls.id = p.content_id"
    " WHERE p.account_id = $1 ORDER BY p.content_type, p.content_id",
    1};

static const struct db_stmt CHECKIN_INSERT = {
    "checkins_insert",
    "INSERT INTO checkins (account_id, day) VALUES ($1, date '1970-01-01' + $2::int)"
    " ON CONFLICT DO NOTHING",
    2};

static const struct db_stmt CHECKIN_DAYS = {
    "checkins_days",
    "SELECT to_char(day, 'YYYY-MM-DD') FROM checkins WHERE account_id = $1 ORDER BY day", 1};

static void learner_from_row(const PGresult *r, int i, void *item)
{
    struct dc_learner *l = item;
    l->credited_seconds = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    l->bucket.tokens = strtod(PQgetvalue(r, i, 1), NULL);
    l->bucket.at = strtod(PQgetvalue(r, i, 2), NULL);
    l->checkin_days = atoi(PQgetvalue(r, i, 3));
    l->streak_days = atoi(PQgetvalue(r, i, 4));
    l->last_checkin_day = strtoll(PQgetvalue(r, i, 5), NULL, 10);
}

enum dc_err learners_repo_lock(struct db_conn *c, int64_t account_id, double rate, double now,
                               struct dc_learner *out)
{
    char a[24], tokens[40], at[40];
    struct progress_bucket full = progress_bucket_new(rate, now);
    snprintf(a, sizeof a, "%" PRId64, account_id);
    snprintf(tokens, sizeof tokens, "%.17g", full.tokens);
    snprintf(at, sizeof at, "%.17g", full.at);
    const char *p[] = {a, tokens, at};
    enum dc_err err = db_exec_void(c, &LEARNER_CREATE, p);
    if (err != DC_OK)
        return err;
    return db_query_one(c, &LEARNER_LOCK, p, learner_from_row, out);
}

enum dc_err learners_repo_get(struct db_conn *c, int64_t account_id, struct dc_learner *out)
{
    char a[24];
    snprintf(a, sizeof a, "%" PRId64, account_id);
    const char *p[] = {a};
    enum dc_err err = db_query_one(c, &LEARNER_GET, p, learner_from_row, out);
    if (err == DC_ERR_NOT_FOUND) {
        memset(out, 0, sizeof *out);
        out->last_checkin_day = -1;
        err = DC_OK;
    }
    return err;
}

enum dc_err learners_repo_save(struct db_conn *c, int64_t account_id, const struct dc_learner *l)
{
    char a[24], cs[24], tokens[40], at[40], days[16], streak[16], last[24];
    snprintf(a, sizeof a, "%" PRId64, account_id);
    snprintf(cs, sizeof cs, "%" PRId64, l->credited_seconds);
    snprintf(tokens, sizeof tokens, "%.17g", l->bucket.tokens);
    snprintf(at, sizeof at, "%.17g", l->bucket.at);
    snprintf(days, sizeof days, "%d", l->checkin_days);
    snprintf(streak, sizeof streak, "%d", l->streak_days);
    snprintf(last, sizeof last, "%" PRId64, l->last_checkin_day);
    const char *p[] = {a, cs, tokens, at, days, streak, last};
    return db_exec_void(c, &LEARNER_SAVE, p);
}

enum dc_err progress_repo_content_length(struct db_conn *c, const char *content_type,
                                         int64_t content_id, double now, int32_t *length)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, content_id);
    const char *p[] = {id};
    bool lesson = strcmp(content_type, "lesson") == 0;
    PGresult *r;
    enum dc_err err = db_exec(c, lesson ? &LESSON_LENGTH : &LIVESTREAM_LENGTH, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return DC_ERR_NOT_FOUND;
    }
    const char *status = PQgetvalue(r, 0, 1);
    if (strcmp(status, "scheduled") == 0) {
        err = DC_ERR_INVALID_STATE;
    } else if (strcmp(status, "live") == 0) {
        /* a live stream is as long as it has been running */
        double since = now - strtod(PQgetvalue(r, 0, 2), NULL);
        *length = since > 0 ? (int32_t)since : 0;
    } else {
        *length = (int32_t)atoi(PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return err;
}

enum dc_err progress_repo_lock_intervals(struct db_conn *c, int64_t account_id,
                                         const char *content_type, int64_t content_id,
                                         struct progress_set *out)
{
    char a[24], id[24];
    snprintf(a, sizeof a, "%" PRId64, account_id);
    snprintf(id, sizeof id, "%" PRId64, content_id);
    const char *p[] = {a, content_type, id};
    PGresult *r;
    memset(out, 0, sizeof *out);
    enum dc_err err = db_exec(c, &INTERVALS_LOCK, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 1)
        err = progress_set_from_pg_array(PQgetvalue(r, 0, 0), out);
    PQclear(r);
    return err;
}

enum dc_err progress_repo_save_intervals(struct db_conn *c, int64_t account_id,
                                         const char *content_type, int64_t content_id,
                                         const struct progress_set *s)
{
    char a[24], id[24], credited[24];
    char *arr = progress_set_to_pg_array(s);
    if (!arr)
        return DC_ERR_NOMEM;
    snprintf(a, sizeof a, "%" PRId64, account_id);
    snprintf(id, sizeof id, "%" PRId64, content_id);
    snprintf(credited, sizeof credited, "%" PRId64, progress_set_length(s));
    const char *p[] = {a, content_type, id, arr, credited};
    enum dc_err err = db_exec_void(c, &INTERVALS_SAVE, p);
    free(arr);
    return err;
}

static void item_from_row(const PGresult *r, int i, void *out)
{
    struct dc_progress_item *it = out;
    snprintf(it->content_type, sizeof it->content_type, "%s", PQgetvalue(r, i, 0));
    it->content_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    snprintf(it->title, sizeof it->title, "%s", PQgetvalue(r, i, 2));
    it->duration_seconds = atoi(PQgetvalue(r, i, 3));
    it->credited_seconds = atoi(PQgetvalue(r, i, 4));
}

enum dc_err progress_repo_list(struct db_conn *c, int64_t account_id, struct dc_progress_item **out,
                               size_t *n)
{
    char a[24];
    snprintf(a, sizeof a, "%" PRId64, account_id);
    const char *p[] = {a};
    return db_query_list(c, &PROGRESS_LIST, p, sizeof **out, item_from_row, (void **)out, n);
}

enum dc_err checkins_repo_insert(struct db_conn *c, int64_t account_id, int64_t day, bool *inserted)
{
    char a[24], d[24];
    snprintf(a, sizeof a, "%" PRId64, account_id);
    snprintf(d, sizeof d, "%" PRId64, day);
    const char *p[] = {a, d};
    PGresult *r;
    enum dc_err err = db_exec(c, &CHECKIN_INSERT, p, &r, NULL);
    if (err != DC_OK)
        return err;
    *inserted = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return DC_OK;
}

static void day_from_row(const PGresult *r, int i, void *out)
{
    snprintf(out, 11, "%s", PQgetvalue(r, i, 0));
}

enum dc_err checkins_repo_days(struct db_conn *c, int64_t account_id, char (**out)[11], size_t *n)
{
    char a[24];
    snprintf(a, sizeof a, "%" PRId64, account_id);
    const char *p[] = {a};
    return db_query_list(c, &CHECKIN_DAYS, p, 11, day_from_row, (void **)out, n);
}
