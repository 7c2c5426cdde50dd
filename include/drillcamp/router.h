/*
 * router.h - the one route table and path matching.
 *
 * Patterns are literal segments and ":name" parameters, e.g.
 * "/v1/admin/accounts/:id/role". Matching is pure (no MHD) so it is unit
 * tested on its own.
 */
#ifndef DRILLCAMP_ROUTER_H
#define DRILLCAMP_ROUTER_H

#include <stddef.h>

#include "drillcamp/http.h"
#include "drillcamp/limits.h"
#include "drillcamp/ratelimit.h"

/* Route flags */
#define DC_ROUTE_JSON 1u /* the body must be a JSON object (400 invalid_json otherwise) */

/*
 * What a route needs, declared once and provided by the dispatcher
 * (src/http/dispatch.c) in this order: the rate limit keyed by the client's
 * address, the database connection, authentication, roles, the rate limit
 * keyed by the account or partner, the JSON body; then the handler.
 */
struct dc_route {
    const char *method;
    const char *pattern;
    dc_handler handler;
    enum dc_auth_kind auth;
    unsigned roles; /* DC_ROLE_* bits a bearer caller needs; 0: any role */
    enum dc_db_need db;
    enum rl_kind rate; /* counted before the handler; RL_NONE: none */
    unsigned flags;    /* DC_ROUTE_* */
    size_t body_limit; /* 0 means DC_BODY_LIMIT_DEFAULT */
};

enum dc_match {
    DC_MATCH_FOUND,
    DC_MATCH_NO_PATH,   /* 404 */
    DC_MATCH_NO_METHOD, /* 405, allow filled */
};

/* The table itself (src/http/routes.c), terminated by a NULL method. */
extern const struct dc_route dc_routes[];
size_t dc_routes_count(void);

/*
 * Finds the route for method and path in routes. On DC_MATCH_FOUND *out is
 * the route and params hold up to DC_MAX_PARAMS values malloc'ed for the
 * caller (free each .value). On DC_MATCH_NO_METHOD, allow receives a
 * comma-separated list of the methods the path has ("GET, PATCH").
 */
enum dc_match router_match(const struct dc_route *routes, const char *method, const char *path,
                           const struct dc_route **out, struct dc_param *params, int *nparams,
                           char *allow, size_t allow_len);

#endif
