/*
 * jsonw.h - JSON text written straight into a growing buffer (src/core/
 * jsonw.c), for the answers sent thousands of times a second: a list page
 * written this way costs a fraction of building jansson values and dumping
 * them. Strings are escaped as jansson escapes them (UTF-8 kept as is).
 */
#ifndef DRILLCAMP_JSONW_H
#define DRILLCAMP_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw {
    char *buf; /* malloc'ed, NUL-terminated; NULL until the first write */
    size_t len, cap;
    bool failed; /* out of memory: every later write is a no-op */
};

/* An empty writer (no allocation yet). */
void jw_init(struct jw *w);
/* Text as given (already JSON). */
void jw_raw(struct jw *w, const char *text, size_t n);
void jw_lit(struct jw *w, const char *text);
/* A quoted, escaped string; NULL writes null. */
void jw_str(struct jw *w, const char *s);
void jw_i64(struct jw *w, int64_t v);
/* An integer as a JSON string ("123"): the API's ids. */
void jw_id(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
/* The text, the caller's (free it), with *len its length; NULL (and
 * nothing to free) when out of memory. The writer is empty again. */
char *jw_finish(struct jw *w, size_t *len);
/* Drops what was written. */
void jw_free(struct jw *w);

#endif
