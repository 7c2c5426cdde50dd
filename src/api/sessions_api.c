/*
 * sessions_api.c - POST /v1/sessions (log in) and DELETE /v1/sessions/current.
 */
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/config.h"
#include "drillcamp/dispatch.h"
#include "drillcamp/password.h"
#include "drillcamp/token.h"
#include "drillcamp/validate.h"

/* A login waiting for its password check. */
struct login {
    struct auth_hash hash; /* first: auth_hash_of finds it */
    struct dc_account acct;
    bool has_password;
};

/* After the check, on a worker thread with a connection: the session. */
static enum dc_err login_finish(struct dc_req *req)
{
    struct login *l = (struct login *)auth_hash_of(req);
    char token[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1];
    const char *expires;
    if (!(l->hash.match && l->has_password))
        return DC_ERR_INVALID_CREDENTIALS;
    enum dc_err err = token_generate(token, hash);
    if (err == DC_OK)
        err = sessions_repo_insert(req->db, hash, l->acct.id, dc_config.token_ttl_days, &expires);
    if (err != DC_OK)
        return err;
    req->no_store = true;
    return dc_reply_json(req, 201,
                         json_pack("{s:s, s:s, s:o}", "token", token, "expires_at", expires,
                                   "account", api_account_json(&l->acct, true)));
}

/* Route: anyone, rate limited per address; the phone's own limit is counted
 * here, where the phone is known. The password check runs on a hashing
 * thread, for unknown phones too, so that timing does not tell them apart. */
enum dc_err sessions_api_login(struct dc_req *req)
{
    const char *phone, *password, *stored = NULL;
    struct login *l = arena_alloc(req->arena, sizeof *l);
    if (!l)
        return DC_ERR_NOMEM;
    if (validate_string(req->json, "phone", true, 1, 32, false, &phone) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "phone", NULL);
    if (validate_string(req->json, "password", true, 1, 1024, false, &password) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "password", NULL);
    /* credential stuffing: every attempt counts, per address and per phone */
    enum dc_err err = dispatch_rate(req, RL_LOGIN_PHONE, phone);
    if (err == DC_OK)
        err = accounts_repo_get_by_phone(req->db, phone, &l->acct, &stored);
    if (err != DC_OK && err != DC_ERR_NOT_FOUND)
        return err;
    /* partner-linked accounts have no password yet: they never match */
    l->has_password = err == DC_OK && strncmp(stored, "scrypt$", 7) == 0;
    l->hash.password = password;
    l->hash.stored = l->has_password ? stored : password_dummy_hash();
    l->hash.next = login_finish;
    return auth_hash_defer(req, &l->hash);
}

/* Route: bearer. */
enum dc_err sessions_api_logout(struct dc_req *req)
{
    enum dc_err err = sessions_repo_delete(req->db, req->auth.token_hash);
    return err == DC_OK ? dc_reply_empty(req, 204) : err;
}
