/*
 * fuzz_router.c - router_match over the real route table (dc_routes) with a
 * fuzzed method and path: the input up to the first NUL or newline is the
 * method, the rest (up to a NUL) the path.
 *
 * Checked: a found route has the method asked for and a pattern that gives
 * back the path when its parameters are put in (non-empty, without '/');
 * dc_req_param finds each parameter by name; a 405's Allow list names
 * exactly methods that do match the path; a 404 path matches under no
 * method; a short Allow buffer is never overrun and changes nothing else.
 * The captured parameters then go through the checks the handlers run on
 * them (validate_id, sign_serial_well_formed, the external-id UTF-8 checks).
 * Every captured value is freed.
 *
 * Once, before the first input, the table's declarations are checked
 * against what the dispatcher (src/http/dispatch.c) does with them: a
 * route with roles is a bearer route (roles are only checked on a verified
 * token); a route whose authentication looks a token or a partner up
 * declares a database; every partner route is rate limited by its key and
 * that limit is only on partner routes; a limit keyed by the account is on
 * bearer routes only, and none is one the dispatcher does not count
 * (RL_LOGIN_PHONE, counted by its handler); a body limit is the default or
 * the batch limit, on JSON routes only; JSON bodies on POST, PUT, PATCH;
 * /v1/admin/ routes need staff roles and /v1/partner/ routes a partner's
 * signature; no two routes share a method and pattern; each route is
 * reached by its own pattern (no earlier route shadows it). Every route the
 * fuzzer reaches is checked again as found.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/http.h"
#include "drillcamp/limits.h"
#include "drillcamp/ratelimit.h"
#include "drillcamp/router.h"
#include "drillcamp/sign.h"
#include "drillcamp/validate.h"

#include "fuzz_common.h"

static const char *const METHODS[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};

static void free_params(struct dc_param *params, int n)
{
    for (int i = 0; i < n; i++)
        free(params[i].value);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What one route of the table declares, against what the dispatcher does
 * with it. */
static void check_route(const struct dc_route *r)
{
    size_t count = dc_routes_count();
    CHECK(r >= dc_routes && r < dc_routes + count);
    CHECK(r->method && r->pattern && r->handler);
    bool known_method = false;
    for (int i = 0; METHODS[i]; i++)
        known_method = known_method || strcmp(r->method, METHODS[i]) == 0;
    CHECK(known_method);
    CHECK(r->pattern[0] == '/');

    CHECK(r->auth == DC_AUTH_NONE || r->auth == DC_AUTH_OPTIONAL || r->auth == DC_AUTH_BEARER ||
          r->auth == DC_AUTH_PARTNER);
    CHECK(r->db == DC_DB_NONE || r->db == DC_DB_PRIMARY || r->db == DC_DB_READ ||
          r->db == DC_DB_REPORT);
    CHECK((unsigned)r->rate < RL__COUNT);
    CHECK((r->flags & ~DC_ROUTE_JSON) == 0);
    CHECK((r->roles & ~DC_ROLES_ANY) == 0);

    /* roles are checked only on a verified token: a route with roles is a
     * bearer route (an optional one would let anonymous callers through) */
    if (r->roles)
        CHECK(r->auth == DC_AUTH_BEARER);
    /* looking a token or a partner up needs the database: the route declares one */
    if (r->auth != DC_AUTH_NONE)
        CHECK(r->db != DC_DB_NONE);
    /* partners are rate limited by their key, and only partners have one */
    CHECK((r->auth == DC_AUTH_PARTNER) == (r->rate == RL_PARTNER_KEY));
    /* an account's limit needs an account: anonymous callers would share key "0" */
    if (r->rate == RL_LIKES_ACCOUNT || r->rate == RL_PROGRESS_ACCOUNT)
        CHECK(r->auth == DC_AUTH_BEARER);
    /* the phone's limit is counted by the login handler, never by the dispatcher */
    CHECK(r->rate != RL_LOGIN_PHONE);

    /* body limits: the default, or the batch limit on JSON routes */
    CHECK(r->body_limit == 0 || r->body_limit == DC_BODY_LIMIT_DEFAULT ||
          r->body_limit == DC_BODY_LIMIT_BATCH);
    if (r->body_limit)
        CHECK(r->flags & DC_ROUTE_JSON);
    if (r->flags & DC_ROUTE_JSON)
        CHECK(strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
              strcmp(r->method, "PATCH") == 0);

    /* the path says who calls: /v1/admin/ is staff, /v1/partner/ partners */
    if (starts_with(r->pattern, "/v1/admin/"))
        CHECK(r->auth == DC_AUTH_BEARER && r->roles && !(r->roles & DC_ROLE_USER));
    CHECK(starts_with(r->pattern, "/v1/partner/") == (r->auth == DC_AUTH_PARTNER));
}

