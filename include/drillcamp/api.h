/*
 * api.h - the request handlers (src/api/, one file per resource) and the
 * helpers they share. Every handler has the dc_handler signature.
 */
#ifndef DRILLCAMP_API_H
#define DRILLCAMP_API_H

#include <jansson.h>

#include "drillcamp/accounts.h"
#include "drillcamp/campaign.h"
#include "drillcamp/db.h"
#include "drillcamp/http.h"
#include "drillcamp/ratelimit.h"

/* health_api.c */
void health_api_healthz(struct dc_req *req);
void health_api_readyz(struct dc_req *req);
void health_api_metrics(struct dc_req *req);

/* accounts_api.c */
void accounts_api_register(struct dc_req *req);
void accounts_api_set_role(struct dc_req *req);

/* sessions_api.c */
void sessions_api_login(struct dc_req *req);
void sessions_api_logout(struct dc_req *req);

/* me_api.c */
void me_api_get(struct dc_req *req);
void me_api_patch(struct dc_req *req);

/* campaign_api.c */
void campaign_api_get(struct dc_req *req);
void campaign_api_patch(struct dc_req *req);
void categories_api_list(struct dc_req *req);
/* The campaign object at `now`. */
json_t *api_campaign_json(const struct dc_campaign *c, double now);
/* Loads the campaign; answers 409 campaign_closed when activity is not
 * allowed in the current phase. */
bool api_campaign_gate_or_respond(struct dc_req *req, struct db_conn *conn,
                                  enum dc_activity activity, struct dc_campaign *out);

/* lessons_api.c */
void lessons_api_create(struct dc_req *req);
void lessons_api_patch(struct dc_req *req);
void lessons_api_get(struct dc_req *req);
void lessons_api_list(struct dc_req *req);

/* livestreams_api.c */
void livestreams_api_create(struct dc_req *req);
void livestreams_api_start(struct dc_req *req);
void livestreams_api_end(struct dc_req *req);
void livestreams_api_get(struct dc_req *req);
void livestreams_api_list(struct dc_req *req);
void reservations_api_put(struct dc_req *req);
void reservations_api_delete(struct dc_req *req);
void reservations_api_list(struct dc_req *req);

/* progress_api.c */
void progress_api_post(struct dc_req *req);
void progress_api_mine(struct dc_req *req);
void checkins_api_post(struct dc_req *req);
void checkins_api_mine(struct dc_req *req);

/* certificates_api.c */
void certificates_api_claim(struct dc_req *req);
void certificates_api_get(struct dc_req *req);
void certificates_api_svg(struct dc_req *req);
void certificates_api_public_key(struct dc_req *req);
void certificates_api_revoke(struct dc_req *req);
/* Loads the Ed25519 signing key (PEM) used for every certificate. */
enum dc_err certificates_api_init(const char *key_path);

/* submissions_api.c */
void submissions_api_create(struct dc_req *req);
void submissions_api_list(struct dc_req *req);
void submissions_api_get(struct dc_req *req);
void submissions_api_patch(struct dc_req *req);
void submissions_api_delete(struct dc_req *req);
void submissions_api_queue(struct dc_req *req);
void submissions_api_review(struct dc_req *req);
void submissions_api_recommend(struct dc_req *req);
/* The submission object of API.md section 6 (item: struct dc_submission). */
json_t *api_submission_json(const void *item);

/* likes_api.c */
void likes_api_put(struct dc_req *req);
void likes_api_delete(struct dc_req *req);

/* leaderboard_api.c */
void leaderboard_api_get(struct dc_req *req);
void leaderboard_api_freeze(struct dc_req *req);
void leaderboard_api_winners_csv(struct dc_req *req);

/* partners_api.c */
void partners_api_create(struct dc_req *req);
void partner_users_api_put(struct dc_req *req);
void partner_submissions_api_put(struct dc_req *req);
void audit_api_list(struct dc_req *req);
/* Parses the 64-hex-digit key that seals partner secrets. */
enum dc_err partners_api_init(const char *key_hex);
/* The account linked to obj's external_user_id by this partner;
 * DC_ERR_VALIDATION when it is missing, malformed or never linked. */
