/*
 * model: lifetime of a document model and its JSON form.
 *
 * The JSON is written by hand rather than through jansson: the model is a
 * fixed shape, the writer is a few dozen lines, and building a jansson tree
 * only to serialise it would cost more than parsing the document did (the
 * pipeline's throughput target includes the JSON).  The input is valid UTF-8
 * (decode guarantees it), so escaping only has to handle quotes, backslashes
 * and control characters.
 */
#include "model.h"
#include "bytes.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct md_doc *model_create(void)
{
    struct md_doc *doc = xcalloc(1, sizeof *doc);
    doc->arena = arena_create();
    doc->kind = "agenda";
    doc->layout = "generic";
    return doc;
}

void model_destroy(struct md_doc *doc)
{
    if (!doc)
        return;
    free(doc->text);
    arena_destroy(doc->arena);
    free(doc);
}

char *model_strndup(struct md_doc *doc, const char *s, size_t n)
{
    return arena_strndup(doc->arena, s, n);
}

char *model_strdup(struct md_doc *doc, const char *s)
{
    return arena_strdup(doc->arena, s);
}

/* Doubling growth inside the arena; the abandoned blocks are at most as
 * large as the final one, so the waste is bounded by 2x. */
#define GROW(doc, arr, n, cap)                                                       \
    do {                                                                             \
        if ((n) == (cap)) {                                                          \
            size_t nc_ = (cap) ? (cap) * 2 : 8;                                      \
            (arr) = arena_grow((doc)->arena, (arr), (n), nc_, sizeof *(arr));        \
            (cap) = nc_;                                                             \
        }                                                                            \
    } while (0)

struct md_item *model_add_item(struct md_doc *doc)
{
    GROW(doc, doc->items, doc->nitems, doc->capitems);
    struct md_item *it = &doc->items[doc->nitems++];
    memset(it, 0, sizeof *it);
    it->is_public = MD_UNKNOWN;
    it->duration_minutes = -1;
    it->line = -1;
    return it;
}

struct md_participant *model_add_participant(struct md_doc *doc)
{
    GROW(doc, doc->participants, doc->nparticipants, doc->capparticipants);
    struct md_participant *p = &doc->participants[doc->nparticipants++];
    memset(p, 0, sizeof *p);
    p->present = true;
    return p;
}

struct md_section *model_item_add_section(struct md_doc *doc, struct md_item *it)
{
    GROW(doc, it->sections, it->nsections, it->capsections);
    struct md_section *s = &it->sections[it->nsections++];
    memset(s, 0, sizeof *s);
    return s;
}

struct md_attachment *model_item_add_attachment(struct md_doc *doc, struct md_item *it)
{
    GROW(doc, it->attachments, it->nattachments, it->capattachments);
    struct md_attachment *a = &it->attachments[it->nattachments++];
    memset(a, 0, sizeof *a);
    return a;
}

struct md_amount *model_item_add_amount(struct md_doc *doc, struct md_item *it)
{
    GROW(doc, it->amounts, it->namounts, it->capamounts);
    struct md_amount *a = &it->amounts[it->namounts++];
    memset(a, 0, sizeof *a);
    return a;
}

void model_item_add_absent(struct md_doc *doc, struct md_item *it, const char *name)
{
    for (size_t i = 0; i < it->nabsent; i++)
        if (strcmp(it->absent[i], name) == 0)
            return;
    GROW(doc, it->absent, it->nabsent, it->capabsent);
    it->absent[it->nabsent++] = model_strdup(doc, name);
}

void model_add_issue(struct md_doc *doc, const char *severity, const char *code,
                     int item, int line, const char *fmt, ...)
{
    /* A hostile document could raise an issue per line; a few hundred say
     * everything a person will read, and the cap keeps the model small. */
    if (doc->nissues >= 200 && strcmp(severity, "error") != 0)
        return;
    GROW(doc, doc->issues, doc->nissues, doc->capissues);
    struct md_issue *is = &doc->issues[doc->nissues++];
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    is->severity = severity;
    is->code = code;
    is->message = model_strdup(doc, msg);
    is->item = item;
    is->line = line;
}

