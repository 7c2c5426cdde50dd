/*
 * cursor.c - opaque keyset cursors: two int64 sort keys as base64url.
 */
#include "drillcamp/cursor.h"

#include <string.h>

#include "drillcamp/encode.h"

void cursor_encode(int64_t a, int64_t b, char *out)
{
    unsigned char buf[17];
    buf[0] = 'c';
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    for (int i = 0; i < 8; i++) {
        buf[1 + i] = (unsigned char)(ua >> (56 - 8 * i));
        buf[9 + i] = (unsigned char)(ub >> (56 - 8 * i));
    }
    encode_base64url(buf, sizeof buf, out);
}

bool cursor_decode(const char *s, int64_t *a, int64_t *b)
{
    unsigned char buf[18];
    if (strlen(s) >= CURSOR_MAX)
        return false;
    long n = decode_base64url(s, buf, sizeof buf);
    if (n != 17 || buf[0] != 'c')
        return false;
    uint64_t ua = 0, ub = 0;
    for (int i = 0; i < 8; i++) {
        ua = (ua << 8) | buf[1 + i];
        ub = (ub << 8) | buf[9 + i];
    }
    *a = (int64_t)ua;
    *b = (int64_t)ub;
    return true;
}
