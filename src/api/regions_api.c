/*
 * regions_api.c - GET /v1/regions, GET /v1/organizations and
 * POST /v1/admin/organizations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/regions.h"
#include "drillcamp/validate.h"

static const char *const ORG_TYPES[] = {
    "government",   "enterprise_central", "enterprise_local", "university", "school",
    "kindergarten", "community",          "village",          "other",      NULL};
static const char *const ADMIN[] = {"admin", NULL};

void regions_api_list(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_region *items = NULL;
    size_t n = 0;
    bool found;
    const char *parent = dc_req_query(req, "parent");
    if (parent && !validate_region_code_format(parent)) {
        dc_reply_err(req, DC_ERR_VALIDATION, "parent", "parent must be a 6-digit division code");
        goto out;
    }
    if (!api_db_read_or_respond(req, &conn))
        goto out;
    err = regions_repo_children(conn, parent, &items, &n, &found);
    if (err == DC_OK && !found)
        err = DC_ERR_NOT_FOUND;
    if (err != DC_OK)
        goto out;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:o}", "code", items[i].code, "name", items[i].name,
                           "level", items[i].level, "parent",
                           items[i].parent[0] ? json_string(items[i].parent) : json_null()));
    dc_reply_json(req, 200, json_pack("{s:o}", "items", arr));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}

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

void organizations_api_create(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    const char *field = NULL, *msg = NULL;
    struct db_conn *conn = NULL;
    struct dc_organization org;
    const char *name, *type, *region;
    bool region_ok, org_ok;
    json_t *body = NULL;

    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    body = dc_req_json_object_or_respond(req);
    if (!body)
        goto out;
    err = DC_ERR_VALIDATION;
    if (validate_string(body, "name", true, 1, 100, true, &name) != DC_OK) {
        field = "name";
        msg = "name must be 1-100 characters without control characters";
        goto out;
    }
    if (validate_string(body, "type", true, 1, 32, true, &type) != DC_OK ||
        !validate_one_of(type, ORG_TYPES)) {
        field = "type";
        msg = "type is not an organization type";
        goto out;
    }
    if (validate_string(body, "region_code", true, 6, 6, true, &region) != DC_OK ||
        !validate_region_code_format(region)) {
        field = "region_code";
        msg = "region_code must be a known 6-digit division code";
        goto out;
    }
    err = accounts_repo_check_refs(conn, region, 0, &region_ok, &org_ok);
    if (err != DC_OK)
        goto out;
    if (!region_ok) {
        err = DC_ERR_VALIDATION;
        field = "region_code";
        msg = "region_code is not a known division";
        goto out;
    }
    err = db_begin(conn);
    if (err == DC_OK)
        err = organizations_repo_insert(conn, name, type, region, &org);
    if (err == DC_OK)
        err = api_audit_id(
            conn, req, "organization.create", "organization", org.id,
            json_pack("{s:s, s:s, s:s}", "name", name, "type", type, "region_code", region));
    if (err == DC_OK)
        err = db_commit(conn);
    if (err != DC_OK)
        goto out;
    dc_reply_json(req, 201, org_json(&org));
out:
    if (req->status == 0)
        dc_reply_err(req, err, field, msg);
    db_release(conn);
    json_decref(body);
}

void organizations_api_list(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_organization *items = NULL;
    size_t n = 0;
    int limit;
    int64_t after, unused;
    const char *region = dc_req_query(req, "region_code");
    const char *type = dc_req_query(req, "type");
    if (!api_page_or_respond(req, &limit, &after, &unused))
        goto out;
    if (region && !validate_region_code_format(region)) {
        dc_reply_err(req, DC_ERR_VALIDATION, "region_code", "region_code must be 6 digits");
        goto out;
    }
    if (type && !validate_one_of(type, ORG_TYPES)) {
        dc_reply_err(req, DC_ERR_VALIDATION, "type", "type is not an organization type");
        goto out;
    }
    if (!api_db_read_or_respond(req, &conn))
        goto out;
    /* one extra row tells whether another page exists */
    err = organizations_repo_list(conn, region, type, after, limit + 1, &items, &n);
    if (err == DC_OK)
        api_reply_page(req, items, n, limit, sizeof *items, org_json, org_key);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(items);
}
