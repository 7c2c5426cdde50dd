/*
 * test_multi_instance.c - issue #12 item 2: several drillcamp instances on
 * one database neither double-count nor lose a like, and each one's cached
 * leaderboard follows the likes made through the others.
 *
 * Likes are rows in `likes` plus +1/-1 deltas in `like_shards`; a folder
 * thread inside every instance (public_cache.c) moves the shards into
 * submissions.like_count about once a second. Nothing makes one instance
 * "the" folder: every instance folds, and two folds are kept apart by row
 * locks alone (likes_repo.c: FOLD_LOCK takes the shard rows FOR UPDATE in
 * key order, FOLD_MOVE deletes exactly those rows and adds what it deleted).
 *
 *  1. like_storm_two_instances: 40 likers, 10 approved videos, two
 *     instances A and B. 8 threads, each with its own libcurl handle and
 *     owning the (liker, video) pairs of its 5 likers, send PUT and DELETE
 *     like (two PUTs to one DELETE, so many PUTs repeat) for 5 s, every
 *     request to the other instance than the last. Every answer is 200 with
 *     `liked` as sent and a like_count in [1, 40] (PUT) or [0, 39] (DELETE):
 *     one that counted a like twice, even for a moment, is out of range.
 *     Then, once no shard is left (bounded wait): for every video
 *     submissions.like_count = its rows in likes = like_count of GET
 *     /v1/submissions/{id} on A and on B = the lists' like_count (sort=likes,
 *     A and B) = its leaderboard entry on A and on B; and for every pair,
 *     the last acknowledged PUT/DELETE is what the likes table holds and
 *     what `liked` says on GET through either instance (a pair never
 *     touched has no row).
 *  2. leaderboard_across_instances: a like through A shows in B's
 *     GET /v1/leaderboard, a second like through B in A's, an unlike
 *     through A in B's, each within the contract's 5 s of its answer
 *     (API.md section 6: "It reflects likes within 5 seconds"), polled every
 *     100 ms.
 *  3. two_folders_one_killed: the storm of test 1 on A and B. The test
 *     locks the first shard row (FOR UPDATE, on a connection of its own)
 *     and waits until pg_stat_activity shows two fold statements waiting
 *     for locks at once: each instance has one folder thread, so both
 *     instances are inside a fold at the same moment, each in its own
 *     transaction, on the same rows (the overlap that a fold guarded by
 *     anything weaker than row locks would get wrong). Then A is killed with
 *     SIGKILL in the middle of that fold, the lock is let go, and the storm
 *     goes on through B alone for 2 s (a request A never answered is sent
 *     again to B, and that pair is left alone afterwards, so its last
 *     acknowledged state is well defined even if A's statement still
 *     commits). The same checks as test 1 follow on B; with A dead, only
 *     B's folder can have emptied the shards.
 *
 * Each test starts its own two instances (dc_server_start_at; the server
 * main() starts to make the admin and the 40 likers is stopped before the
 * tests run, so that no other folder runs during a test), makes its own
 * authors and videos (so its likes are its own), and stops its instances
 * again, expecting exit status 0 from every instance it did not kill. The
 * campaign (id 1) is shared: each test sets it live.
 *
 * No test asserts a timing but the contract's 5 s for the leaderboard;
 * other deadlines only keep a broken server from hanging the run. A summary
 * line per test goes to stderr ("test_multi_instance: ...").
 */
#include <curl/curl.h>
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define PROG "test_multi_instance"

#define A 0 /* instance indices (dc_server_start_at) */
#define B 1

#define LIKERS        40
#define SUBS          10
#define THREADS       8 /* LIKERS % THREADS == 0: each thread owns LIKERS / THREADS likers */
#define STORM_S       5.0
#define SETTLE_S      15.0 /* a bound on the folds catching up, not a requirement */
#define BOARD_S       5.0  /* API.md section 6: the leaderboard reflects likes within 5 s */
#define LOCK_WAIT_S   15.0 /* a bound on both folders reaching the locked row */
#define AFTER_KILL_S  2.0
#define RETRIES       50 /* a failed like sent again, 100 ms apart */
#define ALL_INSTANCES 2

