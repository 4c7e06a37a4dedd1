/*
 * wordskip: see wordskip.h.
 *
 * A block is 64 bytes; SSE2 (or AVX2, where the CPU has it: the same tests
 * on 32 lanes) turns it into one bit per byte for each class, and the rest
 * is arithmetic on those masks: a word start is a word byte after a
 * non-word byte, starts = W & ~(W << 1 | carry).  Numbers are work only
 * where a postcode may start, found by shifting the digit and blank masks.
 * The lower-case
 * starts (about half of all words) are then tested against the pair set:
 * with AVX2 and a listed set, every byte pair of the block at once by a
 * nibble lookup (PSHUFB); otherwise one by one, a table lookup each.  The scan stops at the first start that is not boring or at
 * a byte that ends a word without being a blank (0xC2, 0xE2: the byte loop
 * gives those their own treatment), and returns the position after the
 * last blank before it, where the byte loop's state is "after a blank".
 */
#include "wordskip.h"
#include "bytes.h"

#include <stdint.h>
#include <string.h>

enum wordskip_isa wordskip_best(void)
{
#if WORDSKIP_HAVE_AVX2
    if (bytes_avx2())
        return WORDSKIP_AVX2;
#endif
#if defined(__SSE2__)
    return WORDSKIP_SSE2;
#else
    return WORDSKIP_BYTES;
#endif
}

void wordskip_pairs_init(struct wordskip_pairs *p, const unsigned char *set, const unsigned char *quads)
{
    p->set = set;
    p->quads = quads;
    p->listed = true;
    p->n = 0;
    for (unsigned k = 0; k < 65536 && p->listed; k++) {
        if (!wordskip_bit(set, k))
            continue;
        if (p->n == WORDSKIP_PAIR_LIST) {
            p->listed = false;
            break;
        }
        p->first[p->n] = (unsigned char)(k >> 8);
        p->second[p->n] = (unsigned char)k;
        p->n++;
    }
    memset(p->nib, 0, sizeof p->nib);
    for (unsigned j = 0; p->listed && j < p->n; j++) {
        p->nib[0][p->first[j] & 15] |= (unsigned char)(1u << j);
        p->nib[1][p->first[j] >> 4] |= (unsigned char)(1u << j);
        p->nib[2][p->second[j] & 15] |= (unsigned char)(1u << j);
        p->nib[3][p->second[j] >> 4] |= (unsigned char)(1u << j);
    }
}

void wordskip_start(struct wordskip_cursor *c, const struct wordskip_pairs *pairs, const unsigned char *quads,
                    bool (*upper_boring)(const unsigned char *t, size_t len, size_t i), const unsigned char *t,
                    size_t len)
{
    c->isa = wordskip_best();
    c->pairs = pairs;
    c->quads = quads;
    c->upper_boring = upper_boring;
    c->t = t;
    c->len = len;
    c->block = SIZE_MAX;
    c->work = c->blank = 0;
}

void wordskip_use(struct wordskip_cursor *c, enum wordskip_isa isa)
{
    if (isa < c->isa)
        c->isa = isa;
}

#if defined(__SSE2__)

/* Without a branch: asked once a block, of whatever byte ends the block
 * before, it mispredicted one time in four. */
static unsigned word_byte(unsigned char c)
{
    return ((unsigned)(c - '0') < 10u) | ((unsigned)((c | 0x20) - 'a') < 26u) |
           ((c >= 0x80) & ((c & 0xDF) != 0xC2) & (c < 0xF5));
}

static inline uint64_t bits(__m128i m)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(m);
}

struct classes {
    uint64_t word, lower, upper, latin_lower, hard, digit, high, blank;
    uint64_t pair; /* a byte and the next are a listed pair (AVX2 only) */
};

