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
#include "drillcamp/csv.h"
#include "drillcamp/learning.h"
#include "drillcamp/reports.h"
#include "drillcamp/validate.h"

#define CSV_TYPE       "text/csv; charset=utf-8"
#define EXPORT_PAGE    500
#define KEY_LABELS_MAX 10

static const char *const ADMIN[] = {"admin", NULL};

struct key_label {
    const char *key, *label;
};

/* the rows of group_by=organization_type and =audience, in report order */
static const struct key_label ORG_TYPES[KEY_LABELS_MAX] = {
    {"government", "党政机关"},
    {"enterprise_central", "中央企业"},
    {"enterprise_local", "地方企业"},
    {"university", "高等院校"},
    {"school", "中小学校"},
    {"kindergarten", "幼儿园"},
    {"community", "社区"},
    {"village", "村"},
    {"other", "其他组织"},
    {"none", "未加入组织"},
};
static const char ORG_TYPE_KEYS[] = "{government,enterprise_central,enterprise_local,university,"
                                    "school,kindergarten,community,village,other,none}";

static const struct key_label AUDIENCES[KEY_LABELS_MAX] = {
    {"employee", "企业职工"}, {"student", "学生"},    {"teacher", "教师"},
    {"resident", "社区居民"}, {"public", "社会公众"},
};
static const char AUDIENCE_KEYS[] = "{employee,student,teacher,resident,public}";

/* A report: its rows, totals and the hour length to show hours in. */
struct report {
    enum stats_group group;
    const char *region; /* NULL: everywhere */
    struct dc_stats_row *rows;
    size_t n;
    struct dc_stats_row totals;
    int class_hour_seconds;
};

/* ?group_by= and ?region_code=, checked; answers 422 itself. */
static bool report_query_or_respond(struct dc_req *req, struct db_conn *conn, struct report *rep)
{
    const char *g = dc_req_query(req, "group_by");
    rep->region = dc_req_query(req, "region_code");
    if (!g || strcmp(g, "region") == 0)
        rep->group = STATS_BY_REGION;
    else if (strcmp(g, "organization_type") == 0)
        rep->group = STATS_BY_ORG_TYPE;
    else if (strcmp(g, "audience") == 0)
        rep->group = STATS_BY_AUDIENCE;
    else {
        dc_reply_err(req, DC_ERR_VALIDATION, "group_by",
                     "group_by must be region, organization_type or audience");
        return false;
    }
    if (!rep->region)
        return true;
    bool region_ok = false, org_ok;
    enum dc_err err = DC_OK;
    if (validate_region_code_format(rep->region))
        err = accounts_repo_check_refs(conn, rep->region, 0, &region_ok, &org_ok);
    if (err != DC_OK)
        dc_reply_err(req, err, NULL, NULL);
    else if (!region_ok)
        dc_reply_err(req, DC_ERR_VALIDATION, "region_code", "region_code is not a known division");
    return err == DC_OK && region_ok;
}

