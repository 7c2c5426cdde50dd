/*
 * leaderboard_api.c - the participant ranking (GET /v1/leaderboard), its
 * frozen final snapshot (POST /v1/admin/leaderboard/freeze) and the prize
 * list (GET /v1/admin/winners.csv).
 *
 * The ranking reads approved submissions in rank order from an index and
 * keeps each account's first (its best); no likes are scanned.
 */
#include <stdio.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/contest.h"
#include "drillcamp/csv.h"
#include "drillcamp/validate.h"

static json_t *entry_json(int rank, const struct dc_rank_row *r)
{
    json_t *account =
        json_pack("{s:o, s:s, s:s, s:s}", "id", api_id_json(r->account_id), "display_name",
                  r->display_name, "kind", r->kind, "region_code", r->region_code);
    json_t *sub = json_pack("{s:o, s:s, s:o}", "id", api_id_json(r->submission_id), "title",
                            r->title, "cover_url", api_string_or_null(r->cover_url));
    return json_pack("{s:i, s:o, s:o, s:I}", "rank", rank, "account", account, "submission", sub,
                     "like_count", (json_int_t)r->like_count);
}

/* Ranking entries as JSON: the first n accounts in rank order. */
static enum dc_err ranking_entries(struct db_conn *c, int n, json_t **out)
{
    int64_t *seen = arena_calloc(db_conn_arena(c), (size_t)n + 1, sizeof *seen);
    json_t *entries = json_array();
    int nseen = 0, offset = 0, page = n * 2 + 10;
    enum dc_err err = seen && entries ? DC_OK : DC_ERR_NOMEM;
    while (err == DC_OK && nseen < n) {
        struct dc_rank_row *rows;
        size_t got = 0;
        err = leaderboard_repo_page(c, offset, page, &rows, &got);
        for (size_t i = 0; err == DC_OK && i < got && nseen < n; i++) {
            bool dup = false;
            for (int k = 0; k < nseen && !dup; k++)
                dup = seen[k] == rows[i].account_id;
            if (dup)
                continue; /* the account's better submission ranked already */
            seen[nseen++] = rows[i].account_id;
            json_array_append_new(entries, entry_json(nseen, &rows[i]));
        }
        if (got < (size_t)page)
            break;
        offset += page;
    }
    if (err != DC_OK) {
        json_decref(entries);
        return err;
    }
    *out = entries;
    return DC_OK;
}

/* ?limit= for the leaderboard: default and maximum top_n. */
static enum dc_err board_limit(struct dc_req *req, int top_n, int *limit)
{
    const char *l = dc_req_query(req, "limit");
    int64_t v = top_n;
    if (l && (!validate_id(l, &v) || v > top_n))
        return dc_req_fail(req, DC_ERR_VALIDATION, "limit",
                           "limit must be 1 to the campaign's top_n");
    *limit = (int)v;
    return DC_OK;
}

enum dc_err leaderboard_render(struct db_conn *c, const struct dc_campaign *camp, json_t **out)
{
    const char *snapshot = NULL;
    json_t *entries = NULL;
    enum dc_err err = leaderboard_repo_snapshot(c, camp->id, &snapshot);
    if (err == DC_OK) {
        /* frozen: the stored snapshot */
        *out = json_loads(snapshot, 0, NULL);
        return *out ? DC_OK : DC_ERR_INTERNAL;
    }
    if (err == DC_ERR_NOT_FOUND)
        err = ranking_entries(c, camp->rules.top_n, &entries);
    if (err != DC_OK)
        return err;
    char now[DC_TS_LEN];
    campaign_format_time(campaign_now(), now);
    *out = json_pack("{s:o, s:s, s:b, s:o}", "campaign_id", api_id_json(camp->id), "generated_at",
                     now, "frozen", false, "entries", entries);
    return *out ? DC_OK : DC_ERR_NOMEM;
}

/* Route: anyone, no database: the answer rendered once a second (a frozen
 * snapshot, or the live ranking), cut to ?limit=. */
enum dc_err leaderboard_api_get(struct dc_req *req)
{
    struct dc_campaign camp;
    int limit = 0;
    enum dc_err err = public_cache_campaign(&camp) ? DC_OK : DC_ERR_UNAVAILABLE;
    if (err == DC_OK)
        err = board_limit(req, camp.rules.top_n, &limit);
    return err == DC_OK ? public_cache_reply_leaderboard(req, limit) : err;
}

/* The final snapshot's text: the last likes folded in, the top_n ranked. */
static enum dc_err snapshot_text(struct dc_req *req, const struct dc_campaign *camp, double now,
                                 char **text)
{
    json_t *entries = NULL;
    char at[DC_TS_LEN];
    int moved;
    /* the last likes may still sit in shards: fold them in first */
    enum dc_err err = likes_repo_fold(req->db, &moved);
    if (err == DC_OK)
        err = ranking_entries(req->db, camp->rules.top_n, &entries);
    if (err != DC_OK)
        return err;
    campaign_format_time(now, at);
    json_t *body =
        json_pack("{s:o, s:s, s:b, s:s, s:o}", "campaign_id", api_id_json(camp->id), "generated_at",
                  at, "frozen", true, "frozen_at", at, "entries", entries);
    *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return *text ? DC_OK : DC_ERR_NOMEM;
}