/* Made in main() before the tests fork: the admin, and the likers of tests
 * 1 and 3 (accounts cost two scrypt hashes each; every like of a test is on
 * videos of its own, so no test sees another's likes). */
static char *admin;
static struct dc_user likers[LIKERS];

static const struct dc_rules RULES = {.top_n = 100};

/* ---- small helpers ---------------------------------------------------- */

static void make_user_job(int i, void *ctx)
{
    struct dc_user *u = (struct dc_user *)ctx + i;
    (void)dc_try_new_user(u, u->name, 2);
}

/* Fills u[0..n) with fresh individuals named prefix + number, made
 * through instance 0 by worker threads; false when any failed. Never
 * asserts (main() calls it). */
static bool make_users(struct dc_user *u, int n, const char *prefix)
{
    for (int i = 0; i < n; i++)
        snprintf(u[i].name, sizeof u[i].name, "%s%02d", prefix, i);
    dc_run_parallel(n, 8, make_user_job, u);
    for (int i = 0; i < n; i++)
        if (!u[i].token[0])
            return false;
    return true;
}

/* Starts A, sets the campaign live through it, then starts B (which reads
 * the live campaign as it starts). */
static void start_pair(void)
{
    dc_server_start_at(A, NULL);
    dc_campaign_live(admin, RULES);
    dc_server_start_at(B, NULL);
}

static void stop_instance(int i, const char *name)
{
    int st = dc_server_stop_at(i);
    ck_assert_msg(st == 0, "instance %s stopped with %d (its log: server-%d-%d.log)", name, st,
                  (int)getpid(), i);
}

/* ---- a contest of the test's own ----------------------------------------- */

struct pair {
    bool touched; /* some PUT/DELETE of it was acknowledged */
    bool liked;   /* what the last acknowledged one said */
    bool frozen;  /* sent again after a failure: left alone since */
    bool lost;    /* never acknowledged, even when sent again */
};

struct worker {
    int t;
    struct contest *c;
    long acked[ALL_INSTANCES], puts, deletes, repeated_puts, acked_after_kill;
    long dead_failures; /* transport failures of an instance the test killed */
    long bad;           /* any other failure, or an answer that is not right */
    char first_bad[512];
};

struct contest {
    struct dc_user authors[SUBS];
    const struct dc_user *likers; /* LIKERS of them */
    char ids[SUBS][24];
    char id_list[SUBS * 24]; /* "1,2,3" for SQL */
    struct pair pairs[LIKERS][SUBS];
    /* the storm */
    atomic_bool stop;
    atomic_bool dead[ALL_INSTANCES]; /* set before the test kills it */
    atomic_bool killed;              /* the kill happened (for acked_after_kill) */
    struct worker w[THREADS];
    pthread_t th[THREADS];
};

/* The 40 likers, and 10 fresh authors with one approved video each. */
static struct contest *contest_new(const char *tag)
{
    struct contest *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s作者", tag);
    ck_assert_msg(make_users(c->authors, SUBS, prefix), "could not make %d authors", SUBS);
    c->likers = likers;
    for (int s = 0; s < SUBS; s++) {
        char title[64];
        snprintf(title, sizeof title, "%s多实例%02d", tag, s);
        char *id = dc_submit_approved(admin, c->authors[s].token, dc_video_json(title));
        ck_assert_msg(strlen(id) < sizeof c->ids[s], "id %s", id);
        snprintf(c->ids[s], sizeof c->ids[s], "%s", id);
        free(id);
        snprintf(c->id_list + strlen(c->id_list), sizeof c->id_list - strlen(c->id_list), "%s%s",
                 s ? "," : "", c->ids[s]);
    }
    for (int i = 0; i < ALL_INSTANCES; i++)
        atomic_init(&c->dead[i], false);
    atomic_init(&c->stop, false);
    atomic_init(&c->killed, false);
    return c;
}

static void contest_free(struct contest *c)
{
    free(c);
}

/* Notes a wrong answer (the first one's text kept). */
__attribute__((format(printf, 2, 3))) static void bad(struct worker *w, const char *fmt, ...)
{
    if (w->bad++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->first_bad, sizeof w->first_bad, fmt, ap);
        va_end(ap);
    }
}

