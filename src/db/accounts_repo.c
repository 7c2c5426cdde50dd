/*
 * accounts_repo.c - SQL for accounts, sessions and audit entries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/accounts.h"

#define ACCOUNT_COLS                                                                               \
    "id, phone, display_name, kind, role, region_code, coalesce(organization_id, 0), audience, "   \
    "to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const struct db_stmt CHECK_REFS = {
    "accounts_check_refs",
    "SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1),"
    " $2::bigint = 0 OR EXISTS (SELECT 1 FROM organizations WHERE id = $2::bigint)",
    2};

static const struct db_stmt PHONE_EXISTS = {
    "accounts_phone_exists", "SELECT EXISTS (SELECT 1 FROM accounts WHERE phone = $1)", 1};

static const struct db_stmt INSERT = {
    "accounts_insert",
    "INSERT INTO accounts (phone, password_hash, display_name, kind, role, region_code,"
    " organization_id, audience) VALUES ($1, $2, $3, $4, $5, $6, nullif($7::bigint, 0), $8)"
    " ON CONFLICT (phone) DO NOTHING RETURNING " ACCOUNT_COLS,
    8};

static const struct db_stmt GET = {"accounts_get",
                                   "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = $1", 1};

static const struct db_stmt GET_BY_PHONE = {
    "accounts_get_by_phone",
    "SELECT " ACCOUNT_COLS ", password_hash FROM accounts WHERE phone = $1", 1};

static const struct db_stmt GET_HASH = {"accounts_get_hash",
                                        "SELECT password_hash FROM accounts WHERE id = $1", 1};

static const struct db_stmt UPDATE = {
    "accounts_update",
    "UPDATE accounts SET display_name = coalesce($2, display_name),"
    " region_code = coalesce($3, region_code),"
    " organization_id = CASE WHEN $4::boolean THEN nullif($5::bigint, 0) ELSE organization_id END,"
    " audience = coalesce($6, audience), password_hash = coalesce($7, password_hash),"
    " updated_at = now() WHERE id = $1 RETURNING " ACCOUNT_COLS,
    7};

static const struct db_stmt SET_ROLE = {
    "accounts_set_role",
    "UPDATE accounts SET role = $2, updated_at = now() WHERE id = $1 RETURNING " ACCOUNT_COLS, 2};

static const struct db_stmt UPSERT_ADMIN = {
    "accounts_upsert_admin",
    "INSERT INTO accounts (phone, password_hash, display_name, kind, role, region_code,"
    " organization_id, audience) VALUES ($1, $2, $3, $4, 'admin', $5, NULL, $6)"
    " ON CONFLICT (phone) DO UPDATE SET role = 'admin', password_hash = excluded.password_hash,"
    " updated_at = now() RETURNING " ACCOUNT_COLS ", (xmax = 0)",
    6};

static const struct db_stmt SESSION_INSERT = {
    "sessions_insert",
    "INSERT INTO sessions (token_hash, account_id, expires_at)"
    " VALUES ($1, $2, now() + make_interval(days => $3::int))"
    " RETURNING to_char(expires_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
    3};

static const struct db_stmt SESSION_LOOKUP = {
    "sessions_lookup",
    "SELECT s.account_id, a.role, s.token_hash FROM sessions s JOIN accounts a"
    " ON a.id = s.account_id WHERE s.token_hash = $1 AND s.expires_at > now()",
    1};

static const struct db_stmt SESSION_DELETE = {"sessions_delete",
                                              "DELETE FROM sessions WHERE token_hash = $1", 1};

static const struct db_stmt SESSION_DELETE_OTHERS = {
    "sessions_delete_others", "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2", 2};

static const struct db_stmt AUDIT_INSERT = {
    "audit_insert",
    "INSERT INTO audit_log (actor_id, action, target, details) VALUES ($1, $2, $3, $4::jsonb)", 4};

/* Copies a column into a fixed buffer, always terminated. */
static void col(const PGresult *r, int row, int c, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", PQgetvalue(r, row, c));
}

static void account_from_row(const PGresult *r, int row, struct dc_account *a)
{
    a->id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    col(r, row, 1, a->phone, sizeof a->phone);
    col(r, row, 2, a->display_name, sizeof a->display_name);
    col(r, row, 3, a->kind, sizeof a->kind);
    col(r, row, 4, a->role, sizeof a->role);
    col(r, row, 5, a->region_code, sizeof a->region_code);
    a->organization_id = strtoll(PQgetvalue(r, row, 6), NULL, 10);
    col(r, row, 7, a->audience, sizeof a->audience);
    col(r, row, 8, a->created_at, sizeof a->created_at);
}

enum dc_err accounts_repo_check_refs(struct db_conn *c, const char *region_code,
                                     int64_t organization_id, bool *region_ok, bool *org_ok)
{
    char org[24];
    snprintf(org, sizeof org, "%" PRId64, organization_id);
    const char *p[] = {region_code, org};
    PGresult *r;
    enum dc_err err = db_exec(c, &CHECK_REFS, p, &r, NULL);
    if (err != DC_OK)
        return err;
    *region_ok = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    *org_ok = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    PQclear(r);
    return DC_OK;
}

enum dc_err accounts_repo_phone_exists(struct db_conn *c, const char *phone, bool *exists)
{
    const char *p[] = {phone};
    PGresult *r;
    enum dc_err err = db_exec(c, &PHONE_EXISTS, p, &r, NULL);
    if (err != DC_OK)
        return err;
    *exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return DC_OK;
}

