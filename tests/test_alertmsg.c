/*
 * test_alertmsg: alert messages from deliveries - subject and body in
 * Danish, grouping and order, closed items, caps on outside text, and the
 * e-mail: RFC 2047 subject, quoted-printable body, stable Message-ID, and
 * addresses that cannot add a header.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertmsg.h"
#include "util.h"

/* 2026-03-04 10:00:00 UTC */
#define NOW ((time_t)1772618400)

#define MEETING_AAL                                                                                                  \
    "{\"id\": 4, \"body\": \"Sundhedsklynge Aalborg \xE2\x80\x93 Klyngeforum\", \"date\": \"2026-03-03\", "         \
    "\"cluster\": \"Aalborg\", \"region\": \"Region Nordjylland\", \"location\": \"Aalborg R\xC3\xA5" "dhus\"}"
#define MEETING_HOL                                                                                                  \
    "{\"id\": 9, \"body\": \"HOL Sundhedsklynge Politisk Forum\", \"date\": \"2026-02-26\", "                        \
    "\"cluster\": \"Holb\xC3\xA6k\", \"region\": \"Region Sj\xC3\xA6lland\"}"
#define DOC12                                                                                                        \
    "{\"id\": 12, \"source_name\": \"referat.pdf\", "                                                                \
    "\"source_uri\": \"https://www.rn.dk/sundhedsklynger/referat.pdf\", \"kind\": \"minutes\"}"
#define DOC20 "{\"id\": 20, \"source_name\": \"hol-referat.pdf\", \"source_uri\": \"https://regionsjaelland.dk/r.pdf\"}"

/* printf into a new string (free()); asprintf is a GNU extension. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static json_t *load(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    cr_assert_not_null(j, "bad test JSON: %s at %d: %s", e.text, e.position, text);
    return j;
}

/* Renders delivery JSON text; fails the test if it does not render. */
static void render(const char *text, struct alertmsg *m)
{
    char err[256] = "";
    json_t *d = load(text);
    cr_assert_eq(alertmsg_render(d, m, err, sizeof err), 0, "render failed: %s", err);
    json_decref(d);
    cr_assert_not_null(m->subject);
    cr_assert_not_null(m->text);
    cr_assert_not_null(m->webhook);
}

static void expect_in(const char *hay, const char *needle)
{
    cr_assert_not_null(strstr(hay, needle), "\"%s\" not in:\n%s", needle, hay);
}

static void expect_not_in(const char *hay, const char *needle)
{
    cr_assert_null(strstr(hay, needle), "\"%s\" in:\n%s", needle, hay);
}

/* Every subject promise: one line, capped, valid UTF-8 (jansson checks). */
static void check_subject(const char *s)
{
    cr_assert_leq(strlen(s), ALERTMSG_MAX_SUBJECT);
    cr_assert_null(strpbrk(s, "\r\n"));
    json_t *j = json_string(s);
    cr_assert_not_null(j, "subject is not UTF-8");
    json_decref(j);
}

/* The webhook: the promised object, its text the subject and the body. */
static json_t *check_webhook(const struct alertmsg *m, const char *key)
{
    json_error_t e;
    json_t *w = json_loads(m->webhook, 0, &e);
    cr_assert_not_null(w, "webhook is not JSON: %s", e.text);
    cr_assert_str_eq(json_string_value(json_object_get(w, "id")), key);
    cr_assert_str_eq(json_string_value(json_object_get(w, "subject")), m->subject);
    char *want = NULL;
    want = fmt("%s\n\n%s", m->subject, m->text);
    cr_assert_str_eq(json_string_value(json_object_get(w, "text")), want);
    free(want);
    cr_assert(json_is_array(json_object_get(w, "events")));
    return w;
}

/* ---- tiny decoders, to check the e-mail from the reader's side ---------- */

static int b64val(char c)
{
    const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(tab, c) : NULL;
    return p ? (int)(p - tab) : -1;
}

/* Decodes base64 s[0..n) onto b. */
static void b64dec(struct buf *b, const char *s, size_t n)
{
    cr_assert_eq(n % 4, 0, "base64 length %zu", n);
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = s[i + k] == '=' ? 0 : b64val(s[i + k]);
            cr_assert_geq(v[k], 0, "bad base64 character '%c'", s[i + k]);
        }
        buf_putc(b, (char)(v[0] << 2 | v[1] >> 4));
        if (s[i + 2] != '=')
            buf_putc(b, (char)((v[1] & 15) << 4 | v[2] >> 2));
        if (s[i + 3] != '=')
            buf_putc(b, (char)((v[2] & 3) << 6 | v[3]));
    }
}

/* The value of header name in msg, unfolded (CRLF + blank removed);
 * new: free().  NULL if absent. */
static char *header(const char *msg, const char *name)
{
    size_t nl = strlen(name);
    const char *end = strstr(msg, "\r\n\r\n");
    cr_assert_not_null(end);
    for (const char *p = msg; p < end; p = strstr(p, "\r\n") + 2) {
        if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
            struct buf b;
            buf_init(&b, 0);
            const char *q = p + nl + 1;
            for (;;) {
                const char *e = strstr(q, "\r\n");
                buf_append(&b, q, (size_t)(e - q));
                if (e[2] != ' ' && e[2] != '\t')
                    break;
                q = e + 2;
            }
            return buf_steal(&b, NULL);
        }
    }
    return NULL;
}

