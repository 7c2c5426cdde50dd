/*
 * submission.c - validation of a submission body. The server never fetches
 * a URL it is given: URLs are checked as text only.
 */
#include "drillcamp/submission.h"

#include <string.h>

#include "drillcamp/arena.h"
#include "drillcamp/enums.h"
#include "drillcamp/limits.h"
#include "drillcamp/validate.h"

size_t submission_tag_prefix(const char *tag)
{
    if (tag[0] == '#')
        return 1;
    if ((unsigned char)tag[0] == 0xEF && (unsigned char)tag[1] == 0xBC &&
        (unsigned char)tag[2] == 0x83)
        return 3;
    return 0;
}

bool submission_tag_is_topic(const char *tag, const char *topic)
{
    const char *t = topic + submission_tag_prefix(topic);
    return strcmp(tag + submission_tag_prefix(tag), t) == 0;
}

/* Records the first bad field. */
static enum dc_err bad(struct dc_problem *p, const char *f, const char *m)
{
    return dc_problem_set(p, DC_ERR_VALIDATION, f, m);
}

static enum dc_err parse_tags(const json_t *body, const char *topic,
                              struct dc_submission_input *out, struct dc_problem *p)
{
    json_t *tags = json_object_get(body, "hashtags");
    size_t n = json_array_size(tags);
    if (!json_is_array(tags) || n == 0 || n > SUBMISSION_MAX_TAGS)
        return bad(p, "hashtags", "hashtags must be an array of 1-20 strings");
    bool has_topic = false;
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(tags, i);
        const char *s = json_string_value(t);
        if (!s || strlen(s) != json_string_length(t) || !validate_no_control(s))
            return bad(p, "hashtags", "each hashtag must be a string");
        const char *name = s + submission_tag_prefix(s);
        size_t chars = validate_utf8_len(name);
        if (chars < 1 || chars > 50)
            return bad(p, "hashtags", "each hashtag must be 1-50 characters");
        has_topic = has_topic || submission_tag_is_topic(s, topic);
        out->tags[out->ntags] = name;
        out->tag_len[out->ntags] = strlen(name);
        out->ntags++;
    }
    if (!has_topic)
        return bad(p, "hashtags", "hashtags must include the campaign topic");
    return DC_OK;
}

enum dc_err submission_parse(const json_t *body, const char *topic, struct dc_submission_input *out,
                             struct dc_problem *p)
{
    memset(out, 0, sizeof *out);
    json_t *dur = json_object_get(body, "duration_seconds");
    json_t *size = json_object_get(body, "size_bytes");
    /* API.md bounds a title's length only: line breaks and tabs are the
     * author's (display names are the field it keeps free of controls) */
    if (validate_string(body, "title", true, 1, 60, false, &out->title) != DC_OK)
        return bad(p, "title", "title must be 1-60 characters");
    if (validate_string(body, "description", false, 0, 1000, false, &out->description) != DC_OK)
        return bad(p, "description", "description must be at most 1000 characters");
    if (!out->description)
        out->description = "";
    if (validate_string(body, "category", true, 1, 40, true, &out->category) != DC_OK)
        return bad(p, "category", "category is not a known category");
    if (validate_string(body, "video_url", true, 1, DC_URL_MAX_BYTES, true, &out->video_url) !=
            DC_OK ||
        !validate_https_url(out->video_url, DC_URL_MAX_BYTES))
        return bad(p, "video_url", "video_url must be an https URL (<= 2048 bytes)");
    if (validate_string(body, "cover_url", false, 1, DC_URL_MAX_BYTES, true, &out->cover_url) !=
            DC_OK ||
        (out->cover_url && !validate_https_url(out->cover_url, DC_URL_MAX_BYTES)))
        return bad(p, "cover_url", "cover_url must be an https URL (<= 2048 bytes)");
    if (!json_is_integer(dur) || json_integer_value(dur) < 1 || json_integer_value(dur) > 900)
        return bad(p, "duration_seconds", "duration_seconds must be 1-900");
    out->duration_seconds = (int)json_integer_value(dur);
    if (validate_string(body, "format", true, 1, 8, true, &out->format) != DC_OK ||
        !dc_enum_has(&DC_ENUM_VIDEO_FORMAT, out->format))
        return bad(p, "format", DC_ENUM_VIDEO_FORMAT.message);
    if (!json_is_integer(size) || json_integer_value(size) < 1 ||
        json_integer_value(size) > 4294967296LL)
        return bad(p, "size_bytes", "size_bytes must be 1-4294967296");
    out->size_bytes = json_integer_value(size);
    enum dc_err err = parse_tags(body, topic, out, p);
    if (err != DC_OK)
        return err;
    if (!json_is_true(json_object_get(body, "original")))
        return bad(p, "original", "original must be true: the work must be your own");
    return DC_OK;
}

char *submission_tags_pg_array(struct dc_arena *a, const struct dc_submission_input *in)
{
    size_t cap = 3;
    for (int i = 0; i < in->ntags; i++)
        cap += 2 * in->tag_len[i] + 3;
    char *out = arena_alloc(a, cap), *o = out;
    if (!out)
        return NULL;
    *o++ = '{';
    for (int i = 0; i < in->ntags; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (size_t k = 0; k < in->tag_len[i]; k++) {
            char c = in->tags[i][k];
            if (c == '"' || c == '\\')
                *o++ = '\\';
            *o++ = c;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return out;
}
