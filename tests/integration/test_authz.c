/*
 * test_authz.c - the authorization matrix (issue 6, item 4), generated from
 * ONE table: every route of the server's route table (src/http/routes.c) x
 * {anonymous, user, owner (the resource's owner), another user, moderator,
 * admin, partner A, partner B} with the expected status.
 *
 *  - route_table_covered: reads src/http/routes.c (the one route table)
 *    at run time and compares its (method, pattern) pairs with the table's
 *    rows in both directions, so that a new route without a row fails.
 *  - matrix_row (one test per row): each cell makes its own resource with
 *    real ids (a submission, lesson, livestream, certificate, ...), sends
 *    the request with that identity (bearer token, or partner A's / B's
 *    HMAC signature written from API.md section 7, or nothing) and checks
 *    the status against the row's set (every error with the envelope, 401
 *    `unauthorized` with WWW-Authenticate: Bearer, 2xx answers to a signed
 *    or token-carrying request on a private route with no-store).
 *
 * A row may name a variant of a route (e.g. a pending and an approved
 * submission): several rows may share a route, every route needs one.
 *
 * There is one campaign (id 1): every row puts it live with the rules it
 * relies on before its cells run. Identities are made in main() before the
 * tests fork; every resource a cell touches is made by that cell.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define DAY (24 * 3600)

/* ---- identities --------------------------------------------------------- */

enum who { ANON, USER, OWNER, OTHER, MOD, ADMIN, PA, PB, NWHO };

static const char *const WHO_NAMES[NWHO] = {"anonymous", "user",  "owner",     "other user",
                                            "moderator", "admin", "partner A", "partner B"};

struct account {
    char phone[12];
    char password[40];
    char *token;
    char *id;
};

struct partner {
    struct dc_partner_cred cred;
    char ext_user[64]; /* a user this partner linked in main() */
    char *account_id;  /* that user's account */
};

/* Made in main() before the tests fork. */
static struct account accts[NWHO]; /* USER .. ADMIN */
static struct partner partners[2]; /* PA, PB */
static int run_id;

static bool is_bearer(enum who w)
{
    return w >= USER && w <= ADMIN;
}

static bool is_partner(enum who w)
{
    return w == PA || w == PB;
}

static struct partner *partner_of(enum who w)
{
    return &partners[w == PA ? 0 : 1];
}

/* ---- small helpers ------------------------------------------------------ */

/* these three also run in main(), outside any test: no ck_assert there */
static unsigned counter(void)
{
    static unsigned n;
    return ++n;
}

/* Sends as `w` (token overrides the identity's own bearer token). */
static struct dc_resp *send_as(enum who w, const char *token, const char *method, const char *path,
                               const char *body)
{
    if (is_partner(w))
        return dc_partner_call(&partner_of(w)->cred, method, path, body);
    if (!token && is_bearer(w))
        token = accts[w].token;
    return dc_req(method, path, token, body);
}

/* ---- fixtures ----------------------------------------------------------- */

static struct dc_resp *admin_req(const char *method, const char *path, json_t *body)
{
    return body ? dc_send_json(method, path, accts[ADMIN].token, body)
                : dc_req(method, path, accts[ADMIN].token, NULL);
}

static char *id_of(struct dc_resp *r, long want, const char *what)
{
    dc_expect_status(r, want, what);
    char *id = dc_strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    return id;
}

/* The campaign live with the harness's fast rules (the body of the
 * campaign PATCH cell). */
static json_t *campaign_body(void)
{
    char w[32], l[32], e[32];
    dc_phase_times(DC_LIVE, w, l, e);
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "warmup_at", w, "launch_at", l, "ends_at", e,
                     "topic", DC_TOPIC, "rules", dc_rules_json(DC_RULES_FAST));
}

/* A submission of the owner's in `status` (pending, approved, rejected). */
static char *owner_submission(const char *status)
{
    char *id = dc_submit(accts[OWNER].token, dc_video_json("授权矩阵作品"));
    ck_assert_ptr_nonnull(id);
    if (strcmp(status, "approved") == 0)
        dc_review_ok(accts[ADMIN].token, id, "approve", NULL);
    else if (strcmp(status, "pending") != 0)
        dc_review_ok(accts[ADMIN].token, id, "reject", "不合规");
    return id;
}

static char *new_livestream(bool started)
{
    char when[32];
    dc_iso_time(time(NULL) + 3600, when);
    char *id = id_of(admin_req("POST", "/v1/admin/livestreams",
                               json_pack("{s:s, s:s, s:s}", "title", "授权矩阵直播", "expert",
                                         "李教授", "scheduled_at", when)),
                     201, "livestream");
    if (started) {
        char *path = dc_fmt("/v1/admin/livestreams/%s/start", id);
        struct dc_resp *r = admin_req("POST", path, NULL);
        dc_expect_status(r, 200, "livestream start");
        dc_resp_free(r);
        free(path);
    }
    return id;
}

/* The owner earns 8 class hours (once: the union keeps it at that). */
static void owner_earn(void)
{
    char *v =
        dc_sql_fmt("SELECT credited_seconds FROM learners WHERE account_id = %s", accts[OWNER].id);
    bool done = v && atoll(v) >= 8 * 3600;
    free(v);
    if (!done)
        dc_earn(accts[ADMIN].token, accts[OWNER].token, 8 * 3600);
}

/* The owner's certificate (earned and claimed on first use). */
static char *owner_certificate(void)
{
    owner_earn();
    struct dc_resp *r = dc_req("POST", "/v1/me/certificate", accts[OWNER].token, NULL);
    ck_assert_msg(r->status == 200 || r->status == 201, "owner certificate: %ld %s", r->status,
                  r->body);
    char *serial = dc_strdup(dc_str(r->json, "serial"));
    dc_resp_free(r);
    return serial;
}

/* A fresh session of an identity's account (for log-out cells). */
static char *fresh_token(enum who w)
{
    char *t = dc_login(accts[w].phone, accts[w].password);
    ck_assert_ptr_nonnull(t);
    return t;
}

