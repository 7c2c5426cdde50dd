/*
 * partners_api.c - partner platforms: admin creation (the secret shown
 * once, stored sealed), signed partner requests, linking partner users to
 * accounts; and the admin audit list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/config.h"
#include "drillcamp/contest.h"
#include "drillcamp/encode.h"
#include "drillcamp/partner.h"
#include "drillcamp/validate.h"

static const char *const ADMIN[] = {"admin", NULL};
static const char *const AUDIENCES[] = {"employee", "student", "teacher",
                                        "resident", "public",  NULL};

static unsigned char sealing_key[32];
static bool sealing_key_set;

enum dc_err partners_api_init(const char *key_hex)
{
    sealing_key_set = partner_parse_key(key_hex, sealing_key);
    return sealing_key_set ? DC_OK : DC_ERR_INTERNAL;
}

void partners_api_create(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_partner p;
    json_t *body = NULL;
    char *sealed = NULL;
    const char *name;
    char key_id[32] = "pk_", secret[64];
    if (!sealing_key_set || !api_db_acquire_or_respond(req, &conn) ||
        !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    if (validate_string(body, "name", true, 1, 100, true, &name) != DC_OK) {
        dc_reply_err(req, DC_ERR_VALIDATION, "name", "name must be 1-100 characters");
        goto out;
    }
    err = encode_random_text(12, key_id + 3);
    if (err == DC_OK)
        err = encode_random_text(32, secret);
    if (err == DC_OK)
        err = partner_seal(sealing_key, secret, &sealed);
    if (err == DC_OK)
        err = db_begin(conn);
    if (err == DC_OK)
        err = partners_repo_insert(conn, name, key_id, sealed, &p);
    if (err == DC_OK)
        err = api_audit_id(conn, req, "partner.create", "partner", p.id,
                           json_pack("{s:s, s:s}", "name", name, "key_id", key_id));
    if (err == DC_OK)
        err = db_commit(conn);
    if (err == DC_OK) {
        req->no_store = true;
        dc_reply_json(req, 201,
                      json_pack("{s:o, s:s, s:s, s:s, s:s}", "id", api_id_json(p.id), "name",
                                p.name, "key_id", p.key_id, "secret", secret, "created_at",
                                p.created_at));
    }
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    json_decref(body);
    free(sealed);
}

bool api_partner_or_respond(struct dc_req *req, struct db_conn *conn, struct dc_partner *out)
{
    const char *key = dc_req_header(req, "X-Partner-Key");
    const char *ts = dc_req_header(req, "X-Timestamp");
    const char *sig = dc_req_header(req, "X-Signature");
    int64_t when;
    char *secret = NULL;
    enum dc_err err = DC_ERR_INVALID_SIGNATURE;
    req->no_store = true;
    if (!key || !sig || !partner_parse_timestamp(ts, &when))
        goto out;
    int64_t skew = when - (int64_t)campaign_now();
    if (skew > PARTNER_SKEW_SECONDS || skew < -PARTNER_SKEW_SECONDS) {
        err = DC_ERR_STALE_REQUEST;
        goto out;
    }
    err = partners_repo_by_key(conn, key, out);
    if (err == DC_ERR_NOT_FOUND)
        err = DC_ERR_INVALID_SIGNATURE;
    if (err != DC_OK)
        goto out;
    err = sealing_key_set ? partner_open(sealing_key, out->secret_enc, &secret) : DC_ERR_INTERNAL;
    if (err != DC_OK)
        goto out;
    char expected[65];
    partner_signature(secret, req->method, req->target, ts, req->body, req->body_len, expected);
    if (!partner_signature_equal(expected, sig))
        err = DC_ERR_INVALID_SIGNATURE;
out:
    free(secret);
    if (err != DC_OK)
        dc_reply_err(req, err, NULL, NULL);
    /* counted once the key is proven: a forger cannot spend another's quota */
    return err == DC_OK && api_rate_or_respond(req, RL_PARTNER_KEY, out->key_id);
}

