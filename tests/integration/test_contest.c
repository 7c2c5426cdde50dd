/*
 * test_contest.c - API.md section 6 (topic submissions, moderation, likes,
 * the leaderboard, its freeze and the winners list), with the conventions of
 * section 1 and the campaign phases of section 3, against the real server
 * and PostgreSQL:
 *
 *  - submission validation, one loop iteration per rule, nothing stored
 *    for a rejected request; the three spellings of the topic hashtag;
 *  - Idempotency-Key replays, conflicts and ten racing requests;
 *  - who sees what (pending, rejected, approved, removed), author edits and
 *    removal, the moderation queue, review, recommendation and the audit;
 *  - likes: idempotent, self-likes, phases, a 2000-operation storm checked
 *    against the likes table and the leaderboard;
 *  - the ranking (ties by the time a count was reached, one entry per
 *    account), the permanent freeze, winners.csv (BOM, CRLF, RFC 4180
 *    quoting, formula neutralising) and the whole contest of 150 entrants.
 *
 * There is one campaign (id 1), shared by every test: each test sets the
 * phase it needs at its start. The leaderboard is global and a freeze is
 * permanent, so every test that reads the leaderboard or freezes first
 * resets the contest state by SQL (test set-up only); where it needs an
 * exact ranking it also retires every approved submission of earlier tests.
 *
 * Accounts cost two scrypt hashes each, so they are made by worker threads,
 * and a pool of liker accounts is made once in main() before the tests fork.
 */
#include <pthread.h>
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

#define POOL_N       40 /* accounts shared by the tests (likers, and entrants in test 12) */
#define BOARD_WAIT_S 5.0

/* Made in main() before the tests fork. */
static char *admin, *moderator;
static struct dc_user writer;       /* submits the validation cases */
static struct dc_user pool[POOL_N]; /* likers */
/* The "other user" of tests 4-11 (it authors nothing). */
#define BYSTANDER (pool[POOL_N - 1].token)

/* ---- small helpers ---------------------------------------------------- */

/* A request whose answer is only an error envelope: checks and frees it. */
static void expect_req_error(const char *method, const char *path, const char *token,
                             const char *json, long status, const char *code, const char *what)
{
    struct dc_resp *r = dc_req(method, path, token, json);
    dc_expect_error(r, status, code, NULL, what);
    dc_resp_free(r);
}

static void sql_exec(const char *sql)
{
    free(dc_sql_value(sql));
}

/* A malloc'ed string of n copies of unit. */
static char *repeat(const char *unit, int n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * (size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    for (int i = 0; i < n; i++)
        memcpy(s + u * (size_t)i, unit, u);
    s[u * (size_t)n] = '\0';
    return s;
}

/* ---- accounts --------------------------------------------------------- */

static void make_user_job(int i, void *ctx)
{
    struct dc_user *u = (struct dc_user *)ctx + i;
    (void)dc_try_new_user(u, u->name, 0);
}

/* Registers and logs in n individuals (names preset, or prefix + number);
 * false when any failed. Never asserts (main() calls it too). */
static bool make_users(struct dc_user *u, int n, const char *prefix)
{
    for (int i = 0; i < n; i++)
        if (!u[i].name[0])
            snprintf(u[i].name, sizeof u[i].name, "%s%03d", prefix, i);
    dc_run_parallel(n, 8, make_user_job, u);
    for (int i = 0; i < n; i++)
        if (!u[i].token[0])
            return false;
    return true;
}

/* n fresh users (make_users); the caller frees the array. */
static struct dc_user *new_users(int n, const char *prefix)
{
    struct dc_user *u = calloc((size_t)n, sizeof *u);
    ck_assert_ptr_nonnull(u);
    ck_assert_msg(make_users(u, n, prefix), "could not make %d accounts", n);
    return u;
}

/* A fresh user promoted to moderator by the admin; its token or NULL.
 * Never asserts (main() calls it). */
static char *make_moderator(void)
{
    struct dc_user m;
    if (!dc_try_new_user(&m, NULL, 0))
        return NULL;
    char path[96];
    snprintf(path, sizeof path, "/v1/admin/accounts/%s/role", m.id);
    struct dc_resp *r = dc_req("PUT", path, admin, "{\"role\":\"moderator\"}");
    const char *role = dc_str(r->json, "role");
    bool ok = r->status == 200 && role && strcmp(role, "moderator") == 0;
    dc_resp_free(r);
    return ok ? dc_strdup(m.token) : NULL;
}

/* ---- campaign and contest state ---------------------------------------- */

/* The campaign rules of every test: top_n 100, the rest as stored. */
static const struct dc_rules CAMPAIGN_RULES = {.top_n = 100};

/* Clears the freeze; with only_mine also retires every approved submission
 * so that only the calling test's own videos compete. */
static void reset_contest(bool only_mine)
{
    sql_exec("DELETE FROM leaderboard_snapshots");
    sql_exec("UPDATE campaigns SET frozen_at = NULL");
    if (only_mine)
        sql_exec("UPDATE submissions SET status = 'removed' WHERE status = 'approved'");
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM leaderboard_snapshots"), 0);
    if (only_mine)
        ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE status = 'approved'"),
                         0);
}

/* ---- submissions ------------------------------------------------------- */

/* Submits a valid video; returns its id (malloc'ed). */
static char *submit(const char *token, const char *title)
{
    return dc_submit(token, dc_video_json(title));
}

static char *submit_approved(const char *token, const char *title)
{
    return dc_submit_approved(moderator, token, dc_video_json(title));
}

static struct dc_resp *get_sub(const char *id, const char *token)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s", id);
    return dc_req("GET", path, token, NULL);
}

/* GET /v1/submissions/{id} as token; asserts the status code only. */
static void expect_get_sub(const char *id, const char *token, long status, const char *what)
{
    struct dc_resp *r = get_sub(id, token);
    dc_expect_status(r, status, what);
    if (status == 200)
        ck_assert_str_eq(dc_str(r->json, "id"), id);
    else
        ck_assert_str_eq(dc_err_code_of(r), "not_found");
    dc_resp_free(r);
}

/* PUT (on) or DELETE the like; asserts 200 and `liked`, returns like_count. */
static json_int_t like(const char *token, const char *id, bool on)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", id);
    struct dc_resp *r = dc_req(on ? "PUT" : "DELETE", path, token, NULL);
    dc_expect_status(r, 200, on ? "like" : "unlike");
    ck_assert_msg(json_is_boolean(json_object_get(r->json, "liked")) &&
                      json_is_true(json_object_get(r->json, "liked")) == on,
                  "liked is not %d: %s", on, r->body);
    json_int_t n = dc_int(r->json, "like_count");
    dc_resp_free(r);
    return n;
}

/* One like or unlike done by a worker thread. */
struct like_op {
    const char *token;
    const char *sub;
    bool on;
    long status;
    json_int_t count;
    bool liked_ok;
};

static void like_op_job(int i, void *ctx)
{
    struct like_op *op = (struct like_op *)ctx + i;
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", op->sub);
    struct dc_resp *r = dc_req(op->on ? "PUT" : "DELETE", path, op->token, NULL);
    op->status = r->status;
    json_t *c = json_object_get(r->json, "like_count");
    op->count = json_is_integer(c) ? json_integer_value(c) : -1000000;
    json_t *l = json_object_get(r->json, "liked");
    op->liked_ok = json_is_boolean(l) && json_is_true(l) == op->on;
    dc_resp_free(r);
}

/* Runs the like operations with `workers` threads and checks every answer. */
static void run_like_ops(struct like_op *ops, int n, int workers)
{
    dc_run_parallel(n, workers, like_op_job, ops);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(ops[i].status == 200, "like op %d (%s %s): status %ld", i,
                      ops[i].on ? "PUT" : "DELETE", ops[i].sub, ops[i].status);
        ck_assert_msg(ops[i].count >= 0, "like op %d: like_count %lld", i, (long long)ops[i].count);
        ck_assert_msg(ops[i].liked_ok, "like op %d: liked is not %d", i, ops[i].on);
    }
}

/* Number of the caller's submissions through ?mine=true (all pages). */
static int count_mine(const char *token)
{
    int total = 0;
    char path[256] = "/v1/submissions?mine=true&limit=100";
    for (int pages = 0; pages < 100; pages++) {
        struct dc_resp *r = dc_req("GET", path, token, NULL);
        dc_expect_status(r, 200, "mine list");
        total += (int)json_array_size(json_object_get(r->json, "items"));
        const char *next = dc_str(r->json, "next_cursor");
        if (next)
            snprintf(path, sizeof path, "/v1/submissions?mine=true&limit=100&cursor=%s", next);
        dc_resp_free(r);
        if (!next)
            return total;
    }
    ck_abort_msg("mine list does not end");
    return -1;
}

