/*
 * facts: checks a model (as JSON) against a seed's hand-checked gold facts,
 * the same facts ../shared/tools/score-parse scores, so that a user's clone
 * (which has no ../shared) tests the parser on its own.
 *
 * facts_check() returns the share of facts that hold (0..1) and, when
 * report is non-NULL, appends one line per miss.
 */
#ifndef MINUTESD_TEST_FACTS_H
#define MINUTESD_TEST_FACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

/* Lower-cased, whitespace-collapsed, typographic quotes straightened,
 * trailing ".:; " dropped: the comparison score-parse makes. */
static char *facts_norm(const char *s)
{
    if (!s)
        return xstrndup("", 0);
    size_t n = strlen(s), o = 0;
    char *out = xmalloc(n + 1);
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0x9C || (unsigned char)s[i + 2] == 0x9D)) {
            c = '"';
            i += 2;
        } else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x99) {
            c = '\'';
            i += 2;
        } else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            c = ' ';
            i++;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)c;
    }
    while (o && strchr(".:; ", out[o - 1]))
        o--;
    out[o] = '\0';
    text_fold(out, out, o);
    return out;
}

static const char *const facts_kind_prefix[] = {
    "orienteringspunkt", "drøftelsespunkt", "drøftelsepunkt", "beslutningspunkt", "skriftlig orientering",
    "orientering", "drøftelse", "beslutning", "lukket", "åben", NULL};

static const char *facts_strip_kind(const char *s)
{
    for (size_t k = 0; facts_kind_prefix[k]; k++) {
        size_t l = strlen(facts_kind_prefix[k]);
        if (strncmp(s, facts_kind_prefix[k], l) == 0) {
            const char *p = s + l;
            while (*p == ' ')
                p++;
            if (*p == ':') {
                p++;
                while (*p == ' ')
                    p++;
                return p;
            }
        }
    }
    return s;
}

static size_t facts_lev(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *prev = xmalloc((lb + 1) * sizeof *prev), *cur = xmalloc((lb + 1) * sizeof *cur);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            cur[j] = d;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t r = prev[lb];
    free(prev);
    free(cur);
    return r;
}

static bool facts_same_name(const char *a, const char *b)
{
    char *x = facts_norm(a), *y = facts_norm(b);
    size_t lx = strlen(x), ly = strlen(y);
    bool ok = strcmp(x, y) == 0 || ((lx < ly ? lx : ly) > 8 && facts_lev(x, y) <= 2);
    free(x);
    free(y);
    return ok;
}

static bool facts_str_eq(const char *got, const char *want, bool prefix)
{
    char *g = facts_norm(got), *w = facts_norm(want);
    bool ok = prefix ? strncmp(g, w, strlen(w)) == 0 : strcmp(g, w) == 0;
    free(g);
    free(w);
    return ok;
}

struct facts {
    double credit, total;
    char *report;
    size_t rlen;
};

static void facts_add(struct facts *f, const char *name, double credit, const char *detail)
{
    f->total += 1;
    f->credit += credit;
    if (credit < 1.0) {
        char line[512];
        int n = snprintf(line, sizeof line, "  %s: %.2f %s\n", name, credit, detail ? detail : "");
        f->report = xrealloc(f->report, f->rlen + (size_t)n + 1);
        memcpy(f->report + f->rlen, line, (size_t)n + 1);
        f->rlen += (size_t)n;
    }
}

static const char *facts_s(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void facts_names(json_t *arr, const char ***out, size_t *n)
{
    *n = 0;
    *out = xmalloc((json_array_size(arr) + 1) * sizeof **out);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_is_object(v) ? facts_s(v, "name") : json_string_value(v);
        if (s)
            (*out)[(*n)++] = s;
    }
}

