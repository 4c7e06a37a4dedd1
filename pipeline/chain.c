/*
 * chain: which candidate headings are the items.
 *
 * Every line that could head an item is a candidate; the items are the best
 * chain of candidates whose numbers continue (1, 2, 3 …), scored by what
 * follows each candidate (section headings, case numbers), by the table of
 * contents, and against list context, so that a numbered list inside a
 * decision is never taken for the next item.  A dynamic programme keyed by
 * item number keeps it linear in the number of lines.
 */
#include "engine_internal.h"
#include "sections.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct best_by_number {
    double score;
    long idx;
};

static double chain(struct heading_cand *c, size_t nc, unsigned family, long *end)
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
        struct heading_cand *x = &c[i];
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

void chain_find_items(struct eng *e)
{
    const struct lines *L = e->L;
    size_t cap = 64, nc = 0;
    struct heading_cand *c = xmalloc(cap * sizeof *c);
    for (size_t i = 0; i < L->n; i++) {
        const struct line *l = &L->v[i];
        if (!l->len || e->plain[i] || toc_contains(e, i))
            continue;
        struct heading_cand x;
        if (!eng_candidate(e, i, &x))
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
        struct heading_cand *x = &c[k];
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
            struct heading_cand y;
            if (eng_section(e, j, &m) || eng_case_label(e, j, &v, &vn) ||
                eng_duration(e, j) >= 0 || (seen <= 2 && classify_case_ref(l->s, l->len)) ||
                (eng_candidate(e, j, &y) && y.family == ENGINE_F_NUMPUB && y.number == x->number)) {
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
            classify_title_duration(tt, &tl);
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

