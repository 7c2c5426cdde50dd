/*
 * sessions_api.c - POST /v1/sessions (log in) and DELETE /v1/sessions/current.
 */
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/config.h"
#include "drillcamp/password.h"
#include "drillcamp/token.h"
#include "drillcamp/validate.h"

void sessions_api_login(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL;
    struct db_conn *conn = NULL;
    struct dc_account acct;
    char *stored = NULL;
    const char *phone, *password;
    char token[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1], expires[40];
    bool ok = false;

    json_t *body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    err = DC_ERR_VALIDATION;
    if (validate_string(body, "phone", true, 1, 32, false, &phone) != DC_OK) {
        field = "phone";
        goto out;
    }
    if (validate_string(body, "password", true, 1, 1024, false, &password) != DC_OK) {
        field = "password";
        goto out;
    }
    /* credential stuffing: every attempt counts, per address and per phone */
    if (!api_rate_or_respond(req, RL_LOGIN_IP, req->client_ip) ||
        !api_rate_or_respond(req, RL_LOGIN_PHONE, phone) || !api_db_acquire_or_respond(req, &conn))
        goto out;
    err = accounts_repo_get_by_phone(conn, phone, &acct, &stored);
    if (err != DC_OK && err != DC_ERR_NOT_FOUND)
        goto out;
    bool known = err == DC_OK;
    /* the hash runs for unknown phones too, so timing does not tell them apart */
    db_release(conn);
    conn = NULL;
    /* partner-linked accounts have no password yet: they never match */
    bool has_password = known && strncmp(stored, "scrypt$", 7) == 0;
    err = password_verify(password, has_password ? stored : password_dummy_hash(), &ok);
    if (err != DC_OK)
        goto out;
    ok = ok && has_password;
    if (!ok) {
        err = DC_ERR_INVALID_CREDENTIALS;
        goto out;
    }
    err = token_generate(token, hash);
    if (err != DC_OK)
        goto out;
    if (!api_db_acquire_or_respond(req, &conn))
        goto out;
    err = sessions_repo_insert(conn, hash, acct.id, dc_config.token_ttl_days, expires,
                               sizeof expires);
    if (err != DC_OK)
        goto out;
    req->no_store = true;
    dc_reply_json(req, 201,
                  json_pack("{s:s, s:s, s:o}", "token", token, "expires_at", expires, "account",
                            api_account_json(&acct, true)));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field, NULL);
    db_release(conn);
    free(stored);
    json_decref(body);
}

void sessions_api_logout(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    err = sessions_repo_delete(conn, req->auth.token_hash);
    if (err != DC_OK)
        goto out;
    dc_reply_empty(req, 204);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}
