/*
 * check_run.h - runs one Check suite and turns the result into an exit code,
 * shared by every unit and integration test program.
 */
#ifndef DC_CHECK_RUN_H
#define DC_CHECK_RUN_H

#include <check.h>

static inline int check_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif
