/*
 * arena.c - the per-request arena of arena.h: a chunked bump allocator.
 *
 * What it is for: a request makes many small allocations (rows, strings of
 * the answer, error paths) that all die together when the request ends.
 * Taking them one by one from malloc and freeing each is slow and easy to
 * leak; here they are carved out of a few large blocks and released with
 * one arena_free.
 *
 * How it works:
 *   - Blocks come from calloc, so every byte handed out is already zero and
 *     nothing is ever handed out twice (there is no per-allocation free).
 *     The only code that writes into not yet allocated space is
 *     arena_printf's fast path, which zeroes it again when it gives up.
 *   - The first block (4 KiB) is the same allocation as the arena itself,
 *     so a request that allocates little costs one malloc. Later blocks
 *     double up to 64 KiB. A request larger than a 64 KiB block's useful
 *     space gets a block of its own and leaves the current block in use.
 *   - Every size is rounded up to alignof(max_align_t) (0 counts as 1), so
 *     every pointer is aligned for any type and 0-byte requests still get
 *     distinct pointers. Sizes whose rounding or block header would overflow,
 *     and objects larger than PTRDIFF_MAX, are refused (NULL) before malloc
 *     is asked.
 *   - Deferred cleanups are malloc'ed records in a LIFO list, run newest
 *     first by arena_free before any block is released.
 *   - arena_bytes is the sum of the sizes passed to malloc/calloc.
 *
 * Not thread-safe: an arena belongs to one request on one thread.
 */
#include "drillcamp/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN       (alignof(max_align_t))
#define ARENA_FIRST_BLOCK ((size_t)4096)
#define ARENA_MAX_BLOCK   ((size_t)64 * 1024)

/* x rounded up to a multiple of ARENA_ALIGN; x must not be near SIZE_MAX */
#define ROUND_UP(x) (((x) + (ARENA_ALIGN - 1)) & ~(ARENA_ALIGN - 1))

/* The header of every block after the first; its data follows at BLOCK_HDR. */
struct block {
    struct block *next; /* the block taken before this one */
};
#define BLOCK_HDR ROUND_UP(sizeof(struct block))

struct cleanup {
    struct cleanup *next; /* the one deferred before this one */
    void (*fn)(void *);
    void *p;
};

/* Lives at the start of the first block; its data follows at ARENA_HDR. */
struct dc_arena {
    unsigned char *pos;       /* the free part of the block being bumped */
    size_t left;              /* its length: always a multiple of ARENA_ALIGN */
    struct block *blocks;     /* later blocks, newest first */
    struct cleanup *cleanups; /* newest first */
    size_t bytes;             /* taken from malloc so far */
    size_t next_block;        /* malloc size of the next standard block */
};
#define ARENA_HDR ROUND_UP(sizeof(struct dc_arena))

/* The largest request arena_alloc accepts: the rounded size plus a block
 * header must fit in size_t, and no object may exceed PTRDIFF_MAX. */
#define ARENA_MAX_REQUEST ((size_t)PTRDIFF_MAX - BLOCK_HDR - ARENA_ALIGN)

struct dc_arena *arena_new(void)
{
    _Static_assert((ARENA_ALIGN & (ARENA_ALIGN - 1)) == 0, "alignment is a power of two");
    _Static_assert(ARENA_HDR < ARENA_FIRST_BLOCK, "the first block holds the arena");
    struct dc_arena *a = calloc(1, ARENA_FIRST_BLOCK);
    if (!a)
        return NULL;
    a->pos = (unsigned char *)a + ARENA_HDR;
    a->left = ARENA_FIRST_BLOCK - ARENA_HDR;
    a->bytes = ARENA_FIRST_BLOCK;
    a->next_block = 2 * ARENA_FIRST_BLOCK;
    return a;
}

