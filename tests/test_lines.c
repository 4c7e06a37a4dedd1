/*
 * Tests for pipeline/lines.c: splitting, page furniture, table cells and
 * undoing hard wraps.
 *
 * The wrapped documents are built here by a plain greedy word-wrapper, so
 * the expected joined paragraph is simply the paragraph before wrapping.
 */
/* memmem */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "testutil.h"
#include "util.h"


TestSuite(lines, .init = test_arena_setup, .fini = test_arena_teardown);

/* ---- helpers ------------------------------------------------------------- */

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static enum lines_join all_join(const char *prev, size_t prev_len, const char *cur, size_t cur_len)
{
    (void)prev;
    (void)prev_len;
    (void)cur;
    (void)cur_len;
    return LINES_JOIN;
}

/* "Punkt N" lines are structure (an item heading). */
static enum lines_join punkt_never(const char *prev, size_t prev_len, const char *cur, size_t cur_len)
{
    (void)prev;
    (void)prev_len;
    if (cur_len >= 6 && memcmp(cur, "Punkt ", 6) == 0)
        return LINES_NEVER;
    return LINES_JOIN;
}

/* Every line is joined only "tightly" (as after a heading). */
static enum lines_join all_tight(const char *prev, size_t prev_len, const char *cur, size_t cur_len)
{
    (void)prev;
    (void)prev_len;
    (void)cur;
    (void)cur_len;
    return LINES_TIGHT;
}

static struct lines split_with(const char *text, lines_structural_fn fn)
{
    struct lines L;
    lines_split(test_arena, text, strlen(text), fn, &L);
    return L;
}

static bool line_is(const struct line *l, const char *want)
{
    return l->len == strlen(want) && memcmp(l->s, want, l->len) == 0;
}

static void expect_line(const struct lines *L, size_t i, const char *want)
{
    cr_assert_lt(i, L->n, "line %zu missing (only %zu lines), want \"%s\"", i, L->n, want);
    cr_assert(line_is(&L->v[i], want), "line %zu: \"%.*s\", want \"%s\"", i, (int)L->v[i].len, L->v[i].s, want);
}

/* Non-blank lines only, copied out for easy assertions. */
static size_t nonblank(const struct lines *L, const struct line **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < L->n && k < max; i++)
        if (L->v[i].len)
            out[k++] = &L->v[i];
    return k;
}

/* Greedy word-wrap of a paragraph at width characters, appended to b. */
static void wrap_into(struct buf *b, const char *para, size_t width)
{
    size_t col = 0;
    const char *p = para;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t wl = (size_t)(p - w), wc = utf8_chars(w, wl);
        if (col > 0 && col + 1 + wc > width) {
            cr_assert_eq(buf_putc(b, '\n'), 0);
            col = 0;
        }
        if (col > 0) {
            cr_assert_eq(buf_putc(b, ' '), 0);
            col++;
        }
        cr_assert_eq(buf_append(b, w, wl), 0);
        col += wc;
    }
    cr_assert_eq(buf_putc(b, '\n'), 0);
}

static const char *const paragraphs[] = {
    "Sundhedsklyngen drøftede status på de fælles indsatser for borgere med kroniske "
    "sygdomme, herunder arbejdet med tværsektorielle videomøder og bedre udskrivelser "
    "fra hospitalet til kommunerne i klyngens område.",
    "Sekretariatet orienterede om den økonomiske ramme for det kommende år. Der er afsat "
    "midler til tre nye projekter, og styregruppen følger op på fremdriften ved hvert "
    "møde i resten af perioden.",
    "Formanden takkede for et godt samarbejde og understregede, at klyngen fortsat skal "
    "have fokus på de borgere, der har størst behov for en sammenhængende indsats på "
    "tværs af sektorerne og faggrupperne.",
};
#define NPARA (sizeof paragraphs / sizeof *paragraphs)

/* ---- furniture and cells ------------------------------------------------ */

