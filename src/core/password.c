/*
 * password.c - scrypt password hashes through OpenSSL's EVP_KDF.
 *
 * Parameters follow OWASP's scrypt equivalents (N=2^15, r=8, p=3: 32 MiB
 * and three passes per hash). They are written into every stored hash, so
 * verification always uses the parameters a hash was made with.
 */
#include "drillcamp/password.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/encode.h"

#define SCRYPT_N      32768u
#define SCRYPT_R      8u
#define SCRYPT_P      3u
#define SALT_LEN      16
#define HASH_LEN      32
#define SCRYPT_MAXMEM (64ull * 1024 * 1024)
#define STORED_MAX    160

static enum dc_err scrypt_derive(const char *password, const unsigned char *salt, size_t salt_len,
                                 uint64_t n, uint32_t r, uint32_t p, unsigned char *out,
                                 size_t out_len)
{
    enum dc_err err = DC_ERR_INTERNAL;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (!ctx)
        goto out;
    uint64_t maxmem = SCRYPT_MAXMEM;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password,
                                          strlen(password)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_KDF_derive(ctx, out, out_len, params) == 1)
        err = DC_OK;
out:
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return err;
}

static enum dc_err hash_new(const char *password, char **out)
{
    unsigned char salt[SALT_LEN], hash[HASH_LEN];
    char salt_b64[32], hash_b64[48];
    if (encode_random(salt, sizeof salt) != DC_OK)
        return DC_ERR_INTERNAL;
    enum dc_err err =
        scrypt_derive(password, salt, sizeof salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, hash, sizeof hash);
    if (err != DC_OK)
        return err;
    encode_base64url(salt, sizeof salt, salt_b64);
    encode_base64url(hash, sizeof hash, hash_b64);
    OPENSSL_cleanse(hash, sizeof hash);
    char *s = malloc(STORED_MAX);
    if (!s)
        return DC_ERR_NOMEM;
    snprintf(s, STORED_MAX, "scrypt$%u$%u$%u$%s$%s", SCRYPT_N, SCRYPT_R, SCRYPT_P, salt_b64,
             hash_b64);
    *out = s;
    return DC_OK;
}

enum dc_err password_hash(const char *password, char **out)
{
    return hash_new(password, out);
}

/* Parses "scrypt$N$r$p$salt$hash"; refuses absurd costs from a bad row. */
static bool parse_stored(const char *stored, uint64_t *n, uint32_t *r, uint32_t *p,
                         unsigned char *salt, long *salt_len, unsigned char *hash, long *hash_len)
{
    unsigned long long nn;
    unsigned rr, pp;
    char salt_b64[64], hash_b64[64];
    if (sscanf(stored, "scrypt$%llu$%u$%u$%63[^$]$%63s", &nn, &rr, &pp, salt_b64, hash_b64) != 5)
        return false;
    if (nn < 2 || (nn & (nn - 1)) != 0 || nn > (1u << 20) || rr == 0 || rr > 32 || pp == 0 ||
        pp > 16)
        return false;
    *salt_len = decode_base64url(salt_b64, salt, 48);
    *hash_len = decode_base64url(hash_b64, hash, 48);
    if (*salt_len <= 0 || *hash_len <= 0)
        return false;
    *n = nn;
    *r = rr;
    *p = pp;
    return true;
}

enum dc_err password_verify(const char *password, const char *stored, bool *ok)
{
    uint64_t n;
    uint32_t r, p;
    unsigned char salt[48], want[48], got[48];
    long salt_len, hash_len;
    *ok = false;
    if (!parse_stored(stored, &n, &r, &p, salt, &salt_len, want, &hash_len))
        return DC_ERR_INTERNAL;
    enum dc_err err =
        scrypt_derive(password, salt, (size_t)salt_len, n, r, p, got, (size_t)hash_len);
    if (err != DC_OK)
        return err;
    *ok = CRYPTO_memcmp(got, want, (size_t)hash_len) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return DC_OK;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char *dummy_hash;

static void make_dummy(void)
{
    unsigned char raw[16];
    char pw[32];
    if (encode_random(raw, sizeof raw) != DC_OK)
        memset(raw, 0x5a, sizeof raw);
    encode_base64url(raw, sizeof raw, pw);
    /* made once, outside the cap: a busy moment must not leave it unset */
    if (hash_new(pw, &dummy_hash) != DC_OK)
        dummy_hash = NULL;
}

const char *password_dummy_hash(void)
{
    pthread_once(&dummy_once, make_dummy);
    return dummy_hash ? dummy_hash : "scrypt$2$1$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA";
}