static enum dc_err report_load(struct db_conn *conn, struct report *rep)
{
    struct dc_campaign camp;
    const struct key_label *labels = rep->group == STATS_BY_ORG_TYPE ? ORG_TYPES : AUDIENCES;
    const char *keys = rep->group == STATS_BY_ORG_TYPE ? ORG_TYPE_KEYS : AUDIENCE_KEYS;
    enum dc_err err = campaign_repo_get(conn, &camp);
    if (err == DC_OK)
        err = stats_repo_rows(conn, rep->group, rep->region, keys, &rep->rows, &rep->n);
    if (err == DC_OK)
        err = stats_repo_totals(conn, rep->region, &rep->totals);
    if (err != DC_OK)
        return err;
    rep->class_hour_seconds = camp.rules.class_hour_seconds;
    for (size_t i = 0; rep->group != STATS_BY_REGION && i < rep->n; i++)
        for (int k = 0; k < KEY_LABELS_MAX && labels[k].key; k++)
            if (strcmp(labels[k].key, rep->rows[i].key) == 0)
                snprintf(rep->rows[i].label, sizeof rep->rows[i].label, "%s", labels[k].label);
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

static const char *group_name(enum stats_group g)
{
    return g == STATS_BY_REGION     ? "region"
           : g == STATS_BY_ORG_TYPE ? "organization_type"
                                    : "audience";
}

/* Shared start of both stats routes: admin, query, load. */
static bool report_or_respond(struct dc_req *req, struct db_conn **conn, struct report *rep)
{
    if (!api_db_acquire_or_respond(req, conn) || !api_auth_role_or_respond(req, *conn, ADMIN) ||
        !report_query_or_respond(req, *conn, rep))
        return false;
    enum dc_err err = report_load(*conn, rep);
    if (err != DC_OK)
        dc_reply_err(req, err, NULL, NULL);
    return err == DC_OK;
}

void reports_api_stats(struct dc_req *req)
{
    struct db_conn *conn = NULL;
    struct report rep = {0};
    if (!report_or_respond(req, &conn, &rep))
        goto out;
    json_t *rows = json_array();
    for (size_t i = 0; i < rep.n; i++) {
        json_t *row = counts_json(&rep.rows[i], rep.class_hour_seconds);
        json_object_set_new(row, "key", json_string(rep.rows[i].key));
        json_object_set_new(row, "label", json_string(rep.rows[i].label));
        json_array_append_new(rows, row);
    }
    dc_reply_json(req, 200,
                  json_pack("{s:s, s:o, s:o, s:o}", "group_by", group_name(rep.group),
                            "region_code", rep.region ? json_string(rep.region) : json_null(),
                            "rows", rows, "totals",
                            counts_json(&rep.totals, rep.class_hour_seconds)));
out:
    if (req->status == 0)
        dc_reply_err(req, DC_ERR_INTERNAL, NULL, NULL);
    db_release(conn);
    free(rep.rows);
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

void reports_api_stats_csv(struct dc_req *req)
{
    static const char *const HEADER[] = {"key",      "label",          "accounts",
                                         "learners", "credited_hours", "certified",
                                         "checkins", "submissions",    "approved_submissions",
                                         "likes"};
    struct db_conn *conn = NULL;
    struct report rep = {0};
    struct csv_buf csv;
    if (!report_or_respond(req, &conn, &rep))
        goto out;
    /* at most a few dozen rows: built whole */
    csv_begin(&csv);
    csv_row(&csv, HEADER, sizeof HEADER / sizeof HEADER[0]);
    for (size_t i = 0; i < rep.n; i++)
        csv_stats_row(&csv, rep.rows[i].key, rep.rows[i].label, &rep.rows[i],
                      rep.class_hour_seconds);
    csv_stats_row(&csv, "total", "合计", &rep.totals, rep.class_hour_seconds);
    size_t len;
    char *text = csv_take(&csv, &len);
    if (text) {
        req->no_store = true;
        dc_reply_text(req, 200, CSV_TYPE, text, len);
    }
out:
    if (req->status == 0)
        dc_reply_err(req, DC_ERR_INTERNAL, NULL, NULL);
    db_release(conn);
    free(rep.rows);
}

/* Where a certificates.csv download is: after which serial, and whether
 * the header went out. */
struct cert_export {
    char after[32];
    bool started;
};

/* The next page of certificates.csv, with its own pooled connection for
 * the page only: a slow reader never holds a database connection. */
static enum dc_err cert_export_next(void *state, char **out, size_t *len)
{
    static const char *const HEADER[] = {"serial",      "account_id",  "holder_name",
                                         "region_code", "class_hours", "credited_seconds",
                                         "issued_at",   "status",      "revoked_at"};
    struct cert_export *x = state;
    struct db_conn *conn = NULL;
    struct dc_certificate_export *rows = NULL;
    struct csv_buf csv;
    size_t n = 0;
    *out = NULL;
    *len = 0;
    enum dc_err err = db_acquire(&conn);
    if (err == DC_OK)
        err = certificates_repo_export_page(conn, x->after, EXPORT_PAGE, &rows, &n);
    db_release(conn);
    if (err != DC_OK)
        return err;
    if (!x->started) {
        csv_begin(&csv);
        csv_row(&csv, HEADER, sizeof HEADER / sizeof HEADER[0]);
        x->started = true;
    } else {
        csv_begin_part(&csv);
    }
    for (size_t i = 0; i < n; i++) {
        const struct dc_certificate_export *c = &rows[i];
        char account[24], secs[24];
        snprintf(account, sizeof account, "%" PRId64, c->account_id);
        snprintf(secs, sizeof secs, "%" PRId64, c->credited_seconds);
        const char *cells[] = {
            c->serial,      account, c->holder_name, c->region_code,
            c->class_hours, secs,    c->issued_at,   c->revoked ? "revoked" : "valid",
            c->revoked_at};
        csv_row(&csv, cells, sizeof cells / sizeof cells[0]);
    }
    if (n > 0)
        snprintf(x->after, sizeof x->after, "%s", rows[n - 1].serial);
    free(rows);
    if (csv.failed) {
        csv_free(&csv);
        return DC_ERR_NOMEM;
    }
    *out = csv_take(&csv, len);
    return DC_OK;
}

void reports_api_certificates_csv(struct dc_req *req)
{
    enum dc_err err = DC_ERR_INTERNAL;
    struct db_conn *conn = NULL;
    if (!api_db_acquire_or_respond(req, &conn) || !api_auth_role_or_respond(req, conn, ADMIN))
        goto out;
    struct cert_export *x = calloc(1, sizeof *x);
    if (!x)
        goto out;
    req->no_store = true;
    dc_reply_stream(req, 200, CSV_TYPE, cert_export_next, free, x);
out:
    if (req->status == 0)
        dc_reply_err(req, err, NULL, NULL);
    db_release(conn);
}
