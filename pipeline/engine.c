/*
 * engine: see engine.h.  Everything here is linear in the number of lines
 * (the item chain is a dynamic programme keyed by item number, not by pairs
 * of candidates), because a hostile file may hold 100,000 numbered lines.
 */
#include "engine.h"
#include "amounts.h"
#include "dates.h"
#include "outcome.h"
#include "people.h"
#include "sections.h"
#include "text.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEM_NUMBER 100000
#define MAX_PEOPLE_BLOCK 256
/* Caps on what one document can make us keep: far above any real meeting,
 * low enough that the fuzzy matching they feed stays cheap. */
#define MAX_PARTICIPANTS 1000
#define MAX_ITEM_AMOUNTS 500
#define MAX_ITEM_ATTACHMENTS 500
#define MAX_ITEM_ABSENT 500
#define MAX_PEOPLE_TOTAL 5000 /* people read from all lists of a document */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- item heading candidates ------------------------------------------ */

struct cand {
    size_t line;
    int family;
    int number;
    char letter;          /* 0 or 'a'..'z' */
    const char *title;    /* points into the line */
    size_t title_len;
    enum md_tri is_public;
    double quality;
    double best;          /* best chain score ending here */
    long prev;            /* previous candidate in that chain, -1 */
};

/* "(Åben)" / "(Lukket)" / "(Åbent punkt)" at s[0..n): returns the public
 * flag and the length of the parenthesis, or 0. */
static size_t public_marker(const char *s, size_t n, enum md_tri *pub)
{
    if (n < 3 || s[0] != '(')
        return 0;
    const char *close = memchr(s, ')', n < 40 ? n : 40);
    if (!close)
        return 0;
    size_t l = (size_t)(close - s) + 1;
    if (text_find_prefix_ci(s + 1, l - 2, "åben") >= 0) {
        *pub = MD_TRUE;
        return l;
    }
    if (text_find_prefix_ci(s + 1, l - 2, "lukket") >= 0 || text_find_prefix_ci(s + 1, l - 2, "fortrolig") >= 0) {
        *pub = MD_FALSE;
        return l;
    }
    return 0;
}

/* Number (1..MAX_ITEM_NUMBER) and optional sub-letter at s; returns bytes consumed. */
static size_t item_number(const char *s, size_t n, int *num, char *letter)
{
    size_t d = text_parse_uint(s, n, num);
    if (d == 0 || d > 6 || *num == 0 || *num > MAX_ITEM_NUMBER)
        return 0;
    *letter = 0;
    if (d < n && s[d] >= 'a' && s[d] <= 'z' && !(d + 1 < n && text_is_word_at(s, n, d + 1))) {
        *letter = s[d];
        d++;
    }
    return d;
}

/* Table-of-contents entry: ends in a page number after a tab or dot leader. */
static bool is_toc_entry(const char *s, size_t n)
{
    size_t e = n;
    while (e > 0 && is_digit(s[e - 1]))
        e--;
    if (e == n || n - e > 4 || e == 0)
        return false;
    size_t b = e;
    while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (b < e && s[e - 1] == '\t')
        return b > 0;
    size_t dots = 0;
    while (b > 0 && s[b - 1] == '.')
        b--, dots++;
    return dots >= 3 && b > 0;
}

/* The title of a TOC entry: without list number, dot leader and page. */
static void toc_title(const char *s, size_t n, const char **t, size_t *tn)
{
    size_t e = n;
    while (e > 0 && is_digit(s[e - 1]))
        e--;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '.'))
        e--;
    size_t b = 0;
    int num;
    char letter;
    size_t d = item_number(s, e, &num, &letter);
    if (d && d < e && (s[d] == '.' || s[d] == ')'))
        b = d + 1;
    else if (text_prefix_ci(s, e, "punkt ")) {
        d = item_number(s + 6, e - 6, &num, &letter);
        if (d) {
            b = 6 + d;
            if (b < e && (s[b] == ':' || s[b] == '.'))
                b++;
        }
    }
    *t = s + b;
    *tn = e - b;
    text_trim(t, tn);
}

/* "Punkt ", "Pkt. ", "Dagsordenspunkt ", "Sag nr. ", "Ad punkt " …: the
 * words that introduce an item number; returns their length or 0.  They
 * must be capitalised - at a line start in lower case they are prose. */
static const char *const punkt_words[] = {"punkt ", "pkt. ", "pkt ", "dagsordenspunkt ", "dagsordenpunkt ",
                                          "sag nr. ", "sagsnr. ", "ad punkt ", "ad pkt. ", "ad. ", "ad ", NULL};

static size_t punkt_prefix(const char *s, size_t n)
{
    const char *const *words = punkt_words;
    if (n < 4 || !text_is_upper_at(s, n, 0))
        return 0;
    char f2[2];
    text_first2(s, n, f2);
    for (size_t k = 0; words[k]; k++)
        if (text_first2_may_match(f2, words[k]) && text_prefix_ci(s, n, words[k]))
            return strlen(words[k]);
    return 0;
}

static bool match_candidate(const char *s, size_t n, struct cand *c)
{
    memset(c, 0, sizeof *c);
    c->is_public = MD_UNKNOWN;
    c->prev = -1;
    if (n < 2 || n > 600)
        return false;
    size_t i = 0;
    size_t pfx = punkt_prefix(s, n);
    if (pfx) {
        /* "Punkt 3: Title", "Punkt 3 - Title", "Dagsordenspunkt 3. Title";
         * a wrapped sentence may start "punkt 5 er …" and is no heading */
        i = pfx;
        size_t d = item_number(s + i, n - i, &c->number, &c->letter);
        if (!d)
            return false;
        i += d;
        if (i < n && (s[i] == ':' || s[i] == '.' || s[i] == ')'))
            i++;
        else if (i + 2 < n && s[i] == ' ' && s[i + 1] == '-' && s[i + 2] == ' ')
            i += 2;
        else if (i + 4 < n && s[i] == ' ' && (unsigned char)s[i + 1] == 0xE2 && (unsigned char)s[i + 2] == 0x80 &&
                 ((unsigned char)s[i + 3] == 0x93 || (unsigned char)s[i + 3] == 0x94))
            i += 4; /* en or em dash */
        else if (i < n && !(s[i] == ' ' && i + 1 < n && (text_is_upper_at(s, n, i + 1) || s[i + 1] == '(')))
            return false;
        c->family = ENGINE_F_PUNKT;
    } else if (is_digit(s[0])) {
        size_t d = item_number(s, n, &c->number, &c->letter);
        if (!d)
            return false;
        i = d;
        if (i + 1 < n && s[i] == ' ' && s[i + 1] == '(') {
            size_t pl = public_marker(s + i + 1, n - i - 1, &c->is_public);
            if (!pl)
                return false;
            i += 1 + pl;
            c->family = ENGINE_F_NUMPUB;
        } else if (i < n && (s[i] == '.' || s[i] == ')')) {
            i++;
            /* "13. september 2023" is a date, "1.5 mio." a number */
            if (i < n && !(s[i] == ' ' || s[i] == '\t' || text_is_upper_at(s, n, i)))
                return false;
            c->family = ENGINE_F_NUMDOT;
        } else {
            return false;
        }
    } else {
        return false;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (c->family != ENGINE_F_NUMPUB && i < n && s[i] == '(') {
        size_t pl = public_marker(s + i, n - i, &c->is_public);
        if (pl) {
            i += pl;
            while (i < n && s[i] == ' ')
                i++;
        }
    }
    c->title = s + i;
    c->title_len = n - i;
    if (c->family == ENGINE_F_NUMDOT) {
        /* A heading starts with a letter and is not a sentence fragment. */
        if (c->title_len == 0 || !(text_is_upper_at(c->title, c->title_len, 0) || text_is_lower_at(c->title, c->title_len, 0)))
            return false;
        char d[11];
        size_t e;
        if (dates_find(s, n < 40 ? n : 40, d, &e) && e < 30)
            return false;
    }
    return true;
}

/* ---- small line predicates ---------------------------------------------- */

/* "22/43575", "EMN-2022-04994", "29.30.00-A00-1-22", "2023-012345" */
static bool is_case_ref(const char *s, size_t n)
{
    if (n < 5 || n > 40)
        return false;
    size_t digits = 0, seps = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_digit(c))
            digits++;
        else if (c == '/' || c == '-' || c == '.')
            seps++;
        else if (!((c >= 'A' && c <= 'Z')))
            return false;
    }
    if (digits < 4 || seps < 1 || !is_digit(s[n - 1]))
        return false;
    /* "2024-27", "2023-2027": a span of years, not a case */
    if (n >= 7 && n <= 9 && is_digit(s[0]) && is_digit(s[3]) && s[4] == '-' && (s[0] == '1' || s[0] == '2'))
        return false;
    return true;
}

