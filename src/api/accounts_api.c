/*
 * accounts_api.c - POST /v1/accounts (register) and
 * PUT /v1/admin/accounts/:id/role.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/password.h"
#include "drillcamp/validate.h"

static const char *const KINDS[] = {"individual", "official", NULL};
static const char *const AUDIENCES[] = {"employee", "student", "teacher",
                                        "resident", "public",  NULL};
static const char *const ROLES[] = {"user", "moderator", "admin", NULL};
static const char *const ADMIN[] = {"admin", NULL};

/* Reads an optional enum-valued string field. */
static enum dc_err enum_field(const json_t *body, const char *key, bool required,
                              const char *const *allowed, const char **out)
{
    enum dc_err err = validate_string(body, key, required, 1, 32, true, out);
    if (err == DC_OK && *out && !validate_one_of(*out, allowed))
        err = DC_ERR_VALIDATION;
    return err;
}

/* The fields register and PATCH /v1/me share; NULL when absent. */
struct profile {
    const char *display_name;
    const char *region_code;
    bool organization_set;
    int64_t organization_id; /* 0: none or null */
    const char *audience;
    const char *password;
};

/* A rejected field: its name and a message for the client. */
struct bad_field {
    const char *field;
    const char *msg;
};

static enum dc_err reject(struct bad_field *bad, const char *field, const char *msg)
{
    bad->field = field;
    bad->msg = msg;
    return DC_ERR_VALIDATION;
}

/*
 * Reads the profile fields in the order API.md lists them, so that the first
 * bad field is the one named. On register (creating) the name, region and
 * password are required; on PATCH every field is optional.
 */
static enum dc_err profile_parse(const json_t *body, bool creating, struct profile *p,
                                 struct bad_field *bad)
{
    memset(p, 0, sizeof *p);
    if (validate_string(body, "password", creating, 8, 128, false, &p->password) != DC_OK)
        return reject(bad, "password", "password must be 8-128 characters");
    if (validate_string(body, "display_name", creating, 1, 40, true, &p->display_name) != DC_OK)
        return reject(bad, "display_name",
                      "display_name must be 1-40 characters without control characters");
    if (creating) {
        /* kind sits between display_name and region_code in API.md's order */
        const char *kind;
        if (enum_field(body, "kind", true, KINDS, &kind) != DC_OK)
            return reject(bad, "kind", "kind must be individual or official");
    }
    if (validate_string(body, "region_code", creating, 6, 6, true, &p->region_code) != DC_OK ||
        (p->region_code && !validate_region_code_format(p->region_code)))
        return reject(bad, "region_code", "region_code must be a known 6-digit division code");
    json_t *org = json_object_get(body, "organization_id");
    p->organization_set = org != NULL;
    if (org && !json_is_null(org) &&
        (!json_is_string(org) || !validate_id(json_string_value(org), &p->organization_id)))
        return reject(bad, "organization_id", "organization_id must be an id string or null");
    if (enum_field(body, "audience", false, AUDIENCES, &p->audience) != DC_OK)
        return reject(bad, "audience",
                      "audience must be employee, student, teacher, resident or public");
    return DC_OK;
}

/* The region and organization a profile names must exist. */
static enum dc_err profile_check_refs(struct db_conn *conn, const struct profile *p,
                                      struct bad_field *bad)
{
    bool region_ok, org_ok;
    enum dc_err err = accounts_repo_check_refs(conn, p->region_code ? p->region_code : "000000",
                                               p->organization_id, &region_ok, &org_ok);
    if (err != DC_OK)
        return err;
    if (p->region_code && !region_ok)
        return reject(bad, "region_code", "region_code is not a known division");
    if (!org_ok)
        return reject(bad, "organization_id", "organization_id is not a known organization");
    return DC_OK;
}

