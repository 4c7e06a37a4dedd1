/*
 * people: see people.h.
 */
#include "people.h"
#include "util.h"
#include "bytes.h"
#include "text.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Words that mark an organisation or role, never part of a name. */
static const char *const org_words[] = {
    "kommune", "kommunes", "region", "regionen", "hospital", "hospitalet", "sygehus", "sygehuset",
    "plo", "psykiatrien", "psykiatri", "klynge", "klyngen", "sundhedsklynge", "forum", "udvalg",
    "direktør", "borgmester", "formand", "medformand", "sekretariat", "sekretariatet", "afdeling",
    "universitetshospital", "regionshospitalet", "regionshospital", "praksis", "læge", "konsulent",
    "kommunalbestyrelse", "regionsråd", "medlem", "medlemmer", "repræsentant", "chef", "leder",
};

static const char *const particles[] = {"af", "von", "van", "de", "la", "le", "du", "der", "den", "da", "di"};

/* A word list with, for each first byte, the lengths its words have: most
 * words tested start like no entry of that length and are rejected by one
 * lookup instead of a walk over the list (people_is_name tests every word
 * of every candidate name against both lists).  The few that pass are
 * folded and compared with the entries of their first byte only, each
 * kept as WORD_SET_BYTES zero-padded bytes: three word compares, no
 * strncmp per entry of the whole list. */
#define WORD_SET_MAX 48
#define WORD_SET_BYTES 24
struct word_set {
    const char *const *list;
    size_t n;
    uint32_t lens[256];            /* bit l: an entry of l bytes starts with this byte */
    unsigned char at[257];         /* entries of first byte c: [at[c], at[c + 1]) of these */
    unsigned char len[WORD_SET_MAX];
    uint64_t bytes[WORD_SET_MAX][WORD_SET_BYTES / 8];
};

static struct word_set org_set = {.list = org_words, .n = sizeof org_words / sizeof *org_words};
static struct word_set particle_set = {.list = particles, .n = sizeof particles / sizeof *particles};
static struct once sets_once = ONCE_INIT;

static void sets_fill(struct word_set *set)
{
    if (set->n > WORD_SET_MAX)
        abort(); /* the lists above outgrew the set */
    size_t j = 0, lens[WORD_SET_MAX];
    for (size_t k = 0; k < set->n; k++)
        lens[k] = strlen(set->list[k]);
    for (unsigned c = 0; c < 256; c++) {
        set->at[c] = (unsigned char)j;
        for (size_t k = 0; k < set->n; k++) {
            const char *w = set->list[k];
            size_t l = lens[k];
            if ((unsigned char)w[0] != c)
                continue;
            if (l >= WORD_SET_BYTES)
                abort(); /* a longer entry needs more bytes */
            set->lens[c] |= UINT32_C(1) << l;
            unsigned char b[WORD_SET_BYTES] = {0};
            memcpy(b, w, l);
            memcpy(set->bytes[j], b, sizeof b);
            set->len[j++] = (unsigned char)l;
        }
    }
    set->at[256] = (unsigned char)j;
}

/* Bytes that never occur in a name: digits and list or clause punctuation. */
static bool not_in_name(unsigned char c)
{
    return (c >= '0' && c <= '9') || c == '(' || c == ')' || c == ':' || c == ',' || c == ';' || c == '/';
}

/* Bytes that never occur in a name, as a table filled with the word
 * sets: people_is_name tests a whole segment with one OR per byte. */
static unsigned char never_in_name[256];

/* The stem lists asked of every short line and segment, made ready once. */
static const char *const group_words[] = {"sekretariat", "observatør", "bisidder", "administrativ", "gæst", "medlem", NULL};
static const char *const institution_words[] = {"hospital", "sygehus", "psykiatri", NULL};
static const char *const note_words[] = {"fravær", "afbud", "sekretariat", "mødeleder", NULL};
static struct text_stems group_stems, institution_stems, note_stems;