/* "Sags ID: X", "Sagsnr.: X", "Dok ID: X" … -> value */
static bool labelled(const char *s, size_t n, const char *const *labels, const char **v, size_t *vn)
{
    char f2[2];
    text_first2(s, n, f2);
    for (size_t k = 0; labels[k]; k++) {
        if (!text_first2_may_match(f2, labels[k]) || !text_prefix_ci(s, n, labels[k]))
            continue;
        size_t l = strlen(labels[k]);
        if (l >= n)
            continue;
        size_t i = l;
        while (i < n && (s[i] == '.' || s[i] == ' '))
            i++;
        if (i >= n || s[i] != ':')
            continue;
        i++;
        *v = s + i;
        *vn = n - i;
        text_trim(v, vn);
        return *vn > 0;
    }
    return false;
}

static const char *const case_labels[] = {"sags id", "sagsid", "sagsnr", "sagsnummer", "sag nr", "j.nr",
                                          "journalnr", "journalnummer", "sagsnr.", NULL};
static const char *const doc_labels[] = {"dok id", "dokid", "dok.nr", "doknr", "dokumentnr", "dokument id",
                                         "dok. nr", NULL};

/* "Forventet varighed: 25 min." / "Varighed: 5 minutter" -> minutes */
static const char *const duration_labels[] = {"forventet varighed", "varighed", "tidsforbrug", "tid til punktet", NULL};

static int duration_line(const char *s, size_t n)
{
    const char *const *labels = duration_labels;
    const char *v;
    size_t vn;
    if (!labelled(s, n, labels, &v, &vn))
        return -1;
    int m;
    size_t d = text_parse_uint(v, vn, &m);
    if (!d || m > 10000)
        return -1; /* no meeting item lasts a week */
    const char *u = v + d;
    size_t un = vn - d;
    text_trim(&u, &un);
    if (text_prefix_ci(u, un, "min"))
        return m;
    if (text_prefix_ci(u, un, "time"))
        return m * 60;
    return -1;
}

/* Title suffix " - 5 min" / " – 40 min." : returns minutes and cuts *n. */
static int title_duration(const char *s, size_t *n)
{
    size_t e = *n;
    while (e > 0 && (s[e - 1] == '.' || s[e - 1] == ' '))
        e--;
    if (e < 5 || !(text_prefix_ci(s + e - 3, 3, "min")))
        return -1;
    size_t u = e - 3;
    while (u > 0 && s[u - 1] == ' ')
        u--;
    size_t d = u;
    while (d > 0 && is_digit(s[d - 1]))
        d--;
    if (d == u)
        return -1;
    size_t b = d;
    while (b > 0 && s[b - 1] == ' ')
        b--;
    /* preceded by '-' or an en dash */
    if (b >= 1 && s[b - 1] == '-')
        b--;
    else if (b >= 3 && (unsigned char)s[b - 3] == 0xE2 && (unsigned char)s[b - 2] == 0x80)
        b -= 3;
    else if (b >= 1 && s[b - 1] == '(')
        b--;
    else
        return -1;
    int m;
    text_parse_uint(s + d, u - d, &m);
    if (m > 10000)
        return -1;
    while (b > 0 && s[b - 1] == ' ')
        b--;
    *n = b;
    return m;
}

static const struct people_head_word {
    const char *w;
    bool absent, may_inline;
    const char *group;
} people_heads[] = {
    {"mødedeltagere", false, true, NULL}, {"deltagere", false, true, NULL}, {"til stede", false, true, NULL},
    {"tilstede", false, true, NULL},      {"fraværende", true, true, NULL}, {"afbud", true, true, NULL},
    {"fravær", true, true, NULL},         {"desuden deltog", false, true, NULL},
    {"referent", false, true, "secretariat"}, {NULL, false, false, NULL},
};

/* People headings: "Mødedeltagere", "Deltagere:", "MEDLEMMER", "Afbud:",
 * "Administrativ deltagelse", … ; *absent for Afbud/Fraværende, *inline_off
 * where names start on the same line (0 when none). */
static bool people_head(const char *s, size_t n, const char **group, bool *absent, size_t *inline_off)
{
    const struct people_head_word *heads = people_heads;
    *group = NULL;
    *absent = false;
    *inline_off = 0;
    if (n == 0 || n > 2000)
        return false;
    char f2[2];
    text_first2(s, n, f2);
    for (size_t k = 0; heads[k].w; k++) {
        if (!text_first2_may_match(f2, heads[k].w) || !text_prefix_ci(s, n, heads[k].w))
            continue;
        size_t l = strlen(heads[k].w);
        if (text_is_word_at(s, n, l))
            continue;
        size_t i = l;
        while (i < n && (s[i] == ':' || s[i] == ' '))
            i++;
        *absent = heads[k].absent;
        *group = heads[k].group;
        if (i == n)
            return true;
        if (heads[k].may_inline && text_is_upper_at(s, n, i)) {
            /* the rest must start with a name */
            size_t e = i;
            while (e < n && s[e] != ',' && s[e] != '\n' && s[e] != ';')
                e++;
            const char *nm = s + i;
            size_t nn = e - i;
            long og = text_find_word_ci(nm, nn, "og");
            if (og > 0)
                nn = (size_t)og;
            const char *paren = memchr(nm, '(', nn); /* "Marianne Holm (formand)" */
            if (paren)
                nn = (size_t)(paren - nm);
            text_trim_punct(&nm, &nn, ".");
            if (people_is_name(nm, nn)) {
                *inline_off = i;
                return true;
            }
        }
        return false;
    }
    /* Group headings: short, no sentence. */
    if (n <= 60 && s[n - 1] != '.' && !memchr(s, ',', n) && !memchr(s, '(', n) && text_count_words_upto(s, n, 5) <= 5) {
        const char *g = people_group_of(s, n);
        if (!g)
            return false;
        /* "Medlemmerne fremsætter …" is a sentence, not a heading: the
         * group word must be the heading's main word. */
        char f[64];
        size_t fl = n < sizeof f ? n : sizeof f - 1;
        text_fold(f, s, fl);
        f[fl] = '\0';
        if (strstr(f, "medlemmerne") || strstr(f, "gæsterne"))
            return false;
        *group = g;
        return true;
    }
    return false;
}

/* "Gitte Bundgaard, Regionsrådsmedlem": a name, then a comma. */
static bool starts_with_person(const char *s, size_t n)
{
    const char *comma = memchr(s, ',', n < 80 ? n : 80);
    return comma && people_is_name(s, (size_t)(comma - s));
}

enum lines_join engine_is_structural(const char *prev, size_t pn, const char *s, size_t n)
{
    struct section_match m;
    struct cand c;
    const char *g;
    bool ab;
    size_t io;
    /* one person per line: the next entry, not the rest of a sentence */
    if (starts_with_person(s, n) && starts_with_person(prev, pn))
        return LINES_NEVER;
    if (n && (s[0] == '-' || s[0] == '*' || (unsigned char)s[0] == 0xE2))
        return LINES_NEVER;
    if (match_candidate(s, n, &c) || sections_match(s, n, &m) || people_head(s, n, &g, &ab, &io) ||
        is_case_ref(s, n))
        return LINES_NEVER;
    if (sections_is_field_label(s, n) && memchr(s, ':', n < 30 ? n : 30))
        return LINES_NEVER;
    /* A heading's continuation is decided by the item parser, which can
     * ask the table of contents; numbered list entries reflow as text. */
    if (match_candidate(prev, pn, &c) && c.family != ENGINE_F_NUMDOT)
        return LINES_NEVER;
    if (sections_match(prev, pn, &m) && m.text_off >= pn && !m.keep_line)
        return LINES_NEVER; /* a bare heading; "Fraværende A, B," wraps like text */
    return LINES_JOIN;
}

/* Does the line end in a word that cannot end a heading ("… den",
 * "… d.", "… i")?  Then a converter cut it and the next line goes on. */
static bool dangling_end(const char *s, size_t n)
{
    static const char *const words[] = {"den", "d.", "i", "for", "om", "af", "på", "fra", "til", "og", "ved", NULL};
    size_t b = n;
    while (b > 0 && s[b - 1] != ' ')
        b--;
    for (size_t k = 0; words[k]; k++)
        if (n - b == strlen(words[k]) && text_prefix_ci(s + b, n - b, words[k]))
            return b > 0;
    return false;
}

