/*
 * test_partner_sync.c - the partner batch endpoints and the change feed
 * (API.md section 7; design in issue 5) against the real server and
 * PostgreSQL:
 *
 *  - POST /v1/partner/submissions/batch: mixed good and bad items, per-item
 *    statuses and dotted error fields, replays that change nothing, updates,
 *    re-moderation of changed approved/rejected uploads, the 1..500 bounds,
 *    the campaign gate;
 *  - POST /v1/partner/likes/batch: like/unlike mixed with every item error,
 *    idempotent replays, like counts equal to like rows;
 *  - POST /v1/partner/progress/batch: 8 hours at once (no playback cap), the
 *    union rule, the length rule, unknown content, scheduled livestreams;
 *  - partners never see or touch each other's users and submissions;
 *  - GET /v1/partner/changes: creations, moderation results, like counts,
 *    paging without duplicates or gaps, an empty page resumed later;
 *  - the concurrency proof: eight writers change submissions and likes
 *    while a reader pages the feed; afterwards the last state the reader saw
 *    of every submission is its final state in the database;
 *  - the Done-when walk of a partner platform from end to end.
 *
 * Requests are signed with the harness's HMAC-SHA256 written from the spec
 * (dc_partner_sign). Requests go through the harness's dc_*_on calls, which
 * never assert, so worker threads can use them, each with its own curl
 * handle; results are checked on the test's own thread.
 *
 * The campaign (id 1) is shared with the other test programs: each test
 * sets the phase it needs first.
 */
#include <check.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
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

static char *admin; /* made in main() before the tests fork */

/* ---- small helpers ------------------------------------------------------ */

static void sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
}

/* A JSON value as compact text for failure messages (per-thread buffer). */
static const char *jtext(const json_t *j)
{
    static __thread char buf[1600];
    if (!j)
        return "(absent)";
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, sizeof buf, "%s", s ? s : "(unprintable)");
    free(s);
    return buf;
}

/* POST /v1/partner/{kind}/batch with a raw body. */
static struct dc_resp *batch_text_on(CURL *c, const struct dc_partner_cred *p, const char *kind,
                                     const char *text)
{
    char target[64];
    snprintf(target, sizeof target, "/v1/partner/%s/batch", kind);
    return dc_partner_call_on(c, p, "POST", target, text);
}

/* {"items": items} as text (items stolen), malloc'ed. */
static char *items_text(json_t *items)
{
    json_t *b = json_pack("{s:o}", "items", items);
    char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    return text;
}

/* POST /v1/partner/{kind}/batch with {"items": items} (stolen). */
static struct dc_resp *batch_on(CURL *c, const struct dc_partner_cred *p, const char *kind,
                                json_t *items)
{
    char *text = items_text(items);
    struct dc_resp *r = batch_text_on(c, p, kind, text ? text : "");
    free(text);
    return r;
}

static struct dc_resp *batch(const struct dc_partner_cred *p, const char *kind, json_t *items)
{
    return batch_on(NULL, p, kind, items);
}

/* ---- batch results ------------------------------------------------------ */

/* The results of a batch answer: asserts 200 and n results, the i-th with
 * index i. Borrowed from r. */
static json_t *results_of(const struct dc_resp *r, size_t n, const char *what)
{
    dc_expect_status(r, 200, what);
    json_t *res = json_object_get(r->json, "results");
    ck_assert_msg(json_is_array(res) && json_array_size(res) == n, "%s: want %zu results: %.1500s",
                  what, n, r->body);
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(res, i);
        ck_assert_msg(json_is_object(it), "%s: result %zu is not an object", what, i);
        json_t *idx = json_object_get(it, "index");
        ck_assert_msg(json_is_integer(idx) && json_integer_value(idx) == (json_int_t)i,
                      "%s: result %zu has index %s", what, i, jtext(idx));
    }
    return res;
}

/* Asserts result i: its status; on failure the error object with this code
 * and (unless NULL) this field, and no id; on success no error. */
static void expect_result(const json_t *res, size_t i, long status, const char *code,
                          const char *field, const char *what)
{
    json_t *it = json_array_get(res, i);
    json_t *st = json_object_get(it, "status");
    ck_assert_msg(json_is_integer(st) && json_integer_value(st) == status,
                  "%s: item %zu: want status %ld, got %s", what, i, status, jtext(it));
    json_t *err = json_object_get(it, "error");
    if (status < 300) {
        ck_assert_msg(err == NULL, "%s: item %zu succeeded with an error: %s", what, i, jtext(it));
        return;
    }
    ck_assert_msg(json_is_object(err), "%s: item %zu has no error object: %s", what, i, jtext(it));
    ck_assert_msg(json_is_string(json_object_get(err, "message")), "%s: item %zu: no message: %s",
                  what, i, jtext(it));
    const char *got = dc_str(err, "code");
    ck_assert_msg(got && strcmp(got, code) == 0, "%s: item %zu: want code %s, got %s", what, i,
                  code, jtext(it));
    if (field) {
        const char *f = dc_str(err, "field");
        ck_assert_msg(f && strcmp(f, field) == 0, "%s: item %zu: want field %s, got %s", what, i,
                      field, jtext(it));
    }
    ck_assert_msg(json_object_get(it, "id") == NULL, "%s: item %zu failed but has an id: %s", what,
                  i, jtext(it));
}

/* The id of a successful result (asserted to be an id string). */
static const char *result_id(const json_t *res, size_t i, const char *what)
{
    json_t *it = json_array_get(res, i);
    const char *id = dc_str(it, "id");
    ck_assert_msg(dc_all_digits(id), "%s: item %zu has no id string: %s", what, i, jtext(it));
    return id;
}

/* ---- fixtures ----------------------------------------------------------- */

/* PUT /v1/partner/users/{ext} for a phone; never asserts. Returns the
 * linked account's id (malloc'ed), or NULL unless the answer was want
 * (API.md section 7: 201 when the phone is new and an account is created,
 * 200 when it links an existing account). */
static char *link_user_on(CURL *c, const struct dc_partner_cred *p, const char *ext,
                          const char *phone, long want, long *status)
{
    char target[256];
    snprintf(target, sizeof target, "/v1/partner/users/%s", ext);
    json_t *b = json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "合作用户",
                          "region_code", "350100");
    char *body = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct dc_resp *r = dc_partner_call_on(c, p, "PUT", target, body);
    free(body);
    if (status)
        *status = r->status;
    const char *id = dc_str(json_object_get(r->json, "account"), "id");
    char *out = r->status == want && id ? strdup(id) : NULL;
    dc_resp_free(r);
    return out;
}

/* Links ext to the account of phone, asserting the answer want (201: the
 * phone is new, 200: it is an account's); returns the account id
 * (malloc'ed). */
static char *link_user(const struct dc_partner_cred *p, const char *ext, const char *phone,
                       long want)
{
    long st = 0;
    char *id = link_user_on(NULL, p, ext, phone, want, &st);
    ck_assert_msg(id != NULL, "linking %s answered %ld, want %ld", ext, st, want);
    return id;
}

/* Links ext to a fresh phone (201); returns the account id (malloc'ed). */
static char *link_new(const struct dc_partner_cred *p, const char *ext)
{
    char phone[12];
    dc_unique_phone(phone);
    return link_user(p, ext, phone, 201);
}

/* ---- campaign, content, moderation ------------------------------------ */

/* The campaign rules of every test: 3600 s class hours and playback rate
 * 1.0 (the default: direct reports are capped, partner reports must not
 * be). */
static const struct dc_rules RULES = {.class_hour_seconds = 3600, .max_playback_rate = 1.0};

/* The campaign live (RULES), a new partner named name, and the
 * external ids that follow (NULL-terminated) linked to fresh phones. */
__attribute__((sentinel)) static void live_partner(const char *name, struct dc_partner_cred *p, ...)
{
    dc_campaign_live(admin, RULES);
    dc_new_partner(admin, name, p);
    va_list ap;
    va_start(ap, p);
    for (const char *ext; (ext = va_arg(ap, const char *)) != NULL;)
        free(link_new(p, ext));
    va_end(ap);
}

static char *make_scheduled_livestream(void)
{
    char when[32];
    dc_iso_time(time(NULL) + 3600, when);
    struct dc_resp *r = dc_send_json("POST", "/v1/admin/livestreams", admin,
                                     json_pack("{s:s, s:s, s:s}", "title", "地震避险直播", "expert",
                                               "李教授", "scheduled_at", when));
    dc_expect_status(r, 201, "livestream create");
    char *id = strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    return id;
}

static struct dc_resp *recommend_on(CURL *c, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/admin/submissions/%s/recommend", id);
    return dc_req_on(c, "POST", path, admin, "{\"channels\":[\"应急管理部官方号\"]}");
}

static void recommend_ok(const char *id)
{
    struct dc_resp *r = recommend_on(NULL, id);
    dc_expect_status(r, 200, "recommend");
    ck_assert(json_is_true(json_object_get(r->json, "recommended")));
    dc_resp_free(r);
}

/* ---- batch items ---------------------------------------------------------- */

static json_t *sub_item(const char *ext_id, const char *ext_user, const char *title)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:[s, s], s:b}",
                     "external_id", ext_id, "external_user_id", ext_user, "title", title,
                     "description", "楼道起火时用湿毛巾捂住口鼻，沿疏散指示撤离。", "category",
                     "fire", "video_url", "https://cdn.partner.example/v/escape.mp4", "cover_url",
                     "https://cdn.partner.example/c/escape.jpg", "duration_seconds", 60, "format",
                     "mp4", "size_bytes", (json_int_t)1048576, "hashtags", DC_TOPIC, "消防安全",
                     "original", 1);
}

static json_t *like_item(const char *ext_user, const char *sub, const char *action)
{
    return json_pack("{s:s, s:s, s:s}", "external_user_id", ext_user, "submission_id", sub,
                     "action", action);
}

