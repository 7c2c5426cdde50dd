/*
 * qr.c - QR codes drawn as SVG shapes: libqrencode computes the modules,
 * this file writes them as one path (a run of dark modules on a row is one
 * rectangle), so that the code stays sharp at any print size.
 */
#include "drillcamp/qr.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>

#include "drillcamp/textbuf.h"

#define QUIET 4 /* modules of white around the code, as the standard asks */

enum dc_err qr_svg(const char *text, double x, double y, double size, char **out)
{
    *out = NULL;
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return DC_ERR_VALIDATION;
    int w = q->width, side = w + 2 * QUIET;
    struct textbuf b = {0};
    textbuf_printf(&b,
                   "  <g transform=\"translate(%.2f %.2f) scale(%.5f)\" "
                   "shape-rendering=\"crispEdges\">\n"
                   "    <rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
                   "    <path fill=\"#000000\" d=\"",
                   x, y, size / side, side, side);
    for (int row = 0; !b.failed && row < w; row++) {
        for (int col = 0; col < w;) {
            if (!(q->data[row * w + col] & 1)) {
                col++;
                continue;
            }
            int run = 1;
            while (col + run < w && (q->data[row * w + col + run] & 1))
                run++;
            textbuf_printf(&b, "M%d %dh%dv1h-%dz", col + QUIET, row + QUIET, run, run);
            col += run;
        }
    }
    textbuf_printf(&b, "\"/>\n  </g>\n");
    QRcode_free(q);
    if (b.failed) {
        free(b.p);
        return DC_ERR_NOMEM;
    }
    *out = b.p;
    return DC_OK;
}
