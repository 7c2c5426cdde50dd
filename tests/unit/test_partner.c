/*
 * test_partner.c - the pure partner pieces (API.md section 7): request
 * signatures checked against independently computed HMAC-SHA256 values
 * (OpenSSL here, and fixed vectors made with `openssl dgst` on the command
 * line), constant-time signature comparison, X-Timestamp and server-key
 * parsing, and AES-256-GCM sealing of partner secrets at rest.
 */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/partner.h"

static const char BODY[] = "{\"phone\":\"13800000000\",\"display_name\":\"张三\"}";

static void to_hex(const unsigned char *raw, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[raw[i] >> 4];
        out[2 * i + 1] = digits[raw[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The documented signature computed here, independently of the server:
 * hex HMAC-SHA256(secret, METHOD "\n" TARGET "\n" TS "\n" hex SHA-256(body)). */
static void reference_signature(const char *secret, const char *method, const char *target,
                                const char *ts, const char *body, size_t body_len, char out[65])
{
    unsigned char digest[SHA256_DIGEST_LENGTH], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char body_hex[65], msg[1024];
    SHA256((const unsigned char *)body, body_len, digest);
    to_hex(digest, sizeof digest, body_hex);
    int n = snprintf(msg, sizeof msg, "%s\n%s\n%s\n%s", method, target, ts, body_hex);
    ck_assert(n > 0 && (size_t)n < sizeof msg);
    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), secret, (int)strlen(secret),
                               (const unsigned char *)msg, (size_t)n, mac, &mac_len));
    ck_assert_uint_eq(mac_len, 32);
    to_hex(mac, mac_len, out);
}

START_TEST(signature_matches_reference)
{
    char got[65], want[65];
    partner_signature("sEcReT-秘密", "PUT", "/v1/partner/users/u1?x=%E4%B8%AD", "1700000000", BODY,
                      strlen(BODY), got);
    reference_signature("sEcReT-秘密", "PUT", "/v1/partner/users/u1?x=%E4%B8%AD", "1700000000",
                        BODY, strlen(BODY), want);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(strlen(got), 64);
}
END_TEST

/* Fixed vectors from the command line:
 *   H=$(printf '%s' "$BODY" | openssl dgst -sha256 -r | cut -d' ' -f1)
 *   printf 'PUT\n/v1/partner/users/u1?x=%%E4%%B8%%AD\n1700000000\n%s' "$H" |
 *       openssl dgst -sha256 -hmac 'sEcReT-秘密'
 * and the same for an empty GET body with secret "abc". */
START_TEST(signature_fixed_vectors)
{
    char got[65];
    partner_signature("sEcReT-秘密", "PUT", "/v1/partner/users/u1?x=%E4%B8%AD", "1700000000", BODY,
                      strlen(BODY), got);
    ck_assert_str_eq(got, "b8173ea5f9b3a4768843803bb080a95896045936552127d2ba8f64f99a214dd5");

    partner_signature("abc", "GET", "/v1/partner/changes?cursor=", "1700000001", "", 0, got);
    ck_assert_str_eq(got, "5a3f57bc74ca41ea748210f8aab2342ad2113d3e3501b50de3b76e0cac4b9b22");
    /* no body at all signs like an empty one */
    partner_signature("abc", "GET", "/v1/partner/changes?cursor=", "1700000001", NULL, 0, got);
    ck_assert_str_eq(got, "5a3f57bc74ca41ea748210f8aab2342ad2113d3e3501b50de3b76e0cac4b9b22");
}
END_TEST

/* every signed part changes the signature */
START_TEST(signature_covers_every_part)
{
    char base[65], other[65];
    partner_signature("k", "PUT", "/v1/partner/users/a?x=1", "100", "{}", 2, base);
    partner_signature("k2", "PUT", "/v1/partner/users/a?x=1", "100", "{}", 2, other);
    ck_assert_str_ne(base, other);
    partner_signature("k", "POST", "/v1/partner/users/a?x=1", "100", "{}", 2, other);
    ck_assert_str_ne(base, other);
    partner_signature("k", "PUT", "/v1/partner/users/b?x=1", "100", "{}", 2, other);
    ck_assert_str_ne(base, other);
    partner_signature("k", "PUT", "/v1/partner/users/a?x=2", "100", "{}", 2, other);
    ck_assert_str_ne(base, other);
    partner_signature("k", "PUT", "/v1/partner/users/a?x=1", "101", "{}", 2, other);
    ck_assert_str_ne(base, other);
    partner_signature("k", "PUT", "/v1/partner/users/a?x=1", "100", "{ }", 3, other);
    ck_assert_str_ne(base, other);
}
END_TEST

START_TEST(signature_equal)
{
    const char *sig = "b8173ea5f9b3a4768843803bb080a95896045936552127d2ba8f64f99a214dd5";
    ck_assert(partner_signature_equal(sig, sig));
    char copy[65];
    strcpy(copy, sig);
    ck_assert(partner_signature_equal(sig, copy));
    copy[63] = copy[63] == '5' ? '6' : '5';
    ck_assert(!partner_signature_equal(sig, copy));
    /* lowercase hex only: an uppercase copy is another string */
    ck_assert(!partner_signature_equal(
        sig, "B8173EA5F9B3A4768843803BB080A95896045936552127D2BA8F64F99A214DD5"));
    /* length mismatch either way */
    ck_assert(!partner_signature_equal(
        sig, "b8173ea5f9b3a4768843803bb080a95896045936552127d2ba8f64f99a214dd"));
    ck_assert(!partner_signature_equal(
        sig, "b8173ea5f9b3a4768843803bb080a95896045936552127d2ba8f64f99a214dd55"));
    ck_assert(!partner_signature_equal(sig, ""));
    ck_assert(!partner_signature_equal(sig, NULL));
    /* an empty expected value never matches */
    ck_assert(!partner_signature_equal("", ""));
}
END_TEST

