/*
 * extract_pdf: the text of a PDF, with poppler (glib binding).
 *
 * poppler's own text is in reading order, but a table comes out column by
 * column, which scatters a row's cells (a name and its party, an amount
 * and what it is for) over the page.  So the lines are rebuilt from where
 * the characters are: poppler's lines, each a segment with a position,
 * are grouped by baseline into physical lines, left to right, cells of one
 * row joined by a tab where the gap between them is wide; lines go top to
 * bottom, a blank line where the vertical gap is a paragraph's, a form
 * feed between pages - what `pdftotext -layout` does, and what the
 * pipeline's structural parser reads like a text file.  (Two-column body
 * text would be interleaved by this; minutes are laid out in one column,
 * tables are what they have.)
 */
#include "extract.h"

#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seg {
    size_t off, len;          /* in the page's text */
    double x1, x2, y1, y2;
};

static int cmp_y(const void *a, const void *b)
{
    const struct seg *s = a, *t = b;
    double ya = (s->y1 + s->y2) / 2, yb = (t->y1 + t->y2) / 2;
    return ya < yb ? -1 : ya > yb;
}

static int cmp_x(const void *a, const void *b)
{
    const struct seg *s = a, *t = b;
    return s->x1 < t->x1 ? -1 : s->x1 > t->x1;
}

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Appends s[0..n) without trailing blanks. */
static void put_trimmed(struct buf *out, const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    buf_append(out, s, n);
}

/* One page's lines, rebuilt from its characters' boxes. */
static void page_text(PopplerPage *page, struct buf *out)
{
    char *text = poppler_page_get_text(page);
    PopplerRectangle *rects = NULL;
    guint nrects = 0;
    struct seg *segs = NULL;
    size_t nsegs = 0, cap = 0;

    if (!text)
        return;
    if (!poppler_page_get_text_layout(page, &rects, &nrects)) {
        buf_append(out, text, strlen(text));   /* no positions: poppler's order it is */
        goto out;
    }
    /* poppler's lines, as segments with the box of their visible characters */
    size_t off = 0, k = 0, tl = strlen(text);
    struct seg cur = {0, 0, 1e9, -1e9, 1e9, -1e9};
    bool any = false;
    while (off <= tl) {
        bool end = off == tl || text[off] == '\n';
        if (end) {
            if (any) {
                cur.len = off - cur.off;
                if (nsegs == cap) {
                    cap = cap ? cap * 2 : 64;
                    segs = xrealloc(segs, cap * sizeof *segs);
                }
                segs[nsegs++] = cur;
            }
            if (off == tl)
                break;
            off++;
            k++;
            cur = (struct seg){off, 0, 1e9, -1e9, 1e9, -1e9};
            any = false;
            continue;
        }
        size_t cl = utf8_len((unsigned char)text[off]);
        if (k < nrects && text[off] != ' ') {
            PopplerRectangle *r = &rects[k];
            cur.x1 = r->x1 < cur.x1 ? r->x1 : cur.x1;
            cur.x2 = r->x2 > cur.x2 ? r->x2 : cur.x2;
            cur.y1 = r->y1 < cur.y1 ? r->y1 : cur.y1;
            cur.y2 = r->y2 > cur.y2 ? r->y2 : cur.y2;
            any = true;
        }
        off += cl;
        k++;
    }
    if (k > nrects + 1) {
        /* boxes and characters do not line up: keep poppler's order */
        buf_append(out, text, tl);
        goto out;
    }
    qsort(segs, nsegs, sizeof *segs, cmp_y);
    double prev_bottom = -1, prev_h = 0;
    for (size_t i = 0; i < nsegs;) {
        /* the segments on this baseline: centres within half a line */
        double h = segs[i].y2 - segs[i].y1, yc = (segs[i].y1 + segs[i].y2) / 2;
        size_t j = i + 1;
        while (j < nsegs && (segs[j].y1 + segs[j].y2) / 2 - yc < h / 2)
            j++;
        qsort(segs + i, j - i, sizeof *segs, cmp_x);
        double top = segs[i].y1, bottom = segs[i].y2;
        for (size_t s = i; s < j; s++) {
            top = segs[s].y1 < top ? segs[s].y1 : top;
            bottom = segs[s].y2 > bottom ? segs[s].y2 : bottom;
        }
        /* a paragraph's gap: more than ~60% of a line empty above */
        if (prev_bottom >= 0 && top - prev_bottom > 0.6 * (prev_h > h ? prev_h : h))
            buf_append(out, "\n", 1);
        for (size_t s = i; s < j; s++) {
            if (s > i) {
                double gap = segs[s].x1 - segs[s - 1].x2;
                buf_append(out, gap > h ? "\t" : " ", 1);
            }
            put_trimmed(out, text + segs[s].off, segs[s].len);
        }
        buf_append(out, "\n", 1);
        prev_bottom = bottom;
        prev_h = h;
        i = j;
    }
out:
    free(segs);
    g_free(rects);
    g_free(text);
}

int extract_pdf(const unsigned char *b, size_t n, struct buf *out, char *err, size_t errlen)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(b, n);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    int rc = -1;

    if (!doc) {
        if (gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED)
            snprintf(err, errlen, "cannot extract: the PDF is encrypted");
        else
            snprintf(err, errlen, "not a valid PDF: %s", gerr && gerr->message ? gerr->message : "unreadable");
        goto out;
    }
    int pages = poppler_document_get_n_pages(doc);
    if (pages > EXTRACT_MAX_PAGES) {
        snprintf(err, errlen, "cannot extract: %d pages, more than %d", pages, EXTRACT_MAX_PAGES);
        goto out;
    }
    for (int i = 0; i < pages; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        if (i > 0)
            buf_append(out, "\f\n", 2);
        page_text(page, out);
        g_object_unref(page);
        if (out->len > EXTRACT_MAX_TEXT) {
            snprintf(err, errlen, "cannot extract: text larger than %zu MiB", EXTRACT_MAX_TEXT >> 20);
            goto out;
        }
    }
    rc = 0;
out:
    if (gerr)
        g_error_free(gerr);
    if (doc)
        g_object_unref(doc);
    g_bytes_unref(bytes);
    return rc;
}
