/*
 * test_clienthash.c - the likes' client and device hashes: HMAC-SHA256
 * under the like key (or one derived from the partner key), first 16 hex
 * digits; the expected values were computed with Python's hmac module.
 */
#include <check.h>

#include "check_run.h"
#include "drillcamp/clienthash.h"

START_TEST(keyed_with_the_like_key)
{
    unsigned char unused[32] = {0};
    ck_assert(client_hash_init("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                               unused));
    char h[CLIENT_HASH_LEN + 1];
    client_hash("127.0.0.1", h);
    ck_assert_str_eq(h, "c87c0972773db189");
}
END_TEST

START_TEST(derived_from_the_partner_key)
{
    unsigned char partner[32];
    for (int i = 0; i < 32; i++)
        partner[i] = (unsigned char)i;
    ck_assert(client_hash_init(NULL, partner));
    char h[CLIENT_HASH_LEN + 1];
    client_hash("127.0.0.1", h);
    ck_assert_str_eq(h, "d65262413c513ee8");
    client_hash("device-one", h);
    ck_assert_str_eq(h, "f5c759d13d7174c1");
    ck_assert(client_hash_init("", partner)); /* empty: derived as well */
    client_hash("127.0.0.1", h);
    ck_assert_str_eq(h, "d65262413c513ee8");
}
END_TEST

START_TEST(malformed_like_key_refused)
{
    unsigned char partner[32] = {0};
    ck_assert(!client_hash_init("abc", partner));
    ck_assert(!client_hash_init("zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                                partner));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("clienthash");
    TCase *tc = tcase_create("clienthash");
    tcase_add_test(tc, keyed_with_the_like_key);
    tcase_add_test(tc, derived_from_the_partner_key);
    tcase_add_test(tc, malformed_like_key_refused);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
