/*
 * livestreams_repo.c - SQL for livestreams, their scheduled -> live ->
 * ended life, and reservations with a maintained reservation_count.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/learning.h"

#define TS(col) "coalesce(to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
/* $V is the viewing account (0: anonymous) */
#define LIVE_COLS(V)                                                                               \
    "l.id, l.title, l.expert, " TS("l.scheduled_at") ", l.description, l.status, " TS(             \
        "l.started_at") ", " TS("l.ended_at") ", coalesce(extract(epoch FROM l.started_at), 0),"   \
                                              " coalesce(l.duration_seconds, 0), "                 \
                                              "coalesce(l.replay_url, ''),"                        \
                                              " l.reservation_count, EXISTS (SELECT 1 FROM "       \
                                              "reservations r"                                     \
                                              " WHERE r.livestream_id = l.id AND r.account_id "    \
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

/* an ended stream is at least as long as it ran live, so that credit earned
 * live never exceeds the content's length */
/* a wrong step leaves the row alone: the caller tells 404 from 409 by the
 * status column, which comes back either way */
static const struct db_stmt START = {
    "livestreams_start",
    "WITH u AS (UPDATE livestreams SET status = 'live', started_at = now()"
    " WHERE id = $1 AND status = 'scheduled' RETURNING id)"
    " SELECT (SELECT count(*) FROM u), status FROM livestreams WHERE id = $1",
    1};

static const struct db_stmt END = {
    "livestreams_end",
    "WITH u AS (UPDATE livestreams SET status = 'ended', ended_at = now(), replay_url = $2,"
    " duration_seconds = greatest($3::int, floor(extract(epoch FROM now() - started_at))::int)"
    " WHERE id = $1 AND status = 'live' RETURNING id)"
    " SELECT (SELECT count(*) FROM u), status FROM livestreams WHERE id = $1",
    3};

static const struct db_stmt RESERVE = {
    "reservations_put",
    "WITH ins AS (INSERT INTO reservations (livestream_id, account_id)"
    " SELECT id, $2 FROM livestreams WHERE id = $1 ON CONFLICT DO NOTHING RETURNING 1),"
    " bump AS (UPDATE livestreams SET reservation_count = reservation_count + 1"
    " WHERE id = $1 AND EXISTS (SELECT 1 FROM ins) RETURNING 1)"
    " SELECT EXISTS (SELECT 1 FROM livestreams WHERE id = $1), (SELECT count(*) FROM bump)",
    2};

static const struct db_stmt UNRESERVE = {
    "reservations_delete",
    "WITH del AS (DELETE FROM reservations WHERE livestream_id = $1 AND account_id = $2"
    " RETURNING 1), drop_ AS (UPDATE livestreams SET reservation_count = reservation_count - 1"
    " WHERE id = $1 AND EXISTS (SELECT 1 FROM del) RETURNING 1)"
    " SELECT EXISTS (SELECT 1 FROM livestreams WHERE id = $1), (SELECT count(*) FROM drop_)",
    2};

static const struct db_stmt MINE = {
    "reservations_list",
    "SELECT " LIVE_COLS("$1::bigint") " FROM reservations m JOIN livestreams l"
                                      " ON l.id = m.livestream_id WHERE m.account_id = $1 AND "
                                      "m.livestream_id > $2::bigint"
                                      " ORDER BY m.livestream_id LIMIT $3::int",
    3};

static void from_row(const PGresult *r, int i, void *item)
{
    struct dc_livestream *l = item;
    l->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    snprintf(l->title, sizeof l->title, "%s", PQgetvalue(r, i, 1));
    snprintf(l->expert, sizeof l->expert, "%s", PQgetvalue(r, i, 2));
    snprintf(l->scheduled_at, sizeof l->scheduled_at, "%s", PQgetvalue(r, i, 3));
    l->has_description = !PQgetisnull(r, i, 4);
    snprintf(l->description, sizeof l->description, "%s", PQgetvalue(r, i, 4));
    snprintf(l->status, sizeof l->status, "%s", PQgetvalue(r, i, 5));
    snprintf(l->started_at, sizeof l->started_at, "%s", PQgetvalue(r, i, 6));
    snprintf(l->ended_at, sizeof l->ended_at, "%s", PQgetvalue(r, i, 7));
    l->started_epoch = strtod(PQgetvalue(r, i, 8), NULL);
    l->duration_seconds = atoi(PQgetvalue(r, i, 9));
    snprintf(l->replay_url, sizeof l->replay_url, "%s", PQgetvalue(r, i, 10));
    l->reservation_count = atoi(PQgetvalue(r, i, 11));
    l->reserved = strcmp(PQgetvalue(r, i, 12), "t") == 0;
}

