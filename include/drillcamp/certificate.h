/*
 * certificate.h - pure pieces of the completion certificate: the signed
 * payload, the masked holder name for public verification, and the
 * printable SVG with every user-supplied string XML-escaped.
 */
#ifndef DRILLCAMP_CERTIFICATE_H
#define DRILLCAMP_CERTIFICATE_H

#include <stddef.h>
#include <stdint.h>

/* "serial|campaign_id|account_id|credited_seconds|issued_at" into out. */
void cert_signed_payload(const char *serial, int64_t campaign_id, int64_t account_id,
                         int64_t credited_seconds, const char *issued_at, char *out, size_t cap);
/* First character kept, every other character as '*' ("张**"); at least one
 * '*' even for a one-character name. out needs strlen(name) + 8 bytes. */
void cert_mask_name(const char *name, char *out, size_t cap);
/* s with & < > " ' escaped; malloc'ed for the caller, NULL on no memory. */
char *cert_xml_escape(const char *s);

struct cert_svg {
    const char *holder_name;
    const char *class_hours; /* "8.00" */
    const char *issued_date; /* "2026-06-15" */
    const char *serial;
    const char *verify_url;
    const char *campaign_name;
    const char *issuer;
    int revoked;
};
/* What the verification page shows (already in the reader's words). */
struct cert_page {
    const char *campaign_name;
    const char *issuer;
    const char *holder_masked;
    const char *class_hours;
    const char *issued_date;
    const char *serial;
    const char *revoked_date;  /* NULL when valid */
    const char *revoke_reason; /* NULL when valid */
};
/* The verification page (HTML, zh-CN, no scripts), every field
 * HTML-escaped; page NULL: the page for an unknown serial. malloc'ed for
 * the caller, NULL when out of memory. */
char *cert_render_page(const struct cert_page *page);

/* The certificate as an SVG document, with a QR code of verify_url;
 * malloc'ed for the caller (NULL when out of memory or the URL is too long
 * for a QR code). */
char *cert_render_svg(const struct cert_svg *c);

#endif
