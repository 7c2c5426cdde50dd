/*
 * request.c - what handlers use to read a request and shape a response.
 */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drillcamp/http.h"

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

void dc_reply_json(struct dc_req *req, unsigned status, json_t *body)
{
    json_decref(req->json);
    free(req->raw);
    req->raw = NULL;
    dc_stream_free(req->stream);
    req->stream = NULL;
    req->json = body;
    req->status = status;
}

void dc_reply_empty(struct dc_req *req, unsigned status)
{
    dc_reply_json(req, status, NULL);
}

void dc_reply_text(struct dc_req *req, unsigned status, const char *content_type, char *owned_text,
                   size_t len)
{
    dc_reply_json(req, status, NULL);
    req->raw = owned_text;
    req->raw_len = len;
    req->content_type = content_type;
}

void dc_reply_stream(struct dc_req *req, unsigned status, const char *content_type,
                     enum dc_err (*next)(void *state, char **out, size_t *len),
                     void (*free_state)(void *state), void *state)
{
    struct dc_stream *s = malloc(sizeof *s);
    if (!s) {
        free_state(state);
        dc_reply_err(req, DC_ERR_NOMEM, NULL, NULL);
        return;
    }
    *s = (struct dc_stream){next, free_state, state};
    dc_reply_json(req, status, NULL);
    req->stream = s;
    req->content_type = content_type;
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

void dc_reply_err_extra(struct dc_req *req, enum dc_err err, const char *field, const char *message,
                        json_t *extra)
{
    json_t *e = dc_err_json(err, field, message);
    if (e && extra)
        json_object_update(e, extra);
    json_decref(extra);
    dc_reply_json(req, dc_err_status(err), e ? json_pack("{s:o}", "error", e) : NULL);
    if (err == DC_ERR_UNAUTHORIZED || err == DC_ERR_INVALID_CREDENTIALS)
        dc_reply_header(req, "WWW-Authenticate", "Bearer");
    if (err == DC_ERR_UNAVAILABLE || err == DC_ERR_BUSY || err == DC_ERR_RATE_LIMITED)
        dc_reply_header(req, "Retry-After", "1");
}

void dc_reply_err(struct dc_req *req, enum dc_err err, const char *field, const char *message)
{
    dc_reply_err_extra(req, err, field, message, NULL);
}

json_t *dc_req_json_object_or_respond(struct dc_req *req)
{
    if (!req->body || req->body_len == 0) {
        dc_reply_err(req, DC_ERR_INVALID_JSON, NULL, "request body is required");
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        dc_reply_err(req, DC_ERR_INVALID_JSON, NULL, "request body is not valid JSON");
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        dc_reply_err(req, DC_ERR_INVALID_JSON, NULL, "request body must be a JSON object");
        return NULL;
    }
    return root;
}
