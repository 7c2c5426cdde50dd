/*
 * sessions_repo.c - SQL for bearer sessions, keyed by the hex SHA-256 of
 * the token (the token itself is never stored).
 */
#include "drillcamp/accounts.h"

static const struct db_stmt INSERT = {
    "sessions_insert",
    "INSERT INTO sessions (token_hash, account_id, expires_at)"
    " VALUES ($1, $2, now() + make_interval(days => $3::int)) RETURNING " DB_TS("expires_at"),
    3};

static const struct db_stmt LOOKUP = {
    "sessions_lookup",
    "SELECT s.account_id, a.role, s.token_hash FROM sessions s JOIN accounts a"
    " ON a.id = s.account_id WHERE s.token_hash = $1 AND s.expires_at > now()",
    1};

static const struct db_stmt DELETE = {"sessions_delete",
                                      "DELETE FROM sessions WHERE token_hash = $1", 1};

static const struct db_stmt DELETE_OTHERS = {
    "sessions_delete_others", "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2", 2};

static void session_from_row(const PGresult *r, int row, void *item)
{
    struct dc_session *s = item;
    s->account_id = db_i64(r, row, 0);
    s->role = db_text(r, row, 1);
    s->token_hash = db_text(r, row, 2);
}

enum dc_err sessions_repo_insert(struct db_conn *c, const char *token_hash, int64_t account_id,
                                 unsigned ttl_days, const char **expires_at)
{
    const char *p[] = {token_hash, db_arg_i64(c, account_id), db_arg_i64(c, ttl_days)};
    return db_query_one(c, &INSERT, p, db_row_text, expires_at);
}

enum dc_err sessions_repo_lookup(struct db_conn *c, const char *token_hash, struct dc_session *out)
{
    const char *p[] = {token_hash};
    enum dc_err err = db_query_one(c, &LOOKUP, p, session_from_row, out);
    return err == DC_ERR_NOT_FOUND ? DC_ERR_UNAUTHORIZED : err;
}

enum dc_err sessions_repo_delete(struct db_conn *c, const char *token_hash)
{
    const char *p[] = {token_hash};
    return db_exec_void(c, &DELETE, p);
}

enum dc_err sessions_repo_delete_others(struct db_conn *c, int64_t account_id,
                                        const char *keep_hash)
{
    const char *p[] = {db_arg_i64(c, account_id), keep_hash};
    return db_exec_void(c, &DELETE_OTHERS, p);
}