void arena_free(struct dc_arena *a)
{
    if (!a)
        return;
    /* each record is unlinked before its cleanup runs, so a cleanup that
     * defers another one on this arena gets it run too, next */
    while (a->cleanups) {
        struct cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->p);
        free(c);
    }
    for (struct block *b = a->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

/* A new zeroed block with room for `data` bytes after its header, linked
 * into a's list; NULL when out of memory. */
static unsigned char *block_take(struct dc_arena *a, size_t data)
{
    struct block *b = calloc(1, BLOCK_HDR + data);
    if (!b)
        return NULL;
    b->next = a->blocks;
    a->blocks = b;
    a->bytes += BLOCK_HDR + data;
    return (unsigned char *)b + BLOCK_HDR;
}

/* need (rounded, > a->left) bytes from a new block: a block of its own
 * beyond a standard block's useful size, else the next standard block,
 * doubled until need fits. */
static void *alloc_slow(struct dc_arena *a, size_t need)
{
    if (need > ARENA_MAX_BLOCK - BLOCK_HDR)
        return block_take(a, need);
    size_t size = a->next_block;
    while (size - BLOCK_HDR < need)
        size *= 2;
    unsigned char *p = block_take(a, size - BLOCK_HDR);
    if (!p)
        return NULL;
    a->next_block = size * 2 < ARENA_MAX_BLOCK ? size * 2 : ARENA_MAX_BLOCK;
    /* bump whichever block has more room left */
    size_t rest = size - BLOCK_HDR - need;
    if (rest > a->left) {
        a->pos = p + need;
        a->left = rest;
    }
    return p;
}

void *arena_alloc(struct dc_arena *a, size_t size)
{
    if (!a || size > ARENA_MAX_REQUEST)
        return NULL;
    size_t need = size == 0 ? ARENA_ALIGN : ROUND_UP(size);
    if (need > a->left)
        return alloc_slow(a, need);
    void *p = a->pos;
    a->pos += need;
    a->left -= need;
    return p;
}

void *arena_calloc(struct dc_arena *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    return arena_alloc(a, n * size);
}

char *arena_strdup(struct dc_arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *p = arena_alloc(a, len + 1);
    if (p)
        memcpy(p, s, len + 1);
    return p;
}

char *arena_strndup(struct dc_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    /* memchr stops at the first NUL: s need not be n bytes long */
    const char *end = memchr(s, '\0', n);
    size_t len = end ? (size_t)(end - s) : n;
    char *p = len < SIZE_MAX ? arena_alloc(a, len + 1) : NULL;
    if (p)
        memcpy(p, s, len);
    return p;
}

/* Formats straight into the current block when the result fits (one pass,
 * no copy); otherwise zeroes what was written there and formats again into
 * an allocation of the measured size. */
char *arena_printf(struct dc_arena *a, const char *fmt, ...)
{
    if (!a)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    size_t avail = a->left;
    /* va_start is right above: clang-tidy 14's analyzer loses it when the
     * same run has analyzed another file first */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    int n = vsnprintf((char *)a->pos, avail, fmt, ap);
    va_end(ap);
    char *p = NULL;
    if (n >= 0 && (size_t)n < avail) {
        /* n + 1 <= avail and avail is a multiple of ARENA_ALIGN */
        p = (char *)a->pos;
        size_t need = ROUND_UP((size_t)n + 1);
        a->pos += need;
        a->left -= need;
        return p;
    }
    /* vsnprintf wrote at most avail bytes of free space: zero it again */
    memset(a->pos, 0, avail);
    if (n >= 0)
        p = arena_alloc(a, (size_t)n + 1);
    if (p) {
        va_start(ap, fmt);
        // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
        int again = vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
        if (again != n)
            p = NULL; /* cannot happen with the same arguments */
    }
    return p;
}

bool arena_defer(struct dc_arena *a, void (*fn)(void *), void *p)
{
    if (!fn)
        return false;
    struct cleanup *c = a ? malloc(sizeof *c) : NULL;
    if (!c) {
        fn(p);
        return false;
    }
    c->fn = fn;
    c->p = p;
    c->next = a->cleanups;
    a->cleanups = c;
    a->bytes += sizeof *c;
    return true;
}

size_t arena_bytes(const struct dc_arena *a)
{
    return a ? a->bytes : 0;
}
