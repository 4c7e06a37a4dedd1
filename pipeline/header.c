/*
 * header: the meeting's facts - title, committee, date, times, place,
 * whether it was extraordinary - from the lines before the first item, and
 * the chair from wherever the minutes name the mødeleder.
 */
#include "engine_internal.h"
#include "dates.h"
#include "people.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "REFERAT HOL Sundhedsklynge Politisk Forum d. 13-09-2023" -> body */
static char *body_from_title(struct md_doc *doc, const char *s, size_t n)
{
    static const char *const prefixes[] = {
        "dagsordner og referater", "dagsorden og referat", "dagsordener og referater", "referat fra mødet i",
        "referat af mødet i", "referat fra møde i", "referat af møde i", "referat fra", "referat af",
        "referat", "dagsorden for mødet i", "dagsorden for møde i", "dagsorden for", "dagsorden til",
        "dagsorden", "mødereferat", "beslutningsreferat", "møde i", "mødet i", "ekstraordinært møde",
        "ekstraordinært", ":", "-", NULL};
    bool again = true;
    while (again) {
        again = false;
        text_trim(&s, &n);
        for (size_t k = 0; prefixes[k]; k++) {
            size_t l = text_prefix_ci_len(s, n, prefixes[k]);
            if (l && !text_is_word_at(s, n, l)) {
                s += l;
                n -= l;
                again = true;
                break;
            }
        }
    }
    /* cut a trailing date: " d. 13-09-2023", " den 26. april", " - 13.09.2023" */
    char d[11];
    for (size_t i = 0; i + 3 < n; i++) {
        if (s[i] != ' ')
            continue;
        const char *r = s + i + 1;
        size_t rn = n - i - 1;
        if (text_prefix_ci(r, rn, "d. ") || text_prefix_ci(r, rn, "den ") || text_prefix_ci(r, rn, "- ") ||
            is_digit(r[0])) {
            size_t e;
            if (dates_find(r, rn, d, &e) && e + 0 <= rn) {
                n = i;
                break;
            }
        }
    }
    return engine_dup_trim(doc, s, n, " -–:,");
}

static bool label_value(const char *s, size_t n, const char *label, const char **v, size_t *vn)
{
    size_t l = text_prefix_ci_len(s, n, label);
    if (!l || l >= n || text_is_word_at(s, n, l))
        return false;
    size_t i = l;
    while (i < n && (s[i] == ':' || s[i] == ' ' || s[i] == '\t' || s[i] == '.'))
        i++;
    if (i == l || i >= n)
        return false;
    *v = s + i;
    *vn = n - i;
    return true;
}