static void reset_freeze(void)
{
    free(dc_sql_value("DELETE FROM leaderboard_snapshots"));
    free(dc_sql_value("UPDATE campaigns SET frozen_at = NULL"));
}

static char *partner_submission_body(const struct partner *p, const char *title)
{
    json_t *b = dc_video_json(title);
    json_object_set_new(b, "external_user_id", json_string(p->ext_user));
    return dc_dumps(b);
}

/* ---- one cell ----------------------------------------------------------- */

struct cell {
    char *path;
    char *body;
    char *token; /* overrides the identity's token */
    char *aux;   /* a fixture id the row's check needs */
};

typedef void (*setup_fn)(enum who w, struct cell *c);
typedef void (*check_fn)(enum who w, const struct cell *c, const struct dc_resp *r, char *why,
                         size_t cap);

static void cell_free(struct cell *c)
{
    free(c->path);
    free(c->body);
    free(c->token);
    free(c->aux);
}

/* Paths with no ids. */
#define FIXED(name, p)                                                                             \
    static void name(enum who w, struct cell *c)                                                   \
    {                                                                                              \
        (void)w;                                                                                   \
        c->path = dc_strdup(p);                                                                    \
    }

FIXED(fx_healthz, "/healthz")
FIXED(fx_readyz, "/readyz")
FIXED(fx_metrics, "/metrics")
FIXED(fx_me, "/v1/me")
FIXED(fx_regions, "/v1/regions?parent=350000")
FIXED(fx_orgs, "/v1/organizations")
FIXED(fx_campaign, "/v1/campaign")
FIXED(fx_categories, "/v1/categories")
FIXED(fx_lessons, "/v1/lessons")
FIXED(fx_livestreams, "/v1/livestreams")
FIXED(fx_my_reservations, "/v1/me/reservations")
FIXED(fx_my_progress, "/v1/me/progress")
FIXED(fx_checkins, "/v1/checkins")
FIXED(fx_my_checkins, "/v1/me/checkins")
FIXED(fx_public_key, "/v1/certificates/public-key")
FIXED(fx_submissions, "/v1/submissions")
FIXED(fx_submissions_mine, "/v1/submissions?mine=true")
FIXED(fx_submissions_pending, "/v1/submissions?status=pending")
FIXED(fx_queue, "/v1/admin/submissions?status=pending")
FIXED(fx_leaderboard, "/v1/leaderboard")
FIXED(fx_audit, "/v1/admin/audit")
FIXED(fx_stats, "/v1/admin/stats?group_by=region&region_code=350000")
FIXED(fx_stats_csv, "/v1/admin/stats.csv?group_by=audience")
FIXED(fx_certificates_csv, "/v1/admin/certificates.csv")

static void fx_register(enum who w, struct cell *c)
{
    (void)w;
    char phone[12];
    dc_unique_phone(phone);
    c->path = dc_strdup("/v1/accounts");
    c->body = dc_dumps(json_pack("{s:s, s:s, s:s, s:s, s:s}", "phone", phone, "password",
                                 "authz register 1", "display_name", "矩阵注册", "kind",
                                 "individual", "region_code", "350100"));
}

static void fx_login(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/sessions");
    c->body = dc_dumps(
        json_pack("{s:s, s:s}", "phone", accts[OTHER].phone, "password", accts[OTHER].password));
}

static void fx_logout(enum who w, struct cell *c)
{
    c->path = dc_strdup("/v1/sessions/current");
    if (is_bearer(w))
        c->token = fresh_token(w);
}

/* after a 204 the token must be dead at once */
static void ck_logout(enum who w, const struct cell *c, const struct dc_resp *r, char *why,
                      size_t cap)
{
    (void)w;
    if (r->status != 204 || !c->token)
        return;
    struct dc_resp *me = dc_req("GET", "/v1/me", c->token, NULL);
    if (me->status != 401)
        snprintf(why, cap, "logged-out token still answers %ld", me->status);
    dc_resp_free(me);
}

static void fx_me_patch(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/me");
    c->body = dc_strdup("{\"audience\":\"public\"}");
}

static void fx_role(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_fmt("/v1/admin/accounts/%s/role", accts[OWNER].id);
    c->body = dc_strdup("{\"role\":\"user\"}");
}

static void fx_role_unknown(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/admin/accounts/9199999999999999/role");
    c->body = dc_strdup("{\"role\":\"user\"}");
}

static void fx_org_create(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/admin/organizations");
    c->body = dc_dumps(json_pack("{s:s, s:s, s:s}", "name", "授权矩阵单位", "type", "other",
                                 "region_code", "350100"));
}

static void fx_campaign_patch(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/admin/campaign");
    c->body = dc_dumps(campaign_body());
}

static void fx_lesson_create(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/admin/lessons");
    c->body = dc_dumps(json_pack("{s:s, s:s, s:i, s:s}", "title", "新课程", "category", "flood",
                                 "duration_seconds", 300, "video_url",
                                 "https://video.example.cn/new.mp4"));
}

static void fx_lesson_patch(enum who w, struct cell *c)
{
    (void)w;
    char *id = dc_make_lesson(accts[ADMIN].token, "fire", 600);
    c->path = dc_fmt("/v1/admin/lessons/%s", id);
    c->body = dc_strdup("{\"title\":\"改过的课程\"}");
    free(id);
}

static void fx_lesson_patch_unknown(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/admin/lessons/9199999999999999");
    c->body = dc_strdup("{\"title\":\"改过的课程\"}");
}

static void fx_lesson_get(enum who w, struct cell *c)
{
    (void)w;
    char *id = dc_make_lesson(accts[ADMIN].token, "fire", 600);
    c->path = dc_fmt("/v1/lessons/%s", id);
    free(id);
}

