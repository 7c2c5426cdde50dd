/*
 * submission.h - pure rules of topic submissions (API.md section 6): field
 * validation shared by direct and partner uploads, and the campaign topic
 * in its three spellings.
 */
#ifndef DRILLCAMP_SUBMISSION_H
#define DRILLCAMP_SUBMISSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "drillcamp/err.h"

#define SUBMISSION_MAX_TAGS 20

/* Borrowed from the parsed JSON body: valid while it lives. */
struct dc_submission_input {
    const char *title;
    const char *description; /* "" when absent */
    const char *category;
    const char *video_url;
    const char *cover_url; /* NULL when absent */
    int duration_seconds;
    const char *format;
    int64_t size_bytes;
    /* hashtags without their leading '#' or '＃' */
    const char *tags[SUBMISSION_MAX_TAGS];
    size_t tag_len[SUBMISSION_MAX_TAGS];
    int ntags;
};

/* Length in bytes of a leading '#' or full-width '＃' (0 when none). */
size_t submission_tag_prefix(const char *tag);
/* True when tag names topic, with or without a leading '#' or '＃'. */
bool submission_tag_is_topic(const char *tag, const char *topic);

/*
 * Validates every field of a new submission against the campaign topic.
 * On DC_ERR_VALIDATION *p names the first bad field and says why. The
 * category's existence is the caller's check (it needs the database).
 */
enum dc_err submission_parse(const json_t *body, const char *topic, struct dc_submission_input *out,
                             struct dc_problem *p);

struct dc_arena;
/* The hashtags as a PostgreSQL text[] literal, each quoted; in the arena
 * (NULL when out of memory). */
char *submission_tags_pg_array(struct dc_arena *a, const struct dc_submission_input *in);

#endif
