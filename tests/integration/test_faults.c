/*
 * test_faults.c - issue 6, item 5: fault tests with nothing lost. Each test
 * starts its own server (with the environment it needs), makes its own
 * accounts and content, and stops it again; none depends on another.
 *
 *  1. pg_crash_under_load: six clients keep liking (a distinct account x
 *     submission pair per like) and sending progress (a distinct interval
 *     per report) while PostgreSQL is killed (`pg_ctl stop -m immediate`,
 *     crash recovery on the next start) and started again. Every attempt's
 *     outcome is recorded and failed attempts are retried. Then, Jepsen
 *     style: every acknowledged like is a row in likes and every
 *     acknowledged report is covered by the progress row; nothing appears
 *     that was never sent; every failure was 503 unavailable with
 *     Retry-After (a transport error may go either way); /readyz came back
 *     by itself; like_count equals the like rows (at once through the API,
 *     and in submissions.like_count once the folder has run).
 *  2. server_sigkill_idempotency: submissions with Idempotency-Key and
 *     likes from several threads; SIGKILL mid-load; a new server process;
 *     every request retried with the same key: one submission per key, the
 *     acknowledged ones replayed with their first id, like counts = rows.
 *  3. sigterm_fifty_in_flight: 20 logins and 30 throttled 512 KiB uploads
 *     (PATCH /v1/me) have all started when SIGTERM arrives: each gets a
 *     complete response and the process exits 0 (test_conventions checks
 *     ten logins; this adds bodies still arriving and five times the load).
 *  4. slow_and_idle_clients: header bytes trickled one a second and 1,000
 *     idle connections (DRILLCAMP_CONNECTION_TIMEOUT=3): others are still
 *     served, and the server closes the idle ones itself.
 *  5. huge_headers_and_chunked_memory: 40 KB of headers (one header, and
 *     1,000 small ones) get a 4xx, not a 5xx or a hang; 50 MiB chunked
 *     bodies are refused with 413 three times while the server's VmRSS stays
 *     flat (test_conventions checks 413 for 1 MiB + 1 chunked, not memory).
 *  6. login_storm_memory: 200 logins at once against 16 worker threads with
 *     DRILLCAMP_HASH_CONCURRENCY=2: every answer is 201, 429 or 503 (those
 *     with Retry-After), VmRSS stays within base + 2 scrypt hashes + slack,
 *     and /healthz and /v1/campaign answer during the storm.
 *
 * Tests 1 and 2 put the shared campaign (id 1) into phase live themselves.
 * Test 1 stops PostgreSQL; every test case's unchecked teardown (in the
 * parent) starts it again and kills a server a failed test left behind.
 * Logins answer 201 (API.md section 2), so "success" below means 201.
 *
 * No test asserts timing; deadlines only keep a broken server from hanging
 * the run. A summary line per test goes to stderr ("test_faults: ...").
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define KIB 1024L
#define MIB (1024L * 1024L)

/* ---- small helpers ---------------------------------------------------- */

/* 8 random hex digits, so that titles and keys of one run are its own. */
static void random_tag(char out[9])
{
    unsigned char raw[4];
    int fd = open("/dev/urandom", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(read(fd, raw, sizeof raw), (ssize_t)sizeof raw);
    close(fd);
    for (int i = 0; i < 4; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* VmRSS of a process in KiB, or -1. */
static long vmrss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

/* Samples a process's VmRSS every few milliseconds, keeping the peak. */
struct rss_sampler {
    int pid;
    atomic_bool stop;
    atomic_long peak_kib;
    pthread_t th;
};

static void *rss_sample_main(void *arg)
{
    struct rss_sampler *s = arg;
    while (!atomic_load(&s->stop)) {
        long k = vmrss_kib(s->pid);
        if (k > atomic_load(&s->peak_kib))
            atomic_store(&s->peak_kib, k);
        dc_nap_ms(5);
    }
    return NULL;
}

static void rss_sampler_start(struct rss_sampler *s, int pid)
{
    s->pid = pid;
    atomic_init(&s->stop, false);
    atomic_init(&s->peak_kib, vmrss_kib(pid));
    ck_assert_int_eq(pthread_create(&s->th, NULL, rss_sample_main, s), 0);
}

static long rss_sampler_stop(struct rss_sampler *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    return atomic_load(&s->peak_kib);
}

/* Problems found by client threads (which must not call ck_assert): the
 * first few are kept as text and asserted on the test's own thread. */
struct problems {
    pthread_mutex_t mu;
    int n;
    char text[3000];
};

static void problems_init(struct problems *p)
{
    pthread_mutex_init(&p->mu, NULL);
    p->n = 0;
    p->text[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void problem(struct problems *p, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&p->mu);
    if (p->n++ < 8) {
        size_t used = strlen(p->text);
        snprintf(p->text + used, sizeof p->text - used, "  %s\n", line);
    }
    pthread_mutex_unlock(&p->mu);
}

static void expect_no_problems(struct problems *p, const char *what)
{
    ck_assert_msg(p->n == 0, "%s: %d problems, the first:\n%s", what, p->n, p->text);
}

/* ---- servers started by tests ------------------------------------------ */

/* Shared with the forked test processes: the servers they started, so that
 * the parent can stop what a failed test left running. */
#define MAX_SPAWNED 16
static int *spawned;

static void spawned_note(int pid, bool add)
{
    for (int i = 0; i < MAX_SPAWNED; i++)
        if (add ? spawned[i] == 0 : spawned[i] == pid) {
            spawned[i] = add ? pid : 0;
            return;
        }
}

static void start_server(const char *const *env)
{
    dc_server_start(env);
    spawned_note(dc_server_pid(), true);
}

static int stop_server(void)
{
    int pid = dc_server_pid();
    int rc = dc_server_stop();
    spawned_note(pid, false);
    return rc;
}

/* True when pid is (still) a drillcamp server. */
static bool is_our_server(int pid)
{
    char path[64], cmd[512];
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(cmd, 1, sizeof cmd - 1, f);
    fclose(f);
    cmd[n] = '\0';
    const char *exe = strrchr(cmd, '/');
    exe = exe ? exe + 1 : cmd;
    return strcmp(exe, "drillcamp") == 0 && n > strlen(cmd) + 1 &&
           strcmp(cmd + strlen(cmd) + 1, "serve") == 0;
}

/* Unchecked teardown (runs in the parent): kills the servers a failed
 * test left behind, and starts PostgreSQL in case test 1 failed while it
 * was down (scripts/pg.sh start is idempotent). */
static void cleanup_after_test(void)
{
    for (int i = 0; i < MAX_SPAWNED; i++) {
        if (spawned[i] > 0 && is_our_server(spawned[i])) {
            fprintf(stderr, "test_faults: stopping server %d left by a failed test\n", spawned[i]);
            kill(spawned[i], SIGKILL);
        }
        spawned[i] = 0;
    }
    dc_pg_start();
}

/* ---- an HTTP client for threads ----------------------------------------
 * The harness's client reads its global base URL, which changes when a test
 * starts a second server; these requests name their base and can stream,
 * throttle and time out. */

struct body_src {
    const char *data; /* sent as is, or when NULL: */
    size_t pad_total; /* a {"pad":"aaa..."} object of this many bytes */
    size_t len, pos;
    atomic_int *started; /* bumped on the first read (the request is on the wire) */
    bool seen;
};

static size_t src_read(char *buf, size_t size, size_t nitems, void *ud)
{
    struct body_src *s = ud;
    if (!s->seen) {
        s->seen = true;
        if (s->started)
            atomic_fetch_add(s->started, 1);
    }
    size_t n = size * nitems;
    if (n > s->len - s->pos)
        n = s->len - s->pos;
    if (s->data) {
        memcpy(buf, s->data + s->pos, n);
        s->pos += n;
        return n;
    }
    dc_pad_bytes(buf, s->pos, n, s->len);
    s->pos += n;
    return n;
}

struct xopt {
    const char *base;
    const char *method;
    const char *path;
    const char *token;
    const char *const *lines; /* extra "Name: value" lines, NULL-terminated */
    const char *body;         /* JSON sent with its length */
    size_t body_len;          /* 0 with a body: strlen(body) */
    size_t chunked_pad;       /* > 0: a padded JSON object of this size, chunked */
    long timeout_s;           /* 0: 30 s */
    curl_off_t send_bps;      /* > 0: upload no faster than this */
    atomic_int *started;
};

/* One request; *rc (may be NULL) gets curl's result. status 0: no answer. */
static struct dc_resp *xhttp(const struct xopt *o, CURLcode *rc)
{
    struct dc_resp *r = calloc(1, sizeof *r);
    char *body = calloc(1, 1), *hdrs = calloc(1, 1);
    char url[1024], auth[512];
    snprintf(url, sizeof url, "%s%s", o->base, o->path);
    struct body_src src = {.started = o->started};
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    for (const char *const *l = o->lines; l && *l; l++)
        h = curl_slist_append(h, *l);
    if (o->token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dc_curl_grow);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, dc_curl_grow);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdrs);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s ? o->timeout_s : 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (o->body || o->chunked_pad) {
        h = curl_slist_append(h, "Content-Type: application/json");
        src.data = o->body;
        src.len = o->body ? (o->body_len ? o->body_len : strlen(o->body)) : o->chunked_pad;
        src.pad_total = o->chunked_pad;
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, src_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &src);
        if (o->body)
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)src.len);
        else
            h = curl_slist_append(h, "Transfer-Encoding: chunked");
        if (o->send_bps > 0)
            curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, o->send_bps);
    } else if (o->started) {
        atomic_fetch_add(o->started, 1);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    CURLcode res = curl_easy_perform(c);
    /* a refusal read before the upload finished still counts as an answer */
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc)
        *rc = res;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    r->body = body;
    r->body_len = strlen(body);
    r->headers = hdrs;
    if (r->body_len)
        r->json = json_loadb(body, r->body_len, 0, NULL);
    return r;
}