static void fx_livestream_create(enum who w, struct cell *c)
{
    (void)w;
    char when[32];
    dc_iso_time(time(NULL) + 7200, when);
    c->path = dc_strdup("/v1/admin/livestreams");
    c->body = dc_dumps(
        json_pack("{s:s, s:s, s:s}", "title", "新直播", "expert", "张工", "scheduled_at", when));
}

static void fx_livestream_start(enum who w, struct cell *c)
{
    (void)w;
    char *id = new_livestream(false);
    c->path = dc_fmt("/v1/admin/livestreams/%s/start", id);
    free(id);
}

static void fx_livestream_end(enum who w, struct cell *c)
{
    (void)w;
    char *id = new_livestream(true);
    c->path = dc_fmt("/v1/admin/livestreams/%s/end", id);
    c->body = dc_strdup("{\"replay_url\":\"https://video.example.cn/replay.m3u8\","
                        "\"duration_seconds\":1800}");
    free(id);
}

static void fx_livestream_get(enum who w, struct cell *c)
{
    (void)w;
    char *id = new_livestream(false);
    c->path = dc_fmt("/v1/livestreams/%s", id);
    free(id);
}

static void fx_reservation(enum who w, struct cell *c)
{
    (void)w;
    char *id = new_livestream(false);
    c->path = dc_fmt("/v1/livestreams/%s/reservation", id);
    free(id);
}

static void fx_progress(enum who w, struct cell *c)
{
    (void)w;
    char *id = dc_make_lesson(accts[ADMIN].token, "fire", 600);
    c->path = dc_strdup("/v1/progress");
    c->body = dc_dumps(json_pack("{s:[{s:s, s:s, s:i, s:i}]}", "items", "content_type", "lesson",
                                 "content_id", id, "from_second", 0, "to_second", 30));
    free(id);
}

static void fx_certificate_claim(enum who w, struct cell *c)
{
    (void)w;
    owner_earn();
    c->path = dc_strdup("/v1/me/certificate");
}

static void fx_certificate_get(enum who w, struct cell *c)
{
    (void)w;
    char *serial = owner_certificate();
    c->path = dc_fmt("/v1/certificates/%s", serial);
    free(serial);
}

static void fx_certificate_svg(enum who w, struct cell *c)
{
    (void)w;
    char *serial = owner_certificate();
    c->path = dc_fmt("/v1/certificates/%s.svg", serial);
    free(serial);
}

static void fx_certificate_unknown(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/certificates/ZZZZZZZZZZZZZZZZ");
}

static void fx_certificate_svg_unknown(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/certificates/ZZZZZZZZZZZZZZZZ.svg");
}

static void fx_certificate_png(enum who w, struct cell *c)
{
    (void)w;
    char *serial = owner_certificate();
    c->path = dc_fmt("/v1/certificates/%s.png", serial);
    free(serial);
}

static void fx_verify_page(enum who w, struct cell *c)
{
    (void)w;
    char *serial = owner_certificate();
    c->path = dc_fmt("/verify/%s", serial);
    free(serial);
}

static void fx_certificate_revoke(enum who w, struct cell *c)
{
    (void)w;
    char *serial = owner_certificate();
    c->path = dc_fmt("/v1/admin/certificates/%s/revoke", serial);
    c->body = dc_strdup("{\"reason\":\"授权矩阵测试\"}");
    free(serial);
}

static void fx_submission_create(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/submissions");
    c->body = dc_dumps(dc_video_json("新作品"));
}

#define SUBMISSION_FX(name, status, suffix)                                                        \
    static void name(enum who w, struct cell *c)                                                   \
    {                                                                                              \
        (void)w;                                                                                   \
        c->aux = owner_submission(status);                                                         \
        c->path = dc_fmt("/v1/submissions/%s%s", c->aux, suffix);                                  \
    }

SUBMISSION_FX(fx_sub_get_pending, "pending", "")
SUBMISSION_FX(fx_sub_get_approved, "approved", "")
SUBMISSION_FX(fx_sub_get_rejected, "rejected", "")
SUBMISSION_FX(fx_sub_delete_pending, "pending", "")
SUBMISSION_FX(fx_sub_delete_approved, "approved", "")
SUBMISSION_FX(fx_like_approved, "approved", "/like")
SUBMISSION_FX(fx_like_pending, "pending", "/like")

static void fx_sub_patch_pending(enum who w, struct cell *c)
{
    fx_sub_get_pending(w, c);
    c->body = dc_strdup("{\"title\":\"改名\"}");
}

static void fx_sub_patch_approved(enum who w, struct cell *c)
{
    fx_sub_get_approved(w, c);
    c->body = dc_strdup("{\"title\":\"改名\"}");
}

static void fx_sub_get_unknown(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/submissions/9199999999999999");
}

static void fx_review(enum who w, struct cell *c)
{
    (void)w;
    char *id = owner_submission("pending");
    c->path = dc_fmt("/v1/admin/submissions/%s/review", id);
    c->body = dc_strdup("{\"decision\":\"approve\"}");
    free(id);
}

static void fx_recommend(enum who w, struct cell *c)
{
    (void)w;
    char *id = owner_submission("approved");
    c->path = dc_fmt("/v1/admin/submissions/%s/recommend", id);
    c->body = dc_strdup("{\"channels\":[\"央视新闻\"]}");
    free(id);
}

static void fx_recommend_pending(enum who w, struct cell *c)
{
    (void)w;
    char *id = owner_submission("pending");
    c->path = dc_fmt("/v1/admin/submissions/%s/recommend", id);
    c->body = dc_strdup("{\"channels\":[\"央视新闻\"]}");
    free(id);
}

static void fx_freeze(enum who w, struct cell *c)
{
    (void)w;
    reset_freeze();
    c->path = dc_strdup("/v1/admin/leaderboard/freeze");
}

static void fx_winners(enum who w, struct cell *c)
{
    (void)w;
    reset_freeze();
    c->path = dc_strdup("/v1/admin/winners.csv");
}