/* ---- the plain-line prefilter ---------------------------------------------
 *
 * Most lines of minutes are prose.  A line longer than a heading can be
 * (80 bytes) that starts with a letter, does not end in a page number, and
 * whose first word starts no heading, label, people list or item prefix is
 * "plain": no classifier can match it, so none is asked.  The first words
 * are collected from the classifiers' own tables at first use, so the
 * prefilter cannot fall out of step with them.
 */

#define KW_SLOTS 512
#define KW_MAX 24

static char kw_set[KW_SLOTS][KW_MAX + 1];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

/* The first word of s (letters and digits), folded, into w; its length. */
static size_t first_word(const char *s, size_t n, char w[KW_MAX + 1])
{
    size_t i = 0;
    while (i < n && i < KW_MAX && text_is_word_at(s, n, i))
        i++;
    /* a multi-byte letter cut by KW_MAX: back off to its start */
    while (i > 0 && i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    text_fold(w, s, i);
    w[i] = '\0';
    return i;
}

static size_t kw_slot(const char *w, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h & (KW_SLOTS - 1);
}

static void kw_add(const char *lit)
{
    char w[KW_MAX + 1];
    size_t n = first_word(lit, strlen(lit), w);
    if (!n)
        return;
    size_t k = kw_slot(w, n);
    while (kw_set[k][0] && strcmp(kw_set[k], w) != 0)
        k = (k + 1) & (KW_SLOTS - 1);
    memcpy(kw_set[k], w, n + 1);
}

static void kw_init(void)
{
    const char *const *tables[] = {punkt_words, case_labels, doc_labels, duration_labels};
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (size_t k = 0; tables[t][k]; k++)
            kw_add(tables[t][k]);
    for (size_t k = 0; people_heads[k].w; k++)
        kw_add(people_heads[k].w);
    const char *kw;
    for (size_t k = 0; (kw = sections_keyword(k)); k++)
        kw_add(kw);
}

static bool kw_has(const char *w, size_t n)
{
    size_t k = kw_slot(w, n);
    while (kw_set[k][0]) {
        if (strcmp(kw_set[k], w) == 0)
            return true;
        k = (k + 1) & (KW_SLOTS - 1);
    }
    return false;
}

/* Can this line be anything but text?  (false = plain prose) */
static bool maybe_structure(const char *s, size_t n)
{
    if (n <= 80 || !(text_is_upper_at(s, n, 0) || text_is_lower_at(s, n, 0)) || is_digit(s[n - 1]))
        return true;
    pthread_once(&kw_once, kw_init);
    char w[KW_MAX + 1];
    size_t wn = first_word(s, n, w);
    return wn == 0 || kw_has(w, wn);
}

/* ---- parse state ---------------------------------------------------------- */

struct toc_entry {
    const char *title;
    size_t len;
    size_t len_nodur; /* without a trailing " - 5 min", computed once */
};

struct eng {
    struct md_doc *doc;
    const struct lines *L;
    const struct engine_opts *opts;
    struct toc_entry *toc;
    size_t ntoc;
    size_t toc_first, toc_last; /* line range of the TOC, or toc_first > toc_last */
    size_t *heads;              /* chosen heading lines */
    struct cand *hc;            /* their candidates */
    size_t nheads;
    struct buf tmp;
    struct arena *scratch;      /* for throw-away parses */
    unsigned char *plain;       /* per line: 1 = prose, no classifier can match */
};

static const struct line *LN(struct eng *e, size_t i)
{
    return &e->L->v[i];
}

/* ---- table of contents ----------------------------------------------------- */

static void find_toc(struct eng *e)
{
    const struct lines *L = e->L;
    e->toc_first = 1;
    e->toc_last = 0;
    size_t cap = 0;
    for (size_t i = 0; i < L->n; i++) {
        const struct line *l = &L->v[i];
        if (!l->len)
            continue;
        if (l->len > 400 || !is_toc_entry(l->s, l->len)) {
            /* the TOC is one run of entries (blank lines allowed); stop at
             * the first other line once it has begun */
            if (e->ntoc >= 2)
                break;
            if (e->ntoc == 1) {
                e->ntoc = 0;
                e->toc_first = 1;
                e->toc_last = 0;
            }
            continue;
        }
        if (e->ntoc == cap) {
            size_t nc = cap ? cap * 2 : 32;
            e->toc = arena_grow(e->doc->arena, e->toc, e->ntoc, nc, sizeof *e->toc);
            cap = nc;
        }
        if (e->ntoc == 0)
            e->toc_first = i;
        e->toc_last = i;
        struct toc_entry *te = &e->toc[e->ntoc];
        toc_title(l->s, l->len, &te->title, &te->len);
        te->len_nodur = te->len;
        title_duration(te->title, &te->len_nodur);
        e->ntoc++;
    }
    if (e->ntoc < 2) {
        e->ntoc = 0;
        e->toc_first = 1;
        e->toc_last = 0;
    }
}

static bool in_toc(struct eng *e, size_t i)
{
    return i >= e->toc_first && i <= e->toc_last;
}

/* Compares a heading title with a TOC title: equal after folding, or one a
 * prefix of the other (TOCs truncate long titles). */
static bool toc_matches(const char *a, size_t an, const char *b, size_t bn)
{
    if (an == 0 || bn == 0)
        return false;
    size_t m = an < bn ? an : bn;
    if (m < 6 && an != bn)
        return false;
    char fa[256], fb[256];
    if (m > sizeof fa)
        m = sizeof fa;
    text_fold(fa, a, m);
    text_fold(fb, b, m);
    /* a truncated TOC title may end mid-word: compare all but the last 2 */
    size_t cmp = (an != bn && m > 12) ? m - 2 : m;
    return memcmp(fa, fb, cmp) == 0;
}

/* ---- the item chain ------------------------------------------------------ */

struct best_by_number {
    double score;
    long idx;
};

static double chain(struct cand *c, size_t nc, unsigned family, long *end)
{
    /* indexed by item number: sized by the largest number present, so a
     * small document does not pay for the 100,000-item worst case */
    int maxnum = 1;
    for (size_t i = 0; i < nc; i++)
        if (c[i].number > maxnum && c[i].number <= MAX_ITEM_NUMBER)
            maxnum = c[i].number;
    struct best_by_number *best = xmalloc(((size_t)maxnum + 2) * sizeof *best);
    for (size_t k = 0; k < (size_t)maxnum + 2; k++) {
        best[k].score = 0;
        best[k].idx = -1;
    }
    double top = 0;
    *end = -1;
    for (size_t i = 0; i < nc; i++) {
        struct cand *x = &c[i];
        if (!((unsigned)x->family & family) || x->number > MAX_ITEM_NUMBER)
            continue;
        double start = x->number == 1 ? 0.0 : -0.5 * (x->number < 4 ? x->number - 1 : 3);
        double b = start;
        long p = -1;
        /* continue from the previous number, or from a sub-item of the
         * same number ("3a" after "3"), or skip a short gap */
        if (best[x->number - 1].idx >= 0 && best[x->number - 1].score > b) {
            b = best[x->number - 1].score;
            p = best[x->number - 1].idx;
        }
        if (x->letter && best[x->number].idx >= 0 && c[best[x->number].idx].letter < x->letter &&
            best[x->number].score > b) {
            b = best[x->number].score;
            p = best[x->number].idx;
        }
        for (int gap = 2; gap <= 4 && x->number - gap >= 1; gap++) {
            struct best_by_number *g = &best[x->number - gap];
            if (g->idx >= 0 && g->score - 1.5 * (gap - 1) > b) {
                b = g->score - 1.5 * (gap - 1);
                p = g->idx;
            }
        }
        x->best = b + x->quality;
        x->prev = p;
        if (x->best > best[x->number].score || best[x->number].idx < 0) {
            best[x->number].score = x->best;
            best[x->number].idx = (long)i;
        }
        if (x->best > top) {
            top = x->best;
            *end = (long)i;
        }
    }
    free(best);
    return top;
}

static void find_items(struct eng *e)
{
    const struct lines *L = e->L;
    size_t cap = 64, nc = 0;
    struct cand *c = xmalloc(cap * sizeof *c);
    for (size_t i = 0; i < L->n; i++) {
        const struct line *l = &L->v[i];
        if (!l->len || e->plain[i] || in_toc(e, i))
            continue;
        struct cand x;
        if (!match_candidate(l->s, l->len, &x))
            continue;
        x.line = i;
        if (nc == cap) {
            cap *= 2;
            c = xrealloc(c, cap * sizeof *c);
        }
        c[nc++] = x;
    }
    /* Quality: what follows the candidate, and the table of contents. */
    size_t toc_pos = 0;
    for (size_t k = 0; k < nc; k++) {
        struct cand *x = &c[k];
        x->quality = x->family == ENGINE_F_PUNKT ? 1.5 : 1.0;
        if (x->title_len > 250)
            x->quality -= 0.75;
        /* List context: an entry that directly follows the entry before it
         * ("2. Rammen fastholdes" / "3. Sagen sendes videre"), or a first
         * entry after "… at:", belongs to a list inside an item. */
        size_t pl = x->line;
        while (pl > 0 && !L->v[pl - 1].len)
            pl--;
        if (pl > 0) {
            const struct line *prevl = &L->v[pl - 1];
            if (k > 0 && c[k - 1].line == pl - 1 && c[k - 1].family == x->family && c[k - 1].number + 1 == x->number)
                x->quality -= 1.5;
            else if (prevl->s[prevl->len - 1] == ':')
                x->quality -= 1.0;
        }
        size_t stop = k + 1 < nc ? c[k + 1].line : L->n;
        size_t seen = 0;
        for (size_t j = x->line + 1; j < stop && seen < 12; j++) {
            const struct line *l = &L->v[j];
            if (!l->len)
                continue;
            seen++;
            if (e->plain[j])
                continue;
            struct section_match m;
            const char *v;
            size_t vn;
            struct cand y;
            if (sections_match(l->s, l->len, &m) || labelled(l->s, l->len, case_labels, &v, &vn) ||
                duration_line(l->s, l->len) >= 0 || (seen <= 2 && is_case_ref(l->s, l->len)) ||
                (match_candidate(l->s, l->len, &y) && y.family == ENGINE_F_NUMPUB && y.number == x->number)) {
                /* a heading is followed at once by its item's structure;
                 * a list item inside a decision only meets the next
                 * section heading after a while */
                x->quality += seen <= 2 ? 2.0 : seen <= 6 ? 1.0 : 0.5;
                break;
            }
        }
        if (e->ntoc) {
            /* TOC entries are in order: look a little ahead of the last match */
            const char *tt = x->title;
            size_t tl = x->title_len;
            title_duration(tt, &tl);
            for (size_t t = toc_pos; t < e->ntoc && t < toc_pos + 3; t++) {
                if (toc_matches(tt, tl, e->toc[t].title, e->toc[t].len_nodur)) {
                    x->quality += 2.0;
                    toc_pos = t + 1;
                    break;
                }
            }
        }
    }
    /* Choose the family whose chain scores best; "Punkt" headings win ties.
     * The layout's families come first; the others only when those find
     * nothing (a publisher that changed its template still gets items). */
    static const unsigned fams[] = {ENGINE_F_PUNKT, ENGINE_F_NUMPUB, ENGINE_F_NUMDOT};
    double top = 0;
    unsigned chosen = 0;
    unsigned preferred = e->opts->families ? e->opts->families : ENGINE_F_ALL;
    for (int round = 0; round < 2 && !chosen; round++) {
        for (size_t f = 0; f < 3; f++) {
            bool pref = (fams[f] & preferred) != 0;
            if (pref != (round == 0))
                continue;
            long end;
            double s = chain(c, nc, fams[f], &end);
            if (s > top + 0.01) {
                top = s;
                chosen = fams[f];
            }
        }
    }
    long end = -1;
    if (chosen)
        chain(c, nc, chosen, &end);
    size_t n = 0;
    for (long i = end; i >= 0; i = c[i].prev)
        n++;
    e->heads = arena_alloc(e->doc->arena, (n + 1) * sizeof *e->heads);
    e->hc = arena_alloc(e->doc->arena, (n + 1) * sizeof *e->hc);
    e->nheads = n;
    for (long i = end; i >= 0; i = c[i].prev) {
        n--;
        e->heads[n] = c[i].line;
        e->hc[n] = c[i];
    }
    free(c);
}

/* ---- header ----------------------------------------------------------------- */

static char *dup_trim(struct md_doc *doc, const char *s, size_t n, const char *punct)
{
    text_trim_punct(&s, &n, punct);
    return n ? model_strndup(doc, s, n) : NULL;
}

/* "REFERAT HOL Sundhedsklynge Politisk Forum d. 13-09-2023" -> body */
static char *body_from_title(struct md_doc *doc, const char *s, size_t n)
{
    static const char *const prefixes[] = {
        "dagsordner og referater", "dagsorden og referat", "dagsordener og referater", "referat fra mødet i",
        "referat af mødet i", "referat fra møde i", "referat af møde i", "referat fra", "referat af",
        "referat", "dagsorden for mødet i", "dagsorden for møde i", "dagsorden for", "dagsorden til",
        "dagsorden", "mødereferat", "beslutningsreferat", "møde i", "mødet i", "ekstraordinært møde",
        "ekstraordinært", ":", "-", NULL};
    bool again = true;
    while (again) {
        again = false;
        text_trim(&s, &n);
        for (size_t k = 0; prefixes[k]; k++) {
            size_t l = strlen(prefixes[k]);
            if (l <= n && text_prefix_ci(s, n, prefixes[k]) && !text_is_word_at(s, n, l)) {
                s += l;
                n -= l;
                again = true;
                break;
            }
        }
    }
    /* cut a trailing date: " d. 13-09-2023", " den 26. april", " - 13.09.2023" */
    char d[11];
    for (size_t i = 0; i + 3 < n; i++) {
        if (s[i] != ' ')
            continue;
        const char *r = s + i + 1;
        size_t rn = n - i - 1;
        if (text_prefix_ci(r, rn, "d. ") || text_prefix_ci(r, rn, "den ") || text_prefix_ci(r, rn, "- ") ||
            is_digit(r[0])) {
            size_t e;
            if (dates_find(r, rn, d, &e) && e + 0 <= rn) {
                n = i;
                break;
            }
        }
    }
    return dup_trim(doc, s, n, " -–:,");
}

static bool label_value(const char *s, size_t n, const char *label, const char **v, size_t *vn)
{
    size_t l = strlen(label);
    if (l >= n || !text_prefix_ci(s, n, label) || text_is_word_at(s, n, l))
        return false;
    size_t i = l;
    while (i < n && (s[i] == ':' || s[i] == ' ' || s[i] == '\t' || s[i] == '.'))
        i++;
    if (i == l || i >= n)
        return false;
    *v = s + i;
    *vn = n - i;
    return true;
}

static void parse_header(struct eng *e, size_t end)
{
    struct md_doc *doc = e->doc;
    struct md_meeting *m = &doc->meeting;
    size_t first = 0;
    while (first < e->L->n && !LN(e, first)->len)
        first++;
    if (first < e->L->n) {
        const struct line *t = LN(e, first);
        buf_reset(&e->tmp);
        buf_append(&e->tmp, t->s, t->len < 300 ? t->len : 300);
        /* a title cut after "d." or "den" goes on on the next line */
        if (dangling_end(t->s, t->len) && first + 1 < e->L->n && LN(e, first + 1)->len &&
            LN(e, first + 1)->len < 80) {
            buf_putc(&e->tmp, ' ');
            buf_append(&e->tmp, LN(e, first + 1)->s, LN(e, first + 1)->len);
        }
        doc->title = dup_trim(doc, e->tmp.data, e->tmp.len, "");
        m->body = body_from_title(doc, e->tmp.data, e->tmp.len);
        /* "Referat" alone on the first line: the committee is named on the
         * next line that is no label, date or table of contents */
        for (size_t i = first + 1; !m->body && i < end && i < first + 4; i++) {
            const struct line *l = LN(e, i);
            char d[11];
            if (!l->len || in_toc(e, i) || memchr(l->s, ':', l->len) || dates_find(l->s, l->len, d, NULL))
                continue;
            buf_reset(&e->tmp);
            buf_append(&e->tmp, l->s, l->len < 300 ? l->len : 300);
            /* a name set on two short lines: "Sundhedsklynge Randers" /
             * "Politisk Forum" */
            const struct line *nx = i + 1 < end ? LN(e, i + 1) : NULL;
            if (nx && nx->len && nx->len < 60 && text_count_words(nx->s, nx->len) <= 4 &&
                text_is_upper_at(nx->s, nx->len, 0) && !memchr(nx->s, ':', nx->len) &&
                !dates_find(nx->s, nx->len, d, NULL) && !people_is_name(nx->s, nx->len)) {
                buf_putc(&e->tmp, ' ');
                buf_append(&e->tmp, nx->s, nx->len);
            }
            m->body = body_from_title(doc, e->tmp.data, e->tmp.len);
            if (m->body && text_find_prefix_ci(m->body, strlen(m->body), "indholdsfortegnelse") >= 0)
                m->body = NULL;
        }
    }
    char date[11], st[6], en[6];
    bool have_date = false, date_labelled = false, have_time = false;
    size_t date_line = (size_t)-1;
    for (size_t i = first; i < end; i++) {
        const struct line *l = LN(e, i);
        if (!l->len || in_toc(e, i))
            continue;
        const char *s = l->s;
        size_t n = l->len < 400 ? l->len : 400;
        const char *v;
        size_t vn;
        if (label_value(s, n, "møde i", &v, &vn) || label_value(s, n, "udvalg", &v, &vn) ||
            label_value(s, n, "forum", &v, &vn)) {
            char *b = body_from_title(doc, v, vn);
            if (b && (!m->body || text_find_word_ci(s, n, "ekstraordinært") >= 0 || !*m->body))
                m->body = b;
        }
        if (text_find_prefix_ci(s, n, "ekstraordinær") >= 0)
            m->extraordinary = true;
        bool dl = label_value(s, n, "mødedato", &v, &vn) || label_value(s, n, "dato", &v, &vn) ||
                  label_value(s, n, "tidspunkt", &v, &vn);
        if (!dl) {
            v = s;
            vn = n;
        }
        if ((!have_date || (dl && !date_labelled)) && dates_find(v, vn, date, NULL)) {
            m->date = model_strndup(doc, date, 10);
            have_date = true;
            date_labelled = dl;
            date_line = i;
        }
        if (!have_time && dates_find_times(s, n, text_prefix_ci(s, n, "kl") || label_value(s, n, "tid", &v, &vn), st, en)) {
            m->start = model_strndup(doc, st, 5);
            m->end = en[0] ? model_strndup(doc, en, 5) : NULL;
            have_time = true;
        }
        if (!m->location && (label_value(s, n, "mødested", &v, &vn) || label_value(s, n, "sted", &v, &vn) ||
                             label_value(s, n, "lokation", &v, &vn) || label_value(s, n, "mødelokale", &v, &vn) ||
                             label_value(s, n, "lokale", &v, &vn)))
            m->location = dup_trim(doc, v, vn, "");
        /* "den 27. november 2024 kl. 08:30" / "i R022, Regionshospitalet …" */
        if (!m->location && date_line != (size_t)-1 && i > date_line && i <= date_line + 2 && n > 2 &&
            s[0] == 'i' && s[1] == ' ')
            m->location = dup_trim(doc, s + 2, n - 2, "");
    }
}

/* ---- chair ----------------------------------------------------------------- */

/* Drops leading role words ("Borgmester Tina Mandrup") and keeps the name. */
static char *name_in(struct md_doc *doc, const char *s, size_t n)
{
    text_trim_punct(&s, &n, ".,");
    const char *comma = memchr(s, ',', n);
    if (comma)
        n = (size_t)(comma - s);
    text_trim(&s, &n);
    while (n && !people_is_name(s, n)) {
        /* drop the first word */
        size_t i = 0;
        while (i < n && s[i] != ' ')
            i++;
        if (i >= n)
            return NULL;
        s += i + 1;
        n -= i + 1;
    }
    return n ? model_strndup(doc, s, n) : NULL;
}

static void find_chair(struct eng *e)
{
    struct md_doc *doc = e->doc;
    if (doc->meeting.chair)
        return;
    for (size_t i = 0; i < e->L->n; i++) {
        const struct line *l = LN(e, i);
        if (l->len < 10 || l->len > 1000)
            continue;
        long at = text_find_word_ci(l->s, l->len, "mødeleder");
        if (at < 0)
            continue;
        const char *v;
        size_t vn;
        if (label_value(l->s, l->len, "mødeleder", &v, &vn)) {
            doc->meeting.chair = name_in(doc, v, vn);
        } else {
            /* "X er mødeleder" */
            long er = text_find_word_ci(l->s, (size_t)at, "er");
            if (er > 0) {
                size_t b = (size_t)er;
                while (b > 0 && l->s[b - 1] != '.')
                    b--;
                doc->meeting.chair = name_in(doc, l->s + b, (size_t)er - b);
            }
        }
        if (doc->meeting.chair)
            return;
    }
}

/* ---- people ------------------------------------------------------------------ */

static long item_of_line(struct eng *e, size_t line)
{
    if (e->nheads == 0 || line < e->heads[0])
        return -1;
    size_t lo = 0, hi = e->nheads;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (e->heads[mid] <= line)
            lo = mid;
        else
            hi = mid;
    }
    return (long)lo;
}

