/*
 * text: case folding and word matching for Danish UTF-8.  See text.h.
 */
#include "text.h"
#include "bytes.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


static inline unsigned char fold_ascii(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

void text_fold(char *dst, const char *s, size_t n)
{
    size_t i = 0;
    /* Eight ASCII bytes at a time (bytes_lower8); a chunk holding a
     * non-ASCII byte (æ, ø, å) is folded byte by byte below. */
    while (i < n) {
#if defined(__SSE2__)
        /* Sixteen bytes at a time, Danish letters included, when every
         * 0xC3 in the chunk has its continuation byte inside the chunk
         * (so the pairs are those the byte loop would make): A-Z and
         * U+00C0..U+00DE (but U+00D7) gain 0x20. */
        if (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i c3 = bytes_eq16(v, 0xC3);
            __m128i cont = bytes_eq16(_mm_and_si128(v, _mm_set1_epi8((char)0xC0)), 0x80);
            unsigned lone = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(_mm_srli_si128(cont, 1), c3));
            if (!lone) {
                __m128i upper = bytes_in16(v, 'A', 'Z');
                __m128i latin = _mm_and_si128(_mm_slli_si128(c3, 1),
                                              _mm_andnot_si128(bytes_eq16(v, 0x97), bytes_in16(v, 0x80, 0x9E)));
                v = _mm_or_si128(v, _mm_and_si128(_mm_or_si128(upper, latin), _mm_set1_epi8(0x20)));
                _mm_storeu_si128((__m128i *)(void *)(dst + i), v);
                i += 16;
                continue;
            }
        }
#endif
        if (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (!(v & BYTES_HIGHS)) {
                v = bytes_lower8(v);
                memcpy(dst + i, &v, 8);
                i += 8;
                continue;
            }
        }
        for (size_t stop = i + 8 < n ? i + 8 : n; i < stop; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == 0xC3 && i + 1 < n) {
                unsigned char d = (unsigned char)s[i + 1];
                dst[i] = (char)c;
                /* U+00C0..U+00DE upper-case (except U+00D7 multiplication sign) */
                dst[i + 1] = (char)(text_latin1_upper(d) ? d + 0x20 : d);
                i++;
                continue;
            }
            dst[i] = (char)fold_ascii(c);
        }
    }
}

size_t text_chars(const char *s, size_t n)
{
    size_t cont = 0, i = 0;
#if defined(__SSE2__)
    /* Sixteen bytes at a time, counted per lane (a match is -1, so
     * subtracting adds one) and summed once; the tail is the line's last
     * sixteen bytes with the lanes already counted masked out.  No byte
     * loop, whose exit mispredicted on every line. */
    if (n >= 16) {
        const __m128i c0 = _mm_set1_epi8((char)0xC0);
        while (i + 16 <= n) {
            __m128i acc = _mm_setzero_si128();
            for (size_t k = 0; k < 255 && i + 16 <= n; k++, i += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
                acc = _mm_sub_epi8(acc, bytes_eq16(_mm_and_si128(v, c0), 0x80));
            }
            if (i + 16 > n && i < n) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
                __m128i lane = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                __m128i fresh = _mm_cmpgt_epi8(lane, _mm_set1_epi8((char)(15 - (n - i)))); /* the last n - i lanes */
                acc = _mm_sub_epi8(acc, _mm_and_si128(fresh, bytes_eq16(_mm_and_si128(v, c0), 0x80)));
                i = n;
            }
            cont += bytes_sum16(acc);
        }
        return n - cont;
    }
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        /* one bit per continuation byte at bit 7 of its lane: sum the
         * lanes with a multiply (no popcount instruction needed) */
        uint64_t m = (v & ~(v << 1) & BYTES_HIGHS) >> 7;
        cont += (size_t)((m * BYTES_ONES) >> 56);
    }
    for (; i < n; i++)
        cont += ((unsigned char)s[i] & 0xC0) == 0x80;
    return n - cont;
}

