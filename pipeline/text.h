/*
 * text: byte-level helpers for Danish UTF-8 text.
 *
 * Matching in the parsers is case-insensitive and must treat æ/Æ, ø/Ø, å/Å
 * and é/É as letters.  Those are all two-byte sequences in U+00C0..U+00FE, so
 * folding never changes a string's length: a position found in the folded
 * form is the same position in the original.  That keeps every search a
 * single pass with no allocation.
 */
#ifndef MINUTESD_TEXT_H
#define MINUTESD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Lower-cases ASCII and Latin-1 letters of UTF-8 s[0..n) into dst (n bytes). */
void text_fold(char *dst, const char *s, size_t n);

/* Characters (not bytes) in UTF-8 s[0..n): bytes minus continuation bytes
 * (bit 7 set, bit 6 clear), many at a time - the wrap detection asks this
 * of every line. */
size_t text_chars(const char *s, size_t n);

/* Do text_fold(a[0..m)) and text_fold(b[0..m)) agree on their first cmp
 * bytes?  Without folding either: stops at the first difference. */
bool text_fold_eq(const char *a, const char *b, size_t m, size_t cmp);

/* Is the byte at s[i] part of a word (ASCII alnum or a non-ASCII letter)?
 * General punctuation (U+2000..U+206F: dashes, quotes) is not.  The ASCII
 * case, nearly every call, is inline; word scans call this per byte. */
bool text_is_word_at_high(const char *s, size_t n, size_t i);
static inline bool text_is_word_at(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return false;
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80)
        return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    return text_is_word_at_high(s, n, i);
}

/* Case-insensitive: does s[0..n) start with lit (a lower-case literal)?
 * text_prefix_ci_len returns lit's length on a match and 0 otherwise -
 * the length a caller usually needs next, without a strlen - so it is for
 * non-empty literals; text_prefix_ci answers yes or no, and yes for "".
 * Inline because nearly every call is decided by the first byte, and the
 * parsers make hundreds of thousands of them per megabyte. */
size_t text_prefix_ci_len_rest(const char *s, size_t n, const char *lit);
static inline size_t text_prefix_ci_len(const char *s, size_t n, const char *lit)
{
    unsigned char l0 = (unsigned char)lit[0];
    if (l0 == '\0' || n == 0)
        return 0;
    unsigned char c0 = (unsigned char)s[0];
    /* the first byte matches only itself or its ASCII capital: a Latin-1
     * capital differs from its letter in the second byte, not the lead */
    if (c0 != l0 && !(l0 >= 'a' && l0 <= 'z' && c0 == l0 - 32))
        return 0;
    return text_prefix_ci_len_rest(s, n, lit);
}
static inline bool text_prefix_ci(const char *s, size_t n, const char *lit)
{
    return lit[0] == '\0' || text_prefix_ci_len(s, n, lit) != 0;
}
/* Case-insensitive equality with a lower-case literal, ignoring a trailing
 * ':' or '.' and surrounding blanks in s.  Inline up to the first byte,
 * which decides nearly every call: callers try lists of literals on each
 * line. */
bool text_eq_ci_rest(const char *s, size_t n, const char *lit);
static inline bool text_eq_ci(const char *s, size_t n, const char *lit)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    unsigned char l0 = (unsigned char)lit[0], c0 = n ? (unsigned char)s[0] : 0;
    if (n && l0 && c0 != l0 && !(l0 >= 'a' && l0 <= 'z' && c0 == l0 - 32))
        return false;
    return text_eq_ci_rest(s, n, lit);
}
/* First case-insensitive occurrence of lit (lower-case) in s as a whole word
 * (not preceded or followed by a word byte); -1 if none.  lit may contain
 * spaces.  Linear in n for the short literals the parsers use. */
long text_find_word_ci_n(const char *s, size_t n, const char *lit, size_t litn);
/* Same, but lit need only start a word (it may continue: "godkend" finds
 * "godkendt"). */
long text_find_prefix_ci_n(const char *s, size_t n, const char *lit, size_t litn);
/* Inline so that a literal's length is a constant, not a strlen per call:
 * the parsers call these per line. */
static inline long text_find_word_ci(const char *s, size_t n, const char *lit)
{
    return text_find_word_ci_n(s, n, lit, strlen(lit));
}
static inline long text_find_prefix_ci(const char *s, size_t n, const char *lit)
{
    return text_find_prefix_ci_n(s, n, lit, strlen(lit));
}

/* The second byte of a Latin-1 letter after its 0xC3 lead: a capital
 * (U+00C0..U+00DE but the sign U+00D7) or a lower-case letter (U+00DF..
 * U+00FF but U+00F7).  One definition for every test and fold below. */
