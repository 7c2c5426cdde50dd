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
static const char *const AUDIENCES[] = {"employee", "student", "teacher", "resident", "public",
                                        NULL};
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

/* organization_id: absent (*set false), null (id 0) or a decimal id string. */
static enum dc_err org_field(const json_t *body, bool *set, int64_t *id)
{
    json_t *v = json_object_get(body, "organization_id");
    *set = v != NULL;
    *id = 0;
    if (!v || json_is_null(v))
        return DC_OK;
    if (!json_is_string(v) || !validate_id(json_string_value(v), id))
        return DC_ERR_VALIDATION;
    return DC_OK;
}

void accounts_api_register(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL, *msg = NULL;
    struct db_conn *conn = NULL;
    char *hash = NULL;
    struct dc_account_new in = {.role = "user"};
    struct dc_account acct;
    bool org_set, region_ok, org_ok, taken;

    json_t *body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    err = DC_ERR_VALIDATION;
    const char *password;
    if (validate_string(body, "phone", true, 1, 32, true, &in.phone) != DC_OK ||
        !validate_phone(in.phone)) {
        field = "phone";
        msg = "phone must be a mainland mobile number (11 digits starting 13-19)";
        goto out;
    }
    if (validate_string(body, "password", true, 8, 128, false, &password) != DC_OK) {
        field = "password";
        msg = "password must be 8-128 characters";
        goto out;
    }
    if (validate_string(body, "display_name", true, 1, 40, true, &in.display_name) != DC_OK) {
        field = "display_name";
        msg = "display_name must be 1-40 characters without control characters";
        goto out;
    }
    if (enum_field(body, "kind", true, KINDS, &in.kind) != DC_OK) {
        field = "kind";
        msg = "kind must be individual or official";
        goto out;
    }
    if (validate_string(body, "region_code", true, 6, 6, true, &in.region_code) != DC_OK ||
        !validate_region_code_format(in.region_code)) {
        field = "region_code";
        msg = "region_code must be a known 6-digit division code";
        goto out;
    }
    if (org_field(body, &org_set, &in.organization_id) != DC_OK ||
        (strcmp(in.kind, "official") == 0 && in.organization_id == 0)) {
        field = "organization_id";
        msg = "an official account must name its organization";
        goto out;
    }
    if (enum_field(body, "audience", false, AUDIENCES, &in.audience) != DC_OK) {
        field = "audience";
        msg = "audience must be employee, student, teacher, resident or public";
        goto out;
    }
    if (!in.audience)
        in.audience = "public";

    if (!api_db_acquire_or_respond(req, &conn))
        goto out;
    err = accounts_repo_check_refs(conn, in.region_code, in.organization_id, &region_ok, &org_ok);
    if (err == DC_OK)
        err = accounts_repo_phone_exists(conn, in.phone, &taken);
    if (err != DC_OK)
        goto out;
    err = DC_ERR_VALIDATION;
    if (!region_ok) {
        field = "region_code";
        msg = "region_code is not a known division";
        goto out;
    }
    if (!org_ok) {
        field = "organization_id";
        msg = "organization_id is not a known organization";
        goto out;
    }
    if (taken) {
        err = DC_ERR_PHONE_TAKEN;
        goto out;
    }
    /* hashing takes ~100 ms: hold no connection meanwhile */
    db_release(conn);
    conn = NULL;
    err = password_hash(password, &hash);
    if (err != DC_OK)
        goto out;
    in.password_hash = hash;
    if (!api_db_acquire_or_respond(req, &conn))
        goto out;
    err = accounts_repo_insert(conn, &in, &acct);
    if (err != DC_OK)
        goto out;
    req->no_store = true;
    dc_reply_json(req, 201, api_account_json(&acct, true));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field, msg);
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
    if (err == DC_OK) {
        char target[40], details[64];
        snprintf(target, sizeof target, "account:%lld", (long long)id);
        snprintf(details, sizeof details, "{\"role\": \"%s\"}", role);
        err = audit_repo_insert(conn, req->auth.account_id, "account.role", target, details);
    }
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
    const char *field = NULL, *msg = NULL;
    struct db_conn *conn = NULL;
    struct dc_account acct;
    struct dc_account_patch p = {0};
    const char *password = NULL;
    char *hash = NULL;
    bool region_ok, org_ok;
    json_t *body = NULL;

    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    err = DC_ERR_VALIDATION;
    if (validate_string(body, "display_name", false, 1, 40, true, &p.display_name) != DC_OK) {
        field = "display_name";
        msg = "display_name must be 1-40 characters without control characters";
        goto out;
    }
    if (validate_string(body, "region_code", false, 6, 6, true, &p.region_code) != DC_OK ||
        (p.region_code && !validate_region_code_format(p.region_code))) {
        field = "region_code";
        msg = "region_code must be a known 6-digit division code";
        goto out;
    }
    if (org_field(body, &p.set_organization, &p.organization_id) != DC_OK) {
        field = "organization_id";
        msg = "organization_id must be an id string or null";
        goto out;
    }
    if (enum_field(body, "audience", false, AUDIENCES, &p.audience) != DC_OK) {
        field = "audience";
        msg = "audience must be employee, student, teacher, resident or public";
        goto out;
    }
    if (validate_string(body, "password", false, 8, 128, false, &password) != DC_OK) {
        field = "password";
        msg = "password must be 8-128 characters";
        goto out;
    }
    err = accounts_repo_check_refs(conn, p.region_code ? p.region_code : "000000",
                                   p.organization_id, &region_ok, &org_ok);
    if (err != DC_OK)
        goto out;
    err = DC_ERR_VALIDATION;
    if (p.region_code && !region_ok) {
        field = "region_code";
        msg = "region_code is not a known division";
        goto out;
    }
    if (!org_ok) {
        field = "organization_id";
        msg = "organization_id is not a known organization";
        goto out;
    }
    if (password) {
        if (!current_password_ok_or_respond(req, conn, body))
            goto out;
        err = password_hash(password, &hash);
        if (err != DC_OK)
            goto out;
        p.password_hash = hash;
    }
    err = db_begin(conn);
    if (err == DC_OK)
        err = accounts_repo_update(conn, req->auth.account_id, &p, &acct);
    if (err == DC_OK && password)
        err = sessions_repo_delete_others(conn, req->auth.account_id, req->auth.token_hash);
    if (err == DC_OK)
        err = db_commit(conn);
    if (err == DC_ERR_VALIDATION) {
        /* the only check left to the database: an official account keeps its organization */
        field = "organization_id";
        msg = "an official account must name its organization";
    }
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, api_account_json(&acct, true));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field, msg);
    db_release(conn);
    free(hash);
    json_decref(body);
}