START_TEST(timestamp_digits_only)
{
    int64_t t = -1;
    ck_assert(partner_parse_timestamp("1700000000", &t));
    ck_assert_int_eq(t, 1700000000);
    ck_assert(partner_parse_timestamp("0", &t));
    ck_assert_int_eq(t, 0);
    const char *bad[] = {"",     "-1",  "+1",   " 1700000000", "1700000000 ",
                         "17e8", "1.5", "0x10", "abc",         "１７"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        t = 42;
        ck_assert_msg(!partner_parse_timestamp(bad[i], &t), "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(t, 42);
    }
    ck_assert(!partner_parse_timestamp(NULL, &t));
}
END_TEST

START_TEST(key_hex)
{
    unsigned char key[32];
    char hex[66];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned)(i * 7 + 0xa0) & 0xff);
    ck_assert(partner_parse_key(hex, key));
    for (int i = 0; i < 32; i++)
        ck_assert_uint_eq(key[i], (unsigned)(i * 7 + 0xa0) & 0xff);
    /* uppercase digits too */
    char upper[66];
    for (int i = 0; i <= 64; i++)
        upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
    unsigned char key2[32];
    ck_assert(partner_parse_key(upper, key2));
    ck_assert_mem_eq(key, key2, 32);

    char shorter[64];
    memcpy(shorter, hex, 63);
    shorter[63] = '\0';
    ck_assert(!partner_parse_key(shorter, key));
    char longer[66];
    memcpy(longer, hex, 64);
    longer[64] = 'a';
    longer[65] = '\0';
    ck_assert(!partner_parse_key(longer, key));
    char nonhex[65];
    memcpy(nonhex, hex, 65);
    nonhex[10] = 'g';
    ck_assert(!partner_parse_key(nonhex, key));
    nonhex[10] = ' ';
    ck_assert(!partner_parse_key(nonhex, key));
    ck_assert(!partner_parse_key("", key));
    ck_assert(!partner_parse_key(NULL, key));
}
END_TEST

static void test_key(unsigned char key[32], unsigned char seed)
{
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)(seed + i * 13);
}

START_TEST(seal_round_trip)
{
    unsigned char key[32];
    test_key(key, 1);
    const char *texts[] = {"s3cr3t-AbC_xyz", "合作伙伴的密钥：抖音", ""};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char *sealed = NULL, *plain = NULL;
        ck_assert_int_eq(partner_seal(key, texts[i], &sealed), DC_OK);
        ck_assert_ptr_nonnull(sealed);
        if (*texts[i])
            ck_assert_ptr_null(strstr(sealed, texts[i]));
        ck_assert_int_eq(partner_open(key, sealed, &plain), DC_OK);
        ck_assert_str_eq(plain, texts[i]);
        free(sealed);
        free(plain);
    }
}
END_TEST

/* a random nonce per seal: the same text never seals the same way */
START_TEST(seal_nonce_random)
{
    unsigned char key[32];
    test_key(key, 2);
    char *a = NULL, *b = NULL;
    ck_assert_int_eq(partner_seal(key, "same text 同样", &a), DC_OK);
    ck_assert_int_eq(partner_seal(key, "same text 同样", &b), DC_OK);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);
}
END_TEST

/* GCM authenticates: any flipped character or another key fails */
START_TEST(seal_tamper_and_wrong_key)
{
    unsigned char key[32], other[32];
    test_key(key, 3);
    test_key(other, 4);
    char *sealed = NULL, *plain = NULL;
    /* 14 bytes: nonce + text + tag is 42 bytes, base64 without padding, so
     * every character carries data bits only */
    ck_assert_int_eq(partner_seal(key, "秘密 secret!", &sealed), DC_OK);
    size_t n = strlen(sealed);
    ck_assert_uint_eq(n, 56);
    /* flip each base64 character in turn */
    for (size_t i = 0; i < n; i++) {
        char *t = strdup(sealed);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        plain = NULL;
        ck_assert_msg(partner_open(key, t, &plain) != DC_OK, "tampered at %zu opened", i);
        ck_assert_ptr_null(plain);
        free(t);
    }
    plain = NULL;
    ck_assert_int_ne(partner_open(other, sealed, &plain), DC_OK);
    ck_assert_ptr_null(plain);
    /* truncated and garbage text */
    ck_assert_int_ne(partner_open(key, "", &plain), DC_OK);
    ck_assert_int_ne(partner_open(key, "AAAA", &plain), DC_OK);
    ck_assert_int_ne(partner_open(key, "not base64!", &plain), DC_OK);
    ck_assert_ptr_null(plain);
    free(sealed);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("partner");
    TCase *tc = tcase_create("partner");
    tcase_add_test(tc, signature_matches_reference);
    tcase_add_test(tc, signature_fixed_vectors);
    tcase_add_test(tc, signature_covers_every_part);
    tcase_add_test(tc, signature_equal);
    tcase_add_test(tc, timestamp_digits_only);
    tcase_add_test(tc, key_hex);
    tcase_add_test(tc, seal_round_trip);
    tcase_add_test(tc, seal_nonce_random);
    tcase_add_test(tc, seal_tamper_and_wrong_key);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
