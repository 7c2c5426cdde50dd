/*
 * csv.c - the CSV writer every export uses.
 */
#include "drillcamp/csv.h"

#include <stdlib.h>
#include <string.h>

#include "drillcamp/textbuf.h"

static void put(struct csv_buf *b, const char *s, size_t n)
{
    if (!textbuf_reserve(&b->p, &b->cap, b->len + n + 1, &b->failed))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void csv_begin(struct csv_buf *b)
{
    memset(b, 0, sizeof *b);
    put(b, "\xEF\xBB\xBF", 3);
}

void csv_begin_part(struct csv_buf *b)
{
    memset(b, 0, sizeof *b);
}

void csv_row(struct csv_buf *b, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csv_cell(b, cells[i]);
    csv_end_row(b);
}

void csv_cell(struct csv_buf *b, const char *text)
{
    if (b->row_open)
        put(b, ",", 1);
    b->row_open = true;
    bool formula = strchr("=+-@\t\r", text[0]) != NULL && text[0] != '\0';
    bool quote = formula || strpbrk(text, ",\"\r\n") != NULL;
    if (quote)
        put(b, "\"", 1);
    if (formula)
        put(b, "'", 1);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            put(b, "\"\"", 2);
        else
            put(b, p, 1);
    }
    if (quote)
        put(b, "\"", 1);
}

void csv_end_row(struct csv_buf *b)
{
    put(b, "\r\n", 2);
    b->row_open = false;
}

char *csv_take(struct csv_buf *b, size_t *len)
{
    if (b->failed) {
        csv_free(b);
        return NULL;
    }
    char *p = b->p;
    *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void csv_free(struct csv_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
