/*
 * audit_api.c - GET /v1/admin/audit: every admin and moderator action,
 * newest first.
 */
#include "drillcamp/api.h"

static json_t *entry_json(const void *item)
{
    const struct dc_audit_entry *a = item;
    json_t *details = json_loads(a->details, 0, NULL);
    return json_pack("{s:o, s:o, s:s, s:s, s:o, s:s}", "id", api_id_json(a->id), "actor_id",
                     api_id_json(a->actor_id), "action", a->action, "target", a->target, "details",
                     details ? details : json_object(), "at", a->at);
}

static int64_t entry_key(const void *item)
{
    return ((const struct dc_audit_entry *)item)->id;
}

static enum dc_err audit_page(struct dc_req *req, const struct api_page *page, void *items,
                              size_t *n)
{
    return audit_repo_list(req->db, page->after_a, page->limit + 1, items, n);
}

/* Route: admin. */
enum dc_err audit_api_list(struct dc_req *req)
{
    return api_list(req, audit_page, sizeof(struct dc_audit_entry), entry_json, entry_key);
}