Test(lines, page_furniture_is_dropped)
{
    const char *text = "Første linje\n"
                       "Side 3 af 12\n"
                       "Anden linje\n"
                       "Side 3\n"
                       "Tredje linje\n"
                       "   Page 2 of 5   \n"
                       "Fjerde linje\n"
                       "- 4 -\n"
                       "Femte linje\n";
    struct lines L = split_with(text, all_join);
    const struct line *nb[32];
    size_t k = nonblank(&L, nb, 32);
    static const char *const want[] = {"Første linje", "Anden linje", "Tredje linje", "Fjerde linje", "Femte linje"};
    static const int want_no[] = {1, 3, 5, 7, 9};
    cr_assert_eq(k, 5, "%zu non-blank lines, want 5", k);
    for (size_t i = 0; i < 5; i++) {
        cr_assert(line_is(nb[i], want[i]), "line %zu: \"%.*s\", want \"%s\"", i, (int)nb[i]->len, nb[i]->s, want[i]);
        cr_assert_eq(nb[i]->no, want_no[i], "\"%s\" has no %d, want %d", want[i], nb[i]->no, want_no[i]);
    }
    cr_assert_eq(L.dropped_furniture, 4);
}

Test(lines, text_that_only_starts_like_furniture_stays)
{
    const char *text = "Side 3 af dagsordenen\nSidebemærkning\n- 4 punkter -\nPage two\n";
    struct lines L = split_with(text, all_join);
    const struct line *nb[8];
    size_t k = nonblank(&L, nb, 8);
    cr_assert_eq(k, 4, "%zu non-blank lines, want 4", k);
    cr_assert(line_is(nb[0], "Side 3 af dagsordenen"));
    cr_assert(line_is(nb[1], "Sidebemærkning"));
    cr_assert(line_is(nb[2], "- 4 punkter -"));
    cr_assert(line_is(nb[3], "Page two"));
    cr_assert_eq(L.dropped_furniture, 0);
}

Test(lines, table_cells_become_text)
{
    struct lines L = split_with("Det indstilles,\nat | dagsorden godkendes. |\n", all_join);
    cr_assert_geq(L.n, 2);
    expect_line(&L, 0, "Det indstilles,");
    expect_line(&L, 1, "at dagsorden godkendes.");
    cr_assert_eq(L.v[1].no, 2);
    cr_assert_not(L.slices, "a flattened line is no slice of the text");
}

Test(lines, lines_are_trimmed_and_numbered)
{
    struct lines L = split_with("  Punkt 1  \n\n\tBeslutning\t\nGodkendt.", all_join);
    cr_assert_eq(L.n, 4, "%zu lines, want 4", L.n);
    expect_line(&L, 0, "Punkt 1");
    expect_line(&L, 1, "");
    expect_line(&L, 2, "Beslutning");
    expect_line(&L, 3, "Godkendt.");
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(L.v[i].no, (int)i + 1);
    cr_assert_eq(L.wrap_width, 0);
    /* trimmed, every line is still a slice of the text split */
    cr_assert(L.slices);
    for (size_t i = 0; i < 4; i++)
        cr_assert(L.v[i].len == 0 || (L.v[i].s >= L.text && L.v[i].s + L.v[i].len <= L.text + L.text_len), "line %zu", i);
}

/* ---- hard wraps ---------------------------------------------------------- */

Test(lines, wrapped_paragraphs_are_rejoined)
{
    struct buf b;
    buf_init(&b, 0);
    int first_no[NPARA];
    for (size_t p = 0; p < NPARA; p++) {
        if (p) {
            cr_assert_eq(buf_putc(&b, '\n'), 0);
        }
        /* line number of the paragraph's first line */
        int no = 1;
        for (size_t i = 0; i < b.len; i++)
            no += b.data[i] == '\n';
        first_no[p] = no;
        wrap_into(&b, paragraphs[p], 60);
    }
    const char *text = buf_cstr(&b);
    size_t raw_lines = 0;
    for (const char *q = text; *q; q++)
        raw_lines += *q == '\n';
    cr_assert_geq(raw_lines, 12, "test text too short: %zu lines", raw_lines);

    struct lines L = split_with(text, all_join);
    cr_assert_gt(L.wrap_width, 0, "wrap not detected");
    cr_assert_leq(L.wrap_width, 60, "wrap width %zu", L.wrap_width);
    const struct line *nb[32];
    size_t k = nonblank(&L, nb, 32);
    cr_assert_eq(k, NPARA, "%zu non-blank lines, want one per paragraph (%zu)", k, NPARA);
    for (size_t p = 0; p < NPARA; p++) {
        cr_assert(line_is(nb[p], paragraphs[p]), "paragraph %zu: \"%.*s\"", p, (int)nb[p]->len, nb[p]->s);
        cr_assert_eq(nb[p]->no, first_no[p], "paragraph %zu: no %d, want %d", p, nb[p]->no, first_no[p]);
    }
    cr_assert_gt(L.joined_wraps, 0);
    cr_assert_not(L.slices, "a joined line is no slice of the text");
    buf_free(&b);
}

