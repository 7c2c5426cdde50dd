/*
 * render.c - SVG to PNG with librsvg (Debian's librsvg2): the document is
 * parsed, drawn on a cairo image surface and encoded as PNG into memory.
 * Text is laid out by Pango with the system's fonts (fonts-noto-cjk for
 * Chinese). Each call has its own handle and surface: calls on several
 * threads share nothing.
 */
#include "drillcamp/render.h"

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/textbuf.h"

struct png_sink {
    char *p;
    size_t len, cap;
    bool failed;
};

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int n)
{
    struct png_sink *s = closure;
    if (!textbuf_reserve(&s->p, &s->cap, s->len + n, &s->failed))
        return CAIRO_STATUS_NO_MEMORY;
    memcpy(s->p + s->len, data, n);
    s->len += n;
    return CAIRO_STATUS_SUCCESS;
}

enum dc_err render_svg_png(const char *svg, size_t len, int width, int height, unsigned char **png,
                           size_t *png_len)
{
    *png = NULL;
    *png_len = 0;
    GError *gerr = NULL;
    RsvgHandle *h = rsvg_handle_new_from_data((const guint8 *)svg, len, &gerr);
    if (!h) {
        g_clear_error(&gerr);
        return DC_ERR_VALIDATION;
    }
    enum dc_err err = DC_ERR_NOMEM;
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    cairo_t *cr = cairo_create(surface);
    RsvgRectangle viewport = {0, 0, width, height};
    struct png_sink sink = {0};
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        goto out;
    if (!rsvg_handle_render_document(h, cr, &viewport, &gerr)) {
        g_clear_error(&gerr);
        err = DC_ERR_VALIDATION;
        goto out;
    }
    cairo_surface_flush(surface);
    if (cairo_surface_write_to_png_stream(surface, png_write, &sink) != CAIRO_STATUS_SUCCESS)
        goto out;
    *png = (unsigned char *)sink.p;
    *png_len = sink.len;
    sink.p = NULL;
    err = DC_OK;
out:
    free(sink.p);
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    g_object_unref(h);
    return err;
}
