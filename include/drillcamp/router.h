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

#define DC_BODY_LIMIT_DEFAULT ((size_t)1024 * 1024)

struct dc_route {
    const char *method;
    const char *pattern;
    dc_handler handler;
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
