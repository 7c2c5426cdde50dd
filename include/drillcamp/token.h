/*
 * token.h - bearer session tokens.
 *
 * A token is 32 random bytes (256 bits) in base64url (43 characters). Only
 * its SHA-256 (hex) is ever stored.
 */
#ifndef DRILLCAMP_TOKEN_H
#define DRILLCAMP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "drillcamp/err.h"

#define TOKEN_LEN      43
#define TOKEN_HASH_LEN 64

/* Fills token (TOKEN_LEN + 1 bytes) and its hash (TOKEN_HASH_LEN + 1). */
enum dc_err token_generate(char *token, char *hash_hex);
/* Hashes any string as a token would be (SHA-256, lowercase hex). */
void token_hash(const char *token, char *hash_hex);
/* Constant-time equality of two hex hashes of TOKEN_HASH_LEN. */
bool token_hash_equal(const char *a, const char *b);
/* True when s looks like a token (43 base64url chars); cheap pre-check. */
bool token_well_formed(const char *s);

#endif
