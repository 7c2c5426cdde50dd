/*
 * ratelimit.c - fixed-size tables of token buckets, one per limit, striped
 * over a few locks; and a counting semaphore for scrypt, whose 32 MiB per
 * hash would otherwise let a login storm take the machine's memory.
 */
#include "drillcamp/ratelimit.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS   65536 /* per limiter */
#define STRIPES 64

struct bucket {
    uint64_t key; /* hash of the key; 0: free */
    double tokens;
    double at;
};

struct limiter {
    double capacity; /* 0: disabled */
    double rate;     /* tokens a second */
    struct bucket *slots;
    pthread_mutex_t locks[STRIPES];
};

static struct limiter limiters[RL__COUNT];

static sem_t hash_sem;
static bool hash_capped;
static unsigned hash_max_waiters;
static atomic_uint hash_waiters;

/* FNV-1a, never 0. */
static uint64_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

enum dc_err ratelimit_init(const unsigned per_minute[RL__COUNT])
{
    for (int k = 0; k < RL__COUNT; k++) {
        struct limiter *l = &limiters[k];
        l->capacity = per_minute[k];
        l->rate = per_minute[k] / 60.0;
        if (per_minute[k] == 0)
            continue;
        l->slots = calloc(SLOTS, sizeof *l->slots);
        if (!l->slots)
            return DC_ERR_NOMEM;
        for (int i = 0; i < STRIPES; i++)
            pthread_mutex_init(&l->locks[i], NULL);
    }
    return DC_OK;
}

void ratelimit_shutdown(void)
{
    for (int k = 0; k < RL__COUNT; k++) {
        struct limiter *l = &limiters[k];
        if (l->slots)
            for (int i = 0; i < STRIPES; i++)
                pthread_mutex_destroy(&l->locks[i]);
        free(l->slots);
        memset(l, 0, sizeof *l);
    }
    if (hash_capped)
        sem_destroy(&hash_sem);
    hash_capped = false;
}

bool ratelimit_take(enum rl_kind kind, const char *key, double now, unsigned *retry_after)
{
    struct limiter *l = &limiters[kind];
    if (l->capacity <= 0 || !l->slots || !key)
        return true;
    uint64_t h = key_hash(key);
    size_t slot = (size_t)(h % SLOTS);
    pthread_mutex_t *lock = &l->locks[slot % STRIPES];
    pthread_mutex_lock(lock);
    struct bucket *b = &l->slots[slot];
    double tokens = b->tokens + (now - b->at) * l->rate;
    if (tokens > l->capacity)
        tokens = l->capacity;
    /* a free slot, or one whose owner has been idle long enough to be full
     * again, is taken over by this key */
    if (b->key != h && (b->key == 0 || tokens >= l->capacity)) {
        b->key = h;
        tokens = l->capacity;
    }
    bool ok = tokens >= 1.0;
    if (ok)
        tokens -= 1.0;
    else if (retry_after) {
        double wait = (1.0 - tokens) / l->rate;
        *retry_after = wait < 1.0 ? 1u : (unsigned)(wait + 0.999);
    }
    b->tokens = tokens;
    b->at = now;
    pthread_mutex_unlock(lock);
    return ok;
}

void ratelimit_hash_init(unsigned limit)
{
    if (hash_capped)
        sem_destroy(&hash_sem);
    hash_capped = limit > 0 && sem_init(&hash_sem, 0, limit) == 0;
    hash_max_waiters = limit;
    atomic_store(&hash_waiters, 0);
}

bool ratelimit_hash_enter(unsigned wait_ms)
{
    if (!hash_capped || sem_trywait(&hash_sem) == 0)
        return true;
    /* a waiter blocks its worker thread and every connection on it: only
     * as many wait as there are slots, the rest are turned away at once */
    if (atomic_fetch_add(&hash_waiters, 1) >= hash_max_waiters) {
        atomic_fetch_sub(&hash_waiters, 1);
        return false;
    }
    bool ok = true;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (ok && sem_timedwait(&hash_sem, &until) != 0)
        ok = errno == EINTR;
    atomic_fetch_sub(&hash_waiters, 1);
    return ok;
}

void ratelimit_hash_leave(void)
{
    if (hash_capped)
        sem_post(&hash_sem);
}