/* Route: admin. A second call answers the stored snapshot, whatever the
 * dates say now. */
enum dc_err leaderboard_api_freeze(struct dc_req *req)
{
    struct dc_campaign camp = {0};
    const char *stored;
    char *text = NULL;
    double now = campaign_now();
    enum dc_err err = db_begin(req->db);
    if (err == DC_OK)
        err = campaign_repo_get_for_update(req->db, &camp);
    if (err == DC_OK)
        err = leaderboard_repo_snapshot(req->db, camp.id, &stored);
    if (err == DC_ERR_NOT_FOUND && campaign_phase(&camp, now) != PHASE_ENDED)
        err = DC_ERR_CAMPAIGN_CLOSED;
    if (err == DC_ERR_NOT_FOUND)
        err = snapshot_text(req, &camp, now, &text);
    if (err == DC_OK && text)
        err = leaderboard_repo_freeze(req->db, camp.id, text, now, &stored);
    if (err == DC_OK && text)
        err = api_audit(req, "leaderboard.freeze", "campaign:1", NULL);
    if (err == DC_OK)
        err = db_commit(req->db);
    if (err == DC_OK && text)
        public_cache_refresh_now(); /* GET /v1/leaderboard shows the snapshot */
    free(text);
    return err == DC_OK ? dc_reply_json(req, 200, json_loads(stored, 0, NULL)) : err;
}

/* The winners' account ids as a bigint[] literal, in rank order. */
static const char *winner_ids(struct dc_arena *a, const json_t *entries)
{
    size_t n = json_array_size(entries);
    char *ids = arena_alloc(a, n * 21 + 3), *o = ids;
    for (size_t i = 0; ids && i < n; i++) {
        const json_t *acct = json_object_get(json_array_get(entries, i), "account");
        o = stpcpy(stpcpy(o, i ? "," : "{"), json_string_value(json_object_get(acct, "id")));
    }
    if (ids)
        strcpy(o, n ? "}" : "{}");
    return ids;
}

/* One winners.csv row of a snapshot entry. */
static void winner_row(struct csv_buf *csv, const json_t *e, const char *phone)
{
    json_t *a = json_object_get(e, "account"), *s = json_object_get(e, "submission");
    char rank[16], likes[24];
    snprintf(rank, sizeof rank, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(e, "rank")));
    snprintf(likes, sizeof likes, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(e, "like_count")));
    const char *cells[] = {rank,
                           json_string_value(json_object_get(a, "id")),
                           json_string_value(json_object_get(a, "display_name")),
                           phone,
                           json_string_value(json_object_get(a, "region_code")),
                           json_string_value(json_object_get(s, "id")),
                           json_string_value(json_object_get(s, "title")),
                           likes};
    csv_row(csv, cells, sizeof cells / sizeof cells[0]);
}

/* Route: admin. */
enum dc_err leaderboard_api_winners_csv(struct dc_req *req)
{
    static const char *const HEADER[] = {"rank",  "account_id",  "display_name",
                                         "phone", "region_code", "submission_id",
                                         "title", "like_count"};
    struct dc_campaign camp;
    const char *stored, **phones = NULL;
    size_t nphones = 0;
    enum dc_err err = campaign_repo_get(req->db, &camp);
    if (err == DC_OK)
        err = leaderboard_repo_snapshot(req->db, camp.id, &stored);
    if (err == DC_ERR_NOT_FOUND)
        return dc_req_fail(req, DC_ERR_INVALID_STATE, NULL, "the leaderboard is not frozen yet");
    if (err != DC_OK)
        return err;
    json_t *body = json_loads(stored, 0, NULL);
    json_t *entries = json_object_get(body, "entries");
    size_t n = json_array_size(entries);
    /* one query for every winner's phone */
    const char *ids = winner_ids(req->arena, entries);
    err = ids ? leaderboard_repo_phones(req->db, ids, &phones, &nphones) : DC_ERR_NOMEM;
    struct csv_buf csv;
    csv_begin(&csv);
    csv_row(&csv, HEADER, sizeof HEADER / sizeof HEADER[0]);
    for (size_t i = 0; err == DC_OK && i < n; i++)
        winner_row(&csv, json_array_get(entries, i), i < nphones ? phones[i] : "");
    json_decref(body);
    size_t len;
    char *text = csv_take(&csv, &len);
    if (err != DC_OK) {
        free(text);
        return err;
    }
    err = dc_reply_text(req, 200, "text/csv; charset=utf-8", text, len);
    dc_reply_header(req, "Content-Disposition", "attachment; filename=\"winners.csv\"");
    return err;
}
