/*
 * livestreams_api.c - expert livestreams: admin create/start/end, public
 * list and get (with the caller's `reserved`), and reservations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/learning.h"
#include "drillcamp/validate.h"

static const char *const ADMIN[] = {"admin", NULL};
static const char *const STATUSES[] = {"scheduled", "live", "ended", NULL};

static json_t *opt_string(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

static json_t *livestream_json(const void *item)
{
    const struct dc_livestream *l = item;
    return json_pack(
        "{s:o, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:i, s:b}", "id", api_id_json(l->id),
        "title", l->title, "expert", l->expert, "scheduled_at", l->scheduled_at, "description",
        l->has_description ? json_string(l->description) : json_null(), "status", l->status,
        "started_at", opt_string(l->started_at), "ended_at", opt_string(l->ended_at),
        "duration_seconds", l->duration_seconds ? json_integer(l->duration_seconds) : json_null(),
        "replay_url", opt_string(l->replay_url), "reservation_count", l->reservation_count,
        "reserved", l->reserved);
}

static int64_t livestream_key(const void *item)
{
    return ((const struct dc_livestream *)item)->id;
}

void livestreams_api_create(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL;
    struct db_conn *conn = NULL;
    struct dc_livestream l;
    json_t *body = NULL;
    const char *title, *expert, *scheduled, *description;
    double when;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    err = DC_ERR_VALIDATION;
    if (validate_string(body, "title", true, 1, 100, true, &title) != DC_OK)
        field = "title";
    else if (validate_string(body, "expert", true, 1, 100, true, &expert) != DC_OK)
        field = "expert";
    else if (validate_string(body, "scheduled_at", true, 1, 40, true, &scheduled) != DC_OK ||
             !campaign_parse_time(scheduled, &when))
        field = "scheduled_at";
    else if (validate_string(body, "description", false, 0, 2000, false, &description) != DC_OK)
        field = "description";
    if (field)
        goto out;
    err = db_begin(conn);
    if (err == DC_OK)
        err = livestreams_repo_insert(conn, title, expert, scheduled, description, &l);
    if (err == DC_OK)
        err = api_audit_id(conn, req, "livestream.create", "livestream", l.id, NULL);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 201, livestream_json(&l));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field, NULL);
    db_release(conn);
    json_decref(body);
}

/* start and end: the same shape around a different transition. */
static void livestream_transition(struct dc_req *req, bool ending)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL;
    struct db_conn *conn = NULL;
    struct dc_livestream l;
    json_t *body = NULL;
    const char *replay = NULL;
    int64_t id;
    json_int_t duration = 0;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    if (!validate_id(dc_req_param(req, "id"), &id)) {
        err = DC_ERR_NOT_FOUND;
        goto out;
    }
    if (ending) {
        body = dc_req_json_object_or_respond(req);
        if (!body)
            goto out;
        json_t *d = json_object_get(body, "duration_seconds");
        err = DC_ERR_VALIDATION;
        if (validate_string(body, "replay_url", true, 1, 2048, true, &replay) != DC_OK ||
            !validate_https_url(replay, 2048))
            field = "replay_url";
        else if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 86400)
            field = "duration_seconds";
        if (field)
            goto out;
        duration = json_integer_value(d);
    }
    err = db_begin(conn);
    if (err == DC_OK)
        err = ending ? livestreams_repo_end(conn, id, replay, (int)duration, &l)
                     : livestreams_repo_start(conn, id, &l);
    if (err == DC_OK)
        err = api_audit_id(conn, req, ending ? "livestream.end" : "livestream.start", "livestream",
                           id, NULL);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, livestream_json(&l));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field,
                     err == DC_ERR_INVALID_STATE
                         ? (ending ? "only a live livestream can end"
                                   : "only a scheduled livestream can start")
                         : NULL);
    db_release(conn);
    json_decref(body);
}

void livestreams_api_start(struct dc_req *req)
{
    livestream_transition(req, false);
}

void livestreams_api_end(struct dc_req *req)
{
    livestream_transition(req, true);
}

void livestreams_api_get(struct dc_req *req)
{
    enum dc_err err = DC_ERR_NOT_FOUND;
    struct db_conn *conn = NULL;
    struct dc_livestream l;
    int64_t id;
    if (!validate_id(dc_req_param(req, "id"), &id) || !api_db_read_or_respond(req, &conn) ||
        !api_auth_optional_or_respond(req, conn))
        goto out;
    err = livestreams_repo_get(conn, id, req->authed ? req->auth.account_id : 0, &l);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, livestream_json(&l));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}

void livestreams_api_list(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_livestream *items = NULL;
    size_t n = 0;
    int limit;
    int64_t after, unused;
    const char *status = dc_req_query(req, "status");
    if (status && !validate_one_of(status, STATUSES)) {
        dc_reply_err(req, DC_ERR_VALIDATION, "status", "status must be scheduled, live or ended");
        goto out;
    }
    if (!api_page_or_respond(req, &limit, &after, &unused) || !api_db_read_or_respond(req, &conn) ||
        !api_auth_optional_or_respond(req, conn))
        goto out;
    err = livestreams_repo_list(conn, status, req->authed ? req->auth.account_id : 0, after,
                                limit + 1, &items, &n);
    if (err == DC_OK)
        api_reply_page(req, items, n, limit, sizeof *items, livestream_json, livestream_key);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}

/* PUT and DELETE of a reservation: both idempotent, both 204. */
static void reservation_change(struct dc_req *req, bool reserve)
{
    enum dc_err err = DC_ERR_NOT_FOUND;
    struct db_conn *conn = NULL;
    int64_t id;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    if (!validate_id(dc_req_param(req, "id"), &id))
        goto out;
    err = reserve ? reservations_repo_put(conn, id, req->auth.account_id)
                  : reservations_repo_delete(conn, id, req->auth.account_id);
    if (err == DC_OK)
        dc_reply_empty(req, 204);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}

void reservations_api_put(struct dc_req *req)
{
    reservation_change(req, true);
}

void reservations_api_delete(struct dc_req *req)
{
    reservation_change(req, false);
}

void reservations_api_list(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_livestream *items = NULL;
    size_t n = 0;
    int limit;
    int64_t after, unused;
    if (!api_page_or_respond(req, &limit, &after, &unused) ||
        !api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    err = reservations_repo_list(conn, req->auth.account_id, after, limit + 1, &items, &n);
    if (err == DC_OK)
        api_reply_page(req, items, n, limit, sizeof *items, livestream_json, livestream_key);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}