struct people_block {
    size_t head;        /* line of the heading */
    size_t first, last; /* lines of the block (inclusive) */
    size_t inline_off;
    const char *group;
    bool absent;
};

static bool qualifies(struct eng *e, const char *s, size_t n, bool vertical)
{
    struct person tmp[8];
    /* "Name, role, organisation": the usual line, known without parsing */
    if (starts_with_person(s, n) || people_parse(e->scratch, s, n, tmp, 8))
        return true;
    /* "Regionsdirektør" / "Medlem" under a bare name */
    return vertical && n <= 60 && s[n - 1] != '.' && s[n - 1] != ':' && text_count_words_upto(s, n, 4) <= 4;
}

static bool ends_with_stop(const char *s, size_t n)
{
    return n && (s[n - 1] == '.' || s[n - 1] == ':' || s[n - 1] == '!' || s[n - 1] == '?');
}

static size_t collect_block(struct eng *e, size_t head, struct people_block *pb)
{
    const struct lines *L = e->L;
    pb->first = head + 1;
    pb->last = head;
    bool vertical = false;
    size_t attrs = 0;
    size_t i;
    for (i = head + 1; i < L->n && i < head + 1 + MAX_PEOPLE_BLOCK; i++) {
        const struct line *l = &L->v[i];
        if (!l->len)
            continue;
        struct section_match m;
        const char *g;
        bool ab;
        size_t io;
        struct cand c;
        if (l->len > 4000 || (!e->plain[i] && (people_head(l->s, l->len, &g, &ab, &io) ||
                                               match_candidate(l->s, l->len, &c) ||
                                               sections_match(l->s, l->len, &m) || in_toc(e, i))))
            break;
        bool bare_name = people_is_name(l->s, l->len);
        if (!qualifies(e, l->s, l->len, vertical && attrs < 3)) {
            /* a short line between two entries ("Universitetshospital")
             * is the rest of the entry before it, cut by a converter */
            bool cont = pb->last == i - 1 && l->len < 80 && !ends_with_stop(l->s, l->len) && i + 1 < L->n &&
                        L->v[i + 1].len && starts_with_person(L->v[i + 1].s, L->v[i + 1].len);
            if (!cont)
                break;
        }
        if (bare_name) {
            vertical = true;
            attrs = 0;
        } else if (!memchr(l->s, ',', l->len) && vertical) {
            attrs++;
        } else {
            vertical = false;
        }
        pb->last = i;
    }
    return i;
}

