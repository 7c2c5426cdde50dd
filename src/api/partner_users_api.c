/*
 * partner_users_api.c - PUT /v1/partner/users/:external_user_id: a
 * partner's user linked to an account (made when the phone is new), with
 * the same profile rule as registration; and the lookup of a linked user
 * that every partner upload uses.
 */
#include "drillcamp/api.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

#define AUTHOR_MSG "external_user_id must name a user this partner linked"

enum dc_err api_partner_author(struct db_conn *c, const struct dc_partner *partner,
                               const json_t *obj, int64_t *account, struct dc_problem *p)
{
    const char *ext;
    enum dc_err err = DC_ERR_NOT_FOUND;
    if (validate_string(obj, "external_user_id", true, 1, DC_EXTERNAL_ID_MAX_CHARS, true, &ext) ==
        DC_OK)
        err = partner_users_repo_account(c, partner->id, ext, account);
    if (err == DC_ERR_NOT_FOUND)
        err = dc_problem_set(p, DC_ERR_VALIDATION, "external_user_id", AUTHOR_MSG);
    return err;
}

/* Route: partner signature, JSON body. */
enum dc_err partner_users_api_put(struct dc_req *req)
{
    struct dc_profile pr;
    struct dc_account acct;
    bool created = false;
    const char *ext = dc_req_param(req, "external_user_id");
    if (!validate_utf8(ext) || validate_utf8_len(ext) > DC_EXTERNAL_ID_MAX_CHARS ||
        !validate_no_control(ext))
        return dc_req_fail(
            req, DC_ERR_VALIDATION, "external_user_id",
            "external_user_id must be 1-128 characters of UTF-8 without control characters");
    enum dc_err err = profile_parse(req->json, PROFILE_PARTNER_USER, &pr, &req->problem);
    if (err == DC_OK)
        err = profile_check_refs(req->db, &pr, &req->problem);
    struct dc_account_new in = {.phone = pr.phone,
                                .display_name = pr.display_name,
                                .kind = "individual",
                                .role = "user",
                                .region_code = pr.region_code,
                                .audience = pr.audience ? pr.audience : "public"};
    /* a concurrent link of the same new phone: the second try finds it */
    for (int attempt = 0; err == DC_OK && attempt < 2; attempt++) {
        err = db_begin(req->db);
        if (err == DC_OK)
            err = partner_users_repo_link(req->db, req->partner->id, ext, &in, &acct, &created);
        if (err == DC_OK)
            err = db_commit(req->db);
        if (err == DC_OK)
            break;
        db_rollback(req->db);
        if (err == DC_ERR_CONFLICT && attempt == 0)
            err = DC_OK;
    }
    if (err != DC_OK)
        return err;
    return dc_reply_json(req, created ? 201 : 200,
                         json_pack("{s:s, s:o}", "external_user_id", ext, "account",
                                   api_account_json(&acct, false)));
}
