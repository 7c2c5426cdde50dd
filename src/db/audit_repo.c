/*
 * audit_repo.c - SQL for the audit trail of admin and moderator actions:
 * the insert every such action makes in its own transaction, and the list.
 */
#include "drillcamp/accounts.h"

static const struct db_stmt INSERT = {
    "audit_insert",
    "INSERT INTO audit_log (actor_id, action, target, details) VALUES ($1, $2, $3, $4::jsonb)", 4};

static const struct db_stmt LIST = {
    "audit_list",
    "SELECT id, actor_id, action, target, details::text, " DB_TS(
        "at") " FROM audit_log"
              " WHERE $1::bigint = 0 OR id < $1 ORDER BY id DESC LIMIT $2::int",
    2};

static void entry_from_row(const PGresult *r, int i, void *item)
{
    struct dc_audit_entry *a = item;
    a->id = db_i64(r, i, 0);
    a->actor_id = db_i64(r, i, 1);
    a->action = db_text(r, i, 2);
    a->target = db_text(r, i, 3);
    a->details = db_text(r, i, 4);
    a->at = db_text(r, i, 5);
}

enum dc_err audit_repo_insert(struct db_conn *c, int64_t actor_id, const char *action,
                              const char *target, const char *details_json)
{
    const char *p[] = {db_arg_i64(c, actor_id), action, target, details_json ? details_json : "{}"};
    return db_exec_void(c, &INSERT, p);
}

enum dc_err audit_repo_list(struct db_conn *c, int64_t before_id, int limit,
                            struct dc_audit_entry **out, size_t *n)
{
    const char *p[] = {db_arg_i64(c, before_id), db_arg_i64(c, limit)};
    return db_query_list(c, &LIST, p, sizeof **out, entry_from_row, (void **)out, n);
}