static json_t *prog_item(const char *ext_user, const char *type, const char *id, int from, int to)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:i}", "external_user_id", ext_user, "content_type",
                     type, "content_id", id, "from_second", from, "to_second", to);
}

/* Uploads n submissions "<prefix>-<i>" by ext_users[i % n_users] in one
 * batch; asserts every 201 and returns the ids (malloc'ed array of
 * malloc'ed strings). */
static char **upload(const struct dc_partner_cred *p, const char *prefix, int n,
                     const char *const *ext_users, int n_users)
{
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        char ext[64], title[64];
        snprintf(ext, sizeof ext, "%s-%d", prefix, i);
        snprintf(title, sizeof title, "合作平台作品%d", i);
        json_array_append_new(items, sub_item(ext, ext_users[i % n_users], title));
    }
    struct dc_resp *r = batch(p, "submissions", items);
    json_t *res = results_of(r, (size_t)n, "upload");
    char **ids = calloc((size_t)n, sizeof *ids);
    for (int i = 0; i < n; i++) {
        expect_result(res, (size_t)i, 201, NULL, NULL, "upload");
        ids[i] = strdup(result_id(res, (size_t)i, "upload"));
    }
    dc_resp_free(r);
    return ids;
}

/* upload() with one author for all. */
static char **upload_by(const struct dc_partner_cred *p, const char *prefix, int n,
                        const char *ext_user)
{
    return upload(p, prefix, n, &ext_user, 1);
}

static void free_ids(char **ids, int n)
{
    for (int i = 0; ids && i < n; i++)
        free(ids[i]);
    free(ids);
}

/* ---- the change feed ------------------------------------------------------ */

struct change {
    char sub[24];
    char ext[160];
    char status[16];
    char reason[400];
    bool has_reason;
    bool recommended;
    long long likes;
    char at[40];
};

/* "status|reason or <null>|true/false|likes": the state compared in tests,
 * in the form the SQL of db_key() builds */
static void change_key(const struct change *c, char *out, size_t cap)
{
    snprintf(out, cap, "%s|%s|%s|%lld", c->status, c->has_reason ? c->reason : "<null>",
             c->recommended ? "true" : "false", c->likes);
}

static char *want_key(const char *status, const char *reason, bool recommended, long long likes)
{
    char buf[600];
    snprintf(buf, sizeof buf, "%s|%s|%s|%lld", status, reason ? reason : "<null>",
             recommended ? "true" : "false", likes);
    return strdup(buf);
}

/* the state of submission id in the database, in change_key's form */
static char *db_key(const char *id)
{
    return dc_sql_fmt("SELECT status || '|' || coalesce(reject_reason, '<null>') || '|' || "
                      "recommended::text || '|' || like_count FROM submissions WHERE id = %s",
                      id);
}

/* Parses one feed item; false (why filled) when it is not the documented shape. */
static bool change_parse(const json_t *it, struct change *c, char *why, size_t cap)
{
    const char *sub = dc_str(it, "submission_id"), *ext = dc_str(it, "external_id");
    const char *st = dc_str(it, "status"), *at = dc_str(it, "changed_at");
    json_t *rr = json_object_get(it, "reject_reason"), *rec = json_object_get(it, "recommended");
    json_t *lc = json_object_get(it, "like_count");
    const char *bad = NULL;
    if (!dc_all_digits(sub))
        bad = "submission_id";
    else if (!ext || !*ext)
        bad = "external_id";
    else if (!st || (strcmp(st, "pending") && strcmp(st, "approved") && strcmp(st, "rejected") &&
                     strcmp(st, "removed")))
        bad = "status";
    else if (!rr || !(json_is_null(rr) || json_is_string(rr)))
        bad = "reject_reason";
    else if (!json_is_boolean(rec))
        bad = "recommended";
    else if (!json_is_integer(lc) || json_integer_value(lc) < 0)
        bad = "like_count";
    else if (!dc_is_rfc3339(at))
        bad = "changed_at";
    if (bad) {
        snprintf(why, cap, "feed item with a bad %s: %s", bad, jtext(it));
        return false;
    }
    memset(c, 0, sizeof *c);
    snprintf(c->sub, sizeof c->sub, "%s", sub);
    snprintf(c->ext, sizeof c->ext, "%s", ext);
    snprintf(c->status, sizeof c->status, "%s", st);
    c->has_reason = json_is_string(rr);
    if (c->has_reason)
        snprintf(c->reason, sizeof c->reason, "%s", json_string_value(rr));
    c->recommended = json_is_true(rec);
    c->likes = (long long)json_integer_value(lc);
    snprintf(c->at, sizeof c->at, "%s", at);
    return true;
}

/* percent-encodes everything but the unreserved characters */
static void pct_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < cap; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

/* GET /v1/partner/changes (limit <= 0: none sent; cursor NULL: none). */
static struct dc_resp *feed_on(CURL *c, const struct dc_partner_cred *p, const char *cursor,
                               int limit)
{
    char target[2048], esc[1600];
    int n = snprintf(target, sizeof target, "/v1/partner/changes");
    char sep = '?';
    if (limit > 0) {
        n += snprintf(target + n, sizeof target - (size_t)n, "%climit=%d", sep, limit);
        sep = '&';
    }
    if (cursor) {
        pct_escape(cursor, esc, sizeof esc);
        snprintf(target + n, sizeof target - (size_t)n, "%ccursor=%s", sep, esc);
    }
    return dc_partner_call_on(c, p, "GET", target, NULL);
}

/* A growing list of changes. */
struct clog {
    struct change *v;
    size_t n, cap;
};

static void clog_add(struct clog *l, const struct change *c)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = *c;
}

static void clog_free(struct clog *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* the last change of submission id in l, or NULL */
static const struct change *clog_last(const struct clog *l, const char *id)
{
    for (size_t i = l->n; i-- > 0;)
        if (strcmp(l->v[i].sub, id) == 0)
            return &l->v[i];
    return NULL;
}

static size_t clog_count(const struct clog *l, const char *id)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        k += strcmp(l->v[i].sub, id) == 0;
    return k;
}

/*
 * Checks that each submission's items in l never go back in time: an item
 * carries its submission's newest settled state (the latest value wins,
 * API.md section 7), so two consecutive items of one submission may be
 * equal or skip states, but changed_at never decreases. Returns the number
 * of violations, the first few described in why.
 */
static int check_history(const struct clog *l, char *why, size_t cap)
{
    int bad = 0;
    why[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        const struct change *prev = NULL;
        for (size_t j = i; j-- > 0;)
            if (strcmp(l->v[j].sub, l->v[i].sub) == 0) {
                prev = &l->v[j];
                break;
            }
        if (!prev)
            continue;
        const struct change *c = &l->v[i];
        bool back = strcmp(c->at, prev->at) < 0;
        if (back) {
            if (bad < 4) {
                char k1[600], k2[600];
                change_key(prev, k1, sizeof k1);
                change_key(c, k2, sizeof k2);
                size_t n = strlen(why);
                snprintf(why + n, cap - n,
                         "\n  submission %s: item %zu (%s at %s) follows (%s at %s): %s", c->sub, i,
                         k2, c->at, k1, prev->at, "changed_at went back");
            }
            bad++;
        }
    }
    return bad;
}

/* Reads one page into log; *cursor becomes next_cursor. Never asserts:
 * false with why on a wrong status or shape (next_cursor null, more items
 * than the limit). *got is the number of items. */
static bool page_read(CURL *c, const struct dc_partner_cred *p, char **cursor, int limit,
                      struct clog *log, size_t *got, char *why, size_t cap)
{
    struct dc_resp *r = feed_on(c, p, *cursor, limit);
    bool ok = false;
    *got = 0;
    json_t *items = json_object_get(r->json, "items");
    json_t *next = json_object_get(r->json, "next_cursor");
    size_t max = limit > 0 ? (size_t)limit : 20;
    if (r->status != 200) {
        snprintf(why, cap, "feed answered %ld: %.400s", r->status, r->body);
    } else if (!json_is_array(items)) {
        snprintf(why, cap, "feed without items: %.400s", r->body);
    } else if (!json_is_string(next) || !*json_string_value(next)) {
        snprintf(why, cap, "next_cursor is %s (never null): %.300s", jtext(next), r->body);
    } else if (json_array_size(items) > max) {
        snprintf(why, cap, "%zu items on a page of limit %zu", json_array_size(items), max);
    } else {
        ok = true;
        for (size_t i = 0; ok && i < json_array_size(items); i++) {
            struct change ch;
            ok = change_parse(json_array_get(items, i), &ch, why, cap);
            if (ok)
                clog_add(log, &ch);
        }
        if (ok) {
            *got = json_array_size(items);
            free(*cursor);
            *cursor = strdup(json_string_value(next));
        }
    }
    dc_resp_free(r);
    return ok;
}

/* Pages from *cursor (NULL: the beginning) until an empty page; asserts
 * each page. Returns the number of items read. */
static size_t walk(const struct dc_partner_cred *p, char **cursor, int limit, struct clog *log)
{
    size_t total = 0, got = 0;
    char why[600];
    for (int pages = 0; pages < 5000; pages++) {
        ck_assert_msg(page_read(NULL, p, cursor, limit, log, &got, why, sizeof why), "%s", why);
        total += got;
        if (got == 0)
            return total;
    }
    ck_abort_msg("the feed did not end within 5000 pages");
    return total;
}

struct want {
    const char *sub;
    char *key; /* want_key() */
};

/* Polls the feed from *cursor into log until the last change of every
 * wanted submission is its wanted state, or `seconds` pass. */