/* Whether a list page's items hold the submission id. */
static bool items_have(const json_t *page, const char *id)
{
    json_t *items = json_object_get(page, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(dc_str(json_array_get(items, i), "id"), id) == 0)
            return true;
    return false;
}

/* POST /v1/submissions with an Idempotency-Key header. */
static struct dc_resp *post_with_key(const char *token, const char *key, const char *body)
{
    char auth[600], idem[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", key);
    const char *lines[] = {auth, idem, "Content-Type: application/json", NULL};
    return dc_http_lines("POST", "/v1/submissions", lines, body, strlen(body));
}

static bool replayed(const struct dc_resp *r)
{
    char *v = dc_resp_header(r, "Idempotent-Replayed");
    bool yes = v && strcmp(v, "true") == 0;
    free(v);
    return yes;
}

/* ---- leaderboard ------------------------------------------------------- */

struct want {
    const char *account;
    const char *sub;
    json_int_t likes;
};

/* Whether board's entries are exactly w (ranks 1..n in order); else why. */
static bool board_is(const json_t *board, const struct want *w, int n, char *why, size_t cap)
{
    json_t *entries = json_object_get(board, "entries");
    if (!json_is_array(entries)) {
        snprintf(why, cap, "no entries array");
        return false;
    }
    if (json_array_size(entries) != (size_t)n) {
        snprintf(why, cap, "%zu entries, want %d", json_array_size(entries), n);
        return false;
    }
    for (int i = 0; i < n; i++) {
        json_t *e = json_array_get(entries, i), *rank = json_object_get(e, "rank");
        json_t *likes = json_object_get(e, "like_count");
        const char *acc = dc_str(json_object_get(e, "account"), "id");
        const char *sub = dc_str(json_object_get(e, "submission"), "id");
        if (!json_is_integer(rank) || json_integer_value(rank) != i + 1) {
            snprintf(why, cap, "entry %d: rank is not %d", i, i + 1);
            return false;
        }
        if (!acc || strcmp(acc, w[i].account) != 0 || !sub || strcmp(sub, w[i].sub) != 0) {
            snprintf(why, cap, "rank %d: account %s submission %s, want account %s submission %s",
                     i + 1, acc ? acc : "-", sub ? sub : "-", w[i].account, w[i].sub);
            return false;
        }
        if (!json_is_integer(likes) || json_integer_value(likes) != w[i].likes) {
            snprintf(why, cap, "rank %d: like_count %lld, want %lld", i + 1,
                     (long long)json_integer_value(likes), (long long)w[i].likes);
            return false;
        }
    }
    return true;
}

/* Polls the live leaderboard until it is exactly w (the contract allows
 * 5 s for likes to show). */
static void wait_board(const struct want *w, int n, const char *what)
{
    char why[300] = "";
    double t0 = dc_now_s();
    for (;;) {
        struct dc_resp *r = dc_req("GET", "/v1/leaderboard", NULL, NULL);
        bool ok = false;
        if (r->status != 200)
            snprintf(why, sizeof why, "status %ld", r->status);
        else if (!json_is_false(json_object_get(r->json, "frozen")))
            snprintf(why, sizeof why, "frozen is not false");
        else
            ok = board_is(r->json, w, n, why, sizeof why);
        if (ok) {
            dc_resp_free(r);
            return;
        }
        ck_assert_msg(dc_now_s() - t0 < BOARD_WAIT_S,
                      "%s: leaderboard after %.0f s: %s; body %.1500s", what, BOARD_WAIT_S, why,
                      r->body);
        dc_resp_free(r);
        usleep(100 * 1000);
    }
}

static struct dc_resp *freeze(const char *token)
{
    return dc_req("POST", "/v1/admin/leaderboard/freeze", token, NULL);
}

/* ---- CSV ---------------------------------------------------------------- */

static const char *const WINNERS_HEADER[] = {"rank",  "account_id",  "display_name",
                                             "phone", "region_code", "submission_id",
                                             "title", "like_count"};

/* Downloads winners.csv as admin and checks the BOM and the header; d gets
 * the parsed records (header first). */
static void get_winners(struct dc_csv_doc *d)
{
    struct dc_resp *r = dc_req("GET", "/v1/admin/winners.csv", admin, NULL);
    dc_expect_status(r, 200, "winners.csv");
    char *ct = dc_resp_header(r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "text/csv", 8) == 0, "Content-Type %s", ct ? ct : "-");
    free(ct);
    ck_assert_msg(r->body_len >= 3 && memcmp(r->body, "\xEF\xBB\xBF", 3) == 0,
                  "winners.csv does not start with the UTF-8 BOM");
    static const char header[] =
        "rank,account_id,display_name,phone,region_code,submission_id,title,like_count\r\n";
    ck_assert_msg(strncmp(r->body + 3, header, strlen(header)) == 0, "header row: %.120s",
                  r->body + 3);
    char why[200] = "";
    bool ok = dc_csv_parse(r->body + 3, r->body_len - 3, d, why, sizeof why);
    ck_assert_msg(ok, "winners.csv is not RFC 4180 with CRLF: %s; body %.800s", why, r->body);
    dc_resp_free(r);
    ck_assert_int_ge(d->n, 1);
    for (int k = 0; k < 8; k++)
        ck_assert_str_eq(d->rows[0].f[k], WINNERS_HEADER[k]);
}

/* ---- 1. validation ------------------------------------------------------ */

struct rule {
    const char *what;
    const char *key;   /* the member changed */
    const char *field; /* the error.field expected; NULL: accepted (201) */
};

static const struct rule RULES[] = {
    {"title empty", "title", "title"},
    {"title 61 characters", "title", "title"},
    {"title 60 characters (CJK)", "title", NULL},
    {"description 1001 characters", "description", "description"},
    {"description 1000 characters", "description", NULL},
    {"unknown category", "category", "category"},
    {"video_url http://", "video_url", "video_url"},
    {"video_url not a URL", "video_url", "video_url"},
    {"video_url 2049 bytes", "video_url", "video_url"},
    {"video_url 2048 bytes", "video_url", NULL},
    {"cover_url http://", "cover_url", "cover_url"},
    {"duration_seconds 0", "duration_seconds", "duration_seconds"},
    {"duration_seconds 901", "duration_seconds", "duration_seconds"},
    {"duration_seconds 900", "duration_seconds", NULL},
    {"format avi", "format", "format"},
    {"size_bytes 0", "size_bytes", "size_bytes"},
    {"size_bytes 4294967297", "size_bytes", "size_bytes"},
    {"size_bytes 4294967296", "size_bytes", NULL},
    {"hashtags missing", "hashtags", "hashtags"},
    {"hashtags empty", "hashtags", "hashtags"},
    {"hashtags without the topic", "hashtags", "hashtags"},
    {"original false", "original", "original"},
    {"original missing", "original", "original"},
};
#define NRULES ((int)(sizeof RULES / sizeof RULES[0]))

/* An https URL of exactly n bytes. */
static json_t *url_of_length(size_t n)
{
    static const char base[] = "https://video.example.com/";
    char *pad = repeat("a", (int)(n - strlen(base)));
    char *u = malloc(n + 1);
    ck_assert_ptr_nonnull(u);
    snprintf(u, n + 1, "%s%s", base, pad);
    ck_assert_uint_eq(strlen(u), n);
    json_t *v = json_string(u);
    free(pad);
    free(u);
    return v;
}

/* The value rule i puts under its key; NULL deletes the key. */
static json_t *rule_value(int i)
{
    char *s;
    json_t *v;
    switch (i) {
    case 0:
        return json_string("");
    case 1:
        s = repeat("a", 61);
        break;
    case 2:
        s = repeat("演", 60);
        break;
    case 3:
        s = repeat("d", 1001);
        break;
    case 4:
        s = repeat("述", 1000);
        break;
    case 5:
        return json_string("cooking");
    case 6:
        return json_string("http://video.example.com/v.mp4");
    case 7:
        return json_string("not a url");
    case 8:
        return url_of_length(2049);
    case 9:
        return url_of_length(2048);
    case 10:
        return json_string("http://img.example.com/c.jpg");
    case 11:
        return json_integer(0);
    case 12:
        return json_integer(901);
    case 13:
        return json_integer(900);
    case 14:
        return json_string("avi");
    case 15:
        return json_integer(0);
    case 16:
        return json_integer(4294967297LL);
    case 17:
        return json_integer(4294967296LL);
    case 19:
        return json_array();
    case 20:
        return json_pack("[s, s]", "消防安全", "#应急");
    case 21:
        return json_false();
    default: /* 18, 22: missing */
        return NULL;
    }
    v = json_string(s);
    free(s);
    return v;
}

