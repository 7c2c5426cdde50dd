/*
 * csv.h - RFC 4180 CSV for exports: UTF-8 with a byte-order mark, CRLF
 * rows, quoting where needed, and cells a spreadsheet would run as a
 * formula (starting with = + - @ tab or CR) neutralised with a leading '.
 */
#ifndef DRILLCAMP_CSV_H
#define DRILLCAMP_CSV_H

#include <stdbool.h>
#include <stddef.h>

struct csv_buf {
    char *p;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed; the text is incomplete */
    bool row_open;
};

/* Starts a document with the UTF-8 BOM. */
void csv_begin(struct csv_buf *b);
/* Starts a later part of a streamed document (no BOM). */
void csv_begin_part(struct csv_buf *b);
void csv_cell(struct csv_buf *b, const char *text);
/* n cells and the end of the row. */
void csv_row(struct csv_buf *b, const char *const *cells, size_t n);
void csv_end_row(struct csv_buf *b);
/* Hands the text to the caller (malloc'ed, *len bytes), or NULL if failed. */
char *csv_take(struct csv_buf *b, size_t *len);
void csv_free(struct csv_buf *b);

#endif