static void sets_init(void)
{
    for (unsigned c = 0; c < 256; c++)
        never_in_name[c] = not_in_name((unsigned char)c);
    sets_fill(&org_set);
    sets_fill(&particle_set);
    text_stems_init(&group_stems, group_words);
    text_stems_init(&institution_stems, institution_words);
    text_stems_init(&note_stems, note_words);
}

/* Does s[0..n) (n <= 128) hold a byte no name holds, where are its blanks
 * (bit i of blank[i / 64]), and is one of them a space (*space)?  One
 * pass, sixteen bytes a step: the word loop then walks the words by their
 * bits instead of a branch per byte, which mispredicted at every word's
 * end. */
static bool scan_name(const char *s, size_t n, uint64_t blank[2], bool *space)
{
    blank[0] = blank[1] = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        __m128i bad = _mm_setzero_si128(), spaces = _mm_setzero_si128();
        for (size_t k = 0;; k += 16) {
            if (k + 16 > n)
                k = n - 16;
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + k));
            bad = _mm_or_si128(bad, _mm_or_si128(bytes_in16(v, '0', '9'),
                                                 _mm_or_si128(_mm_or_si128(bytes_eq16(v, '('), bytes_eq16(v, ')')),
                                                              _mm_or_si128(bytes_eq16(v, ':'), bytes_eq16(v, ',')))));
            bad = _mm_or_si128(bad, _mm_or_si128(bytes_eq16(v, ';'), bytes_eq16(v, '/')));
            __m128i sp = bytes_eq16(v, ' ');
            spaces = _mm_or_si128(spaces, sp);
            uint64_t b = (unsigned)_mm_movemask_epi8(_mm_or_si128(sp, bytes_eq16(v, '\t')));
            if (k < 64) {
                blank[0] |= b << k;
                if (k > 48)
                    blank[1] |= b >> (64 - k);
            } else {
                blank[1] |= b << (k - 64);
            }
            if (k + 16 >= n)
                break;
        }
        *space = _mm_movemask_epi8(spaces) != 0;
        return _mm_movemask_epi8(bad) != 0;
    }
#endif
    unsigned char bad = 0;
    bool sp = false;
    for (size_t k = 0; k < n; k++) {
        bad |= never_in_name[(unsigned char)s[k]];
        sp |= s[k] == ' ';
        blank[k / 64] |= (uint64_t)is_blank(s[k]) << (k % 64);
    }
    *space = sp;
    return bad != 0;
}

/* The first bit set at or after i in m[0..2), or n when none is (m holds
 * no bit at or past n). */
static size_t next_bit(const uint64_t m[2], size_t i, size_t n)
{
    if (i < 64) {
        uint64_t x = m[0] & (~UINT64_C(0) << i);
        if (x)
            return (size_t)__builtin_ctzll(x);
        i = 64;
    }
    if (i < 128) {
        uint64_t x = m[1] & (~UINT64_C(0) << (i - 64));
        if (x)
            return 64 + (size_t)__builtin_ctzll(x);
    }
    return n;
}

static bool word_in(const char *w, size_t wn, const struct word_set *set)
{
    if (wn == 0 || wn >= WORD_SET_BYTES)
        return false;
    unsigned char f0 = (unsigned char)((w[0] >= 'A' && w[0] <= 'Z') ? w[0] + 32 : w[0]);
    if (!((set->lens[f0] >> wn) & 1u))
        return false;
    char f[WORD_SET_BYTES] = {0};
    text_fold(f, w, wn);
    uint64_t x[WORD_SET_BYTES / 8];
    memcpy(x, f, sizeof x);
    for (size_t j = set->at[f0]; j < set->at[f0 + 1]; j++)
        if (set->len[j] == wn && x[0] == set->bytes[j][0] && x[1] == set->bytes[j][1] && x[2] == set->bytes[j][2])
            return true;
    return false;
}