/* RFC 2047 B words only (the blanks between them dropped), decoded. */
static char *decode_2047(const char *v)
{
    struct buf b;
    buf_init(&b, 0);
    while (*v == ' ')
        v++;
    while (*v) {
        cr_assert(strncmp(v, "=?UTF-8?B?", 10) == 0, "not an encoded-word: %s", v);
        const char *s = v + 10, *e = strstr(s, "?=");
        cr_assert_not_null(e);
        cr_assert_leq(e + 2 - v, 75, "encoded-word longer than 75");
        b64dec(&b, s, (size_t)(e - s));
        v = e + 2;
        while (*v == ' ')
            v++;
    }
    return buf_steal(&b, NULL);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The body of msg decoded from quoted-printable, CRLF made LF; checks
 * the encoding's rules on the way (line length, no bare '=', no trailing
 * blank, no "." or "From " at a line's start).  New: free(). */
static char *decode_qp_body(const char *msg)
{
    const char *p = strstr(msg, "\r\n\r\n");
    struct buf b;

    cr_assert_not_null(p);
    p += 4;
    buf_init(&b, 0);
    while (*p) {
        const char *e = strstr(p, "\r\n");
        cr_assert_not_null(e, "body does not end with CRLF");
        size_t n = (size_t)(e - p);
        cr_assert_leq(n, 76, "quoted-printable line of %zu: %.*s", n, (int)n, p);
        cr_assert_null(memchr(p, '\n', n), "bare LF in body");
        cr_assert_null(memchr(p, '\r', n), "bare CR in body");
        cr_assert(n == 0 || (p[n - 1] != ' ' && p[n - 1] != '\t'), "blank at a line's end");
        cr_assert(!(n && p[0] == '.'), "line starts with '.'");
        cr_assert(strncmp(p, "From ", 5) != 0, "line starts with \"From \"");
        bool soft = false;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            cr_assert((c >= 0x20 && c < 0x7F) || c == 0x09, "raw byte %#x in body", c);
            if (c != '=') {
                buf_putc(&b, (char)c);
            } else if (i + 1 == n) {
                soft = true;
            } else {
                cr_assert_lt(i + 2, n + 0, "cut =XX");
                int h = hexval(p[i + 1]), l = hexval(p[i + 2]);
                cr_assert(h >= 0 && l >= 0, "bad escape =%c%c", p[i + 1], p[i + 2]);
                buf_putc(&b, (char)(h << 4 | l));
                i += 2;
            }
        }
        if (!soft)
            buf_putc(&b, '\n');
        p = e + 2;
    }
    return buf_steal(&b, NULL);
}

/* The e-mail's structural promises; returns it (free()). */
static char *email_ok(const struct alertmsg *m, const char *key)
{
    char err[256] = "";
    char *e = alertmsg_email(m, key, "minutesd <alerts@rn.dk>", "staff@rn.dk", NOW, err, sizeof err);
    cr_assert_not_null(e, "email failed: %s", err);
    const char *end = strstr(e, "\r\n\r\n");
    cr_assert_not_null(end);
    for (const char *p = e; p < end + 2;) {
        const char *nl = strstr(p, "\r\n");
        cr_assert_leq(nl - p, 78, "header line of %td: %.*s", nl - p, (int)(nl - p), p);
        cr_assert_null(memchr(p, '\n', (size_t)(nl - p)), "bare LF in header");
        p = nl + 2;
    }
    /* encoded, or (short plain ASCII) as it is */
    char *subj = header(e, "Subject");
    char *dec = strncmp(subj, " =?", 3) == 0 ? decode_2047(subj) : xstrndup(subj + 1, strlen(subj) - 1);
    cr_assert_str_eq(dec, m->subject);
    free(subj);
    free(dec);
    char *body = decode_qp_body(e);
    cr_assert_str_eq(body, m->text);
    free(body);
    return e;
}

/* ---- the message ------------------------------------------------------ */

#define ONE_DECISION                                                                                                 \
    "{\"key\": \"doc:12:101:sub:3\", \"digest\": null, \"events\": [{\"id\": 101, \"type\": \"decision_appeared\", "  \
    "\"at\": \"2026-03-04T10:00:00Z\", \"document\": " DOC12 ", \"meeting\": " MEETING_AAL ", "                      \
    "\"item\": {\"id\": 55, \"number\": 2, \"label\": \"2\", \"title\": \"F\xC3\xA6lles akutfunktion\", "            \
    "\"public\": true, \"recommendation\": \"Det indstilles, at klyngeforum godkender oplægget.\", "                 \
    "\"decision\": \"Godkendt med bem\xC3\xA6rkning om bemanding.\\nSekretariatet f\xC3\xB8lger op.\", "              \
    "\"outcome\": \"approved\"}}]}"

Test(alertmsg, one_decision)
{
    struct alertmsg m;
    render(ONE_DECISION, &m);
    check_subject(m.subject);
    cr_assert_str_eq(m.subject, "Ny beslutning: Klyngeforum, Sundhedsklynge Aalborg 3. marts 2026 \xE2\x80\x93 "
                                "punkt 2: F\xC3\xA6lles akutfunktion");
    cr_assert_str_eq(m.text, "Klyngeforum, Sundhedsklynge Aalborg\n"
                             "-----------------------------------\n"
                             "Dato: 3. marts 2026\n"
                             "Klynge: Aalborg, Region Nordjylland\n"
                             "Sted: Aalborg R\xC3\xA5" "dhus\n"
                             "Kilde: https://www.rn.dk/sundhedsklynger/referat.pdf\n"
                             "\n"
                             "Punkt 2: F\xC3\xA6lles akutfunktion\n"
                             "  Indstilling: Det indstilles, at klyngeforum godkender opl\xC3\xA6gget.\n"
                             "  Beslutning: Godkendt med bem\xC3\xA6rkning om bemanding.\n"
                             "    Sekretariatet f\xC3\xB8lger op.\n"
                             "  Udfald: godkendt\n"
                             "\n"
                             "Automatisk besked fra minutesd (reference doc:12:101:sub:3)\n");
    json_t *w = check_webhook(&m, "doc:12:101:sub:3"), *in = load(ONE_DECISION);
    cr_assert(json_equal(json_object_get(w, "events"), json_object_get(in, "events")), "events not passed as is");
    json_decref(in);
    json_decref(w);
    free(email_ok(&m, "doc:12:101:sub:3"));
    alertmsg_clear(&m);
    alertmsg_clear(&m); /* twice is harmless */
    alertmsg_clear(NULL);
}

