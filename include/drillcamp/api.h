/*
 * api.h - the request handlers (src/api/, one file per resource), the
 * business rules that users and partners share, and the helpers handlers
 * share.
 *
 * Every handler has the dc_handler signature (http.h): the dispatcher has
 * provided what its route declares (src/http/routes.c), the handler does
 * its own work and returns DC_OK after answering, or the error.
 */
#ifndef DRILLCAMP_API_H
#define DRILLCAMP_API_H

#include <jansson.h>

#include "drillcamp/accounts.h"
#include "drillcamp/campaign.h"
#include "drillcamp/contest.h"
#include "drillcamp/db.h"
#include "drillcamp/http.h"
#include "drillcamp/profile.h"
#include "drillcamp/progress.h"

/* ---- handlers, by file ---- */

/* health_api.c */
enum dc_err health_api_healthz(struct dc_req *req);
enum dc_err health_api_readyz(struct dc_req *req);
enum dc_err health_api_metrics(struct dc_req *req);

/* accounts_api.c */
enum dc_err accounts_api_register(struct dc_req *req);
enum dc_err accounts_api_set_role(struct dc_req *req);

/* sessions_api.c */
enum dc_err sessions_api_login(struct dc_req *req);
enum dc_err sessions_api_logout(struct dc_req *req);

/* me_api.c */
enum dc_err me_api_get(struct dc_req *req);
enum dc_err me_api_patch(struct dc_req *req);

/* regions_api.c, organizations_api.c */
enum dc_err regions_api_list(struct dc_req *req);
enum dc_err organizations_api_create(struct dc_req *req);
enum dc_err organizations_api_list(struct dc_req *req);

/* campaign_api.c, categories_api.c */
enum dc_err campaign_api_get(struct dc_req *req);
enum dc_err campaign_api_patch(struct dc_req *req);
enum dc_err categories_api_list(struct dc_req *req);

/* lessons_api.c */
enum dc_err lessons_api_create(struct dc_req *req);
enum dc_err lessons_api_patch(struct dc_req *req);
enum dc_err lessons_api_get(struct dc_req *req);
enum dc_err lessons_api_list(struct dc_req *req);

/* livestreams_api.c, reservations_api.c */
enum dc_err livestreams_api_create(struct dc_req *req);
enum dc_err livestreams_api_start(struct dc_req *req);
enum dc_err livestreams_api_end(struct dc_req *req);
enum dc_err livestreams_api_get(struct dc_req *req);
enum dc_err livestreams_api_list(struct dc_req *req);
enum dc_err reservations_api_put(struct dc_req *req);
enum dc_err reservations_api_delete(struct dc_req *req);
enum dc_err reservations_api_list(struct dc_req *req);

/* progress_api.c, checkins_api.c */
enum dc_err progress_api_post(struct dc_req *req);
enum dc_err progress_api_mine(struct dc_req *req);
enum dc_err checkins_api_post(struct dc_req *req);
enum dc_err checkins_api_mine(struct dc_req *req);

/* certificates_api.c */
enum dc_err certificates_api_claim(struct dc_req *req);
enum dc_err certificates_api_get(struct dc_req *req);
enum dc_err certificates_api_svg(struct dc_req *req);
enum dc_err certificates_api_page(struct dc_req *req);
/* The :serial certificate (its strings in the request's arena);
 * DC_ERR_NOT_FOUND when there is none. */
enum dc_err certificates_find(struct dc_req *req, struct dc_certificate *out);
/* c's printable SVG, malloc'ed for the caller; NULL when out of memory. */
char *certificates_svg(struct dc_req *req, const struct dc_certificate *c);

/* certificate_png_api.c */
enum dc_err certificate_png_api_get(struct dc_req *req);
/* Drops the cached images (at exit, after the last request). */
void certificate_png_api_shutdown(void);
enum dc_err certificates_api_public_key(struct dc_req *req);
enum dc_err certificates_api_revoke(struct dc_req *req);
/* Loads the Ed25519 signing key (PEM) used for every certificate. */
enum dc_err certificates_api_init(const char *key_path);

/* submissions_api.c */
enum dc_err submissions_api_create(struct dc_req *req);
enum dc_err submissions_api_list(struct dc_req *req);
enum dc_err submissions_api_get(struct dc_req *req);
enum dc_err submissions_api_patch(struct dc_req *req);
enum dc_err submissions_api_delete(struct dc_req *req);
enum dc_err submissions_api_queue(struct dc_req *req);
enum dc_err submissions_api_review(struct dc_req *req);
enum dc_err submissions_api_recommend(struct dc_req *req);

