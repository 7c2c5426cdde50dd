/*
 * ratelimit.h - in-memory token buckets per key (a phone, an IP address,
 * an account, a partner key) for the limits of one server instance.
 *
 * A limiter is a fixed table of buckets: memory does not grow with the
 * number of keys. Two keys that land on the same slot while both are busy
 * share a bucket (conservative: they may be limited a little early).
 */
#ifndef DRILLCAMP_RATELIMIT_H
#define DRILLCAMP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "drillcamp/err.h"

/* What each limit is keyed by is fixed: the phone (login), the client's
 * address (login, registration), the account (likes, progress), the
 * partner's key. */
enum rl_kind {
    RL_NONE, /* no limit: the zero of a route's rate */
    RL_LOGIN_PHONE,
    RL_LOGIN_IP,
    RL_REGISTER_IP,
    RL_LIKES_ACCOUNT,
    RL_PROGRESS_ACCOUNT,
    RL_PARTNER_KEY,
    RL__COUNT
};

/* per_minute[k]: burst and refill per 60 s; 0 disables that limit (RL_NONE's
 * slot is ignored). */
enum dc_err ratelimit_init(const unsigned per_minute[RL__COUNT]);
void ratelimit_shutdown(void);

/*
 * Takes one token from key's bucket at `now` (unix seconds). false when
 * the bucket is empty; *retry_after then receives the whole seconds until a
 * token is back (at least 1).
 */
bool ratelimit_take(enum rl_kind kind, const char *key, double now, unsigned *retry_after);

#endif