static inline bool text_latin1_upper(unsigned char d)
{
    return d >= 0x80 && d <= 0x9E && d != 0x97;
}
static inline bool text_latin1_lower(unsigned char d)
{
    return d >= 0x9F && d <= 0xBF && d != 0xB7;
}

/* Is there an upper-case (lower-case) letter at s[i], ASCII or Latin-1
 * (ÆØÅÉ…)?  Inline: the parsers ask it of nearly every line's first byte. */
static inline bool text_case_at(const char *s, size_t n, size_t i, bool upper)
{
    if (i >= n)
        return false;
    unsigned char c = (unsigned char)s[i];
    if (c == 0xC3 && i + 1 < n) {
        unsigned char d = (unsigned char)s[i + 1];
        return upper ? text_latin1_upper(d) : text_latin1_lower(d);
    }
    return (unsigned char)(c - (upper ? 'A' : 'a')) < 26u;
}
static inline bool text_is_upper_at(const char *s, size_t n, size_t i)
{
    return text_case_at(s, n, i, true);
}
static inline bool text_is_lower_at(const char *s, size_t n, size_t i)
{
    return text_case_at(s, n, i, false);
}

/* The first two bytes of s folded, for a cheap pre-check against many
 * lower-case literals: text_first2_may_match(f, lit) is false only when
 * s certainly does not start with lit. */
static inline void text_first2(const char *s, size_t n, char f[2])
{
    unsigned char a = n ? (unsigned char)s[0] : 0, b = n > 1 ? (unsigned char)s[1] : 0;
    if (a >= 'A' && a <= 'Z')
        a = (unsigned char)(a + 32);
    if (a == 0xC3 ? text_latin1_upper(b) : (b >= 'A' && b <= 'Z'))
        b = (unsigned char)(b + 32);
    f[0] = (char)a;
    f[1] = (char)b;
}

static inline bool text_first2_may_match(const char f[2], const char *lit)
{
    return f[0] == lit[0] && (lit[1] == '\0' || f[1] == lit[1]);
}

/*
 * A prefilter for text_prefix_ci_len(s, n, lit), made once per literal: its
 * first four bytes (all of it when shorter), any of which may also stand
 * with bit 5 clear (a capital for a letter, ASCII or Latin-1).  A superset
 * of what the full comparison accepts, so text_quad_may_match is false
 * only when s certainly does not start with lit - and it looks at four
 * bytes at once, where a test of the first two passed "Det" for
 * "deltagere" and "Fra" for "fraværende".
 */