void partner_users_api_put(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL, *msg = NULL;
    struct db_conn *conn = NULL;
    struct dc_partner partner;
    struct dc_account acct;
    struct dc_account_new in = {.kind = "individual", .role = "user"};
    json_t *body = NULL;
    bool created = false, region_ok, org_ok;
    const char *ext = dc_req_param(req, "external_user_id");
    if (!api_db_acquire_or_respond(req, &conn) || !api_partner_or_respond(req, conn, &partner))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    err = DC_ERR_VALIDATION;
    if (!validate_utf8(ext) || validate_utf8_len(ext) > 128 || !validate_no_control(ext)) {
        field = "external_user_id";
        msg = "external_user_id must be 1-128 characters of UTF-8 without control characters";
    } else if (validate_string(body, "phone", true, 1, 32, true, &in.phone) != DC_OK ||
               !validate_phone(in.phone)) {
        field = "phone";
        msg = "phone must be a mainland mobile number";
    } else if (validate_string(body, "display_name", true, 1, 40, true, &in.display_name) !=
               DC_OK) {
        field = "display_name";
        msg = "display_name must be 1-40 characters without control characters";
    } else if (validate_string(body, "region_code", true, 6, 6, true, &in.region_code) != DC_OK ||
               !validate_region_code_format(in.region_code)) {
        field = "region_code";
        msg = "region_code must be a known 6-digit division code";
    } else if (validate_string(body, "audience", false, 1, 16, true, &in.audience) != DC_OK ||
               (in.audience && !validate_one_of(in.audience, AUDIENCES))) {
        field = "audience";
        msg = "audience must be employee, student, teacher, resident or public";
    }
    if (field)
        goto out;
    if (!in.audience)
        in.audience = "public";
    err = accounts_repo_check_refs(conn, in.region_code, 0, &region_ok, &org_ok);
    if (err == DC_OK && !region_ok) {
        err = DC_ERR_VALIDATION;
        field = "region_code";
        msg = "region_code is not a known division";
    }
    /* a concurrent link of the same new phone: the second try finds it */
    for (int attempt = 0; err == DC_OK && attempt < 2; attempt++) {
        err = db_begin(conn);
        if (err == DC_OK)
            err = partner_users_repo_link(conn, partner.id, ext, &in, &acct, &created);
        if (err == DC_OK)
            err = db_commit(conn);
        if (err == DC_OK)
            break;
        db_rollback(conn);
        if (err == DC_ERR_CONFLICT && attempt == 0)
            err = DC_OK;
    }
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, created ? 201 : 200,
                  json_pack("{s:s, s:o}", "external_user_id", ext, "account",
                            api_account_json(&acct, false)));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field, msg);
    db_release(conn);
    json_decref(body);
}

enum dc_err api_partner_author(struct db_conn *conn, const struct dc_partner *partner,
                               const json_t *obj, int64_t *account)
{
    const char *ext;
    enum dc_err err = DC_ERR_VALIDATION;
    if (validate_string(obj, "external_user_id", true, 1, 128, true, &ext) == DC_OK)
        err = partner_users_repo_account(conn, partner->id, ext, account);
    return err == DC_ERR_NOT_FOUND ? DC_ERR_VALIDATION : err;
}

/* The partner's linked user named in the body; answers 422 itself. */
static bool partner_author_or_respond(struct dc_req *req, struct db_conn *conn,
                                      const struct dc_partner *partner, const json_t *body,
                                      int64_t *author)
{
    enum dc_err err = api_partner_author(conn, partner, body, author);
    if (err == DC_ERR_VALIDATION)
        dc_reply_err(req, err, "external_user_id", API_PARTNER_AUTHOR_MSG);
    else if (err != DC_OK)
        dc_reply_err(req, err, NULL, NULL);
    return err == DC_OK;
}

void partner_submissions_api_put(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL, *msg = NULL;
    struct db_conn *conn = NULL;
    struct dc_partner partner;
    struct dc_campaign camp;
    struct dc_submission_input in;
    struct dc_submission sub;
    json_t *body = NULL;
    int64_t author;
    bool exists = false, created = false;
    const char *ext = dc_req_param(req, "external_id");
    if (!api_db_acquire_or_respond(req, &conn) || !api_partner_or_respond(req, conn, &partner))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    if (!validate_utf8(ext) || validate_utf8_len(ext) > 128 || !validate_no_control(ext)) {
        err = DC_ERR_VALIDATION;
        field = "external_id";
        msg = "external_id must be 1-128 characters of UTF-8 without control characters";
        goto out;
    }
    if (!partner_author_or_respond(req, conn, &partner, body, &author) ||
        !api_campaign_gate_or_respond(req, conn, ACT_SUBMIT, &camp))
        goto out;
    err = submission_parse(body, camp.topic, &in, &field, &msg);
    if (err == DC_OK)
        err = categories_repo_exists(conn, in.category, &exists);
    if (err == DC_OK && !exists) {
        err = DC_ERR_VALIDATION;
        field = "category";
        msg = "category is not a known category";
    }
    if (err == DC_OK)
        err = submissions_repo_upsert_partner(conn, partner.id, ext, author, &in, &sub, &created);
    if (err == DC_OK)
        dc_reply_json(req, created ? 201 : 200, api_submission_json(&sub));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field, msg);
    db_release(conn);
    json_decref(body);
}

static json_t *audit_json(const void *item)
{
    const struct dc_audit_entry *a = item;
    json_t *details = json_loads(a->details, 0, NULL);
    return json_pack("{s:o, s:o, s:s, s:s, s:o, s:s}", "id", api_id_json(a->id), "actor_id",
                     api_id_json(a->actor_id), "action", a->action, "target", a->target, "details",
                     details ? details : json_object(), "at", a->at);
}

static int64_t audit_key(const void *item)
{
    return ((const struct dc_audit_entry *)item)->id;
}

void audit_api_list(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_audit_entry *items = NULL;
    size_t n = 0;
    int limit;
    int64_t before, unused;
    if (!api_page_or_respond(req, &limit, &before, &unused) ||
        !api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    err = audit_repo_list(conn, before, limit + 1, &items, &n);
    if (err == DC_OK)
        api_reply_page(req, items, n, limit, sizeof *items, audit_json, audit_key);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}
