/*
 * classify: see classify.h.  Hand-written matchers, no regular expressions:
 * every line of every document passes through here.
 */
#include "classify.h"
#include "bytes.h"
#include "util.h"
#include "people.h"
#include "sections.h"
#include "text.h"
#include "dates.h"
#include "wordskip.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "(Åben)" / "(Lukket)" / "(Åbent punkt)" at s[0..n): returns the public
 * flag and the length of the parenthesis, or 0. */
size_t classify_public_marker(const char *s, size_t n, enum md_tri *pub)
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
size_t classify_item_number(const char *s, size_t n, int *num, char *letter)
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
bool classify_toc_entry(const char *s, size_t n)
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
void classify_toc_title(const char *s, size_t n, const char **t, size_t *tn)
{
    size_t e = n;
    while (e > 0 && is_digit(s[e - 1]))
        e--;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '.'))
        e--;
    size_t b = 0;
    int num;
    char letter;
    size_t d = classify_item_number(s, e, &num, &letter);
    if (d && d < e && (s[d] == '.' || s[d] == ')'))
        b = d + 1;
    else if (text_prefix_ci(s, e, "punkt ")) {
        d = classify_item_number(s + 6, e - 6, &num, &letter);
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
                                          "sag nr. ", "sagsnr. ", "sag ", "ad punkt ", "ad pkt. ", "ad. ", "ad ",
                                          NULL};

/* The tables below by their entries' first two bytes (text_lits), made
 * once, at first use (tables_init): a line is compared with the few
 * entries that start like it. */
static void tables(void);
static struct text_lits punkt_ix, heads_ix;
/* the labels of a duration line */
static const char *const duration_labels[] = {"forventet varighed", "varighed", "tidsforbrug", "tid til punktet", NULL};
/* classify_labelled's tables (enum classify_label) and their indexes */
static const char *const *const label_tables[] = {classify_case_labels, classify_doc_labels, duration_labels};
static struct text_lits label_ix[sizeof label_tables / sizeof *label_tables];

static size_t punkt_prefix(const char *s, size_t n)
{
    const char *const *words = punkt_words;
    if (n < 4 || !text_is_upper_at(s, n, 0))
        return 0;
    tables();
    struct text_lits_walk w;
    size_t l;
    text_lits_begin(&punkt_ix, s, n, &w);
    return text_lits_next(&punkt_ix, words, s, n, &w, &l) >= 0 ? l : 0;
}

