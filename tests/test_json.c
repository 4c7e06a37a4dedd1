/*
 * Tests for model_json (pipeline/model.c).
 *
 * A model is built by hand with awkward strings, written compact and
 * pretty, and read back with jansson: an independent parser, so a writer
 * bug cannot hide behind a matching reader bug.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <string.h>

#include "model.h"
#include "util.h"

/* Every byte class the escaper must handle, plus UTF-8 that must pass. */
#define NASTY "say \"hi\" \\ back\\slash\nnew line\ttab \x01 ctl \x1f us \x7f del æøå ÆØÅ é €"

static struct md_doc *build(void)
{
    struct md_doc *d = model_create();
    d->source_name = model_strdup(d, "møde \"13\".pdf");
    d->source_uri = NULL;
    d->sha256 = model_strdup(d, "ab\\cd");
    d->source_bytes = 123456;
    d->encoding = "utf-8";
    d->kind = "minutes";
    d->layout = "punkt-sections";
    d->title = model_strdup(d, NASTY);
    d->meeting.body = model_strdup(d, "Sundhedsklynge Nord");
    d->meeting.date = model_strdup(d, "2023-09-13");
    d->meeting.start = model_strdup(d, "14:30");
    d->meeting.end = NULL;
    d->meeting.extraordinary = true;

    struct md_participant *p = model_add_participant(d);
    p->name = model_strdup(d, "Søren \"Bo\" Åberg");
    p->party = model_strdup(d, "Ø");
    p->group = "member";
    p = model_add_participant(d);
    p->name = model_strdup(d, "Lone Lindsby");
    p->present = false;

    /* item 1: nothing stated */
    struct md_item *it = model_add_item(d);
    it->number = 1;
    it->title = model_strdup(d, "Godkendelse af dagsorden");

    /* item 2: everything stated */
    it = model_add_item(d);
    it->number = 2;
    it->label = model_strdup(d, "Punkt 2");
    it->title = model_strdup(d, NASTY);
    it->kind = "decision";
    it->is_public = MD_TRUE;
    it->duration_minutes = 30;
    it->decision_text = model_strdup(d, "Indstillingen blev \"fulgt\".\n");
    it->outcome = "approved";
    struct md_section *s = model_item_add_section(d, it);
    s->key = "summary";
    s->heading = model_strdup(d, "Resumé");
    s->text = model_strdup(d, "Linje 1\nLinje 2\t\x01");
    s->text_len = strlen(s->text);
    s = model_item_add_section(d, it);
    s->key = "other";
    s->heading = model_strdup(d, "Tom");
    s->text = model_strdup(d, "");
    struct md_attachment *a = model_item_add_attachment(d, it);
    a->title = model_strdup(d, "Bilag 1. \\Plan\\");
    a->doc_ref = NULL;
    struct md_amount *am = model_item_add_amount(d, it);
    am->dkk = 4500000000LL;
    am->text = model_strdup(d, "4,5 mia. kr.");
    model_item_add_absent(d, it, "Lone Lindsby");
    model_item_add_absent(d, it, "Lone Lindsby"); /* duplicate: kept once */
    model_item_add_absent(d, it, "Åse Ø");

    /* item 3: not public, zero duration */
    it = model_add_item(d);
    it->number = 3;
    it->is_public = MD_FALSE;
    it->duration_minutes = 0;

    model_add_issue(d, "warning", "no_date", -1, -1, "dato mangler: %s", "\"x\"\n");
    model_add_issue(d, "error", "no_items", 2, 17, "%d punkter", 0);
    return d;
}

static json_t *load(const struct buf *b)
{
    json_error_t err;
    json_t *j = json_loadb(b->data, b->len, 0, &err);
    cr_assert_not_null(j, "invalid JSON at line %d col %d: %s\n%.*s", err.line, err.column, err.text,
                       (int)(b->len < 2000 ? b->len : 2000), b->data);
    cr_assert(json_is_object(j));
    return j;
}

static json_t *get(json_t *o, const char *k)
{
    cr_assert(json_is_object(o), "not an object looking up \"%s\"", k);
    json_t *v = json_object_get(o, k);
    cr_assert_not_null(v, "missing key \"%s\"", k);
    return v;
}

