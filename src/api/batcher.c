/*
 * batcher.c - many requests' writes in one transaction (group commit).
 *
 * A request that writes (a like, a watch report) queues its item and waits
 * suspended (dispatch_defer); a thread of the batcher's own takes
 * everything queued at once - up to max_batch items - and runs it through
 * the batch's function on one connection, in one transaction, then each
 * item's request is woken with its answer. Nothing is answered before its
 * transaction has committed, so no acknowledged write can be lost; and
 * under load one commit (one WAL flush) serves dozens of requests instead
 * of one. With one request in the queue a batch is that request alone: no
 * request ever waits for a batch to fill.
 */
#include <pthread.h>
#include <stdlib.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/workpool.h"

struct batcher {
    batcher_fn run;
    size_t max_batch, max_queued;
    pthread_mutex_t mu;
    void **queue; /* a ring of max_queued items */
    size_t head, count;
    bool draining; /* a drain is queued or running on the thread */
    bool stopping;
    struct workpool *thread; /* one thread runs the drains */
    void **items;            /* the batch being run (the thread's) */
    struct batcher_stats stats;
};

/* Takes up to max_batch queued items into b->items (in queue order). */
static size_t take(struct batcher *b)
{
    size_t n = b->count < b->max_batch ? b->count : b->max_batch;
    for (size_t i = 0; i < n; i++)
        b->items[i] = b->queue[(b->head + i) % b->max_queued];
    b->head = (b->head + n) % b->max_queued;
    b->count -= n;
    return n;
}

/* One batch on a connection of its own, with an arena for its rows. */
static void run_batch(struct batcher *b, size_t n)
{
    struct dc_arena *a = arena_new();
    struct db_conn *c = NULL;
    enum dc_err err = a ? db_acquire(&c, a) : DC_ERR_NOMEM;
    b->run(err == DC_OK ? c : NULL, b->items, n, err);
    db_release(c);
    arena_free(a);
}

/* On the thread: batches until the queue is empty. */
static void drain(void *arg)
{
    struct batcher *b = arg;
    pthread_mutex_lock(&b->mu);
    for (size_t n; (n = take(b)) > 0;) {
        b->stats.batches++;
        b->stats.items += n;
        b->stats.largest = n > b->stats.largest ? n : b->stats.largest;
        pthread_mutex_unlock(&b->mu);
        run_batch(b, n);
        pthread_mutex_lock(&b->mu);
    }
    b->draining = false;
    pthread_mutex_unlock(&b->mu);
}

struct batcher *batcher_start(batcher_fn run, size_t max_batch, size_t max_queued)
{
    struct batcher *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    *b = (struct batcher){.run = run,
                          .max_batch = max_batch ? max_batch : 1,
                          .max_queued = max_queued ? max_queued : 1};
    b->queue = calloc(b->max_queued, sizeof *b->queue);
    b->items = calloc(b->max_batch, sizeof *b->items);
    pthread_mutex_init(&b->mu, NULL);
    /* one drain at a time is ever queued: room for one */
    b->thread = b->queue && b->items ? workpool_new(1, 1) : NULL;
    if (!b->thread) {
        pthread_mutex_destroy(&b->mu);
        free(b->queue);
        free(b->items);
        free(b);
        return NULL;
    }
    return b;
}

bool batcher_submit(struct batcher *b, void *item)
{
    pthread_mutex_lock(&b->mu);
    bool ok = !b->stopping && b->count < b->max_queued;
    bool start = ok && !b->draining;
    if (ok) {
        b->queue[(b->head + b->count) % b->max_queued] = item;
        b->count++;
        b->draining = b->draining || start;
    }
    pthread_mutex_unlock(&b->mu);
    /* the only drain submitted while none is queued or running: it fits */
    if (start)
        (void)workpool_submit(b->thread, drain, b);
    return ok;
}

void batcher_get_stats(struct batcher *b, struct batcher_stats *out)
{
    pthread_mutex_lock(&b->mu);
    *out = b->stats;
    pthread_mutex_unlock(&b->mu);
}

void batcher_stop(struct batcher *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stopping = true;
    pthread_mutex_unlock(&b->mu);
    workpool_free(b->thread); /* runs the queued drain, which empties the queue */
    pthread_mutex_destroy(&b->mu);
    free(b->queue);
    free(b->items);
    free(b);
}