struct text_quad {
    uint32_t val, fold, mask;
};
void text_quad_init(struct text_quad *q, const char *lit);
static inline bool text_quad_may_match(const struct text_quad *q, const char *s, size_t n)
{
    uint32_t w = 0;
    if (n >= 4) {
        memcpy(&w, s, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            w |= (uint32_t)(unsigned char)s[i] << (8 * i);
        /* shorter than the literal's first four bytes: no match */
        if (q->mask >> (8 * n))
            return false;
    }
    return ((w | q->fold) & q->mask) == q->val;
}

/*
 * A table of lower-case literals indexed by their first two bytes, as
 * text_first2 gives a line's: text_lits_bucket(f) names the entries (by
 * their index in the table, in table order) that text_first2_may_match
 * can accept, and no other.  A line is compared with those few instead of
 * being tested against every entry - a test per entry whose outcome
 * varied line to line and mispredicted.  A one-byte literal is in every
 * bucket its byte begins.
 */
#define TEXT_LITS_MAX 255       /* entries, so that an index fits a byte */
#define TEXT_LITS_SLOTS 1024    /* entries over all buckets */
struct text_lits {
    unsigned short at[257];     /* bucket b is k[at[b] .. at[b + 1]) */
    unsigned char k[TEXT_LITS_SLOTS];
    struct text_quad quad[TEXT_LITS_MAX]; /* entry k's prefilter */
};

/* Indexes lits[0..n).  The index keeps positions and prefilters, not the
 * strings: callers compare with their own table.  Aborts when the table
 * outgrows the index (a defect in the table, found at the first use). */
void text_lits_init(struct text_lits *ix, const char *const *lits, size_t n);

static inline unsigned text_lits_bucket(const char f[2])
{
    return ((unsigned)(unsigned char)f[0] * 31u + (unsigned char)f[1]) & 255u;
}

/* A walk over the entries of lits[] (indexed by ix) that s[0..n) starts
 * with, in table order: text_lits_begin, then text_lits_next until it
 * returns -1; each entry found is its index, with its length in *len.
 * Callers that want more of a match (a whole word, a colon after it) test
 * it and walk on. */
struct text_lits_walk {
    size_t j, end; /* the bucket's positions left */
};
static inline void text_lits_begin(const struct text_lits *ix, const char *s, size_t n, struct text_lits_walk *w)
{
    char f2[2];
    text_first2(s, n, f2);
    unsigned b = text_lits_bucket(f2);
    w->j = ix->at[b];
    w->end = ix->at[b + 1];
}
static inline int text_lits_next(const struct text_lits *ix, const char *const *lits, const char *s, size_t n,
                                 struct text_lits_walk *w, size_t *len)
{
    while (w->j < w->end) {
        size_t k = ix->k[w->j++];
        size_t l = text_quad_may_match(&ix->quad[k], s, n) ? text_prefix_ci_len(s, n, lits[k]) : 0;
        if (l) {
            *len = l;
            return (int)k;
        }
    }
    return -1;
}

/* The first of them that s starts with as a whole word (no word byte
 * after it; one before s[0] is the caller's business), or -1. */
int text_lits_word(const struct text_lits *ix, const char *const *lits, const char *s, size_t n, size_t *len);

/* Does any word of s[0..n) start with one of stems[] (lower-case, NULL
 * terminated)?  Returns the index of the first stem found, or -1.  One pass
 * over the words, each compared by its first two bytes before anything
 * else: the cheap way to ask "is any of these words in this short text". */
int text_word_stem_any(const char *s, size_t n, const char *const *stems);

/* The same with the stems made ready once (text_stems_init, e.g. under a
 * once_run): a call then loads each stem's sixteen-lane pattern instead of
 * building it again - for the lists asked of every short line.  Up to
 * TEXT_STEMS_VECTOR stems are looked for sixteen bytes at a time, more
 * byte by byte.  stems must outlive st. */
#define TEXT_STEMS_VECTOR 8
struct text_stems {
    const char *const *list;
    int n;
    _Alignas(16) unsigned char first[TEXT_STEMS_VECTOR][16];  /* stem k's first byte | 0x20, 16 times */
    _Alignas(16) unsigned char second[TEXT_STEMS_VECTOR][16]; /* and its second (0xFF: any) */
    _Alignas(16) unsigned char any[TEXT_STEMS_VECTOR][16];    /* 0xFF: stem k is one byte */
};
void text_stems_init(struct text_stems *st, const char *const *stems);
int text_stems_find(const struct text_stems *st, const char *s, size_t n);

/* Trims blanks (space, tab) at both ends: adjusts *s and *n.  Inline and
 * with one branch per byte looked at (the two compares ORed, not ||): it
 * is asked of every line, most of which have no blank to trim. */
static inline void text_trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t len = *n;
    while (len && ((*p == ' ') | (*p == '\t')))
        p++, len--;
    while (len && ((p[len - 1] == ' ') | (p[len - 1] == '\t')))
        len--;
    *s = p;
    *n = len;
}
/* Trims blanks and the given trailing punctuation characters. */
void text_trim_punct(const char **s, size_t *n, const char *punct);

/* Number of words (runs of non-blanks). */
size_t text_count_words(const char *s, size_t n);
/* The same, but stops counting past limit (returns limit + 1 then): for
 * "at most K words" tests on lines that may be long. */
size_t text_count_words_upto(const char *s, size_t n, size_t limit);

/* Does every letter-word start upper-case and is there no lower-case letter
 * anywhere?  ("VELKOMST OG GODKENDELSE")  Inline for the usual answer: a
 * lower-case ASCII letter in the first two bytes ("Jensen", "Det …") says
 * no before the walk, which would say so at that byte. */
bool text_is_all_caps_rest(const char *s, size_t n);
static inline bool text_is_all_caps(const char *s, size_t n)
{
    if (n >= 2 && ((unsigned char)(s[0] - 'a') < 26u || (unsigned char)(s[1] - 'a') < 26u))
        return false;
    return text_is_all_caps_rest(s, n);
}

/* The position of the first ASCII digit in s[i..n), or n.  Eight bytes at
 * a time: in running text digits are rare, and scanners that look for
 * numbers (amounts) spend nearly all their time here. */
size_t text_next_digit(const char *s, size_t n, size_t i);

/* Parses an unsigned decimal at s[0..n); returns digits consumed (0 = none),
 * *v saturates at INT_MAX/10. */
size_t text_parse_uint(const char *s, size_t n, int *v);

#endif
