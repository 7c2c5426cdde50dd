/*
 * arena.h - per-request memory: many allocations, one free.
 *
 * Everything a request allocates while it is handled (rows read from the
 * database, strings built for the answer, field paths of errors) comes from
 * the request's arena and dies with it when libmicrohttpd reports the
 * request complete (h2o's req->pool, PostgreSQL's memory contexts). Nothing
 * taken from an arena is freed on its own. Resources that are not plain
 * memory (a PGresult the rows point into) are handed to arena_defer and
 * released with the arena.
 *
 * An arena is not shared between threads.
 */
#ifndef DRILLCAMP_ARENA_H
#define DRILLCAMP_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct dc_arena; /* opaque */

/* A new, empty arena for the caller (arena_free it); NULL when out of memory. */
struct dc_arena *arena_new(void);
/* Runs the deferred cleanups, newest first, then frees every block and the
 * arena itself. NULL is a no-op. */
void arena_free(struct dc_arena *a);

/* size zeroed bytes aligned for any type, owned by the arena; NULL when out
 * of memory. A request of 0 bytes still returns a distinct valid pointer. */
void *arena_alloc(struct dc_arena *a, size_t size);
/* n * size zeroed bytes; NULL on overflow or when out of memory. */
void *arena_calloc(struct dc_arena *a, size_t n, size_t size);
/* Copies of s (NULL gives NULL), of at most n bytes of s, and a printf-formatted
 * string, owned by the arena; NULL when out of memory. */
char *arena_strdup(struct dc_arena *a, const char *s);
char *arena_strndup(struct dc_arena *a, const char *s, size_t n);
char *arena_printf(struct dc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Calls fn(p) when the arena is freed (newest first). When the record
 * cannot be allocated fn(p) runs at once and false is returned, so the
 * caller never leaks p. */
bool arena_defer(struct dc_arena *a, void (*fn)(void *), void *p);

/* Bytes the arena has taken from malloc so far (blocks and records). */
size_t arena_bytes(const struct dc_arena *a);

#endif