/* One PUT (on) or DELETE of the like on instance i; true when it was
 * answered 200, and then the answer is checked. again: an op sent again
 * after an instance died under it, which may race with the first attempt
 * still running in the database (that one's change is then not this
 * answer's, so its count need not include it). */
static bool like_on(struct worker *w, CURL *curl, int i, int l, int s, bool on, bool again)
{
    struct contest *c = w->c;
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", c->ids[s]);
    struct dc_resp *r =
        dc_req_at(curl, dc_base_url_at(i), on ? "PUT" : "DELETE", path, c->likers[l].token, NULL);
    bool ok = r->status == 200;
    if (ok) {
        json_t *liked = json_object_get(r->json, "liked"),
               *n = json_object_get(r->json, "like_count");
        json_int_t count = json_is_integer(n) ? json_integer_value(n) : -1;
        if (!json_is_boolean(liked) || json_is_true(liked) != on)
            bad(w, "%s %s on instance %d: liked is not %d: %.300s", on ? "PUT" : "DELETE", path, i,
                on, r->body);
        /* the count includes this call: at least the caller's like, or at
         * most everyone else's */
        else if (count < (on && !again ? 1 : 0) || count > (on || again ? LIKERS : LIKERS - 1))
            bad(w, "%s %s on instance %d: like_count %lld with %d likers: %.300s",
                on ? "PUT" : "DELETE", path, i, (long long)count, LIKERS, r->body);
        w->acked[i]++;
        if (atomic_load(&c->killed))
            w->acked_after_kill++;
    } else if (r->status == 0 && atomic_load(&c->dead[i])) {
        w->dead_failures++;
    } else {
        bad(w, "%s %s on instance %d: status %ld: %.300s", on ? "PUT" : "DELETE", path, i,
            r->status, r->body);
    }
    dc_resp_free(r);
    return ok;
}

/* The instance after `last` that is not dead, or -1. */
static int next_instance(struct contest *c, int last)
{
    for (int k = 1; k <= ALL_INSTANCES; k++) {
        int i = (last + k) % ALL_INSTANCES;
        if (!atomic_load(&c->dead[i]))
            return i;
    }
    return -1;
}

/* A storm thread: random ops on the pairs of its own likers
 * (l % THREADS == t), each to the other instance than the last. */
static void *storm_main(void *arg)
{
    struct worker *w = arg;
    struct contest *c = w->c;
    CURL *curl = curl_easy_init();
    uint64_t seed = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)(w->t + 1) * 0xBF58476D1CE4E5B9ULL);
    int last = w->t % ALL_INSTANCES;
    while (curl && !atomic_load(&c->stop)) {
        uint64_t x = dc_rnd_next(&seed);
        int l = w->t + THREADS * (int)(x % (LIKERS / THREADS));
        int s = (int)((x >> 16) % SUBS);
        bool on = (x >> 32) % 3 != 0;
        struct pair *p = &c->pairs[l][s];
        if (p->frozen)
            continue;
        int i = next_instance(c, last);
        if (i < 0)
            break;
        last = i;
        if (on) {
            w->puts++;
            w->repeated_puts += p->touched && p->liked;
        } else {
            w->deletes++;
        }
        bool ok = like_on(w, curl, i, l, s, on, false);
        /* unanswered: it may still be applied; sent again until answered,
         * and then that pair is left alone, so that its last acknowledged
         * state is this op whatever happens to the first attempt */
        for (int k = 0; !ok && k < RETRIES; k++) {
            dc_nap_ms(100);
            int j = next_instance(c, i);
            if (j >= 0)
                ok = like_on(w, curl, j, l, s, on, true);
            p->frozen = true;
        }
        if (ok) {
            p->touched = true;
            p->liked = on;
        } else {
            p->lost = true;
            bad(w, "liker %d video %d: %s never acknowledged", l, s, on ? "PUT" : "DELETE");
        }
    }
    if (!curl)
        bad(w, "no curl handle");
    curl_easy_cleanup(curl);
    return NULL;
}