/* The masks for the 16 bytes at s (s[16] readable), placed at bit k. */
static inline void classify16(const unsigned char *s, unsigned k, struct classes *c)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i nx = _mm_loadu_si128((const __m128i *)(const void *)(s + 1));
    __m128i alpha = bytes_in16(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    __m128i digit = bytes_in16(v, '0', '9');
    /* 0xC2 and 0xE2 differ only in bit 5 */
    __m128i hard = _mm_or_si128(bytes_eq16(_mm_and_si128(v, _mm_set1_epi8((char)0xDF)), 0xC2), bytes_in16(v, 0xF5, 0xFF));
    __m128i latin_lower = _mm_and_si128(bytes_eq16(v, 0xC3), bytes_in16(nx, 0x9F, 0xBF));
    /* a letter is lower case when bit 5 is set */
    __m128i bit5 = bytes_eq16(_mm_and_si128(v, _mm_set1_epi8(0x20)), 0x20);
    uint64_t h = bits(hard);
    /* a word byte: letter, digit, or a high byte that is not "hard" */
    c->word |= (bits(_mm_or_si128(alpha, digit)) | (bits(v) & ~h)) << k;
    c->lower |= bits(_mm_and_si128(alpha, bit5)) << k;
    c->upper |= bits(_mm_andnot_si128(bit5, alpha)) << k;
    c->latin_lower |= bits(latin_lower) << k;
    c->hard |= h << k;
    c->digit |= bits(digit) << k;
    c->high |= bits(v) << k;
    c->blank |= bits(_mm_or_si128(bytes_eq16(v, ' '), bytes_eq16(v, '\t'))) << k;
}

#if WORDSKIP_HAVE_AVX2
__attribute__((target("avx2"))) static inline uint64_t bits32(__m256i m)
{
    return (uint64_t)(unsigned)_mm256_movemask_epi8(m);
}

/*
 * classify16's masks, 32 bytes at a time.  Each byte's class comes from two
 * table lookups, one by its low nibble and one by its high nibble, ANDed:
 * a class is a bit set in both tables.  The classes are disjoint, and the
 * two halves of a class that needs two (the letters, the hard bytes, the
 * blanks) sit in adjacent bits, so one OR with the classes shifted by a
 * bit brings each pair into its upper bit for a movemask.  That replaces a
 * range test per class, and the constants for them, which did not fit the
 * registers and were rebuilt for every 32 bytes.
 */
enum {
    CL_C3 = 1 << 0,      /* lead of a Latin-1 letter (0xC3) */
    CL_DIGIT = 1 << 1,   /* 0-9 */
    CL_TAB = 1 << 2,     /* \t */
    CL_SPACE = 1 << 3,   /* ' ' */
    CL_F5FF = 1 << 4,    /* 0xF5..0xFF */
    CL_C2E2 = 1 << 5,    /* 0xC2, 0xE2 */
    CL_ALPHA0A = 1 << 6, /* 0x50..0x5A, 0x70..0x7A */
    CL_ALPHA1F = 1 << 7, /* 0x41..0x4F, 0x61..0x6F */
};

#define LO_(x)                                                                                                    \
    (char)(((x) >= 1 ? CL_ALPHA1F : 0) | ((x) <= 0xA ? CL_ALPHA0A : 0) | ((x) <= 9 ? CL_DIGIT : 0) |            \
           ((x) == 0 ? CL_SPACE : 0) | ((x) == 9 ? CL_TAB : 0) | ((x) == 2 ? CL_C2E2 : 0) |                       \
           ((x) >= 5 ? CL_F5FF : 0) | ((x) == 3 ? CL_C3 : 0))
#define HI_(h)                                                                                                    \
    (char)(((h) == 4 || (h) == 6 ? CL_ALPHA1F : 0) | ((h) == 5 || (h) == 7 ? CL_ALPHA0A : 0) |                    \
           ((h) == 3 ? CL_DIGIT : 0) | ((h) == 2 ? CL_SPACE : 0) | ((h) == 0 ? CL_TAB : 0) |                      \
           ((h) == 0xC || (h) == 0xE ? CL_C2E2 : 0) | ((h) == 0xF ? CL_F5FF : 0) | ((h) == 0xC ? CL_C3 : 0))
#define TAB16_(F) F(0), F(1), F(2), F(3), F(4), F(5), F(6), F(7), F(8), F(9), F(10), F(11), F(12), F(13), F(14), F(15)