Test(alertmsg, two_decisions_one_document_sorted_by_number)
{
    struct alertmsg m;
    /* item 7 first in the delivery, decision_appeared for both */
    render("{\"key\": \"doc:12:101:sub:3\", \"events\": ["
           "{\"id\": 102, \"type\": \"decision_appeared\", \"document\": " DOC12 ", \"meeting\": " MEETING_AAL ", "
           "\"item\": {\"id\": 56, \"number\": 7, \"title\": \"Evaluering\", \"public\": true, "
           "\"decision\": \"Taget til efterretning.\", \"outcome\": \"noted\"}},"
           "{\"id\": 101, \"type\": \"decision_appeared\", \"document\": " DOC12 ", \"meeting\": " MEETING_AAL ", "
           "\"item\": {\"id\": 55, \"number\": 2, \"title\": \"F\xC3\xA6lles akutfunktion\", \"public\": true, "
           "\"decision\": \"Godkendt.\", \"outcome\": \"approved\"}}]}",
           &m);
    cr_assert_str_eq(m.subject,
                     "Ny beslutning: Klyngeforum, Sundhedsklynge Aalborg 3. marts 2026 \xE2\x80\x93 2 punkter");
    const char *p2 = strstr(m.text, "Punkt 2: F\xC3\xA6lles akutfunktion"), *p7 = strstr(m.text, "Punkt 7: Evaluering");
    cr_assert(p2 && p7 && p2 < p7, "items out of order:\n%s", m.text);
    expect_in(m.text, "  Udfald: taget til efterretning\n");
    /* one meeting, one document: one heading, one source line */
    const char *k = strstr(m.text, "Kilde: ");
    cr_assert(k && !strstr(k + 1, "Kilde: "), "source listed twice:\n%s", m.text);
    const char *h = strstr(m.text, "Klyngeforum, Sundhedsklynge Aalborg\n");
    cr_assert(h && !strstr(h + 1, "Klyngeforum, Sundhedsklynge Aalborg\n"), "heading twice:\n%s", m.text);
    expect_not_in(m.text, "H\xC3\xA6ndelse:"); /* one kind of event: the subject says it */
    json_decref(check_webhook(&m, "doc:12:101:sub:3"));
    free(email_ok(&m, "doc:12:101:sub:3"));
    alertmsg_clear(&m);

    /* a document known by its URL alone is one document too */
    render("{\"key\": \"k\", \"events\": ["
           "{\"type\": \"decision_appeared\", \"document\": {\"source_uri\": \"https://x.dk/r.pdf\"}, "
           "\"meeting\": " MEETING_AAL ", \"item\": {\"number\": 1}},"
           "{\"type\": \"decision_appeared\", \"document\": {\"source_uri\": \"https://x.dk/r.pdf\", \"id\": null}, "
           "\"meeting\": " MEETING_AAL ", \"item\": {\"number\": 2}}]}",
           &m);
    k = strstr(m.text, "Kilde: https://x.dk/r.pdf\n");
    cr_assert(k && !strstr(k + 1, "Kilde: "), "source listed twice:\n%s", m.text);
    alertmsg_clear(&m);
}

/* A closed item, with (against the contract) its secrets in the delivery:
 * not a word of them may reach any form of the message. */
Test(alertmsg, closed_item_shows_no_text)
{
    static const char *const secrets[] = {"Hemmelig", "Personsag", "fortrolig", "Lundgaard", "hemmelig"};
    const char *flags[] = {"false", "\"false\"", "0"};
    for (size_t f = 0; f < 3; f++) {
        char *d = NULL;
        d = fmt(
                           "{\"key\": \"doc:12:101:sub:3\", \"events\": [{\"id\": 101, "
                           "\"type\": \"decision_appeared\", "
                           "\"document\": " DOC12 ", \"meeting\": " MEETING_AAL ", \"item\": {\"id\": 57, "
                           "\"number\": 9, \"label\": \"9\", \"public\": %s, \"title\": \"Hemmelig Personsag\", "
                           "\"recommendation\": \"fortrolig indstilling\", \"decision\": \"Lundgaard afskediges, "
                           "hemmelig\", \"outcome\": \"approved\", \"extra\": \"Hemmelig\"}}]}",
                           flags[f]);
        struct alertmsg m;
        render(d, &m);
        cr_assert_str_eq(m.subject,
                         "Ny beslutning: Klyngeforum, Sundhedsklynge Aalborg 3. marts 2026 "
                         "\xE2\x80\x93 punkt 9 (lukket)");
        expect_in(m.text, "Punkt 9: Lukket punkt\n  Udfald: godkendt\n");
        char *e = email_ok(&m, "doc:12:101:sub:3"), *body = decode_qp_body(e);
        json_t *w = check_webhook(&m, "doc:12:101:sub:3");
        json_t *item = json_object_get(json_array_get(json_object_get(w, "events"), 0), "item");
        cr_assert_eq(json_integer_value(json_object_get(item, "number")), 9);
        cr_assert_str_eq(json_string_value(json_object_get(item, "outcome")), "approved");
        for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
            expect_not_in(m.subject, secrets[i]);
            expect_not_in(m.text, secrets[i]);
            expect_not_in(m.webhook, secrets[i]);
            expect_not_in(e, secrets[i]);
            expect_not_in(body, secrets[i]);
        }
        json_decref(w);
        free(body);
        free(e);
        free(d);
        alertmsg_clear(&m);
    }
}

/* public null or missing: the document did not say, and its text was
 * published with it - shown, as minutes.event_facts does. */
Test(alertmsg, unknown_public_flag_is_shown)
{
    struct alertmsg m;
    render("{\"key\": \"k\", \"events\": [{\"type\": \"decision_appeared\", \"meeting\": " MEETING_AAL ", "
           "\"item\": {\"number\": 3, \"public\": null, \"title\": \"Budget\", \"decision\": \"Vedtaget.\"}}]}",
           &m);
    expect_in(m.text, "Punkt 3: Budget\n  Beslutning: Vedtaget.\n");
    alertmsg_clear(&m);
}

Test(alertmsg, digest_over_two_meetings)
{
    struct alertmsg m;
    render("{\"key\": \"digest:daily:2026-03-04T00:sub:7\", \"digest\": \"daily\", \"events\": ["
           "{\"id\": 201, \"type\": \"decision_appeared\", \"document\": " DOC12 ", \"meeting\": " MEETING_AAL ", "
           "\"item\": {\"number\": 4, \"title\": \"Rehabilitering\", \"decision\": \"Godkendt.\", "
           "\"outcome\": \"approved\"}},"
           "{\"id\": 202, \"type\": \"decision_changed\", \"document\": " DOC20 ", \"meeting\": " MEETING_HOL ", "
           "\"item\": {\"number\": 3, \"title\": \"Akutpladser\", "
           "\"decision\": \"Udsat til n\xC3\xA6ste m\xC3\xB8" "de.\", "
           "\"outcome\": \"postponed\"}},"
           "{\"id\": 203, \"type\": \"item_added\", \"document\": " DOC12 ", \"meeting\": " MEETING_AAL ", "
           "\"item\": {\"number\": 1, \"title\": \"Godkendelse af dagsorden\"}},"
           "{\"id\": 204, \"type\": \"decision_appeared\", \"document\": " DOC12 ", \"meeting\": " MEETING_AAL ", "
           "\"item\": {\"number\": 2, \"title\": \"F\xC3\xA6lles akutfunktion\", \"outcome\": \"rejected\"}}]}",
           &m);
    check_subject(m.subject);
    cr_assert_str_eq(m.subject, "Oversigt (dagligt): 3 beslutninger fra 2 m\xC3\xB8" "der og 1 anden h\xC3\xA6ndelse");
    /* Holbæk (26 February) before Aalborg (3 March); within Aalborg 1, 2, 4 */
    const char *hol = strstr(m.text, "HOL Sundhedsklynge Politisk Forum\n"),
               *aal = strstr(m.text, "Klyngeforum, Sundhedsklynge Aalborg\n"), *p1 = strstr(m.text, "Punkt 1:"),
               *p2 = strstr(m.text, "Punkt 2:"), *p4 = strstr(m.text, "Punkt 4:");
    cr_assert(hol && aal && hol < aal && aal < p1 && p1 < p2 && p2 < p4, "order:\n%s", m.text);
    expect_in(m.text, "Dato: 26. februar 2026\nKlynge: Holb\xC3\xA6k, Region Sj\xC3\xA6lland\n"
                      "Kilde: https://regionsjaelland.dk/r.pdf\n");
    expect_in(m.text, "Punkt 3: Akutpladser\n  H\xC3\xA6ndelse: \xC3\xA6ndret beslutning\n");
    expect_in(m.text, "Punkt 1: Godkendelse af dagsorden\n  H\xC3\xA6ndelse: nyt punkt p\xC3\xA5 dagsordenen\n");
    expect_in(m.text, "  Udfald: udsat\n");
    expect_in(m.text, "  Udfald: afvist\n");
    /* each meeting's heading once */
    cr_assert_null(strstr(aal + 1, "Klyngeforum, Sundhedsklynge Aalborg\n"));
    json_decref(check_webhook(&m, "digest:daily:2026-03-04T00:sub:7"));
    char *e = email_ok(&m, "digest:daily:2026-03-04T00:sub:7");
    char *mid = header(e, "Message-ID");
    cr_assert_str_eq(mid, " <digest.daily.2026-03-04T00.sub.7@minutesd>");
    free(mid);
    free(e);
    alertmsg_clear(&m);

    render("{\"key\": \"h\", \"digest\": \"hourly\", \"events\": [{\"type\": \"decision_appeared\", "
           "\"meeting\": " MEETING_AAL ", \"item\": {\"number\": 1}}]}",
           &m);
    cr_assert_str_eq(m.subject, "Oversigt (hver time): 1 beslutning fra 1 m\xC3\xB8" "de");
    alertmsg_clear(&m);
}

Test(alertmsg, source_and_document_events)
{
    struct alertmsg m;
    render("{\"key\": \"event:9:sub:1\", \"events\": [{\"id\": 9, \"type\": \"source_failing\", "
           "\"source\": \"rn.dk referater\", \"error\": \"HTTP 503\\r\\nfra serveren\"}]}",
           &m);
    cr_assert_str_eq(m.subject, "Kilde fejler: rn.dk referater");
    expect_in(m.text, "Kilde fejler: rn.dk referater\n  Fejl: HTTP 503\n    fra serveren\n");
    alertmsg_clear(&m);

    render("{\"key\": \"event:10:sub:1\", \"events\": [{\"id\": 10, \"type\": \"document_failed\", "
           "\"document\": " DOC12 ", \"error\": \"no date\"}]}",
           &m);
    cr_assert_str_eq(m.subject, "Dokument kunne ikke indl\xC3\xA6ses: referat.pdf (referat)");
    expect_in(m.text, "Dokument kunne ikke indl\xC3\xA6ses: referat.pdf (referat)\n  Fejl: no date\n"
                      "  Kilde: https://www.rn.dk/sundhedsklynger/referat.pdf\n");
    alertmsg_clear(&m);
}

Test(alertmsg, missing_fields_render_without_null)
{
    static const char *const cases[] = {
        "{\"key\": \"k\", \"events\": [{}]}",
        "{\"key\": \"k\", \"events\": [{\"type\": null, \"meeting\": null, \"item\": null, \"document\": null}]}",
        "{\"key\": \"k\", \"events\": [{\"type\": \"decision_appeared\", \"meeting\": {}, \"item\": {}}]}",
        "{\"key\": \"k\", \"events\": [{\"type\": \"decision_appeared\", \"meeting\": {\"date\": null, \"body\": null},"
        " \"document\": {}, \"item\": {\"number\": null, \"title\": null, \"outcome\": null}}]}",
        "{\"key\": \"k\", \"events\": [{\"type\": \"item_removed\", \"meeting\": {\"cluster\": \"Syd\"}, "
        "\"item\": {\"label\": \"4a\"}}, {\"type\": \"decision_changed\", \"meeting\": {\"date\": \"ukendt\"}}]}",
        "{\"key\": \"k\", \"events\": [{\"type\": \"source_recovered\"}, {\"type\": \"document_loaded\"}, "
        "{\"type\": \"meeting_added\", \"meeting\": {\"id\": 1}}, {\"type\": \"something_new\"}]}",
        "{\"key\": \"k\", \"digest\": \"weekly\", \"events\": [{\"type\": 5, \"item\": {\"outcome\": \"???\"}}]}",
        "{\"key\": \"k\", \"events\": [{\"type\": \"decision_appeared\", \"item\": {\"title\": \"  \\t \"}}]}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct alertmsg m;
        render(cases[i], &m);
        check_subject(m.subject);
        for (const char *s = m.subject;; s = m.text) {
            expect_not_in(s, "(null)");
            expect_not_in(s, ": \n");
            expect_not_in(s, "  \n");
            if (s == m.text)
                break;
        }
        json_decref(check_webhook(&m, "k"));
        free(email_ok(&m, "k"));
        alertmsg_clear(&m);
    }

    struct alertmsg m;
    render(cases[4], &m);
    cr_assert_str_eq(m.subject, "Opdatering: 2 h\xC3\xA6ndelser fra 2 m\xC3\xB8" "der");
    expect_in(m.text, "Sundhedsklynge Syd\n------------------\nKlynge: Syd\n\nPunkt 4a\n");
    expect_in(m.text, "Dato: ukendt\n");
    alertmsg_clear(&m);
    render(cases[0], &m);
    cr_assert_str_eq(m.subject, "Opdatering: 1 h\xC3\xA6ndelse");
    alertmsg_clear(&m);
}

