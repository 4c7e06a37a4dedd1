/*
 * The parser against the seeds' hand-checked facts (tests/data/gold), and
 * against the same seeds as other tools deliver them: re-encoded
 * (Windows-1252, UTF-16, CRLF …), which must give exactly the same model,
 * and hard-wrapped with page footers the way PDF converters print them,
 * which must keep the facts.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <iconv.h>
#include <jansson.h>

#include "facts.h"
#include "testutil.h"
#include "model.h"
#include "pipeline.h"

static json_t *parse_bytes(const unsigned char *b, size_t n, const char *name)
{
    struct md_doc *doc = pipeline_run(b, n, name, NULL, NULL, NULL);
    struct buf out;
    buf_init(&out, 0);
    cr_assert_eq(model_json(doc, &out, false), 0);
    json_error_t err;
    json_t *j = json_loadb(out.data, out.len, 0, &err);
    cr_assert_not_null(j, "model JSON of %s does not parse: %s", name, err.text);
    buf_free(&out);
    model_destroy(doc);
    return j;
}

/* The seeds, in name order, with their gold file. */
#define NSEEDS 5
static const char *const seeds[NSEEDS] = {
    "000_d2f626ad0e25e238", "001_7b1df9de962b88b2", "002_54d817ac84b58f52",
    "003_bdb304747eb2561f", "004_7178018e32c86f38"};

static unsigned char *seed_bytes(int i, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "seeds/%s.txt", seeds[i]);
    return test_data_file(rel, len);
}

static json_t *gold(int i)
{
    char path[512];
    snprintf(path, sizeof path, "%s/gold/%s.json", TEST_DATA_DIR, seeds[i]);
    json_error_t err;
    json_t *g = json_load_file(path, 0, &err);
    cr_assert_not_null(g, "%s: %s", path, err.text);
    return g;
}

static void expect_facts(int i, json_t *model, double min, const char *variant)
{
    json_t *g = gold(i);
    char *report = NULL;
    double s = facts_check(g, model, &report);
    cr_expect(s >= min, "%s (%s): %.3f of the gold facts hold, want >= %.3f; misses:\n%s", seeds[i], variant, s,
              min, report ? report : "");
    free(report);
    json_decref(g);
}

Test(seeds, every_gold_fact_holds)
{
    for (int i = 0; i < NSEEDS; i++) {
        size_t n;
        unsigned char *b = seed_bytes(i, &n);
        json_t *m = parse_bytes(b, n, seeds[i]);
        expect_facts(i, m, 1.0, "as published");
        json_decref(m);
        free(b);
    }
}

/* ---- re-encoded copies: the same model, byte for byte ------------------- */

static char *model_without_source(const unsigned char *b, size_t n)
{
    json_t *m = parse_bytes(b, n, "x.txt");
    json_object_del(m, "source");
    char *s = json_dumps(m, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(m);
    return s;
}

static unsigned char *convert(const unsigned char *in, size_t n, const char *to, bool bom, size_t *out_len)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    cr_assert(cd != (iconv_t)-1, "iconv_open %s", to);
    size_t cap = n * 4 + 16;
    unsigned char *out = xmalloc(cap);
    size_t o = 0;
    if (bom) {
        if (!strcmp(to, "UTF-16LE"))
            out[o++] = 0xFF, out[o++] = 0xFE;
        else
            out[o++] = 0xFE, out[o++] = 0xFF;
    }
    char *ip = (char *)in, *op = (char *)out + o;
    size_t il = n, ol = cap - o;
    cr_assert(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1, "iconv to %s failed", to);
    iconv_close(cd);
    *out_len = cap - ol;
    return out;
}

static unsigned char *line_ends(const unsigned char *in, size_t n, const char *eol, size_t *out_len)
{
    unsigned char *out = xmalloc(n * 2 + 1);
    size_t o = 0, el = strlen(eol);
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\n') {
            memcpy(out + o, eol, el);
            o += el;
        } else
            out[o++] = in[i];
    }
    *out_len = o;
    return out;
}

