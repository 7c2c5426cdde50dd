/*
 * livestreams_api.c - expert livestreams: admin create/start/end, and the
 * public list and get (with the caller's `reserved`).
 */
#include "drillcamp/api.h"
#include "drillcamp/enums.h"
#include "drillcamp/learning.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

json_t *api_livestream_json(const void *item)
{
    const struct dc_livestream *l = item;
    return json_pack("{s:o, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:i, s:b}", "id",
                     api_id_json(l->id), "title", l->title, "expert", l->expert, "scheduled_at",
                     l->scheduled_at, "description", api_string_or_null(l->description), "status",
                     l->status, "started_at", api_string_or_null(l->started_at), "ended_at",
                     api_string_or_null(l->ended_at), "duration_seconds",
                     l->duration_seconds ? json_integer(l->duration_seconds) : json_null(),
                     "replay_url", api_string_or_null(l->replay_url), "reservation_count",
                     l->reservation_count, "reserved", l->reserved);
}

int64_t api_livestream_key(const void *item)
{
    return ((const struct dc_livestream *)item)->id;
}

/* Route: admin, JSON body. */
enum dc_err livestreams_api_create(struct dc_req *req)
{
    struct dc_livestream l;
    const char *title, *expert, *scheduled, *description;
    double when;
    const json_t *body = req->json;
    if (validate_string(body, "title", true, 1, DC_NAME_MAX_CHARS, true, &title) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "title", NULL);
    if (validate_string(body, "expert", true, 1, DC_NAME_MAX_CHARS, true, &expert) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "expert", NULL);
    if (validate_string(body, "scheduled_at", true, 1, 40, true, &scheduled) != DC_OK ||
        !campaign_parse_time(scheduled, &when))
        return dc_req_fail(req, DC_ERR_VALIDATION, "scheduled_at", NULL);
    if (validate_string(body, "description", false, 0, DC_DESCRIPTION_MAX_CHARS, false,
                        &description) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "description", NULL);
    enum dc_err err = db_begin(req->db);
    if (err == DC_OK)
        err = livestreams_repo_insert(req->db, title, expert, scheduled, description, &l);
    if (err == DC_OK)
        err = api_audit_id(req, "livestream.create", "livestream", l.id, NULL);
    if (err == DC_OK)
        err = db_commit(req->db);
    return err == DC_OK ? dc_reply_json(req, 201, api_livestream_json(&l)) : err;
}

/* start and end: the same shape around a different transition. */
static enum dc_err livestream_transition(struct dc_req *req, int64_t id, bool ending,
                                         const char *replay, int duration)
{
    struct dc_livestream l;
    enum dc_err err = db_begin(req->db);
    if (err == DC_OK)
        err = ending ? livestreams_repo_end(req->db, id, replay, duration, &l)
                     : livestreams_repo_start(req->db, id, &l);
    if (err == DC_OK)
        err = api_audit_id(req, ending ? "livestream.end" : "livestream.start", "livestream", id,
                           NULL);
    if (err == DC_OK)
        err = db_commit(req->db);
    if (err == DC_ERR_INVALID_STATE)
        return dc_req_fail(req, err, NULL,
                           ending ? "only a live livestream can end"
                                  : "only a scheduled livestream can start");
    return err == DC_OK ? dc_reply_json(req, 200, api_livestream_json(&l)) : err;
}

/* Route: admin. */
enum dc_err livestreams_api_start(struct dc_req *req)
{
    int64_t id;
    enum dc_err err = api_path_id(req, "id", &id);
    return err == DC_OK ? livestream_transition(req, id, false, NULL, 0) : err;
}

/* Route: admin, JSON body. */
enum dc_err livestreams_api_end(struct dc_req *req)
{
    const char *replay;
    int64_t id;
    json_t *d = json_object_get(req->json, "duration_seconds");
    enum dc_err err = api_path_id(req, "id", &id);
    if (err != DC_OK)
        return err;
    if (validate_string(req->json, "replay_url", true, 1, DC_URL_MAX_BYTES, true, &replay) !=
            DC_OK ||
        !validate_https_url(replay, DC_URL_MAX_BYTES))
        return dc_req_fail(req, DC_ERR_VALIDATION, "replay_url", NULL);
    if (!json_is_integer(d) || json_integer_value(d) < 1 ||
        json_integer_value(d) > DC_CONTENT_MAX_SECONDS)
        return dc_req_fail(req, DC_ERR_VALIDATION, "duration_seconds", NULL);
    return livestream_transition(req, id, true, replay, (int)json_integer_value(d));
}

/* Route: optional bearer (for `reserved`), read replica. */
enum dc_err livestreams_api_get(struct dc_req *req)
{
    struct dc_livestream l;
    int64_t id;
    enum dc_err err = api_path_id(req, "id", &id);
    if (err == DC_OK)
        err = livestreams_repo_get(req->db, id, req->authed ? req->auth.account_id : 0, &l);
    return err == DC_OK ? dc_reply_json(req, 200, api_livestream_json(&l)) : err;
}

static enum dc_err livestreams_page(struct dc_req *req, const struct api_page *page, void *items,
                                    size_t *n)
{
    const char *status = dc_req_query(req, "status");
    if (status && !dc_enum_has(&DC_ENUM_LIVESTREAM_STATUS, status))
        return dc_req_fail(req, DC_ERR_VALIDATION, "status", DC_ENUM_LIVESTREAM_STATUS.message);
    return livestreams_repo_list(req->db, status, req->authed ? req->auth.account_id : 0,
                                 page->after_a, page->limit + 1, items, n);
}

/* Route: optional bearer (for `reserved`), read replica. */
enum dc_err livestreams_api_list(struct dc_req *req)
{
    return api_list(req, livestreams_page, sizeof(struct dc_livestream), api_livestream_json,
                    api_livestream_key);
}
