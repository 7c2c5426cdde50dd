/*
 * guard.h - what keeps one client from locking others out: a cap on the
 * connections (and, behind trusted proxies, the requests in flight) of one
 * client address, and a deadline for each request head however slowly it
 * trickles in.
 *
 * MHD's own idle timeout counts only silence, so a client sending a byte a
 * second holds a connection forever; and nothing in MHD caps one address
 * while exempting a load balancer. Both live here.
 */
#ifndef DRILLCAMP_GUARD_H
#define DRILLCAMP_GUARD_H

#include <stdbool.h>

#include "drillcamp/err.h"
#include "drillcamp/netaddr.h"

struct guard_conn; /* one open connection, owned by the guard */

/* per_address: connections (and proxied requests in flight) one address
 * may hold, 0 for no cap; head_timeout_s: seconds a connection has to
 * deliver a complete request head from its opening or from the end of its
 * previous request, 0 for none. trusted: proxies exempt from the
 * connection cap (borrowed, lives as long as the guard). Starts the thread
 * that closes late connections. */
enum dc_err guard_start(unsigned per_address, unsigned head_timeout_s,
                        const struct net_list *trusted);
void guard_stop(void);

/* Whether a new connection from sa may be accepted (MHD's accept policy). */
bool guard_may_accept(const void *sa);
/* A connection accepted (fd, peer sa): counted and timed until
 * guard_conn_close. NULL when out of memory (the connection is then
 * neither counted nor timed). */
struct guard_conn *guard_conn_open(int fd, const void *sa);
void guard_conn_close(struct guard_conn *c);
/* The request head is complete: no deadline until the request is done. */
void guard_head_done(struct guard_conn *c);
/* The request is answered: the next head's deadline starts now. */
void guard_request_done(struct guard_conn *c);

/* A request a trusted proxy forwarded for client: false when that client
 * already has the cap of requests in flight (nothing is counted then);
 * else guard_request_leave must follow. */
bool guard_request_enter(const struct net_addr *client);
void guard_request_leave(const struct net_addr *client);

/* Connections closed for a late request head since the start. */
unsigned long long guard_heads_timed_out(void);
/* Connections and proxied requests refused by the per-address cap. */
unsigned long long guard_refused(void);

#endif
