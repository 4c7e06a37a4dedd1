/*
 * sections: see sections.h.  The table is ordered longest-first within a
 * key so that "Tidsplan og videre proces" wins over "Tidsplan".
 */
#include "sections.h"
#include "util.h"
#include "text.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

enum form {
    WHOLE,      /* the heading is the whole line (optional ':' or '.') */
    QUALIFIED,  /* the heading may be followed by a qualifier on the line */
    INLINE,     /* the heading may be followed by its text on the line */
    SENTENCE,   /* the line is a sentence that opens the section */
};

static const struct {
    const char *text;
    const char *key;
    enum form form;
} headings[] = {
    {"resumé", "summary", WHOLE},
    {"resume", "summary", WHOLE},
    {"sammenfatning", "summary", WHOLE},
    {"kort resumé", "summary", WHOLE},
    {"sagsfremstilling", "presentation", WHOLE},
    {"sagens indhold", "presentation", WHOLE},
    {"sagsbeskrivelse", "presentation", WHOLE},
    {"beskrivelse", "presentation", WHOLE},
    {"baggrund for sagens fremlæggelse", "background", WHOLE},
    {"sagens baggrund", "background", WHOLE},
    {"baggrund", "background", QUALIFIED},
    {"økonomiske konsekvenser", "economy", WHOLE},
    {"økonomi og finansiering", "economy", WHOLE},
    {"økonomi", "economy", WHOLE},
    {"finansiering", "economy", WHOLE},
    {"vurdering", "assessment", WHOLE},
    {"administrationens vurdering", "assessment", WHOLE},
    {"tidsplan og videre proces", "timeline", WHOLE},
    {"videre proces", "timeline", WHOLE},
    {"tidsplan", "timeline", WHOLE},
    {"den videre proces", "timeline", WHOLE},
    {"indstilling", "recommendation", WHOLE},
    {"indstillinger", "recommendation", WHOLE},
    {"forslag til beslutning", "recommendation", WHOLE},
    {"det indstilles", "recommendation", SENTENCE},
    {"tidligere beslutninger", "previous_decisions", WHOLE},
    {"tidligere behandling", "previous_decisions", WHOLE},
    {"udvalgets beslutning", "decision", QUALIFIED},
    {"politisk behandling", "decision", WHOLE},
    {"beslutning", "decision", QUALIFIED},
    {"beslutninger", "decision", QUALIFIED},
    {"referat", "decision", WHOLE},
    {"konklusion", "decision", WHOLE},
    {"afgørelse", "decision", WHOLE},
    {"protokol", "decision", WHOLE},
    {"bilag", "attachments", WHOLE},
    {"bilagsliste", "attachments", WHOLE},
    {"bilagsfortegnelse", "attachments", WHOLE},
    {"fraværende", "absent", INLINE},
    {"afbud", "absent", INLINE},
    {"fravær", "absent", INLINE},
    {"høring", "other", WHOLE},
    {"kommunikation", "other", WHOLE},
    {"lovgrundlag", "other", WHOLE},
    {"journalnummer", "other", WHOLE},
    {"oplæg", "other", WHOLE},
};

#define NHEADINGS (sizeof headings / sizeof *headings)
#define NFIELDS (sizeof field_labels / sizeof *field_labels)
_Static_assert(NHEADINGS <= TEXT_LITS_MAX, "text_lits indexes headings in a byte");

/* The headings and field labels by their first two bytes (text_lits): a
 * line is compared with the few that start like it.  Built once. */
static struct text_lits heading_ix, field_ix;
static struct once index_once = ONCE_INIT;
static void index_init(void);

static const char *const field_labels[] = {
    "sags id", "sagsnr", "sagsnummer", "sag nr", "dok id", "dok.nr", "dokumentnr", "j.nr",
    "forventet varighed", "varighed", "mødeleder", "deltagere", "mødedeltagere", "mødedato",
    "mødested", "dato", "sted", "tid", "kl", "møde i",
};

static void index_init(void)
{
    const char *texts[NHEADINGS];
    for (size_t k = 0; k < NHEADINGS; k++)
        texts[k] = headings[k].text;
    text_lits_init(&heading_ix, texts, NHEADINGS);
    text_lits_init(&field_ix, field_labels, NFIELDS);
}

/* The qualifier after a QUALIFIED heading: " i <body> den <date>",
 * " for …", " den …", ":" — short, and no sentence of its own. */
static bool qualifier_ok(const char *s, size_t n)
{
    const char *q = s;
    size_t qn = n;
    text_trim(&q, &qn);
    if (qn == 0)
        return true;
    if (q[0] == ':' || q[0] == '-')
        return qn <= 2 || text_count_words_upto(q, qn, 10) <= 10;
    /* "Beslutning/Referat", "Indstilling/Forslag": two names for one section */
    if (q[0] == '/')
        return text_count_words_upto(q, qn, 3) <= 3 && q[qn - 1] != '.';
    static const char *const preps[] = {"i ", "for ", "den ", "fra ", "på ", "af ", "om "};
    for (size_t k = 0; k < sizeof preps / sizeof *preps; k++)
        if (text_prefix_ci(q, qn, preps[k]))
            return text_count_words_upto(q, qn, 10) <= 10 && q[qn - 1] != '.';
    return false;
}

/* "Administrationen indstiller," / "Formandskabet indstiller:" - who
 * recommends, then the recommendation: a heading of at most four words
 * ending in "indstiller". */
