/*
 * cursor.h - opaque keyset cursors for list endpoints.
 *
 * A cursor carries the last row's sort key (an int64 id, optionally with a
 * second int64 such as a timestamp in microseconds) as base64url text.
 */
#ifndef DRILLCAMP_CURSOR_H
#define DRILLCAMP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CURSOR_MAX 64

void cursor_encode(int64_t a, int64_t b, char *out); /* out: CURSOR_MAX bytes */
bool cursor_decode(const char *s, int64_t *a, int64_t *b);

#endif
