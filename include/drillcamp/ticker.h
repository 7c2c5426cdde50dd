/*
 * ticker.h - a thread that calls one function at a fixed period until it
 * is stopped: the replica monitor's checks and the connection guard's
 * sweep of late request heads.
 */
#ifndef DRILLCAMP_TICKER_H
#define DRILLCAMP_TICKER_H

#include <pthread.h>
#include <stdbool.h>

#include "drillcamp/err.h"

struct ticker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started; /* touched only by the owner's start and stop */
    bool running; /* under mu */
    unsigned period_ms;
    void (*tick)(void *arg);
    void *arg;
};

/* Calls tick(arg) at once, then every period_ms, on a thread of its own. */
enum dc_err ticker_start(struct ticker *t, unsigned period_ms, void (*tick)(void *arg), void *arg);
/* Returns once the last tick has ended and the thread is gone; a zeroed
 * ticker that was never started is a no-op. */
void ticker_stop(struct ticker *t);

#endif
