/*
 * test_extract_pdf: PDFs drawn here with cairo (the way a word processor
 * prints minutes: hard-wrapped lines, "Side N af M" footers, tables) must
 * give the pipeline the text that holds the same facts as the seed.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "extract.h"
#include "facts.h"
#include "model.h"
#include "sha256.h"
#include "testutil.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 56.0
#define FONT 9.0
#define LEAD 12.0

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    buf_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

/* Splits text into lines no wider than the text column, at spaces. */
static size_t wrap(cairo_t *cr, const char *text, char ***out)
{
    size_t n = 0, cap = 0;
    char **v = NULL;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, len);
        char *rest = line;
        do {
            /* the longest prefix that fits, cut at a space */
            size_t fit = strlen(rest), cut = fit;
            cairo_text_extents_t ex;
            for (;;) {
                char save = rest[cut];
                rest[cut] = '\0';
                cairo_text_extents(cr, rest, &ex);
                rest[cut] = save;
                if (ex.x_advance <= PAGE_W - 2 * MARGIN || cut == 0)
                    break;
                size_t sp = cut;
                while (sp > 0 && rest[sp - 1] != ' ')
                    sp--;
                cut = sp > 0 ? sp - 1 : cut - 1;
            }
            if (cut == 0)
                cut = fit;
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                v = realloc(v, cap * sizeof *v);
            }
            v[n++] = strndup(rest, cut);
            rest += cut;
            while (*rest == ' ')
                rest++;
        } while (*rest);
        free(line);
        p += len + (nl ? 1 : 0);
    }
    *out = v;
    return n;
}

/* The seed text as a PDF: A4, DejaVu Sans 9 pt, "Side N af M" footers. */
static unsigned char *seed_pdf(const char *text, size_t *len)
{
    struct buf out;
    buf_init(&out, 0);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buf, &out, PAGE_W, PAGE_H);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, FONT);
    char **lines;
    size_t n = wrap(cr, text, &lines);
    size_t per_page = (size_t)((PAGE_H - 2 * MARGIN - 2 * LEAD) / LEAD);
    size_t pages = (n + per_page - 1) / per_page;
    for (size_t pg = 0; pg < pages; pg++) {
        for (size_t i = pg * per_page; i < n && i < (pg + 1) * per_page; i++) {
            cairo_move_to(cr, MARGIN, MARGIN + (double)(i - pg * per_page + 1) * LEAD);
            cairo_show_text(cr, lines[i]);
        }
        char footer[64];
        snprintf(footer, sizeof footer, "Side %zu af %zu", pg + 1, pages);
        cairo_move_to(cr, PAGE_W / 2 - 20, PAGE_H - MARGIN / 2);
        cairo_show_text(cr, footer);
        cairo_show_page(cr);
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
    return (unsigned char *)buf_steal(&out, len);
}

static json_t *model_of(struct md_doc *doc)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(model_json(doc, &b, false), 0);
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    buf_free(&b);
    cr_assert_not_null(j);
    return j;
}

#define NSEEDS 5
static const char *const seeds[NSEEDS] = {"000_d2f626ad0e25e238", "001_7b1df9de962b88b2", "002_54d817ac84b58f52",
                                          "003_bdb304747eb2561f", "004_7178018e32c86f38"};

TestSuite(extract_pdf, .init = extract_init);

