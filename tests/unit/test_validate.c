/*
 * test_validate.c - field validation helpers and phone masking.
 */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/validate.h"

START_TEST(phone_rule)
{
    ck_assert(validate_phone("13800138000"));
    ck_assert(validate_phone("19912345678"));
    ck_assert(!validate_phone("12800138000"));  /* second digit 2 */
    ck_assert(!validate_phone("23800138000"));  /* not starting 1 */
    ck_assert(!validate_phone("1380013800"));   /* 10 digits */
    ck_assert(!validate_phone("138001380001")); /* 12 digits */
    ck_assert(!validate_phone("1380013800a"));
    ck_assert(!validate_phone(""));
}
END_TEST

START_TEST(utf8_length_counts_characters)
{
    ck_assert_uint_eq(validate_utf8_len("abc"), 3);
    ck_assert_uint_eq(validate_utf8_len("逃生演练训练营"), 7);
    ck_assert_uint_eq(validate_utf8_len("a😀b"), 3);
    ck_assert_uint_eq(validate_utf8_len(""), 0);
}
END_TEST

START_TEST(control_characters)
{
    ck_assert(validate_no_control("张三 Zhang"));
    ck_assert(!validate_no_control("a\nb"));
    ck_assert(!validate_no_control("a\tb"));
    ck_assert(!validate_no_control("a\x7f"));
    ck_assert(!validate_no_control("a\xc2\x85"));     /* U+0085 NEL */
    ck_assert(!validate_no_control("a\xe2\x80\xa8")); /* U+2028 */
}
END_TEST

START_TEST(ids)
{
    int64_t v;
    ck_assert(validate_id("1", &v) && v == 1);
    ck_assert(validate_id("9223372036854775807", &v) && v == INT64_MAX);
    ck_assert(!validate_id("9223372036854775808", &v));
    ck_assert(!validate_id("0", &v));
    ck_assert(!validate_id("01", &v));
    ck_assert(!validate_id("-1", &v));
    ck_assert(!validate_id("1a", &v));
    ck_assert(!validate_id("", &v));
    ck_assert(!validate_id(NULL, &v));
}
END_TEST

START_TEST(region_code_format)
{
    ck_assert(validate_region_code_format("350100"));
    ck_assert(!validate_region_code_format("35010"));
    ck_assert(!validate_region_code_format("3501000"));
    ck_assert(!validate_region_code_format("35010a"));
}
END_TEST

START_TEST(string_field_bounds)
{
    json_t *o =
        json_pack("{s:s, s:s, s:i, s:n, s:s}", "name", "张三", "long",
                  "12345678901234567890123456789012345678901", "num", 5, "nul", "ctl", "a\x01");
    const char *s;
    ck_assert_int_eq(validate_string(o, "name", true, 1, 40, true, &s), DC_OK);
    ck_assert_str_eq(s, "张三");
    ck_assert_int_eq(validate_string(o, "long", true, 1, 40, true, &s), DC_ERR_VALIDATION);
    ck_assert_int_eq(validate_string(o, "num", true, 1, 40, true, &s), DC_ERR_VALIDATION);
    ck_assert_int_eq(validate_string(o, "nul", true, 1, 40, true, &s), DC_ERR_VALIDATION);
    ck_assert_int_eq(validate_string(o, "nul", false, 1, 40, true, &s), DC_OK);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(validate_string(o, "missing", true, 1, 40, true, &s), DC_ERR_VALIDATION);
    ck_assert_int_eq(validate_string(o, "ctl", true, 1, 40, true, &s), DC_ERR_VALIDATION);
    ck_assert_int_eq(validate_string(o, "ctl", true, 1, 40, false, &s), DC_OK);
    json_decref(o);
}
END_TEST

START_TEST(one_of)
{
    const char *const kinds[] = {"individual", "official", NULL};
    ck_assert(validate_one_of("official", kinds));
    ck_assert(!validate_one_of("Official", kinds));
    ck_assert(!validate_one_of("", kinds));
}
END_TEST

START_TEST(utf8_wellformed)
{
    ck_assert(validate_utf8("abc 逃生 😀"));
    ck_assert(!validate_utf8("\xff"));
    ck_assert(!validate_utf8("\xc0\xaf"));         /* overlong '/' */
    ck_assert(!validate_utf8("\xed\xa0\x80"));     /* surrogate */
    ck_assert(!validate_utf8("\xf4\x90\x80\x80")); /* above U+10FFFF */
    ck_assert(!validate_utf8("\xe4\xb8"));         /* truncated */
}
END_TEST

START_TEST(mask_phone)
{
    char out[16];
    validate_mask_phone("13812345678", out, sizeof out);
    ck_assert_str_eq(out, "138****5678");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, phone_rule);
    tcase_add_test(tc, utf8_length_counts_characters);
    tcase_add_test(tc, control_characters);
    tcase_add_test(tc, ids);
    tcase_add_test(tc, region_code_format);
    tcase_add_test(tc, string_field_bounds);
    tcase_add_test(tc, one_of);
    tcase_add_test(tc, utf8_wellformed);
    tcase_add_test(tc, mask_phone);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
