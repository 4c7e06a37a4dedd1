/*
 * engine: see engine.h.  The driver: classify lines once (the prose
 * prefilter), find the table of contents (toc.c) and the items (chain.c),
 * read the header (header.c), each item (item.c) and the roll call
 * (roll.c), then decide what the document is (minutes or agenda) and say
 * where its table of contents disagrees.  Every part is linear in the
 * number of lines, because a hostile file may hold 100,000 numbered lines.
 */
#include "engine.h"
#include "engine_internal.h"
#include "sections.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

enum lines_join engine_is_structural(const char *prev, size_t pn, const char *s, size_t n)
{
    struct section_match m;
    struct heading_cand c;
    const char *g;
    bool ab;
    size_t io;
    /* one person per line: the next entry, not the rest of a sentence */
    if (classify_starts_with_person(s, n) && classify_starts_with_person(prev, pn))
        return LINES_NEVER;
    if (n && (s[0] == '-' || s[0] == '*' || (unsigned char)s[0] == 0xE2))
        return LINES_NEVER;
    if (classify_candidate(s, n, &c) || sections_match(s, n, &m) || classify_people_head(s, n, &g, &ab, &io) ||
        classify_case_ref(s, n))
        return LINES_NEVER;
    if (sections_is_field_label(s, n) && memchr(s, ':', n < 30 ? n : 30))
        return LINES_NEVER;
    /* A heading's continuation is decided by the item parser, which can
     * ask the table of contents; numbered list entries reflow as text. */
    if (classify_candidate(prev, pn, &c) && c.family != ENGINE_F_NUMDOT)
        return LINES_NEVER;
    if (sections_match(prev, pn, &m) && m.text_off >= pn && !m.keep_line)
        return LINES_NEVER; /* a bare heading; "Fraværende A, B," wraps like text */
    return LINES_JOIN;
}


char *engine_dup_trim(struct md_doc *doc, const char *s, size_t n, const char *punct)
{
    text_trim_punct(&s, &n, punct);
    return n ? model_strndup(doc, s, n) : NULL;
}


/* ---- remembered classifier answers (engine_internal.h) --------------------- */

/* The inline wrappers have answered a remembered "no": these see a line
 * asked for the first time, or (sections, people heads) a remembered
 * "yes" with its details. */

bool eng_candidate_ask(struct eng *e, size_t i, struct heading_cand *c)
{
    if (classify_candidate(LN(e, i)->s, LN(e, i)->len, c))
        return true;
    e->known[i] |= ENG_NOT_CANDIDATE;
    memset(c, 0, sizeof *c);
    return false;
}

bool eng_section_ask(struct eng *e, size_t i, struct section_match *m)
{
    if (e->known[i] & ENG_YES_SECTION) {
        *m = e->sec[i];
        return true;
    }
    if (sections_match(LN(e, i)->s, LN(e, i)->len, m)) {
        if (!e->sec)
            e->sec = arena_take(e->scratch, e->L->n * sizeof *e->sec); /* read where ENG_YES_SECTION */
        e->sec[i] = *m;
        e->known[i] |= ENG_YES_SECTION;
        return true;
    }
    e->known[i] |= ENG_NOT_SECTION;
    memset(m, 0, sizeof *m);
    return false;
}

bool eng_people_head_ask(struct eng *e, size_t i, const char **group, bool *absent, size_t *inline_off)
{
    if (e->known[i] & ENG_YES_PEOPLE_HEAD) {
        *group = e->ph[i].group;
        *absent = e->ph[i].absent;
        *inline_off = e->ph[i].inline_off;
        return true;
    }
    if (classify_people_head(LN(e, i)->s, LN(e, i)->len, group, absent, inline_off)) {
        if (!e->ph)
            e->ph = arena_take(e->scratch, e->L->n * sizeof *e->ph); /* read where ENG_YES_PEOPLE_HEAD */
        e->ph[i] = (struct people_head){*group, *absent, *inline_off};
        e->known[i] |= ENG_YES_PEOPLE_HEAD;
        return true;
    }
    e->known[i] |= ENG_NOT_PEOPLE_HEAD;
    *group = NULL;
    *absent = false;
    *inline_off = 0;
    return false;
}

static bool labelled(struct eng *e, size_t i, enum classify_label table, unsigned bit, const char **v, size_t *vn)
{
    if (classify_labelled(LN(e, i)->s, LN(e, i)->len, table, v, vn))
        return true;
    e->known[i] |= (unsigned char)bit;
    *v = NULL;
    *vn = 0;
    return false;
}

bool eng_case_label_ask(struct eng *e, size_t i, const char **v, size_t *vn)
{
    return labelled(e, i, CLASSIFY_CASE_LABEL, ENG_NOT_CASE_LABEL, v, vn);
}

bool eng_doc_label_ask(struct eng *e, size_t i, const char **v, size_t *vn)
{
    return labelled(e, i, CLASSIFY_DOC_LABEL, ENG_NOT_DOC_LABEL, v, vn);
}

int eng_duration_ask(struct eng *e, size_t i)
{
    int d = classify_duration_line(LN(e, i)->s, LN(e, i)->len);
    if (d < 0)
        e->known[i] |= ENG_NOT_DURATION;
    return d;
}


/* ---- driver ------------------------------------------------------------------ */

void engine_parse(struct md_doc *doc, const struct lines *L, const struct engine_opts *opts)
{
    struct eng e = {.doc = doc, .L = L, .opts = opts};
    buf_init(&e.tmp, 0);
    e.scratch = arena_create(); /* throw-away parses: freed below, not kept in the model */
    e.plain = arena_alloc(doc->arena, L->n + 1);
    e.known = arena_alloc(doc->arena, L->n + 1);
    for (size_t i = 0; i < L->n; i++) {
        e.plain[i] = L->v[i].len && !classify_maybe_structure(L->v[i].s, L->v[i].len);
        e.known[i] = e.plain[i] ? ENG_NOT_ANY : 0;
        /* one look for a colon instead of one per kind of label asked (a
         * blank line, a third of all, has none without a call) */
        if (!e.plain[i] && (!L->v[i].len || !memchr(L->v[i].s, ':', L->v[i].len)))
            e.known[i] |= ENG_NOT_LABELLED;
    }

    toc_find(&e);
    chain_find_items(&e);
    size_t header_end = e.nheads ? e.heads[0] : L->n;
    header_parse(&e, header_end);
    for (size_t k = 0; k < e.nheads; k++)
        item_parse(&e, k);
    roll_parse(&e);
    header_find_chair(&e);

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
                classify_title_duration(t, &a);
                if (!toc_matches(t, a, e.toc[i].title, e.toc[i].len_nodur))
                    model_add_issue(doc, "warning", "toc_mismatch", doc->items[i].number, doc->items[i].line,
                                    "item %d is titled differently in the table of contents", doc->items[i].number);
            }
        }
    }
    buf_free(&e.tmp);
    free(e.sec_pieces);
    arena_destroy(e.scratch);
}
