/*
 * submissions_repo.c - SQL for topic submissions and their moderation.
 * One submission's like_count is exact: the folded count plus the shards
 * not yet folded. Lists show the folded count, which sort=likes orders by
 * (at most about a second old, API.md section 6), and never scan likes:
 * whether the viewer likes an item is one probe of the likes key.
 */

#include <string.h>

#include "drillcamp/contest.h"
#include "drillcamp/limits.h"

/* The columns of a submission, with its like_count and `liked` given. */
#define SUB_COLS(LIKES, LIKED)                                                                     \
    "s.id, s.author_id, a.display_name, a.kind, a.region_code, s.title, s.description,"            \
    " s.category, s.video_url, s.cover_url, s.duration_seconds, s.format, s.size_bytes,"           \
    " array_to_json(s.hashtags)::text, s.status, s.reject_reason, s.recommended,"                  \
    " array_to_json(s.recommended_channels)::text, " LIKES ", " LIKED                              \
    ", s.source, " DB_TS("s.created_at") ", " DB_TS("s.updated_at") ", s.like_count"
#define EXACT_LIKES                                                                                \
    "s.like_count + coalesce((SELECT sum(delta) FROM like_shards ls WHERE ls.submission_id = "     \
    "s.id),"                                                                                       \
    " 0)"
#define FOLDED_LIKES "s.like_count"
/* V (a parameter) likes s: a scalar subquery, which the planner cannot turn
 * into a hashed scan of likes as it may an EXISTS; nothing when anonymous */
#define LIKED_BY(V)                                                                                \
    "CASE WHEN " V " = 0 THEN false ELSE coalesce((SELECT true FROM likes l"                       \
    " WHERE l.submission_id = s.id AND l.account_id = " V " LIMIT 1), false) END"
#define FROM_SUB " FROM submissions s JOIN accounts a ON a.id = s.author_id"

static const struct db_stmt INSERT = {
    "submissions_insert",
    "WITH s AS (INSERT INTO submissions (author_id, title, description, category, video_url,"
    " cover_url, duration_seconds, format, size_bytes, hashtags)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[]) RETURNING *)"
    " SELECT " SUB_COLS(EXACT_LIKES, "false") " FROM s JOIN accounts a ON a.id = s.author_id",
    10};

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
    " SELECT " SUB_COLS(
        EXACT_LIKES,
        "false") ", s.created FROM up s JOIN accounts a ON a.id = s.author_id"
                 " UNION ALL SELECT " SUB_COLS(
                     EXACT_LIKES,
                     "false") ", false" FROM_SUB
                              " WHERE s.partner_id = $11 AND s.external_id = $12 AND NOT "
                              "EXISTS (SELECT 1 FROM up)",
    12};

static const struct db_stmt GET = {
    "submissions_get",
    "SELECT " SUB_COLS(EXACT_LIKES, LIKED_BY("$2::bigint")) FROM_SUB " WHERE s.id = $1", 2};

/*
 * The public lists: $1 status, $2 limit, $3 viewer (0: anonymous), then
 * the category and the cursor when given. One statement per combination,
 * none with "$n IS NULL OR ..." conditions: a generic plan of those scans
 * every approved submission. And everyone's default page (approved ones,
 * 20 and one more to see whether more follow) has both written in: with
 * parameters PostgreSQL guessed more rows than the limit needs and kept
 * planning the query again on every call (0.15-0.25 ms at national scale,
 * as long as running it); written in, its one generic plan is as good.
 * Indexed [by likes][with a category][after a cursor][default page]; by
 * likes, the keyset is (like_count, id) descending.
 */
#define LIST_DEFAULT_LIMIT 21 /* DC_PAGE_DEFAULT + 1 */
#define LIST_STR_(x)       #x
#define LIST_STR(x)        LIST_STR_(x)
_Static_assert(LIST_DEFAULT_LIMIT == DC_PAGE_DEFAULT + 1, "the default page and one more");
#define LIST_SQL(WHERE, FILTER, TAIL)                                                              \
    "SELECT " SUB_COLS(FOLDED_LIKES, LIKED_BY("$3::bigint")) FROM_SUB " WHERE " WHERE FILTER TAIL
#define LIST(NAME, FILTER, ORDER, N)                                                               \
    {                                                                                              \
        {NAME, LIST_SQL("s.status = $1", FILTER, " ORDER BY " ORDER " LIMIT $2::int"), N},         \
        {                                                                                          \
            NAME "_default",                                                                       \
                LIST_SQL("s.status = 'approved' AND $1::text = 'approved'", FILTER,                \
                         " AND $2::int = " LIST_STR(LIST_DEFAULT_LIMIT) " ORDER BY " ORDER         \
                                                                        " LIMIT " LIST_STR(        \
                                                                            LIST_DEFAULT_LIMIT)),  \
                N                                                                                  \
        }                                                                                          \
    }
