/*
 * Hostile input: the pipeline never crashes, always returns a model, and
 * says in an issue why a document cannot be loaded.  (Run under ASan and
 * UBSan in CI, so "does not crash" includes "does not read out of bounds".)
 * Time is not asserted here - bench/ measures it - but every case is sized
 * so that anything worse than linear would make the suite crawl.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>

#include "lines.h"
#include "model.h"
#include "pipeline.h"
#include "validate.h"
#include "testutil.h"

static struct md_doc *run(const void *b, size_t n, enum stage_result *r)
{
    struct md_doc *doc = pipeline_run(b, n, "hostile.txt", NULL, NULL, r);
    cr_assert_not_null(doc);
    /* whatever happened, the model serialises to valid JSON */
    struct buf out;
    buf_init(&out, 0);
    cr_assert_eq(model_json(doc, &out, false), 0);
    json_error_t err;
    json_t *j = json_loadb(out.data, out.len, 0, &err);
    cr_assert_not_null(j, "invalid JSON: %s", err.text);
    json_decref(j);
    buf_free(&out);
    return doc;
}

static bool has_issue(const struct md_doc *doc, const char *severity, const char *code)
{
    for (size_t i = 0; i < doc->nissues; i++)
        if (!strcmp(doc->issues[i].code, code) && !strcmp(doc->issues[i].severity, severity))
            return true;
    return false;
}

static unsigned char *seed(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "seeds/%s", name);
    return test_data_file(rel, len);
}

Test(hostile, empty_file)
{
    enum stage_result r;
    struct md_doc *doc = run("", 0, &r);
    cr_expect_eq(r, STAGE_REJECT);
    cr_expect(has_issue(doc, "error", "not_text"));
    cr_expect_str_eq(pipeline_first_error(doc), "empty file");
    model_destroy(doc);
}

Test(hostile, binary_data)
{
    unsigned char b[65536];
    test_random_bytes(b, sizeof b, 12345);
    memcpy(b, "\x89PNG\r\n\x1a\n", 8);
    enum stage_result r;
    struct md_doc *doc = run(b, sizeof b, &r);
    cr_expect_eq(r, STAGE_REJECT);
    cr_expect(has_issue(doc, "error", "not_text"), "random bytes must be rejected as not text");
    model_destroy(doc);
}

Test(hostile, fifty_megabyte_single_line)
{
    /* Real words, no line breaks: one 50 MB line. */
    size_t n = 50u << 20;
    char *b = xmalloc(n);
    static const char words[] = "Beslutning Punkt 1: Indstillingen blev godkendt 1,5 mio. kr. Region Nordjylland ";
    for (size_t i = 0; i < n; i++)
        b[i] = words[i % (sizeof words - 1)];
    enum stage_result r;
    struct md_doc *doc = run(b, n, &r);
    cr_expect_eq(r, STAGE_REJECT);
    cr_expect(has_issue(doc, "error", "no_items"));
    model_destroy(doc);
    free(b);
}

Test(hostile, too_large_is_refused_before_any_work)
{
    size_t n = PIPELINE_MAX_BYTES + 1;
    char *b = xmalloc(n);
    memset(b, 'a', n);
    enum stage_result r;
    struct md_doc *doc = run(b, n, &r);
    cr_expect_eq(r, STAGE_REJECT);
    cr_expect_str_eq(pipeline_first_error(doc), "file too large");
    model_destroy(doc);
    free(b);
}

Test(hostile, nul_bytes_are_dropped_and_reported)
{
    size_t n;
    unsigned char *s = seed("000_d2f626ad0e25e238.txt", &n);
    unsigned char *b = xmalloc(n + n / 500 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 500 == 250)
            b[o++] = 0;
        b[o++] = s[i];
    }
    enum stage_result r;
    struct md_doc *doc = run(b, o, &r);
    cr_expect(has_issue(doc, "warning", "decode_repaired"));
    cr_expect_eq(doc->nitems, 5, "the items survive stray NULs (got %zu)", doc->nitems);
    model_destroy(doc);
    free(b);
    free(s);
}

Test(hostile, invalid_utf8_is_read_as_windows_1252)
{
    size_t n;
    unsigned char *b = seed("002_54d817ac84b58f52.txt", &n);
    for (size_t i = 2000; i < n; i += 997) /* after the header */
        if (b[i] < 0x80)
            b[i] = 0xFF; /* invalid anywhere in UTF-8 */
    enum stage_result r;
    struct md_doc *doc = run(b, n, &r);
    cr_expect_str_eq(doc->encoding, "windows-1252");
    cr_expect_eq(doc->nitems, 3);
    cr_expect_str_eq(doc->meeting.date, "2023-04-26");
    model_destroy(doc);
    free(b);
}

Test(hostile, truncated_utf16)
{
    const char *text = "REFERAT Udvalg d. 01-02-2024\n\nPunkt 1: Godkendelse\n\nBeslutning\n\nGodkendt.\n";
    size_t tn = strlen(text);
    unsigned char *b = xmalloc(2 * tn + 3);
    b[0] = 0xFF, b[1] = 0xFE;
    for (size_t i = 0; i < tn; i++)
        b[2 + 2 * i] = (unsigned char)text[i], b[3 + 2 * i] = 0;
    enum stage_result r;
    struct md_doc *doc = run(b, 2 * tn + 1, &r); /* one byte short */
    cr_expect(has_issue(doc, "warning", "decode_repaired"));
    cr_expect_eq(doc->nitems, 1);
    cr_expect_str_eq(doc->meeting.date, "2024-02-01");
    model_destroy(doc);
    free(b);
}