/* one loop iteration per rule: 422 naming the field and nothing stored, or
 * (boundary values) 201 with the value kept */
START_TEST(validation_rule)
{
    const struct rule *rule = &RULES[_i];
    dc_campaign_live(admin, CAMPAIGN_RULES);
    int before = count_mine(writer.token);
    json_t *body = dc_video_json("校验用例");
    json_t *v = rule_value(_i);
    if (v)
        json_object_set(body, rule->key, v);
    else
        json_object_del(body, rule->key);
    struct dc_resp *r = dc_send_json("POST", "/v1/submissions", writer.token, json_incref(body));
    if (rule->field) {
        dc_expect_error(r, 422, "validation_failed", rule->field, rule->what);
        ck_assert_msg(count_mine(writer.token) == before, "%s: something was stored", rule->what);
    } else {
        dc_expect_status(r, 201, rule->what);
        ck_assert_msg(json_equal(json_object_get(r->json, rule->key), v), "%s: %s came back as %s",
                      rule->what, rule->key, r->body);
        ck_assert_int_eq(count_mine(writer.token), before + 1);
    }
    dc_resp_free(r);
    json_decref(v);
    json_decref(body);
}
END_TEST

/* ---- 2. topic spellings ------------------------------------------------ */

START_TEST(topic_spellings)
{
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(1, "话题");
    /* plain, ASCII '#', and the full-width U+FF03 the Chinese IMEs type */
    static const char *const SPELLINGS[] = {DC_TOPIC, "#" DC_TOPIC, "\xEF\xBC\x83" DC_TOPIC};
    for (int i = 0; i < 3; i++) {
        json_t *b = dc_video_json("三种话题写法");
        json_object_set_new(b, "hashtags", json_pack("[s, s]", "消防安全", SPELLINGS[i]));
        struct dc_resp *r = dc_send_json("POST", "/v1/submissions", u->token, b);
        dc_expect_status(r, 201, SPELLINGS[i]);
        ck_assert_str_eq(dc_str(r->json, "status"), "pending");
        ck_assert_str_eq(dc_str(r->json, "source"), "direct");
        ck_assert_str_eq(dc_str(json_object_get(r->json, "author"), "id"), u->id);
        ck_assert(json_is_null(json_object_get(r->json, "reject_reason")));
        ck_assert(json_is_false(json_object_get(r->json, "recommended")));
        ck_assert_int_eq(dc_int(r->json, "like_count"), 0);
        dc_resp_free(r);
    }
    ck_assert_int_eq(count_mine(u->token), 3);
    free(u);
}
END_TEST

/* ---- 3. idempotency ---------------------------------------------------- */

#define RACERS 10

struct idem_racer {
    pthread_barrier_t *start;
    const char *token, *key, *body;
    long status;
    char *id;
    bool replayed;
};

static void *idem_race(void *arg)
{
    struct idem_racer *x = arg;
    pthread_barrier_wait(x->start);
    struct dc_resp *r = post_with_key(x->token, x->key, x->body);
    x->status = r->status;
    const char *id = dc_str(r->json, "id");
    x->id = id ? strdup(id) : NULL;
    x->replayed = replayed(r);
    dc_resp_free(r);
    return NULL;
}

