/*
 * accounts_repo.c - SQL for accounts: registration, profile changes, roles,
 * and the admin made on the command line.
 */
#include "drillcamp/accounts.h"

#define ACCOUNT_COLS                                                                               \
    "id, phone, display_name, kind, role, region_code, coalesce(organization_id, 0), "             \
    "audience, " DB_TS("created_at")

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

static void account_from_row(const PGresult *r, int row, void *item)
{
    struct dc_account *a = item;
    a->id = db_i64(r, row, 0);
    a->phone = db_text(r, row, 1);
    a->display_name = db_text(r, row, 2);
    a->kind = db_text(r, row, 3);
    a->role = db_text(r, row, 4);
    a->region_code = db_text(r, row, 5);
    a->organization_id = db_i64(r, row, 6);
    a->audience = db_text(r, row, 7);
    a->created_at = db_text(r, row, 8);
}

/* An account and the one column after its own (the hash, or "created"). */
struct account_plus {
    struct dc_account account;
    const char *extra;
};

static void account_plus_from_row(const PGresult *r, int row, void *item)
{
    struct account_plus *a = item;
    account_from_row(r, row, &a->account);
    a->extra = db_text(r, row, 9);
}

/* The two booleans of CHECK_REFS. */
struct refs {
    bool region_ok, org_ok;
};

static void refs_from_row(const PGresult *r, int row, void *item)
{
    struct refs *x = item;
    x->region_ok = db_bool(r, row, 0);
    x->org_ok = db_bool(r, row, 1);
}

enum dc_err accounts_repo_check_refs(struct db_conn *c, const char *region_code,
                                     int64_t organization_id, bool *region_ok, bool *org_ok)
{
    const char *p[] = {region_code, db_arg_i64(c, organization_id)};
    struct refs x;
    enum dc_err err = db_query_one(c, &CHECK_REFS, p, refs_from_row, &x);
    if (err == DC_OK) {
        *region_ok = x.region_ok;
        *org_ok = x.org_ok;
    }
    return err;
}

enum dc_err accounts_repo_phone_exists(struct db_conn *c, const char *phone, bool *exists)
{
    const char *p[] = {phone};
    return db_query_one(c, &PHONE_EXISTS, p, db_row_bool, exists);
}

enum dc_err accounts_repo_insert(struct db_conn *c, const struct dc_account_new *in,
                                 struct dc_account *out)
{
    const char *p[] = {in->phone,
                       in->password_hash,
                       in->display_name,
                       in->kind,
                       in->role,
                       in->region_code,
                       db_arg_i64(c, in->organization_id),
                       in->audience};
    enum dc_err err = db_query_one(c, &INSERT, p, account_from_row, out);
    return err == DC_ERR_NOT_FOUND ? DC_ERR_PHONE_TAKEN : err;
}

enum dc_err accounts_repo_get(struct db_conn *c, int64_t id, struct dc_account *out)
{
    const char *p[] = {db_arg_i64(c, id)};
    return db_query_one(c, &GET, p, account_from_row, out);
}

enum dc_err accounts_repo_get_by_phone(struct db_conn *c, const char *phone, struct dc_account *out,
                                       const char **hash)
{
    const char *p[] = {phone};
    struct account_plus a;
    enum dc_err err = db_query_one(c, &GET_BY_PHONE, p, account_plus_from_row, &a);
    if (err == DC_OK) {
        *out = a.account;
        *hash = a.extra;
    }
    return err;
}

enum dc_err accounts_repo_get_hash(struct db_conn *c, int64_t id, const char **hash)
{
    const char *p[] = {db_arg_i64(c, id)};
    return db_query_one(c, &GET_HASH, p, db_row_text, hash);
}

enum dc_err accounts_repo_update(struct db_conn *c, int64_t id, const struct dc_account_patch *pt,
                                 struct dc_account *out)
{
    const char *p[] = {db_arg_i64(c, id),
                       pt->display_name,
                       pt->region_code,
                       db_arg_bool(pt->set_organization),
                       db_arg_i64(c, pt->organization_id),
                       pt->audience,
                       pt->password_hash};
    return db_query_one(c, &UPDATE, p, account_from_row, out);
}

enum dc_err accounts_repo_set_role(struct db_conn *c, int64_t id, const char *role,
                                   struct dc_account *out)
{
    const char *p[] = {db_arg_i64(c, id), role};
    return db_query_one(c, &SET_ROLE, p, account_from_row, out);
}

enum dc_err accounts_repo_upsert_admin(struct db_conn *c, const struct dc_account_new *in,
                                       bool *created, struct dc_account *out)
{
    const char *p[] = {in->phone, in->password_hash, in->display_name,
                       in->kind,  in->region_code,   in->audience};
    struct account_plus a;
    enum dc_err err = db_query_one(c, &UPSERT_ADMIN, p, account_plus_from_row, &a);
    if (err == DC_OK) {
        *out = a.account;
        *created = a.extra[0] == 't';
    }
    return err;
}
