/*
 * roll: who took part and who was absent.
 *
 * People lists are found wherever they are (header, a roll-call item,
 * under each item) by their heads ("Mødedeltagere", "Afbud:", "MEDLEMMER");
 * the people in them are merged into one list of participants by folded
 * name, and absentees are matched to it (allowing a slip of spelling).
 */
#include "engine_internal.h"
#include "bytes.h"
#include "people.h"
#include "sections.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (classify_starts_with_person(s, n) || people_parse(e->scratch, s, n, tmp, 8))
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
        struct heading_cand c;
        if (l->len > 4000 || (!e->plain[i] && (eng_people_head(e, i, &g, &ab, &io) || eng_candidate(e, i, &c) ||
                                               eng_section(e, i, &m) || toc_contains(e, i))))
            break;
        bool bare_name = people_is_name(l->s, l->len);
        if (!qualifies(e, l->s, l->len, vertical && attrs < 3)) {
            /* a short line between two entries ("Universitetshospital")
             * is the rest of the entry before it, cut by a converter */
            bool cont = pb->last == i - 1 && l->len < 80 && !ends_with_stop(l->s, l->len) && i + 1 < L->n &&
                        L->v[i + 1].len && classify_starts_with_person(L->v[i + 1].s, L->v[i + 1].len);
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
 * how often each was listed absent.  The hash table grows with the roll
 * (most meetings have a few dozen people, the cap is MAX_PARTICIPANTS), so
 * a document pays for its own participants, not for the worst case. */
struct roll {
    int *slot;                            /* participant index + 1, 0 = empty */
    size_t nslot;                         /* a power of two, > 2 x participants */
    char *folded[MAX_PARTICIPANTS];       /* compacted, folded names */
    unsigned absent_items[MAX_PARTICIPANTS];
    bool meeting_absent[MAX_PARTICIPANTS];
    bool listed_absent[MAX_PARTICIPANTS];
};

static char *fold_name(struct arena *a, const char *name)
{
    size_t n = strlen(name);
    char *f = arena_alloc(a, n + 2);
    people_fold(name, f, n + 2);
    return f;
}

static size_t roll_hash(const struct roll *r, const char *f)
{
    return (size_t)bytes_hash(f, strlen(f), false) & (r->nslot - 1);
}

static void roll_insert(struct roll *r, size_t idx)
{
    size_t k = roll_hash(r, r->folded[idx]);
    while (r->slot[k])
        k = (k + 1) & (r->nslot - 1);
    r->slot[k] = (int)idx + 1;
}

/* Makes room for participant count n + 1 at under half load. */
static void roll_reserve(struct roll *r, size_t n)
{
    if (2 * (n + 1) < r->nslot)
        return;
    free(r->slot);
    r->nslot *= 2;
    r->slot = xcalloc(r->nslot, sizeof *r->slot);
    for (size_t i = 0; i < n; i++)
        roll_insert(r, i);
}

/* Exact (folded) lookup; with fuzzy, an absentee's misspelt name may match
 * a listed participant ("Pindstrup" for "Pinstrup") when nothing matches
 * exactly.  Participants are never merged with each other by spelling. */
static long roll_find(struct roll *r, const struct md_doc *doc, const char *folded, const char *name, bool fuzzy)
{
    for (size_t k = roll_hash(r, folded); r->slot[k]; k = (k + 1) & (r->nslot - 1))
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
        roll_reserve(r, doc->nparticipants);
        struct md_participant *np = model_add_participant(doc);
        np->name = model_strdup(doc, p->name);
        idx = (long)(doc->nparticipants - 1);
        r->folded[idx] = folded; /* the scratch arena outlives the roll */
        roll_insert(r, (size_t)idx);
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

void roll_parse(struct eng *e)
{
    struct md_doc *doc = e->doc;
    const struct lines *L = e->L;
    size_t nb = 0, capb = 16;
    struct people_block *blocks = xmalloc(capb * sizeof *blocks);
    for (size_t i = 0; i < L->n; i++) {
        const struct line *l = &L->v[i];
        struct people_block pb = {0};
        if (!l->len || e->plain[i] || toc_contains(e, i) ||
            !eng_people_head(e, i, &pb.group, &pb.absent, &pb.inline_off))
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
    struct roll *roll = xmalloc(sizeof *roll);
    /* folded[] is written before it is read; the counts start at zero */
    roll->nslot = 64;
    roll->slot = xcalloc(roll->nslot, sizeof *roll->slot);
    memset(roll->absent_items, 0, sizeof roll->absent_items);
    memset(roll->meeting_absent, 0, sizeof roll->meeting_absent);
    memset(roll->listed_absent, 0, sizeof roll->listed_absent);
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
    free(roll->slot);
    free(roll);
    arena_destroy(scratch);
    free(people);
    free(roll_item);
    free(blocks);
}

