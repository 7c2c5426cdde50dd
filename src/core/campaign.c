/*
 * campaign.c - phases from the clock, the phase gate and RFC 3339 times.
 */
#include "drillcamp/campaign.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum dc_phase campaign_phase(const struct dc_campaign *c, double now)
{
    if (now < c->warmup_at)
        return PHASE_UPCOMING;
    if (now < c->launch_at)
        return PHASE_WARMUP;
    if (now < c->ends_at)
        return PHASE_LIVE;
    return PHASE_ENDED;
}

const char *campaign_phase_name(enum dc_phase p)
{
    static const char *const names[] = {"upcoming", "warmup", "live", "ended"};
    return names[p];
}

bool campaign_allows(const struct dc_campaign *c, enum dc_activity a, double now)
{
    enum dc_phase p = campaign_phase(c, now);
    switch (a) {
    case ACT_CHECKIN:
        return p == PHASE_WARMUP || p == PHASE_LIVE;
    case ACT_LEARN:
    case ACT_SUBMIT:
    case ACT_LIKE:
        return p == PHASE_LIVE;
    case ACT_CERTIFICATE:
        return p == PHASE_LIVE || p == PHASE_ENDED;
    }
    return false;
}

bool campaign_dates_ordered(const struct dc_campaign *c)
{
    return c->warmup_at <= c->launch_at && c->launch_at < c->ends_at;
}

/* Reads exactly n digits into *out. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

bool campaign_parse_time(const char *s, double *out)
{
    int y, mo, d, h, mi, se;
    const char *p = s;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return false;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
        !digits(&p, 2, &se))
        return false;
    double frac = 0;
    if (*p == '.') {
        p++;
        double scale = 0.1;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p)) {
            frac += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        /* PostgreSQL takes offsets up to 15:59 */
        if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 15 || om > 59)
            return false;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return false;
    }
    if (*p || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return false;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = se};
    time_t t = timegm(&tm);
    /* timegm normalises 31 February into March: refuse such dates */
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_mday != d || back.tm_mon != mo - 1)
        return false;
    *out = (double)t - offset + frac;
    return true;
}

void campaign_format_time(double t, char *out)
{
    time_t secs = (time_t)floor(t);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, DC_TS_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double campaign_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