/* The roll: participants by folded name, for exact lookups in O(1), and
 * how often each was listed absent. */
#define ROLL_SLOTS 4096 /* > 2 x MAX_PARTICIPANTS, a power of two */

struct roll {
    int slot[ROLL_SLOTS];                 /* participant index + 1, 0 = empty */
    char *folded[MAX_PARTICIPANTS];       /* compacted, folded names */
    unsigned absent_items[MAX_PARTICIPANTS];
    bool meeting_absent[MAX_PARTICIPANTS];
    bool listed_absent[MAX_PARTICIPANTS];
};

static char *fold_name(struct arena *a, const char *name)
{
    size_t n = strlen(name), o = 0;
    char *f = arena_alloc(a, n + 1);
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        if (name[i] == ' ' || name[i] == '\t') {
            space = o > 0;
            continue;
        }
        if (space)
            f[o++] = ' ';
        space = false;
        f[o++] = name[i];
    }
    text_fold(f, f, o);
    f[o] = '\0';
    return f;
}

static size_t roll_hash(const char *f)
{
    uint32_t h = 2166136261u;
    for (; *f; f++)
        h = (h ^ (unsigned char)*f) * 16777619u;
    return h & (ROLL_SLOTS - 1);
}

/* Exact (folded) lookup; with fuzzy, an absentee's misspelt name may match
 * a listed participant ("Pindstrup" for "Pinstrup") when nothing matches
 * exactly.  Participants are never merged with each other by spelling. */
