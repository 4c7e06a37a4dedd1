/*
 * alertmsg: one alert message made from one delivery.
 *
 * The delivery is JSON from the database, but what it says comes from
 * published PDFs and web pages: a title can hold a form feed, a bidi
 * override that reverses what a reader sees, half a UTF-8 character or a
 * megabyte of text.  So every string goes through am__clean on its way
 * into the message, which drops control and formatting characters,
 * replaces invalid UTF-8, collapses blanks and caps the length at a
 * character boundary; the body as a whole is capped too, and the events
 * that do not fit are counted instead of shown.  Long texts keep their
 * line breaks, indented under their label, so a line of a decision can
 * never pass for a field of the message ("Beslutning: ..." at the margin).
 *
 * The e-mail is built, not templated: an address is parsed into its parts
 * and written again, so only what was checked reaches a header, and the
 * subject goes out as RFC 2047 encoded-words (base64, which cannot hold a
 * line break or a "=?" that a mail reader would decode).  The body is
 * quoted-printable, which also keeps SMTP's two traps out of it: a line
 * beginning with "." or "From ".
 *
 * Nothing here fails on bad input except a delivery with no key or no
 * events: a missing field is left out of the message, never "(null)".
 */
#include "alertmsg.h"

#include "sha256.h"
#include "util.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room kept at the end of the body for the "… og N punkter mere" line and
 * the footer, so they fit whatever came before. */
#define AM_RESERVE 1024
/* Caps for the short fields (a document name, a place, an error line). */
#define AM_MAX_SHORT 300
#define AM_MAX_LABEL 32
#define AM_MAX_URI 2048
/* Sources listed under one meeting; a digest of a busy day lists the rest
 * with their events. */
#define AM_MAX_SOURCES 10
/* More recipients than this is a configuration mistake, not a list. */
#define AM_MAX_RECIPIENTS 100
/* Deeper than this, a value in the webhook's events is replaced by null:
 * the copy recurses, and minutes.event_facts nests three levels. */
#define AM_MAX_DEPTH 32

static void am__err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void am__err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- cleaning ------------------------------------------------------------ */

/* The code point of the UTF-8 character at s[0..n) and its length, or
 * U+FFFD and length 1 for a byte that begins no well-formed character. */
static uint32_t am__utf8(const unsigned char *s, size_t n, size_t *len)
{
    unsigned c = s[0];
    size_t k;
    uint32_t cp, min;

    *len = 1;
    if (c < 0x80)
        return c;
    if (c >= 0xC2 && c <= 0xDF) {
        k = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0xFFFD;
    }
    if (n < k)
        return 0xFFFD;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0xFFFD;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0xFFFD;
    *len = k;
    return cp;
}

enum am__class { AM_KEEP, AM_DROP, AM_BLANK, AM_BREAK };

static enum am__class am__classify(uint32_t cp)
{
    if (cp == '\n' || cp == '\r' || cp == 0x0C || cp == 0x85 || cp == 0x2028 || cp == 0x2029)
        return AM_BREAK;
    if (cp == ' ' || cp == '\t' || cp == 0x0B || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
        cp == 0x205F || cp == 0x3000)
        return AM_BLANK;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return AM_DROP;
    /* Soft hyphen, zero-width characters, direction marks and overrides
     * (which can make a text read differently from what it says), BOM and
     * interlinear annotation: invisible, or worse than invisible. */
    if (cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB))
        return AM_DROP;
    return AM_KEEP;
}

/*
 * Appends s[0..n) to b, cleaned: control and invisible characters dropped,
 * invalid UTF-8 as U+FFFD, blanks collapsed to one space and none at the
 * ends of a line.  With multi, line breaks stay (at most one blank line in
 * a row, none at the ends) and each new line begins with indent; without,
 * a break is a blank.  At most max bytes of text (indents not counted,
 * max >= 3): when more would follow, the text is cut after a whole
 * character so that it and "…" fit.  Returns whether anything was written.
 */
static bool am__clean(struct buf *b, const char *s, size_t n, size_t max, bool multi, const char *indent)
{
    static const char repl[] = "\xEF\xBF\xBD", ell[] = "\xE2\x80\xA6";
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0, nl = 0, sp = 0, mark = b->len;
    bool any = false;

    if (!s)
        return false;
    for (size_t i = 0; i < n;) {
        size_t k;
        uint32_t cp = am__utf8(p + i, n - i, &k);
        const char *ch = (const char *)p + i;
        i += k;
        if (cp == 0xFFFD && k == 1)
            ch = repl, k = 3;
        enum am__class cl = am__classify(cp);
        if (cl == AM_DROP || (cp == '\r' && i < n && p[i] == '\n'))
            continue;
        if (cl == AM_BREAK && multi) {
            nl++;
            sp = 0;
            continue;
        }
        if (cl != AM_KEEP) {
            sp++;
            continue;
        }
        /* A character to write: first the breaks and blank owed before it. */
        size_t owe_nl = any ? (nl > 2 ? 2 : nl) : 0;
        size_t owe_sp = any && !owe_nl && sp ? 1 : 0;
        if (used + owe_nl + owe_sp + k > max) {
            b->len = mark;
            if (b->data)
                b->data[b->len] = '\0';
            buf_append(b, ell, 3);
            return true;
        }
        for (size_t j = 0; j < owe_nl; j++)
            buf_putc(b, '\n');
        if (owe_nl)
            buf_puts(b, indent);
        if (owe_sp)
            buf_putc(b, ' ');
        buf_append(b, ch, k);
        used += owe_nl + owe_sp + k;
        if (used + 3 <= max)
            mark = b->len;
        nl = sp = 0;
        any = true;
    }
    return any;
}

/* ---- the delivery -------------------------------------------------------- */

static const json_t *am__obj(const json_t *o, const char *k)
{
    json_t *v = o ? json_object_get(o, k) : NULL;
    return json_is_object(v) ? v : NULL;
}

