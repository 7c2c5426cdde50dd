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
#include "drillcamp/log.h"

struct batcher {
    const char *name;
    batcher_fn run;
    size_t max_batch, max_queued;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void **queue; /* a ring of max_queued items */
    size_t head, count;
    bool stopping;
    pthread_t thread;
    struct batcher_stats stats;
};

/* Takes up to max_batch queued items into items (in queue order). */
static size_t take(struct batcher *b, void **items)
{
    size_t n = b->count < b->max_batch ? b->count : b->max_batch;
    for (size_t i = 0; i < n; i++)
        items[i] = b->queue[(b->head + i) % b->max_queued];
    b->head = (b->head + n) % b->max_queued;
    b->count -= n;
    return n;
}

/* One batch on a connection of its own, with an arena for its rows. */
static void run_batch(struct batcher *b, void **items, size_t n)
{
    struct dc_arena *a = arena_new();
    struct db_conn *c = NULL;
    enum dc_err err = a ? db_acquire(&c, a) : DC_ERR_NOMEM;
    b->run(err == DC_OK ? c : NULL, items, n, err);
    db_release(c);
    arena_free(a);
}

static void *batcher_main(void *arg)
{
    struct batcher *b = arg;
    void **items = calloc(b->max_batch, sizeof *items);
    pthread_mutex_lock(&b->mu);
    while (items) {
        while (b->count == 0 && !b->stopping)
            pthread_cond_wait(&b->cv, &b->mu);
        if (b->count == 0)
            break; /* stopping and drained */
        size_t n = take(b, items);
        b->stats.batches++;
        b->stats.items += n;
        if (n > b->stats.largest)
            b->stats.largest = n;
        pthread_mutex_unlock(&b->mu);
        run_batch(b, items, n);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    if (!items)
        log_event("error", b->name, "out of memory: the batcher stopped");
    free(items);
    return NULL;
}

struct batcher *batcher_start(const char *name, batcher_fn run, size_t max_batch, size_t max_queued)
{
    struct batcher *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    *b = (struct batcher){.name = name,
                          .run = run,
                          .max_batch = max_batch ? max_batch : 1,
                          .max_queued = max_queued ? max_queued : 1};
    b->queue = calloc(b->max_queued, sizeof *b->queue);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    if (!b->queue || pthread_create(&b->thread, NULL, batcher_main, b) != 0) {
        pthread_cond_destroy(&b->cv);
        pthread_mutex_destroy(&b->mu);
        free(b->queue);
        free(b);
        return NULL;
    }
    return b;
}

bool batcher_submit(struct batcher *b, void *item)
{
    pthread_mutex_lock(&b->mu);
    bool ok = !b->stopping && b->count < b->max_queued;
    if (ok) {
        b->queue[(b->head + b->count) % b->max_queued] = item;
        b->count++;
        pthread_cond_signal(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
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
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL); /* runs what is queued first */
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b->queue);
    free(b);
}
