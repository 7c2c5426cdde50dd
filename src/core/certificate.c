/*
 * certificate.c - payload text, masking and the printable SVG.
 */
#include "drillcamp/certificate.h"
#include "drillcamp/qr.h"

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
    "  <text x=\"561\" y=\"400\" font-size=\"28\" text-anchor=\"middle\" fill=\"#333\">"
    "完成逃生演练训练营线上学习 %s 学时，特发此证。</text>\n"
    "  <text x=\"561\" y=\"455\" font-size=\"24\" text-anchor=\"middle\" fill=\"#333\">"
    "颁发单位：%s</text>\n"
    "  <text x=\"561\" y=\"500\" font-size=\"24\" text-anchor=\"middle\" fill=\"#333\">"
    "颁发日期：%s</text>\n"
    "  <text x=\"480\" y=\"640\" font-size=\"22\" text-anchor=\"middle\" fill=\"#555\">"
    "证书编号：%s</text>\n"
    "  <text x=\"480\" y=\"690\" font-size=\"18\" text-anchor=\"middle\" fill=\"#555\">"
    "验证：%s</text>\n"
    "  <text x=\"972\" y=\"566\" font-size=\"18\" text-anchor=\"middle\" fill=\"#555\">"
    "扫码验证</text>\n"
    "%s"
    "%s"
    "</svg>\n";

/* The QR code: 180 units square (quiet zone included) in the lower
 * right corner, inside the border. */
#define QR_X    882.0
#define QR_Y    576.0
#define QR_SIZE 180.0

static const char SVG_REVOKED[] =
    "  <text x=\"561\" y=\"565\" font-size=\"40\" text-anchor=\"middle\" fill=\"#c0392b\">"
    "已撤销 REVOKED</text>\n";

char *cert_render_svg(const struct cert_svg *c)
{
    const char *raw[] = {c->campaign_name, c->holder_name, c->class_hours, c->issuer,
                         c->issued_date,   c->serial,      c->verify_url};
    enum { N = sizeof raw / sizeof raw[0] };
    char *esc[N] = {0};
    char *out = NULL, *qr = NULL;
    if (qr_svg(c->verify_url ? c->verify_url : "", QR_X, QR_Y, QR_SIZE, &qr) != DC_OK)
        goto done;
    for (int i = 0; i < N; i++)
        if (!(esc[i] = cert_xml_escape(raw[i] ? raw[i] : "")))
            goto done;
    if (asprintf(&out, SVG_TEMPLATE, esc[0], esc[1], esc[2], esc[3], esc[4], esc[5], esc[6], qr,
                 c->revoked ? SVG_REVOKED : "") < 0)
        out = NULL;
done:
    for (int i = 0; i < N; i++)
        free(esc[i]);
    free(qr);
    return out;
}

/* The page's look: inline (the CSP allows inline styles, nothing else). */
#define PAGE_HEAD                                                                                  \
    "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"                   \
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"                   \
    "<title>证书验证 - 逃生演练训练营</title>\n"                                        \
    "<style>\n"                                                                                    \
    "body{margin:0;background:#f5f1e8;color:#222;font-family:'Noto Sans CJK SC','PingFang "        \
    "SC','Microsoft YaHei',sans-serif;line-height:1.6}\n"                                          \
    "main{max-width:34rem;margin:0 auto;padding:1.5rem 1rem}\n"                                    \
    "h1{font-size:1.4rem;margin:0 0 1rem;color:#c0392b;text-align:center}\n"                       \
    ".card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 4px "               \
    "rgba(0,0,0,.12)}\n"                                                                           \
    ".status{font-size:1.6rem;font-weight:bold;text-align:center;padding:.6rem;border-radius:8px;" \
    "margin-bottom:1rem}\n"                                                                        \
    ".valid{background:#e6f4ea;color:#1e7e34}.revoked{background:#fdecea;color:#b71c1c}"           \
    ".unknown{background:#eee;color:#555}\n"                                                       \
    "dl{margin:0}dt{color:#777;font-size:.9rem}dd{margin:0 0 .8rem;font-size:1.1rem;"              \
    "word-break:break-all}\n"                                                                      \
    "p.note{color:#777;font-size:.85rem;text-align:center;margin-top:1rem}\n"                      \
    "</style>\n</head>\n<body>\n<main>\n<h1>电子结业证书验证</h1>\n<div class=\"card\">\n"

#define PAGE_TAIL "</div>\n</main>\n</body>\n</html>\n"

static const char PAGE_NOT_FOUND[] = PAGE_HEAD
    "<div class=\"status unknown\">未找到该证书</div>\n"
    "<p>没有这个编号的证书。请核对证书上的编号，或重新扫描证书上的二维码。</p>\n" PAGE_TAIL;

static const char PAGE_TEMPLATE[] = PAGE_HEAD
    "%s"
    "<dl>\n"
    "<dt>活动</dt><dd>%s</dd>\n"
    "<dt>颁发单位</dt><dd>%s</dd>\n"
    "<dt>持证人</dt><dd>%s</dd>\n"
    "<dt>学时</dt><dd>%s</dd>\n"
    "<dt>颁发日期</dt><dd>%s</dd>\n"
    "<dt>证书编号</dt><dd>%s</dd>\n"
    "</dl>\n"
    "<p class=\"note\">本页由证书颁发系统生成，证书以本页显示的状态为准。</p>\n" PAGE_TAIL;

char *cert_render_page(const struct cert_page *page)
{
    if (!page)
        return strdup(PAGE_NOT_FOUND);
    const char *raw[] = {page->campaign_name, page->issuer,       page->holder_masked,
                         page->class_hours,   page->issued_date,  page->serial,
                         page->revoked_date,  page->revoke_reason};
    enum { N = sizeof raw / sizeof raw[0] };
    char *esc[N] = {0};
    char *status = NULL, *out = NULL;
    for (int i = 0; i < N; i++)
        if (!(esc[i] = cert_xml_escape(raw[i] ? raw[i] : "")))
            goto done;
    int n =
        page->revoked_date
            ? asprintf(&status,
                       "<div class=\"status revoked\">已撤销</div>\n"
                       "<dl>\n<dt>撤销日期</dt><dd>%s</dd>\n<dt>撤销原因</dt><dd>%s</dd>\n</dl>\n",
                       esc[6], esc[7])
            : asprintf(&status, "<div class=\"status valid\">有效</div>\n");
    if (n < 0) {
        status = NULL;
        goto done;
    }
    if (asprintf(&out, PAGE_TEMPLATE, status, esc[0], esc[1], esc[2], esc[3], esc[4], esc[5]) < 0)
        out = NULL;
done:
    for (int i = 0; i < N; i++)
        free(esc[i]);
    free(status);
    return out;
}