static struct dc_resp *xreq(const char *base, const char *method, const char *path,
                            const char *token, const char *json, long timeout_s, CURLcode *rc)
{
    struct xopt o = {.base = base,
                     .method = method,
                     .path = path,
                     .token = token,
                     .body = json,
                     .timeout_s = timeout_s};
    return xhttp(&o, rc);
}

/* This status and error code in the envelope, with Retry-After >= 1. */
static bool is_refusal(const struct dc_resp *r, long status, const char *code)
{
    if (r->status != status || strcmp(dc_err_code_of(r), code) != 0)
        return false;
    char *ra = dc_resp_header(r, "Retry-After");
    bool ok = ra && atoi(ra) >= 1;
    free(ra);
    return ok;
}

/* 503 unavailable in the error envelope with Retry-After >= 1. */
static bool is_unavailable(const struct dc_resp *r)
{
    return is_refusal(r, 503, "unavailable");
}

/* 429 rate_limited or 503 unavailable, with Retry-After >= 1. */
static bool is_refusal_with_retry(const struct dc_resp *r)
{
    return is_unavailable(r) || is_refusal(r, 429, "rate_limited");
}

/* Polls GET path until it answers 200; false after deadline_s. */
static bool wait_200(const char *base, const char *path, double deadline_s)
{
    double until = dc_now_s() + deadline_s;
    while (dc_now_s() < until) {
        struct dc_resp *r = xreq(base, "GET", path, NULL, NULL, 5, NULL);
        long st = r->status;
        dc_resp_free(r);
        if (st == 200)
            return true;
        dc_nap_ms(200);
    }
    return false;
}

static int server_port(void)
{
    const char *colon = strrchr(dc_base_url(), ':');
    ck_assert_ptr_nonnull(colon);
    return atoi(colon + 1);
}

/* ---- accounts, campaign, content -------------------------------------- */

/* The set-up's accounts are made on servers that may be short of password
 * hash slots: a 503 is sent again, for 30 s at most (dc_try_new_user). */
#define BUSY_RETRIES 30

static void make_user_job(int i, void *ctx)
{
    (void)dc_try_new_user((struct dc_user *)ctx + i, "故障测试", BUSY_RETRIES);
}

/* n fresh users, made two at a time (each costs two 32 MiB scrypt hashes);
 * the caller frees the array. */
static struct dc_user *make_users(int n)
{
    struct dc_user *u = calloc((size_t)n, sizeof *u);
    ck_assert_ptr_nonnull(u);
    dc_run_parallel(n, 1, make_user_job, u);
    for (int i = 0; i < n; i++)
        ck_assert_msg(u[i].token[0] && u[i].id[0], "could not make user %d of %d", i, n);
    return u;
}

static json_t *submission_json(const char *title)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:[s], s:b}", "title", title,
                     "description", "楼道起火时弯腰低姿沿疏散指示撤离。", "category", "fire",
                     "video_url", "https://video.example.com/v/fault.mp4", "duration_seconds", 60,
                     "format", "mp4", "size_bytes", (json_int_t)1048576, "hashtags", DC_TOPIC,
                     "original", true);
}

static char *submission_body(const char *title)
{
    json_t *b = submission_json(title);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* A new approved submission by author; its id (malloc'ed). */
static char *approved_submission(const char *admin, const char *author, const char *title)
{
    return dc_submit_approved(admin, author, submission_json(title));
}

/* "a,b,c" of the ids for which pick(i) holds; out must be large enough. */
static void id_list(char *out, size_t cap, char *const *ids, int n, const bool *pick)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (pick && !pick[i])
            continue;
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", used ? "," : "", ids[i]);
    }
}

/* Waits (up to 15 s) until the folder has moved every like of these
 * submissions into submissions.like_count; false when it never did. */
static bool like_counts_settle(const char *id_csv, long long *mismatched)
{
    double until = dc_now_s() + 15;
    for (;;) {
        *mismatched = dc_sql_ll("SELECT count(*) FROM submissions s WHERE s.id IN (%s) AND "
                                "s.like_count <> (SELECT count(*) FROM likes l WHERE "
                                "l.submission_id = s.id)",
                                id_csv);
        if (*mismatched == 0)
            return true;
        if (dc_now_s() > until)
            return false;
        dc_nap_ms(250);
    }
}

/* GET /v1/submissions/{id}'s like_count; -1 without an answer. */
static long long api_like_count(const char *base, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s", id);
    struct dc_resp *r = xreq(base, "GET", path, NULL, NULL, 20, NULL);
    json_t *v = json_object_get(r->json, "like_count");
    long long n = r->status == 200 && json_is_integer(v) ? json_integer_value(v) : -1;
    dc_resp_free(r);
    return n;
}

/* Asserts that the API's like_count of submission id (through base) equals
 * its like rows; returns their number. */
static long long expect_api_like_count(const char *base, const char *id)
{
    long long rows = dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", id);
    long long api = api_like_count(base, id);
    ck_assert_msg(api == rows, "submission %s: like_count %lld, %lld like rows", id, api, rows);
    return rows;
}

/* Asserts like_counts_settle for these ids ("a,b,c"). */
static void expect_like_counts_settle(const char *id_csv)
{
    long long mismatched = 0;
    ck_assert_msg(like_counts_settle(id_csv, &mismatched),
                  "%lld submissions' like_count still differs from their like rows after 15 s",
                  mismatched);
}

/* ---- 1. PostgreSQL killed under load ----------------------------------- */

#define T1_WORKERS 6
#define T1_SUBS    120 /* submissions; each worker likes them in order */
#define T1_REPORTS 400 /* progress reports a worker may send at most */
#define T1_STEP    10  /* report k covers [k * T1_STEP, k * T1_STEP + T1_LEN) */
#define T1_LEN     5

enum outcome { ACKED, FAILED, BAD };

struct t1_ctx {
    char base[64];
    char *subs[T1_SUBS];
    const char *lesson;
    atomic_bool stop;
    double hard_deadline;
    struct problems prob;
    atomic_int like_ok, like_503, like_transport, prog_ok, prog_503, prog_transport;
};

