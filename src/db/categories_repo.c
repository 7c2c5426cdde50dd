/*
 * categories_repo.c - SQL for the categories lessons and submissions share.
 */
#include "drillcamp/learning.h"

static const struct db_stmt LIST = {"categories_list",
                                    "SELECT code, name FROM categories ORDER BY sort_order", 0};
static const struct db_stmt EXISTS = {
    "categories_exists", "SELECT EXISTS (SELECT 1 FROM categories WHERE code = $1)", 1};

static void category_from_row(const PGresult *r, int i, void *item)
{
    struct dc_category *k = item;
    k->code = db_text(r, i, 0);
    k->name = db_text(r, i, 1);
}

enum dc_err categories_repo_list(struct db_conn *c, struct dc_category **out, size_t *n)
{
    return db_query_list(c, &LIST, NULL, sizeof **out, category_from_row, (void **)out, n);
}

enum dc_err categories_repo_exists(struct db_conn *c, const char *code, bool *exists)
{
    const char *p[] = {code};
    return db_query_one(c, &EXISTS, p, db_row_bool, exists);
}
