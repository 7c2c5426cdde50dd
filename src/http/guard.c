/*
 * guard.c - per-address connection and request caps and the request-head
 * deadline (see guard.h).
 *
 * Counts live in a fixed hash of 4,096 chains under one mutex, taken once
 * when a connection opens and once when it closes (or a proxied request
 * starts and ends): far rarer than requests on kept-alive connections.
 * Open connections also sit on one list that a ticker walks four times a
 * second; a connection whose head is late is shut down (shutdown(2), not
 * close: MHD still owns the descriptor and closes it when it sees the
 * end), which MHD then handles like any client that went away.
 */
#include "drillcamp/guard.h"

#include "drillcamp/ticker.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BUCKETS 4096
#define TICK_MS 250

struct count {
    struct count *next;
    struct net_addr addr;
    unsigned n;
};

struct guard_conn {
    struct guard_conn *prev, *next;
    int fd;
    bool counted; /* holds one of its address's connection slots */
    bool closed;  /* shut down for a late head */
    struct net_addr addr;
    struct sockaddr_storage peer; /* to tell a reused descriptor */
    atomic_llong deadline_ms;     /* 0 while a request is being handled */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct count *conns[BUCKETS];    /* connections by address */
static struct count *requests[BUCKETS]; /* proxied requests by client */
static struct guard_conn *open_list;
static unsigned cap, head_ms;
static const struct net_list *trusted_list;
static struct ticker reaper;
static atomic_ullong timed_out, refused;

/* A coarse clock (a few ms): read twice per request, and the deadlines are
 * seconds long. */
static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static unsigned bucket_of(const struct net_addr *a)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->b[i]) * 16777619u;
    return h % BUCKETS;
}

/* The count of a in table (mu held); NULL when a has none. */
static struct count *count_find(struct count **table, const struct net_addr *a)
{
    for (struct count *c = table[bucket_of(a)]; c; c = c->next)
        if (memcmp(c->addr.b, a->b, 16) == 0)
            return c;
    return NULL;
}

/* One more for a, unless it has `limit` already (0: none; mu held). */
static bool count_take(struct count **table, const struct net_addr *a, unsigned limit)
{
    struct count *c = count_find(table, a);
    if (c && limit && c->n >= limit)
        return false;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return false;
        c->addr = *a;
        unsigned b = bucket_of(a);
        c->next = table[b];
        table[b] = c;
    }
    c->n++;
    return true;
}

/* One less for a; the entry goes when it reaches zero (mu held). */
static void count_put(struct count **table, const struct net_addr *a)
{
    struct count **pp = &table[bucket_of(a)];
    for (; *pp; pp = &(*pp)->next) {
        struct count *c = *pp;
        if (memcmp(c->addr.b, a->b, 16) != 0)
            continue;
        if (--c->n == 0) {
            *pp = c->next;
            free(c);
        }
        return;
    }
}

static bool exempt(const struct net_addr *a)
{
    return net_list_contains(trusted_list, a);
}

bool guard_may_accept(const void *sa)
{
    struct net_addr a;
    if (!cap || !net_addr_from_sockaddr(sa, &a) || exempt(&a))
        return true;
    pthread_mutex_lock(&mu);
    struct count *c = count_find(conns, &a);
    bool ok = !c || c->n < cap;
    pthread_mutex_unlock(&mu);
    if (!ok)
        atomic_fetch_add(&refused, 1);
    return ok;
}

struct guard_conn *guard_conn_open(int fd, const void *sa)
{
    struct guard_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    bool have = net_addr_from_sockaddr(sa, &c->addr);
    if (have) {
        socklen_t len = ((const struct sockaddr *)sa)->sa_family == AF_INET6
                            ? sizeof(struct sockaddr_in6)
                            : sizeof(struct sockaddr_in);
        memcpy(&c->peer, sa, len);
    }
    atomic_store(&c->deadline_ms, head_ms ? now_ms() + head_ms : 0);
    pthread_mutex_lock(&mu);
    /* counted even past the cap (MHD accepted it already): the cap is
     * checked before accepting, so at most a thread's worth over */
    if (cap && have && !exempt(&c->addr))
        c->counted = count_take(conns, &c->addr, 0);
    c->next = open_list;
    if (open_list)
        open_list->prev = c;
    open_list = c;
    pthread_mutex_unlock(&mu);
    return c;
}

void guard_conn_close(struct guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&mu);
    if (c->counted)
        count_put(conns, &c->addr);
    if (c->prev)
        c->prev->next = c->next;
    else
        open_list = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&mu);
    free(c);
}

/* Relaxed: the sweep reads a deadline at most one tick late. */
void guard_head_done(struct guard_conn *c)
{
    if (c)
        atomic_store_explicit(&c->deadline_ms, 0, memory_order_relaxed);
}

void guard_request_done(struct guard_conn *c)
{
    if (c && head_ms)
        atomic_store_explicit(&c->deadline_ms, now_ms() + head_ms, memory_order_relaxed);
}

bool guard_request_enter(const struct net_addr *client)
{
    if (!cap)
        return true;
    pthread_mutex_lock(&mu);
    bool ok = count_take(requests, client, cap);
    pthread_mutex_unlock(&mu);
    if (!ok)
        atomic_fetch_add(&refused, 1);
    return ok;
}

void guard_request_leave(const struct net_addr *client)
{
    if (!cap)
        return;
    pthread_mutex_lock(&mu);
    count_put(requests, client);
    pthread_mutex_unlock(&mu);
}

/* Whether fd is still the connection c was opened with (MHD may have
 * closed it and the number been reused since; mu held, so c is alive). */
static bool same_socket(const struct guard_conn *c)
{
    struct sockaddr_storage now = {0};
    socklen_t len = sizeof now;
    if (getpeername(c->fd, (struct sockaddr *)&now, &len) != 0)
        return false;
    size_t cmp =
        now.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    return memcmp(&now, &c->peer, cmp) == 0;
}

/* Shuts down every connection whose head is late (mu held). */
static void reap_late(long long now)
{
    for (struct guard_conn *c = open_list; c; c = c->next) {
        long long d = atomic_load_explicit(&c->deadline_ms, memory_order_relaxed);
        if (c->closed || d == 0 || now < d)
            continue;
        c->closed = true;
        if (same_socket(c)) {
            shutdown(c->fd, SHUT_RDWR);
            atomic_fetch_add(&timed_out, 1);
        }
    }
}

/* The ticker's work: shut down the connections whose head is late. */
static void reap_tick(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    reap_late(now_ms());
    pthread_mutex_unlock(&mu);
}

enum dc_err guard_start(unsigned per_address, unsigned head_timeout_s,
                        const struct net_list *trusted)
{
    cap = per_address;
    head_ms = head_timeout_s * 1000u;
    trusted_list = trusted;
    return head_ms ? ticker_start(&reaper, TICK_MS, reap_tick, NULL) : DC_OK;
}

void guard_stop(void)
{
    ticker_stop(&reaper);
}

unsigned long long guard_heads_timed_out(void)
{
    return atomic_load(&timed_out);
}

unsigned long long guard_refused(void)
{
    return atomic_load(&refused);
}