enum dc_err api_partner_author(struct db_conn *conn, const struct dc_partner *partner,
                               const json_t *obj, int64_t *account);
#define API_PARTNER_AUTHOR_MSG "external_user_id must name a user this partner linked"
/* Verifies X-Partner-Key, X-Timestamp and X-Signature over the request;
 * answers 401 stale_request / invalid_signature itself. */
bool api_partner_or_respond(struct dc_req *req, struct db_conn *conn, struct dc_partner *out);

/* partner_sync_api.c */
void partner_sync_api_submissions(struct dc_req *req);
void partner_sync_api_likes(struct dc_req *req);
void partner_sync_api_progress(struct dc_req *req);
void partner_sync_api_changes(struct dc_req *req);

/* reports_api.c */
void reports_api_stats(struct dc_req *req);
void reports_api_stats_csv(struct dc_req *req);
void reports_api_certificates_csv(struct dc_req *req);

/* regions_api.c */
void regions_api_list(struct dc_req *req);
void organizations_api_create(struct dc_req *req);
void organizations_api_list(struct dc_req *req);

/* common.c: each *_or_respond answers the client itself on failure. */

/* Checks out a connection or answers 503. */
bool api_db_acquire_or_respond(struct dc_req *req, struct db_conn **conn);
/* The same for read-only work that may be served by DATABASE_READ_URL. */
bool api_db_read_or_respond(struct dc_req *req, struct db_conn **conn);
/* Resolves the bearer token into req->auth or answers 401. */
bool api_auth_or_respond(struct dc_req *req, struct db_conn *conn);
/* Anonymous when no Authorization header is sent; a bad token is 401. */
bool api_auth_optional_or_respond(struct dc_req *req, struct db_conn *conn);
/* As api_auth_or_respond, then 403 unless the caller has one of the roles
 * (a NULL-terminated list). */
bool api_auth_role_or_respond(struct dc_req *req, struct db_conn *conn, const char *const *roles);
/* ?limit= (default 20, 1..100) and ?cursor=; answers 422 when out of range. */
bool api_page_or_respond(struct dc_req *req, int *limit, int64_t *after_a, int64_t *after_b);
/* {"items": items, "next_cursor": ...}; items stolen. */
json_t *api_page_json(json_t *items, bool more, int64_t last_a, int64_t last_b);
typedef json_t *(*api_item_json_fn)(const void *item);
typedef int64_t (*api_item_key_fn)(const void *item);
/* Answers 200 with one page: items holds up to limit + 1 rows (the extra
 * one only says that another page exists), keyed for the cursor by key. */
void api_reply_page(struct dc_req *req, const void *items, size_t n, int limit, size_t size,
                    api_item_json_fn to_json, api_item_key_fn key);
/* Records the caller's admin or moderator action on target ("kind:key");
 * details (may be NULL) is stolen. */
enum dc_err api_audit(struct db_conn *conn, const struct dc_req *req, const char *action,
                      const char *target, json_t *details);
/* The same with the target "kind:id". */
enum dc_err api_audit_id(struct db_conn *conn, const struct dc_req *req, const char *action,
                         const char *kind, int64_t id, json_t *details);
/* One request against the kind's limit for key; 429 rate_limited with
 * Retry-After when it is spent. */
bool api_rate_or_respond(struct dc_req *req, enum rl_kind kind, const char *key);
/* The same keyed by the authenticated account. */
bool api_rate_account_or_respond(struct dc_req *req, enum rl_kind kind);
/* The account object of API.md section 2; phone only when with_phone. */
json_t *api_account_json(const struct dc_account *a, bool with_phone);
/* Decimal string of an id, as the API writes ids. */
json_t *api_id_json(int64_t id);

#endif