Test(alertmsg, refuses_delivery_without_key_or_events)
{
    static const char *const cases[] = {
        "[]",
        "{\"events\": [{}]}",
        "{\"key\": \"\", \"events\": [{}]}",
        "{\"key\": 5, \"events\": [{}]}",
        "{\"key\": \"k\"}",
        "{\"key\": \"k\", \"events\": []}",
        "{\"key\": \"k\", \"events\": {}}",
        "{\"key\": \"k\", \"events\": [1, \"x\", null]}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct alertmsg m = {(char *)1, (char *)1, (char *)1};
        char err[128] = "";
        json_t *d = load(cases[i]);
        cr_assert_eq(alertmsg_render(d, &m, err, sizeof err), -1, "accepted %s", cases[i]);
        cr_assert(m.subject == NULL && m.text == NULL && m.webhook == NULL);
        cr_assert(strncmp(err, "delivery ", 9) == 0, "err \"%s\"", err);
        json_decref(d);
    }
}

/* Control characters, bidi overrides, invalid UTF-8 (as jansson lets
 * through from json_stringn_nocheck) and blanks are cleaned. */
Test(alertmsg, cleans_outside_text)
{
    json_t *d = load("{\"key\": \"k\", \"events\": [{\"type\": \"decision_appeared\", \"meeting\": " MEETING_AAL ", "
                     "\"item\": {\"number\": 1, \"public\": true, \"title\": \"x\", \"recommendation\": "
                     "\"\\n\\n  Linje et  \\t  \\r\\n\\n\\n\\n\\nLinje to\\u0007\\u001b[31m r\\u00f8d\\n\\n\"}}]}");
    static const char title[] = "Ond\xE2\x80\xAE" "txt.exe\xFF\xC3 titel\r\nBcc: x";
    json_t *it = json_object_get(json_array_get(json_object_get(d, "events"), 0), "item");
    json_object_set_new(it, "title", json_stringn_nocheck(title, sizeof title - 1));
    struct alertmsg m;
    char err[128];
    cr_assert_eq(alertmsg_render(d, &m, err, sizeof err), 0, "%s", err);
    expect_in(m.text, "Punkt 1: Ondtxt.exe\xEF\xBF\xBD\xEF\xBF\xBD titel Bcc: x\n");
    expect_in(m.text, "  Indstilling: Linje et\n\n    Linje to[31m r\xC3\xB8" "d\n");
    expect_in(m.subject, "punkt 1: Ondtxt.exe\xEF\xBF\xBD\xEF\xBF\xBD titel Bcc: x");
    expect_not_in(m.text, "\xE2\x80\xAE");
    expect_not_in(m.text, "\x1b");
    expect_not_in(m.text, "\r");
    free(email_ok(&m, "k"));
    alertmsg_clear(&m);
    json_decref(d);
}

/* ---- caps --------------------------------------------------------------- */

Test(alertmsg, megabyte_decision_is_capped)
{
    size_t big = 1 << 20;
    char *s = xmalloc(big + 1);
    for (size_t i = 0; i < big; i++)
        s[i] = "\xC3\xA6" "bler "[i % 7]; /* "æbler " repeated: cuts fall inside æ */
    s[big] = '\0';
    json_t *d = load("{\"key\": \"k\", \"events\": [{\"type\": \"decision_appeared\", \"meeting\": " MEETING_AAL ", "
                     "\"item\": {\"number\": 1, \"title\": \"Stort\", \"public\": true}}]}");
    json_t *it = json_object_get(json_array_get(json_object_get(d, "events"), 0), "item");
    json_object_set_new(it, "decision", json_stringn(s, big));
    json_object_set_new(it, "title", json_stringn(s, big));
    struct alertmsg m;
    char err[128];
    cr_assert_eq(alertmsg_render(d, &m, err, sizeof err), 0, "%s", err);
    check_subject(m.subject);
    cr_assert_lt(strlen(m.text), 3 * ALERTMSG_MAX_FIELD);
    const char *dec = strstr(m.text, "  Beslutning: ");
    cr_assert_not_null(dec);
    const char *end = strchr(dec, '\n');
    cr_assert_leq((size_t)(end - dec), strlen("  Beslutning: ") + ALERTMSG_MAX_FIELD);
    cr_assert(end - dec > ALERTMSG_MAX_FIELD - 10);
    cr_assert(strncmp(end - 3, "\xE2\x80\xA6", 3) == 0, "no ellipsis");
    /* the text's title and decision, and the events' */
    cr_assert_lt(strlen(m.webhook), 5 * ALERTMSG_MAX_FIELD, "webhook %zu bytes", strlen(m.webhook));
    json_decref(check_webhook(&m, "k")); /* and still valid UTF-8 and JSON */
    free(email_ok(&m, "k"));
    alertmsg_clear(&m);
    json_decref(d);
    free(s);
}

Test(alertmsg, body_is_capped_with_a_count)
{
    json_t *d = load("{\"key\": \"k\", \"events\": []}"), *events = json_object_get(d, "events");
    json_t *meeting = load(MEETING_AAL);
    char *s = xmalloc(ALERTMSG_MAX_FIELD + 1);
    memset(s, 'x', ALERTMSG_MAX_FIELD);
    s[ALERTMSG_MAX_FIELD] = '\0';
    for (int i = 0; i < 200; i++)
        json_array_append_new(events, json_pack("{s:s, s:O, s:{s:i, s:s, s:s, s:s}}", "type", "decision_appeared",
                                                "meeting", meeting, "item", "number", i + 1, "title", "t",
                                                "recommendation", s, "decision", s));
    struct alertmsg m;
    char err[128];
    cr_assert_eq(alertmsg_render(d, &m, err, sizeof err), 0, "%s", err);
    cr_assert_leq(strlen(m.text), ALERTMSG_MAX_TEXT);
    cr_assert_gt(strlen(m.text), ALERTMSG_MAX_TEXT - 10000);
    int shown = 0;
    for (const char *p = m.text; (p = strstr(p, "\nPunkt ")); p++)
        shown++;
    char want[64];
    snprintf(want, sizeof want, "\xE2\x80\xA6 og %d punkter mere\n", 200 - shown);
    expect_in(m.text, want);
    cr_assert_str_eq(m.subject,
                     "Ny beslutning: Klyngeforum, Sundhedsklynge Aalborg 3. marts 2026 \xE2\x80\x93 200 punkter");
    free(email_ok(&m, "k"));
    alertmsg_clear(&m);
    json_decref(d);
    json_decref(meeting);
    free(s);
}

