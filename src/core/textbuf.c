/*
 * textbuf.c - room in a text buffer written piece by piece (textbuf.h).
 */
#include "drillcamp/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

bool textbuf_reserve(char **p, size_t *cap, size_t need, bool *failed)
{
    if (*failed)
        return false;
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    char *np = realloc(*p, c);
    if (!np) {
        *failed = true;
        return false;
    }
    *p = np;
    *cap = c;
    return true;
}

void textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
    for (;;) {
        if (!textbuf_reserve(&b->p, &b->cap, b->len + 1, &b->failed))
            return;
        va_list ap;
        va_start(ap, fmt);
        /* va_start is right above: the analyzer misses it inside a loop */
        // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        if (!textbuf_reserve(&b->p, &b->cap, b->len + (size_t)n + 1, &b->failed))
            return;
    }
}
