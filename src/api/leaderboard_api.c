/*
 * leaderboard_api.c - the participant ranking (GET /v1/leaderboard), its
 * frozen final snapshot (POST /v1/admin/leaderboard/freeze) and the prize
 * list (GET /v1/admin/winners.csv).
 *
 * The ranking reads approved submissions in rank order from an index and
 * keeps each account's first (its best); no likes are scanned.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/contest.h"
#include "drillcamp/csv.h"
#include "drillcamp/validate.h"

static const char *const ADMIN[] = {"admin", NULL};

/* Ranking entries as JSON: the first n accounts in rank order. */
static enum dc_err ranking_entries(struct db_conn *conn, int n, json_t **out)
{
    json_t *entries = json_array();
    int64_t *seen = calloc((size_t)n + 1, sizeof *seen);
    int nseen = 0, offset = 0, page = n * 2 + 10;
    enum dc_err err = seen && entries ? DC_OK : DC_ERR_NOMEM;
    while (err == DC_OK && nseen < n) {
        struct dc_rank_row *rows = NULL;
        size_t got = 0;
        err = leaderboard_repo_page(conn, offset, page, &rows, &got);
        for (size_t i = 0; err == DC_OK && i < got && nseen < n; i++) {
            bool dup = false;
            for (int k = 0; k < nseen && !dup; k++)
                dup = seen[k] == rows[i].account_id;
            if (dup)
                continue; /* the account's better submission ranked already */
            seen[nseen++] = rows[i].account_id;
            json_t *account = json_pack(
                "{s:o, s:s, s:s, s:s}", "id", api_id_json(rows[i].account_id), "display_name",
                rows[i].display_name, "kind", rows[i].kind, "region_code", rows[i].region_code);
            json_t *sub = json_pack(
                "{s:o, s:s, s:o}", "id", api_id_json(rows[i].submission_id), "title", rows[i].title,
                "cover_url", rows[i].has_cover ? json_string(rows[i].cover_url) : json_null());
            json_array_append_new(entries, json_pack("{s:i, s:o, s:o, s:I}", "rank", nseen,
                                                     "account", account, "submission", sub,
                                                     "like_count", (json_int_t)rows[i].like_count));
        }
        free(rows);
        if (got < (size_t)page)
            break;
        offset += page;
    }
    free(seen);
    if (err != DC_OK) {
        json_decref(entries);
        return err;
    }
    *out = entries;
    return DC_OK;
}

/* ?limit= for the leaderboard: default and maximum top_n. */
static bool board_limit_or_respond(struct dc_req *req, int top_n, int *limit)
{
    const char *l = dc_req_query(req, "limit");
    int64_t v = top_n;
    if (l && (!validate_id(l, &v) || v > top_n)) {
        dc_reply_err(req, DC_ERR_VALIDATION, "limit", "limit must be 1 to the campaign's top_n");
        return false;
    }
    *limit = (int)v;
    return true;
}

void leaderboard_api_get(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_campaign camp;
    char *snapshot = NULL;
    json_t *entries = NULL;
    int limit;
    if (!api_db_read_or_respond(req, &conn))
        goto out;
    err = campaign_repo_get(conn, &camp);
    if (err != DC_OK || !board_limit_or_respond(req, camp.rules.top_n, &limit))
        goto out;
    err = leaderboard_repo_snapshot(conn, camp.id, &snapshot);
    if (err == DC_OK) {
        /* frozen: the stored snapshot, cut to the limit */
        json_t *body = json_loads(snapshot, 0, NULL);
        json_t *all = json_object_get(body, "entries");
        while (json_array_size(all) > (size_t)limit)
            json_array_remove(all, json_array_size(all) - 1);
        dc_reply_json(req, 200, body);
        goto out;
    }
    if (err != DC_ERR_NOT_FOUND)
        goto out;
    err = ranking_entries(conn, limit, &entries);
    if (err != DC_OK)
        goto out;
    char now[DC_TS_LEN];
    campaign_format_time(campaign_now(), now);
    dc_reply_json(req, 200,
                  json_pack("{s:o, s:s, s:b, s:o}", "campaign_id", api_id_json(camp.id),
                            "generated_at", now, "frozen", false, "entries", entries));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(snapshot);
}