static const char *am__str(const json_t *o, const char *k, size_t *n)
{
    json_t *v = o ? json_object_get(o, k) : NULL;
    *n = json_is_string(v) ? json_string_length(v) : 0;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool am__int(const json_t *o, const char *k, json_int_t *out)
{
    json_t *v = o ? json_object_get(o, k) : NULL;
    if (!json_is_integer(v))
        return false;
    *out = json_integer_value(v);
    return true;
}

/* Closed unless the flag is true or absent: a null flag is a document that
 * did not say, and anything else is a value nobody meant. */
static bool am__closed(const json_t *item)
{
    json_t *p = json_object_get(item, "public");
    return p && !json_is_true(p) && !json_is_null(p);
}

enum am__type {
    AM_DECISION_APPEARED,
    AM_DECISION_CHANGED,
    AM_ITEM_ADDED,
    AM_ITEM_REMOVED,
    AM_MEETING_ADDED,
    AM_DOCUMENT_LOADED,
    AM_DOCUMENT_FAILED,
    AM_SOURCE_FAILING,
    AM_SOURCE_RECOVERED,
    AM_OTHER,
};

/* name: the event's type; label: a subject's first words; what: the line
 * that says, in a digest or a mixed message, what happened to an item. */
static const struct {
    const char *name, *label, *what;
} am__types[] = {
    [AM_DECISION_APPEARED] = {"decision_appeared", "Ny beslutning", "ny beslutning"},
    [AM_DECISION_CHANGED] = {"decision_changed", "\xC3\x86ndret beslutning", "\xC3\xA6ndret beslutning"},
    [AM_ITEM_ADDED] = {"item_added", "Nyt punkt", "nyt punkt p\xC3\xA5 dagsordenen"},
    [AM_ITEM_REMOVED] = {"item_removed", "Punkt fjernet", "punktet er fjernet fra dagsordenen"},
    [AM_MEETING_ADDED] = {"meeting_added", "Nyt m\xC3\xB8" "de", "nyt m\xC3\xB8" "de"},
    [AM_DOCUMENT_LOADED] = {"document_loaded", "Dokument indl\xC3\xA6st", "dokument indl\xC3\xA6st"},
    [AM_DOCUMENT_FAILED] = {"document_failed", "Dokument kunne ikke indl\xC3\xA6ses",
                            "dokument kunne ikke indl\xC3\xA6ses"},
    [AM_SOURCE_FAILING] = {"source_failing", "Kilde fejler", "kilde fejler"},
    [AM_SOURCE_RECOVERED] = {"source_recovered", "Kilde virker igen", "kilde virker igen"},
    [AM_OTHER] = {NULL, "Opdatering", "h\xC3\xA6ndelse"},
};

static const struct {
    const char *name, *da;
} am__outcomes[] = {
    {"approved", "godkendt"},
    {"rejected", "afvist"},
    {"noted", "taget til efterretning"},
    {"postponed", "udsat"},
    {"amended", "\xC3\xA6ndret"},
    {"discussed", "dr\xC3\xB8" "ftet"}, /* the schema's CHECK allows it */
    {"other", "andet"},
};

static const char *const am__months[] = {"januar", "februar", "marts",     "april",   "maj",      "juni",
                                         "juli",   "august",  "september", "oktober", "november", "december"};

/* One event of the delivery, with what sorting and grouping look at. */
struct am__ev {
    const json_t *j;
    const json_t *meeting, *item, *doc; /* objects, or NULL */
    enum am__type t;
    size_t idx;                         /* place in the delivery: the last tie-break */
    const char *date, *body;            /* the meeting's, raw; NULL if none */
    bool has_mid, has_num, closed;
    json_int_t mid, num;
};

struct am__ctx {
    struct am__ev *ev;
    size_t n;
    const char *digest;      /* the delivery's digest, or NULL */
    bool mixed;              /* the events are not all of one type */
    size_t meetings;         /* groups with a meeting */
    size_t items, decisions; /* events with an item; decision events */
};

static int am__strcmp_null(const char *a, const char *b)
{
    if (!a || !b)
        return (a == NULL) - (b == NULL);
    return strcmp(a, b);
}

/* Meeting date, then meeting, then the meeting's own events before its
 * items, then item number; events without a meeting last. */
static int am__cmp(const void *pa, const void *pb)
{
    const struct am__ev *a = pa, *b = pb;
    int c;

    if ((c = (a->meeting == NULL) - (b->meeting == NULL)))
        return c;
    if (a->meeting) {
        if ((c = am__strcmp_null(a->date, b->date)))
            return c;
        if ((c = (int)!a->has_mid - (int)!b->has_mid))
            return c;
        if (a->has_mid && a->mid != b->mid)
            return a->mid < b->mid ? -1 : 1;
        if (!a->has_mid && (c = am__strcmp_null(a->body, b->body)))
            return c;
    }
    if ((c = (a->item != NULL) - (b->item != NULL)))
        return c;
    if (a->item) {
        if ((c = (int)!a->has_num - (int)!b->has_num))
            return c;
        if (a->has_num && a->num != b->num)
            return a->num < b->num ? -1 : 1;
    }
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Do a and b belong under one heading?  The same keys as am__cmp's, so a
 * group is one run of the sorted events. */
static bool am__same_group(const struct am__ev *a, const struct am__ev *b)
{
    if (!a->meeting || !b->meeting)
        return !a->meeting && !b->meeting;
    if (a->has_mid != b->has_mid || am__strcmp_null(a->date, b->date))
        return false;
    return a->has_mid ? a->mid == b->mid : !am__strcmp_null(a->body, b->body);
}

static void am__load_ev(struct am__ev *e, const json_t *j, size_t idx)
{
    size_t n;
    const char *type = am__str(j, "type", &n);

    memset(e, 0, sizeof *e);
    e->j = j;
    e->idx = idx;
    e->meeting = am__obj(j, "meeting");
    e->item = am__obj(j, "item");
    e->doc = am__obj(j, "document");
    e->t = AM_OTHER;
    for (size_t i = 0; type && i < AM_OTHER; i++)
        if (strcmp(type, am__types[i].name) == 0)
            e->t = (enum am__type)i;
    e->date = am__str(e->meeting, "date", &n);
    e->body = am__str(e->meeting, "body", &n);
    e->has_mid = am__int(e->meeting, "id", &e->mid);
    e->has_num = am__int(e->item, "number", &e->num);
    e->closed = e->item && am__closed(e->item);
}

/* ---- pieces of text ------------------------------------------------------- */

static void am__count(struct buf *b, size_t n, const char *one, const char *many)
{
    buf_printf(b, "%zu %s", n, n == 1 ? one : many);
}

/* "3. marts 2026" from "2026-03-03" (anything after the date is ignored);
 * false if s does not begin with a date. */
static bool am__put_date(struct buf *b, const char *s)
{
    int y, m, d;
    char dash1, dash2;

    if (!s || strlen(s) < 10)
        return false;
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return false;
    if (sscanf(s, "%4d%c%2d%c%2d", &y, &dash1, &m, &dash2, &d) != 5 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    buf_printf(b, "%d. %s %d", d, am__months[m - 1], y);
    return true;
}

/* A short field of o, cleaned to one line; whether anything was written. */
static bool am__put_line(struct buf *b, const json_t *o, const char *k, size_t max)
{
    size_t n;
    const char *s = am__str(o, k, &n);
    return am__clean(b, s, n, max, false, "");
}

/* "  Label: text", continuation lines indented under it; nothing at all
 * when the field is missing or empty once cleaned. */
static void am__put_field(struct buf *b, const char *label, const json_t *o, const char *k)
{
    size_t n, at = b->len;
    const char *s = am__str(o, k, &n);

    buf_printf(b, "  %s: ", label);
    if (am__clean(b, s, n, ALERTMSG_MAX_FIELD, true, "    ")) {
        buf_putc(b, '\n');
    } else {
        b->len = at;
        if (b->data)
            b->data[at] = '\0';
    }
}

/*
 * The meeting as staff name it.  A body "Sundhedsklynge Aalborg –
 * Klyngeforum" is the committee of a cluster, and the committee is what
 * tells two of one cluster's meetings apart, so it comes first:
 * "Klyngeforum, Sundhedsklynge Aalborg".  Any other body stands as it is;
 * without one, the cluster names the meeting.
 */
static void am__put_meeting_name(struct buf *b, const json_t *m)
{
    static const char *const dashes[] = {" \xE2\x80\x93 ", " \xE2\x80\x94 ", " - "};
    struct buf t;

    buf_init(&t, 0);
    if (am__put_line(&t, m, "body", AM_MAX_SHORT)) {
        const char *s = t.data, *cut = NULL;
        size_t dl = 0;
        for (size_t i = 0; i < 3 && !cut; i++)
            if ((cut = strstr(s, dashes[i])))
                dl = strlen(dashes[i]);
        if (cut && strncmp(s, "Sundhedsklynge ", 15) == 0 && cut[dl]) {
            buf_printf(b, "%s, ", cut + dl);
            buf_append(b, s, (size_t)(cut - s));
        } else {
            buf_puts(b, s);
        }
    } else {
        buf_reset(&t);
        if (am__put_line(&t, m, "cluster", AM_MAX_SHORT))
            buf_printf(b, "Sundhedsklynge %s", t.data);
        else
            buf_puts(b, "Ukendt m\xC3\xB8" "de");
    }
    buf_free(&t);
}

/* Name, date: "Klyngeforum, Sundhedsklynge Aalborg 3. marts 2026". */
static void am__put_meeting_title(struct buf *b, const json_t *m)
{
    size_t n;
    am__put_meeting_name(b, m);
    buf_putc(b, ' ');
    if (!am__put_date(b, am__str(m, "date", &n)))
        b->data[--b->len] = '\0';
}

/* "Punkt 2", "Punkt 4a", "Punkt uden nummer". */
static void am__put_item_ref(struct buf *b, const json_t *item, const char *word)
{
    json_int_t num;

    buf_printf(b, "%s ", word);
    if (am__put_line(b, item, "label", AM_MAX_LABEL))
        return;
    if (am__int(item, "number", &num))
        buf_printf(b, "%lld", (long long)num);
    else
        buf_puts(b, "uden nummer");
}

/* A URL as a reader can click it: one line, no blanks. */
static void am__put_uri(struct buf *b, const char *s, size_t n)
{
    struct buf t;
    buf_init(&t, 0);
    if (am__clean(&t, s, n, AM_MAX_URI, false, ""))
        for (size_t i = 0; i < t.len; i++) {
            if (t.data[i] == ' ')
                buf_puts(b, "%20");
            else
                buf_putc(b, t.data[i]);
        }
    buf_free(&t);
}

/* A document by its name, its URL or neither, with its kind. */
static void am__put_doc_name(struct buf *b, const json_t *doc)
{
    size_t n;
    const char *uri = am__str(doc, "source_uri", &n), *kind;

    if (!am__put_line(b, doc, "source_name", AM_MAX_SHORT)) {
        if (uri && n)
            am__put_uri(b, uri, n);
        else
            buf_puts(b, "ukendt dokument");
    }
    kind = am__str(doc, "kind", &n);
    if (kind && strcmp(kind, "minutes") == 0)
        buf_puts(b, " (referat)");
    else if (kind && strcmp(kind, "agenda") == 0)
        buf_puts(b, " (dagsorden)");
}

/* "Kilde: https://…" for a document, its name when it has no URL. */
static void am__put_source_line(struct buf *b, const char *indent, const json_t *doc)
{
    size_t n;
    const char *uri = am__str(doc, "source_uri", &n);
    size_t at = b->len;

    buf_printf(b, "%sKilde: ", indent);
    size_t before = b->len;
    if (uri && n)
        am__put_uri(b, uri, n);
    if (b->len == before)
        am__put_line(b, doc, "source_name", AM_MAX_SHORT);
    if (b->len == before) {
        b->len = at;
        b->data[at] = '\0';
        return;
    }
    buf_putc(b, '\n');
}

/* The source of a source_failing/recovered event: a name or URL, or an
 * object holding one. */
static void am__put_source_name(struct buf *b, const json_t *ev)
{
    const json_t *o = am__obj(ev, "source");
    const char *const keys[] = {"name", "url", "uri"};

    if (am__put_line(b, ev, "source", AM_MAX_SHORT))
        return;
    for (size_t i = 0; i < 3; i++)
        if (am__put_line(b, o, keys[i], AM_MAX_SHORT))
            return;
    buf_puts(b, "ukendt kilde");
}

/* ---- the body ------------------------------------------------------------ */

static size_t am__codepoints(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Do a and b hold the same value at k, missing and null being one? */
static bool am__same_member(const json_t *a, const json_t *b, const char *k)
{
    json_t *x = json_object_get(a, k), *y = json_object_get(b, k);
    if (json_is_null(x))
        x = NULL;
    if (json_is_null(y))
        y = NULL;
    return x == y || (x && y && json_equal(x, y));
}

/* A group's heading: the meeting, underlined (a setext heading in the
 * Markdown of Teams and Slack, a plain heading in mail), its date, cluster,
 * place and the documents the events came from. */
static void am__put_heading(struct buf *b, const struct am__ctx *c, size_t first)
{
    const struct am__ev *e = &c->ev[first];
    const json_t *m = e->meeting;
    size_t at = b->len, n;

    if (!m) {
        /* Only worth a heading after the meetings' groups. */
        if (c->meetings)
            buf_puts(b, "\xC3\x98vrige h\xC3\xA6ndelser\n----------------\n\n");
        return;
    }
    am__put_meeting_name(b, m);
    n = am__codepoints(b->data + at, b->len - at);
    buf_putc(b, '\n');
    for (size_t i = 0; i < (n > 72 ? 72 : n); i++)
        buf_putc(b, '-');
    buf_putc(b, '\n');

    at = b->len;
    buf_puts(b, "Dato: ");
    if (am__put_date(b, e->date) || am__put_line(b, m, "date", 40))
        buf_putc(b, '\n');
    else
        b->len = at, b->data[at] = '\0';

    struct buf cl, rg;
    buf_init(&cl, 0);
    buf_init(&rg, 0);
    bool has_cl = am__put_line(&cl, m, "cluster", AM_MAX_SHORT), has_rg = am__put_line(&rg, m, "region", AM_MAX_SHORT);
    if (has_cl && has_rg)
        buf_printf(b, "Klynge: %s, %s\n", cl.data, rg.data);
    else if (has_cl)
        buf_printf(b, "Klynge: %s\n", cl.data);
    else if (has_rg)
        buf_printf(b, "Region: %s\n", rg.data);
    buf_free(&cl);
    buf_free(&rg);

    at = b->len;
    buf_puts(b, "Sted: ");
    if (am__put_line(b, m, "location", AM_MAX_SHORT))
        buf_putc(b, '\n');
    else
        b->len = at, b->data[at] = '\0';

    /* Each document once, in the order its events come. */
    const json_t *seen[AM_MAX_SOURCES];
    size_t nseen = 0;
    for (size_t i = first; i < c->n && am__same_group(&c->ev[first], &c->ev[i]) && nseen < AM_MAX_SOURCES; i++) {
        const json_t *d = c->ev[i].doc;
        bool dup = !d;
        for (size_t k = 0; k < nseen && !dup; k++)
            dup = am__same_member(seen[k], d, "id") && am__same_member(seen[k], d, "source_uri");
        if (!dup) {
            seen[nseen++] = d;
            am__put_source_line(b, "", d);
        }
    }
    buf_putc(b, '\n');
}

static void am__put_item(struct buf *b, const struct am__ctx *c, const struct am__ev *e)
{
    size_t n;
    const char *outcome = am__str(e->item, "outcome", &n);

    am__put_item_ref(b, e->item, "Punkt");
    if (e->closed) {
        /* Number, label and outcome only, whatever else the item holds. */
        buf_puts(b, ": Lukket punkt");
    } else {
        size_t at = b->len;
        buf_puts(b, ": ");
        if (!am__put_line(b, e->item, "title", ALERTMSG_MAX_FIELD))
            b->len = at, b->data[at] = '\0';
    }
    buf_putc(b, '\n');
    if (c->digest || c->mixed)
        buf_printf(b, "  H\xC3\xA6ndelse: %s\n", am__types[e->t].what);
    if (!e->closed) {
        am__put_field(b, "Indstilling", e->item, "recommendation");
        am__put_field(b, "Beslutning", e->item, "decision");
    }
    if (outcome) {
        const char *da = "andet";
        for (size_t i = 0; i < sizeof am__outcomes / sizeof am__outcomes[0]; i++)
            if (strcmp(outcome, am__outcomes[i].name) == 0)
                da = am__outcomes[i].da;
        buf_printf(b, "  Udfald: %s\n", da);
    }
}

static void am__put_event(struct buf *b, const struct am__ctx *c, const struct am__ev *e)
{
    size_t n;

    if (e->item) {
        am__put_item(b, c, e);
    } else {
        switch (e->t) {
        case AM_MEETING_ADDED:
            buf_puts(b, "Nyt m\xC3\xB8" "de registreret\n");
            break;
        case AM_DOCUMENT_LOADED:
        case AM_DOCUMENT_FAILED:
            buf_printf(b, "%s: ", e->t == AM_DOCUMENT_LOADED ? "Dokument indl\xC3\xA6st" : am__types[e->t].label);
            am__put_doc_name(b, e->doc);
            buf_putc(b, '\n');
            break;
        case AM_SOURCE_FAILING:
        case AM_SOURCE_RECOVERED:
            buf_printf(b, "%s: ", am__types[e->t].label);
            am__put_source_name(b, e->j);
            buf_putc(b, '\n');
            break;
        default: {
            const char *type = am__str(e->j, "type", &n);
            buf_puts(b, "H\xC3\xA6ndelse: ");
            if (!am__clean(b, type, n, 64, false, ""))
                buf_puts(b, "ukendt");
            buf_putc(b, '\n');
            break;
        }
        }
        am__put_field(b, "Fejl", e->j, "error");
        /* Under a meeting its heading names the documents already. */
        if (!e->meeting && e->doc)
            am__put_source_line(b, "  ", e->doc);
    }
    buf_putc(b, '\n');
}

/* The body, at most ALERTMSG_MAX_TEXT bytes: whole events while they fit,
 * then how many more there were. */
static void am__put_text(struct buf *b, const struct am__ctx *c, const char *key, size_t keyn)
{
    struct buf blk;
    size_t i, items_left = 0;

    buf_init(&blk, 0);
    for (i = 0; i < c->n; i++) {
        buf_reset(&blk);
        if (i == 0 || !am__same_group(&c->ev[i - 1], &c->ev[i]))
            am__put_heading(&blk, c, i);
        am__put_event(&blk, c, &c->ev[i]);
        if (b->len + blk.len > ALERTMSG_MAX_TEXT - AM_RESERVE)
            break;
        buf_append(b, blk.data, blk.len);
    }
    buf_free(&blk);
    if (i < c->n) {
        for (size_t k = i; k < c->n; k++)
            items_left += c->ev[k].item != NULL;
        buf_puts(b, "\xE2\x80\xA6 og ");
        if (items_left == c->n - i)
            am__count(b, items_left, "punkt", "punkter");
        else
            am__count(b, c->n - i, "h\xC3\xA6ndelse", "h\xC3\xA6ndelser");
        buf_puts(b, " mere\n\n");
    }
    buf_puts(b, "Automatisk besked fra minutesd (reference ");
    am__clean(b, key, keyn, 200, false, "");
    buf_puts(b, ")\n");
}

/* ---- the subject --------------------------------------------------------- */

static void am__put_subject(struct buf *b, const struct am__ctx *c)
{
    const struct am__ev *first = &c->ev[0];
    size_t n = c->n, others = n - c->decisions;

    if (c->digest) {
        buf_puts(b, "Oversigt");
        if (strcmp(c->digest, "daily") == 0)
            buf_puts(b, " (dagligt)");
        else if (strcmp(c->digest, "hourly") == 0)
            buf_puts(b, " (hver time)");
        buf_puts(b, ": ");
        if (c->decisions)
            am__count(b, c->decisions, "beslutning", "beslutninger");
        else
            am__count(b, n, "h\xC3\xA6ndelse", "h\xC3\xA6ndelser");
        if (c->meetings) {
            buf_puts(b, " fra ");
            am__count(b, c->meetings, "m\xC3\xB8" "de", "m\xC3\xB8" "der");
        }
        if (c->decisions && others) {
            buf_puts(b, " og ");
            am__count(b, others, "anden h\xC3\xA6ndelse", "andre h\xC3\xA6ndelser");
        }
        return;
    }

    buf_printf(b, "%s: ", am__types[c->mixed ? AM_OTHER : first->t].label);
    if (!c->mixed && (first->t == AM_SOURCE_FAILING || first->t == AM_SOURCE_RECOVERED)) {
        am__put_source_name(b, first->j);
        if (n > 1) {
            buf_puts(b, " og ");
            am__count(b, n - 1, "anden", "andre");
        }
        return;
    }
    if (c->meetings == 1) {
        /* Sorted: the meeting's events come first. */
        am__put_meeting_title(b, first->meeting);
        if (c->mixed) {
            buf_puts(b, " \xE2\x80\x93 ");
            if (c->decisions) {
                am__count(b, c->decisions, "beslutning", "beslutninger");
                if (others) {
                    buf_puts(b, " og ");
                    am__count(b, others, "anden h\xC3\xA6ndelse", "andre h\xC3\xA6ndelser");
                }
            } else {
                am__count(b, n, "h\xC3\xA6ndelse", "h\xC3\xA6ndelser");
            }
        } else if (c->items == 1 && n == 1) {
            buf_puts(b, " \xE2\x80\x93 ");
            am__put_item_ref(b, first->item, "punkt");
            size_t at = b->len;
            if (first->closed) {
                buf_puts(b, " (lukket)");
            } else {
                buf_puts(b, ": ");
                if (!am__put_line(b, first->item, "title", ALERTMSG_MAX_FIELD))
                    b->len = at, b->data[at] = '\0';
            }
        } else if (n > 1) {
            buf_puts(b, " \xE2\x80\x93 ");
            if (c->items == n)
                am__count(b, n, "punkt", "punkter");
            else
                am__count(b, n, "h\xC3\xA6ndelse", "h\xC3\xA6ndelser");
        }
    } else if (c->meetings > 1) {
        if (c->items == n)
            am__count(b, n, "punkt", "punkter");
        else
            am__count(b, n, "h\xC3\xA6ndelse", "h\xC3\xA6ndelser");
        buf_puts(b, " fra ");
        am__count(b, c->meetings, "m\xC3\xB8" "de", "m\xC3\xB8" "der");
    } else if (first->doc && n == 1) {
        am__put_doc_name(b, first->doc);
    } else {
        am__count(b, n, "h\xC3\xA6ndelse", "h\xC3\xA6ndelser");
    }
}

/* ---- the webhook --------------------------------------------------------- */

/* Slack reads "<!channel>", "<!here>", "<@U123>" and "<#C123>" in a
 * message's text as mentions: minutes quoting such a sequence must not page
 * a whole channel.  A space after the '<' keeps the text readable and
 * breaks the sequence; Teams and plain receivers see one more space. */
static void am__defuse_mentions(struct buf *b)
{
    size_t extra = 0;
    for (size_t i = 0; i + 1 < b->len; i++)
        extra += b->data[i] == '<' && (b->data[i + 1] == '!' || b->data[i + 1] == '@' || b->data[i + 1] == '#');
    if (!extra)
        return;
    struct buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < b->len; i++) {
        buf_putc(&out, b->data[i]);
        if (b->data[i] == '<' && i + 1 < b->len &&
            (b->data[i + 1] == '!' || b->data[i + 1] == '@' || b->data[i + 1] == '#'))
            buf_putc(&out, ' ');
    }
    buf_free(b);
    *b = out;
}

/* A JSON string of s[0..n), capped at ALERTMSG_MAX_FIELD bytes like a
 * field of the text, valid UTF-8 (json_dumps refuses a string that is
 * not, and a delivery built in memory need not be) and without NUL. */
static json_t *am__copy_string(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    struct buf b;
    size_t mark = 0;
    json_t *r;

    buf_init(&b, 0);
    for (size_t i = 0, k; i < n; i += k) {
        uint32_t cp = am__utf8(p + i, n - i, &k);
        /* NUL as well: valid JSON as \u0000, but refused by many
         * receivers (PostgreSQL's jsonb, jansson without a flag). */
        bool bad = (cp == 0xFFFD && k == 1) || cp == 0;
        if (b.len + (bad ? 3 : k) > ALERTMSG_MAX_FIELD) {
            b.len = mark;
            buf_puts(&b, "\xE2\x80\xA6");
            break;
        }
        buf_append(&b, bad ? "\xEF\xBF\xBD" : s + i, bad ? 3 : k);
        if (b.len + 3 <= ALERTMSG_MAX_FIELD)
            mark = b.len;
    }
    r = json_stringn(b.data ? b.data : "", b.len);
    buf_free(&b);
    return r ? r : json_null();
}

/* A copy of v with every string capped at ALERTMSG_MAX_FIELD bytes. */
static json_t *am__copy(const json_t *v, int depth)
{
    const char *k;
    json_t *x, *r;
    size_t i;

    if (depth > AM_MAX_DEPTH)
        return json_null();
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        r = json_object();
        json_object_foreach ((json_t *)v, k, x)
            json_object_set_new(r, k, am__copy(x, depth + 1));
        return r;
    case JSON_ARRAY:
        r = json_array();
        json_array_foreach (v, i, x)
            json_array_append_new(r, am__copy(x, depth + 1));
        return r;
    case JSON_STRING:
        return am__copy_string(json_string_value(v), json_string_length(v));
    default:
        return json_deep_copy(v);
    }
}

/* The delivery's events for the webhook: as they are, but a closed item
 * carries only what its heading shows. */
static json_t *am__events_copy(const json_t *events)
{
    static const char *const keep[] = {"id", "number", "label", "public", "outcome"};
    json_t *r = json_array(), *e;
    size_t i;

    json_array_foreach (events, i, e) {
        json_t *c = am__copy(e, 0);
        const json_t *item = am__obj(e, "item");
        if (item && am__closed(item)) {
            json_t *it = json_object();
            for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
                json_t *v = json_object_get(item, keep[k]);
                if (v)
                    json_object_set_new(it, keep[k], am__copy(v, AM_MAX_DEPTH));
            }
            json_object_set_new(c, "item", it);
        }
        json_array_append_new(r, c);
    }
    return r;
}

/* ---- render -------------------------------------------------------------- */

int alertmsg_render(const json_t *delivery, struct alertmsg *out, char *err, size_t errlen)
{
    struct am__ctx c = {0};
    struct buf subj, clean, text, both;
    json_t *hook = NULL, *events;
    const char *key;
    size_t keyn, n;
    int rc = -1;

    memset(out, 0, sizeof *out);
    buf_init(&subj, 0);
    buf_init(&clean, 0);
    buf_init(&text, 0);
    buf_init(&both, 0);

    if (!json_is_object(delivery)) {
        am__err(err, errlen, "delivery is not a JSON object");
        goto out;
    }
    key = am__str(delivery, "key", &keyn);
    if (!key || !keyn) {
        am__err(err, errlen, "delivery has no key");
        goto out;
    }
    events = json_object_get(delivery, "events");
    n = json_array_size(events);
    c.ev = xcalloc(n ? n : 1, sizeof *c.ev);
    for (size_t i = 0; i < n; i++)
        if (json_is_object(json_array_get(events, i)))
            am__load_ev(&c.ev[c.n++], json_array_get(events, i), i);
    if (!c.n) {
        am__err(err, errlen, "delivery has no events");
        goto out;
    }
    c.digest = am__str(delivery, "digest", &n);
    if (c.digest && !n)
        c.digest = NULL;

    qsort(c.ev, c.n, sizeof *c.ev, am__cmp);
    for (size_t i = 0; i < c.n; i++) {
        const struct am__ev *e = &c.ev[i];
        c.mixed |= e->t != c.ev[0].t;
        c.items += e->item != NULL;
        c.decisions += e->t == AM_DECISION_APPEARED || e->t == AM_DECISION_CHANGED;
        c.meetings += e->meeting && (i == 0 || !am__same_group(&c.ev[i - 1], e));
    }

    /* Built from cleaned parts; cleaned once more as a whole for the cap
     * and so that nothing can put a line break into it. */
    am__put_subject(&subj, &c);
    am__clean(&clean, subj.data, subj.len, ALERTMSG_MAX_SUBJECT, false, "");
    am__put_text(&text, &c, key, keyn);

    buf_printf(&both, "%s\n\n%s", buf_cstr(&clean), buf_cstr(&text));
    am__defuse_mentions(&both);
    hook = json_object();
    json_t *id = json_stringn(key, keyn);
    if (!id) {
        am__err(err, errlen, "delivery key is not valid UTF-8");
        goto out;
    }
    json_object_set_new(hook, "id", id);
    json_object_set_new(hook, "text", json_stringn(both.data, both.len));
    json_object_set_new(hook, "subject", json_stringn(clean.data, clean.len));
    json_object_set_new(hook, "events", am__events_copy(events));
    out->webhook = json_dumps(hook, JSON_COMPACT);
    if (!out->webhook) {
        am__err(err, errlen, "could not encode the webhook's JSON");
        goto out;
    }
    out->subject = buf_steal(&clean, NULL);
    out->text = buf_steal(&text, NULL);
    rc = 0;
out:
    json_decref(hook);
    free(c.ev);
    buf_free(&subj);
    buf_free(&clean);
    buf_free(&text);
    buf_free(&both);
    if (rc)
        alertmsg_clear(out);
    return rc;
}

void alertmsg_clear(struct alertmsg *m)
{
    if (!m)
        return;
    free(m->subject);
    free(m->text);
    free(m->webhook);
    m->subject = m->text = m->webhook = NULL;
}

/* ---- the e-mail ---------------------------------------------------------- */

/* A header being written: words are folded onto a new line before they
 * would pass column 78 (RFC 5322 2.1.1), except the first, which has
 * nowhere to go. */
struct am__hdr {
    struct buf *b;
    size_t col;
    bool first;
};

static void am__hdr_begin(struct am__hdr *h, struct buf *b, const char *name)
{
    h->b = b;
    h->col = strlen(name) + 1;
    h->first = true;
    buf_printf(b, "%s:", name);
}

static void am__hdr_word(struct am__hdr *h, const char *s, size_t n)
{
    if (!h->first && h->col + 1 + n > 78) {
        buf_puts(h->b, "\r\n");
        h->col = 0;
    }
    buf_putc(h->b, ' ');
    buf_append(h->b, s, n);
    h->col += 1 + n;
    h->first = false;
}

static void am__hdr_end(struct am__hdr *h)
{
    buf_puts(h->b, "\r\n");
}

static void am__base64(struct buf *b, const unsigned char *s, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        buf_putc(b, tab[v >> 18 & 63]);
        buf_putc(b, tab[v >> 12 & 63]);
        buf_putc(b, i + 1 < n ? tab[v >> 6 & 63] : '=');
        buf_putc(b, i + 2 < n ? tab[v & 63] : '=');
    }
}

