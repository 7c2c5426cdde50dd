/*
 * public_cache.c - the once-a-second thread: it folds the like shards into
 * submissions.like_count (which keeps the leaderboard within the
 * contract's 5 s of the likes), then renders the hottest public answers,
 * GET /v1/campaign and GET /v1/leaderboard, so that no request computes
 * them.
 *
 * Their inputs change rarely (an admin's PATCH, a moderation, a freeze) or
 * once a second at most (like counts move only when the fold runs), yet
 * everyone polls them. A request copies the rendered bytes, with an ETag
 * (a hash of them) so that a client that has them gets 304, and
 * Cache-Control saying they may be a second old. A change made through
 * this instance (campaign PATCH, freeze) refreshes them before it is
 * answered (public_cache_refresh_now); one made through another instance
 * shows within a second.
 *
 * The cached campaign is also the phase gate of the write paths (likes,
 * progress, check-ins, submissions), so they spend no query on it.
 *
 * Answers are immutable once published and reference-counted: readers
 * take one under the lock and let go of it after copying.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/log.h"

#define REFRESH_MS    1000
#define MAX_AGE_VALUE "public, max-age=1"

struct public_answer {
    atomic_int refs;
    char *text;
    size_t len;
    char etag[24];  /* "\"<16 hex digits>\"" */
    size_t entries; /* leaderboard: how many entries the answer holds */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER; /* the thread: refresh now */
static pthread_cond_t done = PTHREAD_COND_INITIALIZER; /* waiters: a refresh ended */
static struct public_answer *answers[PUBLIC__COUNT];
static struct dc_campaign campaign;
static bool have_campaign;
static unsigned long long generation; /* refreshes completed */
static bool requested, running, busy;
static pthread_t thread;

/* FNV-1a over the bytes: an ETag changes whenever the answer does. */
static void etag_of(const char *text, size_t len, char out[24])
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
    snprintf(out, 24, "\"%016" PRIx64 "\"", h);
}

/* A new answer holding json's text (json is not kept). */
static struct public_answer *answer_new(json_t *json, size_t entries)
{
    struct public_answer *a = calloc(1, sizeof *a);
    if (a)
        a->text = json_dumps(json, JSON_COMPACT | JSON_REAL_PRECISION(12));
    if (!a || !a->text) {
        free(a);
        return NULL;
    }
    a->len = strlen(a->text);
    a->entries = entries;
    atomic_init(&a->refs, 1);
    etag_of(a->text, a->len, a->etag);
    return a;
}

static void answer_put(struct public_answer *a)
{
    if (a && atomic_fetch_sub(&a->refs, 1) == 1) {
        free(a->text);
        free(a);
    }
}

/* Publishes fresh answers (taken) and the campaign; the old ones go when
 * their last reader lets go. */
static void publish(struct public_answer *fresh[PUBLIC__COUNT], const struct dc_campaign *c)
{
    pthread_mutex_lock(&mu);
    for (int k = 0; k < PUBLIC__COUNT; k++) {
        if (!fresh[k])
            continue;
        answer_put(answers[k]);
        answers[k] = fresh[k];
    }
    campaign = *c;
    have_campaign = true;
    pthread_mutex_unlock(&mu);
}

/* The like shards folded into the counts, a transaction per chunk so that
 * likes wait for one chunk at most (what does not commit is rolled back
 * when the connection goes back). */
static void fold(void)
{
    struct dc_arena *a = arena_new();
    struct db_conn *c;
    int64_t after = 0;
    int moved = 1;
    if (!a || db_acquire(&c, a) != DC_OK) {
        arena_free(a);
        return;
    }
    while (moved > 0 && db_begin(c) == DC_OK &&
           likes_repo_fold_chunk(c, &after, LIKES_FOLD_CHUNK, &moved) == DC_OK &&
           db_commit(c) == DC_OK)
        ;
    db_release(c);
    arena_free(a);
}

/* One refresh: the campaign, then both answers, from one connection. */
static enum dc_err refresh(void)
{
    struct dc_arena *a = arena_new();
    struct db_conn *conn = NULL;
    struct dc_campaign c;
    struct public_answer *fresh[PUBLIC__COUNT] = {0};
    json_t *board = NULL, *camp = NULL;
    /* the primary: a change just made here must show in the next answers */
    enum dc_err err = a ? db_acquire(&conn, a) : DC_ERR_NOMEM;
    if (err == DC_OK)
        err = campaign_repo_get(conn, &c);
    if (err == DC_OK && !(camp = api_campaign_json(&c, campaign_now())))
        err = DC_ERR_NOMEM;
    if (err == DC_OK)
        err = leaderboard_render(conn, &c, &board);
    db_release(conn);
    arena_free(a);
    if (err == DC_OK) {
        fresh[PUBLIC_CAMPAIGN] = answer_new(camp, 0);
        fresh[PUBLIC_LEADERBOARD] =
            answer_new(board, json_array_size(json_object_get(board, "entries")));
        if (!fresh[PUBLIC_CAMPAIGN] || !fresh[PUBLIC_LEADERBOARD])
            err = DC_ERR_NOMEM;
    }
    if (err == DC_OK)
        publish(fresh, &c);
    else
        for (int k = 0; k < PUBLIC__COUNT; k++)
            answer_put(fresh[k]);
    json_decref(camp);
    json_decref(board);
    return err;
}

