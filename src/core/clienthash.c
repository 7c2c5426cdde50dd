/*
 * clienthash.c - keyed hashes of client addresses and device ids (see
 * clienthash.h). The key is set once at start and only read afterwards.
 */
#include "drillcamp/clienthash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "drillcamp/partner.h"

static unsigned char secret[32];

bool client_hash_init(const char *like_key_hex, const unsigned char partner_key[32])
{
    if (like_key_hex && *like_key_hex)
        return partner_parse_key(like_key_hex, secret);
    static const char label[] = "drillcamp like client hashes v1";
    unsigned int len = sizeof secret;
    return HMAC(EVP_sha256(), partner_key, 32, (const unsigned char *)label, sizeof label - 1,
                secret, &len) != NULL &&
           len == sizeof secret;
}

void client_hash(const char *text, char out[CLIENT_HASH_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[32];
    unsigned int len = sizeof mac;
    if (!HMAC(EVP_sha256(), secret, sizeof secret, (const unsigned char *)text, strlen(text), mac,
              &len))
        memset(mac, 0, sizeof mac);
    for (size_t i = 0; i < CLIENT_HASH_LEN / 2; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[CLIENT_HASH_LEN] = '\0';
}
