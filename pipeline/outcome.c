/*
 * outcome: see outcome.h.  Word-level matching on the decision text; each
 * hit is checked against its own clause (negation, reported speech) because
 * decision blocks mix what was decided with what was merely told.
 */
#include "outcome.h"
#include "text.h"

#include <stdbool.h>
#include <string.h>

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

/* Finds a word (any of words[], prefix-matched when it ends in '*') that is
 * neither reported nor negated.  neg_hit reports a negated occurrence. */
static bool find_live(const char *s, size_t n, const char *const *words, bool check_reported, bool *neg_hit)
{
    for (size_t w = 0; words[w]; w++) {
        char lit[48];
        size_t l = strlen(words[w]);
        bool prefix = l && words[w][l - 1] == '*';
        if (prefix)
            l--;
        if (l >= sizeof lit)
            continue;
        memcpy(lit, words[w], l);
        lit[l] = '\0';
        size_t off = 0;
        while (off < n) {
            long p = prefix ? text_find_prefix_ci(s + off, n - off, lit) : text_find_word_ci(s + off, n - off, lit);
            if (p < 0)
                break;
            size_t pos = off + (size_t)p;
            if (negated(s, pos)) {
                if (neg_hit)
                    *neg_hit = true;
            } else if (!check_reported || !reported(s, pos)) {
                return true;
            }
            off = pos + l;
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
    static const char *const reject[] = {"forkastet", "forkastede", "afvist", "afviste", NULL};
    static const char *const postpone[] = {"udsat", "udsættes", "udskudt", "udskydes", NULL};
    static const char *const noted[] = {"til efterretning", NULL};
    static const char *const discussed[] = {"drøftet", "drøftede", "drøftes", NULL};

    bool approval_negated = false;
    if (find_live(text, n, approve, true, &approval_negated))
        return "approved";
    if (approval_negated || find_live(text, n, reject, false, NULL))
        return "rejected";
    if (find_live(text, n, postpone, false, NULL))
        return "postponed";
    if (find_live(text, n, noted, false, NULL))
        return "noted";
    if (find_live(text, n, discussed, false, NULL))
        return "discussed";
    return "other";
}