Test(lines, structural_line_is_never_joined)
{
    struct buf b;
    buf_init(&b, 0);
    /* A heading straight after the paragraph's last line, then more text;
     * the last paragraph line is made (nearly) full width so that, without
     * the callback, the heading would be glued to it. */
    wrap_into(&b, paragraphs[0], 60);
    const char *filler = "Klyngen vil fortsat følge arbejdet tæt og vende tilbage til";
    cr_assert_eq(utf8_chars(filler, strlen(filler)), 59);
    cr_assert_eq(buf_puts(&b, filler), 0);
    cr_assert_eq(buf_puts(&b, "\nPunkt 2 Orientering fra sekretariatet\n\n"), 0);
    wrap_into(&b, paragraphs[1], 60);
    wrap_into(&b, paragraphs[2], 60);
    const char *text = buf_cstr(&b);

    /* control: with an all-JOIN callback the heading is glued on */
    struct lines J = split_with(text, all_join);
    cr_assert_gt(J.wrap_width, 0);
    bool glued = false;
    for (size_t i = 0; i < J.n; i++)
        if (J.v[i].len > 8 && memmem(J.v[i].s, J.v[i].len, "tilbage til Punkt 2", 19))
            glued = true;
    cr_assert(glued, "control failed: the heading was not joined even with LINES_JOIN");

    struct lines L = split_with(text, punkt_never);
    bool found = false;
    for (size_t i = 0; i < L.n; i++) {
        if (line_is(&L.v[i], "Punkt 2 Orientering fra sekretariatet")) {
            found = true;
            cr_assert_gt(i, 0);
            size_t fl = strlen(filler);
            cr_assert(L.v[i - 1].len >= fl && memcmp(L.v[i - 1].s + L.v[i - 1].len - fl, filler, fl) == 0,
                      "line before the heading: \"%.*s\"", (int)L.v[i - 1].len, L.v[i - 1].s);
        }
        cr_assert(!(L.v[i].len > 8 && memmem(L.v[i].s, L.v[i].len, "Punkt 2", 7) && !line_is(&L.v[i], "Punkt 2 Orientering fra sekretariatet")),
                  "heading glued: \"%.*s\"", (int)L.v[i].len, L.v[i].s);
    }
    cr_assert(found, "heading line not kept on its own");
    buf_free(&b);
}

/* LINES_TIGHT: joined only when the previous line runs to the margin. */
Test(lines, tight_join_needs_the_margin)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t p = 0; p < NPARA; p++)
        wrap_into(&b, paragraphs[p], 60);
    /* exactly 60 characters, then a continuation */
    const char *full = "Den samlede vurdering er at indsatsen virker efter hensigten";
    cr_assert_eq(utf8_chars(full, strlen(full)), 60);
    /* 50 characters, then a continuation whose first word would not fit */
    const char *short50 = "Udvalget besluttede at sende sagen videre til dens";
    cr_assert_eq(utf8_chars(short50, strlen(short50)), 50);
    cr_assert_eq(buf_printf(&b, "\n%s\nog det fortsætter.\n\n%s\nbehandlingsansvarlige.\n", full, short50), 0);
    const char *text = buf_cstr(&b);

    struct lines L = split_with(text, all_tight);
    cr_assert_eq(L.wrap_width, 60, "wrap width %zu", L.wrap_width);
    bool joined_full = false, kept_short = false, kept_cont = false;
    for (size_t i = 0; i < L.n; i++) {
        if (L.v[i].len > strlen(full) && memcmp(L.v[i].s, full, strlen(full)) == 0 &&
            memmem(L.v[i].s, L.v[i].len, "og det fortsætter.", strlen("og det fortsætter.")))
            joined_full = true;
        if (line_is(&L.v[i], short50))
            kept_short = true;
        if (line_is(&L.v[i], "behandlingsansvarlige."))
            kept_cont = true;
    }
    cr_assert(joined_full, "a line at the margin was not joined under LINES_TIGHT");
    cr_assert(kept_short && kept_cont, "a line 10 short of the margin was joined under LINES_TIGHT");
    buf_free(&b);
}

