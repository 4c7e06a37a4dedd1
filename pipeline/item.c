/*
 * item: one item's content - title (and its wrapped continuation), fields
 * (case and document numbers, duration, public flag), the sections in
 * order, the recommendation and decision with its outcome, attachments
 * (each once) and amounts.
 */
#include "engine_internal.h"
#include "bytes.h"
#include "amounts.h"
#include "outcome.h"
#include "sections.h"
#include "text.h"

#include <stdint.h>

#include <stdlib.h>
#include <string.h>

/* The open section: its heading, and its lines as pieces of the document's
 * lines (not copied), joined with line breaks into the model once, when
 * the section closes - the text is copied once, not into a buffer first. */
struct sec_piece {
    const char *s;
    size_t n;
};

struct sec_acc {
    const char *key;
    const char *heading;
    size_t heading_len;
    struct sec_piece *pieces; /* the engine's, kept from item to item */
    size_t npieces, cap;
    size_t len;               /* of the joined text */
    bool open;
};

static void sec_close(struct eng *e, struct md_item *it, struct sec_acc *sa)
{
    if (!sa->open)
        return;
    sa->open = false;
    struct md_doc *doc = e->doc;
    if (!sa->heading && sa->len == 0)
        return;
    struct md_section *s = model_item_add_section(doc, it);
    s->key = sa->key;
    s->heading = sa->heading ? model_strndup(doc, sa->heading, sa->heading_len) : NULL;
    char *t = arena_take(doc->arena, sa->len + 1);
    size_t o = 0;
    for (size_t k = 0; k < sa->npieces; k++) {
        t[o] = '\n';
        o += o != 0;
        memcpy(t + o, sa->pieces[k].s, sa->pieces[k].n);
        o += sa->pieces[k].n;
    }
    t[o] = '\0';
    s->text = t;
    s->text_len = o;
    /* "JOURNALNUMMER" / "-" or a case number */
    if (sa->heading && !it->case_ref && text_eq_ci(sa->heading, sa->heading_len, "journalnummer") &&
        classify_case_ref(s->text, o))
        it->case_ref = s->text;
}

static void sec_open(struct sec_acc *sa, const char *key, const char *heading, size_t hl)
{
    sa->key = key;
    sa->heading = heading;
    sa->heading_len = hl;
    sa->npieces = 0;
    sa->len = 0;
    sa->open = true;
}

/* A line to the open section (the body of every item passes through here
 * line by line): a piece, and a line break before it unless it is the
 * first text. */
static void sec_add(struct sec_acc *sa, const char *s, size_t n)
{
    if (!sa->open)
        sec_open(sa, "other", NULL, 0);
    if (sa->npieces == sa->cap) {
        sa->cap = sa->cap ? 2 * sa->cap : 64;
        sa->pieces = xrealloc(sa->pieces, sa->cap * sizeof *sa->pieces);
    }
    sa->pieces[sa->npieces++] = (struct sec_piece){s, n};
    sa->len += (sa->len != 0) + n;
}

/* Joins the texts of all sections with the key, separated by a blank line. */
static char *join_sections(struct eng *e, const struct md_item *it, const char *key)
{
    buf_reset(&e->tmp);
    for (size_t i = 0; i < it->nsections; i++) {
        const struct md_section *s = &it->sections[i];
        if (s->key[0] != key[0] || strcmp(s->key, key) != 0)
            continue;
        const char *t = s->text;
        size_t tn = s->text_len;
        text_trim(&t, &tn);
        if (tn == 0 || (tn == 1 && (t[0] == '.' || t[0] == '-')))
            continue;
        if (e->tmp.len)
            buf_puts(&e->tmp, "\n\n");
        buf_append(&e->tmp, t, tn);
    }
    return e->tmp.len ? model_strndup(e->doc, e->tmp.data, e->tmp.len) : NULL;
}

/* Titles (and amounts) already taken for an item, by a hash of their folded
 * text: the duplicate test costs O(1) however many there are.  The table
 * starts empty and doubles at half load, so the common item, with a handful
 * of entries, pays for a few slots rather than for the worst case. */
enum { SEEN_INLINE = 16 };
struct seen {
    uint64_t *key; /* 0 = empty */
    int *idx;
    size_t cap, n; /* cap: 0 or a power of two */
    /* the first table, in place: most items have a few attachments and
     * amounts, and a malloc and free for them cost more than the lookups */
    uint64_t key0[SEEN_INLINE];
    int idx0[SEEN_INLINE];
};

/* The key of a title or amount as written, ASCII case folded. */
static uint64_t seen_key(const char *s, size_t n)
{
    return bytes_hash(s, n, true) | 1;
}

/* The index kept under key k, or -1. */
static long seen_find(const struct seen *t, uint64_t k)
{
    if (!t->cap)
        return -1;
    for (size_t i = k & (t->cap - 1); t->key[i]; i = (i + 1) & (t->cap - 1))
        if (t->key[i] == k)
            return t->idx[i];
    return -1;
}

