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

#endif