Test(extract_pdf, each_seed_as_a_printed_pdf_keeps_its_facts)
{
    for (int i = 0; i < NSEEDS; i++) {
        char rel[256], path[512];
        size_t tlen, plen;
        snprintf(rel, sizeof rel, "seeds/%s.txt", seeds[i]);
        char *text = (char *)test_data_file(rel, &tlen);
        unsigned char *pdf = seed_pdf(text, &plen);
        cr_assert_eq(extract_sniff(pdf, plen, "x.bin"), EXTRACT_PDF);

        enum stage_result res;
        struct md_doc *doc = extract_pipeline(pdf, plen, "seed.pdf", NULL, NULL, &res);
        cr_expect_eq(res, STAGE_OK, "%s as PDF: %s", seeds[i], pipeline_first_error(doc));
        char hex[65];
        sha256_hex(pdf, plen, hex);
        cr_expect_str_eq(doc->sha256, hex, "a PDF's identity is its own bytes");
        cr_expect_eq(doc->source_bytes, plen);

        snprintf(path, sizeof path, "%s/gold/%s.json", TEST_DATA_DIR, seeds[i]);
        json_t *gold = json_load_file(path, 0, NULL);
        cr_assert_not_null(gold);
        json_t *m = model_of(doc);
        char *report = NULL;
        double s = facts_check(gold, m, &report);
        cr_expect(s >= 0.97, "%s as PDF: %.3f of the gold facts hold; misses:\n%s", seeds[i], s, report);
        free(report);
        json_decref(m);
        json_decref(gold);
        model_destroy(doc);
        free(pdf);
        free(text);
    }
}

Test(extract_pdf, a_table_row_stays_one_line)
{
    struct buf out, text;
    buf_init(&out, 0);
    buf_init(&text, 0);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buf, &out, PAGE_W, PAGE_H);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, FONT);
    static const char *const cells[3][3] = {{"Navn", "Organisation", "Beløb"},
                                            {"Anne Hansen", "Holbæk Kommune", "1,5 mio. kr."},
                                            {"Bo Jensen", "Region Sjælland", "250.000 kr."}};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            cairo_move_to(cr, MARGIN + c * 170, MARGIN + r * LEAD);
            cairo_show_text(cr, cells[r][c]);
        }
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
    char err[256];
    cr_assert_eq(extract_pdf((unsigned char *)out.data, out.len, &text, err, sizeof err), 0, "%s", err);
    buf_append(&text, "", 1);
    cr_expect(strstr(text.data, "Navn\tOrganisation\tBeløb\n"), "%s", text.data);
    cr_expect(strstr(text.data, "Anne Hansen\tHolbæk Kommune\t1,5 mio. kr.\n"), "%s", text.data);
    cr_expect(strstr(text.data, "Bo Jensen\tRegion Sjælland\t250.000 kr.\n"), "%s", text.data);
    buf_free(&out);
    buf_free(&text);
}

Test(extract_pdf, a_broken_pdf_is_rejected_with_its_reason)
{
    static const char junk[] = "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage";
    enum stage_result res;
    struct md_doc *doc = extract_pipeline((const unsigned char *)junk, sizeof junk - 1, "broken.pdf", NULL, NULL, &res);
    cr_expect_eq(res, STAGE_REJECT);
    cr_expect_str_eq(doc->issues[0].code, "not_extractable");
    cr_expect(strstr(pipeline_first_error(doc), "not a valid PDF"), "%s", pipeline_first_error(doc));
    model_destroy(doc);
}

Test(extract_pdf, what_is_what)
{
    static const char pdf[] = "%PDF-1.4\n", page[] = "\xEF\xBB\xBF\n<?xml version=\"1.0\"?>\n<!-- cms -->\n<html><p>x";
    static const char text[] = "Referat\nDato: 1. marts 2024\n";
    cr_expect_eq(extract_sniff((const unsigned char *)pdf, sizeof pdf - 1, "a.txt"), EXTRACT_PDF);
    cr_expect_eq(extract_sniff((const unsigned char *)page, sizeof page - 1, "a.txt"), EXTRACT_HTML);
    cr_expect_eq(extract_sniff((const unsigned char *)text, sizeof text - 1, "a.txt"), EXTRACT_TEXT);
    cr_expect_eq(extract_sniff((const unsigned char *)text, sizeof text - 1, "a.HTM"), EXTRACT_HTML);
    cr_expect_eq(extract_sniff((const unsigned char *)"PK\x03\x04", 4, "a.docx"), EXTRACT_TEXT,
                 "a zip without word/document.xml is no Word file");
}