/* likes_api.c */
enum dc_err likes_api_put(struct dc_req *req);
enum dc_err likes_api_delete(struct dc_req *req);

/* leaderboard_api.c */
enum dc_err leaderboard_api_get(struct dc_req *req);
enum dc_err leaderboard_api_freeze(struct dc_req *req);
enum dc_err leaderboard_api_winners_csv(struct dc_req *req);

/* partners_api.c, partner_users_api.c, partner_submissions_api.c, partner_sync_api.c */
enum dc_err partners_api_create(struct dc_req *req);
enum dc_err partner_users_api_put(struct dc_req *req);
enum dc_err partner_submissions_api_put(struct dc_req *req);
enum dc_err partner_sync_api_submissions(struct dc_req *req);
enum dc_err partner_sync_api_likes(struct dc_req *req);
enum dc_err partner_sync_api_progress(struct dc_req *req);
enum dc_err partner_sync_api_changes(struct dc_req *req);

/* audit_api.c */
enum dc_err audit_api_list(struct dc_req *req);

/* reports_api.c */
enum dc_err reports_api_stats(struct dc_req *req);
enum dc_err reports_api_stats_csv(struct dc_req *req);
enum dc_err reports_api_certificates_csv(struct dc_req *req);

/* ---- authentication (auth_api.c), run by the dispatcher ---- */

/* Parses the 64-hex-digit key that seals partner secrets. */
enum dc_err auth_init_partner_key(const char *key_hex);
/* Resolves the bearer token into req->auth (401 unauthorized). */
enum dc_err auth_bearer(struct dc_req *req);
/* Verifies X-Partner-Key, X-Timestamp and X-Signature over the request
 * into req->partner (401 stale_request / invalid_signature). */
enum dc_err auth_partner(struct dc_req *req);
/* A new partner secret sealed for storage (AES-256-GCM under the partner
 * key); *sealed in the arena. */
enum dc_err auth_seal_partner_secret(struct dc_arena *a, const char *secret, const char **sealed);

/* The password hashing threads (DRILLCAMP_HASH_CONCURRENCY of them). */
enum dc_err auth_start_hashing(unsigned threads);
void auth_stop_hashing(void);
/*
 * A password check or new hash, run on a hashing thread while the request
 * waits suspended (no HTTP worker thread and no connection held). Fill
 * password (the request's), stored (check against it) or NULL (a new
 * hash), and next; the handler returns auth_hash_defer(req, h). Then next
 * runs like a handler, with the route's connection, and finds h with
 * auth_hash_of (embed h first in a larger struct to carry more); a failed
 * hash is answered as its error, and 503 when too many hashes wait.
 */
struct auth_hash {
    const char *password;
    const char *stored;
    dc_handler next;
    /* results */
    bool match;       /* a check: the password matched */
    const char *made; /* a new hash: the stored form (the request's) */
    enum dc_err err;
    struct dc_req *req;
};
enum dc_err auth_hash_defer(struct dc_req *req, struct auth_hash *h);
struct auth_hash *auth_hash_of(struct dc_req *req);

/* ---- business rules shared by the user and partner paths ---- */

/* The campaign as the public cache has it (at most about a second old;
 * from the database when the cache has none) (campaign_api.c). */
enum dc_err api_campaign_load(struct db_conn *c, struct dc_campaign *out);
/* The campaign, loaded; 409 campaign_closed when its current phase does
 * not allow the activity (campaign_api.c). */
enum dc_err api_campaign_gate(struct db_conn *c, enum dc_activity activity,
                              struct dc_campaign *out);

/* The region and organization a profile names must exist: 422 naming the
 * field otherwise (accounts_api.c). */
enum dc_err profile_check_refs(struct db_conn *c, const struct dc_profile *pr,
                               struct dc_problem *p);

/* One like or unlike, and what became of it. */
struct like_op {
    int64_t submission_id, account_id;
    bool like;
    /* the liker's client and device (clienthash.h), "" when none: a
     * partner's batch likes have neither */
    char client_hash[17], device_hash[17];
    /* results */
    enum dc_err err;    /* DC_OK, or NOT_FOUND / SELF_LIKE / CAMPAIGN_CLOSED */
    int64_t like_count; /* on DC_OK: the count including this op */
};
/*
 * The like rule (likes_api.c), whoever asks: only approved submissions
 * (404 to likers otherwise), never one's own (403 self_like), only while
 * the campaign is live (409 campaign_closed); idempotent. All n ops go in
 * one statement (one transaction) - an op repeating an earlier one's
 * (submission, account) in the next, so that they apply in order - and
 * each op's err and like_count say what became of it. The return is the
 * database's error (then nothing of the failed statement was kept).
 */
