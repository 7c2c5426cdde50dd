/*
 * sign.h - Ed25519 certificate signatures (OpenSSL) and serial numbers.
 */
#ifndef DRILLCAMP_SIGN_H
#define DRILLCAMP_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "drillcamp/err.h"

struct sign_key; /* an Ed25519 private key */

/* Loads a PEM private key; DC_ERR_INTERNAL when it is not Ed25519. */
enum dc_err sign_key_load(const char *pem_path, struct sign_key **out);
void sign_key_free(struct sign_key *key);
/* Base64 (standard alphabet, padded) signature of msg; *out malloc'ed. */
enum dc_err sign_message(const struct sign_key *key, const char *msg, size_t len, char **out);
/* The public key as PEM (SubjectPublicKeyInfo); *out malloc'ed. */
enum dc_err sign_public_pem(const struct sign_key *key, char **out);
/* Checks a base64 signature against the key's public half. */
enum dc_err sign_verify(const struct sign_key *key, const char *msg, size_t len,
                        const char *signature_b64, bool *ok);

/* A certificate serial: "DC" + 4 groups of 4 Crockford base32 characters
 * (80 random bits), e.g. "DC-7K2M-Q9XH-4TVB-N3CF"; out needs 23 bytes. */
enum dc_err sign_new_serial(char *out);
/* True when s has the shape of a serial (cheap check before a lookup). */
bool sign_serial_well_formed(const char *s);

#endif
