/*
 * amounts: see amounts.h.
 */
#include "amounts.h"
#include "text.h"
#include "util.h"

#include <stdbool.h>
#include <string.h>

#define AMOUNT_MAX 1000000000000000LL /* 10^15 kr.: anything larger is noise */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

struct number {
    long long ip;    /* integer part */
    long long frac;  /* fractional digits as an integer */
    int fdigits;     /* how many */
    size_t len;
    bool grouped;    /* written with thousands separators */
};

/* Reads "8.389.000", "1 500 000", "1,5", "2.5", "64" at s[i..).  A group
 * separator must be followed by exactly three digits; otherwise '.' or ','
 * followed by digits is a decimal mark. */
static bool read_number(const char *s, size_t n, size_t i, struct number *num)
{
    size_t j = i;
    long long v = 0;
    int first = 0;
    while (j < n && is_digit(s[j])) {
        if (v > AMOUNT_MAX)
            return false;
        v = v * 10 + (s[j] - '0');
        j++;
        first++;
    }
    if (first == 0)
        return false;
    memset(num, 0, sizeof *num);
    if (first <= 3) {
        for (;;) {
            char sep = j < n ? s[j] : 0;
            if ((sep == '.' || sep == ' ') && j + 3 < n && is_digit(s[j + 1]) && is_digit(s[j + 2]) && is_digit(s[j + 3]) &&
                !(j + 4 < n && is_digit(s[j + 4]))) {
                if (v > AMOUNT_MAX)
                    return false;
                v = v * 1000 + (s[j + 1] - '0') * 100 + (s[j + 2] - '0') * 10 + (s[j + 3] - '0');
                j += 4;
                num->grouped = true;
                continue;
            }
            break;
        }
    }
    num->ip = v;
    /* Decimals: after a comma, or after a point that is no thousands
     * separator.  "1.500,50 kr." has øre (dropped by the caller);
     * "1.234,5 mio. kr." has decimals of millions (kept). */
    if (j + 1 < n && (s[j] == ',' || (s[j] == '.' && !num->grouped)) && is_digit(s[j + 1])) {
        size_t k = j + 1;
        while (k < n && is_digit(s[k])) {
            if (num->fdigits < 9) {
                num->frac = num->frac * 10 + (s[k] - '0');
                num->fdigits++;
            }
            k++;
        }
        j = k;
    }
    num->len = j - i;
    return true;
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Multiplier words, each before the words it begins, and their factors. */
static const char *const mult_words[] = {"millioner", "million", "mio", "mill", "milliarder", "milliard", "mia", "mrd"};
static const long long mult_of[] = {1000000, 1000000, 1000000, 1000000, 1000000000, 1000000000, 1000000000, 1000000000};
#define MULT_WORDS (sizeof mult_words / sizeof *mult_words)

/* The words by their first two bytes: a word after a number ("med",
 * "maj", "minutter") meets only those it may begin. */
static struct text_lits mult_ix;
static struct once mult_once = ONCE_INIT;

static void mult_ix_init(void)
{
    text_lits_init(&mult_ix, mult_words, MULT_WORDS);
}

/* A multiplier word at s[i..): mio./mia./million(er)/milliard(er). */
static long long multiplier_at(const char *s, size_t n, size_t i, size_t *len)
{
    if (i >= n || (s[i] != 'm' && s[i] != 'M'))
        return 0; /* every multiplier word starts with m */
    once_run(&mult_once, mult_ix_init);
    size_t l;
    int k = text_lits_word(&mult_ix, mult_words, s + i, n - i, &l);
    if (k < 0)
        return 0;
    if (i + l < n && s[i + l] == '.')
        l++;
    *len = l;
    return mult_of[k];
}

/* "kr", "kr.", "kroner", "DKK", ",-" */
static size_t currency_at(const char *s, size_t n, size_t i)
{
    if (i >= n || !(s[i] == 'k' || s[i] == 'K' || s[i] == 'd' || s[i] == 'D'))
        return 0;
    if (text_prefix_ci(s + i, n - i, "kroner") && !text_is_word_at(s, n, i + 6))
        return 6;
    if (text_prefix_ci(s + i, n - i, "kr") && !text_is_word_at(s, n, i + 2))
        return (i + 2 < n && s[i + 2] == '.') ? 3 : 2;
    if (text_prefix_ci(s + i, n - i, "dkk") && !text_is_word_at(s, n, i + 3))
        return 3;
    return 0;
}

static long long pow10i(int e)
{
    long long p = 1;
    while (e-- > 0)
        p *= 10;
    return p;
}

void amounts_scan(const char *s, size_t n, void (*cb)(void *ctx, const struct amount_match *m), void *ctx)
{
    size_t i = 0;
    while (i < n) {
        i = text_next_digit(s, n, i); /* nearly all text is skipped here */
        if (i >= n)
            break;
        if (i > 0 && (text_is_word_at(s, n, i - 1) || s[i - 1] == '.' || s[i - 1] == ',' || s[i - 1] == '/')) {
            i++;
            continue;
        }
        struct number num;
        if (!read_number(s, n, i, &num)) {
            while (i < n && is_digit(s[i]))
                i++;
            continue;
        }
        size_t j = i + num.len;
        /* "1. mio. kr.": a full stop between number and unit */
        size_t k = j;
        if (k < n && s[k] == '.' && num.fdigits == 0)
            k++;
        k = skip_blanks(s, n, k);
        size_t ml = 0, cl = 0;
        long long mult = multiplier_at(s, n, k, &ml);
        size_t end = 0;
        if (mult) {
            size_t c = skip_blanks(s, n, k + ml);
            cl = currency_at(s, n, c);
            end = cl ? c + cl : k + ml;
        } else {
            size_t c = skip_blanks(s, n, j);
            cl = currency_at(s, n, c);
            if (cl)
                end = c + cl;
            else if (j + 1 < n && s[j] == ',' && s[j + 1] == '-')
                end = j + 2; /* "500.000,-" */
        }
        long long dkk = -1;
        size_t start = i;
        if (end) {
            /* decimals count with a multiplier; without one they are øre,
             * and an amount is whole kroner */
            long long m = mult ? mult : 1;
            if (num.ip <= AMOUNT_MAX / m)
                dkk = num.ip * m + (mult && num.fdigits ? num.frac * m / pow10i(num.fdigits) : 0);
        } else {
            /* Unit first: "kr. 500.000", "DKK 1.000". */
            size_t b = i;
            while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'))
                b--;
            size_t ub = b;
            if (b >= 3 && text_prefix_ci(s + b - 3, 3, "kr."))
                ub = b - 3;
            else if (b >= 3 && text_prefix_ci(s + b - 3, 3, "dkk"))
                ub = b - 3;
            else if (b >= 2 && text_prefix_ci(s + b - 2, 2, "kr"))
                ub = b - 2;
            if (ub != b && b != i && (ub == 0 || !text_is_word_at(s, n, ub - 1))) {
                start = ub;
                end = j;
                if (num.ip <= AMOUNT_MAX)
                    dkk = num.ip;
            }
        }
        if (dkk >= 0 && end > start) {
            struct amount_match am = {.dkk = dkk, .start = start, .len = end - start};
            cb(ctx, &am);
            i = end;
            continue;
        }
        i = j > i ? j : i + 1;
    }
}
