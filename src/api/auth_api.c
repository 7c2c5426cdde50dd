/*
 * auth_api.c - who is calling: a bearer token resolved into an account and
 * its role, or a partner's HMAC signature verified over the raw request
 * target and body (API.md section 7). The dispatcher runs these as the
 * route table says; no handler calls them. And the password hashing
 * threads that logins, registrations and password changes use.
 *
 * The key that seals partner secrets is loaded once at start and only read
 * afterwards, so worker threads share it without locking.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/dispatch.h"
#include "drillcamp/enums.h"
#include "drillcamp/partner.h"
#include "drillcamp/password.h"
#include "drillcamp/token.h"
#include "drillcamp/workpool.h"

/* Hashes waiting for a hashing thread, per thread: beyond that a request
 * is answered 503 at once rather than after seconds of waiting (16 waits
 * are about 5 s at a third of a second a hash). */
#define HASH_QUEUE_PER_THREAD 16

static unsigned char sealing_key[32];
static bool sealing_key_set;

/* Every password hash of a request runs here: the HTTP worker threads go
 * on serving while a third of a second of scrypt runs, and no more than
 * the threads' number of 32 MiB hashes run at once. */
static struct workpool *hashers;

enum dc_err auth_init_partner_key(const char *key_hex)
{
    sealing_key_set = partner_parse_key(key_hex, sealing_key);
    return sealing_key_set ? DC_OK : DC_ERR_INTERNAL;
}

enum dc_err auth_seal_partner_secret(struct dc_arena *a, const char *secret, const char **sealed)
{
    char *text = NULL;
    enum dc_err err = sealing_key_set ? partner_seal(sealing_key, secret, &text) : DC_ERR_INTERNAL;
    if (err == DC_OK && !(*sealed = arena_strdup(a, text)))
        err = DC_ERR_NOMEM;
    free(text);
    return err;
}

/* The stored role's bit: the DC_ROLE_* bits follow DC_ENUM_ROLE's order
 * (tests/unit/test_enums.c checks it); an unknown role has none and passes
 * no role check. */
static unsigned role_bit(const char *role)
{
    int i = dc_enum_index(&DC_ENUM_ROLE, role);
    return i < 0 ? 0 : 1u << i;
}

enum dc_err auth_bearer(struct dc_req *req)
{
    const char *h = dc_req_header(req, "Authorization");
    char hash[TOKEN_HASH_LEN + 1];
    struct dc_session s;
    req->no_store = true;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !token_well_formed(h + 7))
        return DC_ERR_UNAUTHORIZED;
    token_hash(h + 7, hash);
    enum dc_err err = sessions_repo_lookup(req->db, hash, &s);
    if (err == DC_OK && !token_hash_equal(hash, s.token_hash))
        err = DC_ERR_UNAUTHORIZED;
    if (err != DC_OK)
        return err;
    req->auth.account_id = s.account_id;
    req->auth.role = role_bit(s.role);
    memcpy(req->auth.token_hash, hash, sizeof hash);
    req->authed = true;
    return DC_OK;
}

enum dc_err auth_partner(struct dc_req *req)
{
    const char *key = dc_req_header(req, "X-Partner-Key");
    const char *ts = dc_req_header(req, "X-Timestamp");
    const char *sig = dc_req_header(req, "X-Signature");
    struct dc_partner *p = arena_alloc(req->arena, sizeof *p);
    char *secret = NULL, expected[65];
    int64_t when;
    req->no_store = true;
    if (!p)
        return DC_ERR_NOMEM;
    if (!key || !sig || !partner_parse_timestamp(ts, &when))
        return DC_ERR_INVALID_SIGNATURE;
    int64_t skew = when - (int64_t)campaign_now();
    if (skew > PARTNER_SKEW_SECONDS || skew < -PARTNER_SKEW_SECONDS)
        return DC_ERR_STALE_REQUEST;
    enum dc_err err = partners_repo_by_key(req->db, key, p);
    if (err == DC_ERR_NOT_FOUND)
        return DC_ERR_INVALID_SIGNATURE;
    if (err == DC_OK)
        err = sealing_key_set ? partner_open(sealing_key, p->secret_enc, &secret) : DC_ERR_INTERNAL;
    if (err != DC_OK)
        return err;
    partner_signature(secret, req->method, req->target, ts, req->body, req->body_len, expected);
    free(secret);
    if (!partner_signature_equal(expected, sig))
        return DC_ERR_INVALID_SIGNATURE;
    req->partner = p;
    return DC_OK;
}

enum dc_err auth_start_hashing(unsigned threads)
{
    (void)password_dummy_hash(); /* ready before the first login, so timing is even */
    hashers = workpool_new(threads, (size_t)threads * HASH_QUEUE_PER_THREAD);
    return hashers ? DC_OK : DC_ERR_INTERNAL;
}

void auth_stop_hashing(void)
{
    workpool_free(hashers);
    hashers = NULL;
}

static void free_text(void *p)
{
    free(p);
}

/* On a hashing thread: the hash, then the request wakes on a worker thread. */
static void hash_run(void *arg)
{
    struct auth_hash *h = arg;
    char *made = NULL;
    h->err = h->stored ? password_verify(h->password, h->stored, &h->match)
                       : password_hash(h->password, &made);
    if (made && arena_defer(h->req->arena, free_text, made))
        h->made = made;
    else if (h->err == DC_OK && !h->stored)
        h->err = DC_ERR_NOMEM; /* arena_defer freed it */
    dispatch_wake(h->req, h->err, h->next);
}

/* Runs once the request is suspended: a hashing thread takes the hash, or
 * 503 at once when too many wait already. */
static void hash_start(struct dc_req *req, void *ctx)
{
    if (!hashers || !workpool_submit(hashers, hash_run, ctx))
        dispatch_wake(req, DC_ERR_BUSY, NULL);
}

enum dc_err auth_hash_defer(struct dc_req *req, struct auth_hash *h)
{
    h->req = req;
    h->match = false;
    h->made = NULL;
    h->err = DC_OK;
    return dispatch_defer(req, hash_start, h);
}

struct auth_hash *auth_hash_of(struct dc_req *req)
{
    return req->async.ctx;
}