bool text_fold_eq(const char *a, const char *b, size_t m, size_t cmp)
{
    size_t i = 0;
    if (cmp > m)
        cmp = m;
    while (i < cmp) {
        /* eight ASCII bytes of each, folded as text_fold does */
        if (i + 8 <= cmp) {
            uint64_t x, y;
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (!((x | y) & BYTES_HIGHS)) {
                if (bytes_lower8(x) != bytes_lower8(y))
                    return false;
                i += 8;
                continue;
            }
        }
        unsigned char c = (unsigned char)a[i], d = (unsigned char)b[i];
        if (c == 0xC3 && i + 1 < m) {
            /* text_fold pairs 0xC3 with the byte after it; where only one
             * side has 0xC3 here, the folded texts differ here */
            if (d != 0xC3)
                return false;
            if (i + 1 < cmp) {
                unsigned char e = (unsigned char)a[i + 1], f = (unsigned char)b[i + 1];
                e = (unsigned char)(text_latin1_upper(e) ? e + 0x20 : e);
                f = (unsigned char)(text_latin1_upper(f) ? f + 0x20 : f);
                if (e != f)
                    return false;
            }
            i += 2;
            continue;
        }
        if (fold_ascii(c) != fold_ascii(d))
            return false;
        i++;
    }
    return true;
}

bool text_is_word_at_high(const char *s, size_t n, size_t i)
{
    /* Find the lead byte of this sequence. */
    size_t j = i;
    while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80 && i - j < 3)
        j--;
    unsigned char l = (unsigned char)s[j];
    if (l == 0xE2 && j + 1 < n && ((unsigned char)s[j + 1] == 0x80 || (unsigned char)s[j + 1] == 0x81))
        return false; /* U+2000..U+207F: dashes, quotes, bullets */
    if (l == 0xC2)
        return false; /* U+0080..U+00BF: symbols (§, «, ») */
    if (l == 0xC3 && j + 1 < n && ((unsigned char)s[j + 1] == 0x97 || (unsigned char)s[j + 1] == 0xB7))
        return false; /* × ÷ */
    if (l == 0xEF && j + 1 < n && (unsigned char)s[j + 1] == 0xBF)
        return false; /* U+FFxx specials, replacement character */
    return true;
}

/* Compares s[i..] with the lower-case literal lit; returns the literal's
 * length on a match, 0 otherwise.  No strlen: the first differing byte ends
 * the comparison, which is almost always the first one.  A byte of s
 * matches the literal's when it is the same byte - a lower-case literal
 * has no capital for s to fold onto it - or its capital: ASCII, or
 * Latin-1 after a 0xC3 lead in s (not 0x97, the sign ×). */
static size_t match_lit(const char *s, size_t n, size_t i, const char *lit)
{
    size_t k = 0;
    for (; lit[k]; k++) {
        if (i + k >= n)
            return 0;
        unsigned char a = (unsigned char)s[i + k], b = (unsigned char)lit[k];
        if (a == b)
            continue;
        if (b >= 'a' && b <= 'z') {
            if (a + 32 != b)
                return 0;
        } else if (!(b >= 0xA0 && b <= 0xBE && b != 0xB7 && a == b - 0x20 && k > 0 &&
                     (unsigned char)s[i + k - 1] == 0xC3)) {
            return 0;
        }
    }
    return k;
}

size_t text_prefix_ci_len_rest(const char *s, size_t n, const char *lit)
{
    return match_lit(s, n, 0, lit);
}

bool text_eq_ci_rest(const char *s, size_t n, const char *lit)
{
    text_trim(&s, &n);
    while (n && (s[n - 1] == ':' || s[n - 1] == '.'))
        n--;
    text_trim(&s, &n);
    size_t m = match_lit(s, n, 0, lit);
    return m == n && (m != 0 || lit[0] == '\0');
}

/* Is lit (litn bytes) at s[i] as find_ci wants it: a word start, and for
 * whole also a word end? */
