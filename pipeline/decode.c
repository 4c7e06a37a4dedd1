/*
 * decode: raw document bytes -> normalised UTF-8 (see decode.h for the why).
 *
 * Sniffing order is: size limit, BOMs, BOM-less UTF-16, binary, strict UTF-8,
 * Windows-1252, ISO-8859-1.  UTF-8 goes before the legacy encodings because a
 * legacy file is practically never valid UTF-8 by accident, whereas every
 * byte string is "valid" ISO-8859-1, so that one can only be the last resort.
 *
 * The UTF-8 path validates and normalises in the same pass (normalise()),
 * with a fast path for clean runs (printable ASCII and two-byte Latin-1
 * letters) that takes 32 bytes at a time with AVX2 where the CPU has it,
 * 16 with SSE2, 8 elsewhere, into a buffer of the
 * input's size: normalising valid UTF-8 never makes it longer.  Legacy and
 * UTF-16 inputs are converted by iconv first and then normalised in place by
 * the same function, so every encoding gets exactly the same clean-up.
 *
 * One iconv_t per call keeps decode_text thread-safe without locks.
 *
 * Binary data is caught twice: a sniff of the first 64 KiB before any work
 * (a 50 MB image is rejected cheaply), and the control/NUL counts that the
 * normalising pass gathers for free over the whole text (junk after the
 * sniffed prefix is still seen).
 */
#include "decode.h"
#include "bytes.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#define SNIFF_BINARY_BYTES (64u * 1024u)
#define SNIFF_NUL_BYTES (4u * 1024u)
#define SNIFF_UTF16_BYTES (4u * 1024u)

/* C0 controls that are ordinary text layout, never a sign of binary data. */
#define TEXT_CONTROLS ((1u << '\t') | (1u << '\n') | (1u << '\r') | (1u << '\f'))

struct counts {
    size_t nul;      /* NUL characters dropped */
    size_t ctrl;     /* C0 controls other than TAB, LF, CR, FF; NUL included */
    size_t replaced; /* invalid sequences replaced with U+FFFD */
};

/* Internal results of the iconv helper, kept apart from enum decode_error. */
enum { CONV_OK = 0, CONV_EILSEQ = 1, CONV_EOPEN = 2 };

enum utf16_guess { GUESS_NONE, GUESS_LE, GUESS_BE };

/* The lane holding the next byte in memory, and the previous one. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NEXT_LANE(m) ((m) << 8)
#define PREV_LANE(m) ((m) >> 8)
#else
#define NEXT_LANE(m) ((m) >> 8)
#define PREV_LANE(m) ((m) << 8)
#endif

/*
 * Bit 7 set in each byte lane of x that needs the byte-wise path: a byte
 * >= 0x80 that is not part of a two-byte U+00C0..U+00FF letter (0xC3 and a
 * continuation byte, both in x: Danish has one every few words, and they
 * are copied as they are), or a control character other than line feed and
 * tab.  Exact per lane: the first flagged lane is the first byte that needs
 * care.
 */
static inline uint64_t chunk_care(uint64_t x)
{
    uint64_t ctl = bytes_ctl8(x) & ~(bytes_eq8(x, '\n') | bytes_eq8(x, '\t'));
    uint64_t high = x & BYTES_HIGHS;
    if (!high)
        return ctl;
    uint64_t cont = high & ~(x << 1); /* 10xxxxxx: bit 6 moved up to bit 7 */
    uint64_t c3 = bytes_eq8(x, 0xC3);
    uint64_t lead = c3 & NEXT_LANE(cont), tail = cont & PREV_LANE(c3);
    return (high & ~(lead | tail)) | ctl;
}

#if defined(__SSE2__)
/* chunk_care for the sixteen bytes at s, as a bit per byte: a letter's two
 * bytes (0xC3 and a continuation byte) are plain when both are in the
 * chunk, as in chunk_care, so that a chunk never leaves half a letter to
 * the next. */
static inline unsigned chunk_care16(const unsigned char *s)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i ctl = bytes_in16(v, 0, 0x1F);
    __m128i layout = _mm_or_si128(bytes_eq16(v, '\n'), bytes_eq16(v, '\t'));
    __m128i c3 = bytes_eq16(v, 0xC3);
    __m128i cont = bytes_eq16(_mm_and_si128(v, _mm_set1_epi8((char)0xC0)), 0x80);
    /* byte shifts: lane j sees lane j+1 (lead) or lane j-1 (tail); the
     * lanes shifted in are zero, so a pair across the edge needs care */
    __m128i lead = _mm_and_si128(c3, _mm_srli_si128(cont, 1));
    __m128i tail = _mm_and_si128(cont, _mm_slli_si128(c3, 1));
    unsigned high = (unsigned)_mm_movemask_epi8(v) & ~(unsigned)_mm_movemask_epi8(_mm_or_si128(lead, tail));
    return high | (unsigned)_mm_movemask_epi8(_mm_andnot_si128(layout, ctl));
}
#endif

