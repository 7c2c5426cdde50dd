/*
 * partner.h - pure pieces of partner request signing (API.md section 7) and
 * the sealing of partner secrets at rest (AES-256-GCM, OpenSSL).
 */
#ifndef DRILLCAMP_PARTNER_H
#define DRILLCAMP_PARTNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drillcamp/err.h"

#define PARTNER_SKEW_SECONDS 300

/*
 * hex HMAC-SHA256(secret, METHOD "\n" TARGET "\n" TIMESTAMP "\n"
 * hex SHA-256(body)) into out (65 bytes).
 */
void partner_signature(const char *secret, const char *method, const char *target,
                       const char *timestamp, const char *body, size_t body_len, char *out);
/* Constant-time comparison of a presented signature with the expected one
 * (case-sensitive lowercase hex). */
bool partner_signature_equal(const char *expected, const char *presented);
/* X-Timestamp: decimal unix seconds; false for anything else. */
bool partner_parse_timestamp(const char *s, int64_t *out);

/* Parses the 64-hex-digit server key into 32 bytes. */
bool partner_parse_key(const char *hex, unsigned char key[32]);
/* Seals plaintext; *out is base64 text malloc'ed for the caller. */
enum dc_err partner_seal(const unsigned char key[32], const char *plaintext, char **out);
/* Opens what partner_seal made; DC_ERR_INTERNAL when tampered or another key. */
enum dc_err partner_open(const unsigned char key[32], const char *sealed, char **out);

#endif
