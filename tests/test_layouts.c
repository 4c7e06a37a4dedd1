/*
 * Tests for layout detection through pipeline_run (pipeline/pipeline.h).
 *
 * Each seed document is one publisher's layout: detection must pick that
 * layout, and forcing the structure-only "generic" layout must still find
 * every item, since that is what an unknown publisher's minutes get.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "lines.h"
#include "pipeline.h"
#include "sections.h"
#include "text.h"
#include "util.h"

#define SEED_DIR TEST_DATA_DIR "/seeds"

struct seed {
    const char *file;
    const char *layout;
    size_t items;
};

static const struct seed seeds[] = {
    {"000_d2f626ad0e25e238.txt", "punkt-sections", 5},
    {"001_7b1df9de962b88b2.txt", "punkt-inline", 10},
    {"002_54d817ac84b58f52.txt", "caps-sections", 3},
    {"003_bdb304747eb2561f.txt", "punkt-duration", 10},
    {"004_7178018e32c86f38.txt", "numbered-plain", 13},
};

static unsigned char *read_file(const char *name, size_t *n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SEED_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long sz = ftell(f);
    cr_assert_gt(sz, 0, "%s is empty", path);
    cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
    unsigned char *p = malloc((size_t)sz);
    cr_assert_not_null(p);
    cr_assert_eq(fread(p, 1, (size_t)sz, f), (size_t)sz, "short read on %s", path);
    fclose(f);
    *n = (size_t)sz;
    return p;
}

static struct md_doc *run(const struct seed *s, const char *force, enum stage_result *r)
{
    size_t n;
    unsigned char *bytes = read_file(s->file, &n);
    struct pipeline_opts opts = {.max_bytes = 0, .layout = force};
    struct md_doc *d = pipeline_run(bytes, n, s->file, NULL, &opts, r);
    free(bytes);
    cr_assert_not_null(d);
    return d;
}

static void check_detected(size_t i)
{
    const struct seed *s = &seeds[i];
    enum stage_result r;
    struct md_doc *d = run(s, NULL, &r);
    cr_assert_not_null(d->layout);
    cr_assert_str_eq(d->layout, s->layout, "%s: layout %s, want %s", s->file, d->layout, s->layout);
    cr_assert_eq(d->nitems, s->items, "%s: %zu items, want %zu", s->file, d->nitems, s->items);
    cr_assert_eq(r, STAGE_OK, "%s: %s (%s)", s->file, stage_result_str(r),
                 pipeline_first_error(d) ? pipeline_first_error(d) : "no error issue");
    model_destroy(d);
}

static void check_generic(size_t i)
{
    const struct seed *s = &seeds[i];
    enum stage_result r;
    struct md_doc *d = run(s, "generic", &r);
    cr_assert_str_eq(d->layout, "generic", "%s: forced layout not used (%s)", s->file, d->layout);
    cr_assert_eq(d->nitems, s->items, "%s: generic layout finds %zu items, want %zu", s->file, d->nitems,
                 s->items);
    /* same items, in the same order */
    for (size_t k = 0; k < d->nitems; k++)
        cr_assert_eq(d->items[k].number, (int)k + 1, "%s: item %zu is numbered %d", s->file, k, d->items[k].number);
    model_destroy(d);
}

Test(layouts, detect_000_punkt_sections) { check_detected(0); }
Test(layouts, detect_001_punkt_inline) { check_detected(1); }
Test(layouts, detect_002_caps_sections) { check_detected(2); }
Test(layouts, detect_003_punkt_duration) { check_detected(3); }
Test(layouts, detect_004_numbered_plain) { check_detected(4); }

Test(layouts, generic_000) { check_generic(0); }
Test(layouts, generic_001) { check_generic(1); }
Test(layouts, generic_002) { check_generic(2); }
Test(layouts, generic_003) { check_generic(3); }
Test(layouts, generic_004) { check_generic(4); }

Test(layouts, unknown_forced_layout_falls_back_to_detection)
{
    enum stage_result r;
    struct md_doc *d = run(&seeds[0], "no-such-layout", &r);
    cr_assert_str_eq(d->layout, "punkt-sections");
    model_destroy(d);
}

Test(layouts, source_is_recorded)
{
    enum stage_result r;
    struct md_doc *d = run(&seeds[2], NULL, &r);
    cr_assert_not_null(d->source_name);
    cr_assert_str_eq(d->source_name, seeds[2].file);
    cr_assert_null(d->source_uri);
    cr_assert_not_null(d->sha256);
    cr_assert_eq(strlen(d->sha256), 64);
    cr_assert_gt(d->source_bytes, 0);
    model_destroy(d);
}

/* The layouts count lines that start with (or are) a literal by jumping
 * between lines with the right first byte: the counts must be those of
 * asking every line, in any case, with leading blanks, Danish first
 * letters, and with the first-byte index absent. */
