/*
 * common.c - what every resource handler needs: a database connection,
 * the caller's identity, paging parameters and the account object.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drillcamp/api.h"
#include "drillcamp/cursor.h"
#include "drillcamp/token.h"
#include "drillcamp/validate.h"

/* Answers 503 (or 500) when no connection could be had. */
static bool acquired_or_respond(struct dc_req *req, enum dc_err err, struct db_conn **conn)
{
    if (err == DC_OK)
        return true;
    *conn = NULL;
    dc_reply_err(req, err, NULL, NULL);
    return false;
}

bool api_db_acquire_or_respond(struct dc_req *req, struct db_conn **conn)
{
    return acquired_or_respond(req, db_acquire(conn), conn);
}

bool api_db_read_or_respond(struct dc_req *req, struct db_conn **conn)
{
    return acquired_or_respond(req, db_acquire_read(conn), conn);
}

bool api_auth_or_respond(struct dc_req *req, struct db_conn *conn)
{
    const char *h = dc_req_header(req, "Authorization");
    char hash[TOKEN_HASH_LEN + 1], stored[TOKEN_HASH_LEN + 1];
    req->no_store = true;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !token_well_formed(h + 7)) {
        dc_reply_err(req, DC_ERR_UNAUTHORIZED, NULL, NULL);
        return false;
    }
    token_hash(h + 7, hash);
    enum dc_err err = sessions_repo_lookup(conn, hash, &req->auth.account_id, req->auth.role,
                                           sizeof req->auth.role, stored);
    if (err == DC_OK && !token_hash_equal(hash, stored))
        err = DC_ERR_UNAUTHORIZED;
    if (err != DC_OK) {
        dc_reply_err(req, err, NULL, NULL);
        return false;
    }
    memcpy(req->auth.token_hash, hash, sizeof hash);
    req->authed = true;
    return true;
}

bool api_auth_optional_or_respond(struct dc_req *req, struct db_conn *conn)
{
    if (!dc_req_header(req, "Authorization"))
        return true;
    return api_auth_or_respond(req, conn);
}

bool api_auth_role_or_respond(struct dc_req *req, struct db_conn *conn, const char *const *roles)
{
    if (!api_auth_or_respond(req, conn))
        return false;
    if (validate_one_of(req->auth.role, roles))
        return true;
    dc_reply_err(req, DC_ERR_FORBIDDEN, NULL, "this needs another role");
    return false;
}

bool api_page_or_respond(struct dc_req *req, int *limit, int64_t *after_a, int64_t *after_b)
{
    const char *l = dc_req_query(req, "limit");
    const char *c = dc_req_query(req, "cursor");
    *limit = 20;
    *after_a = 0;
    *after_b = 0;
    if (l) {
        int64_t v;
        if (!validate_id(l, &v) || v > 100) {
            dc_reply_err(req, DC_ERR_VALIDATION, "limit", "limit must be an integer 1-100");
            return false;
        }
        *limit = (int)v;
    }
    if (c && *c && !cursor_decode(c, after_a, after_b)) {
        dc_reply_err(req, DC_ERR_VALIDATION, "cursor", "cursor is not one this server gave");
        return false;
    }
    return true;
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

json_t *api_id_json(int64_t id)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, id);
    return json_string(s);
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

void api_reply_page(struct dc_req *req, const void *items, size_t n, int limit, size_t size,
                    api_item_json_fn to_json, api_item_key_fn key)
{
    bool more = n > (size_t)limit;
    if (more)
        n = (size_t)limit;
    json_t *arr = json_array();
    const char *p = items;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, to_json(p + i * size));
    dc_reply_json(req, 200, api_page_json(arr, more, n ? key(p + (n - 1) * size) : 0, 0));
}

enum dc_err api_audit(struct db_conn *conn, const struct dc_req *req, const char *action,
                      const char *target, json_t *details)
{
    char *text = details ? json_dumps(details, JSON_COMPACT) : NULL;
    enum dc_err err = details && !text
                          ? DC_ERR_NOMEM
                          : audit_repo_insert(conn, req->auth.account_id, action, target, text);
    json_decref(details);
    free(text);
    return err;
}

enum dc_err api_audit_id(struct db_conn *conn, const struct dc_req *req, const char *action,
                         const char *kind, int64_t id, json_t *details)
{
    char target[64];
    snprintf(target, sizeof target, "%s:%" PRId64, kind, id);
    return api_audit(conn, req, action, target, details);
}

bool api_rate_or_respond(struct dc_req *req, enum rl_kind kind, const char *key)
{
    unsigned retry = 1;
    if (ratelimit_take(kind, key, campaign_now(), &retry))
        return true;
    char v[16];
    snprintf(v, sizeof v, "%u", retry);
    dc_reply_err(req, DC_ERR_RATE_LIMITED, NULL, NULL);
    dc_reply_header(req, "Retry-After", v);
    return false;
}

bool api_rate_account_or_respond(struct dc_req *req, enum rl_kind kind)
{
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, req->auth.account_id);
    return api_rate_or_respond(req, kind, key);
}
