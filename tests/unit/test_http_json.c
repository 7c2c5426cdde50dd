/*
 * test_http_json.c - the JSON side of the HTTP layer without a socket: body
 * parsing into an object, the error envelope, and the one error mapping.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/http.h"

static void req_free(struct dc_req *r)
{
    json_decref(r->reply);
    free(r->raw);
    for (int i = 0; i < r->nheaders; i++)
        free(r->headers[i].value);
}

/* Parses body as a handler would; returns the error code answered or "". */
static const char *parse(const char *body, size_t len, json_t **out)
{
    static char code[64];
    struct dc_req r = {0};
    r.body = body;
    r.body_len = len;
    enum dc_err err = dc_req_parse_json(&r, out);
    code[0] = '\0';
    ck_assert_int_eq(err == DC_OK, *out != NULL);
    if (!*out) {
        /* the dispatcher answers a handler's error as the envelope */
        dc_reply_error(&r, err);
        ck_assert_uint_eq(r.status, 400);
        json_t *e = json_object_get(r.reply, "error");
        snprintf(code, sizeof code, "%s", json_string_value(json_object_get(e, "code")));
        ck_assert_ptr_nonnull(json_string_value(json_object_get(e, "message")));
        ck_assert_uint_eq(json_object_size(r.reply), 1);
    }
    req_free(&r);
    return code;
}

START_TEST(object_accepted)
{
    json_t *o;
    const char *b = "{\"display_name\": \"张三\", \"unknown\": [1, 2]}";
    ck_assert_str_eq(parse(b, strlen(b), &o), "");
    ck_assert_str_eq(json_string_value(json_object_get(o, "display_name")), "张三");
    json_decref(o);
}
END_TEST

START_TEST(malformed_refused)
{
    json_t *o;
    const char *bad[] = {"{\"phone\":",
                         "[]",
                         "\"x\"",
                         "42",
                         "null",
                         "{\"a\":1}{",
                         "{'a':1}",
                         "{\"a\":\"\xff\xfe\"}",
                         "{\"a\":\"\\u0000\"}",
                         "{\"a\":1,\"a\":2}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(strcmp(parse(bad[i], strlen(bad[i]), &o), "invalid_json") == 0,
                      "accepted: %s", bad[i]);
    ck_assert_str_eq(parse(NULL, 0, &o), "invalid_json");
    ck_assert_str_eq(parse("", 0, &o), "invalid_json");
}
END_TEST

/* 10,000 levels of nesting are refused, not a stack overflow */
START_TEST(deep_nesting_refused)
{
    size_t depth = 10000;
    char *b = malloc(2 * depth + 1);
    memset(b, '[', depth);
    memset(b + depth, ']', depth);
    b[2 * depth] = '\0';
    json_t *o;
    ck_assert_str_eq(parse(b, 2 * depth, &o), "invalid_json");
    free(b);
}
END_TEST

START_TEST(error_envelope_with_field)
{
    struct dc_req r = {0};
    dc_reply_error(&r, dc_req_fail(&r, DC_ERR_VALIDATION, "items.3.to_second", NULL));
    ck_assert_uint_eq(r.status, 422);
    json_t *e = json_object_get(r.reply, "error");
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "validation_failed");
    ck_assert_str_eq(json_string_value(json_object_get(e, "field")), "items.3.to_second");
    req_free(&r);
}
END_TEST

START_TEST(auth_and_retry_headers)
{
    struct dc_req r = {0};
    dc_reply_error(&r, DC_ERR_UNAUTHORIZED);
    ck_assert_uint_eq(r.status, 401);
    ck_assert_int_eq(r.nheaders, 1);
    ck_assert_str_eq(r.headers[0].name, "WWW-Authenticate");
    ck_assert_str_eq(r.headers[0].value, "Bearer");
    req_free(&r);
    struct dc_req u = {0};
    dc_reply_error(&u, DC_ERR_UNAVAILABLE);
    ck_assert_uint_eq(u.status, 503);
    ck_assert_str_eq(u.headers[0].name, "Retry-After");
    req_free(&u);
}
END_TEST

/* every error has a status, a snake_case code and a message */
START_TEST(error_table_complete)
{
    for (int e = DC_ERR_INVALID_JSON; e < DC_ERR__COUNT; e++) {
        unsigned st = dc_err_status((enum dc_err)e);
        ck_assert(st >= 400 && st <= 599);
        const char *code = dc_err_code((enum dc_err)e);
        ck_assert(code && *code);
        for (const char *p = code; *p; p++)
            ck_assert((*p >= 'a' && *p <= 'z') || *p == '_');
        ck_assert(dc_err_message((enum dc_err)e)[0] != '\0');
    }
    ck_assert_uint_eq(dc_err_status(DC_ERR_PAYLOAD_TOO_LARGE), 413);
    ck_assert_str_eq(dc_err_code(DC_ERR_UNSUPPORTED_MEDIA), "unsupported_media_type");
    ck_assert_uint_eq(dc_err_status(DC_ERR_PHONE_TAKEN), 409);
    ck_assert_uint_eq(dc_err_status((enum dc_err)999), 500);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, object_accepted);
    tcase_add_test(tc, malformed_refused);
    tcase_add_test(tc, deep_nesting_refused);
    tcase_add_test(tc, error_envelope_with_field);
    tcase_add_test(tc, auth_and_retry_headers);
    tcase_add_test(tc, error_table_complete);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
