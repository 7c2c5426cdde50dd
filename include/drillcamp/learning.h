/*
 * learning.h - the learning half in the database: campaign, categories,
 * lessons, livestreams and reservations, learners, progress, check-ins,
 * certificates.
 *
 * Functions fill caller-provided structs; lists are arrays. Strings and
 * arrays live in the connection's arena (db.h): nothing returned here is
 * freed by the caller.
 */
#ifndef DRILLCAMP_LEARNING_H
#define DRILLCAMP_LEARNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/campaign.h"
#include "drillcamp/db.h"
#include "drillcamp/progress.h"

/* campaign_repo.c */
enum dc_err campaign_repo_get(struct db_conn *c, struct dc_campaign *out);
/* Locks the campaign row for the rest of the transaction. */
enum dc_err campaign_repo_get_for_update(struct db_conn *c, struct dc_campaign *out);
enum dc_err campaign_repo_update(struct db_conn *c, const struct dc_campaign *in);

/* categories_repo.c */
struct dc_category {
    const char *code;
    const char *name;
};
enum dc_err categories_repo_list(struct db_conn *c, struct dc_category **out, size_t *n);
enum dc_err categories_repo_exists(struct db_conn *c, const char *code, bool *exists);

/* lessons_repo.c */
struct dc_lesson {
    int64_t id;
    const char *title;
    const char *category;
    int duration_seconds;
    const char *video_url;
    const char *cover_url;   /* NULL: none */
    const char *description; /* NULL: none */
    const char *created_at;
    const char *updated_at;
};

/* Fields of a lesson create or patch; NULL / negative leaves alone. */
struct dc_lesson_fields {
    const char *title;
    const char *category;
    int duration_seconds; /* <= 0: unchanged */
    const char *video_url;
    bool set_cover;
    const char *cover_url; /* NULL with set_cover: clear */
    bool set_description;
    const char *description;
};

enum dc_err lessons_repo_insert(struct db_conn *c, const struct dc_lesson_fields *f,
                                struct dc_lesson *out);
/* DC_ERR_INVALID_STATE when the length would shrink below credit earned. */
enum dc_err lessons_repo_update(struct db_conn *c, int64_t id, const struct dc_lesson_fields *f,
                                struct dc_lesson *out);
enum dc_err lessons_repo_get(struct db_conn *c, int64_t id, struct dc_lesson *out);
enum dc_err lessons_repo_list(struct db_conn *c, const char *category, int64_t after_id, int limit,
                              struct dc_lesson **out, size_t *n);

/* livestreams_repo.c */
struct dc_livestream {
    int64_t id;
    const char *title;
    const char *expert;
    const char *scheduled_at;
    const char *description; /* NULL: none */
    const char *status;
    const char *started_at; /* NULL: none */
    const char *ended_at;   /* NULL: none */
    int duration_seconds;   /* 0 when none */
    const char *replay_url; /* NULL: none */
    int reservation_count;
    bool reserved;
};

enum dc_err livestreams_repo_insert(struct db_conn *c, const char *title, const char *expert,
                                    const char *scheduled_at, const char *description,
                                    struct dc_livestream *out);
/* viewer 0: anonymous (reserved false). */
enum dc_err livestreams_repo_get(struct db_conn *c, int64_t id, int64_t viewer,
                                 struct dc_livestream *out);
enum dc_err livestreams_repo_list(struct db_conn *c, const char *status, int64_t viewer,
                                  int64_t after_id, int limit, struct dc_livestream **out,
                                  size_t *n);
/* The livestreams account_id reserved, by livestream id. */
enum dc_err livestreams_repo_list_reserved(struct db_conn *c, int64_t account_id, int64_t after_id,
                                           int limit, struct dc_livestream **out, size_t *n);
/* DC_ERR_INVALID_STATE unless scheduled / live. */
enum dc_err livestreams_repo_start(struct db_conn *c, int64_t id, struct dc_livestream *out);
enum dc_err livestreams_repo_end(struct db_conn *c, int64_t id, const char *replay_url,
                                 int duration_seconds, struct dc_livestream *out);

/* reservations_repo.c: idempotent; DC_ERR_NOT_FOUND for an unknown livestream. */
enum dc_err reservations_repo_put(struct db_conn *c, int64_t livestream_id, int64_t account_id);
enum dc_err reservations_repo_delete(struct db_conn *c, int64_t livestream_id, int64_t account_id);

