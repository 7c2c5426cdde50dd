/*
 * partner.c - HMAC request signatures and AES-256-GCM sealed secrets.
 */
#include "drillcamp/partner.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/encode.h"

#define NONCE_LEN 12
#define TAG_LEN   16

void partner_signature(const char *secret, const char *method, const char *target,
                       const char *timestamp, const char *body, size_t body_len, char *out)
{
    unsigned char digest[SHA256_DIGEST_LENGTH], mac[EVP_MAX_MD_SIZE];
    char body_hex[2 * SHA256_DIGEST_LENGTH + 1];
    unsigned int mac_len = 0;
    SHA256((const unsigned char *)(body ? body : ""), body ? body_len : 0, digest);
    encode_hex(digest, sizeof digest, body_hex);
    size_t n = strlen(method) + strlen(target) + strlen(timestamp) + sizeof body_hex + 4;
    char *msg = malloc(n);
    if (!msg) {
        out[0] = '\0';
        return;
    }
    size_t len = (size_t)snprintf(msg, n, "%s\n%s\n%s\n%s", method, target, timestamp, body_hex);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, len, mac, &mac_len);
    encode_hex(mac, mac_len, out);
    free(msg);
}

bool partner_signature_equal(const char *expected, const char *presented)
{
    size_t n = strlen(expected);
    if (!presented || strlen(presented) != n || n == 0)
        return false;
    return CRYPTO_memcmp(expected, presented, n) == 0;
}

bool partner_parse_timestamp(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 12)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    *out = strtoll(s, NULL, 10);
    return true;
}

bool partner_parse_key(const char *hex, unsigned char key[32])
{
    if (!hex || strlen(hex) != 64)
        return false;
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0)
                return false;
            v = v * 16 + (unsigned)d;
        }
        key[i] = (unsigned char)v;
    }
    return true;
}

enum dc_err partner_seal(const unsigned char key[32], const char *plaintext, char **out)
{
    size_t n = strlen(plaintext);
    unsigned char *buf = malloc(NONCE_LEN + n + TAG_LEN);
    char *text = malloc(4 * ((NONCE_LEN + n + TAG_LEN + 2) / 3) + 1);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    enum dc_err err = DC_ERR_INTERNAL;
    int len = 0, fin = 0;
    if (!buf || !text || !ctx || encode_random(buf, NONCE_LEN) != DC_OK)
        goto out;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, buf) != 1 ||
        EVP_EncryptUpdate(ctx, buf + NONCE_LEN, &len, (const unsigned char *)plaintext, (int)n) !=
            1 ||
        EVP_EncryptFinal_ex(ctx, buf + NONCE_LEN + len, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, buf + NONCE_LEN + n) != 1)
        goto out;
    EVP_EncodeBlock((unsigned char *)text, buf, (int)(NONCE_LEN + n + TAG_LEN));
    *out = text;
    text = NULL;
    err = DC_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    free(buf);
    free(text);
    return err;
}

enum dc_err partner_open(const unsigned char key[32], const char *sealed, char **out)
{
    size_t b64 = strlen(sealed);
    unsigned char *buf = malloc(b64 / 4 * 3 + 3);
    char *plain = NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    enum dc_err err = DC_ERR_INTERNAL;
    int len = 0, fin = 0;
    if (!buf || !ctx || b64 % 4 != 0)
        goto out;
    int raw = EVP_DecodeBlock(buf, (const unsigned char *)sealed, (int)b64);
    /* EVP_DecodeBlock counts padding bytes as data: take them off */
    for (size_t i = b64; raw > 0 && i > 0 && sealed[i - 1] == '='; i--)
        raw--;
    if (raw < NONCE_LEN + TAG_LEN)
        goto out;
    size_t n = (size_t)raw - NONCE_LEN - TAG_LEN;
    plain = malloc(n + 1);
    if (!plain || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, buf) != 1 ||
        EVP_DecryptUpdate(ctx, (unsigned char *)plain, &len, buf + NONCE_LEN, (int)n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, buf + NONCE_LEN + n) != 1 ||
        EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + len, &fin) != 1)
        goto out;
    plain[n] = '\0';
    *out = plain;
    plain = NULL;
    err = DC_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    free(buf);
    free(plain);
    return err;
}
