/*
 * workpool.c - the thread pool of workpool.h: a ring buffer of jobs under
 * one mutex, threads that sleep on a condition variable while it is empty.
 * Jobs are few and long (a password hash takes a third of a second), so a
 * lock per job costs nothing worth measuring.
 */
#include "drillcamp/workpool.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
    workpool_fn fn;
    void *arg;
};

struct workpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *ring;
    size_t cap, head, count;
    bool stopping;
    unsigned nthreads;
    pthread_t threads[];
};

static void *worker_main(void *arg)
{
    struct workpool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->count == 0)
            break; /* stopping, and nothing is left to run */
        struct job j = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        pthread_mutex_unlock(&p->mu);
        j.fn(j.arg);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct workpool *workpool_new(unsigned nthreads, size_t max_queued)
{
    if (nthreads == 0)
        nthreads = 1;
    struct workpool *p = calloc(1, sizeof *p + nthreads * sizeof(pthread_t));
    if (!p)
        return NULL;
    p->cap = max_queued ? max_queued : 1;
    p->ring = calloc(p->cap, sizeof *p->ring);
    if (!p->ring || pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p->ring);
        free(p);
        return NULL;
    }
    pthread_cond_init(&p->cv, NULL);
    for (unsigned i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
            p->nthreads = i;
            workpool_free(p);
            return NULL;
        }
        p->nthreads = i + 1;
    }
    return p;
}

bool workpool_submit(struct workpool *p, workpool_fn fn, void *arg)
{
    pthread_mutex_lock(&p->mu);
    bool ok = !p->stopping && p->count < p->cap;
    if (ok) {
        p->ring[(p->head + p->count) % p->cap] = (struct job){fn, arg};
        p->count++;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

size_t workpool_queued(struct workpool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->count;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void workpool_free(struct workpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->ring);
    free(p);
}
