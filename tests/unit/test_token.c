/*
 * test_token.c - bearer tokens, their hashes, base64url/hex and cursors.
 */
#include <check.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/cursor.h"
#include "drillcamp/encode.h"
#include "drillcamp/token.h"

START_TEST(token_shape_and_hash)
{
    char tok[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1], again[TOKEN_HASH_LEN + 1];
    ck_assert_int_eq(token_generate(tok, hash), DC_OK);
    ck_assert_uint_eq(strlen(tok), 43); /* 32 bytes = 256 bits */
    ck_assert(token_well_formed(tok));
    ck_assert_uint_eq(strlen(hash), 64);
    token_hash(tok, again);
    ck_assert_str_eq(hash, again);
    ck_assert(token_hash_equal(hash, again));
    ck_assert(strstr(hash, tok) == NULL);
}
END_TEST

START_TEST(tokens_differ)
{
    char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], ha[65], hb[65];
    token_generate(a, ha);
    token_generate(b, hb);
    ck_assert_str_ne(a, b);
    ck_assert(!token_hash_equal(ha, hb));
}
END_TEST

/* the stored hash is plain SHA-256 of the token text */
START_TEST(hash_is_sha256)
{
    char hex[65];
    token_hash("abc", hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(well_formed)
{
    ck_assert(!token_well_formed(""));
    ck_assert(!token_well_formed("short"));
    ck_assert(!token_well_formed("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa+"));  /* '+' */
    ck_assert(!token_well_formed("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 44 */
    ck_assert(token_well_formed("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-"));
    ck_assert(!token_hash_equal("ab", "ab"));
}
END_TEST

START_TEST(base64url_round_trip)
{
    unsigned char in[40], out[40];
    char text[64];
    for (size_t n = 0; n <= sizeof in; n++) {
        for (size_t i = 0; i < n; i++)
            in[i] = (unsigned char)(i * 37 + n);
        encode_base64url(in, n, text);
        ck_assert(strchr(text, '=') == NULL);
        ck_assert_int_eq(decode_base64url(text, out, sizeof out), (long)n);
        ck_assert(memcmp(in, out, n) == 0);
    }
    ck_assert_int_eq(decode_base64url("a", out, sizeof out), -1);
    ck_assert_int_eq(decode_base64url("ab$d", out, sizeof out), -1);
    ck_assert_int_eq(decode_base64url("AB", out, sizeof out), -1); /* non-zero leftover bits */
}
END_TEST

START_TEST(cursor_round_trip)
{
    char c[CURSOR_MAX];
    int64_t a, b;
    cursor_encode(123456789012345LL, -7, c);
    ck_assert(cursor_decode(c, &a, &b));
    ck_assert_int_eq(a, 123456789012345LL);
    ck_assert_int_eq(b, -7);
    ck_assert(!cursor_decode("", &a, &b));
    ck_assert(!cursor_decode("garbage!", &a, &b));
    ck_assert(!cursor_decode("AAAA", &a, &b));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("token");
    tcase_add_test(tc, token_shape_and_hash);
    tcase_add_test(tc, tokens_differ);
    tcase_add_test(tc, hash_is_sha256);
    tcase_add_test(tc, well_formed);
    tcase_add_test(tc, base64url_round_trip);
    tcase_add_test(tc, cursor_round_trip);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
