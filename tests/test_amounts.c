/*
 * Tests for pipeline/amounts.c: sums of money in Danish text.
 *
 * Every positive case checks both the value and the matched text (start and
 * len), because the model stores the matched text next to the value and a
 * reader checks one against the other.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amounts.h"

#define MAXM 16

struct found {
    size_t n;
    struct amount_match m[MAXM];
    size_t total; /* calls, even past MAXM */
};

static void collect(void *ctx, const struct amount_match *m)
{
    struct found *f = ctx;
    if (f->n < MAXM)
        f->m[f->n++] = *m;
    f->total++;
}

static struct found scan(const char *s)
{
    struct found f;
    memset(&f, 0, sizeof f);
    amounts_scan(s, strlen(s), collect, &f);
    return f;
}

/* The whole of s is one amount worth dkk; the match may or may not include
 * a trailing full stop ("kr." is the unit, its dot is part of it). */
static void expect_one(const char *s, long long dkk, const char *matched)
{
    struct found f = scan(s);
    cr_assert_eq(f.total, 1, "\"%s\": %zu amounts, want 1", s, f.total);
    cr_assert_eq(f.m[0].dkk, dkk, "\"%s\": %lld kr., want %lld", s, f.m[0].dkk, dkk);
    cr_assert_leq(f.m[0].start + f.m[0].len, strlen(s), "\"%s\": match runs past the string", s);
    size_t ml = strlen(matched);
    cr_assert(f.m[0].len == ml && memcmp(s + f.m[0].start, matched, ml) == 0,
              "\"%s\": matched \"%.*s\", want \"%s\"", s, (int)f.m[0].len, s + f.m[0].start, matched);
}

static void expect_none(const char *s)
{
    struct found f = scan(s);
    cr_assert_eq(f.total, 0, "\"%s\": found %zu amount(s), first %lld kr. at \"%.*s\"", s, f.total,
                 f.total ? f.m[0].dkk : 0, f.total ? (int)f.m[0].len : 0, f.total ? s + f.m[0].start : "");
}

Test(amounts, grouped_thousands)
{
    expect_one("8.389.000 kr.", 8389000, "8.389.000 kr.");
}

Test(amounts, comma_decimal_millions)
{
    expect_one("1,5 mio. kr.", 1500000, "1,5 mio. kr.");
}

Test(amounts, point_decimal_millions)
{
    /* a point followed by fewer than three digits is a decimal point */
    expect_one("2.5 mio. kr.", 2500000, "2.5 mio. kr.");
}

Test(amounts, stray_full_stop_before_mio)
{
    expect_one("1. mio. kr.", 1000000, "1. mio. kr.");
}

Test(amounts, mio_without_kr)
{
    expect_one("64 mio.", 64000000, "64 mio.");
}

Test(amounts, capitalised_kr)
{
    expect_one("1 mio. Kr.", 1000000, "1 mio. Kr.");
}

Test(amounts, unit_first_kr)
{
    expect_one("kr. 500.000", 500000, "kr. 500.000");
}

Test(amounts, unit_first_dkk)
{
    expect_one("DKK 1.000", 1000, "DKK 1.000");
}

Test(amounts, comma_dash)
{
    expect_one("500.000,-", 500000, "500.000,-");
}

Test(amounts, milliards)
{
    expect_one("4,5 mia. kr.", 4500000000LL, "4,5 mia. kr.");
}

/*
 * Regression (was a bug in amounts.c read_number, fixed): after a grouped integer part the decimals
 * are read and dropped as øre, even when a multiplier follows, so
 * "1.234,5 mio. kr." is 1234000000 instead of 1234500000 (off by 500.000
 * kr.).  Budget figures are written this way ("1.234,5 mio. kr.").
 */
Test(amounts, grouped_decimal_millions)
{
    expect_one("1.234,5 mio. kr.", 1234500000LL, "1.234,5 mio. kr.");
}

Test(amounts, ore_after_grouped_kroner_are_dropped)
{
    expect_one("1.500,50 kr.", 1500, "1.500,50 kr.");
}

Test(amounts, inside_a_sentence)
{
    expect_one("Der er afsat 8.389.000 kr. til projektet.", 8389000, "8.389.000 kr.");
}

Test(amounts, bare_grouped_number_is_not_money)
{
    expect_none("1.035.458");
}

Test(amounts, count_of_people_is_not_money)
{
    expect_none("9.200 personer");
}

Test(amounts, year_is_not_money)
{
    expect_none("2024");
    expect_none("I 2024 blev der holdt fire møder.");
}

Test(amounts, clock_range_is_not_money)
{
    expect_none("kl. 9-12");
}

