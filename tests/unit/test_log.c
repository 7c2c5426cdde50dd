/*
 * test_log.c - the JSON log lines of src/core/log.c (log.h), read back from
 * stderr redirected into a pipe:
 *   - an access line is one JSON object per line with ts (RFC 3339 UTC with
 *     milliseconds), level, method, route (null when none), status,
 *     duration_ms, request_id and completed, whichever way it was formatted;
 *   - a method with quotes, backslashes or control characters (the client
 *     chose it) is escaped, so the line still parses and says the same;
 *   - a long event message is written whole, on one line;
 *   - many threads logging at once never interleave their lines.
 */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "drillcamp/log.h"

/* stderr goes into a temporary file for the test's duration */
static int saved_fd = -1;
static FILE *capture;

static void capture_start(void)
{
    capture = tmpfile();
    ck_assert_ptr_nonnull(capture);
    fflush(stderr);
    saved_fd = dup(STDERR_FILENO);
    ck_assert_int_ge(saved_fd, 0);
    ck_assert_int_ge(dup2(fileno(capture), STDERR_FILENO), 0);
}

/* The captured lines, each parsed (a JSON array of objects, caller's). */
static json_t *capture_end(void)
{
    fflush(stderr);
    dup2(saved_fd, STDERR_FILENO);
    close(saved_fd);
    rewind(capture);
    json_t *lines = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, capture)) > 0) {
        ck_assert_msg(line[n - 1] == '\n', "a line without its newline: %s", line);
        json_error_t e;
        json_t *v = json_loadb(line, (size_t)n - 1, 0, &e);
        ck_assert_msg(json_is_object(v), "not a JSON object (%s): %s", e.text, line);
        json_array_append_new(lines, v);
    }
    free(line);
    fclose(capture);
    return lines;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_string(v), "%s is not a string", k);
    return json_string_value(v);
}

static void check_ts(const char *ts)
{
    int y, mo, d, h, mi, s, ms;
    char z;
    ck_assert_int_eq(strlen(ts), 24);
    ck_assert_int_eq(sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z),
                     8);
    ck_assert_int_eq(z, 'Z');
}

START_TEST(access_line_fields)
{
    capture_start();
    log_access("GET", "/v1/submissions/{id}", 200, 0.0125, "abcDEF_-123", true);
    log_access("POST", NULL, 404, 2.5, "xyz", false);
    json_t *lines = capture_end();
    ck_assert_int_eq(json_array_size(lines), 2);

    json_t *a = json_array_get(lines, 0);
    check_ts(str(a, "ts"));
    ck_assert_str_eq(str(a, "level"), "info");
    ck_assert_str_eq(str(a, "method"), "GET");
    ck_assert_str_eq(str(a, "route"), "/v1/submissions/{id}");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "status")), 200);
    ck_assert(json_is_number(json_object_get(a, "duration_ms")));
    ck_assert_double_eq_tol(json_number_value(json_object_get(a, "duration_ms")), 12.5, 1e-9);
    ck_assert_str_eq(str(a, "request_id"), "abcDEF_-123");
    ck_assert(json_is_true(json_object_get(a, "completed")));
    ck_assert_int_eq(json_object_size(a), 8);

    json_t *b = json_array_get(lines, 1);
    ck_assert(json_is_null(json_object_get(b, "route")));
    ck_assert_int_eq(json_integer_value(json_object_get(b, "status")), 404);
    ck_assert_double_eq_tol(json_number_value(json_object_get(b, "duration_ms")), 2500.0, 1e-9);
    ck_assert(json_is_false(json_object_get(b, "completed")));
    json_decref(lines);
}
END_TEST

START_TEST(client_method_escaped)
{
    static const char *const methods[] = {"GE\"T", "A\\B", "X\ny", "\x01\x7f", "方法", ""};
    size_t n = sizeof methods / sizeof methods[0];
    capture_start();
    for (size_t i = 0; i < n; i++)
        log_access(methods[i], "/v1/leaderboard", 405, 0.001, "id1", true);
    json_t *lines = capture_end();
    ck_assert_int_eq(json_array_size(lines), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(str(json_array_get(lines, i), "method"), methods[i]);
    json_decref(lines);
}
END_TEST

START_TEST(long_event_whole)
{
    char *msg = malloc(5000);
    ck_assert_ptr_nonnull(msg);
    memset(msg, 'm', 4999);
    msg[4999] = '\0';
    capture_start();
    log_event("error", "db", msg);
    json_t *lines = capture_end();
    ck_assert_int_eq(json_array_size(lines), 1);
    ck_assert_str_eq(str(json_array_get(lines, 0), "msg"), msg);
    ck_assert_str_eq(str(json_array_get(lines, 0), "component"), "db");
    json_decref(lines);
    free(msg);
}
END_TEST

#define THREADS 8
#define PER     500

static void *logger(void *arg)
{
    char id[16];
    snprintf(id, sizeof id, "t%d", (int)(intptr_t)arg);
    for (int i = 0; i < PER; i++)
        log_access("GET", "/v1/campaign", 200, 0.0001 * i, id, true);
    return NULL;
}

START_TEST(threads_never_interleave)
{
    pthread_t t[THREADS];
    capture_start();
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, logger, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    json_t *lines = capture_end(); /* every line parsed whole */
    ck_assert_int_eq(json_array_size(lines), THREADS * PER);
    int per[THREADS] = {0};
    for (size_t i = 0; i < json_array_size(lines); i++)
        per[atoi(str(json_array_get(lines, i), "request_id") + 1)]++;
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(per[i], PER);
    json_decref(lines);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, access_line_fields);
    tcase_add_test(tc, client_method_escaped);
    tcase_add_test(tc, long_event_whole);
    tcase_add_test(tc, threads_never_interleave);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