struct t1_worker {
    struct t1_ctx *ctx;
    struct dc_user *u;
    int nlikes; /* subs[0..nlikes) were attempted */
    bool like_acked[T1_SUBS];
    int nreports; /* reports 0..nreports) were attempted */
    bool report_acked[T1_REPORTS];
    int retried; /* operations that needed more than one attempt */
};

/* The outcome of an attempt (r is freed): a 200 whose body is as documented
 * (good) was acknowledged; a 503 with Retry-After or no answer at all
 * failed; anything else is a problem. The counters count each kind. */
static enum outcome t1_outcome(struct t1_ctx *c, struct dc_resp *r, CURLcode rc, bool good,
                               atomic_int *nok, atomic_int *n503, atomic_int *ntransport,
                               const char *what)
{
    enum outcome o = BAD;
    if (r->status == 200 && good) {
        atomic_fetch_add(nok, 1);
        o = ACKED;
    } else if (r->status == 200) {
        problem(&c->prob, "%s: 200 with %.200s", what, r->body);
    } else if (r->status == 0) {
        atomic_fetch_add(ntransport, 1);
        o = FAILED; /* a timeout or reset: may go either way */
    } else if (is_unavailable(r)) {
        atomic_fetch_add(n503, 1);
        o = FAILED;
    } else {
        problem(&c->prob, "%s: %ld (curl: %s) %.200s", what, r->status, curl_easy_strerror(rc),
                r->body);
    }
    dc_resp_free(r);
    return o;
}

static enum outcome t1_like(struct t1_worker *w, int k)
{
    struct t1_ctx *c = w->ctx;
    char path[96], what[128];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", c->subs[k]);
    snprintf(what, sizeof what, "PUT %s by %s", path, w->u->id);
    CURLcode rc;
    struct dc_resp *r = xreq(c->base, "PUT", path, w->u->token, NULL, 10, &rc);
    json_t *n = json_object_get(r->json, "like_count");
    bool good = json_is_true(json_object_get(r->json, "liked")) && json_is_integer(n) &&
                json_integer_value(n) >= 1;
    return t1_outcome(c, r, rc, good, &c->like_ok, &c->like_503, &c->like_transport, what);
}

static enum outcome t1_report(struct t1_worker *w, int k)
{
    struct t1_ctx *c = w->ctx;
    char body[256], what[128];
    snprintf(body, sizeof body,
             "{\"items\":[{\"content_type\":\"lesson\",\"content_id\":\"%s\",\"from_second\":%d,"
             "\"to_second\":%d}]}",
             c->lesson, k * T1_STEP, k * T1_STEP + T1_LEN);
    snprintf(what, sizeof what, "POST /v1/progress [%d,%d) by %s", k * T1_STEP,
             k * T1_STEP + T1_LEN, w->u->id);
    CURLcode rc;
    struct dc_resp *r = xreq(c->base, "POST", "/v1/progress", w->u->token, body, 10, &rc);
    bool good = json_is_false(json_object_get(r->json, "capped")) &&
                json_is_integer(json_object_get(r->json, "total_credited_seconds"));
    return t1_outcome(c, r, rc, good, &c->prog_ok, &c->prog_503, &c->prog_transport, what);
}

/* One pending operation of a worker: -1 when none. */
struct t1_pending {
    int k;
    int attempts;
};

/* Attempts the pending operation (taking the next one when none is
 * pending and the worker may go on); false when it failed and stays. */
static bool t1_step(struct t1_worker *w, struct t1_pending *p, bool like, bool more)
{
    if (p->k < 0) {
        int *next = like ? &w->nlikes : &w->nreports;
        if (!more || *next >= (like ? T1_SUBS : T1_REPORTS))
            return true;
        p->k = (*next)++;
        p->attempts = 0;
    }
    enum outcome o = like ? t1_like(w, p->k) : t1_report(w, p->k);
    p->attempts++;
    if (o == FAILED)
        return false;
    (like ? w->like_acked : w->report_acked)[p->k] = o == ACKED;
    w->retried += p->attempts > 1;
    p->k = -1;
    return true;
}

/* Likes the next submission and reports the next interval, in turns; a
 * failed one is tried again (alone of its kind) until acknowledged. After
 * the stop, only what is pending is finished. */
static void *t1_work(void *arg)
{
    struct t1_worker *w = arg;
    struct t1_ctx *c = w->ctx;
    struct t1_pending like = {-1, 0}, report = {-1, 0};
    while (dc_now_s() < c->hard_deadline) {
        bool more = !atomic_load(&c->stop);
        if (!more && like.k < 0 && report.k < 0)
            break;
        bool ok = t1_step(w, &like, true, more);
        ok &= t1_step(w, &report, false, more);
        dc_nap_ms(ok ? 40 : 100);
    }
    return NULL;
}

/* The stored intervals {a0,b0,a1,b1,...} of a progress row; returns the
 * number of integers read (0 without a row). */
static int parse_intervals(const char *text, int *out, int cap)
{
    int n = 0;
    for (const char *p = text ? text : ""; *p && n < cap;) {
        if (*p >= '0' && *p <= '9') {
            char *end;
            out[n++] = (int)strtol(p, &end, 10);
            p = end;
        } else {
            p++;
        }
    }
    return n;
}

/* Checks one worker's acknowledged likes and reports against the tables. */
static void t1_check_worker(struct t1_ctx *c, struct t1_worker *w, char *buf, size_t cap,
                            int *acked_likes, int *acked_reports)
{
    /* acknowledged likes are rows; no row for a like never sent */
    int n_acked = 0;
    for (int k = 0; k < w->nlikes; k++)
        n_acked += w->like_acked[k];
    *acked_likes += n_acked;
    if (n_acked > 0) {
        id_list(buf, cap, c->subs, w->nlikes, w->like_acked);
        long long rows =
            dc_sql_ll("SELECT count(*) FROM likes WHERE account_id = %s AND submission_id IN (%s)",
                      w->u->id, buf);
        ck_assert_msg(rows == n_acked,
                      "account %s: %d likes acknowledged, %lld of them in the likes table",
                      w->u->id, n_acked, rows);
    }
    id_list(buf, cap, c->subs, w->nlikes, NULL);
    long long stray =
        dc_sql_ll("SELECT count(*) FROM likes WHERE account_id = %s%s%s%s", w->u->id,
                  w->nlikes ? " AND submission_id NOT IN (" : "", buf, w->nlikes ? ")" : "");
    ck_assert_msg(stray == 0, "account %s: %lld likes that were never sent", w->u->id, stray);

    /* acknowledged reports are covered; what is stored was sent */
    char *text = dc_sql_fmt("SELECT intervals::text FROM progress WHERE account_id = %s AND "
                            "content_type = 'lesson' AND content_id = %s",
                            w->u->id, c->lesson);
    static int iv[2 * T1_REPORTS + 2];
    int n = parse_intervals(text, iv, 2 * T1_REPORTS + 2);
    ck_assert_msg(n % 2 == 0, "account %s: odd intervals %s", w->u->id, text);
    long long union_len = 0;
    for (int i = 0; i < n; i += 2) {
        int a = iv[i], b = iv[i + 1];
        ck_assert_msg(a % T1_STEP == 0 && b == a + T1_LEN && a / T1_STEP < w->nreports,
                      "account %s: stored interval [%d,%d) was never reported (%s)", w->u->id, a, b,
                      text);
        union_len += b - a;
    }
    for (int k = 0; k < w->nreports; k++) {
        if (!w->report_acked[k])
            continue;
        (*acked_reports)++;
        bool covered = false;
        for (int i = 0; i < n && !covered; i += 2)
            covered = iv[i] <= k * T1_STEP && k * T1_STEP + T1_LEN <= iv[i + 1];
        ck_assert_msg(covered, "account %s: acknowledged report [%d,%d) is not stored (%s)",
                      w->u->id, k * T1_STEP, k * T1_STEP + T1_LEN, text ? text : "no row");
    }
    free(text);
    if (n > 0) {
        /* a retried report never counts twice */
        long long credited =
            dc_sql_ll("SELECT credited_seconds FROM progress WHERE account_id = %s "
                      "AND content_type = 'lesson' AND content_id = %s",
                      w->u->id, c->lesson);
        long long total =
            dc_sql_ll("SELECT credited_seconds FROM learners WHERE account_id = %s", w->u->id);
        ck_assert_msg(credited == union_len && total == union_len,
                      "account %s: credited %lld (learner total %lld), intervals add up to %lld",
                      w->u->id, credited, total, union_len);
    }
}

