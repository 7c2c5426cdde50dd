/*
 * submissions_repo.c - SQL for topic submissions and their moderation.
 * A submission's like_count is the folded count plus the shards not yet
 * folded, so it is exact at every read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/contest.h"

#define TS(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/* V: the viewing account for `liked` (0: anonymous) */
#define SUB_COLS(V)                                                                                \
    "s.id, s.author_id, a.display_name, a.kind, a.region_code, s.title, s.description,"            \
    " s.category, s.video_url, s.cover_url, s.duration_seconds, s.format, s.size_bytes,"           \
    " array_to_json(s.hashtags)::text, s.status, s.reject_reason, s.recommended,"                  \
    " array_to_json(s.recommended_channels)::text, s.like_count + coalesce((SELECT sum(delta)"     \
    " FROM like_shards ls WHERE ls.submission_id = s.id), 0), EXISTS (SELECT 1 FROM likes l"       \
    " WHERE l.submission_id = s.id AND l.account_id = " V                                          \
    "), s.source, " TS("s.created_at") ", " TS("s.updated_at") ", s.like_count"
#define FROM_SUB " FROM submissions s JOIN accounts a ON a.id = s.author_id"

static const struct db_stmt INSERT = {
    "submissions_insert",
    "WITH s AS (INSERT INTO submissions (author_id, title, description, category, video_url,"
    " cover_url, duration_seconds, format, size_bytes, hashtags)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[]) RETURNING *)"
    " SELECT " SUB_COLS("0") " FROM s JOIN accounts a ON a.id = s.author_id",
    10};

/* a partner's upload: new (201) or an update of its own earlier one (200);
 * the author stays the one who first uploaded it */
/* a partner's upload: new (201) or an update of its own earlier one (200);
 * the author stays the one who first uploaded it. Sending the same content
 * again changes nothing; new content of a moderated submission sends it
 * back to the queue (what was approved is no longer what is shown). */
#define MODERATED "submissions.status IN ('approved', 'rejected')"
static const struct db_stmt UPSERT_PARTNER = {
    "submissions_upsert_partner",
    "WITH up AS (INSERT INTO submissions (author_id, title, description, category, video_url,"
    " cover_url, duration_seconds, format, size_bytes, hashtags, source, partner_id, external_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], 'partner', $11, $12)"
    " ON CONFLICT (partner_id, external_id) WHERE partner_id IS NOT NULL DO UPDATE SET"
    " title = excluded.title, description = excluded.description, category = excluded.category,"
    " video_url = excluded.video_url, cover_url = excluded.cover_url,"
    " duration_seconds = excluded.duration_seconds, format = excluded.format,"
    " size_bytes = excluded.size_bytes, hashtags = excluded.hashtags, updated_at = now(),"
    " status = CASE WHEN " MODERATED " THEN 'pending' ELSE submissions.status END,"
    " reject_reason = CASE WHEN " MODERATED " THEN NULL ELSE submissions.reject_reason END,"
    " recommended = submissions.recommended AND NOT " MODERATED ","
    " recommended_channels = CASE WHEN " MODERATED " THEN '{}'"
    " ELSE submissions.recommended_channels END"
    " WHERE (submissions.title, submissions.description, submissions.category,"
    " submissions.video_url, submissions.cover_url, submissions.duration_seconds,"
    " submissions.format, submissions.size_bytes, submissions.hashtags) IS DISTINCT FROM"
    " (excluded.title, excluded.description, excluded.category, excluded.video_url,"
    " excluded.cover_url, excluded.duration_seconds, excluded.format, excluded.size_bytes,"
    " excluded.hashtags)"
    " RETURNING *, (xmax = 0) AS created)"
    " SELECT " SUB_COLS("0") ", s.created FROM up s JOIN accounts a ON a.id = s.author_id"
                             " UNION ALL SELECT " SUB_COLS(
                                 "0") ", false" FROM_SUB
                                      " WHERE s.partner_id = $11 AND s.external_id = $12 AND NOT "
                                      "EXISTS (SELECT 1 FROM up)",
    12};

static const struct db_stmt GET = {"submissions_get",
                                   "SELECT " SUB_COLS("$2::bigint") FROM_SUB " WHERE s.id = $1", 2};

/* $1 status, $2 author (0: any), $3 category, $4 after id (0: start), $5 limit, $6 viewer */
static const struct db_stmt LIST_RECENT = {
    "submissions_list_recent",
    "SELECT " SUB_COLS("$6::bigint") FROM_SUB
    " WHERE s.status = $1"
    " AND ($2::bigint = 0 OR s.author_id = $2) AND ($3::text IS NULL OR s.category = $3)"
    " AND ($4::bigint = 0 OR s.id < $4) ORDER BY s.id DESC LIMIT $5::int",
    6};

