/*
 * enums.c - the value tables of enums.h: every fixed set of strings that
 * the database (CHECK constraints in migrations/), the C code and
 * api/openapi.yaml share, with the Chinese labels reports show and the 422
 * message the server answers for a value outside the set.
 *
 * tests/unit/test_enums.c compares these tables with the migrations and
 * the spec: a value added here must be added there too (and the reverse).
 */
#include "drillcamp/enums.h"

#include <string.h>

#define COUNT(v) (sizeof(v) / sizeof((v)[0]))

static const struct dc_enum_value ACCOUNT_KINDS[] = {{"individual", NULL}, {"official", NULL}};
const struct dc_enum DC_ENUM_ACCOUNT_KIND = {"account kind", ACCOUNT_KINDS, COUNT(ACCOUNT_KINDS),
                                             "kind must be individual or official"};

static const struct dc_enum_value ROLES[] = {{"user", NULL}, {"moderator", NULL}, {"admin", NULL}};
const struct dc_enum DC_ENUM_ROLE = {"role", ROLES, COUNT(ROLES),
                                     "role must be user, moderator or admin"};

static const struct dc_enum_value AUDIENCES[] = {
    {"employee", "企业职工"}, {"student", "学生"},    {"teacher", "教师"},
    {"resident", "社区居民"}, {"public", "社会公众"},
};
const struct dc_enum DC_ENUM_AUDIENCE = {
    "audience", AUDIENCES, COUNT(AUDIENCES),
    "audience must be employee, student, teacher, resident or public"};

static const struct dc_enum_value ORG_TYPES[] = {
    {"government", "党政机关"},
    {"enterprise_central", "中央企业"},
    {"enterprise_local", "地方企业"},
    {"university", "高等院校"},
    {"school", "中小学校"},
    {"kindergarten", "幼儿园"},
    {"community", "社区"},
    {"village", "村"},
    {"other", "其他组织"},
};
const struct dc_enum DC_ENUM_ORG_TYPE = {"organization type", ORG_TYPES, COUNT(ORG_TYPES),
                                         "type is not an organization type"};

static const struct dc_enum_value REGION_LEVELS[] = {
    {"province", NULL}, {"city", NULL}, {"county", NULL}};
const struct dc_enum DC_ENUM_REGION_LEVEL = {"region level", REGION_LEVELS, COUNT(REGION_LEVELS),
                                             "level must be province, city or county"};

static const struct dc_enum_value SUBMISSION_STATUSES[] = {
    {"pending", NULL}, {"approved", NULL}, {"rejected", NULL}, {"removed", NULL}};
const struct dc_enum DC_ENUM_SUBMISSION_STATUS = {"submission status", SUBMISSION_STATUSES,
                                                  COUNT(SUBMISSION_STATUSES),
                                                  "status is not a submission status"};

static const struct dc_enum_value SUBMISSION_SOURCES[] = {{"direct", NULL}, {"partner", NULL}};
const struct dc_enum DC_ENUM_SUBMISSION_SOURCE = {"submission source", SUBMISSION_SOURCES,
                                                  COUNT(SUBMISSION_SOURCES),
                                                  "source must be direct or partner"};

static const struct dc_enum_value VIDEO_FORMATS[] = {{"mp4", NULL}, {"mov", NULL}};
const struct dc_enum DC_ENUM_VIDEO_FORMAT = {"video format", VIDEO_FORMATS, COUNT(VIDEO_FORMATS),
                                             "format must be mp4 or mov"};

static const struct dc_enum_value LIVESTREAM_STATUSES[] = {
    {"scheduled", NULL}, {"live", NULL}, {"ended", NULL}};
const struct dc_enum DC_ENUM_LIVESTREAM_STATUS = {"livestream status", LIVESTREAM_STATUSES,
                                                  COUNT(LIVESTREAM_STATUSES),
                                                  "status must be scheduled, live or ended"};

static const struct dc_enum_value CONTENT_TYPES[] = {{"lesson", NULL}, {"livestream", NULL}};
const struct dc_enum DC_ENUM_CONTENT_TYPE = {"content type", CONTENT_TYPES, COUNT(CONTENT_TYPES),
                                             "content_type must be lesson or livestream"};

static const struct dc_enum_value REVIEW_DECISIONS[] = {{"approve", NULL}, {"reject", NULL}};
const struct dc_enum DC_ENUM_REVIEW_DECISION = {"review decision", REVIEW_DECISIONS,
                                                COUNT(REVIEW_DECISIONS),
                                                "decision must be approve or reject"};

static const struct dc_enum_value LIKE_ACTIONS[] = {{"like", NULL}, {"unlike", NULL}};
const struct dc_enum DC_ENUM_LIKE_ACTION = {"like action", LIKE_ACTIONS, COUNT(LIKE_ACTIONS),
                                            "action must be like or unlike"};

static const struct dc_enum_value STATS_GROUPS[] = {
    {"region", NULL}, {"organization_type", NULL}, {"audience", NULL}};
const struct dc_enum DC_ENUM_STATS_GROUP = {
    "stats group", STATS_GROUPS, COUNT(STATS_GROUPS),
    "group_by must be region, organization_type or audience"};

static const struct dc_enum *const ALL[] = {
    &DC_ENUM_ACCOUNT_KIND,      &DC_ENUM_ROLE,
    &DC_ENUM_AUDIENCE,          &DC_ENUM_ORG_TYPE,
    &DC_ENUM_REGION_LEVEL,      &DC_ENUM_SUBMISSION_STATUS,
    &DC_ENUM_SUBMISSION_SOURCE, &DC_ENUM_VIDEO_FORMAT,
    &DC_ENUM_LIVESTREAM_STATUS, &DC_ENUM_CONTENT_TYPE,
    &DC_ENUM_REVIEW_DECISION,   &DC_ENUM_LIKE_ACTION,
    &DC_ENUM_STATS_GROUP,
};

const struct dc_enum *const *dc_enums_all(size_t *n)
{
    if (n)
        *n = COUNT(ALL);
    return ALL;
}

int dc_enum_index(const struct dc_enum *e, const char *key)
{
    if (!e || !key)
        return -1;
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->values[i].key, key) == 0)
            return (int)i;
    return -1;
}

bool dc_enum_has(const struct dc_enum *e, const char *key)
{
    return dc_enum_index(e, key) >= 0;
}

const char *dc_enum_label(const struct dc_enum *e, const char *key)
{
    int i = dc_enum_index(e, key);
    return i >= 0 ? e->values[i].label : NULL;
}
