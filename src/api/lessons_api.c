/*
 * lessons_api.c - POST /v1/admin/lessons, PATCH /v1/admin/lessons/:id,
 * GET /v1/lessons and GET /v1/lessons/:id.
 */
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/learning.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

static json_t *lesson_json(const void *item)
{
    const struct dc_lesson *l = item;
    return json_pack("{s:o, s:s, s:s, s:i, s:s, s:o, s:o, s:s, s:s}", "id", api_id_json(l->id),
                     "title", l->title, "category", l->category, "duration_seconds",
                     l->duration_seconds, "video_url", l->video_url, "cover_url",
                     api_string_or_null(l->cover_url), "description",
                     api_string_or_null(l->description), "created_at", l->created_at, "updated_at",
                     l->updated_at);
}

static int64_t lesson_key(const void *item)
{
    return ((const struct dc_lesson *)item)->id;
}

/* Optional https URL member; null clears. */
static bool url_field(const json_t *body, const char *key, bool *set, const char **out)
{
    json_t *v = json_object_get(body, key);
    *set = v != NULL;
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v) || !validate_https_url(json_string_value(v), DC_URL_MAX_BYTES))
        return false;
    *out = json_string_value(v);
    return true;
}

/* Reads lesson fields; creating makes title, category, duration and video
 * required. */
static enum dc_err lesson_fields(struct dc_req *req, bool creating, struct dc_lesson_fields *f)
{
    const json_t *body = req->json;
    json_t *dur = json_object_get(body, "duration_seconds");
    bool video_set, exists = false;
    memset(f, 0, sizeof *f);
    if (validate_string(body, "title", creating, 1, DC_NAME_MAX_CHARS, true, &f->title) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "title",
                           "title must be 1-100 characters without control characters");
    if (validate_string(body, "category", creating, 1, 40, true, &f->category) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "category", "category is not a known category");
    if ((creating && !dur) || (dur && (!json_is_integer(dur) || json_integer_value(dur) < 1 ||
                                       json_integer_value(dur) > DC_CONTENT_MAX_SECONDS)))
        return dc_req_fail(req, DC_ERR_VALIDATION, "duration_seconds",
                           "duration_seconds must be an integer 1-86400");
    if (!url_field(body, "video_url", &video_set, &f->video_url) || (video_set && !f->video_url) ||
        (creating && !f->video_url))
        return dc_req_fail(req, DC_ERR_VALIDATION, "video_url",
                           "video_url must be an https URL of at most 2048 bytes");
    if (!url_field(body, "cover_url", &f->set_cover, &f->cover_url))
        return dc_req_fail(req, DC_ERR_VALIDATION, "cover_url",
                           "cover_url must be an https URL of at most 2048 bytes or null");
    if (validate_string(body, "description", false, 0, DC_DESCRIPTION_MAX_CHARS, false,
                        &f->description) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "description",
                           "description must be at most 2000 characters");
    f->set_description = json_object_get(body, "description") != NULL;
    f->duration_seconds = dur ? (int)json_integer_value(dur) : 0;
    enum dc_err err = f->category ? categories_repo_exists(req->db, f->category, &exists) : DC_OK;
    if (err == DC_OK && f->category && !exists)
        err = dc_req_fail(req, DC_ERR_VALIDATION, "category", "category is not a known category");
    return err;
}

/* Shared by create and patch: both answer the lesson. */
static enum dc_err lesson_write(struct dc_req *req, bool creating)
{
    struct dc_lesson_fields f;
    struct dc_lesson l;
    int64_t id = 0;
    enum dc_err err = creating ? DC_OK : api_path_id(req, "id", &id);
    if (err == DC_OK)
        err = lesson_fields(req, creating, &f);
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK)
        err = creating ? lessons_repo_insert(req->db, &f, &l)
                       : lessons_repo_update(req->db, id, &f, &l);
    if (err == DC_OK)
        err = api_audit_id(req, creating ? "lesson.create" : "lesson.update", "lesson", l.id, NULL);
    if (err == DC_OK)
        err = db_commit(req->db);
    if (err == DC_ERR_INVALID_STATE)
        return dc_req_fail(req, err, "duration_seconds",
                           "learners have credit on this lesson: its length cannot shrink");
    return err == DC_OK ? dc_reply_json(req, creating ? 201 : 200, lesson_json(&l)) : err;
}

/* Route: admin, JSON body. */
enum dc_err lessons_api_create(struct dc_req *req)
{
    return lesson_write(req, true);
}

/* Route: admin, JSON body. */
enum dc_err lessons_api_patch(struct dc_req *req)
{
    return lesson_write(req, false);
}

/* Route: anyone, read replica. */
enum dc_err lessons_api_get(struct dc_req *req)
{
    struct dc_lesson l;
    int64_t id;
    enum dc_err err = api_path_id(req, "id", &id);
    if (err == DC_OK)
        err = lessons_repo_get(req->db, id, &l);
    return err == DC_OK ? dc_reply_json(req, 200, lesson_json(&l)) : err;
}

static enum dc_err lessons_page(struct dc_req *req, const struct api_page *page, void *items,
                                size_t *n)
{
    return lessons_repo_list(req->db, dc_req_query(req, "category"), page->after_a, page->limit + 1,
                             items, n);
}

/* Route: anyone, read replica. */
enum dc_err lessons_api_list(struct dc_req *req)
{
    return api_list(req, lessons_page, sizeof(struct dc_lesson), lesson_json, lesson_key);
}
