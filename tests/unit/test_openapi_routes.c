/*
 * test_openapi_routes.c - the router and api/openapi.yaml describe the same
 * API: every (method, path) the router knows is in the spec, and every
 * operation in the spec is routed. The spec's layout rule (path keys at two
 * spaces, methods at four under `paths:`) keeps this reader line-based.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/router.h"

#define MAX_OPS 512

struct op {
    char method[8];
    char path[1024];
};

static struct op spec_ops[MAX_OPS];
static int nspec;

static void load_spec(void)
{
    FILE *f = fopen(SOURCE_DIR "/api/openapi.yaml", "r");
    ck_assert_msg(f != NULL, "api/openapi.yaml is missing");
    char line[1024], path[1024] = "";
    int in_paths = 0;
    nspec = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && !isspace((unsigned char)line[0]) && line[0] != '#') {
            in_paths = strcmp(line, "paths:") == 0;
            continue;
        }
        if (!in_paths)
            continue;
        if (strncmp(line, "  /", 3) == 0) {
            snprintf(path, sizeof path, "%s", line + 2);
            path[strcspn(path, ":")] = '\0';
            continue;
        }
        if (strncmp(line, "    ", 4) == 0 && isalpha((unsigned char)line[4])) {
            static const char *const methods[] = {"get",   "put",  "post",    "delete",
                                                  "patch", "head", "options", NULL};
            for (int i = 0; methods[i]; i++) {
                size_t n = strlen(methods[i]);
                if (strncmp(line + 4, methods[i], n) == 0 && line[4 + n] == ':' &&
                    nspec < MAX_OPS) {
                    for (size_t k = 0; k <= n; k++)
                        spec_ops[nspec].method[k] = (char)toupper((unsigned char)methods[i][k]);
                    snprintf(spec_ops[nspec].path, sizeof spec_ops[nspec].path, "%s", path);
                    nspec++;
                }
            }
        }
    }
    fclose(f);
}

/* "/v1/admin/accounts/:id/role" -> "/v1/admin/accounts/{id}/role",
 * "/v1/certificates/:serial.svg" -> "/v1/certificates/{serial}.svg" */
static void to_openapi(const char *pattern, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 2 < cap; p++) {
        if (*p == ':') {
            out[o++] = '{';
            p++;
            while (*p && *p != '/' && *p != '.' && o + 2 < cap)
                out[o++] = *p++;
            out[o++] = '}';
            p--;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static int spec_has(const char *method, const char *path)
{
    for (int i = 0; i < nspec; i++)
        if (strcmp(spec_ops[i].method, method) == 0 && strcmp(spec_ops[i].path, path) == 0)
            return 1;
    return 0;
}

START_TEST(every_route_documented)
{
    load_spec();
    ck_assert_int_gt(nspec, 0);
    for (size_t i = 0; i < dc_routes_count(); i++) {
        char p[256];
        to_openapi(dc_routes[i].pattern, p, sizeof p);
        ck_assert_msg(spec_has(dc_routes[i].method, p), "%s %s is routed but not in the spec",
                      dc_routes[i].method, p);
    }
}
END_TEST

START_TEST(every_documented_operation_routed)
{
    load_spec();
    for (int i = 0; i < nspec; i++) {
        int found = 0;
        for (size_t k = 0; k < dc_routes_count() && !found; k++) {
            char p[256];
            to_openapi(dc_routes[k].pattern, p, sizeof p);
            found = strcmp(dc_routes[k].method, spec_ops[i].method) == 0 &&
                    strcmp(p, spec_ops[i].path) == 0;
        }
        ck_assert_msg(found, "%s %s is in the spec but not routed", spec_ops[i].method,
                      spec_ops[i].path);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("openapi_routes");
    TCase *tc = tcase_create("spec");
    tcase_add_test(tc, every_route_documented);
    tcase_add_test(tc, every_documented_operation_routed);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