static void fx_partner_create(enum who w, struct cell *c)
{
    (void)w;
    c->path = dc_strdup("/v1/admin/partners");
    c->body = dc_strdup("{\"name\":\"矩阵平台\"}");
}

static void fx_partner_user(enum who w, struct cell *c)
{
    (void)w;
    char phone[12];
    dc_unique_phone(phone);
    c->path = dc_fmt("/v1/partner/users/authz-%d-%u", run_id, counter());
    c->body = dc_dumps(json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "平台用户",
                                 "region_code", "350100"));
}

static void fx_partner_submission(enum who w, struct cell *c)
{
    c->path = dc_fmt("/v1/partner/submissions/authz-%d-%u", run_id, counter());
    c->body = partner_submission_body(is_partner(w) ? partner_of(w) : &partners[0], "平台作品");
}

/* partner A's submission under an external id: A updates it (200), B's
 * same external id is B's own new one (201), A's is untouched */
static void fx_partner_submission_of_a(enum who w, struct cell *c)
{
    char *path = dc_fmt("/v1/partner/submissions/authz-a-%d-%u", run_id, counter());
    char *body = partner_submission_body(&partners[0], "甲平台原作");
    struct dc_resp *r = dc_partner_call(&partners[0].cred, "PUT", path, body);
    dc_expect_status(r, 201, "partner A's submission");
    c->aux = dc_strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    free(body);
    c->path = path;
    c->body = partner_submission_body(is_partner(w) ? partner_of(w) : &partners[0], "改写");
}

static void ck_partner_submission_of_a(enum who w, const struct cell *c, const struct dc_resp *r,
                                       char *why, size_t cap)
{
    char *title = dc_sql_fmt("SELECT title FROM submissions WHERE id = %s", c->aux);
    const char *want = w == PA ? "改写" : "甲平台原作";
    if (!title || strcmp(title, want) != 0)
        snprintf(why, cap, "partner A's submission is titled %s, want %s", title ? title : "(none)",
                 want);
    else if (w == PB && r->status == 201 && strcmp(dc_str(r->json, "id"), c->aux) == 0)
        snprintf(why, cap, "partner B was handed partner A's submission");
    free(title);
}

static void fx_partner_sub_batch(enum who w, struct cell *c)
{
    const struct partner *p = is_partner(w) ? partner_of(w) : &partners[0];
    json_t *item = dc_video_json("批量作品");
    json_object_set_new(item, "external_user_id", json_string(p->ext_user));
    char ext[64];
    snprintf(ext, sizeof ext, "authz-b-%d-%u", run_id, counter());
    json_object_set_new(item, "external_id", json_string(ext));
    c->path = dc_strdup("/v1/partner/submissions/batch");
    c->body = dc_dumps(json_pack("{s:[o]}", "items", item));
}

static void fx_partner_likes(enum who w, struct cell *c)
{
    const struct partner *p = is_partner(w) ? partner_of(w) : &partners[0];
    c->aux = owner_submission("approved");
    c->path = dc_strdup("/v1/partner/likes/batch");
    c->body = dc_dumps(json_pack("{s:[{s:s, s:s, s:s}]}", "items", "external_user_id", p->ext_user,
                                 "submission_id", c->aux, "action", "like"));
}

/* an item naming partner A's user: A's item applies, B's is refused (422) */
static void fx_partner_likes_a_user(enum who w, struct cell *c)
{
    (void)w;
    c->aux = owner_submission("approved");
    c->path = dc_strdup("/v1/partner/likes/batch");
    c->body = dc_dumps(json_pack("{s:[{s:s, s:s, s:s}]}", "items", "external_user_id",
                                 partners[0].ext_user, "submission_id", c->aux, "action", "like"));
}

static long item_status(const struct dc_resp *r)
{
    json_t *it = json_array_get(json_object_get(r->json, "results"), 0);
    json_t *st = json_object_get(it, "status");
    return json_is_integer(st) ? (long)json_integer_value(st) : -1;
}

static void ck_batch_item_ok(enum who w, const struct cell *c, const struct dc_resp *r, char *why,
                             size_t cap)
{
    (void)w;
    (void)c;
    long st = item_status(r);
    if (r->status == 200 && (st < 200 || st > 299))
        snprintf(why, cap, "the item answered %ld: %.300s", st, r->body);
}

static void ck_likes_a_user(enum who w, const struct cell *c, const struct dc_resp *r, char *why,
                            size_t cap)
{
    if (r->status != 200)
        return;
    long st = item_status(r);
    long want = w == PA ? 200 : 422;
    char *n = dc_sql_fmt("SELECT count(*) FROM likes WHERE submission_id = %s AND account_id = %s",
                         c->aux, partners[0].account_id);
    const char *want_n = w == PA ? "1" : "0";
    if (st != want)
        snprintf(why, cap, "the item answered %ld, want %ld: %.300s", st, want, r->body);
    else if (!n || strcmp(n, want_n) != 0)
        snprintf(why, cap, "%s likes by partner A's user, want %s", n ? n : "?", want_n);
    free(n);
}

static void fx_partner_progress(enum who w, struct cell *c)
{
    const struct partner *p = is_partner(w) ? partner_of(w) : &partners[0];
    char *id = dc_make_lesson(accts[ADMIN].token, "fire", 600);
    c->path = dc_strdup("/v1/partner/progress/batch");
    c->body = dc_dumps(json_pack("{s:[{s:s, s:s, s:s, s:i, s:i}]}", "items", "external_user_id",
                                 p->ext_user, "content_type", "lesson", "content_id", id,
                                 "from_second", 0, "to_second", 60));
    free(id);
}

/* a change of partner A's: A's feed may show it, B's never does */
static void fx_partner_changes(enum who w, struct cell *c)
{
    (void)w;
    char *path = dc_fmt("/v1/partner/submissions/authz-c-%d-%u", run_id, counter());
    char *body = partner_submission_body(&partners[0], "甲平台变更");
    struct dc_resp *r = dc_partner_call(&partners[0].cred, "PUT", path, body);
    dc_expect_status(r, 201, "partner A's submission");
    c->aux = dc_strdup(dc_str(r->json, "id"));
    dc_resp_free(r);
    free(body);
    free(path);
    c->path = dc_strdup("/v1/partner/changes?limit=100");
}