static void storm_start(struct contest *c)
{
    for (int t = 0; t < THREADS; t++) {
        c->w[t] = (struct worker){.t = t, .c = c};
        ck_assert_int_eq(pthread_create(&c->th[t], NULL, storm_main, &c->w[t]), 0);
    }
}

/* Stops and joins the storm threads; sums their counts into *sum. */
static void storm_stop(struct contest *c, struct worker *sum)
{
    atomic_store(&c->stop, true);
    for (int t = 0; t < THREADS; t++)
        pthread_join(c->th[t], NULL);
    *sum = (struct worker){0};
    for (int t = 0; t < THREADS; t++) {
        struct worker *w = &c->w[t];
        for (int i = 0; i < ALL_INSTANCES; i++)
            sum->acked[i] += w->acked[i];
        sum->puts += w->puts;
        sum->deletes += w->deletes;
        sum->repeated_puts += w->repeated_puts;
        sum->acked_after_kill += w->acked_after_kill;
        sum->dead_failures += w->dead_failures;
        if (w->bad && !sum->bad)
            snprintf(sum->first_bad, sizeof sum->first_bad, "%s", w->first_bad);
        sum->bad += w->bad;
    }
}

/* ---- checks after a storm ----------------------------------------------- */

/* Unfolded shard rows of the contest's videos. */
static long long shards_left(const struct contest *c)
{
    return dc_sql_ll("SELECT count(*) FROM like_shards WHERE submission_id IN (%s)", c->id_list);
}

/* Videos whose folded like_count is not their number of rows in likes. */
static long long count_mismatches(const struct contest *c)
{
    return dc_sql_ll("SELECT count(*) FROM submissions s WHERE s.id IN (%s)"
                     " AND s.like_count <> (SELECT count(*) FROM likes l"
                     " WHERE l.submission_id = s.id)",
                     c->id_list);
}

/* Waits (bounded) until the folds have caught up: no shard left and every
 * folded count equal to its rows. Returns the seconds it took. */
static double settle(const struct contest *c)
{
    double t0 = dc_now_s();
    while (dc_now_s() - t0 < SETTLE_S && (shards_left(c) > 0 || count_mismatches(c) > 0))
        dc_nap_ms(100);
    return dc_now_s() - t0;
}

/* The contest video s's like_count in the `items` of one list page, or -1. */
static json_int_t count_in(json_t *items, const char *id)
{
    for (size_t k = 0; k < json_array_size(items); k++) {
        json_t *it = json_array_get(items, k);
        const char *got = dc_str(it, "id");
        if (got && strcmp(got, id) == 0)
            return dc_int(it, "like_count");
    }
    return -1;
}

/* Whether GET /v1/submissions?sort=likes (every page) on instance i shows
 * each video with rows[s]; the first difference into why. */
static bool list_shows(const struct contest *c, int i, const long long *rows, char *why, size_t cap)
{
    json_int_t got[SUBS];
    for (int s = 0; s < SUBS; s++)
        got[s] = -1;
    char path[512] = "/v1/submissions?sort=likes&limit=100";
    for (int pages = 0; pages < 100; pages++) {
        struct dc_resp *r = dc_req_at(NULL, dc_base_url_at(i), "GET", path, NULL, NULL);
        dc_expect_status(r, 200, "list sort=likes");
        json_t *items = json_object_get(r->json, "items");
        for (int s = 0; s < SUBS; s++)
            if (got[s] < 0)
                got[s] = count_in(items, c->ids[s]);
        const char *next = dc_str(r->json, "next_cursor");
        if (next)
            snprintf(path, sizeof path, "/v1/submissions?sort=likes&limit=100&cursor=%s", next);
        dc_resp_free(r);
        if (!next)
            break;
    }
    for (int s = 0; s < SUBS; s++)
        if (got[s] != rows[s]) {
            snprintf(why, cap, "video %s: list like_count %lld, likes rows %lld", c->ids[s],
                     (long long)got[s], rows[s]);
            return false;
        }
    return true;
}

/* Whether GET /v1/leaderboard on instance i holds each video's entry with
 * rows[s] (one video per author, so each is its author's entry). */
