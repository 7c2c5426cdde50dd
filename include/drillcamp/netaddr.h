/*
 * netaddr.h - IP addresses and CIDR lists: who the client of a request is.
 *
 * The client's address is the TCP peer, unless the peer is one of the
 * trusted proxies (DRILLCAMP_TRUSTED_PROXIES): then it is the rightmost
 * address of X-Forwarded-For that is not itself a trusted proxy. A client
 * that is not a trusted proxy can send any X-Forwarded-For it likes: it
 * is never read.
 */
#ifndef DRILLCAMP_NETADDR_H
#define DRILLCAMP_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "drillcamp/err.h"

/* An address: IPv4 is kept as its IPv4-mapped IPv6 form, so one compare
 * serves both families. */
struct net_addr {
    unsigned char b[16];
};

struct net_cidr {
    struct net_addr addr; /* masked to the prefix */
    unsigned prefix;      /* 0..128, in the IPv6 form */
};

/* A fixed list of networks (owned by the caller: net_list_free). */
struct net_list {
    struct net_cidr *v;
    size_t n;
};

/* Text ("203.0.113.7", "2001:db8::1") to an address; false if it is none. */
bool net_addr_parse(const char *text, size_t len, struct net_addr *out);
/* The address as text (IPv4 in dotted form) into out (>= 46 bytes). */
void net_addr_format(const struct net_addr *a, char *out, size_t cap);
/* A socket address (AF_INET or AF_INET6) to an address; false otherwise. */
bool net_addr_from_sockaddr(const void *sa, struct net_addr *out);

/*
 * "10.0.0.0/8, 127.0.0.1, ::1/128": comma- or space-separated networks (a
 * bare address is a /32 or /128). NULL or "" gives the empty list. On a
 * bad entry returns DC_ERR_VALIDATION, *out empty.
 */
enum dc_err net_list_parse(const char *text, struct net_list *out);
void net_list_free(struct net_list *l);
bool net_list_contains(const struct net_list *l, const struct net_addr *a);

/*
 * The client of a request whose TCP peer is `peer`: the peer itself unless
 * it is in `trusted`; then the rightmost X-Forwarded-For entry (xff: every
 * X-Forwarded-For header's value joined by commas, in order; NULL when
 * none) that is not trusted. A malformed entry ends the walk: the address
 * right of it (a trusted proxy) is the client. Returns whether the answer
 * came from the header.
 */
bool net_client_addr(const struct net_list *trusted, const struct net_addr *peer, const char *xff,
                     struct net_addr *out);

#endif