START_TEST(idempotency_key)
{
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(1, "幂等");
    char key[64], key2[80];
    snprintf(key, sizeof key, "key-%d-%ld", (int)getpid(), (long)time(NULL));
    snprintf(key2, sizeof key2, "%s-race", key);
    json_t *bj = dc_video_json("幂等提交"), *oj = dc_video_json("另一份内容");
    char *body = json_dumps(bj, JSON_COMPACT), *other = json_dumps(oj, JSON_COMPACT);
    json_decref(bj);
    json_decref(oj);

    struct dc_resp *r1 = post_with_key(u->token, key, body);
    dc_expect_status(r1, 201, "first");
    ck_assert(!replayed(r1));
    struct dc_resp *r2 = post_with_key(u->token, key, body);
    dc_expect_status(r2, 201, "replay");
    ck_assert_msg(replayed(r2), "no Idempotent-Replayed: true; headers %s", r2->headers);
    ck_assert_msg(r1->body_len == r2->body_len && memcmp(r1->body, r2->body, r1->body_len) == 0,
                  "replayed body differs:\n%s\n%s", r1->body, r2->body);
    ck_assert_int_eq(count_mine(u->token), 1);
    dc_resp_free(r2);

    r2 = post_with_key(u->token, key, other);
    dc_expect_error(r2, 409, "idempotency_conflict", NULL, "same key, other body");
    dc_resp_free(r2);
    ck_assert_int_eq(count_mine(u->token), 1);

    /* ten at once with one new key: one submission, the same answer for all */
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, RACERS);
    struct idem_racer x[RACERS];
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
        x[i] = (struct idem_racer){&start, u->token, key2, other, 0, NULL, false};
        ck_assert_int_eq(pthread_create(&th[i], NULL, idem_race, &x[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
    int fresh = 0;
    for (int i = 0; i < RACERS; i++) {
        ck_assert_msg(x[i].status == 201, "racer %d: status %ld", i, x[i].status);
        ck_assert_ptr_nonnull(x[i].id);
        ck_assert_str_eq(x[i].id, x[0].id);
        fresh += !x[i].replayed;
    }
    ck_assert_int_eq(fresh, 1);
    ck_assert_str_ne(x[0].id, dc_str(r1->json, "id"));
    ck_assert_int_eq(count_mine(u->token), 2);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE author_id = %s", u->id), 2);

    /* keys are per account: another account's same key is its own */
    int theirs = count_mine(BYSTANDER);
    r2 = post_with_key(BYSTANDER, key, body);
    dc_expect_status(r2, 201, "same key, another account");
    ck_assert(!replayed(r2));
    ck_assert_str_ne(dc_str(r2->json, "id"), dc_str(r1->json, "id"));
    ck_assert_str_ne(dc_str(json_object_get(r2->json, "author"), "id"), u->id);
    dc_resp_free(r2);
    ck_assert_int_eq(count_mine(BYSTANDER), theirs + 1);
    ck_assert_int_eq(count_mine(u->token), 2);
    for (int i = 0; i < RACERS; i++)
        free(x[i].id);
    dc_resp_free(r1);
    free(body);
    free(other);
    free(u);
}
END_TEST

/* ---- 4. visibility ----------------------------------------------------- */

START_TEST(visibility)
{
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(1, "可见");
    const char *author = u->token, *other = BYSTANDER;
    char *pending = submit(author, "待审作品");
    char *rejected = submit(author, "被驳回作品");
    char *approved = submit(author, "已通过作品");
    dc_review_ok(moderator, rejected, "reject", "与主题无关");
    dc_review_ok(moderator, approved, "approve", NULL);

    const char *hidden[] = {pending, rejected};
    for (int i = 0; i < 2; i++) {
        expect_get_sub(hidden[i], other, 404, "hidden to another user");
        expect_get_sub(hidden[i], NULL, 404, "hidden to anonymous");
        expect_get_sub(hidden[i], author, 200, "visible to the author");
        expect_get_sub(hidden[i], moderator, 200, "visible to a moderator");
    }
    expect_get_sub(approved, other, 200, "approved to another user");
    expect_get_sub(approved, NULL, 200, "approved to anonymous");
    expect_get_sub(approved, author, 200, "approved to the author");

    /* the public list: approved only (newest first, so ours is on page 1) */
    struct dc_resp *r = dc_req("GET", "/v1/submissions?limit=100", NULL, NULL);
    dc_expect_status(r, 200, "public list");
    json_t *items = json_object_get(r->json, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        ck_assert_str_eq(dc_str(json_array_get(items, i), "status"), "approved");
    ck_assert(items_have(r->json, approved));
    ck_assert(!items_have(r->json, pending) && !items_have(r->json, rejected));
    dc_resp_free(r);

    /* the author's own list: all three with their statuses */
    r = dc_req("GET", "/v1/submissions?mine=true", author, NULL);
    dc_expect_status(r, 200, "mine");
    items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(items, i);
        const char *id = dc_str(it, "id"), *st = dc_str(it, "status");
        const char *want = strcmp(id, pending) == 0    ? "pending"
                           : strcmp(id, rejected) == 0 ? "rejected"
                           : strcmp(id, approved) == 0 ? "approved"
                                                       : "(not mine)";
        ck_assert_str_eq(st, want);
    }
    dc_resp_free(r);
    r = dc_req("GET", "/v1/submissions?mine=true&limit=100", other, NULL);
    dc_expect_status(r, 200, "mine of another");
    ck_assert(!items_have(r->json, pending) && !items_have(r->json, rejected) &&
              !items_have(r->json, approved));
    dc_resp_free(r);

    expect_req_error("GET", "/v1/submissions?status=pending", other, NULL, 403, "forbidden",
                     "?status for a user");
    expect_req_error("GET", "/v1/submissions?status=pending", NULL, NULL, 401, "unauthorized",
                     "?status anonymous");
    r = dc_req("GET", "/v1/submissions?status=pending&limit=100", moderator, NULL);
    dc_expect_status(r, 200, "?status for a moderator");
    items = json_object_get(r->json, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        ck_assert_str_eq(dc_str(json_array_get(items, i), "status"), "pending");
    ck_assert(items_have(r->json, pending));
    dc_resp_free(r);

    free(pending);
    free(rejected);
    free(approved);
    free(u);
}
END_TEST

/* ---- 5. author edits and removal -------------------------------------- */

START_TEST(author_patch_delete)
{
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(1, "编辑");
    const char *author = u->token, *other = BYSTANDER;
    char *id = submit(author, "初稿标题");
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s", id);

    struct dc_resp *r = dc_req("PATCH", path, author, "{\"title\":\"修改后的标题\"}");
    dc_expect_status(r, 200, "author PATCH while pending");
    ck_assert_str_eq(dc_str(r->json, "title"), "修改后的标题");
    ck_assert_str_eq(dc_str(r->json, "status"), "pending");
    dc_resp_free(r);
    expect_req_error("PATCH", path, other, "{\"title\":\"别人改\"}", 404, "not_found",
                     "another user's PATCH on a hidden one");

    dc_review_ok(moderator, id, "approve", NULL);
    expect_req_error("PATCH", path, author, "{\"title\":\"通过后再改\"}", 409, "invalid_state",
                     "author PATCH after approval");
    expect_req_error("PATCH", path, other, "{\"title\":\"别人改\"}", 403, "forbidden",
                     "another user's PATCH on an approved one");
    r = get_sub(id, NULL);
    ck_assert_str_eq(dc_str(r->json, "title"), "修改后的标题");
    dc_resp_free(r);

    /* removal by the author */
    char *mine = submit(author, "作者撤回");
    char mpath[96];
    snprintf(mpath, sizeof mpath, "/v1/submissions/%s", mine);
    expect_req_error("DELETE", mpath, other, NULL, 404, "not_found", "another user's DELETE");
    r = dc_req("DELETE", mpath, author, NULL);
    dc_expect_status(r, 204, "author DELETE");
    dc_resp_free(r);
    r = get_sub(mine, author);
    dc_expect_status(r, 200, "author sees the removed one");
    ck_assert_str_eq(dc_str(r->json, "status"), "removed");
    dc_resp_free(r);
    expect_get_sub(mine, other, 404, "removed to another user");
    expect_get_sub(mine, NULL, 404, "removed to anonymous");
    r = dc_review_on(NULL, moderator, mine, "approve", NULL);
    dc_expect_error(r, 409, "invalid_state", NULL, "approving a removed one");
    dc_resp_free(r);

    /* the approved one: not by another user nor a moderator; by an admin */
    expect_req_error("DELETE", path, other, NULL, 403, "forbidden", "another user's DELETE");
    expect_req_error("DELETE", path, moderator, NULL, 403, "forbidden", "moderator DELETE");
    r = dc_req("DELETE", path, admin, NULL);
    dc_expect_status(r, 204, "admin DELETE");
    dc_resp_free(r);
    r = get_sub(id, author);
    ck_assert_str_eq(dc_str(r->json, "status"), "removed");
    dc_resp_free(r);
    expect_get_sub(id, NULL, 404, "admin-removed to anonymous");
    char lpath[120];
    snprintf(lpath, sizeof lpath, "%s/like", path);
    expect_req_error("PUT", lpath, other, NULL, 404, "not_found", "like a removed one");

    free(id);
    free(mine);
    free(u);
}
END_TEST

/* ---- 6. moderation ----------------------------------------------------- */

START_TEST(moderation)
{
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(1, "审核");
    char *p[3];
    for (int i = 0; i < 3; i++)
        p[i] = submit(u->token, "待审核作品");

    /* the queue, oldest first: walk all pages */
    long long last = 0;
    int pos[3] = {-1, -1, -1}, seen = 0;
    char path[256] = "/v1/admin/submissions?status=pending&limit=100";
    for (int pages = 0; pages < 200; pages++) {
        struct dc_resp *r = dc_req("GET", path, moderator, NULL);
        dc_expect_status(r, 200, "queue");
        json_t *items = json_object_get(r->json, "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            long long id = strtoll(dc_str(it, "id"), NULL, 10);
            ck_assert_msg(id > last, "queue not oldest first: %lld after %lld", id, last);
            ck_assert_str_eq(dc_str(it, "status"), "pending");
            last = id;
            for (int k = 0; k < 3; k++)
                if (strcmp(dc_str(it, "id"), p[k]) == 0)
                    pos[k] = seen;
            seen++;
        }
        const char *next = dc_str(r->json, "next_cursor");
        if (next)
            snprintf(path, sizeof path, "/v1/admin/submissions?status=pending&limit=100&cursor=%s",
                     next);
        dc_resp_free(r);
        if (!next)
            break;
    }
    ck_assert_msg(pos[0] >= 0 && pos[0] < pos[1] && pos[1] < pos[2],
                  "the three new ones at %d, %d, %d", pos[0], pos[1], pos[2]);
    expect_req_error("GET", "/v1/admin/submissions?status=pending", u->token, NULL, 403,
                     "forbidden", "queue for a user");

    /* review */
    struct dc_resp *r = dc_review_on(NULL, moderator, p[0], "reject", NULL);
    dc_expect_error(r, 422, "validation_failed", "reason", "reject without a reason");
    dc_resp_free(r);
    r = dc_review_on(NULL, moderator, p[0], "maybe", "x");
    dc_expect_error(r, 422, "validation_failed", "decision", "unknown decision");
    dc_resp_free(r);
    r = get_sub(p[0], u->token);
    ck_assert_str_eq(dc_str(r->json, "status"), "pending");
    dc_resp_free(r);
    r = dc_review_on(NULL, moderator, p[0], "reject", "视频含有危险动作示范");
    dc_expect_status(r, 200, "reject");
    ck_assert_str_eq(dc_str(r->json, "status"), "rejected");
    ck_assert_str_eq(dc_str(r->json, "reject_reason"), "视频含有危险动作示范");
    dc_resp_free(r);
    r = get_sub(p[0], u->token);
    ck_assert_str_eq(dc_str(r->json, "reject_reason"), "视频含有危险动作示范");
    dc_resp_free(r);
    r = dc_review_on(NULL, moderator, p[0], "approve", NULL);
    dc_expect_status(r, 200, "approve after reject");
    ck_assert_str_eq(dc_str(r->json, "status"), "approved");
    dc_resp_free(r);

    /* recommendation: admin, approved only */
    char rpath[96], rpath2[96];
    snprintf(rpath, sizeof rpath, "/v1/admin/submissions/%s/recommend", p[0]);
    snprintf(rpath2, sizeof rpath2, "/v1/admin/submissions/%s/recommend", p[1]);
    static const char channels[] = "{\"channels\":[\"应急管理部官方号\",\"地方电视台\"]}";
    expect_req_error("POST", rpath, moderator, channels, 403, "forbidden",
                     "recommend by a moderator");
    expect_req_error("POST", rpath2, admin, channels, 409, "invalid_state", "recommend pending");
    r = dc_req("POST", rpath, admin, channels);
    dc_expect_status(r, 200, "recommend");
    ck_assert(json_is_true(json_object_get(r->json, "recommended")));
    json_t *want = json_pack("[s, s]", "应急管理部官方号", "地方电视台");
    ck_assert_msg(json_equal(json_object_get(r->json, "recommended_channels"), want),
                  "channels: %s", r->body);
    json_decref(want);
    dc_resp_free(r);

    /* the queue no longer holds the reviewed one */
    r = dc_req("GET", "/v1/admin/submissions?status=pending&limit=100", moderator, NULL);
    ck_assert(!items_have(r->json, p[0]));
    dc_resp_free(r);

    /* reject, approve, recommend: three audit entries at least */
    ck_assert_int_ge(
        dc_sql_ll("SELECT count(*) FROM audit_log WHERE target = 'submission:%s'", p[0]), 3);
    for (int i = 0; i < 3; i++)
        free(p[i]);
    free(u);
}
END_TEST

/* ---- 7. likes ---------------------------------------------------------- */

START_TEST(likes_basics)
{
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(1, "点赞");
    const char *author = u->token, *liker = BYSTANDER;
    char *sub = submit_approved(author, "点赞测试");
    char *pending = submit(author, "还在审核");

    ck_assert_int_eq(like(liker, sub, true), 1);
    ck_assert_int_eq(like(liker, sub, true), 1);
    struct dc_resp *r = get_sub(sub, liker);
    ck_assert_int_eq(dc_int(r->json, "like_count"), 1);
    ck_assert(json_is_true(json_object_get(r->json, "liked")));
    dc_resp_free(r);
    r = get_sub(sub, NULL);
    ck_assert_int_eq(dc_int(r->json, "like_count"), 1);
    ck_assert(json_is_false(json_object_get(r->json, "liked")));
    dc_resp_free(r);

    ck_assert_int_eq(like(liker, sub, false), 0);
    ck_assert_int_eq(like(liker, sub, false), 0);
    r = get_sub(sub, liker);
    ck_assert_int_eq(dc_int(r->json, "like_count"), 0);
    ck_assert(json_is_false(json_object_get(r->json, "liked")));
    dc_resp_free(r);

    /* one like per account however concurrently it is sent */
    struct like_op ops[8];
    for (int on = 1; on >= 0; on--) {
        for (int i = 0; i < 8; i++)
            ops[i] = (struct like_op){.token = liker, .sub = sub, .on = on};
        run_like_ops(ops, 8, 8);
        for (int i = 0; i < 8; i++)
            ck_assert_int_eq(ops[i].count, on);
        ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", sub), on);
    }
    r = get_sub(sub, liker);
    ck_assert_int_eq(dc_int(r->json, "like_count"), 0);
    dc_resp_free(r);

    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", sub);
    expect_req_error("PUT", path, author, NULL, 403, "self_like", "self like");
    r = dc_req("PUT", path, NULL, NULL);
    dc_expect_error(r, 401, "unauthorized", NULL, "like without a token");
    char *auth = dc_resp_header(r, "WWW-Authenticate");
    ck_assert_msg(auth && strncmp(auth, "Bearer", 6) == 0, "WWW-Authenticate %s",
                  auth ? auth : "-");
    free(auth);
    dc_resp_free(r);
    char ppath[96];
    snprintf(ppath, sizeof ppath, "/v1/submissions/%s/like", pending);
    expect_req_error("PUT", ppath, liker, NULL, 404, "not_found", "like a pending one");
    expect_req_error("PUT", "/v1/submissions/999999999999/like", liker, NULL, 404, "not_found",
                     "like an unknown id");

    dc_campaign_set(admin, DC_ENDED, CAMPAIGN_RULES);
    expect_req_error("PUT", path, liker, NULL, 409, "campaign_closed", "like after the end");
    expect_req_error("DELETE", path, liker, NULL, 409, "campaign_closed", "unlike after the end");
    dc_campaign_live(admin, CAMPAIGN_RULES);
    r = get_sub(sub, NULL);
    ck_assert_int_eq(dc_int(r->json, "like_count"), 0);
    dc_resp_free(r);

    free(sub);
    free(pending);
    free(u);
}
END_TEST

/* ---- 8. like storm ----------------------------------------------------- */

#define STORM_SUBS 3
#define STORM_OPS  2000

/* 16 threads, 2000 random likes and unlikes by 40 accounts on 3 videos:
 * every answer sane, and afterwards GET, the likes table and the
 * leaderboard agree */
START_TEST(like_storm)
{
    reset_contest(true);
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *a = new_users(STORM_SUBS + 1, "风暴");
    char *subs[STORM_SUBS];
    for (int i = 0; i < STORM_SUBS; i++)
        subs[i] = submit_approved(a[i].token, "点赞风暴");

    struct like_op *ops = calloc(STORM_OPS, sizeof *ops);
    ck_assert_ptr_nonnull(ops);
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < STORM_OPS; i++) {
        uint64_t x = dc_rnd_next(&seed);
        ops[i] = (struct like_op){.token = pool[x % POOL_N].token,
                                  .sub = subs[(x >> 16) % STORM_SUBS],
                                  .on = ((x >> 32) & 1) != 0};
    }
    run_like_ops(ops, STORM_OPS, 16);
    free(ops);

    json_int_t counts[STORM_SUBS];
    for (int i = 0; i < STORM_SUBS; i++) {
        counts[i] = dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", subs[i]);
        struct dc_resp *r = get_sub(subs[i], NULL);
        ck_assert_msg(dc_int(r->json, "like_count") == counts[i],
                      "submission %s: like_count %lld, likes table %lld", subs[i],
                      (long long)dc_int(r->json, "like_count"), (long long)counts[i]);
        dc_resp_free(r);
    }

    /* the leaderboard catches up: each video's count, in whatever order */
    double t0 = dc_now_s();
    for (;;) {
        struct dc_resp *r = dc_req("GET", "/v1/leaderboard", NULL, NULL);
        dc_expect_status(r, 200, "leaderboard");
        json_t *entries = json_object_get(r->json, "entries");
        int matched = 0;
        for (size_t e = 0; e < json_array_size(entries); e++) {
            json_t *en = json_array_get(entries, e);
            ck_assert_int_eq(dc_int(en, "rank"), (json_int_t)e + 1);
            for (int i = 0; i < STORM_SUBS; i++)
                if (strcmp(dc_str(json_object_get(en, "submission"), "id"), subs[i]) == 0 &&
                    dc_int(en, "like_count") == counts[i])
                    matched++;
        }
        bool ok = json_array_size(entries) == STORM_SUBS && matched == STORM_SUBS;
        ck_assert_msg(ok || dc_now_s() - t0 < BOARD_WAIT_S,
                      "leaderboard after %.0f s does not show counts %lld %lld %lld: %.1500s",
                      BOARD_WAIT_S, (long long)counts[0], (long long)counts[1],
                      (long long)counts[2], r->body);
        dc_resp_free(r);
        if (ok)
            break;
        usleep(100 * 1000);
    }

    /* a fresh account's like on the quiet video answers the count with it */
    struct dc_user *fresh = &a[STORM_SUBS];
    struct dc_resp *r = get_sub(subs[0], fresh->token);
    json_int_t before = dc_int(r->json, "like_count");
    ck_assert(json_is_false(json_object_get(r->json, "liked")));
    dc_resp_free(r);
    ck_assert_int_eq(like(fresh->token, subs[0], true), before + 1);
    ck_assert_int_eq(like(fresh->token, subs[0], false), before);

    for (int i = 0; i < STORM_SUBS; i++)
        free(subs[i]);
    free(a);
}
END_TEST

/* ---- 8b. folding many videos at once ------------------------------------ */

#define FOLD_SUBS 700 /* more than two of the folder's chunks (LIKES_FOLD_CHUNK 256) */

/* 700 approved videos by the pool's 40 accounts, 1-3 likes each, all
 * committed at once as a like batch leaves them (likes rows plus shard
 * deltas), so that one folder cycle meets them all: afterwards every
 * count equals its likes, every newest-like time equals the newest like,
 * and the statistics' likes equal the counts (the triggers summed per cell) */
START_TEST(fold_many_at_once)
{
    reset_contest(true);
    dc_campaign_live(admin, CAMPAIGN_RULES);
    char *ids = calloc(POOL_N, 24);
    ck_assert_ptr_nonnull(ids);
    for (int i = 0; i < POOL_N; i++)
        sprintf(ids + strlen(ids), "%s%s", i ? "," : "", pool[i].id);
    long long subs_before = dc_sql_ll("SELECT count(*) FROM submissions");
    free(dc_sql_fmt(
        "BEGIN;"
        "CREATE TEMP TABLE fold_pool AS SELECT id, ord - 1 AS k FROM unnest('{%s}'::bigint[])"
        " WITH ORDINALITY AS u(id, ord);"
        "CREATE TEMP TABLE fold_subs (id bigint, k int);"
        "WITH made AS (INSERT INTO submissions (author_id, title, category, video_url,"
        " duration_seconds, format, size_bytes, hashtags, status)"
        " SELECT p.id, '合并' || g, 'fire', 'https://video.example.com/f/' || g || '.mp4', 60,"
        " 'mp4', 1048576, ARRAY['逃生演练训练营'], 'approved' FROM generate_series(0, %d) g"
        " JOIN fold_pool p ON p.k = g %% %d RETURNING id, author_id)"
        " INSERT INTO fold_subs SELECT m.id, p.k FROM made m JOIN fold_pool p ON p.id = "
        "m.author_id;"
        "CREATE TEMP TABLE fold_likes AS SELECT s.id AS sid, p.id AS aid,"
        " now() - (s.id %% 97) * interval '1 second' - j * interval '1 minute' AS at"
        " FROM fold_subs s CROSS JOIN generate_series(1, 3) j"
        " JOIN fold_pool p ON p.k = (s.k + j) %% %d WHERE j <= 1 + s.id %% 3;"
        "INSERT INTO likes (submission_id, account_id, created_at) SELECT sid, aid, at FROM "
        "fold_likes;"
        /* the newest of each shard as a like batch stores it, but for
         * odd ids none (as after an unlike): those are looked up */
        "INSERT INTO like_shards (submission_id, shard, delta, newest)"
        " SELECT sid, (aid %% 32)::smallint, count(*), CASE WHEN sid %% 2 = 0 THEN max(at) END"
        " FROM fold_likes GROUP BY 1, 2;"
        "COMMIT",
        ids, FOLD_SUBS - 1, POOL_N, POOL_N));
    free(ids);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions") - subs_before, FOLD_SUBS);

    double t0 = dc_now_s();
    while (dc_sql_ll("SELECT count(*) FROM like_shards") > 0) {
        ck_assert_msg(dc_now_s() - t0 < BOARD_WAIT_S, "shards not folded after %.0f s",
                      BOARD_WAIT_S);
        usleep(50 * 1000);
    }
    ck_assert_int_eq(
        dc_sql_ll("SELECT count(*) FROM submissions s, LATERAL (SELECT count(*) AS n,"
                  " max(created_at) AS newest FROM likes l WHERE l.submission_id = s.id) l"
                  " WHERE s.status = 'approved'"
                  " AND (s.like_count, s.last_like_at) IS DISTINCT FROM (l.n, l.newest)"),
        0);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE status = 'approved'"
                               " AND like_count BETWEEN 1 AND 3"),
                     FOLD_SUBS);
    ck_assert_int_eq(dc_sql_ll("SELECT (SELECT sum(likes) FROM stats_cells)"
                               " - (SELECT sum(like_count) FROM submissions)"),
                     0);
}
END_TEST