bool people_is_name(const char *s, size_t n)
{
    text_trim(&s, &n);
    /* cheap rejections first: most segments tested are not names */
    if (n < 4 || n > 80 || !text_is_upper_at(s, n, 0))
        return false;
    once_run(&sets_once, sets_init);
    /* a byte no name holds rejects the segment whatever its words are, and
     * so does the lack of a space: one pass, no branch per byte */
    uint64_t blank[2];
    bool space;
    if (scan_name(s, n, blank, &space) || !space)
        return false;
    /* the words' bytes: not blank, and within the segment */
    uint64_t word[2] = {~blank[0] & (n >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1),
                        ~blank[1] & (n >= 128 ? ~UINT64_C(0) : n > 64 ? (UINT64_C(1) << (n - 64)) - 1 : 0)};
    size_t words = 0, caps = 0;
    size_t i = 0;
    while (i < n) {
        size_t b = next_bit(word, i, n);
        if (b >= n)
            break;
        i = next_bit(blank, b, n);
        const char *w = s + b;
        size_t wn = i - b;
        words++;
        if (word_in(w, wn, &org_set))
            return false;
        if (text_is_upper_at(w, wn, 0)) {
            /* "S." initials are fine; an all-caps word of 2+ letters is an
             * abbreviation (PLO, AC), not a name. */
            if (wn >= 2 && text_is_all_caps(w, wn) && !(wn == 2 && w[1] == '.'))
                return false;
            caps++;
        } else if (!word_in(w, wn, &particle_set)) {
            return false;
        }
    }
    return words >= 2 && words <= 6 && caps >= 2;
}

const char *people_group_of(const char *s, size_t n)
{
    static const char *const groups[] = {"secretariat", "observer", "advisor", "advisor", "guest", "member"};
    once_run(&sets_once, sets_init);
    int k = text_stems_find(&group_stems, s, n);
    return k >= 0 ? groups[k] : NULL;
}

/* ---- segmentation ------------------------------------------------------- */

struct seg {
    const char *s;
    size_t n;
    bool line_start;
};

static void trim_seg(struct seg *g)
{
    text_trim(&g->s, &g->n);
    while (g->n && (g->s[g->n - 1] == '.' || g->s[g->n - 1] == ',' || g->s[g->n - 1] == ';'))
        g->n--;
    text_trim(&g->s, &g->n);
    while (g->n && (g->s[0] == '-' || g->s[0] == '*' || (unsigned char)g->s[0] == 0xE2)) {
        /* list bullets: '-', '*', U+2022 */
        size_t skip = (unsigned char)g->s[0] == 0xE2 ? 3 : 1;
        if (skip > g->n)
            break;
        g->s += skip;
        g->n -= skip;
        text_trim(&g->s, &g->n);
    }
}

/* Splits at ',' ';' '\n', at " og " between two names, and at ". " when a
 * name follows ("Knud Erik Langhoff. Kolding Kommune"). */