static void expect_str(json_t *o, const char *k, const char *want)
{
    json_t *v = get(o, k);
    cr_assert(json_is_string(v), "\"%s\" is not a string", k);
    cr_assert_str_eq(json_string_value(v), want, "\"%s\": \"%s\", want \"%s\"", k, json_string_value(v), want);
}

static void expect_null(json_t *o, const char *k)
{
    cr_assert(json_is_null(get(o, k)), "\"%s\" is not null", k);
}

static void expect_int(json_t *o, const char *k, long long want)
{
    json_t *v = get(o, k);
    cr_assert(json_is_integer(v), "\"%s\" is not an integer", k);
    cr_assert_eq(json_integer_value(v), want, "\"%s\": %lld, want %lld", k, (long long)json_integer_value(v), want);
}

static void expect_bool(json_t *o, const char *k, bool want)
{
    json_t *v = get(o, k);
    cr_assert(json_is_boolean(v), "\"%s\" is not a boolean", k);
    cr_assert_eq(json_is_true(v), want, "\"%s\": %d, want %d", k, json_is_true(v), want);
}

static json_t *at(json_t *arr, size_t i)
{
    cr_assert(json_is_array(arr));
    cr_assert_lt(i, json_array_size(arr), "index %zu of %zu", i, json_array_size(arr));
    return json_array_get(arr, i);
}

static void check_values(json_t *j)
{
    expect_str(j, "schema", "minutesd/document@1");
    json_t *src = get(j, "source");
    expect_str(src, "name", "møde \"13\".pdf");
    expect_null(src, "uri");
    expect_str(src, "sha256", "ab\\cd");
    expect_int(src, "bytes", 123456);
    expect_str(src, "encoding", "utf-8");
    expect_str(j, "kind", "minutes");
    expect_str(j, "layout", "punkt-sections");
    expect_str(j, "title", NASTY);

    json_t *m = get(j, "meeting");
    expect_str(m, "body", "Sundhedsklynge Nord");
    expect_str(m, "date", "2023-09-13");
    expect_str(m, "start", "14:30");
    expect_null(m, "end");
    expect_null(m, "location");
    expect_null(m, "cluster");
    expect_bool(m, "extraordinary", true);

    json_t *ps = get(j, "participants");
    cr_assert_eq(json_array_size(ps), 2);
    expect_str(at(ps, 0), "name", "Søren \"Bo\" Åberg");
    expect_str(at(ps, 0), "party", "Ø");
    expect_str(at(ps, 0), "group", "member");
    expect_null(at(ps, 0), "role");
    expect_bool(at(ps, 0), "present", true);
    expect_bool(at(ps, 1), "present", false);
    expect_null(at(ps, 1), "group");

    json_t *items = get(j, "items");
    cr_assert_eq(json_array_size(items), 3);

    json_t *i1 = at(items, 0);
    expect_int(i1, "number", 1);
    expect_null(i1, "decision");
    expect_null(i1, "duration_minutes");
    expect_null(i1, "public");
    expect_null(i1, "kind");
    expect_null(i1, "label");
    cr_assert_eq(json_array_size(get(i1, "sections")), 0);
    cr_assert_eq(json_array_size(get(i1, "absent")), 0);
    cr_assert_eq(json_array_size(get(i1, "attachments")), 0);
    cr_assert_eq(json_array_size(get(i1, "amounts")), 0);

    json_t *i2 = at(items, 1);
    expect_int(i2, "number", 2);
    expect_str(i2, "label", "Punkt 2");
    expect_str(i2, "title", NASTY);
    expect_str(i2, "kind", "decision");
    expect_bool(i2, "public", true);
    expect_int(i2, "duration_minutes", 30);
    json_t *dec = get(i2, "decision");
    cr_assert(json_is_object(dec), "decision is not an object");
    expect_str(dec, "text", "Indstillingen blev \"fulgt\".\n");
    expect_str(dec, "outcome", "approved");
    json_t *secs = get(i2, "sections");
    cr_assert_eq(json_array_size(secs), 2);
    expect_str(at(secs, 0), "key", "summary");
    expect_str(at(secs, 0), "heading", "Resumé");
    expect_str(at(secs, 0), "text", "Linje 1\nLinje 2\t\x01");
    expect_str(at(secs, 1), "text", "");
    json_t *abs = get(i2, "absent");
    cr_assert_eq(json_array_size(abs), 2, "absent has %zu entries, want 2 (duplicate dropped)", json_array_size(abs));
    cr_assert_str_eq(json_string_value(at(abs, 0)), "Lone Lindsby");
    cr_assert_str_eq(json_string_value(at(abs, 1)), "Åse Ø");
    json_t *att = get(i2, "attachments");
    cr_assert_eq(json_array_size(att), 1);
    expect_str(at(att, 0), "title", "Bilag 1. \\Plan\\");
    expect_null(at(att, 0), "doc_ref");
    json_t *ams = get(i2, "amounts");
    cr_assert_eq(json_array_size(ams), 1);
    expect_int(at(ams, 0), "dkk", 4500000000LL);
    expect_str(at(ams, 0), "text", "4,5 mia. kr.");

    json_t *i3 = at(items, 2);
    expect_bool(i3, "public", false);
    expect_int(i3, "duration_minutes", 0);
    expect_null(i3, "decision");

    json_t *iss = get(j, "issues");
    cr_assert_eq(json_array_size(iss), 2);
    expect_str(at(iss, 0), "severity", "warning");
    expect_str(at(iss, 0), "code", "no_date");
    expect_str(at(iss, 0), "message", "dato mangler: \"x\"\n");
    expect_null(at(iss, 0), "item");
    expect_null(at(iss, 0), "line");
    expect_int(at(iss, 1), "item", 2);
    expect_int(at(iss, 1), "line", 17);
    expect_str(at(iss, 1), "message", "0 punkter");
}

