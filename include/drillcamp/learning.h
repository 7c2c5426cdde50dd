/*
 * learning.h - the learning half in the database: campaign, categories,
 * lessons, livestreams and reservations, progress, check-ins, certificates.
 *
 * Functions fill caller-provided structs; list functions return arrays
 * malloc'ed for the caller (free the array itself).
 */
#ifndef DRILLCAMP_LEARNING_H
#define DRILLCAMP_LEARNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/campaign.h"
#include "drillcamp/db.h"
#include "drillcamp/progress.h"

#define DC_URL_MAX  2049
#define DC_TEXT_MAX (4 * 2000 + 1)

/* campaign_repo.c */
enum dc_err campaign_repo_get(struct db_conn *c, struct dc_campaign *out);
/* Locks the campaign row for the rest of the transaction. */
enum dc_err campaign_repo_get_for_update(struct db_conn *c, struct dc_campaign *out);
enum dc_err campaign_repo_update(struct db_conn *c, const struct dc_campaign *in);

struct dc_category {
    char code[40];
    char name[DC_NAME_MAX];
};
enum dc_err categories_repo_list(struct db_conn *c, struct dc_category **out, size_t *n);
enum dc_err categories_repo_exists(struct db_conn *c, const char *code, bool *exists);

struct dc_lesson {
    int64_t id;
    char title[DC_NAME_MAX];
    char category[40];
    int duration_seconds;
    char video_url[DC_URL_MAX];
    char cover_url[DC_URL_MAX]; /* "" for none */
    bool has_cover;
    char description[DC_TEXT_MAX];
    bool has_description;
    char created_at[DC_TS_LEN];
    char updated_at[DC_TS_LEN];
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
enum dc_err lessons_repo_update(struct db_conn *c, int64_t id, const struct dc_lesson_fields *f,
                                struct dc_lesson *out);
enum dc_err lessons_repo_get(struct db_conn *c, int64_t id, struct dc_lesson *out);
enum dc_err lessons_repo_list(struct db_conn *c, const char *category, int64_t after_id, int limit,
                              struct dc_lesson **out, size_t *n);

struct dc_livestream {
    int64_t id;
    char title[DC_NAME_MAX];
    char expert[DC_NAME_MAX];
    char scheduled_at[DC_TS_LEN];
    char description[DC_TEXT_MAX];
    bool has_description;
    char status[16];
    char started_at[DC_TS_LEN]; /* "" when none */
    char ended_at[DC_TS_LEN];
    double started_epoch;
    int duration_seconds; /* 0 when none */
    char replay_url[DC_URL_MAX];
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
/* DC_ERR_INVALID_STATE unless scheduled / live. */
enum dc_err livestreams_repo_start(struct db_conn *c, int64_t id, struct dc_livestream *out);
enum dc_err livestreams_repo_end(struct db_conn *c, int64_t id, const char *replay_url,
                                 int duration_seconds, struct dc_livestream *out);
/* Idempotent; DC_ERR_NOT_FOUND for an unknown livestream. */
enum dc_err reservations_repo_put(struct db_conn *c, int64_t livestream_id, int64_t account_id);
enum dc_err reservations_repo_delete(struct db_conn *c, int64_t livestream_id, int64_t account_id);
/* The caller's reserved livestreams, by livestream id. */
enum dc_err reservations_repo_list(struct db_conn *c, int64_t account_id, int64_t after_id,
                                   int limit, struct dc_livestream **out, size_t *n);

/* progress_repo.c: the account's learner row, locked for the transaction
 * (created full-bucketed on first use). */
struct dc_learner {
    int64_t credited_seconds;
    struct progress_bucket bucket;
    int checkin_days;
    int streak_days;
    int64_t last_checkin_day; /* days since 1970 in Beijing; -1: never */
};
enum dc_err learners_repo_lock(struct db_conn *c, int64_t account_id, double rate, double now,
                               struct dc_learner *out);
/* Without a lock and without creating; a missing row reads as zeros. */
enum dc_err learners_repo_get(struct db_conn *c, int64_t account_id, struct dc_learner *out);
enum dc_err learners_repo_save(struct db_conn *c, int64_t account_id, const struct dc_learner *l);

/* A content's length for crediting: DC_ERR_NOT_FOUND unknown,
 * DC_ERR_INVALID_STATE for a scheduled livestream. */
enum dc_err progress_repo_content_length(struct db_conn *c, const char *content_type,
                                         int64_t content_id, double now, int32_t *length);
/* The merged intervals of one content, locked; empty when none. */
enum dc_err progress_repo_lock_intervals(struct db_conn *c, int64_t account_id,
                                         const char *content_type, int64_t content_id,
                                         struct progress_set *out);
enum dc_err progress_repo_save_intervals(struct db_conn *c, int64_t account_id,
                                         const char *content_type, int64_t content_id,
                                         const struct progress_set *s);

struct dc_progress_item {
    char content_type[16];
    int64_t content_id;
    char title[DC_NAME_MAX];
    int duration_seconds; /* 0 when unknown yet */
    int credited_seconds;
};
enum dc_err progress_repo_list(struct db_conn *c, int64_t account_id, struct dc_progress_item **out,
                               size_t *n);

/* checkins: true in *inserted when the day was new. */
enum dc_err checkins_repo_insert(struct db_conn *c, int64_t account_id, int64_t day,
                                 bool *inserted);
/* The days as "YYYY-MM-DD", oldest first; out is an array of 11-byte strings. */
enum dc_err checkins_repo_days(struct db_conn *c, int64_t account_id, char (**out)[11], size_t *n);

struct dc_certificate {
    char serial[24];
    int64_t campaign_id;
    int64_t account_id;
    char holder_name[DC_NAME_MAX];
    char class_hours[16]; /* numeric text, e.g. "8.00" */
    int64_t credited_seconds;
    char issued_at[DC_TS_LEN];
    char signed_payload[160];
    char signature[96];
    char revoked_at[DC_TS_LEN]; /* "" when valid */
    char revoke_reason[DC_TEXT_MAX];
    char campaign_name[DC_NAME_MAX];
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

#endif