enum dc_err accounts_repo_insert(struct db_conn *c, const struct dc_account_new *in,
                                 struct dc_account *out)
{
    char org[24];
    snprintf(org, sizeof org, "%" PRId64, in->organization_id);
    const char *p[] = {in->phone, in->password_hash, in->display_name,
                       in->kind,  in->role,          in->region_code,
                       org,       in->audience};
    PGresult *r;
    enum dc_err err = db_exec(c, &INSERT, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0)
        err = DC_ERR_PHONE_TAKEN;
    else
        account_from_row(r, 0, out);
    PQclear(r);
    return err;
}

/* Runs a one-row-or-none account query. */
static enum dc_err get_one(struct db_conn *c, const struct db_stmt *s, const char *const *p,
                           struct dc_account *out, char **hash)
{
    PGresult *r;
    enum dc_err err = db_exec(c, s, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return DC_ERR_NOT_FOUND;
    }
    account_from_row(r, 0, out);
    if (hash) {
        *hash = strdup(PQgetvalue(r, 0, 9));
        if (!*hash)
            err = DC_ERR_NOMEM;
    }
    PQclear(r);
    return err;
}

enum dc_err accounts_repo_get(struct db_conn *c, int64_t id, struct dc_account *out)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids};
    return get_one(c, &GET, p, out, NULL);
}

enum dc_err accounts_repo_get_by_phone(struct db_conn *c, const char *phone, struct dc_account *out,
                                       char **hash)
{
    const char *p[] = {phone};
    return get_one(c, &GET_BY_PHONE, p, out, hash);
}

enum dc_err accounts_repo_get_hash(struct db_conn *c, int64_t id, char **hash)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids};
    PGresult *r;
    enum dc_err err = db_exec(c, &GET_HASH, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0)
        err = DC_ERR_NOT_FOUND;
    else if (!(*hash = strdup(PQgetvalue(r, 0, 0))))
        err = DC_ERR_NOMEM;
    PQclear(r);
    return err;
}

enum dc_err accounts_repo_update(struct db_conn *c, int64_t id, const struct dc_account_patch *pt,
                                 struct dc_account *out)
{
    char ids[24], org[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    snprintf(org, sizeof org, "%" PRId64, pt->organization_id);
    const char *p[] = {
        ids, pt->display_name, pt->region_code,  pt->set_organization ? "true" : "false",
        org, pt->audience,     pt->password_hash};
    return get_one(c, &UPDATE, p, out, NULL);
}

enum dc_err accounts_repo_set_role(struct db_conn *c, int64_t id, const char *role,
                                   struct dc_account *out)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids, role};
    return get_one(c, &SET_ROLE, p, out, NULL);
}

enum dc_err accounts_repo_upsert_admin(struct db_conn *c, const struct dc_account_new *in,
                                       bool *created, struct dc_account *out)
{
    const char *p[] = {in->phone, in->password_hash, in->display_name,
                       in->kind,  in->region_code,   in->audience};
    PGresult *r;
    enum dc_err err = db_exec(c, &UPSERT_ADMIN, p, &r, NULL);
    if (err != DC_OK)
        return err;
    account_from_row(r, 0, out);
    *created = strcmp(PQgetvalue(r, 0, 9), "t") == 0;
    PQclear(r);
    return DC_OK;
}

enum dc_err sessions_repo_insert(struct db_conn *c, const char *token_hash, int64_t account_id,
                                 unsigned ttl_days, char *expires_at, size_t cap)
{
    char ids[24], days[16];
    snprintf(ids, sizeof ids, "%" PRId64, account_id);
    snprintf(days, sizeof days, "%u", ttl_days);
    const char *p[] = {token_hash, ids, days};
    PGresult *r;
    enum dc_err err = db_exec(c, &SESSION_INSERT, p, &r, NULL);
    if (err != DC_OK)
        return err;
    snprintf(expires_at, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return DC_OK;
}

enum dc_err sessions_repo_lookup(struct db_conn *c, const char *token_hash, int64_t *account_id,
                                 char *role, size_t role_cap, char *stored_hash)
{
    const char *p[] = {token_hash};
    PGresult *r;
    enum dc_err err = db_exec(c, &SESSION_LOOKUP, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return DC_ERR_UNAUTHORIZED;
    }
    *account_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(role, role_cap, "%s", PQgetvalue(r, 0, 1));
    snprintf(stored_hash, 65, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    return DC_OK;
}

/* Runs a statement whose result carries nothing back. */
static enum dc_err exec_void(struct db_conn *c, const struct db_stmt *s, const char *const *p)
{
    PGresult *r;
    enum dc_err err = db_exec(c, s, p, &r, NULL);
    PQclear(r);
    return err;
}

enum dc_err sessions_repo_delete(struct db_conn *c, const char *token_hash)
{
    const char *p[] = {token_hash};
    return exec_void(c, &SESSION_DELETE, p);
}

enum dc_err sessions_repo_delete_others(struct db_conn *c, int64_t account_id,
                                        const char *keep_hash)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, account_id);
    const char *p[] = {ids, keep_hash};
    return exec_void(c, &SESSION_DELETE_OTHERS, p);
}

enum dc_err audit_repo_insert(struct db_conn *c, int64_t actor_id, const char *action,
                              const char *target, const char *details_json)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, actor_id);
    const char *p[] = {ids, action, target, details_json ? details_json : "{}"};
    return exec_void(c, &AUDIT_INSERT, p);
}