START_TEST(pg_crash_under_load)
{
    start_server(NULL);
    char *admin = dc_new_admin_token();
    ck_assert_ptr_nonnull(admin);
    dc_campaign_live(admin, (struct dc_rules){.max_playback_rate = 1000});
    char tag[9];
    random_tag(tag);

    static struct t1_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.base, sizeof c.base, "%s", dc_base_url());
    problems_init(&c.prob);
    /* the admin authors what the workers like */
    for (int i = 0; i < T1_SUBS; i++) {
        char title[48];
        snprintf(title, sizeof title, "故障一-%s-%d", tag, i);
        c.subs[i] = approved_submission(admin, admin, title);
    }
    char *lesson = dc_make_lesson(admin, "fire", T1_STEP * T1_REPORTS + 100);
    c.lesson = lesson;
    struct dc_user *users = make_users(T1_WORKERS);
    static struct t1_worker w[T1_WORKERS];
    memset(w, 0, sizeof w);
    c.hard_deadline = dc_now_s() + 60;

    pthread_t th[T1_WORKERS];
    for (int i = 0; i < T1_WORKERS; i++) {
        w[i].ctx = &c;
        w[i].u = &users[i];
        ck_assert_int_eq(pthread_create(&th[i], NULL, t1_work, &w[i]), 0);
    }
    dc_nap_ms(1500);
    dc_pg_stop("immediate"); /* no checkpoint: crash recovery on the next start */
    dc_nap_ms(2500);
    dc_pg_start();
    /* the same server process recovers by itself */
    bool ready = wait_200(c.base, "/readyz", 30);
    dc_nap_ms(2000);
    atomic_store(&c.stop, true);
    for (int i = 0; i < T1_WORKERS; i++)
        pthread_join(th[i], NULL);
    ck_assert_msg(ready, "/readyz not 200 within 30 s of PostgreSQL's restart");
    expect_no_problems(&c.prob, "answers during the PostgreSQL crash");
    ck_assert_msg(atomic_load(&c.like_503) + atomic_load(&c.prog_503) +
                          atomic_load(&c.like_transport) + atomic_load(&c.prog_transport) >
                      0,
                  "no request failed: PostgreSQL's crash was not seen by any client");

    /* Jepsen-style set checks */
    size_t cap = 16 * T1_SUBS + 64;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    int acked_likes = 0, acked_reports = 0, retried = 0, max_liked = 0;
    for (int i = 0; i < T1_WORKERS; i++) {
        t1_check_worker(&c, &w[i], buf, cap, &acked_likes, &acked_reports);
        retried += w[i].retried;
        if (w[i].nlikes > max_liked)
            max_liked = w[i].nlikes;
    }
    /* like_count = like rows: exact through the API at once, and folded
     * into submissions.like_count by the background folder soon after */
    for (int k = 0; k < max_liked; k++)
        (void)expect_api_like_count(c.base, c.subs[k]);
    id_list(buf, cap, c.subs, T1_SUBS, NULL);
    expect_like_counts_settle(buf);
    fprintf(stderr,
            "test_faults: pg crash: likes %d acknowledged (%d 200s, %d 503s, %d no answer), "
            "reports %d acknowledged (%d 200s, %d 503s, %d no answer), %d operations retried\n",
            acked_likes, atomic_load(&c.like_ok), atomic_load(&c.like_503),
            atomic_load(&c.like_transport), acked_reports, atomic_load(&c.prog_ok),
            atomic_load(&c.prog_503), atomic_load(&c.prog_transport), retried);
    ck_assert_msg(retried > 0, "no operation was retried across the crash");

    ck_assert_int_eq(stop_server(), 0);
    free(buf);
    for (int i = 0; i < T1_SUBS; i++)
        free(c.subs[i]);
    free(lesson);
    free(users);
    free(admin);
}
END_TEST

/* ---- 2. SIGKILL mid-load, retries with the same Idempotency-Key -------- */

#define T2_AUTHORS   4
#define T2_LIKERS    2
#define T2_LIKE_SUBS 30
#define T2_MAX_KEYS  600
#define T2_ID_LEN    24
#define T2_TITLE_LEN 48

struct t2_key {
    char title[T2_TITLE_LEN];
    long status_a; /* before the kill (0: no answer) */
    char id_a[T2_ID_LEN];
    long status_b; /* the retry on the new server */
    char id_b[T2_ID_LEN];
    bool replayed_b;
};

struct t2_ctx {
    char base[64];
    char tag[9];
    atomic_bool killed;
    struct problems prob;
    char *like_subs[T2_LIKE_SUBS];
    atomic_int a_created, a_transport, b_fresh, b_replayed;
};

struct t2_author {
    struct t2_ctx *ctx;
    struct dc_user *u;
    int t, n;
    struct t2_key keys[T2_MAX_KEYS];
};

struct t2_liker {
    struct t2_ctx *ctx;
    struct dc_user *u;
    int rounds;
    long last_a[T2_LIKE_SUBS];
};

static struct dc_resp *t2_post(struct t2_author *a, int k, CURLcode *rc)
{
    char key[96];
    snprintf(key, sizeof key, "Idempotency-Key: fault-%s-%d-%d", a->ctx->tag, a->t, k);
    const char *lines[] = {key, NULL};
    char *body = submission_body(a->keys[k].title);
    struct xopt o = {.base = a->ctx->base,
                     .method = "POST",
                     .path = "/v1/submissions",
                     .token = a->u->token,
                     .lines = lines,
                     .body = body,
                     .timeout_s = 20};
    struct dc_resp *r = xhttp(&o, rc);
    free(body);
    return r;
}

static void *t2_author_before(void *arg)
{
    struct t2_author *a = arg;
    while (!atomic_load(&a->ctx->killed) && a->n < T2_MAX_KEYS) {
        int k = a->n++;
        struct t2_key *key = &a->keys[k];
        snprintf(key->title, sizeof key->title, "idem-%s-%d-%d", a->ctx->tag, a->t, k);
        CURLcode rc;
        struct dc_resp *r = t2_post(a, k, &rc);
        key->status_a = r->status;
        if (r->status == 201 && dc_str(r->json, "id")) {
            snprintf(key->id_a, sizeof key->id_a, "%s", dc_str(r->json, "id"));
            atomic_fetch_add(&a->ctx->a_created, 1);
        } else if (r->status == 0) {
            /* in flight at the kill, or sent after it: the server is gone */
            atomic_fetch_add(&a->ctx->a_transport, 1);
            dc_resp_free(r);
            break;
        } else {
            problem(&a->ctx->prob, "POST %s before the kill: %ld %.200s", key->title, r->status,
                    r->body);
        }
        dc_resp_free(r);
    }
    return NULL;
}

static void *t2_author_after(void *arg)
{
    struct t2_author *a = arg;
    for (int k = 0; k < a->n; k++) {
        struct t2_key *key = &a->keys[k];
        CURLcode rc;
        struct dc_resp *r = t2_post(a, k, &rc);
        key->status_b = r->status;
        char *rp = dc_resp_header(r, "Idempotent-Replayed");
        key->replayed_b = rp && strcmp(rp, "true") == 0;
        free(rp);
        const char *id = dc_str(r->json, "id");
        if (r->status == 201 && id)
            snprintf(key->id_b, sizeof key->id_b, "%s", id);
        else
            problem(&a->ctx->prob, "POST %s retried: %ld (curl: %s) %.200s", key->title, r->status,
                    curl_easy_strerror(rc), r->body);
        atomic_fetch_add(key->replayed_b ? &a->ctx->b_replayed : &a->ctx->b_fresh, 1);
        dc_resp_free(r);
    }
    return NULL;
}

