/*
 * dispatch.c - the one dispatcher (Redis's processCommand): everything the
 * route table declares a route needs, provided here, in one order, for
 * every route; then the handler; then its error, answered as the one
 * envelope.
 *
 * The order, each step answering the request when it fails:
 *   1. the rate limit keyed by the client's address (429) - before any
 *      work, so that a flood costs nothing;
 *   2. the database connection (503), when the route needs one or its
 *      authentication does;
 *   3. authentication: bearer token (401), optional bearer, or a partner's
 *      signature (401 stale_request / invalid_signature);
 *   4. the roles the route allows (403);
 *   5. the rate limit keyed by the account or partner key (429);
 *   6. the JSON body (400);
 *   7. the handler, with req->db, req->json, req->auth / req->partner set.
 * The connection goes back to the pool when the handler returns.
 *
 * A handler may answer later (dispatch_defer): the request is suspended
 * without a connection while another thread works for it, and resumes on
 * a worker thread when that thread calls dispatch_wake.
 */
#include "drillcamp/dispatch.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>

#include "drillcamp/api.h"
#include "drillcamp/campaign.h"
#include "drillcamp/db.h"
#include "drillcamp/log.h"
#include "drillcamp/router.h"
#include "drillcamp/workpool.h"

/* What each rate limit is keyed by. */
enum rate_key { KEY_NONE, KEY_ADDRESS, KEY_ACCOUNT, KEY_PARTNER, KEY_OTHER };

static enum rate_key rate_key_of(enum rl_kind kind)
{
    switch (kind) {
    case RL_LOGIN_IP:
    case RL_REGISTER_IP:
        return KEY_ADDRESS;
    case RL_LIKES_ACCOUNT:
    case RL_PROGRESS_ACCOUNT:
        return KEY_ACCOUNT;
    case RL_PARTNER_KEY:
        return KEY_PARTNER;
    case RL_LOGIN_PHONE:
        return KEY_OTHER; /* the phone is in the body: the handler counts it */
    default:
        return KEY_NONE;
    }
}

enum dc_err dispatch_rate(struct dc_req *req, enum rl_kind kind, const char *key)
{
    unsigned retry = 1;
    if (ratelimit_take(kind, key, campaign_now(), &retry))
        return DC_OK;
    req->retry_after = retry;
    return DC_ERR_RATE_LIMITED;
}

/* The route's limit by the caller's identity (after authentication). */
static enum dc_err rate_by_identity(struct dc_req *req, enum rl_kind kind)
{
    switch (rate_key_of(kind)) {
    case KEY_ACCOUNT: {
        char key[24];
        snprintf(key, sizeof key, "%" PRId64, req->auth.account_id);
        return dispatch_rate(req, kind, key);
    }
    case KEY_PARTNER:
        /* counted once the key is proven: a forger cannot spend another's quota */
        return req->partner ? dispatch_rate(req, kind, req->partner->key_id) : DC_OK;
    default:
        return DC_OK;
    }
}

/*
 * Whether the request may read from the replica: a lag-tolerant read by an
 * anonymous caller, or a staff report once its token has been checked. A
 * token holder otherwise reads on the primary: its session, and its own
 * writes (its like, progress, certificate, submissions), are there at once.
 */
static bool reads_replica(const struct dc_req *req)
{
    const struct dc_route *r = req->route;
    if (!r)
        return false;
    if (r->db == DC_DB_REPORT)
        return req->authed;
    return r->db == DC_DB_READ && !dc_req_header(req, "Authorization");
}

enum dc_err dispatch_db_resume(struct dc_req *req)
{
    if (req->db)
        return DC_OK;
    enum dc_err err = reads_replica(req) ? db_acquire_read(&req->db, req->arena)
                                         : db_acquire(&req->db, req->arena);
    if (err != DC_OK)
        req->db = NULL;
    return err;
}

void dispatch_db_suspend(struct dc_req *req)
{
    db_release(req->db);
    req->db = NULL;
}

enum dc_err dispatch_require(struct dc_req *req, enum dc_auth_kind kind, unsigned roles)
{
    enum dc_err err = DC_OK;
    if (kind == DC_AUTH_PARTNER) {
        if (!req->partner && (err = dispatch_db_resume(req)) == DC_OK)
            err = auth_partner(req);
        return err;
    }
    bool bearer = kind == DC_AUTH_BEARER ||
                  (kind == DC_AUTH_OPTIONAL && dc_req_header(req, "Authorization") != NULL);
    if (bearer && !req->authed && (err = dispatch_db_resume(req)) == DC_OK)
        err = auth_bearer(req);
    if (err == DC_OK && roles && req->authed && !(req->auth.role & roles))
        err = dc_req_fail(req, DC_ERR_FORBIDDEN, NULL, "this needs another role");
    return err;
}

/* Step 1: the route's limit by the client's address, if it has one. */
static enum dc_err rate_by_address(struct dc_req *req, const struct dc_route *r)
{
    return rate_key_of(r->rate) == KEY_ADDRESS ? dispatch_rate(req, r->rate, req->client_ip)
                                               : DC_OK;
}

