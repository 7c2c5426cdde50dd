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
#include "drillcamp/arena.h"
#include "drillcamp/certificate.h"
#include "drillcamp/config.h"
#include "drillcamp/learning.h"
#include "drillcamp/limits.h"
#include "drillcamp/sign.h"
#include "drillcamp/validate.h"

static struct sign_key *signing_key;

enum dc_err certificates_api_init(const char *key_path)
{
    sign_key_free(signing_key);
    signing_key = NULL;
    return key_path ? sign_key_load(key_path, &signing_key) : DC_ERR_INTERNAL;
}

/* {DRILLCAMP_PUBLIC_URL}/verify/{serial} (the page a phone opens), in
 * the arena. */
static const char *verify_url(struct dc_arena *a, const char *serial)
{
    const char *base = dc_config.public_url ? dc_config.public_url : "";
    size_t n = strlen(base);
    return arena_printf(a, "%.*s/verify/%s", (int)(n && base[n - 1] == '/' ? n - 1 : n), base,
                        serial);
}

static json_t *certificate_json(struct dc_arena *a, const struct dc_certificate *c)
{
    const char *url = verify_url(a, c->serial);
    return url ? json_pack("{s:s, s:o, s:o, s:s, s:f, s:I, s:s, s:s, s:s, s:s}", "serial",
                           c->serial, "campaign_id", api_id_json(c->campaign_id), "account_id",
                           api_id_json(c->account_id), "holder_name", c->holder_name, "class_hours",
                           strtod(c->class_hours, NULL), "credited_seconds",
                           (json_int_t)c->credited_seconds, "issued_at", c->issued_at,
                           "signed_payload", c->signed_payload, "signature", c->signature,
                           "verify_url", url)
               : NULL;
}

/* Builds, signs and stores a new certificate for an eligible learner. */
static enum dc_err certificate_issue(struct db_conn *conn, const struct dc_campaign *camp,
                                     const struct dc_account *acct, int64_t credited, bool *created,
                                     struct dc_certificate *out)
{
    char serial[32], hours[32], issued[DC_TS_LEN], payload[160];
    char *sig = NULL;
    enum dc_err err = sign_new_serial(serial);
    if (err != DC_OK)
        return err;
    snprintf(hours, sizeof hours, "%.2f",
             progress_class_hours(credited, camp->rules.class_hour_seconds));
    campaign_format_time(campaign_now(), issued);
    cert_signed_payload(serial, camp->id, acct->id, credited, issued, payload, sizeof payload);
    err = sign_message(signing_key, payload, strlen(payload), &sig);
    if (err != DC_OK)
        return err;
    struct dc_certificate c = {.serial = serial,
                               .campaign_id = camp->id,
                               .account_id = acct->id,
                               .holder_name = acct->display_name,
                               .class_hours = hours,
                               .credited_seconds = credited,
                               .issued_at = issued,
                               .signed_payload = payload,
                               .signature = sig};
    err = certificates_repo_insert(conn, &c, created, out);
    free(sig);
    return err;
}

/* Route: bearer. */
enum dc_err certificates_api_claim(struct dc_req *req)
{
    struct dc_campaign camp;
    struct dc_learner learner;
    struct dc_account acct;
    struct dc_certificate cert;
    bool created = false;
    if (!signing_key)
        return DC_ERR_INTERNAL;
    enum dc_err err = api_campaign_gate(req->db, ACT_CERTIFICATE, &camp);
    if (err == DC_OK)
        err = certificates_repo_get_by_account(req->db, camp.id, req->auth.account_id, &cert);
    if (err == DC_OK)
        return dc_reply_json(req, 200, certificate_json(req->arena, &cert));
    if (err != DC_ERR_NOT_FOUND)
        return err;
    err = learners_repo_get(req->db, req->auth.account_id, &learner);
    if (err == DC_OK)
        err = accounts_repo_get(req->db, req->auth.account_id, &acct);
    if (err != DC_OK)
        return err;
    struct progress_rules pr = {camp.rules.class_hour_seconds, camp.rules.required_class_hours,
                                camp.rules.require_checkin};
    if (!progress_eligible(&pr, learner.credited_seconds, learner.checkin_days))
        return dc_req_fail_extra(
            req, DC_ERR_NOT_ELIGIBLE,
            json_pack("{s:I, s:b}", "remaining_seconds",
                      (json_int_t)progress_remaining_seconds(&pr, learner.credited_seconds),
                      "needs_checkin", camp.rules.require_checkin && learner.checkin_days == 0));
    err = certificate_issue(req->db, &camp, &acct, learner.credited_seconds, &created, &cert);
    return err == DC_OK
               ? dc_reply_json(req, created ? 201 : 200, certificate_json(req->arena, &cert))
               : err;
}

/* Looks the :serial up (Crockford base32 reads the same in either case);
 * 404 when there is none. */