Test(amounts, date_is_not_money)
{
    expect_none("13-09-2023");
}

Test(amounts, several_in_one_sentence_in_order)
{
    const char *s = "Rammen er 8.389.000 kr., heraf 1,5 mio. kr. i 2024 og kr. 500.000 i 2025 samt 64 mio. "
                    "til drift; 9.200 personer er omfattet, i alt DKK 1.000 pr. person.";
    static const struct {
        long long dkk;
        const char *text;
    } want[] = {
        {8389000, "8.389.000 kr."},
        {1500000, "1,5 mio. kr."},
        {500000, "kr. 500.000"},
        {64000000, "64 mio."},
        {1000, "DKK 1.000"},
    };
    struct found f = scan(s);
    size_t nw = sizeof want / sizeof *want;
    cr_assert_eq(f.total, nw, "%zu amounts, want %zu", f.total, nw);
    for (size_t i = 0; i < nw; i++) {
        size_t ml = strlen(want[i].text);
        cr_assert_eq(f.m[i].dkk, want[i].dkk, "amount %zu: %lld, want %lld", i, f.m[i].dkk, want[i].dkk);
        cr_assert_leq(f.m[i].start + f.m[i].len, strlen(s));
        cr_assert(f.m[i].len == ml && memcmp(s + f.m[i].start, want[i].text, ml) == 0,
                  "amount %zu: matched \"%.*s\", want \"%s\"", i, (int)f.m[i].len, s + f.m[i].start, want[i].text);
        if (i > 0)
            cr_assert_geq(f.m[i].start, f.m[i - 1].start + f.m[i - 1].len, "amount %zu overlaps or is out of order", i);
    }
}

/* 10 MB of "123.456.789.1.22.333." and similar: must finish without
 * reading out of bounds (the sanitizer build checks that) and report no
 * money, since there is no unit anywhere. */
Test(amounts, huge_digits_and_dots)
{
    size_t n = (size_t)10 << 20;
    char *s = malloc(n);
    cr_assert_not_null(s);
    static const char pattern[] = "123.456.789.1.22.333.4444.";
    for (size_t i = 0; i < n; i++)
        s[i] = pattern[i % (sizeof pattern - 1)];
    struct found f;
    memset(&f, 0, sizeof f);
    amounts_scan(s, n, collect, &f);
    cr_assert_eq(f.total, 0, "found %zu amounts in a string with no unit", f.total);

    /* only digits and dots, ending in a digit at the very end of the buffer */
    for (size_t i = 0; i < n; i++)
        s[i] = (i % 4 == 3) ? '.' : (char)('0' + i % 10);
    s[n - 1] = '7';
    memset(&f, 0, sizeof f);
    amounts_scan(s, n, collect, &f);
    cr_assert_eq(f.total, 0);
    free(s);
}

/* A unit at the very end of the buffer, with nothing after it: the scanner
 * must not read past n (the buffer is not NUL-terminated here). */
Test(amounts, unit_at_end_of_unterminated_buffer)
{
    static const char src[] = "udgift 500 kr";
    size_t n = sizeof src - 1;
    char *s = malloc(n);
    cr_assert_not_null(s);
    memcpy(s, src, n);
    struct found f;
    memset(&f, 0, sizeof f);
    amounts_scan(s, n, collect, &f);
    cr_assert_eq(f.total, 1);
    cr_assert_eq(f.m[0].dkk, 500);
    cr_assert_eq(f.m[0].start, 7);
    cr_assert_eq(f.m[0].len, 6);
    free(s);
}

/* Every multiplier word, in either case, with and without its full stop,
 * before or without "kr."; a longer word that starts like one is none. */
Test(amounts, every_multiplier_word)
{
    static const struct {
        const char *w;
        long long m;
    } words[] = {
        {"millioner", 1000000},     {"million", 1000000},       {"mio", 1000000},  {"mill", 1000000},
        {"milliarder", 1000000000}, {"milliard", 1000000000},   {"mia", 1000000000}, {"mrd", 1000000000},
        {"MIO", 1000000},           {"Milliarder", 1000000000}, {"MRD", 1000000000},
    };
    char s[64];
    for (size_t k = 0; k < sizeof words / sizeof *words; k++) {
        snprintf(s, sizeof s, "3 %s kr.", words[k].w);
        expect_one(s, 3 * words[k].m, s);
        snprintf(s, sizeof s, "3 %s.", words[k].w);
        expect_one(s, 3 * words[k].m, s);
        snprintf(s, sizeof s, "3 %ss kr.", words[k].w); /* "3 mios kr.": no multiplier */
        expect_none(s);
    }
}
