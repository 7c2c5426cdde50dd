/*
 * partners_repo.c - SQL for partner platforms: creation (the secret stored
 * sealed) and lookup by key id for signed requests.
 */
#include "drillcamp/accounts.h"

#define PARTNER_COLS "id, name, key_id, secret_enc, " DB_TS("created_at")

static const struct db_stmt INSERT = {
    "partners_insert",
    "INSERT INTO partners (name, key_id, secret_enc) VALUES ($1, $2, $3) RETURNING " PARTNER_COLS,
    3};

static const struct db_stmt BY_KEY = {"partners_by_key",
                                      "SELECT " PARTNER_COLS " FROM partners WHERE key_id = $1", 1};

static void partner_from_row(const PGresult *r, int i, void *item)
{
    struct dc_partner *p = item;
    p->id = db_i64(r, i, 0);
    p->name = db_text(r, i, 1);
    p->key_id = db_text(r, i, 2);
    p->secret_enc = db_text(r, i, 3);
    p->created_at = db_text(r, i, 4);
}

enum dc_err partners_repo_insert(struct db_conn *c, const char *name, const char *key_id,
                                 const char *secret_enc, struct dc_partner *out)
{
    const char *p[] = {name, key_id, secret_enc};
    return db_query_one(c, &INSERT, p, partner_from_row, out);
}

enum dc_err partners_repo_by_key(struct db_conn *c, const char *key_id, struct dc_partner *out)
{
    const char *p[] = {key_id};
    return db_query_one(c, &BY_KEY, p, partner_from_row, out);
}
