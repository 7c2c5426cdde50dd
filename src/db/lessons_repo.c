/*
 * lessons_repo.c - SQL for lessons (science videos).
 */
#include "drillcamp/learning.h"

#define LESSON_COLS                                                                                \
    "id, title, category, duration_seconds, video_url, cover_url, description, " DB_TS(            \
        "created_at") ", " DB_TS("updated_at")

static const struct db_stmt INSERT = {
    "lessons_insert",
    "INSERT INTO lessons (title, category, duration_seconds, video_url, cover_url, description)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING " LESSON_COLS,
    6};

/* no row: unknown, or a shorter length below credit already earned */
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

static void lesson_from_row(const PGresult *r, int i, void *item)
{
    struct dc_lesson *l = item;
    l->id = db_i64(r, i, 0);
    l->title = db_text(r, i, 1);
    l->category = db_text(r, i, 2);
    l->duration_seconds = db_int(r, i, 3);
    l->video_url = db_text(r, i, 4);
    l->cover_url = db_text_or_null(r, i, 5);
    l->description = db_text_or_null(r, i, 6);
    l->created_at = db_text(r, i, 7);
    l->updated_at = db_text(r, i, 8);
}

enum dc_err lessons_repo_insert(struct db_conn *c, const struct dc_lesson_fields *f,
                                struct dc_lesson *out)
{
    const char *p[] = {f->title,     f->category,  db_arg_i64(c, f->duration_seconds),
                       f->video_url, f->cover_url, f->description};
    return db_query_one(c, &INSERT, p, lesson_from_row, out);
}

enum dc_err lessons_repo_update(struct db_conn *c, int64_t id, const struct dc_lesson_fields *f,
                                struct dc_lesson *out)
{
    const char *p[] = {
        db_arg_i64(c, id), f->title,
        f->category,       f->duration_seconds > 0 ? db_arg_i64(c, f->duration_seconds) : NULL,
        f->video_url,      db_arg_bool(f->set_cover),
        f->cover_url,      db_arg_bool(f->set_description),
        f->description};
    enum dc_err err = db_query_one(c, &UPDATE, p, lesson_from_row, out);
    if (err == DC_ERR_NOT_FOUND && lessons_repo_get(c, id, out) == DC_OK)
        err = DC_ERR_INVALID_STATE;
    return err;
}

enum dc_err lessons_repo_get(struct db_conn *c, int64_t id, struct dc_lesson *out)
{
    const char *p[] = {db_arg_i64(c, id)};
    return db_query_one(c, &GET, p, lesson_from_row, out);
}

enum dc_err lessons_repo_list(struct db_conn *c, const char *category, int64_t after_id, int limit,
                              struct dc_lesson **out, size_t *n)
{
    const char *p[] = {db_arg_i64(c, after_id), category, db_arg_i64(c, limit)};
    return db_query_list(c, &LIST, p, sizeof **out, lesson_from_row, (void **)out, n);
}