Test(lines, long_unwrapped_lines_are_never_joined)
{
    /* one paragraph per line, none ending a sentence, all > 140 chars */
    struct buf b;
    buf_init(&b, 0);
    char para[400];
    for (int i = 0; i < 10; i++) {
        snprintf(para, sizeof para,
                 "Afsnit %d handler om samarbejdet mellem regionen og kommunerne om de fælles indsatser for "
                 "borgere med kroniske sygdomme og om opfølgningen på de aftalte handleplaner i klyngen",
                 i + 1);
        cr_assert_gt(utf8_chars(para, strlen(para)), 140);
        cr_assert_eq(buf_printf(&b, "%s\n", para), 0);
    }
    struct lines L = split_with(buf_cstr(&b), all_join);
    const struct line *nb[32];
    size_t k = nonblank(&L, nb, 32);
    cr_assert_eq(k, 10, "%zu non-blank lines, want 10", k);
    for (size_t i = 0; i < k; i++)
        cr_assert_eq(nb[i]->no, (int)i + 1);
    cr_assert_eq(L.wrap_width, 0);
    cr_assert_eq(L.joined_wraps, 0);
    buf_free(&b);
}

/* The margin is in characters: wrapped at 130, lines full of æ, ø and å
 * run past 140 bytes, and they must still count as at the margin. */
Test(lines, wrap_width_counts_characters_not_bytes)
{
    static const char para[] =
        "På Ærø, Fanø, Læsø og Mandø får både ældre, børn og unge på øerne nære tilbud, så færre må køre til "
        "sygehuset på fastlandet; øernes læger får støtte på nær og på færgen, og både sårbare og ældre får "
        "hjælp på øen, når færgen går sjældent, så ønsket om nærhed på øerne nås, og både kommunerne og "
        "regionen får en bæredygtig løsning på de små øer, hvor færre læger står til rådighed år for år.";
    struct buf b;
    buf_init(&b, 0);
    for (int p = 0; p < 6; p++) {
        if (p)
            cr_assert_eq(buf_putc(&b, '\n'), 0);
        wrap_into(&b, para, 130);
    }
    const char *text = buf_cstr(&b);
    /* the premise: most wrapped lines are longer than 140 bytes */
    size_t over = 0, lines = 0;
    for (const char *q = text, *e; *q; q = e + 1) {
        e = strchr(q, '\n');
        lines += e > q;
        over += (size_t)(e - q) > 140;
    }
    cr_assert_gt(over * 2, lines, "%zu of %zu lines over 140 bytes", over, lines);

    struct lines L = split_with(text, all_join);
    cr_assert_gt(L.wrap_width, 120, "wrap width %zu", L.wrap_width);
    cr_assert_leq(L.wrap_width, 130, "wrap width %zu", L.wrap_width);
    const struct line *nb[32];
    size_t k = nonblank(&L, nb, 32);
    cr_assert_eq(k, 6, "%zu non-blank lines, want one per paragraph", k);
    for (size_t i = 0; i < k; i++)
        cr_assert(line_is(nb[i], para), "paragraph %zu: \"%.*s\"", i, (int)nb[i]->len, nb[i]->s);
    buf_free(&b);
}

Test(lines, short_lines_among_long_ones_are_not_joined)
{
    /* A document with one paragraph per line: long paragraphs, and short
     * ones that happen to end near 60 characters.  It is not wrapped, so
     * nothing may be joined. */
    struct buf b;
    buf_init(&b, 0);
    const char *longp = "Sekretariatet orienterede om status på de fælles indsatser og om den økonomiske ramme "
                        "for det kommende år, herunder de tre nye projekter i klyngen";
    cr_assert_gt(utf8_chars(longp, strlen(longp)), 140);
    const char *shortp[] = {
        "Regionen og kommunerne har aftalt at arbejde videre med det",
        "Styregruppen følger op på fremdriften ved hvert møde i året",
        "Formanden takkede for et godt samarbejde og for indsatserne",
    };
    size_t expect = 0;
    for (int r = 0; r < 4; r++) {
        cr_assert_eq(buf_printf(&b, "%s\n", longp), 0);
        expect++;
        for (size_t s = 0; s < 3; s++) {
            cr_assert_eq(buf_printf(&b, "%s\n", shortp[s]), 0);
            expect++;
        }
    }
    struct lines L = split_with(buf_cstr(&b), all_join);
    const struct line *nb[64];
    size_t k = nonblank(&L, nb, 64);
    cr_assert_eq(k, expect, "%zu non-blank lines, want %zu", k, expect);
    cr_assert_eq(L.joined_wraps, 0);
    buf_free(&b);
}

