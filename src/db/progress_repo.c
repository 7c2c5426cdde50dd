/*
 * progress_repo.c - SQL for watch progress: the lengths credit is bounded
 * by, the merged intervals per account and content (locked while a
 * heartbeat merges into them), and the learner's per-content list.
 */
#include <stdlib.h>
#include <string.h>

#include "drillcamp/arena.h"
#include "drillcamp/learning.h"

/* many contents' lengths at once: lessons' ids in $1, livestreams' in $2 */
static const struct db_stmt LENGTHS = {
    "progress_lengths",
    "SELECT 'lesson', id, duration_seconds, 'ended', 0::float8 FROM lessons WHERE id = ANY "
    "($1::bigint[])"
    " UNION ALL SELECT 'livestream', id, coalesce(duration_seconds, 0), status,"
    " coalesce(extract(epoch FROM started_at), 0)::float8 FROM livestreams"
    " WHERE id = ANY ($2::bigint[])",
    2};

/* many keys' intervals, locked in key order (batches never deadlock) */
static const struct db_stmt LOCK_MANY = {
    "progress_lock_many",
    "SELECT p.account_id, p.content_type, p.content_id, p.intervals FROM progress p"
    " JOIN unnest($1::bigint[], $2::text[], $3::bigint[]) AS k(a, t, i)"
    " ON p.account_id = k.a AND p.content_type = k.t AND p.content_id = k.i"
    " ORDER BY p.account_id, p.content_type, p.content_id FOR UPDATE OF p",
    3};

static const struct db_stmt SAVE_MANY = {
    "progress_save_many",
    "INSERT INTO progress (account_id, content_type, content_id, intervals, credited_seconds)"
    " SELECT a, t, i, iv::integer[], cs FROM unnest($1::bigint[], $2::text[], $3::bigint[],"
    " $4::text[], $5::bigint[]) AS k(a, t, i, iv, cs) ORDER BY a, t, i"
    " ON CONFLICT (account_id, content_type, content_id) DO UPDATE SET"
    " intervals = excluded.intervals, credited_seconds = excluded.credited_seconds,"
    " updated_at = now()",
    5};

static const struct db_stmt LIST = {
    "progress_list",
    "SELECT p.content_type, p.content_id, coalesce(le.title, ls.title, ''),"
    " coalesce(le.duration_seconds, ls.duration_seconds, 0), p.credited_seconds"
    " FROM progress p"
    " LEFT JOIN lessons le ON p.content_type = 'lesson' AND le.id = p.content_id"
    " LEFT JOIN livestreams ls ON p.content_type = 'livestream' AND ls.id = p.content_id"
    " WHERE p.account_id = $1 ORDER BY p.content_type, p.content_id",
    1};

/* A content's stored length, status and start (for a live stream). */
struct content_row {
    int32_t duration;
    const char *status;
    double started;
};

static void item_from_row(const PGresult *r, int i, void *item)
{
    struct dc_progress_item *it = item;
    it->content_type = db_text(r, i, 0);
    it->content_id = db_i64(r, i, 1);
    it->title = db_text(r, i, 2);
    it->duration_seconds = db_int(r, i, 3);
    it->credited_seconds = db_int(r, i, 4);
}

enum dc_err progress_repo_list(struct db_conn *c, int64_t account_id, struct dc_progress_item **out,
                               size_t *n)
{
    const char *p[] = {db_arg_i64(c, account_id)};
    return db_query_list(c, &LIST, p, sizeof **out, item_from_row, (void **)out, n);
}

/* A content's stored length, status and start, and which content it is. */
struct length_row {
    struct content_row x;
    const char *type;
    int64_t id;
};

static void length_from_row(const PGresult *r, int i, void *item)
{
    struct length_row *l = item;
    l->type = db_text(r, i, 0);
    l->id = db_i64(r, i, 1);
    l->x.duration = (int32_t)db_int(r, i, 2);
    l->x.status = db_text(r, i, 3);
    l->x.started = db_double(r, i, 4);
}

/* The length a content is credited up to, from its row: a scheduled
 * livestream has none yet, a live one is as long as it has been running. */
static enum dc_err length_of(const struct content_row *x, double now, int32_t *length)
{
    if (strcmp(x->status, "scheduled") == 0)
        return DC_ERR_INVALID_STATE;
    if (strcmp(x->status, "live") == 0) {
        double since = now - x->started;
        *length = since > 0 ? (int32_t)since : 0;
    } else {
        *length = x->duration;
    }
    return DC_OK;
}