static void ck_partner_changes(enum who w, const struct cell *c, const struct dc_resp *r, char *why,
                               size_t cap)
{
    if (w != PB || r->status != 200)
        return;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        const char *sid = dc_str(it, "submission_id");
        if (sid && strcmp(sid, c->aux) == 0)
            snprintf(why, cap, "partner B's feed holds partner A's submission %s", c->aux);
    }
}

/* ---- THE table ---------------------------------------------------------- */

/* expected statuses per identity, in enum who order; "a|b" is a set */
#define PUBLIC(s)                                                                                  \
    {                                                                                              \
        s, s, s, s, s, s, s, s                                                                     \
    }
#define SIGNED_IN(s)                                                                               \
    {                                                                                              \
        "401", s, s, s, s, s, "401", "401"                                                         \
    }
#define ADMIN_ONLY(s)                                                                              \
    {                                                                                              \
        "401", "403", "403", "403", "403", s, "401", "401"                                         \
    }
#define MODERATORS(s)                                                                              \
    {                                                                                              \
        "401", "403", "403", "403", s, s, "401", "401"                                             \
    }
#define PARTNERS(s)                                                                                \
    {                                                                                              \
        "401", "401", "401", "401", "401", "401", s, s                                             \
    }

struct row {
    const char *method, *pattern, *variant;
    setup_fn setup;
    const char *expect[NWHO];
    check_fn check;
};

