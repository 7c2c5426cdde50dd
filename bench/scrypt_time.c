/*
 * scrypt_time.c - the login ceiling's denominator: how long one password
 * hash takes with the server's parameters (src/core/password.c: scrypt
 * N=2^15, r=8, p=3, 32-byte output, 16-byte salt, 64 MiB maxmem).
 *
 *   scrypt_time [COUNT]   prints the seconds one hash took (the median of COUNT, default 5)
 *
 * A login verifies one hash, and the server runs DRILLCAMP_HASH_CONCURRENCY
 * (default: the number of cores) at once, so the ceiling is about
 * cores / seconds logins a second.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 5;
    if (count < 1 || count > 100)
        count = 5;
    double t[100];
    const unsigned char salt[16] = "drillcamp-bench";
    unsigned char out[32];
    for (int i = 0; i < count; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (EVP_PBE_scrypt("bench-pass-2026", 15, salt, sizeof salt, 32768, 8, 3,
                           64ull * 1024 * 1024, out, sizeof out) != 1) {
            fprintf(stderr, "scrypt_time: EVP_PBE_scrypt failed\n");
            return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[i] = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    }
    qsort(t, (size_t)count, sizeof t[0], cmp);
    printf("%.6f\n", t[count / 2]);
    return 0;
}
