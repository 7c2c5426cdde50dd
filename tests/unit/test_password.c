/*
 * test_password.c - scrypt hash and verify: salted, parameterised, strict.
 */
#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/encode.h"
#include "drillcamp/password.h"

START_TEST(hash_then_verify)
{
    char *h = NULL;
    bool ok = false;
    ck_assert_int_eq(password_hash("correct horse 电池", &h), DC_OK);
    ck_assert(strncmp(h, "scrypt$32768$8$3$", 17) == 0);
    ck_assert_int_eq(password_verify("correct horse 电池", h, &ok), DC_OK);
    ck_assert(ok);
    ck_assert_int_eq(password_verify("correct horse 电", h, &ok), DC_OK);
    ck_assert(!ok);
    ck_assert_int_eq(password_verify("", h, &ok), DC_OK);
    ck_assert(!ok);
    free(h);
}
END_TEST

/* the same password twice gives different hashes (random salt) */
START_TEST(salted)
{
    char *a = NULL, *b = NULL;
    ck_assert_int_eq(password_hash("same password", &a), DC_OK);
    ck_assert_int_eq(password_hash("same password", &b), DC_OK);
    ck_assert_str_ne(a, b);
    ck_assert(strstr(a, "same password") == NULL);
    free(a);
    free(b);
}
END_TEST

/* a hash made with other (older, cheaper) parameters verifies with its own */
START_TEST(verify_uses_stored_parameters)
{
    const unsigned char salt[] = "0123456789abcdef";
    unsigned char key[32];
    ck_assert_int_eq(EVP_PBE_scrypt("pw", 2, salt, 16, 1024, 8, 1, 0, key, sizeof key), 1);
    char salt_b64[32], key_b64[48], stored[160];
    encode_base64url(salt, 16, salt_b64);
    encode_base64url(key, sizeof key, key_b64);
    snprintf(stored, sizeof stored, "scrypt$1024$8$1$%s$%s", salt_b64, key_b64);
    bool ok = false;
    ck_assert_int_eq(password_verify("pw", stored, &ok), DC_OK);
    ck_assert(ok);
    ck_assert_int_eq(password_verify("pW", stored, &ok), DC_OK);
    ck_assert(!ok);
    /* one changed byte of the stored hash and nothing matches */
    stored[strlen(stored) - 3] = stored[strlen(stored) - 3] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(password_verify("pw", stored, &ok), DC_OK);
    ck_assert(!ok);
}
END_TEST

START_TEST(malformed_stored_refused)
{
    bool ok = true;
    ck_assert_int_eq(password_verify("pw", "plain", &ok), DC_ERR_INTERNAL);
    ck_assert(!ok);
    ck_assert_int_eq(password_verify("pw", "scrypt$3$8$1$AAAA$AAAA", &ok), DC_ERR_INTERNAL);
    ck_assert_int_eq(password_verify("pw", "scrypt$1073741824$8$1$AAAA$AAAA", &ok),
                     DC_ERR_INTERNAL);
    ck_assert_int_eq(password_verify("pw", "scrypt$16$8$1$!!$AAAA", &ok), DC_ERR_INTERNAL);
}
END_TEST

START_TEST(dummy_hash_is_valid)
{
    bool ok = true;
    ck_assert_int_eq(password_verify("anything", password_dummy_hash(), &ok), DC_OK);
    ck_assert(!ok);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("password");
    TCase *tc = tcase_create("scrypt");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, hash_then_verify);
    tcase_add_test(tc, salted);
    tcase_add_test(tc, verify_uses_stored_parameters);
    tcase_add_test(tc, malformed_stored_refused);
    tcase_add_test(tc, dummy_hash_is_valid);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
