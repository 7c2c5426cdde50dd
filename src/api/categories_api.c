/*
 * categories_api.c - GET /v1/categories: the categories lessons and
 * submissions share, with their Chinese names.
 */
#include "drillcamp/api.h"
#include "drillcamp/learning.h"

static json_t *category_json(const void *item)
{
    const struct dc_category *k = item;
    return json_pack("{s:s, s:s}", "code", k->code, "name", k->name);
}

/* Route: anyone, read replica. */
enum dc_err categories_api_list(struct dc_req *req)
{
    struct dc_category *items;
    size_t n;
    enum dc_err err = categories_repo_list(req->db, &items, &n);
    return err == DC_OK ? api_reply_items(req, items, n, sizeof *items, category_json) : err;
}
