/*
 * textbuf.h - the growth rule of the text buffers written piece by piece
 * (the CSV writer, the JSON writer): src/core/textbuf.c.
 */
#ifndef DRILLCAMP_TEXTBUF_H
#define DRILLCAMP_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Room for need bytes in the malloc'ed *p of capacity *cap (doubling from
 * 1 KiB): false, with *failed set, when out of memory or failed before
 * (what was written stays, and *p is still the caller's to free). */
bool textbuf_reserve(char **p, size_t *cap, size_t need, bool *failed);

/* A text written with printf formats: p (malloc'ed, NUL-terminated, the
 * writer's to free) holds len bytes; once an allocation failed, failed
 * stays set and nothing more is written. Start from {0}. */
struct textbuf {
    char *p;
    size_t len, cap;
    bool failed;
};
void textbuf_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