static void seen_put(struct seen *t, uint64_t k, int idx)
{
    size_t i = k & (t->cap - 1);
    while (t->key[i])
        i = (i + 1) & (t->cap - 1);
    t->key[i] = k;
    t->idx[i] = idx;
    t->n++;
}

static void seen_add(struct seen *t, uint64_t k, size_t idx)
{
    if (!t->cap) {
        t->cap = SEEN_INLINE;
        t->key = t->key0;
        t->idx = t->idx0;
        memset(t->key0, 0, sizeof t->key0);
    } else if (2 * (t->n + 1) > t->cap) {
        uint64_t *okey = t->key;
        int *oidx = t->idx;
        size_t ocap = t->cap;
        t->cap = 2 * ocap;
        t->n = 0;
        t->key = xcalloc(t->cap, sizeof *t->key);
        t->idx = xmalloc(t->cap * sizeof *t->idx);
        for (size_t i = 0; i < ocap; i++)
            if (okey[i])
                seen_put(t, okey[i], oidx[i]);
        if (okey != t->key0) {
            free(okey);
            free(oidx);
        }
    }
    seen_put(t, k, (int)idx);
}

static void seen_free(struct seen *t)
{
    if (t->key != t->key0) {
        free(t->key);
        free(t->idx);
    }
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
        size_t d = classify_item_number(s, n, &num, &letter);
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
                if (classify_labelled(o + 1, (size_t)(s + n - 1 - (o + 1)), CLASSIFY_DOC_LABEL, &v, &vn)) {
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
        uint64_t key = seen_key(s, n);
        long k = seen_find(seen, key);
        if (k >= 0) {
            struct md_attachment *a = &it->attachments[k];
            if (!a->doc_ref && ref)
                a->doc_ref = model_strndup(e->doc, ref, refn);
            continue;
        }
        seen_add(seen, key, it->nattachments);
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
    uint64_t key = seen_key(t, m->len);
    if (seen_find(&ac->seen, key) >= 0)
        return; /* the same amount, written the same way, once per item */
    seen_add(&ac->seen, key, it->namounts);
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
        size_t l = text_prefix_ci_len(t, n, kinds[k].w);
        if (l && (kinds[k].w[l - 1] == ':' || !text_is_word_at(t, n, l)))
            return kinds[k].kind;
    }
    return NULL;
}

static enum md_tri public_line(const char *s, size_t n)
{
    static const char *const open[] = {"åbent punkt", "åben sag", "åbent", "åben", NULL};
    static const char *const closed[] = {"lukket punkt", "lukket sag", "lukket", "fortroligt punkt", NULL};
    if (n > 20)
        return MD_UNKNOWN;
    for (size_t k = 0; open[k]; k++)
        if (text_eq_ci(s, n, open[k]))
            return MD_TRUE;
    for (size_t k = 0; closed[k]; k++)
        if (text_eq_ci(s, n, closed[k]))
            return MD_FALSE;
    return MD_UNKNOWN;
}

static bool is_structure_line(struct eng *e, size_t i)
{
    if (e->plain[i])
        return false;
    const struct line *l = LN(e, i);
    struct section_match m;
    struct heading_cand c;
    const char *g, *v;
    bool ab;
    size_t io, vn;
    return eng_section(e, i, &m) || eng_candidate(e, i, &c) || eng_people_head(e, i, &g, &ab, &io) ||
           eng_case_label(e, i, &v, &vn) || eng_doc_label(e, i, &v, &vn) || eng_duration(e, i) >= 0 ||
           classify_case_ref(l->s, l->len) || sections_is_field_label(l->s, l->len);
}

/* "12" or "12a": by hand, as snprintf's format parsing cost more than the
 * rest of starting an item. */
static char *item_label(struct md_doc *doc, int number, char letter)
{
    char tmp[16];
    size_t i = 12;
    unsigned u = number < 0 ? 0u - (unsigned)number : (unsigned)number;
    tmp[i] = letter;
    tmp[i + 1] = '\0';
    do
        tmp[--i] = (char)('0' + u % 10);
    while (u /= 10);
    if (number < 0)
        tmp[--i] = '-';
    return model_strdup(doc, tmp + i);
}

