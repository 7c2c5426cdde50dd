/*
 * clienthash.h - who made a like, kept without keeping who: the first 16
 * hex digits of HMAC-SHA256 under a server secret of the client's address
 * or of its device id (API.md section 6). The secret is never stored in
 * the database, so the hashes cannot be turned back into addresses by
 * trying every one of them.
 */
#ifndef DRILLCAMP_CLIENTHASH_H
#define DRILLCAMP_CLIENTHASH_H

#include <stdbool.h>

#include "drillcamp/err.h"

#define CLIENT_HASH_LEN 16

/* The secret: DRILLCAMP_LIKE_KEY (64 hex digits) when given, else one
 * derived from the partner key (HMAC-SHA256 of a fixed label under it), so
 * that a deployment has one secret to keep. false on a malformed key. */
bool client_hash_init(const char *like_key_hex, const unsigned char partner_key[32]);
/* text's hash into out (CLIENT_HASH_LEN + 1 bytes, lowercase hex). */
void client_hash(const char *text, char out[CLIENT_HASH_LEN + 1]);

#endif
