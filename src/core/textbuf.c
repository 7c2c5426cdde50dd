/*
 * textbuf.c - room in a text buffer written piece by piece (textbuf.h).
 */
#include "drillcamp/textbuf.h"

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