static bool recommends(const char *s, size_t n)
{
    /* nearly every line ends in a letter other than the r of
     * "indstiller" and nothing to trim: no at once */
    unsigned char last = n ? (unsigned char)s[n - 1] : 0;
    /* the bytes trimmed (NUL, tab, space, ',', '.', ':') as bits, tested
     * with the r without a branch per byte */
    const uint64_t trimmed = UINT64_C(1) | UINT64_C(1) << '\t' | UINT64_C(1) << ' ' | UINT64_C(1) << ',' |
                             UINT64_C(1) << '.' | UINT64_C(1) << ':';
    if (!((((last < 64 ? trimmed : 0) >> (last & 63)) & 1u) | ((last | 0x20) == 'r')))
        return false;
    const char *t = s;
    size_t tn = n;
    text_trim_punct(&t, &tn, ",:.");
    /* the last word first: it rejects nearly every line at once */
    return tn > 11 && t[tn - 11] == ' ' && text_prefix_ci(t + tn - 10, 10, "indstiller") &&
           text_count_words_upto(t, tn, 4) <= 4;
}

bool sections_match(const char *s, size_t n, struct section_match *m)
{
    if (n == 0 || n > 200)
        return false;
    if (n <= 60 && recommends(s, n) && text_is_upper_at(s, n, 0)) {
        memset(m, 0, sizeof *m);
        m->key = "recommendation";
        m->heading_len = n;
        m->text_off = n;
        return true;
    }
    /* Headings start with a capital: "…vedlagt sagen som / bilag." is the
     * end of a wrapped sentence, not the attachment list. */
    if (!text_is_upper_at(s, n, 0))
        return false;
    char f2[2];
    text_first2(s, n, f2);
    once_run(&index_once, index_init);
    unsigned b = text_lits_bucket(f2);
    for (size_t j = heading_ix.at[b]; j < heading_ix.at[b + 1]; j++) {
        size_t k = heading_ix.k[j];
        const char *h = headings[k].text;
        size_t hl = text_quad_may_match(&heading_ix.quad[k], s, n) ? text_prefix_ci_len(s, n, h) : 0;
        if (!hl || text_is_word_at(s, n, hl))
            continue;
        const char *rest = s + hl;
        size_t rn = n - hl;
        memset(m, 0, sizeof *m);
        m->key = headings[k].key;
        m->heading_len = n;
        m->text_off = n;
        /* "Beslutning: Dagsordenen blev godkendt." - the label, a colon and
         * the section's text on one line (an optional short qualifier
         * before the colon: "Beslutning i Forum den 5. marts: …") */
        if (headings[k].form != SENTENCE) {
            const char *colon = memchr(rest, ':', rn < 80 ? rn : 80);
            if (colon) {
                size_t qn = (size_t)(colon - rest), off = hl + qn + 1;
                while (off < n && (s[off] == ' ' || s[off] == '\t'))
                    off++;
                if (off < n && (qn == 0 || qualifier_ok(rest, qn))) {
                    m->heading_len = hl + qn;
                    m->text_off = off;
                    return true;
                }
            }
        }
        /* "Indstilling/Forslag", "Beslutning/Referat" (with or without a
         * colon): two names for one section, any form */
        if (headings[k].form != SENTENCE && rn > 1 && rest[0] == '/') {
            size_t qn = rn;
            while (qn > 0 && (rest[qn - 1] == ':' || rest[qn - 1] == ' '))
                qn--;
            if (qualifier_ok(rest, qn))
                return true;
        }
        switch (headings[k].form) {
        case WHOLE:
            if (text_eq_ci(s, n, h))
                return true;
            break;
        case QUALIFIED:
            if (text_eq_ci(s, n, h) || qualifier_ok(rest, rn))
                return true;
            break;
        case INLINE: {
            if (text_eq_ci(s, n, h))
                return true;
            size_t off = hl;
            while (off < n && (s[off] == ':' || s[off] == ' ' || s[off] == '\t'))
                off++;
            /* Inline text must look like names (upper-case start). */
            if (off > hl && off < n && text_is_upper_at(s, n, off)) {
                m->heading_len = hl;
                m->text_off = off;
                return true;
            }
            break;
        }
        case SENTENCE:
            /* "Det indstilles:" alone is a heading; "Det indstilles, at X"
             * is the first sentence of the recommendation. */
            if (text_eq_ci(s, n, h) || (rn <= 2 && (rest[0] == ',' || rest[0] == ':')))
                return true;
            if (rn > 2 && (rest[0] == ',' || rest[0] == ':' || rest[0] == ' ')) {
                m->heading_len = hl;
                m->text_off = 0;
                m->keep_line = true;
                return true;
            }
            break;
        }
    }
    return false;
}

bool sections_is_field_label(const char *s, size_t n)
{
    char f2[2];
    text_first2(s, n, f2);
    once_run(&index_once, index_init);
    unsigned b = text_lits_bucket(f2);
    for (size_t j = field_ix.at[b]; j < field_ix.at[b + 1]; j++) {
        size_t k = field_ix.k[j];
        size_t l = text_quad_may_match(&field_ix.quad[k], s, n) ? text_prefix_ci_len(s, n, field_labels[k]) : 0;
        if (l && !text_is_word_at(s, n, l))
            return true;
    }
    return false;
}

const char *sections_keyword(size_t i)
{
    size_t nh = NHEADINGS;
    if (i < nh)
        return headings[i].text;
    i -= nh;
    if (i < sizeof field_labels / sizeof *field_labels)
        return field_labels[i];
    return NULL;
}
