/*
 * outcome: see outcome.h.  Word-level matching on the decision text; each
 * hit is checked against its own clause (negation, reported speech) because
 * decision blocks mix what was decided with what was merely told.
 */
#include "outcome.h"
#include "bytes.h"
#include "text.h"
#include "util.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * One pass over the words of the text, lower-cased once.  For each word
 * the classifier knows the clause it is in (reset at '.', ';', ':' or a
 * line break, but not at "1." in "1. september"), whether "har"/"havde"
 * came earlier in that clause (a reported act), and how many words ago
 * the last "ikke" was (a negation).
 */

enum hit { H_NONE, H_APPROVE, H_FULGT, H_REJECT, H_POSTPONE, H_NOTED, H_DISCUSS, H_TIL, H_BLEV, H_IKKE, H_HAR,
           H_INDST };

#define KW(w, h) {w, sizeof(w) - 1, h, false}
/* a word that starts with it, of any length ("indstillingen") */
#define KW_PREFIX(w, h) {w, sizeof(w) - 1, h, true}
static const struct keyword {
    const char *w;
    size_t n;
    enum hit h;
    bool prefix;
} keywords[] = {
    KW("godkendt", H_APPROVE),   KW("godkendte", H_APPROVE),  KW("godkender", H_APPROVE),
    KW("godkendes", H_APPROVE),  KW("tiltrådt", H_APPROVE),   KW("tiltrådte", H_APPROVE),
    KW("tiltræder", H_APPROVE),  KW("tiltrædes", H_APPROVE),  KW("vedtaget", H_APPROVE),
    KW("vedtog", H_APPROVE),     KW("vedtages", H_APPROVE),   KW("fulgt", H_FULGT),
    KW("følges", H_FULGT),       KW("forkastet", H_REJECT),   KW("forkastede", H_REJECT),
    KW("afvist", H_REJECT),      KW("afviste", H_REJECT),     KW("udsat", H_POSTPONE),
    KW("udsættes", H_POSTPONE),  KW("udskudt", H_POSTPONE),   KW("udskydes", H_POSTPONE),
    KW("efterretning", H_NOTED), KW("drøftet", H_DISCUSS),    KW("drøftede", H_DISCUSS),
    KW("drøftes", H_DISCUSS),    KW("til", H_TIL),            KW("blev", H_BLEV),
    KW("ikke", H_IKKE),          KW("har", H_HAR),            KW("havde", H_HAR),
    KW_PREFIX("indstilling", H_INDST),
};
#undef KW
#undef KW_PREFIX

enum { KW_MAXLEN = 15, KW_PER_SLOT = 4 };

/* The keywords by first letter and length (a word of KW_MAXLEN bytes or
 * more under KW_MAXLEN, where only prefixes match it): a word is compared
 * with the few of its slot (three at most) and nothing else, without a
 * switch, whose indirect jump mispredicts on nearly every word.  Each
 * keyword is kept as sixteen bytes, zero past its end, with the mask of
 * its bytes: the word's first sixteen bytes (readable: the folded text has
 * slack after it) ANDed with the mask compare in two words, no memcmp. */
static unsigned char slots[26][KW_MAXLEN + 1][KW_PER_SLOT]; /* keyword index + 1, 0 = none */
#define KW_COUNT (sizeof keywords / sizeof *keywords)
/* by slot entry (keyword index + 1); entry 0, "none", matches no word */
static struct kw_row {
    uint64_t bytes[2], mask[2];
    size_t n;
    bool prefix;
    enum hit h;
} kw_rows[KW_COUNT + 1];
static struct once slots_once = ONCE_INIT;

static void slot_put(size_t k, size_t n)
{
    unsigned char *slot = slots[keywords[k].w[0] - 'a'][n];
    size_t j = 0;
    while (j < KW_PER_SLOT && slot[j])
        j++;
    if (j == KW_PER_SLOT)
        abort(); /* the table above outgrew the slots */
    slot[j] = (unsigned char)(k + 1);
}

