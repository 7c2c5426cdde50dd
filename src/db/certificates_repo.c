/*
 * certificates_repo.c - SQL for completion certificates: issue, lookup,
 * revocation and the export page. One certificate per account and
 * campaign: concurrent claims meet at the unique key, the loser reads the
 * winner's row.
 */
#include "drillcamp/learning.h"

#define CERT_COLS                                                                                  \
    "c.serial, c.campaign_id, c.account_id, c.holder_name, c.class_hours::text,"                   \
    " c.credited_seconds, " DB_TS("c.issued_at") ", c.signed_payload, c.signature, " DB_TS(        \
        "c.revoked_at") ", c.revoke_reason, k.name, k.issuer"

static const struct db_stmt INSERT = {
    "certificates_insert",
    "WITH c AS (INSERT INTO certificates (serial, campaign_id, account_id, holder_name,"
    " class_hours, credited_seconds, issued_at, signed_payload, signature)"
    " VALUES ($1, $2, $3, $4, $5::numeric, $6, $7::timestamptz, $8, $9)"
    " ON CONFLICT (campaign_id, account_id) DO NOTHING RETURNING *)"
    " SELECT " CERT_COLS " FROM c JOIN campaigns k ON k.id = c.campaign_id",
    9};

static const struct db_stmt GET = {"certificates_get",
                                   "SELECT " CERT_COLS
                                   " FROM certificates c JOIN campaigns k ON k.id = c.campaign_id"
                                   " WHERE c.serial = $1",
                                   1};

static const struct db_stmt GET_BY_ACCOUNT = {
    "certificates_get_by_account",
    "SELECT " CERT_COLS " FROM certificates c JOIN campaigns k ON k.id = c.campaign_id"
    " WHERE c.campaign_id = $1 AND c.account_id = $2",
    2};

static const struct db_stmt REVOKE = {
    "certificates_revoke",
    "UPDATE certificates SET revoked_at = coalesce(revoked_at, now()), revoke_reason = $2"
    " WHERE serial = $1 RETURNING serial",
    2};

static const struct db_stmt EXPORT_PAGE = {
    "certificates_export_page",
    "SELECT c.serial, c.account_id, c.holder_name, a.region_code, c.class_hours::text,"
    " c.credited_seconds, " DB_TS("c.issued_at") ", " DB_TS(
        "c.revoked_at") " FROM certificates c JOIN accounts a ON a.id = c.account_id WHERE "
                        "c.serial > $1"
                        " ORDER BY c.serial LIMIT $2::int",
    2};

static void certificate_from_row(const PGresult *r, int i, void *item)
{
    struct dc_certificate *c = item;
    c->serial = db_text(r, i, 0);
    c->campaign_id = db_i64(r, i, 1);
    c->account_id = db_i64(r, i, 2);
    c->holder_name = db_text(r, i, 3);
    c->class_hours = db_text(r, i, 4);
    c->credited_seconds = db_i64(r, i, 5);
    c->issued_at = db_text(r, i, 6);
    c->signed_payload = db_text(r, i, 7);
    c->signature = db_text(r, i, 8);
    c->revoked_at = db_text_or_null(r, i, 9);
    c->revoke_reason = db_text_or_null(r, i, 10);
    c->campaign_name = db_text(r, i, 11);
    c->issuer = db_text(r, i, 12);
}

static void export_from_row(const PGresult *r, int i, void *item)
{
    struct dc_certificate_export *e = item;
    e->serial = db_text(r, i, 0);
    e->account_id = db_i64(r, i, 1);
    e->holder_name = db_text(r, i, 2);
    e->region_code = db_text(r, i, 3);
    e->class_hours = db_text(r, i, 4);
    e->credited_seconds = db_i64(r, i, 5);
    e->issued_at = db_text(r, i, 6);
    e->revoked_at = db_text_or_null(r, i, 7);
}

enum dc_err certificates_repo_insert(struct db_conn *c, const struct dc_certificate *in,
                                     bool *created, struct dc_certificate *out)
{
    const char *p[] = {in->serial,
                       db_arg_i64(c, in->campaign_id),
                       db_arg_i64(c, in->account_id),
                       in->holder_name,
                       in->class_hours,
                       db_arg_i64(c, in->credited_seconds),
                       in->issued_at,
                       in->signed_payload,
                       in->signature};
    enum dc_err err = db_query_one(c, &INSERT, p, certificate_from_row, out);
    *created = err == DC_OK;
    if (err == DC_ERR_NOT_FOUND)
        err = certificates_repo_get_by_account(c, in->campaign_id, in->account_id, out);
    return err;
}

enum dc_err certificates_repo_get(struct db_conn *c, const char *serial, struct dc_certificate *out)
{
    const char *p[] = {serial};
    return db_query_one(c, &GET, p, certificate_from_row, out);
}

enum dc_err certificates_repo_get_by_account(struct db_conn *c, int64_t campaign_id,
                                             int64_t account_id, struct dc_certificate *out)
{
    const char *p[] = {db_arg_i64(c, campaign_id), db_arg_i64(c, account_id)};
    return db_query_one(c, &GET_BY_ACCOUNT, p, certificate_from_row, out);
}

enum dc_err certificates_repo_revoke(struct db_conn *c, const char *serial, const char *reason,
                                     struct dc_certificate *out)
{
    const char *p[] = {serial, reason};
    const char *revoked = NULL;
    enum dc_err err = db_query_one(c, &REVOKE, p, db_row_text, &revoked);
    return err == DC_OK ? certificates_repo_get(c, serial, out) : err;
}

enum dc_err certificates_repo_export_page(struct db_conn *c, const char *after, int limit,
                                          struct dc_certificate_export **out, size_t *n)
{
    const char *p[] = {after, db_arg_i64(c, limit)};
    return db_query_list(c, &EXPORT_PAGE, p, sizeof **out, export_from_row, (void **)out, n);
}