/* ---- the e-mail ---------------------------------------------------------- */

Test(alertmsg, email_refuses_header_injection)
{
    static const char *const bad[] = {
        "a@b.dk\r\nBcc: x@y.dk",
        "a@b.dk\nBcc: x@y.dk",
        "a@b.dk\rBcc: x@y.dk",
        "Navn <a@b.dk>\r\nBcc: x@y.dk",
        "a@b.dk, \r\n x@y.dk",
        "a@b.dk\tx",
        "a@b.dk>",
        "<a@b.dk",
        "a@b.dk <c@d.dk",
        "\"Navn\" <a@b.dk>",
        "Na\"vn <a@b.dk>",
        "Navn <a@b.dk>, ",
        "a b@c.dk",
        "a@b@c.dk",
        "a@",
        "@b.dk",
        "",
        "a..b@c.dk",
        ".a@c.dk",
        "a@b..dk",
        "a@-b.dk",
        "a@b-.dk",
        "a@b.dk.",
        "\xC3\xB8@b.dk",
        "a@b\xC3\xB8.dk",
        "a@[127.0.0.1]",
        "a@b.dk,,c@d.dk",
        "Ond\xE2\x80\xAE <a@b.dk>",
        "Bcc: x@y.dk",
        "=?UTF-8?B?QmNjOg==?= a@b.dk",
    };
    struct alertmsg m = {"Emne", "Tekst\n", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        char *e = alertmsg_email(&m, "k", bad[i], "staff@rn.dk", NOW, err, sizeof err);
        cr_assert_null(e, "from \"%s\" accepted:\n%s", bad[i], e);
        cr_assert(strstr(err, "invalid sender address"), "err \"%s\"", err);
        cr_assert_null(strpbrk(err, "\r\n"), "err holds a line break");
        e = alertmsg_email(&m, "k", "alerts@rn.dk", bad[i], NOW, err, sizeof err);
        cr_assert_null(e, "to \"%s\" accepted:\n%s", bad[i], e);
        cr_assert(strstr(err, "invalid recipient address"), "err \"%s\"", err);
    }
    char err[256];
    cr_assert_null(alertmsg_email(&m, "k", NULL, "a@b.dk", NOW, err, sizeof err));
    cr_assert_null(alertmsg_email(&m, "k", "a@b.dk", NULL, NOW, err, sizeof err));
    cr_assert_null(alertmsg_email(&m, "", "a@b.dk", "a@b.dk", NOW, err, sizeof err));
    cr_assert_null(alertmsg_email(&m, NULL, "a@b.dk", "a@b.dk", NOW, err, sizeof err));
    cr_assert_null(alertmsg_email(NULL, "k", "a@b.dk", "a@b.dk", NOW, err, sizeof err));

    /* what a configuration plausibly says */
    static const char *const good[] = {
        "alerts@rn.dk",
        "minutesd <alerts@rn.dk>",
        "  a.b+tag@sub.rn.dk  ",
        "s\xC3\xB8ren.\xC3\xB8stergaard <soeren@rn.dk>",
        "root@localhost",
        "a@b.dk, Sekretariatet <c@d.dk>,e@f.dk",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        bool list = strchr(good[i], ',') != NULL; /* one sender, several recipients */
        char *e = alertmsg_email(&m, "k", list ? "a@b.dk" : good[i], good[i], NOW, err, sizeof err);
        cr_assert_not_null(e, "\"%s\" refused: %s", good[i], err);
        free(e);
    }
    cr_assert_null(alertmsg_email(&m, "k", good[5], "a@b.dk", NOW, err, sizeof err), "a list as sender");
}