static void slots_fill(void)
{
    kw_rows[0].bytes[0] = 1; /* under a zero mask: never equal */
    for (size_t k = 0; k < KW_COUNT; k++) {
        const struct keyword *kw = &keywords[k];
        if (kw->n > KW_MAXLEN || (!kw->prefix && kw->n == KW_MAXLEN))
            abort(); /* longer keywords need a longer table */
        if (kw->prefix)
            for (size_t n = kw->n; n <= KW_MAXLEN; n++)
                slot_put(k, n);
        else
            slot_put(k, kw->n);
        unsigned char b[16] = {0}, m[16] = {0};
        memcpy(b, kw->w, kw->n);
        memset(m, 0xFF, kw->n);
        struct kw_row *r = &kw_rows[k + 1];
        memcpy(r->bytes, b, 16);
        memcpy(r->mask, m, 16);
        r->n = kw->n;
        r->prefix = kw->prefix;
        r->h = kw->h;
    }
}

static bool row_matches(const struct kw_row *r, uint64_t a, uint64_t b, size_t n)
{
    return ((n == r->n) | r->prefix) & ((a & r->mask[0]) == r->bytes[0]) & ((b & r->mask[1]) == r->bytes[1]);
}

/* w[0..n) a word of the folded text, w[0..16) readable.  The slot's first
 * entry is compared without a branch (whether a word's letter and length
 * have a keyword is as good as random); the rare slots with more than one
 * go on in a loop. */
static enum hit classify_word(const char *w, size_t n)
{
    unsigned l = (unsigned)(unsigned char)w[0] - 'a';
    if (l >= 26)
        return H_NONE;
    const unsigned char *slot = slots[l][n < KW_MAXLEN ? n : KW_MAXLEN];
    uint64_t a, b;
    memcpy(&a, w, 8);
    memcpy(&b, w + 8, 8);
    const struct kw_row *r = &kw_rows[slot[0]];
    enum hit h = row_matches(r, a, b, n) ? r->h : H_NONE;
    for (size_t j = 1; h == H_NONE && j < KW_PER_SLOT && slot[j]; j++) {
        r = &kw_rows[slot[j]];
        if (row_matches(r, a, b, n))
            h = r->h;
    }
    return h;
}

/* Word bytes of lower-cased text: ASCII letters and digits and the bytes of
 * multi-byte letters; not 0xC2 (symbols) or 0xE2 (dashes, quotes) leads. */
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

/* What the words read so far say. */
struct verdict {
    bool approved, rejected, postponed, noted, discussed;
    bool reported;                   /* "har"/"havde" earlier in this clause */
    long word_no, last_ikke, last_blev, last_til, last_indst;
    enum hit pending_fulgt;          /* "fulgt" waits for the next word ("fulgt op") */
    bool pending_neg;
};

static void verdict_init(struct verdict *v)
{
    memset(v, 0, sizeof *v);
    v->last_ikke = v->last_blev = v->last_til = v->last_indst = -10;
    v->pending_fulgt = H_NONE;
}

/* The next word, w[0..wn) of the folded text; new_clause when a clause
 * ended since the word before. */
static inline void verdict_word(struct verdict *v, const char *w, size_t wn, bool new_clause)
{
    v->reported &= !new_clause;
    long word_no = ++v->word_no;
    if (v->pending_fulgt != H_NONE) {
        /* "Indstillingen blev fulgt" approves; "blev fulgt op" is a
         * follow-up, not a decision */
        if (!(wn == 2 && w[0] == 'o' && w[1] == 'p')) {
            if (v->pending_neg)
                v->rejected = true;
            else
                v->approved = true;
        }
        v->pending_fulgt = H_NONE;
    }
    enum hit h = classify_word(w, wn);
    if (h == H_NONE)
        return;
    bool neg = word_no - v->last_ikke <= 2;
    switch (h) {
    case H_APPROVE:
        if (neg)
            v->rejected = true;
        else if (!v->reported)
            v->approved = true;
        break;
    case H_FULGT:
        if (word_no - v->last_blev <= 1 || word_no - v->last_indst <= 2 || neg) {
            v->pending_fulgt = h;
            v->pending_neg = neg;
        }
        break;
    case H_REJECT: if (!neg) v->rejected = true; break;
    case H_POSTPONE: if (!neg) v->postponed = true; break;
    case H_NOTED: if (word_no - v->last_til == 1 && !neg) v->noted = true; break;
    case H_DISCUSS: if (!neg) v->discussed = true; break;
    case H_TIL: v->last_til = word_no; break;
    case H_BLEV: v->last_blev = word_no; break;
    case H_IKKE: v->last_ikke = word_no; break;
    case H_HAR: v->reported = true; break;
    case H_INDST: v->last_indst = word_no; break;
    case H_NONE: break;
    }
}

