/*
 * outcome: see outcome.h.  Word-level matching on the decision text; each
 * hit is checked against its own clause (negation, reported speech) because
 * decision blocks mix what was decided with what was merely told.
 */
/* memmem */
#define _GNU_SOURCE
#include "outcome.h"
#include "text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Start of the clause holding s[pos]: after the last '.', ';', ':' or line
 * break, but not a full stop inside a number ("1. september") or an
 * abbreviation followed by a lower-case word. */
static size_t clause_start(const char *s, size_t pos)
{
    size_t i = pos;
    /* Bounded so that a huge clause-less text stays linear. */
    size_t floor = pos > 400 ? pos - 400 : 0;
    while (i > floor) {
        char c = s[i - 1];
        if (c == '\n' || c == ';')
            break;
        if (c == '.' && i >= 2 && !(s[i - 2] >= '0' && s[i - 2] <= '9'))
            break;
        i--;
    }
    return i;
}

/* Is the word at pos preceded in its clause by "har"/"havde" (reported
 * perfect: somebody has approved) or immediately by a negation? */
static bool reported(const char *s, size_t pos)
{
    size_t c = clause_start(s, pos);
    return text_find_word_ci(s + c, pos - c, "har") >= 0 || text_find_word_ci(s + c, pos - c, "havde") >= 0;
}

static bool negated(const char *s, size_t pos)
{
    size_t c = clause_start(s, pos);
    size_t from = pos > c + 12 ? pos - 12 : c;
    return text_find_word_ci(s + from, pos - from, "ikke") >= 0;
}

/* Finds a word (any of words[], prefix-matched when it ends in '*') in the
 * folded text f that is neither reported nor negated.  neg_hit reports a
 * negated occurrence.  f is the decision text lower-cased once, so each
 * keyword is one memmem pass. */
static bool find_live(const char *f, size_t n, const char *const *words, bool check_reported, bool *neg_hit)
{
    for (size_t w = 0; words[w]; w++) {
        size_t l = strlen(words[w]);
        const char *p = f, *end = f + n;
        while (p < end) {
            const char *q = memmem(p, (size_t)(end - p), words[w], l);
            if (!q)
                break;
            size_t pos = (size_t)(q - f);
            p = q + 1;
            if ((pos > 0 && text_is_word_at(f, n, pos - 1)) || text_is_word_at(f, n, pos + l))
                continue;
            if (negated(f, pos)) {
                if (neg_hit)
                    *neg_hit = true;
            } else if (!check_reported || !reported(f, pos)) {
                return true;
            }
        }
    }
    return false;
}

const char *outcome_classify(const char *text, size_t n)
{
    static const char *const approve[] = {
        "godkendt", "godkendte", "godkender", "godkendes", "tiltrådt", "tiltrådte", "tiltræder",
        "tiltrædes", "vedtaget", "vedtog", "vedtages", "indstillingen blev fulgt",
        "indstillingerne blev fulgt", "indstillinger blev fulgt", "indstillingen følges",
        "indstillingerne følges", "blev fulgt", NULL};
    static const char *const reject[] = {"forkastet", "forkastede", "afvist", "afviste", "ikke fulgt",
                                         "ikke godkendt", "ikke tiltrådt", "ikke vedtaget", NULL};
    static const char *const postpone[] = {"udsat", "udsættes", "udskudt", "udskydes", NULL};
    static const char *const noted[] = {"til efterretning", NULL};
    static const char *const discussed[] = {"drøftet", "drøftede", "drøftes", NULL};

    char stackbuf[2048];
    char *f = n < sizeof stackbuf ? stackbuf : xmalloc(n + 1);
    text_fold(f, text, n);
    f[n] = '\0';
    const char *r = "other";
    bool approval_negated = false;
    if (find_live(f, n, approve, true, &approval_negated))
        r = "approved";
    else if (approval_negated || find_live(f, n, reject, false, NULL))
        r = "rejected";
    else if (find_live(f, n, postpone, false, NULL))
        r = "postponed";
    else if (find_live(f, n, noted, false, NULL))
        r = "noted";
    else if (find_live(f, n, discussed, false, NULL))
        r = "discussed";
    if (f != stackbuf)
        free(f);
    return r;
}
