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

/* Runs the matched route (req->route) and leaves its answer in req, or
 * leaves it pending (req->async.state DC_ASYNC_PENDING: the HTTP layer
 * suspends the connection, then calls dispatch_start). A route that may
 * wait for the database is always pending: it runs on a database worker. */
void dispatch_request(struct dc_req *req);
/* The database workers: threads running the routes that may wait for
 * PostgreSQL, with room for max_queued waiting (more: 503). Without them
 * (tools, tests of the dispatcher alone) routes run inline. */
enum dc_err dispatch_start_workers(unsigned threads, size_t max_queued);
void dispatch_stop_workers(void);

/* Ends a request: returns its connection to the pool and answers err as
 * the error envelope (a handler that returned DC_OK without answering is a
 * 500). */
void dispatch_finish(struct dc_req *req, enum dc_err err);

/*
 * Answering later (a password hash on the hashing threads, a write in the
 * next batch): the handler returns dispatch_defer(req, start, ctx), which
 * is DC_PENDING. The dispatcher gives the connection back, the HTTP layer
 * suspends the request (its worker thread serves others meanwhile), then
 * start(req, ctx) runs and hands the work over. The thread that does the
 * work ends it with dispatch_wake; nothing else may touch req meanwhile.
 */
enum dc_err dispatch_defer(struct dc_req *req, void (*start)(struct dc_req *req, void *ctx),
                           void *ctx);
/* The HTTP layer's, once the connection is suspended: runs start. */
void dispatch_start(struct dc_req *req);
/*
 * The deferred work is done (any thread, once): the request resumes on a
 * worker thread, where err != DC_OK is answered as the error, else next
 * (when not NULL) runs like a handler, with the route's connection, else
 * the answer the work set with dc_reply_* goes out.
 */
void dispatch_wake(struct dc_req *req, enum dc_err err, dc_handler next);
/* The HTTP layer's, on the worker thread after a wake: what dispatch_wake
 * said, to its end (or pending again). */
void dispatch_resume(struct dc_req *req);

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