size_t model_count_issues(const struct md_doc *doc, const char *severity)
{
    size_t n = 0;
    for (size_t i = 0; i < doc->nissues; i++)
        if (strcmp(doc->issues[i].severity, severity) == 0)
            n++;
    return n;
}

/* ---- JSON ---------------------------------------------------------------- */

struct jw {
    struct buf *out;
    bool pretty;
    int depth;
    bool first;   /* no member written yet at this depth */
    int err;
};

/* Inline: most writes are a few constant bytes, which then cost a store
 * rather than a call to memcpy. */
static inline void jw_raw(struct jw *w, const char *s, size_t n)
{
    if (!w->err && buf_append(w->out, s, n) < 0)
        w->err = -1;
}

/* Writes the escape for byte c (a control, quote or backslash) at o;
 * returns the end. */
static char *put_escape(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    o[0] = '\\';
    switch (c) {
    case '"': o[1] = '"'; return o + 2;
    case '\\': o[1] = '\\'; return o + 2;
    case '\n': o[1] = 'n'; return o + 2;
    case '\t': o[1] = 't'; return o + 2;
    default:
        o[1] = 'u', o[2] = '0', o[3] = '0', o[4] = hex[c >> 4], o[5] = hex[c & 15];
        return o + 6;
    }
}

static void jw_escape(struct jw *w, unsigned char c)
{
    char e[6];
    jw_raw(w, e, (size_t)(put_escape(e, c) - e));
}

/* Does any of the first w (4 or 8) bytes of v (little-endian) need an
 * escape: a control byte, a quote or a backslash?  bytes.h's lane tests,
 * the lanes past w left out. */
static inline bool swar_escapes(uint64_t v, size_t w)
{
    uint64_t live = w == 8 ? BYTES_HIGHS : UINT64_C(0x80808080);
    return ((bytes_ctl8(v) | bytes_eq8(v, '"') | bytes_eq8(v, '\\')) & live) != 0;
}

#if defined(__SSE2__)
static inline unsigned escapes16(__m128i v)
{
    return (unsigned)_mm_movemask_epi8(
        _mm_or_si128(bytes_in16(v, 0, 0x1F), _mm_or_si128(bytes_eq16(v, '"'), bytes_eq16(v, '\\'))));
}

/* The largest string written straight into the buffer: room is reserved
 * for the worst case, six bytes out for each in. */
#define JW_DIRECT_MAX 65536

/*
 * A string of n <= JW_DIRECT_MAX bytes, quoted and escaped, written at o,
 * which has room for the worst case (JW_STR_ROOM): each sixteen bytes are
 * stored as they are and an escape, where there is one, written over the
 * store from its lane on - no copy call per run between escapes, which a
 * section's line breaks make one per line.  The last sixteen overlap the
 * ones before; as long as those held no escape, the output under them is
 * the same bytes, else the byte loop ends the string.  Returns the end.
 */
#define JW_STR_ROOM(n) (6 * (n) + 2 + 16)

#if BYTES_HAVE_AVX2
static int use_avx2 = BYTES_AVX2_SWITCH_INIT;

bool model_json_use_avx2(bool on)
{
    return bytes_avx2_switch_set(&use_avx2, on);
}