#if BYTES_HAVE_AVX2
static int use_avx2 = BYTES_AVX2_SWITCH_INIT;

static bool avx2_on(void)
{
    return bytes_avx2_switch_on(&use_avx2);
}

bool decode_use_avx2(bool on)
{
    return bytes_avx2_switch_set(&use_avx2, on);
}

/*
 * Copies s to d thirty-two bytes at a time while no byte needs care, as
 * chunk_care16 would say for sixteen; returns how many were copied.  The
 * neighbours of each lane come from loads one byte off (s[-1] and s[n-1]
 * must be readable, so the caller keeps i > 0 and 33 bytes ahead), but a
 * letter across the chunk's edges still needs care: the path that takes
 * the next chunk gets it whole.  d may be s, behind it: each chunk is
 * loaded before it is stored.
 */
__attribute__((target("avx2"))) static size_t clean_run_avx2(const unsigned char *s, size_t n, unsigned char *d)
{
    size_t i = 0;
    const __m256i top2 = _mm256_set1_epi8((char)0xC0), cont_bits = _mm256_set1_epi8((char)0x80);
    for (; n - i >= 33; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
        __m256i nx = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 1));
        __m256i pv = _mm256_loadu_si256((const __m256i *)(const void *)(s + i - 1));
        __m256i layout = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')),
                                         _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t')));
        __m256i c3 = _mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)0xC3));
        __m256i cont = _mm256_cmpeq_epi8(_mm256_and_si256(v, top2), cont_bits);
        __m256i lead = _mm256_and_si256(c3, _mm256_cmpeq_epi8(_mm256_and_si256(nx, top2), cont_bits));
        __m256i tail = _mm256_and_si256(cont, _mm256_cmpeq_epi8(pv, _mm256_set1_epi8((char)0xC3)));
        unsigned edge = ((unsigned)_mm256_movemask_epi8(c3) & 0x80000000u) | ((unsigned)_mm256_movemask_epi8(cont) & 1u);
        unsigned care = ((unsigned)_mm256_movemask_epi8(v) & ~(unsigned)_mm256_movemask_epi8(_mm256_or_si256(lead, tail))) |
                        edge | (unsigned)_mm256_movemask_epi8(_mm256_andnot_si256(layout, bytes_in32(v, 0, 0x1F)));
        if (care)
            break;
        _mm256_storeu_si256((__m256i *)(void *)(d + i), v);
    }
    return i;
}

/* How many bytes from the start of in[0..n) hold, thirty-two at a time,
 * no control character but TAB, LF, CR and FF. */
__attribute__((target("avx2"))) static size_t no_controls_avx2(const unsigned char *in, size_t n)
{
    size_t i = 0;
    for (; n - i >= 32; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(in + i));
        __m256i layout = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'))),
            _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\f'))));
        if (_mm256_movemask_epi8(_mm256_andnot_si256(layout, bytes_in32(v, 0, 0x1F))))
            break;
    }
    return i;
}
#else
bool decode_use_avx2(bool on)
{
    (void)on;
    return false;
}
#endif

/* The first flagged lane of a chunk_care mask (non-zero), in memory order.
 * Without a little-endian count-trailing-zeros, the first byte that is not
 * printable ASCII: it may stop earlier, at a line feed or tab, which the
 * byte-wise path copies just the same. */
static inline size_t first_lane(uint64_t m, const unsigned char *chunk)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    (void)chunk;
    return (size_t)__builtin_ctzll(m) >> 3;
#else
    (void)m;
    size_t k = 0;
    while (k < 7 && chunk[k] >= 0x20 && chunk[k] < 0x80)
        k++;
    return k;
#endif
}

/*
 * Length of the well-formed multi-byte UTF-8 sequence at s (2..4), or 0.
 * On 0, *bad is the length of the maximal ill-formed prefix (at least 1):
 * replacing that with one U+FFFD is the Unicode-recommended practice and
 * never swallows a following valid character.  The second-byte ranges are
 * what rejects overlongs, surrogates and code points past U+10FFFF.
 */