Test(alertmsg, email_headers)
{
    struct alertmsg m;
    render(ONE_DECISION, &m);
    char err[256];
    char *e = alertmsg_email(&m, "doc:12:101:sub:3", "minutesd <alerts@rn.dk>",
                             "Sekretariatet <sek@rn.dk>, J\xC3\xB8rgen <j@rn.dk>", NOW, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    const char *want[][2] = {
        {"From", " \"minutesd\" <alerts@rn.dk>"},
        {"Date", " Wed, 04 Mar 2026 10:00:00 +0000"},
        {"Message-ID", " <doc.12.101.sub.3@minutesd>"},
        {"MIME-Version", " 1.0"},
        {"Content-Type", " text/plain; charset=utf-8"},
        {"Content-Transfer-Encoding", " quoted-printable"},
        {"Auto-Submitted", " auto-generated"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *v = header(e, want[i][0]);
        cr_assert_not_null(v, "no %s header", want[i][0]);
        cr_assert_str_eq(v, want[i][1]);
        free(v);
    }
    char *to = header(e, "To");
    cr_assert_str_eq(to, " \"Sekretariatet\" <sek@rn.dk>, =?UTF-8?B?SsO4cmdlbg==?= <j@rn.dk>");
    free(to);
    cr_assert_null(header(e, "Bcc"));
    /* the subject is encoded, and decodes back */
    char *subj = header(e, "Subject"), *dec = decode_2047(subj);
    cr_assert_str_eq(dec, m.subject);
    cr_assert_null(strstr(subj, "\xC3"), "raw UTF-8 in Subject");
    free(subj);
    free(dec);
    free(e);

    /* the same key, another time: the same Message-ID */
    char *e2 = alertmsg_email(&m, "doc:12:101:sub:3", "alerts@rn.dk", "sek@rn.dk", NOW + 3600, err, sizeof err);
    char *id2 = header(e2, "Message-ID");
    cr_assert_str_eq(id2, " <doc.12.101.sub.3@minutesd>");
    free(id2);
    free(e2);
    alertmsg_clear(&m);
}

Test(alertmsg, message_id_is_a_safe_function_of_the_key)
{
    struct alertmsg m = {"s", "t\n", NULL};
    const char *keys[][2] = {
        {"doc:12:sub:3", " <doc.12.sub.3@minutesd>"},
        {"a::b:", " <a.=3Ab=3A@minutesd>"},
        {":x", " <=3Ax@minutesd>"},
        {"a.b", " <a=2Eb@minutesd>"},
        {"x\r\nBcc: y@z.dk>", " <x=0D=0ABcc.=20y=40z=2Edk=3E@minutesd>"},
    };
    char err[128];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *e = alertmsg_email(&m, keys[i][0], "a@b.dk", "c@d.dk", NOW, err, sizeof err);
        cr_assert_not_null(e, "%s", err);
        cr_assert_null(header(e, "Bcc"));
        char *id = header(e, "Message-ID");
        cr_assert_str_eq(id, keys[i][1]);
        free(id);
        free(e);
    }
    /* a long key: its hash, still the same each time, and distinct */
    char k1[300], k2[300];
    memset(k1, 'k', sizeof k1 - 1);
    k1[sizeof k1 - 1] = '\0';
    memcpy(k2, k1, sizeof k2);
    k2[0] = 'j';
    char *a = alertmsg_email(&m, k1, "a@b.dk", "c@d.dk", NOW, err, sizeof err),
         *b = alertmsg_email(&m, k1, "a@b.dk", "c@d.dk", NOW + 1, err, sizeof err),
         *c = alertmsg_email(&m, k2, "a@b.dk", "c@d.dk", NOW, err, sizeof err);
    char *ia = header(a, "Message-ID"), *ib = header(b, "Message-ID"), *ic = header(c, "Message-ID");
    cr_assert_str_eq(ia, ib);
    cr_assert_str_neq(ia, ic);
    cr_assert_eq(strlen(ia), strlen(" <h-@minutesd>") + 48);
    free(ia), free(ib), free(ic), free(a), free(b), free(c);
}

Test(alertmsg, subject_rfc2047_round_trip)
{
    static const char *const subjects[] = {
        "\xC3\x86ndret beslutning: \xC3\xA6\xC3\xB8\xC3\xA5 \xC3\x86\xC3\x98\xC3\x85",
        /* long, with three-byte characters where a 42-byte cut would fall */
        "Oversigt \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 "
        "\xE2\x80\x93 "
        "\xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 "
        "\xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 "
        "\xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93 \xE2\x80\x93",
        /* ASCII but a reader would decode it: must be encoded itself */
        "=?UTF-8?B?QmNjOg==?=",
        /* ASCII, too long for one line */
        "New decision: a very long committee name that goes on and on and on past the seventy-eighth column",
    };
    char err[128];
    for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
        struct alertmsg m = {(char *)subjects[i], "x\n", NULL};
        char *e = email_ok(&m, "k"); /* decodes the subject back, checks 78 columns */
        char *v = header(e, "Subject");
        cr_assert(strncmp(v, " =?UTF-8?B?", 11) == 0, "not encoded: %s", v);
        /* every encoded-word holds whole characters */
        for (const char *p = v; (p = strstr(p, "=?UTF-8?B?")); p += 10) {
            const char *q = strstr(p, "?=");
            struct buf b;
            buf_init(&b, 0);
            b64dec(&b, p + 10, (size_t)(q - p - 10));
            json_t *j = json_stringn(b.data, b.len);
            cr_assert_not_null(j, "encoded-word splits a character");
            json_decref(j);
            buf_free(&b);
        }
        free(v);
        free(e);
    }
    /* short plain ASCII stays readable */
    struct alertmsg m = {"Ny beslutning", "x\n", NULL};
    char *e = alertmsg_email(&m, "k", "a@b.dk", "c@d.dk", NOW, err, sizeof err);
    char *v = header(e, "Subject");
    cr_assert_str_eq(v, " Ny beslutning");
    free(v);
    free(e);
}

Test(alertmsg, quoted_printable_body)
{
    char *text = NULL;
    char line[400];
    memset(line, 'a', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    for (size_t i = 70; i < sizeof line - 1; i += 77)
        line[i] = '=';
    text = fmt(
                       "a=b \xC3\xA6\xC3\xB8\xC3\xA5\n.\n.skjult\nFrom here\nFrom\n  mellemrum til sidst  \n\ttab\t\n"
                       "\n%s\n%s\xC3\xA6\xC3\xA6\xC3\xA6\xC3\xA6\xC3\xA6\xC3\xA6\xC3\xA6\xC3\xA6\nslut",
                       line, line);
    struct alertmsg m = {"Emne", text, NULL};
    char err[128];
    char *e = alertmsg_email(&m, "k", "a@b.dk", "c@d.dk", NOW, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    char *body = decode_qp_body(e); /* checks 76 columns, escapes, line starts */
    /* the text had no final LF; the message ends its last line */
    char *want = NULL;
    want = fmt("%s\n", text);
    cr_assert_str_eq(body, want);
    const char *b = strstr(e, "\r\n\r\n") + 4;
    cr_assert(strncmp(b, "a=3Db =C3=A6=C3=B8=C3=A5\r\n=2E\r\n=2Eskjult\r\n=46rom here\r\nFrom\r\n", 56) == 0, "%s", b);
    expect_in(b, "  mellemrum til sidst =20\r\n\ttab=09\r\n");
    /* a rendered message as well, 1:1 */
    free(want);
    free(body);
    free(e);
    free(text);
}

/* Random texts and subjects from the pieces that make encoders slip: every
 * one must round-trip and keep the line rules (checked by email_ok). */
Test(alertmsg, encoders_round_trip_random_text)
{
    static const char *const pieces[] = {"a", "Z", " ", "\t", "=", ".", "From ", "F", "?", "=?", "\n", "\r\n",
                                         "\xC3\xA6", "\xC3\x85", "\xE2\x80\x93", "\xF0\x9F\x98\x80", "~", "xxxxxxxxxx"};
    const size_t np = sizeof pieces / sizeof pieces[0];
    unsigned seed = 12345;
    for (int round = 0; round < 300; round++) {
        struct buf text, subj;
        buf_init(&text, 0);
        buf_init(&subj, 0);
        size_t n = (size_t)(round * 7 % 400);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf_puts(&text, pieces[(seed >> 16) % np]);
        }
        while (subj.len < (size_t)(round % 190)) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % np];
            if (!strchr(p, '\n') && subj.len + strlen(p) <= 200)
                buf_puts(&subj, p);
            else if (subj.len + 1 <= 200)
                buf_putc(&subj, 'q');
        }
        struct alertmsg m = {(char *)buf_cstr(&subj), (char *)buf_cstr(&text), NULL};
        char err[128];
        char *e = alertmsg_email(&m, "k", "a@b.dk", "c@d.dk", NOW, err, sizeof err);
        cr_assert_not_null(e, "%s", err);
        const char *end = strstr(e, "\r\n\r\n");
        for (const char *p = e; p < end + 2;) {
            const char *nl = strstr(p, "\r\n");
            cr_assert_leq(nl - p, 78, "header line of %td", nl - p);
            p = nl + 2;
        }
        char *sv = header(e, "Subject");
        if (subj.len) {
            char *dec = strncmp(sv, " =?", 3) == 0 ? decode_2047(sv) : xstrndup(sv + 1, strlen(sv) - 1);
            cr_assert_str_eq(dec, subj.data);
            free(dec);
        }
        free(sv);
        /* what the reader gets: the text with CRLF as LF, ending its last line */
        struct buf want;
        buf_init(&want, 0);
        for (size_t i = 0; i < text.len; i++)
            if (!(text.data[i] == '\r' && i + 1 < text.len && text.data[i + 1] == '\n'))
                buf_putc(&want, text.data[i]);
        if (want.len && want.data[want.len - 1] != '\n')
            buf_putc(&want, '\n');
        char *body = decode_qp_body(e);
        cr_assert_str_eq(body, buf_cstr(&want), "round %d", round);
        free(body);
        free(e);
        buf_free(&want);
        buf_free(&text);
        buf_free(&subj);
    }
}

