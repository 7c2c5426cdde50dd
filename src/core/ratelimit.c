/*
 * ratelimit.c - fixed-size tables of token buckets, one per limit, striped
 * over a few locks.
 */
#include "drillcamp/ratelimit.h"

#include <pthread.h>
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
