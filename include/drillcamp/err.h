/*
 * err.h - the one error enum of drillcamp.
 *
 * Every function that can fail returns an enum dc_err and fills its
 * out-parameters only on DC_OK. The HTTP layer maps each value to a status
 * code and a snake_case code string in exactly one place (src/http/errors.c).
 */
#ifndef DRILLCAMP_ERR_H
#define DRILLCAMP_ERR_H

enum dc_err {
    DC_PENDING = -1, /* not an error: a handler's answer comes later (dispatch_defer) */
    DC_OK = 0,
    DC_ERR_INVALID_JSON,        /* 400 invalid_json */
    DC_ERR_BAD_REQUEST,         /* 400 bad_request */
    DC_ERR_UNAUTHORIZED,        /* 401 unauthorized */
    DC_ERR_INVALID_CREDENTIALS, /* 401 invalid_credentials */
    DC_ERR_STALE_REQUEST,       /* 401 stale_request (partner clock skew) */
    DC_ERR_INVALID_SIGNATURE,   /* 401 invalid_signature (partner) */
    DC_ERR_FORBIDDEN,           /* 403 forbidden */
    DC_ERR_NOT_FOUND,           /* 404 not_found */
    DC_ERR_METHOD_NOT_ALLOWED,  /* 405 method_not_allowed */
    DC_ERR_CONFLICT,            /* 409 conflict (generic unique violation) */
    DC_ERR_PHONE_TAKEN,         /* 409 phone_taken */
    DC_ERR_CAMPAIGN_CLOSED,     /* 409 campaign_closed */
    DC_ERR_INVALID_STATE,       /* 409 invalid_state */
    DC_ERR_NOT_ELIGIBLE,        /* 409 not_eligible */
    DC_ERR_IDEMPOTENCY,         /* 409 idempotency_conflict */
    DC_ERR_SELF_LIKE,           /* 403 self_like */
    DC_ERR_PAYLOAD_TOO_LARGE,   /* 413 payload_too_large */
    DC_ERR_UNSUPPORTED_MEDIA,   /* 415 unsupported_media_type */
    DC_ERR_VALIDATION,          /* 422 validation_failed */
    DC_ERR_HEADERS_TOO_LARGE,   /* 431 headers_too_large */
    DC_ERR_RATE_LIMITED,        /* 429 rate_limited */
    DC_ERR_INTERNAL,            /* 500 internal */
    DC_ERR_UNAVAILABLE,         /* 503 unavailable */
    DC_ERR_BUSY,                /* 503 unavailable (too many password hashes at once) */
    DC_ERR_NOMEM,               /* 500 internal (allocation failed) */
    DC_ERR__COUNT
};

/*
 * What a failure names besides its code: the first bad field (a dotted
 * path, NULL for none) and a short factual message (NULL: the code's
 * standard text). Both are static strings or belong to the request that
 * failed (its arena); a problem never owns what it points to.
 */
struct dc_problem {
    const char *field;
    const char *message;
};

/* Fills *p (when not NULL) and returns err, so that a failing check reads
 * `return dc_problem_set(p, DC_ERR_VALIDATION, "title", "...")`. */
static inline enum dc_err dc_problem_set(struct dc_problem *p, enum dc_err err, const char *field,
                                         const char *message)
{
    if (p) {
        p->field = field;
        p->message = message;
    }
    return err;
}

/* Static strings; never freed. */
const char *dc_err_code(enum dc_err err);
const char *dc_err_message(enum dc_err err);
unsigned dc_err_status(enum dc_err err);

#endif
