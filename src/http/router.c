/*
 * router.c - matches a method and path against the route table.
 *
 * Pure string work (no MHD) so that it can be unit tested: literal segments
 * must be equal, ":name" segments capture one non-empty segment, and
 * ":name.ext" one that ends in ".ext" (captured without it). A path that
 * matches some pattern under another method is a 405 with the Allow list.
 */
#include "drillcamp/router.h"

#include <stdlib.h>
#include <string.h>

/* Next segment of *p (after leading '/'); returns its length, advances *p. */
static size_t next_segment(const char **p, const char **seg)
{
    const char *s = *p;
    if (*s == '/')
        s++;
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    *seg = s;
    *p = s + len;
    return len;
}

/* Matches one pattern; on success captures params (malloc'ed values). */
static int match_pattern(const char *pattern, const char *path, struct dc_param *params,
                         int *nparams)
{
    const char *pp = pattern, *sp = path;
    int n = 0;
    for (;;) {
        int pat_end = (*pp == '\0'), path_end = (*sp == '\0');
        if (pat_end || path_end) {
            if (pat_end && path_end)
                break;
            goto fail;
        }
        const char *pseg, *sseg;
        size_t plen = next_segment(&pp, &pseg);
        size_t slen = next_segment(&sp, &sseg);
        if (plen > 0 && pseg[0] == ':') {
            /* ":serial.svg": a parameter followed by a literal suffix */
            const char *dot = memchr(pseg, '.', plen);
            size_t suffix = dot ? plen - (size_t)(dot - pseg) : 0;
            if (slen <= suffix || n >= DC_MAX_PARAMS ||
                (suffix && memcmp(sseg + slen - suffix, dot, suffix) != 0))
                goto fail;
            params[n].name = NULL; /* filled by the caller from the pattern */
            params[n].value = strndup(sseg, slen - suffix);
            if (!params[n].value)
                goto fail;
            n++;
        } else if (plen != slen || memcmp(pseg, sseg, plen) != 0) {
            goto fail;
        }
    }
    *nparams = n;
    return 1;
fail:
    for (int i = 0; i < n; i++)
        free(params[i].value);
    return 0;
}

/* Points each captured param's name at its ":name" in the pattern. */
static void name_params(const char *pattern, struct dc_param *params, int nparams)
{
    int i = 0;
    for (const char *p = strchr(pattern, ':'); p && i < nparams; p = strchr(p + 1, ':'))
        params[i++].name = p + 1;
}

static void allow_add(char *allow, size_t allow_len, const char *method)
{
    if (strstr(allow, method))
        return;
    size_t used = strlen(allow);
    size_t need = strlen(method) + (used ? 2 : 0);
    if (used + need + 1 > allow_len)
        return;
    if (used)
        strcat(allow, ", ");
    strcat(allow, method);
}

enum dc_match router_match(const struct dc_route *routes, const char *method, const char *path,
                           const struct dc_route **out, struct dc_param *params, int *nparams,
                           char *allow, size_t allow_len)
{
    int path_seen = 0;
    if (allow_len)
        allow[0] = '\0';
    *nparams = 0;
    for (const struct dc_route *r = routes; r->method; r++) {
        struct dc_param tmp[DC_MAX_PARAMS];
        int n = 0;
        if (!match_pattern(r->pattern, path, tmp, &n))
            continue;
        if (strcmp(r->method, method) == 0) {
            name_params(r->pattern, tmp, n);
            memcpy(params, tmp, sizeof(struct dc_param) * (size_t)n);
            *nparams = n;
            *out = r;
            return DC_MATCH_FOUND;
        }
        for (int i = 0; i < n; i++)
            free(tmp[i].value);
        path_seen = 1;
        allow_add(allow, allow_len, r->method);
    }
    if (!path_seen)
        return DC_MATCH_NO_PATH;
    return DC_MATCH_NO_METHOD;
}