static long roll_find(struct roll *r, const struct md_doc *doc, const char *folded, const char *name, bool fuzzy)
{
    for (size_t k = roll_hash(folded); r->slot[k]; k = (k + 1) & (ROLL_SLOTS - 1))
        if (strcmp(r->folded[r->slot[k] - 1], folded) == 0)
            return r->slot[k] - 1;
    if (fuzzy) {
        /* fuzzy matches need the same first name: compare that first */
        const char *sp = strchr(folded, ' ');
        size_t fl = sp ? (size_t)(sp - folded) : strlen(folded);
        size_t len = strlen(folded);
        for (size_t i = 0; i < doc->nparticipants; i++) {
            const char *f = r->folded[i];
            size_t flen = strlen(f);
            if (strncmp(f, folded, fl + 1) != 0 || (flen > len ? flen - len : len - flen) > 2)
                continue;
            if (people_same_name(doc->participants[i].name, name))
                return (long)i;
        }
    }
    return -1;
}

/* Adds or updates the person; returns the participant's index, or -1 when
 * the roll is full. */
static long add_person(struct eng *e, struct roll *r, const struct person *p, const struct people_block *pb,
                       long item, bool meeting_level)
{
    struct md_doc *doc = e->doc;
    char *folded = fold_name(e->scratch, p->name);
    long idx = roll_find(r, doc, folded, p->name, pb->absent);
    if (idx < 0) {
        if (doc->nparticipants >= MAX_PARTICIPANTS)
            return -1;
        struct md_participant *np = model_add_participant(doc);
        np->name = model_strdup(doc, p->name);
        idx = (long)(doc->nparticipants - 1);
        r->folded[idx] = fold_name(doc->arena, p->name);
        size_t k = roll_hash(r->folded[idx]);
        while (r->slot[k])
            k = (k + 1) & (ROLL_SLOTS - 1);
        r->slot[k] = (int)idx + 1;
    }
    struct md_participant *mp = &doc->participants[idx];
    if (!mp->role && p->role)
        mp->role = model_strdup(doc, p->role);
    if (!mp->organization && p->organization)
        mp->organization = model_strdup(doc, p->organization);
    if (!mp->party && p->party)
        mp->party = model_strdup(doc, p->party);
    if (!mp->note && p->note)
        mp->note = model_strdup(doc, p->note);
    if (!mp->group)
        mp->group = p->group ? p->group : pb->group;
    if (p->absent)
        mp->present = false;
    if (p->chair && !doc->meeting.chair)
        doc->meeting.chair = model_strdup(doc, mp->name);
    if (pb->absent) {
        if (item >= 0 && doc->items[item].nabsent < MAX_ITEM_ABSENT)
            model_item_add_absent(doc, &doc->items[item], mp->name);
        r->listed_absent[idx] = true;
        if (meeting_level || item < 0)
            r->meeting_absent[idx] = true;
        else
            r->absent_items[idx]++;
    }
    return idx;
}

static void parse_people(struct eng *e)
{
    struct md_doc *doc = e->doc;
    const struct lines *L = e->L;
    size_t nb = 0, capb = 16;
    struct people_block *blocks = xmalloc(capb * sizeof *blocks);
    for (size_t i = 0; i < L->n; i++) {
        const struct line *l = &L->v[i];
        struct people_block pb = {0};
        if (!l->len || e->plain[i] || in_toc(e, i) ||
            !people_head(l->s, l->len, &pb.group, &pb.absent, &pb.inline_off))
            continue;
        pb.head = i;
        size_t next = collect_block(e, i, &pb);
        if (nb == capb) {
            capb *= 2;
            blocks = xrealloc(blocks, capb * sizeof *blocks);
        }
        blocks[nb++] = pb;
        if (next > i + 1)
            i = next - 1;
    }
    /* An item that lists who takes part holds the meeting's attendance:
     * absentees there are absent from the meeting, not from one item. */
    bool *roll_item = xcalloc(e->nheads + 1, sizeof *roll_item);
    for (size_t b = 0; b < nb; b++) {
        long it = item_of_line(e, blocks[b].head);
        if (it >= 0 && !blocks[b].absent)
            roll_item[it] = true;
    }
    size_t items_with_absent = 0;
    long last_item = -2;
    size_t seen_total = 0;
    struct roll *roll = xcalloc(1, sizeof *roll);
    struct person *people = xmalloc(MAX_PEOPLE_BLOCK * sizeof *people);
    struct arena *scratch = arena_create();
    for (int pass = 0; pass < 2; pass++) {
        for (size_t b = 0; b < nb; b++) {
            struct people_block *pb = &blocks[b];
            if (pb->absent != (pass == 1))
                continue;
            /* Running lists ("Mødedeltagere A, V, B, …") may wrap: join with
             * spaces; one-per-line lists keep their line breaks. */
            bool running = pb->inline_off > 0;
            buf_reset(&e->tmp);
            if (pb->inline_off)
                buf_append(&e->tmp, L->v[pb->head].s + pb->inline_off, L->v[pb->head].len - pb->inline_off);
            for (size_t i = pb->first; i <= pb->last && i < L->n; i++) {
                if (!L->v[i].len)
                    continue;
                if (e->tmp.len)
                    buf_putc(&e->tmp, running ? ' ' : '\n');
                buf_append(&e->tmp, L->v[i].s, L->v[i].len);
            }
            size_t np = people_parse(scratch, buf_cstr(&e->tmp), e->tmp.len, people, MAX_PEOPLE_BLOCK);
            long it = item_of_line(e, pb->head);
            long item = (it >= 0 && !roll_item[it]) ? it : -1;
            if (pb->absent && it >= 0 && item < 0)
                item = it; /* still list them under the item */
            if (pb->absent && item >= 0 && !roll_item[item] && item != last_item && np) {
                items_with_absent++;
                last_item = item;
            }
            if (np > MAX_PEOPLE_TOTAL - seen_total)
                np = MAX_PEOPLE_TOTAL - seen_total;
            seen_total += np;
            for (size_t k = 0; k < np; k++) {
                /* absentees listed under the roll-call item are absent
                 * from the meeting, though recorded under that item */
                bool meeting_level = pb->absent && it >= 0 && roll_item[it];
                add_person(e, roll, &people[k], pb, meeting_level ? it : item, meeting_level);
            }
        }
    }
    /* Absent under every item that lists absentees (or from the meeting):
     * not present.  Absent under some items only: present, with a note. */
    for (size_t i = 0; i < doc->nparticipants; i++) {
        if (!roll->listed_absent[i])
            continue;
        struct md_participant *mp = &doc->participants[i];
        if (roll->meeting_absent[i] || roll->absent_items[i] >= items_with_absent)
            mp->present = false;
        else if (!mp->note)
            mp->note = model_strdup(doc, "fraværende under enkelte punkter");
    }
    free(roll);
    arena_destroy(scratch);
    free(people);
    free(roll_item);
    free(blocks);
}

/* ---- items ---------------------------------------------------------------- */

struct sec_acc {
    const char *key;
    const char *heading;
    size_t heading_len;
    struct buf text;
    bool open;
};

static void sec_close(struct eng *e, struct md_item *it, struct sec_acc *sa)
{
    if (!sa->open)
        return;
    sa->open = false;
    struct md_doc *doc = e->doc;
    if (!sa->heading && sa->text.len == 0)
        return;
    struct md_section *s = model_item_add_section(doc, it);
    s->key = sa->key;
    s->heading = sa->heading ? model_strndup(doc, sa->heading, sa->heading_len) : NULL;
    s->text = model_strndup(doc, sa->text.len ? sa->text.data : "", sa->text.len);
    /* "JOURNALNUMMER" / "-" or a case number */
    if (sa->heading && !it->case_ref && text_eq_ci(sa->heading, sa->heading_len, "journalnummer") &&
        is_case_ref(s->text, strlen(s->text)))
        it->case_ref = s->text;
}

static void sec_open(struct sec_acc *sa, const char *key, const char *heading, size_t hl)
{
    sa->key = key;
    sa->heading = heading;
    sa->heading_len = hl;
    buf_reset(&sa->text);
    sa->open = true;
}

static void sec_add(struct sec_acc *sa, const char *s, size_t n)
{
    if (!sa->open)
        sec_open(sa, "other", NULL, 0);
    if (sa->text.len)
        buf_putc(&sa->text, '\n');
    buf_append(&sa->text, s, n);
}

static bool is_caps_heading(const char *s, size_t n)
{
    return n >= 4 && n <= 60 && s[n - 1] != '.' && text_count_words_upto(s, n, 6) <= 6 && text_is_all_caps(s, n);
}

/* Joins the texts of all sections with the key, separated by a blank line. */
static char *join_sections(struct eng *e, const struct md_item *it, const char *key)
{
    buf_reset(&e->tmp);
    for (size_t i = 0; i < it->nsections; i++) {
        const struct md_section *s = &it->sections[i];
        if (strcmp(s->key, key) != 0)
            continue;
        const char *t = s->text;
        size_t tn = strlen(t);
        text_trim(&t, &tn);
        if (tn == 0 || (tn == 1 && (t[0] == '.' || t[0] == '-')))
            continue;
        if (e->tmp.len)
            buf_puts(&e->tmp, "\n\n");
        buf_append(&e->tmp, t, tn);
    }
    return e->tmp.len ? model_strndup(e->doc, e->tmp.data, e->tmp.len) : NULL;
}

