/*
 * sign.c - Ed25519 signing with OpenSSL's EVP_DigestSign (no digest: the
 * message is signed whole), public key export, and random serials.
 */
#include "drillcamp/sign.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/encode.h"

struct sign_key {
    EVP_PKEY *pkey;
};

enum dc_err sign_key_load(const char *pem_path, struct sign_key **out)
{
    FILE *f = fopen(pem_path, "r");
    if (!f)
        return DC_ERR_INTERNAL;
    EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!pkey || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pkey);
        return DC_ERR_INTERNAL;
    }
    struct sign_key *k = malloc(sizeof *k);
    if (!k) {
        EVP_PKEY_free(pkey);
        return DC_ERR_NOMEM;
    }
    k->pkey = pkey;
    *out = k;
    return DC_OK;
}

void sign_key_free(struct sign_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey);
    free(key);
}

enum dc_err sign_message(const struct sign_key *key, const char *msg, size_t len, char **out)
{
    enum dc_err err = DC_ERR_INTERNAL;
    unsigned char sig[64];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) != 1 ||
        EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)msg, len) != 1)
        goto out;
    char *b64 = malloc(4 * ((siglen + 2) / 3) + 1);
    if (!b64) {
        err = DC_ERR_NOMEM;
        goto out;
    }
    EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
    *out = b64;
    err = DC_OK;
out:
    EVP_MD_CTX_free(ctx);
    return err;
}

enum dc_err sign_public_pem(const struct sign_key *key, char **out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    enum dc_err err = DC_ERR_INTERNAL;
    char *data;
    if (!bio || PEM_write_bio_PUBKEY(bio, key->pkey) != 1)
        goto out;
    long n = BIO_get_mem_data(bio, &data);
    char *pem = malloc((size_t)n + 1);
    if (!pem) {
        err = DC_ERR_NOMEM;
        goto out;
    }
    memcpy(pem, data, (size_t)n);
    pem[n] = '\0';
    *out = pem;
    err = DC_OK;
out:
    BIO_free(bio);
    return err;
}

enum dc_err sign_verify(const struct sign_key *key, const char *msg, size_t len,
                        const char *signature_b64, bool *ok)
{
    unsigned char sig[96];
    *ok = false;
    size_t b64len = strlen(signature_b64);
    if (b64len != 88)
        return DC_OK;
    int n = EVP_DecodeBlock(sig, (const unsigned char *)signature_b64, (int)b64len);
    if (n < 64)
        return DC_OK;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return DC_ERR_NOMEM;
    enum dc_err err = DC_ERR_INTERNAL;
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key->pkey) == 1) {
        *ok = EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)msg, len) == 1;
        err = DC_OK;
    }
    EVP_MD_CTX_free(ctx);
    return err;
}

/* Crockford's base32: no I, L, O or U, so serials read aloud well. */
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

enum dc_err sign_new_serial(char *out)
{
    unsigned char raw[10];
    if (encode_random(raw, sizeof raw) != DC_OK)
        return DC_ERR_INTERNAL;
    char chars[16];
    /* 80 bits -> 16 symbols of 5 bits */
    for (int i = 0; i < 16; i++) {
        int bit = i * 5;
        unsigned v = ((unsigned)raw[bit / 8] << 8 | (bit / 8 + 1 < 10 ? raw[bit / 8 + 1] : 0));
        chars[i] = crockford[(v >> (11 - bit % 8)) & 31];
    }
    snprintf(out, 23, "DC-%.4s-%.4s-%.4s-%.4s", chars, chars + 4, chars + 8, chars + 12);
    return DC_OK;
}

bool sign_serial_well_formed(const char *s)
{
    if (strlen(s) != 22 || strncmp(s, "DC-", 3) != 0)
        return false;
    for (int i = 3; i < 22; i++) {
        if ((i - 3) % 5 == 4) {
            if (s[i] != '-')
                return false;
        } else if (!strchr(crockford, s[i]) || s[i] == '\0') {
            return false;
        }
    }
    return true;
}
