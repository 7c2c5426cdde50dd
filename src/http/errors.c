/*
 * errors.c - the one mapping from enum dc_err to HTTP status, machine code
 * and default message. Messages are short and factual; none leaks internals.
 */
#include "drillcamp/err.h"

struct err_row {
    unsigned status;
    const char *code;
    const char *message;
};

static const struct err_row rows[DC_ERR__COUNT] = {
    [DC_OK] = {200, "ok", "ok"},
    [DC_ERR_INVALID_JSON] = {400, "invalid_json",
                             "request body is not valid JSON of the expected type"},
    [DC_ERR_BAD_REQUEST] = {400, "bad_request", "malformed request"},
    [DC_ERR_UNAUTHORIZED] = {401, "unauthorized", "missing, invalid or expired token"},
    [DC_ERR_INVALID_CREDENTIALS] = {401, "invalid_credentials", "wrong phone or password"},
    [DC_ERR_STALE_REQUEST] = {401, "stale_request", "X-Timestamp is more than 300 s off"},
    [DC_ERR_INVALID_SIGNATURE] = {401, "invalid_signature", "unknown partner key or bad signature"},
    [DC_ERR_FORBIDDEN] = {403, "forbidden", "not allowed"},
    [DC_ERR_NOT_FOUND] = {404, "not_found", "not found"},
    [DC_ERR_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", "method not allowed on this path"},
    [DC_ERR_CONFLICT] = {409, "conflict", "conflicts with the current state"},
    [DC_ERR_PHONE_TAKEN] = {409, "phone_taken", "phone number already registered"},
    [DC_ERR_CAMPAIGN_CLOSED] = {409, "campaign_closed",
                                "the campaign's current phase does not allow this"},
    [DC_ERR_INVALID_STATE] = {409, "invalid_state", "not allowed in the resource's current state"},
    [DC_ERR_IDEMPOTENCY] = {409, "idempotency_conflict",
                            "this Idempotency-Key was used with another body"},
    [DC_ERR_SELF_LIKE] = {403, "self_like", "you cannot like your own submission"},
    [DC_ERR_NOT_ELIGIBLE] = {409, "not_eligible", "the certificate requirements are not met yet"},
    [DC_ERR_PAYLOAD_TOO_LARGE] = {413, "payload_too_large", "request body too large"},
    [DC_ERR_UNSUPPORTED_MEDIA] = {415, "unsupported_media_type",
                                  "Content-Type must be application/json"},
    [DC_ERR_VALIDATION] = {422, "validation_failed", "a field is invalid"},
    [DC_ERR_HEADERS_TOO_LARGE] = {431, "headers_too_large", "request headers too large"},
    [DC_ERR_RATE_LIMITED] = {429, "rate_limited", "too many requests"},
    [DC_ERR_INTERNAL] = {500, "internal", "internal error"},
    [DC_ERR_UNAVAILABLE] = {503, "unavailable", "database unavailable, retry later"},
    [DC_ERR_BUSY] = {503, "unavailable", "too many sign-ins at this moment, retry shortly"},
    [DC_ERR_NOMEM] = {500, "internal", "internal error"},
};

static const struct err_row *row(enum dc_err err)
{
    if ((int)err < 0 || err >= DC_ERR__COUNT || !rows[err].code)
        return &rows[DC_ERR_INTERNAL];
    return &rows[err];
}

const char *dc_err_code(enum dc_err err)
{
    return row(err)->code;
}

const char *dc_err_message(enum dc_err err)
{
    return row(err)->message;
}

unsigned dc_err_status(enum dc_err err)
{
    return row(err)->status;
}
