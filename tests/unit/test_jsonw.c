/*
 * test_jsonw.c - the JSON text writer of src/core/jsonw.c (jsonw.h):
 *   - every string, with quotes, backslashes, each control character,
 *     DEL, "/" and multi-byte UTF-8, is written byte for byte as jansson
 *     writes it, and reads back equal;
 *   - NULL is null; integers (INT64_MIN and MAX), ids as strings, booleans;
 *   - a document far bigger than the first buffer is whole and valid;
 *   - an empty writer finishes as "".
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/jsonw.h"

static char *finish(struct jw *w)
{
    size_t len;
    char *t = jw_finish(w, &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(strlen(t), len);
    return t;
}

/* jw_str(s) against jansson's dump of the same string. */
static void same_as_jansson(const char *s)
{
    struct jw w;
    jw_init(&w);
    jw_str(&w, s);
    char *mine = finish(&w);
    json_t *v = json_string(s);
    ck_assert_ptr_nonnull(v);
    char *theirs = json_dumps(v, JSON_ENCODE_ANY);
    ck_assert_msg(strcmp(mine, theirs) == 0, "%s != %s", mine, theirs);
    json_t *back = json_loads(mine, JSON_DECODE_ANY, NULL);
    ck_assert_str_eq(json_string_value(back), s);
    json_decref(back);
    json_decref(v);
    free(theirs);
    free(mine);
}

START_TEST(strings_as_jansson_writes_them)
{
    static const char *const cases[] = {
        "",        "plain",         "say \"hi\"", "back\\slash", "a/b</tag>", "逃生演练训练营",
        "emoji 🚒", "tab\tnl\ncr\r", "\b\f",       "\x7f del",    "end\\"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        same_as_jansson(cases[i]);
    char one[4];
    for (int c = 1; c < 0x20; c++) { /* every control character */
        snprintf(one, sizeof one, "%c!", c);
        same_as_jansson(one);
    }
}
END_TEST

START_TEST(values)
{
    struct jw w;
    jw_init(&w);
    jw_lit(&w, "{");
    jw_lit(&w, "\"a\":");
    jw_str(&w, NULL);
    jw_lit(&w, ",");
    jw_lit(&w, "\"min\":");
    jw_i64(&w, INT64_MIN);
    jw_lit(&w, ",");
    jw_lit(&w, "\"max\":");
    jw_i64(&w, INT64_MAX);
    jw_lit(&w, ",");
    jw_lit(&w, "\"id\":");
    jw_id(&w, 9199999999999999LL);
    jw_lit(&w, ",");
    jw_lit(&w, "\"t\":");
    jw_bool(&w, true);
    jw_lit(&w, ",");
    jw_lit(&w, "\"f\":");
    jw_bool(&w, false);
    jw_lit(&w, "}");
    char *t = finish(&w);
    ck_assert_str_eq(t, "{\"a\":null,\"min\":-9223372036854775808,\"max\":9223372036854775807,"
                        "\"id\":\"9199999999999999\",\"t\":true,\"f\":false}");
    json_t *v = json_loads(t, 0, NULL);
    ck_assert_ptr_nonnull(v);
    json_decref(v);
    free(t);
}
END_TEST

START_TEST(big_document_whole)
{
    struct jw w;
    jw_init(&w);
    jw_lit(&w, "[");
    for (int i = 0; i < 20000; i++) {
        if (i)
            jw_lit(&w, ",");
        jw_str(&w, "第\"条\"\n");
    }
    jw_lit(&w, "]");
    char *t = finish(&w);
    json_t *v = json_loads(t, 0, NULL);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(json_array_size(v), 20000);
    ck_assert_str_eq(json_string_value(json_array_get(v, 19999)), "第\"条\"\n");
    json_decref(v);
    free(t);
}
END_TEST

START_TEST(empty_writer)
{
    struct jw w;
    jw_init(&w);
    char *t = finish(&w);
    ck_assert_str_eq(t, "");
    free(t);
    jw_init(&w);
    jw_lit(&w, "x");
    jw_free(&w);
    ck_assert_ptr_null(w.buf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsonw");
    TCase *tc = tcase_create("jsonw");
    tcase_add_test(tc, strings_as_jansson_writes_them);
    tcase_add_test(tc, values);
    tcase_add_test(tc, big_document_whole);
    tcase_add_test(tc, empty_writer);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
