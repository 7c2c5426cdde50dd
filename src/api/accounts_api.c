/*
 * accounts_api.c - POST /v1/accounts (register) and
 * PUT /v1/admin/accounts/:id/role; and the profile rule every path that
 * sets profile fields shares (registration, PATCH /v1/me, partner users).
 */
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/enums.h"
#include "drillcamp/validate.h"

enum dc_err profile_check_refs(struct db_conn *c, const struct dc_profile *pr, struct dc_problem *p)
{
    bool region_ok, org_ok;
    enum dc_err err = accounts_repo_check_refs(c, pr->region_code ? pr->region_code : "000000",
                                               pr->organization_id, &region_ok, &org_ok);
    if (err != DC_OK)
        return err;
    if (pr->region_code && !region_ok)
        return dc_problem_set(p, DC_ERR_VALIDATION, "region_code",
                              "region_code is not a known division");
    if (!org_ok)
        return dc_problem_set(p, DC_ERR_VALIDATION, "organization_id",
                              "organization_id is not a known organization");
    return DC_OK;
}

/* A registration waiting for its password hash. */
struct registration {
    struct auth_hash hash; /* first: auth_hash_of finds it */
    struct dc_profile profile;
};

/* After the hash, on a worker thread with a connection: the account. */
static enum dc_err register_finish(struct dc_req *req)
{
    struct registration *g = (struct registration *)auth_hash_of(req);
    const struct dc_profile *pr = &g->profile;
    struct dc_account acct;
    struct dc_account_new in = {
        pr->phone, g->hash.made,    pr->display_name,    pr->kind,
        "user",    pr->region_code, pr->organization_id, pr->audience ? pr->audience : "public"};
    enum dc_err err = accounts_repo_insert(req->db, &in, &acct);
    if (err != DC_OK)
        return err;
    req->no_store = true;
    return dc_reply_json(req, 201, api_account_json(&acct, true));
}

/* Route: anyone, rate limited per address, JSON body. The hash runs on a
 * hashing thread (auth_hash_defer). */
enum dc_err accounts_api_register(struct dc_req *req)
{
    struct registration *g = arena_alloc(req->arena, sizeof *g);
    bool taken = false;
    if (!g)
        return DC_ERR_NOMEM;
    enum dc_err err = profile_parse(req->json, PROFILE_REGISTER, &g->profile, &req->problem);
    if (err == DC_OK)
        err = profile_check_refs(req->db, &g->profile, &req->problem);
    if (err == DC_OK)
        err = accounts_repo_phone_exists(req->db, g->profile.phone, &taken);
    if (err == DC_OK && taken)
        err = DC_ERR_PHONE_TAKEN;
    if (err != DC_OK)
        return err;
    g->hash.password = g->profile.password;
    g->hash.stored = NULL;
    g->hash.next = register_finish;
    return auth_hash_defer(req, &g->hash);
}

/* Route: admin, JSON body. */
enum dc_err accounts_api_set_role(struct dc_req *req)
{
    struct dc_account acct;
    const char *role;
    int64_t id;
    enum dc_err err = api_path_id(req, "id", &id);
    if (err != DC_OK)
        return err;
    if (validate_string(req->json, "role", true, 1, 32, true, &role) != DC_OK ||
        !dc_enum_has(&DC_ENUM_ROLE, role))
        return dc_req_fail(req, DC_ERR_VALIDATION, "role", DC_ENUM_ROLE.message);
    err = db_begin(req->db);
    if (err == DC_OK)
        err = accounts_repo_set_role(req->db, id, role, &acct);
    if (err == DC_OK)
        err = api_audit_id(req, "account.role", "account", id, json_pack("{s:s}", "role", role));
    if (err == DC_OK)
        err = db_commit(req->db);
    return err == DC_OK ? dc_reply_json(req, 200, api_account_json(&acct, true)) : err;
}
