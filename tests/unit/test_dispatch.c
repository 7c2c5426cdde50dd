/*
 * test_dispatch.c - the dispatcher without a socket or a database: what a
 * route declares (JSON body, rate limit per address) is provided before
 * the handler runs, a failure stops before the handler, and the handler's
 * error becomes the one envelope (field, message, extra members), with a
 * handler that neither answers nor fails turned into a 500.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/arena.h"
#include "drillcamp/dispatch.h"
#include "drillcamp/router.h"

static int calls;             /* how often a handler ran */
static json_t *seen_body;     /* what the JSON handler was given */
static enum dc_err to_return; /* what the failing handler returns */

static enum dc_err h_echo(struct dc_req *req)
{
    calls++;
    json_decref(seen_body);
    seen_body = json_incref(req->json);
    return dc_reply_json(req, 200, json_pack("{s:b}", "ok", true));
}

static enum dc_err h_fail(struct dc_req *req)
{
    calls++;
    if (to_return == DC_ERR_NOT_ELIGIBLE)
        return dc_req_fail_extra(req, to_return, json_pack("{s:i}", "remaining_seconds", 60));
    return dc_req_fail(req, to_return, "items.2.to_second", "to_second is past the end");
}

static enum dc_err h_silent(struct dc_req *req)
{
    (void)req;
    calls++;
    return DC_OK;
}

static const struct dc_route R_JSON = {"POST", "/json", h_echo, .auth = DC_AUTH_NONE,
                                       .flags = DC_ROUTE_JSON};
static const struct dc_route R_FAIL = {"GET", "/fail", h_fail, .auth = DC_AUTH_NONE};
static const struct dc_route R_SILENT = {"GET", "/silent", h_silent, .auth = DC_AUTH_NONE};
static const struct dc_route R_LIMITED = {"POST", "/limited", h_echo, .auth = DC_AUTH_NONE,
                                          .rate = RL_REGISTER_IP};

/* One request through the dispatcher; the caller frees it with req_free. */
static struct dc_req *run(const struct dc_route *route, const char *body, const char *ip)
{
    struct dc_req *req = calloc(1, sizeof *req);
    ck_assert_ptr_nonnull(req);
    req->route = route;
    req->method = route->method;
    req->path = route->pattern;
    req->body = body;
    req->body_len = body ? strlen(body) : 0;
    snprintf(req->client_ip, sizeof req->client_ip, "%s", ip ? ip : "192.0.2.1");
    req->arena = arena_new();
    ck_assert_ptr_nonnull(req->arena);
    dispatch_request(req);
    return req;
}

static void req_free(struct dc_req *req)
{
    json_decref(req->json);
    json_decref(req->reply);
    json_decref(req->problem_extra);
    free(req->raw);
    for (int i = 0; i < req->nheaders; i++)
        free(req->headers[i].value);
    arena_free(req->arena);
    free(req);
}

static const json_t *error_of(const struct dc_req *req)
{
    const json_t *e = json_object_get(req->reply, "error");
    ck_assert_msg(json_is_object(e), "no error envelope");
    ck_assert_uint_eq(json_object_size(req->reply), 1);
    return e;
}

static const char *header_of(const struct dc_req *req, const char *name)
{
    for (int i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

static void setup(void)
{
    calls = 0;
    json_decref(seen_body);
    seen_body = NULL;
}

START_TEST(json_body_given_to_the_handler)
{
    struct dc_req *req = run(&R_JSON, "{\"name\":\"张三\"}", NULL);
    ck_assert_int_eq(calls, 1);
    ck_assert_uint_eq(req->status, 200);
    ck_assert_str_eq(json_string_value(json_object_get(seen_body, "name")), "张三");
    req_free(req);
}
END_TEST

/* a body that is not a JSON object is answered before the handler runs */
START_TEST(bad_body_stops_before_the_handler)
{
    const char *bad[] = {NULL, "", "[1]", "{\"a\":", "{\"a\":1,\"a\":2}", "\"text\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct dc_req *req = run(&R_JSON, bad[i], NULL);
        ck_assert_msg(req->status == 400, "body %zu answered %u", i, req->status);
        ck_assert_str_eq(json_string_value(json_object_get(error_of(req), "code")), "invalid_json");
        req_free(req);
    }
    ck_assert_int_eq(calls, 0);
}
END_TEST

/* the handler's error is the envelope: its status, code, field, message */
START_TEST(handler_error_becomes_the_envelope)
{
    to_return = DC_ERR_VALIDATION;
    struct dc_req *req = run(&R_FAIL, NULL, NULL);
    ck_assert_uint_eq(req->status, 422);
    const json_t *e = error_of(req);
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "validation_failed");
    ck_assert_str_eq(json_string_value(json_object_get(e, "field")), "items.2.to_second");
    ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "to_second is past the end");
    req_free(req);

    to_return = DC_ERR_NOT_ELIGIBLE;
    req = run(&R_FAIL, NULL, NULL);
    ck_assert_uint_eq(req->status, 409);
    e = error_of(req);
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "not_eligible");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "remaining_seconds")), 60);
    req_free(req);

    to_return = DC_ERR_UNAUTHORIZED;
    req = run(&R_FAIL, NULL, NULL);
    ck_assert_uint_eq(req->status, 401);
    ck_assert_str_eq(header_of(req, "WWW-Authenticate"), "Bearer");
    req_free(req);
    ck_assert_int_eq(calls, 3);
}
END_TEST

/* a handler that returns DC_OK without answering is a bug: 500, not 0 */
START_TEST(silent_handler_is_500)
{
    struct dc_req *req = run(&R_SILENT, NULL, NULL);
    ck_assert_int_eq(calls, 1);
    ck_assert_uint_eq(req->status, 500);
    ck_assert_str_eq(json_string_value(json_object_get(error_of(req), "code")), "internal");
    req_free(req);
}
END_TEST

/* the address limit is counted before the body is read or the handler
 * runs, per address, with an honest Retry-After */
START_TEST(address_limit_before_everything)
{
    const unsigned limits[RL__COUNT] = {[RL_REGISTER_IP] = 3};
    ck_assert_int_eq(ratelimit_init(limits), DC_OK);
    for (int i = 0; i < 3; i++) {
        struct dc_req *req = run(&R_LIMITED, "{}", "198.51.100.7");
        ck_assert_uint_eq(req->status, 200);
        req_free(req);
    }
    struct dc_req *req = run(&R_LIMITED, "not json", "198.51.100.7");
    ck_assert_uint_eq(req->status, 429);
    ck_assert_str_eq(json_string_value(json_object_get(error_of(req), "code")), "rate_limited");
    const char *retry = header_of(req, "Retry-After");
    ck_assert_ptr_nonnull(retry);
    ck_assert_int_ge(atoi(retry), 1);
    ck_assert_int_le(atoi(retry), 60);
    req_free(req);
    ck_assert_int_eq(calls, 3);
    /* another address has its own bucket */
    req = run(&R_LIMITED, "{}", "198.51.100.8");
    ck_assert_uint_eq(req->status, 200);
    req_free(req);
    ratelimit_shutdown();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dispatch");
    TCase *tc = tcase_create("dispatch");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, json_body_given_to_the_handler);
    tcase_add_test(tc, bad_body_stops_before_the_handler);
    tcase_add_test(tc, handler_error_becomes_the_envelope);
    tcase_add_test(tc, silent_handler_is_500);
    tcase_add_test(tc, address_limit_before_everything);
    suite_add_tcase(s, tc);
    int rc = check_run_suite(s);
    json_decref(seen_body);
    return rc;
}
