/*
 * organizations_repo.c - SQL for organizations (enterprises, schools,
 * communities) that official accounts belong to.
 */
#include "drillcamp/regions.h"

#define ORG_COLS "id, name, type, region_code, " DB_TS("created_at")

static const struct db_stmt INSERT = {
    "organizations_insert",
    "INSERT INTO organizations (name, type, region_code) VALUES ($1, $2, $3) RETURNING " ORG_COLS,
    3};

static const struct db_stmt LIST = {
    "organizations_list",
    "SELECT " ORG_COLS " FROM organizations WHERE id > $1::bigint"
    " AND ($2::text IS NULL OR region_code = $2) AND ($3::text IS NULL OR type = $3)"
    " ORDER BY id LIMIT $4::int",
    4};

static void org_from_row(const PGresult *r, int i, void *item)
{
    struct dc_organization *o = item;
    o->id = db_i64(r, i, 0);
    o->name = db_text(r, i, 1);
    o->type = db_text(r, i, 2);
    o->region_code = db_text(r, i, 3);
    o->created_at = db_text(r, i, 4);
}

enum dc_err organizations_repo_insert(struct db_conn *c, const char *name, const char *type,
                                      const char *region_code, struct dc_organization *out)
{
    const char *p[] = {name, type, region_code};
    return db_query_one(c, &INSERT, p, org_from_row, out);
}

enum dc_err organizations_repo_list(struct db_conn *c, const char *region_code, const char *type,
                                    int64_t after_id, int limit, struct dc_organization **out,
                                    size_t *n)
{
    const char *p[] = {db_arg_i64(c, after_id), region_code, type, db_arg_i64(c, limit)};
    return db_query_list(c, &LIST, p, sizeof **out, org_from_row, (void **)out, n);
}