enum dc_err likes_apply(struct db_conn *c, struct like_op *const *ops, size_t n);
/* The thread that batches users' likes (started and stopped by main). */
enum dc_err likes_start_batching(void);
void likes_stop_batching(void);

/* One content's credit after a job of progress_credit. */
struct progress_content {
    const char *type;
    int64_t id;
    int64_t credited_seconds; /* the content's total credit after the job */
};
/* One account's watch reports, applied whole or not at all, and the
 * outcome. */
struct progress_job {
    int64_t account_id;
    const struct progress_report *reports;
    int n;
    bool allowance; /* users' heartbeats: within the playback-rate bucket */
    /* results */
    enum dc_err err;
    struct dc_problem problem;         /* on err: problem.field relative to reports[bad_item] */
    int bad_item;                      /* -1: none */
    struct progress_content *contents; /* distinct contents, in first-seen order (arena) */
    int ncontents;
    bool capped;               /* new seconds beyond the allowance were dropped */
    struct dc_learner learner; /* the account's totals after the job */
};
/*
 * Credits watch reports (progress_api.c), whoever sends them: a content's
 * credit is the union of its reported intervals, never past its length
 * (422 naming to_second); unknown content is 422 and a scheduled
 * livestream 409 (naming content_id). With the allowance (users'
 * heartbeats) an account's total grows no faster than the campaign's
 * playback-rate bucket; without it (partners watched the clock) only the
 * union and length rules apply. All n jobs run in one transaction (the
 * learners and intervals they touch locked in key order), in order, each
 * applied whole or not at all: a job that fails leaves nothing and the
 * others go on; its err, bad_item and problem say why. The return is the
 * database's error (then no job was applied). The campaign must allow
 * learning (checked by the caller).
 */
enum dc_err progress_credit(struct db_conn *c, const struct dc_campaign *camp,
                            struct progress_job *const *jobs, size_t n);
/* The thread that batches users' heartbeats (started and stopped by main). */
enum dc_err progress_start_batching(void);
void progress_stop_batching(void);

/* Who uploads a submission: an account directly, or a partner on its
 * linked user's behalf under its own external id. */
struct submission_origin {
    int64_t author_id;
    int64_t partner_id; /* 0: a direct upload */
    const char *external_id;
};
/*
 * Validates and stores a submission (submissions_api.c), whoever uploads
 * it: camp must allow submissions (409), every field valid (422, the first
 * bad one named) and the category known. A direct upload makes a new one
 * (*created true); a partner's creates or updates its external id,
 * retried once when a concurrent upload of the same id wins the race (so
 * call it outside a transaction).
 */
enum dc_err submissions_save(struct db_conn *c, const struct dc_campaign *camp,
                             const struct submission_origin *o, const json_t *body,
                             struct dc_submission *out, bool *created, struct dc_problem *p);

/* The account a partner linked as obj's external_user_id: 422 naming
 * external_user_id when it is missing, malformed or never linked
 * (partner_users_api.c). */
enum dc_err api_partner_author(struct db_conn *c, const struct dc_partner *partner,
                               const json_t *obj, int64_t *account, struct dc_problem *p);

/* ---- batched writes (batcher.c) ---- */

struct batcher;
/* Runs a batch: n items on connection c in one transaction, then wakes
 * each item's request. c is NULL when no connection could be had (err
 * says why: the items are answered with it). */
typedef void (*batcher_fn)(struct db_conn *c, void **items, size_t n, enum dc_err err);
struct batcher_stats {
    long long batches, items;
    size_t largest;
};
/* A thread that runs everything queued, up to max_batch items at a time,
 * through run; max_queued items may wait. NULL when out of memory. */
struct batcher *batcher_start(batcher_fn run, size_t max_batch, size_t max_queued);
/* Queues item (any thread); false when the queue is full or stopping. */
bool batcher_submit(struct batcher *b, void *item);
void batcher_get_stats(struct batcher *b, struct batcher_stats *out);
/* Runs what is queued, then joins the thread and frees b (NULL: no-op). */
void batcher_stop(struct batcher *b);

/* ---- the public cache (public_cache.c) ---- */

/* The answers rendered once a second. */
enum public_kind { PUBLIC_CAMPAIGN, PUBLIC_LEADERBOARD, PUBLIC__COUNT };
/* Renders the answers once (DC_OK needed to serve), then every second a
 * thread of its own folds the like shards and renders them again; stop
 * joins it and frees them. */
