/*
 * enums.h - the enumerations that SQL (CHECK constraints in migrations/),
 * C and api/openapi.yaml share, each defined once here. A unit test
 * (tests/unit/test_enums.c) reads the migrations and the spec and fails
 * when any of them lists other values than these tables.
 *
 * Every table and string is static: nothing here is freed.
 */
#ifndef DRILLCAMP_ENUMS_H
#define DRILLCAMP_ENUMS_H

#include <stdbool.h>
#include <stddef.h>

struct dc_enum_value {
    const char *key;   /* as stored and as sent in JSON */
    const char *label; /* Chinese label for reports, or NULL */
};

struct dc_enum {
    const char *name; /* what the values are, for messages: "audience" */
    const struct dc_enum_value *values;
    size_t n;
    /* "audience must be employee, student, teacher, resident or public" */
    const char *message;
};

extern const struct dc_enum DC_ENUM_ACCOUNT_KIND;      /* individual, official */
extern const struct dc_enum DC_ENUM_ROLE;              /* user, moderator, admin */
extern const struct dc_enum DC_ENUM_AUDIENCE;          /* employee ... public (labels) */
extern const struct dc_enum DC_ENUM_ORG_TYPE;          /* government ... other (labels) */
extern const struct dc_enum DC_ENUM_REGION_LEVEL;      /* province, city, county */
extern const struct dc_enum DC_ENUM_SUBMISSION_STATUS; /* pending, approved, rejected, removed */
extern const struct dc_enum DC_ENUM_SUBMISSION_SOURCE; /* direct, partner */
extern const struct dc_enum DC_ENUM_VIDEO_FORMAT;      /* mp4, mov */
extern const struct dc_enum DC_ENUM_LIVESTREAM_STATUS; /* scheduled, live, ended */
extern const struct dc_enum DC_ENUM_CONTENT_TYPE;      /* lesson, livestream */
extern const struct dc_enum DC_ENUM_REVIEW_DECISION;   /* approve, reject */
extern const struct dc_enum DC_ENUM_LIKE_ACTION;       /* like, unlike */
extern const struct dc_enum DC_ENUM_STATS_GROUP;       /* region, organization_type, audience */

/* Every table above, for tests: *n receives the count. */
const struct dc_enum *const *dc_enums_all(size_t *n);

/* True when key (may be NULL: false) is one of e's values. */
bool dc_enum_has(const struct dc_enum *e, const char *key);
/* The index of key in e, or -1. */
int dc_enum_index(const struct dc_enum *e, const char *key);
/* The label of key, or NULL when key is not a value or has none. */
const char *dc_enum_label(const struct dc_enum *e, const char *key);

#endif
