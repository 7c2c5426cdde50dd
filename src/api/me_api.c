/*
 * me_api.c - GET and PATCH /v1/me: the caller's own account.
 */
#include <stdlib.h>

#include "drillcamp/api.h"
#include "drillcamp/password.h"
#include "drillcamp/validate.h"

/* Route: bearer. */
enum dc_err me_api_get(struct dc_req *req)
{
    struct dc_account acct;
    enum dc_err err = accounts_repo_get(req->db, req->auth.account_id, &acct);
    return err == DC_OK ? dc_reply_json(req, 200, api_account_json(&acct, true)) : err;
}

/* A password change needs the current one: 422 when it is missing, 403
 * when it is wrong. */
static enum dc_err current_password_check(struct dc_req *req)
{
    const char *current, *stored;
    bool ok = false;
    if (validate_string(req->json, "current_password", true, 1, 128, false, &current) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "current_password",
                           "current_password is required to change the password");
    enum dc_err err = accounts_repo_get_hash(req->db, req->auth.account_id, &stored);
    if (err == DC_OK)
        err = password_verify(current, stored, &ok);
    if (err == DC_OK && !ok)
        err = dc_req_fail(req, DC_ERR_FORBIDDEN, "current_password", "current_password is wrong");
    return err;
}

/* Route: bearer, JSON body. */
enum dc_err me_api_patch(struct dc_req *req)
{
    struct dc_profile pr;
    struct dc_account acct;
    char *hash = NULL;
    enum dc_err err = profile_parse(req->json, PROFILE_UPDATE, &pr, &req->problem);
    if (err == DC_OK)
        err = profile_check_refs(req->db, &pr, &req->problem);
    if (err == DC_OK && pr.password)
        err = current_password_check(req);
    if (err == DC_OK && pr.password)
        err = password_hash(pr.password, &hash);
    struct dc_account_patch patch = {pr.display_name,    pr.region_code, pr.organization_set,
                                     pr.organization_id, pr.audience,    hash};
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK)
        err = accounts_repo_update(req->db, req->auth.account_id, &patch, &acct);
    if (err == DC_OK && hash)
        err = sessions_repo_delete_others(req->db, req->auth.account_id, req->auth.token_hash);
    if (err == DC_OK)
        err = db_commit(req->db);
    free(hash);
    if (err == DC_ERR_VALIDATION && !req->problem.field)
        /* the one rule left to the database: an official account keeps its organization */
        return dc_req_fail(req, err, "organization_id",
                           "an official account must name its organization");
    return err == DC_OK ? dc_reply_json(req, 200, api_account_json(&acct, true)) : err;
}