static long t2_like(struct t2_liker *l, int i, bool after)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", l->ctx->like_subs[i]);
    CURLcode rc;
    struct dc_resp *r = xreq(l->ctx->base, "PUT", path, l->u->token, NULL, 20, &rc);
    long st = r->status;
    if ((st != 200 && (after || st != 0)) ||
        (st == 200 && !json_is_true(json_object_get(r->json, "liked"))))
        problem(&l->ctx->prob, "PUT %s %s the kill: %ld (curl: %s) %.200s", path,
                after ? "after" : "before", st, curl_easy_strerror(rc), r->body);
    dc_resp_free(r);
    return st;
}

/* Likes every submission in turn, again and again, until the kill. */
static void *t2_liker_before(void *arg)
{
    struct t2_liker *l = arg;
    for (int i = 0; !atomic_load(&l->ctx->killed); i = (i + 1) % T2_LIKE_SUBS) {
        l->last_a[i] = t2_like(l, i, false);
        if (l->last_a[i] == 0)
            break; /* the server is gone */
        if (i == T2_LIKE_SUBS - 1)
            l->rounds++;
    }
    return NULL;
}

static void *t2_liker_after(void *arg)
{
    struct t2_liker *l = arg;
    for (int i = 0; i < T2_LIKE_SUBS; i++)
        (void)t2_like(l, i, true);
    return NULL;
}

/* ",title=id,title=id," of an author's submissions as stored. */
static char *t2_stored(const char *author_id)
{
    char *agg = dc_sql_fmt("SELECT ',' || string_agg(title || '=' || id, ',') || ',' FROM "
                           "submissions WHERE author_id = %s",
                           author_id);
    return agg ? agg : strdup(",");
}

START_TEST(server_sigkill_idempotency)
{
    start_server(NULL);
    char *admin = dc_new_admin_token();
    ck_assert_ptr_nonnull(admin);
    dc_campaign_live(admin, (struct dc_rules){.max_playback_rate = 1000});

    static struct t2_ctx c;
    memset(&c, 0, sizeof c);
    problems_init(&c.prob);
    random_tag(c.tag);
    snprintf(c.base, sizeof c.base, "%s", dc_base_url());
    for (int i = 0; i < T2_LIKE_SUBS; i++) {
        char title[48];
        snprintf(title, sizeof title, "故障二-%s-%d", c.tag, i);
        c.like_subs[i] = approved_submission(admin, admin, title);
    }
    /* likers are authors too, in threads of their own */
    struct dc_user *users = make_users(T2_AUTHORS);
    static struct t2_author authors[T2_AUTHORS];
    static struct t2_liker likers[T2_LIKERS];
    memset(authors, 0, sizeof authors);
    memset(likers, 0, sizeof likers);
    pthread_t th[T2_AUTHORS + T2_LIKERS];
    for (int i = 0; i < T2_AUTHORS; i++) {
        authors[i] = (struct t2_author){.ctx = &c, .u = &users[i], .t = i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, t2_author_before, &authors[i]), 0);
    }
    for (int i = 0; i < T2_LIKERS; i++) {
        likers[i] = (struct t2_liker){.ctx = &c, .u = &users[i]};
        ck_assert_int_eq(pthread_create(&th[T2_AUTHORS + i], NULL, t2_liker_before, &likers[i]), 0);
    }

    dc_nap_ms(1500);
    int pid = dc_server_pid();
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "server status %d", status);
    spawned_note(pid, false);
    atomic_store(&c.killed, true);
    for (int i = 0; i < T2_AUTHORS + T2_LIKERS; i++)
        pthread_join(th[i], NULL);
    expect_no_problems(&c.prob, "answers before the kill");

    /* a new process on the same database; every request again, same key */
    start_server(NULL);
    snprintf(c.base, sizeof c.base, "%s", dc_base_url());
    for (int i = 0; i < T2_AUTHORS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, t2_author_after, &authors[i]), 0);
    for (int i = 0; i < T2_LIKERS; i++)
        ck_assert_int_eq(pthread_create(&th[T2_AUTHORS + i], NULL, t2_liker_after, &likers[i]), 0);
    for (int i = 0; i < T2_AUTHORS + T2_LIKERS; i++)
        pthread_join(th[i], NULL);
    expect_no_problems(&c.prob, "retries after the restart");

    /* exactly one submission per key, and the acknowledged ones kept their id */
    int keys = 0, unanswered = 0;
    for (int i = 0; i < T2_AUTHORS; i++) {
        struct t2_author *a = &authors[i];
        keys += a->n;
        ck_assert_int_eq(
            dc_sql_ll("SELECT count(*) FROM submissions WHERE author_id = %s", a->u->id), a->n);
        ck_assert_int_eq(
            dc_sql_ll("SELECT count(*) FROM idempotency_keys WHERE account_id = %s", a->u->id),
            a->n);
        char *stored = t2_stored(a->u->id);
        for (int k = 0; k < a->n; k++) {
            struct t2_key *key = &a->keys[k];
            char want[T2_TITLE_LEN + T2_ID_LEN + 4];
            snprintf(want, sizeof want, ",%s=%s,", key->title, key->id_b);
            ck_assert_msg(strstr(stored, want), "%s: the retry answered id %s, not what is stored",
                          key->title, key->id_b);
            if (key->status_a == 201) {
                ck_assert_msg(strcmp(key->id_a, key->id_b) == 0 && key->replayed_b,
                              "%s: created as %s, the retry answered %s (replayed: %d)", key->title,
                              key->id_a, key->id_b, key->replayed_b);
            } else {
                unanswered++;
            }
        }
        free(stored);
    }
    ck_assert_msg(unanswered > 0, "no submission request went unanswered at the kill");

    /* likes: both likers on every submission, counted once */
    char list[16 * T2_LIKE_SUBS + 16];
    id_list(list, sizeof list, c.like_subs, T2_LIKE_SUBS, NULL);
    for (int i = 0; i < T2_LIKE_SUBS; i++) {
        long long rows = expect_api_like_count(c.base, c.like_subs[i]);
        ck_assert_msg(rows == T2_LIKERS, "submission %s: %lld like rows, want %d", c.like_subs[i],
                      rows, T2_LIKERS);
    }
    expect_like_counts_settle(list);
    fprintf(stderr,
            "test_faults: sigkill: %d keys sent (%d created before the kill, %d without an "
            "answer); retries: %d replayed, %d created now; likers did %d+%d rounds\n",
            keys, atomic_load(&c.a_created), unanswered, atomic_load(&c.b_replayed),
            atomic_load(&c.b_fresh), likers[0].rounds, likers[1].rounds);

    ck_assert_int_eq(stop_server(), 0);
    for (int i = 0; i < T2_LIKE_SUBS; i++)
        free(c.like_subs[i]);
    free(users);
    free(admin);
}
END_TEST

/* ---- 3. SIGTERM with 50 requests in flight ----------------------------- */

#define T3_LOGINS  20
#define T3_UPLOADS 30
#define T3_PAD     (512 * KIB)
#define T3_BPS     (256 * KIB) /* an upload takes about two seconds */

struct t3_job {
    const char *base;
    bool upload;
    const char *token; /* uploads */
    char *body;
    char name[48]; /* the display name an upload sets */
    bool right;    /* logins: the right password */
    atomic_int *started;
    pthread_barrier_t *go;
    struct dc_resp *r;
    CURLcode rc;
};

static void *t3_main(void *arg)
{
    struct t3_job *j = arg;
    pthread_barrier_wait(j->go);
    struct xopt o = {.base = j->base,
                     .method = j->upload ? "PATCH" : "POST",
                     .path = j->upload ? "/v1/me" : "/v1/sessions",
                     .token = j->token,
                     .body = j->body,
                     .timeout_s = 60,
                     .send_bps = j->upload ? T3_BPS : 0,
                     .started = j->started};
    j->r = xhttp(&o, &j->rc);
    return NULL;
}