/* Checks model against gold; returns the share of facts that hold. */
static double facts_check(json_t *gold, json_t *model, char **report)
{
    struct facts f = {0};
    char d[256];
    facts_add(&f, "kind", facts_str_eq(facts_s(model, "kind"), facts_s(gold, "kind"), false), facts_s(model, "kind"));
    json_t *gm = json_object_get(gold, "meeting"), *mm = json_object_get(model, "meeting");
    const char *k;
    json_t *want;
    json_object_foreach(gm, k, want) {
        json_t *got = json_object_get(mm, k);
        bool ok;
        if (json_is_boolean(want))
            ok = json_is_boolean(got) && json_boolean_value(got) == json_boolean_value(want);
        else
            ok = facts_str_eq(json_string_value(got), json_string_value(want), false);
        snprintf(d, sizeof d, "got %s", json_is_string(got) ? json_string_value(got) : "(not a string)");
        char name[64];
        snprintf(name, sizeof name, "meeting.%s", k);
        facts_add(&f, name, ok, d);
    }
    /* participants: recall */
    const char **found;
    size_t nfound;
    facts_names(json_object_get(model, "participants"), &found, &nfound);
    json_t *gp = json_object_get(gold, "participants");
    if (json_array_size(gp)) {
        size_t hit = 0, i;
        json_t *v;
        json_array_foreach(gp, i, v) {
            for (size_t j = 0; j < nfound; j++)
                if (facts_same_name(json_string_value(v), found[j])) {
                    hit++;
                    break;
                }
        }
        facts_add(&f, "participants", (double)hit / (double)json_array_size(gp), "recall");
    }
    free(found);
    /* absentees: F1 over participants with present=false and items' absent lists */
    const char *abs[512];
    size_t nabs = 0, i;
    json_t *v;
    json_array_foreach(json_object_get(model, "participants"), i, v) {
        if (json_is_false(json_object_get(v, "present")) && nabs < 512)
            abs[nabs++] = facts_s(v, "name");
    }
    json_t *items = json_object_get(model, "items");
    json_array_foreach(items, i, v) {
        size_t j;
        json_t *a;
        json_array_foreach(json_object_get(v, "absent"), j, a) {
            if (nabs < 512)
                abs[nabs++] = json_string_value(a);
        }
    }
    const char *uniq[512];
    size_t nu = 0;
    for (size_t a = 0; a < nabs; a++) {
        bool seen = false;
        for (size_t b = 0; b < nu && !seen; b++)
            seen = facts_same_name(abs[a], uniq[b]);
        if (!seen)
            uniq[nu++] = abs[a];
    }
    json_t *ga = json_object_get(gold, "absent");
    size_t ng = json_array_size(ga);
    double f1;
    if (!ng && !nu)
        f1 = 1;
    else if (!ng || !nu)
        f1 = 0;
    else {
        size_t r = 0, p = 0;
        json_array_foreach(ga, i, v) {
            for (size_t b = 0; b < nu; b++)
                if (facts_same_name(json_string_value(v), uniq[b])) {
                    r++;
                    break;
                }
        }
        for (size_t b = 0; b < nu; b++) {
            json_array_foreach(ga, i, v) {
                if (facts_same_name(json_string_value(v), uniq[b])) {
                    p++;
                    break;
                }
            }
        }
        double rr = (double)r / (double)ng, pp = (double)p / (double)nu;
        f1 = rr + pp > 0 ? 2 * rr * pp / (rr + pp) : 0;
    }
    facts_add(&f, "absent", f1, "f1");
    /* items */
    json_t *gi = json_object_get(gold, "items");
    snprintf(d, sizeof d, "got %zu, want %zu", json_array_size(items), json_array_size(gi));
    facts_add(&f, "items.count", json_array_size(items) == json_array_size(gi), d);
    json_t *g;
    json_array_foreach(gi, i, g) {
        json_int_t num = json_integer_value(json_object_get(g, "number"));
        json_t *it = NULL, *x;
        size_t j;
        json_array_foreach(items, j, x) {
            if (json_integer_value(json_object_get(x, "number")) == num) {
                it = x;
                break;
            }
        }
        char name[64];
        if (!it) {
            snprintf(name, sizeof name, "item%lld", (long long)num);
            facts_add(&f, name, 0, "missing");
            continue;
        }
        char *t = facts_norm(facts_s(it, "title")), *gt = facts_norm(facts_s(g, "title"));
        snprintf(name, sizeof name, "item%lld.title", (long long)num);
        facts_add(&f, name, strcmp(t, gt) == 0 || strcmp(facts_strip_kind(t), facts_strip_kind(gt)) == 0,
                  facts_s(it, "title"));
        free(t);
        free(gt);
        json_t *dec = json_object_get(it, "decision");
        const char *dtext = json_is_object(dec) ? facts_s(dec, "text") : NULL;
        json_object_foreach(g, k, want) {
            if (!strcmp(k, "number") || !strcmp(k, "title"))
                continue;
            snprintf(name, sizeof name, "item%lld.%s", (long long)num, k);
            bool ok;
            if (!strcmp(k, "decision")) {
                if (json_is_null(want)) {
                    char *dn = facts_norm(dtext);
                    ok = dn[0] == '\0';
                    free(dn);
                } else
                    ok = dtext && facts_str_eq(dtext, json_string_value(want), true);
                snprintf(d, sizeof d, "got %.70s", dtext ? dtext : "null");
            } else if (!strcmp(k, "outcome")) {
                const char *o = json_is_object(dec) ? facts_s(dec, "outcome") : NULL;
                ok = o && !strcmp(o, json_string_value(want));
                snprintf(d, sizeof d, "got %s", o ? o : "null");
            } else if (!strcmp(k, "attachments")) {
                size_t na = json_array_size(json_object_get(it, "attachments"));
                ok = (json_int_t)na == json_integer_value(want);
                snprintf(d, sizeof d, "got %zu", na);
            } else if (!strcmp(k, "recommendation")) {
                ok = facts_str_eq(facts_s(it, k), json_string_value(want), true);
                snprintf(d, sizeof d, "got %.70s", facts_s(it, k) ? facts_s(it, k) : "null");
            } else if (json_is_boolean(want)) {
                json_t *gv = json_object_get(it, k);
                ok = json_is_boolean(gv) && json_boolean_value(gv) == json_boolean_value(want);
                snprintf(d, sizeof d, "wrong");
            } else if (json_is_integer(want)) {
                ok = json_integer_value(json_object_get(it, k)) == json_integer_value(want) &&
                     json_is_integer(json_object_get(it, k));
                snprintf(d, sizeof d, "got %lld", (long long)json_integer_value(json_object_get(it, k)));
            } else {
                ok = facts_str_eq(facts_s(it, k), json_string_value(want), false);
                snprintf(d, sizeof d, "got %s", facts_s(it, k) ? facts_s(it, k) : "null");
            }
            facts_add(&f, name, ok, d);
        }
    }
    /* amounts: recall over every item's amounts */
    json_t *gam = json_object_get(gold, "amounts");
    if (json_array_size(gam)) {
        size_t hit = 0;
        json_array_foreach(gam, i, v) {
            bool found_it = false;
            size_t j, a;
            json_t *x, *am;
            json_array_foreach(items, j, x) {
                json_array_foreach(json_object_get(x, "amounts"), a, am) {
                    if (json_integer_value(json_object_get(am, "dkk")) == json_integer_value(v))
                        found_it = true;
                }
            }
            hit += found_it;
        }
        facts_add(&f, "amounts", (double)hit / (double)json_array_size(gam), "recall");
    } else {
        facts_add(&f, "amounts", 1, "");
    }
    if (report)
        *report = f.report;
    else
        free(f.report);
    return f.total ? f.credit / f.total : 0;
}

#endif
