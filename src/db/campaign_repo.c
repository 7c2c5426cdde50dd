/*
 * campaign_repo.c - SQL for the one campaign row and the categories.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/learning.h"

#define CAMPAIGN_COLS                                                                              \
    "id, name, topic, extract(epoch FROM warmup_at), extract(epoch FROM launch_at),"               \
    " extract(epoch FROM ends_at), coalesce(extract(epoch FROM frozen_at), 0),"                    \
    " class_hour_seconds, required_class_hours, require_checkin, max_playback_rate, top_n"

static const struct db_stmt GET = {"campaign_get",
                                   "SELECT " CAMPAIGN_COLS " FROM campaigns WHERE id = 1", 0};
static const struct db_stmt GET_FOR_UPDATE = {
    "campaign_get_for_update", "SELECT " CAMPAIGN_COLS " FROM campaigns WHERE id = 1 FOR UPDATE",
    0};
static const struct db_stmt UPDATE = {
    "campaign_update",
    "UPDATE campaigns SET name = $1, topic = $2, warmup_at = to_timestamp($3::float8),"
    " launch_at = to_timestamp($4::float8), ends_at = to_timestamp($5::float8),"
    " class_hour_seconds = $6, required_class_hours = $7, require_checkin = $8,"
    " max_playback_rate = $9, top_n = $10, updated_at = now() WHERE id = 1",
    10};

static const struct db_stmt CATEGORIES = {
    "categories_list", "SELECT code, name FROM categories ORDER BY sort_order", 0};
static const struct db_stmt CATEGORY_EXISTS = {
    "categories_exists", "SELECT EXISTS (SELECT 1 FROM categories WHERE code = $1)", 1};

static enum dc_err get(struct db_conn *c, const struct db_stmt *s, struct dc_campaign *out)
{
    PGresult *r;
    enum dc_err err = db_exec(c, s, NULL, &r, NULL);
    if (err != DC_OK)
        return err;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return DC_ERR_INTERNAL;
    }
    out->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(out->name, sizeof out->name, "%s", PQgetvalue(r, 0, 1));
    snprintf(out->topic, sizeof out->topic, "%s", PQgetvalue(r, 0, 2));
    out->warmup_at = strtod(PQgetvalue(r, 0, 3), NULL);
    out->launch_at = strtod(PQgetvalue(r, 0, 4), NULL);
    out->ends_at = strtod(PQgetvalue(r, 0, 5), NULL);
    out->frozen_at = strtod(PQgetvalue(r, 0, 6), NULL);
    out->rules.class_hour_seconds = atoi(PQgetvalue(r, 0, 7));
    out->rules.required_class_hours = atoi(PQgetvalue(r, 0, 8));
    out->rules.require_checkin = strcmp(PQgetvalue(r, 0, 9), "t") == 0;
    out->rules.max_playback_rate = strtod(PQgetvalue(r, 0, 10), NULL);
    out->rules.top_n = atoi(PQgetvalue(r, 0, 11));
    PQclear(r);
    return DC_OK;
}

enum dc_err campaign_repo_get(struct db_conn *c, struct dc_campaign *out)
{
    return get(c, &GET, out);
}

enum dc_err campaign_repo_get_for_update(struct db_conn *c, struct dc_campaign *out)
{
    return get(c, &GET_FOR_UPDATE, out);
}

enum dc_err campaign_repo_update(struct db_conn *c, const struct dc_campaign *in)
{
    char w[32], l[32], e[32], chs[16], rch[16], rate[32], top[16];
    snprintf(w, sizeof w, "%.6f", in->warmup_at);
    snprintf(l, sizeof l, "%.6f", in->launch_at);
    snprintf(e, sizeof e, "%.6f", in->ends_at);
    snprintf(chs, sizeof chs, "%d", in->rules.class_hour_seconds);
    snprintf(rch, sizeof rch, "%d", in->rules.required_class_hours);
    snprintf(rate, sizeof rate, "%.17g", in->rules.max_playback_rate);
    snprintf(top, sizeof top, "%d", in->rules.top_n);
    const char *p[] = {in->name, in->topic, w,   l,
                       e,        chs,       rch, in->rules.require_checkin ? "true" : "false",
                       rate,     top};
    PGresult *r;
    enum dc_err err = db_exec(c, &UPDATE, p, &r, NULL);
    PQclear(r);
    return err;
}

enum dc_err categories_repo_list(struct db_conn *c, struct dc_category **out, size_t *n)
{
    PGresult *r;
    *out = NULL;
    *n = 0;
    enum dc_err err = db_exec(c, &CATEGORIES, NULL, &r, NULL);
    if (err != DC_OK)
        return err;
    int rows = PQntuples(r);
    struct dc_category *items = calloc(rows ? (size_t)rows : 1, sizeof *items);
    if (!items) {
        PQclear(r);
        return DC_ERR_NOMEM;
    }
    for (int i = 0; i < rows; i++) {
        snprintf(items[i].code, sizeof items[i].code, "%s", PQgetvalue(r, i, 0));
        snprintf(items[i].name, sizeof items[i].name, "%s", PQgetvalue(r, i, 1));
    }
    PQclear(r);
    *out = items;
    *n = (size_t)rows;
    return DC_OK;
}

enum dc_err categories_repo_exists(struct db_conn *c, const char *code, bool *exists)
{
    const char *p[] = {code};
    PGresult *r;
    enum dc_err err = db_exec(c, &CATEGORY_EXISTS, p, &r, NULL);
    if (err != DC_OK)
        return err;
    *exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return DC_OK;
}
