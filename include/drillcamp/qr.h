/*
 * qr.h - a QR code as SVG vector shapes (libqrencode draws the modules).
 */
#ifndef DRILLCAMP_QR_H
#define DRILLCAMP_QR_H

#include "drillcamp/err.h"

/*
 * text (8-bit mode, error correction M) as an SVG group: a white square of
 * size x size user units at (x, y) holding the code with a quiet zone of
 * four modules, the dark modules as one path of unit squares scaled to
 * fit. *out is malloc'ed for the caller. DC_ERR_VALIDATION when text is
 * too long for a QR code.
 */
enum dc_err qr_svg(const char *text, double x, double y, double size, char **out);

#endif