enum dc_err progress_repo_content_lengths(struct db_conn *c, const struct dc_content_key *keys,
                                          size_t n, double now, int32_t *lengths, enum dc_err *errs)
{
    struct dc_arena *a = db_conn_arena(c);
    int64_t *lessons = arena_calloc(a, n, sizeof *lessons),
            *lives = arena_calloc(a, n, sizeof *lives);
    size_t nl = 0, nv = 0;
    if (!lessons || !lives)
        return DC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i].type, "lesson") == 0)
            lessons[nl++] = keys[i].id;
        else
            lives[nv++] = keys[i].id;
        errs[i] = DC_ERR_NOT_FOUND;
    }
    const char *p[] = {db_arg_i64_array(c, lessons, nl), db_arg_i64_array(c, lives, nv)};
    struct length_row *rows = NULL;
    size_t got = 0;
    enum dc_err err =
        db_query_list(c, &LENGTHS, p, sizeof *rows, length_from_row, (void **)&rows, &got);
    for (size_t r = 0; err == DC_OK && r < got; r++)
        for (size_t i = 0; i < n; i++)
            if (keys[i].id == rows[r].id && strcmp(keys[i].type, rows[r].type) == 0)
                errs[i] = length_of(&rows[r].x, now, &lengths[i]);
    return err;
}

/* A locked intervals row and whose it is. */
struct intervals_row {
    struct dc_progress_key key;
    const char *intervals;
};

static void intervals_from_row(const PGresult *r, int i, void *item)
{
    struct intervals_row *x = item;
    x->key.account_id = db_i64(r, i, 0);
    x->key.type = db_text(r, i, 1);
    x->key.id = db_i64(r, i, 2);
    x->intervals = db_text(r, i, 3);
}

/* The three key columns as array parameters p[0..2]. */
static enum dc_err key_params(struct db_conn *c, const struct dc_progress_key *keys, size_t n,
                              const char **p)
{
    struct dc_arena *a = db_conn_arena(c);
    int64_t *accounts = arena_calloc(a, n, sizeof *accounts),
            *ids = arena_calloc(a, n, sizeof *ids);
    const char **types = arena_calloc(a, n, sizeof *types);
    if (!accounts || !ids || !types)
        return DC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        accounts[i] = keys[i].account_id;
        types[i] = keys[i].type;
        ids[i] = keys[i].id;
    }
    p[0] = db_arg_i64_array(c, accounts, n);
    p[1] = db_arg_text_array(c, types, n);
    p[2] = db_arg_i64_array(c, ids, n);
    return DC_OK;
}

static int key_cmp(const struct dc_progress_key *a, const struct dc_progress_key *b)
{
    if (a->account_id != b->account_id)
        return a->account_id < b->account_id ? -1 : 1;
    int t = strcmp(a->type, b->type);
    if (t)
        return t;
    return a->id < b->id ? -1 : a->id > b->id;
}

enum dc_err progress_repo_lock_many(struct db_conn *c, const struct dc_progress_key *keys, size_t n,
                                    struct progress_set *sets)
{
    const char *p[3];
    struct intervals_row *rows = NULL;
    size_t got = 0;
    memset(sets, 0, n * sizeof *sets);
    enum dc_err err = key_params(c, keys, n, p);
    if (err == DC_OK)
        err =
            db_query_list(c, &LOCK_MANY, p, sizeof *rows, intervals_from_row, (void **)&rows, &got);
    /* keys and rows are both in key order: walk them side by side */
    for (size_t i = 0, r = 0; err == DC_OK && i < n && r < got; i++) {
        while (r < got && key_cmp(&rows[r].key, &keys[i]) < 0)
            r++;
        if (r < got && key_cmp(&rows[r].key, &keys[i]) == 0)
            err = progress_set_from_pg_array(rows[r].intervals, &sets[i]);
    }
    return err;
}

enum dc_err progress_repo_save_many(struct db_conn *c, const struct dc_progress_key *keys,
                                    const struct progress_set *const *sets, size_t n)
{
    struct dc_arena *a = db_conn_arena(c);
    const char **texts = arena_calloc(a, n, sizeof *texts);
    int64_t *credited = arena_calloc(a, n, sizeof *credited);
    const char *p[5];
    enum dc_err err = texts && credited ? key_params(c, keys, n, p) : DC_ERR_NOMEM;
    for (size_t i = 0; err == DC_OK && i < n; i++) {
        char *text = progress_set_to_pg_array(sets[i]);
        texts[i] = text ? arena_strdup(a, text) : NULL;
        free(text);
        credited[i] = progress_set_length(sets[i]);
        if (!texts[i])
            err = DC_ERR_NOMEM;
    }
    if (err != DC_OK)
        return err;
    p[3] = db_arg_text_array(c, texts, n);
    p[4] = db_arg_i64_array(c, credited, n);
    return db_exec_void(c, &SAVE_MANY, p);
}
