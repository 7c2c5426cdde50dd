/*
 * test_certificate.c - certificate pieces: payload, masking, XML escaping,
 * the SVG, Ed25519 signing and serials.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "drillcamp/certificate.h"
#include "drillcamp/qr.h"
#include "drillcamp/sign.h"

START_TEST(payload_format)
{
    char out[160];
    cert_signed_payload("DC-AAAA-BBBB-CCCC-DDDD", 1, 42, 28800, "2026-06-15T08:00:00Z", out,
                        sizeof out);
    ck_assert_str_eq(out, "DC-AAAA-BBBB-CCCC-DDDD|1|42|28800|2026-06-15T08:00:00Z");
}
END_TEST

START_TEST(masking)
{
    char out[64];
    cert_mask_name("张三丰", out, sizeof out);
    ck_assert_str_eq(out, "张**");
    cert_mask_name("李", out, sizeof out);
    ck_assert_str_eq(out, "李*");
    cert_mask_name("Ann", out, sizeof out);
    ck_assert_str_eq(out, "A**");
}
END_TEST

START_TEST(xml_escape)
{
    char *e = cert_xml_escape("<&\"'>张");
    ck_assert_str_eq(e, "&lt;&amp;&quot;&#39;&gt;张");
    free(e);
}
END_TEST

/* user strings never reach the SVG raw */
START_TEST(svg_escapes_user_strings)
{
    struct cert_svg c = {.holder_name = "<script>&\"'",
                         .class_hours = "8.00",
                         .issued_date = "2026-06-15",
                         .serial = "DC-AAAA-BBBB-CCCC-DDDD",
                         .verify_url = "https://x.example/v?a=1&b=2",
                         .campaign_name = "营<",
                         .issuer = "组委会<b>&",
                         .revoked = 0};
    char *svg = cert_render_svg(&c);
    ck_assert_ptr_nonnull(svg);
    ck_assert(strstr(svg, "<script>") == NULL);
    ck_assert(strstr(svg, "<b>") == NULL);
    ck_assert(strstr(svg, "&lt;script&gt;&amp;&quot;&#39;") != NULL);
    ck_assert(strstr(svg, "颁发单位：组委会&lt;b&gt;&amp;") != NULL);
    /* the QR code: vector shapes in a white square, no image */
    ck_assert(strstr(svg, "shape-rendering=\"crispEdges\"") != NULL);
    ck_assert(strstr(svg, "<path fill=\"#000000\" d=\"M4 4h7v1h-7z") != NULL); /* finder */
    ck_assert(strstr(svg, "<image") == NULL);
    ck_assert(strstr(svg, "a=1&amp;b=2") != NULL);
    ck_assert(strstr(svg, "DC-AAAA-BBBB-CCCC-DDDD") != NULL);
    ck_assert(strstr(svg, "已撤销") == NULL);
    free(svg);
    c.revoked = 1;
    svg = cert_render_svg(&c);
    ck_assert(strstr(svg, "已撤销") != NULL);
    free(svg);
}
END_TEST

/* The QR group: a square of size units at (x, y), 4 white modules around
 * the code, a finder pattern's top row at each upper corner. */
START_TEST(qr_as_vector_shapes)
{
    char *g = NULL;
    ck_assert_int_eq(qr_svg("http://127.0.0.1:8080/verify/DC-AAAA-BBBB-CCCC-DDDD", 882, 576, 180,
                            &g),
                     DC_OK);
    ck_assert_ptr_nonnull(g);
    int side = 0;
    ck_assert(sscanf(strstr(g, "<rect width=\""), "<rect width=\"%d\"", &side) == 1);
    /* version 3 or 4 at level M for 52 bytes: 29 or 33 modules + 8 quiet */
    ck_assert_msg(side == 37 || side == 41, "side %d", side);
    double scale = 0;
    ck_assert(sscanf(strstr(g, "scale("), "scale(%lf)", &scale) == 1);
    ck_assert(scale * side > 179.9 && scale * side < 180.1);
    char right[32];
    snprintf(right, sizeof right, "M%d 4h7v1h-7z", side - 4 - 7);
    ck_assert(strstr(g, "M4 4h7v1h-7z") != NULL);
    ck_assert_msg(strstr(g, right) != NULL, "no finder at the upper right");
    free(g);
    /* too long for any QR code */
    char *big = malloc(8000);
    memset(big, 'a', 7999);
    big[7999] = '\0';
    ck_assert_int_eq(qr_svg(big, 0, 0, 100, &g), DC_ERR_VALIDATION);
    ck_assert_ptr_null(g);
    free(big);
}
END_TEST