static void write_json(const struct md_doc *d, bool pretty, struct buf *b)
{
    buf_init(b, 0);
    cr_assert_eq(model_json(d, b, pretty), 0, "model_json failed (pretty=%d)", pretty);
    cr_assert_gt(b->len, 0);
    cr_assert_eq(strlen(b->data), b->len, "NUL byte inside the JSON");
}

Test(json, compact_round_trip)
{
    struct md_doc *d = build();
    struct buf b;
    write_json(d, false, &b);
    cr_assert_null(memchr(b.data, '\n', b.len), "compact JSON contains a raw newline");
    for (size_t i = 0; i < b.len; i++)
        cr_assert_geq((unsigned char)b.data[i], 0x20, "raw control byte 0x%02x at %zu", (unsigned char)b.data[i], i);
    json_t *j = load(&b);
    check_values(j);
    json_decref(j);
    buf_free(&b);
    model_destroy(d);
}

Test(json, pretty_round_trip)
{
    struct md_doc *d = build();
    struct buf b;
    write_json(d, true, &b);
    cr_assert_not_null(memchr(b.data, '\n', b.len), "pretty JSON has no newlines");
    json_t *j = load(&b);
    check_values(j);
    json_decref(j);
    buf_free(&b);
    model_destroy(d);
}

Test(json, compact_and_pretty_are_the_same_document)
{
    struct md_doc *d = build();
    struct buf c, p;
    write_json(d, false, &c);
    write_json(d, true, &p);
    cr_assert_lt(c.len, p.len);
    json_t *jc = load(&c), *jp = load(&p);
    cr_assert(json_equal(jc, jp), "compact and pretty JSON differ");
    json_decref(jc);
    json_decref(jp);
    buf_free(&c);
    buf_free(&p);
    model_destroy(d);
}

Test(json, schema_comes_first)
{
    struct md_doc *d = build();
    struct buf b;
    write_json(d, false, &b);
    const char *want = "{\"schema\":\"minutesd/document@1\"";
    cr_assert(strncmp(b.data, want, strlen(want)) == 0, "starts \"%.40s\"", b.data);
    buf_free(&b);
    model_destroy(d);
}