bool classify_candidate(const char *s, size_t n, struct heading_cand *c)
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
        size_t d = classify_item_number(s + i, n - i, &c->number, &c->letter);
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
        size_t d = classify_item_number(s, n, &c->number, &c->letter);
        if (!d)
            return false;
        i = d;
        if (i + 1 < n && s[i] == ' ' && s[i + 1] == '(') {
            size_t pl = classify_public_marker(s + i + 1, n - i - 1, &c->is_public);
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
        size_t pl = classify_public_marker(s + i, n - i, &c->is_public);
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
bool classify_case_ref(const char *s, size_t n)
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
bool classify_labelled(const char *s, size_t n, enum classify_label table, const char **v, size_t *vn)
{
    /* every label is followed by a colon: most lines have none, and one
     * memchr answers for all the labels */
    if (!memchr(s, ':', n))
        return false;
    tables();
    const char *const *labels = label_tables[table];
    const struct text_lits *ix = &label_ix[table];
    struct text_lits_walk w;
    size_t l;
    text_lits_begin(ix, s, n, &w);
    while (text_lits_next(ix, labels, s, n, &w, &l) >= 0) {
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

const char *const classify_case_labels[] = {"sags id", "sagsid", "sagsnr", "sagsnummer", "sag nr", "j.nr",
                                          "journalnr", "journalnummer", "sagsnr.", NULL};
const char *const classify_doc_labels[] = {"dok id", "dokid", "dok.nr", "doknr", "dokumentnr", "dokument id",
                                         "dok. nr", NULL};

/* "Forventet varighed: 25 min." / "Varighed: 5 minutter" -> minutes */

int classify_duration_line(const char *s, size_t n)
{
    const char *v;
    size_t vn;
    if (!classify_labelled(s, n, CLASSIFY_DURATION_LABEL, &v, &vn))
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
int classify_title_duration(const char *s, size_t *n)
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
bool classify_people_head(const char *s, size_t n, const char **group, bool *absent, size_t *inline_off)
{
    const struct people_head_word *heads = people_heads;
    *group = NULL;
    *absent = false;
    *inline_off = 0;
    if (n == 0 || n > 2000)
        return false;
    char f2[2];
    text_first2(s, n, f2);
    tables();
    unsigned b = text_lits_bucket(f2);
    for (size_t j = heads_ix.at[b]; j < heads_ix.at[b + 1]; j++) {
        size_t k = heads_ix.k[j];
        size_t l = text_quad_may_match(&heads_ix.quad[k], s, n) ? text_prefix_ci_len(s, n, heads[k].w) : 0;
        if (!l || text_is_word_at(s, n, l))
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
    /* Group headings: short, no sentence, and a group's word in them -
     * asked first, as it rules out nearly every line the other tests
     * would have to look at. */
    const char *g;
    if (n <= 60 && s[n - 1] != '.' && (g = people_group_of(s, n)) && !memchr(s, ',', n) && !memchr(s, '(', n) &&
        text_count_words_upto(s, n, 5) <= 5) {
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
bool classify_starts_with_person(const char *s, size_t n)
{
    const char *comma = memchr(s, ',', n < 80 ? n : 80);
    return comma && people_is_name(s, (size_t)(comma - s));
}

/* The words that cannot end a heading, and the bytes of the longest: a
 * longer last word is none of them (tables_init aborts if one outgrows it). */
static const char *const dangling_words[] = {"den", "d.", "i", "for", "om", "af", "på", "fra", "til", "og", "ved", NULL};
#define DANGLING_LONGEST 3

/* Does the line end in a word that cannot end a heading ("… den",
 * "… d.", "… i")?  Then a converter cut it and the next line goes on. */
bool classify_dangling_end(const char *s, size_t n)
{
    const char *const *words = dangling_words;
    tables(); /* which checks DANGLING_LONGEST against the words */
    enum { LONGEST = DANGLING_LONGEST };
    size_t b = n;
    while (b > 0 && s[b - 1] != ' ' && n - b <= LONGEST)
        b--;
    if (n - b > LONGEST)
        return false;
    for (size_t k = 0; words[k]; k++)
        if (b < n && text_prefix_ci_len(s + b, n - b, words[k]) == n - b)
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
/* The first four bytes of the keywords' first words, as wordskip_ascii_quad
 * makes them, hashed into a bit set: a line whose first four bytes are
 * ASCII and miss it starts no keyword, without folding its first word. */
static unsigned char kw_quads[65536 / 8];
static struct once tables_once = ONCE_INIT;

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
    return (size_t)bytes_hash(w, n, false) & (KW_SLOTS - 1);
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
    /* a word with a byte >= 0x80 in its first four has no ASCII quad, and
     * neither has a line that starts with it: those lines take the long
     * way, so the word needs no bit */
    unsigned char four[4] = {0, 0, 0, 0};
    memcpy(four, w, n < 4 ? n : 4);
    uint32_t q;
    if (wordskip_ascii_quad(four, &q)) {
        unsigned h = wordskip_quad_hash(q);
        kw_quads[h >> 3] |= (unsigned char)(1u << (h & 7));
    }
}

/* Entries of a NULL-terminated table. */
static size_t count(const char *const *t)
{
    size_t n = 0;
    while (t[n])
        n++;
    return n;
}

static void tables_init(void)
{
    for (size_t k = 0; dangling_words[k]; k++)
        if (strlen(dangling_words[k]) > DANGLING_LONGEST)
            abort(); /* a longer word needs a longer bound in classify_dangling_end */
    const char *const *lists[] = {punkt_words, classify_case_labels, classify_doc_labels, duration_labels};
    for (size_t t = 0; t < sizeof lists / sizeof *lists; t++)
        for (size_t k = 0; lists[t][k]; k++)
            kw_add(lists[t][k]);
    const char *heads[sizeof people_heads / sizeof *people_heads];
    size_t nheads = 0;
    for (; people_heads[nheads].w; nheads++) {
        kw_add(people_heads[nheads].w);
        heads[nheads] = people_heads[nheads].w;
    }
    text_lits_init(&heads_ix, heads, nheads);
    text_lits_init(&punkt_ix, punkt_words, sizeof punkt_words / sizeof *punkt_words - 1);
    for (size_t t = 0; t < sizeof label_tables / sizeof *label_tables; t++)
        text_lits_init(&label_ix[t], label_tables[t], count(label_tables[t]));
    const char *kw;
    for (size_t k = 0; (kw = sections_keyword(k)); k++)
        kw_add(kw);
}

static void tables(void)
{
    once_run(&tables_once, tables_init);
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

/* Does the line's first word (s[0] a letter) begin a keyword? */
static bool starts_keyword(const char *s, size_t n)
{
    tables();
    uint32_t q;
    if (n >= 4 && wordskip_ascii_quad((const unsigned char *)s, &q) && !wordskip_bit(kw_quads, wordskip_quad_hash(q)))
        return false;
    char w[KW_MAX + 1];
    size_t wn = first_word(s, n, w);
    return wn == 0 || kw_has(w, wn);
}

/* Can this line be anything but text?  (false = plain prose) */
bool classify_maybe_structure(const char *s, size_t n)
{
    if (n <= 80 || !(text_is_upper_at(s, n, 0) || text_is_lower_at(s, n, 0)) || is_digit(s[n - 1]))
        return true;
    return starts_keyword(s, n);
}

bool classify_caps_heading(const char *s, size_t n)
{
    return n >= 4 && n <= 60 && s[n - 1] != '.' && text_count_words_upto(s, n, 6) <= 6 && text_is_all_caps(s, n);
}

