/*
 * outcome: see outcome.h.  Word-level matching on the decision text; each
 * hit is checked against its own clause (negation, reported speech) because
 * decision blocks mix what was decided with what was merely told.
 */
#include "outcome.h"
#include "bytes.h"
#include "text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>


#include "util.h"

/*
 * One pass over the words of the text, lower-cased once.  For each word
 * the classifier knows the clause it is in (reset at '.', ';', ':' or a
 * line break, but not at "1." in "1. september"), whether "har"/"havde"
 * came earlier in that clause (a reported act), and how many words ago
 * the last "ikke" was (a negation).
 */

enum hit { H_NONE, H_APPROVE, H_FULGT, H_REJECT, H_POSTPONE, H_NOTED, H_DISCUSS, H_TIL, H_BLEV, H_IKKE, H_HAR };


static bool is(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* By first letter, so that a word costs a switch and a few compares. */
static enum hit classify_word(const char *w, size_t n)
{
    if (n < 3 || n > 12)
        return H_NONE;
    switch (w[0]) {
    case 'g':
        return (is(w, n, "godkendt") || is(w, n, "godkendte") || is(w, n, "godkender") || is(w, n, "godkendes"))
                   ? H_APPROVE : H_NONE;
    case 't':
        if (is(w, n, "til"))
            return H_TIL;
        return (is(w, n, "tiltrådt") || is(w, n, "tiltrådte") || is(w, n, "tiltræder") || is(w, n, "tiltrædes"))
                   ? H_APPROVE : H_NONE;
    case 'v':
        return (is(w, n, "vedtaget") || is(w, n, "vedtog") || is(w, n, "vedtages")) ? H_APPROVE : H_NONE;
    case 'f':
        if (is(w, n, "fulgt") || is(w, n, "følges"))
            return H_FULGT;
        return (is(w, n, "forkastet") || is(w, n, "forkastede")) ? H_REJECT : H_NONE;
    case 'a':
        return (is(w, n, "afvist") || is(w, n, "afviste")) ? H_REJECT : H_NONE;
    case 'u':
        return (is(w, n, "udsat") || is(w, n, "udsættes") || is(w, n, "udskudt") || is(w, n, "udskydes"))
                   ? H_POSTPONE : H_NONE;
    case 'e':
        return is(w, n, "efterretning") ? H_NOTED : H_NONE;
    case 'd':
        return (is(w, n, "drøftet") || is(w, n, "drøftede") || is(w, n, "drøftes")) ? H_DISCUSS : H_NONE;
    case 'b':
        return is(w, n, "blev") ? H_BLEV : H_NONE;
    case 'i':
        return is(w, n, "ikke") ? H_IKKE : H_NONE;
    case 'h':
        return (is(w, n, "har") || is(w, n, "havde")) ? H_HAR : H_NONE;
    default:
        return H_NONE;
    }
}

/* Word bytes of lower-cased text: ASCII letters and digits and the bytes of
 * multi-byte letters; not 0xC2 (symbols) or 0xE2 (dashes, quotes) leads.
 * A table, because this is asked of every byte of every decision. */
static const unsigned char word_char[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x10 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,  /* 0x30 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,  /* 0x50 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,  /* 0x70 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x80 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x90 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xA0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xB0 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xC0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xD0 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xE0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0xF0 */
};

static bool is_word_char(const char *f, size_t n, size_t i)
{
    (void)n;
    return word_char[(unsigned char)f[i]];
}

/* The end of the word that continues at f[i] (<= n; f holds sixteen zero
 * bytes after n).  With SSE2 a word's end is found in one step rather than
 * a branch per byte that mispredicts at every word's end. */
static size_t word_end(const char *f, size_t n, size_t i)
{
#if defined(__SSE2__)
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(f + i));
        __m128i alpha = bytes_in16(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
        __m128i digit = bytes_in16(v, '0', '9');
        /* 0xC2 and 0xE2 (symbols, dashes, quotes) differ only in bit 5 */
        __m128i sym = bytes_eq16(_mm_and_si128(v, _mm_set1_epi8((char)0xDF)), 0xC2);
        unsigned word = ((unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit)) |
                         ((unsigned)_mm_movemask_epi8(v) & ~(unsigned)_mm_movemask_epi8(sym)));
        unsigned stop = ~word & 0xFFFF;
        if (stop) {
            size_t e = i + (size_t)__builtin_ctz(stop);
            return e < n ? e : n;
        }
        i += 16;
    }
