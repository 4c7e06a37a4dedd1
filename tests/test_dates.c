/*
 * Tests for pipeline/dates.c: Danish dates and clock times.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"

static void expect_date(const char *s, const char *want)
{
    char out[11];
    memset(out, 'x', sizeof out);
    size_t end = (size_t)-1;
    bool ok = dates_find(s, strlen(s), out, &end);
    cr_assert(ok, "\"%s\": no date found, want %s", s, want);
    cr_assert_str_eq(out, want, "\"%s\": %s, want %s", s, out, want);
    cr_assert_leq(end, strlen(s), "\"%s\": end %zu past the string", s, end);
}

static void expect_no_date(const char *s)
{
    char out[11] = "";
    bool ok = dates_find(s, strlen(s), out, NULL);
    cr_assert(!ok, "\"%s\": found %.10s, want no date", s, out);
}

static void expect_times(const char *s, bool bare, const char *want_start, const char *want_end)
{
    char st[6], en[6];
    memset(st, 'x', sizeof st);
    memset(en, 'x', sizeof en);
    bool ok = dates_find_times(s, strlen(s), bare, st, en);
    cr_assert(ok, "\"%s\": no time found", s);
    cr_assert_str_eq(st, want_start, "\"%s\": start %s, want %s", s, st, want_start);
    cr_assert_str_eq(en, want_end, "\"%s\": end \"%s\", want \"%s\"", s, en, want_end);
}

Test(dates, weekday_and_month_name_with_time)
{
    expect_date("Onsdag d. 13. september 2023 kl. 14:30", "2023-09-13");
}

Test(dates, dashed_dmy)
{
    expect_date("13-09-2023", "2023-09-13");
}

Test(dates, day_month_name_year)
{
    expect_date("26. april 2023", "2023-04-26");
}

Test(dates, den_day_month_name_year)
{
    expect_date("den 27. november 2024", "2024-11-27");
}

Test(dates, dotted_dmy)
{
    expect_date("13.09.2023", "2023-09-13");
}

Test(dates, iso)
{
    expect_date("2024-11-27", "2024-11-27");
}

Test(dates, abbreviated_month_with_dot)
{
    expect_date("1. sept. 2024", "2024-09-01");
}

/* Every month's name and abbreviations, in either case; an abbreviation
 * takes a full stop, a full name ("maj" is one) does not; a longer word
 * that starts like a month is none. */
Test(dates, every_month_form)
{
    static const struct {
        const char *form;
        int month;
        bool abbrev;
    } forms[] = {
        {"januar", 1, false},   {"jan", 1, true},      {"februar", 2, false},  {"feb", 2, true},
        {"marts", 3, false},    {"mar", 3, true},      {"april", 4, false},    {"apr", 4, true},
        {"maj", 5, false},      {"juni", 6, false},    {"jun", 6, true},       {"juli", 7, false},
        {"jul", 7, true},       {"august", 8, false},  {"aug", 8, true},       {"september", 9, false},
        {"sept", 9, true},      {"sep", 9, true},      {"oktober", 10, false}, {"okt", 10, true},
        {"november", 11, false}, {"nov", 11, true},    {"december", 12, false}, {"dec", 12, true},
    };
    char s[64], want[11], up[16];
    for (size_t k = 0; k < sizeof forms / sizeof *forms; k++) {
        snprintf(want, sizeof want, "2024-%02d-03", forms[k].month);
        snprintf(s, sizeof s, "Mødet 3. %s 2024", forms[k].form);
        expect_date(s, want);
        size_t i = 0;
        for (; forms[k].form[i]; i++)
            up[i] = (char)(forms[k].form[i] - 32);
        up[i] = '\0';
        snprintf(s, sizeof s, "MØDET 3. %s 2024", up);
        expect_date(s, want);
        snprintf(s, sizeof s, "Mødet 3. %s. 2024", forms[k].form);
        if (forms[k].abbrev)
            expect_date(s, want);
        else
            expect_no_date(s);
        snprintf(s, sizeof s, "Mødet 3. %sa 2024", forms[k].form);
        expect_no_date(s);
    }
}

Test(dates, upper_case_month)
{
    expect_date("Mødedato: 5. JUNI 2024", "2024-06-05");
}