static bool board_shows(const struct contest *c, int i, const long long *rows, char *why,
                        size_t cap)
{
    struct dc_resp *r = dc_req_at(NULL, dc_base_url_at(i), "GET", "/v1/leaderboard", NULL, NULL);
    dc_expect_status(r, 200, "leaderboard");
    json_t *entries = json_object_get(r->json, "entries");
    bool ok = true;
    for (int s = 0; s < SUBS && ok; s++) {
        json_int_t got = -1;
        for (size_t k = 0; k < json_array_size(entries); k++) {
            json_t *e = json_array_get(entries, k);
            const char *sid = dc_str(json_object_get(e, "submission"), "id");
            if (sid && strcmp(sid, c->ids[s]) == 0)
                got = dc_int(e, "like_count");
        }
        if (got != rows[s]) {
            snprintf(why, cap, "video %s: leaderboard like_count %lld, likes rows %lld", c->ids[s],
                     (long long)got, rows[s]);
            ok = false;
        }
    }
    dc_resp_free(r);
    return ok;
}

/* Polls check on instance i for up to BOARD_S (lists and the leaderboard
 * show folded counts, a fold and a render behind). */
static void eventually(bool (*check)(const struct contest *, int, const long long *, char *,
                                     size_t),
                       const struct contest *c, int i, const long long *rows, const char *what)
{
    char why[300] = "";
    double t0 = dc_now_s();
    while (!check(c, i, rows, why, sizeof why)) {
        ck_assert_msg(dc_now_s() - t0 < BOARD_S, "instance %d, %s after %.0f s: %s", i, what,
                      BOARD_S, why);
        dc_nap_ms(100);
    }
}

/* Every check of a settled contest against the instances in `live` (a
 * bitmask); rows[s] gets each video's rows in likes. */
static void check_contest(const struct contest *c, unsigned live, long long rows[SUBS])
{
    /* the folded counts: submissions.like_count = rows in likes */
    for (int s = 0; s < SUBS; s++) {
        rows[s] = dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", c->ids[s]);
        long long folded = dc_sql_ll("SELECT like_count FROM submissions WHERE id = %s", c->ids[s]);
        long long pending = dc_sql_ll(
            "SELECT coalesce(sum(delta), 0) FROM like_shards WHERE submission_id = %s", c->ids[s]);
        ck_assert_msg(folded == rows[s] && pending == 0,
                      "video %s after %.0f s: submissions.like_count %lld, likes rows %lld, "
                      "unfolded shard deltas %lld",
                      c->ids[s], SETTLE_S, folded, rows[s], pending);
    }
    /* the exact count on every live instance */
    for (int i = 0; i < ALL_INSTANCES; i++) {
        if (!(live & (1u << i)))
            continue;
        for (int s = 0; s < SUBS; s++) {
            char path[96];
            snprintf(path, sizeof path, "/v1/submissions/%s", c->ids[s]);
            struct dc_resp *r = dc_req_at(NULL, dc_base_url_at(i), "GET", path, NULL, NULL);
            dc_expect_status(r, 200, path);
            ck_assert_msg(dc_int(r->json, "like_count") == rows[s],
                          "GET %s on instance %d: like_count %lld, likes rows %lld", path, i,
                          (long long)dc_int(r->json, "like_count"), rows[s]);
            dc_resp_free(r);
        }
        eventually(list_shows, c, i, rows, "GET /v1/submissions?sort=likes");
        eventually(board_shows, c, i, rows, "GET /v1/leaderboard");
    }

    /* every pair: its last acknowledged op is the likes table's and the
     * API's `liked` (through the live instances in turn) */
    char *all = dc_sql_fmt("SELECT ',' || coalesce(string_agg(submission_id || ':' || account_id,"
                           " ','), '') || ',' FROM likes WHERE submission_id IN (%s)",
                           c->id_list);
    ck_assert_ptr_nonnull(all);
    CURL *curl = curl_easy_init();
    ck_assert_ptr_nonnull(curl);
    int k = 0, liked_pairs = 0;
    for (int l = 0; l < LIKERS; l++)
        for (int s = 0; s < SUBS; s++) {
            const struct pair *p = &c->pairs[l][s];
            ck_assert_msg(!p->lost, "liker %d video %d: an op was never acknowledged", l, s);
            bool want = p->touched && p->liked;
            liked_pairs += want;
            char key[64];
            snprintf(key, sizeof key, ",%s:%s,", c->ids[s], c->likers[l].id);
            bool row = strstr(all, key) != NULL;
            ck_assert_msg(row == want,
                          "liker %s video %s: last acknowledged %s, but the likes table %s it",
                          c->likers[l].id, c->ids[s],
                          !p->touched ? "nothing"
                          : p->liked  ? "PUT"
                                      : "DELETE",
                          row ? "holds" : "lacks");
            int i;
            do
                i = k++ % ALL_INSTANCES;
            while (!(live & (1u << i)));
            char path[96];
            snprintf(path, sizeof path, "/v1/submissions/%s", c->ids[s]);
            struct dc_resp *r =
                dc_req_at(curl, dc_base_url_at(i), "GET", path, c->likers[l].token, NULL);
            dc_expect_status(r, 200, path);
            json_t *liked = json_object_get(r->json, "liked");
            ck_assert_msg(json_is_boolean(liked) && json_is_true(liked) == want,
                          "GET %s on instance %d as liker %s: liked %s, last acknowledged %s", path,
                          i, c->likers[l].id, r->body,
                          !p->touched ? "nothing"
                          : p->liked  ? "PUT"
                                      : "DELETE");
            dc_resp_free(r);
        }
    curl_easy_cleanup(curl);
    free(all);
    long long total = 0;
    for (int s = 0; s < SUBS; s++)
        total += rows[s];
    ck_assert_int_eq(total, liked_pairs);
}

