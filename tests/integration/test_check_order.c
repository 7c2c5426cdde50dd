/*
 * test_check_order.c - the one order of checks (api/openapi.yaml,
 * "Conventions"): what a route needs - who is calling (401), the role
 * (403), the JSON body (400) - comes before the route's own checks of its
 * query parameters, path ids and fields, on every kind of route: a caller
 * without the right identity learns nothing about its parameters or the
 * resource.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

static char *admin; /* made in main() before the tests fork */

static void expect(const char *method, const char *path, const char *token, const char *body,
                   long status, const char *code, const char *field)
{
    struct dc_resp *r = dc_req(method, path, token, body);
    char what[256];
    snprintf(what, sizeof what, "%s %s", method, path);
    dc_expect_error(r, status, code, field, what);
    dc_resp_free(r);
}

/* A moderator: a new user promoted by the admin. */
static struct dc_user new_moderator(void)
{
    struct dc_user u = dc_new_user("审核员");
    char path[64];
    snprintf(path, sizeof path, "/v1/admin/accounts/%s/role", u.id);
    json_decref(dc_expect_json("PUT", path, admin, json_pack("{s:s}", "role", "moderator"), 200,
                               "promote"));
    return u;
}

/* Bad query parameters on a moderators' list: identity and role first. */
START_TEST(role_before_query_parameters)
{
    const char *path = "/v1/admin/submissions?status=bogus&limit=0";
    struct dc_user user = dc_new_user("普通用户");
    struct dc_user mod = new_moderator();
    expect("GET", path, NULL, NULL, 401, "unauthorized", NULL);
    expect("GET", path, "not-a-token", NULL, 401, "unauthorized", NULL);
    expect("GET", path, user.token, NULL, 403, "forbidden", NULL);
    /* then paging, then the route's own filter */
    expect("GET", path, mod.token, NULL, 422, "validation_failed", "limit");
    expect("GET", "/v1/admin/submissions?status=bogus", mod.token, NULL, 422, "validation_failed",
           "status");
    expect("GET", "/v1/admin/audit?cursor=zzz", user.token, NULL, 403, "forbidden", NULL);
    expect("GET", "/v1/admin/audit?cursor=zzz", admin, NULL, 422, "validation_failed", "cursor");
}
END_TEST

/* A malformed body on an admin route: identity and role before the body. */
START_TEST(role_before_body)
{
    struct dc_user user = dc_new_user("普通用户");
    expect("POST", "/v1/admin/lessons", NULL, "[", 401, "unauthorized", NULL);
    expect("POST", "/v1/admin/lessons", user.token, "[", 403, "forbidden", NULL);
    expect("POST", "/v1/admin/lessons", admin, "[", 400, "invalid_json", NULL);
    expect("POST", "/v1/admin/lessons", admin, "{\"title\":\"\"}", 422, "validation_failed",
           "title");
}
END_TEST

/* The body before the resource: a malformed PATCH says nothing about
 * whether the submission exists or whose it is. */
START_TEST(body_before_resource)
{
    struct dc_user user = dc_new_user("作者");
    expect("PATCH", "/v1/submissions/999999999", NULL, "{", 401, "unauthorized", NULL);
    expect("PATCH", "/v1/submissions/999999999", user.token, "{", 400, "invalid_json", NULL);
    expect("PATCH", "/v1/submissions/999999999", user.token, "{}", 404, "not_found", NULL);
    expect("PATCH", "/v1/submissions/abc", user.token, "{", 400, "invalid_json", NULL);
}
END_TEST

/* A partner route: the signature before the paging parameters. */
START_TEST(signature_before_query_parameters)
{
    struct dc_partner_cred p;
    dc_new_partner(admin, "dispatch-order", &p);
    expect("GET", "/v1/partner/changes?limit=0", NULL, NULL, 401, "invalid_signature", NULL);
    struct dc_resp *r = dc_partner_call(&p, "GET", "/v1/partner/changes?limit=0", NULL);
    dc_expect_error(r, 422, "validation_failed", "limit", "signed");
    dc_resp_free(r);
}
END_TEST

/* An optional token is checked before anything else too; the query's own
 * checks come next, and the token a variant needs (mine=true) last. */
START_TEST(optional_token_first)
{
    expect("GET", "/v1/submissions?sort=bogus", "not-a-token", NULL, 401, "unauthorized", NULL);
    expect("GET", "/v1/submissions?sort=bogus", NULL, NULL, 422, "validation_failed", "sort");
    expect("GET", "/v1/submissions?mine=true&limit=0", NULL, NULL, 422, "validation_failed",
           "limit");
    expect("GET", "/v1/submissions?mine=true", NULL, NULL, 401, "unauthorized", NULL);
}
END_TEST

int main(void)
{
    admin = dc_start_with_admin("test_check_order");
    Suite *s = suite_create("check_order");
    dc_add_tcase(s, "order", 60, role_before_query_parameters, role_before_body,
                 body_before_resource, signature_before_query_parameters, optional_token_first,
                 NULL);
    int rc = dc_finish("test_check_order", dc_run_suite(s));
    free(admin);
    return rc;
}