static const struct db_stmt LIST_MINE = {
    "submissions_list_mine",
    "SELECT " SUB_COLS("$6::bigint") FROM_SUB
    " WHERE s.author_id = $2"
    " AND ($1::text IS NULL OR s.status = $1) AND ($3::text IS NULL OR s.category = $3)"
    " AND ($4::bigint = 0 OR s.id < $4) ORDER BY s.id DESC LIMIT $5::int",
    6};

/* keyset on (like_count, id) descending; $7 is the cursor's like_count */
static const struct db_stmt LIST_LIKES = {
    "submissions_list_likes",
    "SELECT " SUB_COLS("$6::bigint") FROM_SUB
    " WHERE s.status = $1"
    " AND ($2::bigint = 0 OR s.author_id = $2) AND ($3::text IS NULL OR s.category = $3)"
    " AND ($4::bigint = 0 OR (s.like_count, s.id) < ($7::bigint, $4::bigint))"
    " ORDER BY s.like_count DESC, s.id DESC LIMIT $5::int",
    7};

static const struct db_stmt QUEUE = {"submissions_queue",
                                     "SELECT " SUB_COLS("0") FROM_SUB
                                     " WHERE s.status = $1 AND s.id > $2::bigint"
                                     " ORDER BY s.id LIMIT $3::int",
                                     3};

static const struct db_stmt PATCH = {
    "submissions_patch",
    "UPDATE submissions SET title = coalesce($2, title), description = coalesce($3, description),"
    " cover_url = CASE WHEN $4::boolean THEN $5 ELSE cover_url END, updated_at = now()"
    " WHERE id = $1 AND status = 'pending' RETURNING id",
    5};

static const struct db_stmt SET_STATUS = {
    "submissions_set_status",
    "UPDATE submissions SET status = $2, reject_reason = $3, updated_at = now(),"
    " recommended = recommended AND $2 = 'approved', recommended_channels = CASE WHEN"
    " $2 = 'approved' THEN recommended_channels ELSE '{}' END WHERE id = $1 RETURNING id",
    3};

static const struct db_stmt RECOMMEND = {
    "submissions_recommend",
    "UPDATE submissions SET recommended = true, recommended_channels = $2::text[],"
    " updated_at = now() WHERE id = $1 AND status = 'approved' RETURNING id",
    2};

static void from_row(const PGresult *r, int i, void *item)
{
    struct dc_submission *s = item;
#define COPY(field, col) snprintf(s->field, sizeof s->field, "%s", PQgetvalue(r, i, col))
    s->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    s->author_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    COPY(author_name, 2);
    COPY(author_kind, 3);
    COPY(author_region, 4);
    COPY(title, 5);
    COPY(description, 6);
    COPY(category, 7);
    COPY(video_url, 8);
    s->has_cover = !PQgetisnull(r, i, 9);
    COPY(cover_url, 9);
    s->duration_seconds = atoi(PQgetvalue(r, i, 10));
    COPY(format, 11);
    s->size_bytes = strtoll(PQgetvalue(r, i, 12), NULL, 10);
    COPY(hashtags_json, 13);
    COPY(status, 14);
    s->has_reject_reason = !PQgetisnull(r, i, 15);
    COPY(reject_reason, 15);
    s->recommended = strcmp(PQgetvalue(r, i, 16), "t") == 0;
    COPY(channels_json, 17);
    s->like_count = strtoll(PQgetvalue(r, i, 18), NULL, 10);
    s->liked = strcmp(PQgetvalue(r, i, 19), "t") == 0;
    COPY(source, 20);
    COPY(created_at, 21);
    COPY(updated_at, 22);
    s->folded_likes = strtoll(PQgetvalue(r, i, 23), NULL, 10);
#undef COPY
}

enum dc_err submissions_repo_insert(struct db_conn *c, int64_t author_id,
                                    const struct dc_submission_input *in, struct dc_submission *out)
{
    char author[24], dur[16], size[24];
    char *tags = submission_tags_pg_array(in);
    if (!tags)
        return DC_ERR_NOMEM;
    snprintf(author, sizeof author, "%" PRId64, author_id);
    snprintf(dur, sizeof dur, "%d", in->duration_seconds);
    snprintf(size, sizeof size, "%" PRId64, in->size_bytes);
    const char *p[] = {author,        in->title, in->description, in->category, in->video_url,
                       in->cover_url, dur,       in->format,      size,         tags};
    enum dc_err err = db_query_one(c, &INSERT, p, from_row, out);
    free(tags);
    return err;
}

