/*
 * regions_repo.c - SQL for the administrative divisions (seeded by
 * migration 0002).
 */
#include "drillcamp/regions.h"

/* a marker row (empty code, sorted first) says that the parent exists */
static const struct db_stmt CHILDREN = {
    "regions_children",
    "SELECT code, name, level, parent, 1 FROM regions"
    " WHERE parent IS NOT DISTINCT FROM $1 "
    "UNION ALL SELECT '', '', '', NULL, 0 WHERE $1 IS NULL OR EXISTS"
    " (SELECT 1 FROM regions WHERE code = $1) ORDER BY 5, 1",
    1};

static void region_from_row(const PGresult *r, int i, void *item)
{
    struct dc_region *g = item;
    g->code = db_text(r, i, 0);
    g->name = db_text(r, i, 1);
    g->level = db_text(r, i, 2);
    g->parent = db_text_or_null(r, i, 3);
}

enum dc_err regions_repo_children(struct db_conn *c, const char *parent, struct dc_region **out,
                                  size_t *n, bool *found)
{
    const char *p[] = {parent};
    enum dc_err err =
        db_query_list(c, &CHILDREN, p, sizeof **out, region_from_row, (void **)out, n);
    *found = err == DC_OK && *n > 0 && (*out)[0].code[0] == '\0';
    if (*found) {
        (*out)++;
        (*n)--;
    }
    return err;
}
