/*
 * request.c - what handlers use to read a request, record a failure and
 * shape a response, and the one error envelope.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drillcamp/http.h"
#include "drillcamp/router.h"

/* Route param names point into the pattern ("id/role", "serial.svg"):
 * compare up to the end of the name. */
static bool param_name_eq(const char *pattern_name, const char *name)
{
    size_t n = strlen(name);
    return strncmp(pattern_name, name, n) == 0 &&
           (pattern_name[n] == '\0' || pattern_name[n] == '/' || pattern_name[n] == '.');
}

const char *dc_req_param(const struct dc_req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (req->params[i].name && param_name_eq(req->params[i].name, name))
            return req->params[i].value;
    return NULL;
}

const char *dc_req_query(const struct dc_req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *dc_req_header(const struct dc_req *req, const char *name)
{
    if (!req->conn)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void dc_stream_free(struct dc_stream *s)
{
    if (!s)
        return;
    if (s->free_state)
        s->free_state(s->state);
    free(s);
}

enum dc_err dc_req_fail(struct dc_req *req, enum dc_err err, const char *field, const char *message)
{
    return dc_problem_set(&req->problem, err, field, message);
}

enum dc_err dc_req_fail_extra(struct dc_req *req, enum dc_err err, json_t *extra)
{
    json_decref(req->problem_extra);
    req->problem_extra = extra;
    return err;
}

/* Drops whatever answer was set so far. */
static void reply_clear(struct dc_req *req)
{
    json_decref(req->reply);
    req->reply = NULL;
    dc_reply_raw_drop(req);
    dc_stream_free(req->stream);
    req->stream = NULL;
}

enum dc_err dc_reply_json(struct dc_req *req, unsigned status, json_t *body)
{
    reply_clear(req);
    if (!body)
        return DC_ERR_NOMEM;
    req->reply = body;
    req->status = status;
    return DC_OK;
}

enum dc_err dc_reply_empty(struct dc_req *req, unsigned status)
{
    reply_clear(req);
    req->status = status;
    return DC_OK;
}

enum dc_err dc_reply_text(struct dc_req *req, unsigned status, const char *content_type,
                          char *owned_text, size_t len)
{
    reply_clear(req);
    if (!owned_text)
        return DC_ERR_NOMEM;
    req->raw = owned_text;
    req->raw_len = len;
    req->content_type = content_type;
    req->status = status;
    return DC_OK;
}

enum dc_err dc_reply_shared(struct dc_req *req, unsigned status, const char *content_type,
                            const char *text, size_t len, void (*release)(void *arg), void *arg)
{
    reply_clear(req);
    req->raw = (char *)text; /* never written: released, not freed */
    req->raw_len = len;
    req->raw_release = release;
    req->raw_release_arg = arg;
    req->content_type = content_type;
    req->status = status;
    return DC_OK;
}

void dc_reply_raw_drop(struct dc_req *req)
{
    if (req->raw_release)
        req->raw_release(req->raw_release_arg);
    else
        free(req->raw);
    req->raw = NULL;
    req->raw_release = NULL;
    req->raw_release_arg = NULL;
}

enum dc_err dc_reply_stream(struct dc_req *req, unsigned status, const char *content_type,
                            dc_stream_next next, void (*free_state)(void *state), void *state)
{
    struct dc_stream *s = malloc(sizeof *s);
    if (!s) {
        free_state(state);
        return DC_ERR_NOMEM;
    }
    *s = (struct dc_stream){next, free_state, state, req->route ? req->route->db : DC_DB_NONE};
    reply_clear(req);
    req->stream = s;
    req->content_type = content_type;
    req->status = status;
    return DC_OK;
}

void dc_reply_header(struct dc_req *req, const char *name, const char *value)
{
    for (int i = 0; i < req->nheaders; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            char *v = strdup(value);
            if (v) {
                free(req->headers[i].value);
                req->headers[i].value = v;
            }
            return;
        }
    }
    if (req->nheaders >= DC_MAX_HEADERS)
        return;
    char *v = strdup(value);
    if (!v)
        return;
    req->headers[req->nheaders].name = name;
    req->headers[req->nheaders].value = v;
    req->nheaders++;
}

json_t *dc_err_json(enum dc_err err, const char *field, const char *message)
{
    json_t *e = json_pack("{s:s, s:s}", "code", dc_err_code(err), "message",
                          message ? message : dc_err_message(err));
    if (e && field)
        json_object_set_new(e, "field", json_string(field));
    return e;
}

void dc_reply_error(struct dc_req *req, enum dc_err err)
{
    json_t *e = dc_err_json(err, req->problem.field, req->problem.message);
    if (e && req->problem_extra)
        json_object_update(e, req->problem_extra);
    json_decref(req->problem_extra);
    req->problem_extra = NULL;
    reply_clear(req);
    req->reply = e ? json_pack("{s:o}", "error", e) : NULL;
    req->status = dc_err_status(err);
    if (err == DC_ERR_UNAUTHORIZED || err == DC_ERR_INVALID_CREDENTIALS)
        dc_reply_header(req, "WWW-Authenticate", "Bearer");
    if (err == DC_ERR_UNAVAILABLE || err == DC_ERR_BUSY || err == DC_ERR_RATE_LIMITED) {
        char v[16];
        snprintf(v, sizeof v, "%u", req->retry_after ? req->retry_after : 1);
        dc_reply_header(req, "Retry-After", v);
    }
}

enum dc_err dc_req_parse_json(struct dc_req *req, json_t **out)
{
    *out = NULL;
    if (!req->body || req->body_len == 0)
        return dc_req_fail(req, DC_ERR_INVALID_JSON, NULL, "request body is required");
    json_error_t jerr;
    json_t *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return dc_req_fail(req, DC_ERR_INVALID_JSON, NULL, "request body is not valid JSON");
    if (!json_is_object(root)) {
        json_decref(root);
        return dc_req_fail(req, DC_ERR_INVALID_JSON, NULL, "request body must be a JSON object");
    }
    *out = root;
    return DC_OK;
}
