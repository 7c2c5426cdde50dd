/*
 * metrics.h - request counters and latency histograms for /metrics.
 */
#ifndef DRILLCAMP_METRICS_H
#define DRILLCAMP_METRICS_H

#include <stddef.h>

/* route_index: position in dc_routes, or -1 for unmatched requests. */
void metrics_observe(int route_index, unsigned status, double seconds);
/* Prometheus text exposition; *out is malloc'ed for the caller. */
int metrics_render(char **out, size_t *len);

#endif
