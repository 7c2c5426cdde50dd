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
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/http.h"
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
        /* external_user_id / external_id (partners_api.c) */
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