/* escapes16 on 32 lanes */
__attribute__((target("avx2"))) static inline unsigned escapes32(__m256i v)
{
    return (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
        bytes_in32(v, 0, 0x1F),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')))));
}

/* put_str's loop on 32 lanes, while 32 bytes are left: a section's lines
 * (a line break each) take half the steps.  Returns the end of the output
 * and advances *i; the 16-lane loop does the rest.  Each store stays in
 * the room: 32 bytes at o while 32 or more are still to come, of which
 * the worst case reserves six each. */
__attribute__((target("avx2"))) static char *put_run_avx2(char *o, const char *s, size_t n, size_t *i)
{
    size_t at = *i;
    while (at + 32 <= n) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + at));
        unsigned m = escapes32(v);
        _mm256_storeu_si256((__m256i *)(void *)o, v);
        if (!m) {
            o += 32;
            at += 32;
            continue;
        }
        unsigned k = (unsigned)__builtin_ctz(m);
        o = put_escape(o + k, (unsigned char)s[at + k]);
        at += k + 1;
    }
    *i = at;
    return o;
}
#endif

static char *put_str(char *o, const char *s, size_t n)
{
    size_t i = 0;
    *o++ = '"';
#if BYTES_HAVE_AVX2
    if (n >= 32 && bytes_avx2_switch_on(&use_avx2))
        o = put_run_avx2(o, s, n, &i);
#endif
    while (n >= 16 && i < n) {
        size_t base = i + 16 <= n ? i : n - 16;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + base));
        unsigned m = escapes16(v), done = (1u << (i - base)) - 1;
        if (m & done)
            break; /* an escape among the overlapped bytes */
        m &= ~done;
        char *ob = o - (i - base);
        _mm_storeu_si128((__m128i *)(void *)ob, v);
        if (!m) {
            o = ob + 16;
            i = base + 16;
            continue;
        }
        unsigned k = (unsigned)__builtin_ctz(m);
        o = put_escape(ob + k, (unsigned char)s[base + k]);
        i = base + k + 1;
    }
    if (n < 16 && n >= 4) {
        /* a short string (a key, a name, a date) in two overlapping loads
         * of eight or four bytes, when it needs no escape: no byte loop,
         * whose exit mispredicted once a string */
        size_t w = n >= 8 ? 8 : 4;
        uint64_t a = 0, z = 0;
        memcpy(&a, s, w);
        memcpy(&z, s + n - w, w);
        if (!swar_escapes(a, w) && !swar_escapes(z, w)) {
            memcpy(o, &a, w);
            memcpy(o + n - w, &z, w);
            o += n;
            i = n;
        }
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            *o++ = (char)c;
        else
            o = put_escape(o, c);
    }
    *o++ = '"';
    return o;
}

/* Room for need more bytes at the end of w's output: where to write them,
 * or NULL - after an error, or past the buffer's limit, where the caller
 * takes the append-by-append path that stops at the limit as it always
 * did. */
static inline char *jw_room(struct jw *w, size_t need)
{
    struct buf *b = w->out;
    if (w->err)
        return NULL;
    if ((b->max || b->cap - b->len <= need) && buf_reserve(b, need) < 0)
        return NULL;
    return b->data + b->len;
}

/* The writer's output ends at o now. */
static inline void jw_commit(struct jw *w, char *o)
{
    w->out->len = (size_t)(o - w->out->data);
    w->out->data[w->out->len] = '\0';
}

/* s (n <= JW_DIRECT_MAX) straight into the buffer; false when there is no
 * room for the worst case within its limit. */
static bool jw_str_direct(struct jw *w, const char *s, size_t n)
{
    char *o = n <= JW_DIRECT_MAX ? jw_room(w, JW_STR_ROOM(n)) : NULL;
    if (!o)
        return false;
    jw_commit(w, put_str(o, s, n));
    return true;
}
#endif

#if !BYTES_HAVE_AVX2
bool model_json_use_avx2(bool on)
{
    (void)on;
    return false;
}
#endif