static size_t split(const char *text, size_t n, struct seg *out, size_t max)
{
    size_t k = 0, b = 0;
    size_t next_sep = 0; /* the next ',', ';' or line break at or after it is
                            searched for: remembered, so " og " tests stay linear */
    bool ls = true;
    for (size_t i = 0; i <= n && k < max; i++) {
#if defined(__SSE2__)
        /* to the next byte that may cut, sixteen at a time: the loop below
         * looks at no other, and a block is hundreds of bytes of names */
        while (i + 19 <= n) {
            const char *p = text + i;
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i og = _mm_and_si128(
                _mm_and_si128(bytes_eq16(v, ' '), bytes_eq16(_mm_loadu_si128((const __m128i *)(const void *)(p + 1)), 'o')),
                _mm_and_si128(bytes_eq16(_mm_loadu_si128((const __m128i *)(const void *)(p + 2)), 'g'),
                              bytes_eq16(_mm_loadu_si128((const __m128i *)(const void *)(p + 3)), ' ')));
            __m128i cut = _mm_or_si128(_mm_or_si128(bytes_eq16(v, '\n'), bytes_eq16(v, ',')),
                                       _mm_or_si128(bytes_eq16(v, ';'), bytes_eq16(v, '.')));
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(cut, og));
            if (m) {
                i += (size_t)__builtin_ctz(m);
                break;
            }
            i += 16;
        }
#endif
        bool cut = false, next_ls = false;
        size_t skip = 1;
        if (i == n || text[i] == '\n') {
            cut = true;
            next_ls = true;
        } else if (text[i] == ',' || text[i] == ';') {
            cut = true;
        } else if (text[i] == '.' && i + 2 < n && text[i + 1] == ' ' && i > b + 3 &&
                   text_is_lower_at(text, n, i - 1) && text_is_lower_at(text, n, i - 2) &&
                   text_is_upper_at(text, n, i + 2) && people_is_name(text + b, i - b)) {
            cut = true;
        } else if (text[i] == ' ' && i + 4 <= n && text[i + 1] == 'o' && text[i + 2] == 'g' && text[i + 3] == ' ') {
            /* " og " splits only when both sides are names. */
            if (next_sep < i + 4) {
                next_sep = i + 4;
                while (next_sep < n && text[next_sep] != ',' && text[next_sep] != '\n' && text[next_sep] != ';')
                    next_sep++;
            }
            size_t e = next_sep;
            const char *r = text + i + 4;
            size_t rn = e - (i + 4);
            while (rn && (r[rn - 1] == '.' || r[rn - 1] == ' '))
                rn--;
            if (people_is_name(text + b, i - b) && people_is_name(r, rn)) {
                cut = true;
                skip = 4;
            }
        }
        if (!cut)
            continue;
        struct seg g = {text + b, i - b, ls};
        trim_seg(&g);
        if (g.n)
            out[k++] = g;
        ls = next_ls;
        b = i + skip;
        i += skip - 1;
    }
    return k;
}

static bool is_party(const char *s, size_t n)
{
    /* Danish party letters: A, B, C, F, I, K, M, O, V, Ø, Æ, Å; "SF", "EL" */
    if (n == 1 && s[0] >= 'A' && s[0] <= 'Z')
        return true;
    if (n == 2 && (unsigned char)s[0] == 0xC3 && text_is_upper_at(s, n, 0))
        return true;
    return (n == 2 && memcmp(s, "SF", 2) == 0) || (n == 2 && memcmp(s, "EL", 2) == 0) ||
           (n == 2 && memcmp(s, "DF", 2) == 0) || (n == 2 && memcmp(s, "LA", 2) == 0);
}

/* A segment that is only an organisation: "Middelfart Kommune", "Region
 * Hovedstaden", "PLO", "PLO-Midtjylland", "Rigshospitalet",
 * "Præhospitalet".  "Borgmester Mariagerfjord Kommune" is a role. */
static bool pure_org(const char *s, size_t n)
{
    size_t words = text_count_words_upto(s, n, 7);
    if (words == 1)
        return text_is_all_caps(s, n) || text_prefix_ci(s, n, "plo") ||
               (n > 8 && text_stems_find(&institution_stems, s, n) >= 0) ||
               (n > 8 && text_prefix_ci(s + n - 8, 8, "hospital")) ||
               (n > 10 && text_prefix_ci(s + n - 10, 10, "hospitalet"));
    if (words == 2) {
        /* the two words may be separated by a tab as well as a space */
        size_t b = 0;
        while (b < n && s[b] != ' ' && s[b] != '\t')
            b++;
        const char *sp = s + b;
        size_t rest = b < n ? n - b - 1 : 0;
        if (b >= n)
            return false;
        /* "Aarhus Universitetshospital", "Regionshospitalet Gødstrup" */
        bool hosp = text_find_prefix_ci(sp + 1, rest, "universitetshospital") >= 0 ||
                    text_find_prefix_ci(s, n, "regionshospital") >= 0 || text_find_prefix_ci(s, n, "sygehus") >= 0;
        return text_prefix_ci(s, n, "region ") || text_eq_ci(sp + 1, rest, "kommune") ||
               text_eq_ci(sp + 1, rest, "hospital") || text_eq_ci(sp + 1, rest, "sygehus") ||
               text_eq_ci(sp + 1, rest, "kommunes") || hosp;
    }
    return words <= 6 && (text_find_word_ci(s, n, "hospital") > 0 || text_find_word_ci(s, n, "sygehus") > 0) &&
           text_is_upper_at(s, n, 0) && !text_find_word_ci(s, n, "direktør");
}