/* Builds a line of exactly width characters: first, filler words, last. */
static void exact_line(struct buf *b, const char *first, const char *last, size_t width)
{
    static const char *const fill[] = {"", "i", "at", "det", "ikke", "mødet", "planen", "arbejde", "regionen",
                                       "kommunale", "kommunerne", "samarbejdet"};
    size_t col = utf8_chars(first, strlen(first)) + 1 + utf8_chars(last, strlen(last));
    cr_assert_leq(col, width);
    cr_assert_eq(buf_puts(b, first), 0);
    /* gap to fill with " word" pieces of 2..12 chars (ASCII fillers only,
     * except "mødet", which is 5 characters as well) */
    size_t gap = width - col;
    while (gap > 0) {
        size_t wl = gap <= 12 ? gap - 1 : 8;
        cr_assert(wl >= 1 && wl <= 11, "cannot fill gap %zu", gap);
        cr_assert_eq(buf_printf(b, " %s", fill[wl]), 0);
        gap -= wl + 1;
    }
    cr_assert_eq(buf_printf(b, " %s\n", last), 0);
}

Test(lines, hyphenated_word_joins_but_compound_keeps_hyphen)
{
    struct buf b;
    buf_init(&b, 0);
    /* width 60 for every line but the last of each paragraph */
    exact_line(&b, "Klyngen vil arbejde", "for et mere sammen-", 60);
    exact_line(&b, "hængende forløb", "for borgerne, også på Børne-", 60);
    cr_assert_eq(buf_puts(&b, "og ungeområdet.\n\n"), 0);
    for (int i = 0; i < 8; i++)
        exact_line(&b, "Sekretariatet", "videre", 60);
    cr_assert_eq(buf_puts(&b, "til næste møde.\n"), 0);
    const char *text = buf_cstr(&b);

    struct lines L = split_with(text, all_join);
    cr_assert_eq(L.wrap_width, 60, "wrap width %zu", L.wrap_width);
    const struct line *nb[16];
    size_t k = nonblank(&L, nb, 16);
    cr_assert_eq(k, 2, "%zu paragraphs, want 2", k);
    const struct line *p = nb[0];
    cr_assert_eq(p->no, 1);
    cr_assert_not_null(memmem(p->s, p->len, "mere sammenhængende forløb", strlen("mere sammenhængende forløb")),
                       "\"%.*s\"", (int)p->len, p->s);
    cr_assert_not_null(memmem(p->s, p->len, "på Børne- og ungeområdet.", strlen("på Børne- og ungeområdet.")),
                       "\"%.*s\"", (int)p->len, p->s);
    cr_assert_null(memmem(p->s, p->len, "sammen-", 7));
    cr_assert_eq(nb[1]->no, 5);
    buf_free(&b);
}

Test(lines, page_break_keeps_original_numbers_in_wrapped_text)
{
    /* wrapped paragraphs with a footer between them: the numbers after the
     * footer still count the footer's line */
    struct buf b;
    buf_init(&b, 0);
    wrap_into(&b, paragraphs[0], 60);
    cr_assert_eq(buf_puts(&b, "\nSide 1 af 2\n\n"), 0);
    size_t before = 0;
    for (size_t i = 0; i < b.len; i++)
        before += b.data[i] == '\n';
    wrap_into(&b, paragraphs[1], 60);
    wrap_into(&b, paragraphs[2], 60);
    struct lines L = split_with(buf_cstr(&b), all_join);
    cr_assert_eq(L.dropped_furniture, 1);
    bool found = false;
    for (size_t i = 0; i < L.n; i++) {
        cr_assert(!line_is(&L.v[i], "Side 1 af 2"));
        if (L.v[i].len > 20 && memcmp(L.v[i].s, paragraphs[1], 20) == 0) {
            found = true;
            cr_assert_eq(L.v[i].no, (int)before + 1, "no %d, want %zu", L.v[i].no, before + 1);
        }
    }
    cr_assert(found);
    buf_free(&b);
}

