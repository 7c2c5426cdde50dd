/*
 * test_conventions.c - API.md section 1 (conventions on every endpoint) and
 * the health/metrics part of section 8, against the real server:
 *
 *  - 415 unsupported_media_type (text/plain, no Content-Type, a look-alike
 *    media type) and the accepted "application/json; charset=utf-8";
 *  - 413 payload_too_large by Content-Length and for a chunked upload, and a
 *    body just under 1 MiB that is not refused for its size;
 *  - 400 invalid_json (truncated, invalid UTF-8, wrong top-level type, empty);
 *  - 422 validation_failed naming error.field;
 *  - 401 with WWW-Authenticate: Bearer, 404 for an unknown route, 405 with
 *    Allow;
 *  - X-Request-Id echoed when sane, generated otherwise;
 *  - the exact shape of error bodies;
 *  - /healthz, /readyz, /metrics (Prometheus text with request counters,
 *    latency histogram and pool gauges), keep-alive reuse;
 *  - the JSON access log (one line per request with the request id) and
 *    that no password, token or full phone number reaches the log;
 *  - graceful SIGTERM (checked in main() after the suite): logins in flight
 *    all get complete responses and the server exits 0.
 *
 * Every test makes its own accounts; no test depends on another's order.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define PASSWORD "correct horse 1"
#define MIB      (1024u * 1024u)

/* The server's log file, computed in main() (Check forks each test, and
 * the harness names the file after the pid that started the server). */
static char log_file[512];

/* ---- small helpers ---------------------------------------------------- */

static void random_hex(char *out, size_t nbytes)
{
    unsigned char raw[32];
    if (nbytes > sizeof raw)
        nbytes = sizeof raw;
    int fd = open("/dev/urandom", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(read(fd, raw, nbytes), (ssize_t)nbytes);
    close(fd);
    for (size_t i = 0; i < nbytes; i++)
        sprintf(out + 2 * i, "%02x", raw[i]);
}

/* Asserts an error envelope: status and code; exactly {"error": {...}} with
 * string code and message, and nothing but code, message, field inside. */
static void expect_error(const struct dc_resp *r, long status, const char *code, const char *what)
{
    ck_assert_msg(r->status == status, "%s: status %ld, want %ld; body %s", what, r->status, status,
                  r->body);
    ck_assert_msg(json_is_object(r->json), "%s: body is not a JSON object: %s", what, r->body);
    ck_assert_msg(json_object_size(r->json) == 1, "%s: extra top-level keys: %s", what, r->body);
    json_t *e = json_object_get(r->json, "error");
    ck_assert_msg(json_is_object(e), "%s: no error object in %s", what, r->body);
    ck_assert_msg(json_is_string(json_object_get(e, "code")), "%s: code not a string", what);
    ck_assert_msg(strcmp(dc_err_code_of(r), code) == 0, "%s: code %s, want %s", what,
                  dc_err_code_of(r), code);
    const char *msg = json_string_value(json_object_get(e, "message"));
    ck_assert_msg(msg && *msg, "%s: no message in %s", what, r->body);
    const char *key;
    json_t *v;
    json_object_foreach(e, key, v)
    {
        ck_assert_msg(strcmp(key, "code") == 0 || strcmp(key, "message") == 0 ||
                          (strcmp(key, "field") == 0 && json_is_string(v)),
                      "%s: unexpected error member %s in %s", what, key, r->body);
    }
    char *ct = dc_resp_header(r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "application/json", 16) == 0, "%s: Content-Type %s", what,
                  ct ? ct : "(absent)");
    free(ct);
}

static void expect_header_prefix(const struct dc_resp *r, const char *name, const char *prefix,
                                 const char *what)
{
    char *v = dc_resp_header(r, name);
    ck_assert_msg(v && strncmp(v, prefix, strlen(prefix)) == 0, "%s: %s is %s, want %s...", what,
                  name, v ? v : "(absent)", prefix);
    free(v);
}

struct chunk_src {
    size_t total, pos;
};

