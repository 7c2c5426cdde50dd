/*
 * partner_users_repo.c - SQL for a partner's users linked to accounts:
 * linking (the account made when the phone is new) and resolving a
 * partner's external_user_id.
 */
#include "drillcamp/accounts.h"

/* a partner-made account cannot log in until a password is set: its hash
 * is not one password_verify accepts */
static const struct db_stmt ACCOUNT_FOR_PHONE = {
    "partner_users_account",
    "WITH ins AS (INSERT INTO accounts (phone, password_hash, display_name, kind, role,"
    " region_code, audience) VALUES ($1, 'partner-linked', $2, 'individual', 'user', $3, $4)"
    " ON CONFLICT (phone) DO NOTHING RETURNING id)"
    " SELECT id, true FROM ins UNION ALL SELECT id, false FROM accounts WHERE phone = $1"
    " AND NOT EXISTS (SELECT 1 FROM ins)",
    4};

static const struct db_stmt LINK = {
    "partner_users_link",
    "INSERT INTO partner_users (partner_id, external_user_id, account_id) VALUES ($1, $2, $3)"
    " ON CONFLICT (partner_id, external_user_id) DO UPDATE SET account_id = excluded.account_id",
    3};

static const struct db_stmt LINKED = {
    "partner_users_linked",
    "SELECT account_id FROM partner_users WHERE partner_id = $1 AND external_user_id = $2", 2};

/* The account of a phone and whether this statement made it. */
struct phone_account {
    int64_t id;
    bool created;
};

static void phone_account_from_row(const PGresult *r, int i, void *item)
{
    struct phone_account *a = item;
    a->id = db_i64(r, i, 0);
    a->created = db_bool(r, i, 1);
}

enum dc_err partner_users_repo_link(struct db_conn *c, int64_t partner_id,
                                    const char *external_user_id, const struct dc_account_new *in,
                                    struct dc_account *out, bool *created)
{
    const char *p1[] = {in->phone, in->display_name, in->region_code, in->audience};
    struct phone_account a;
    enum dc_err err = db_query_one(c, &ACCOUNT_FOR_PHONE, p1, phone_account_from_row, &a);
    if (err == DC_ERR_NOT_FOUND)
        return DC_ERR_CONFLICT; /* the phone's account was made concurrently: retry */
    if (err != DC_OK)
        return err;
    *created = a.created;
    const char *p2[] = {db_arg_i64(c, partner_id), external_user_id, db_arg_i64(c, a.id)};
    err = db_exec_void(c, &LINK, p2);
    return err == DC_OK ? accounts_repo_get(c, a.id, out) : err;
}

enum dc_err partner_users_repo_account(struct db_conn *c, int64_t partner_id,
                                       const char *external_user_id, int64_t *account_id)
{
    const char *p[] = {db_arg_i64(c, partner_id), external_user_id};
    return db_query_one(c, &LINKED, p, db_row_i64, account_id);
}
