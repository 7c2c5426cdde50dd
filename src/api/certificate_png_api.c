/*
 * certificate_png_api.c - GET /v1/certificates/{serial}.png: the
 * certificate's SVG drawn at 2x (2246 x 1588) for chat apps that do not
 * show SVG.
 *
 * Drawing takes a core for a tenth of a second or more, so it is bounded
 * and done once: at most DRILLCAMP_RENDER_CONCURRENCY drawings at a time
 * (503 with Retry-After beyond, never a queue), and each PNG is kept in a
 * cache of the last 128 drawn, keyed by what it shows that may change:
 * revocation (the image marks it) and the campaign's name and issuer. A
 * certificate's own figures never change once issued. Cached images are sent in place,
 * reference-counted.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drillcamp/api.h"
#include "drillcamp/config.h"
#include "drillcamp/render.h"

#define PNG_WIDTH   2246
#define PNG_HEIGHT  1588
#define CACHE_SLOTS 128

struct png_entry {
    atomic_int refs;
    char key[64]; /* see png_key */
    unsigned char *png;
    size_t len;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct png_entry *cache[CACHE_SLOTS];
static unsigned next_slot; /* the oldest entry: replaced first */
static atomic_uint drawing;

static void entry_put(void *arg)
{
    struct png_entry *e = arg;
    if (e && atomic_fetch_sub(&e->refs, 1) == 1) {
        free(e->png);
        free(e);
    }
}

/* The cached entry for key with a reference for the caller, or NULL. */
static struct png_entry *cache_get(const char *key)
{
    struct png_entry *found = NULL;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < CACHE_SLOTS && !found; i++)
        if (cache[i] && strcmp(cache[i]->key, key) == 0)
            found = cache[i];
    if (found)
        atomic_fetch_add(&found->refs, 1);
    pthread_mutex_unlock(&mu);
    return found;
}

/* Keeps e (the cache takes a reference of its own). */
static void cache_put(struct png_entry *e)
{
    atomic_fetch_add(&e->refs, 1);
    pthread_mutex_lock(&mu);
    struct png_entry *old = cache[next_slot];
    cache[next_slot] = e;
    next_slot = (next_slot + 1) % CACHE_SLOTS;
    pthread_mutex_unlock(&mu);
    entry_put(old);
}

/*
 * What the image shows beyond its fixed figures: serial, revocation, and
 * a hash of the campaign's name and issuer, which are drawn as they are
 * now (a PATCH of either draws the image anew).
 */
static void png_key(const struct dc_certificate *c, char key[64])
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    const char *parts[] = {c->campaign_name ? c->campaign_name : "", c->issuer ? c->issuer : ""};
    for (int i = 0; i < 2; i++)
        for (const char *p = parts[i];; p++) {
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
            if (!*p)
                break;
        }
    snprintf(key, 64, "%s|%c|%016" PRIx64, c->serial, c->revoked_at ? 'r' : 'v', h);
}

/* Draws c's SVG unless DRILLCAMP_RENDER_CONCURRENCY drawings run already. */
static enum dc_err draw_or_respond(struct dc_req *req, const char *key,
                                   const struct dc_certificate *c, struct png_entry **out)
{
    if (atomic_fetch_add(&drawing, 1) >= dc_config.render_concurrency) {
        atomic_fetch_sub(&drawing, 1);
        req->retry_after = 1;
        return dc_req_fail(req, DC_ERR_BUSY, NULL,
                           "too many certificate images are being drawn, retry shortly");
    }
    struct png_entry *e = calloc(1, sizeof *e);
    char *doc = e ? certificates_svg(req, c) : NULL;
    enum dc_err err =
        doc ? render_svg_png(doc, strlen(doc), PNG_WIDTH, PNG_HEIGHT, &e->png, &e->len)
            : DC_ERR_NOMEM;
    atomic_fetch_sub(&drawing, 1);
    free(doc);
    if (err != DC_OK) {
        free(e);
        return err == DC_ERR_VALIDATION ? DC_ERR_INTERNAL : err;
    }
    atomic_init(&e->refs, 1);
    snprintf(e->key, sizeof e->key, "%s", key);
    cache_put(e);
    *out = e;
    return DC_OK;
}

/* Route: anyone with the serial, read replica. */
enum dc_err certificate_png_api_get(struct dc_req *req)
{
    struct dc_certificate c;
    enum dc_err err = certificates_find(req, &c);
    if (err != DC_OK)
        return err;
    /* a kept image is sent without writing the SVG again */
    char key[64];
    png_key(&c, key);
    struct png_entry *e = cache_get(key);
    if (!e)
        err = draw_or_respond(req, key, &c, &e);
    if (err != DC_OK || !e)
        return err != DC_OK ? err : DC_ERR_INTERNAL;
    err = dc_reply_shared(req, 200, "image/png", (const char *)e->png, e->len, entry_put, e);
    dc_reply_header(req, "Cache-Control", "public, max-age=300");
    dc_reply_header(req, "X-Content-Type-Options", "nosniff");
    return err;
}

void certificate_png_api_shutdown(void)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        entry_put(cache[i]);
        cache[i] = NULL;
    }
    pthread_mutex_unlock(&mu);
}