static void jw_str(struct jw *w, const char *s)
{
    if (!s) {
        jw_raw(w, "null", 4);
        return;
    }
    size_t n = strlen(s), run = 0, i = 0;
#if defined(__SSE2__)
    if (w->err || jw_str_direct(w, s, n))
        return;
#endif
    jw_raw(w, "\"", 1);
#if defined(__SSE2__)
    /* Sixteen bytes at a time: the bytes to escape come as a bit mask, so
     * a section's line breaks (one every line) cost a bit each, not a trip
     * through a byte loop.  The last partial block is the string's last
     * sixteen bytes (or a padded copy of a short string), with the lanes
     * already done masked out: no byte loop at all. */
    for (;;) {
        __m128i v;
        size_t base;
        unsigned keep;
        if (i + 16 <= n) {
            v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            base = i;
            keep = 0xFFFF;
        } else if (i == n) {
            break;
        } else if (n >= 16) {
            base = n - 16;
            v = _mm_loadu_si128((const __m128i *)(const void *)(s + base));
            keep = 0xFFFFu & ~((1u << (i - base)) - 1);
        } else {
            char pad[16] = {0};
            memcpy(pad, s, n);
            v = _mm_loadu_si128((const __m128i *)(const void *)pad);
            base = 0;
            keep = (1u << n) - 1;
        }
        for (unsigned m = escapes16(v) & keep; m; m &= m - 1) {
            size_t k = base + (size_t)__builtin_ctz(m);
            jw_raw(w, s + run, k - run);
            jw_escape(w, (unsigned char)s[k]);
            run = k + 1;
        }
        i = base + 16 < n ? base + 16 : n;
    }
#else
    while (i < n) {
        /* eight plain bytes at a time (no control byte, quote or
         * backslash among them), within the string's length */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (swar_escapes(v, 8))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        jw_raw(w, s + run, i - run);
        run = ++i;
        jw_escape(w, c);
    }
#endif
    jw_raw(w, s + run, n - run);
    jw_raw(w, "\"", 1);
}

static void jw_indent(struct jw *w)
{
    if (!w->pretty)
        return;
    jw_raw(w, "\n", 1);
    for (int i = 0; i < w->depth; i++)
        jw_raw(w, "  ", 2);
}

static void jw_sep(struct jw *w)
{
    if (!w->first)
        jw_raw(w, ",", 1);
    w->first = false;
    jw_indent(w);
}

/* Keys are the model's own field names, plain ASCII: no escaping.  They
 * are string literals, so the macros below pass their length as a
 * constant (`k ""` does not compile for anything else) and the key is
 * written with the quotes and colon in one append. */
#define JW_KEYLEN(k) (sizeof(k "") - 1)

static inline __attribute__((always_inline)) void jw_key_n(struct jw *w, const char *k, size_t kn)
{
    char tmp[64];
    if (kn > sizeof tmp - 4)
        abort(); /* a field name this long is a defect; kn is a constant, so this folds away */
    jw_sep(w);
    tmp[0] = '"';
    memcpy(tmp + 1, k, kn);
    memcpy(tmp + 1 + kn, "\": ", 3);
    jw_raw(w, tmp, kn + (w->pretty ? 4 : 3));
}
#define jw_key(w, k) jw_key_n(w, k, JW_KEYLEN(k))

static void jw_open(struct jw *w, char c)
{
    jw_raw(w, &c, 1);
    w->depth++;
    w->first = true;
}

static void jw_close(struct jw *w, char c)
{
    w->depth--;
    if (!w->first)
        jw_indent(w);
    jw_raw(w, &c, 1);
    w->first = false;
}

/* A key and its string: with SSE2 and room in the buffer for the worst
 * case, the separator, key and string in one reservation and no call but
 * strlen - the writer's common case, once per field of the model. */