/* Streams the JSON object {"pad":"aaa...a"} of src->total bytes. */
static size_t chunk_read(char *buf, size_t size, size_t nitems, void *ud)
{
    struct chunk_src *src = ud;
    size_t n = size * nitems;
    if (n > src->total - src->pos)
        n = src->total - src->pos;
    dc_pad_bytes(buf, src->pos, n, src->total);
    src->pos += n;
    return n;
}

/* A request with extra raw header lines (NULL-terminated), for what the
 * harness does not speak (custom headers, chunked uploads). With
 * chunked_len > 0 the body is streamed chunked instead of sent from body.
 * The result frees with dc_resp_free; *rc (may be NULL) gets curl's code. */
static struct dc_resp *http_ex(const char *method, const char *path, const char *const *lines,
                               const char *body, size_t chunked_len, CURLcode *rc)
{
    struct dc_resp *r = calloc(1, sizeof *r);
    char url[512];
    snprintf(url, sizeof url, "%s%s", dc_base_url(), path);
    r->body = calloc(1, 1);
    r->headers = calloc(1, 1);
    struct chunk_src src = {chunked_len, 0};
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    for (const char *const *l = lines; l && *l; l++)
        h = curl_slist_append(h, *l);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dc_curl_grow);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, dc_curl_grow);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (chunked_len > 0) {
        h = curl_slist_append(h, "Transfer-Encoding: chunked");
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, chunk_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &src);
    } else if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    CURLcode res = curl_easy_perform(c);
    if (res == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc)
        *rc = res;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r->body_len = strlen(r->body);
    if (r->body_len)
        r->json = json_loadb(r->body, r->body_len, 0, NULL);
    return r;
}

static struct dc_resp *get_with_request_id(const char *path, const char *rid_line)
{
    const char *lines[] = {rid_line, NULL};
    return http_ex("GET", path, lines, NULL, 0, NULL);
}

/* A valid register body for a fresh phone (caller frees). */
static char *register_body(const char *phone, const char *password)
{
    json_t *b =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", phone, "password", password, "display_name",
                  "约定测试", "kind", "individual", "region_code", "350100");
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* The whole server log (caller frees), "" when it cannot be read. */
static char *read_log(void)
{
    FILE *f = fopen(log_file, "rb");
    char *text = calloc(1, 1);
    size_t len = 0, n;
    char chunk[65536];
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        char *nt = realloc(text, len + n + 1);
        ck_assert_ptr_nonnull(nt);
        text = nt;
        memcpy(text + len, chunk, n);
        len += n;
        text[len] = '\0';
    }
    if (f)
        fclose(f);
    return text;
}

/* The access-log line (parsed) whose request_id is rid; waits up to 5 s,
 * since the line is written when the server completes the request. */
static json_t *wait_access_line(const char *rid, int *count)
{
    json_t *found = NULL;
    for (int tries = 0; tries < 50; tries++) {
        char *text = read_log();
        *count = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (!strstr(line, rid))
                continue;
            json_t *j = json_loads(line, 0, NULL);
            const char *v = json_string_value(json_object_get(j, "request_id"));
            if (v && strcmp(v, rid) == 0) {
                (*count)++;
                json_decref(found);
                found = j;
            } else {
                json_decref(j);
            }
        }
        free(text);
        if (found)
            return found;
        usleep(100 * 1000);
    }
    return NULL;
}

/* ---- 415 -------------------------------------------------------------- */

START_TEST(media_type_text_plain_refused)
{
    const char *body = "{\"phone\":\"13800138000\"}";
    struct dc_resp *r = dc_http("POST", "/v1/accounts", NULL, "text/plain", body, strlen(body));
    expect_error(r, 415, "unsupported_media_type", "text/plain");
    dc_resp_free(r);
}
END_TEST

START_TEST(media_type_missing_refused)
{
    const char *body = "{\"phone\":\"13800138000\"}";
    struct dc_resp *r = dc_http("POST", "/v1/accounts", NULL, "", body, strlen(body));
    expect_error(r, 415, "unsupported_media_type", "no Content-Type");
    dc_resp_free(r);
}
END_TEST