static bool ci_at(const char *s, size_t n, size_t i, const char *lit, size_t litn, bool whole)
{
    if (i > 0 && text_is_word_at(s, n, i - 1))
        return false;
    if (!match_lit(s, n, i, lit))
        return false;
    return !(whole && text_is_word_at(s, n, i + litn));
}

#if defined(__SSE2__)
/* The window the sixteen-starts-at-a-time searches take last: the text's
 * last seventeen bytes (sixteen starts and the byte after them), at
 * *base; or, for a shorter text, a zero-padded copy in pad, at 0. */
static const char *last_window(const char *s, size_t n, char pad[32], size_t *base)
{
    if (n >= 17) {
        *base = n - 17;
        return s + *base;
    }
    memset(pad, 0, 32);
    memcpy(pad, s, n);
    *base = 0;
    return pad;
}
#endif

static long find_ci(const char *s, size_t n, const char *lit, size_t litn, bool whole)
{
    if (litn == 0 || litn > n)
        return -1;
    const char *end = s + n - litn + 1; /* one past the last start that fits */
    size_t i = 0;
#if defined(__SSE2__)
    if (litn >= 2) {
        /* Sixteen starts at a time: a start is a candidate when its first
         * two bytes equal the literal's with bit 5 set on both sides - a
         * superset of the case-insensitive match, confirmed by ci_at.  Two
         * bytes, not one: callers look for words starting with common
         * letters in whole documents. */
        const __m128i b5 = _mm_set1_epi8(0x20);
        const __m128i f = _mm_set1_epi8((char)(lit[0] | 0x20)), g = _mm_set1_epi8((char)(lit[1] | 0x20));
        for (; i + 17 <= n && s + i < end; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i nx = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
            __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(v, b5), f), _mm_cmpeq_epi8(_mm_or_si128(nx, b5), g));
            for (unsigned m = (unsigned)_mm_movemask_epi8(hit); m; m &= m - 1) {
                size_t k = i + (size_t)__builtin_ctz(m);
                if (s + k >= end)
                    return -1;
                if (ci_at(s, n, k, lit, litn, whole))
                    return (long)k;
            }
        }
        if (s + i >= end)
            return -1;
        /* The starts left, in one last window: the text's last seventeen
         * bytes (or a padded copy of a shorter text), with the starts
         * already tried masked out - no memchr, which a short line paid
         * twice (both cases of the first letter). */
        size_t last = (size_t)(end - s), base;
        char pad[32];
        const char *w = last_window(s, n, pad, &base);
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)w);
        __m128i nx = _mm_loadu_si128((const __m128i *)(const void *)(w + 1));
        __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(v, b5), f), _mm_cmpeq_epi8(_mm_or_si128(nx, b5), g));
        unsigned m = (unsigned)_mm_movemask_epi8(hit) & (0xFFFFu << (i - base));
        if (last - base < 16)
            m &= (1u << (last - base)) - 1;
        for (; m; m &= m - 1) {
            size_t k = base + (size_t)__builtin_ctz(m);
            if (ci_at(s, n, k, lit, litn, whole))
                return (long)k;
        }
        return -1;
    }
#endif
    unsigned char first = (unsigned char)lit[0];
    unsigned char first_up = (first >= 'a' && first <= 'z') ? (unsigned char)(first - 32) : first;
    /* memchr finds the next candidate first byte (either case) at memory
     * speed; each position is remembered so that no byte is scanned twice */
    const char *a = memchr(s + i, first, (size_t)(end - (s + i)));
    const char *b = first_up != first ? memchr(s + i, first_up, (size_t)(end - (s + i))) : NULL;
    while (a || b) {
        const char *q = !a ? b : !b ? a : (a < b ? a : b);
        if (q == a)
            a = q + 1 < end ? memchr(q + 1, first, (size_t)(end - q - 1)) : NULL;
        else
            b = q + 1 < end ? memchr(q + 1, first_up, (size_t)(end - q - 1)) : NULL;
        if (ci_at(s, n, (size_t)(q - s), lit, litn, whole))
            return (long)(q - s);
    }
    return -1;
}