START_TEST(sigterm_fifty_in_flight)
{
    const char *env[] = {"DRILLCAMP_HASH_CONCURRENCY=4", NULL};
    start_server(env);
    /* one account logs in 20 times and uploads 30 times, all at once */
    struct dc_user u;
    ck_assert_msg(dc_try_new_user(&u, "故障测试", BUSY_RETRIES), "could not make the user");

    enum { N = T3_LOGINS + T3_UPLOADS };
    static struct t3_job jobs[N];
    memset(jobs, 0, sizeof jobs);
    pthread_t th[N];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N + 1);
    atomic_int started;
    atomic_init(&started, 0);
    for (int i = 0; i < N; i++) {
        struct t3_job *j = &jobs[i];
        j->base = dc_base_url();
        j->started = &started;
        j->go = &go;
        j->upload = i >= T3_LOGINS;
        if (j->upload) {
            j->token = u.token;
            snprintf(j->name, sizeof j->name, "停机上传%02d", i);
            j->body = malloc(T3_PAD + 128);
            ck_assert_ptr_nonnull(j->body);
            int n = snprintf(j->body, 128, "{\"display_name\":\"%s\",\"pad\":\"", j->name);
            memset(j->body + n, 'a', T3_PAD);
            strcpy(j->body + n + T3_PAD, "\"}");
        } else {
            j->right = i % 2 == 0;
            j->body = malloc(128);
            ck_assert_ptr_nonnull(j->body);
            snprintf(j->body, 128, "{\"phone\":\"%s\",\"password\":\"%s\"}", u.phone,
                     j->right ? DC_PASSWORD : "wrong password 9");
        }
        ck_assert_int_eq(pthread_create(&th[i], NULL, t3_main, j), 0);
    }
    pthread_barrier_wait(&go);
    /* every request is on the wire (uploads: the body has begun) */
    double until = dc_now_s() + 20;
    while (atomic_load(&started) < N && dc_now_s() < until)
        dc_nap_ms(5);
    int on_wire = atomic_load(&started);
    dc_nap_ms(300);
    int exit_status = stop_server(); /* SIGTERM, then waits for the exit */
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    ck_assert_msg(on_wire == N, "only %d of %d requests started within 20 s", on_wire, N);

    int ok = 0, wrong = 0, busy = 0, uploads = 0;
    for (int i = 0; i < N; i++) {
        struct t3_job *j = &jobs[i];
        struct dc_resp *r = j->r;
        ck_assert_msg(j->rc == CURLE_OK && r->status != 0,
                      "request %d (%s) got no complete response: curl %s, status %ld", i,
                      j->upload ? "upload" : "login", curl_easy_strerror(j->rc), r->status);
        if (j->upload) {
            ck_assert_msg(r->status == 200, "upload %d: %ld %.300s", i, r->status, r->body);
            const char *name = dc_str(r->json, "display_name");
            ck_assert_msg(name && strcmp(name, j->name) == 0, "upload %d: display_name %s", i,
                          name ? name : "(none)");
            uploads++;
        } else if (r->status == 201 && j->right && dc_str(r->json, "token")) {
            ok++;
        } else if (r->status == 401 && !j->right) {
            wrong++;
        } else {
            ck_assert_msg(is_refusal_with_retry(r), "login %d (%s password): %ld %.300s", i,
                          j->right ? "right" : "wrong", r->status, r->body);
            busy++;
        }
        dc_resp_free(r);
        free(j->body);
    }
    fprintf(stderr,
            "test_faults: sigterm: %d requests in flight: %d uploads answered 200, logins %d "
            "201, %d 401, %d refused with Retry-After; exit status %d\n",
            N, uploads, ok, wrong, busy, exit_status);
    ck_assert_msg(exit_status == 0, "the server exited with status %d after SIGTERM", exit_status);
}
END_TEST

/* ---- 4. slow and idle clients ------------------------------------------ */

#define T4_IDLE      1000
#define T4_TRICKLERS 4
#define T4_TIMEOUT_S 3

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads what the server sends until it closes or deadline_s pass; the
 * status of an HTTP response read (0: closed without one, -1: nothing
 * happened before the deadline). *closed tells whether the server closed. */
static int read_response(int fd, double deadline_s, bool *closed)
{
    char buf[4096], head[64] = "";
    size_t have = 0;
    double until = dc_now_s() + deadline_s;
    *closed = false;
    while (dc_now_s() < until) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = (int)((until - dc_now_s()) * 1000) + 1;
        if (poll(&p, 1, left > 0 ? left : 1) <= 0)
            continue;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            size_t k = (size_t)n < sizeof head - 1 - have ? (size_t)n : sizeof head - 1 - have;
            memcpy(head + have, buf, k);
            have += k;
            head[have] = '\0';
            continue;
        }
        if (n == 0 || errno == ECONNRESET) {
            *closed = true;
            break;
        }
        if (errno != EINTR && errno != EAGAIN)
            break;
    }
    int status = 0;
    if (sscanf(head, "HTTP/1.%*d %d", &status) == 1)
        return status;
    return *closed ? 0 : -1;
}

struct t4_trickler {
    int port;
    int sent;     /* header bytes the server took */
    int status;   /* of the response read at the end (see read_response) */
    bool closed;  /* the server closed the connection */
    bool cut_off; /* closed while the headers were still trickling */
};

/* Sends the request line at once, then the rest of the headers a byte a
 * second, then reads the answer. */
static void *t4_trickle(void *arg)
{
    struct t4_trickler *t = arg;
    static const char line[] = "GET /healthz HTTP/1.0\r\n", rest[] = "X-Slow: 1\r\n\r\n";
    int fd = connect_port(t->port);
    if (fd < 0)
        return NULL;
    bool ok = send(fd, line, sizeof line - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof line - 1);
    for (size_t i = 0; ok && i < sizeof rest - 1; i++) {
        dc_nap_ms(1000);
        ok = send(fd, rest + i, 1, MSG_NOSIGNAL) == 1;
        t->sent += ok;
    }
    t->cut_off = !ok;
    t->status = read_response(fd, 15, &t->closed);
    close(fd);
    return NULL;
}

/* While fds[] (-1: done) are open: how many the server has closed so far,
 * polling up to wait_ms; closes and marks those. */
static int reap_closed(struct pollfd *p, int n, int wait_ms, int *with_data)
{
    int closed = 0;
    for (int i = 0; i < n; i++)
        p[i].events = POLLIN | POLLRDHUP;
    if (poll(p, (nfds_t)n, wait_ms) <= 0)
        return 0;
    for (int i = 0; i < n; i++) {
        if (p[i].fd < 0 || !p[i].revents)
            continue;
        char buf[512];
        ssize_t k = recv(p[i].fd, buf, sizeof buf, MSG_DONTWAIT);
        if (k > 0) {
            (*with_data)++; /* e.g. a 408 before the close: keep reading */
            continue;
        }
        if (k == 0 || errno == ECONNRESET) {
            close(p[i].fd);
            p[i].fd = -1;
            closed++;
        }
    }
    return closed;
}

