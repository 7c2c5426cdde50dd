/*
 * common.c - what many handlers share: paging, path ids, the audit entry of
 * an admin or moderator action, and the account and id JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "drillcamp/api.h"
#include "drillcamp/jsonw.h"
#include "drillcamp/arena.h"
#include "drillcamp/cursor.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

enum dc_err api_page_parse(struct dc_req *req, struct api_page *page)
{
    const char *l = dc_req_query(req, "limit");
    const char *c = dc_req_query(req, "cursor");
    *page = (struct api_page){.limit = DC_PAGE_DEFAULT};
    if (l) {
        int64_t v;
        if (!validate_id(l, &v) || v > DC_PAGE_MAX)
            return dc_req_fail(req, DC_ERR_VALIDATION, "limit", "limit must be an integer 1-100");
        page->limit = (int)v;
    }
    if (c && *c && !cursor_decode(c, &page->after_a, &page->after_b))
        return dc_req_fail(req, DC_ERR_VALIDATION, "cursor", "cursor is not one this server gave");
    return DC_OK;
}

json_t *api_page_json(json_t *items, bool more, int64_t last_a, int64_t last_b)
{
    json_t *next = json_null();
    if (more) {
        char cur[CURSOR_MAX];
        cursor_encode(last_a, last_b, cur);
        next = json_string(cur);
    }
    return json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
}

void api_page_write_end(struct jw *w, bool more, int64_t last_a, int64_t last_b)
{
    jw_lit(w, "],\"next_cursor\":");
    if (more) {
        char cur[CURSOR_MAX];
        cursor_encode(last_a, last_b, cur);
        jw_str(w, cur);
    } else {
        jw_lit(w, "null");
    }
    jw_lit(w, "}");
}

json_t *api_json_array(const void *items, size_t n, size_t size, api_item_json_fn to_json)
{
    json_t *arr = json_array();
    const char *p = items;
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, to_json(p + i * size));
    return arr;
}

enum dc_err api_list(struct dc_req *req, api_list_fn query, size_t size, api_item_json_fn to_json,
                     api_item_key_fn key)
{
    struct api_page page;
    const char *items = NULL;
    size_t n = 0;
    enum dc_err err = api_page_parse(req, &page);
    if (err == DC_OK)
        err = query(req, &page, &items, &n);
    if (err != DC_OK)
        return err;
    bool more = n > (size_t)page.limit;
    n = more ? (size_t)page.limit : n;
    json_t *arr = api_json_array(items, n, size, to_json);
    return dc_reply_json(req, 200,
                         api_page_json(arr, more, n ? key(items + (n - 1) * size) : 0, 0));
}

enum dc_err api_reply_items(struct dc_req *req, const void *items, size_t n, size_t size,
                            api_item_json_fn to_json)
{
    return dc_reply_json(req, 200,
                         json_pack("{s:o}", "items", api_json_array(items, n, size, to_json)));
}

const char *api_item_field(struct dc_arena *a, size_t index, const char *field)
{
    const char *f = field && field[0] ? arena_printf(a, "items.%zu.%s", index, field)
                                      : arena_printf(a, "items.%zu", index);
    return f ? f : "items";
}

enum dc_err api_path_id(struct dc_req *req, const char *name, int64_t *id)
{
    return validate_id(dc_req_param(req, name), id) ? DC_OK : DC_ERR_NOT_FOUND;
}

json_t *api_id_json(int64_t id)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, id);
    return json_string(s);
}

json_t *api_string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *api_account_json(const struct dc_account *a, bool with_phone)
{
    char masked[16];
    validate_mask_phone(a->phone, masked, sizeof masked);
    json_t *o = json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "id", api_id_json(a->id),
                          "phone_masked", masked, "display_name", a->display_name, "kind", a->kind,
                          "role", a->role, "region_code", a->region_code, "organization_id",
                          a->organization_id ? api_id_json(a->organization_id) : json_null(),
                          "audience", a->audience, "created_at", a->created_at);
    if (o && with_phone)
        json_object_set_new(o, "phone", json_string(a->phone));
    return o;
}

enum dc_err api_audit(struct dc_req *req, const char *action, const char *target, json_t *details)
{
    char *text = details ? json_dumps(details, JSON_COMPACT) : NULL;
    enum dc_err err = details && !text
                          ? DC_ERR_NOMEM
                          : audit_repo_insert(req->db, req->auth.account_id, action, target, text);
    json_decref(details);
    free(text);
    return err;
}

enum dc_err api_audit_id(struct dc_req *req, const char *action, const char *kind, int64_t id,
                         json_t *details)
{
    const char *target = arena_printf(req->arena, "%s:%" PRId64, kind, id);
    if (!target) {
        json_decref(details);
        return DC_ERR_NOMEM;
    }
    return api_audit(req, action, target, details);
}