#define BY_ID    "s.id DESC"
#define BY_LIKES "s.like_count DESC, s.id DESC"
static const struct db_stmt LIST_PUBLIC[2][2][2][2] = {
    {{LIST("submissions_list_recent", "", BY_ID, 3),
      LIST("submissions_list_recent_after", " AND s.id < $4::bigint", BY_ID, 4)},
     {LIST("submissions_list_recent_cat", " AND s.category = $4", BY_ID, 4),
      LIST("submissions_list_recent_cat_after", " AND s.category = $4 AND s.id < $5::bigint", BY_ID,
           5)}},
    {{LIST("submissions_list_likes", "", BY_LIKES, 3),
      LIST("submissions_list_likes_after", " AND (s.like_count, s.id) < ($4::bigint, $5::bigint)",
           BY_LIKES, 5)},
     {LIST("submissions_list_likes_cat", " AND s.category = $4", BY_LIKES, 4),
      LIST("submissions_list_likes_cat_after",
           " AND s.category = $4 AND (s.like_count, s.id) < ($5::bigint, $6::bigint)", BY_LIKES,
           6)}},
};

/* An author's own list, newest first: $1 status (NULL: any), $2 author,
 * $3 category, $4 after id (0: start), $5 limit, $6 viewer. */
static const struct db_stmt LIST_MINE = {
    "submissions_list_mine",
    "SELECT " SUB_COLS(FOLDED_LIKES, LIKED_BY("$6::bigint")) FROM_SUB
    " WHERE s.author_id = $2"
    " AND ($1::text IS NULL OR s.status = $1) AND ($3::text IS NULL OR s.category = $3)"
    " AND ($4::bigint = 0 OR s.id < $4) ORDER BY s.id DESC LIMIT $5::int",
    6};