/* s as RFC 2047 B encoded-words of at most 42 bytes each (56 base64
 * characters, a 68-column word: "Subject: " and one word fit in 78), never
 * splitting a UTF-8 character, which RFC 2047 5 forbids.  The blanks
 * between encoded-words are not part of the text when it is decoded. */
static void am__hdr_encoded(struct am__hdr *h, const char *s, size_t n)
{
    struct buf w;

    buf_init(&w, 0);
    for (size_t i = 0; i < n;) {
        size_t k = n - i > 42 ? 42 : n - i;
        while (k < n - i && k > 1 && ((unsigned char)s[i + k] & 0xC0) == 0x80)
            k--;
        buf_reset(&w);
        buf_puts(&w, "=?UTF-8?B?");
        am__base64(&w, (const unsigned char *)s + i, k);
        buf_puts(&w, "?=");
        am__hdr_word(h, w.data, w.len);
        i += k;
    }
    buf_free(&w);
}

/* Written as is only when plain ASCII that no reader could take for an
 * encoded-word and short enough for one line. */
static void am__hdr_text(struct am__hdr *h, const char *s, size_t n)
{
    bool plain = n > 0 && h->col + 1 + n <= 78;
    for (size_t i = 0; i < n && plain; i++)
        plain = s[i] >= 0x20 && s[i] < 0x7F && !(s[i] == '=' && i + 1 < n && s[i + 1] == '?');
    if (plain)
        am__hdr_word(h, s, n);
    else
        am__hdr_encoded(h, s, n);
}

