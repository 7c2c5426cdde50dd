/*
 * password.h - slow salted password hashing (scrypt via OpenSSL EVP_KDF).
 *
 * Stored form: "scrypt$N$r$p$<salt b64>$<hash b64>", so the cost can rise
 * later without breaking old hashes.
 */
#ifndef DRILLCAMP_PASSWORD_H
#define DRILLCAMP_PASSWORD_H

#include <stdbool.h>

#include "drillcamp/err.h"

/* Both take about a third of a second and 32 MiB: the server runs them on
 * its hashing threads (auth_api.c), never on an HTTP worker thread. */

/* Hashes password; *out is malloc'ed for the caller. */
enum dc_err password_hash(const char *password, char **out);
/* Sets *ok when password matches stored (constant-time compare). A malformed
 * stored value is DC_ERR_INTERNAL. */
enum dc_err password_verify(const char *password, const char *stored, bool *ok);
/* A valid hash of a random password, computed once; used to spend the same
 * time on unknown phones as on known ones. Static; do not free. */
const char *password_dummy_hash(void);

#endif