static const struct row ROWS[] = {
    /* health and ops */
    {"GET", "/healthz", "", fx_healthz, PUBLIC("200"), NULL},
    {"GET", "/readyz", "", fx_readyz, PUBLIC("200"), NULL},
    {"GET", "/metrics", "", fx_metrics, PUBLIC("200"), NULL},

    /* accounts and sessions: registering and logging in are open to anyone */
    {"POST", "/v1/accounts", "", fx_register, PUBLIC("201"), NULL},
    {"POST", "/v1/sessions", "", fx_login, PUBLIC("201"), NULL},
    {"DELETE", "/v1/sessions/current", "own fresh session", fx_logout, SIGNED_IN("204"), ck_logout},
    {"GET", "/v1/me", "", fx_me, SIGNED_IN("200"), NULL},
    {"PATCH", "/v1/me", "", fx_me_patch, SIGNED_IN("200"), NULL},
    {"PUT", "/v1/admin/accounts/:id/role", "owner's account", fx_role, ADMIN_ONLY("200"), NULL},
    {"PUT", "/v1/admin/accounts/:id/role", "unknown account", fx_role_unknown, ADMIN_ONLY("404"),
     NULL},

    /* regions and organizations */
    {"GET", "/v1/regions", "", fx_regions, PUBLIC("200"), NULL},
    {"GET", "/v1/organizations", "", fx_orgs, PUBLIC("200"), NULL},
    {"POST", "/v1/admin/organizations", "", fx_org_create, ADMIN_ONLY("201"), NULL},

    /* campaign */
    {"GET", "/v1/campaign", "", fx_campaign, PUBLIC("200"), NULL},
    {"PATCH", "/v1/admin/campaign", "", fx_campaign_patch, ADMIN_ONLY("200"), NULL},
    {"GET", "/v1/categories", "", fx_categories, PUBLIC("200"), NULL},

    /* lessons */
    {"POST", "/v1/admin/lessons", "", fx_lesson_create, ADMIN_ONLY("201"), NULL},
    {"PATCH", "/v1/admin/lessons/:id", "", fx_lesson_patch, ADMIN_ONLY("200"), NULL},
    {"PATCH", "/v1/admin/lessons/:id", "unknown lesson", fx_lesson_patch_unknown, ADMIN_ONLY("404"),
     NULL},
    {"GET", "/v1/lessons", "", fx_lessons, PUBLIC("200"), NULL},
    {"GET", "/v1/lessons/:id", "", fx_lesson_get, PUBLIC("200"), NULL},

    /* livestreams and reservations */
    {"POST", "/v1/admin/livestreams", "", fx_livestream_create, ADMIN_ONLY("201"), NULL},
    {"POST", "/v1/admin/livestreams/:id/start", "scheduled", fx_livestream_start, ADMIN_ONLY("200"),
     NULL},
    {"POST", "/v1/admin/livestreams/:id/end", "live", fx_livestream_end, ADMIN_ONLY("200"), NULL},
    {"GET", "/v1/livestreams", "", fx_livestreams, PUBLIC("200"), NULL},
    {"GET", "/v1/livestreams/:id", "", fx_livestream_get, PUBLIC("200"), NULL},
    {"PUT", "/v1/livestreams/:id/reservation", "", fx_reservation, SIGNED_IN("204"), NULL},
    {"DELETE", "/v1/livestreams/:id/reservation", "", fx_reservation, SIGNED_IN("204"), NULL},
    {"GET", "/v1/me/reservations", "", fx_my_reservations, SIGNED_IN("200"), NULL},

    /* learning */
    {"POST", "/v1/progress", "", fx_progress, SIGNED_IN("200"), NULL},
    {"GET", "/v1/me/progress", "", fx_my_progress, SIGNED_IN("200"), NULL},
    {"POST", "/v1/checkins", "", fx_checkins, SIGNED_IN("200|201"), NULL},
    {"GET", "/v1/me/checkins", "", fx_my_checkins, SIGNED_IN("200"), NULL},

    /* certificates: only the owner has earned one; the rest are not eligible */
    {"POST",
     "/v1/me/certificate",
     "owner eligible",
     fx_certificate_claim,
     {"401", "409", "200|201", "409", "409", "409", "401", "401"},
     NULL},
    {"GET", "/v1/certificates/public-key", "", fx_public_key, PUBLIC("200"), NULL},
    {"GET", "/v1/certificates/:serial.svg", "owner's", fx_certificate_svg, PUBLIC("200"), NULL},
    {"GET", "/v1/certificates/:serial.svg", "unknown serial", fx_certificate_svg_unknown,
     PUBLIC("404"), NULL},
    {"GET", "/v1/certificates/:serial.png", "owner's", fx_certificate_png, PUBLIC("200"), NULL},
    {"GET", "/verify/:serial", "owner's", fx_verify_page, PUBLIC("200"), NULL},
    {"GET", "/v1/certificates/:serial", "owner's", fx_certificate_get, PUBLIC("200"), NULL},
    {"GET", "/v1/certificates/:serial", "unknown serial", fx_certificate_unknown, PUBLIC("404"),
     NULL},
    {"POST", "/v1/admin/certificates/:serial/revoke", "owner's", fx_certificate_revoke,
     ADMIN_ONLY("200"), NULL},

    /* submissions: the owner is the author */
    {"POST", "/v1/submissions", "", fx_submission_create, SIGNED_IN("201"), NULL},
    {"GET", "/v1/submissions", "approved list", fx_submissions, PUBLIC("200"), NULL},
    {"GET", "/v1/submissions", "?mine=true", fx_submissions_mine, SIGNED_IN("200"), NULL},
    {"GET", "/v1/submissions", "?status=pending", fx_submissions_pending, MODERATORS("200"), NULL},
    {"GET", "/v1/submissions/:id", "approved", fx_sub_get_approved, PUBLIC("200"), NULL},
    {"GET",
     "/v1/submissions/:id",
     "pending",
     fx_sub_get_pending,
     {"404", "404", "200", "404", "200", "200", "404", "404"},
     NULL},
    {"GET",
     "/v1/submissions/:id",
     "rejected",
     fx_sub_get_rejected,
     {"404", "404", "200", "404", "200", "200", "404", "404"},
     NULL},
    {"GET", "/v1/submissions/:id", "unknown", fx_sub_get_unknown, PUBLIC("404"), NULL},
    {"PATCH",
     "/v1/submissions/:id",
     "pending",
     fx_sub_patch_pending,
     {"401", "404", "200", "404", "403", "403", "401", "401"},
     NULL},
    {"PATCH",
     "/v1/submissions/:id",
     "approved (no longer editable)",
     fx_sub_patch_approved,
     {"401", "403", "409", "403", "403", "403", "401", "401"},
     NULL},
    {"DELETE",
     "/v1/submissions/:id",
     "pending",
     fx_sub_delete_pending,
     {"401", "404", "204", "404", "403", "204", "401", "401"},
     NULL},
    {"DELETE",
     "/v1/submissions/:id",
     "approved",
     fx_sub_delete_approved,
     {"401", "403", "204", "403", "403", "204", "401", "401"},
     NULL},
    {"PUT",
     "/v1/submissions/:id/like",
     "approved (self_like for the owner)",
     fx_like_approved,
     {"401", "200", "403", "200", "200", "200", "401", "401"},
     NULL},
    {"PUT",
     "/v1/submissions/:id/like",
     "pending",
     fx_like_pending,
     {"401", "404", "404", "404", "404", "404", "401", "401"},
     NULL},
    {"DELETE",
     "/v1/submissions/:id/like",
     "approved",
     fx_like_approved,
     {"401", "200", "403", "200", "200", "200", "401", "401"},
     NULL},
    {"DELETE",
     "/v1/submissions/:id/like",
     "pending",
     fx_like_pending,
     {"401", "404", "404", "404", "404", "404", "401", "401"},
     NULL},
    {"GET", "/v1/admin/submissions", "", fx_queue, MODERATORS("200"), NULL},
    {"POST", "/v1/admin/submissions/:id/review", "pending", fx_review, MODERATORS("200"), NULL},
    {"POST", "/v1/admin/submissions/:id/recommend", "approved", fx_recommend, ADMIN_ONLY("200"),
     NULL},
    {"POST", "/v1/admin/submissions/:id/recommend", "pending", fx_recommend_pending,
     ADMIN_ONLY("409"), NULL},
    {"GET", "/v1/leaderboard", "", fx_leaderboard, PUBLIC("200"), NULL},
    /* the campaign is live: the admin gets through to 409 campaign_closed */
    {"POST", "/v1/admin/leaderboard/freeze", "live campaign", fx_freeze, ADMIN_ONLY("409"), NULL},
    {"GET", "/v1/admin/winners.csv", "not frozen", fx_winners, ADMIN_ONLY("409"), NULL},

    /* partners: bearer tokens are no partner credential */
    {"POST", "/v1/admin/partners", "", fx_partner_create, ADMIN_ONLY("201"), NULL},
    {"PUT", "/v1/partner/users/:external_user_id", "new phone", fx_partner_user, PARTNERS("201"),
     NULL},
    {"PUT", "/v1/partner/submissions/:external_id", "new", fx_partner_submission, PARTNERS("201"),
     NULL},
    {"PUT",
     "/v1/partner/submissions/:external_id",
     "partner A's external id",
     fx_partner_submission_of_a,
     {"401", "401", "401", "401", "401", "401", "200", "201"},
     ck_partner_submission_of_a},
    {"POST", "/v1/partner/submissions/batch", "", fx_partner_sub_batch, PARTNERS("200"),
     ck_batch_item_ok},
    {"POST", "/v1/partner/likes/batch", "own user", fx_partner_likes, PARTNERS("200"),
     ck_batch_item_ok},
    {"POST", "/v1/partner/likes/batch", "partner A's user", fx_partner_likes_a_user,
     PARTNERS("200"), ck_likes_a_user},
    {"POST", "/v1/partner/progress/batch", "", fx_partner_progress, PARTNERS("200"),
     ck_batch_item_ok},
    {"GET", "/v1/partner/changes", "", fx_partner_changes, PARTNERS("200"), ck_partner_changes},

    /* reporting */
    {"GET", "/v1/admin/audit", "", fx_audit, ADMIN_ONLY("200"), NULL},
    {"GET", "/v1/admin/stats", "", fx_stats, ADMIN_ONLY("200"), NULL},
    {"GET", "/v1/admin/stats.csv", "", fx_stats_csv, ADMIN_ONLY("200"), NULL},
    {"GET", "/v1/admin/certificates.csv", "", fx_certificates_csv, ADMIN_ONLY("200"), NULL},
};

