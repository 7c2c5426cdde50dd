/*
 * log.c - JSON log lines on stderr, one fputs per line so that lines from
 * different worker threads never interleave.
 */
#include "drillcamp/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void now_rfc3339(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void emit(json_t *line)
{
    char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(line);
    if (!text)
        return;
    flockfile(stderr);
    fputs(text, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
    free(text);
}

void log_event(const char *level, const char *component, const char *message)
{
    char ts[40];
    now_rfc3339(ts, sizeof ts);
    emit(json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level", level, "component", component, "msg",
                   message));
}

void log_access(const char *method, const char *route, unsigned status, double seconds,
                const char *request_id, bool completed)
{
    char ts[40];
    now_rfc3339(ts, sizeof ts);
    json_t *line =
        json_pack("{s:s, s:s, s:s, s:s?, s:i, s:f, s:s, s:b}", "ts", ts, "level", "info", "method",
                  method ? method : "", "route", route, "status", (json_int_t)status, "duration_ms",
                  seconds * 1000.0, "request_id", request_id, "completed", completed);
    if (line)
        emit(line);
}
