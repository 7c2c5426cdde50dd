/*
 * certificates_api.c - claim (POST /v1/me/certificate), public verification,
 * the public key, the printable SVG and revocation.
 *
 * The Ed25519 key is loaded once at start (certificates_api_init) and only
 * read afterwards, so worker threads share it without locking.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/certificate.h"
#include "drillcamp/config.h"
#include "drillcamp/learning.h"
#include "drillcamp/sign.h"
#include "drillcamp/validate.h"

static const char *const ADMIN[] = {"admin", NULL};

static struct sign_key *signing_key;

enum dc_err certificates_api_init(const char *key_path)
{
    sign_key_free(signing_key);
    signing_key = NULL;
    return key_path ? sign_key_load(key_path, &signing_key) : DC_ERR_INTERNAL;
}

static void verify_url(const char *serial, char *out, size_t cap)
{
    const char *base = dc_config.public_url ? dc_config.public_url : "";
    size_t n = strlen(base);
    snprintf(out, cap, "%.*s/v1/certificates/%s", (int)(n && base[n - 1] == '/' ? n - 1 : n), base,
             serial);
}

static json_t *certificate_json(const struct dc_certificate *c)
{
    char url[DC_URL_MAX];
    verify_url(c->serial, url, sizeof url);
    return json_pack("{s:s, s:o, s:o, s:s, s:f, s:I, s:s, s:s, s:s, s:s}", "serial", c->serial,
                     "campaign_id", api_id_json(c->campaign_id), "account_id",
                     api_id_json(c->account_id), "holder_name", c->holder_name, "class_hours",
                     strtod(c->class_hours, NULL), "credited_seconds",
                     (json_int_t)c->credited_seconds, "issued_at", c->issued_at, "signed_payload",
                     c->signed_payload, "signature", c->signature, "verify_url", url);
}

/* Builds, signs and stores a new certificate for an eligible learner. */
static enum dc_err certificate_issue(struct db_conn *conn, const struct dc_campaign *camp,
                                     const struct dc_account *acct, int64_t credited, bool *created,
                                     struct dc_certificate *out)
{
    struct dc_certificate c = {0};
    char *sig = NULL;
    enum dc_err err = sign_new_serial(c.serial);
    if (err != DC_OK)
        return err;
    c.campaign_id = camp->id;
    c.account_id = acct->id;
    snprintf(c.holder_name, sizeof c.holder_name, "%s", acct->display_name);
    snprintf(c.class_hours, sizeof c.class_hours, "%.2f",
             progress_class_hours(credited, camp->rules.class_hour_seconds));
    c.credited_seconds = credited;
    campaign_format_time(campaign_now(), c.issued_at);
    cert_signed_payload(c.serial, c.campaign_id, c.account_id, c.credited_seconds, c.issued_at,
                        c.signed_payload, sizeof c.signed_payload);
    err = sign_message(signing_key, c.signed_payload, strlen(c.signed_payload), &sig);
    if (err != DC_OK)
        return err;
    snprintf(c.signature, sizeof c.signature, "%s", sig);
    free(sig);
    return certificates_repo_insert(conn, &c, created, out);
}

void certificates_api_claim(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_campaign camp;
    struct dc_learner learner;
    struct dc_account acct;
    struct dc_certificate cert;
    bool created = false;
    if (!signing_key || !api_db_acquire_or_respond(req, &conn) || !api_auth_or_respond(req, conn))
        goto out;
    if (!api_campaign_gate_or_respond(req, conn, ACT_CERTIFICATE, &camp))
        goto out;
    err = certificates_repo_get_by_account(conn, camp.id, req->auth.account_id, &cert);
    if (err == DC_OK) {
        dc_reply_json(req, 200, certificate_json(&cert));
        goto out;
    }
    if (err != DC_ERR_NOT_FOUND)
        goto out;
    err = learners_repo_get(conn, req->auth.account_id, &learner);
    if (err == DC_OK)
        err = accounts_repo_get(conn, req->auth.account_id, &acct);
    if (err != DC_OK)
        goto out;
    struct progress_rules pr = {camp.rules.class_hour_seconds, camp.rules.required_class_hours,
                                camp.rules.require_checkin};
    if (!progress_eligible(&pr, learner.credited_seconds, learner.checkin_days)) {
        json_t *extra =
            json_pack("{s:I, s:b}", "remaining_seconds",
                      (json_int_t)progress_remaining_seconds(&pr, learner.credited_seconds),
                      "needs_checkin", camp.rules.require_checkin && learner.checkin_days == 0);
        dc_reply_err_extra(req, DC_ERR_NOT_ELIGIBLE, NULL, NULL, extra);
        goto out;
    }
    err = certificate_issue(conn, &camp, &acct, learner.credited_seconds, &created, &cert);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, created ? 201 : 200, certificate_json(&cert));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}

