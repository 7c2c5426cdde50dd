/*
 * contest.h - the contest half in the database: submissions, moderation,
 * likes with sharded counters, the leaderboard and its frozen snapshot,
 * the partner change feed and Idempotency-Key records.
 *
 * Strings and arrays returned live in the connection's arena (db.h):
 * nothing returned here is freed by the caller.
 */
#ifndef DRILLCAMP_CONTEST_H
#define DRILLCAMP_CONTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/db.h"
#include "drillcamp/learning.h"
#include "drillcamp/submission.h"

/* submissions_repo.c */
struct dc_submission {
    int64_t id;
    int64_t author_id;
    const char *author_name;
    const char *author_kind;
    const char *author_region;
    const char *title;
    const char *description;
    const char *category;
    const char *video_url;
    const char *cover_url; /* NULL: none */
    int duration_seconds;
    const char *format;
    int64_t size_bytes;
    const char *hashtags_json; /* a JSON array's text */
    const char *status;
    const char *reject_reason; /* NULL: none */
    bool recommended;
    const char *channels_json; /* a JSON array's text */
    int64_t like_count;        /* exact */
    int64_t folded_likes;      /* as last folded: what sort=likes orders by */
    bool liked;
    const char *source;
    const char *created_at;
    const char *updated_at;
};

enum dc_err submissions_repo_insert(struct db_conn *c, int64_t author_id,
                                    const struct dc_submission_input *in,
                                    struct dc_submission *out);
/* A partner's submission by its external id: created or updated (or left
 * alone when the content is the same). DC_ERR_CONFLICT when a concurrent
 * upload made it just now: retry. */
enum dc_err submissions_repo_upsert_partner(struct db_conn *c, int64_t partner_id,
                                            const char *external_id, int64_t author_id,
                                            const struct dc_submission_input *in,
                                            struct dc_submission *out, bool *created);
/* viewer 0: anonymous (liked false). */
enum dc_err submissions_repo_get(struct db_conn *c, int64_t id, int64_t viewer,
                                 struct dc_submission *out);

struct dc_submission_filter {
    const char *status;       /* NULL: approved only, unless author set */
    int64_t author_id;        /* 0: everyone's */
    const char *category;     /* NULL: any */
    bool by_likes;            /* sort=likes, else newest first */
    int64_t after_a, after_b; /* keyset: 0/0 from the start */
    int limit;
    int64_t viewer;
};
enum dc_err submissions_repo_list(struct db_conn *c, const struct dc_submission_filter *f,
                                  struct dc_submission **out, size_t *n);
/* The moderation queue: status, oldest first, keyed by id. */
enum dc_err submissions_repo_queue(struct db_conn *c, const char *status, int64_t after_id,
                                   int limit, struct dc_submission **out, size_t *n);
/* Author edits while pending; DC_ERR_INVALID_STATE otherwise. */
enum dc_err submissions_repo_patch(struct db_conn *c, int64_t id, const char *title,
                                   const char *description, bool set_cover, const char *cover_url,
                                   struct dc_submission *out);
enum dc_err submissions_repo_set_status(struct db_conn *c, int64_t id, const char *status,
                                        const char *reject_reason, struct dc_submission *out);
/* Approved only: DC_ERR_INVALID_STATE otherwise. channels_pg is a text[] literal. */
enum dc_err submissions_repo_recommend(struct db_conn *c, int64_t id, const char *channels_pg,
                                       struct dc_submission *out);

/* partner_changes_repo.c: a partner's submission as it was right after one
 * change (the feed). */
struct dc_partner_change {
    int64_t tx, seq; /* the feed's order and cursor */
    int64_t submission_id;
    const char *external_id;
    const char *status;
    const char *reject_reason; /* NULL: none */
    bool recommended;
    int64_t like_count;
    const char *changed_at;
};
/* The partner's changes after (after_tx, after_seq), oldest first, only
 * those whose transactions are older than every transaction still running,
 * so that nothing committed later can sort before them. */
enum dc_err partner_changes_repo_page(struct db_conn *c, int64_t partner_id, int64_t after_tx,
                                      int64_t after_seq, int limit, struct dc_partner_change **out,
                                      size_t *n);

/* n likes (likes[i] true) and unlikes: submission, account, and the
 * liker's client and device hashes ("" when none), all borrowed. */
struct likes_batch {
    const int64_t *sids, *aids;
    const bool *likes;
    const char *const *clients, *const *devices;
    size_t n;
};
/* likes_repo.c: a batch in one statement (its own transaction when none is
 * open): codes[i] receives 200, or 404 (not an approved submission), 403
 * (the account's own) or 409 (the campaign is not live), and counts[i] the
 * submission's count including the statement's changes. A (submission,
 * account) may appear once; rows are locked in key order (no deadlock with
 * other batches or the folder). */
enum dc_err likes_repo_apply(struct db_conn *c, const struct likes_batch *b, int *codes,
                             int64_t *counts);
/* Moves the shards of the next `limit` submissions with ids above *after
 * into submissions.like_count and refreshes their newest like's time, in
 * the caller's transaction (two statements): *after becomes the chunk's
 * last id, *moved its size (0: no shards above *after). A transaction per
 * chunk keeps the shard rows locked briefly. */
#define LIKES_FOLD_CHUNK 256
enum dc_err likes_repo_fold_chunk(struct db_conn *c, int64_t *after, int limit, int *moved);
/* Every chunk in the caller's transaction; *moved the submissions changed. */
enum dc_err likes_repo_fold(struct db_conn *c, int *moved);

/* leaderboard_repo.c */
struct dc_rank_row {
    int64_t submission_id;
    int64_t account_id;
    const char *display_name;
    const char *kind;
    const char *region_code;
    const char *title;
    const char *cover_url; /* NULL: none */
    int64_t like_count;
};
/* Approved submissions in ranking order from offset; the caller keeps each
 * account's first. */
enum dc_err leaderboard_repo_page(struct db_conn *c, int offset, int limit,
                                  struct dc_rank_row **out, size_t *n);
/* The frozen snapshot's JSON text or DC_ERR_NOT_FOUND. */
enum dc_err leaderboard_repo_snapshot(struct db_conn *c, int64_t campaign_id, const char **body);
/* Stores a snapshot unless one exists; *body receives the stored one. */
enum dc_err leaderboard_repo_freeze(struct db_conn *c, int64_t campaign_id, const char *json,
                                    double frozen_at, const char **body);
/* Full phones of the given accounts, in the same order (for winners.csv). */
enum dc_err leaderboard_repo_phones(struct db_conn *c, const char *ids_pg, const char ***out,
                                    size_t *n);

/* idempotency_repo.c: the stored reply of (account, key), if any, after
 * waiting for a concurrent holder of the same key. */
struct dc_idem {
    bool fresh;           /* true: this request owns the key now */
    const char *hash;     /* the stored request hash, when !fresh */
    int status;           /* the stored reply, when !fresh (0: none yet) */
    const char *response; /* when !fresh */
};
enum dc_err idempotency_repo_claim(struct db_conn *c, int64_t account_id, const char *key,
                                   const char *request_hash, struct dc_idem *out);
enum dc_err idempotency_repo_store(struct db_conn *c, int64_t account_id, const char *key,
                                   int status, const char *response);

#endif