void header_parse(struct eng *e, size_t end)
{
    struct md_doc *doc = e->doc;
    struct md_meeting *m = &doc->meeting;
    size_t first = 0;
    while (first < e->L->n && !LN(e, first)->len)
        first++;
    if (first < e->L->n) {
        const struct line *t = LN(e, first);
        buf_reset(&e->tmp);
        buf_append(&e->tmp, t->s, t->len < 300 ? t->len : 300);
        /* a title cut after "d." or "den" goes on on the next line */
        if (classify_dangling_end(t->s, t->len) && first + 1 < e->L->n && LN(e, first + 1)->len &&
            LN(e, first + 1)->len < 80) {
            buf_putc(&e->tmp, ' ');
            buf_append(&e->tmp, LN(e, first + 1)->s, LN(e, first + 1)->len);
        }
        doc->title = engine_dup_trim(doc, e->tmp.data, e->tmp.len, "");
        m->body = body_from_title(doc, e->tmp.data, e->tmp.len);
        /* "Referat" alone on the first line: the committee is named on the
         * next line that is no label, date or table of contents */
        for (size_t i = first + 1; !m->body && i < end && i < first + 4; i++) {
            const struct line *l = LN(e, i);
            char d[11];
            if (!l->len || toc_contains(e, i) || memchr(l->s, ':', l->len) || dates_find(l->s, l->len, d, NULL))
                continue;
            buf_reset(&e->tmp);
            buf_append(&e->tmp, l->s, l->len < 300 ? l->len : 300);
            /* a name set on two short lines: "Sundhedsklynge Randers" /
             * "Politisk Forum" */
            const struct line *nx = i + 1 < end ? LN(e, i + 1) : NULL;
            if (nx && nx->len && nx->len < 60 && text_count_words(nx->s, nx->len) <= 4 &&
                text_is_upper_at(nx->s, nx->len, 0) && !memchr(nx->s, ':', nx->len) &&
                !dates_find(nx->s, nx->len, d, NULL) && !people_is_name(nx->s, nx->len)) {
                buf_putc(&e->tmp, ' ');
                buf_append(&e->tmp, nx->s, nx->len);
            }
            m->body = body_from_title(doc, e->tmp.data, e->tmp.len);
            if (m->body && text_find_prefix_ci(m->body, strlen(m->body), "indholdsfortegnelse") >= 0)
                m->body = NULL;
        }
    }
    char date[11], st[6], en[6];
    bool have_date = false, date_labelled = false, have_time = false;
    size_t date_line = (size_t)-1;
    for (size_t i = first; i < end; i++) {
        const struct line *l = LN(e, i);
        if (!l->len || toc_contains(e, i))
            continue;
        const char *s = l->s;
        size_t n = l->len < 400 ? l->len : 400;
        const char *v;
        size_t vn;
        if (label_value(s, n, "møde i", &v, &vn) || label_value(s, n, "udvalg", &v, &vn) ||
            label_value(s, n, "forum", &v, &vn)) {
            char *b = body_from_title(doc, v, vn);
            if (b && (!m->body || text_find_word_ci(s, n, "ekstraordinært") >= 0 || !*m->body))
                m->body = b;
        }
        if (text_find_prefix_ci(s, n, "ekstraordinær") >= 0)
            m->extraordinary = true;
        bool dl = label_value(s, n, "mødedato", &v, &vn) || label_value(s, n, "dato", &v, &vn) ||
                  label_value(s, n, "tidspunkt", &v, &vn);
        if (!dl) {
            v = s;
            vn = n;
        }
        if ((!have_date || (dl && !date_labelled)) && dates_find(v, vn, date, NULL)) {
            m->date = model_strndup(doc, date, 10);
            have_date = true;
            date_labelled = dl;
            date_line = i;
        }
        if (!have_time && dates_find_times(s, n, text_prefix_ci(s, n, "kl") || label_value(s, n, "tid", &v, &vn), st, en)) {
            m->start = model_strndup(doc, st, 5);
            m->end = en[0] ? model_strndup(doc, en, 5) : NULL;
            have_time = true;
        }
        if (!m->location && (label_value(s, n, "mødested", &v, &vn) || label_value(s, n, "sted", &v, &vn) ||
                             label_value(s, n, "lokation", &v, &vn) || label_value(s, n, "mødelokale", &v, &vn) ||
                             label_value(s, n, "lokale", &v, &vn)))
            m->location = engine_dup_trim(doc, v, vn, "");
        /* "den 27. november 2024 kl. 08:30" / "i R022, Regionshospitalet …" */
        if (!m->location && date_line != (size_t)-1 && i > date_line && i <= date_line + 2 && n > 2 &&
            s[0] == 'i' && s[1] == ' ')
            m->location = engine_dup_trim(doc, s + 2, n - 2, "");
    }
}

/* ---- chair ----------------------------------------------------------------- */

/* Drops leading role words ("Borgmester Tina Mandrup") and keeps the name. */
static char *name_in(struct md_doc *doc, const char *s, size_t n)
{
    text_trim_punct(&s, &n, ".,");
    const char *comma = memchr(s, ',', n);
    if (comma)
        n = (size_t)(comma - s);
    text_trim(&s, &n);
    while (n && !people_is_name(s, n)) {
        /* drop the first word */
        size_t i = 0;
        while (i < n && s[i] != ' ')
            i++;
        if (i >= n)
            return NULL;
        s += i + 1;
        n -= i + 1;
    }
    return n ? model_strndup(doc, s, n) : NULL;
}

void header_find_chair(struct eng *e)
{
    struct md_doc *doc = e->doc;
    if (doc->meeting.chair)
        return;
    /* most documents never name the chair so: one search of the text
     * rather than one per line */
    if (e->L->slices && text_find_prefix_ci(e->L->text, e->L->text_len, "mødeleder") < 0)
        return;
    for (size_t i = 0; i < e->L->n; i++) {
        const struct line *l = LN(e, i);
        if (l->len < 10 || l->len > 1000)
            continue;
        long at = text_find_word_ci(l->s, l->len, "mødeleder");
        if (at < 0)
            continue;
        const char *v;
        size_t vn;
        if (label_value(l->s, l->len, "mødeleder", &v, &vn)) {
            doc->meeting.chair = name_in(doc, v, vn);
        } else {
            /* "X er mødeleder" */
            long er = text_find_word_ci(l->s, (size_t)at, "er");
            if (er > 0) {
                size_t b = (size_t)er;
                while (b > 0 && l->s[b - 1] != '.')
                    b--;
                doc->meeting.chair = name_in(doc, l->s + b, (size_t)er - b);
            }
        }
        if (doc->meeting.chair)
            return;
    }
}