START_TEST(media_type_charset_utf8_accepted)
{
    /* '{}' gets past the media-type check and fails validation instead */
    struct dc_resp *r =
        dc_http("POST", "/v1/accounts", NULL, "application/json; charset=utf-8", "{}", 2);
    expect_error(r, 422, "validation_failed", "charset=utf-8 with {}");
    dc_resp_free(r);

    /* and a complete body registers */
    char phone[12];
    dc_unique_phone(phone);
    char *body = register_body(phone, PASSWORD);
    r = dc_http("POST", "/v1/accounts", NULL, "application/json; charset=utf-8", body,
                strlen(body));
    ck_assert_msg(r->status == 201, "charset=utf-8 register: %ld %s", r->status, r->body);
    dc_resp_free(r);
    free(body);
}
END_TEST

START_TEST(media_type_lookalike_refused)
{
    const char *cts[] = {"application/jsonx", "application/json-patch+json",
                         "application/json; charset=latin1", "text/json"};
    for (size_t i = 0; i < sizeof cts / sizeof cts[0]; i++) {
        struct dc_resp *r = dc_http("POST", "/v1/accounts", NULL, cts[i], "{}", 2);
        expect_error(r, 415, "unsupported_media_type", cts[i]);
        dc_resp_free(r);
    }
}
END_TEST

/* ---- 413 -------------------------------------------------------------- */

/* Content-Length over the limit: answered from the headers. */
START_TEST(payload_too_large_by_length)
{
    size_t n = 2 * MIB;
    char *body = malloc(n + 1);
    ck_assert_ptr_nonnull(body);
    memset(body, 'a', n);
    memcpy(body, "{\"pad\":\"", 8);
    body[n - 2] = '"';
    body[n - 1] = '}';
    body[n] = '\0';
    struct dc_resp *r = dc_http("POST", "/v1/accounts", NULL, "application/json", body, n);
    expect_error(r, 413, "payload_too_large", "2 MiB with Content-Length");
    char *rid = dc_resp_header(r, "X-Request-Id");
    ck_assert_msg(rid && *rid, "413 without X-Request-Id");
    free(rid);
    dc_resp_free(r);
    free(body);
}
END_TEST