static const char *verdict_result(struct verdict *v)
{
    if (v->pending_fulgt != H_NONE) {
        if (v->pending_neg)
            v->rejected = true;
        else
            v->approved = true;
    }
    if (v->approved)
        return "approved";
    if (v->rejected)
        return "rejected";
    if (v->postponed)
        return "postponed";
    if (v->noted)
        return "noted";
    if (v->discussed)
        return "discussed";
    return "other";
}

/* The bytes that end a clause: a line break, ';', ':', and '.' but not
 * after a digit ("1. september"). */
static bool ends_clause(const char *f, size_t i)
{
    char c = f[i];
    return c == '\n' || c == ';' || c == ':' || (c == '.' && !(i > 0 && f[i - 1] >= '0' && f[i - 1] <= '9'));
}

/* The definition, a byte at a time: the words of f[0..n), and between
 * them the separators, of which a symbol, dash or quote (0xC2 and 0xE2
 * leads: \u00BB, \u2013 ...) is one to its last byte - "\u00BBGodkendt\u00AB"
 * holds the word "godkendt", not "\u00BBgodkendt". */
static void words_bytewise(const char *f, size_t n, struct verdict *v)
{
    bool new_clause = false;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)f[i];
        if (!word_char[c]) {
            new_clause |= ends_clause(f, i);
            i++;
            size_t tail = c == 0xC2 ? 1 : c == 0xE2 ? 2 : 0;
            while (tail-- && i < n && ((unsigned char)f[i] & 0xC0) == 0x80)
                i++;
            continue;
        }
        size_t b = i;
        while (i < n && word_char[(unsigned char)f[i]])
            i++;
        verdict_word(v, f + b, i - b, new_clause);
        new_clause = false;
    }
}

/*
 * The same words from bit masks, 64 bytes at a time, so that the loop runs
 * once per word instead of branching on every byte (a branch that
 * mispredicts at each word's start and end).  f holds zero bytes from n to
 * the end of the block that holds byte n.
 */
struct masks {
    uint64_t word, sym, e2, cont, digit, dot, stop;
};

static void block_masks(const unsigned char *s, struct masks *m)
{
    memset(m, 0, sizeof *m);
#if defined(__SSE2__)
    for (unsigned k = 0; k < 64; k += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + k));
        __m128i alpha = bytes_in16(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
        __m128i digit = bytes_in16(v, '0', '9');
        /* 0xC2 and 0xE2 differ only in bit 5 */
        __m128i sym = bytes_eq16(_mm_and_si128(v, _mm_set1_epi8((char)0xDF)), 0xC2);
        __m128i cont = bytes_eq16(_mm_and_si128(v, _mm_set1_epi8((char)0xC0)), 0x80);
        __m128i stop = _mm_or_si128(_mm_or_si128(bytes_eq16(v, '\n'), bytes_eq16(v, ';')), bytes_eq16(v, ':'));
        uint64_t symb = (uint64_t)(unsigned)_mm_movemask_epi8(sym);
        m->word |= ((uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit)) |
                    ((uint64_t)(unsigned)_mm_movemask_epi8(v) & ~symb)) << k;
        m->sym |= symb << k;
        m->e2 |= (uint64_t)(unsigned)_mm_movemask_epi8(bytes_eq16(v, 0xE2)) << k;
        m->cont |= (uint64_t)(unsigned)_mm_movemask_epi8(cont) << k;
        m->digit |= (uint64_t)(unsigned)_mm_movemask_epi8(digit) << k;
        m->dot |= (uint64_t)(unsigned)_mm_movemask_epi8(bytes_eq16(v, '.')) << k;
        m->stop |= (uint64_t)(unsigned)_mm_movemask_epi8(stop) << k;
    }
