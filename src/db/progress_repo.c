/*
 * progress_repo.c - SQL for watch progress: the lengths credit is bounded
 * by, the merged intervals per account and content (locked while a
 * heartbeat merges into them), and the learner's per-content list.
 */
#include <stdlib.h>
#include <string.h>

#include "drillcamp/learning.h"

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

static const struct db_stmt LIST = {
    "progress_list",
    "SELECT p.content_type, p.content_id, coalesce(le.title, ls.title, ''),"
    " coalesce(le.duration_seconds, ls.duration_seconds, 0), p.credited_seconds"
    " FROM progress p"
    " LEFT JOIN lessons le ON p.content_type = 'lesson' AND le.id = p.content_id"
    " LEFT JOIN livestreams ls ON p.content_type = 'livestream' AND ls.id = p.content_id"
    " WHERE p.account_id = $1 ORDER BY p.content_type, p.content_id",
    1};

/* A content's stored length, status and start (for a live stream). */
struct content_row {
    int32_t duration;
    const char *status;
    double started;
};

static void content_from_row(const PGresult *r, int i, void *item)
{
    struct content_row *x = item;
    x->duration = (int32_t)db_int(r, i, 0);
    x->status = db_text(r, i, 1);
    x->started = db_double(r, i, 2);
}

enum dc_err progress_repo_content_length(struct db_conn *c, const char *content_type,
                                         int64_t content_id, double now, int32_t *length)
{
    const char *p[] = {db_arg_i64(c, content_id)};
    bool lesson = strcmp(content_type, "lesson") == 0;
    struct content_row x;
    enum dc_err err =
        db_query_one(c, lesson ? &LESSON_LENGTH : &LIVESTREAM_LENGTH, p, content_from_row, &x);
    if (err != DC_OK)
        return err;
    if (strcmp(x.status, "scheduled") == 0)
        return DC_ERR_INVALID_STATE;
    if (strcmp(x.status, "live") == 0) {
        /* a live stream is as long as it has been running */
        double since = now - x.started;
        *length = since > 0 ? (int32_t)since : 0;
    } else {
        *length = x.duration;
    }
    return DC_OK;
}

enum dc_err progress_repo_lock_intervals(struct db_conn *c, int64_t account_id,
                                         const char *content_type, int64_t content_id,
                                         struct progress_set *out)
{
    const char *p[] = {db_arg_i64(c, account_id), content_type, db_arg_i64(c, content_id)};
    const char *text = NULL;
    memset(out, 0, sizeof *out);
    enum dc_err err = db_query_one(c, &INTERVALS_LOCK, p, db_row_text, &text);
    if (err == DC_ERR_NOT_FOUND)
        return DC_OK;
    return err == DC_OK && text ? progress_set_from_pg_array(text, out) : err;
}

enum dc_err progress_repo_save_intervals(struct db_conn *c, int64_t account_id,
                                         const char *content_type, int64_t content_id,
                                         const struct progress_set *s)
{
    char *arr = progress_set_to_pg_array(s);
    if (!arr)
        return DC_ERR_NOMEM;
    const char *p[] = {db_arg_i64(c, account_id), content_type, db_arg_i64(c, content_id), arr,
                       db_arg_i64(c, progress_set_length(s))};
    enum dc_err err = db_exec_void(c, &INTERVALS_SAVE, p);
    free(arr);
    return err;
}

static void item_from_row(const PGresult *r, int i, void *item)
{
    struct dc_progress_item *it = item;
    it->content_type = db_text(r, i, 0);
    it->content_id = db_i64(r, i, 1);
    it->title = db_text(r, i, 2);
    it->duration_seconds = db_int(r, i, 3);
    it->credited_seconds = db_int(r, i, 4);
}

enum dc_err progress_repo_list(struct db_conn *c, int64_t account_id, struct dc_progress_item **out,
                               size_t *n)
{
    const char *p[] = {db_arg_i64(c, account_id)};
    return db_query_list(c, &LIST, p, sizeof **out, item_from_row, (void **)out, n);
}