/* No Content-Length: the limit is enforced while streaming. */
START_TEST(payload_too_large_chunked)
{
    const char *lines[] = {"Content-Type: application/json", NULL};
    CURLcode rc;
    struct dc_resp *r = http_ex("POST", "/v1/accounts", lines, NULL, 3 * MIB, &rc);
    ck_assert_msg(rc == CURLE_OK, "chunked upload: curl %s", curl_easy_strerror(rc));
    expect_error(r, 413, "payload_too_large", "3 MiB chunked");
    dc_resp_free(r);

    /* the server still answers afterwards */
    r = dc_req("GET", "/healthz", NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    dc_resp_free(r);
}
END_TEST

/* A padded JSON object of n bytes (caller frees). */
static char *padded_object(size_t n)
{
    char *body = malloc(n + 1);
    ck_assert_ptr_nonnull(body);
    memset(body, 'a', n);
    memcpy(body, "{\"unknown_pad\":\"", 16);
    body[n - 2] = '"';
    body[n - 1] = '}';
    body[n] = '\0';
    return body;
}

static void expect_phone_missing(const struct dc_resp *r, const char *what)
{
    expect_error(r, 422, "validation_failed", what);
    const char *field =
        json_string_value(json_object_get(json_object_get(r->json, "error"), "field"));
    ck_assert_msg(field && strcmp(field, "phone") == 0, "%s: field %s", what,
                  field ? field : "(none)");
}

/* A body just under 1 MiB is read and validated, not refused for size
 * (unknown fields are ignored, so the missing phone is what fails). */
START_TEST(payload_just_under_limit_accepted)
{
    size_t n = MIB - 64;
    char *body = padded_object(n);
    struct dc_resp *r = dc_http("POST", "/v1/accounts", NULL, "application/json", body, n);
    expect_phone_missing(r, "just under 1 MiB");
    dc_resp_free(r);
    free(body);

    /* the same streamed chunked */
    const char *lines[] = {"Content-Type: application/json", NULL};
    CURLcode rc;
    r = http_ex("POST", "/v1/accounts", lines, NULL, n, &rc);
    ck_assert_msg(rc == CURLE_OK, "chunked upload: curl %s", curl_easy_strerror(rc));
    expect_phone_missing(r, "just under 1 MiB chunked");
    dc_resp_free(r);
}
END_TEST

/* The limit itself: exactly 1 MiB is allowed, one byte more is not. */
START_TEST(payload_limit_boundary)
{
    char *body = padded_object(MIB);
    struct dc_resp *r = dc_http("POST", "/v1/accounts", NULL, "application/json", body, MIB);
    expect_phone_missing(r, "exactly 1 MiB");
    dc_resp_free(r);
    free(body);

    body = padded_object(MIB + 1);
    r = dc_http("POST", "/v1/accounts", NULL, "application/json", body, MIB + 1);
    expect_error(r, 413, "payload_too_large", "1 MiB + 1");
    dc_resp_free(r);
    free(body);

    const char *lines[] = {"Content-Type: application/json", NULL};
    r = http_ex("POST", "/v1/accounts", lines, NULL, MIB + 1, NULL);
    expect_error(r, 413, "payload_too_large", "1 MiB + 1 chunked");
    dc_resp_free(r);
}
END_TEST

/* ---- 400 -------------------------------------------------------------- */

START_TEST(invalid_json_bodies)
{
    struct {
        const char *body;
        size_t len;
        const char *what;
    } cases[] = {
        {"{\"phone\":", 9, "truncated"},
        {"{\"phone\":\"\xff\xfe\"}", 14, "invalid UTF-8"},
        {"[]", 2, "array"},
        {"\"x\"", 3, "string"},
        {"42", 2, "number"},
        {"null", 4, "null"},
        {"{\"a\":1,\"a\":2}", 13, "duplicate key"},
        {"{} trailing", 11, "trailing garbage"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dc_resp *r =
            dc_http("POST", "/v1/accounts", NULL, "application/json", cases[i].body, cases[i].len);
        expect_error(r, 400, "invalid_json", cases[i].what);
        dc_resp_free(r);
    }
    /* also on another endpoint */
    struct dc_resp *r = dc_req("POST", "/v1/sessions", NULL, "[1,2]");
    expect_error(r, 400, "invalid_json", "array on /v1/sessions");
    dc_resp_free(r);
}
END_TEST

START_TEST(invalid_json_empty_body)
{
    struct dc_resp *r = dc_http("POST", "/v1/accounts", NULL, "application/json", "", 0);
    expect_error(r, 400, "invalid_json", "empty body");
    dc_resp_free(r);
}
END_TEST

/* ---- 422, 401, 404, 405 ----------------------------------------------- */

START_TEST(validation_names_field)
{
    char *body = register_body("abc", PASSWORD);
    struct dc_resp *r = dc_req("POST", "/v1/accounts", NULL, body);
    expect_error(r, 422, "validation_failed", "phone abc");
    const char *field =
        json_string_value(json_object_get(json_object_get(r->json, "error"), "field"));
    ck_assert_msg(field && strcmp(field, "phone") == 0, "field %s", field ? field : "(none)");
    dc_resp_free(r);
    free(body);

    /* a later bad field is named when the earlier ones are fine */
    char phone[12];
    dc_unique_phone(phone);
    body = register_body(phone, "short");
    r = dc_req("POST", "/v1/accounts", NULL, body);
    expect_error(r, 422, "validation_failed", "short password");
    field = json_string_value(json_object_get(json_object_get(r->json, "error"), "field"));
    ck_assert_msg(field && strcmp(field, "password") == 0, "field %s", field ? field : "(none)");
    dc_resp_free(r);
    free(body);
}
END_TEST

START_TEST(unauthorized_has_bearer_challenge)
{
    struct dc_resp *r = dc_req("GET", "/v1/me", NULL, NULL);
    expect_error(r, 401, "unauthorized", "GET /v1/me without token");
    expect_header_prefix(r, "WWW-Authenticate", "Bearer", "401");
    dc_resp_free(r);
}
END_TEST

START_TEST(unknown_route_not_found)
{
    struct dc_resp *r = dc_req("GET", "/v1/nope", NULL, NULL);
    expect_error(r, 404, "not_found", "GET /v1/nope");
    dc_resp_free(r);
    /* with a body too: 404 wins over anything about the body */
    r = dc_http("POST", "/v1/nope", NULL, "text/plain", "x", 1);
    expect_error(r, 404, "not_found", "POST /v1/nope text/plain");
    dc_resp_free(r);
}
END_TEST

START_TEST(wrong_method_not_allowed)
{
    struct dc_resp *r = dc_req("DELETE", "/v1/me", NULL, NULL);
    expect_error(r, 405, "method_not_allowed", "DELETE /v1/me");
    char *allow = dc_resp_header(r, "Allow");
    ck_assert_msg(allow, "405 without Allow");
    ck_assert_msg(strstr(allow, "GET") && strstr(allow, "PATCH"), "Allow: %s", allow);
    ck_assert_msg(!strstr(allow, "DELETE"), "Allow lists DELETE: %s", allow);
    free(allow);
    dc_resp_free(r);
}
END_TEST

/* ---- X-Request-Id ----------------------------------------------------- */

START_TEST(request_id_sane_is_echoed)
{
    struct dc_resp *r = get_with_request_id("/healthz", "X-Request-Id: test-req-123");
    ck_assert_int_eq(r->status, 200);
    char *rid = dc_resp_header(r, "X-Request-Id");
    ck_assert_msg(rid && strcmp(rid, "test-req-123") == 0, "X-Request-Id: %s",
                  rid ? rid : "(absent)");
    free(rid);
    dc_resp_free(r);

    /* on error responses as well */
    r = get_with_request_id("/v1/nope", "X-Request-Id: test-req-404");
    ck_assert_int_eq(r->status, 404);
    rid = dc_resp_header(r, "X-Request-Id");
    ck_assert_msg(rid && strcmp(rid, "test-req-404") == 0, "X-Request-Id: %s",
                  rid ? rid : "(absent)");
    free(rid);
    dc_resp_free(r);
}
END_TEST

START_TEST(request_id_insane_is_replaced)
{
    char long_line[400];
    char long_id[301];
    memset(long_id, 'a', 300);
    long_id[300] = '\0';
    snprintf(long_line, sizeof long_line, "X-Request-Id: %s", long_id);
    const char *bad[] = {"X-Request-Id: has spaces in it", long_line,
                         "X-Request-Id: quote\"and<angle>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct dc_resp *r = get_with_request_id("/healthz", bad[i]);
        ck_assert_int_eq(r->status, 200);
        char *rid = dc_resp_header(r, "X-Request-Id");
        ck_assert_msg(rid && *rid, "no X-Request-Id for %s", bad[i]);
        ck_assert_msg(strcmp(rid, bad[i] + strlen("X-Request-Id: ")) != 0 && !strchr(rid, ' ') &&
                          strlen(rid) < 129,
                      "insane id kept: %s", rid);
        free(rid);
        dc_resp_free(r);
    }
}
END_TEST

START_TEST(request_id_generated_and_distinct)
{
    struct dc_resp *a = dc_req("GET", "/healthz", NULL, NULL);
    struct dc_resp *b = dc_req("GET", "/v1/nope", NULL, NULL);
    char *ra = dc_resp_header(a, "X-Request-Id");
    char *rb = dc_resp_header(b, "X-Request-Id");
    ck_assert_msg(ra && *ra, "no generated X-Request-Id on 200");
    ck_assert_msg(rb && *rb, "no generated X-Request-Id on 404");
    ck_assert_msg(strcmp(ra, rb) != 0, "two requests share id %s", ra);
    free(ra);
    free(rb);
    dc_resp_free(a);
    dc_resp_free(b);
}
END_TEST

/* ---- error envelope --------------------------------------------------- */

/* Every error kind the conventions name has exactly the envelope shape. */
START_TEST(error_envelope_shape)
{
    struct dc_resp *r;
    r = dc_req("GET", "/v1/nope", NULL, NULL);
    expect_error(r, 404, "not_found", "404");
    dc_resp_free(r);
    r = dc_req("PUT", "/healthz", NULL, NULL);
    expect_error(r, 405, "method_not_allowed", "405");
    dc_resp_free(r);
    r = dc_req("GET", "/v1/me", "not-a-token", NULL);
    expect_error(r, 401, "unauthorized", "401 garbage token");
    dc_resp_free(r);
    r = dc_http("POST", "/v1/sessions", NULL, "text/plain", "{}", 2);
    expect_error(r, 415, "unsupported_media_type", "415");
    dc_resp_free(r);
    r = dc_req("POST", "/v1/sessions", NULL, "{");
    expect_error(r, 400, "invalid_json", "400");
    dc_resp_free(r);
    r = dc_req("POST", "/v1/sessions", NULL, "{}");
    expect_error(r, 422, "validation_failed", "422");
    dc_resp_free(r);
    r = dc_req("POST", "/v1/sessions", NULL,
               "{\"phone\":\"13000000000\",\"password\":\"nobody has this\"}");
    expect_error(r, 401, "invalid_credentials", "401 login");
    dc_resp_free(r);
}
END_TEST

/* ---- health and metrics ----------------------------------------------- */

START_TEST(healthz_ok)
{
    struct dc_resp *r = dc_req("GET", "/healthz", NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_msg(json_is_object(r->json) && json_object_size(r->json) == 1, "body %s", r->body);
    const char *st = json_string_value(json_object_get(r->json, "status"));
    ck_assert_msg(st && strcmp(st, "ok") == 0, "body %s", r->body);
    expect_header_prefix(r, "Content-Type", "application/json", "healthz");
    dc_resp_free(r);
}
END_TEST

START_TEST(readyz_ok)
{
    struct dc_resp *r = dc_req("GET", "/readyz", NULL, NULL);
    ck_assert_msg(r->status == 200, "readyz %ld %s", r->status, r->body);
    dc_resp_free(r);
}
END_TEST

/* The value of the sample whose line starts with prefix, or -1. */
static double metric_value(const char *text, const char *prefix)
{
    for (const char *p = text; p && *p;) {
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            return strtod(p + strlen(prefix), NULL);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

START_TEST(metrics_prometheus_text)
{
    struct dc_resp *h = dc_req("GET", "/healthz", NULL, NULL);
    ck_assert_int_eq(h->status, 200);
    dc_resp_free(h);

    struct dc_resp *r = dc_req("GET", "/metrics", NULL, NULL);
    ck_assert_msg(r->status == 200, "metrics %ld", r->status);
    expect_header_prefix(r, "Content-Type", "text/plain", "metrics");
    double n = metric_value(
        r->body,
        "drillcamp_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} ");
    ck_assert_msg(n >= 1, "no /healthz request counter in:\n%s", r->body);
    ck_assert_msg(strstr(r->body, "# TYPE drillcamp_http_requests_total counter"), "no TYPE");
    ck_assert_msg(strstr(r->body, "\ndrillcamp_http_request_duration_seconds_bucket{"),
                  "no histogram bucket line");
    ck_assert_msg(metric_value(r->body,
                               "drillcamp_http_request_duration_seconds_bucket{method=\"GET\","
                               "route=\"/healthz\",le=\"+Inf\"} ") >= 1,
                  "no +Inf bucket for /healthz");
    ck_assert_msg(metric_value(r->body, "drillcamp_db_pool_connections{pool=\"primary\"} ") >= 1,
                  "no pool size gauge");
    ck_assert_msg(metric_value(r->body, "drillcamp_db_pool_in_use{pool=\"primary\"} ") >= 0,
                  "no in-use gauge");
    ck_assert_msg(strstr(r->body, "# TYPE drillcamp_db_pool_connections gauge"), "no gauge TYPE");
    dc_resp_free(r);
}
END_TEST

/* One connection serves many requests in a row. */
START_TEST(keep_alive_many_requests)
{
    char url[256], *body = calloc(1, 1), *hdrs = calloc(1, 1);
    snprintf(url, sizeof url, "%s/healthz", dc_base_url());
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dc_curl_grow);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, dc_curl_grow);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdrs);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long connects = 0;
    for (int i = 0; i < 200; i++) {
        body[0] = '\0';
        CURLcode rc = curl_easy_perform(c);
        ck_assert_msg(rc == CURLE_OK, "request %d: %s", i, curl_easy_strerror(rc));
        long st = 0, nc = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc);
        ck_assert_msg(st == 200, "request %d: status %ld", i, st);
        ck_assert_msg(strstr(body, "\"ok\""), "request %d: body %s", i, body);
        connects += nc;
    }
    ck_assert_msg(connects == 1, "%ld connections opened for 200 requests", connects);
    curl_easy_cleanup(c);
    free(body);
    free(hdrs);
}
END_TEST

/* ---- access log ------------------------------------------------------- */

START_TEST(access_log_line_per_request)
{
    char rnd[17], rid[64], line[96];
    random_hex(rnd, 8);
    snprintf(rid, sizeof rid, "log-check-%s", rnd);
    snprintf(line, sizeof line, "X-Request-Id: %s", rid);
    struct dc_resp *r = get_with_request_id("/healthz", line);
    ck_assert_int_eq(r->status, 200);
    dc_resp_free(r);

    int count = 0;
    json_t *j = wait_access_line(rid, &count);
    ck_assert_msg(j, "no access-log line with %s in %s", rid, log_file);
    ck_assert_msg(count == 1, "%d access-log lines with %s", count, rid);
    const char *method = json_string_value(json_object_get(j, "method"));
    const char *route = json_string_value(json_object_get(j, "route"));
    ck_assert_msg(method && strcmp(method, "GET") == 0, "method %s", method ? method : "-");
    ck_assert_msg(route && strcmp(route, "/healthz") == 0, "route %s", route ? route : "-");
    ck_assert_msg(json_integer_value(json_object_get(j, "status")) == 200, "status");
    ck_assert_msg(json_is_number(json_object_get(j, "duration_ms")), "duration_ms");
    ck_assert_msg(json_number_value(json_object_get(j, "duration_ms")) >= 0, "duration_ms < 0");
    json_decref(j);

    /* an unmatched route is logged too, with its status */
    snprintf(rid, sizeof rid, "log-check-404-%s", rnd);
    snprintf(line, sizeof line, "X-Request-Id: %s", rid);
    r = get_with_request_id("/v1/nope", line);
    ck_assert_int_eq(r->status, 404);
    dc_resp_free(r);
    j = wait_access_line(rid, &count);
    ck_assert_msg(j, "no access-log line for the 404");
    ck_assert_msg(json_integer_value(json_object_get(j, "status")) == 404, "404 status");
    ck_assert_msg(json_object_get(j, "method"), "404 method");
    json_decref(j);
}
END_TEST

/* Secrets and the full phone number never reach the log. */
START_TEST(access_log_has_no_secrets)
{
    char phone[12], rnd[17], password[40], rid[64], line[96];
    dc_unique_phone(phone);
    random_hex(rnd, 8);
    snprintf(password, sizeof password, "pw-secret-%s", rnd);
    char *id = dc_register(phone, password, "日志检查");
    ck_assert_ptr_nonnull(id);
    char *token = dc_login(phone, password);
    ck_assert_ptr_nonnull(token);
    /* a failed login with the phone and a wrong password, too */
    char wrong[64];
    snprintf(wrong, sizeof wrong, "{\"phone\":\"%s\",\"password\":\"wrong-%s\"}", phone, rnd);
    struct dc_resp *r = dc_req("POST", "/v1/sessions", NULL, wrong);
    ck_assert_int_eq(r->status, 401);
    dc_resp_free(r);

    char auth[256];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(rid, sizeof rid, "log-secrets-%s", rnd);
    snprintf(line, sizeof line, "X-Request-Id: %s", rid);
    const char *lines[] = {auth, line, NULL};
    r = http_ex("GET", "/v1/me", lines, NULL, 0, NULL);
    ck_assert_msg(r->status == 200, "GET /v1/me %ld %s", r->status, r->body);
    dc_resp_free(r);

    int count = 0;
    json_t *j = wait_access_line(rid, &count); /* the log has caught up */
    ck_assert_msg(j, "no access-log line for /v1/me");
    json_decref(j);

    char *log = read_log();
    ck_assert_msg(*log, "empty log %s", log_file);
    ck_assert_msg(!strstr(log, password), "the log holds the password");
    char wrong_pw[40];
    snprintf(wrong_pw, sizeof wrong_pw, "wrong-%s", rnd);
    ck_assert_msg(!strstr(log, wrong_pw), "the log holds the wrong password");
    ck_assert_msg(!strstr(log, token), "the log holds the bearer token");
    ck_assert_msg(!strstr(log, phone), "the log holds the full phone %s", phone);
    free(log);
    free(token);
    free(id);
}
END_TEST

/* ---- graceful SIGTERM (run from main after the suite) ----------------- */

struct login_job {
    const char *phone;
    const char *password;
    long status;
    CURLcode rc;
    double secs; /* from the start of the request to its end */
};

static void *login_thread(void *arg)
{
    struct login_job *job = arg;
    char body[160];
    snprintf(body, sizeof body, "{\"phone\":\"%s\",\"password\":\"%s\"}", job->phone,
             job->password);
    const char *lines[] = {"Content-Type: application/json", NULL};
    double t0 = dc_now_s();
    struct dc_resp *r = http_ex("POST", "/v1/sessions", lines, body, 0, &job->rc);
    job->secs = dc_now_s() - t0;
    job->status = r->status;
    dc_resp_free(r);
    return NULL;
}

/* Ten logins (scrypt, ~0.3 s each, 4 server threads) are in flight or
 * queued on open connections when SIGTERM arrives 100 ms later: each must
 * get a complete response. Returns the number of failures. */
static int sigterm_drains_inflight(void)
{
    char phone[12];
    dc_unique_phone(phone);
    char *id = dc_register(phone, PASSWORD, "优雅停机");
    if (!id) {
        fprintf(stderr, "test_conventions: SIGTERM check: register failed\n");
        return 1;
    }
    free(id);
    enum { N = 10 };
    struct login_job jobs[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        jobs[i] = (struct login_job){phone, i % 2 ? PASSWORD : "wrong password", 0, CURLE_OK, 0};
        pthread_create(&th[i], NULL, login_thread, &jobs[i]);
    }
    struct timespec nap = {0, 100 * 1000 * 1000};
    nanosleep(&nap, NULL);
    kill(dc_server_pid(), SIGTERM);
    int failures = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        long want = i % 2 ? 201 : 401;
        if (jobs[i].status != want) {
            fprintf(stderr,
                    "test_conventions: SIGTERM check: login %d got %ld (curl: %s) after %.3f s, "
                    "want %ld\n",
                    i, jobs[i].status, curl_easy_strerror(jobs[i].rc), jobs[i].secs, want);
            failures++;
        }
    }
    return failures;
}

