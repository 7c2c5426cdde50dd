/*
 * metrics.c - per-route request counters by status and latency histograms,
 * plus the database pool gauges, in Prometheus text format.
 *
 * One mutex guards the table; an observation is a few additions, far below
 * the cost of the request it measures.
 */
#include "drillcamp/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/db.h"
#include "drillcamp/guard.h"
#include "drillcamp/router.h"
#include "drillcamp/textbuf.h"

#define MAX_ROUTES   256
#define MAX_STATUSES 12

static const double bucket_le[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof bucket_le / sizeof bucket_le[0])

struct route_stats {
    unsigned statuses[MAX_STATUSES];
    unsigned long long counts[MAX_STATUSES];
    unsigned long long buckets[NBUCKETS];
    unsigned long long total;
    double sum;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct route_stats stats[MAX_ROUTES + 1]; /* last slot: unmatched */

void metrics_observe(int route_index, unsigned status, double seconds)
{
    if (route_index < 0 || route_index >= MAX_ROUTES)
        route_index = MAX_ROUTES;
    pthread_mutex_lock(&lock);
    struct route_stats *s = &stats[route_index];
    for (int i = 0; i < MAX_STATUSES; i++) {
        if (s->statuses[i] == status || s->statuses[i] == 0) {
            s->statuses[i] = status;
            s->counts[i]++;
            break;
        }
    }
    for (size_t b = 0; b < NBUCKETS; b++)
        if (seconds <= bucket_le[b])
            s->buckets[b]++;
    s->total++;
    s->sum += seconds;
    pthread_mutex_unlock(&lock);
}

static void render_route(struct textbuf *b, const char *method, const char *route,
                         const struct route_stats *s)
{
    for (int i = 0; i < MAX_STATUSES && s->statuses[i] + s->counts[i] > 0; i++)
        textbuf_printf(
            b, "drillcamp_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} %llu\n",
            method, route, s->statuses[i], s->counts[i]);
    if (s->total == 0)
        return;
    for (size_t k = 0; k < NBUCKETS; k++)
        textbuf_printf(b,
                       "drillcamp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                       "le=\"%g\"} %llu\n",
                       method, route, bucket_le[k], s->buckets[k]);
    textbuf_printf(b,
                   "drillcamp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                   "le=\"+Inf\"} %llu\n",
                   method, route, s->total);
    textbuf_printf(b,
                   "drillcamp_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
                   method, route, s->sum);
    textbuf_printf(
        b, "drillcamp_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
        method, route, s->total);
}

int metrics_render(char **out, size_t *len)
{
    struct textbuf b = {0};
    if (!textbuf_reserve(&b.p, &b.cap, 16384, &b.failed))
        return -1;
    b.p[0] = '\0';
    textbuf_printf(&b, "# HELP drillcamp_http_requests_total HTTP requests by route and status.\n"
                       "# TYPE drillcamp_http_requests_total counter\n"
                       "# HELP drillcamp_http_request_duration_seconds Request latency.\n"
                       "# TYPE drillcamp_http_request_duration_seconds histogram\n");
    pthread_mutex_lock(&lock);
    size_t n = dc_routes_count();
    for (size_t i = 0; i < n && i < MAX_ROUTES; i++)
        render_route(&b, dc_routes[i].method, dc_routes[i].pattern, &stats[i]);
    render_route(&b, "ANY", "unmatched", &stats[MAX_ROUTES]);
    pthread_mutex_unlock(&lock);

    textbuf_printf(
        &b, "# HELP drillcamp_db_pool_connections Connections in the database pool.\n"
            "# TYPE drillcamp_db_pool_connections gauge\n"
            "# HELP drillcamp_db_pool_in_use Connections checked out now.\n"
            "# TYPE drillcamp_db_pool_in_use gauge\n"
            "# HELP drillcamp_db_pool_acquires_total Connection checkouts.\n"
            "# TYPE drillcamp_db_pool_acquires_total counter\n"
            "# HELP drillcamp_db_pool_waits_total Checkouts that had to wait for a connection.\n"
            "# TYPE drillcamp_db_pool_waits_total counter\n"
            "# HELP drillcamp_db_connect_failures_total Failed connection attempts.\n"
            "# TYPE drillcamp_db_connect_failures_total counter\n"
            "# HELP drillcamp_db_reconnects_total Connections re-established after loss.\n"
            "# TYPE drillcamp_db_reconnects_total counter\n");
    for (int of_replica = 0; of_replica < 2; of_replica++) {
        struct db_pool_stats ps;
        db_pool_get_stats(of_replica, &ps);
        const char *pool = of_replica ? "replica" : "primary";
        if (of_replica && ps.size == 0)
            break; /* no DATABASE_READ_URL */
        textbuf_printf(&b,
                       "drillcamp_db_pool_connections{pool=\"%s\"} %d\n"
                       "drillcamp_db_pool_in_use{pool=\"%s\"} %d\n"
                       "drillcamp_db_pool_acquires_total{pool=\"%s\"} %lld\n"
                       "drillcamp_db_pool_waits_total{pool=\"%s\"} %lld\n"
                       "drillcamp_db_connect_failures_total{pool=\"%s\"} %lld\n"
                       "drillcamp_db_reconnects_total{pool=\"%s\"} %lld\n",
                       pool, ps.size, pool, ps.in_use, pool, ps.acquires, pool, ps.waits, pool,
                       ps.connect_failures, pool, ps.reconnects);
        if (!of_replica)
            continue;
        struct db_replica_stats rs;
        db_replica_get_stats(&rs);
        textbuf_printf(
            &b,
            "# HELP drillcamp_db_replica_up Whether reads go to the replica now (up and within "
            "the lag bound).\n"
            "# TYPE drillcamp_db_replica_up gauge\n"
            "drillcamp_db_replica_up %d\n"
            "# HELP drillcamp_db_replica_lag_seconds How far the replica's replay is behind the "
            "primary (-1: unknown).\n"
            "# TYPE drillcamp_db_replica_lag_seconds gauge\n"
            "drillcamp_db_replica_lag_seconds %.3f\n"
            "# HELP drillcamp_db_replica_fallbacks_total Replica reads sent to the primary.\n"
            "# TYPE drillcamp_db_replica_fallbacks_total counter\n"
            "drillcamp_db_replica_fallbacks_total{reason=\"down\"} %lld\n"
            "drillcamp_db_replica_fallbacks_total{reason=\"lagging\"} %lld\n",
            rs.state == DB_REPLICA_OK, rs.lag_ms < 0 ? -1.0 : (double)rs.lag_ms / 1000.0,
            rs.fallbacks_down, rs.fallbacks_lagging);
    }
    textbuf_printf(
        &b,
        "# HELP drillcamp_http_head_timeouts_total Connections closed because a request head "
        "took longer than DRILLCAMP_HEAD_TIMEOUT.\n"
        "# TYPE drillcamp_http_head_timeouts_total counter\n"
        "drillcamp_http_head_timeouts_total %llu\n"
        "# HELP drillcamp_http_address_cap_refusals_total Connections (and proxied requests) "
        "refused by the per-address cap.\n"
        "# TYPE drillcamp_http_address_cap_refusals_total counter\n"
        "drillcamp_http_address_cap_refusals_total %llu\n",
        guard_heads_timed_out(), guard_refused());
    if (b.failed) {
        free(b.p);
        return -1;
    }
    *out = b.p;
    *len = b.len;
    return 0;
}