/* ---- 8c. public list pages --------------------------------------------- */

#define PAGED_SUBS 25 /* more than the default page of 20 */

/* The ids of GET /v1/submissions?<query> over every page of `limit`,
 * comma-separated (malloc'ed). */
static char *walk_pages(const char *query, int limit)
{
    char path[512], *ids = calloc(PAGED_SUBS * 2 + 1, 24);
    ck_assert_ptr_nonnull(ids);
    /* limit 0: the default page */
    char lim[16] = "";
    if (limit)
        snprintf(lim, sizeof lim, "&limit=%d", limit);
    snprintf(path, sizeof path, "/v1/submissions?%s%s", query, lim);
    for (int pages = 0; pages <= PAGED_SUBS; pages++) {
        struct dc_resp *r = dc_req("GET", path, NULL, NULL);
        dc_expect_status(r, 200, query);
        json_t *items = json_object_get(r->json, "items");
        ck_assert_int_le(json_array_size(items), limit ? limit : 20);
        for (size_t i = 0; i < json_array_size(items); i++)
            sprintf(ids + strlen(ids), "%s%s", *ids ? "," : "",
                    dc_str(json_array_get(items, i), "id"));
        const char *next = dc_str(r->json, "next_cursor");
        if (next)
            snprintf(path, sizeof path, "/v1/submissions?%s%s&cursor=%s", query, lim, next);
        dc_resp_free(r);
        if (!next)
            return ids;
    }
    ck_abort_msg("%s: the pages do not end", query);
    return NULL;
}

