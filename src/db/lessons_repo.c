/*
 * lessons_repo.c - SQL for lessons (science videos).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/learning.h"

#define TS(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define LESSON_COLS                                                                                \
    "id, title, category, duration_seconds, video_url, cover_url, description, " TS(               \
        "created_at") ", " TS("updated_at")

static const struct db_stmt INSERT = {
    "lessons_insert",
    "INSERT INTO lessons (title, category, duration_seconds, video_url, cover_url, description)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING " LESSON_COLS,
    6};

static const struct db_stmt UPDATE = {
    "lessons_update",
    "UPDATE lessons SET title = coalesce($2, title), category = coalesce($3, category),"
    " duration_seconds = coalesce($4::int, duration_seconds), video_url = coalesce($5, video_url),"
    " cover_url = CASE WHEN $6::boolean THEN $7 ELSE cover_url END,"
    " description = CASE WHEN $8::boolean THEN $9 ELSE description END, updated_at = now()"
    " WHERE id = $1 AND ($4::int IS NULL OR $4::int >= duration_seconds OR NOT EXISTS"
    " (SELECT 1 FROM progress WHERE content_type = 'lesson' AND content_id = $1))"
    " RETURNING " LESSON_COLS,
    9};

static const struct db_stmt GET = {"lessons_get",
                                   "SELECT " LESSON_COLS " FROM lessons WHERE id = $1", 1};

static const struct db_stmt LIST = {
    "lessons_list",
    "SELECT " LESSON_COLS " FROM lessons WHERE id > $1::bigint"
    " AND ($2::text IS NULL OR category = $2) ORDER BY id LIMIT $3::int",
    3};

static void copy(char *dst, size_t cap, const PGresult *r, int row, int col, bool *present)
{
    if (present)
        *present = !PQgetisnull(r, row, col);
    snprintf(dst, cap, "%s", PQgetvalue(r, row, col));
}

static void from_row(const PGresult *r, int i, void *item)
{
    struct dc_lesson *l = item;
    l->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    copy(l->title, sizeof l->title, r, i, 1, NULL);
    copy(l->category, sizeof l->category, r, i, 2, NULL);
    l->duration_seconds = atoi(PQgetvalue(r, i, 3));
    copy(l->video_url, sizeof l->video_url, r, i, 4, NULL);
    copy(l->cover_url, sizeof l->cover_url, r, i, 5, &l->has_cover);
    copy(l->description, sizeof l->description, r, i, 6, &l->has_description);
    copy(l->created_at, sizeof l->created_at, r, i, 7, NULL);
    copy(l->updated_at, sizeof l->updated_at, r, i, 8, NULL);
}

enum dc_err lessons_repo_insert(struct db_conn *c, const struct dc_lesson_fields *f,
                                struct dc_lesson *out)
{
    char dur[16];
    snprintf(dur, sizeof dur, "%d", f->duration_seconds);
    const char *p[] = {f->title, f->category, dur, f->video_url, f->cover_url, f->description};
    return db_query_one(c, &INSERT, p, from_row, out);
}

enum dc_err lessons_repo_update(struct db_conn *c, int64_t id, const struct dc_lesson_fields *f,
                                struct dc_lesson *out)
{
    char ids[24], dur[16];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    snprintf(dur, sizeof dur, "%d", f->duration_seconds);
    const char *p[] = {ids,           f->title,
                       f->category,   f->duration_seconds > 0 ? dur : NULL,
                       f->video_url,  f->set_cover ? "true" : "false",
                       f->cover_url,  f->set_description ? "true" : "false",
                       f->description};
    enum dc_err err = db_query_one(c, &UPDATE, p, from_row, out);
    /* no row: unknown, or a shorter length below credit already earned */
    if (err == DC_ERR_NOT_FOUND && lessons_repo_get(c, id, out) == DC_OK)
        err = DC_ERR_INVALID_STATE;
    return err;
}

enum dc_err lessons_repo_get(struct db_conn *c, int64_t id, struct dc_lesson *out)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids};
    return db_query_one(c, &GET, p, from_row, out);
}

enum dc_err lessons_repo_list(struct db_conn *c, const char *category, int64_t after_id, int limit,
                              struct dc_lesson **out, size_t *n)
{
    char after[24], lim[16];
    snprintf(after, sizeof after, "%" PRId64, after_id);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {after, category, lim};
    return db_query_list(c, &LIST, p, sizeof **out, from_row, (void **)out, n);
}