static inline __attribute__((always_inline)) void jw_kstr_vn(struct jw *w, const char *k, size_t kn, const char *v,
                                                              size_t n)
{
#if defined(__SSE2__)
    if (v && n <= JW_DIRECT_MAX) {
        size_t indent = w->pretty ? 1 + 2 * (size_t)w->depth : 0;
        char *o = jw_room(w, 1 + indent + kn + 4 + JW_STR_ROOM(n));
        if (o) {
            if (!w->first)
                *o++ = ',';
            w->first = false;
            if (w->pretty) {
                *o++ = '\n';
                memset(o, ' ', indent - 1);
                o += indent - 1;
            }
            *o++ = '"';
            memcpy(o, k, kn);
            memcpy(o + kn, "\": ", 3);
            o += kn + (w->pretty ? 3 : 2);
            jw_commit(w, put_str(o, v, n));
            return;
        }
    }
#endif
    (void)n;
    jw_key_n(w, k, kn);
    jw_str(w, v);
}
/* v and its length, when the model keeps it (n is not read for NULL) */
#define jw_kstrn(w, k, v, n) jw_kstr_vn(w, k, JW_KEYLEN(k), v, n)
#define jw_kstr(w, k, v)                                                                                           \
    do {                                                                                                           \
        const char *v_ = (v);                                                                                      \
        jw_kstr_vn(w, k, JW_KEYLEN(k), v_, v_ ? strlen(v_) : 0);                                                   \
    } while (0)

/* Decimal digits by hand: snprintf's format parsing cost more than the
 * rest of writing the number. */
static void jw_int(struct jw *w, long long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        tmp[--i] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        tmp[--i] = '-';
    jw_raw(w, tmp + i, sizeof tmp - i);
}

static inline __attribute__((always_inline)) void jw_kint_n(struct jw *w, const char *k, size_t kn, long long v,
                                                           bool null_if_neg)
{
    jw_key_n(w, k, kn);
    if (null_if_neg && v < 0)
        jw_raw(w, "null", 4);
    else
        jw_int(w, v);
}
#define jw_kint(w, k, v, null_if_neg) jw_kint_n(w, k, JW_KEYLEN(k), v, null_if_neg)

static inline __attribute__((always_inline)) void jw_kbool_n(struct jw *w, const char *k, size_t kn, enum md_tri v)
{
    jw_key_n(w, k, kn);
    if (v == MD_UNKNOWN)
        jw_raw(w, "null", 4);
    else if (v == MD_TRUE)
        jw_raw(w, "true", 4);
    else
        jw_raw(w, "false", 5);
}
#define jw_kbool(w, k, v) jw_kbool_n(w, k, JW_KEYLEN(k), v)