static size_t utf8_seq(const unsigned char *s, size_t avail, size_t *bad)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    size_t need;

    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    if (avail < 2 || s[1] < lo || s[1] > hi) {
        *bad = 1;
        return 0;
    }
    for (size_t k = 2; k <= need; k++) {
        if (k >= avail || (s[k] & 0xC0) != 0x80) {
            *bad = k;
            return 0;
        }
    }
    return need + 1;
}

bool decode_utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0, bad;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_seq(s + i, n - i, &bad);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

/*
 * Validates s[0..n) as UTF-8 and writes the normalised text to d, returning
 * the bytes written.  d may equal s (the iconv paths normalise in place):
 * every rule keeps or shrinks the text, so the write position never passes
 * the read position, and the byte-wise copies run forwards.  With replace
 * false, ill-formed input stops the pass and sets *invalid (the caller then
 * tries a legacy encoding); with replace true it becomes U+FFFD, which can
 * triple the size, so d must then be a separate buffer of 3 * n bytes.
 */
static size_t normalise(const unsigned char *s, size_t n, unsigned char *d, bool replace,
                        struct counts *c, bool *invalid)
{
    size_t i = 0, o = 0;
#if BYTES_HAVE_AVX2
    bool avx2 = avx2_on();
#endif

    *invalid = false;
    while (i < n) {
        size_t lim;

#if BYTES_HAVE_AVX2
        if (avx2 && i > 0 && n - i >= 33) {
            size_t k = clean_run_avx2(s + i, n - i, d + o);
            i += k;
            o += k;
        }
#endif
#if defined(__SSE2__)
        if (n - i >= 16) {
            /* Sixteen bytes at a time where SSE2 is there; eight below. */
            unsigned care = chunk_care16(s + i);
            if (!care) {
                memmove(d + o, s + i, 16); /* d may be s, a few bytes behind */
                i += 16;
                o += 16;
                continue;
            }
            size_t k = (size_t)__builtin_ctz(care);
            memmove(d + o, s + i, k);
            i += k;
            o += k;
            lim = i + 1;
        } else
#endif
        if (n - i >= 8) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            uint64_t care = chunk_care(x);
            if (!care) {
                memcpy(d + o, &x, 8);
                i += 8;
                o += 8;
                continue;
            }
            /* The plain bytes before the first one that needs care go as
             * they are (from the copy in x: d may be s); that one unit goes
             * byte-wise, then the fast path resumes after it. */
            size_t k = first_lane(care, s + i);
            memcpy(d + o, &x, k);
            i += k;
            o += k;
            lim = i + 1;
        } else {
            lim = n;
        }

        while (i < lim) {
            unsigned char b = s[i];

            if (b >= 0x20 && b < 0x80) {
                d[o++] = b;
                i++;
                continue;
            }
            if (b < 0x20) {
                i++;
                switch (b) {
                case '\t':
                case '\n':
                    d[o++] = b;
                    break;
                case '\r':
                    d[o++] = '\n';
                    if (i < n && s[i] == '\n')
                        i++;
                    break;
                case '\f':
                    /* Converters emit FF as a page break, which sits where a
                     * line break would. */
                    d[o++] = '\n';
                    break;
                case '\0':
                    c->nul++;
                    c->ctrl++;
                    break;
                default:
                    c->ctrl++;
                    d[o++] = ' ';
                    break;
                }
                continue;
            }

            /* U+00C0..U+00FF (æ, ø, å, é): the common non-ASCII letters,
             * always well-formed, never normalised */
            if (b == 0xC3 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
                d[o] = b;
                d[o + 1] = s[i + 1];
                o += 2;
                i += 2;
                continue;
            }
            size_t bad = 0;
            size_t len = utf8_seq(s + i, n - i, &bad);
            if (len == 0) {
                if (!replace) {
                    *invalid = true;
                    return o;
                }
                d[o++] = 0xEF;
                d[o++] = 0xBF;
                d[o++] = 0xBD;
                c->replaced++;
                i += bad;
                continue;
            }
            /* Invisible and non-breaking characters break word matching in
             * the parsers; they are few, so test the bytes directly. */
            if (len == 2 && b == 0xC2) {
                if (s[i + 1] == 0xA0) { /* U+00A0 no-break space */
                    d[o++] = ' ';
                    i += 2;
                    continue;
                }
                if (s[i + 1] == 0xAD) { /* U+00AD soft hyphen */
                    i += 2;
                    continue;
                }
            } else if (len == 3 && b == 0xE2 && s[i + 1] == 0x80) {
                unsigned char t = s[i + 2];
                if (t >= 0x8B && t <= 0x8D) { /* U+200B..U+200D zero width */
                    i += 3;
                    continue;
                }
                if (t == 0x87 || t == 0xAF) { /* U+2007 figure, U+202F narrow */
                    d[o++] = ' ';
                    i += 3;
                    continue;
                }
            } else if (len == 3 && b == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF) {
                i += 3; /* U+FEFF: a BOM left in by concatenation */
                continue;
            }
            for (size_t k = 0; k < len; k++)
                d[o + k] = s[i + k];
            o += len;
            i += len;
        }
    }
    return o;
}

