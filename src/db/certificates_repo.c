/*
 * certificates_repo.c - SQL for completion certificates. One certificate
 * per account and campaign: concurrent claims meet at the unique key, the
 * loser reads the winner's row.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/learning.h"

#define TS(col) "coalesce(to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
#define CERT_COLS                                                                                  \
    "c.serial, c.campaign_id, c.account_id, c.holder_name, c.class_hours::text,"                   \
    " c.credited_seconds, " TS("c.issued_at") ", c.signed_payload, c.signature, " TS(              \
        "c.revoked_at") ", coalesce(c.revoke_reason, ''), k.name"

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

static void from_row(const PGresult *r, int i, void *item)
{
    struct dc_certificate *c = item;
    snprintf(c->serial, sizeof c->serial, "%s", PQgetvalue(r, i, 0));
    c->campaign_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    c->account_id = strtoll(PQgetvalue(r, i, 2), NULL, 10);
    snprintf(c->holder_name, sizeof c->holder_name, "%s", PQgetvalue(r, i, 3));
    snprintf(c->class_hours, sizeof c->class_hours, "%s", PQgetvalue(r, i, 4));
    c->credited_seconds = strtoll(PQgetvalue(r, i, 5), NULL, 10);
    snprintf(c->issued_at, sizeof c->issued_at, "%s", PQgetvalue(r, i, 6));
    snprintf(c->signed_payload, sizeof c->signed_payload, "%s", PQgetvalue(r, i, 7));
    snprintf(c->signature, sizeof c->signature, "%s", PQgetvalue(r, i, 8));
    snprintf(c->revoked_at, sizeof c->revoked_at, "%s", PQgetvalue(r, i, 9));
    snprintf(c->revoke_reason, sizeof c->revoke_reason, "%s", PQgetvalue(r, i, 10));
    snprintf(c->campaign_name, sizeof c->campaign_name, "%s", PQgetvalue(r, i, 11));
}

enum dc_err certificates_repo_insert(struct db_conn *c, const struct dc_certificate *in,
                                     bool *created, struct dc_certificate *out)
{
    char camp[24], acct[24], secs[24];
    snprintf(camp, sizeof camp, "%" PRId64, in->campaign_id);
    snprintf(acct, sizeof acct, "%" PRId64, in->account_id);
    snprintf(secs, sizeof secs, "%" PRId64, in->credited_seconds);
    const char *p[] = {in->serial,      camp, acct,          in->holder_name,
                       in->class_hours, secs, in->issued_at, in->signed_payload,
                       in->signature};
    enum dc_err err = db_query_one(c, &INSERT, p, from_row, out);
    *created = err == DC_OK;
    if (err == DC_ERR_NOT_FOUND)
        err = certificates_repo_get_by_account(c, in->campaign_id, in->account_id, out);
    return err;
}

enum dc_err certificates_repo_get(struct db_conn *c, const char *serial, struct dc_certificate *out)
{
    const char *p[] = {serial};
    return db_query_one(c, &GET, p, from_row, out);
}

enum dc_err certificates_repo_get_by_account(struct db_conn *c, int64_t campaign_id,
                                             int64_t account_id, struct dc_certificate *out)
{
    char camp[24], acct[24];
    snprintf(camp, sizeof camp, "%" PRId64, campaign_id);
    snprintf(acct, sizeof acct, "%" PRId64, account_id);
    const char *p[] = {camp, acct};
    return db_query_one(c, &GET_BY_ACCOUNT, p, from_row, out);
}

enum dc_err certificates_repo_revoke(struct db_conn *c, const char *serial, const char *reason,
                                     struct dc_certificate *out)
{
    const char *p[] = {serial, reason};
    PGresult *r;
    enum dc_err err = db_exec(c, &REVOKE, p, &r, NULL);
    if (err != DC_OK)
        return err;
    bool found = PQntuples(r) == 1;
    PQclear(r);
    return found ? certificates_repo_get(c, serial, out) : DC_ERR_NOT_FOUND;
}
