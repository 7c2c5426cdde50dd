/*
 * regions_api.c - GET /v1/regions: the divisions directly under ?parent=
 * (the provinces when omitted).
 */
#include "drillcamp/api.h"
#include "drillcamp/regions.h"
#include "drillcamp/validate.h"

static json_t *region_json(const void *item)
{
    const struct dc_region *r = item;
    return json_pack("{s:s, s:s, s:s, s:o}", "code", r->code, "name", r->name, "level", r->level,
                     "parent", api_string_or_null(r->parent));
}

/* Route: anyone, read replica. */
enum dc_err regions_api_list(struct dc_req *req)
{
    struct dc_region *items;
    size_t n;
    bool found;
    const char *parent = dc_req_query(req, "parent");
    if (parent && !validate_region_code_format(parent))
        return dc_req_fail(req, DC_ERR_VALIDATION, "parent",
                           "parent must be a 6-digit division code");
    enum dc_err err = regions_repo_children(req->db, parent, &items, &n, &found);
    if (err == DC_OK && !found)
        err = DC_ERR_NOT_FOUND;
    return err == DC_OK ? api_reply_items(req, items, n, sizeof *items, region_json) : err;
}
