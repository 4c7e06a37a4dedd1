/*
 * dates: see dates.h.  Hand-written scanners, no regex: they run over every
 * header line of every document and must stay linear and allocation-free.
 */
#include "dates.h"
#include "text.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* Month names, each month's longest form first, and their months. */
static const char *const month_names[] = {
    "januar", "jan", "februar", "feb", "marts", "mar", "april", "apr", "maj", "juni", "jun", "juli", "jul",
    "august", "aug", "september", "sept", "sep", "oktober", "okt", "november", "nov", "december", "dec",
};
static const unsigned char month_of[] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7, 8, 8, 9, 9, 9, 10, 10, 11, 11, 12, 12};
#define MONTH_NAMES (sizeof month_names / sizeof *month_names)

/* The names by their first two bytes: a word is compared with the names it
 * may begin ("1. Orientering" with none), not with all 24. */
static struct text_lits month_ix;
static struct once month_once = ONCE_INIT;

static void month_ix_init(void)
{
    text_lits_init(&month_ix, month_names, MONTH_NAMES);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool valid_ymd(int y, int m, int d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!(y >= 1990 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1]))
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

static void fmt_date(char out[11], int y, int m, int d)
{
    /* by hand: the values are range-checked, and snprintf's truncation
     * analysis cannot see that */
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10 % 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10 % 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

/* Month name at s[i..): returns month 1..12 and sets *len, or 0. */
static int month_at(const char *s, size_t n, size_t i, size_t *len)
{
    once_run(&month_once, month_ix_init);
    size_t l;
    int k = text_lits_word(&month_ix, month_names, s + i, n - i, &l);
    if (k < 0)
        return 0;
    *len = l;
    /* an abbreviation (a month's form after its first) takes its full stop */
    if (i + l < n && s[i + l] == '.' && k > 0 && month_of[k - 1] == month_of[k])
        (*len)++;
    return month_of[k];
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Tries every date form starting at a digit at s[i]. */
static bool date_at(const char *s, size_t n, size_t i, char out[11], size_t *end)
{
    int a, b, c;
    size_t la = text_parse_uint(s + i, n - i, &a);
    if (la == 0 || la > 4)
        return false;
    size_t j = i + la;
    /* YYYY-MM-DD */
    if (la == 4 && j < n && s[j] == '-') {
        size_t lb = text_parse_uint(s + j + 1, n - j - 1, &b);
        size_t k = j + 1 + lb;
        if (lb >= 1 && lb <= 2 && k < n && s[k] == '-') {
            size_t lc = text_parse_uint(s + k + 1, n - k - 1, &c);
            if (lc >= 1 && lc <= 2 && valid_ymd(a, b, c)) {
                fmt_date(out, a, b, c);
                *end = k + 1 + lc;
                return true;
            }
        }
        return false;
    }
    if (la > 2)
        return false;
    /* D-M-YYYY, D.M.YYYY, D/M-YYYY, D/M YYYY */
    if (j < n && (s[j] == '-' || s[j] == '.' || s[j] == '/')) {
        size_t lb = text_parse_uint(s + j + 1, n - j - 1, &b);
        size_t k = j + 1 + lb;
        if (lb >= 1 && lb <= 2 && k < n && (s[k] == '-' || s[k] == '.' || s[k] == '/' || s[k] == ' ')) {
            size_t lc = text_parse_uint(s + k + 1, n - k - 1, &c);
            if (lc == 2)
                c += 2000;
            if ((lc == 4 || lc == 2) && !is_digit(k + 1 + lc < n ? s[k + 1 + lc] : 'x') && valid_ymd(c, b, a)) {
                fmt_date(out, c, b, a);
                *end = k + 1 + lc;
                return true;
            }
        }
    }
    /* D. month YYYY */
    if (j < n && s[j] == '.')
        j++;
    j = skip_blanks(s, n, j);
    size_t ml;
    int m = month_at(s, n, j, &ml);
    if (!m)
        return false;
    j = skip_blanks(s, n, j + ml);
    size_t lc = text_parse_uint(s + j, n - j, &c);
    if (lc != 4 || !valid_ymd(c, m, a))
        return false;
    fmt_date(out, c, m, a);
    *end = j + lc;
    return true;
}

bool dates_find(const char *s, size_t n, char out[11], size_t *end)
{
    /* from digit to digit (sixteen bytes a step), not a test per byte */
    for (size_t i = text_next_digit(s, n, 0); i < n; i = text_next_digit(s, n, i + 1)) {
        if (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '-'))
            continue;
        size_t e;
        if (date_at(s, n, i, out, &e)) {
            if (end)
                *end = e;
            return true;
        }
    }
    return false;
}

/* H[H][:.]MM or a bare hour H[H]; returns chars consumed. */
static size_t time_at(const char *s, size_t n, size_t i, int *h, int *m)
{
    size_t lh = text_parse_uint(s + i, n - i, h);
    if (lh == 0 || lh > 2 || *h > 24)
        return 0;
    size_t j = i + lh;
    *m = 0;
    if (j + 2 < n && (s[j] == ':' || s[j] == '.') && is_digit(s[j + 1]) && is_digit(s[j + 2])) {
        *m = (s[j + 1] - '0') * 10 + (s[j + 2] - '0');
        if (*m > 59)
            return 0;
        j += 3;
    } else if (j + 2 == n && (s[j] == ':' || s[j] == '.') && is_digit(s[j + 1])) {
        return 0;
    }
    if (j < n && is_digit(s[j]))
        return 0;
    if (*h == 24 && *m != 0)
        return 0; /* 24:00 is midnight; 24:30 is no time */
    return j - i;
}

static size_t skip_range_sep(const char *s, size_t n, size_t i)
{
    size_t j = skip_blanks(s, n, i);
    if (j < n && s[j] == '-')
        j++;
    else if (j + 3 <= n && memcmp(s + j, "\xe2\x80\x93", 3) == 0) /* en dash */
        j += 3;
    else if (j + 3 <= n && memcmp(s + j, "\xe2\x80\x94", 3) == 0) /* em dash */
        j += 3;
    else if (text_prefix_ci(s + j, n - j, "til "))
        j += 4;
    else
        return 0;
    return skip_blanks(s, n, j);
}

static void fmt_hhmm(char out[6], int h, int m)
{
    out[0] = (char)('0' + h / 10 % 10);
    out[1] = (char)('0' + h % 10);
    out[2] = ':';
    out[3] = (char)('0' + m / 10 % 10);
    out[4] = (char)('0' + m % 10);
    out[5] = '\0';
}

static bool times_from(const char *s, size_t n, size_t i, bool need_minutes, char start[6], char end[6])
{
    int h1, m1, h2, m2;
    size_t l1 = time_at(s, n, i, &h1, &m1);
    if (!l1 || (need_minutes && l1 <= 2))
        return false;
    fmt_hhmm(start, h1, m1);
    end[0] = '\0';
    size_t j = skip_range_sep(s, n, i + l1);
    if (j) {
        size_t l2 = time_at(s, n, j, &h2, &m2);
        if (l2 && (h2 * 60 + m2) > (h1 * 60 + m1))
            fmt_hhmm(end, h2, m2);
    }
    return true;
}

bool dates_find_times(const char *s, size_t n, bool bare, char start[6], char end[6])
{
    static const char *const intro[] = {"kl.:", "kl.", "kl:", "kl", "klokken", "tidspunkt:", "tid:", "tidspunkt"};
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && text_is_word_at(s, n, i - 1))
            continue;
        for (size_t k = 0; k < sizeof intro / sizeof *intro; k++) {
            size_t l = text_prefix_ci_len(s + i, n - i, intro[k]);
            if (!l)
                continue;
            size_t j = skip_blanks(s, n, i + l);
            if (j < n && is_digit(s[j]) && times_from(s, n, j, false, start, end))
                return true;
        }
        if (bare && is_digit(s[i]) && times_from(s, n, i, true, start, end))
            return true;
    }
    return false;
}
