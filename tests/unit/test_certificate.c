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
    struct cert_svg c = {"<script>&\"'",
                         "8.00",
                         "2026-06-15",
                         "DC-AAAA-BBBB-CCCC-DDDD",
                         "https://x.example/v?a=1&b=2",
                         "营<",
                         0};
    char *svg = cert_render_svg(&c);
    ck_assert_ptr_nonnull(svg);
    ck_assert(strstr(svg, "<script>") == NULL);
    ck_assert(strstr(svg, "&lt;script&gt;&amp;&quot;&#39;") != NULL);
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
    tcase_add_test(tc, serials);
    tcase_add_test(tc, sign_and_verify);
    tcase_add_test(tc, non_ed25519_key_refused);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
