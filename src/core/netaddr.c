/*
 * netaddr.c - addresses, CIDR lists and the choice of a request's client
 * address behind trusted proxies (see netaddr.h). Pure logic: no sockets
 * are opened here.
 */
#include "drillcamp/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool is_v4(const struct net_addr *a)
{
    return memcmp(a->b, v4_mapped, sizeof v4_mapped) == 0;
}

static void from_v4(const void *in4, struct net_addr *out)
{
    memcpy(out->b, v4_mapped, sizeof v4_mapped);
    memcpy(out->b + 12, in4, 4);
}

bool net_addr_parse(const char *text, size_t len, struct net_addr *out)
{
    char buf[INET6_ADDRSTRLEN + 1];
    while (len > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    unsigned char raw[16];
    if (inet_pton(AF_INET, buf, raw) == 1) {
        from_v4(raw, out);
        return true;
    }
    if (inet_pton(AF_INET6, buf, raw) == 1) {
        memcpy(out->b, raw, 16);
        return true;
    }
    return false;
}

void net_addr_format(const struct net_addr *a, char *out, size_t cap)
{
    if (cap == 0)
        return;
    const char *ok = is_v4(a) ? inet_ntop(AF_INET, a->b + 12, out, (socklen_t)cap)
                              : inet_ntop(AF_INET6, a->b, out, (socklen_t)cap);
    if (!ok)
        out[0] = '\0';
}

bool net_addr_from_sockaddr(const void *sa, struct net_addr *out)
{
    const struct sockaddr *s = sa;
    if (!s)
        return false;
    if (s->sa_family == AF_INET) {
        from_v4(&((const struct sockaddr_in *)sa)->sin_addr, out);
        return true;
    }
    if (s->sa_family == AF_INET6) {
        memcpy(out->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

static void mask_to(struct net_addr *a, unsigned prefix)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;
        if (bits < 8)
            a->b[i] &= (unsigned char)(0xff00u >> bits);
    }
}

/* One "address[/prefix]" entry of [s, s + len). */
static bool cidr_parse(const char *s, size_t len, struct net_cidr *out)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (!net_addr_parse(s, alen, &out->addr))
        return false;
    unsigned width = is_v4(&out->addr) ? 32 : 128;
    unsigned prefix = width;
    if (slash) {
        const char *p = slash + 1, *end = s + len;
        if (p == end || end - p > 3)
            return false;
        prefix = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return false;
            prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix > width)
            return false;
    }
    out->prefix = prefix + (128 - width);
    mask_to(&out->addr, out->prefix);
    return true;
}

static bool is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

enum dc_err net_list_parse(const char *text, struct net_list *out)
{
    out->v = NULL;
    out->n = 0;
    if (!text)
        return DC_OK;
    size_t max = 1;
    for (const char *p = text; *p; p++)
        max += *p == ',' || *p == ' ';
    struct net_cidr *v = calloc(max, sizeof *v);
    if (!v)
        return DC_ERR_NOMEM;
    size_t n = 0;
    const char *p = text;
    while (*p) {
        while (*p && is_sep(*p))
            p++;
        const char *start = p;
        while (*p && !is_sep(*p))
            p++;
        if (p == start)
            break;
        if (!cidr_parse(start, (size_t)(p - start), &v[n])) {
            free(v);
            return DC_ERR_VALIDATION;
        }
        n++;
    }
    if (n == 0) {
        free(v);
        v = NULL;
    }
    out->v = v;
    out->n = n;
    return DC_OK;
}

void net_list_free(struct net_list *l)
{
    if (!l)
        return;
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

bool net_list_contains(const struct net_list *l, const struct net_addr *a)
{
    for (size_t i = 0; l && i < l->n; i++) {
        struct net_addr m = *a;
        mask_to(&m, l->v[i].prefix);
        if (memcmp(m.b, l->v[i].addr.b, 16) == 0)
            return true;
    }
    return false;
}

bool net_client_addr(const struct net_list *trusted, const struct net_addr *peer, const char *xff,
                     struct net_addr *out)
{
    *out = *peer;
    if (!xff || !net_list_contains(trusted, peer))
        return false;
    /* right to left: each entry was appended by the hop right of it */
    const char *end = xff + strlen(xff);
    bool from_header = false;
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        struct net_addr a;
        size_t len = (size_t)(end - start);
        bool blank = strspn(start, " \t") >= len;
        if (!blank) {
            if (!net_addr_parse(start, len, &a))
                return from_header;
            *out = a;
            from_header = true;
            if (!net_list_contains(trusted, &a))
                return true;
        }
        end = start > xff ? start - 1 : xff;
    }
    return from_header;
}