static bool poll_until(const struct dc_partner_cred *p, char **cursor, struct clog *log,
                       const struct want *w, int n, double seconds)
{
    double deadline = dc_now_s() + seconds;
    for (;;) {
        walk(p, cursor, 100, log);
        bool all = true;
        for (int i = 0; all && i < n; i++) {
            const struct change *c = clog_last(log, w[i].sub);
            char key[600];
            if (c)
                change_key(c, key, sizeof key);
            all = c && strcmp(key, w[i].key) == 0;
        }
        if (all)
            return true;
        if (dc_now_s() > deadline)
            return false;
        sleep_ms(150);
    }
}

/* Asserts that the last change of each wanted submission is its state,
 * describing the difference. */
static void expect_wants(const struct clog *log, const struct want *w, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        const struct change *c = clog_last(log, w[i].sub);
        ck_assert_msg(c != NULL, "%s: submission %s never in the feed", what, w[i].sub);
        char key[600];
        change_key(c, key, sizeof key);
        ck_assert_msg(strcmp(key, w[i].key) == 0, "%s: submission %s last seen as %s, want %s",
                      what, w[i].sub, key, w[i].key);
    }
}

static void free_wants(struct want *w, int n)
{
    for (int i = 0; i < n; i++)
        free(w[i].key);
}

/* "pending, as created" for each of ids (malloc'ed; free_wants, then free) */
static struct want *pending_wants(char *const *ids, int n)
{
    struct want *w = calloc((size_t)n, sizeof *w);
    for (int i = 0; i < n; i++)
        w[i] = (struct want){ids[i], want_key("pending", NULL, false, 0)};
    return w;
}

/* Polls from *cursor until each of ids shows as created (the feed may lag
 * a second or two behind commits). */
static void wait_created(const struct dc_partner_cred *p, char **cursor, struct clog *log,
                         char *const *ids, int n)
{
    struct want *w = pending_wants(ids, n);
    ck_assert_msg(poll_until(p, cursor, log, w, n, 10), "the creations never showed in the feed");
    free_wants(w, n);
    free(w);
}

/* Waits until the folded like_count of every submission of partner p equals
 * its like rows, on two reads more than a fold round apart; false after
 * `seconds`. */
static bool likes_settled(const char *partner_id, double seconds)
{
    double deadline = dc_now_s() + seconds, stable_since = -1;
    for (;;) {
        long long off =
            dc_sql_ll("SELECT count(*) FROM submissions s WHERE s.partner_id = %s AND s.like_count "
                      "<> (SELECT count(*) FROM likes l WHERE l.submission_id = s.id)",
                      partner_id);
        if (off == 0) {
            if (stable_since < 0)
                stable_since = dc_now_s();
            else if (dc_now_s() - stable_since > 1.3)
                return true;
        } else {
            stable_since = -1;
        }
        if (dc_now_s() > deadline)
            return false;
        sleep_ms(100);
    }
}

/* ---- 1. submissions batch -------------------------------------------------- */

/* id|updated_at|status|reject_reason|recommended|like_count|title of every
 * submission of partner p, for "nothing changed" */
static char *partner_snapshot(const struct dc_partner_cred *p)
{
    char *s =
        dc_sql_fmt("SELECT coalesce(string_agg(id || '|' || updated_at::text || '|' || status "
                   "|| '|' || coalesce(reject_reason, '-') || '|' || recommended::text || '|' "
                   "|| like_count || '|' || title, ',' ORDER BY id), '') FROM submissions "
                   "WHERE partner_id = %s",
                   p->id);
    ck_assert_ptr_nonnull(s);
    return s;
}

START_TEST(submissions_batch_mixed)
{
    struct dc_partner_cred p;
    live_partner("批量投稿平台", &p, NULL);
    char *author = link_new(&p, "author-1");

    json_t *items = json_array();
    json_array_append_new(items, sub_item("m-0", "author-1", "批量上传的演练视频一"));
    json_array_append_new(items, sub_item("m-1", "author-1", ""));
    json_array_append_new(items, sub_item("m-2", "nobody-linked", "未关联用户的视频"));
    json_array_append_new(items, json_integer(42));
    json_t *no_topic = sub_item("m-4", "author-1", "没有话题标签");
    json_object_set_new(no_topic, "hashtags", json_pack("[s]", "消防安全"));
    json_array_append_new(items, no_topic);
    json_array_append_new(items, sub_item("m-5", "author-1", "批量上传的演练视频二"));
    json_t *no_ext = sub_item("m-6", "author-1", "没有外部编号");
    json_object_del(no_ext, "external_id");
    json_array_append_new(items, no_ext);
    json_t *long_video = sub_item("m-7", "author-1", "太长的视频");
    json_object_set_new(long_video, "duration_seconds", json_integer(901));
    json_array_append_new(items, long_video);
    char *body = items_text(items);

    struct dc_resp *r = batch_text_on(NULL, &p, "submissions", body);
    json_t *res = results_of(r, 8, "mixed batch");
    expect_result(res, 0, 201, NULL, NULL, "good item 0");
    expect_result(res, 1, 422, "validation_failed", "items.1.title", "empty title");
    expect_result(res, 2, 422, "validation_failed", "items.2.external_user_id", "unlinked user");
    expect_result(res, 3, 422, "validation_failed", "items.3", "non-object item");
    expect_result(res, 4, 422, "validation_failed", "items.4.hashtags", "no topic");
    expect_result(res, 5, 201, NULL, NULL, "good item 5");
    expect_result(res, 6, 422, "validation_failed", "items.6.external_id", "no external_id");
    expect_result(res, 7, 422, "validation_failed", "items.7.duration_seconds", "too long");
    char *id0 = strdup(result_id(res, 0, "item 0"));
    char *id5 = strdup(result_id(res, 5, "item 5"));
    dc_resp_free(r);
    ck_assert_str_ne(id0, id5);

    /* created as the linked author's, source partner, pending */
    char *row =
        dc_sql_fmt("SELECT source || '|' || status || '|' || external_id || '|' || author_id "
                   "|| '|' || partner_id FROM submissions WHERE id = %s",
                   id0);
    char want[256];
    snprintf(want, sizeof want, "partner|pending|m-0|%s|%s", author, p.id);
    ck_assert_msg(row && strcmp(row, want) == 0, "row %s, want %s", row ? row : "(none)", want);
    free(row);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE partner_id = %s", p.id), 2);
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s", id5);
    r = dc_req("GET", path, admin, NULL);
    dc_expect_status(r, 200, "admin GET");
    ck_assert_str_eq(dc_str(r->json, "source"), "partner");
    ck_assert_str_eq(dc_str(r->json, "status"), "pending");
    ck_assert_str_eq(dc_str(r->json, "title"), "批量上传的演练视频二");
    ck_assert_str_eq(dc_str(json_object_get(r->json, "author"), "id"), author);
    dc_resp_free(r);

    /* the same batch again: 200 for the good ones, the same errors, nothing changes */
    char *before = partner_snapshot(&p);
    sleep_ms(20); /* an update would show in updated_at */
    r = batch_text_on(NULL, &p, "submissions", body);
    res = results_of(r, 8, "replayed batch");
    expect_result(res, 0, 200, NULL, NULL, "replayed item 0");
    ck_assert_str_eq(result_id(res, 0, "replay 0"), id0);
    expect_result(res, 1, 422, "validation_failed", "items.1.title", "replayed empty title");
    expect_result(res, 2, 422, "validation_failed", "items.2.external_user_id",
                  "replayed unlinked");
    expect_result(res, 3, 422, "validation_failed", "items.3", "replayed non-object");
    expect_result(res, 4, 422, "validation_failed", "items.4.hashtags", "replayed no topic");
    expect_result(res, 5, 200, NULL, NULL, "replayed item 5");
    ck_assert_str_eq(result_id(res, 5, "replay 5"), id5);
    expect_result(res, 6, 422, "validation_failed", "items.6.external_id", "replayed no ext");
    expect_result(res, 7, 422, "validation_failed", "items.7.duration_seconds", "replayed long");
    dc_resp_free(r);
    char *after = partner_snapshot(&p);
    ck_assert_msg(strcmp(before, after) == 0, "the replay changed rows:\n%s\n%s", before, after);
    free(after);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE partner_id = %s", p.id), 2);

    /* a changed item: 200, the same id, updated */
    char *updated0 = dc_sql_fmt("SELECT updated_at::text FROM submissions WHERE id = %s", id0);
    json_t *changed = sub_item("m-0", "author-1", "改过标题的演练视频");
    r = batch(&p, "submissions", json_pack("[o]", changed));
    res = results_of(r, 1, "changed item");
    expect_result(res, 0, 200, NULL, NULL, "changed item");
    ck_assert_str_eq(result_id(res, 0, "changed"), id0);
    dc_resp_free(r);
    char *title = dc_sql_fmt("SELECT title FROM submissions WHERE id = %s", id0);
    ck_assert_str_eq(title, "改过标题的演练视频");
    free(title);
    ck_assert_int_eq(
        dc_sql_ll("SELECT count(*) FROM submissions WHERE id = %s AND updated_at::text "
                  "<> '%s'",
                  id0, updated0),
        1);
    free(updated0);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE partner_id = %s", p.id), 2);
    free(before);

    /* approved: an unchanged replay keeps it approved; changed content sends
     * it back to pending and drops the recommendation */
    dc_review_ok(admin, id5, "approve", NULL);
    recommend_ok(id5);
    r = batch(&p, "submissions",
              json_pack("[o]", sub_item("m-5", "author-1", "批量上传的演练视频二")));
    res = results_of(r, 1, "approved, same content");
    expect_result(res, 0, 200, NULL, NULL, "approved, same content");
    dc_resp_free(r);
    char *key = db_key(id5);
    ck_assert_str_eq(key, "approved|<null>|true|0");
    free(key);
    json_t *redesc = sub_item("m-5", "author-1", "批量上传的演练视频二");
    json_object_set_new(redesc, "description", json_string("换了一段描述，需要重新审核。"));
    r = batch(&p, "submissions", json_pack("[o]", redesc));
    res = results_of(r, 1, "approved, new content");
    expect_result(res, 0, 200, NULL, NULL, "approved, new content");
    ck_assert_str_eq(result_id(res, 0, "approved, new content"), id5);
    dc_resp_free(r);
    key = db_key(id5);
    ck_assert_msg(strcmp(key, "pending|<null>|false|0") == 0, "approved then changed: %s", key);
    free(key);

    /* rejected: changed content goes back to pending without the reason */
    dc_review_ok(admin, id0, "reject", "画面与主题无关");
    r = batch(&p, "submissions", json_pack("[o]", sub_item("m-0", "author-1", "重新剪辑后的视频")));
    res = results_of(r, 1, "rejected, new content");
    expect_result(res, 0, 200, NULL, NULL, "rejected, new content");
    dc_resp_free(r);
    key = db_key(id0);
    ck_assert_msg(strcmp(key, "pending|<null>|false|0") == 0, "rejected then changed: %s", key);
    free(key);

    free(body);
    free(id0);
    free(id5);
    free(author);
}
END_TEST

