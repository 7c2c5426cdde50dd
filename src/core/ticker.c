/*
 * ticker.c - a periodic thread (see ticker.h). It waits on a condition
 * variable, not in sleep(), so that ticker_stop ends it at once.
 */
#include "drillcamp/ticker.h"

#include <time.h>

static void *ticker_main(void *arg)
{
    struct ticker *t = arg;
    pthread_mutex_lock(&t->mu);
    while (t->running) {
        pthread_mutex_unlock(&t->mu);
        t->tick(t->arg);
        pthread_mutex_lock(&t->mu);
        if (!t->running)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)t->period_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&t->cv, &t->mu, &until);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

enum dc_err ticker_start(struct ticker *t, unsigned period_ms, void (*tick)(void *arg), void *arg)
{
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->period_ms = period_ms;
    t->tick = tick;
    t->arg = arg;
    t->running = true;
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        t->running = false;
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        return DC_ERR_INTERNAL;
    }
    t->started = true;
    return DC_OK;
}

void ticker_stop(struct ticker *t)
{
    if (!t->started)
        return;
    pthread_mutex_lock(&t->mu);
    t->running = false;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    t->started = false;
}
