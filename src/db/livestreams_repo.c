/*
 * livestreams_repo.c - SQL for livestreams and their scheduled -> live ->
 * ended life.
 */
#include "drillcamp/learning.h"

/* V is the viewing account (0: anonymous), for `reserved` */
#define LIVE_COLS(V)                                                                               \
    "l.id, l.title, l.expert, " DB_TS("l.scheduled_at") ", l.description, l.status, " DB_TS(       \
        "l.started_at") ", " DB_TS("l.ended_at") ", coalesce(l.duration_seconds, 0),"              \
                                                 " l.replay_url, l.reservation_count, EXISTS "     \
                                                 "(SELECT 1 FROM reservations r"                   \
                                                 " WHERE r.livestream_id = l.id AND r.account_id " \
                                                 "= " V ")"

static const struct db_stmt INSERT = {
    "livestreams_insert",
    "WITH l AS (INSERT INTO livestreams (title, expert, scheduled_at, description)"
    " VALUES ($1, $2, $3::timestamptz, $4) RETURNING *) SELECT " LIVE_COLS("0") " FROM l",
    4};

static const struct db_stmt GET = {
    "livestreams_get", "SELECT " LIVE_COLS("$2::bigint") " FROM livestreams l WHERE l.id = $1", 2};

static const struct db_stmt LIST = {
    "livestreams_list",
    "SELECT " LIVE_COLS(
        "$2::bigint") " FROM livestreams l WHERE l.id > $3::bigint"
                      " AND ($1::text IS NULL OR l.status = $1) ORDER BY l.id LIMIT $4::int",
    4};

static const struct db_stmt LIST_RESERVED = {
    "livestreams_list_reserved",
    "SELECT " LIVE_COLS("$1::bigint") " FROM reservations m JOIN livestreams l"
                                      " ON l.id = m.livestream_id WHERE m.account_id = $1 AND "
                                      "m.livestream_id > $2::bigint"
                                      " ORDER BY m.livestream_id LIMIT $3::int",
    3};

/* A wrong step leaves the row alone: the caller tells 404 from 409 by
 * whether a row comes back and how many were updated. An ended stream is
 * at least as long as it ran live, so that credit earned live never
 * exceeds the content's length. */
static const struct db_stmt START = {
    "livestreams_start",
    "WITH u AS (UPDATE livestreams SET status = 'live', started_at = now()"
    " WHERE id = $1 AND status = 'scheduled' RETURNING id)"
    " SELECT (SELECT count(*) FROM u) FROM livestreams WHERE id = $1",
    1};

static const struct db_stmt END = {
    "livestreams_end",
    "WITH u AS (UPDATE livestreams SET status = 'ended', ended_at = now(), replay_url = $2,"
    " duration_seconds = greatest($3::int, floor(extract(epoch FROM now() - started_at))::int)"
    " WHERE id = $1 AND status = 'live' RETURNING id)"
    " SELECT (SELECT count(*) FROM u) FROM livestreams WHERE id = $1",
    3};

static void livestream_from_row(const PGresult *r, int i, void *item)
{
    struct dc_livestream *l = item;
    l->id = db_i64(r, i, 0);
    l->title = db_text(r, i, 1);
    l->expert = db_text(r, i, 2);
    l->scheduled_at = db_text(r, i, 3);
    l->description = db_text_or_null(r, i, 4);
    l->status = db_text(r, i, 5);
    l->started_at = db_text_or_null(r, i, 6);
    l->ended_at = db_text_or_null(r, i, 7);
    l->duration_seconds = db_int(r, i, 8);
    l->replay_url = db_text_or_null(r, i, 9);
    l->reservation_count = db_int(r, i, 10);
    l->reserved = db_bool(r, i, 11);
}

enum dc_err livestreams_repo_insert(struct db_conn *c, const char *title, const char *expert,
                                    const char *scheduled_at, const char *description,
                                    struct dc_livestream *out)
{
    const char *p[] = {title, expert, scheduled_at, description};
    return db_query_one(c, &INSERT, p, livestream_from_row, out);
}

enum dc_err livestreams_repo_get(struct db_conn *c, int64_t id, int64_t viewer,
                                 struct dc_livestream *out)
{
    const char *p[] = {db_arg_i64(c, id), db_arg_i64(c, viewer)};
    return db_query_one(c, &GET, p, livestream_from_row, out);
}

enum dc_err livestreams_repo_list(struct db_conn *c, const char *status, int64_t viewer,
                                  int64_t after_id, int limit, struct dc_livestream **out,
                                  size_t *n)
{
    const char *p[] = {status, db_arg_i64(c, viewer), db_arg_i64(c, after_id),
                       db_arg_i64(c, limit)};
    return db_query_list(c, &LIST, p, sizeof **out, livestream_from_row, (void **)out, n);
}

enum dc_err livestreams_repo_list_reserved(struct db_conn *c, int64_t account_id, int64_t after_id,
                                           int limit, struct dc_livestream **out, size_t *n)
{
    const char *p[] = {db_arg_i64(c, account_id), db_arg_i64(c, after_id), db_arg_i64(c, limit)};
    return db_query_list(c, &LIST_RESERVED, p, sizeof **out, livestream_from_row, (void **)out, n);
}

/* Runs a transition; 404 for an unknown id, 409 for a wrong step. */
static enum dc_err transition(struct db_conn *c, const struct db_stmt *s, const char *const *p,
                              int64_t id, struct dc_livestream *out)
{
    int64_t changed = 0;
    enum dc_err err = db_query_one(c, s, p, db_row_i64, &changed);
    if (err == DC_OK && changed != 1)
        err = DC_ERR_INVALID_STATE;
    return err == DC_OK ? livestreams_repo_get(c, id, 0, out) : err;
}

enum dc_err livestreams_repo_start(struct db_conn *c, int64_t id, struct dc_livestream *out)
{
    const char *p[] = {db_arg_i64(c, id)};
    return transition(c, &START, p, id, out);
}

enum dc_err livestreams_repo_end(struct db_conn *c, int64_t id, const char *replay_url,
                                 int duration_seconds, struct dc_livestream *out)
{
    const char *p[] = {db_arg_i64(c, id), replay_url, db_arg_i64(c, duration_seconds)};
    return transition(c, &END, p, id, out);
}