#define NROWS ((int)(sizeof ROWS / sizeof ROWS[0]))

/* ---- checks ------------------------------------------------------------- */

static bool status_in(long status, const char *set)
{
    const char *p = set;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            return false;
        if (v == status)
            return true;
        p = *end == '|' ? end + 1 : end;
    }
    return false;
}

/* a row is private when an anonymous caller is refused */
static bool row_private(const struct row *r)
{
    return strcmp(r->expect[ANON], "401") == 0 || strcmp(r->expect[PA], "401") == 0;
}

static const char *const NEVER_IN_RESPONSES[] = {"password_hash", "token_hash", "secret_enc",
                                                 "scrypt$"};

/* One cell: its verdict appended to report (empty when it passed). */
static void run_cell(const struct row *row, enum who w, char *report, size_t cap)
{
    struct cell c = {0};
    row->setup(w, &c);
    struct dc_resp *r = send_as(w, c.token, row->method, c.path, c.body);
    char why[600] = "";
    const char *code = dc_err_code_of(r);
    bool partner_route = strncmp(row->pattern, "/v1/partner/", 12) == 0;
    if (!status_in(r->status, row->expect[w])) {
        snprintf(why, sizeof why, "status %ld, want %s", r->status, row->expect[w]);
    } else if (r->status >= 400) {
        json_t *err = json_object_get(r->json, "error");
        if (!json_is_object(err) || !json_is_string(json_object_get(err, "code")) ||
            !json_is_string(json_object_get(err, "message")))
            snprintf(why, sizeof why, "no error envelope");
        else if (r->status == 401 && partner_route && strcmp(code, "invalid_signature") != 0)
            snprintf(why, sizeof why, "401 with code %s, want invalid_signature", code);
        else if (r->status == 401 && !partner_route && strcmp(code, "unauthorized") != 0)
            snprintf(why, sizeof why, "401 with code %s, want unauthorized", code);
        else if (r->status == 401 && !partner_route) {
            char *h = dc_resp_header(r, "WWW-Authenticate");
            if (!h || strncasecmp(h, "Bearer", 6) != 0)
                snprintf(why, sizeof why, "401 without WWW-Authenticate: Bearer");
            free(h);
        } else if (r->status == 404 && strcmp(code, "not_found") != 0)
            snprintf(why, sizeof why, "404 with code %s", code);
        else if (r->status == 403 && strcmp(code, "forbidden") != 0 &&
                 strcmp(code, "self_like") != 0)
            snprintf(why, sizeof why, "403 with code %s", code);
    } else if (row_private(row) && w != ANON) {
        char *cc = dc_resp_header(r, "Cache-Control");
        if (!cc || !strstr(cc, "no-store"))
            snprintf(why, sizeof why, "a private %ld answer without Cache-Control: no-store",
                     r->status);
        free(cc);
    }
    for (size_t i = 0; !why[0] && r->body && i < sizeof NEVER_IN_RESPONSES / sizeof(char *); i++)
        if (strstr(r->body, NEVER_IN_RESPONSES[i]))
            snprintf(why, sizeof why, "the answer holds %s", NEVER_IN_RESPONSES[i]);
    if (!why[0] && row->check)
        row->check(w, &c, r, why, sizeof why);
    if (why[0]) {
        size_t n = strlen(report);
        snprintf(report + n, cap - n, "\n  %s %s [%s] as %s: %s; path %s; body %.300s", row->method,
                 row->pattern, row->variant, WHO_NAMES[w], why, c.path, r->body ? r->body : "");
    }
    dc_resp_free(r);
    cell_free(&c);
}

START_TEST(matrix_row)
{
    const struct row *row = &ROWS[_i];
    dc_campaign_live(accts[ADMIN].token, DC_RULES_FAST);
    char report[16384] = "";
    for (int w = 0; w < NWHO; w++)
        run_cell(row, (enum who)w, report, sizeof report);
    ck_assert_msg(report[0] == '\0', "%s %s [%s]:%s", row->method, row->pattern, row->variant,
                  report);
}
END_TEST

/* ---- the route table, read from the source ------------------------------ */

struct route {
    char method[16];
    char pattern[160];
};

/* routes.c next to this file: ../../src/http/routes.c */
static FILE *open_routes(char *path, size_t cap)
{
#ifdef SOURCE_DIR
    snprintf(path, cap, "%s/src/http/routes.c", SOURCE_DIR);
    FILE *f = fopen(path, "r");
    if (f)
        return f;
#endif
    snprintf(path, cap, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    if (slash)
        slash[1] = '\0';
    else
        path[0] = '\0';
    size_t n = strlen(path);
    snprintf(path + n, cap - n, "../../src/http/routes.c");
    return fopen(path, "r");
}

/* Reads every {"METHOD", "/pattern", handler, ...} entry. */
static size_t read_routes(struct route *out, size_t cap)
{
    char path[1024];
    FILE *f = open_routes(path, sizeof path);
    ck_assert_msg(f != NULL, "cannot open the route table at %s", path);
    char line[1024];
    size_t n = 0;
    bool in_table = false;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "dc_routes[]"))
            in_table = true;
        if (!in_table)
            continue;
        if (strstr(line, "};"))
            break;
        const char *p = strchr(line, '{');
        if (!p)
            continue;
        struct route r;
        if (sscanf(p, "{ \"%15[A-Z]\" , \"%159[^\"]\"", r.method, r.pattern) == 2) {
            ck_assert_uint_lt(n, cap);
            out[n++] = r;
        }
    }
    fclose(f);
    return n;
}

