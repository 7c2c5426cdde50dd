/*
 * stats_repo.c - SQL for the participation report. The report sums stats_cells (a few rows per
 * region, organization type and audience, whatever the number of accounts); a division's row rolls
 * up every region whose code, province_code or city_code is it.
 */
#include "drillcamp/reports.h"

#define SUMS                                                                                       \
    "coalesce(sum(c.accounts), 0), coalesce(sum(c.learners), 0),"                                  \
    " coalesce(sum(c.credited_seconds), 0), coalesce(sum(c.certified), 0),"                        \
    " coalesce(sum(c.checkins), 0), coalesce(sum(c.submissions), 0),"                              \
    " coalesce(sum(c.approved_submissions), 0), coalesce(sum(c.likes), 0)"

/* sub is within $1's subtree ($1 NULL: everywhere) */
#define IN_SCOPE                                                                                   \
    "($1::text IS NULL OR sub.code = $1 OR sub.province_code = $1 OR sub.city_code = $1)"

static const struct db_stmt BY_REGION = {
    "stats_by_region",
    "SELECT r.code, r.name, " SUMS " FROM regions r"
    " LEFT JOIN regions sub ON sub.code = r.code OR sub.province_code = r.code"
    " OR sub.city_code = r.code"
    " LEFT JOIN stats_cells c ON c.region_code = sub.code"
    " WHERE r.parent IS NOT DISTINCT FROM $1::text GROUP BY r.code, r.name ORDER BY r.code",
    1};

static const struct db_stmt BY_ORG_TYPE = {
    "stats_by_org_type",
    "SELECT k.key, '', " SUMS " FROM unnest($2::text[]) WITH ORDINALITY AS k(key, ord)"
    " LEFT JOIN (stats_cells c JOIN regions sub ON sub.code = c.region_code AND " IN_SCOPE ")"
    " ON c.org_type = k.key GROUP BY k.key, k.ord ORDER BY k.ord",
    2};

static const struct db_stmt BY_AUDIENCE = {
    "stats_by_audience",
    "SELECT k.key, '', " SUMS " FROM unnest($2::text[]) WITH ORDINALITY AS k(key, ord)"
    " LEFT JOIN (stats_cells c JOIN regions sub ON sub.code = c.region_code AND " IN_SCOPE ")"
    " ON c.audience = k.key GROUP BY k.key, k.ord ORDER BY k.ord",
    2};

static const struct db_stmt TOTALS = {
    "stats_totals",
    "SELECT '', '', " SUMS " FROM stats_cells c JOIN regions sub ON sub.code = c.region_code"
    " WHERE " IN_SCOPE,
    1};

static void stats_from_row(const PGresult *r, int i, void *item)
{
    struct dc_stats_row *s = item;
    s->key = db_text(r, i, 0);
    s->label = db_text(r, i, 1);
    int64_t *cols[] = {&s->accounts, &s->learners,    &s->credited_seconds,     &s->certified,
                       &s->checkins, &s->submissions, &s->approved_submissions, &s->likes};
    for (int k = 0; k < 8; k++)
        *cols[k] = db_i64(r, i, 2 + k);
}

enum dc_err stats_repo_rows(struct db_conn *c, enum stats_group g, const char *region_code,
                            const char *keys_pg, struct dc_stats_row **out, size_t *n)
{
    const char *p[] = {region_code, keys_pg};
    const struct db_stmt *s = g == STATS_BY_REGION     ? &BY_REGION
                              : g == STATS_BY_ORG_TYPE ? &BY_ORG_TYPE
                                                       : &BY_AUDIENCE;
    return db_query_list(c, s, p, sizeof **out, stats_from_row, (void **)out, n);
}

enum dc_err stats_repo_totals(struct db_conn *c, const char *region_code, struct dc_stats_row *out)
{
    const char *p[] = {region_code};
    return db_query_one(c, &TOTALS, p, stats_from_row, out);
}