static const struct db_stmt QUEUE = {"submissions_queue",
                                     "SELECT " SUB_COLS(FOLDED_LIKES, "false") FROM_SUB
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

static void submission_from_row(const PGresult *r, int i, void *item)
{
    struct dc_submission *s = item;
    s->id = db_i64(r, i, 0);
    s->author_id = db_i64(r, i, 1);
    s->author_name = db_text(r, i, 2);
    s->author_kind = db_text(r, i, 3);
    s->author_region = db_text(r, i, 4);
    s->title = db_text(r, i, 5);
    s->description = db_text(r, i, 6);
    s->category = db_text(r, i, 7);
    s->video_url = db_text(r, i, 8);
    s->cover_url = db_text_or_null(r, i, 9);
    s->duration_seconds = db_int(r, i, 10);
    s->format = db_text(r, i, 11);
    s->size_bytes = db_i64(r, i, 12);
    s->hashtags_json = db_text(r, i, 13);
    s->status = db_text(r, i, 14);
    s->reject_reason = db_text_or_null(r, i, 15);
    s->recommended = db_bool(r, i, 16);
    s->channels_json = db_text(r, i, 17);
    s->like_count = db_i64(r, i, 18);
    s->liked = db_bool(r, i, 19);
    s->source = db_text(r, i, 20);
    s->created_at = db_text(r, i, 21);
    s->updated_at = db_text(r, i, 22);
    s->folded_likes = db_i64(r, i, 23);
}

/* A partner upload's row: the submission and whether it was created. */
struct upserted {
    struct dc_submission s;
    bool created;
};

static void upserted_from_row(const PGresult *r, int i, void *item)
{
    struct upserted *u = item;
    submission_from_row(r, i, &u->s);
    u->created = db_bool(r, i, 24);
}

/* The insert's parameters $1-$10 in order; the hashtags as a text[]
 * literal in the connection's arena. */
static enum dc_err input_params(struct db_conn *c, int64_t author_id,
                                const struct dc_submission_input *in, const char **p)
{
    const char *tags = submission_tags_pg_array(db_conn_arena(c), in);
    if (!tags)
        return DC_ERR_NOMEM;
    const char *v[] = {db_arg_i64(c, author_id),
                       in->title,
                       in->description,
                       in->category,
                       in->video_url,
                       in->cover_url,
                       db_arg_i64(c, in->duration_seconds),
                       in->format,
                       db_arg_i64(c, in->size_bytes),
                       tags};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        p[k] = v[k];
    return DC_OK;
}

enum dc_err submissions_repo_insert(struct db_conn *c, int64_t author_id,
                                    const struct dc_submission_input *in, struct dc_submission *out)
{
    const char *p[10];
    enum dc_err err = input_params(c, author_id, in, p);
    return err == DC_OK ? db_query_one(c, &INSERT, p, submission_from_row, out) : err;
}

enum dc_err submissions_repo_upsert_partner(struct db_conn *c, int64_t partner_id,
                                            const char *external_id, int64_t author_id,
                                            const struct dc_submission_input *in,
                                            struct dc_submission *out, bool *created)
{
    const char *p[12];
    enum dc_err err = input_params(c, author_id, in, p);
    p[10] = db_arg_i64(c, partner_id);
    p[11] = external_id;
    struct upserted u;
    if (err == DC_OK)
        err = db_query_one(c, &UPSERT_PARTNER, p, upserted_from_row, &u);
    if (err == DC_ERR_NOT_FOUND)
        return DC_ERR_CONFLICT; /* made by a concurrent upload just now: retry */
    if (err == DC_OK) {
        *out = u.s;
        *created = u.created;
    }
    return err;
}

enum dc_err submissions_repo_get(struct db_conn *c, int64_t id, int64_t viewer,
                                 struct dc_submission *out)
{
    const char *p[] = {db_arg_i64(c, id), db_arg_i64(c, viewer)};
    return db_query_one(c, &GET, p, submission_from_row, out);
}

enum dc_err submissions_repo_list(struct db_conn *c, const struct dc_submission_filter *f,
                                  struct dc_submission **out, size_t *n)
{
    if (f->author_id) {
        /* an author's own list is newest first, whatever the sort */
        const char *p[] = {f->status,
                           db_arg_i64(c, f->author_id),
                           f->category,
                           db_arg_i64(c, f->after_b),
                           db_arg_i64(c, f->limit),
                           db_arg_i64(c, f->viewer)};
        return db_query_list(c, &LIST_MINE, p, sizeof **out, submission_from_row, (void **)out, n);
    }
    bool cat = f->category != NULL, after = f->after_b != 0;
    const char *p[6] = {f->status, db_arg_i64(c, f->limit), db_arg_i64(c, f->viewer)};
    int k = 3;
    if (cat)
        p[k++] = f->category;
    if (after && f->by_likes)
        p[k++] = db_arg_i64(c, f->after_a);
    if (after)
        p[k++] = db_arg_i64(c, f->after_b);
    bool fixed = f->limit == LIST_DEFAULT_LIMIT && strcmp(f->status, "approved") == 0;
    const struct db_stmt *s = &LIST_PUBLIC[f->by_likes][cat][after][fixed];
    return db_query_list(c, s, p, sizeof **out, submission_from_row, (void **)out, n);
}

enum dc_err submissions_repo_queue(struct db_conn *c, const char *status, int64_t after_id,
                                   int limit, struct dc_submission **out, size_t *n)
{
    const char *p[] = {status, db_arg_i64(c, after_id), db_arg_i64(c, limit)};
    return db_query_list(c, &QUEUE, p, sizeof **out, submission_from_row, (void **)out, n);
}

/* Runs an UPDATE ... RETURNING id; no row is 404 or 409 by whether the
 * submission exists, then answers the fresh object. */
static enum dc_err update_then_get(struct db_conn *c, const struct db_stmt *s, const char *const *p,
                                   int64_t id, struct dc_submission *out)
{
    int64_t updated = 0;
    enum dc_err err = db_query_one(c, s, p, db_row_i64, &updated);
    if (err != DC_OK && err != DC_ERR_NOT_FOUND)
        return err;
    bool changed = err == DC_OK;
    err = submissions_repo_get(c, id, 0, out);
    return err == DC_OK && !changed ? DC_ERR_INVALID_STATE : err;
}

enum dc_err submissions_repo_patch(struct db_conn *c, int64_t id, const char *title,
                                   const char *description, bool set_cover, const char *cover_url,
                                   struct dc_submission *out)
{
    const char *p[] = {db_arg_i64(c, id), title, description, db_arg_bool(set_cover), cover_url};
    return update_then_get(c, &PATCH, p, id, out);
}

enum dc_err submissions_repo_set_status(struct db_conn *c, int64_t id, const char *status,
                                        const char *reject_reason, struct dc_submission *out)
{
    const char *p[] = {db_arg_i64(c, id), status, reject_reason};
    return update_then_get(c, &SET_STATUS, p, id, out);
}

enum dc_err submissions_repo_recommend(struct db_conn *c, int64_t id, const char *channels_pg,
                                       struct dc_submission *out)
{
    const char *p[] = {db_arg_i64(c, id), channels_pg};
    return update_then_get(c, &RECOMMEND, p, id, out);
}
