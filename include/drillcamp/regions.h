/*
 * regions.h - administrative divisions and organizations in the database.
 *
 * Lists and strings live in the connection's arena (db.h): nothing
 * returned here is freed by the caller.
 */
#ifndef DRILLCAMP_REGIONS_H
#define DRILLCAMP_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/accounts.h"
#include "drillcamp/db.h"

struct dc_region {
    const char *code;
    const char *name;
    const char *level;
    const char *parent; /* NULL for provinces */
};

struct dc_organization {
    int64_t id;
    const char *name;
    const char *type;
    const char *region_code;
    const char *created_at;
};

/* regions_repo.c: children of parent (NULL: provinces). *found is false for an unknown parent. */
enum dc_err regions_repo_children(struct db_conn *c, const char *parent, struct dc_region **out,
                                  size_t *n, bool *found);

/* organizations_repo.c */
enum dc_err organizations_repo_insert(struct db_conn *c, const char *name, const char *type,
                                      const char *region_code, struct dc_organization *out);
/* One page by id after after_id (0: from the start), filters optional. */
enum dc_err organizations_repo_list(struct db_conn *c, const char *region_code, const char *type,
                                    int64_t after_id, int limit, struct dc_organization **out,
                                    size_t *n);

#endif
