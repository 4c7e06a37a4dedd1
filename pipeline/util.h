/*
 * util: the few allocation and string primitives every pipeline module uses.
 *
 * Allocation failure aborts (xmalloc & co.): a pipeline that half-built a
 * model is worse than a crashed worker the daemon restarts, and checking
 * every small allocation buries the parsing logic.  Documents are bounded
 * before they reach the pipeline, so memory use is bounded too.
 *
 * An arena holds every string and array of one document so that the whole
 * model is freed in one go and parsing does not pay malloc per field.
 * A buf is a growable byte buffer with a hard cap (curl's dynbuf idea):
 * appends past the cap fail instead of growing without limit.
 */
#ifndef MINUTESD_UTIL_H
#define MINUTESD_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

struct arena;

struct arena *arena_create(void);
void arena_destroy(struct arena *a); /* NULL is a no-op */
void *arena_alloc(struct arena *a, size_t n);            /* zeroed, 16-aligned */
/* Not zeroed: for arrays the caller writes before it reads (a per-line
 * cache read only where a flag says it was filled), where zeroing costs
 * more than the rest of their use. */
void *arena_take(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Grows an array kept in the arena: returns a copy with room for new_cap
 * elements (the old block is simply abandoned to the arena). */
void *arena_grow(struct arena *a, void *old, size_t old_n, size_t new_cap, size_t elem);
size_t arena_bytes(const struct arena *a);

struct buf {
    char *data;   /* always NUL-terminated when len > 0 or after buf_cstr */
    size_t len;
    size_t cap;   /* allocated */
    size_t max;   /* hard limit on len; 0 = unlimited */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* 0 on success, -1 when the append would pass b->max (b is unchanged).
 * Inline for the common case, a few bytes into a buffer with room and no
 * limit (the JSON writer makes one call per key, quote and comma); the
 * rest (growth, the limit) is buf_append_grow. */
int buf_append_grow(struct buf *b, const void *p, size_t n);
static inline int buf_append(struct buf *b, const void *p, size_t n)
{
    if (!b->max && b->cap - b->len > n) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return buf_append_grow(b, p, n);
}
/* Room for n more bytes (and the NUL) past len, for a writer that fills
 * data directly and then sets len: 0, or -1 past b->max. */
int buf_reserve(struct buf *b, size_t n);
int buf_putc(struct buf *b, char c);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *buf_cstr(struct buf *b);
/* Hands the data to the caller (free()) and resets b. */
char *buf_steal(struct buf *b, size_t *len);

/* pthread_once behind an inline test of a flag set once the init has
 * run: the parsers' tables are built once and asked for per line, where a
 * call into pthread_once cost more than some of the lookups it guarded.
 * The release store after pthread_once returns, and the acquire load
 * before the tables are read, order the init's writes before any reader
 * that sees the flag. */
struct once {
    pthread_once_t once;
    atomic_bool done;
};
#define ONCE_INIT {PTHREAD_ONCE_INIT, false}
static inline void once_run(struct once *o, void (*init)(void))
{
    if (atomic_load_explicit(&o->done, memory_order_acquire))
        return;
    pthread_once(&o->once, init);
    atomic_store_explicit(&o->done, true, memory_order_release);
}

#endif