START_TEST(route_table_covered)
{
    struct route routes[256];
    size_t n = read_routes(routes, 256);
    ck_assert_msg(n >= 60, "only %zu routes read from routes.c", n);
    char missing[8192] = "";
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (int k = 0; k < NROWS && !found; k++)
            found = strcmp(ROWS[k].method, routes[i].method) == 0 &&
                    strcmp(ROWS[k].pattern, routes[i].pattern) == 0;
        if (!found) {
            size_t m = strlen(missing);
            snprintf(missing + m, sizeof missing - m, "\n  %s %s", routes[i].method,
                     routes[i].pattern);
        }
    }
    ck_assert_msg(missing[0] == '\0', "routes without a row in the authorization matrix:%s",
                  missing);
    char stale[8192] = "";
    for (int k = 0; k < NROWS; k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(ROWS[k].method, routes[i].method) == 0 &&
                    strcmp(ROWS[k].pattern, routes[i].pattern) == 0;
        if (!found) {
            size_t m = strlen(stale);
            snprintf(stale + m, sizeof stale - m, "\n  %s %s", ROWS[k].method, ROWS[k].pattern);
        }
    }
    ck_assert_msg(stale[0] == '\0', "matrix rows for routes the server does not have:%s", stale);
    /* every row's expectations are well-formed sets */
    for (int k = 0; k < NROWS; k++)
        for (int w = 0; w < NWHO; w++) {
            const char *e = ROWS[k].expect[w];
            ck_assert_msg(e && strlen(e) >= 3 && isdigit((unsigned char)e[0]), "row %d cell %d", k,
                          w);
        }
}
END_TEST

/* ---- identities, made once ---------------------------------------------- */

static bool make_account(enum who w, const char *name)
{
    struct account *a = &accts[w];
    dc_unique_phone(a->phone);
    snprintf(a->password, sizeof a->password, "authz pass %d %d", run_id, (int)w);
    a->id = dc_register(a->phone, a->password, name);
    a->token = a->id ? dc_login(a->phone, a->password) : NULL;
    return a->token != NULL;
}

static bool make_admin(void)
{
    struct account *a = &accts[ADMIN];
    dc_unique_phone(a->phone);
    snprintf(a->password, sizeof a->password, "authz admin %d", run_id);
    char env[80];
    snprintf(env, sizeof env, "DRILLCAMP_ADMIN_PASSWORD=%s", a->password);
    const char *args[] = {"create-admin", "--phone", a->phone, NULL};
    const char *envs[] = {env, NULL};
    if (dc_run_cli(args, envs, NULL, NULL) != 0)
        return false;
    a->token = dc_login(a->phone, a->password);
    if (!a->token)
        return false;
    struct dc_resp *r = dc_req("GET", "/v1/me", a->token, NULL);
    a->id = r->status == 200 ? strdup(dc_str(r->json, "id")) : NULL;
    dc_resp_free(r);
    return a->id != NULL;
}

static bool make_partner(struct partner *p, const char *name, const char *ext)
{
    char *req = dc_dumps(json_pack("{s:s}", "name", name));
    struct dc_resp *r = dc_req("POST", "/v1/admin/partners", accts[ADMIN].token, req);
    free(req);
    bool ok = r->status == 201;
    if (ok) {
        snprintf(p->cred.id, sizeof p->cred.id, "%s", dc_str(r->json, "id"));
        snprintf(p->cred.key_id, sizeof p->cred.key_id, "%s", dc_str(r->json, "key_id"));
        snprintf(p->cred.secret, sizeof p->cred.secret, "%s", dc_str(r->json, "secret"));
    }
    dc_resp_free(r);
    if (!ok)
        return false;
    snprintf(p->ext_user, sizeof p->ext_user, "%s-%d", ext, run_id);
    char phone[12], target[128];
    dc_unique_phone(phone);
    snprintf(target, sizeof target, "/v1/partner/users/%s", p->ext_user);
    char *body = dc_dumps(json_pack("{s:s, s:s, s:s}", "phone", phone, "display_name", "平台作者",
                                    "region_code", "350100"));
    r = dc_partner_call(&p->cred, "PUT", target, body);
    free(body);
    ok = r->status == 201;
    if (ok)
        p->account_id = strdup(dc_str(json_object_get(r->json, "account"), "id"));
    dc_resp_free(r);
    return ok;
}

static bool make_identities(void)
{
    if (!make_admin() || !make_account(USER, "矩阵用户") || !make_account(OWNER, "矩阵作者") ||
        !make_account(OTHER, "矩阵路人") || !make_account(MOD, "矩阵审核"))
        return false;
    char *path = dc_fmt("/v1/admin/accounts/%s/role", accts[MOD].id);
    struct dc_resp *r = dc_req("PUT", path, accts[ADMIN].token, "{\"role\":\"moderator\"}");
    bool ok = r->status == 200;
    dc_resp_free(r);
    free(path);
    return ok && make_partner(&partners[0], "矩阵平台甲", "authz-a-user") &&
           make_partner(&partners[1], "矩阵平台乙", "authz-b-user");
}

int main(void)
{
    run_id = (int)getpid();
    dc_server_start(NULL);
    if (!make_identities()) {
        fprintf(stderr, "test_authz: could not make the identities\n");
        dc_server_stop();
        return 1;
    }
    Suite *s = suite_create("authz");
    dc_add_tcase(s, "route_table", 0, route_table_covered, NULL);
    TCase *matrix = dc_add_tcase(s, "matrix", 60, NULL);
    tcase_add_loop_test(matrix, matrix_row, 0, NROWS);
    int code = dc_finish("test_authz", dc_run_suite(s));
    printf("test_authz: %d rows x %d identities = %d cells\n", NROWS, NWHO, NROWS * NWHO);
    return code;
}
