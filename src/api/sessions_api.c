/*
 * sessions_api.c - POST /v1/sessions (log in) and DELETE /v1/sessions/current.
 */
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/config.h"
#include "drillcamp/dispatch.h"
#include "drillcamp/password.h"
#include "drillcamp/token.h"
#include "drillcamp/validate.h"

/* Route: anyone, rate limited per address; the phone's own limit is counted
 * here, where the phone is known. */
enum dc_err sessions_api_login(struct dc_req *req)
{
    struct dc_account acct;
    const char *phone, *password, *stored = NULL, *expires;
    char token[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1];
    bool ok = false;
    if (validate_string(req->json, "phone", true, 1, 32, false, &phone) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "phone", NULL);
    if (validate_string(req->json, "password", true, 1, 1024, false, &password) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "password", NULL);
    /* credential stuffing: every attempt counts, per address and per phone */
    enum dc_err err = dispatch_rate(req, RL_LOGIN_PHONE, phone);
    if (err == DC_OK)
        err = accounts_repo_get_by_phone(req->db, phone, &acct, &stored);
    if (err != DC_OK && err != DC_ERR_NOT_FOUND)
        return err;
    bool known = err == DC_OK;
    /* the hash runs for unknown phones too, so timing does not tell them
     * apart; it takes a few hundred ms: hold no connection meanwhile */
    dispatch_db_suspend(req);
    /* partner-linked accounts have no password yet: they never match */
    bool has_password = known && strncmp(stored, "scrypt$", 7) == 0;
    err = password_verify(password, has_password ? stored : password_dummy_hash(), &ok);
    if (err == DC_OK && !(ok && has_password))
        err = DC_ERR_INVALID_CREDENTIALS;
    if (err == DC_OK)
        err = token_generate(token, hash);
    if (err == DC_OK)
        err = dispatch_db_resume(req);
    if (err == DC_OK)
        err = sessions_repo_insert(req->db, hash, acct.id, dc_config.token_ttl_days, &expires);
    if (err != DC_OK)
        return err;
    req->no_store = true;
    return dc_reply_json(req, 201,
                         json_pack("{s:s, s:s, s:o}", "token", token, "expires_at", expires,
                                   "account", api_account_json(&acct, true)));
}

/* Route: bearer. */
enum dc_err sessions_api_logout(struct dc_req *req)
{
    enum dc_err err = sessions_repo_delete(req->db, req->auth.token_hash);
    return err == DC_OK ? dc_reply_empty(req, 204) : err;
}