/* {"items": ...} bounds, malformed bodies and signatures, on all three batches */
START_TEST(batch_envelopes)
{
    struct dc_partner_cred p;
    live_partner("批量边界平台", &p, "edge-user", NULL);
    const char *kinds[] = {"submissions", "likes", "progress"};
    for (size_t k = 0; k < 3; k++) {
        const char *bodies[] = {"{\"items\":[]}", "{}", "{\"items\":{}}", "{\"items\":\"x\"}",
                                "{\"items\":null}"};
        for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
            struct dc_resp *r = batch_text_on(NULL, &p, kinds[k], bodies[i]);
            dc_expect_error(r, 422, "validation_failed", "items", bodies[i]);
            dc_resp_free(r);
        }
        /* 501 items (each valid on its own) */
        json_t *many = json_array();
        for (int i = 0; i < 501; i++) {
            char ext[32];
            snprintf(ext, sizeof ext, "over-%d", i);
            json_array_append_new(many, k == 0   ? sub_item(ext, "edge-user", "超出上限")
                                        : k == 1 ? like_item("edge-user", "1", "like")
                                                 : prog_item("edge-user", "lesson", "1", 0, 1));
        }
        struct dc_resp *r = batch(&p, kinds[k], many);
        dc_expect_error(r, 422, "validation_failed", "items", "501 items");
        dc_resp_free(r);

        r = batch_text_on(NULL, &p, kinds[k], "{\"items\":[");
        dc_expect_error(r, 400, "invalid_json", NULL, "malformed JSON");
        dc_resp_free(r);
        r = batch_text_on(NULL, &p, kinds[k], "[{\"items\":[]}]");
        dc_expect_error(r, 400, "invalid_json", NULL, "an array body");
        dc_resp_free(r);

        /* signed by someone else */
        struct dc_partner_cred forged = p;
        snprintf(forged.secret, sizeof forged.secret, "not-the-secret");
        r = batch_text_on(NULL, &forged, kinds[k], "{\"items\":[{}]}");
        dc_expect_error(r, 401, "invalid_signature", NULL, "bad signature");
        dc_resp_free(r);
    }
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE partner_id = %s", p.id), 0);

    /* exactly 500 is fine: one result each, in order */
    json_t *five_hundred = json_array();
    for (int i = 0; i < 500; i++)
        json_array_append_new(five_hundred, like_item("no-such-user", "1", "like"));
    struct dc_resp *r = batch(&p, "likes", five_hundred);
    json_t *res = results_of(r, 500, "500 items");
    for (size_t i = 0; i < 500; i++) {
        char field[64];
        snprintf(field, sizeof field, "items.%zu.external_user_id", i);
        expect_result(res, i, 422, "validation_failed", field, "500 items");
    }
    dc_resp_free(r);
}
END_TEST

/* outside `live`: 409 campaign_closed per item, on all three batches */
START_TEST(batches_campaign_closed)
{
    struct dc_partner_cred p;
    live_partner("活动结束平台", &p, "closed-author", "closed-liker", NULL);
    char **ids = upload_by(&p, "closed", 1, "closed-author");
    dc_review_ok(admin, ids[0], "approve", NULL);
    char *lesson = dc_make_lesson(admin, "high_rise", 600);

    dc_campaign_set(admin, DC_ENDED, RULES);
    struct dc_resp *r = batch(&p, "submissions",
                              json_pack("[o, o]", sub_item("closed-new", "closed-author", "结束后"),
                                        sub_item("closed-0", "closed-author", "结束后改标题")));
    json_t *res = results_of(r, 2, "submissions when ended");
    expect_result(res, 0, 409, "campaign_closed", NULL, "new upload when ended");
    expect_result(res, 1, 409, "campaign_closed", NULL, "update when ended");
    dc_resp_free(r);
    r = batch(&p, "likes", json_pack("[o]", like_item("closed-liker", ids[0], "like")));
    res = results_of(r, 1, "likes when ended");
    expect_result(res, 0, 409, "campaign_closed", NULL, "like when ended");
    dc_resp_free(r);
    r = batch(&p, "progress", json_pack("[o]", prog_item("closed-liker", "lesson", lesson, 0, 60)));
    res = results_of(r, 1, "progress when ended");
    expect_result(res, 0, 409, "campaign_closed", NULL, "progress when ended");
    dc_resp_free(r);
    dc_campaign_live(admin, RULES);

    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM submissions WHERE partner_id = %s", p.id), 1);
    char *title = dc_sql_fmt("SELECT title FROM submissions WHERE id = %s", ids[0]);
    ck_assert_str_eq(title, "合作平台作品0");
    free(title);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", ids[0]), 0);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM progress WHERE content_type = 'lesson' AND "
                               "content_id = %s",
                               lesson),
                     0);
    free(lesson);
    free_ids(ids, 1);
}
END_TEST

/* ---- 2. likes batch ---------------------------------------------------------- */

START_TEST(likes_batch)
{
    struct dc_partner_cred p;
    live_partner("批量点赞平台", &p, "lk-author", NULL);
    for (int i = 1; i <= 3; i++) {
        char ext[16];
        snprintf(ext, sizeof ext, "lk-%d", i);
        free(link_new(&p, ext));
    }
    /* a registered user, also linked: batch likes and its own PUT meet */
    struct dc_user u = dc_new_user("合作用户本人");
    free(link_user(&p, "lk-self", u.phone, 200));

    char **ids = upload_by(&p, "lk", 2, "lk-author");
    const char *s1 = ids[0], *pending = ids[1];
    dc_review_ok(admin, s1, "approve", NULL);

    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s/like", s1);
    struct dc_resp *r = dc_req("PUT", path, u.token, NULL);
    dc_expect_status(r, 200, "PUT like by the linked user");
    dc_resp_free(r);

    json_t *items = json_array();
    json_array_append_new(items, like_item("lk-1", s1, "like"));             /* 0 */
    json_array_append_new(items, like_item("lk-2", s1, "like"));             /* 1 */
    json_array_append_new(items, like_item("nobody-linked", s1, "like"));    /* 2 */
    json_array_append_new(items, like_item("lk-1", "999999999999", "like")); /* 3 */
    json_array_append_new(items, like_item("lk-1", pending, "like"));        /* 4 */
    json_array_append_new(items, like_item("lk-author", s1, "like"));        /* 5 */
    json_array_append_new(items, like_item("lk-3", s1, "love"));             /* 6 */
    json_array_append_new(items, like_item("lk-3", s1, "like"));             /* 7 */
    json_array_append_new(items, like_item("lk-3", s1, "unlike"));           /* 8 */
    json_array_append_new(items, json_pack("{s:s, s:i, s:s}", "external_user_id", "lk-1",
                                           "submission_id", 12345, "action", "like")); /* 9 */
    json_array_append_new(items, json_string("like"));                                 /* 10 */
    json_array_append_new(items, like_item("lk-1", s1, "like"));    /* 11: twice */
    json_array_append_new(items, like_item("lk-self", s1, "like")); /* 12: PUT already */
    char *body = items_text(items);

    for (int round = 0; round < 2; round++) {
        const char *what = round == 0 ? "likes batch" : "likes batch replayed";
        r = batch_text_on(NULL, &p, "likes", body);
        json_t *res = results_of(r, 13, what);
        expect_result(res, 0, 200, NULL, NULL, what);
        ck_assert_str_eq(result_id(res, 0, what), s1);
        expect_result(res, 1, 200, NULL, NULL, what);
        ck_assert_str_eq(result_id(res, 1, what), s1);
        expect_result(res, 2, 422, "validation_failed", "items.2.external_user_id", what);
        expect_result(res, 3, 404, "not_found", NULL, what);
        expect_result(res, 4, 404, "not_found", NULL, what);
        expect_result(res, 5, 403, "self_like", NULL, what);
        expect_result(res, 6, 422, "validation_failed", "items.6.action", what);
        expect_result(res, 7, 200, NULL, NULL, what);
        expect_result(res, 8, 200, NULL, NULL, what);
        ck_assert_str_eq(result_id(res, 8, what), s1);
        expect_result(res, 9, 422, "validation_failed", "items.9.submission_id", what);
        expect_result(res, 10, 422, "validation_failed", "items.10", what);
        expect_result(res, 11, 200, NULL, NULL, what);
        expect_result(res, 12, 200, NULL, NULL, what);
        dc_resp_free(r);
        /* lk-1, lk-2 and the linked user: three rows, whatever the repeats */
        ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", s1), 3);
        ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", pending),
                         0);
        /* the exact count at once, the folded one within seconds */
        snprintf(path, sizeof path, "/v1/submissions/%s", s1);
        r = dc_req("GET", path, u.token, NULL);
        dc_expect_status(r, 200, "GET liked submission");
        ck_assert_int_eq(dc_int(r->json, "like_count"), 3);
        ck_assert(json_is_true(json_object_get(r->json, "liked")));
        dc_resp_free(r);
        ck_assert_msg(likes_settled(p.id, 10), "like_count never matched the likes rows");
        ck_assert_int_eq(dc_sql_ll("SELECT like_count FROM submissions WHERE id = %s", s1), 3);
    }

    /* an unlike by batch removes the linked user's own PUT like */
    r = batch(&p, "likes", json_pack("[o]", like_item("lk-self", s1, "unlike")));
    json_t *res = results_of(r, 1, "unlike");
    expect_result(res, 0, 200, NULL, NULL, "unlike");
    dc_resp_free(r);
    snprintf(path, sizeof path, "/v1/submissions/%s", s1);
    r = dc_req("GET", path, u.token, NULL);
    ck_assert(json_is_false(json_object_get(r->json, "liked")));
    ck_assert_int_eq(dc_int(r->json, "like_count"), 2);
    dc_resp_free(r);
    ck_assert_msg(likes_settled(p.id, 10), "like_count never matched the likes rows");
    ck_assert_int_eq(dc_sql_ll("SELECT like_count FROM submissions WHERE id = %s", s1), 2);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", s1), 2);

    free(body);
    free_ids(ids, 2);
}
END_TEST

