/*
 * fuzz_partner_headers.c - what a partner request's headers and the stored
 * partner secrets go through (include/drillcamp/partner.h), and the other
 * text decoders of client input: cursors (cursor.h), base64url (encode.h)
 * and hex (partner_parse_key is the hex decoder of the server key).
 *
 * The input is split at newlines into fields, each cut at its first NUL:
 *   0 X-Timestamp          partner_parse_timestamp
 *   1 X-Signature          partner_signature_equal against partner_signature
 *   2 DRILLCAMP_PARTNER_KEY partner_parse_key (64 hex digits)
 *   3 a sealed secret      partner_open with that key (or a fixed one)
 *   4 ?cursor=             cursor_decode, decode_base64url
 *   5 the request target   the signed PATH_WITH_QUERY
 * and everything after the sixth newline is the request body (raw bytes).
 *
 * Checked: each parser accepts exactly its documented syntax and what it
 * accepts encodes back to the same text; the signature is the HMAC-SHA256
 * of API.md section 7 (recomputed here with OpenSSL) and is equal only to
 * itself; sealing then opening any secret gives it back, and a sealed text
 * with one bit flipped in the ciphertext or tag never opens.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/cursor.h"
#include "drillcamp/encode.h"
#include "drillcamp/partner.h"
#include "drillcamp/sign.h"
#include "drillcamp/token.h"

#include "fuzz_common.h"

#define NFIELDS 6

/* picked by the body's first byte: '{' (0x7b) is POST */
static const char *const METHODS[] = {"GET", "PUT", "DELETE", "POST"};

static bool is_lower_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void check_timestamp(const char *s)
{
    int64_t t = -1;
    bool ok = partner_parse_timestamp(s, &t);
    size_t n = strlen(s);
    bool digits = n >= 1 && n <= 12 && strspn(s, "0123456789") == n;
    CHECK(ok == digits);
    if (ok) {
        CHECK(t >= 0 && t <= 999999999999LL);
        char back[16];
        snprintf(back, sizeof back, "%lld", (long long)t);
        size_t zeros = strspn(s, "0");
        CHECK(strcmp(back, zeros == n ? "0" : s + zeros) == 0);
    }
}

static void check_key(const char *hex, unsigned char key[32])
{
    unsigned char k[32];
    bool ok = partner_parse_key(hex, k);
    size_t n = strlen(hex);
    CHECK(ok == (n == 64 && strspn(hex, "0123456789abcdefABCDEF") == 64));
    if (ok) {
        char back[65], lower[65];
        encode_hex(k, 32, back);
        for (int i = 0; i < 64; i++)
            lower[i] = (char)((hex[i] >= 'A' && hex[i] <= 'F') ? hex[i] - 'A' + 'a' : hex[i]);
        lower[64] = '\0';
        CHECK(strcmp(back, lower) == 0);
        memcpy(key, k, 32);
    }
}

/* Seals text, opens it, and tries a few tampered copies. */
static void check_seal_round_trip(const unsigned char key[32], const char *text, unsigned flip)
{
    char *sealed = NULL, *opened = NULL;
    CHECK(partner_seal(key, text, &sealed) == DC_OK);
    CHECK(sealed);
    CHECK(partner_open(key, sealed, &opened) == DC_OK);
    CHECK(strcmp(opened, text) == 0);
    free(opened);

    /* flip one bit of the decoded nonce, ciphertext or tag */
    size_t b64 = strlen(sealed);
    unsigned char *raw = malloc(b64 / 4 * 3 + 3);
    CHECK(raw);
    int n = EVP_DecodeBlock(raw, (const unsigned char *)sealed, (int)b64);
    for (size_t i = b64; n > 0 && i > 0 && sealed[i - 1] == '='; i--)
        n--;
    CHECK(n >= 28);
    raw[flip % (unsigned)n] ^= (unsigned char)(1u << (flip % 8));
    char *tampered = malloc(b64 + 1);
    CHECK(tampered);
    EVP_EncodeBlock((unsigned char *)tampered, raw, n);
    opened = NULL;
    CHECK(partner_open(key, tampered, &opened) != DC_OK);
    CHECK(opened == NULL);
    free(tampered);
    free(raw);
    free(sealed);
}

static void check_open(const unsigned char key[32], const char *sealed)
{
    char *out = NULL;
    if (partner_open(key, sealed, &out) == DC_OK) {
        CHECK(out);
        free(out);
    } else {
        CHECK(out == NULL);
    }
}

/* API.md section 7, computed independently of partner_signature. */
static void reference_signature(const char *secret, const char *method, const char *target,
                                const char *ts, const unsigned char *body, size_t body_len,
                                char out[65])
{
    unsigned char digest[SHA256_DIGEST_LENGTH], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char body_hex[65];
    SHA256(body, body_len, digest);
    for (int i = 0; i < 32; i++)
        snprintf(body_hex + 2 * i, 3, "%02x", digest[i]);
    size_t n = strlen(method) + strlen(target) + strlen(ts) + 64 + 4;
    char *msg = malloc(n);
    CHECK(msg);
    int len = snprintf(msg, n, "%s\n%s\n%s\n%s", method, target, ts, body_hex);
    CHECK(len > 0 && (size_t)len < n);
    CHECK(HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg, (size_t)len, mac,
               &mac_len) != NULL);
    CHECK(mac_len == 32);
    for (unsigned i = 0; i < mac_len; i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
    free(msg);
}