/* A route is reachable: its pattern with "1" for each parameter matches it,
 * not a route listed before it (literal segments go before parameters). */
static void check_reachable(const struct dc_route *r)
{
    char path[256], *o = path;
    for (const char *p = r->pattern; *p;) {
        CHECK(o < path + sizeof path - 2);
        if (*p == ':') {
            *o++ = '1';
            while (*p && *p != '/' && *p != '.')
                p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    struct dc_param params[DC_MAX_PARAMS];
    const struct dc_route *found = NULL;
    int n = 0;
    char allow[128];
    enum dc_match m =
        router_match(dc_routes, r->method, path, &found, params, &n, allow, sizeof allow);
    if (m != DC_MATCH_FOUND || found != r) {
        fprintf(stderr, "%s %s: %s reaches %s\n", r->method, r->pattern, path,
                m == DC_MATCH_FOUND ? found->pattern : "no route");
        abort();
    }
    free_params(params, n);
}

/* The whole table, once. */
static void check_table(void)
{
    size_t count = dc_routes_count();
    CHECK(count >= 1);
    CHECK(dc_routes[count].method == NULL);
    for (size_t i = 0; i < count; i++) {
        CHECK(dc_routes[i].method != NULL);
        check_route(&dc_routes[i]);
        check_reachable(&dc_routes[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(dc_routes[i].method, dc_routes[j].method) == 0 &&
                strcmp(dc_routes[i].pattern, dc_routes[j].pattern) == 0) {
                fprintf(stderr, "route %s %s is declared twice\n", dc_routes[i].method,
                        dc_routes[i].pattern);
                abort();
            }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    check_table();
    return 0;
}

/* Puts the captured values into the pattern; aborts on a mismatch with path. */
static void check_rebuild(const struct dc_route *r, const char *path, const struct dc_param *params,
                          int n)
{
    size_t cap = strlen(r->pattern) + 2;
    for (int i = 0; i < n; i++)
        cap += strlen(params[i].value);
    char *out = malloc(cap), *o = out;
    CHECK(out);
    int k = 0;
    for (const char *p = r->pattern; *p;) {
        if (*p == ':') {
            /* ":name" up to '/', or ":name.ext" whose ".ext" stays literal */
            const char *end = p;
            while (*end && *end != '/' && *end != '.')
                end++;
            CHECK(k < n);
            CHECK(params[k].name == p + 1);
            size_t vl = strlen(params[k].value);
            memcpy(o, params[k].value, vl);
            o += vl;
            k++;
            p = end;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    CHECK(k == n);
    /* the matcher takes a path without its leading '/' as if it had one */
    const char *want = path[0] == '/' ? out : out + 1;
    if (strcmp(want, path) != 0) {
        fprintf(stderr, "path %s matched %s but rebuilds as %s\n", path, r->pattern, out);
        abort();
    }
    free(out);
}

/* The checks handlers run on path parameters. */
static void check_param_value(const char *name, const char *value)
{
    if (strncmp(name, "id", 2) == 0) {
        int64_t id;
        if (validate_id(value, &id))
            CHECK(id > 0);
    } else if (strncmp(name, "serial", 6) == 0) {
        if (sign_serial_well_formed(value))
            CHECK(strlen(value) == 22 && strncmp(value, "DC-", 3) == 0);
    } else {
        /* external_user_id / external_id (partner_users_api.c,
         * partner_submissions_api.c) */
        bool ok =
            validate_utf8(value) && validate_utf8_len(value) <= 128 && validate_no_control(value);
        if (ok)
            CHECK(validate_utf8_len(value) >= 1);
    }
}

static void one(const char *method, const char *path)
{
    struct dc_param params[DC_MAX_PARAMS];
    const struct dc_route *r = NULL;
    int n = -1;
    char allow[128];
    enum dc_match m = router_match(dc_routes, method, path, &r, params, &n, allow, sizeof allow);

    /* the same with an Allow buffer too short for some lists */
    size_t small_len = 1 + strlen(path) % 12;
    char small[16];
    memset(small, 'x', sizeof small);
    struct dc_param params2[DC_MAX_PARAMS];
    const struct dc_route *r2 = NULL;
    int n2 = -1;
    enum dc_match m2 = router_match(dc_routes, method, path, &r2, params2, &n2, small, small_len);
    CHECK(m2 == m);
    CHECK(strlen(small) < small_len);
    for (size_t i = small_len; i < sizeof small; i++)
        CHECK(small[i] == 'x');
    if (m2 == DC_MATCH_FOUND) {
        CHECK(r2 == r && n2 == n);
        for (int i = 0; i < n; i++)
            CHECK(strcmp(params2[i].value, params[i].value) == 0);
        free_params(params2, n2);
    }

    switch (m) {
    case DC_MATCH_FOUND: {
        CHECK(r && strcmp(r->method, method) == 0);
        check_route(r);
        CHECK(n >= 0 && n <= DC_MAX_PARAMS);
        int colons = 0;
        for (const char *p = r->pattern; *p; p++)
            colons += *p == ':';
        CHECK(n == colons);
        for (int i = 0; i < n; i++) {
            CHECK(params[i].value && params[i].value[0] != '\0');
            CHECK(!strchr(params[i].value, '/'));
        }
        check_rebuild(r, path, params, n);
        /* the handlers' view: dc_req_param by name */
        struct dc_req req = {0};
        memcpy(req.params, params, sizeof(struct dc_param) * (size_t)n);
        req.nparams = n;
        for (int i = 0; i < n; i++) {
            char name[32];
            size_t len = strcspn(params[i].name, "/.");
            CHECK(len < sizeof name);
            memcpy(name, params[i].name, len);
            name[len] = '\0';
            CHECK(dc_req_param(&req, name) == params[i].value);
            check_param_value(name, params[i].value);
        }
        CHECK(dc_req_param(&req, "no_such_param") == NULL);
        free_params(params, n);
        break;
    }
    case DC_MATCH_NO_METHOD: {
        CHECK(n == 0);
        CHECK(allow[0] != '\0');
        /* every listed method matches the path; the one asked for is not listed */
        char list[128];
        snprintf(list, sizeof list, "%s", allow);
        int listed = 0;
        for (char *save = NULL, *tok = strtok_r(list, ", ", &save); tok;
             tok = strtok_r(NULL, ", ", &save)) {
            CHECK(strcmp(tok, method) != 0);
            struct dc_param p3[DC_MAX_PARAMS];
            const struct dc_route *r3;
            int n3;
            char a3[128];
            CHECK(router_match(dc_routes, tok, path, &r3, p3, &n3, a3, sizeof a3) ==
                  DC_MATCH_FOUND);
            free_params(p3, n3);
            listed++;
        }
        CHECK(listed >= 1);
        break;
    }
    case DC_MATCH_NO_PATH:
        CHECK(n == 0);
        for (int i = 0; METHODS[i]; i++) {
            struct dc_param p3[DC_MAX_PARAMS];
            const struct dc_route *r3;
            int n3;
            char a3[128];
            CHECK(router_match(dc_routes, METHODS[i], path, &r3, p3, &n3, a3, sizeof a3) ==
                  DC_MATCH_NO_PATH);
        }
        break;
    default:
        CHECK(!"router_match returned an unknown value");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* method: up to the first NUL or newline; path: the rest, up to a NUL */
    size_t split = 0;
    while (split < size && data[split] != '\0' && data[split] != '\n')
        split++;
    char *method = fuzz_strndup(data, split);
    size_t rest = split < size ? size - split - 1 : 0;
    char *path = fuzz_strndup(split < size ? (const char *)data + split + 1 : "", rest);
    one(method, path);
    /* the same path under each real method, so that every input reaches
     * the parameter checks whatever its method bytes */
    for (int i = 0; METHODS[i]; i++)
        if (strcmp(method, METHODS[i]) != 0)
            one(METHODS[i], path);
    free(method);
    free(path);
    return 0;
}
