/*
 * validate.c - field checks shared by every resource's request parsing.
 */
#include "drillcamp/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t validate_utf8_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

bool validate_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, n;
        unsigned cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (unsigned i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

bool validate_no_control(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
        /* C1 controls U+0080..U+009F are encoded C2 80..C2 9F */
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return false;
        /* line and paragraph separators U+2028/U+2029: E2 80 A8/A9 */
        if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
            return false;
        p++;
    }
    return true;
}

bool validate_phone(const char *s)
{
    if (strlen(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9')
        return false;
    for (int i = 2; i < 11; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool validate_region_code_format(const char *s)
{
    if (strlen(s) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool validate_id(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 19 || s[0] == '0')
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno != 0 || v <= 0)
        return false;
    *out = v;
    return true;
}

bool validate_id_member(const json_t *v, int64_t *out)
{
    if (json_is_string(v))
        return validate_id(json_string_value(v), out);
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *out = json_integer_value(v);
        return true;
    }
    return false;
}

bool validate_one_of(const char *s, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(s, *allowed) == 0)
            return true;
    return false;
}

enum dc_err validate_string(const json_t *obj, const char *key, bool required, size_t min_chars,
                            size_t max_chars, bool no_control, const char **out)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return required ? DC_ERR_VALIDATION : DC_OK;
    if (!json_is_string(v))
        return DC_ERR_VALIDATION;
    const char *s = json_string_value(v);
    /* jansson keeps embedded NULs only with JSON_ALLOW_NUL; refuse them anyway */
    if (strlen(s) != json_string_length(v))
        return DC_ERR_VALIDATION;
    size_t n = validate_utf8_len(s);
    if (n < min_chars || n > max_chars)
        return DC_ERR_VALIDATION;
    if (no_control && !validate_no_control(s))
        return DC_ERR_VALIDATION;
    *out = s;
    return DC_OK;
}

void validate_mask_phone(const char *phone, char *out, size_t cap)
{
    size_t n = strlen(phone);
    if (n == 11)
        snprintf(out, cap, "%.3s****%.4s", phone, phone + 7);
    else if (n > 2)
        snprintf(out, cap, "****%s", phone + n - 2);
    else
        snprintf(out, cap, "****");
}

bool validate_https_url(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max || strncasecmp(s, "https://", 8) != 0)
        return false;
    const char *host = s + 8;
    if (*host == '\0' || *host == '/' || *host == '?' || *host == '#' || *host == '@' ||
        *host == ':')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return false;
    return validate_no_control(s);
}
