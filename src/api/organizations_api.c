/*
 * organizations_api.c - POST /v1/admin/organizations and
 * GET /v1/organizations (?region_code=&type=; list).
 */
#include "drillcamp/api.h"
#include "drillcamp/enums.h"
#include "drillcamp/limits.h"
#include "drillcamp/regions.h"
#include "drillcamp/validate.h"

static json_t *org_json(const void *item)
{
    const struct dc_organization *o = item;
    return json_pack("{s:o, s:s, s:s, s:s, s:s}", "id", api_id_json(o->id), "name", o->name, "type",
                     o->type, "region_code", o->region_code, "created_at", o->created_at);
}

static int64_t org_key(const void *item)
{
    return ((const struct dc_organization *)item)->id;
}

/* Route: admin, JSON body. */
enum dc_err organizations_api_create(struct dc_req *req)
{
    struct dc_organization org;
    struct dc_profile where = {0};
    const char *name, *type;
    if (validate_string(req->json, "name", true, 1, DC_NAME_MAX_CHARS, true, &name) != DC_OK)
        return dc_req_fail(req, DC_ERR_VALIDATION, "name",
                           "name must be 1-100 characters without control characters");
    if (validate_string(req->json, "type", true, 1, 32, true, &type) != DC_OK ||
        !dc_enum_has(&DC_ENUM_ORG_TYPE, type))
        return dc_req_fail(req, DC_ERR_VALIDATION, "type", DC_ENUM_ORG_TYPE.message);
    if (validate_string(req->json, "region_code", true, 6, 6, true, &where.region_code) != DC_OK ||
        !validate_region_code_format(where.region_code))
        return dc_req_fail(req, DC_ERR_VALIDATION, "region_code",
                           "region_code must be a known 6-digit division code");
    enum dc_err err = profile_check_refs(req->db, &where, &req->problem);
    if (err == DC_OK)
        err = db_begin(req->db);
    if (err == DC_OK)
        err = organizations_repo_insert(req->db, name, type, where.region_code, &org);
    if (err == DC_OK)
        err = api_audit_id(req, "organization.create", "organization", org.id,
                           json_pack("{s:s, s:s, s:s}", "name", name, "type", type, "region_code",
                                     where.region_code));
    if (err == DC_OK)
        err = db_commit(req->db);
    return err == DC_OK ? dc_reply_json(req, 201, org_json(&org)) : err;
}

static enum dc_err organizations_page(struct dc_req *req, const struct api_page *page, void *items,
                                      size_t *n)
{
    const char *region = dc_req_query(req, "region_code");
    const char *type = dc_req_query(req, "type");
    if (region && !validate_region_code_format(region))
        return dc_req_fail(req, DC_ERR_VALIDATION, "region_code", "region_code must be 6 digits");
    if (type && !dc_enum_has(&DC_ENUM_ORG_TYPE, type))
        return dc_req_fail(req, DC_ERR_VALIDATION, "type", DC_ENUM_ORG_TYPE.message);
    return organizations_repo_list(req->db, region, type, page->after_a, page->limit + 1, items, n);
}

/* Route: anyone, read replica. */
enum dc_err organizations_api_list(struct dc_req *req)
{
    return api_list(req, organizations_page, sizeof(struct dc_organization), org_json, org_key);
}