long text_find_word_ci_n(const char *s, size_t n, const char *lit, size_t litn)
{
    return find_ci(s, n, lit, litn, true);
}

long text_find_prefix_ci_n(const char *s, size_t n, const char *lit, size_t litn)
{
    return find_ci(s, n, lit, litn, false);
}

void text_quad_init(struct text_quad *q, const char *lit)
{
    q->val = q->mask = 0;
    for (size_t i = 0; i < 4 && lit[i]; i++) {
        q->val |= (uint32_t)(unsigned char)lit[i] << (8 * i);
        q->mask |= UINT32_C(0xFF) << (8 * i);
    }
    q->fold = q->val & UINT32_C(0x20202020);
}

/* The buckets lit belongs in: its own, or for a one-byte literal the 256
 * that its byte and any second byte give (a different bucket for each
 * second byte, as the bucket multiplies the first by an odd number). */
static void lits_place(const char *lit, void (*put)(unsigned b, void *arg), void *arg)
{
    char f[2] = {lit[0], lit[0] ? lit[1] : 0};
    if (lit[0] && !lit[1]) {
        for (unsigned y = 0; y < 256; y++) {
            f[1] = (char)y;
            put(text_lits_bucket(f), arg);
        }
        return;
    }
    put(text_lits_bucket(f), arg);
}

struct lits_fill {
    struct text_lits *ix;
    unsigned short next[256];
    unsigned char k;
};

static void lits_count(unsigned b, void *arg)
{
    struct text_lits *ix = arg;
    ix->at[b + 1]++;
}

static void lits_put(unsigned b, void *arg)
{
    struct lits_fill *f = arg;
    f->ix->k[f->next[b]++] = f->k;
}

void text_lits_init(struct text_lits *ix, const char *const *lits, size_t n)
{
    if (n > TEXT_LITS_MAX)
        abort();
    memset(ix, 0, sizeof *ix);
    for (size_t k = 0; k < n; k++)
        lits_place(lits[k], lits_count, ix);
    for (unsigned b = 0; b < 256; b++)
        ix->at[b + 1] = (unsigned short)(ix->at[b + 1] + ix->at[b]);
    if (ix->at[256] > TEXT_LITS_SLOTS)
        abort();
    struct lits_fill f = {.ix = ix};
    memcpy(f.next, ix->at, sizeof f.next);
    /* in table order: each bucket lists its entries as the table does */
    for (size_t k = 0; k < n; k++) {
        f.k = (unsigned char)k;
        lits_place(lits[k], lits_put, &f);
        text_quad_init(&ix->quad[k], lits[k]);
    }
}


void text_trim_punct(const char **s, size_t *n, const char *punct)
{
    text_trim(s, n);
    while (*n && strchr(punct, (*s)[*n - 1]))
        (*n)--;
    text_trim(s, n);
}

size_t text_count_words(const char *s, size_t n)
{
    size_t w = 0;
    bool in = false;
    for (size_t i = 0; i < n; i++) {
        bool blank = s[i] == ' ' || s[i] == '\t';
        if (!blank && !in)
            w++;
        in = !blank;
    }
    return w;
}

bool text_is_all_caps_rest(const char *s, size_t n)
{
    size_t upper = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'a' && c <= 'z')
            return false;
        if (c >= 'A' && c <= 'Z') {
            upper++;
            continue;
        }
        if (c < 0xC3)
            continue;
        if (text_is_lower_at(s, n, i))
            return false;
        if (text_is_upper_at(s, n, i))
            upper++;
    }
    return upper >= 2;
}

