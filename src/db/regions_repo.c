/*
 * regions_repo.c - SQL for regions and organizations.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/regions.h"

static const struct db_stmt CHILDREN = {
    "regions_children",
    "SELECT code, name, level, coalesce(parent, ''), 1 FROM regions"
    " WHERE parent IS NOT DISTINCT FROM $1 "
    "UNION ALL SELECT '', '', '', '', 0 WHERE $1 IS NULL OR EXISTS"
    " (SELECT 1 FROM regions WHERE code = $1) ORDER BY 5, 1",
    1};

static const struct db_stmt ORG_INSERT = {
    "organizations_insert",
    "INSERT INTO organizations (name, type, region_code) VALUES ($1, $2, $3)"
    " RETURNING id, name, type, region_code,"
    " to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
    3};

static const struct db_stmt ORG_LIST = {
    "organizations_list",
    "SELECT id, name, type, region_code, to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM organizations WHERE id > $1::bigint"
    " AND ($2::text IS NULL OR region_code = $2) AND ($3::text IS NULL OR type = $3)"
    " ORDER BY id LIMIT $4::int",
    4};

enum dc_err regions_repo_children(struct db_conn *c, const char *parent, struct dc_region **out,
                                  size_t *n, bool *found)
{
    const char *p[] = {parent};
    PGresult *r;
    *out = NULL;
    *n = 0;
    enum dc_err err = db_exec(c, &CHILDREN, p, &r, NULL);
    if (err != DC_OK)
        return err;
    /* the marker row (column 5 = 0) says the parent exists; it sorts first */
    int rows = PQntuples(r);
    *found = rows > 0 && strcmp(PQgetvalue(r, 0, 4), "0") == 0;
    struct dc_region *items = calloc(rows > 0 ? (size_t)rows : 1, sizeof *items);
    if (!items) {
        PQclear(r);
        return DC_ERR_NOMEM;
    }
    size_t k = 0;
    for (int i = *found ? 1 : 0; i < rows; i++, k++) {
        snprintf(items[k].code, sizeof items[k].code, "%s", PQgetvalue(r, i, 0));
        snprintf(items[k].name, sizeof items[k].name, "%s", PQgetvalue(r, i, 1));
        snprintf(items[k].level, sizeof items[k].level, "%s", PQgetvalue(r, i, 2));
        snprintf(items[k].parent, sizeof items[k].parent, "%s", PQgetvalue(r, i, 3));
    }
    PQclear(r);
    *out = items;
    *n = k;
    return DC_OK;
}

static void org_from_row(const PGresult *r, int i, struct dc_organization *o)
{
    o->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    snprintf(o->name, sizeof o->name, "%s", PQgetvalue(r, i, 1));
    snprintf(o->type, sizeof o->type, "%s", PQgetvalue(r, i, 2));
    snprintf(o->region_code, sizeof o->region_code, "%s", PQgetvalue(r, i, 3));
    snprintf(o->created_at, sizeof o->created_at, "%s", PQgetvalue(r, i, 4));
}

enum dc_err organizations_repo_insert(struct db_conn *c, const char *name, const char *type,
                                      const char *region_code, struct dc_organization *out)
{
    const char *p[] = {name, type, region_code};
    PGresult *r;
    enum dc_err err = db_exec(c, &ORG_INSERT, p, &r, NULL);
    if (err != DC_OK)
        return err;
    org_from_row(r, 0, out);
    PQclear(r);
    return DC_OK;
}

enum dc_err organizations_repo_list(struct db_conn *c, const char *region_code, const char *type,
                                    int64_t after_id, int limit, struct dc_organization **out,
                                    size_t *n)
{
    char after[24], lim[16];
    snprintf(after, sizeof after, "%" PRId64, after_id);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {after, region_code, type, lim};
    PGresult *r;
    *out = NULL;
    *n = 0;
    enum dc_err err = db_exec(c, &ORG_LIST, p, &r, NULL);
    if (err != DC_OK)
        return err;
    int rows = PQntuples(r);
    struct dc_organization *items = calloc(rows > 0 ? (size_t)rows : 1, sizeof *items);
    if (!items) {
        PQclear(r);
        return DC_ERR_NOMEM;
    }
    for (int i = 0; i < rows; i++)
        org_from_row(r, i, &items[i]);
    PQclear(r);
    *out = items;
    *n = (size_t)rows;
    return DC_OK;
}
