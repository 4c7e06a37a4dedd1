/*
 * toc: the table of contents, where a document has one - the run of
 * entries that end in page numbers - and how a heading compares with its
 * entry (TOCs truncate long titles).
 */
#include "engine_internal.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void toc_find(struct eng *e)
{
    const struct lines *L = e->L;
    e->toc_first = 1;
    e->toc_last = 0;
    size_t cap = 0;
    for (size_t i = 0; i < L->n; i++) {
        const struct line *l = &L->v[i];
        if (!l->len)
            continue;
        if (l->len > 400 || !classify_toc_entry(l->s, l->len)) {
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
        classify_toc_title(l->s, l->len, &te->title, &te->len);
        te->len_nodur = te->len;
        classify_title_duration(te->title, &te->len_nodur);
        e->ntoc++;
    }
    if (e->ntoc < 2) {
        e->ntoc = 0;
        e->toc_first = 1;
        e->toc_last = 0;
    }
}

/* Compares a heading title with a TOC title: equal after folding, or one a
 * prefix of the other (TOCs truncate long titles). */
bool toc_matches(const char *a, size_t an, const char *b, size_t bn)
{
    if (an == 0 || bn == 0)
        return false;
    size_t m = an < bn ? an : bn;
    if (m < 6 && an != bn)
        return false;
    if (m > 256)
        m = 256;
    /* a truncated TOC title may end mid-word: compare all but the last 2 */
    size_t cmp = (an != bn && m > 12) ? m - 2 : m;
    return text_fold_eq(a, b, m, cmp);
}