static void check_signature(const char *secret, const char *method, const char *target,
                            const char *ts, const unsigned char *body, size_t body_len,
                            const char *presented)
{
    char expected[65], ref[65];
    partner_signature(secret, method, target, ts, (const char *)body, body_len, expected);
    CHECK(is_lower_hex(expected, 64));
    reference_signature(secret, method, target, ts, body, body_len, ref);
    CHECK(strcmp(expected, ref) == 0);

    char copy[65];
    memcpy(copy, expected, sizeof copy);
    CHECK(partner_signature_equal(expected, copy));
    CHECK(partner_signature_equal(expected, presented) == (strcmp(expected, presented) == 0));
    CHECK(!partner_signature_equal(expected, NULL));
    CHECK(!partner_signature_equal("", presented));
    /* uppercase hex is a different signature */
    for (int i = 0; i < 64; i++)
        if (copy[i] >= 'a')
            copy[i] = (char)(copy[i] - 'a' + 'A');
    if (strcmp(copy, expected) != 0)
        CHECK(!partner_signature_equal(expected, copy));
}

static void check_base64url(const char *s)
{
    size_t len = strlen(s);
    size_t cap = len * 3 / 4 + 1;
    unsigned char *buf = malloc(cap);
    CHECK(buf);
    long n = decode_base64url(s, buf, cap);
    if (n >= 0) {
        CHECK((size_t)n == len * 6 / 8);
        CHECK(len % 4 != 1);
        char *back = malloc(4 * ((size_t)n / 3 + 1) + 1);
        CHECK(back);
        encode_base64url(buf, (size_t)n, back);
        CHECK(strcmp(back, s) == 0); /* one text per byte string */
        free(back);
        /* one byte short of room: refused, never overrun */
        if (n > 0) {
            unsigned char *tight = malloc((size_t)n - 1 + 1);
            CHECK(tight);
            CHECK(decode_base64url(s, tight, (size_t)n - 1) == -1);
            free(tight);
        }
    } else {
        CHECK(n == -1);
    }
    free(buf);
}

static void check_cursor(const char *s)
{
    int64_t a = 0, b = 0;
    if (cursor_decode(s, &a, &b)) {
        char back[CURSOR_MAX];
        cursor_encode(a, b, back);
        CHECK(strcmp(back, s) == 0);
    }
}

/* cursor_encode of any pair decodes to it. */
static void check_cursor_pair(int64_t a, int64_t b)
{
    char text[CURSOR_MAX];
    int64_t a2, b2;
    cursor_encode(a, b, text);
    CHECK(strlen(text) < CURSOR_MAX);
    CHECK(cursor_decode(text, &a2, &b2));
    CHECK(a2 == a && b2 == b);
}

static int64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return (int64_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *field[NFIELDS];
    size_t pos = 0;
    for (int f = 0; f < NFIELDS; f++) {
        size_t start = pos;
        while (pos < size && data[pos] != '\n')
            pos++;
        field[f] = fuzz_strndup(data + start, pos - start); /* cut at a NUL */
        if (pos < size)
            pos++;
    }
    const uint8_t *body = data + pos;
    size_t body_len = size - pos;

    check_timestamp(field[0]);

    unsigned char key[32];
    memset(key, 0x5a, sizeof key);
    check_key(field[2], key);

    /* a stored sealed secret as the database could hold it */
    check_open(key, field[3]);

    /* what the signature check computes and compares */
    unsigned sel = body_len ? body[0] : 3;
    check_signature(field[3], METHODS[sel % 4], field[5], field[0], body, body_len, field[1]);

    check_cursor(field[4]);
    check_base64url(field[4]);
    check_base64url(field[1]);
    (void)token_well_formed(field[1]);
    (void)sign_serial_well_formed(field[5]);

    if (body_len >= 16)
        check_cursor_pair(le64(body), le64(body + 8));

    /* seal / open round trip of the fuzzed secret (kept short: the cipher is
     * not what is fuzzed here) */
    if (strlen(field[3]) <= 256)
        check_seal_round_trip(key, field[3], (unsigned)size * 31u + sel);

    /* hex: encode_hex then partner_parse_key gives the bytes back */
    if (body_len >= 32) {
        char hex[65];
        unsigned char back[32];
        encode_hex(body, 32, hex);
        CHECK(partner_parse_key(hex, back));
        CHECK(memcmp(back, body, 32) == 0);
    }

    for (int f = 0; f < NFIELDS; f++)
        free(field[f]);
    return 0;
}
