/*
 * like_folder.c - the background thread that folds like shards into
 * submissions.like_count about once a second, which keeps the leaderboard
 * within the contract's 5 s of the likes. It borrows a pooled connection
 * per round, so PostgreSQL restarts are handled as for requests.
 */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "drillcamp/arena.h"
#include "drillcamp/contest.h"

#define FOLD_INTERVAL_MS 1000

static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool running;

static void *folder_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (running) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)FOLD_INTERVAL_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&cv, &mu, &until);
        if (!running)
            break;
        pthread_mutex_unlock(&mu);
        struct dc_arena *a = arena_new();
        struct db_conn *c;
        int moved;
        if (a && db_acquire(&c, a) == DC_OK) {
            if (db_begin(c) == DC_OK && likes_repo_fold(c, &moved) == DC_OK)
                (void)db_commit(c);
            db_release(c); /* rolls back what did not commit */
        }
        arena_free(a);
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

enum dc_err like_folder_start(void)
{
    running = true;
    if (pthread_create(&thread, NULL, folder_main, NULL) != 0) {
        running = false;
        return DC_ERR_INTERNAL;
    }
    return DC_OK;
}

void like_folder_stop(void)
{
    pthread_mutex_lock(&mu);
    bool was = running;
    running = false;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    if (was)
        pthread_join(thread, NULL);
}
