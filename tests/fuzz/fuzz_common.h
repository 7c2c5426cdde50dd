/*
 * fuzz_common.h - what every libFuzzer harness in tests/fuzz shares: the
 * invariant check that aborts (so libFuzzer keeps the input), and
 * NUL-terminated copies of input bytes.
 */
#ifndef DC_FUZZ_COMMON_H
#define DC_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A malloc'ed NUL-terminated copy of the n bytes at p, cut at the first NUL
 * among them (strndup); aborts when out of memory. */
static inline char *fuzz_strndup(const void *p, size_t n)
{
    char *s = strndup((const char *)p, n);
    CHECK(s);
    return s;
}

/* A malloc'ed copy of the n bytes at p with a NUL after them (NULs inside
 * kept); aborts when out of memory. */
static inline char *fuzz_memdup(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    CHECK(s);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

#endif