__attribute__((target("avx2"), always_inline)) static inline void classify_avx2(const unsigned char *t,
                                                                              const struct wordskip_pairs *pl,
                                                                              struct classes *c)
{
    const __m256i lo_tab = _mm256_setr_epi8(TAB16_(LO_), TAB16_(LO_));
    const __m256i hi_tab = _mm256_setr_epi8(TAB16_(HI_), TAB16_(HI_));
    const __m256i lo = _mm256_set1_epi8(0x0F);
    __m256i nib[4];
    for (unsigned j = 0; j < 4; j++)
        nib[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)pl->nib[j]));
    uint64_t word = 0, lower = 0, upper = 0, latin_lower = 0, hard = 0, digit = 0, high = 0, blank = 0, pair = 0;
    for (unsigned k = 0; k < 64; k += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(t + k));
        __m256i nx = _mm256_loadu_si256((const __m256i *)(const void *)(t + k + 1));
        __m256i vlo = _mm256_and_si256(v, lo), vhi = _mm256_and_si256(_mm256_srli_epi16(v, 4), lo);
        __m256i cls = _mm256_and_si256(_mm256_shuffle_epi8(lo_tab, vlo), _mm256_shuffle_epi8(hi_tab, vhi));
        /* bit 2j+1 of each byte of y: class bit 2j or 2j+1 (bit 0 takes the
         * byte below's bit 7, and is not read) */
        __m256i y = _mm256_or_si256(cls, _mm256_slli_epi16(cls, 1));
        uint64_t alpha = bits32(y);
        uint64_t bit5 = bits32(_mm256_slli_epi16(v, 2));
        uint64_t h = bits32(_mm256_slli_epi16(y, 2));
        uint64_t hi = bits32(v);
        uint64_t dg = bits32(_mm256_slli_epi16(cls, 6));
        uint64_t c3 = bits32(_mm256_slli_epi16(cls, 7));
        word |= (alpha | dg | (hi & ~h)) << k;
        lower |= (alpha & bit5) << k;
        upper |= (alpha & ~bit5 & 0xFFFFFFFFu) << k;
        latin_lower |= (c3 & bits32(bytes_in32(nx, 0x9F, 0xBF))) << k;
        hard |= h << k;
        digit |= dg << k;
        high |= hi << k;
        blank |= bits32(_mm256_slli_epi16(y, 4)) << k;
        if (pl->listed) {
            /* each byte's nibbles pick the pairs it may begin or end, as
             * bits; a listed pair starts where both picks share a bit */
            __m256i a = _mm256_and_si256(_mm256_shuffle_epi8(nib[0], vlo), _mm256_shuffle_epi8(nib[1], vhi));
            __m256i z = _mm256_and_si256(_mm256_shuffle_epi8(nib[2], _mm256_and_si256(nx, lo)),
                                         _mm256_shuffle_epi8(nib[3], _mm256_and_si256(_mm256_srli_epi16(nx, 4), lo)));
            uint64_t none = bits32(_mm256_cmpeq_epi8(_mm256_and_si256(a, z), _mm256_setzero_si256()));
            pair |= (~none & 0xFFFFFFFFu) << k;
        }
    }
    c->word = word, c->lower = lower, c->upper = upper, c->latin_lower = latin_lower, c->hard = hard;
    c->digit = digit, c->high = high, c->blank = blank, c->pair = pair;
}
#undef LO_
#undef HI_
#undef TAB16_
#endif

/* What a classified block leaves for the scan: the work and blank masks
 * from the byte classes m of the block at c->t + b.  Inlined into each
 * classifier, so that the classes stay in registers. */