/* 25 approved videos in two categories, like counts with ties: every
 * sort, with and without a category, paged 1, 2, 3 and the default 20 at a
 * time, lists exactly the approved ones, in the order the database gives
 * for the same rule */
START_TEST(public_list_pages)
{
    reset_contest(true);
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(1, "分页");
    for (int i = 0; i < PAGED_SUBS; i++) {
        int likes = i * 7 % 6; /* 0-5, each six times or so: ties */
        json_t *v = dc_video_json("分页作品");
        json_object_set_new(v, "category", json_string(i % 3 ? "fire" : "flood"));
        char *id = dc_submit_approved(moderator, u->token, v);
        /* test set-up: a folded count, as if liked (lists show the folded one) */
        free(dc_sql_fmt("UPDATE submissions SET like_count = %d WHERE id = %s", likes, id));
        ck_assert_int_eq(dc_sql_ll("SELECT like_count FROM submissions WHERE id = %s", id), likes);
        free(id);
    }
    static const struct {
        const char *query, *order, *where;
    } cases[] = {
        {"sort=recent", "id DESC", ""},
        {"sort=likes", "like_count DESC, id DESC", ""},
        {"sort=recent&category=fire", "id DESC", " AND category = 'fire'"},
        {"sort=likes&category=flood", "like_count DESC, id DESC", " AND category = 'flood'"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *expected = dc_sql_fmt("SELECT string_agg(id::text, ',' ORDER BY %s)"
                                    " FROM submissions WHERE status = 'approved'%s",
                                    cases[c].order, cases[c].where);
        ck_assert_ptr_nonnull(expected);
        for (int limit = 0; limit <= 3; limit++) {
            char *got = walk_pages(cases[c].query, limit);
            ck_assert_msg(strcmp(got, expected) == 0, "%s, %d a page: %s, want %s", cases[c].query,
                          limit, got, expected);
            free(got);
        }
        free(expected);
    }
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE status = 'approved'"),
                     PAGED_SUBS);
    free(u);
}
END_TEST

/* ---- 9. ranking and ties ----------------------------------------------- */

START_TEST(ranking_ties)
{
    reset_contest(true);
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(3, "排名");
    struct dc_user *A = &u[0], *B = &u[1], *C = &u[2];
    const char *L0 = pool[0].token, *L1 = pool[1].token, *L2 = pool[2].token, *L3 = pool[3].token;
    char *sa = submit_approved(A->token, "甲的作品");
    char *sb = submit_approved(B->token, "乙的作品");

    /* no likes yet: the earlier created first */
    wait_board((struct want[]){{A->id, sa, 0}, {B->id, sb, 0}}, 2, "no likes");

    /* both reach 2; A got there first */
    like(L0, sa, true);
    like(L1, sa, true);
    like(L0, sb, true);
    ck_assert_int_eq(like(L1, sb, true), 2);
    wait_board((struct want[]){{A->id, sa, 2}, {B->id, sb, 2}}, 2, "A reached 2 first");

    /* A's newest counted like is now newer than B's */
    ck_assert_int_eq(like(L0, sa, false), 1);
    ck_assert_int_eq(like(L0, sa, true), 2);
    wait_board((struct want[]){{B->id, sb, 2}, {A->id, sa, 2}}, 2, "A re-liked");

    /* a newest like taken back no longer counts for the tie: B leads with
     * 3, then falls back to 2 reached before A did */
    ck_assert_int_eq(like(L2, sb, true), 3);
    wait_board((struct want[]){{B->id, sb, 3}, {A->id, sa, 2}}, 2, "B's third like");
    ck_assert_int_eq(like(L2, sb, false), 2);
    wait_board((struct want[]){{B->id, sb, 2}, {A->id, sa, 2}}, 2, "B's third like taken back");

    /* C has two videos: listed once, with the better */
    char *c1 = submit_approved(C->token, "丙的第一部");
    char *c2 = submit_approved(C->token, "丙的第二部");
    like(L0, c1, true);
    like(L1, c1, true);
    ck_assert_int_eq(like(L2, c1, true), 3);
    ck_assert_int_eq(like(L3, c2, true), 1);
    wait_board((struct want[]){{C->id, c1, 3}, {B->id, sb, 2}, {A->id, sa, 2}}, 3,
               "C once, with its best");

    /* the best is rejected: C falls to its next best; then disappears */
    dc_review_ok(moderator, c1, "reject", "收到投诉：非原创");
    wait_board((struct want[]){{B->id, sb, 2}, {A->id, sa, 2}, {C->id, c2, 1}}, 3,
               "C's best rejected");
    dc_review_ok(moderator, c2, "reject", "收到投诉：非原创");
    wait_board((struct want[]){{B->id, sb, 2}, {A->id, sa, 2}}, 2, "C has nothing approved");

    /* approved again after the complaint: back with its likes */
    dc_review_ok(moderator, c1, "approve", NULL);
    wait_board((struct want[]){{C->id, c1, 3}, {B->id, sb, 2}, {A->id, sa, 2}}, 3,
               "C's best approved again");

    free(sa);
    free(sb);
    free(c1);
    free(c2);
    free(u);
}
END_TEST

/* ---- 10. freeze -------------------------------------------------------- */

