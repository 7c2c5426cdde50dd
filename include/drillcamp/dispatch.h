/*
 * dispatch.h - the dispatcher between the HTTP daemon and the handlers
 * (src/http/dispatch.c): it provides what a route declares it needs, runs
 * the handler and answers its error. Handlers use the few calls below for
 * what depends on the request itself rather than on the route.
 */
#ifndef DRILLCAMP_DISPATCH_H
#define DRILLCAMP_DISPATCH_H

#include "drillcamp/http.h"
#include "drillcamp/ratelimit.h"

/* Runs the matched route (req->route) and leaves its answer in req. */
void dispatch_request(struct dc_req *req);

/*
 * Ends a request: returns its connection to the pool and answers err as
 * the error envelope (a handler that returned DC_OK without answering is a
 * 500). A handler that answers later - its work queued, the request
 * suspended - would call this when its work completes (see README,
 * "Layout").
 */
void dispatch_finish(struct dc_req *req, enum dc_err err);

/*
 * The route table's checks for a variant of a route that depends on the
 * query (GET /v1/submissions?mine=true needs a token; ?status= needs a
 * moderator): authenticates as `kind` unless done already and checks the
 * roles, with the same answers (401/403) as a route declaring them.
 */
enum dc_err dispatch_require(struct dc_req *req, enum dc_auth_kind kind, unsigned roles);

/* Counts one request against kind's limit for key: DC_ERR_RATE_LIMITED,
 * with Retry-After, when it is spent. */
enum dc_err dispatch_rate(struct dc_req *req, enum rl_kind kind, const char *key);

/* Gives the request's connection back for a slow step that needs none
 * (password hashing) and takes one again (503 when none can be had). */
void dispatch_db_suspend(struct dc_req *req);
enum dc_err dispatch_db_resume(struct dc_req *req);

#endif
