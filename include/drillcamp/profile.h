/*
 * profile.h - the profile fields of an account (API.md section 2) as one
 * pure rule, read the same way by registration, PATCH /v1/me and a
 * partner's user link: the same checks, the same first bad field, the same
 * messages. No database: whether the region and organization exist is the
 * caller's check.
 */
#ifndef DRILLCAMP_PROFILE_H
#define DRILLCAMP_PROFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "drillcamp/err.h"

/* Which request the fields come from: what is required and what is read. */
enum profile_use {
    PROFILE_REGISTER,     /* phone, password, display_name, kind, region_code required */
    PROFILE_UPDATE,       /* every field optional; no phone, no kind */
    PROFILE_PARTNER_USER, /* phone, display_name, region_code required; no password, kind or
                             organization */
};

/* Borrowed from the parsed JSON body; NULL when absent. */
struct dc_profile {
    const char *phone;
    const char *password;
    const char *display_name;
    const char *kind;
    const char *region_code;
    bool organization_set;   /* organization_id was sent (null included) */
    int64_t organization_id; /* 0: none or null */
    const char *audience;
};

/*
 * Reads the fields in API.md's order (phone, password, display_name, kind,
 * region_code, organization_id, audience), so that the first bad one is
 * named in p. On registration an official account must name its
 * organization.
 */
enum dc_err profile_parse(const json_t *body, enum profile_use use, struct dc_profile *out,
                          struct dc_problem *p);

#endif