static bool am__atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Is s[0..n) local@domain, a dot-atom at a host name?  Quoted local parts,
 * address literals and non-ASCII (no SMTPUTF8 here) are refused: they are
 * plausible in theory only, and every one is a way to smuggle syntax. */
static bool am__addr_spec(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at)
        return false;
    size_t ln = (size_t)(at - s), dn = n - ln - 1;
    const char *d = at + 1;
    if (ln < 1 || ln > 64 || dn < 1 || dn > 253 || s[0] == '.' || s[ln - 1] == '.')
        return false;
    for (size_t i = 0; i < ln; i++)
        if (!(am__atext((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] != '.')))
            return false;
    size_t label = 0;
    for (size_t i = 0; i <= dn; i++) {
        char ch = i < dn ? d[i] : '.';
        if (ch == '.') {
            if (label == 0 || label > 63 || d[i - 1] == '-' || d[i - label] == '-')
                return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

bool alertmsg_address(const char *addr)
{
    return addr && am__addr_spec(addr, strlen(addr));
}

static void am__trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Is s[0..n) a display name we can write: UTF-8 without control,
 * invisible or direction characters, quotes, backslashes, angle brackets
 * or commas (which would split a list)? */
static bool am__name_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, k; i < n; i += k) {
        uint32_t cp = am__utf8(p + i, n - i, &k);
        if ((cp == 0xFFFD && k == 1) || am__classify(cp) == AM_DROP || am__classify(cp) == AM_BREAK ||
            (cp < 0x80 && strchr("\"\\<>,;:", (int)cp) != NULL))
            return false;
    }
    return true;
}