/* learners_repo.c: the account's learner row. */
struct dc_learner {
    int64_t credited_seconds;
    struct progress_bucket bucket;
    int checkin_days;
    int streak_days;
    int64_t last_checkin_day; /* days since 1970 in Beijing; -1: never */
};
/* Locked for the transaction (created full-bucketed on first use). */
enum dc_err learners_repo_lock(struct db_conn *c, int64_t account_id, double rate, double now,
                               struct dc_learner *out);
/* Without a lock and without creating; a missing row reads as zeros. */
enum dc_err learners_repo_get(struct db_conn *c, int64_t account_id, struct dc_learner *out);
enum dc_err learners_repo_save(struct db_conn *c, int64_t account_id, const struct dc_learner *l);
/* The learners of n accounts (sorted, distinct), created full-bucketed
 * when new, locked for the transaction in account order: out[i] is
 * accounts[i]'s. */
enum dc_err learners_repo_lock_many(struct db_conn *c, const int64_t *accounts, size_t n,
                                    double rate, double now, struct dc_learner *out);
/* Saves the credited seconds and the bucket of n learners. */
enum dc_err learners_repo_save_credit(struct db_conn *c, const int64_t *accounts,
                                      const struct dc_learner *learners, size_t n);

/* progress_repo.c */

/* Watch credit in batches: a content, and an account's credit on one. */
struct dc_content_key {
    const char *type; /* "lesson" or "livestream" */
    int64_t id;
};
struct dc_progress_key {
    int64_t account_id;
    const char *type;
    int64_t id;
};
/* The lengths of n contents credit is bounded by: errs[i] DC_OK with
 * lengths[i] (a live livestream's is the seconds since it started),
 * DC_ERR_NOT_FOUND (unknown) or DC_ERR_INVALID_STATE (a scheduled
 * livestream has none yet). */
enum dc_err progress_repo_content_lengths(struct db_conn *c, const struct dc_content_key *keys,
                                          size_t n, double now, int32_t *lengths,
                                          enum dc_err *errs);
/* The intervals of n keys (sorted by account, type, id; distinct), locked
 * in that order; sets[i] empty when none (malloc'ed: progress_set_free). */
enum dc_err progress_repo_lock_many(struct db_conn *c, const struct dc_progress_key *keys, size_t n,
                                    struct progress_set *sets);
/* Saves n keys' sets, each key's credited_seconds its set's length. */
enum dc_err progress_repo_save_many(struct db_conn *c, const struct dc_progress_key *keys,
                                    const struct progress_set *const *sets, size_t n);

struct dc_progress_item {
    const char *content_type;
    int64_t content_id;
    const char *title;
    int duration_seconds; /* 0 when unknown yet */
    int credited_seconds;
};
enum dc_err progress_repo_list(struct db_conn *c, int64_t account_id, struct dc_progress_item **out,
                               size_t *n);

/* checkins_repo.c: true in *inserted when the day was new. */
enum dc_err checkins_repo_insert(struct db_conn *c, int64_t account_id, int64_t day,
                                 bool *inserted);
/* The days as "YYYY-MM-DD", oldest first. */
enum dc_err checkins_repo_days(struct db_conn *c, int64_t account_id, const char ***out, size_t *n);

/* certificates_repo.c */
struct dc_certificate {
    const char *serial;
    int64_t campaign_id;
    int64_t account_id;
    const char *holder_name;
    const char *class_hours; /* numeric text, e.g. "8.00" */
    int64_t credited_seconds;
    const char *issued_at;
    const char *signed_payload;
    const char *signature;
    const char *revoked_at;    /* NULL when valid */
    const char *revoke_reason; /* NULL when valid */
    const char *campaign_name;
    const char *issuer; /* the campaign's, as it is now */
};
/* *created false when the account already had one (then *out is that one). */
enum dc_err certificates_repo_insert(struct db_conn *c, const struct dc_certificate *in,
                                     bool *created, struct dc_certificate *out);
enum dc_err certificates_repo_get(struct db_conn *c, const char *serial,
                                  struct dc_certificate *out);
enum dc_err certificates_repo_get_by_account(struct db_conn *c, int64_t campaign_id,
                                             int64_t account_id, struct dc_certificate *out);
enum dc_err certificates_repo_revoke(struct db_conn *c, const char *serial, const char *reason,
                                     struct dc_certificate *out);

struct dc_certificate_export {
    const char *serial;
    int64_t account_id;
    const char *holder_name;
    const char *region_code;
    const char *class_hours;
    int64_t credited_seconds;
    const char *issued_at;
    const char *revoked_at; /* NULL when valid */
};
/* Up to limit certificates with serials after `after` ("" from the start),
 * in serial order. */
enum dc_err certificates_repo_export_page(struct db_conn *c, const char *after, int limit,
                                          struct dc_certificate_export **out, size_t *n);

#endif
