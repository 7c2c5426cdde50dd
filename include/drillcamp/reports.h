/*
 * reports.h - participation statistics and CSV exports for organizers
 * (API.md section 8), read from the counters that migration 0007's
 * triggers maintain, never from a scan of progress or likes.
 */
#ifndef DRILLCAMP_REPORTS_H
#define DRILLCAMP_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/accounts.h"
#include "drillcamp/db.h"

enum stats_group { STATS_BY_REGION, STATS_BY_ORG_TYPE, STATS_BY_AUDIENCE };

struct dc_stats_row {
    char key[40];
    char label[DC_NAME_MAX]; /* region names from the database; "" for the others */
    int64_t accounts;
    int64_t learners;
    int64_t credited_seconds;
    int64_t certified;
    int64_t checkins;
    int64_t submissions;
    int64_t approved_submissions;
    int64_t likes;
};

/*
 * One row per group within region_code's subtree (NULL: everywhere): for
 * STATS_BY_REGION the child divisions of region_code (the provinces when
 * NULL) in code order; otherwise one row per key of keys_pg (a text[]
 * literal), in its order. Groups without data come back as zeros. *out is
 * malloc'ed for the caller.
 */
enum dc_err stats_repo_rows(struct db_conn *c, enum stats_group g, const char *region_code,
                            const char *keys_pg, struct dc_stats_row **out, size_t *n);
/* Everything within region_code's subtree (NULL: everywhere). */
enum dc_err stats_repo_totals(struct db_conn *c, const char *region_code, struct dc_stats_row *out);

struct dc_certificate_export {
    char serial[32];
    int64_t account_id;
    char holder_name[DC_NAME_MAX];
    char region_code[8];
    char class_hours[24];
    int64_t credited_seconds;
    char issued_at[32];
    bool revoked;
    char revoked_at[32]; /* "" when valid */
};
/* Up to limit certificates with serials after `after` ("" from the start),
 * in serial order; *out malloc'ed for the caller. */
enum dc_err certificates_repo_export_page(struct db_conn *c, const char *after, int limit,
                                          struct dc_certificate_export **out, size_t *n);

#endif