START_TEST(slow_and_idle_clients)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    ck_assert_msg(rl.rlim_cur >= T4_IDLE + 256, "RLIMIT_NOFILE %lu is too low",
                  (unsigned long)rl.rlim_cur);
    /* the server inherits the raised limit */
    /* 1,000 connections from one address: the per-address cap (test_edge's)
     * is off here */
    const char *env[] = {"DRILLCAMP_CONNECTION_TIMEOUT=3", "DRILLCAMP_PER_IP_CONNECTIONS=0",
                         "DRILLCAMP_HEAD_TIMEOUT=0", NULL};
    start_server(env);
    char base[64];
    snprintf(base, sizeof base, "%s", dc_base_url());
    int port = server_port();

    struct t4_trickler tr[T4_TRICKLERS];
    pthread_t th[T4_TRICKLERS];
    for (int i = 0; i < T4_TRICKLERS; i++) {
        tr[i] = (struct t4_trickler){.port = port};
        ck_assert_int_eq(pthread_create(&th[i], NULL, t4_trickle, &tr[i]), 0);
    }
    static struct pollfd idle[T4_IDLE];
    for (int i = 0; i < T4_IDLE; i++) {
        idle[i].fd = connect_port(port);
        ck_assert_msg(idle[i].fd >= 0, "idle connection %d: %s", i, strerror(errno));
    }
    double opened = dc_now_s();

    /* a normal client is served meanwhile */
    const char *paths[] = {"/healthz", "/v1/campaign", "/healthz"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        CURLcode rc;
        struct dc_resp *r = xreq(base, "GET", paths[i], NULL, NULL, 30, &rc);
        ck_assert_msg(r->status == 200, "GET %s with %d idle and %d slow clients: %ld (%s)",
                      paths[i], T4_IDLE, T4_TRICKLERS, r->status, curl_easy_strerror(rc));
        dc_resp_free(r);
    }

    /* the server closes the idle ones by its timeout (3 s; 20 s of slack) */
    int closed = 0, with_data = 0;
    double until = dc_now_s() + T4_TIMEOUT_S + 20, first_close = 0, last_close = 0;
    while (closed < T4_IDLE && dc_now_s() < until) {
        int k = reap_closed(idle, T4_IDLE, 200, &with_data);
        if (k > 0 && closed == 0)
            first_close = dc_now_s() - opened;
        if (k > 0)
            last_close = dc_now_s() - opened;
        closed += k;
    }
    for (int i = 0; i < T4_IDLE; i++)
        if (idle[i].fd >= 0)
            close(idle[i].fd);
    ck_assert_msg(closed == T4_IDLE,
                  "only %d of %d idle connections were closed by the server within %d s", closed,
                  T4_IDLE, T4_TIMEOUT_S + 20);

    for (int i = 0; i < T4_TRICKLERS; i++)
        pthread_join(th[i], NULL);
    int served = 0, dropped = 0;
    for (int i = 0; i < T4_TRICKLERS; i++) {
        ck_assert_msg(tr[i].status != -1,
                      "slow client %d: neither answered nor closed 15 s after its headers", i);
        ck_assert_msg(tr[i].status < 500, "slow client %d: answered %d", i, tr[i].status);
        if (tr[i].status == 200)
            served++;
        else
            dropped++;
    }
    struct dc_resp *r = xreq(base, "GET", "/healthz", NULL, NULL, 30, NULL);
    ck_assert_msg(r->status == 200, "GET /healthz afterwards: %ld", r->status);
    dc_resp_free(r);
    fprintf(stderr,
            "test_faults: slow/idle: %d idle connections closed by the server %.1f-%.1f s after "
            "the last was opened (%d sent data first); slow clients: %d served 200, %d closed "
            "or refused (first: sent %d header bytes, status %d)\n",
            closed, first_close, last_close, with_data, served, dropped, tr[0].sent, tr[0].status);
    ck_assert_int_eq(stop_server(), 0);
}
END_TEST

/* ---- 5. huge headers; chunked bodies over the limit, memory flat ------- */

/* Sends raw bytes (however many the server takes) and reads the answer. */
static int raw_exchange(int port, const char *data, size_t len, bool *closed)
{
    int fd = connect_port(port);
    ck_assert_msg(fd >= 0, "connect: %s", strerror(errno));
    for (size_t off = 0; off < len;) {
        ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* refused midway: the answer may already be there */
        off += (size_t)n;
    }
    int status = read_response(fd, 20, closed);
    close(fd);
    return status;
}

/* The answer to a request with huge headers: "" when a 4xx, else what
 * was wrong (into why). */
static const char *headers_verdict(int port, const char *what, const char *req, size_t len,
                                   char *why, size_t cap)
{
    bool closed;
    int status = raw_exchange(port, req, len, &closed);
    fprintf(stderr, "test_faults: %s (%zu bytes of request): status %d%s\n", what, len, status,
            closed ? ", then closed" : "");
    if (status >= 400 && status < 500)
        return "";
    const char *got = status == -1  ? "no answer within 20 s"
                      : status == 0 ? "closed without an answer"
                                    : "status";
    snprintf(why, cap, "%s (%zu bytes): %s %d, want 431 or another 4xx; ", what, len, got, status);
    return why;
}