/* ---- 1. a like storm on two instances ----------------------------------- */

START_TEST(like_storm_two_instances)
{
    start_pair();
    double t_setup = dc_now_s();
    struct contest *c = contest_new("风暴");
    double t0 = dc_now_s();
    storm_start(c);
    dc_nap_ms((long)(STORM_S * 1000));
    struct worker sum;
    storm_stop(c, &sum);
    double storm_s = dc_now_s() - t0;
    ck_assert_msg(sum.bad == 0, "%ld wrong or failed answers in the storm; the first: %s", sum.bad,
                  sum.first_bad);
    ck_assert_msg(sum.acked[A] > 0 && sum.acked[B] > 0, "acknowledged: A %ld, B %ld", sum.acked[A],
                  sum.acked[B]);
    ck_assert_int_eq(sum.dead_failures, 0);
    long long left = shards_left(c);
    double settled = settle(c);
    long long rows[SUBS];
    check_contest(c, 1u << A | 1u << B, rows);
    long long total = 0;
    for (int s = 0; s < SUBS; s++)
        total += rows[s];
    fprintf(stderr,
            PROG ": storm: accounts and videos %.1f s; %ld ops in %.1f s (%ld PUT, %ld of them "
                 "repeated, %ld DELETE; A %ld, B %ld); %lld shard rows right after it, folded in "
                 "%.1f s; %lld likes stand; checks %.1f s\n",
            t0 - t_setup, sum.acked[A] + sum.acked[B], storm_s, sum.puts, sum.repeated_puts,
            sum.deletes, sum.acked[A], sum.acked[B], left, settled, total,
            dc_now_s() - t0 - storm_s - settled);
    contest_free(c);
    stop_instance(B, "B");
    stop_instance(A, "A");
}
END_TEST

/* ---- 2. the leaderboard across instances -------------------------------- */

/* The like_count of the entry of video id in instance i's leaderboard, or
 * -1 when it has none. */
static json_int_t board_count(int i, const char *id)
{
    struct dc_resp *r = dc_req_at(NULL, dc_base_url_at(i), "GET", "/v1/leaderboard", NULL, NULL);
    dc_expect_status(r, 200, "leaderboard");
    json_t *entries = json_object_get(r->json, "entries");
    json_int_t n = -1;
    for (size_t k = 0; k < json_array_size(entries); k++) {
        json_t *e = json_array_get(entries, k);
        const char *sid = dc_str(json_object_get(e, "submission"), "id");
        if (sid && strcmp(sid, id) == 0)
            n = dc_int(e, "like_count");
    }
    dc_resp_free(r);
    return n;
}