enum dc_err livestreams_repo_insert(struct db_conn *c, const char *title, const char *expert,
                                    const char *scheduled_at, const char *description,
                                    struct dc_livestream *out)
{
    const char *p[] = {title, expert, scheduled_at, description};
    return db_query_one(c, &INSERT, p, from_row, out);
}

enum dc_err livestreams_repo_get(struct db_conn *c, int64_t id, int64_t viewer,
                                 struct dc_livestream *out)
{
    char ids[24], v[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    snprintf(v, sizeof v, "%" PRId64, viewer);
    const char *p[] = {ids, v};
    return db_query_one(c, &GET, p, from_row, out);
}

enum dc_err livestreams_repo_list(struct db_conn *c, const char *status, int64_t viewer,
                                  int64_t after_id, int limit, struct dc_livestream **out,
                                  size_t *n)
{
    char v[24], after[24], lim[16];
    snprintf(v, sizeof v, "%" PRId64, viewer);
    snprintf(after, sizeof after, "%" PRId64, after_id);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {status, v, after, lim};
    return db_query_list(c, &LIST, p, sizeof **out, from_row, (void **)out, n);
}

/* Runs a transition; 404 for an unknown id, 409 for a wrong step. */
static enum dc_err transition(struct db_conn *c, const struct db_stmt *s, const char *const *p,
                              int64_t id, struct dc_livestream *out)
{
    PGresult *r;
    enum dc_err err = db_exec(c, s, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) == 0)
        err = DC_ERR_NOT_FOUND;
    else if (strcmp(PQgetvalue(r, 0, 0), "1") != 0)
        err = DC_ERR_INVALID_STATE;
    PQclear(r);
    return err == DC_OK ? livestreams_repo_get(c, id, 0, out) : err;
}

enum dc_err livestreams_repo_start(struct db_conn *c, int64_t id, struct dc_livestream *out)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids};
    return transition(c, &START, p, id, out);
}

enum dc_err livestreams_repo_end(struct db_conn *c, int64_t id, const char *replay_url,
                                 int duration_seconds, struct dc_livestream *out)
{
    char ids[24], dur[16];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    snprintf(dur, sizeof dur, "%d", duration_seconds);
    const char *p[] = {ids, replay_url, dur};
    return transition(c, &END, p, id, out);
}

/* Reservation change; DC_ERR_NOT_FOUND when the livestream does not exist. */
static enum dc_err reserve(struct db_conn *c, const struct db_stmt *s, int64_t livestream_id,
                           int64_t account_id)
{
    char l[24], a[24];
    snprintf(l, sizeof l, "%" PRId64, livestream_id);
    snprintf(a, sizeof a, "%" PRId64, account_id);
    const char *p[] = {l, a};
    PGresult *r;
    enum dc_err err = db_exec(c, s, p, &r, NULL);
    if (err != DC_OK)
        return err;
    if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
        err = DC_ERR_NOT_FOUND;
    PQclear(r);
    return err;
}

enum dc_err reservations_repo_put(struct db_conn *c, int64_t livestream_id, int64_t account_id)
{
    return reserve(c, &RESERVE, livestream_id, account_id);
}

enum dc_err reservations_repo_delete(struct db_conn *c, int64_t livestream_id, int64_t account_id)
{
    return reserve(c, &UNRESERVE, livestream_id, account_id);
}

enum dc_err reservations_repo_list(struct db_conn *c, int64_t account_id, int64_t after_id,
                                   int limit, struct dc_livestream **out, size_t *n)
{
    char a[24], after[24], lim[16];
    snprintf(a, sizeof a, "%" PRId64, account_id);
    snprintf(after, sizeof after, "%" PRId64, after_id);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {a, after, lim};
    return db_query_list(c, &MINE, p, sizeof **out, from_row, (void **)out, n);
}