enum dc_err certificates_find(struct dc_req *req, struct dc_certificate *out)
{
    char *serial = arena_strdup(req->arena, dc_req_param(req, "serial"));
    if (!serial)
        return DC_ERR_NOMEM;
    for (char *p = serial; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return sign_serial_well_formed(serial) ? certificates_repo_get(req->db, serial, out)
                                           : DC_ERR_NOT_FOUND;
}

/* Route: anyone, read replica. */
enum dc_err certificates_api_get(struct dc_req *req)
{
    struct dc_certificate c;
    enum dc_err err = certificates_find(req, &c);
    if (err != DC_OK)
        return err;
    char masked[DC_NAME_MAX + 8];
    cert_mask_name(c.holder_name, masked, sizeof masked);
    return dc_reply_json(req, 200,
                         json_pack("{s:s, s:s, s:f, s:s, s:s, s:b, s:o, s:o, s:s, s:s}", "serial",
                                   c.serial, "holder_name_masked", masked, "class_hours",
                                   strtod(c.class_hours, NULL), "issued_at", c.issued_at,
                                   "campaign_name", c.campaign_name, "valid", c.revoked_at == NULL,
                                   "revoked_at", api_string_or_null(c.revoked_at), "revoke_reason",
                                   api_string_or_null(c.revoked_at ? c.revoke_reason : NULL),
                                   "signed_payload", c.signed_payload, "signature", c.signature));
}

/* The Beijing calendar day of an RFC 3339 time, "YYYY-MM-DD", into day. */
static void beijing_date(const char *rfc3339, char day[11])
{
    double t = 0;
    campaign_parse_time(rfc3339, &t);
    progress_day_string(progress_beijing_day((time_t)t), day);
}

char *certificates_svg(struct dc_req *req, const struct dc_certificate *c)
{
    char date[11];
    beijing_date(c->issued_at, date); /* the printed date is the Beijing day of issue */
    struct cert_svg s = {.holder_name = c->holder_name,
                         .class_hours = c->class_hours,
                         .issued_date = date,
                         .serial = c->serial,
                         .verify_url = verify_url(req->arena, c->serial),
                         .campaign_name = c->campaign_name,
                         .issuer = c->issuer,
                         .revoked = c->revoked_at != NULL};
    return s.verify_url ? cert_render_svg(&s) : NULL;
}

/* Route: anyone, read replica. */
enum dc_err certificates_api_svg(struct dc_req *req)
{
    struct dc_certificate c;
    enum dc_err err = certificates_find(req, &c);
    if (err != DC_OK)
        return err;
    char *doc = certificates_svg(req, &c);
    if (!doc)
        return DC_ERR_NOMEM;
    err = dc_reply_text(req, 200, "image/svg+xml; charset=utf-8", doc, strlen(doc));
    /* the image is inert: no scripts, no fetches, no sniffing */
    dc_reply_header(req, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'");
    dc_reply_header(req, "X-Content-Type-Options", "nosniff");
    return err;
}

/* The verification page of c, in the reader's words (malloc'ed). */
static char *page_html(const struct dc_certificate *c)
{
    char masked[DC_NAME_MAX + 8], issued[11], revoked[11] = "";
    cert_mask_name(c->holder_name, masked, sizeof masked);
    beijing_date(c->issued_at, issued);
    if (c->revoked_at)
        beijing_date(c->revoked_at, revoked);
    struct cert_page page = {.campaign_name = c->campaign_name,
                             .issuer = c->issuer,
                             .holder_masked = masked,
                             .class_hours = c->class_hours,
                             .issued_date = issued,
                             .serial = c->serial,
                             .revoked_date = c->revoked_at ? revoked : NULL,
                             .revoke_reason = c->revoked_at ? c->revoke_reason : NULL};
    return cert_render_page(&page);
}

/*
 * Route: anyone, read replica. The page verify_url opens: HTML for
 * people, with no scripts and nothing fetched; an unknown serial is a 404
 * page in the same words (after a look on the primary: a certificate
 * claimed a moment ago may not be on the replica yet).
 */
enum dc_err certificates_api_page(struct dc_req *req)
{
    struct dc_certificate c;
    enum dc_err err = certificates_find(req, &c);
    if (err == DC_ERR_NOT_FOUND && db_conn_is_replica(req->db))
        return err; /* the dispatcher asks the primary */
    if (err != DC_OK && err != DC_ERR_NOT_FOUND)
        return err;
    char *html = err == DC_OK ? page_html(&c) : cert_render_page(NULL);
    if (!html)
        return DC_ERR_NOMEM;
    err = dc_reply_text(req, err == DC_OK ? 200 : 404, "text/html; charset=utf-8", html,
                        strlen(html));
    dc_reply_header(req, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                    "form-action 'none'; frame-ancestors 'none'");
    dc_reply_header(req, "X-Content-Type-Options", "nosniff");
    dc_reply_header(req, "Cache-Control", "no-cache");
    return err;
}

/* Route: anyone. */
enum dc_err certificates_api_public_key(struct dc_req *req)
{
    char *pem = NULL;
    enum dc_err err = signing_key ? sign_public_pem(signing_key, &pem) : DC_ERR_INTERNAL;
    return err == DC_OK ? dc_reply_text(req, 200, "application/x-pem-file", pem, strlen(pem)) : err;
}

/* Route: admin, JSON body. */
enum dc_err certificates_api_revoke(struct dc_req *req)
{
    const char *reason, *serial = dc_req_param(req, "serial");
    struct dc_certificate c;
    if (validate_string(req->json, "reason", true, 1, DC_REASON_MAX_CHARS, true, &reason) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "reason", "reason must be 1-500 characters");
    enum dc_err err = sign_serial_well_formed(serial) ? db_begin(req->db) : DC_ERR_NOT_FOUND;
    if (err == DC_OK)
        err = certificates_repo_revoke(req->db, serial, reason, &c);
    const char *target = arena_printf(req->arena, "certificate:%s", serial);
    if (err == DC_OK)
        err = target ? api_audit(req, "certificate.revoke", target,
                                 json_pack("{s:s}", "reason", reason))
                     : DC_ERR_NOMEM;
    if (err == DC_OK)
        err = db_commit(req->db);
    return err == DC_OK ? dc_reply_json(req, 200, certificate_json(req->arena, &c)) : err;
}
