/*
 * encode.h - base64url, base64, hex and random bytes.
 */
#ifndef DRILLCAMP_ENCODE_H
#define DRILLCAMP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "drillcamp/err.h"

/* Writes the unpadded base64url of in into out (needs 4*ceil(n/3)+1). */
void encode_base64url(const unsigned char *in, size_t n, char *out);
/* Decodes unpadded base64url; returns the decoded length or -1. */
long decode_base64url(const char *in, unsigned char *out, size_t cap);
/* Lowercase hex; out needs 2n+1 bytes. */
void encode_hex(const unsigned char *in, size_t n, char *out);
enum dc_err encode_random(unsigned char *out, size_t n);
/* n random bytes (at most 48) as base64url text; out needs 4*ceil(n/3)+1. */
enum dc_err encode_random_text(size_t n, char *out);

#endif
