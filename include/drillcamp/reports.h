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
    const char *key;
    const char *label; /* region names from the database; "" for the others */
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
 * literal), in its order. Groups without data come back as zeros. Rows
 * live in the connection's arena.
 */
enum dc_err stats_repo_rows(struct db_conn *c, enum stats_group g, const char *region_code,
                            const char *keys_pg, struct dc_stats_row **out, size_t *n);
/* Everything within region_code's subtree (NULL: everywhere). */
enum dc_err stats_repo_totals(struct db_conn *c, const char *region_code, struct dc_stats_row *out);

#endif