/* Writes one mailbox, "a@b.dk" or "Name <a@b.dk>", from s[0..n) into the
 * header, with sep (",") after it; false if it is none. */
static bool am__hdr_mailbox(struct am__hdr *h, const char *s, size_t n, const char *sep)
{
    const char *name = NULL, *addr;
    size_t nn = 0, an;
    struct buf w;

    am__trim(&s, &n);
    addr = s, an = n;
    if (n && s[n - 1] == '>') {
        const char *lt = NULL;
        for (size_t i = 0; i < n; i++)
            if (s[i] == '<')
                lt = s + i;
        if (!lt)
            return false;
        name = s;
        nn = (size_t)(lt - s);
        addr = lt + 1;
        an = n - nn - 2;
        am__trim(&name, &nn);
        /* A name is shown, never parsed: no quoting or angle brackets in
         * it, nothing that is not UTF-8, and not a paragraph. */
        if (nn > 100 || !am__name_ok(name, nn))
            return false;
    }
    if (!am__addr_spec(addr, an))
        return false;
    buf_init(&w, 0);
    if (nn) {
        bool ascii = nn <= 60;
        for (size_t i = 0; i < nn && ascii; i++)
            ascii = (unsigned char)name[i] < 0x7F;
        if (ascii) {
            buf_putc(&w, '"');
            buf_append(&w, name, nn);
            buf_putc(&w, '"');
            am__hdr_word(h, w.data, w.len);
        } else {
            am__hdr_encoded(h, name, nn);
        }
        buf_reset(&w);
        buf_putc(&w, '<');
        buf_append(&w, addr, an);
        buf_printf(&w, ">%s", sep);
    } else {
        buf_append(&w, addr, an);
        buf_puts(&w, sep);
    }
    am__hdr_word(h, w.data, w.len);
    buf_free(&w);
    return true;
}

