/*
 * log.c - JSON log lines on stderr, one write(2) per line so that lines
 * from different worker threads never interleave.
 */
#include "drillcamp/log.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The time as RFC 3339 with milliseconds; the seconds part is formatted
 * once per second per thread (strftime took a time-zone lookup per line). */
static void now_rfc3339(char *out, size_t cap)
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[32];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        if (strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
            cached[0] = '\0';
        cached_sec = ts.tv_sec;
    }
    snprintf(out, cap, "%s.%03ldZ", cached, ts.tv_nsec / 1000000);
}

/* Writes all of text (one write(2) unless the kernel cuts it short). */
static void write_all(const char *text, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(STDERR_FILENO, text + off, n - off);
        if (w <= 0 && errno != EINTR)
            break;
        off += w > 0 ? (size_t)w : 0;
    }
}

/* One write(2) per line (stderr is unbuffered: fputs and fputc were two
 * system calls), from a stack buffer when the line fits (an access line
 * always does). */
static void emit(json_t *line)
{
    const size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(6);
    char buf[1024];
    size_t n = line ? json_dumpb(line, buf, sizeof buf - 1, flags) : 0;
    char *text = buf;
    if (n > sizeof buf - 1) /* a long line: dumped again into room of its size */
        text = malloc(n + 1);
    if (text && text != buf && json_dumpb(line, text, n, flags) != n) {
        free(text);
        text = NULL;
    }
    json_decref(line);
    if (!text || n == 0) {
        if (text != buf)
            free(text);
        return;
    }
    text[n++] = '\n';
    write_all(text, n);
    if (text != buf)
        free(text);
}

void log_event(const char *level, const char *component, const char *message)
{
    char ts[40];
    now_rfc3339(ts, sizeof ts);
    emit(json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level", level, "component", component, "msg",
                   message));
}

/* True when s needs no JSON escaping (letters, digits and a few marks). */
static bool json_plain(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("/:_-.{}", *s))
            return false;
    return true;
}

/* Once per request, so formatted straight into a buffer when every string
 * is plain (the method is the client's: anything else goes through
 * jansson's escaping). */
void log_access(const char *method, const char *route, unsigned status, double seconds,
                const char *request_id, bool completed)
{
    char ts[40];
    now_rfc3339(ts, sizeof ts);
    method = method ? method : "";
    if (json_plain(method) && (!route || json_plain(route)) && json_plain(request_id)) {
        char line[512], r[300];
        if (route)
            snprintf(r, sizeof r, "\"%s\"", route);
        int n = snprintf(line, sizeof line,
                         "{\"ts\":\"%s\",\"level\":\"info\",\"method\":\"%s\",\"route\":%s,"
                         "\"status\":%u,\"duration_ms\":%.6g,\"request_id\":\"%s\","
                         "\"completed\":%s}\n",
                         ts, method, route ? r : "null", status, seconds * 1000.0, request_id,
                         completed ? "true" : "false");
        if (n > 0 && (size_t)n < sizeof line) {
            write_all(line, (size_t)n);
            return;
        }
    }
    json_t *line =
        json_pack("{s:s, s:s, s:s, s:s?, s:i, s:f, s:s, s:b}", "ts", ts, "level", "info", "method",
                  method, "route", route, "status", (json_int_t)status, "duration_ms",
                  seconds * 1000.0, "request_id", request_id, "completed", completed);
    if (line)
        emit(line);
}