void leaderboard_api_freeze(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_campaign camp;
    json_t *entries = NULL;
    char *stored = NULL, *text = NULL;
    int moved;
    double now = campaign_now();
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    err = db_begin(conn);
    if (err == DC_OK)
        err = campaign_repo_get_for_update(conn, &camp);
    if (err != DC_OK)
        goto out;
    /* a second call answers the stored snapshot, whatever the dates say now */
    err = leaderboard_repo_snapshot(conn, camp.id, &stored);
    if (err == DC_ERR_NOT_FOUND && campaign_phase(&camp, now) != PHASE_ENDED)
        err = DC_ERR_CAMPAIGN_CLOSED;
    if (err == DC_ERR_NOT_FOUND) {
        /* the last likes may still sit in shards: fold them in first */
        err = likes_repo_fold(conn, &moved);
        if (err == DC_OK)
            err = ranking_entries(conn, camp.rules.top_n, &entries);
        char at[DC_TS_LEN];
        campaign_format_time(now, at);
        json_t *body = err == DC_OK ? json_pack("{s:o, s:s, s:b, s:s, s:O}", "campaign_id",
                                                api_id_json(camp.id), "generated_at", at, "frozen",
                                                true, "frozen_at", at, "entries", entries)
                                    : NULL;
        text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        if (err == DC_OK)
            err = text ? leaderboard_repo_freeze(conn, camp.id, text, now, &stored) : DC_ERR_NOMEM;
        if (err == DC_OK)
            err = api_audit(conn, req, "leaderboard.freeze", "campaign:1", NULL);
    }
    if (err == DC_OK)
        err = db_commit(conn);
    if (err == DC_OK)
        dc_reply_json(req, 200, json_loads(stored, 0, NULL));
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    json_decref(entries);
    free(stored);
    free(text);
}

void leaderboard_api_winners_csv(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    struct dc_campaign camp;
    char *stored = NULL, *ids = NULL;
    char(*phones)[16] = NULL;
    size_t nphones = 0;
    json_t *body = NULL;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    err = campaign_repo_get(conn, &camp);
    if (err == DC_OK)
        err = leaderboard_repo_snapshot(conn, camp.id, &stored);
    if (err == DC_ERR_NOT_FOUND) {
        dc_reply_err(req, DC_ERR_INVALID_STATE, NULL, "the leaderboard is not frozen yet");
        goto out;
    }
    if (err != DC_OK)
        goto out;
    body = json_loads(stored, 0, NULL);
    json_t *entries = json_object_get(body, "entries");
    size_t n = json_array_size(entries);
    /* one query for every winner's phone: a bigint[] literal of their ids */
    ids = malloc(n * 21 + 3);
    if (!ids) {
        err = DC_ERR_NOMEM;
        goto out;
    }
    strcpy(ids, "{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(ids, ",");
        strcat(ids, json_string_value(json_object_get(
                        json_object_get(json_array_get(entries, i), "account"), "id")));
    }
    strcat(ids, "}");
    err = leaderboard_repo_phones(conn, ids, &phones, &nphones);
    if (err != DC_OK)
        goto out;
    struct csv_buf csv;
    csv_begin(&csv);
    static const char *const HEADER[] = {"rank",  "account_id",  "display_name",
                                         "phone", "region_code", "submission_id",
                                         "title", "like_count"};
    csv_row(&csv, HEADER, sizeof HEADER / sizeof HEADER[0]);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(entries, i);
        json_t *a = json_object_get(e, "account"), *s = json_object_get(e, "submission");
        char rank[16], likes[24];
        snprintf(rank, sizeof rank, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(e, "rank")));
        snprintf(likes, sizeof likes, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(e, "like_count")));
        csv_cell(&csv, rank);
        csv_cell(&csv, json_string_value(json_object_get(a, "id")));
        csv_cell(&csv, json_string_value(json_object_get(a, "display_name")));
        csv_cell(&csv, i < nphones ? phones[i] : "");
        csv_cell(&csv, json_string_value(json_object_get(a, "region_code")));
        csv_cell(&csv, json_string_value(json_object_get(s, "id")));
        csv_cell(&csv, json_string_value(json_object_get(s, "title")));
        csv_cell(&csv, likes);
        csv_end_row(&csv);
    }
    size_t len;
    char *text = csv_take(&csv, &len);
    if (!text) {
        err = DC_ERR_NOMEM;
        goto out;
    }
    dc_reply_text(req, 200, "text/csv; charset=utf-8", text, len);
    dc_reply_header(req, "Content-Disposition", "attachment; filename=\"winners.csv\"");
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
    free(stored);
    free(ids);
    free(phones);
    json_decref(body);
}
