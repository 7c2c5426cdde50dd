/*
 * reports_api.c - organizers' reports (API.md section 8): participation
 * statistics by region, organization type or audience as JSON and CSV, and
 * the certificate list as a CSV streamed page by page.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/arena.h"
#include "drillcamp/csv.h"
#include "drillcamp/enums.h"
#include "drillcamp/learning.h"
#include "drillcamp/reports.h"
#include "drillcamp/validate.h"

#define CSV_TYPE    "text/csv; charset=utf-8"
#define EXPORT_PAGE 500

/* accounts without an organization: a row of the organization-type report */
#define NO_ORG_KEY   "none"
#define NO_ORG_LABEL "未加入组织"

/* A report: its rows, totals and the hour length to show hours in. */
struct report {
    enum stats_group group;
    const char *region; /* NULL: everywhere */
    struct dc_stats_row *rows;
    size_t n;
    struct dc_stats_row totals;
    int class_hour_seconds;
};

/* The report's keys as a text[] literal in report order (the enumeration's
 * order, then accounts without an organization). */
static const char *group_keys(struct dc_arena *a, enum stats_group g)
{
    const struct dc_enum *e = g == STATS_BY_ORG_TYPE ? &DC_ENUM_ORG_TYPE : &DC_ENUM_AUDIENCE;
    const char *keys = "{";
    for (size_t i = 0; keys && i < e->n; i++)
        keys = arena_printf(a, "%s%s%s", keys, i ? "," : "", e->values[i].key);
    if (keys && g == STATS_BY_ORG_TYPE)
        keys = arena_printf(a, "%s," NO_ORG_KEY, keys);
    return keys ? arena_printf(a, "%s}", keys) : NULL;
}

static const char *group_label(enum stats_group g, const char *key)
{
    if (g == STATS_BY_ORG_TYPE && strcmp(key, NO_ORG_KEY) == 0)
        return NO_ORG_LABEL;
    const char *label =
        dc_enum_label(g == STATS_BY_ORG_TYPE ? &DC_ENUM_ORG_TYPE : &DC_ENUM_AUDIENCE, key);
    return label ? label : "";
}

/* ?group_by= and ?region_code= (a known division), checked. */
static enum dc_err report_query(struct dc_req *req, struct report *rep)
{
    const char *g = dc_req_query(req, "group_by");
    struct dc_profile where = {.region_code = dc_req_query(req, "region_code")};
    int k = g ? dc_enum_index(&DC_ENUM_STATS_GROUP, g) : 0;
    if (k < 0)
        return dc_req_fail(req, DC_ERR_VALIDATION, "group_by", DC_ENUM_STATS_GROUP.message);
    rep->group = k == 0 ? STATS_BY_REGION : k == 1 ? STATS_BY_ORG_TYPE : STATS_BY_AUDIENCE;
    rep->region = where.region_code;
    if (!rep->region)
        return DC_OK;
    if (!validate_region_code_format(rep->region))
        return dc_req_fail(req, DC_ERR_VALIDATION, "region_code",
                           "region_code is not a known division");
    return profile_check_refs(req->db, &where, &req->problem);
}

/* Shared start of both stats routes: the query, then the rows. */
static enum dc_err report_load(struct dc_req *req, struct report *rep)
{
    struct dc_campaign camp;
    const char *keys = NULL;
    enum dc_err err = report_query(req, rep);
    if (err == DC_OK && rep->group != STATS_BY_REGION &&
        !(keys = group_keys(req->arena, rep->group)))
        err = DC_ERR_NOMEM;
    if (err == DC_OK)
        err = campaign_repo_get(req->db, &camp);
    if (err == DC_OK)
        err = stats_repo_rows(req->db, rep->group, rep->region, keys, &rep->rows, &rep->n);
    if (err == DC_OK)
        err = stats_repo_totals(req->db, rep->region, &rep->totals);
    if (err != DC_OK)
        return err;
    rep->class_hour_seconds = camp.rules.class_hour_seconds;
    for (size_t i = 0; rep->group != STATS_BY_REGION && i < rep->n; i++)
        rep->rows[i].label = group_label(rep->group, rep->rows[i].key);
    return DC_OK;
}

static json_t *counts_json(const struct dc_stats_row *r, int class_hour_seconds)
{
    return json_pack("{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I}", "accounts",
                     (json_int_t)r->accounts, "learners", (json_int_t)r->learners, "credited_hours",
                     progress_class_hours(r->credited_seconds, class_hour_seconds), "certified",
                     (json_int_t)r->certified, "checkins", (json_int_t)r->checkins, "submissions",
                     (json_int_t)r->submissions, "approved_submissions",
                     (json_int_t)r->approved_submissions, "likes", (json_int_t)r->likes);
}