START_TEST(freeze_leaderboard)
{
    reset_contest(true);
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *u = new_users(2, "冻结");
    char *sa = submit_approved(u[0].token, "冻结甲");
    char *sb = submit_approved(u[1].token, "冻结乙");
    like(pool[0].token, sa, true);
    like(pool[1].token, sa, true);
    like(pool[0].token, sb, true);
    struct want w[] = {{u[0].id, sa, 2}, {u[1].id, sb, 1}};
    wait_board(w, 2, "before the freeze");
    expect_req_error("GET", "/v1/leaderboard?limit=101", NULL, NULL, 422, "validation_failed",
                     "limit above top_n");

    struct dc_resp *r = freeze(admin);
    dc_expect_error(r, 409, "campaign_closed", NULL, "freeze while live");
    dc_resp_free(r);

    /* a last like not waited for: the snapshot must hold it (a tie that A
     * reached first) */
    ck_assert_int_eq(like(pool[1].token, sb, true), 2);
    w[1].likes = 2;
    dc_campaign_set(admin, DC_ENDED, CAMPAIGN_RULES);
    r = freeze(BYSTANDER);
    dc_expect_error(r, 403, "forbidden", NULL, "freeze by a user");
    dc_resp_free(r);
    r = freeze(moderator);
    dc_expect_error(r, 403, "forbidden", NULL, "freeze by a moderator");
    dc_resp_free(r);

    struct dc_resp *f1 = freeze(admin);
    dc_expect_status(f1, 200, "freeze");
    ck_assert(json_is_true(json_object_get(f1->json, "frozen")));
    ck_assert_ptr_nonnull(dc_str(f1->json, "frozen_at"));
    ck_assert_str_eq(dc_str(f1->json, "campaign_id"), "1");
    char why[300] = "";
    ck_assert_msg(board_is(f1->json, w, 2, why, sizeof why), "snapshot: %s", why);
    sleep(1); /* a second call a second later must still answer the same snapshot */
    struct dc_resp *f2 = freeze(admin);
    dc_expect_status(f2, 200, "second freeze");
    ck_assert_msg(f1->body_len == f2->body_len && memcmp(f1->body, f2->body, f1->body_len) == 0,
                  "second freeze differs:\n%s\n%s", f1->body, f2->body);
    dc_resp_free(f2);
    r = dc_req("GET", "/v1/campaign", NULL, NULL);
    ck_assert_str_eq(dc_str(r->json, "frozen_at") ? dc_str(r->json, "frozen_at") : "(null)",
                     dc_str(f1->json, "frozen_at"));
    dc_resp_free(r);

    /* live again: new likes and a rejection change nothing on the board */
    dc_campaign_live(admin, CAMPAIGN_RULES);
    ck_assert_int_eq(like(pool[2].token, sb, true), 3);
    ck_assert_int_eq(like(pool[3].token, sb, true), 4);
    dc_review_ok(moderator, sa, "reject", "冻结后的投诉");
    json_t *frozen_entries = json_object_get(f1->json, "entries");
    double t0 = dc_now_s();
    do { /* longer than the folder's rounds */
        r = dc_req("GET", "/v1/leaderboard", NULL, NULL);
        dc_expect_status(r, 200, "frozen leaderboard");
        ck_assert(json_is_true(json_object_get(r->json, "frozen")));
        ck_assert_msg(json_equal(json_object_get(r->json, "entries"), frozen_entries),
                      "the frozen board changed: %s", r->body);
        ck_assert_str_eq(dc_str(r->json, "frozen_at"), dc_str(f1->json, "frozen_at"));
        dc_resp_free(r);
        usleep(250 * 1000);
    } while (dc_now_s() - t0 < 2.5);

    expect_req_error("GET", "/v1/leaderboard?limit=101", NULL, NULL, 422, "validation_failed",
                     "limit above top_n, frozen");
    expect_req_error("GET", "/v1/leaderboard?limit=0", NULL, NULL, 422, "validation_failed",
                     "limit 0");
    r = dc_req("GET", "/v1/leaderboard?limit=2", NULL, NULL);
    dc_expect_status(r, 200, "limit=2");
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "entries")), 2);
    dc_resp_free(r);
    r = dc_req("GET", "/v1/leaderboard?limit=1", NULL, NULL);
    dc_expect_status(r, 200, "limit=1");
    ck_assert_msg(board_is(r->json, w, 1, why, sizeof why), "limit=1: %s", why);
    dc_resp_free(r);

    dc_resp_free(f1);
    free(sa);
    free(sb);
    free(u);
}
END_TEST

/* ---- 11. winners.csv --------------------------------------------------- */

/* RFC 4180 quoting of a title with a comma, a quote and a line break, and
 * formula neutralising of a title and a name (parsed back by our own
 * parser, which also insists on CRLF record ends) */
START_TEST(winners_csv)
{
    reset_contest(true);
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user u[2] = {{.name = "张三,李四"}, {.name = "-减号开头"}};
    ck_assert(make_users(u, 2, ""));
    expect_req_error("GET", "/v1/admin/winners.csv", admin, NULL, 409, "invalid_state",
                     "winners before the freeze");
    expect_req_error("GET", "/v1/admin/winners.csv", BYSTANDER, NULL, 403, "forbidden",
                     "winners for a user");

    static const char tricky[] = "逃生,\"演练\"\n第二行";
    static const char formula[] = "=SUM(1,2) 逃生演练";
    /* API.md section 6 limits a title to 1-60 characters and nothing more:
     * one with a line break in it is accepted (201) */
    char *sa = dc_submit(u[0].token, dc_video_json(tricky));
    dc_review_ok(moderator, sa, "approve", NULL);
    char *sb = submit_approved(u[1].token, formula);
    like(pool[0].token, sa, true);
    like(pool[1].token, sa, true);
    like(pool[0].token, sb, true);
    wait_board((struct want[]){{u[0].id, sa, 2}, {u[1].id, sb, 1}}, 2, "winners board");
    /* the JSON keeps the title as written */
    struct dc_resp *r = dc_req("GET", "/v1/leaderboard", NULL, NULL);
    dc_expect_status(r, 200, "leaderboard");
    json_t *entries = json_object_get(r->json, "entries");
    ck_assert_uint_eq(json_array_size(entries), 2);
    ck_assert_str_eq(dc_str(json_object_get(json_array_get(entries, 0), "submission"), "title"),
                     tricky);
    ck_assert_str_eq(dc_str(json_object_get(json_array_get(entries, 1), "submission"), "title"),
                     formula);
    dc_resp_free(r);

    dc_campaign_set(admin, DC_ENDED, CAMPAIGN_RULES);
    r = freeze(admin);
    dc_expect_status(r, 200, "freeze");
    dc_resp_free(r);
    expect_req_error("GET", "/v1/admin/winners.csv", BYSTANDER, NULL, 403, "forbidden",
                     "winners for a user");
    expect_req_error("GET", "/v1/admin/winners.csv", moderator, NULL, 403, "forbidden",
                     "winners for a moderator");

    struct dc_csv_doc d;
    get_winners(&d);
    ck_assert_int_eq(d.n, 3);
    const char *want[2][8] = {
        {"1", u[0].id, "张三,李四", u[0].phone, "350100", sa, tricky, "2"},
        {"2", u[1].id, "'-减号开头", u[1].phone, "350100", sb, "'=SUM(1,2) 逃生演练", "1"},
    };
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(d.rows[i + 1].n, 8);
        for (int k = 0; k < 8; k++)
            ck_assert_msg(strcmp(d.rows[i + 1].f[k], want[i][k]) == 0, "row %d %s: [%s], want [%s]",
                          i + 1, WINNERS_HEADER[k], d.rows[i + 1].f[k], want[i][k]);
    }
    dc_csv_free(&d);
    free(sa);
    free(sb);
}
END_TEST

/* ---- 12. the whole contest ---------------------------------------------- */

#define ENTRANTS 150
#define LIKERS   31 /* pool[0..30]; a video gets at most 30, never its author's */
#define TOP      100

/* Rank r's planned likes: 30..11 for the first 20 (distinct), then eight
 * at each count 10..1 (ties, decided by the order of the last likes). */
static int planned_likes(int r)
{
    return r < 20 ? 30 - r : 10 - (r - 20) / 8;
}

static bool is_rejected(int i)
{
    return i % 15 == 7; /* ten of 150 */
}

/* The k-th like of entrant i's video comes from pool[k], skipping the
 * entrant itself (entrants 0..39 are the pool accounts). */
static const char *liker_of(int i, int k)
{
    return pool[i < LIKERS && k >= i ? k + 1 : k].token;
}