/* Titles already taken for an item, by a hash of their folded text: the
 * duplicate test costs O(1) however many attachments there are. */
#define SEEN_SLOTS 1024 /* > 2 x MAX_ITEM_ATTACHMENTS */

struct seen {
    uint64_t key[SEEN_SLOTS]; /* 0 = empty */
    int idx[SEEN_SLOTS];
};

static uint64_t seen_key(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 1099511628211ULL;
    }
    return h | 1;
}

static long seen_find(const struct seen *t, const char *s, size_t n)
{
    uint64_t k = seen_key(s, n);
    for (size_t i = k & (SEEN_SLOTS - 1); t->key[i]; i = (i + 1) & (SEEN_SLOTS - 1))
        if (t->key[i] == k)
            return t->idx[i];
    return -1;
}

static void seen_add(struct seen *t, const char *s, size_t n, size_t idx)
{
    uint64_t k = seen_key(s, n);
    size_t i = k & (SEEN_SLOTS - 1);
    while (t->key[i])
        i = (i + 1) & (SEEN_SLOTS - 1);
    t->key[i] = k;
    t->idx[i] = (int)idx;
}

/* Attachment lines: "1. Bilag 1. Titel (DokID: 11065832 - EMN-…)". */
static void add_attachments(struct eng *e, struct md_item *it, const char *text, struct seen *seen)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *s = p;
        p = nl ? nl + 1 : p + n;
        text_trim(&s, &n);
        if (n <= 1 || text_eq_ci(s, n, "ingen") || text_eq_ci(s, n, "ingen bilag") || n > 400)
            continue;
        /* list numbering */
        int num;
        char letter;
        size_t d = item_number(s, n, &num, &letter);
        if (d && d + 1 < n && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ') {
            s += d + 2;
            n -= d + 2;
        }
        if (n && (s[0] == '-' || (unsigned char)s[0] == 0xE2)) {
            size_t k = (unsigned char)s[0] == 0xE2 ? 3 : 1;
            if (k < n) {
                s += k;
                n -= k;
                text_trim(&s, &n);
            }
        }
        const char *ref = NULL;
        size_t refn = 0;
        if (n && s[n - 1] == ')') {
            const char *o = NULL;
            for (size_t k = n; k > 0; k--)
                if (s[k - 1] == '(') {
                    o = s + k - 1;
                    break;
                }
            if (o) {
                const char *v;
                size_t vn;
                if (labelled(o + 1, (size_t)(s + n - 1 - (o + 1)), doc_labels, &v, &vn)) {
                    size_t r = 0;
                    while (r < vn && v[r] != ' ' && v[r] != '-' && v[r] != ',')
                        r++;
                    ref = v;
                    refn = r;
                    n = (size_t)(o - s);
                    text_trim(&s, &n);
                }
            }
        }
        if (!n || it->nattachments >= MAX_ITEM_ATTACHMENTS)
            continue;
        /* listed twice (before the item and in its Bilag section): once */
        long k = seen_find(seen, s, n);
        if (k >= 0) {
            struct md_attachment *a = &it->attachments[k];
            if (!a->doc_ref && ref)
                a->doc_ref = model_strndup(e->doc, ref, refn);
            continue;
        }
        seen_add(seen, s, n, it->nattachments);
        struct md_attachment *a = model_item_add_attachment(e->doc, it);
        a->title = model_strndup(e->doc, s, n);
        a->doc_ref = ref ? model_strndup(e->doc, ref, refn) : NULL;
    }
}

struct amount_ctx {
    struct eng *e;
    struct md_item *it;
    const char *base;
    struct seen seen;
};

static void on_amount(void *ctx, const struct amount_match *m)
{
    struct amount_ctx *ac = ctx;
    struct md_item *it = ac->it;
    const char *t = ac->base + m->start;
    if (it->namounts >= MAX_ITEM_AMOUNTS)
        return;
    if (seen_find(&ac->seen, t, m->len) >= 0)
        return; /* the same amount, written the same way, once per item */
    seen_add(&ac->seen, t, m->len, it->namounts);
    struct md_amount *a = model_item_add_amount(ac->e->doc, it);
    a->dkk = m->dkk;
    a->text = model_strndup(ac->e->doc, t, m->len);
}

