/*
 * campaign_repo.c - SQL for the one campaign row: its dates, rules and
 * frozen time.
 */
#include <stdio.h>

#include "drillcamp/learning.h"

#define CAMPAIGN_COLS                                                                              \
    "id, name, topic, extract(epoch FROM warmup_at), extract(epoch FROM launch_at),"               \
    " extract(epoch FROM ends_at), coalesce(extract(epoch FROM frozen_at), 0),"                    \
    " class_hour_seconds, required_class_hours, require_checkin, max_playback_rate, top_n, issuer"

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
    " max_playback_rate = $9, top_n = $10, issuer = $11, updated_at = now() WHERE id = 1",
    11};

/* The campaign is read, changed and written back whole: its text fields
 * are copied into the struct's own buffers. */
static void campaign_from_row(const PGresult *r, int i, void *item)
{
    struct dc_campaign *c = item;
    c->id = db_i64(r, i, 0);
    snprintf(c->name, sizeof c->name, "%s", db_text(r, i, 1));
    snprintf(c->topic, sizeof c->topic, "%s", db_text(r, i, 2));
    c->warmup_at = db_double(r, i, 3);
    c->launch_at = db_double(r, i, 4);
    c->ends_at = db_double(r, i, 5);
    c->frozen_at = db_double(r, i, 6);
    c->rules.class_hour_seconds = db_int(r, i, 7);
    c->rules.required_class_hours = db_int(r, i, 8);
    c->rules.require_checkin = db_bool(r, i, 9);
    c->rules.max_playback_rate = db_double(r, i, 10);
    c->rules.top_n = db_int(r, i, 11);
    snprintf(c->issuer, sizeof c->issuer, "%s", db_text(r, i, 12));
}

/* The row always exists (migration 0003 makes it): none is an internal error. */
static enum dc_err get(struct db_conn *c, const struct db_stmt *s, struct dc_campaign *out)
{
    enum dc_err err = db_query_one(c, s, NULL, campaign_from_row, out);
    return err == DC_ERR_NOT_FOUND ? DC_ERR_INTERNAL : err;
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
    const char *p[] = {in->name,
                       in->topic,
                       db_arg_double(c, in->warmup_at),
                       db_arg_double(c, in->launch_at),
                       db_arg_double(c, in->ends_at),
                       db_arg_i64(c, in->rules.class_hour_seconds),
                       db_arg_i64(c, in->rules.required_class_hours),
                       db_arg_bool(in->rules.require_checkin),
                       db_arg_double(c, in->rules.max_playback_rate),
                       db_arg_i64(c, in->rules.top_n),
                       in->issuer};
    return db_exec_void(c, &UPDATE, p);
}