Test(json, empty_model)
{
    struct md_doc *d = model_create();
    struct buf b;
    write_json(d, false, &b);
    json_t *j = load(&b);
    expect_str(j, "schema", MD_SCHEMA);
    expect_str(j, "kind", "agenda");
    expect_null(j, "title");
    cr_assert_eq(json_array_size(get(j, "items")), 0);
    cr_assert_eq(json_array_size(get(j, "participants")), 0);
    cr_assert_eq(json_array_size(get(j, "issues")), 0);
    expect_bool(get(j, "meeting"), "extraordinary", false);
    json_decref(j);
    buf_free(&b);
    model_destroy(d);
}

Test(json, cap_is_respected)
{
    struct md_doc *d = build();
    for (int pretty = 0; pretty <= 1; pretty++) {
        struct buf full;
        write_json(d, pretty, &full);

        /* small cap: fails, and never writes past it */
        struct buf small;
        buf_init(&small, 64);
        cr_assert_eq(model_json(d, &small, pretty), -1, "model_json with max 64 did not fail (pretty=%d)", pretty);
        cr_assert_leq(small.len, 64);
        buf_free(&small);

        /* one byte short of the full size: fails */
        struct buf shy;
        buf_init(&shy, full.len - 1);
        cr_assert_eq(model_json(d, &shy, pretty), -1, "max %zu of %zu did not fail", full.len - 1, full.len);
        cr_assert_leq(shy.len, full.len - 1);
        buf_free(&shy);

        /* exactly the full size: succeeds with the same bytes */
        struct buf exact;
        buf_init(&exact, full.len);
        cr_assert_eq(model_json(d, &exact, pretty), 0, "max == size (%zu) failed", full.len);
        cr_assert_eq(exact.len, full.len);
        cr_assert(memcmp(exact.data, full.data, full.len) == 0);
        buf_free(&exact);
        buf_free(&full);
    }
    model_destroy(d);
}

Test(json, appends_to_existing_content)
{
    struct md_doc *d = model_create();
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(buf_puts(&b, "prefix:"), 0);
    cr_assert_eq(model_json(d, &b, false), 0);
    cr_assert(strncmp(b.data, "prefix:{", 8) == 0);
    json_error_t err;
    json_t *j = json_loadb(b.data + 7, b.len - 7, 0, &err);
    cr_assert_not_null(j, "%s", err.text);
    json_decref(j);
    buf_free(&b);
    model_destroy(d);
}

/* Strings with every byte the escaper must escape, at every offset of a
 * sixteen- and an eight-byte chunk and in runs, read back by jansson as
 * written. */
static void escapes_at_every_offset(void);

/* Both ways where the CPU has AVX2: the 32-lane loop for long strings,
 * and the 16-lane loop alone, as a CPU without it runs. */
Test(json, escapes_at_every_offset)
{
    bool was = model_json_use_avx2(true);
    escapes_at_every_offset();
    model_json_use_avx2(false);
    escapes_at_every_offset();
    model_json_use_avx2(was);
}

static void escapes_at_every_offset(void)
{
    static const char esc[] = "\"\\\n\t\x01\x1f";
    char s[128];
    /* every length up to 40 (the short-string paths: under 4, 4 to 7, 8 to
     * 15 bytes, and the vector loops' first blocks: 16 and, with AVX2, 32
     * lanes), then every seventh to 127 (32-lane blocks, then the 16-lane
     * loop's overlapping tail) */
    for (size_t len = 1; len < sizeof s; len += len < 40 ? 1 : 7) {
        for (size_t off = 0; off < len; off++) {
            for (size_t e = 0; e < sizeof esc - 1; e++) {
                for (size_t i = 0; i < len; i++)
                    s[i] = (char)('a' + i % 26);
                s[off] = esc[e];
                if (off + 3 < len)
                    s[off + 3] = esc[(e + 1) % (sizeof esc - 1)]; /* a second one in the same chunk */
                s[len] = '\0';
                struct md_doc *d = model_create();
                d->title = model_strdup(d, s);
                struct buf b;
                write_json(d, false, &b);
                json_t *j = load(&b);
                const char *got = json_string_value(json_object_get(j, "title"));
                cr_assert_not_null(got);
                cr_assert_str_eq(got, s, "len %zu off %zu escape %zu", len, off, e);
                json_decref(j);
                buf_free(&b);
                model_destroy(d);
            }
        }
    }
}
