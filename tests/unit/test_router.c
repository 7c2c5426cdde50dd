/*
 * test_router.c - route matching: literals, parameters, 404 and 405 with Allow.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/router.h"

static enum dc_err h_a(struct dc_req *r)
{
    (void)r;
    return DC_OK;
}
static enum dc_err h_b(struct dc_req *r)
{
    (void)r;
    return DC_OK;
}

static const struct dc_route table[] = {
    {"GET", "/v1/me", h_a, .body_limit = 0},
    {"PATCH", "/v1/me", h_b, .body_limit = 0},
    {"PUT", "/v1/admin/accounts/:id/role", h_a, .body_limit = 0},
    {"GET", "/v1/submissions/:id", h_a, .body_limit = 0},
    {"PUT", "/v1/submissions/:id/like", h_b, .body_limit = 0},
    {"GET", "/v1/certificates/public-key", h_b, .body_limit = 0},
    {"GET", "/v1/certificates/:serial.svg", h_b, .body_limit = 0},
    {"GET", "/v1/certificates/:serial", h_a, .body_limit = 0},
    {NULL, NULL, NULL, .body_limit = 0},
};

static void free_params(struct dc_param *p, int n)
{
    for (int i = 0; i < n; i++)
        free(p[i].value);
}

START_TEST(literal_match)
{
    const struct dc_route *r;
    struct dc_param p[DC_MAX_PARAMS];
    int n;
    char allow[64];
    ck_assert_int_eq(router_match(table, "PATCH", "/v1/me", &r, p, &n, allow, sizeof allow),
                     DC_MATCH_FOUND);
    ck_assert_ptr_eq(r->handler, h_b);
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(param_captured)
{
    const struct dc_route *r;
    struct dc_param p[DC_MAX_PARAMS];
    int n;
    char allow[64];
    ck_assert_int_eq(
        router_match(table, "PUT", "/v1/admin/accounts/42/role", &r, p, &n, allow, sizeof allow),
        DC_MATCH_FOUND);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(p[0].value, "42");
    ck_assert(strncmp(p[0].name, "id", 2) == 0);
    free_params(p, n);
}
END_TEST

START_TEST(literal_before_param)
{
    const struct dc_route *r;
    struct dc_param p[DC_MAX_PARAMS];
    int n;
    char allow[64];
    ck_assert_int_eq(
        router_match(table, "GET", "/v1/certificates/public-key", &r, p, &n, allow, sizeof allow),
        DC_MATCH_FOUND);
    ck_assert_ptr_eq(r->handler, h_b);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(
        router_match(table, "GET", "/v1/certificates/ABC-123", &r, p, &n, allow, sizeof allow),
        DC_MATCH_FOUND);
    ck_assert_str_eq(p[0].value, "ABC-123");
    free_params(p, n);
}
END_TEST

/* ":serial.svg" takes the segment only when it ends in .svg, without it */
START_TEST(param_with_suffix)
{
    const struct dc_route *r;
    struct dc_param p[DC_MAX_PARAMS];
    int n;
    char allow[64];
    ck_assert_int_eq(
        router_match(table, "GET", "/v1/certificates/DC-1234.svg", &r, p, &n, allow, sizeof allow),
        DC_MATCH_FOUND);
    ck_assert_ptr_eq(r->handler, h_b);
    ck_assert_str_eq(p[0].value, "DC-1234");
    free_params(p, n);
    ck_assert_int_eq(
        router_match(table, "GET", "/v1/certificates/.svg", &r, p, &n, allow, sizeof allow),
        DC_MATCH_FOUND);
    ck_assert_ptr_eq(r->handler, h_a); /* empty serial: not the svg route */
    free_params(p, n);
}
END_TEST

START_TEST(not_found)
{
    const struct dc_route *r;
    struct dc_param p[DC_MAX_PARAMS];
    int n;
    char allow[64];
    const char *paths[] = {"/v1/nope",
                           "/v1/me/",
                           "/v1",
                           "/",
                           "",
                           "/v1/submissions/",
                           "/v1/submissions/1/like/x",
                           "/v1/submissions//like"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        ck_assert_msg(router_match(table, "GET", paths[i], &r, p, &n, allow, sizeof allow) ==
                          DC_MATCH_NO_PATH,
                      "%s should be 404", paths[i]);
}
END_TEST

START_TEST(method_not_allowed_lists_allow)
{
    const struct dc_route *r;
    struct dc_param p[DC_MAX_PARAMS];
    int n;
    char allow[64];
    ck_assert_int_eq(router_match(table, "DELETE", "/v1/me", &r, p, &n, allow, sizeof allow),
                     DC_MATCH_NO_METHOD);
    ck_assert_str_eq(allow, "GET, PATCH");
    ck_assert_int_eq(
        router_match(table, "POST", "/v1/submissions/9/like", &r, p, &n, allow, sizeof allow),
        DC_MATCH_NO_METHOD);
    ck_assert_str_eq(allow, "PUT");
}
END_TEST

/* the real table: every pattern is well formed and (method, pattern) unique */
START_TEST(real_table_sane)
{
    size_t n = dc_routes_count();
    ck_assert_uint_gt(n, 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(dc_routes[i].handler);
        ck_assert_int_eq(dc_routes[i].pattern[0], '/');
        for (size_t j = i + 1; j < n; j++)
            ck_assert(!(strcmp(dc_routes[i].method, dc_routes[j].method) == 0 &&
                        strcmp(dc_routes[i].pattern, dc_routes[j].pattern) == 0));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("match");
    tcase_add_test(tc, literal_match);
    tcase_add_test(tc, param_captured);
    tcase_add_test(tc, literal_before_param);
    tcase_add_test(tc, param_with_suffix);
    tcase_add_test(tc, not_found);
    tcase_add_test(tc, method_not_allowed_lists_allow);
    tcase_add_test(tc, real_table_sane);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
