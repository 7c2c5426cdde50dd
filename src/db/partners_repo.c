/*
 * partners_repo.c - SQL for partner platforms, their linked users, and the
 * audit list.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/accounts.h"
#include "drillcamp/contest.h"

#define TS(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const struct db_stmt INSERT = {
    "partners_insert",
    "INSERT INTO partners (name, key_id, secret_enc) VALUES ($1, $2, $3)"
    " RETURNING id, name, key_id, secret_enc, " TS("created_at"),
    3};

static const struct db_stmt BY_KEY = {
    "partners_by_key",
    "SELECT id, name, key_id, secret_enc, " TS("created_at") " FROM partners WHERE key_id = $1", 1};

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

static const struct db_stmt AUDIT_LIST = {
    "audit_list",
    "SELECT id, actor_id, action, target, details::text, " TS(
        "at") " FROM audit_log"
              " WHERE $1::bigint = 0 OR id < $1 ORDER BY id DESC LIMIT $2::int",
    2};

/* see migration 0007: rows of transactions older than every running one,
 * each with its submission's newest settled state (the latest value wins) */
static const struct db_stmt CHANGES_PAGE = {
    "partner_changes_page",
    "WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x),"
    " page AS (SELECT c.tx, c.seq, c.submission_id FROM partner_changes c, horizon h"
    " WHERE c.partner_id = $1 AND (c.tx, c.seq) > ($2::text::xid8, $3::bigint) AND c.tx < h.x"
    " ORDER BY c.tx, c.seq LIMIT $4::int)"
    " SELECT p.tx::text, p.seq, p.submission_id, s.external_id, l.status, l.reject_reason,"
    " l.recommended, l.like_count, " TS("l.changed_at") " FROM page p"
    " JOIN submissions s ON s.id = p.submission_id"
    " CROSS JOIN LATERAL (SELECT c2.status, c2.reject_reason, c2.recommended, c2.like_count,"
    " c2.changed_at FROM partner_changes c2, horizon h WHERE c2.submission_id = p.submission_id"
    " AND c2.tx < h.x ORDER BY c2.seq DESC LIMIT 1) l"
    " ORDER BY p.tx, p.seq",
    4};

static void partner_from_row(const PGresult *r, int i, void *item)
{
    struct dc_partner *p = item;
    p->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    snprintf(p->name, sizeof p->name, "%s", PQgetvalue(r, i, 1));
    snprintf(p->key_id, sizeof p->key_id, "%s", PQgetvalue(r, i, 2));
    snprintf(p->secret_enc, sizeof p->secret_enc, "%s", PQgetvalue(r, i, 3));
    snprintf(p->created_at, sizeof p->created_at, "%s", PQgetvalue(r, i, 4));
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

enum dc_err partner_users_repo_link(struct db_conn *c, int64_t partner_id,
                                    const char *external_user_id, const struct dc_account_new *in,
                                    struct dc_account *out, bool *created)
{
    const char *p1[] = {in->phone, in->display_name, in->region_code, in->audience};
    PGresult *r;
    enum dc_err err = db_exec(c, &ACCOUNT_FOR_PHONE, p1, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return DC_ERR_CONFLICT; /* the phone's account was made concurrently: retry */
    }
    int64_t account_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    *created = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    PQclear(r);
    char pid[24], aid[24];
    snprintf(pid, sizeof pid, "%" PRId64, partner_id);
    snprintf(aid, sizeof aid, "%" PRId64, account_id);
    const char *p2[] = {pid, external_user_id, aid};
    err = db_exec_void(c, &LINK, p2);
    return err == DC_OK ? accounts_repo_get(c, account_id, out) : err;
}

static void audit_from_row(const PGresult *r, int i, void *item)
{
    struct dc_audit_entry *a = item;
    a->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    a->actor_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    snprintf(a->action, sizeof a->action, "%s", PQgetvalue(r, i, 2));
    snprintf(a->target, sizeof a->target, "%s", PQgetvalue(r, i, 3));
    snprintf(a->details, sizeof a->details, "%s", PQgetvalue(r, i, 4));
    snprintf(a->at, sizeof a->at, "%s", PQgetvalue(r, i, 5));
}

enum dc_err audit_repo_list(struct db_conn *c, int64_t before_id, int limit,
                            struct dc_audit_entry **out, size_t *n)
{
    char before[24], lim[16];
    snprintf(before, sizeof before, "%" PRId64, before_id);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {before, lim};
    return db_query_list(c, &AUDIT_LIST, p, sizeof **out, audit_from_row, (void **)out, n);
}

enum dc_err partner_users_repo_account(struct db_conn *c, int64_t partner_id,
                                       const char *external_user_id, int64_t *account_id)
{
    char pid[24];
    snprintf(pid, sizeof pid, "%" PRId64, partner_id);
    const char *p[] = {pid, external_user_id};
    PGresult *r;
    enum dc_err err = db_exec(c, &LINKED, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0)
        err = DC_ERR_NOT_FOUND;
    else
        *account_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return err;
}

static void change_from_row(const PGresult *r, int i, void *item)
{
    struct dc_partner_change *c = item;
    c->tx = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    c->seq = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    c->submission_id = strtoll(PQgetvalue(r, i, 2), NULL, 10);
    snprintf(c->external_id, sizeof c->external_id, "%s", PQgetvalue(r, i, 3));
    snprintf(c->status, sizeof c->status, "%s", PQgetvalue(r, i, 4));
    c->has_reject_reason = !PQgetisnull(r, i, 5);
    snprintf(c->reject_reason, sizeof c->reject_reason, "%s", PQgetvalue(r, i, 5));
    c->recommended = strcmp(PQgetvalue(r, i, 6), "t") == 0;
    c->like_count = strtoll(PQgetvalue(r, i, 7), NULL, 10);
    snprintf(c->changed_at, sizeof c->changed_at, "%s", PQgetvalue(r, i, 8));
}

enum dc_err partner_changes_repo_page(struct db_conn *c, int64_t partner_id, int64_t after_tx,
                                      int64_t after_seq, int limit, struct dc_partner_change **out,
                                      size_t *n)
{
    char pid[24], tx[24], seq[24], lim[16];
    snprintf(pid, sizeof pid, "%" PRId64, partner_id);
    snprintf(tx, sizeof tx, "%" PRId64, after_tx);
    snprintf(seq, sizeof seq, "%" PRId64, after_seq);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {pid, tx, seq, lim};
    return db_query_list(c, &CHANGES_PAGE, p, sizeof **out, change_from_row, (void **)out, n);
}
