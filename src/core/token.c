/*
 * token.c - bearer tokens: 256 random bits out, only SHA-256 stored.
 */
#include "drillcamp/token.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#include "drillcamp/encode.h"

enum dc_err token_generate(char *token, char *hash_hex)
{
    unsigned char raw[32];
    if (encode_random(raw, sizeof raw) != DC_OK)
        return DC_ERR_INTERNAL;
    encode_base64url(raw, sizeof raw, token);
    OPENSSL_cleanse(raw, sizeof raw);
    token_hash(token, hash_hex);
    return DC_OK;
}

void token_hash(const char *token, char *hash_hex)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), digest);
    encode_hex(digest, sizeof digest, hash_hex);
}

bool token_hash_equal(const char *a, const char *b)
{
    if (strlen(a) != TOKEN_HASH_LEN || strlen(b) != TOKEN_HASH_LEN)
        return false;
    return CRYPTO_memcmp(a, b, TOKEN_HASH_LEN) == 0;
}

bool token_well_formed(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        if (!ok || n >= TOKEN_LEN)
            return false;
    }
    return n == TOKEN_LEN;
}
