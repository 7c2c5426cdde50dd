/*
 * lessons_api.c - POST /v1/admin/lessons, PATCH /v1/admin/lessons/:id,
 * GET /v1/lessons and GET /v1/lessons/:id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/learning.h"
#include "drillcamp/validate.h"

static const char *const ADMIN[] = {"admin", NULL};

static json_t *lesson_json(const void *item)
{
    const struct dc_lesson *l = item;
    return json_pack("{s:o, s:s, s:s, s:i, s:s, s:o, s:o, s:s, s:s}", "id", api_id_json(l->id),
                     "title", l->title, "category", l->category, "duration_seconds",
                     l->duration_seconds, "video_url", l->video_url, "cover_url",
                     l->has_cover ? json_string(l->cover_url) : json_null(), "description",
                     l->has_description ? json_string(l->description) : json_null(), "created_at",
                     l->created_at, "updated_at", l->updated_at);
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
    if (!json_is_string(v) || !validate_https_url(json_string_value(v), 2048))
        return false;
    *out = json_string_value(v);
    return true;
}

/* Reads lesson fields; creating makes title, category, duration and video
 * required. Answers 422 itself on a bad field. */
static bool lesson_fields_or_respond(struct dc_req *req, struct db_conn *conn, const json_t *body,
                                     bool creating, struct dc_lesson_fields *f)
{
    memset(f, 0, sizeof *f);
    const char *field = NULL, *msg = NULL;
    json_t *dur = json_object_get(body, "duration_seconds");
    bool video_set;
    if (validate_string(body, "title", creating, 1, 100, true, &f->title) != DC_OK) {
        field = "title";
        msg = "title must be 1-100 characters without control characters";
    } else if (validate_string(body, "category", creating, 1, 40, true, &f->category) != DC_OK) {
        field = "category";
        msg = "category is not a known category";
    } else if ((creating && !dur) ||
               (dur && (!json_is_integer(dur) || json_integer_value(dur) < 1 ||
                        json_integer_value(dur) > 86400))) {
        field = "duration_seconds";
        msg = "duration_seconds must be an integer 1-86400";
    } else if (!url_field(body, "video_url", &video_set, &f->video_url) ||
               (video_set && !f->video_url) || (creating && !f->video_url)) {
        field = "video_url";
        msg = "video_url must be an https URL of at most 2048 bytes";
    } else if (!url_field(body, "cover_url", &f->set_cover, &f->cover_url)) {
        field = "cover_url";
        msg = "cover_url must be an https URL of at most 2048 bytes or null";
    } else if (validate_string(body, "description", false, 0, 2000, false, &f->description) !=
               DC_OK) {
        field = "description";
        msg = "description must be at most 2000 characters";
    }
    f->set_description = json_object_get(body, "description") != NULL;
    f->duration_seconds = dur ? (int)json_integer_value(dur) : 0;
    if (!field && f->category) {
        bool exists;
        enum dc_err err = categories_repo_exists(conn, f->category, &exists);
        if (err != DC_OK) {
            dc_reply_err(req, err, NULL, NULL);
            return false;
        }
        if (!exists) {
            field = "category";
            msg = "category is not a known category";
        }
    }
    if (field)
        dc_reply_err(req, DC_ERR_VALIDATION, field, msg);
    return field == NULL;
}

/* Shared by create and patch: both answer the lesson. */
static void lesson_write(struct dc_req *req, bool creating)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_lesson_fields f;
    struct dc_lesson l;
    json_t *body = NULL;
    int64_t id = 0;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    if (!creating && !validate_id(dc_req_param(req, "id"), &id)) {
        err = DC_ERR_NOT_FOUND;
        goto out;
    }
    body = dc_req_json_object_or_respond(req);
    if (!body || !lesson_fields_or_respond(req, conn, body, creating, &f))
        goto out;
    err = db_begin(conn);
    if (err == DC_OK)
        err = creating ? lessons_repo_insert(conn, &f, &l) : lessons_repo_update(conn, id, &f, &l);
    if (err == DC_OK)
        err = api_audit_id(conn, req, creating ? "lesson.create" : "lesson.update", "lesson", l.id,
                           NULL);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, creating ? 201 : 200, lesson_json(&l));
out:
    if (req->status == 0)
        dc_reply_err(req, err, err == DC_ERR_INVALID_STATE ? "duration_seconds" : NULL,
                     err == DC_ERR_INVALID_STATE
                         ? "learners have credit on this lesson: its length cannot shrink"
                         : NULL);
    db_release(conn);
    json_decref(body);
}

void lessons_api_create(struct dc_req *req)
{
    lesson_write(req, true);
}

void lessons_api_patch(struct dc_req *req)
{
    lesson_write(req, false);
}

void lessons_api_get(struct dc_req *req)
{
    enum dc_err err = DC_ERR_NOT_FOUND;
    struct db_conn *conn = NULL;
    struct dc_lesson l;
    int64_t id;
    if (!validate_id(dc_req_param(req, "id"), &id) || !api_db_read_or_respond(req, &conn))
        goto out;
    err = lessons_repo_get(conn, id, &l);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, lesson_json(&l));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}

void lessons_api_list(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_lesson *items = NULL;
    size_t n = 0;
    int limit;
    int64_t after, unused;
    const char *category = dc_req_query(req, "category");
    if (!api_page_or_respond(req, &limit, &after, &unused) || !api_db_read_or_respond(req, &conn))
        goto out;
    err = lessons_repo_list(conn, category, after, limit + 1, &items, &n);
    if (err == DC_OK)
        api_reply_page(req, items, n, limit, sizeof *items, lesson_json, lesson_key);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}