/* ---- 3. progress batch ------------------------------------------------------ */

static json_t *my_progress(const char *token)
{
    return dc_expect_json("GET", "/v1/me/progress", token, NULL, 200, "GET /v1/me/progress");
}

static json_int_t credited_of(const json_t *progress, const char *lesson)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(progress, "items"), i, it)
    {
        if (strcmp(dc_str(it, "content_type"), "lesson") == 0 &&
            strcmp(dc_str(it, "content_id"), lesson) == 0)
            return dc_int(it, "credited_seconds");
    }
    return -1;
}

START_TEST(progress_batch)
{
    dc_campaign_live(admin, RULES); /* max_playback_rate 1.0 */
    struct dc_partner_cred p;
    dc_new_partner(admin, "批量学习平台", &p);
    struct dc_user u = dc_new_user("合作用户本人");
    free(link_user(&p, "learner-1", u.phone, 200));
    char *other = link_new(&p, "learner-2");
    char *long_lesson = dc_make_lesson(admin, "high_rise", 30000); /* 8 h 20 min */
    char *short_lesson = dc_make_lesson(admin, "high_rise", 600);
    char *scheduled = make_scheduled_livestream();

    /* 8 hours of one lesson at once: credited in full */
    char *eight =
        items_text(json_pack("[o]", prog_item("learner-1", "lesson", long_lesson, 0, 8 * 3600)));
    for (int round = 0; round < 2; round++) {
        struct dc_resp *r = batch_text_on(NULL, &p, "progress", eight);
        json_t *res = results_of(r, 1, "8 hours");
        expect_result(res, 0, 200, NULL, NULL, "8 hours");
        ck_assert_msg(json_object_get(json_array_get(res, 0), "id") == NULL,
                      "a progress result has an id: %s", r->body);
        dc_resp_free(r);
        json_t *pr = my_progress(u.token);
        ck_assert_int_eq(dc_int(pr, "total_credited_seconds"), 8 * 3600);
        ck_assert_int_eq(credited_of(pr, long_lesson), 8 * 3600);
        json_decref(pr);
    }
    free(eight);

    /* mixed: each item alone */
    json_t *items = json_array();
    json_array_append_new(items, prog_item("learner-1", "lesson", long_lesson, 28000, 30000));
    json_array_append_new(items, prog_item("learner-1", "lesson", long_lesson, 0, 30001));
    json_array_append_new(items, prog_item("learner-1", "lesson", "999999999999", 0, 10));
    json_array_append_new(items, prog_item("learner-1", "livestream", scheduled, 0, 10));
    json_array_append_new(items, prog_item("nobody-linked", "lesson", short_lesson, 0, 10));
    json_array_append_new(items, prog_item("learner-1", "podcast", short_lesson, 0, 10));
    json_array_append_new(items, prog_item("learner-1", "lesson", short_lesson, 0, 100));
    json_array_append_new(items, prog_item("learner-1", "lesson", short_lesson, 50, 150));
    json_array_append_new(items, json_null());
    json_t *bad_from = prog_item("learner-1", "lesson", short_lesson, 0, 10);
    json_object_set_new(bad_from, "from_second", json_string("zero"));
    json_array_append_new(items, bad_from);
    struct dc_resp *r = batch(&p, "progress", items);
    json_t *res = results_of(r, 10, "mixed progress");
    expect_result(res, 0, 200, NULL, NULL, "to the end");
    expect_result(res, 1, 422, "validation_failed", "items.1.to_second", "past the length");
    expect_result(res, 2, 422, "validation_failed", "items.2.content_id", "unknown content");
    expect_result(res, 3, 409, "invalid_state", NULL, "scheduled livestream");
    expect_result(res, 4, 422, "validation_failed", "items.4.external_user_id", "unlinked");
    expect_result(res, 5, 422, "validation_failed", "items.5.content_type", "bad type");
    expect_result(res, 6, 200, NULL, NULL, "short 0-100");
    expect_result(res, 7, 200, NULL, NULL, "short 50-150");
    expect_result(res, 8, 422, "validation_failed", "items.8", "null item");
    expect_result(res, 9, 422, "validation_failed", "items.9.from_second", "bad from");
    dc_resp_free(r);
    json_t *pr = my_progress(u.token);
    ck_assert_int_eq(credited_of(pr, long_lesson), 30000);
    ck_assert_int_eq(credited_of(pr, short_lesson), 150);
    ck_assert_int_eq(dc_int(pr, "total_credited_seconds"), 30150);
    json_decref(pr);

    /* the same seconds twice in one batch count once (an account with no token) */
    r = batch(&p, "progress",
              json_pack("[o, o, o]", prog_item("learner-2", "lesson", long_lesson, 0, 28800),
                        prog_item("learner-2", "lesson", long_lesson, 0, 28800),
                        prog_item("learner-2", "lesson", long_lesson, 100, 200)));
    res = results_of(r, 3, "learner-2");
    for (size_t i = 0; i < 3; i++)
        expect_result(res, i, 200, NULL, NULL, "learner-2");
    dc_resp_free(r);
    ck_assert_int_eq(
        dc_sql_ll("SELECT credited_seconds FROM learners WHERE account_id = %s", other), 28800);
    ck_assert_int_eq(dc_sql_ll("SELECT credited_seconds FROM progress WHERE account_id = %s AND "
                               "content_type = 'lesson' AND content_id = %s",
                               other, long_lesson),
                     28800);

    /* the same rate on the direct route is capped: the batch skipped the cap */
    char *fresh = dc_make_lesson(admin, "high_rise", 30000);
    json_t *direct = json_pack("{s:[o]}", "items", prog_item("x", "lesson", fresh, 0, 28800));
    json_object_del(json_array_get(json_object_get(direct, "items"), 0), "external_user_id");
    r = dc_send_json("POST", "/v1/progress", u.token, direct);
    dc_expect_status(r, 200, "direct report");
    ck_assert(json_is_true(json_object_get(r->json, "capped")));
    dc_resp_free(r);

    free(fresh);
    free(other);
    free(long_lesson);
    free(short_lesson);
    free(scheduled);
}
END_TEST

/* ---- 4. partners are isolated --------------------------------------------- */

START_TEST(partners_isolated)
{
    dc_campaign_live(admin, RULES);
    struct dc_partner_cred a, b;
    dc_new_partner(admin, "隔离平台甲", &a);
    dc_new_partner(admin, "隔离平台乙", &b);
    free(link_new(&a, "ua"));
    char *ub_account = link_new(&b, "ub");
    char **b_ids = upload_by(&b, "x", 2, "ub");
    dc_review_ok(admin, b_ids[0], "approve", NULL);
    char *lesson = dc_make_lesson(admin, "high_rise", 600);

    /* A cannot use B's user anywhere */
    struct dc_resp *r = batch(&a, "submissions",
                              json_pack("[o, o]", sub_item("x-0", "ub", "冒用乙的用户"),
                                        sub_item("x-0", "ua", "甲自己的同名编号")));
    json_t *res = results_of(r, 2, "A's batch");
    expect_result(res, 0, 422, "validation_failed", "items.0.external_user_id", "B's user");
    expect_result(res, 1, 201, NULL, NULL, "A's own x-0");
    char *a_id = strdup(result_id(res, 1, "A's own x-0"));
    dc_resp_free(r);
    ck_assert_str_ne(a_id, b_ids[0]);
    r = batch(&a, "likes", json_pack("[o]", like_item("ub", b_ids[0], "like")));
    res = results_of(r, 1, "A likes as B's user");
    expect_result(res, 0, 422, "validation_failed", "items.0.external_user_id", "B's user likes");
    dc_resp_free(r);
    r = batch(&a, "progress", json_pack("[o]", prog_item("ub", "lesson", lesson, 0, 60)));
    res = results_of(r, 1, "A's progress as B's user");
    expect_result(res, 0, 422, "validation_failed", "items.0.external_user_id", "B's user learns");
    dc_resp_free(r);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", b_ids[0]), 0);
    ck_assert_int_eq(dc_sql_ll("SELECT count(*) FROM progress WHERE account_id = %s", ub_account),
                     0);

    /* B's x-0 untouched; A's is its own */
    char *row = dc_sql_fmt("SELECT title || '|' || status || '|' || partner_id FROM submissions "
                           "WHERE id = %s",
                           b_ids[0]);
    char want[160];
    snprintf(want, sizeof want, "合作平台作品0|approved|%s", b.id);
    ck_assert_msg(row && strcmp(row, want) == 0, "B's x-0: %s", row ? row : "(none)");
    free(row);
    row =
        dc_sql_fmt("SELECT external_id || '|' || partner_id FROM submissions WHERE id = %s", a_id);
    snprintf(want, sizeof want, "x-0|%s", a.id);
    ck_assert_msg(row && strcmp(row, want) == 0, "A's x-0: %s", row ? row : "(none)");
    free(row);

    /* each feed holds only its own partner's submissions */
    struct clog la = {0}, lb = {0};
    char *ca = NULL, *cb = NULL;
    wait_created(&a, &ca, &la, &a_id, 1);
    struct want wb[2] = {{b_ids[0], want_key("approved", NULL, false, 0)},
                         {b_ids[1], want_key("pending", NULL, false, 0)}};
    ck_assert_msg(poll_until(&b, &cb, &lb, wb, 2, 10), "B's feed never caught up");
    free_wants(wb, 2);
    ck_assert_uint_eq(la.n, 1);
    ck_assert_str_eq(la.v[0].sub, a_id);
    ck_assert_str_eq(la.v[0].ext, "x-0");
    for (size_t i = 0; i < lb.n; i++) {
        ck_assert_str_ne(lb.v[i].sub, a_id);
        ck_assert_msg(strcmp(lb.v[i].sub, b_ids[0]) == 0 || strcmp(lb.v[i].sub, b_ids[1]) == 0,
                      "B's feed has %s", lb.v[i].sub);
    }
    ck_assert_uint_eq(lb.n, 3); /* two creations, one approval */
    ck_assert_str_eq(clog_last(&lb, b_ids[0])->status, "approved");
    /* B's later changes never reach A */
    dc_review_ok(admin, b_ids[1], "reject", "与主题无关");
    size_t before = la.n;
    sleep_ms(300);
    walk(&a, &ca, 100, &la);
    ck_assert_uint_eq(la.n, before);
    clog_free(&la);
    clog_free(&lb);
    free(ca);
    free(cb);
    free(a_id);
    free(ub_account);
    free(lesson);
    free_ids(b_ids, 2);
}
END_TEST