enum dc_err public_cache_start(void);
void public_cache_stop(void);
/* After a change made here (campaign PATCH, freeze): returns once answers
 * rendered after this call are published (or after 2 s). */
void public_cache_refresh_now(void);
/* The campaign as last read (at most about a second old): the phase gate
 * of the write paths. false before the first refresh. */
bool public_cache_campaign(struct dc_campaign *out);
/* Answers the cached kind: 200 with its bytes, or 304 when If-None-Match
 * names its ETag; with ETag and Cache-Control: public, max-age=1. */
enum dc_err public_cache_reply(struct dc_req *req, enum public_kind kind);
/* The leaderboard cut to limit entries, the same way. */
enum dc_err public_cache_reply_leaderboard(struct dc_req *req, int limit);
/* The renderers the cache calls: the campaign object at now
 * (campaign_api.c) and the leaderboard answer, frozen or live, with
 * camp's top_n entries (leaderboard_api.c). New references. */
json_t *api_campaign_json(const struct dc_campaign *c, double now);
enum dc_err leaderboard_render(struct db_conn *c, const struct dc_campaign *camp, json_t **out);

/* ---- helpers (common.c) ---- */

/* ?limit= (default 20, 1..100) and ?cursor=: 422 when out of range. */
struct api_page {
    int limit;
    int64_t after_a, after_b;
};
enum dc_err api_page_parse(struct dc_req *req, struct api_page *page);
/* {"items": items, "next_cursor": ...}; items stolen. */
json_t *api_page_json(json_t *items, bool more, int64_t last_a, int64_t last_b);
typedef json_t *(*api_item_json_fn)(const void *item);
typedef int64_t (*api_item_key_fn)(const void *item);
/* n items of size bytes each as a JSON array (a new reference). */
json_t *api_json_array(const void *items, size_t n, size_t size, api_item_json_fn to_json);
/* A list's query: one page's rows - up to page->limit + 1, the extra one
 * only saying that another page exists - into *items (an array pointer,
 * e.g. struct dc_lesson **, in the connection's arena) and *n. */
typedef enum dc_err (*api_list_fn)(struct dc_req *req, const struct api_page *page, void *items,
                                   size_t *n);
/* A keyset-paged GET: parses ?limit= and ?cursor=, runs query and answers
 * {"items": [...], "next_cursor"} with items of size bytes as to_json
 * makes them, the cursor keyed by key. */
enum dc_err api_list(struct dc_req *req, api_list_fn query, size_t size, api_item_json_fn to_json,
                     api_item_key_fn key);
/* Answers 200 {"items": [...]} with every item (no paging). */
enum dc_err api_reply_items(struct dc_req *req, const void *items, size_t n, size_t size,
                            api_item_json_fn to_json);
/* "items.N" or "items.N.field" (field relative to item N; "" or NULL for
 * the item itself), in the arena; a static "items" when out of memory. */
const char *api_item_field(struct dc_arena *a, size_t index, const char *field);
/* The :id path parameter as an id; 404 when it is not one. */
enum dc_err api_path_id(struct dc_req *req, const char *name, int64_t *id);
/* Records the caller's admin or moderator action on target ("kind:key"),
 * in the request's transaction; details (may be NULL) is stolen. */
enum dc_err api_audit(struct dc_req *req, const char *action, const char *target, json_t *details);
/* The same with the target "kind:id". */
enum dc_err api_audit_id(struct dc_req *req, const char *action, const char *kind, int64_t id,
                         json_t *details);
/* The account object of API.md section 2; phone only when with_phone. */
json_t *api_account_json(const struct dc_account *a, bool with_phone);
/* The submission object of API.md section 6, written as text into w (the
 * one rendering; submissions_api.c), and the same as a JSON value (item:
 * struct dc_submission; NULL when out of memory). */
struct jw;
void api_submission_write(struct jw *w, const struct dc_submission *s);
json_t *api_submission_json(const void *item);
/* The page wrapper as text, {"items": [...], "next_cursor": ...}, around
 * items already written (common.c): ends w's text with it. */
void api_page_write_end(struct jw *w, bool more, int64_t last_a, int64_t last_b);
/* The livestream object of API.md section 4 (item: struct dc_livestream)
 * and its list key (livestreams_api.c). */
json_t *api_livestream_json(const void *item);
int64_t api_livestream_key(const void *item);
/* Decimal string of an id, as the API writes ids. */
json_t *api_id_json(int64_t id);
/* A string or null. */
json_t *api_string_or_null(const char *s);

#endif