Test(lines, page_break_inside_a_wrapped_paragraph_is_closed)
{
    /* A footer after the paragraph's second line, which runs to the margin
     * mid-sentence: the two halves are one paragraph. */
    struct buf w;
    buf_init(&w, 0);
    wrap_into(&w, paragraphs[0], 60);
    const char *text = buf_cstr(&w);
    const char *second_nl = strchr(strchr(text, '\n') + 1, '\n');
    cr_assert_not_null(second_nl);
    cr_assert_neq(second_nl[-1], '.', "test text: line 2 ends a sentence");
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(buf_append(&b, text, (size_t)(second_nl - text) + 1), 0);
    cr_assert_eq(buf_puts(&b, "\nSide 1 af 2\n\n"), 0);
    cr_assert_eq(buf_puts(&b, second_nl + 1), 0);
    cr_assert_eq(buf_putc(&b, '\n'), 0);
    wrap_into(&b, paragraphs[1], 60);

    struct lines L = split_with(buf_cstr(&b), all_join);
    cr_assert_eq(L.dropped_furniture, 1);
    const struct line *nb[16];
    size_t k = nonblank(&L, nb, 16);
    cr_assert_eq(k, 2, "%zu paragraphs, want 2", k);
    cr_assert(line_is(nb[0], paragraphs[0]), "\"%.*s\"", (int)nb[0]->len, nb[0]->s);
    cr_assert_eq(nb[0]->no, 1);
    cr_assert(line_is(nb[1], paragraphs[1]), "\"%.*s\"", (int)nb[1]->len, nb[1]->s);
    buf_free(&w);
    buf_free(&b);
}

static enum lines_join never_join(const char *prev, size_t prev_len, const char *cur, size_t cur_len)
{
    (void)prev;
    (void)prev_len;
    (void)cur;
    (void)cur_len;
    return LINES_NEVER;
}

/* Line breaks are found sixteen bytes at a time: lines of every length,
 * so that breaks fall at every offset of a block, come out as a naive
 * split gives them (numbered, a run of blank lines kept as one). */
Test(lines, breaks_at_every_offset)
{
    for (size_t step = 1; step < 70; step++) {
        struct buf b;
        buf_init(&b, 0);
        size_t want = 0, len = 0;
        for (size_t k = 0; len < 300; k++) {
            size_t n = (k * step) % 71;         /* 0 = a blank line */
            for (size_t i = 0; i < n; i++)
                buf_putc(&b, (char)('a' + (k + i) % 26));
            buf_putc(&b, '\n');
            len += n + 1;
        }
        /* the naive split: count lines, blank runs kept as one */
        const char *t = buf_cstr(&b);
        int no = 0;
        bool prev_blank = false;
        struct lines L = split_with(t, never_join);
        for (const char *p = t; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = (size_t)(nl - p);
            no++;
            if (n || !prev_blank || want == 0) {
                cr_assert_lt(want, L.n, "step %zu: line %d missing", step, no);
                cr_assert_eq(L.v[want].len, n, "step %zu: line %d", step, no);
                cr_assert(memcmp(L.v[want].s, p, n) == 0, "step %zu: line %d", step, no);
                cr_assert_eq(L.v[want].no, no, "step %zu: line %zu numbered %d, want %d", step, want, L.v[want].no, no);
                want++;
            }
            prev_blank = n == 0;
            p = nl + 1;
        }
        cr_assert(!L.truncated, "step %zu: %zu lines called too many", step, L.n);
        cr_assert_leq(L.n, want + 1, "step %zu: %zu lines, want %zu", step, L.n, want);
        buf_free(&b);
    }
}

/* Lines shorter than prose's (the array grows), and a text of more lines
 * than LINES_MAX whose blank runs keep it under the cap: every line is
 * read, and it is still reported as too many. */