void item_parse(struct eng *e, size_t k)
{
    struct md_doc *doc = e->doc;
    const struct heading_cand *hc = &e->hc[k];
    size_t from = e->heads[k] + 1;
    size_t to = k + 1 < e->nheads ? e->heads[k + 1] : e->L->n;
    struct md_item *it = model_add_item(doc);
    it->number = hc->number;
    it->label = item_label(doc, hc->number, hc->letter);
    it->line = LN(e, e->heads[k])->no;
    it->is_public = hc->is_public;
    size_t body_len = doc->meeting.body ? strlen(doc->meeting.body) : SIZE_MAX;

    /* Title, its duration suffix, and a title wrapped onto the next line. */
    const char *t = hc->title;
    size_t tn = hc->title_len;
    buf_reset(&e->tmp);
    buf_append(&e->tmp, t, tn);
    /* "Punkt 1" alone: the title is the next line (unless that is
     * structure) */
    while (tn == 0 && from < to && !LN(e, from)->len)
        from++;
    if (tn == 0 && from < to && !is_structure_line(e, from) && LN(e, from)->len < 300) {
        t = LN(e, from)->s;
        tn = LN(e, from)->len;
        buf_append(&e->tmp, t, tn);
        from++;
    }
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
    int dur = classify_title_duration(e->tmp.data ? e->tmp.data : "", &full);
    if (dur >= 0)
        it->duration_minutes = dur;
    /* "Personalesag (Lukket)": the public flag written after the title */
    if (full > 4 && e->tmp.data[full - 1] == ')') {
        size_t o = full - 1;
        while (o > 0 && e->tmp.data[o] != '(' && full - o < 40)
            o--;
        enum md_tri pub = MD_UNKNOWN;
        if (e->tmp.data[o] == '(' && classify_public_marker(e->tmp.data + o, full - o, &pub) == full - o) {
            if (it->is_public == MD_UNKNOWN)
                it->is_public = pub;
            full = o;
        }
    }
    it->title = engine_dup_trim(doc, e->tmp.data ? e->tmp.data : "", full, "");
    if (it->title)
        it->kind = kind_of_title(it->title, strlen(it->title));

    /* the pieces array is the engine's, so that it grows once per
     * document rather than once per item */
    struct sec_acc sa = {.pieces = e->sec_pieces, .cap = e->sec_cap};
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
        struct heading_cand c;
        struct section_match m;
        int d;
        if (eng_case_label(e, i, &v, &vn)) {
            if (!it->case_ref && !(vn == 1 && v[0] == '-'))
                it->case_ref = engine_dup_trim(doc, v, vn, ".");
            sec_close(e, it, &sa);
            continue;
        }
        if (eng_doc_label(e, i, &v, &vn)) {
            if (!it->doc_ref)
                it->doc_ref = engine_dup_trim(doc, v, vn, ".");
            sec_close(e, it, &sa);
            continue;
        }
        if (!seen_section && nonblank <= 3 && classify_case_ref(s, n)) {
            if (!it->case_ref)
                it->case_ref = model_strndup(doc, s, n);
            continue;
        }
        /* "Åbent punkt" / "Lukket sag" on a line of its own */
        enum md_tri pub = public_line(s, n);
        if (pub != MD_UNKNOWN) {
            if (it->is_public == MD_UNKNOWN)
                it->is_public = pub;
            continue;
        }
        if ((d = eng_duration(e, i)) >= 0) {
            if (it->duration_minutes < 0)
                it->duration_minutes = d;
            continue;
        }
        if (eng_candidate(e, i, &c) && c.family == ENGINE_F_NUMPUB && c.number == it->number) {
            if (c.is_public != MD_UNKNOWN)
                it->is_public = c.is_public;
            if (!it->title && c.title_len)
                it->title = engine_dup_trim(doc, c.title, c.title_len, "");
            sec_close(e, it, &sa);
            continue;
        }
        if (body_len == n &&
            toc_matches(doc->meeting.body, n, s, n) && !seen_section)
            continue; /* the committee's name repeated under the heading */
        if (eng_section(e, i, &m)) {
            bool in_rec = sa.open && sa.key[0] == 'r' && strcmp(sa.key, "recommendation") == 0;
            if (m.keep_line && in_rec) {
                sec_add(&sa, s, n); /* "Det indstilles, at" inside Indstilling */
                continue;
            }
            sec_close(e, it, &sa);
            seen_section = true;
            sec_open(&sa, m.key, s, m.heading_len);
            if (m.heading_len == n && classify_dangling_end(s, n) && i + 1 < to && LN(e, i + 1)->len &&
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
        if (e->opts->caps_headings && classify_caps_heading(s, n)) {
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
    e->sec_pieces = sa.pieces;
    e->sec_cap = sa.cap;

    it->recommendation = join_sections(e, it, "recommendation");
    it->decision_text = join_sections(e, it, "decision");
    if (it->decision_text)
        it->outcome = outcome_classify(it->decision_text, strlen(it->decision_text));
    struct seen seen = {0};
    for (size_t i = 0; i < it->nsections; i++)
        if (it->sections[i].key[0] == 'a' && strcmp(it->sections[i].key, "attachments") == 0)
            add_attachments(e, it, it->sections[i].text, &seen);
    seen_free(&seen);

    struct amount_ctx ac = {.e = e, .it = it};
    if (it->title) {
        ac.base = it->title;
        amounts_scan(it->title, strlen(it->title), on_amount, &ac);
    }
    for (size_t i = 0; i < it->nsections; i++) {
        ac.base = it->sections[i].text;
        amounts_scan(ac.base, it->sections[i].text_len, on_amount, &ac);
    }
    seen_free(&ac.seen);
}