Test(seeds, reencoded_copies_give_the_same_model)
{
    for (int i = 0; i < NSEEDS; i++) {
        size_t n;
        unsigned char *b = seed_bytes(i, &n);
        char *ref = model_without_source(b, n);
        struct {
            const char *name;
            unsigned char *bytes;
            size_t len;
        } v[6];
        v[0].name = "windows-1252";
        v[0].bytes = convert(b, n, "WINDOWS-1252", false, &v[0].len);
        v[1].name = "utf-16le+bom";
        v[1].bytes = convert(b, n, "UTF-16LE", true, &v[1].len);
        v[2].name = "utf-16be+bom";
        v[2].bytes = convert(b, n, "UTF-16BE", true, &v[2].len);
        v[3].name = "crlf";
        v[3].bytes = line_ends(b, n, "\r\n", &v[3].len);
        v[4].name = "cr";
        v[4].bytes = line_ends(b, n, "\r", &v[4].len);
        v[5].name = "utf-8+bom";
        v[5].bytes = xmalloc(n + 3);
        memcpy(v[5].bytes, "\xEF\xBB\xBF", 3);
        memcpy(v[5].bytes + 3, b, n);
        v[5].len = n + 3;
        for (int k = 0; k < 6; k++) {
            char *got = model_without_source(v[k].bytes, v[k].len);
            cr_expect_str_eq(got, ref, "%s as %s gives a different model", seeds[i], v[k].name);
            free(got);
            free(v[k].bytes);
        }
        free(ref);
        free(b);
    }
}

/* ---- as a PDF converter prints them ---------------------------------------- */

static size_t nchars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Word-wraps every line at width characters and adds "Side N af M"
 * footers (with blank lines and a form feed) every 45 lines; with
 * running_header, the title heads every page after the first and the
 * footer is a bare page number instead. */
static char *pdf_like(const char *text, size_t n, size_t width, bool running_header, size_t *out_len)
{
    struct buf lines;
    buf_init(&lines, 0);
    size_t count = 0;
    const char *p = text, *end = text + n;
    while (p <= end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *w = p;
        size_t cur = 0;
        bool any = false;
        while (w < le) {
            const char *we = w;
            while (we < le && *we != ' ')
                we++;
            size_t wc = nchars(w, (size_t)(we - w));
            if (any && cur + 1 + wc > width) {
                buf_putc(&lines, '\n');
                count++;
                cur = 0;
                any = false;
            }
            if (any) {
                buf_putc(&lines, ' ');
                cur++;
            }
            buf_append(&lines, w, (size_t)(we - w));
            cur += wc;
            any = true;
            w = we < le ? we + 1 : we;
        }
        buf_putc(&lines, '\n');
        count++;
        if (!nl)
            break;
        p = nl + 1;
    }
    size_t pages = count / 45 + 1, line = 0, page = 1;
    struct buf out;
    buf_init(&out, 0);
    const char *q = buf_cstr(&lines), *qe = q + lines.len;
    const char *title = q;
    while (title < qe && *title == '\n')
        title++;
    const char *title_end = memchr(title, '\n', (size_t)(qe - title));
    while (q < qe) {
        const char *nl = memchr(q, '\n', (size_t)(qe - q));
        buf_append(&out, q, (size_t)(nl - q) + 1);
        q = nl + 1;
        if (++line % 45 == 0) {
            if (running_header) {
                buf_printf(&out, "\n%zu\n\f", page++);
                buf_append(&out, title, (size_t)(title_end - title));
                buf_puts(&out, "\n\n");
            } else {
                buf_printf(&out, "\nSide %zu af %zu\n\f", page++, pages);
            }
        }
    }
    if (running_header)
        buf_printf(&out, "\n%zu\n", page);
    else
        buf_printf(&out, "\nSide %zu af %zu\n", page, pages);
    buf_free(&lines);
    return buf_steal(&out, out_len);
}

Test(seeds, hard_wrapped_pdf_text_keeps_the_facts)
{
    static const size_t widths[] = {70, 80, 90, 100, 110, 120};
    for (int i = 0; i < NSEEDS; i++) {
        size_t n;
        unsigned char *b = seed_bytes(i, &n);
        for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
            size_t len;
            for (int rh = 0; rh < 2; rh++) {
                char *wrapped = pdf_like((const char *)b, n, widths[w], rh, &len);
                json_t *m = parse_bytes((unsigned char *)wrapped, len, seeds[i]);
                char variant[96];
                snprintf(variant, sizeof variant, "wrapped at %zu%s", widths[w],
                         rh ? ", running header, bare page numbers" : ", Side N af M");
                expect_facts(i, m, 0.97, variant);
                json_decref(m);
                free(wrapped);
            }
        }
        free(b);
    }
}
