/*
 * profile.c - the profile fields of an account, validated once for every
 * path that sets them (registration, PATCH /v1/me, partner user links).
 */
#include "drillcamp/profile.h"

#include <string.h>

#include "drillcamp/enums.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

#define PHONE_MSG "phone must be a mainland mobile number (11 digits starting 13-19)"

/* An optional (or required) string member whose value is one of e's keys. */
static bool enum_member(const json_t *body, const char *key, bool required, const struct dc_enum *e,
                        const char **out)
{
    return validate_string(body, key, required, 1, 32, true, out) == DC_OK &&
           (!*out || dc_enum_has(e, *out));
}

enum dc_err profile_parse(const json_t *body, enum profile_use use, struct dc_profile *out,
                          struct dc_problem *p)
{
    bool creating = use != PROFILE_UPDATE;
    memset(out, 0, sizeof *out);
    if (creating && (validate_string(body, "phone", true, 1, 32, true, &out->phone) != DC_OK ||
                     !validate_phone(out->phone)))
        return dc_problem_set(p, DC_ERR_VALIDATION, "phone", PHONE_MSG);
    if (use != PROFILE_PARTNER_USER &&
        validate_string(body, "password", use == PROFILE_REGISTER, DC_PASSWORD_MIN_CHARS,
                        DC_PASSWORD_MAX_CHARS, false, &out->password) != DC_OK)
        return dc_problem_set(p, DC_ERR_VALIDATION, "password",
                              "password must be 8-128 characters");
    if (validate_string(body, "display_name", creating, 1, DC_DISPLAY_NAME_MAX_CHARS, true,
                        &out->display_name) != DC_OK)
        return dc_problem_set(p, DC_ERR_VALIDATION, "display_name",
                              "display_name must be 1-40 characters without control characters");
    if (use == PROFILE_REGISTER &&
        !enum_member(body, "kind", true, &DC_ENUM_ACCOUNT_KIND, &out->kind))
        return dc_problem_set(p, DC_ERR_VALIDATION, "kind", DC_ENUM_ACCOUNT_KIND.message);
    if (validate_string(body, "region_code", creating, 6, 6, true, &out->region_code) != DC_OK ||
        (out->region_code && !validate_region_code_format(out->region_code)))
        return dc_problem_set(p, DC_ERR_VALIDATION, "region_code",
                              "region_code must be a known 6-digit division code");
    const json_t *org =
        use != PROFILE_PARTNER_USER ? json_object_get(body, "organization_id") : NULL;
    out->organization_set = org != NULL;
    if (org && !json_is_null(org) &&
        (!json_is_string(org) || !validate_id(json_string_value(org), &out->organization_id)))
        return dc_problem_set(p, DC_ERR_VALIDATION, "organization_id",
                              "organization_id must be an id string or null");
    /* in the order fields are read: the organization before the audience */
    if (use == PROFILE_REGISTER && strcmp(out->kind, "official") == 0 && out->organization_id == 0)
        return dc_problem_set(p, DC_ERR_VALIDATION, "organization_id",
                              "an official account must name its organization");
    if (!enum_member(body, "audience", false, &DC_ENUM_AUDIENCE, &out->audience))
        return dc_problem_set(p, DC_ERR_VALIDATION, "audience", DC_ENUM_AUDIENCE.message);
    return DC_OK;
}