Test(lines, short_lines_and_the_cap_on_lines)
{
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < 20000; i++)
        cr_assert_eq(buf_printf(&b, "%c\n", 'a' + i % 10), 0);
    struct lines L = split_with(buf_cstr(&b), never_join);
    cr_assert_eq(L.n, 20001, "%zu lines", L.n); /* and the empty one after the last break */
    for (size_t i = 0; i < 20000; i++) {
        cr_assert_eq(L.v[i].len, 1);
        cr_assert_eq(L.v[i].s[0], 'a' + (int)(i % 10));
        cr_assert_eq(L.v[i].no, (int)i + 1);
    }
    cr_assert_not(L.truncated);

    /* "a" and three blank lines: four lines of text, two kept */
    buf_reset(&b);
    size_t units = LINES_MAX / 3;
    for (size_t i = 0; i < units; i++)
        cr_assert_eq(buf_append(&b, "a\n\n\n\n", 5), 0);
    L = split_with(buf_cstr(&b), never_join);
    cr_assert(L.truncated, "%zu lines of text are more than %zu", units * 4, (size_t)LINES_MAX);
    cr_assert_eq(L.n, units * 2, "%zu lines kept, want %zu", L.n, units * 2);
    cr_assert_eq(L.v[L.n - 2].no, (int)(units * 4 - 3), "the last \"a\" is read");
    buf_free(&b);
}

/* "Beslutning …" lines are structure here, whatever they hold. */
static enum lines_join beslutning_never(const char *prev, size_t prev_len, const char *cur, size_t cur_len)
{
    (void)prev;
    (void)prev_len;
    return cur_len >= 10 && memcmp(cur, "Beslutning", 10) == 0 ? LINES_NEVER : LINES_JOIN;
}

/* A header with a date on every page goes, every time; a heading that
 * repeats with a date stays, every time. */
Test(lines, running_headers_go_and_dated_headings_stay)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(buf_puts(&b, "Referat\n"), 0);
    for (int page = 1; page <= 5; page++)
        cr_assert_eq(buf_printf(&b,
                                "Sundhedsklynge Midt - referat 26-04-2024\n"
                                "Punkt %d\n"
                                "Beslutning i klyngen den 26-04-2024\n"
                                "Teksten til punkt %d handler om samarbejdet mellem regionen og kommunerne om de "
                                "fælles indsatser for borgere med kroniske sygdomme og om opfølgningen.\n\n",
                                page, page),
                     0);
    struct lines L = split_with(buf_cstr(&b), beslutning_never);
    size_t headers = 0, headings = 0;
    for (size_t i = 0; i < L.n; i++) {
        headers += line_is(&L.v[i], "Sundhedsklynge Midt - referat 26-04-2024");
        headings += line_is(&L.v[i], "Beslutning i klyngen den 26-04-2024");
    }
    cr_assert_eq(headers, 0, "%zu running headers left", headers);
    cr_assert_eq(headings, 5, "%zu of 5 dated headings kept", headings);
    cr_assert_eq(L.dropped_furniture, 5);
    buf_free(&b);
}

/* A running header is a line of 8 to 200 bytes: a dated line repeated on
 * every page but longer than that (a paragraph) or shorter (a bare date)
 * is text and stays, however often it repeats - and beside running
 * headers that do go. */
Test(lines, only_header_length_lines_repeat_as_headers)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(buf_puts(&b, "Referat\n"), 0);
    char longline[240];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "Mødet 26-04-2024 ", 18);
    longline[sizeof longline - 1] = '\0';
    for (int page = 1; page <= 4; page++)
        cr_assert_eq(buf_printf(&b,
                                "Sundhedsklynge Syd - referat 26-04-2024\n"
                                "1.1.24\n"
                                "%s\n"
                                "Punkt %d handler om samarbejdet mellem regionen og kommunerne.\n\n",
                                longline, page),
                     0);
    struct lines L = split_with(buf_cstr(&b), beslutning_never);
    size_t headers = 0, dates = 0, long_lines = 0;
    for (size_t i = 0; i < L.n; i++) {
        headers += line_is(&L.v[i], "Sundhedsklynge Syd - referat 26-04-2024");
        dates += line_is(&L.v[i], "1.1.24");
        long_lines += line_is(&L.v[i], longline);
    }
    cr_assert_eq(headers, 0, "%zu running headers left", headers);
    cr_assert_eq(dates, 4, "%zu of 4 short dated lines kept", dates);
    cr_assert_eq(long_lines, 4, "%zu of 4 long dated lines kept", long_lines);
    buf_free(&b);
}