/* Grows an iconv output buffer geometrically; one spare byte for the NUL. */
static unsigned char *grow(unsigned char *buf, size_t *cap)
{
    *cap = *cap < 64 ? 128 : *cap * 2;
    return xrealloc(buf, *cap + 1);
}

/*
 * Converts in[0..n) from the iconv charset `from` to UTF-8 into a new buffer
 * (*out, *outlen; room for a terminator).  cap is the first guess at the
 * output size.  With replace, an illegal sequence of `unit` bytes becomes
 * U+FFFD; without it the conversion fails with CONV_EILSEQ.  An incomplete
 * sequence at the end (odd UTF-16 byte, cut surrogate pair) keeps what was
 * decoded and sets DECODE_W_TRUNCATED.
 */
static int conv_to_utf8(const char *from, const unsigned char *in, size_t n, size_t cap,
                        size_t unit, bool replace, unsigned char **out, size_t *outlen,
                        unsigned *warn, struct counts *c)
{
    int rc = CONV_OK;
    unsigned char *buf = NULL;
    size_t used = 0;
    /* iconv's prototype is not const-correct; it never writes the input. */
    char *ip = (char *)(uintptr_t)in;
    size_t il = n;

    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return CONV_EOPEN;

    buf = xmalloc(cap + 1);
    while (il > 0) {
        char *op = (char *)buf + used;
        size_t ol = cap - used;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        used = (size_t)((unsigned char *)op - buf);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG) {
            buf = grow(buf, &cap);
        } else if (errno == EILSEQ) {
            if (!replace) {
                rc = CONV_EILSEQ;
                goto out;
            }
            while (cap - used < 3)
                buf = grow(buf, &cap);
            memcpy(buf + used, "\xEF\xBF\xBD", 3);
            used += 3;
            size_t skip = unit < il ? unit : il;
            ip += skip;
            il -= skip;
            c->replaced++;
        } else if (errno == EINVAL) {
            *warn |= DECODE_W_TRUNCATED;
            break;
        } else {
            rc = CONV_EILSEQ;
            goto out;
        }
    }
    /* No final flush call: none of our source charsets is stateful. */
    *out = buf;
    *outlen = used;
    buf = NULL;
out:
    free(buf);
    iconv_close(cd);
    return rc;
}

/*
 * iconv to UTF-8, then the common normalisation in place.  Returns CONV_*;
 * on CONV_OK, *text and *len hold the result.
 */
static int conv_decode(const char *from, const unsigned char *in, size_t n, size_t cap,
                       size_t unit, bool replace, unsigned char **text, size_t *len,
                       unsigned *warn, struct counts *c)
{
    unsigned char *buf = NULL;
    size_t used = 0;
    bool invalid;

    int rc = conv_to_utf8(from, in, n, cap, unit, replace, &buf, &used, warn, c);
    if (rc != CONV_OK)
        return rc;
    used = normalise(buf, used, buf, false, c, &invalid);
    if (invalid) {
        /* iconv promised UTF-8; if it lied, nothing else will do better. */
        free(buf);
        return CONV_EOPEN;
    }
    /* The first guess is generous (1.5 n for UTF-16); hand back only what
     * the text needs, since the model keeps it for the whole parse. */
    *text = xrealloc(buf, used + 1);
    *len = used;
    return CONV_OK;
}

/* UTF-16 yields at most 3 UTF-8 bytes per 2-byte unit (a surrogate pair 4
 * per 4), and so does a replaced unit: one allocation always suffices. */
static int utf16_decode(const unsigned char *in, size_t n, bool le, bool replace,
                        unsigned char **text, size_t *len, unsigned *warn, struct counts *c)
{
    return conv_decode(le ? "UTF-16LE" : "UTF-16BE", in, n, n / 2 * 3 + 16, 2, replace, text,
                       len, warn, c);
}

