/*
 * dates: Danish dates and clock times in running text.
 *
 * Publishers write "Onsdag d. 13. september 2023", "13-09-2023",
 * "26. april 2023", "den 27. november 2024 kl. 08:30" and
 * "Kl.: 14.00 – 15.00".  The finders scan once and return the first
 * plausible match; they never guess a year or a month that is not written.
 */
#ifndef MINUTESD_DATES_H
#define MINUTESD_DATES_H

#include <stdbool.h>
#include <stddef.h>

/* Finds the first date in s[0..n); writes "YYYY-MM-DD" into out (11 bytes).
 * *end (may be NULL) receives the offset just after the match. */
bool dates_find(const char *s, size_t n, char out[11], size_t *end);

/* Finds a clock time or range introduced by "kl." / "kl" / "tidspunkt" /
 * "tid:" (or, when bare is true, a time anywhere): "14:30", "14.00 – 15.00",
 * "14-16".  Writes "HH:MM" into start and, for a range, end (else end[0]=0). */
bool dates_find_times(const char *s, size_t n, bool bare, char start[6], char end[6]);

#endif
