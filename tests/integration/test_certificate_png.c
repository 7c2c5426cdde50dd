/*
 * test_certificate_png.c - GET /v1/certificates/{serial}.png: the SVG at
 * 2x, drawn once and bounded.
 *
 *  1. png_is_the_svg_at_2x: a PNG of 2246 x 1588 (its IHDR), the same
 *     bytes on a second fetch (kept, not drawn again), a malformed or
 *     unknown serial 404; a revoked certificate's image is drawn anew (it
 *     shows the mark) and differs from the valid one.
 *  2. drawing_is_capped: with DRILLCAMP_RENDER_CONCURRENCY=1, bursts of 8
 *     requests for 8 certificates never drawn: every answer is 200 or 503
 *     `unavailable` with Retry-After, some are 503 (the cap holds, no
 *     queue), and each image comes once retried.
 * The QR code in the PNG decoding to verify_url is test_verify_page's.
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_run.h"
#include "harness.h"

/* A user with 8 class hours and a certificate; its serial (malloc'ed). */
static char *new_certificate(const char *admin)
{
    struct dc_user u = dc_new_user(NULL);
    dc_earn(admin, u.token, 8 * 3600);
    json_t *c = dc_expect_json("POST", "/v1/me/certificate", u.token, NULL, 201, "claim");
    char *serial = strdup(dc_str(c, "serial"));
    json_decref(c);
    return serial;
}

/* The PNG's width and height from its IHDR chunk (false: not a PNG). */
static bool png_size(const struct dc_resp *r, uint32_t *w, uint32_t *h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const unsigned char *b = (const unsigned char *)r->body;
    if (r->body_len < 24 || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0)
        return false;
    *w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    *h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
    return true;
}

static struct dc_resp *get_png(const char *serial)
{
    char path[96];
    snprintf(path, sizeof path, "/v1/certificates/%s.png", serial);
    return dc_http("GET", path, NULL, NULL, NULL, 0);
}

START_TEST(png_is_the_svg_at_2x)
{
    dc_server_start(NULL);
    char *admin = dc_new_admin_token();
    dc_campaign_live(admin, DC_RULES_FAST);
    char *serial = new_certificate(admin);

    struct dc_resp *a = get_png(serial);
    dc_expect_status(a, 200, "png");
    char *ct = dc_resp_header(a, "Content-Type");
    ck_assert_str_eq(ct, "image/png");
    free(ct);
    uint32_t w = 0, h = 0;
    ck_assert_msg(png_size(a, &w, &h), "not a PNG");
    ck_assert_uint_eq(w, 2246);
    ck_assert_uint_eq(h, 1588);
    struct dc_resp *b = get_png(serial);
    dc_expect_status(b, 200, "png again");
    ck_assert_uint_eq(a->body_len, b->body_len);
    ck_assert(memcmp(a->body, b->body, a->body_len) == 0);
    dc_resp_free(b);

    struct dc_resp *r = get_png("DC-0000-0000-0000-0000");
    dc_expect_error(r, 404, "not_found", NULL, "unknown serial");
    dc_resp_free(r);
    r = get_png("nonsense");
    dc_expect_error(r, 404, "not_found", NULL, "malformed serial");
    dc_resp_free(r);

    char path[96];
    snprintf(path, sizeof path, "/v1/admin/certificates/%s/revoke", serial);
    json_decref(dc_expect_json("POST", path, admin, json_pack("{s:s}", "reason", "测试撤销"), 200,
                               "revoke"));
    b = get_png(serial);
    dc_expect_status(b, 200, "revoked png");
    ck_assert_msg(png_size(b, &w, &h) && w == 2246 && h == 1588, "revoked image size");
    ck_assert_msg(a->body_len != b->body_len || memcmp(a->body, b->body, a->body_len) != 0,
                  "the revoked certificate's image is the valid one's");
    dc_resp_free(b);
    dc_resp_free(a);
    free(serial);
    free(admin);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

#define BURST 8

struct fetch {
    const char *serial;
    long status;
    bool retry_after;
};

static void *fetch_one(void *arg)
{
    struct fetch *f = arg;
    char path[96];
    snprintf(path, sizeof path, "/v1/certificates/%s.png", f->serial);
    struct dc_resp *r = dc_http_on(NULL, "GET", path, NULL, NULL, 0);
    f->status = r->status;
    char *ra = dc_resp_header(r, "Retry-After");
    f->retry_after = ra != NULL;
    free(ra);
    dc_resp_free(r);
    return NULL;
}

START_TEST(drawing_is_capped)
{
    const char *env[] = {"DRILLCAMP_RENDER_CONCURRENCY=1", NULL};
    dc_server_start(env);
    char *admin = dc_new_admin_token();
    dc_campaign_live(admin, DC_RULES_FAST);
    int refused = 0, rounds = 0;
    for (; rounds < 4 && refused == 0; rounds++) {
        char *serials[BURST];
        struct fetch f[BURST];
        pthread_t th[BURST];
        for (int i = 0; i < BURST; i++)
            serials[i] = new_certificate(admin);
        for (int i = 0; i < BURST; i++) {
            f[i] = (struct fetch){.serial = serials[i]};
            ck_assert_int_eq(pthread_create(&th[i], NULL, fetch_one, &f[i]), 0);
        }
        for (int i = 0; i < BURST; i++)
            pthread_join(th[i], NULL);
        for (int i = 0; i < BURST; i++) {
            ck_assert_msg(f[i].status == 200 || f[i].status == 503, "status %ld", f[i].status);
            if (f[i].status == 503) {
                ck_assert_msg(f[i].retry_after, "503 without Retry-After");
                refused++;
            }
        }
        /* each refused image comes when asked again */
        for (int i = 0; i < BURST; i++) {
            long status = 503;
            for (int t = 0; t < 50 && status == 503; t++) {
                if (t > 0)
                    nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
                struct dc_resp *r = get_png(serials[i]);
                status = r->status;
                dc_resp_free(r);
            }
            ck_assert_int_eq(status, 200);
            free(serials[i]);
        }
    }
    fprintf(stderr, "render cap 1: %d of %d requests refused in %d rounds\n", refused,
            rounds * BURST, rounds);
    ck_assert_msg(refused > 0, "8 concurrent drawings with a cap of 1 were never refused");
    free(admin);
    ck_assert_int_eq(dc_server_stop(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("certificate_png");
    TCase *tc = tcase_create("certificate_png");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, png_is_the_svg_at_2x);
    tcase_add_test(tc, drawing_is_capped);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