Test(layouts, line_counts_by_first_byte_match_every_line)
{
    static const char *const starts[] = {"Punkt 3", "punkt 4", "PUNKT 5", "Punktum", "Beslutning", "beslutning:",
                                         "BESLUTNING.", "Beslutning i mødet", "Åben", "åben", "  Beslutning",
                                         "\tpunkt 9", "Dok ID: 1", "Sags ID: 2", "x", "", "Det indstilles, at"};
    static const char *const lits[] = {"punkt ", "beslutning", "\xC3\xA5" "ben", "dok id:", "sags id:", "det indstilles", " x"};
    uint64_t x = 0x082EFA98EC4E6C89u;
    for (int round = 0; round < 200; round++) {
        struct buf b;
        buf_init(&b, 0);
        for (int k = 0; k < 60; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf_puts(&b, starts[x % (sizeof starts / sizeof *starts)]);
            buf_putc(&b, '\n');
        }
        struct arena *a = arena_create();
        struct lines L;
        lines_split(a, buf_cstr(&b), b.len, NULL, &L);
        cr_assert_not_null(L.first);
        for (size_t k = 0; k < sizeof lits / sizeof *lits; k++) {
            for (size_t max = 0; max < 70; max += 23) {
                size_t n = max && max < L.n ? max : L.n, pre = 0, eq = 0;
                for (size_t i = 0; i < n; i++) {
                    pre += L.v[i].len && text_prefix_ci(L.v[i].s, L.v[i].len, lits[k]);
                    eq += L.v[i].len && text_eq_ci(L.v[i].s, L.v[i].len, lits[k]);
                }
                cr_assert_eq(layout_count_prefix(&L, lits[k], max), pre, "prefix \"%s\" max %zu", lits[k], max);
                cr_assert_eq(layout_count_equal(&L, lits[k], max), eq, "equal \"%s\" max %zu", lits[k], max);
                struct lines bare = L;
                bare.first = NULL;
                cr_assert_eq(layout_count_prefix(&bare, lits[k], max), pre);
                cr_assert_eq(layout_count_equal(&bare, lits[k], max), eq);
            }
        }
        arena_destroy(a);
        buf_free(&b);
    }
}

/* Every section heading in the table is found, written as a heading
 * (capital first letter, alone on its line) - whatever its first byte,
 * now that headings are looked up by it. */
Test(layouts, every_section_heading_is_found)
{
    size_t found = 0;
    for (size_t i = 0; sections_keyword(i); i++) {
        const char *h = sections_keyword(i);
        char line[128];
        size_t n = strlen(h);
        if (n + 1 >= sizeof line)
            continue;
        memcpy(line, h, n + 1);
        if (line[0] >= 'a' && line[0] <= 'z')
            line[0] = (char)(line[0] - 32);
        else if ((unsigned char)line[0] == 0xC3)
            line[1] = (char)((unsigned char)line[1] - 0x20); /* æ ø å -> Æ Ø Å */
        struct section_match m;
        if (sections_match(line, n, &m))
            found++;
        else
            cr_assert(sections_is_field_label(line, n), "\"%s\" is neither a heading nor a field label", line);
    }
    cr_assert_gt(found, 40, "only %zu headings found", found);
}

/* An attachment or amount written twice in an item is kept once, whatever
 * the case of its ASCII letters; one that differs in any byte (here the
 * last of 35) is another. */
Test(layouts, repeated_attachments_and_amounts_count_once)
{
    static const char text[] = "REFERAT Sundhedsklynge Test d. 05-03-2024\n\nMødested Rådhuset\n\n"
                               "Punkt 1: Budget 2025\n\nSagsfremstilling\n\n"
                               "Rammen er 1,5 mio. kr. og igen 1,5 mio. kr. samt 1,5 MIO. KR. og 2 mio. kr. "
                               "og 12.500.000 kr.\n\nBilag\n\n"
                               "Bilag 1. Budgetoversigt for klyngen\nBILAG 1. BUDGETOVERSIGT FOR KLYNGEN\n"
                               "Bilag 1. Budgetoversigt for klynger\nBilag 2. Tidsplan\n\nBeslutning\n\nGodkendt.\n";
    enum stage_result r;
    struct md_doc *d = pipeline_run((const unsigned char *)text, sizeof text - 1, "dedupe.txt", NULL, NULL, &r);
    cr_assert_not_null(d);
    cr_assert_geq(d->nitems, 1);
    const struct md_item *it = &d->items[0];
    static const char *const titles[] = {"Bilag 1. Budgetoversigt for klyngen", "Bilag 1. Budgetoversigt for klynger",
                                         "Bilag 2. Tidsplan"};
    cr_assert_eq(it->nattachments, 3, "%zu attachments", it->nattachments);
    for (size_t k = 0; k < 3; k++)
        cr_assert_str_eq(it->attachments[k].title, titles[k]);
    static const long long dkk[] = {1500000, 2000000, 12500000};
    cr_assert_eq(it->namounts, 3, "%zu amounts", it->namounts);
    for (size_t k = 0; k < 3; k++)
        cr_assert_eq(it->amounts[k].dkk, dkk[k], "amount %zu: %lld", k, it->amounts[k].dkk);
    model_destroy(d);
}
