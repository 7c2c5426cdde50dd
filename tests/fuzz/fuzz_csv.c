/*
 * fuzz_csv.c - the CSV writer of the exports (csv_begin / csv_begin_part,
 * csv_cell, csv_row, csv_end_row, csv_take; include/drillcamp/csv.h).
 *
 * Input byte 0: bits 0-2 give the cells per row (1-8), bit 3 picks
 * csv_row over csv_cell + csv_end_row, bit 4 csv_begin_part (no BOM) over
 * csv_begin. The rest, split at NUL bytes, is the cells. The output is
 * parsed back with a strict RFC 4180 reader written here, and must give
 * exactly the cells written, except that a cell starting with = + - @ tab
 * or CR comes back with a leading ' (the writer neutralises formulas).
 * Any difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/csv.h"

#include "fuzz_common.h"

struct cells {
    char **v;
    size_t n;
};

/* What a spreadsheet would read back for a written cell. */
static char *expected_cell(const char *text)
{
    size_t n = strlen(text);
    bool formula = n > 0 && strchr("=+-@\t\r", text[0]) != NULL;
    char *out = malloc(n + 2);
    CHECK(out);
    if (formula) {
        out[0] = '\'';
        memcpy(out + 1, text, n + 1);
    } else {
        memcpy(out, text, n + 1);
    }
    return out;
}

/*
 * Reads one field at *p (strict RFC 4180: a quoted field is "..." with ""
 * for a quote; an unquoted one holds no quote, comma, CR or LF). Returns a
 * malloc'ed copy and leaves *p at the comma or CRLF after it.
 */
static char *read_field(const char **p, const char *end)
{
    const char *s = *p;
    char *out = malloc((size_t)(end - s) + 1), *o = out;
    CHECK(out);
    if (s < end && *s == '"') {
        s++;
        for (;;) {
            CHECK(s < end); /* an unterminated quoted field */
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"') {
                    *o++ = '"';
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            *o++ = *s++;
        }
        /* after the closing quote: a separator or the end of the row */
        CHECK(s < end && (*s == ',' || *s == '\r'));
    } else {
        while (s < end && *s != ',' && *s != '\r') {
            CHECK(*s != '"' && *s != '\n');
            *o++ = *s++;
        }
        CHECK(s < end); /* every row ends in CRLF */
    }
    *o = '\0';
    *p = s;
    return out;
}

/* Parses the whole document into rows of fields, flattened, checking the row
 * lengths against widths[]. */
static void parse_and_compare(const char *doc, size_t len, bool bom, const struct cells *want,
                              size_t per_row)
{
    const char *p = doc, *end = doc + len;
    if (bom) {
        CHECK(len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0);
        p += 3;
    }
    size_t k = 0, rows = 0;
    while (p < end) {
        size_t in_row = 0;
        for (;;) {
            char *field = read_field(&p, end);
            CHECK(k < want->n);
            char *exp = expected_cell(want->v[k]);
            if (strcmp(field, exp) != 0) {
                fprintf(stderr, "cell %zu: wrote [%s], read back [%s]\n", k, want->v[k], field);
                abort();
            }
            free(exp);
            free(field);
            k++;
            in_row++;
            if (*p == ',') {
                p++;
                continue;
            }
            CHECK(p + 1 < end && p[0] == '\r' && p[1] == '\n');
            p += 2;
            break;
        }
        /* every row but the last is full */
        CHECK(in_row == per_row || (k == want->n && in_row < per_row));
        rows++;
    }
    CHECK(k == want->n);
    CHECK(rows == (want->n + per_row - 1) / per_row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t per_row = (size_t)(data[0] & 7) + 1;
    bool use_row = data[0] & 8, part = data[0] & 16;

    /* the cells: the rest split at NUL bytes */
    struct cells cells = {0};
    size_t cap = 1;
    for (size_t i = 1; i < size; i++)
        cap += data[i] == '\0';
    cells.v = calloc(cap, sizeof *cells.v);
    CHECK(cells.v);
    if (size > 1) {
        const char *s = (const char *)data + 1, *end = (const char *)data + size;
        for (;;) {
            const char *z = memchr(s, '\0', (size_t)(end - s));
            size_t n = z ? (size_t)(z - s) : (size_t)(end - s);
            cells.v[cells.n] = fuzz_strndup(s, n);
            cells.n++;
            if (!z)
                break;
            s = z + 1;
        }
    }

    struct csv_buf b;
    if (part)
        csv_begin_part(&b);
    else
        csv_begin(&b);
    for (size_t i = 0; i < cells.n; i += per_row) {
        size_t n = cells.n - i < per_row ? cells.n - i : per_row;
        if (use_row) {
            csv_row(&b, (const char *const *)cells.v + i, n);
        } else {
            for (size_t k = 0; k < n; k++)
                csv_cell(&b, cells.v[i + k]);
            csv_end_row(&b);
        }
        CHECK(!b.row_open);
    }
    CHECK(!b.failed);
    size_t len = 0;
    char *doc = csv_take(&b, &len);
    CHECK(b.p == NULL && b.len == 0);
    if (doc) {
        CHECK(doc[len] == '\0');
        CHECK(memchr(doc, '\0', len) == NULL);
    } else {
        CHECK(len == 0 && part && cells.n == 0);
    }
    parse_and_compare(doc ? doc : "", len, !part, &cells, per_row);
    free(doc);
    csv_free(&b); /* after csv_take: a no-op */

    /* a document abandoned half-way is freed by csv_free */
    struct csv_buf half;
    csv_begin(&half);
    if (cells.n)
        csv_cell(&half, cells.v[0]);
    csv_free(&half);
    CHECK(half.p == NULL);

    for (size_t i = 0; i < cells.n; i++)
        free(cells.v[i]);
    free(cells.v);
    return 0;
}