/* Route: admin. */
enum dc_err reports_api_stats(struct dc_req *req)
{
    struct report rep = {0};
    enum dc_err err = report_load(req, &rep);
    if (err != DC_OK)
        return err;
    json_t *rows = json_array();
    for (size_t i = 0; i < rep.n; i++) {
        json_t *row = counts_json(&rep.rows[i], rep.class_hour_seconds);
        json_object_set_new(row, "key", json_string(rep.rows[i].key));
        json_object_set_new(row, "label", json_string(rep.rows[i].label));
        json_array_append_new(rows, row);
    }
    return dc_reply_json(req, 200,
                         json_pack("{s:s, s:o, s:o, s:o}", "group_by",
                                   DC_ENUM_STATS_GROUP.values[rep.group].key, "region_code",
                                   api_string_or_null(rep.region), "rows", rows, "totals",
                                   counts_json(&rep.totals, rep.class_hour_seconds)));
}

static void csv_stats_row(struct csv_buf *csv, const char *key, const char *label,
                          const struct dc_stats_row *r, int class_hour_seconds)
{
    char v[8][32];
    int64_t ints[] = {r->accounts, r->learners,    r->certified,
                      r->checkins, r->submissions, r->approved_submissions,
                      r->likes};
    snprintf(v[0], sizeof v[0], "%" PRId64, ints[0]);
    snprintf(v[1], sizeof v[1], "%" PRId64, ints[1]);
    snprintf(v[2], sizeof v[2], "%.2f",
             progress_class_hours(r->credited_seconds, class_hour_seconds));
    for (int k = 2; k < 7; k++)
        snprintf(v[k + 1], sizeof v[k + 1], "%" PRId64, ints[k]);
    const char *cells[] = {key, label, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
    csv_row(csv, cells, sizeof cells / sizeof cells[0]);
}

/* Route: admin. */
enum dc_err reports_api_stats_csv(struct dc_req *req)
{
    static const char *const HEADER[] = {"key",      "label",          "accounts",
                                         "learners", "credited_hours", "certified",
                                         "checkins", "submissions",    "approved_submissions",
                                         "likes"};
    struct report rep = {0};
    struct csv_buf csv;
    size_t len;
    enum dc_err err = report_load(req, &rep);
    if (err != DC_OK)
        return err;
    /* at most a few dozen rows: built whole */
    csv_begin(&csv);
    csv_row(&csv, HEADER, sizeof HEADER / sizeof HEADER[0]);
    for (size_t i = 0; i < rep.n; i++)
        csv_stats_row(&csv, rep.rows[i].key, rep.rows[i].label, &rep.rows[i],
                      rep.class_hour_seconds);
    csv_stats_row(&csv, "total", "合计", &rep.totals, rep.class_hour_seconds);
    char *text = csv_take(&csv, &len);
    req->no_store = true;
    return dc_reply_text(req, 200, CSV_TYPE, text, len);
}

/* Where a certificates.csv download is: after which serial, and whether
 * the header went out. */
struct cert_export {
    char after[32];
    bool started;
};

/* The next page of certificates.csv, read on a connection held for this
 * page only (the HTTP layer's): a slow reader never holds one. */
static enum dc_err cert_export_next(void *state, struct db_conn *db, char **out, size_t *len)
{
    static const char *const HEADER[] = {"serial",      "account_id",  "holder_name",
                                         "region_code", "class_hours", "credited_seconds",
                                         "issued_at",   "status",      "revoked_at"};
    struct cert_export *x = state;
    struct dc_certificate_export *rows;
    struct csv_buf csv;
    size_t n = 0;
    *out = NULL;
    *len = 0;
    enum dc_err err = certificates_repo_export_page(db, x->after, EXPORT_PAGE, &rows, &n);
    if (err != DC_OK)
        return err;
    if (!x->started)
        csv_begin(&csv);
    else
        csv_begin_part(&csv);
    if (!x->started)
        csv_row(&csv, HEADER, sizeof HEADER / sizeof HEADER[0]);
    x->started = true;
    for (size_t i = 0; i < n; i++) {
        const struct dc_certificate_export *c = &rows[i];
        char account[24], secs[24];
        snprintf(account, sizeof account, "%" PRId64, c->account_id);
        snprintf(secs, sizeof secs, "%" PRId64, c->credited_seconds);
        const char *cells[] = {c->serial,
                               account,
                               c->holder_name,
                               c->region_code,
                               c->class_hours,
                               secs,
                               c->issued_at,
                               c->revoked_at ? "revoked" : "valid",
                               c->revoked_at ? c->revoked_at : ""};
        csv_row(&csv, cells, sizeof cells / sizeof cells[0]);
    }
    if (n > 0)
        snprintf(x->after, sizeof x->after, "%s", rows[n - 1].serial);
    if (csv.failed) {
        csv_free(&csv);
        return DC_ERR_NOMEM;
    }
    *out = csv_take(&csv, len);
    return DC_OK;
}

/* Route: admin; the body streamed with a connection per page. */
enum dc_err reports_api_certificates_csv(struct dc_req *req)
{
    struct cert_export *x = calloc(1, sizeof *x);
    if (!x)
        return DC_ERR_NOMEM;
    req->no_store = true;
    return dc_reply_stream(req, 200, CSV_TYPE, cert_export_next, free, x);
}