/*
 * BOM-less UTF-16 of mostly Latin text has a NUL in nearly every other byte
 * and almost none in the other half; binary data has NULs on both sides.
 */
static enum utf16_guess sniff_utf16(const unsigned char *in, size_t n)
{
    size_t w = (n < SNIFF_UTF16_BYTES ? n : SNIFF_UTF16_BYTES) & ~(size_t)1;
    size_t pairs = w / 2, zeven = 0, zodd = 0;

    if (pairs < 2)
        return GUESS_NONE;
    size_t i = 0;
#if defined(__SSE2__)
    /* sixteen bytes a step: the zero bytes as 0/1 in even and in odd lanes,
     * each summed by PSADBW into the two halves of an accumulator (asked of
     * every document, and the answer is nearly always "no") */
    __m128i acc_even = _mm_setzero_si128(), acc_odd = _mm_setzero_si128();
    const __m128i one_even = _mm_set1_epi16(0x0001), one_odd = _mm_set1_epi16(0x0100), zero = _mm_setzero_si128();
    for (; i + 16 <= w; i += 16) {
        __m128i z = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(in + i)), zero);
        acc_even = _mm_add_epi64(acc_even, _mm_sad_epu8(_mm_and_si128(z, one_even), zero));
        acc_odd = _mm_add_epi64(acc_odd, _mm_sad_epu8(_mm_and_si128(z, one_odd), zero));
    }
    uint64_t se[2], so[2];
    _mm_storeu_si128((__m128i *)(void *)se, acc_even);
    _mm_storeu_si128((__m128i *)(void *)so, acc_odd);
    zeven = (size_t)(se[0] + se[1]);
    zodd = (size_t)(so[0] + so[1]);
#endif
    for (; i < w; i += 2) {
        zeven += in[i] == 0;
        zodd += in[i + 1] == 0;
    }
    if (zodd * 10 >= pairs * 4 && zeven * 20 <= pairs)
        return GUESS_LE;
    if (zeven * 10 >= pairs * 4 && zodd * 20 <= pairs)
        return GUESS_BE;
    return GUESS_NONE;
}

/* The prefix test for 8-bit input, before any conversion work is spent. */
static bool sniff_binary(const unsigned char *in, size_t n)
{
    size_t w = n < SNIFF_BINARY_BYTES ? n : SNIFF_BINARY_BYTES;
    size_t nul = 0, ctrl = 0, nul_head = 0, other_head = 0;

#if BYTES_HAVE_AVX2
    bool avx2 = avx2_on();
#endif
    for (size_t i = 0; i < w; i++) {
#if BYTES_HAVE_AVX2
        if (avx2)
            i += no_controls_avx2(in + i, w - i);
#endif
#if defined(__SSE2__)
        /* sixteen bytes at a time where SSE2 is there, the same test */
        while (i + 16 <= w) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
            __m128i ctl = bytes_in16(v, 0, 0x1F);
            __m128i layout = _mm_or_si128(_mm_or_si128(bytes_eq16(v, '\t'), bytes_eq16(v, '\n')),
                                          _mm_or_si128(bytes_eq16(v, '\r'), bytes_eq16(v, '\f')));
            if (_mm_movemask_epi8(_mm_andnot_si128(layout, ctl)))
                break;
            i += 16;
        }
#endif
        /* text has no byte below 0x20 but TAB/LF/CR/FF: skip eight bytes
         * at a time while that holds (line breaks included, or every line
         * would stop the fast path) */
        while (i + 8 <= w) {
            uint64_t v;
            memcpy(&v, in + i, 8);
            uint64_t ctl = bytes_ctl8(v);
            if (ctl && (ctl & ~(bytes_eq8(v, '\n') | bytes_eq8(v, '\t') | bytes_eq8(v, '\r') | bytes_eq8(v, '\f'))))
                break;
            i += 8;
        }
        if (i >= w)
            break;
        unsigned char b = in[i];
        if (b >= 0x20 || (TEXT_CONTROLS >> b) & 1u)
            continue;
        ctrl++;
        if (b == 0)
            nul++;
        if (i < SNIFF_NUL_BYTES) {
            if (b == 0)
                nul_head++;
            else
                other_head++;
        }
    }
    return nul * 100 > w || (nul_head && other_head) || ctrl * 10 > w;
}

static bool all_space(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
            return false;
    return true;
}

