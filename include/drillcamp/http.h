/*
 * http.h - the request object every handler receives, and the one handler
 * contract.
 *
 * The HTTP layer (src/http/) owns libmicrohttpd. Before a handler runs, the
 * dispatcher (src/http/dispatch.c) has done what the route table says the
 * route needs: the caller is authenticated (bearer token or partner
 * signature) and has an allowed role, the rate limit is counted, the JSON
 * body is parsed, and a database connection is checked out. A handler does
 * only its own work and returns an enum dc_err: DC_OK once it has answered
 * with a dc_reply_* helper, or the error, with dc_req_fail naming the field
 * and message; the dispatcher writes every error envelope.
 *
 * Everything hanging off a dc_req (its arena, parsed body, response) is
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

struct dc_arena;
struct db_conn;
struct dc_partner;
struct dc_route;

/* Roles as bits, so that a route lists the roles it allows in one word. */
#define DC_ROLE_USER      1u
#define DC_ROLE_MODERATOR 2u
#define DC_ROLE_ADMIN     4u
#define DC_ROLES_ANY      (DC_ROLE_USER | DC_ROLE_MODERATOR | DC_ROLE_ADMIN)
#define DC_ROLES_STAFF    (DC_ROLE_MODERATOR | DC_ROLE_ADMIN) /* moderation */

/* Who may call a route. */
enum dc_auth_kind {
    DC_AUTH_NONE,     /* anyone; no identity is looked up */
    DC_AUTH_OPTIONAL, /* anonymous without Authorization; a bad token is 401 */
    DC_AUTH_BEARER,   /* a valid bearer token (401), with an allowed role (403) */
    DC_AUTH_PARTNER,  /* a partner's HMAC signature (401 stale/invalid) */
};

/* Which database a route reads and writes. */
enum dc_db_need {
    DC_DB_NONE,
    DC_DB_PRIMARY, /* writes, and reads right after the caller's own writes */
    DC_DB_READ,    /* reads that tolerate replication lag (DATABASE_READ_URL), for
                      anonymous callers: a token holder reads on the primary */
    DC_DB_REPORT,  /* staff reports: the token is checked on the primary, the
                      report read from the replica */
};

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
    unsigned role;       /* one DC_ROLE_* bit */
    char token_hash[65]; /* hex SHA-256 of the bearer token */
};

struct dc_req;
/*
 * The one handler contract: DC_OK after answering with a dc_reply_*
 * helper; DC_PENDING when the answer comes later (dispatch_defer); anything
 * else is the failure, answered by the dispatcher as the error envelope
 * (with req->problem's field and message).
 */
typedef enum dc_err (*dc_handler)(struct dc_req *req);

/* A request answered later (dispatch.h): where it is in that life. */
enum dc_async_state {
    DC_ASYNC_NONE,    /* answered by its handler, on its worker thread */
    DC_ASYNC_PENDING, /* suspended; another thread does its work */
    DC_ASYNC_WOKEN,   /* that work ended; it runs again on a worker thread */
};

struct dc_req {
    /* request side, filled by the HTTP layer */
    const char *method;
    const char *path;             /* without the query string, percent-decoded */
    const char *target;           /* as sent on the request line: path and query, encoded */
    const struct dc_route *route; /* the matched route, or NULL */
    struct dc_param params[DC_MAX_PARAMS];
    int nparams;
    const char *body; /* NUL-terminated copy of the body, NULL when none */
    size_t body_len;
    char request_id[DC_REQUEST_ID_LEN];
    char client_ip[48];     /* the peer's address, for per-IP limits */
    void *conn;             /* struct MHD_Connection *, opaque outside src/http */
    struct dc_arena *arena; /* the request's memory, freed when it completes */

    /* what the dispatcher provides, as the route table says */
    struct db_conn *db;         /* checked out for the handler, or NULL */
    json_t *json;               /* the body as a JSON object, or NULL (owned by the request) */
    struct dc_auth auth;        /* valid when authed */
    bool authed;                /* a bearer token was verified */
    struct dc_partner *partner; /* the signing partner (in the arena), or NULL */

    /* a request answered later: set and read by the dispatcher only */
    struct {
        _Atomic int state;                      /* enum dc_async_state */
        void (*start)(struct dc_req *, void *); /* hands the work over, once suspended */
        void *ctx;
        enum dc_err err; /* what the work ended with */
        dc_handler next; /* what runs when woken, or NULL */
    } async;