void accounts_api_register(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct bad_field bad = {NULL, NULL};
    struct db_conn *conn = NULL;
    char *hash = NULL;
    struct profile p;
    struct dc_account acct;
    bool taken;

    json_t *body = NULL;
    if (!api_rate_or_respond(req, RL_REGISTER_IP, req->client_ip))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    const char *phone;
    if (validate_string(body, "phone", true, 1, 32, true, &phone) != DC_OK ||
        !validate_phone(phone)) {
        err = reject(&bad, "phone",
                     "phone must be a mainland mobile number (11 digits starting 13-19)");
        goto out;
    }
    err = profile_parse(body, true, &p, &bad);
    if (err != DC_OK)
        goto out;
    const char *kind = json_string_value(json_object_get(body, "kind"));
    if (strcmp(kind, "official") == 0 && p.organization_id == 0) {
        err = reject(&bad, "organization_id", "an official account must name its organization");
        goto out;
    }
    if (!api_db_acquire_or_respond(req, &conn))
        goto out;
    err = profile_check_refs(conn, &p, &bad);
    if (err == DC_OK)
        err = accounts_repo_phone_exists(conn, phone, &taken);
    if (err != DC_OK)
        goto out;
    if (taken) {
        err = DC_ERR_PHONE_TAKEN;
        goto out;
    }
    /* hashing takes a few hundred ms: hold no connection meanwhile */
    db_release(conn);
    conn = NULL;
    err = password_hash(p.password, &hash);
    if (err != DC_OK || !api_db_acquire_or_respond(req, &conn))
        goto out;
    struct dc_account_new in = {
        phone,  hash,          p.display_name,    kind,
        "user", p.region_code, p.organization_id, p.audience ? p.audience : "public"};
    err = accounts_repo_insert(conn, &in, &acct);
    if (err != DC_OK)
        goto out;
    req->no_store = true;
    dc_reply_json(req, 201, api_account_json(&acct, true));
out:
    if (req->status == 0)
        dc_reply_err(req, err, bad.field, bad.msg);
    db_release(conn);
    free(hash);
    json_decref(body);
}

void accounts_api_set_role(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL, *msg = NULL;
    struct db_conn *conn = NULL;
    struct dc_account acct;
    const char *role;
    int64_t id;
    json_t *body = NULL;

    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    if (!validate_id(dc_req_param(req, "id"), &id)) {
        err = DC_ERR_NOT_FOUND;
        goto out;
    }
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    if (enum_field(body, "role", true, ROLES, &role) != DC_OK) {
        err = DC_ERR_VALIDATION;
        field = "role";
        msg = "role must be user, moderator or admin";
        goto out;
    }
    err = db_begin(conn);
    if (err == DC_OK)
        err = accounts_repo_set_role(conn, id, role, &acct);
    if (err == DC_OK)
        err = api_audit_id(conn, req, "account.role", "account", id,
                           json_pack("{s:s}", "role", role));
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, api_account_json(&acct, true));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field, msg);
    db_release(conn);
    json_decref(body);
}

void me_api_get(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_account acct;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    err = accounts_repo_get(conn, req->auth.account_id, &acct);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, api_account_json(&acct, true));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}

/* Checks current_password before a password change; answers on failure. */
static bool current_password_ok_or_respond(struct dc_req *req, struct db_conn *conn,
                                           const json_t *body)
{
    const char *current;
    char *stored = NULL;
    bool ok = false;
    if (validate_string(body, "current_password", true, 1, 128, false, &current) != DC_OK) {
        dc_reply_err(req, DC_ERR_VALIDATION, "current_password",
                     "current_password is required to change the password");
        return false;
    }
    enum dc_err err = accounts_repo_get_hash(conn, req->auth.account_id, &stored);
    if (err == DC_OK)
        err = password_verify(current, stored, &ok);
    free(stored);
    if (err != DC_OK)
        dc_reply_err(req, err, NULL, NULL);
    else if (!ok)
        dc_reply_err(req, DC_ERR_FORBIDDEN, "current_password", "current_password is wrong");
    return err == DC_OK && ok;
}

void me_api_patch(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct bad_field bad = {NULL, NULL};
    struct db_conn *conn = NULL;
    struct dc_account acct;
    struct profile p;
    char *hash = NULL;
    json_t *body = NULL;

    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    err = profile_parse(body, false, &p, &bad);
    if (err == DC_OK)
        err = profile_check_refs(conn, &p, &bad);
    if (err != DC_OK)
        goto out;
    if (p.password) {
        if (!current_password_ok_or_respond(req, conn, body))
            goto out;
        err = password_hash(p.password, &hash);
        if (err != DC_OK)
            goto out;
    }
    struct dc_account_patch patch = {p.display_name,    p.region_code, p.organization_set,
                                     p.organization_id, p.audience,    hash};
    err = db_begin(conn);
    if (err == DC_OK)
        err = accounts_repo_update(conn, req->auth.account_id, &patch, &acct);
    if (err == DC_OK && hash)
        err = sessions_repo_delete_others(conn, req->auth.account_id, req->auth.token_hash);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err == DC_ERR_VALIDATION)
        /* the one rule left to the database: an official account keeps its organization */
        reject(&bad, "organization_id", "an official account must name its organization");
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, api_account_json(&acct, true));
out:
    if (req->status == 0)
        dc_reply_err(req, err, bad.field, bad.msg);
    db_release(conn);
    free(hash);
    json_decref(body);
}
