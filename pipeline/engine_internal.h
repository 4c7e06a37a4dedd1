/*
 * engine_internal: the parse state the structural parser's parts share.
 *
 * engine.c drives; toc.c finds the table of contents, chain.c the items,
 * header.c the meeting's facts, roll.c who took part, item.c each item's
 * sections.  Not part of the pipeline's interface.
 */
#ifndef MINUTESD_ENGINE_INTERNAL_H
#define MINUTESD_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "classify.h"
#include "engine.h"
#include "lines.h"
#include "model.h"
#include "sections.h"
#include "util.h"

#define MAX_PEOPLE_BLOCK 256
/* Caps on what one document can make us keep: far above any real meeting,
 * low enough that the fuzzy matching they feed stays cheap. */
#define MAX_PARTICIPANTS 1000
#define MAX_ITEM_AMOUNTS 500
#define MAX_ITEM_ATTACHMENTS 500
#define MAX_ITEM_ABSENT 500
#define MAX_PEOPLE_TOTAL 5000 /* people read from all lists of a document */

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
    struct heading_cand *hc;            /* their candidates */
    size_t nheads;
    struct buf tmp;
    struct sec_piece *sec_pieces; /* item_parse's section lines, kept from item to item */
    size_t sec_cap;
    struct arena *scratch;      /* for throw-away parses */
    unsigned char *plain;       /* per line: 1 = prose, no classifier can match */
    unsigned char *known;       /* per line: ENG_NOT_* / ENG_YES_* answers remembered */
    struct section_match *sec;  /* per line, under ENG_YES_SECTION (made on first use) */
    struct people_head *ph;     /* per line, under ENG_YES_PEOPLE_HEAD (made on first use) */
};

struct people_head {
    const char *group;
    bool absent;
    size_t inline_off;
};

/* The classifiers several parts ask of the same line (the chain, each item,
 * the roll call): a line's bytes never change, so the answer is remembered
 * per line - a "no" as a bit, and for the two asked most of the same
 * headings again (sections, people lists) a "yes" with its details.  Item
 * headings and labels are rare enough to be computed again. */
enum {
    ENG_NOT_CANDIDATE = 1 << 0,
    ENG_NOT_SECTION = 1 << 1,
    ENG_NOT_PEOPLE_HEAD = 1 << 2,
    ENG_NOT_CASE_LABEL = 1 << 3,
    ENG_NOT_DOC_LABEL = 1 << 4,
    ENG_NOT_DURATION = 1 << 7,
    ENG_NOT_ANY = 0x1F | ENG_NOT_DURATION,
    ENG_YES_SECTION = 1 << 5,
    ENG_YES_PEOPLE_HEAD = 1 << 6,
    /* every label ends in a colon: a line without one is none of them */
    ENG_NOT_LABELLED = ENG_NOT_CASE_LABEL | ENG_NOT_DOC_LABEL | ENG_NOT_DURATION,
};
bool eng_candidate_ask(struct eng *e, size_t i, struct heading_cand *c);
bool eng_section_ask(struct eng *e, size_t i, struct section_match *m);
bool eng_people_head_ask(struct eng *e, size_t i, const char **group, bool *absent, size_t *inline_off);
bool eng_case_label_ask(struct eng *e, size_t i, const char **v, size_t *vn);
bool eng_doc_label_ask(struct eng *e, size_t i, const char **v, size_t *vn);
int eng_duration_ask(struct eng *e, size_t i);

/* The remembered "no" inline, the rest (a first look, or a remembered
 * "yes" with its details) in engine.c: the parts ask these of every line
 * they walk, 800 times a document, and nearly every answer is a "no"
 * already known. */
static inline bool eng_candidate(struct eng *e, size_t i, struct heading_cand *c)
{
    if (e->known[i] & ENG_NOT_CANDIDATE) {
        memset(c, 0, sizeof *c);
        return false;
    }
    return eng_candidate_ask(e, i, c);
}

static inline bool eng_section(struct eng *e, size_t i, struct section_match *m)
{
    if ((e->known[i] & (ENG_NOT_SECTION | ENG_YES_SECTION)) == ENG_NOT_SECTION) {
        memset(m, 0, sizeof *m);
        return false;
    }
    return eng_section_ask(e, i, m);
}

static inline bool eng_people_head(struct eng *e, size_t i, const char **group, bool *absent, size_t *inline_off)
{
    if ((e->known[i] & (ENG_NOT_PEOPLE_HEAD | ENG_YES_PEOPLE_HEAD)) == ENG_NOT_PEOPLE_HEAD) {
        *group = NULL;
        *absent = false;
        *inline_off = 0;
        return false;
    }
    return eng_people_head_ask(e, i, group, absent, inline_off);
}

static inline bool eng_case_label(struct eng *e, size_t i, const char **v, size_t *vn)
{
    if (e->known[i] & ENG_NOT_CASE_LABEL) {
        *v = NULL;
        *vn = 0;
        return false;
    }
    return eng_case_label_ask(e, i, v, vn);
}

static inline bool eng_doc_label(struct eng *e, size_t i, const char **v, size_t *vn)
{
    if (e->known[i] & ENG_NOT_DOC_LABEL) {
        *v = NULL;
        *vn = 0;
        return false;
    }
    return eng_doc_label_ask(e, i, v, vn);
}

/* classify_duration_line of line i. */
static inline int eng_duration(struct eng *e, size_t i)
{
    return e->known[i] & ENG_NOT_DURATION ? -1 : eng_duration_ask(e, i);
}

static inline const struct line *LN(const struct eng *e, size_t i)
{
    return &e->L->v[i];
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* toc.c */
void toc_find(struct eng *e);
/* Is line i in the table of contents?  Inline: the roll and the chain ask
 * it of every line. */
static inline bool toc_contains(const struct eng *e, size_t i)
{
    return i >= e->toc_first && i <= e->toc_last;
}
bool toc_matches(const char *a, size_t an, const char *b, size_t bn);
/* chain.c: fills e->heads / e->hc / e->nheads */
void chain_find_items(struct eng *e);
/* header.c */
void header_parse(struct eng *e, size_t end);
void header_find_chair(struct eng *e);
/* roll.c */
void roll_parse(struct eng *e);
/* item.c: item k of e->heads */
void item_parse(struct eng *e, size_t k);
/* engine.c */
char *engine_dup_trim(struct md_doc *doc, const char *s, size_t n, const char *punct);

#endif