/* ---- 5. the change feed -------------------------------------------------- */

START_TEST(feed_parameters)
{
    struct dc_partner_cred p;
    live_partner("变更参数平台", &p, "fp-author", NULL);
    const char *bad_limits[] = {"limit=0", "limit=101", "limit=-1", "limit=abc"};
    for (size_t i = 0; i < sizeof bad_limits / sizeof *bad_limits; i++) {
        char target[96];
        snprintf(target, sizeof target, "/v1/partner/changes?%s", bad_limits[i]);
        struct dc_resp *r = dc_partner_call(&p, "GET", target, NULL);
        dc_expect_error(r, 422, "validation_failed", "limit", target);
        dc_resp_free(r);
    }
    struct dc_resp *r = dc_partner_call(&p, "GET", "/v1/partner/changes?cursor=garbage!!", NULL);
    dc_expect_error(r, 422, "validation_failed", "cursor", "bad cursor");
    dc_resp_free(r);
    r = dc_req("GET", "/v1/partner/changes", NULL, NULL);
    ck_assert_int_eq(r->status, 401);
    dc_resp_free(r);
    r = dc_req("GET", "/v1/partner/changes", admin, NULL);
    ck_assert_int_eq(r->status, 401);
    dc_resp_free(r);

    /* a new partner's feed: empty, with a cursor */
    r = dc_partner_expect(&p, "GET", "/v1/partner/changes", NULL, 200, "empty feed");
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 0);
    ck_assert_msg(json_is_string(json_object_get(r->json, "next_cursor")),
                  "next_cursor not a string: %s", r->body);
    dc_resp_free(r);

    /* default limit 20, at most 100 */
    char **ids = upload_by(&p, "fp", 25, "fp-author");
    struct clog tmp = {0};
    char *tc = NULL;
    wait_created(&p, &tc, &tmp, ids, 25);
    ck_assert_uint_eq(tmp.n, 25);
    clog_free(&tmp);
    free(tc);
    r = dc_partner_expect(&p, "GET", "/v1/partner/changes", NULL, 200, "default limit");
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 20);
    dc_resp_free(r);
    r = dc_partner_expect(&p, "GET", "/v1/partner/changes?limit=100", NULL, 200, "limit 100");
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 25);
    /* oldest first: the creations in upload order */
    for (size_t i = 0; i < 25; i++)
        ck_assert_str_eq(
            dc_str(json_array_get(json_object_get(r->json, "items"), i), "submission_id"), ids[i]);
    dc_resp_free(r);
    free_ids(ids, 25);
}
END_TEST

START_TEST(feed_moderation_likes_paging)
{
    struct dc_partner_cred p;
    live_partner("变更订阅平台", &p, "fd-author", "fd-liker", "fd-liker2", NULL);
    char **s = upload_by(&p, "fd", 5, "fd-author");

    /* the first pages list the creations */
    struct clog log = {0};
    char *cursor = NULL;
    wait_created(&p, &cursor, &log, s, 5);
    ck_assert_uint_eq(log.n, 5);
    for (size_t i = 0; i < 5; i++) {
        char ext[16], key[600];
        snprintf(ext, sizeof ext, "fd-%zu", i);
        ck_assert_str_eq(log.v[i].sub, s[i]);
        ck_assert_str_eq(log.v[i].ext, ext);
        change_key(&log.v[i], key, sizeof key);
        ck_assert_str_eq(key, "pending|<null>|false|0");
    }
    /* caught up: an empty page keeps a cursor, and the same cursor again is empty */
    char *caught = strdup(cursor);
    struct clog none = {0};
    char *again = strdup(caught);
    ck_assert_uint_eq(walk(&p, &again, 100, &none), 0);
    free(again);

    /* moderation through the admin routes */
    dc_review_ok(admin, s[0], "approve", NULL);
    dc_review_ok(admin, s[1], "reject", "画面模糊，看不清逃生路线");
    dc_review_ok(admin, s[2], "approve", NULL);
    recommend_ok(s[2]);
    dc_review_ok(admin, s[3], "approve", NULL);
    dc_review_ok(admin, s[3], "reject", "含有危险动作示范");
    struct want w[5] = {
        {s[0], want_key("approved", NULL, false, 0)},
        {s[1], want_key("rejected", "画面模糊，看不清逃生路线", false, 0)},
        {s[2], want_key("approved", NULL, true, 0)},
        {s[3], want_key("rejected", "含有危险动作示范", false, 0)},
        {s[4], want_key("pending", NULL, false, 0)},
    };
    ck_assert_msg(poll_until(&p, &cursor, &log, w, 5, 10), "moderation never in the feed");
    expect_wants(&log, w, 5, "after moderation");
    ck_assert_uint_eq(log.n, 11); /* 5 creations, 6 changes */
    /* each change is an item; read after the moderation settled, each
     * carries the latest state (the creations were read before it) */
    const char *s2_order[] = {"pending|<null>|false|0", "approved|<null>|true|0",
                              "approved|<null>|true|0"};
    const char *s3_order[] = {"pending|<null>|false|0", "rejected|含有危险动作示范|false|0",
                              "rejected|含有危险动作示范|false|0"};
    for (int which = 2; which <= 3; which++) {
        int k = 0;
        for (size_t i = 0; i < log.n; i++) {
            if (strcmp(log.v[i].sub, s[which]) != 0)
                continue;
            char key[600];
            change_key(&log.v[i], key, sizeof key);
            ck_assert_int_lt(k, 3);
            ck_assert_str_eq(key, which == 2 ? s2_order[k] : s3_order[k]);
            k++;
        }
        ck_assert_int_eq(k, 3);
    }

    char hist[2048];
    ck_assert_msg(check_history(&log, hist, sizeof hist) == 0, "out of order:%s", hist);

    /* the caught-up cursor, polled later, returns what changed since */
    struct clog since = {0};
    char *later = strdup(caught);
    walk(&p, &later, 100, &since);
    ck_assert_uint_eq(since.n, 6);
    clog_free(&since);

    /* like counts arrive folded, within seconds */
    struct dc_resp *r = batch(&p, "likes",
                              json_pack("[o, o]", like_item("fd-liker", s[0], "like"),
                                        like_item("fd-liker2", s[0], "like")));
    json_t *res = results_of(r, 2, "likes");
    expect_result(res, 0, 200, NULL, NULL, "like");
    expect_result(res, 1, 200, NULL, NULL, "like");
    dc_resp_free(r);
    free(w[0].key);
    w[0].key = want_key("approved", NULL, false, 2);
    ck_assert_msg(poll_until(&p, &later, &since, w, 1, 10), "like_count 2 never in the feed");
    ck_assert_msg(likes_settled(p.id, 10), "like_count never matched the likes rows");
    walk(&p, &later, 100, &since);
    size_t like_changes = since.n;
    ck_assert_int_ge(like_changes, 1);
    ck_assert_int_le(like_changes, 2); /* folded together or one by one */
    for (size_t i = 0; i < since.n; i++)
        ck_assert_str_eq(since.v[i].sub, s[0]);
    clog_free(&since);
    free(later);

    /* the whole feed with limit=2 equals the whole feed in one page: no
     * duplicates, no gaps */
    struct clog big = {0}, small = {0};
    char *cb = NULL, *cs = NULL;
    walk(&p, &cb, 100, &big);
    walk(&p, &cs, 2, &small); /* page_read asserts at most 2 a page */
    ck_assert_uint_eq(big.n, 11 + like_changes);
    ck_assert_uint_eq(small.n, big.n);
    for (size_t i = 0; i < big.n; i++) {
        char k1[600], k2[600];
        change_key(&big.v[i], k1, sizeof k1);
        change_key(&small.v[i], k2, sizeof k2);
        ck_assert_msg(strcmp(big.v[i].sub, small.v[i].sub) == 0 && strcmp(k1, k2) == 0 &&
                          strcmp(big.v[i].at, small.v[i].at) == 0,
                      "item %zu: %s %s vs %s %s", i, big.v[i].sub, k1, small.v[i].sub, k2);
    }
    /* s[0]: created, approved, then its like counts */
    ck_assert_uint_eq(clog_count(&big, s[0]), 2 + like_changes);
    clog_free(&big);
    clog_free(&small);
    free(cb);
    free(cs);
    free(caught);
    free(cursor);
    clog_free(&log);
    free_wants(w, 5);
    free_ids(s, 5);
}
END_TEST