int decode_text(const unsigned char *in, size_t n, size_t max_bytes, struct decode_result *res)
{
    int rc = DECODE_OK;
    unsigned char *text = NULL;
    size_t len = 0;
    size_t units = n; /* code units of the source, for the share tests */
    const char *enc = NULL;
    unsigned warn = 0;
    struct counts c = {0, 0, 0};
    bool invalid = false;

    memset(res, 0, sizeof *res);
    if (max_bytes && n > max_bytes)
        return DECODE_ETOOBIG;
    if (n == 0 || !in)
        return DECODE_EEMPTY;
    /* The replacement path may need 3 * n bytes. */
    if (n > (SIZE_MAX - 64) / 3)
        return DECODE_ETOOBIG;

    if (n >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
        enc = "utf-8-bom";
        in += 3;
        n -= 3;
        units = n;
        if (sniff_binary(in, n)) {
            rc = DECODE_EBINARY;
            goto out;
        }
        text = xmalloc(n + 1);
        len = normalise(in, n, text, false, &c, &invalid);
        if (invalid) {
            /* The BOM is a deliberate claim of UTF-8: keep the text and
             * mark the damage rather than reinterpret it as a legacy code. */
            free(text);
            memset(&c, 0, sizeof c);
            text = xmalloc(3 * n + 1);
            len = normalise(in, n, text, true, &c, &invalid);
        }
        goto check;
    }

    if (n >= 2 && ((in[0] == 0xFF && in[1] == 0xFE) || (in[0] == 0xFE && in[1] == 0xFF))) {
        bool le = in[0] == 0xFF;
        enc = le ? "utf-16le" : "utf-16be";
        units = (n - 2) / 2;
        if (utf16_decode(in + 2, n - 2, le, true, &text, &len, &warn, &c) != CONV_OK)
            rc = DECODE_EENCODING;
        goto check;
    }

    enum utf16_guess guess = sniff_utf16(in, n);
    if (guess != GUESS_NONE) {
        /* Without a BOM the guess must be proven by a clean decode;
         * otherwise the NULs that suggested it make the input binary. */
        bool le = guess == GUESS_LE;
        if (utf16_decode(in, n, le, false, &text, &len, &warn, &c) == CONV_OK) {
            enc = le ? "utf-16le" : "utf-16be";
            units = n / 2;
            goto check;
        }
        warn = 0;
        memset(&c, 0, sizeof c);
    }

    if (sniff_binary(in, n)) {
        rc = DECODE_EBINARY;
        goto out;
    }

    text = xmalloc(n + 1);
    len = normalise(in, n, text, false, &c, &invalid);
    if (!invalid) {
        enc = "utf-8";
        goto check;
    }
    free(text);
    text = NULL;
    len = 0;
    memset(&c, 0, sizeof c);

    /* Mostly-ASCII legacy text: start a little above n, iconv grows it. */
    int cr = conv_decode("WINDOWS-1252", in, n, n + n / 8 + 64, 1, false, &text, &len, &warn, &c);
    enc = "windows-1252";
    if (cr == CONV_EILSEQ) {
        /* 0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned in 1252; such a file
         * is Latin-1 with C1 controls, which decodes any byte. */
        memset(&c, 0, sizeof c);
        cr = conv_decode("ISO-8859-1", in, n, n + n / 8 + 64, 1, false, &text, &len, &warn, &c);
        enc = "iso-8859-1";
    }
    if (cr != CONV_OK)
        rc = DECODE_EENCODING;

check:
    if (rc != DECODE_OK)
        goto out;
    if (all_space(text, len)) {
        rc = DECODE_EEMPTY;
        goto out;
    }
    /* The sniff saw only a prefix; these counts cover the whole text. */
    if (c.nul * 100 > units || c.ctrl * 10 > units) {
        rc = DECODE_EBINARY;
        goto out;
    }
    if (c.nul)
        warn |= DECODE_W_NUL;
    if (c.replaced)
        warn |= DECODE_W_REPLACED;
    text[len] = '\0';
    res->text = (char *)text;
    res->len = len;
    res->encoding = enc;
    res->warnings = warn;
    text = NULL;
out:
    free(text);
    return rc;
}

const char *decode_strerror(int err)
{
    switch (err) {
    case DECODE_OK:
        return "no error";
    case DECODE_EEMPTY:
        return "empty file";
    case DECODE_EBINARY:
        return "binary data, not text";
    case DECODE_ETOOBIG:
        return "file too large";
    case DECODE_EENCODING:
        return "cannot decode text in any supported encoding";
    default:
        return "unknown decode error";
    }
}