/* Any JSON value, NUL bytes in strings allowed. */
static json_t *val(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    cr_assert_not_null(j, "bad test JSON: %s: %s", e.text, text);
    return j;
}

/* Deliveries whose every field may be missing, null, or of the wrong
 * type: each renders, and every promise about the result holds. */
Test(alertmsg, odd_deliveries_render)
{
    static const char *const values[] = {
        "null", "true", "false", "0", "-7", "12.5", "\"\"", "\" \"", "\"2026-03-03\"", "\"2026-13-45\"",
        "\"x\\u0000y\\u001b\\u202e\"", "\"decision_appeared\"", "\"source_failing\"", "\"approved\"", "{}", "[]",
        "[1, {\"a\": null}]", "\"Sundhedsklynge A \\u2013 \"", "\"\\n\\n\"", "\"https://x.dk/a b\"",
    };
    static const char *const ev_keys[] = {"id", "type", "at", "source", "error"};
    static const char *const meet_keys[] = {"id", "body", "date", "cluster", "region", "location"};
    static const char *const item_keys[] = {"id", "number", "label", "title", "public", "recommendation", "decision",
                                            "outcome"};
    static const char *const doc_keys[] = {"id", "source_name", "source_uri", "kind"};
    const size_t nv = sizeof values / sizeof values[0];
    unsigned seed = 777;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 16))
    for (int round = 0; round < 200; round++) {
        json_t *events = json_array();
        size_t nev = 1 + RND() % 6;
        for (size_t i = 0; i < nev; i++) {
            json_t *ev = json_object();
            for (size_t k = 0; k < 5; k++)
                if (RND() % 3)
                    json_object_set_new(ev, ev_keys[k], val(values[RND() % nv]));
            struct {
                const char *name;
                const char *const *keys;
                size_t n;
            } subs[] = {{"meeting", meet_keys, 6}, {"item", item_keys, 8}, {"document", doc_keys, 4}};
            for (size_t s = 0; s < 3; s++) {
                unsigned r = RND() % 4;
                if (r == 0)
                    continue;
                if (r == 1) {
                    json_object_set_new(ev, subs[s].name, val(values[RND() % nv]));
                    continue;
                }
                json_t *o = json_object();
                for (size_t k = 0; k < subs[s].n; k++)
                    if (RND() % 3)
                        json_object_set_new(o, subs[s].keys[k], val(values[RND() % nv]));
                json_object_set_new(ev, subs[s].name, o);
            }
            json_array_append_new(events, ev);
        }
        json_t *d = json_pack("{s:s, s:o, s:o}", "key", "odd:1", "events", events, "digest",
                              val(values[RND() % nv]));
        struct alertmsg m;
        char err[128];
        char *dump = json_dumps(d, JSON_COMPACT);
        cr_assert_eq(alertmsg_render(d, &m, err, sizeof err), 0, "%s: %s", err, dump);
        check_subject(m.subject);
        cr_assert_leq(strlen(m.text), ALERTMSG_MAX_TEXT);
        expect_not_in(m.text, "(null)");
        expect_not_in(m.subject, "(null)");
        cr_assert_null(strchr(m.text, '\r'));
        json_decref(check_webhook(&m, "odd:1"));
        free(email_ok(&m, "odd:1"));
        alertmsg_clear(&m);
        free(dump);
        json_decref(d);
    }
#undef RND
}

/* Minutes quoting Slack's mention syntax must not page a channel: the
 * webhook's text breaks the sequences, the e-mail keeps the words. */
Test(alertmsg, slack_mentions_in_the_minutes_do_not_ping_anyone)
{
    struct alertmsg m = {0};
    render("{\"key\": \"doc:1:1:sub:1\", \"events\": [{\"id\": 1, \"type\": \"decision_appeared\","
           " \"meeting\": {\"body\": \"Klyngeforum\", \"date\": \"2026-03-03\"},"
           " \"item\": {\"number\": 1, \"title\": \"Kanaler\", \"public\": true,"
           " \"decision\": \"Skriv <!channel> og <!here> eller <@U123> i <#C42>.\", \"outcome\": \"approved\"}}]}",
           &m);
    json_t *w = json_loads(m.webhook, 0, NULL);
    cr_assert_not_null(w);
    const char *t = json_string_value(json_object_get(w, "text"));
    expect_not_in(t, "<!channel>");
    expect_not_in(t, "<!here>");
    expect_not_in(t, "<@U123>");
    expect_not_in(t, "<#C42>");
    expect_in(t, "< !channel>");
    expect_in(m.text, "<!channel>");   /* the e-mail's body is not a Slack message */
    json_decref(w);
    alertmsg_clear(&m);
}