static const char *kind_of_title(const char *t, size_t n)
{
    static const struct { const char *w; const char *kind; } kinds[] = {
        {"beslutningspunkt", "decision"}, {"beslutning om", "decision"}, {"beslutning:", "decision"},
        {"beslutningssag", "decision"},   {"orienteringspunkt", "information"},
        {"skriftlig orientering", "information"}, {"orienteringssag", "information"},
        {"orientering", "information"},   {"drøftelsespunkt", "discussion"}, {"drøftelsepunkt", "discussion"},
        {"drøftelsessag", "discussion"},  {"drøftelse", "discussion"}, {"temadrøftelse", "discussion"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        size_t l = strlen(kinds[k].w);
        if (l <= n && text_prefix_ci(t, n, kinds[k].w) && (kinds[k].w[l - 1] == ':' || !text_is_word_at(t, n, l)))
            return kinds[k].kind;
    }
    return NULL;
}

static bool is_structure_line(struct eng *e, size_t i)
{
    if (e->plain[i])
        return false;
    const struct line *l = LN(e, i);
    struct section_match m;
    struct cand c;
    const char *g, *v;
    bool ab;
    size_t io, vn;
    return sections_match(l->s, l->len, &m) || match_candidate(l->s, l->len, &c) ||
           people_head(l->s, l->len, &g, &ab, &io) || labelled(l->s, l->len, case_labels, &v, &vn) ||
           labelled(l->s, l->len, doc_labels, &v, &vn) || duration_line(l->s, l->len) >= 0 ||
           is_case_ref(l->s, l->len) || sections_is_field_label(l->s, l->len);
}

static void parse_item(struct eng *e, size_t k)
{
    struct md_doc *doc = e->doc;
    const struct cand *hc = &e->hc[k];
    size_t from = e->heads[k] + 1;
    size_t to = k + 1 < e->nheads ? e->heads[k + 1] : e->L->n;
    struct md_item *it = model_add_item(doc);
    it->number = hc->number;
    char label[16];
    snprintf(label, sizeof label, "%d%c", hc->number, hc->letter ? hc->letter : '\0');
    it->label = model_strdup(doc, label);
    it->line = LN(e, e->heads[k])->no;
    it->is_public = hc->is_public;

    /* Title, its duration suffix, and a title wrapped onto the next line. */
    const char *t = hc->title;
    size_t tn = hc->title_len;
    buf_reset(&e->tmp);
    buf_append(&e->tmp, t, tn);
    if (from < to && LN(e, from)->len) {
        const struct line *nx = LN(e, from);
        bool structure = is_structure_line(e, from);
        bool join = !structure && text_is_lower_at(nx->s, nx->len, 0) && nx->len < 200;
        bool toc_complete = false;
        /* The table of contents may show the rest of a wrapped title, even
         * one that looks like structure ("… Sundhedsaftalen" / "2024-27"). */
        if (!join && e->ntoc) {
            /* items and TOC entries run in the same order: look near k */
            size_t q0 = k > 2 ? k - 2 : 0, q1 = k + 3 < e->ntoc ? k + 3 : e->ntoc;
            for (size_t q = q0; q < q1; q++) {
                if (e->toc[q].len == tn && toc_matches(e->toc[q].title, tn, t, tn))
                    toc_complete = true;
                const struct toc_entry *te = &e->toc[q];
                if (te->len > tn + 3 && toc_matches(te->title, tn, t, tn) &&
                    toc_matches(te->title + tn + 1, te->len - tn - 1, nx->s, nx->len < te->len - tn - 1 ? nx->len : te->len - tn - 1)) {
                    join = true;
                    break;
                }
            }
        }
        /* Hard-wrapped text: the next word would not have fitted. */
        size_t w = e->L->wrap_width;
        if (!join && !toc_complete && !structure && w && nx->len < 200) {
            size_t tc = 0, fw = 0;
            for (size_t q = 0; q < LN(e, e->heads[k])->len; q++)
                tc += ((unsigned char)LN(e, e->heads[k])->s[q] & 0xC0) != 0x80;
            while (fw < nx->len && nx->s[fw] != ' ')
                fw++;
            join = tc + 1 + fw > w && tc + 15 >= w;
        }
        if (join) {
            buf_putc(&e->tmp, ' ');
            buf_append(&e->tmp, nx->s, nx->len);
            from++;
        }
    }
    size_t full = e->tmp.len;
    int dur = title_duration(e->tmp.data ? e->tmp.data : "", &full);
    if (dur >= 0)
        it->duration_minutes = dur;
    /* "Personalesag (Lukket)": the public flag written after the title */
    if (full > 4 && e->tmp.data[full - 1] == ')') {
        size_t o = full - 1;
        while (o > 0 && e->tmp.data[o] != '(' && full - o < 40)
            o--;
        enum md_tri pub = MD_UNKNOWN;
        if (e->tmp.data[o] == '(' && public_marker(e->tmp.data + o, full - o, &pub) == full - o) {
            if (it->is_public == MD_UNKNOWN)
                it->is_public = pub;
            full = o;
        }
    }
    it->title = dup_trim(doc, e->tmp.data ? e->tmp.data : "", full, "");
    if (it->title)
        it->kind = kind_of_title(it->title, strlen(it->title));

    struct sec_acc sa = {0};
    buf_init(&sa.text, 0);
    size_t nonblank = 0;
    bool seen_section = false;
    for (size_t i = from; i < to; i++) {
        const struct line *l = LN(e, i);
        if (!l->len)
            continue;
        nonblank++;
        if (e->plain[i]) {
            sec_add(&sa, l->s, l->len);
            continue;
        }
        const char *s = l->s;
        size_t n = l->len;
        const char *v;
        size_t vn;
        struct cand c;
        struct section_match m;
        int d;
        if (labelled(s, n, case_labels, &v, &vn)) {
            if (!it->case_ref && !(vn == 1 && v[0] == '-'))
                it->case_ref = dup_trim(doc, v, vn, ".");
            sec_close(e, it, &sa);
            continue;
        }
        if (labelled(s, n, doc_labels, &v, &vn)) {
            if (!it->doc_ref)
                it->doc_ref = dup_trim(doc, v, vn, ".");
            sec_close(e, it, &sa);
            continue;
        }
        if (!seen_section && nonblank <= 3 && is_case_ref(s, n)) {
            if (!it->case_ref)
                it->case_ref = model_strndup(doc, s, n);
            continue;
        }
        if ((d = duration_line(s, n)) >= 0) {
            if (it->duration_minutes < 0)
                it->duration_minutes = d;
            continue;
        }
        if (match_candidate(s, n, &c) && c.family == ENGINE_F_NUMPUB && c.number == it->number) {
            if (c.is_public != MD_UNKNOWN)
                it->is_public = c.is_public;
            if (!it->title && c.title_len)
                it->title = dup_trim(doc, c.title, c.title_len, "");
            sec_close(e, it, &sa);
            continue;
        }
        if (doc->meeting.body && strlen(doc->meeting.body) == n &&
            toc_matches(doc->meeting.body, n, s, n) && !seen_section)
            continue; /* the committee's name repeated under the heading */
        if (sections_match(s, n, &m)) {
            bool in_rec = sa.open && strcmp(sa.key, "recommendation") == 0;
            if (m.keep_line && in_rec) {
                sec_add(&sa, s, n); /* "Det indstilles, at" inside Indstilling */
                continue;
            }
            sec_close(e, it, &sa);
            seen_section = true;
            sec_open(&sa, m.key, s, m.heading_len);
            if (m.heading_len == n && dangling_end(s, n) && i + 1 < to && LN(e, i + 1)->len &&
                LN(e, i + 1)->len < 60) {
                i++; /* "Beslutning i … den" / "26-04-2024": the rest of the heading */
                continue;
            }
            if (m.keep_line)
                sec_add(&sa, s, n);
            else if (m.text_off < n)
                sec_add(&sa, s + m.text_off, n - m.text_off);
            continue;
        }
        if (e->opts->caps_headings && is_caps_heading(s, n)) {
            sec_close(e, it, &sa);
            seen_section = true;
            sec_open(&sa, "other", s, n);
            if (!sections_is_field_label(s, n))
                model_add_issue(doc, "warning", "unknown_section", it->number, l->no,
                                "unknown section heading \"%.*s\" in item %d", (int)(n < 60 ? n : 60), s, it->number);
            continue;
        }
        sec_add(&sa, s, n);
    }
    sec_close(e, it, &sa);
    buf_free(&sa.text);

    it->recommendation = join_sections(e, it, "recommendation");
    it->decision_text = join_sections(e, it, "decision");
    if (it->decision_text)
        it->outcome = outcome_classify(it->decision_text, strlen(it->decision_text));
    struct seen *seen = NULL;
    for (size_t i = 0; i < it->nsections; i++)
        if (strcmp(it->sections[i].key, "attachments") == 0) {
            if (!seen)
                seen = xcalloc(1, sizeof *seen);
            add_attachments(e, it, it->sections[i].text, seen);
        }
    free(seen);

    /* on the heap: the duplicate set is 12 KiB */
    struct amount_ctx *ac = xcalloc(1, sizeof *ac);
    ac->e = e;
    ac->it = it;
    if (it->title) {
        ac->base = it->title;
        amounts_scan(it->title, strlen(it->title), on_amount, ac);
    }
    for (size_t i = 0; i < it->nsections; i++) {
        ac->base = it->sections[i].text;
        amounts_scan(ac->base, strlen(ac->base), on_amount, ac);
    }
    free(ac);
}

/* ---- driver ------------------------------------------------------------------ */

void engine_parse(struct md_doc *doc, const struct lines *L, const struct engine_opts *opts)
{
    struct eng e = {.doc = doc, .L = L, .opts = opts};
    buf_init(&e.tmp, 0);
    e.scratch = arena_create(); /* throw-away parses: freed below, not kept in the model */
    e.plain = arena_alloc(doc->arena, L->n + 1);
    for (size_t i = 0; i < L->n; i++)
        e.plain[i] = L->v[i].len && !maybe_structure(L->v[i].s, L->v[i].len);

    find_toc(&e);
    find_items(&e);
    size_t header_end = e.nheads ? e.heads[0] : L->n;
    parse_header(&e, header_end);
    for (size_t k = 0; k < e.nheads; k++)
        parse_item(&e, k);
    parse_people(&e);
    find_chair(&e);

    /* The meeting is extraordinary when the header or the opening item
     * says so (later items talk about other meetings). */
    if (!doc->meeting.extraordinary && e.nheads) {
        size_t to = e.nheads > 1 ? e.heads[1] : L->n;
        for (size_t i = e.heads[0]; i < to; i++) {
            const struct line *l = LN(&e, i);
            long at = text_find_prefix_ci(l->s, l->len, "ekstraordinær");
            if (at >= 0 && text_find_prefix_ci(l->s + at, l->len - (size_t)at, "ekstraordinært indkaldt") >= 0) {
                doc->meeting.extraordinary = true;
                break;
            }
            if (at >= 0 && text_find_word_ci(l->s, l->len, "møde") >= 0 && text_find_word_ci(l->s, l->len, "tale") >= 0) {
                doc->meeting.extraordinary = true;
                break;
            }
        }
    }

    /* Minutes record decisions; a document with none is an agenda unless
     * its title says it is a referat. */
    bool decisions = false;
    for (size_t i = 0; i < doc->nitems && !decisions; i++)
        decisions = doc->items[i].decision_text != NULL;
    if (decisions)
        doc->kind = "minutes";
    else if (doc->title && text_find_prefix_ci(doc->title, strlen(doc->title), "referat") >= 0 &&
             text_find_prefix_ci(doc->title, strlen(doc->title), "dagsorden") < 0)
        doc->kind = "minutes";
    else
        doc->kind = "agenda";

    if (e.ntoc && e.ntoc != doc->nitems)
        model_add_issue(doc, "warning", "toc_mismatch", -1, LN(&e, e.toc_first)->no,
                        "table of contents lists %zu items, the document has %zu", e.ntoc, doc->nitems);
    else if (e.ntoc) {
        for (size_t i = 0; i < doc->nitems && i < e.ntoc; i++) {
            const char *t = doc->items[i].title ? doc->items[i].title : "";
            if (!toc_matches(t, strlen(t), e.toc[i].title, e.toc[i].len)) {
                size_t a = strlen(t);
                title_duration(t, &a);
                if (!toc_matches(t, a, e.toc[i].title, e.toc[i].len_nodur))
                    model_add_issue(doc, "warning", "toc_mismatch", doc->items[i].number, doc->items[i].line,
                                    "item %d is titled differently in the table of contents", doc->items[i].number);
            }
        }
    }
    buf_free(&e.tmp);
    arena_destroy(e.scratch);
}