    /* failure, filled through dc_req_fail and written by the dispatcher */
    struct dc_problem problem;
    json_t *problem_extra; /* members merged into the error object, or NULL */
    unsigned retry_after;  /* Retry-After seconds of a 429/503 (0: 1) */

    /* response side, filled by handlers through dc_reply_* */
    unsigned status;
    json_t *reply; /* owned by the request */
    char *raw;     /* owned by the request, unless raw_release; used when reply is NULL */
    size_t raw_len;
    void (*raw_release)(void *arg); /* a shared raw: release(raw_release_arg) instead of free */
    void *raw_release_arg;
    const char *content_type; /* static */
    struct dc_header headers[DC_MAX_HEADERS];
    int nheaders;
    bool no_store;            /* private response: Cache-Control: no-store */
    struct dc_stream *stream; /* a streamed body instead of reply/raw, or NULL */
};

/*
 * A body produced part by part while the client reads it: next() fills
 * *out (malloc'ed, *len bytes; *len 0 at the end) with the following part,
 * given a database connection checked out for that part alone when the
 * route needs one (a slow reader never holds a connection); anything but
 * DC_OK cuts the response off (the client sees a truncated chunked body,
 * never a complete-looking one). free_state(state) runs once the response
 * is done or abandoned.
 */
typedef enum dc_err (*dc_stream_next)(void *state, struct db_conn *db, char **out, size_t *len);
struct dc_stream {
    dc_stream_next next;
    void (*free_state)(void *state);
    void *state;
    enum dc_db_need db;
};

/* Borrowed pointers valid for the request's lifetime; NULL when absent. */
const char *dc_req_param(const struct dc_req *req, const char *name);
const char *dc_req_query(const struct dc_req *req, const char *name);
const char *dc_req_header(const struct dc_req *req, const char *name);

/* Records the failure's field and message (static or arena strings) and
 * returns err: `return dc_req_fail(req, DC_ERR_VALIDATION, "title", msg);` */
enum dc_err dc_req_fail(struct dc_req *req, enum dc_err err, const char *field,
                        const char *message);
/* The same with members merged into the error object (extra is stolen). */
enum dc_err dc_req_fail_extra(struct dc_req *req, enum dc_err err, json_t *extra);

/* Responses. dc_reply_json steals the reference to body and returns DC_OK,
 * or DC_ERR_NOMEM when body is NULL (a failed json_pack). */
enum dc_err dc_reply_json(struct dc_req *req, unsigned status, json_t *body);
enum dc_err dc_reply_empty(struct dc_req *req, unsigned status);
enum dc_err dc_reply_text(struct dc_req *req, unsigned status, const char *content_type,
                          char *owned_text, size_t len);
/* The content type of every JSON answer. */
#define DC_JSON_TYPE "application/json; charset=utf-8"
/* The same with text that others share: the response reads it in place
 * and calls release(arg) once it is sent or dropped (also when this fails). */
enum dc_err dc_reply_shared(struct dc_req *req, unsigned status, const char *content_type,
                            const char *text, size_t len, void (*release)(void *arg), void *arg);
/* Frees or releases req->raw (the HTTP layer's). */
void dc_reply_raw_drop(struct dc_req *req);
void dc_reply_header(struct dc_req *req, const char *name, const char *value);
/* Answers status with a body streamed by next(state, ...), with a database
 * connection of the route's kind per part; the request owns state from
 * here on (free_state is called even if this fails). */
enum dc_err dc_reply_stream(struct dc_req *req, unsigned status, const char *content_type,
                            dc_stream_next next, void (*free_state)(void *state), void *state);
/* Frees a stream and its state (the HTTP layer's; NULL is a no-op). */
void dc_stream_free(struct dc_stream *s);

/* The error object {code, message, field?} alone (per-item results of a
 * batch); a new reference for the caller. */
json_t *dc_err_json(enum dc_err err, const char *field, const char *message);

/*
 * The HTTP layer's own: the error envelope for err (with req->problem and
 * req->problem_extra, WWW-Authenticate on 401 and Retry-After on 429/503)
 * replacing any answer so far. Handlers never call it; they return err.
 */
void dc_reply_error(struct dc_req *req, enum dc_err err);

/*
 * Parses the body as a JSON object into *out (a new reference for the
 * caller): DC_ERR_INVALID_JSON with req->problem's message when the body
 * is missing, malformed or not an object.
 */
enum dc_err dc_req_parse_json(struct dc_req *req, json_t **out);

#endif
