/*
 * test_submission.c - submission field rules and the campaign topic in its
 * three spellings.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/arena.h"
#include "drillcamp/submission.h"

#define TOPIC "逃生演练训练营"

static json_t *good(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:[s, s], s:b}", "title",
                     "我家的逃生路线", "description", "演示", "category", "fire", "video_url",
                     "https://v.example.com/1.mp4", "duration_seconds", 60, "format", "mp4",
                     "size_bytes", (json_int_t)1000, "hashtags", "#" TOPIC, "安全", "original", 1);
}

/* Applies one change to a good body and returns the field it is refused on. */
static const char *refused(const char *key, json_t *value)
{
    static char field[64];
    json_t *b = good();
    if (value)
        json_object_set_new(b, key, value);
    else
        json_object_del(b, key);
    struct dc_submission_input in;
    struct dc_problem p = {0};
    enum dc_err err = submission_parse(b, TOPIC, &in, &p);
    snprintf(field, sizeof field, "%s", err == DC_OK ? "" : p.field);
    if (err != DC_OK)
        ck_assert_ptr_nonnull(p.message);
    json_decref(b);
    return field;
}

START_TEST(good_body_accepted)
{
    json_t *b = good();
    struct dc_submission_input in;
    struct dc_problem p = {0};
    struct dc_arena *a = arena_new();
    ck_assert_int_eq(submission_parse(b, TOPIC, &in, &p), DC_OK);
    ck_assert_int_eq(in.ntags, 2);
    ck_assert_str_eq(in.tags[0], TOPIC); /* stored without its '#' */
    char *arr = submission_tags_pg_array(a, &in);
    ck_assert_str_eq(arr, "{\"" TOPIC "\",\"安全\"}");
    arena_free(a);
    json_decref(b);
}
END_TEST

START_TEST(each_rule)
{
    char long61[62], url[2060];
    memset(long61, 'a', 61);
    long61[61] = '\0';
    strcpy(url, "https://v.example.com/");
    memset(url + 22, 'a', 2049 - 22);
    url[2049] = '\0';
    ck_assert_str_eq(refused("title", json_string("")), "title");
    ck_assert_str_eq(refused("title", json_string(long61)), "title");
    long61[60] = '\0';
    ck_assert_str_eq(refused("title", json_string(long61)), "");
    ck_assert_str_eq(refused("title", NULL), "title");
    ck_assert_str_eq(refused("video_url", json_string("http://v.example.com/1.mp4")), "video_url");
    ck_assert_str_eq(refused("video_url", json_string("not a url")), "video_url");
    ck_assert_str_eq(refused("video_url", json_string(url)), "video_url");
    ck_assert_str_eq(refused("cover_url", json_string("http://x/c.jpg")), "cover_url");
    ck_assert_str_eq(refused("duration_seconds", json_integer(0)), "duration_seconds");
    ck_assert_str_eq(refused("duration_seconds", json_integer(901)), "duration_seconds");
    ck_assert_str_eq(refused("duration_seconds", json_integer(900)), "");
    ck_assert_str_eq(refused("duration_seconds", json_real(60.5)), "duration_seconds");
    ck_assert_str_eq(refused("format", json_string("avi")), "format");
    ck_assert_str_eq(refused("size_bytes", json_integer(0)), "size_bytes");
    ck_assert_str_eq(refused("size_bytes", json_integer(4294967297LL)), "size_bytes");
    ck_assert_str_eq(refused("size_bytes", json_integer(4294967296LL)), "");
    ck_assert_str_eq(refused("hashtags", NULL), "hashtags");
    ck_assert_str_eq(refused("hashtags", json_array()), "hashtags");
    ck_assert_str_eq(refused("hashtags", json_pack("[s]", "安全")), "hashtags");
    ck_assert_str_eq(refused("hashtags", json_pack("[i]", 5)), "hashtags");
    ck_assert_str_eq(refused("original", json_false()), "original");
    ck_assert_str_eq(refused("original", NULL), "original");
    ck_assert_str_eq(refused("original", json_string("true")), "original");
}
END_TEST

START_TEST(topic_spellings)
{
    ck_assert(submission_tag_is_topic(TOPIC, TOPIC));
    ck_assert(submission_tag_is_topic("#" TOPIC, TOPIC));
    ck_assert(submission_tag_is_topic("\xEF\xBC\x83" TOPIC, TOPIC)); /* full-width ＃ */
    ck_assert(!submission_tag_is_topic("##" TOPIC, TOPIC));
    ck_assert(!submission_tag_is_topic(TOPIC "2", TOPIC));
    ck_assert_str_eq(refused("hashtags", json_pack("[s]", "＃" TOPIC)), "");
    ck_assert_str_eq(refused("hashtags", json_pack("[s]", TOPIC)), "");
}
END_TEST

START_TEST(tags_quoted_for_postgres)
{
    json_t *b = good();
    json_object_set_new(b, "hashtags", json_pack("[s, s]", TOPIC, "a\"b\\c,{d}"));
    struct dc_submission_input in;
    struct dc_problem p = {0};
    struct dc_arena *a = arena_new();
    ck_assert_int_eq(submission_parse(b, TOPIC, &in, &p), DC_OK);
    char *arr = submission_tags_pg_array(a, &in);
    ck_assert_str_eq(arr, "{\"" TOPIC "\",\"a\\\"b\\\\c,{d}\"}");
    arena_free(a);
    json_decref(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("submission");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, good_body_accepted);
    tcase_add_test(tc, each_rule);
    tcase_add_test(tc, topic_spellings);
    tcase_add_test(tc, tags_quoted_for_postgres);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