#else
    for (unsigned k = 0; k < 64; k++) {
        unsigned char c = s[k];
        uint64_t bit = UINT64_C(1) << k;
        m->word |= word_char[c] ? bit : 0;
        m->sym |= (c == 0xC2 || c == 0xE2) ? bit : 0;
        m->e2 |= c == 0xE2 ? bit : 0;
        m->cont |= (c & 0xC0) == 0x80 ? bit : 0;
        m->digit |= (c >= '0' && c <= '9') ? bit : 0;
        m->dot |= c == '.' ? bit : 0;
        m->stop |= (c == '\n' || c == ';' || c == ':') ? bit : 0;
    }
#endif
}

static void words_masked(const char *f, size_t n, struct verdict *v)
{
    struct masks prev = {0};
    uint64_t prev_word = 0;  /* the block before's word bytes, separators taken out */
    size_t start = 0;        /* where the word that is open at a block's end began */
    bool new_clause = false; /* a clause ended after the last word */
    for (size_t base = 0; base <= n; base += 64) {
        struct masks m;
        block_masks((const unsigned char *)f + base, &m);
        /* x shifted up by one or two bytes, the block before's top bits in */
        #define UP1(x) ((m.x << 1) | (prev.x >> 63))
        #define UP2(x) ((m.x << 2) | (prev.x >> 62))
        /* a continuation byte just after a 0xC2 or 0xE2 lead, and the second
         * after 0xE2, belong to the separator */
        uint64_t skip = (UP1(sym) & m.cont) | (UP2(e2) & UP1(cont) & m.cont);
        uint64_t word = m.word & ~skip;
        uint64_t stop = m.stop | (m.dot & ~UP1(digit));
        #undef UP1
        #undef UP2
        uint64_t word_up = (word << 1) | (prev_word >> 63);
        uint64_t starts = word & ~word_up, ends = ~word & word_up;
        prev = m;
        prev_word = word;
        for (; ends; ends &= ends - 1) {
            unsigned e = (unsigned)__builtin_ctzll(ends);
            uint64_t below = (UINT64_C(1) << e) - 1;
            /* a clause end before this word's end is in the gap before it,
             * since no word byte ends a clause */
            new_clause |= (stop & below) != 0;
            stop &= ~below;
            uint64_t s = starts & below;
            if (s)
                start = base + 63 - (size_t)__builtin_clzll(s);
            starts &= ~below;
            verdict_word(v, f + start, base + e - start, new_clause);
            new_clause = false;
        }
        new_clause |= stop != 0;
        if (starts)
            start = base + 63 - (size_t)__builtin_clzll(starts);
    }
}

static const char *classify(const char *text, size_t n, bool masked)
{
    /* the text folded, zero-padded to the end of the block holding byte n,
     * and sixteen bytes more: classify_word reads a word's first sixteen */
    char stackbuf[2048];
    size_t cap = (n / 64 + 1) * 64 + 16;
    char *f = cap <= sizeof stackbuf ? stackbuf : xmalloc(cap);
    text_fold(f, text, n);
    memset(f + n, 0, cap - n);

    struct verdict v;
    verdict_init(&v);
    once_run(&slots_once, slots_fill);
    if (masked)
        words_masked(f, n, &v);
    else
        words_bytewise(f, n, &v);
    if (f != stackbuf)
        free(f);
    return verdict_result(&v);
}

const char *outcome_classify(const char *text, size_t n)
{
    return classify(text, n, true);
}

const char *outcome_classify_bytewise(const char *text, size_t n)
{
    return classify(text, n, false);
}
