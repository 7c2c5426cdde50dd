/*
 * workpool.h - a fixed set of threads running jobs from a bounded queue:
 * work that must not occupy the HTTP worker threads (password hashes) runs
 * here while those threads go on serving other requests.
 */
#ifndef DRILLCAMP_WORKPOOL_H
#define DRILLCAMP_WORKPOOL_H

#include <stdbool.h>
#include <stddef.h>

struct workpool; /* opaque */

typedef void (*workpool_fn)(void *arg);

/* nthreads threads (at least 1) and room for max_queued jobs waiting; NULL
 * when out of memory or a thread could not start. The caller owns it
 * (workpool_free). */
struct workpool *workpool_new(unsigned nthreads, size_t max_queued);
/* Queues fn(arg); false, and nothing queued, when max_queued jobs wait
 * already or the pool is stopping. Any thread may call it. */
bool workpool_submit(struct workpool *p, workpool_fn fn, void *arg);
/* Jobs waiting (not yet started) at this moment. */
size_t workpool_queued(struct workpool *p);
/* Runs the jobs still queued, joins the threads and frees the pool. NULL
 * is a no-op. */
void workpool_free(struct workpool *p);

#endif
