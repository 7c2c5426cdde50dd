/*
 * certificate.c - payload text, masking and the printable SVG.
 */
#include "drillcamp/certificate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cert_signed_payload(const char *serial, int64_t campaign_id, int64_t account_id,
                         int64_t credited_seconds, const char *issued_at, char *out, size_t cap)
{
    snprintf(out, cap, "%s|%" PRId64 "|%" PRId64 "|%" PRId64 "|%s", serial, campaign_id, account_id,
             credited_seconds, issued_at);
}

/* Bytes of the UTF-8 character starting at s. */
static size_t utf8_char_len(const unsigned char *s)
{
    if (*s < 0x80)
        return 1;
    if ((*s & 0xE0) == 0xC0)
        return 2;
    if ((*s & 0xF0) == 0xE0)
        return 3;
    return 4;
}

void cert_mask_name(const char *name, char *out, size_t cap)
{
    size_t first = *name ? utf8_char_len((const unsigned char *)name) : 0;
    size_t o = 0;
    for (size_t i = 0; i < first && name[i] && o + 1 < cap; i++)
        out[o++] = name[i];
    size_t rest = 0;
    for (const unsigned char *p = (const unsigned char *)name + first; *p; p += utf8_char_len(p))
        rest++;
    if (rest == 0)
        rest = 1;
    for (size_t i = 0; i < rest && o + 1 < cap; i++)
        out[o++] = '*';
    out[o] = '\0';
}

char *cert_xml_escape(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += (*p == '&' || *p == '<' || *p == '>' || *p == '"' || *p == '\'') ? 6 : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            *o++ = *p;
            continue;
        }
        size_t k = strlen(rep);
        memcpy(o, rep, k);
        o += k;
    }
    *o = '\0';
    return out;
}

static const char SVG_TEMPLATE[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1123\" height=\"794\" "
    "viewBox=\"0 0 1123 794\" font-family=\"'Noto Sans CJK SC','Source Han Sans SC',"
    "'Microsoft YaHei',sans-serif\">\n"
    "  <rect x=\"0\" y=\"0\" width=\"1123\" height=\"794\" fill=\"#fffdf5\"/>\n"
    "  <rect x=\"30\" y=\"30\" width=\"1063\" height=\"734\" fill=\"none\" stroke=\"#c0392b\" "
    "stroke-width=\"6\"/>\n"
    "  <text x=\"561\" y=\"150\" font-size=\"56\" text-anchor=\"middle\" fill=\"#c0392b\">"
    "电子结业证书</text>\n"
    "  <text x=\"561\" y=\"215\" font-size=\"26\" text-anchor=\"middle\" fill=\"#333\">%s</text>\n"
    "  <text x=\"561\" y=\"330\" font-size=\"48\" text-anchor=\"middle\" fill=\"#111\">%s</text>\n"
    "  <text x=\"561\" y=\"410\" font-size=\"28\" text-anchor=\"middle\" fill=\"#333\">"
    "完成逃生演练训练营线上学习 %s 学时，特发此证。</text>\n"
    "  <text x=\"561\" y=\"480\" font-size=\"24\" text-anchor=\"middle\" fill=\"#333\">"
    "颁发日期：%s</text>\n"
    "  <text x=\"561\" y=\"600\" font-size=\"22\" text-anchor=\"middle\" fill=\"#555\">"
    "证书编号：%s</text>\n"
    "  <text x=\"561\" y=\"650\" font-size=\"20\" text-anchor=\"middle\" fill=\"#555\">"
    "验证：%s</text>\n"
    "%s"
    "</svg>\n";

static const char SVG_REVOKED[] =
    "  <text x=\"561\" y=\"540\" font-size=\"40\" text-anchor=\"middle\" fill=\"#c0392b\">"
    "已撤销 REVOKED</text>\n";

char *cert_render_svg(const struct cert_svg *c)
{
    const char *raw[] = {c->campaign_name, c->holder_name, c->class_hours,
                         c->issued_date,   c->serial,      c->verify_url};
    char *esc[6] = {0};
    char *out = NULL;
    for (int i = 0; i < 6; i++)
        if (!(esc[i] = cert_xml_escape(raw[i] ? raw[i] : "")))
            goto done;
    if (asprintf(&out, SVG_TEMPLATE, esc[0], esc[1], esc[2], esc[3], esc[4], esc[5],
                 c->revoked ? SVG_REVOKED : "") < 0)
        out = NULL;
done:
    for (int i = 0; i < 6; i++)
        free(esc[i]);
    return out;
}