struct entry_ctx {
    struct dc_user **u;
    char **ids;
};

static void submit_job(int i, void *ctx)
{
    struct entry_ctx *c = ctx;
    char title[64];
    snprintf(title, sizeof title, "作品%03d：家庭火灾逃生", i);
    json_t *b = dc_video_json(title);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct dc_resp *r = dc_req("POST", "/v1/submissions", c->u[i]->token, text);
    const char *id = r->status == 201 ? dc_str(r->json, "id") : NULL;
    c->ids[i] = id ? strdup(id) : NULL;
    dc_resp_free(r);
    free(text);
}

static void review_job(int i, void *ctx)
{
    char **ids = ((struct entry_ctx *)ctx)->ids;
    struct dc_resp *r = dc_review_on(NULL, moderator, ids[i], is_rejected(i) ? "reject" : "approve",
                                     is_rejected(i) ? "与活动主题无关" : NULL);
    const char *st = dc_str(r->json, "status");
    if (r->status != 200 || !st || strcmp(st, is_rejected(i) ? "rejected" : "approved") != 0) {
        free(ids[i]);
        ids[i] = NULL; /* flags the failure */
    }
    dc_resp_free(r);
}

/* API.md's done-when: 150 entrants, 140 approved, 30 likes at most per
 * video, the exact top 100 (distinct counts and controlled ties) on the
 * live board, then frozen and exported. The 40 pool accounts are entrants
 * too (accounts are the slow part), and 31 of them like the others. */
START_TEST(whole_contest)
{
    double t0 = dc_now_s();
    reset_contest(true);
    dc_campaign_live(admin, CAMPAIGN_RULES);
    struct dc_user *fresh = new_users(ENTRANTS - POOL_N, "选手");
    struct dc_user *p[ENTRANTS];
    for (int i = 0; i < ENTRANTS; i++)
        p[i] = i < POOL_N ? &pool[i] : &fresh[i - POOL_N];
    char **ids = calloc(ENTRANTS, sizeof *ids);
    ck_assert_ptr_nonnull(ids);
    struct entry_ctx ctx = {p, ids};
    dc_run_parallel(ENTRANTS, 8, submit_job, &ctx);
    for (int i = 0; i < ENTRANTS; i++)
        ck_assert_msg(ids[i], "entrant %d could not submit", i);
    char **keep = calloc(ENTRANTS, sizeof *keep); /* review_job clears ids on failure */
    ck_assert_ptr_nonnull(keep);
    memcpy(keep, ids, ENTRANTS * sizeof *ids);
    dc_run_parallel(ENTRANTS, 8, review_job, &ctx);
    for (int i = 0; i < ENTRANTS; i++)
        ck_assert_msg(ids[i], "review of entrant %d's submission %s failed", i, keep[i]);
    free(keep);
    double t_setup = dc_now_s();

    /* the planned ranking: approved entrants shuffled; the first 100 get likes */
    int order[ENTRANTS], napproved = 0;
    for (int i = 0; i < ENTRANTS; i++)
        if (!is_rejected(i))
            order[napproved++] = i;
    ck_assert_int_eq(napproved, 140);
    uint64_t seed = 0xC0FFEE1234567ULL;
    for (int k = napproved - 1; k > 0; k--) {
        int j = (int)(dc_rnd_next(&seed) % (uint64_t)(k + 1));
        int t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    /* all but the last like of each, concurrently ... */
    int nbulk = 0;
    for (int r = 0; r < TOP; r++)
        nbulk += planned_likes(r) - 1;
    struct like_op *ops = calloc((size_t)nbulk, sizeof *ops);
    ck_assert_ptr_nonnull(ops);
    for (int r = 0, n = 0; r < TOP; r++)
        for (int k = 0; k < planned_likes(r) - 1; k++)
            ops[n++] =
                (struct like_op){.token = liker_of(order[r], k), .sub = ids[order[r]], .on = true};
    run_like_ops(ops, nbulk, 16);
    free(ops);
    /* ... then the last ones in rank order, so equal counts were reached in
     * rank order */
    for (int r = 0; r < TOP; r++) {
        int c = planned_likes(r);
        ck_assert_int_eq(like(liker_of(order[r], c - 1), ids[order[r]], true), c);
    }
    double t_likes = dc_now_s();

    struct want w[TOP];
    for (int r = 0; r < TOP; r++)
        w[r] = (struct want){p[order[r]]->id, ids[order[r]], planned_likes(r)};
    wait_board(w, TOP, "the top 100");
    double t_board = dc_now_s();

    /* rejected entrants are nowhere, and cannot be liked */
    struct dc_resp *r = dc_req("GET", "/v1/leaderboard", NULL, NULL);
    dc_expect_status(r, 200, "leaderboard");
    json_t *entries = json_object_get(r->json, "entries");
    ck_assert_uint_eq(json_array_size(entries), TOP);
    for (size_t e = 0; e < json_array_size(entries); e++)
        for (int i = 0; i < ENTRANTS; i++)
            if (is_rejected(i))
                ck_assert_str_ne(
                    dc_str(json_object_get(json_array_get(entries, e), "account"), "id"), p[i]->id);
    dc_resp_free(r);
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", ids[7]);
    expect_req_error("PUT", path, pool[0].token, NULL, 404, "not_found", "like a rejected one");
    ck_assert(is_rejected(7));

    /* the end: frozen twice alike, and the prize list */
    dc_campaign_set(admin, DC_ENDED, CAMPAIGN_RULES);
    struct dc_resp *f1 = freeze(admin), *f2 = freeze(admin);
    dc_expect_status(f1, 200, "freeze");
    dc_expect_status(f2, 200, "freeze again");
    ck_assert_msg(f1->body_len == f2->body_len && memcmp(f1->body, f2->body, f1->body_len) == 0,
                  "the second freeze differs");
    char why[300] = "";
    ck_assert_msg(board_is(f1->json, w, TOP, why, sizeof why), "snapshot: %s", why);
    dc_resp_free(f1);
    dc_resp_free(f2);
    r = dc_req("GET", "/v1/leaderboard", NULL, NULL);
    ck_assert(json_is_true(json_object_get(r->json, "frozen")));
    ck_assert_msg(board_is(r->json, w, TOP, why, sizeof why), "frozen board: %s", why);
    dc_resp_free(r);

    struct dc_csv_doc d;
    get_winners(&d);
    ck_assert_int_eq(d.n, TOP + 1);
    for (int k = 0; k < TOP; k++) {
        struct dc_csv_row *row = &d.rows[k + 1];
        const struct dc_user *x = p[order[k]];
        char rank[16], likes[16], title[64];
        snprintf(rank, sizeof rank, "%d", k + 1);
        snprintf(likes, sizeof likes, "%d", planned_likes(k));
        snprintf(title, sizeof title, "作品%03d：家庭火灾逃生", order[k]);
        const char *want[8] = {rank,     x->id,         x->name, x->phone,
                               "350100", ids[order[k]], title,   likes};
        ck_assert_int_eq(row->n, 8);
        for (int f = 0; f < 8; f++)
            ck_assert_msg(strcmp(row->f[f], want[f]) == 0, "winners row %d %s: [%s], want [%s]",
                          k + 1, WINNERS_HEADER[f], row->f[f], want[f]);
    }
    dc_csv_free(&d);
    fprintf(stderr,
            "whole_contest: accounts+submit+review %.1f s, likes %.1f s, board caught up %.1f s, "
            "total %.1f s\n",
            t_setup - t0, t_likes - t_setup, t_board - t_likes, dc_now_s() - t0);

    for (int i = 0; i < ENTRANTS; i++)
        free(ids[i]);
    free(ids);
    free(fresh);
}
END_TEST

int main(void)
{
    admin = dc_start_with_admin("test_contest");
    moderator = make_moderator();
    snprintf(writer.name, sizeof writer.name, "投稿校验");
    if (!moderator || !make_users(&writer, 1, "") || !make_users(pool, POOL_N, "点赞者")) {
        fprintf(stderr, "test_contest: could not make the admin, moderator and accounts\n");
        dc_server_stop();
        return 1;
    }
    Suite *s = suite_create("contest");
    TCase *tc = dc_add_tcase(s, "contest", 300, NULL);
    tcase_add_loop_test(tc, validation_rule, 0, NRULES);
    dc_add_tests(tc, topic_spellings, idempotency_key, visibility, author_patch_delete, moderation,
                 likes_basics, like_storm, fold_many_at_once, public_list_pages, ranking_ties,
                 freeze_leaderboard, winners_csv, whole_contest, NULL);
    int rc = dc_finish("test_contest", dc_run_suite(s));
    free(admin);
    free(moderator);
    return rc;
}
