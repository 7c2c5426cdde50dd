/*
 * http.h - the request/response object every handler receives.
 *
 * The HTTP layer (src/http/) owns libmicrohttpd. Handlers in src/api/ see only
 * struct dc_req: the matched route, path parameters, the whole (size-checked)
 * body, accessors for headers and query arguments, and the response slots
 * they fill with the dc_reply_* helpers. Everything hanging off a dc_req is
 * freed by the HTTP layer when the request completes.
 */
#ifndef DRILLCAMP_HTTP_H
#define DRILLCAMP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/err.h"

#define DC_MAX_PARAMS     4
#define DC_REQUEST_ID_LEN 129
#define DC_MAX_HEADERS    6

struct dc_param {
    const char *name; /* points into the route table (static) */
    char *value;      /* owned by the request */
};

struct dc_header {
    const char *name; /* static */
    char *value;      /* owned by the request */
};

struct dc_auth {
    int64_t account_id;
    char role[16];
    char token_hash[65]; /* hex SHA-256 of the bearer token */
};

struct dc_req {
    /* request side, filled by the HTTP layer */
    const char *method;
    const char *path;   /* without the query string, percent-decoded */
    const char *target; /* as sent on the request line: path and query, encoded */
    const char *route;  /* the matched pattern, or NULL */
    struct dc_param params[DC_MAX_PARAMS];
    int nparams;
    const char *body; /* NUL-terminated copy of the body, NULL when none */
    size_t body_len;
    char request_id[DC_REQUEST_ID_LEN];
    char client_ip[48]; /* the peer's address, for per-IP limits */
    void *conn;         /* struct MHD_Connection *, opaque outside src/http */
    struct dc_auth auth;
    bool authed;

    /* response side, filled by handlers through dc_reply_* */
    unsigned status;
    json_t *json; /* owned by the request */
    char *raw;    /* owned by the request; used when json is NULL */
    size_t raw_len;
    const char *content_type; /* static */
    struct dc_header headers[DC_MAX_HEADERS];
    int nheaders;
    bool no_store;            /* private response: Cache-Control: no-store */
    struct dc_stream *stream; /* a streamed body instead of json/raw, or NULL */
};

/*
 * A body produced part by part while the client reads it: next() fills
 * *out (malloc'ed, *len bytes; *len 0 at the end) with the following part;
 * anything but DC_OK cuts the response off (the client sees a truncated
 * chunked body, never a complete-looking one). free_state(state) runs once
 * the response is done or abandoned.
 */
struct dc_stream {
    enum dc_err (*next)(void *state, char **out, size_t *len);
    void (*free_state)(void *state);
    void *state;
};

typedef void (*dc_handler)(struct dc_req *req);

/* Borrowed pointers valid for the request's lifetime; NULL when absent. */
const char *dc_req_param(const struct dc_req *req, const char *name);
const char *dc_req_query(const struct dc_req *req, const char *name);
const char *dc_req_header(const struct dc_req *req, const char *name);

/* Responses. dc_reply_json steals the reference to body. */
void dc_reply_json(struct dc_req *req, unsigned status, json_t *body);
void dc_reply_empty(struct dc_req *req, unsigned status);
void dc_reply_text(struct dc_req *req, unsigned status, const char *content_type, char *owned_text,
                   size_t len);
/* The error envelope; field and message may be NULL (message defaults to
 * the code's standard text). */
void dc_reply_err(struct dc_req *req, enum dc_err err, const char *field, const char *message);
/* The error object {code, message, field?} alone (for per-item results);
 * a new reference for the caller. */
json_t *dc_err_json(enum dc_err err, const char *field, const char *message);
/* As dc_reply_err, with extra members merged into the error object (stolen). */
void dc_reply_err_extra(struct dc_req *req, enum dc_err err, const char *field, const char *message,
                        json_t *extra);
void dc_reply_header(struct dc_req *req, const char *name, const char *value);
/* Answers status with a body streamed by next(state, ...); the request owns
 * state from here on (free_state is called even if this fails). */
void dc_reply_stream(struct dc_req *req, unsigned status, const char *content_type,
                     enum dc_err (*next)(void *state, char **out, size_t *len),
                     void (*free_state)(void *state), void *state);
/* Frees a stream and its state (the HTTP layer's; NULL is a no-op). */
void dc_stream_free(struct dc_stream *s);

/*
 * Parses the body as a JSON object. On failure answers the client (400
 * invalid_json) and returns NULL. The returned object belongs to the caller.
 */
json_t *dc_req_json_object_or_respond(struct dc_req *req);

#endif