Test(hostile, only_headings)
{
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < 2000; i++)
        buf_puts(&b, "Beslutning\n\nBilag\n\nRESUMÉ\nIndholdsfortegnelse\nFraværende\n");
    enum stage_result r;
    struct md_doc *doc = run(b.data, b.len, &r);
    cr_expect_eq(r, STAGE_REJECT);
    cr_expect(has_issue(doc, "error", "no_items"));
    cr_expect(has_issue(doc, "error", "no_date"));
    model_destroy(doc);
    buf_free(&b);
}

static struct md_doc *numbered(int n, enum stage_result *r)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "REFERAT Sundhedsklynge Test d. 01-03-2024\n\nIndholdsfortegnelse\n\n");
    for (int i = 1; i <= n; i++)
        buf_printf(&b, "Punkt %d.....\t%d\n", i, i);
    buf_puts(&b, "\n");
    for (int i = 1; i <= n; i++)
        buf_printf(&b, "Punkt %d: Punkt nummer %d\n\nIndstilling\n\n1. Godkender.\n2. Drøfter.\n\n"
                       "Beslutning\n\nGodkendt med 1,5 mio. kr.\n\nFraværende Jens Hansen, A\n\n",
                   i, i);
    struct md_doc *doc = run(b.data, b.len, r);
    buf_free(&b);
    return doc;
}

Test(hostile, ten_thousand_items)
{
    enum stage_result r;
    struct md_doc *doc = numbered(10000, &r);
    cr_expect_eq(r, STAGE_OK);
    cr_expect_eq(doc->nitems, 10000);
    cr_expect_eq(doc->items[9999].number, 10000);
    cr_expect_str_eq(doc->items[9999].outcome, "approved");
    model_destroy(doc);
}

Test(hostile, more_items_than_a_meeting_can_have)
{
    enum stage_result r;
    struct md_doc *doc = numbered(VALIDATE_MAX_ITEMS + 5, &r);
    cr_expect_eq(r, STAGE_REJECT);
    cr_expect(has_issue(doc, "error", "too_many_items"));
    model_destroy(doc);
}

Test(hostile, huge_people_list)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "REFERAT Udvalg d. 01-02-2024\n\nDeltagere:\n");
    for (int i = 0; i < 30000; i++)
        buf_printf(&b, "Per%c%c%c Hansen, direktør, Herning Kommune\n", 'a' + i % 26, 'a' + i / 26 % 26,
                   'a' + i / 676 % 26);
    buf_puts(&b, "\nPunkt 1: Godkendelse\n\nBeslutning\n\nGodkendt.\n");
    enum stage_result r;
    struct md_doc *doc = run(b.data, b.len, &r);
    cr_expect_eq(doc->nitems, 1);
    cr_expect(doc->nparticipants > 0 && doc->nparticipants <= 1000, "participants are capped (got %zu)",
              doc->nparticipants);
    model_destroy(doc);
    buf_free(&b);
}

Test(hostile, pathological_lines)
{
    /* unbalanced parentheses, a 1 MB word, digits and dots, pipes */
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "Punkt 1: (((((\n");
    for (int i = 0; i < 200000; i++)
        buf_puts(&b, "(((((");
    buf_puts(&b, "\n1.2.3.4.5.6.7.8.9.0 kr. mio. mia. ");
    for (int i = 0; i < 100000; i++)
        buf_puts(&b, "1.000.");
    buf_puts(&b, "\n| | | | | |\n");
    for (int i = 0; i < 100000; i++)
        buf_puts(&b, "Punkt ");
    buf_puts(&b, "\n");
    enum stage_result r;
    struct md_doc *doc = run(b.data, b.len, &r);
    model_destroy(doc);
    buf_free(&b);
}

/* Every input the fuzzer ever crashed on stays fixed. */
Test(hostile, fuzzer_regressions)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/regressions", TEST_DATA_DIR);
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    size_t count = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        unsigned char *b = test_read_file(path, &n);
        enum stage_result r;
        model_destroy(run(b, n, &r));
        free(b);
        count++;
    }
    closedir(d);
    cr_expect(count > 0);
}

/* Different people with similar names stay different; only an absentee
 * with no exact match may match a listed participant by spelling. */
Test(hostile, similar_names_are_different_people)
{
    const char *t = "REFERAT Udvalg d. 01-02-2024\n\nDeltagere:\nJens Hansen, borgmester, Vejle Kommune\n"
                    "Jens Jensen, direktør, Region Sjælland\nAnne Holm, direktør\nAnne Helm, direktør\n"
                    "Pia Buus Pinstrup, formand\n\nAfbud:\nJens Jensen\nPia Buus Pindstrup\n\n"
                    "Punkt 1: Godkendelse\n\nBeslutning\n\nGodkendt.\n";
    enum stage_result r;
    struct md_doc *d = run(t, strlen(t), &r);
    cr_assert_eq(d->nparticipants, 5);
    for (size_t i = 0; i < d->nparticipants; i++) {
        const struct md_participant *p = &d->participants[i];
        bool absent = !strcmp(p->name, "Jens Jensen") || !strcmp(p->name, "Pia Buus Pinstrup");
        cr_expect_eq(p->present, !absent, "%s present=%d", p->name, p->present);
    }
    model_destroy(d);
}

Test(hostile, more_lines_than_minutes_have)
{
    size_t n = (LINES_MAX + 10) * 2;
    char *b = xmalloc(n);
    for (size_t i = 0; i < n; i += 2)
        b[i] = 'a', b[i + 1] = '\n';
    enum stage_result r;
    struct md_doc *d = run(b, n, &r);
    cr_expect_eq(r, STAGE_REJECT);
    cr_expect(has_issue(d, "error", "too_many_lines"));
    model_destroy(d);
    free(b);
}