size_t text_next_digit(const char *s, size_t n, size_t i)
{
#if defined(__SSE2__)
    /* sixteen at a time where SSE2 is there */
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned m = (unsigned)_mm_movemask_epi8(bytes_in16(v, '0', '9'));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i + 8 <= n) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        /* on the low seven bits (no carry between lanes): bit 7 set in
         * x + 0x50 means x >= '0', clear in x + 0x46 means x <= '9';
         * bytes with bit 7 set are no digits */
        uint64_t x = v & ~BYTES_HIGHS;
        uint64_t d = (x + BYTES_ONES * (0x80 - '0')) & ~(x + BYTES_ONES * (0x80 - '9' - 1)) & ~v & BYTES_HIGHS;
        if (d) {
            /* the lowest lane first: memory order on a little-endian
             * machine; elsewhere scan the chunk byte by byte */
            for (size_t k = 0; k < 8; k++)
                if ((unsigned char)(s[i + k] - '0') <= 9)
                    return i + k;
        }
        i += 8;
    }
    for (; i < n; i++)
        if ((unsigned char)(s[i] - '0') <= 9)
            return i;
    return n;
}

size_t text_parse_uint(const char *s, size_t n, int *v)
{
    size_t i = 0;
    int x = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (x < INT_MAX / 10 - 10)
            x = x * 10 + (s[i] - '0');
        i++;
    }
    *v = x;
    return i;
}

/* Is a stem at s[i], a word start?  The stems in their order. */
static int stem_at(const char *s, size_t n, size_t i, const char *const *stems)
{
    if (!text_is_word_at(s, n, i) || (i > 0 && text_is_word_at(s, n, i - 1)))
        return -1;
    char f2[2];
    text_first2(s + i, n - i, f2);
    for (int k = 0; stems[k]; k++)
        if (text_first2_may_match(f2, stems[k]) && text_prefix_ci(s + i, n - i, stems[k]))
            return k;
    return -1;
}

void text_stems_init(struct text_stems *st, const char *const *stems)
{
    st->list = stems;
    st->n = 0;
    while (stems[st->n])
        st->n++;
    memset(st->first, 0, sizeof st->first);
    memset(st->second, 0, sizeof st->second);
    memset(st->any, 0, sizeof st->any);
    for (int k = 0; k < st->n && k < TEXT_STEMS_VECTOR; k++) {
        bool one = stems[k][1] == '\0';
        memset(st->first[k], stems[k][0] | 0x20, 16);
        memset(st->second[k], one ? 0xFF : stems[k][1] | 0x20, 16);
        memset(st->any[k], one ? 0xFF : 0, 16);
    }
}

#if defined(__SSE2__)
/* The positions in the sixteen starts at w whose first two bytes may begin
 * one of the stems, as a bit mask: each byte with bit 5 set, compared with
 * the stems' first two with bit 5 set - a superset of what text_first2 and
 * text_first2_may_match accept, which stem_at then decides. */
static unsigned stem_starts16(const char *w, const struct text_stems *st)
{
    const __m128i b5 = _mm_set1_epi8(0x20);
    __m128i v = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)w), b5);
    __m128i nx = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(w + 1)), b5);
    __m128i hit = _mm_setzero_si128();
    /* every slot, without a branch: an unused one's first byte is 0, which
     * no byte with bit 5 set equals; a one-byte stem's second is "any"
     * (0xFF, with nx ORed to 0xFF by the mask) */
    for (int k = 0; k < TEXT_STEMS_VECTOR; k++) {
        __m128i first = _mm_cmpeq_epi8(v, _mm_load_si128((const __m128i *)(const void *)st->first[k]));
        __m128i any = _mm_load_si128((const __m128i *)(const void *)st->any[k]);
        __m128i second = _mm_cmpeq_epi8(_mm_or_si128(nx, any), _mm_load_si128((const __m128i *)(const void *)st->second[k]));
        hit = _mm_or_si128(hit, _mm_and_si128(first, second));
    }
    return (unsigned)_mm_movemask_epi8(hit);
}
#endif