/* Any byte below space, or DEL: the way to a header of one's own. */
static bool am__has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

/*
 * <KEY@minutesd>, the key made a dot-atom without losing what tells two
 * keys apart: letters, digits, '-' and '_' stay, ':' becomes '.' where a
 * dot may stand, every other byte is =XX.  A key whose id would not fit
 * one 78-column line is replaced by (most of) its SHA-256.
 */
static void am__put_msgid(struct buf *b, const char *key)
{
    size_t n = strlen(key), start;

    buf_putc(b, '<');
    start = b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        bool dot_ok = b->len > start && b->data[b->len - 1] != '.' && i + 1 < n;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            buf_putc(b, (char)c);
        else if (c == ':' && dot_ok)
            buf_putc(b, '.');
        else
            buf_printf(b, "=%02X", c);
    }
    if (b->len - start > 55) {
        char hex[65];
        sha256_hex(key, n, hex);
        b->len = start;
        buf_printf(b, "h-%.48s", hex);
    }
    buf_puts(b, "@minutesd>");
}

/* RFC 5322 3.3, in UTC, with English names whatever the locale. */
static void am__put_date_hdr(struct buf *b, time_t now)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    if (!gmtime_r(&now, &tm))
        memset(&tm, 0, sizeof tm), tm.tm_mday = 1, tm.tm_year = 70, tm.tm_wday = 4;
    buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", wd[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
               tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * s[0..n) (LF or CRLF line ends) as quoted-printable (RFC 2045 6.7): lines
 * of at most 76 characters, soft breaks never inside an =XX, blanks at a
 * line's end encoded.  A "." or "From " at the start of a line is encoded
 * too, so that neither SMTP's end of data nor an mbox "From " line can
 * occur, whatever relay handles the message.
 */