/* Steps 1-6 of the order above (1 unless counted already). */
static enum dc_err prepare(struct dc_req *req, const struct dc_route *r, bool address_counted)
{
    enum dc_err err = address_counted ? DC_OK : rate_by_address(req, r);
    if (err == DC_OK)
        err = dispatch_require(req, r->auth, r->roles);
    if (err == DC_OK)
        err = rate_by_identity(req, r->rate);
    if (err == DC_OK && (r->flags & DC_ROUTE_JSON))
        err = dc_req_parse_json(req, &req->json);
    if (err == DC_OK && r->db == DC_DB_REPORT && db_replica_state() == DB_REPLICA_OK)
        dispatch_db_suspend(req); /* authenticated on the primary: the report from the replica */
    if (err == DC_OK && r->db != DC_DB_NONE)
        err = dispatch_db_resume(req);
    return err;
}

/*
 * A read that found nothing on the replica looks again on the primary:
 * what a client was just told exists (the certificate it claimed, the
 * submission it created) may not have been replayed there yet.
 */
static enum dc_err recheck_on_primary(struct dc_req *req, enum dc_err err)
{
    if (err != DC_ERR_NOT_FOUND || !db_conn_is_replica(req->db))
        return err;
    dispatch_db_suspend(req);
    if (db_acquire(&req->db, req->arena) != DC_OK) {
        req->db = NULL;
        return err;
    }
    return req->route->handler(req);
}

/* The handler's (or continuation's) result: pending, or the end. */
static void settle(struct dc_req *req, enum dc_err err)
{
    if (err == DC_PENDING) {
        dispatch_db_suspend(req); /* no connection is held while suspended */
        return;
    }
    dispatch_finish(req, err);
}

enum dc_err dispatch_defer(struct dc_req *req, void (*start)(struct dc_req *req, void *ctx),
                           void *ctx)
{
    req->async.start = start;
    req->async.ctx = ctx;
    req->async.err = DC_OK;
    req->async.next = NULL;
    atomic_store(&req->async.state, DC_ASYNC_PENDING);
    return DC_PENDING;
}

void dispatch_start(struct dc_req *req)
{
    req->async.start(req, req->async.ctx);
}

void dispatch_wake(struct dc_req *req, enum dc_err err, dc_handler next)
{
    req->async.err = err;
    req->async.next = next;
    atomic_store(&req->async.state, DC_ASYNC_WOKEN);
    MHD_resume_connection(req->conn);
}

void dispatch_resume(struct dc_req *req)
{
    atomic_store(&req->async.state, DC_ASYNC_NONE);
    enum dc_err err = req->async.err;
    dc_handler next = req->async.next;
    if (err == DC_OK && next && req->route->db != DC_DB_NONE)
        err = dispatch_db_resume(req);
    if (err == DC_OK && next)
        err = next(req);
    settle(req, err);
}

void dispatch_finish(struct dc_req *req, enum dc_err err)
{
    dispatch_db_suspend(req);
    if (err == DC_OK && req->status == 0) {
        /* a handler that neither answered nor failed is a bug: say so */
        log_event("error", "dispatch", "handler returned without an answer");
        err = DC_ERR_INTERNAL;
    }
    if (err != DC_OK)
        dc_reply_error(req, err);
}

/* The threads that run the routes needing the database (NULL: inline). */
static struct workpool *db_workers;

enum dc_err dispatch_start_workers(unsigned threads, size_t max_queued)
{
    db_workers = workpool_new(threads, max_queued);
    return db_workers ? DC_OK : DC_ERR_INTERNAL;
}

void dispatch_stop_workers(void)
{
    workpool_free(db_workers);
    db_workers = NULL;
}

/* Whether answering may wait for the database: the route uses it, or its
 * authentication looks a token or a partner key up. */
static bool needs_database(const struct dc_req *req, const struct dc_route *r)
{
    return r->db != DC_DB_NONE || r->auth == DC_AUTH_BEARER || r->auth == DC_AUTH_PARTNER ||
           (r->auth == DC_AUTH_OPTIONAL && dc_req_header(req, "Authorization") != NULL);
}

/* Steps 1-7 and the answer (on a database worker: the request suspended,
 * its address counted already). */
static void run_route(struct dc_req *req, bool address_counted)
{
    const struct dc_route *r = req->route;
    enum dc_err err = prepare(req, r, address_counted);
    if (err == DC_OK)
        err = recheck_on_primary(req, r->handler(req));
    settle(req, err);
}

/* On a database worker: the route, then the request wakes with its answer;
 * a handler that defers again hands its work over from here. */
static void run_on_worker(void *arg)
{
    struct dc_req *req = arg;
    atomic_store(&req->async.state, DC_ASYNC_NONE);
    run_route(req, true);
    if (atomic_load(&req->async.state) == DC_ASYNC_PENDING)
        dispatch_start(req); /* still suspended: its new worker wakes it */
    else
        dispatch_wake(req, DC_OK, NULL);
}

static void start_on_worker(struct dc_req *req, void *ctx)
{
    (void)ctx;
    if (!workpool_submit(db_workers, run_on_worker, req))
        dispatch_wake(req, dc_req_fail(req, DC_ERR_BUSY, NULL, "the server is busy"), NULL);
}

/*
 * A route that may wait for the database runs on a database worker, so
 * that the HTTP threads never block on PostgreSQL: they go on serving (the
 * cached public answers above all) while any number of queries run. Only
 * the address rate limit is counted here first: a flood costs nothing.
 */
void dispatch_request(struct dc_req *req)
{
    const struct dc_route *r = req->route;
    if (!db_workers || !needs_database(req, r)) {
        run_route(req, false);
        return;
    }
    enum dc_err err = rate_by_address(req, r);
    if (err != DC_OK) {
        dispatch_finish(req, err);
        return;
    }
    (void)dispatch_defer(req, start_on_worker, NULL);
}
