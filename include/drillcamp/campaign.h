/*
 * campaign.h - the campaign's phases and rules (API.md section 3) as plain
 * values, the phase gate, and RFC 3339 timestamps. Pure: no database.
 */
#ifndef DRILLCAMP_CAMPAIGN_H
#define DRILLCAMP_CAMPAIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "drillcamp/accounts.h"

#define DC_TS_LEN 32

struct dc_rules {
    int class_hour_seconds;
    int required_class_hours;
    bool require_checkin;
    double max_playback_rate;
    int top_n;
};

struct dc_campaign {
    int64_t id;
    char name[DC_NAME_MAX];
    char topic[DC_NAME_MAX];
    char issuer[DC_ISSUER_MAX];           /* named on certificates */
    double warmup_at, launch_at, ends_at; /* unix seconds */
    double frozen_at;                     /* 0: not frozen */
    struct dc_rules rules;
};

enum dc_phase { PHASE_UPCOMING, PHASE_WARMUP, PHASE_LIVE, PHASE_ENDED };

/* What may happen in a phase (API.md section 3). */
enum dc_activity {
    ACT_CHECKIN,     /* warmup, live */
    ACT_LEARN,       /* live */
    ACT_SUBMIT,      /* live */
    ACT_LIKE,        /* live */
    ACT_CERTIFICATE, /* live, ended */
};

enum dc_phase campaign_phase(const struct dc_campaign *c, double now);
const char *campaign_phase_name(enum dc_phase p);
bool campaign_allows(const struct dc_campaign *c, enum dc_activity a, double now);
/* warmup_at <= launch_at < ends_at */
bool campaign_dates_ordered(const struct dc_campaign *c);

/* Parses RFC 3339 ("2023-05-31T00:00:00Z", offsets and fractions allowed)
 * into unix seconds. */
bool campaign_parse_time(const char *s, double *out);
/* Formats unix seconds as "YYYY-MM-DDTHH:MM:SSZ" (out: DC_TS_LEN bytes). */
void campaign_format_time(double t, char *out);
/* Current time as unix seconds (with fractions). */
double campaign_now(void);

#endif