static void am__put_qp(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t le = nl ? (size_t)(nl - s) : n, next = nl ? le + 1 : n, col = 0;
        if (le > i && s[le - 1] == '\r')
            le--;
        for (size_t j = i; j < le; j++) {
            unsigned char c = (unsigned char)s[j];
            bool last = j + 1 == le;
            for (int pass = 0; pass < 2; pass++) {
                bool lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
                if (col == 0 && (c == '.' || (c == 'F' && le - j >= 5 && memcmp(s + j, "From ", 5) == 0)))
                    lit = false;
                size_t t = lit ? 1 : 3;
                if (pass == 0 && col + t > (last ? 76u : 75u)) {
                    buf_puts(b, "=\r\n");
                    col = 0;
                    continue; /* again: the start of a line has its own rules */
                }
                if (lit) {
                    buf_putc(b, (char)c);
                } else {
                    char e[3] = {'=', hex[c >> 4], hex[c & 15]};
                    buf_append(b, e, 3);
                }
                col += t;
                break;
            }
        }
        buf_puts(b, "\r\n");
        i = next;
    }
}

char *alertmsg_email(const struct alertmsg *m, const char *key, const char *from, const char *to, time_t now, char *err,
                     size_t errlen)
{
    struct buf b;
    struct am__hdr h;
    char *r = NULL;
    size_t nto = 0;

    buf_init(&b, 0);
    if (!m || !m->subject || !m->text) {
        am__err(err, errlen, "cannot send an empty message");
        goto out;
    }
    if (!key || !*key) {
        am__err(err, errlen, "cannot send a message without a key");
        goto out;
    }
    if (!from || am__has_ctl(from)) {
        am__err(err, errlen, "invalid sender address: %s", from ? "contains a control character" : "none");
        goto out;
    }
    if (!to || am__has_ctl(to)) {
        am__err(err, errlen, "invalid recipient address: %s", to ? "contains a control character" : "none");
        goto out;
    }

    am__hdr_begin(&h, &b, "From");
    if (!am__hdr_mailbox(&h, from, strlen(from), "")) {
        am__err(err, errlen, "invalid sender address \"%.200s\"", from);
        goto out;
    }
    am__hdr_end(&h);

    am__hdr_begin(&h, &b, "To");
    for (const char *p = to;; nto++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (nto == AM_MAX_RECIPIENTS) {
            am__err(err, errlen, "too many recipients: at most %d", AM_MAX_RECIPIENTS);
            goto out;
        }
        if (!am__hdr_mailbox(&h, p, len, comma ? "," : "")) {
            am__err(err, errlen, "invalid recipient address \"%.*s\"", (int)(len > 200 ? 200 : len), p);
            goto out;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    am__hdr_end(&h);

    am__hdr_begin(&h, &b, "Subject");
    am__hdr_text(&h, m->subject, strlen(m->subject));
    am__hdr_end(&h);

    am__put_date_hdr(&b, now);
    buf_puts(&b, "Message-ID: ");
    am__put_msgid(&b, key);
    buf_puts(&b, "\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: quoted-printable\r\n"
                 /* RFC 3834; and the header Exchange reads instead, so that
                  * out-of-office replies do not come back to the sender */
                 "Auto-Submitted: auto-generated\r\n"
                 "X-Auto-Response-Suppress: All\r\n"
                 "\r\n");
    am__put_qp(&b, m->text, strlen(m->text));
    r = buf_steal(&b, NULL);
out:
    buf_free(&b);
    return r;
}
