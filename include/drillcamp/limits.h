/*
 * limits.h - the limits of API.md in one place: every handler, validator
 * and test reads these names instead of repeating the numbers.
 */
#ifndef DRILLCAMP_LIMITS_H
#define DRILLCAMP_LIMITS_H

/* URLs (video_url, cover_url, replay_url): bytes */
#define DC_URL_MAX_BYTES 2048
/* display names, titles of lessons and livestreams, organization and
 * partner names: characters */
#define DC_NAME_MAX_CHARS 100
/* a buffer for such a name: characters of up to 4 UTF-8 bytes, and a NUL */
#define DC_NAME_MAX               (4 * DC_NAME_MAX_CHARS + 1)
#define DC_DISPLAY_NAME_MAX_CHARS 40
/* the campaign's issuer, named on certificates */
#define DC_ISSUER_MAX_CHARS   60
#define DC_ISSUER_MAX         (4 * DC_ISSUER_MAX_CHARS + 1)
#define DC_PASSWORD_MIN_CHARS 8
#define DC_PASSWORD_MAX_CHARS 128
/* a partner's external ids (users and submissions): characters */
#define DC_EXTERNAL_ID_MAX_CHARS 128
/* descriptions of lessons and livestreams: characters */
#define DC_DESCRIPTION_MAX_CHARS 2000
/* reasons (reject, revoke): characters */
#define DC_REASON_MAX_CHARS 500
/* a lesson's or a livestream's length: seconds */
#define DC_CONTENT_MAX_SECONDS 86400
/* lists: ?limit= default and maximum */
#define DC_PAGE_DEFAULT 20
#define DC_PAGE_MAX     100
/* POST /v1/progress items, partner batch items */
#define DC_PROGRESS_MAX_ITEMS 100
#define DC_BATCH_MAX_ITEMS    500
/* request bodies: bytes (API.md section 1) */
#define DC_BODY_LIMIT_DEFAULT ((size_t)1024 * 1024)
#define DC_BODY_LIMIT_BATCH   ((size_t)8 << 20)

#endif
