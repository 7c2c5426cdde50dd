/*
 * jsonw.c - JSON text written into one growing buffer (jsonw.h): no
 * values built and dumped, no allocation per member. Escapes as jansson
 * does without flags: quote, backslash and control characters (\b \f \n
 * \r \t, else \u00XX); everything else, UTF-8 included, is copied.
 */
#include "drillcamp/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/textbuf.h"

void jw_init(struct jw *w)
{
    *w = (struct jw){0};
}

/* Room for n more bytes and the NUL; false (and failed) when none. */
static bool grow(struct jw *w, size_t n)
{
    return textbuf_reserve(&w->buf, &w->cap, w->len + n + 1, &w->failed);
}

void jw_raw(struct jw *w, const char *text, size_t n)
{
    if (!grow(w, n))
        return;
    memcpy(w->buf + w->len, text, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

void jw_lit(struct jw *w, const char *text)
{
    jw_raw(w, text, strlen(text));
}

/* The escape of c, or NULL when it is copied as it is. */
static const char *escape_of(unsigned char c, char tmp[8])
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        if (c >= 0x20)
            return NULL;
        snprintf(tmp, 8, "\\u%04X", c);
        return tmp;
    }
}

void jw_str(struct jw *w, const char *s)
{
    if (!s) {
        jw_lit(w, "null");
        return;
    }
    jw_raw(w, "\"", 1);
    const char *run = s; /* bytes not yet written that need no escape */
    char tmp[8];
    for (const char *p = s; *p; p++) {
        const char *esc = escape_of((unsigned char)*p, tmp);
        if (!esc)
            continue;
        jw_raw(w, run, (size_t)(p - run));
        jw_lit(w, esc);
        run = p + 1;
    }
    jw_lit(w, run);
    jw_raw(w, "\"", 1);
}

void jw_i64(struct jw *w, int64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%" PRId64, v);
    jw_raw(w, t, (size_t)n);
}

void jw_id(struct jw *w, int64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "\"%" PRId64 "\"", v);
    jw_raw(w, t, (size_t)n);
}

void jw_bool(struct jw *w, bool v)
{
    jw_lit(w, v ? "true" : "false");
}

char *jw_finish(struct jw *w, size_t *len)
{
    char *text = NULL;
    if (w->failed)
        free(w->buf);
    else
        text = w->buf ? w->buf : strdup("");
    *len = text ? w->len : 0;
    jw_init(w);
    return text;
}

void jw_free(struct jw *w)
{
    free(w->buf);
    jw_init(w);
}