/* Parenthesised notes: "(Fravær)", "(medformand)", "(sekretariat)",
 * "(deltog fra punkt 3)"; and a trailing "- mødeleder". */
/* Does s hold "deleder" (the cheap test before looking for "mødeleder")?
 * With SSE2, sixteen starts at a time: a start is compared only where its
 * byte and the next are "de" and the seventh is 'r' (a memchr for 'd',
 * the most common letter but 'e' at a word's start, found one a few bytes
 * in nearly every segment).  The last starts take one more window, the
 * segment's last 22 bytes; a shorter one goes the memchr way. */
static bool has_deleder(const char *s, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (n >= 22) {
        const __m128i d = _mm_set1_epi8('d'), e = _mm_set1_epi8('e'), r = _mm_set1_epi8('r');
        for (;; i += 16) {
            if (i + 22 > n)
                i = n - 22; /* overlaps starts found to hold none */
            __m128i hit = _mm_and_si128(
                _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i)), d),
                _mm_and_si128(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i + 1)), e),
                              _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i + 6)), r)));
            for (unsigned m = (unsigned)_mm_movemask_epi8(hit); m; m &= m - 1)
                if (memcmp(s + i + (unsigned)__builtin_ctz(m), "deleder", 7) == 0)
                    return true;
            if (i + 22 == n)
                return false;
        }
    }
#endif
    const char *end = s + n;
    for (const char *p = s + i; end - p >= 7 && (p = memchr(p, 'd', (size_t)(end - p - 6))); p++)
        if (memcmp(p, "deleder", 7) == 0)
            return true;
    return false;
}

static void take_notes(struct arena *a, struct person *p, struct seg *g)
{
    /* a few notes at most ("(medformand) - mødeleder"); bounded so that a
     * segment of a thousand parentheses stays linear */
    for (int round = 0; round < 6; round++) {
        const char *s = g->s;
        size_t n = g->n;
        long at = n >= 10 && has_deleder(s, n) ? text_find_word_ci(s, n, "mødeleder") : -1;
        if (at >= 0) {
            p->chair = true;
            size_t e = (size_t)at;
            while (e > 0 && (is_blank(s[e - 1]) || s[e - 1] == '-' || s[e - 1] == '(' ||
                             (unsigned char)s[e - 1] == 0x93 || (unsigned char)s[e - 1] == 0x80 ||
                             (unsigned char)s[e - 1] == 0xE2))
                e--;
            g->n = e;
            continue;
        }
        if (n && s[n - 1] == ')') {
            size_t o = n - 1;
            while (o > 0 && s[o] != '(')
                o--;
            if (s[o] != '(')
                return;
            const char *in = s + o + 1;
            size_t inn = n - o - 2;
            int k = text_stems_find(&note_stems, in, inn);
            if (k == 0 || k == 1) {
                p->absent = true;
            } else if (k == 2) {
                p->group = "secretariat";
            } else if (k == 3) {
                p->chair = true;
            } else if (!p->note) {
                p->note = arena_strndup(a, in, inn);
            }
            g->n = o;
            text_trim(&g->s, &g->n);
            continue;
        }
        return;
    }
}

/* What a segment that is no name says of the person before it: g without
 * its notes, which take_notes has read into notes (from an empty person). */