/* Polls instance i's leaderboard every 100 ms until video id shows with
 * want, for up to `limit` seconds from `since`; returns how long after
 * `since` it showed (fails the test when it did not). */
static double board_reaches(int i, const char *id, json_int_t want, double since, double limit,
                            const char *what)
{
    json_int_t got;
    while ((got = board_count(i, id)) != want) {
        ck_assert_msg(dc_now_s() - since < limit,
                      "%s: instance %d's leaderboard shows like_count %lld for video %s %.1f s "
                      "later, want %lld",
                      what, i, (long long)got, id, dc_now_s() - since, (long long)want);
        dc_nap_ms(100);
    }
    return dc_now_s() - since;
}

/* PUT (on) or DELETE token's like of id on instance i; asserts 200 and the
 * count; returns the time of the answer. */
static double like_at(int i, const char *token, const char *id, bool on, json_int_t want)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", id);
    struct dc_resp *r =
        dc_req_at(NULL, dc_base_url_at(i), on ? "PUT" : "DELETE", path, token, NULL);
    double at = dc_now_s();
    dc_expect_status(r, 200, on ? "like" : "unlike");
    ck_assert_msg(json_is_true(json_object_get(r->json, "liked")) == on, "liked: %s", r->body);
    ck_assert_int_eq(dc_int(r->json, "like_count"), want);
    dc_resp_free(r);
    return at;
}

START_TEST(leaderboard_across_instances)
{
    start_pair();
    struct dc_user author = dc_new_user("榜单作者");
    struct dc_user fan1 = dc_new_user("榜单粉丝一");
    struct dc_user fan2 = dc_new_user("榜单粉丝二");
    char *id = dc_submit_approved(admin, author.token, dc_video_json("跨实例榜单"));
    /* the approval itself shows on both (a bound, not the contract's) */
    board_reaches(B, id, 0, dc_now_s(), 10.0, "approval");
    board_reaches(A, id, 0, dc_now_s(), 10.0, "approval");

    /* each step changes the count, and both boards show it before the
     * next step, so that the other instance showing the new count is
     * never the old answer still cached */
    double at = like_at(A, fan1.token, id, true, 1);
    double ab = board_reaches(B, id, 1, at, BOARD_S, "a like through A");
    board_reaches(A, id, 1, at, BOARD_S, "a like through A, on A");
    at = like_at(B, fan2.token, id, true, 2);
    double ba = board_reaches(A, id, 2, at, BOARD_S, "a like through B");
    board_reaches(B, id, 2, at, BOARD_S, "a like through B, on B");
    at = like_at(A, fan1.token, id, false, 1);
    double unlike = board_reaches(B, id, 1, at, BOARD_S, "an unlike through A");
    board_reaches(A, id, 1, at, BOARD_S, "an unlike through A, on A");
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", id), 1);
    fprintf(stderr,
            PROG ": leaderboard: like A->B board %.2f s, like B->A board %.2f s, unlike A->B "
                 "board %.2f s (contract %.0f s)\n",
            ab, ba, unlike, BOARD_S);
    free(id);
    stop_instance(B, "B");
    stop_instance(A, "A");
}
END_TEST

/* ---- 3. two folders at once, one killed in its fold ---------------------- */

/* Fold statements of this database waiting for a lock: those on
 * like_shards but the like batches' (the only ones that insert; reads never
 * wait for a row lock). Today that is FOLD_LOCK, waiting in its FOR
 * UPDATE. */
static long long folds_waiting(void)
{
    return dc_sql_ll("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                     " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
                     " AND query LIKE '%%like_shards%%' AND query NOT LIKE '%%INSERT INTO%%'");
}

/* Locks the first shard row of the database on conn, in a transaction left
 * open: every fold must wait for it. Retries (bounded) while there is
 * none, or a fold deleted it under the lock attempt. Returns the row's
 * "submission/shard". */