static inline __attribute__((always_inline)) void block_finish(struct wordskip_cursor *c, size_t b,
                                                               const struct classes *mp, bool listed)
{
    const struct classes m = *mp;
    const unsigned char *t = c->t + b;
    const struct wordskip_pairs *pl = c->pairs;
    uint64_t carry = b > 0 ? word_byte(t[-1]) : 0;
    uint64_t starts = m.word & ~((m.word << 1) | carry);
    /* a number needs the byte loop only where a postcode may start: four
     * digits, a blank, then a capital, a non-ASCII byte or another blank
     * ("8000 Aarhus"); the next block holds those bytes for starts from 59 */
    uint64_t d = m.digit;
    uint64_t postcode = d & (d >> 1) & (d >> 2) & (d >> 3) & (m.blank >> 4) &
                        ((m.upper | m.high | m.blank) >> 5);
    uint64_t work = (starts & ~(m.lower | m.upper | m.latin_lower | d)) |
                    (starts & d & (postcode | ~UINT64_C(0) << 59));
    uint64_t paired = 0;
    if (listed)
        paired = starts & m.lower & m.pair;
    else
        for (uint64_t low = starts & m.lower; low; low &= low - 1) {
            unsigned i = (unsigned)__builtin_ctzll(low);
            unsigned pair = (unsigned)t[i] << 8 | t[i + 1];
            /* no branch: a pair is rare, and a branch per start mispredicts */
            paired |= (uint64_t)wordskip_bit(pl->set, pair) << i;
        }
    /* the few paired starts: their quads decide, as in the byte loop */
    for (uint64_t h = pl->quads ? paired : 0; h; h &= h - 1) {
        unsigned i = (unsigned)__builtin_ctzll(h);
        uint32_t q;
        if (b + i + 4 <= c->len && wordskip_ascii_quad(t + i, &q) && !wordskip_bit(pl->quads, wordskip_quad_hash(q)))
            paired &= ~(UINT64_C(1) << i);
    }
    work |= paired;
    for (uint64_t up = starts & m.upper; up; up &= up - 1) {
        unsigned i = (unsigned)__builtin_ctzll(up);
        uint32_t q;
        if (c->quads && b + i + 4 <= c->len && wordskip_ascii_quad(t + i, &q)) {
            /* the usual capital, without a call */
            work |= (uint64_t)wordskip_bit(c->quads, wordskip_quad_hash(q)) << i;
        } else if (!c->upper_boring(c->t, c->len, b + i)) {
            work |= UINT64_C(1) << i;
        }
    }
    c->block = b;
    c->work = work | m.hard;
    c->blank = ~m.word & ~m.hard;
}

#if WORDSKIP_HAVE_AVX2
__attribute__((target("avx2"))) static void classify_block_avx2(struct wordskip_cursor *c, size_t b)
{
    struct classes m;
    classify_avx2(c->t + b, c->pairs, &m);
    block_finish(c, b, &m, c->pairs->listed);
}
#endif

/* The masks of the block at c->t + b (b + 64 < c->len). */
static void classify_block(struct wordskip_cursor *c, size_t b)
{
#if WORDSKIP_HAVE_AVX2
    if (c->isa == WORDSKIP_AVX2) {
        classify_block_avx2(c, b);
        return;
    }
#endif
    struct classes m = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (unsigned k = 0; k < 64; k += 16)
        classify16(c->t + b + k, k, &m);
    block_finish(c, b, &m, false);
}

size_t wordskip_next(struct wordskip_cursor *c, size_t p, size_t *stop)
{
    size_t q = p;
    size_t b = p - p % 64;
    if (c->isa == WORDSKIP_BYTES) {
        *stop = c->len;
        return p;
    }
    unsigned off = (unsigned)(p - b);

    for (; b + 64 < c->len; b += 64, off = 0) {
        if (c->block != b)
            classify_block(c, b);
        uint64_t from = ~UINT64_C(0) << off;
        uint64_t work = c->work & from, blank = c->blank & from;
        if (work) {
            unsigned f = (unsigned)__builtin_ctzll(work);
            uint64_t before = blank & ((UINT64_C(1) << f) - 1);
            if (before)
                q = b + 64 - (size_t)__builtin_clzll(before);
            *stop = b + f;
            return q;
        }
        if (blank)
            q = b + 64 - (size_t)__builtin_clzll(blank);
    }
    *stop = c->len;
    return q;
}

#else

size_t wordskip_next(struct wordskip_cursor *c, size_t p, size_t *stop)
{
    *stop = c->len;
    return p;
}

#endif