START_TEST(huge_headers_and_chunked_memory)
{
    start_server(NULL);
    char base[64];
    snprintf(base, sizeof base, "%s", dc_base_url());
    int port = server_port();

    /* 40 KB in one header */
    size_t cap = 64 * KIB;
    char *req = malloc(cap);
    ck_assert_ptr_nonnull(req);
    int n = snprintf(req, cap, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");
    memset(req + n, 'a', 40 * KIB);
    n += (int)(40 * KIB);
    n += snprintf(req + n, cap - (size_t)n, "\r\n\r\n");
    char why1[256], why2[256];
    const char *v1 = headers_verdict(port, "one 40 KB header", req, (size_t)n, why1, sizeof why1);

    /* 40 KB in 1,000 headers */
    n = snprintf(req, cap, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (int i = 0; i < 1000; i++)
        n += snprintf(req + n, cap - (size_t)n, "X-Many-%04d: %028d\r\n", i, i);
    n += snprintf(req + n, cap - (size_t)n, "\r\n");
    ck_assert_int_ge(n, 40 * 1000);
    const char *v2 =
        headers_verdict(port, "1,000 headers of 43 bytes", req, (size_t)n, why2, sizeof why2);
    free(req);

    CURLcode rc;
    struct dc_resp *r = xreq(base, "GET", "/healthz", NULL, NULL, 30, &rc);
    ck_assert_msg(r->status == 200, "GET /healthz after the huge headers: %ld", r->status);
    dc_resp_free(r);

    /* chunked bodies over the 1 MiB limit: refused, and not buffered */
    int pid = dc_server_pid();
    struct xopt o = {.base = base, .method = "POST", .path = "/v1/accounts", .timeout_s = 60};
    for (int i = 0; i < 4; i++) { /* warm every worker's allocator */
        o.chunked_pad = 2 * MIB;
        r = xhttp(&o, &rc);
        ck_assert_msg(r->status == 413, "2 MiB chunked: %ld (curl: %s) %.200s", r->status,
                      curl_easy_strerror(rc), r->body);
        dc_resp_free(r);
    }
    long base_kib = vmrss_kib(pid);
    ck_assert_int_gt(base_kib, 0);
    struct rss_sampler s;
    rss_sampler_start(&s, pid);
    enum { ROUNDS = 3 };
    for (int i = 0; i < ROUNDS; i++) {
        o.chunked_pad = 50 * MIB;
        r = xhttp(&o, &rc);
        long st = r->status;
        const char *code = dc_err_code_of(r);
        bool envelope = strcmp(code, "payload_too_large") == 0 || r->body_len == 0;
        dc_resp_free(r);
        if (st != 413 || !envelope) {
            rss_sampler_stop(&s);
            ck_abort_msg("50 MiB chunked, round %d: %ld (curl: %s)", i, st, curl_easy_strerror(rc));
        }
    }
    long peak_kib = rss_sampler_stop(&s);
    long end_kib = vmrss_kib(pid);
    fprintf(stderr,
            "test_faults: chunked: %d x 50 MiB refused 413; VmRSS %ld KiB before, peak %ld, "
            "after %ld\n",
            ROUNDS, base_kib, peak_kib, end_kib);
    ck_assert_msg(peak_kib - base_kib <= 16 * 1024,
                  "VmRSS rose from %ld KiB to a peak of %ld KiB while refusing chunked bodies",
                  base_kib, peak_kib);
    ck_assert_msg(end_kib - base_kib <= 8 * 1024,
                  "VmRSS grew from %ld KiB to %ld KiB after %d x 50 MiB chunked", base_kib, end_kib,
                  ROUNDS);
    r = xreq(base, "GET", "/healthz", NULL, NULL, 30, NULL);
    ck_assert_int_eq(r->status, 200);
    dc_resp_free(r);
    ck_assert_int_eq(stop_server(), 0);
    /* checked last, so that the memory part runs whatever the headers did */
    ck_assert_msg(!*v1 && !*v2, "%s%s", v1, v2);
}
END_TEST

/* ---- 6. 200 logins at once ---------------------------------------------- */

#define T6_LOGINS   200
#define T6_ACCOUNTS 2
#define T6_HASHES   2  /* DRILLCAMP_HASH_CONCURRENCY */
#define T6_THREADS  16 /* DRILLCAMP_THREADS: more workers than hash slots */

struct t6_ctx {
    char base[64];
    char phones[T6_ACCOUNTS][12];
    pthread_barrier_t go;
    atomic_bool storm;
    int side_rounds;
    long side_bad_status;
    const char *side_bad_path;
};

struct t6_job {
    struct t6_ctx *ctx;
    int i;
    struct dc_resp *r;
    CURLcode rc;
    double secs; /* for the report only */
};

static void *t6_login(void *arg)
{
    struct t6_job *j = arg;
    char body[128];
    snprintf(body, sizeof body, "{\"phone\":\"%s\",\"password\":\"%s\"}",
             j->ctx->phones[j->i % T6_ACCOUNTS], DC_PASSWORD);
    pthread_barrier_wait(&j->ctx->go);
    double t0 = dc_now_s();
    j->r = xreq(j->ctx->base, "POST", "/v1/sessions", NULL, body, 120, &j->rc);
    j->secs = dc_now_s() - t0;
    return NULL;
}

/* Other endpoints during the storm: rounds of GET /healthz and GET
 * /v1/campaign, at least one, until the storm is over. */
static void *t6_side(void *arg)
{
    struct t6_ctx *c = arg;
    static const char *const paths[] = {"/healthz", "/v1/campaign"};
    pthread_barrier_wait(&c->go);
    do {
        for (int p = 0; p < 2; p++) {
            struct dc_resp *r = xreq(c->base, "GET", paths[p], NULL, NULL, 60, NULL);
            if (r->status != 200 && !c->side_bad_path) {
                c->side_bad_path = paths[p];
                c->side_bad_status = r->status;
            }
            dc_resp_free(r);
        }
        c->side_rounds++;
    } while (atomic_load(&c->storm));
    return NULL;
}

START_TEST(login_storm_memory)
{
    /* 200 connections from one address: no per-address cap here */
    const char *env[] = {"DRILLCAMP_HASH_CONCURRENCY=2", "DRILLCAMP_THREADS=16",
                         "DRILLCAMP_PER_IP_CONNECTIONS=0", NULL};
    start_server(env);
    static struct t6_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.base, sizeof c.base, "%s", dc_base_url());
    for (int i = 0; i < T6_ACCOUNTS; i++) {
        struct dc_user u;
        ck_assert_msg(dc_try_new_user(&u, "故障测试", BUSY_RETRIES), "could not make user %d", i);
        memcpy(c.phones[i], u.phone, sizeof u.phone);
    }
    int pid = dc_server_pid();
    long base_kib = vmrss_kib(pid);
    ck_assert_int_gt(base_kib, 0);

    static struct t6_job jobs[T6_LOGINS];
    pthread_t th[T6_LOGINS], side;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    ck_assert_int_eq(pthread_barrier_init(&c.go, NULL, T6_LOGINS + 2), 0);
    atomic_init(&c.storm, true);
    for (int i = 0; i < T6_LOGINS; i++) {
        jobs[i] = (struct t6_job){.ctx = &c, .i = i};
        ck_assert_int_eq(pthread_create(&th[i], &attr, t6_login, &jobs[i]), 0);
    }
    ck_assert_int_eq(pthread_create(&side, &attr, t6_side, &c), 0);
    struct rss_sampler s;
    rss_sampler_start(&s, pid);
    pthread_barrier_wait(&c.go);
    for (int i = 0; i < T6_LOGINS; i++)
        pthread_join(th[i], NULL);
    atomic_store(&c.storm, false);
    pthread_join(side, NULL);
    long peak_kib = rss_sampler_stop(&s);
    pthread_attr_destroy(&attr);
    pthread_barrier_destroy(&c.go);

    int created = 0, r429 = 0, r503 = 0, unanswered = 0, first_unanswered = -1;
    double slowest = 0;
    for (int i = 0; i < T6_LOGINS; i++) {
        struct dc_resp *r = jobs[i].r;
        if (jobs[i].secs > slowest)
            slowest = jobs[i].secs;
        if (jobs[i].rc != CURLE_OK || r->status == 0) {
            if (unanswered++ == 0)
                first_unanswered = i;
            dc_resp_free(r);
            continue;
        }
        if (r->status == 201 && dc_str(r->json, "token"))
            created++;
        else if (is_refusal_with_retry(r) && r->status == 429)
            r429++;
        else if (is_refusal_with_retry(r))
            r503++;
        else
            ck_abort_msg("login %d: %ld %.300s (want 201, or 429/503 with Retry-After)", i,
                         r->status, r->body);
        dc_resp_free(r);
    }
    /*
     * Memory bound. Each scrypt hash (N=2^15, r=8, p=3) needs 128 x r x N =
     * 32 MiB, plus a little for the salt and OpenSSL's context: call it
     * 33 MiB. At most DRILLCAMP_HASH_CONCURRENCY (2) run at once, so the
     * storm may add 2 x 33 = 66 MiB to what the idle server held (base,
     * measured after a warm-up login). 96 MiB more covers the 200
     * connections (at most 64 KiB of MHD memory each: 12.5 MiB), their
     * request states and per-thread allocator arenas with room to spare.
     * Without the cap, 16 workers hashing at once would need 16 x 32 =
     * 512 MiB on top of the base, far over this bound.
     */
    long bound_kib = base_kib + (T6_HASHES * 33 + 96) * 1024;
    fprintf(stderr,
            "test_faults: login storm: %d logins: %d 201, %d 429, %d 503, %d no answer; slowest "
            "%.1f s; VmRSS base %ld KiB, peak %ld KiB (bound %ld); %d rounds of /healthz + "
            "/v1/campaign during it\n",
            T6_LOGINS, created, r429, r503, unanswered, slowest, base_kib, peak_kib, bound_kib,
            c.side_rounds);
    ck_assert_msg(unanswered == 0,
                  "%d of %d logins got no HTTP answer at all; the first, login %d, after %.1f s: "
                  "%s (want 201, or 429/503 with Retry-After)",
                  unanswered, T6_LOGINS, first_unanswered,
                  first_unanswered >= 0 ? jobs[first_unanswered].secs : 0.0,
                  first_unanswered >= 0 ? curl_easy_strerror(jobs[first_unanswered].rc) : "");
    ck_assert_msg(created > 0, "no login of the storm succeeded");
    ck_assert_msg(!c.side_bad_path, "GET %s during the storm: %ld", c.side_bad_path,
                  c.side_bad_status);
    ck_assert_msg(c.side_rounds >= 1, "no request to other endpoints during the storm");
    ck_assert_msg(peak_kib <= bound_kib,
                  "VmRSS peaked at %ld KiB during 200 logins, over base %ld KiB + %d x 33 MiB + "
                  "96 MiB = %ld KiB",
                  peak_kib, base_kib, T6_HASHES, bound_kib);
    ck_assert_int_eq(stop_server(), 0);
}
END_TEST

/* ---- main ---------------------------------------------------------------- */

static void add_case(Suite *s, const char *name, const TTest *test, int timeout)
{
    TCase *tc = dc_add_tcase(s, name, timeout, NULL);
    tcase_add_unchecked_fixture(tc, NULL, cleanup_after_test);
    tcase_add_test(tc, test);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    spawned = mmap(NULL, MAX_SPAWNED * sizeof *spawned, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (spawned == MAP_FAILED) {
        perror("test_faults: mmap");
        return 1;
    }
    memset(spawned, 0, MAX_SPAWNED * sizeof *spawned);
    dc_pg_start(); /* also fails loudly without DC_TEST_PGDIR */

    Suite *s = suite_create("faults");
    add_case(s, "pg_crash", pg_crash_under_load, 150);
    add_case(s, "sigkill", server_sigkill_idempotency, 150);
    add_case(s, "sigterm", sigterm_fifty_in_flight, 120);
    add_case(s, "slow_idle", slow_and_idle_clients, 120);
    add_case(s, "headers_chunked", huge_headers_and_chunked_memory, 120);
    add_case(s, "login_storm", login_storm_memory, 150);
    int rc = dc_run_suite(s);
    cleanup_after_test();
    return rc;
}