static void describe(struct arena *a, struct person *p, const struct person *notes, struct seg *g)
{
    p->chair |= notes->chair;
    p->absent |= notes->absent;
    if (notes->group)
        p->group = notes->group;
    if (!p->note)
        p->note = notes->note;
    if (!g->n)
        return;
    const char *grp = NULL;
    if (g->n < 20 && (grp = people_group_of(g->s, g->n)) && text_count_words_upto(g->s, g->n, 1) == 1) {
        if (!p->group)
            p->group = grp;
        return;
    }
    if (is_party(g->s, g->n) && !p->party) {
        p->party = arena_strndup(a, g->s, g->n);
        return;
    }
    if (pure_org(g->s, g->n) && !p->organization) {
        p->organization = arena_strndup(a, g->s, g->n);
        return;
    }
    if (!p->role)
        p->role = arena_strndup(a, g->s, g->n);
    else if (!p->organization)
        p->organization = arena_strndup(a, g->s, g->n);
}

size_t people_parse(struct arena *a, const char *text, size_t n, struct person *out, size_t max)
{
    once_run(&sets_once, sets_init); /* take_notes and pure_org use the stems */
    enum { MAXSEG = 512 };
    struct seg segs[MAXSEG];
    size_t ns = split(text, n, segs, MAXSEG);
    size_t k = 0;
    struct person *cur = NULL;
    for (size_t i = 0; i < ns; i++) {
        struct seg g = segs[i];
        struct person probe = {0};
        struct seg bare = g;
        take_notes(a, &probe, &bare);
        if (people_is_name(bare.s, bare.n)) {
            if (k == max)
                break;
            cur = &out[k++];
            memset(cur, 0, sizeof *cur);
            *cur = probe;
            cur->name = arena_strndup(a, bare.s, bare.n);
            continue;
        }
        if (cur)
            describe(a, cur, &probe, &bare);
    }
    return k;
}

/* ---- fuzzy names ---------------------------------------------------------- */

size_t people_fold(const char *s, char *out, size_t max)
{
    size_t n = strlen(s), o = 0;
    bool space = false;
    for (size_t i = 0; i < n && o + 2 < max; i++) {
        if (is_blank(s[i])) {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = s[i];
    }
    text_fold(out, out, o);
    out[o] = '\0';
    return o;
}

bool people_same_name(const char *a, const char *b)
{
    /* different initials: different people (and no folding needed) */
    char ia[2], ib[2];
    text_fold(ia, a, a[0] && a[1] ? 2 : 1);
    text_fold(ib, b, b[0] && b[1] ? 2 : 1);
    if (ia[0] != ib[0])
        return false;
    char fa[96], fb[96];
    size_t la = people_fold(a, fa, sizeof fa), lb = people_fold(b, fb, sizeof fb);
    if (la == lb && memcmp(fa, fb, la) == 0)
        return true;
    if (la <= 8 || lb <= 8 || (la > lb ? la - lb : lb - la) > 2)
        return false;
    /* Spelling slips are forgiven inside a surname, not in the first name
     * or at the surname's start: "Pia Buus Pinstrup" is "Pia Buus
     * Pindstrup", but "Per Hansen" is not "Pia Hansen" and "Jens Hansen"
     * is not "Jens Jensen".  One slip; two in a long name. */
    const char *sa = strchr(fa, ' '), *sb = strchr(fb, ' ');
    if (!sa || !sb || sa - fa != sb - fb || memcmp(fa, fb, (size_t)(sa - fa)) != 0)
        return false;
    const char *surname_a = strrchr(fa, ' ') + 1, *surname_b = strrchr(fb, ' ') + 1;
    if (surname_a[0] != surname_b[0])
        return false;
    unsigned budget = la >= 16 && lb >= 16 ? 2 : 1;
    /* Levenshtein with two rows; names are short. */
    unsigned prev[96], cur[96];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (unsigned)i;
        unsigned best = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            unsigned d = prev[j - 1] + (fa[i - 1] != fb[j - 1]);
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            cur[j] = d;
            if (d < best)
                best = d;
        }
        if (best > budget)
            return false;
        memcpy(prev, cur, (lb + 1) * sizeof *cur);
    }
    return prev[lb] <= budget;
}