/* ---- 6. the concurrency proof -------------------------------------------- */

#define CC_SUBS    20
#define CC_AUTHORS 4
#define CC_LIKERS  30
#define CC_TOKENS  6
#define CC_WRITERS 8
#define CC_SECONDS 6

struct cc {
    struct dc_partner_cred p;
    char subs[CC_SUBS][24];
    char likers[CC_LIKERS + CC_TOKENS][24]; /* external ids; the last CC_TOKENS are users */
    struct dc_user users[CC_TOKENS];
    bool ok[CC_LIKERS + CC_TOKENS];
    atomic_bool stop_writers, stop_reader;
    atomic_long reviews, recommends, batch_items, token_likes, unexpected;
    pthread_mutex_t mu;
    char first_bad[700];
    /* the reader's view */
    struct clog seen;
    long pages, reader_errors;
    double last_empty; /* when the reader last got an empty page (caught up) */
    char reader_why[700];
};

static void cc_bad(struct cc *cc, const char *what, const struct dc_resp *r)
{
    atomic_fetch_add(&cc->unexpected, 1);
    pthread_mutex_lock(&cc->mu);
    if (!cc->first_bad[0])
        snprintf(cc->first_bad, sizeof cc->first_bad, "%s: %ld %.500s", what, r->status,
                 r->body ? r->body : "");
    pthread_mutex_unlock(&cc->mu);
}

/* registers and logs in users[i] (two scrypt hashes: few at a time) */
static void cc_register_job(int i, void *ctx)
{
    (void)dc_try_new_user(&((struct cc *)ctx)->users[i], "并发点赞用户", 0);
}

static void cc_link_job(int i, void *ctx)
{
    struct cc *cc = ctx;
    char phone[12];
    if (i < CC_LIKERS) {
        dc_unique_phone(phone);
    } else {
        const struct dc_user *u = &cc->users[i - CC_LIKERS];
        if (!u->token[0])
            return;
        memcpy(phone, u->phone, sizeof phone);
    }
    char *id = link_user_on(NULL, &cc->p, cc->likers[i], phone, i < CC_LIKERS ? 201 : 200, NULL);
    cc->ok[i] = id != NULL;
    free(id);
}