#else
    while (i < n && word_char[(unsigned char)f[i]])
        i++;
    return i;
#endif
}

const char *outcome_classify(const char *text, size_t n)
{
    /* sixteen zero bytes after the text: word_end may read past it */
    char stackbuf[2048];
    char *f = n + 17 <= sizeof stackbuf ? stackbuf : xmalloc(n + 17);
    text_fold(f, text, n);
    memset(f + n, 0, 17);

    bool approved = false, rejected = false, postponed = false, noted = false, discussed = false;
    bool reported = false;          /* "har"/"havde" earlier in this clause */
    long word_no = 0, last_ikke = -10, last_blev = -10, last_til = -10, last_indst = -10;
    enum hit pending_fulgt = H_NONE; /* "fulgt" waits for the next word ("fulgt op") */
    bool pending_neg = false;
    size_t i = 0;
    while (i < n) {
        char c = f[i];
        if (!is_word_char(f, n, i)) {
            if (c == '\n' || c == ';' || c == ':' || (c == '.' && !(i > 0 && f[i - 1] >= '0' && f[i - 1] <= '9')))
                reported = false;
            i++;
            /* a symbol, dash or quote (\u00BB, \u2013 ...) is separator to its
             * last byte: "\u00BBGodkendt\u00AB" holds the word "godkendt" */
            size_t tail = (unsigned char)c == 0xC2 ? 1 : (unsigned char)c == 0xE2 ? 2 : 0;
            while (tail-- && i < n && ((unsigned char)f[i] & 0xC0) == 0x80)
                i++;
            continue;
        }
        size_t b = i;
        i = word_end(f, n, i + 1);
        const char *w = f + b;
        size_t wn = i - b;
        word_no++;
        if (pending_fulgt != H_NONE) {
            /* "Indstillingen blev fulgt" approves; "blev fulgt op" is a
             * follow-up, not a decision */
            if (!(wn == 2 && w[0] == 'o' && w[1] == 'p')) {
                if (pending_neg)
                    rejected = true;
                else
                    approved = true;
            }
            pending_fulgt = H_NONE;
        }
        if (wn >= 12 && memcmp(w, "indstilling", 11) == 0)
            last_indst = word_no;
        else if (wn == 11 && memcmp(w, "indstilling", 11) == 0)
            last_indst = word_no;
        if (wn < 2)
            continue;
        enum hit h = classify_word(w, wn);
        bool neg = word_no - last_ikke <= 2;
        switch (h) {
        case H_APPROVE:
            if (neg)
                rejected = true;
            else if (!reported)
                approved = true;
            break;
        case H_FULGT:
            if (word_no - last_blev <= 1 || word_no - last_indst <= 2 || neg) {
                pending_fulgt = h;
                pending_neg = neg;
            }
            break;
        case H_REJECT: if (!neg) rejected = true; break;
        case H_POSTPONE: if (!neg) postponed = true; break;
        case H_NOTED: if (word_no - last_til == 1 && !neg) noted = true; break;
        case H_DISCUSS: if (!neg) discussed = true; break;
        case H_TIL: last_til = word_no; break;
        case H_BLEV: last_blev = word_no; break;
        case H_IKKE: last_ikke = word_no; break;
        case H_HAR: reported = true; break;
        case H_NONE: break;
        }
    }
    if (pending_fulgt != H_NONE) {
        if (pending_neg)
            rejected = true;
        else
            approved = true;
    }
    if (f != stackbuf)
        free(f);
    if (approved)
        return "approved";
    if (rejected)
        return "rejected";
    if (postponed)
        return "postponed";
    if (noted)
        return "noted";
    if (discussed)
        return "discussed";
    return "other";
}
