/*
 * test_csv.c - the CSV writer: BOM, CRLF, RFC 4180 quoting and formula
 * neutralising.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "drillcamp/csv.h"

/* Writes one row of cells and returns the document (malloc'ed). */
static char *one_row(const char *const *cells, size_t n)
{
    struct csv_buf b;
    csv_begin(&b);
    for (size_t i = 0; i < n; i++)
        csv_cell(&b, cells[i]);
    csv_end_row(&b);
    size_t len;
    char *out = csv_take(&b, &len);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(strlen(out), len);
    return out;
}

START_TEST(bom_and_crlf)
{
    const char *cells[] = {"rank", "标题"};
    char *doc = one_row(cells, 2);
    ck_assert_str_eq(doc, "\xEF\xBB\xBFrank,标题\r\n");
    free(doc);
}
END_TEST

START_TEST(quoting)
{
    const char *cells[] = {"a,b", "say \"hi\"", "two\nlines", "cr\rhere", "plain"};
    char *doc = one_row(cells, 5);
    ck_assert_str_eq(doc, "\xEF\xBB\xBF\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\","
                          "plain\r\n");
    free(doc);
}
END_TEST

/* cells a spreadsheet would run are prefixed with ' (and quoted) */
START_TEST(formulas_neutralised)
{
    const char *cells[] = {"=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx", "a=b", ""};
    char *doc = one_row(cells, 8);
    ck_assert_str_eq(doc, "\xEF\xBB\xBF\"'=SUM(A1)\",\"'+1\",\"'-2\",\"'@cmd\",\"'\tx\",\"'\rx\","
                          "a=b,\r\n");
    free(doc);
}
END_TEST

START_TEST(rows)
{
    struct csv_buf b;
    csv_begin(&b);
    csv_cell(&b, "h1");
    csv_cell(&b, "h2");
    csv_end_row(&b);
    csv_cell(&b, "1");
    csv_cell(&b, "2");
    csv_end_row(&b);
    size_t len;
    char *doc = csv_take(&b, &len);
    ck_assert_str_eq(doc, "\xEF\xBB\xBFh1,h2\r\n1,2\r\n");
    free(doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, bom_and_crlf);
    tcase_add_test(tc, quoting);
    tcase_add_test(tc, formulas_neutralised);
    tcase_add_test(tc, rows);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
