/*
 * render.h - an SVG document drawn as a PNG (librsvg and cairo), for the
 * certificate image that chat apps show.
 */
#ifndef DRILLCAMP_RENDER_H
#define DRILLCAMP_RENDER_H

#include <stddef.h>

#include "drillcamp/err.h"

/* svg (len bytes) drawn into a width x height PNG, its viewBox scaled to
 * fit; *png malloc'ed for the caller, *png_len its size. DC_ERR_VALIDATION
 * when librsvg cannot read the document. */
enum dc_err render_svg_png(const char *svg, size_t len, int width, int height, unsigned char **png,
                           size_t *png_len);

#endif
