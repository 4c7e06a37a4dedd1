/*
 * amounts: sums of money in Danish text, as whole kroner.
 *
 * "8.389.000 kr." is 8389000; "1,5 mio. kr." is 1500000; "2.5 mio. kr." is
 * 2500000 (a point followed by fewer than three digits is a decimal point,
 * whatever the house style); "1. mio. kr." is 1000000 (a stray full stop);
 * "64 mio." is money even without "kr."; "kr. 500.000" and "DKK 1.000" put
 * the unit first.  A bare number with no unit ("1.035.458" in a table cell)
 * is not taken: a count of people or a year looks the same.
 */
#ifndef MINUTESD_AMOUNTS_H
#define MINUTESD_AMOUNTS_H

#include <stddef.h>

struct amount_match {
    long long dkk;
    size_t start, len;  /* the matched text in the scanned string */
};

/* Calls cb for every amount in s[0..n), in order.  Linear in n. */
void amounts_scan(const char *s, size_t n, void (*cb)(void *ctx, const struct amount_match *m), void *ctx);

#endif