static void *refresher_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (running) {
        if (!requested) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += (long)REFRESH_MS * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&wake, &mu, &until);
        }
        if (!running)
            break;
        requested = false;
        busy = true;
        pthread_mutex_unlock(&mu);
        fold();
        enum dc_err err = refresh();
        if (err != DC_OK && err != DC_ERR_UNAVAILABLE)
            log_event("warn", "public_cache", "refresh failed");
        pthread_mutex_lock(&mu);
        busy = false;
        generation++;
        pthread_cond_broadcast(&done);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

enum dc_err public_cache_start(void)
{
    enum dc_err err = refresh(); /* answers exist before the first request */
    if (err != DC_OK)
        return err;
    running = true;
    if (pthread_create(&thread, NULL, refresher_main, NULL) != 0) {
        running = false;
        return DC_ERR_INTERNAL;
    }
    return DC_OK;
}

void public_cache_stop(void)
{
    pthread_mutex_lock(&mu);
    bool was = running;
    running = false;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    if (was)
        pthread_join(thread, NULL);
    for (int k = 0; k < PUBLIC__COUNT; k++) {
        answer_put(answers[k]);
        answers[k] = NULL;
    }
    have_campaign = false;
}

void public_cache_refresh_now(void)
{
    pthread_mutex_lock(&mu);
    if (running) {
        /* a refresh running now may have read the old state: wait for
         * one that starts after this call */
        unsigned long long want = generation + (busy ? 2 : 1);
        requested = true;
        pthread_cond_signal(&wake);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 2;
        while (running && generation < want && pthread_cond_timedwait(&done, &mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&mu);
}

bool public_cache_campaign(struct dc_campaign *out)
{
    pthread_mutex_lock(&mu);
    bool have = have_campaign;
    if (have)
        *out = campaign;
    pthread_mutex_unlock(&mu);
    return have;
}

static struct public_answer *answer_take(enum public_kind kind)
{
    pthread_mutex_lock(&mu);
    struct public_answer *a = answers[kind];
    if (a)
        atomic_fetch_add(&a->refs, 1);
    pthread_mutex_unlock(&mu);
    return a;
}

/* True when If-None-Match names etag (or is "*"). */
static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    size_t n = strlen(etag);
    for (const char *p = strstr(inm, etag); p; p = strstr(p + 1, etag))
        if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
    return false;
}

/* The response's reference on an answer, dropped once it is sent. */
static void answer_release(void *arg)
{
    answer_put(arg);
}

/* 200 with text or 304, with the ETag and Cache-Control. The 200 reads the
 * text in place: shared (a reference on it, taken here) when it is a
 * published answer's, else copied. */
static enum dc_err reply_cached(struct dc_req *req, const char *text, size_t len, const char *etag,
                                struct public_answer *shared)
{
    enum dc_err err;
    if (etag_matches(dc_req_header(req, "If-None-Match"), etag)) {
        err = dc_reply_empty(req, 304);
    } else if (shared) {
        atomic_fetch_add(&shared->refs, 1);
        err = dc_reply_shared(req, 200, DC_JSON_TYPE, text, len, answer_release, shared);
    } else {
        char *copy = malloc(len + 1);
        if (copy)
            memcpy(copy, text, len + 1);
        err = dc_reply_text(req, 200, DC_JSON_TYPE, copy, len);
    }
    dc_reply_header(req, "ETag", etag);
    dc_reply_header(req, "Cache-Control", MAX_AGE_VALUE);
    return err;
}

enum dc_err public_cache_reply(struct dc_req *req, enum public_kind kind)
{
    struct public_answer *a = answer_take(kind);
    if (!a)
        return DC_ERR_UNAVAILABLE;
    enum dc_err err = reply_cached(req, a->text, a->len, a->etag, a);
    answer_put(a);
    return err;
}

enum dc_err public_cache_reply_leaderboard(struct dc_req *req, int limit)
{
    struct public_answer *a = answer_take(PUBLIC_LEADERBOARD);
    if (!a)
        return DC_ERR_UNAVAILABLE;
    enum dc_err err;
    if ((size_t)limit >= a->entries) {
        err = reply_cached(req, a->text, a->len, a->etag, a);
    } else {
        /* fewer entries than cached: the same answer cut to the limit */
        json_t *body = json_loadb(a->text, a->len, 0, NULL);
        json_t *all = json_object_get(body, "entries");
        while (json_array_size(all) > (size_t)limit)
            json_array_remove(all, json_array_size(all) - 1);
        char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
        char etag[24];
        if (text)
            etag_of(text, strlen(text), etag);
        err = text ? reply_cached(req, text, strlen(text), etag, NULL) : DC_ERR_NOMEM;
        free(text);
        json_decref(body);
    }
    answer_put(a);
    return err;
}