enum dc_err submissions_repo_upsert_partner(struct db_conn *c, int64_t partner_id,
                                            const char *external_id, int64_t author_id,
                                            const struct dc_submission_input *in,
                                            struct dc_submission *out, bool *created)
{
    char author[24], dur[16], size[24], pid[24];
    char *tags = submission_tags_pg_array(in);
    if (!tags)
        return DC_ERR_NOMEM;
    snprintf(author, sizeof author, "%" PRId64, author_id);
    snprintf(dur, sizeof dur, "%d", in->duration_seconds);
    snprintf(size, sizeof size, "%" PRId64, in->size_bytes);
    snprintf(pid, sizeof pid, "%" PRId64, partner_id);
    const char *p[] = {author,        in->title,  in->description, in->category, in->video_url,
                       in->cover_url, dur,        in->format,      size,         tags,
                       pid,           external_id};
    PGresult *r;
    enum dc_err err = db_exec(c, &UPSERT_PARTNER, p, &r, NULL);
    free(tags);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return DC_ERR_CONFLICT; /* made by a concurrent upload just now: retry */
    }
    from_row(r, 0, out);
    *created = strcmp(PQgetvalue(r, 0, 24), "t") == 0;
    PQclear(r);
    return DC_OK;
}

enum dc_err submissions_repo_get(struct db_conn *c, int64_t id, int64_t viewer,
                                 struct dc_submission *out)
{
    char ids[24], v[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    snprintf(v, sizeof v, "%" PRId64, viewer);
    const char *p[] = {ids, v};
    return db_query_one(c, &GET, p, from_row, out);
}

enum dc_err submissions_repo_list(struct db_conn *c, const struct dc_submission_filter *f,
                                  struct dc_submission **out, size_t *n)
{
    char author[24], after[24], lim[16], viewer[24], after_likes[24];
    snprintf(author, sizeof author, "%" PRId64, f->author_id);
    snprintf(after, sizeof after, "%" PRId64, f->after_b);
    snprintf(lim, sizeof lim, "%d", f->limit);
    snprintf(viewer, sizeof viewer, "%" PRId64, f->viewer);
    snprintf(after_likes, sizeof after_likes, "%" PRId64, f->after_a);
    const char *p[] = {f->status, author, f->category, after, lim, viewer, after_likes};
    /* an author's own list is newest first, whatever the sort */
    const struct db_stmt *s = f->author_id ? &LIST_MINE : f->by_likes ? &LIST_LIKES : &LIST_RECENT;
    return db_query_list(c, s, p, sizeof **out, from_row, (void **)out, n);
}

enum dc_err submissions_repo_queue(struct db_conn *c, const char *status, int64_t after_id,
                                   int limit, struct dc_submission **out, size_t *n)
{
    char after[24], lim[16];
    snprintf(after, sizeof after, "%" PRId64, after_id);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {status, after, lim};
    return db_query_list(c, &QUEUE, p, sizeof **out, from_row, (void **)out, n);
}

/* Runs an UPDATE ... RETURNING id; no row is 404 or 409 by whether the
 * submission exists, then answers the fresh object. */
static enum dc_err update_then_get(struct db_conn *c, const struct db_stmt *s, const char *const *p,
                                   int64_t id, struct dc_submission *out)
{
    PGresult *r;
    enum dc_err err = db_exec(c, s, p, &r, NULL);
    if (err != DC_OK)
        return err;
    bool updated = PQntuples(r) == 1;
    PQclear(r);
    err = submissions_repo_get(c, id, 0, out);
    if (err == DC_OK && !updated)
        err = DC_ERR_INVALID_STATE;
    return err;
}

enum dc_err submissions_repo_patch(struct db_conn *c, int64_t id, const char *title,
                                   const char *description, bool set_cover, const char *cover_url,
                                   struct dc_submission *out)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids, title, description, set_cover ? "true" : "false", cover_url};
    return update_then_get(c, &PATCH, p, id, out);
}

enum dc_err submissions_repo_set_status(struct db_conn *c, int64_t id, const char *status,
                                        const char *reject_reason, struct dc_submission *out)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids, status, reject_reason};
    return update_then_get(c, &SET_STATUS, p, id, out);
}

enum dc_err submissions_repo_recommend(struct db_conn *c, int64_t id, const char *channels_pg,
                                       struct dc_submission *out)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids, channels_pg};
    return update_then_get(c, &RECOMMEND, p, id, out);
}