Test(dates, end_offset_is_just_after_the_date)
{
    const char *s = "Mødet den 26. april 2023 kl. 10";
    char out[11];
    size_t end = 0;
    cr_assert(dates_find(s, strlen(s), out, &end));
    const char *want_end = strstr(s, " kl.");
    cr_assert_eq(end, (size_t)(want_end - s), "end %zu, want %zu", end, (size_t)(want_end - s));
}

Test(dates, first_date_wins)
{
    expect_date("Referat af 26. april 2023, godkendt 13-09-2023", "2023-04-26");
}

Test(dates, impossible_day)
{
    expect_no_date("31. februar 2023");
}

/*
 * Regression (was a bug in dates.c valid_ymd, fixed): 29 February is accepted in every year, so an
 * impossible date is reported as found.  Minimal input: "29. februar 2023"
 * (also "29-02-2023") -> true, "2023-02-29".  The meeting date ends up in
 * the model as a date that does not exist.
 */
Test(dates, feb_29_in_a_common_year)
{
    expect_no_date("29. februar 2023");
    expect_no_date("29-02-2023");
}

Test(dates, feb_29_in_a_leap_year)
{
    expect_date("29. februar 2024", "2024-02-29");
    expect_date("29-02-2000", "2000-02-29");
}

Test(dates, impossible_month)
{
    expect_no_date("13-13-2023");
}

Test(dates, no_year_is_not_guessed)
{
    expect_no_date("13. september");
    expect_no_date("Punkt 3. Orientering");
}

/* The buffer is not NUL-terminated: a date running to the last byte must be
 * read without looking past n. */
Test(dates, date_at_end_of_unterminated_buffer)
{
    static const char src[] = "Dato 13-09-2023";
    size_t n = sizeof src - 1;
    char *s = malloc(n);
    cr_assert_not_null(s);
    memcpy(s, src, n);
    char out[11];
    size_t end = 0;
    cr_assert(dates_find(s, n, out, &end));
    cr_assert_str_eq(out, "2023-09-13");
    cr_assert_eq(end, n);
    free(s);
}

Test(times, kl_single_time)
{
    expect_times("kl. 14:30", false, "14:30", "");
}

Test(times, kl_colon_range_with_en_dash)
{
    expect_times("Kl.: 14.00 \xe2\x80\x93 15.00", false, "14:00", "15:00");
}

Test(times, leading_zero)
{
    expect_times("kl. 08:30", false, "08:30", "");
}

Test(times, tidspunkt_range)
{
    expect_times("Tidspunkt: 9.00-12.00", false, "09:00", "12:00");
}

Test(times, time_after_date)
{
    expect_times("Onsdag d. 13. september 2023 kl. 14:30", false, "14:30", "");
}

Test(times, bare_false_ignores_unintroduced_time)
{
    char st[6] = "", en[6] = "";
    const char *s = "Mødet startede 14:30";
    cr_assert(!dates_find_times(s, strlen(s), false, st, en), "found %s without kl.", st);
}

Test(times, bare_true_finds_unintroduced_time)
{
    expect_times("Mødet startede 14:30", true, "14:30", "");
}

/*
 * Regression (was a bug in dates.c time_at, fixed): an hour of 24 is accepted with any minutes, so
 * "kl. 24:30" gives start "24:30", which is not a clock time.  ("24:00" as
 * the end of a range may be intended.)
 */
Test(times, hour_24_with_minutes_is_not_a_time)
{
    char st[6] = "", en[6] = "";
    const char *s = "kl. 24:30";
    cr_assert(!dates_find_times(s, strlen(s), false, st, en), "found \"%s\"", st);
}

Test(times, hour_25_is_not_a_time)
{
    char st[6] = "", en[6] = "";
    const char *s = "kl. 25:00";
    cr_assert(!dates_find_times(s, strlen(s), false, st, en), "found \"%s\"", st);
}

Test(times, bare_hour_range)
{
    expect_times("kl. 9-12", false, "09:00", "12:00");
}

Test(times, end_before_start_is_dropped)
{
    expect_times("kl. 15.00-14.00", false, "15:00", "");
}

Test(times, no_time_at_all)
{
    char st[6] = "", en[6] = "";
    const char *s = "Dagsordenen blev godkendt.";
    cr_assert(!dates_find_times(s, strlen(s), true, st, en));
}
