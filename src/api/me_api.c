/*
 * me_api.c - GET and PATCH /v1/me: the caller's own account.
 */
#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/validate.h"

/* Route: bearer. */
enum dc_err me_api_get(struct dc_req *req)
{
    struct dc_account acct;
    enum dc_err err = accounts_repo_get(req->db, req->auth.account_id, &acct);
    return err == DC_OK ? dc_reply_json(req, 200, api_account_json(&acct, true)) : err;
}

/* A PATCH /v1/me waiting for a password check, then a new hash. */
struct me_patch {
    struct auth_hash hash; /* first: auth_hash_of finds it */
    struct dc_profile profile;
};

/* Writes the profile (and the new password hash, ending the account's
 * other sessions) in one transaction. */
static enum dc_err me_patch_apply(struct dc_req *req, const struct dc_profile *pr, const char *hash)
{
    struct dc_account acct;
    struct dc_account_patch patch = {pr->display_name,    pr->region_code, pr->organization_set,
                                     pr->organization_id, pr->audience,    hash};
    enum dc_err err = db_begin(req->db);
    if (err == DC_OK)
        err = accounts_repo_update(req->db, req->auth.account_id, &patch, &acct);
    if (err == DC_OK && hash)
        err = sessions_repo_delete_others(req->db, req->auth.account_id, req->auth.token_hash);
    if (err == DC_OK)
        err = db_commit(req->db);
    if (err == DC_ERR_VALIDATION)
        /* the one rule left to the database: an official account keeps its organization */
        return dc_req_fail(req, err, "organization_id",
                           "an official account must name its organization");
    return err == DC_OK ? dc_reply_json(req, 200, api_account_json(&acct, true)) : err;
}

/* The new password hashed: write it all. */
static enum dc_err me_patch_hashed(struct dc_req *req)
{
    struct me_patch *m = (struct me_patch *)auth_hash_of(req);
    return me_patch_apply(req, &m->profile, m->hash.made);
}

/* current_password checked: 403 when wrong, else the new one is hashed. */
static enum dc_err me_patch_checked(struct dc_req *req)
{
    struct me_patch *m = (struct me_patch *)auth_hash_of(req);
    if (!m->hash.match)
        return dc_req_fail(req, DC_ERR_FORBIDDEN, "current_password", "current_password is wrong");
    m->hash.password = m->profile.password;
    m->hash.stored = NULL;
    m->hash.next = me_patch_hashed;
    return auth_hash_defer(req, &m->hash);
}

/* Route: bearer, JSON body. A password change needs current_password (422
 * when missing, 403 when wrong); both hashes run on a hashing thread. */
enum dc_err me_api_patch(struct dc_req *req)
{
    struct me_patch *m = arena_alloc(req->arena, sizeof *m);
    const char *current, *stored;
    if (!m)
        return DC_ERR_NOMEM;
    enum dc_err err = profile_parse(req->json, PROFILE_UPDATE, &m->profile, &req->problem);
    if (err == DC_OK)
        err = profile_check_refs(req->db, &m->profile, &req->problem);
    if (err != DC_OK || !m->profile.password)
        return err == DC_OK ? me_patch_apply(req, &m->profile, NULL) : err;
    if (validate_string(req->json, "current_password", true, 1, 128, false, &current) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "current_password",
                           "current_password is required to change the password");
    err = accounts_repo_get_hash(req->db, req->auth.account_id, &stored);
    if (err != DC_OK)
        return err;
    m->hash.password = current;
    m->hash.stored = stored;
    m->hash.next = me_patch_checked;
    return auth_hash_defer(req, &m->hash);
}