static void json_item(struct jw *w, const struct md_item *it)
{
    jw_sep(w);
    jw_open(w, '{');
    jw_kint(w, "number", it->number, false);
    jw_kstr(w, "label", it->label);
    jw_kstr(w, "title", it->title);
    jw_kstr(w, "kind", it->kind);
    jw_kbool(w, "public", it->is_public);
    jw_kstr(w, "case_ref", it->case_ref);
    jw_kstr(w, "doc_ref", it->doc_ref);
    jw_kint(w, "duration_minutes", it->duration_minutes, true);
    jw_key(w, "sections");
    jw_open(w, '[');
    for (size_t i = 0; i < it->nsections; i++) {
        const struct md_section *s = &it->sections[i];
        jw_sep(w);
        jw_open(w, '{');
        jw_kstr(w, "key", s->key);
        jw_kstr(w, "heading", s->heading);
        jw_kstrn(w, "text", s->text, s->text_len);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_kstr(w, "recommendation", it->recommendation);
    jw_key(w, "decision");
    if (it->decision_text) {
        jw_open(w, '{');
        jw_kstr(w, "text", it->decision_text);
        jw_kstr(w, "outcome", it->outcome);
        jw_close(w, '}');
    } else {
        jw_raw(w, "null", 4);
    }
    jw_key(w, "absent");
    jw_open(w, '[');
    for (size_t i = 0; i < it->nabsent; i++) {
        jw_sep(w);
        jw_str(w, it->absent[i]);
    }
    jw_close(w, ']');
    jw_key(w, "attachments");
    jw_open(w, '[');
    for (size_t i = 0; i < it->nattachments; i++) {
        jw_sep(w);
        jw_open(w, '{');
        jw_kstr(w, "title", it->attachments[i].title);
        jw_kstr(w, "doc_ref", it->attachments[i].doc_ref);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_key(w, "amounts");
    jw_open(w, '[');
    for (size_t i = 0; i < it->namounts; i++) {
        jw_sep(w);
        jw_open(w, '{');
        jw_kint(w, "dkk", it->amounts[i].dkk, false);
        jw_kstr(w, "text", it->amounts[i].text);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

static void json_issues(struct jw *w, const struct md_doc *doc)
{
    jw_open(w, '[');
    for (size_t i = 0; i < doc->nissues; i++) {
        const struct md_issue *is = &doc->issues[i];
        jw_sep(w);
        jw_open(w, '{');
        jw_kstr(w, "severity", is->severity);
        jw_kstr(w, "code", is->code);
        jw_kstr(w, "message", is->message);
        jw_kint(w, "item", is->item, true);
        jw_kint(w, "line", is->line, true);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

int model_issues_json(const struct md_doc *doc, struct buf *out)
{
    struct jw w = {.out = out, .first = true};
    json_issues(&w, doc);
    return w.err;
}

int model_json(const struct md_doc *doc, struct buf *out, bool pretty)
{
    struct jw w = {.out = out, .pretty = pretty, .first = true};
    const struct md_meeting *m = &doc->meeting;

    jw_open(&w, '{');
    jw_kstr(&w, "schema", MD_SCHEMA);
    jw_key(&w, "source");
    jw_open(&w, '{');
    jw_kstr(&w, "name", doc->source_name);
    jw_kstr(&w, "uri", doc->source_uri);
    jw_kstr(&w, "sha256", doc->sha256);
    jw_kint(&w, "bytes", (long long)doc->source_bytes, false);
    jw_kstr(&w, "encoding", doc->encoding);
    jw_close(&w, '}');
    jw_kstr(&w, "kind", doc->kind);
    jw_kstr(&w, "layout", doc->layout);
    jw_kstr(&w, "title", doc->title);

    jw_key(&w, "meeting");
    jw_open(&w, '{');
    jw_kstr(&w, "body", m->body);
    jw_kstr(&w, "cluster", m->cluster);
    jw_kstr(&w, "level", m->level);
    jw_kstr(&w, "region", m->region);
    jw_kstr(&w, "date", m->date);
    jw_kstr(&w, "start", m->start);
    jw_kstr(&w, "end", m->end);
    jw_kstr(&w, "location", m->location);
    jw_kstr(&w, "chair", m->chair);
    jw_kbool(&w, "extraordinary", m->extraordinary ? MD_TRUE : MD_FALSE);
    jw_close(&w, '}');

    jw_key(&w, "participants");
    jw_open(&w, '[');
    for (size_t i = 0; i < doc->nparticipants; i++) {
        const struct md_participant *p = &doc->participants[i];
        jw_sep(&w);
        jw_open(&w, '{');
        jw_kstr(&w, "name", p->name);
        jw_kstr(&w, "role", p->role);
        jw_kstr(&w, "organization", p->organization);
        jw_kstr(&w, "party", p->party);
        jw_kstr(&w, "group", p->group);
        jw_kbool(&w, "present", p->present ? MD_TRUE : MD_FALSE);
        jw_kstr(&w, "note", p->note);
        jw_close(&w, '}');
    }
    jw_close(&w, ']');

    jw_key(&w, "items");
    jw_open(&w, '[');
    for (size_t i = 0; i < doc->nitems; i++)
        json_item(&w, &doc->items[i]);
    jw_close(&w, ']');

    jw_key(&w, "issues");
    json_issues(&w, doc);
    jw_close(&w, '}');
    if (pretty)
        jw_raw(&w, "\n", 1);
    return w.err;
}