static void lock_first_shard(PGconn *pg, char *row, size_t cap)
{
    double t0 = dc_now_s();
    for (;;) {
        PQclear(PQexec(pg, "BEGIN"));
        PGresult *r = PQexec(pg, "SELECT submission_id, shard FROM like_shards"
                                 " ORDER BY submission_id, shard LIMIT 1 FOR UPDATE");
        bool got = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "lock: %s", PQerrorMessage(pg));
        if (got)
            snprintf(row, cap, "%s/%s", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
        PQclear(r);
        if (got)
            return;
        PQclear(PQexec(pg, "ROLLBACK"));
        ck_assert_msg(dc_now_s() - t0 < LOCK_WAIT_S, "no shard row to lock in %.0f s of storm",
                      LOCK_WAIT_S);
        dc_nap_ms(10);
    }
}

START_TEST(two_folders_one_killed)
{
    start_pair();
    struct contest *c = contest_new("双折");
    double t0 = dc_now_s();
    storm_start(c);
    dc_nap_ms(1500);

    /* both folders inside a fold at once, waiting for the same row */
    PGconn *pg = PQconnectdb(getenv("DATABASE_URL"));
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "connect: %s", PQerrorMessage(pg));
    char row[64];
    lock_first_shard(pg, row, sizeof row);
    double locked_at = dc_now_s();
    long long waiting = 0;
    while ((waiting = folds_waiting()) < 2 && dc_now_s() - locked_at < LOCK_WAIT_S)
        dc_nap_ms(20);
    double both_after = dc_now_s() - locked_at;
    ck_assert_msg(waiting >= 2,
                  "with shard row %s locked for %.0f s, %lld fold statement(s) waited for it; "
                  "want one per instance (2)",
                  row, LOCK_WAIT_S, waiting);

    /* A dies in the middle of its fold; the lock goes; B carries on */
    atomic_store(&c->dead[A], true);
    int st = dc_server_kill_at(A, SIGKILL);
    ck_assert_int_eq(st, 128 + SIGKILL);
    atomic_store(&c->killed, true);
    PQclear(PQexec(pg, "COMMIT"));
    PQfinish(pg);
    dc_nap_ms((long)(AFTER_KILL_S * 1000));
    struct worker sum;
    storm_stop(c, &sum);
    double storm_s = dc_now_s() - t0;
    ck_assert_msg(sum.bad == 0, "%ld wrong or failed answers in the storm; the first: %s", sum.bad,
                  sum.first_bad);
    ck_assert_msg(sum.acked[A] > 0 && sum.acked_after_kill > 0,
                  "acknowledged: A %ld before it died, B %ld after", sum.acked[A],
                  sum.acked_after_kill);

    long long left = shards_left(c);
    double settled = settle(c);
    long long rows[SUBS];
    check_contest(c, 1u << B, rows);
    long long total = 0;
    for (int s = 0; s < SUBS; s++)
        total += rows[s];
    fprintf(stderr,
            PROG
            ": two folders: both waited for shard row %s after %.2f s; A killed in its "
            "fold; %ld ops in %.1f s (A %ld, B %ld, %ld on B after the kill, %ld sent to the "
            "dead A again on B); %lld shard rows after the storm, folded by B alone in %.1f s; "
            "%lld likes stand\n",
            row, both_after, sum.acked[A] + sum.acked[B], storm_s, sum.acked[A], sum.acked[B],
            sum.acked_after_kill, sum.dead_failures, left, settled, total);
    contest_free(c);
    stop_instance(B, "B");
}
END_TEST

int main(void)
{
    /* the admin is made through a server of main()'s, stopped before the
     * tests run: each test starts the instances it needs, and no other
     * instance's folder runs meanwhile */
    admin = dc_start_with_admin(PROG);
    if (!make_users(likers, LIKERS, "多实例点赞")) {
        fprintf(stderr, PROG ": could not make %d accounts\n", LIKERS);
        dc_server_stop();
        return 1;
    }
    int stopped = dc_server_stop();
    if (stopped != 0) {
        fprintf(stderr, PROG ": the first server stopped with %d\n", stopped);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("multi_instance");
    dc_add_tcase(s, "storm", 240, like_storm_two_instances, NULL);
    dc_add_tcase(s, "leaderboard", 120, leaderboard_across_instances, NULL);
    dc_add_tcase(s, "two_folders", 240, two_folders_one_killed, NULL);
    int rc = dc_run_suite(s);
    free(admin);
    return rc;
}