int text_stems_find(const struct text_stems *st, const char *s, size_t n)
{
    const char *const *stems = st->list;
#if defined(__SSE2__)
    /* Sixteen starts at a time, as find_ci: a start is looked at only when
     * its first two bytes may begin a stem, so a line of words that begin
     * no stem costs a few compares per sixteen bytes, not a branch at each
     * word's start and end.  The last starts take one more window: the
     * text's last seventeen bytes, or a padded copy of a shorter text. */
    if (st->n > 0 && st->n <= TEXT_STEMS_VECTOR && n >= 17 && n <= 65) {
        /* A short line, the usual question: four windows, the later ones
         * moved back to end at the last start that has a next byte, so
         * their number does not depend on the length (a loop over the
         * windows mispredicted its exit on most lines); their starts in
         * one mask, tried in order. */
        size_t last = n - 17;
        size_t o1 = last < 16 ? last : 16;
        uint64_t m = (uint64_t)stem_starts16(s, st) | (uint64_t)stem_starts16(s + o1, st) << o1;
        if (n > 33) {
            size_t o2 = last < 32 ? last : 32, o3 = last < 48 ? last : 48;
            m |= (uint64_t)stem_starts16(s + o2, st) << o2 | (uint64_t)stem_starts16(s + o3, st) << o3;
        }
        for (; m; m &= m - 1) {
            int k = stem_at(s, n, (size_t)__builtin_ctzll(m), stems);
            if (k >= 0)
                return k;
        }
        return stem_at(s, n, n - 1, stems);
    }
    if (st->n > 0 && st->n <= TEXT_STEMS_VECTOR) {
        size_t i = 0;
        for (; i + 17 <= n; i += 16)
            for (unsigned m = stem_starts16(s + i, st); m; m &= m - 1) {
                int k = stem_at(s, n, i + (size_t)__builtin_ctz(m), stems);
                if (k >= 0)
                    return k;
            }
        if (i >= n)
            return -1;
        size_t base;
        char pad[32];
        const char *w = last_window(s, n, pad, &base);
        unsigned m = stem_starts16(w, st) & (0xFFFFu << (i - base));
        if (n - base < 16)
            m &= (1u << (n - base)) - 1;
        for (; m; m &= m - 1) {
            int k = stem_at(s, n, base + (size_t)__builtin_ctz(m), stems);
            if (k >= 0)
                return k;
        }
        /* the last byte starts no window's sixteen when the text is longer
         * than one: a one-letter stem may start there */
        return n >= 17 ? stem_at(s, n, n - 1, stems) : -1;
    }
#endif
    for (size_t i = 0; i < n; i++) {
        int k = stem_at(s, n, i, stems);
        if (k >= 0)
            return k;
    }
    return -1;
}

int text_word_stem_any(const char *s, size_t n, const char *const *stems)
{
    struct text_stems st;
    text_stems_init(&st, stems);
    return text_stems_find(&st, s, n);
}

int text_lits_word(const struct text_lits *ix, const char *const *lits, const char *s, size_t n, size_t *len)
{
    struct text_lits_walk w;
    text_lits_begin(ix, s, n, &w);
    int k;
    while ((k = text_lits_next(ix, lits, s, n, &w, len)) >= 0)
        if (!text_is_word_at(s, n, *len))
            return k;
    return -1;
}

size_t text_count_words_upto(const char *s, size_t n, size_t limit)
{
    size_t w = 0;
    bool in = false;
    size_t i = 0;
    /* Eight bytes at a time: a word starts at a non-blank lane whose
     * previous lane (or the last byte of the chunk before) is blank.  The
     * headings and list lines this is asked about are short, so a branch
     * per byte cost more than the count. */
    for (; i + 8 <= n && w <= limit; i += 8) {
        uint64_t x = bytes_load8(s + i);
        uint64_t word = ~(bytes_eq8(x, ' ') | bytes_eq8(x, '\t')) & BYTES_HIGHS;
        uint64_t starts = word & ~((word << 8) | (in ? 0x80u : 0u));
        w += (size_t)(((starts >> 7) * BYTES_ONES) >> 56); /* lanes summed by a multiply */
        in = (word >> 63) != 0;
    }
    if (w > limit)
        return limit + 1;
    for (; i < n; i++) {
        bool blank = s[i] == ' ' || s[i] == '\t';
        if (!blank && !in && ++w > limit)
            return w;
        in = !blank;
    }
    return w;
}