/* The verification page: every user string escaped, the status in words. */
START_TEST(page_escapes_and_says_the_status)
{
    struct cert_page p = {.campaign_name = "营<i>",
                          .issuer = "委\"会'",
                          .holder_masked = "<script>alert(1)</script>&",
                          .class_hours = "8.00",
                          .issued_date = "2026-06-15",
                          .serial = "DC-AAAA-BBBB-CCCC-DDDD"};
    char *html = cert_render_page(&p);
    ck_assert_ptr_nonnull(html);
    ck_assert(strstr(html, "<script") == NULL);
    ck_assert(strstr(html, "<i>") == NULL);
    ck_assert(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;") != NULL);
    ck_assert(strstr(html, "委&quot;会&#39;") != NULL);
    ck_assert(strstr(html, "<html lang=\"zh-CN\">") != NULL);
    ck_assert(strstr(html, "name=\"viewport\"") != NULL);
    ck_assert(strstr(html, ">有效<") != NULL);
    ck_assert(strstr(html, "已撤销") == NULL);
    free(html);
    p.revoked_date = "2026-06-20";
    p.revoke_reason = "冒用<他人>";
    html = cert_render_page(&p);
    ck_assert(strstr(html, ">已撤销<") != NULL);
    ck_assert(strstr(html, ">有效<") == NULL);
    ck_assert(strstr(html, "冒用&lt;他人&gt;") != NULL);
    ck_assert(strstr(html, "2026-06-20") != NULL);
    free(html);
    html = cert_render_page(NULL);
    ck_assert(strstr(html, "未找到该证书") != NULL);
    free(html);
}
END_TEST

START_TEST(serials)
{
    char a[24], b[24];
    ck_assert_int_eq(sign_new_serial(a), DC_OK);
    ck_assert_int_eq(sign_new_serial(b), DC_OK);
    ck_assert_uint_eq(strlen(a), 22);
    ck_assert(sign_serial_well_formed(a));
    ck_assert_str_ne(a, b);
    ck_assert(!sign_serial_well_formed("DC-AAAA-BBBB-CCCC-DDDI")); /* I is not Crockford */
    ck_assert(!sign_serial_well_formed("DC-AAAA-BBBB-CCCC"));
    ck_assert(!sign_serial_well_formed("XX-AAAA-BBBB-CCCC-DDDD"));
    ck_assert(!sign_serial_well_formed("DC-AAAAABBBB-CCCC-DDDD"));
}
END_TEST

/* sign with a fresh key; verify; a changed message or signature fails */
START_TEST(sign_and_verify)
{
    char path[] = "/tmp/dc-sign-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm ed25519 -out %s 2>/dev/null", path);
    ck_assert_int_eq(system(cmd), 0);
    struct sign_key *k = NULL;
    ck_assert_int_eq(sign_key_load(path, &k), DC_OK);
    unlink(path);
    const char *msg = "DC-AAAA-BBBB-CCCC-DDDD|1|42|28800|2026-06-15T08:00:00Z";
    char *sig = NULL, *pem = NULL;
    bool ok = false;
    ck_assert_int_eq(sign_message(k, msg, strlen(msg), &sig), DC_OK);
    ck_assert_uint_eq(strlen(sig), 88);
    ck_assert_int_eq(sign_verify(k, msg, strlen(msg), sig, &ok), DC_OK);
    ck_assert(ok);
    ck_assert_int_eq(sign_verify(k, msg, strlen(msg) - 1, sig, &ok), DC_OK);
    ck_assert(!ok);
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(sign_verify(k, msg, strlen(msg), sig, &ok), DC_OK);
    ck_assert(!ok);
    ck_assert_int_eq(sign_public_pem(k, &pem), DC_OK);
    ck_assert(strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26) == 0);
    free(sig);
    free(pem);
    sign_key_free(k);
}
END_TEST

START_TEST(non_ed25519_key_refused)
{
    char path[] = "/tmp/dc-rsa-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char cmd[160];
    snprintf(cmd, sizeof cmd,
             "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s 2>/dev/null",
             path);
    ck_assert_int_eq(system(cmd), 0);
    struct sign_key *k = NULL;
    ck_assert_int_ne(sign_key_load(path, &k), DC_OK);
    ck_assert_int_ne(sign_key_load("/nonexistent/key.pem", &k), DC_OK);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("certificate");
    TCase *tc = tcase_create("certificate");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, payload_format);
    tcase_add_test(tc, masking);
    tcase_add_test(tc, xml_escape);
    tcase_add_test(tc, svg_escapes_user_strings);
    tcase_add_test(tc, qr_as_vector_shapes);
    tcase_add_test(tc, page_escapes_and_says_the_status);
    tcase_add_test(tc, serials);
    tcase_add_test(tc, sign_and_verify);
    tcase_add_test(tc, non_ed25519_key_refused);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