/* Looks the :serial up (Crockford base32 reads the same in either case);
 * answers 404 itself. */
static bool certificate_lookup_or_respond(struct dc_req *req, struct db_conn *conn,
                                          const char *given, struct dc_certificate *out)
{
    char serial[32];
    snprintf(serial, sizeof serial, "%s", given);
    for (char *p = serial; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    enum dc_err err = sign_serial_well_formed(serial) ? certificates_repo_get(conn, serial, out)
                                                      : DC_ERR_NOT_FOUND;
    if (err != DC_OK)
        dc_reply_err(req, err, NULL, NULL);
    return err == DC_OK;
}

void certificates_api_get(struct dc_req *req)
{
    struct db_conn *conn = NULL;
    struct dc_certificate c;
    if (!api_db_read_or_respond(req, &conn) ||
        !certificate_lookup_or_respond(req, conn, dc_req_param(req, "serial"), &c))
        goto out;
    char masked[DC_NAME_MAX + 8];
    cert_mask_name(c.holder_name, masked, sizeof masked);
    bool revoked = c.revoked_at[0] != '\0';
    dc_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:f, s:s, s:s, s:b, s:o, s:o, s:s, s:s}", "serial",
                            c.serial, "holder_name_masked", masked, "class_hours",
                            strtod(c.class_hours, NULL), "issued_at", c.issued_at, "campaign_name",
                            c.campaign_name, "valid", !revoked, "revoked_at",
                            revoked ? json_string(c.revoked_at) : json_null(), "revoke_reason",
                            revoked ? json_string(c.revoke_reason) : json_null(), "signed_payload",
                            c.signed_payload, "signature", c.signature));
out:
    db_release(conn);
}

void certificates_api_svg(struct dc_req *req)
{
    struct db_conn *conn = NULL;
    struct dc_certificate c;
    char url[DC_URL_MAX], date[11];
    if (!api_db_read_or_respond(req, &conn) ||
        !certificate_lookup_or_respond(req, conn, dc_req_param(req, "serial"), &c))
        goto out;
    verify_url(c.serial, url, sizeof url);
    /* the printed date is the Beijing calendar day of issue */
    double issued = 0;
    campaign_parse_time(c.issued_at, &issued);
    progress_day_string(progress_beijing_day((time_t)issued), date);
    struct cert_svg s = {c.holder_name,   c.class_hours,          date, c.serial, url,
                         c.campaign_name, c.revoked_at[0] != '\0'};
    char *doc = cert_render_svg(&s);
    if (!doc) {
        dc_reply_err(req, DC_ERR_NOMEM, NULL, NULL);
        goto out;
    }
    dc_reply_text(req, 200, "image/svg+xml; charset=utf-8", doc, strlen(doc));
    /* the image is inert: no scripts, no fetches, no sniffing */
    dc_reply_header(req, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'");
    dc_reply_header(req, "X-Content-Type-Options", "nosniff");
out:
    db_release(conn);
}

void certificates_api_public_key(struct dc_req *req)
{
    char *pem = NULL;
    enum dc_err err = signing_key ? sign_public_pem(signing_key, &pem) : DC_ERR_INTERNAL;
    if (err != DC_OK) {
        dc_reply_err(req, err, NULL, NULL);
        return;
    }
    dc_reply_text(req, 200, "application/x-pem-file", pem, strlen(pem));
}

void certificates_api_revoke(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *reason;
    struct db_conn *conn = NULL;
    struct dc_certificate c;
    json_t *body = NULL;
    const char *serial = dc_req_param(req, "serial");
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    if (validate_string(body, "reason", true, 1, 500, true, &reason) != DC_OK) {
        dc_reply_err(req, DC_ERR_VALIDATION, "reason", "reason must be 1-500 characters");
        goto out;
    }
    err = sign_serial_well_formed(serial) ? db_begin(conn) : DC_ERR_NOT_FOUND;
    if (err == DC_OK)
        err = certificates_repo_revoke(conn, serial, reason, &c);
    if (err == DC_OK) {
        char target[48];
        snprintf(target, sizeof target, "certificate:%s", serial);
        err = api_audit(conn, req, "certificate.revoke", target,
                        json_pack("{s:s}", "reason", reason));
    }
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 200, certificate_json(&c));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    json_decref(body);
}