struct writer {
    struct cc *cc;
    int index;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct cc *cc = w->cc;
    CURL *c = curl_easy_init();
    uint64_t seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(w->index + 1) ^ (uint64_t)time(NULL);
    char path[128];
    while (!atomic_load(&cc->stop_writers)) {
        const char *sub = cc->subs[dc_rnd_next(&seed) % CC_SUBS];
        if (w->index < 2) { /* moderation */
            unsigned a = (unsigned)(dc_rnd_next(&seed) % 10);
            struct dc_resp *r;
            if (a < 4) {
                r = dc_review_on(c, admin, sub, "approve", NULL);
                atomic_fetch_add(&cc->reviews, 1);
                if (r->status != 200)
                    cc_bad(cc, "approve", r);
            } else if (a < 7) {
                char reason[64];
                snprintf(reason, sizeof reason, "理由%u", (unsigned)(dc_rnd_next(&seed) % 3));
                r = dc_review_on(c, admin, sub, "reject", reason);
                atomic_fetch_add(&cc->reviews, 1);
                if (r->status != 200)
                    cc_bad(cc, "reject", r);
            } else {
                r = recommend_on(c, sub);
                atomic_fetch_add(&cc->recommends, 1);
                /* 409 when a racing reject made it not approved: the
                 * moderation threads' order is not determined */
                if (r->status != 200 && r->status != 409)
                    cc_bad(cc, "recommend", r);
            }
            dc_resp_free(r);
            sleep_ms(3);
        } else if (w->index < 6) { /* likes by batch */
            int n = 5 + (int)(dc_rnd_next(&seed) % 16);
            json_t *items = json_array();
            for (int k = 0; k < n; k++) {
                const char *ext = cc->likers[dc_rnd_next(&seed) % (CC_LIKERS + CC_TOKENS)];
                const char *s = cc->subs[dc_rnd_next(&seed) % CC_SUBS];
                json_array_append_new(
                    items, like_item(ext, s, dc_rnd_next(&seed) % 100 < 65 ? "like" : "unlike"));
            }
            struct dc_resp *r = batch_on(c, &cc->p, "likes", items);
            json_t *res = json_object_get(r->json, "results");
            if (r->status != 200 || json_array_size(res) != (size_t)n) {
                cc_bad(cc, "likes batch", r);
            } else {
                for (int k = 0; k < n; k++) {
                    json_int_t st = json_integer_value(
                        json_object_get(json_array_get(res, (size_t)k), "status"));
                    if (st != 200 && st != 404) { /* 404: not approved right now */
                        cc_bad(cc, "likes batch item", r);
                        break;
                    }
                }
            }
            atomic_fetch_add(&cc->batch_items, n);
            dc_resp_free(r);
        } else { /* likes with user tokens */
            const struct dc_user *u = &cc->users[dc_rnd_next(&seed) % CC_TOKENS];
            bool on = dc_rnd_next(&seed) % 100 < 65;
            snprintf(path, sizeof path, "/v1/submissions/%s/like", sub);
            struct dc_resp *r = dc_req_on(c, on ? "PUT" : "DELETE", path, u->token, NULL);
            /* 404: not approved right now (the moderation threads race) */
            if (r->status != 200 && r->status != 404)
                cc_bad(cc, "token like", r);
            atomic_fetch_add(&cc->token_likes, 1);
            dc_resp_free(r);
        }
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void *reader_main(void *arg)
{
    struct cc *cc = arg;
    CURL *c = curl_easy_init();
    char *cursor = NULL, why[700];
    struct clog page = {0};
    while (!atomic_load(&cc->stop_reader)) {
        size_t got = 0;
        page.n = 0;
        bool ok = page_read(c, &cc->p, &cursor, 5, &page, &got, why, sizeof why);
        pthread_mutex_lock(&cc->mu);
        cc->pages++;
        if (!ok) {
            cc->reader_errors++;
            if (!cc->reader_why[0])
                snprintf(cc->reader_why, sizeof cc->reader_why, "%s", why);
        }
        for (size_t i = 0; ok && i < page.n; i++) {
            bool mine = false;
            for (int k = 0; k < CC_SUBS && !mine; k++)
                mine = strcmp(page.v[i].sub, cc->subs[k]) == 0;
            if (!mine) {
                cc->reader_errors++;
                if (!cc->reader_why[0])
                    snprintf(cc->reader_why, sizeof cc->reader_why,
                             "the feed has submission %s, not this partner's", page.v[i].sub);
            }
            clog_add(&cc->seen, &page.v[i]);
        }
        if (ok && got == 0)
            cc->last_empty = dc_now_s();
        pthread_mutex_unlock(&cc->mu);
        if (!ok || got == 0)
            sleep_ms(ok ? 20 : 100);
    }
    clog_free(&page);
    free(cursor);
    curl_easy_cleanup(c);
    return NULL;
}

/* every submission's last state seen by the reader equals final[]; with
 * mismatches described in why */
static bool cc_reader_matches(struct cc *cc, char *const *final, char *why, size_t cap)
{
    bool all = true;
    why[0] = '\0';
    pthread_mutex_lock(&cc->mu);
    for (int k = 0; k < CC_SUBS; k++) {
        const struct change *c = clog_last(&cc->seen, cc->subs[k]);
        char key[600] = "(never seen)";
        if (c)
            change_key(c, key, sizeof key);
        if (strcmp(key, final[k]) != 0) {
            if (all || strlen(why) + 200 < cap) {
                size_t n = strlen(why);
                snprintf(why + n, cap - n, "\n  submission %s: last seen %s, final %s", cc->subs[k],
                         key, final[k]);
            }
            all = false;
        }
    }
    pthread_mutex_unlock(&cc->mu);
    return all;
}

START_TEST(feed_under_concurrency)
{
    dc_campaign_live(admin, RULES);
    struct cc *cc = calloc(1, sizeof *cc);
    pthread_mutex_init(&cc->mu, NULL);
    dc_new_partner(admin, "并发订阅平台", &cc->p);
    const char *authors[CC_AUTHORS];
    char author_ext[CC_AUTHORS][16];
    for (int i = 0; i < CC_AUTHORS; i++) {
        snprintf(author_ext[i], sizeof author_ext[i], "cc-author-%d", i);
        free(link_new(&cc->p, author_ext[i]));
        authors[i] = author_ext[i];
    }
    for (int i = 0; i < CC_LIKERS + CC_TOKENS; i++)
        snprintf(cc->likers[i], sizeof cc->likers[i], i < CC_LIKERS ? "cc-liker-%d" : "cc-tok-%d",
                 i);
    dc_run_parallel(CC_TOKENS, 1, cc_register_job, cc);
    dc_run_parallel(CC_LIKERS + CC_TOKENS, 3, cc_link_job, cc);
    for (int i = 0; i < CC_LIKERS + CC_TOKENS; i++)
        ck_assert_msg(cc->ok[i], "could not link %s", cc->likers[i]);
    char **ids = upload(&cc->p, "cc", CC_SUBS, authors, CC_AUTHORS);
    for (int i = 0; i < CC_SUBS; i++) {
        snprintf(cc->subs[i], sizeof cc->subs[i], "%s", ids[i]);
        dc_review_ok(admin, ids[i], "approve", NULL);
    }
    free_ids(ids, CC_SUBS);

    pthread_t reader, writers[CC_WRITERS];
    struct writer wargs[CC_WRITERS];
    ck_assert_int_eq(pthread_create(&reader, NULL, reader_main, cc), 0);
    double t0 = dc_now_s();
    for (int i = 0; i < CC_WRITERS; i++) {
        wargs[i] = (struct writer){cc, i};
        ck_assert_int_eq(pthread_create(&writers[i], NULL, writer_main, &wargs[i]), 0);
    }
    sleep(CC_SECONDS);
    atomic_store(&cc->stop_writers, true);
    for (int i = 0; i < CC_WRITERS; i++)
        pthread_join(writers[i], NULL);
    double t_writers = dc_now_s();

    /* the database settles: the folded counts equal the like rows */
    bool settled = likes_settled(cc->p.id, 10);
    double t_settled = dc_now_s();
    char *final[CC_SUBS];
    for (int k = 0; k < CC_SUBS; k++) {
        final[k] = db_key(cc->subs[k]);
        ck_assert_ptr_nonnull(final[k]);
    }
    /* the reader catches up within ~10 s of polling */
    char why[4096];
    bool match = false;
    double deadline = dc_now_s() + 10;
    while (!(match = cc_reader_matches(cc, final, why, sizeof why)) && dc_now_s() < deadline)
        sleep_ms(100);
    double t_caught = dc_now_s();
    /* and reads on to the end of the feed (an empty page) */
    for (bool at_end = false; !at_end && dc_now_s() < deadline + 5;) {
        pthread_mutex_lock(&cc->mu);
        at_end = cc->last_empty > t_caught;
        pthread_mutex_unlock(&cc->mu);
        if (!at_end)
            sleep_ms(50);
    }
    atomic_store(&cc->stop_reader, true);
    pthread_join(reader, NULL);
    match = cc_reader_matches(cc, final, why, sizeof why);

    fprintf(stderr,
            "feed_under_concurrency: %ld reviews, %ld recommends, %ld batch like items, %ld token "
            "likes in %.1f s; settled after %.1f s; reader %ld pages, %zu items, matched after "
            "%.1f s\n",
            atomic_load(&cc->reviews), atomic_load(&cc->recommends), atomic_load(&cc->batch_items),
            atomic_load(&cc->token_likes), t_writers - t0, t_settled - t_writers, cc->pages,
            cc->seen.n, t_caught - t_settled);

    ck_assert_msg(atomic_load(&cc->unexpected) == 0, "%ld unexpected answers, first: %s",
                  atomic_load(&cc->unexpected), cc->first_bad);
    ck_assert_msg(cc->reader_errors == 0, "%ld reader errors, first: %s", cc->reader_errors,
                  cc->reader_why);
    ck_assert_msg(settled, "like_count never settled to the likes rows");
    ck_assert_msg(atomic_load(&cc->reviews) > 20 && atomic_load(&cc->batch_items) > 100 &&
                      atomic_load(&cc->token_likes) > 20,
                  "too little concurrent work to prove anything");
    /* the order of each submission's items is a possible history */
    char hist[4096];
    int bad = check_history(&cc->seen, hist, sizeof hist);
    ck_assert_msg(match, "the reader's last states differ from the database:%s", why);
    ck_assert_msg(bad == 0, "%d feed items out of order:%s", bad, hist);

    /* the exact like_count of the API agrees with the rows too */
    for (int k = 0; k < CC_SUBS; k++) {
        char path[96];
        snprintf(path, sizeof path, "/v1/submissions/%s", cc->subs[k]);
        struct dc_resp *r = dc_req("GET", path, admin, NULL);
        dc_expect_status(r, 200, "GET after the storm");
        ck_assert_int_eq(
            dc_int(r->json, "like_count"),
            dc_sql_ll("SELECT count(*) FROM likes WHERE submission_id = %s", cc->subs[k]));
        dc_resp_free(r);
    }

    /* what the reader paged through while it grew is the feed as it now
     * stands: nothing skipped, nothing twice, nothing reordered (the states
     * may differ: an item read during the storm carried the state settled
     * then, and the walk now carries the final one) */
    struct clog all = {0};
    char *cursor = NULL;
    walk(&cc->p, &cursor, 100, &all);
    ck_assert_msg(all.n == cc->seen.n, "the reader saw %zu items, the settled feed has %zu",
                  cc->seen.n, all.n);
    for (size_t i = 0; i < all.n; i++) {
        char k1[600], k2[600];
        change_key(&all.v[i], k1, sizeof k1);
        change_key(&cc->seen.v[i], k2, sizeof k2);
        ck_assert_msg(strcmp(all.v[i].sub, cc->seen.v[i].sub) == 0,
                      "item %zu: the reader saw %s %s, the feed now has %s %s", i,
                      cc->seen.v[i].sub, k2, all.v[i].sub, k1);
    }
    clog_free(&all);
    free(cursor);
    for (int k = 0; k < CC_SUBS; k++)
        free(final[k]);
    clog_free(&cc->seen);
    pthread_mutex_destroy(&cc->mu);
    free(cc);
}
END_TEST

/* ---- 7. the Done-when walk --------------------------------------------- */

START_TEST(done_when_walk)
{
    struct dc_partner_cred p;
    live_partner("抖音（演练）", &p, NULL);

    /* the partner links its users: one already registered here, two new */
    struct dc_user u = dc_new_user("合作用户本人");
    char *author = link_user(&p, "dy-author", u.phone, 200);
    ck_assert_str_eq(author, u.id);
    char *fan1 = link_new(&p, "dy-fan-1");
    char *fan2 = link_new(&p, "dy-fan-2");
    ck_assert_str_ne(fan1, fan2);

    /* uploads a batch of four */
    char **s = upload_by(&p, "dy", 4, "dy-author");
    struct clog log = {0};
    char *cursor = NULL;
    wait_created(&p, &cursor, &log, s, 4);
    ck_assert_uint_eq(log.n, 4);

    /* an admin approves two, rejects one, recommends one */
    dc_review_ok(admin, s[0], "approve", NULL);
    dc_review_ok(admin, s[1], "approve", NULL);
    dc_review_ok(admin, s[2], "reject", "未包含逃生演练内容");
    recommend_ok(s[1]);

    /* the partner pushes likes and progress */
    struct dc_resp *r =
        batch(&p, "likes",
              json_pack("[o, o, o, o]", like_item("dy-fan-1", s[0], "like"),
                        like_item("dy-fan-2", s[0], "like"), like_item("dy-fan-1", s[1], "like"),
                        like_item("dy-fan-1", s[2], "like")));
    json_t *res = results_of(r, 4, "likes");
    expect_result(res, 0, 200, NULL, NULL, "like s0");
    expect_result(res, 1, 200, NULL, NULL, "like s0");
    expect_result(res, 2, 200, NULL, NULL, "like s1");
    expect_result(res, 3, 404, "not_found", NULL, "like a rejected one");
    dc_resp_free(r);
    char *lesson = dc_make_lesson(admin, "high_rise", 3 * 3600);
    r = batch(&p, "progress",
              json_pack("[o, o]", prog_item("dy-author", "lesson", lesson, 0, 3 * 3600),
                        prog_item("dy-fan-1", "lesson", lesson, 0, 1800)));
    res = results_of(r, 2, "progress");
    expect_result(res, 0, 200, NULL, NULL, "author learns");
    expect_result(res, 1, 200, NULL, NULL, "fan learns");
    dc_resp_free(r);

    /* and pulls the moderation results and counts from the feed */
    struct want w[4] = {
        {s[0], want_key("approved", NULL, false, 2)},
        {s[1], want_key("approved", NULL, true, 1)},
        {s[2], want_key("rejected", "未包含逃生演练内容", false, 0)},
        {s[3], want_key("pending", NULL, false, 0)},
    };
    ck_assert_msg(poll_until(&p, &cursor, &log, w, 4, 10),
                  "the feed never showed the moderation and likes");
    expect_wants(&log, w, 4, "done-when feed");
    char hist[2048];
    ck_assert_msg(check_history(&log, hist, sizeof hist) == 0, "out of order:%s", hist);
    for (int i = 0; i < 4; i++) {
        char ext[16];
        snprintf(ext, sizeof ext, "dy-%d", i);
        ck_assert_str_eq(clog_last(&log, s[i])->ext, ext);
    }

    /* the same seen by the account's own app */
    json_t *pr = my_progress(u.token);
    ck_assert_int_eq(dc_int(pr, "total_credited_seconds"), 3 * 3600);
    ck_assert_int_eq(credited_of(pr, lesson), 3 * 3600);
    json_decref(pr);
    ck_assert_int_eq(dc_sql_ll("SELECT credited_seconds FROM learners WHERE account_id = %s", fan1),
                     1800);
    char path[96];
    snprintf(path, sizeof path, "/v1/submissions/%s", s[0]);
    r = dc_req("GET", path, NULL, NULL);
    dc_expect_status(r, 200, "public GET of an approved partner video");
    ck_assert_int_eq(dc_int(r->json, "like_count"), 2);
    ck_assert_str_eq(dc_str(r->json, "source"), "partner");
    dc_resp_free(r);
    r = dc_req("GET", "/v1/submissions?mine=true&limit=100", u.token, NULL);
    dc_expect_status(r, 200, "mine");
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "items")), 4);
    dc_resp_free(r);

    clog_free(&log);
    free(cursor);
    free_wants(w, 4);
    free(lesson);
    free_ids(s, 4);
    free(author);
    free(fan1);
    free(fan2);
}
END_TEST

int main(void)
{
    admin = dc_start_with_admin("test_partner_sync");
    Suite *s = suite_create("partner_sync");
    dc_add_tcase(s, "batches", 60, submissions_batch_mixed, batch_envelopes,
                 batches_campaign_closed, likes_batch, progress_batch, partners_isolated, NULL);
    dc_add_tcase(s, "feed", 90, feed_parameters, feed_moderation_likes_paging,
                 feed_under_concurrency, done_when_walk, NULL);
    int rc = dc_finish("test_partner_sync", dc_run_suite(s));
    free(admin);
    return rc;
}
