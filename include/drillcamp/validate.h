/*
 * validate.h - pure field validation helpers (no database, no HTTP).
 *
 * The field getters read one member of a JSON object and return DC_OK,
 * DC_ERR_VALIDATION (the value is present but wrong, or required and
 * missing). They never allocate: strings are borrowed from the object.
 */
#ifndef DRILLCAMP_VALIDATE_H
#define DRILLCAMP_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/err.h"

/* Number of UTF-8 code points in s (s is valid UTF-8; jansson checked it). */
size_t validate_utf8_len(const char *s);
/* True when s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool validate_utf8(const char *s);
/* True when s has no C0/C1 control characters nor DEL. */
bool validate_no_control(const char *s);
/* Mainland mobile: ^1[3-9][0-9]{9}$ */
bool validate_phone(const char *s);
/* Exactly six ASCII digits. */
bool validate_region_code_format(const char *s);
/* A decimal id string "1".."9223372036854775807"; fills *out. */
bool validate_id(const char *s, int64_t *out);
/* An id member: an id string, or a positive JSON integer (clients that
 * send numbers for content ids). */
bool validate_id_member(const json_t *v, int64_t *out);
/* True when s equals one of the NULL-terminated list. */
bool validate_one_of(const char *s, const char *const *allowed);

/*
 * Reads obj[key] as a string. required: missing or null is an error.
 * Absent optional fields leave *out NULL. Length bounds are in characters;
 * control characters are refused when no_control.
 */
enum dc_err validate_string(const json_t *obj, const char *key, bool required, size_t min_chars,
                            size_t max_chars, bool no_control, const char **out);

/* An absolute https URL of at most max bytes, with a host, no spaces or
 * control characters. The server never fetches it. */
bool validate_https_url(const char *s, size_t max);

/* "138****5678"; out needs 12 bytes. Other lengths keep only the last 2. */
void validate_mask_phone(const char *phone, char *out, size_t cap);

#endif
