/*
 * util: allocation that aborts on exhaustion, a bump arena per document and
 * a capped growable buffer.  See util.h for why.
 */
#include "util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "minutesd: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Chunks grow geometrically so a large document costs few mallocs, but start
 * small so that a tiny one does not reserve megabytes. */
struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

struct arena {
    struct arena_chunk *head;
    size_t total;
};

/*
 * Chunks of finished arenas are kept, per thread, for the next document.
 * Every document's arena grows through the same few chunk sizes; handing
 * them back to malloc let glibc trim the heap after each document and the
 * next one fault the same pages in again (brk and page faults were 3 % of
 * the pipeline's time).  The cache is capped, so a 50 MB document's chunks
 * still go back to the system, and a thread's cache is freed when the
 * thread ends.
 */
#define ARENA_CACHE_BYTES ((size_t)4 << 20)
#define ARENA_CACHE_CHUNKS 16

struct arena_cache {
    struct arena_chunk *head;
    size_t bytes, n;
};

static _Thread_local struct arena_cache arena_cache;
static pthread_key_t arena_cache_key;
static struct once arena_cache_once = ONCE_INIT;

static void arena_cache_free(void *p)
{
    struct arena_cache *k = p;
    while (k->head) {
        struct arena_chunk *next = k->head->next;
        free(k->head);
        k->head = next;
    }
    k->bytes = k->n = 0;
}

static void arena_cache_init(void)
{
    if (pthread_key_create(&arena_cache_key, arena_cache_free) != 0)
        abort();
}

/* A cached chunk of at least size bytes, the smallest there is, or NULL. */
static struct arena_chunk *arena_cache_take(size_t size)
{
    struct arena_chunk **best = NULL;
    for (struct arena_chunk **c = &arena_cache.head; *c; c = &(*c)->next)
        if ((*c)->size >= size && (!best || (*c)->size < (*best)->size))
            best = c;
    if (!best)
        return NULL;
    struct arena_chunk *c = *best;
    *best = c->next;
    arena_cache.bytes -= c->size;
    arena_cache.n--;
    return c;
}

/* Keeps the chunk for this thread's next arena, or frees it. */
static void arena_cache_put(struct arena_chunk *c)
{
    if (arena_cache.n >= ARENA_CACHE_CHUNKS || c->size > ARENA_CACHE_BYTES - arena_cache.bytes) {
        free(c);
        return;
    }
    if (!arena_cache.head) {
        /* the key's destructor frees the cache when the thread ends */
        once_run(&arena_cache_once, arena_cache_init);
        pthread_setspecific(arena_cache_key, &arena_cache);
    }
    c->next = arena_cache.head;
    arena_cache.head = c;
    arena_cache.bytes += c->size;
    arena_cache.n++;
}

struct arena *arena_create(void)
{
    return xcalloc(1, sizeof(struct arena));
}

void arena_destroy(struct arena *a)
{
    if (!a)
        return;
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        arena_cache_put(c);
        c = next;
    }
    free(a);
}

void *arena_take(struct arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = c ? c->size * 2 : 16384;
        if (size > (size_t)8 << 20)
            size = (size_t)8 << 20;
        if (size < n)
            size = n;
        c = arena_cache_take(size);
        if (!c) {
            c = xmalloc(sizeof(*c) + size);
            c->size = size;
        }
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += c->size;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
    void *p = arena_take(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_take(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

void *arena_grow(struct arena *a, void *old, size_t old_n, size_t new_cap, size_t elem)
{
    unsigned char *p = arena_take(a, new_cap * elem);
    size_t keep = old ? (old_n < new_cap ? old_n : new_cap) * elem : 0;
    if (keep)
        memcpy(p, old, keep);
    memset(p + keep, 0, new_cap * elem - keep);
    return p;
}

size_t arena_bytes(const struct arena *a)
{
    return a ? a->total : 0;
}

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int buf_reserve(struct buf *b, size_t n)
{
    if (b->max && (n > b->max || b->len > b->max - n))
        return -1;
    size_t need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    return 0;
}

int buf_append_grow(struct buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof tmp)
        return buf_append(b, tmp, (size_t)n);
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

const char *buf_cstr(struct buf *b)
{
    if (!b->data)
        buf_append(b, "", 0);
    return b->data;
}

char *buf_steal(struct buf *b, size_t *len)
{
    buf_cstr(b);
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