int main(void)
{
    dc_server_start(NULL);
    const char *dir = getenv("DC_TEST_LOG_DIR");
    snprintf(log_file, sizeof log_file, "%s/server-%d.log", dir ? dir : ".", (int)getpid());

    Suite *s = suite_create("conventions");

    dc_add_tcase(
        s, "media_type_and_size", 60, media_type_text_plain_refused, media_type_missing_refused,
        media_type_charset_utf8_accepted, media_type_lookalike_refused, payload_too_large_by_length,
        payload_too_large_chunked, payload_just_under_limit_accepted, payload_limit_boundary, NULL);

    dc_add_tcase(s, "errors", 60, invalid_json_bodies, invalid_json_empty_body,
                 validation_names_field, unauthorized_has_bearer_challenge, unknown_route_not_found,
                 wrong_method_not_allowed, error_envelope_shape, NULL);

    dc_add_tcase(s, "request_id", 60, request_id_sane_is_echoed, request_id_insane_is_replaced,
                 request_id_generated_and_distinct, NULL);

    dc_add_tcase(s, "health_metrics_log", 60, healthz_ok, readyz_ok, metrics_prometheus_text,
                 keep_alive_many_requests, access_log_line_per_request, access_log_has_no_secrets,
                 NULL);

    int rc = dc_run_suite(s);
    fflush(stdout);
    int drain_failures = sigterm_drains_inflight();
    if (drain_failures)
        fprintf(stderr, "test_conventions: %d logins lost to SIGTERM\n", drain_failures);
    return dc_finish("test_conventions", rc != 0 || drain_failures != 0);
}
