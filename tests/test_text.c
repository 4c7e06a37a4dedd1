/*
 * text: the byte-level helpers every parser leans on.  The fast paths work
 * eight bytes at a time, so each case is tried at every offset of a longer
 * buffer: a lane, chunk-boundary or tail mistake shows at some offset.
 */
#include "text.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The byte-at-a-time definition the fast path must agree with. */
static void fold_reference(char *dst, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xC3 && i + 1 < n) {
            unsigned char d = (unsigned char)s[i + 1];
            dst[i] = (char)c;
            dst[i + 1] = (char)((d >= 0x80 && d <= 0x9E && d != 0x97) ? d + 0x20 : d);
            i++;
            continue;
        }
        dst[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
}

/* xorshift64: the random texts below are the same on every run */
static uint64_t next_random(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

/* Random units glued together up to about len bytes (at most len plus the
 * longest unit); returns the length written to s. */
static size_t random_text(char *s, size_t len, const char *const *units, size_t nunits, uint64_t *x)
{
    size_t n = 0;
    while (n < len) {
        const char *u = units[next_random(x) % nunits];
        memcpy(s + n, u, strlen(u));
        n += strlen(u);
    }
    return n;
}

Test(text, fold_lowers_ascii_and_latin1_at_every_offset)
{
    const char *words[] = {"REGION ", "Ærø ", "ØSTER ", "[@`{] ", "Å×÷ ", "Sønderborg\n", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"};
    char text[256], want[256], got[256];
    for (size_t pad = 0; pad < 17; pad++) {
        size_t n = 0;
        memset(text, 'x', pad);
        n = pad;
        for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
            memcpy(text + n, words[w], strlen(words[w]));
            n += strlen(words[w]);
        }
        fold_reference(want, text, n);
        memset(got, 0, sizeof got);
        text_fold(got, text, n);
        cr_assert(memcmp(got, want, n) == 0, "fold differs with %zu bytes of padding: %.*s", pad, (int)n, got);
    }
    /* the boundary letters: '@' and '[' sit next to 'A' and 'Z' */
    char out[8];
    text_fold(out, "@AZ[`az{", 8);
    cr_assert(memcmp(out, "@az[`az{", 8) == 0);
    /* in place, as the parsers use it */
    char buf[] = "ÆBLE OG PÆRER I ÅRHUS";
    text_fold(buf, buf, strlen(buf));
    cr_assert_str_eq(buf, "æble og pærer i århus");
}

Test(text, next_digit_at_every_offset)
{
    char s[40];
    for (size_t at = 0; at < 32; at++) {
        memset(s, 'a', sizeof s);
        /* bytes on both sides of the digit range, and a multi-byte letter */
        s[0] = '/';
        s[1] = ':';
        s[2] = (char)0xC3;
        s[3] = (char)0xB8;
        if (at >= 4)
            s[at] = '7';
        size_t want = at >= 4 ? at : sizeof s;
        cr_assert_eq(text_next_digit(s, sizeof s, 0), want, "digit at %zu", at);
        /* starting past it, there is none */
        if (at >= 4)
            cr_assert_eq(text_next_digit(s, sizeof s, at + 1), sizeof s);
    }
    /* never reads past n: the digit just beyond the end is not found */
    char t[] = "abcdefghijk9";
    cr_assert_eq(text_next_digit(t, 11, 0), 11);
    cr_assert_eq(text_next_digit(t, 12, 0), 11);
    cr_assert_eq(text_next_digit(t, 0, 0), 0);
}

Test(text, word_bytes_and_prefixes)
{
    const char *s = "Beslutning: «Godkendt» – ø";
    size_t n = strlen(s);
    cr_assert(text_is_word_at(s, n, 0));
    cr_assert_not(text_is_word_at(s, n, 10));  /* ':' */
    cr_assert_not(text_is_word_at(s, n, 12));  /* '«' (0xC2 0xAB) */
    cr_assert_not(text_is_word_at(s, n, 13));
    cr_assert(text_is_word_at(s, n, n - 1));    /* second byte of 'ø' */
    cr_assert_not(text_is_word_at(s, n, n));    /* past the end */
    cr_assert(text_prefix_ci(s, n, "beslutning"));
    cr_assert(text_prefix_ci("ØKONOMI", 8, "økonomi"));
    cr_assert_not(text_prefix_ci(s, 5, "beslutning")); /* longer than s */
    cr_assert(text_prefix_ci(s, n, ""));
    cr_assert(text_is_all_caps("VELKOMST OG GODKENDELSE", 23));
    cr_assert(text_is_all_caps("ØKONOMI", 8));
    cr_assert_not(text_is_all_caps("ØKONOMi", 8));
    cr_assert_not(text_is_all_caps("Økonomi", 8));
    cr_assert_not(text_is_all_caps("A 1", 3));
}

/* The inline answer of text_is_all_caps is the walk's: over short random
 * texts of capitals, lower case, digits, Latin-1 letters of either case and
 * stray lead bytes, both say the same (a shortcut that looked at the third
 * byte, or took a capital for a lower-case letter, would not). */
Test(text, all_caps_inline_answer_is_the_walks)
{
    static const char *const units[] = {"A", "b", "Z", "z", "1", " ", ".", "\xC3\x98", "\xC3\xB8", "\xC3", "a", "PLO"};
    char s[16];
    uint64_t x = 0x2545F4914F6CDD1Du;
    size_t yes = 0;
    for (int round = 0; round < 20000; round++) {
        size_t n = random_text(s, 1 + next_random(&x) % 6, units, sizeof units / sizeof *units, &x);
        bool got = text_is_all_caps(s, n), want = text_is_all_caps_rest(s, n);
        cr_assert_eq(got, want, "\"%.*s\": %d, the walk says %d", (int)n, s, got, want);
        yes += want;
    }
    cr_assert_gt(yes, 500, "the texts must hold all-caps ones too (%zu)", yes);
}

/* The case-insensitive prefix test, by its definition: each byte of s is
 * folded (ASCII capitals, and Latin-1 capitals after a 0xC3 lead but not
 * ×) and must equal the literal's byte. */
static bool prefix_ref(const char *s, size_t n, const char *lit)
{
    for (size_t k = 0; lit[k]; k++) {
        if (k >= n)
            return false;
        unsigned char a = (unsigned char)s[k], prev = k ? (unsigned char)s[k - 1] : 0;
        if (prev == 0xC3 && a >= 0x80 && a <= 0x9E && a != 0x97)
            a = (unsigned char)(a + 0x20);
        else if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a + 32);
        if (a != (unsigned char)lit[k])
            return false;
    }
    return true;
}

Test(text, prefix_ci_is_its_definition_on_random_text)
{
    /* lower-case literals with Danish letters and ×; text made of their
     * bytes in both cases, the capitals' bytes without a lead, and near
     * misses ('@' and '[' next to the capitals, 0xC3 0x97/0xB7) */
    static const char *const lits[] = {"æble", "økonomi", "på", "x\xC3\x97y", "d\xC3\xB7", "beslutning", "a@", "å", ""};
    static const unsigned char bytes[] = {'a', 'A', 'b', 'B', 'x', 'X', 'y', '@', '[', '`', '{', ' ', 0xC3, 0xA6,
                                          0x86, 0xB8, 0x98, 0xA5, 0x85, 0x97, 0xB7, 0xBE, 0x9E, 0xBF, 0x9F, 'e',
                                          'E', 'l', 'L', 'k', 'K', 'o', 'O', 'd', 'D'};
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int round = 0; round < 200000; round++) {
        const char *lit = lits[next_random(&x) % (sizeof lits / sizeof *lits)];
        char s[12];
        size_t n = next_random(&x) % sizeof s;
        /* half the texts start as the literal, in random case */
        bool seeded = next_random(&x) & 1;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = bytes[next_random(&x) % sizeof bytes];
            if (seeded && i < strlen(lit)) {
                c = (unsigned char)lit[i];
                if ((next_random(&x) & 1) && c >= 'a' && c <= 'z')
                    c = (unsigned char)(c - 32);
                else if ((next_random(&x) & 1) && c >= 0xA0 && c <= 0xBE && i > 0 && (unsigned char)lit[i - 1] == 0xC3)
                    c = (unsigned char)(c - 0x20);
            }
            s[i] = (char)c;
        }
        bool want = prefix_ref(s, n, lit);
        cr_assert_eq(text_prefix_ci(s, n, lit), want, "\"%.*s\" vs \"%s\"", (int)n, s, lit);
        /* the length form: the literal's length on a match, 0 otherwise */
        cr_assert_eq(text_prefix_ci_len(s, n, lit), want ? strlen(lit) : 0, "\"%.*s\" vs \"%s\"", (int)n, s, lit);
    }
}

/* Equality ignores surrounding blanks and a trailing ':' or '.', and case
 * (Danish letters too); the first byte's early exit changes nothing. */
Test(text, eq_ci)
{
    cr_assert(text_eq_ci("  Bilag: ", 9, "bilag"));
    cr_assert(text_eq_ci("BILAG.", 6, "bilag"));
    cr_assert(text_eq_ci("\xC3\x86" "ble", 5, "\xC3\xA6" "ble"));
    cr_assert(text_eq_ci(" : ", 3, ""));
    cr_assert(!text_eq_ci(".", 1, "x"));
    cr_assert(!text_eq_ci("", 0, "x"));
    cr_assert(!text_eq_ci("Bilag 1", 7, "bilag"));
    cr_assert(!text_eq_ci("Xbilag", 6, "bilag"));
    cr_assert(!text_eq_ci("ble", 3, "\xC3\xA6" "ble"));
    cr_assert(!text_eq_ci("Bila", 4, "bilag"));
}

/* The first match by definition: every start, in order. */
static long find_ref(const char *s, size_t n, const char *lit, bool whole)
{
    size_t ln = strlen(lit);
    for (size_t i = 0; ln && i + ln <= n; i++) {
        if (i > 0 && text_is_word_at(s, n, i - 1))
            continue;
        if (!text_prefix_ci(s + i, n - i, lit))
            continue;
        if (whole && text_is_word_at(s, n, i + ln))
            continue;
        return (long)i;
    }
    return -1;
}

/* The sixteen-starts-at-a-time search finds what the definition finds:
 * literals in either case, inside words (no match), at the end, across
 * every block boundary, near misses sharing two bytes, Danish letters. */
Test(text, find_matches_the_definition_at_every_offset)
{
    static const char *const lits[] = {"mødeleder", "møde", "region", "re", "ekstraordinær", "æble", "ø", "x",
                                       "ekstraordinært indkaldt"};
    static const char *const put[] = {"Mødeleder", "MØDELEDER", "mødelederen", "formødeleder", "Region", "regionerne",
                                      "REgion", "æble", "Æble", "ØBLE", "møDe", "re", "mø", "ekstraordinært",
                                      "Ekstraordinært indkaldt", "ekstraordinært indkaldte"};
    char s[96];
    uint64_t x = 0x243F6A8885A308D3u;
    size_t found = 0;
    for (size_t round = 0; round < 4000; round++) {
        next_random(&x);
        size_t n = 1 + x % sizeof s;
        for (size_t i = 0; i < n; i++)
            s[i] = "abcdemor ,.\n"[(x >> (i % 50)) % 12];
        const char *p = put[(x >> 8) % (sizeof put / sizeof *put)];
        size_t pn = strlen(p), at = (x >> 16) % n;
        if (at + pn <= n)
            memcpy(s + at, p, pn);
        for (size_t k = 0; k < sizeof lits / sizeof *lits; k++) {
            long want = find_ref(s, n, lits[k], true), got = text_find_word_ci(s, n, lits[k]);
            cr_assert_eq(got, want, "word \"%s\" in \"%.*s\": %ld, want %ld", lits[k], (int)n, s, got, want);
            want = find_ref(s, n, lits[k], false), got = text_find_prefix_ci(s, n, lits[k]);
            cr_assert_eq(got, want, "prefix \"%s\" in \"%.*s\": %ld, want %ld", lits[k], (int)n, s, got, want);
            found += got >= 0;
        }
    }
    cr_assert_gt(found, 1000, "the texts must hold matches too (%zu)", found);
}

/* Word counts, eight bytes at a time, agree with counting byte by byte,
 * for every limit, with words and blanks across every chunk boundary. */
Test(text, count_words_upto_at_every_offset)
{
    char s[80];
    uint64_t x = 0xB7E151628AED2A6Bu;
    for (size_t round = 0; round < 3000; round++) {
        next_random(&x);
        size_t n = x % sizeof s;
        for (size_t i = 0; i < n; i++)
            s[i] = "ab \t\xC3\xB8-"[(x >> (i % 53)) % 7];
        size_t words = 0;
        for (size_t i = 0; i < n; i++)
            words += s[i] != ' ' && s[i] != '\t' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t');
        for (size_t limit = 0; limit < 12; limit++) {
            size_t want = words > limit ? limit + 1 : words;
            size_t got = text_count_words_upto(s, n, limit);
            cr_assert_eq(got, want, "\"%.*s\" limit %zu: %zu, want %zu", (int)n, s, limit, got, want);
        }
        cr_assert_eq(text_count_words(s, n), words);
    }
}

/* text_fold_eq agrees with folding both and comparing: random pairs of
 * strings of letters in both cases, Danish letters, the multiplication
 * sign, a 0xC3 at the very end, for every m and cmp. */
Test(text, fold_eq_matches_fold_and_compare)
{
    static const char *const units[] = {"a", "A", "z", "Z", "\xC3\xA6", "\xC3\x86", "\xC3\x97", "\xC3\xB7", "\xC3",
                                        " ", "-", "1", "\xE2\x80\x93"};
    uint64_t x = 0x13198A2E03707344u;
    size_t same = 0;
    for (size_t round = 0; round < 20000; round++) {
        char a[48], b[48], fa[48], fb[48];
        size_t an = 0, bn = 0;
        next_random(&x);
        size_t want = 1 + x % 40;
        while (an < want) {
            next_random(&x);
            const char *u = units[x % (sizeof units / sizeof *units)];
            size_t un = strlen(u);
            if (an + un > want)
                break;
            memcpy(a + an, u, un);
            /* b: mostly the same text in the other case, sometimes not */
            const char *v = (x >> 20) % 9 == 0 ? units[(x >> 24) % (sizeof units / sizeof *units)] : u;
            if ((x >> 30) % 2 && strlen(v) == 1 && v[0] >= 'a' && v[0] <= 'z')
                b[bn] = (char)(v[0] - 32), bn++;
            else if (strlen(v) == un)
                memcpy(b + bn, v, un), bn += un;
            else
                memcpy(b + bn, u, un), bn += un;
            an += un;
        }
        size_t m = an < bn ? an : bn;
        text_fold(fa, a, m);
        text_fold(fb, b, m);
        for (size_t cmp = 0; cmp <= m; cmp++) {
            bool want_eq = memcmp(fa, fb, cmp) == 0;
            cr_assert_eq(text_fold_eq(a, b, m, cmp), want_eq, "round %zu m %zu cmp %zu", round, m, cmp);
            same += want_eq && cmp == m;
        }
    }
    cr_assert_gt(same, 1000, "equal pairs must be tested too (%zu)", same);
}

/* Characters of UTF-8 text, many bytes at a time, against counting the
 * bytes that are not continuation bytes: every length up to 600, Danish
 * letters and three-byte characters at every offset. */
Test(text, chars_at_every_length)
{
    static const char *const units[] = {"a", " ", "\xC3\xA6", "\xC3\x98", "\xE2\x80\x93", "1"};
    char s[640];
    uint64_t x = 0xA4093822299F31D0u;
    for (size_t round = 0; round < 3000; round++) {
        size_t n = random_text(s, next_random(&x) % 600, units, sizeof units / sizeof *units, &x);
        size_t want = 0;
        for (size_t i = 0; i < n; i++)
            want += ((unsigned char)s[i] & 0xC0) != 0x80;
        cr_assert_eq(text_chars(s, n), want, "round %zu, %zu bytes", round, n);
        /* and every prefix of the first bytes, for the short paths */
        if (round < 100)
            for (size_t k = 0; k <= n && k < 40; k++) {
                size_t w = 0;
                for (size_t i = 0; i < k; i++)
                    w += ((unsigned char)s[i] & 0xC0) != 0x80;
                cr_assert_eq(text_chars(s, k), w, "prefix %zu", k);
            }
    }
    /* longer than one batch of per-lane counts (255 x 16 bytes) */
    static char long_text[9001];
    for (size_t i = 0; i + 1 < sizeof long_text; i += 2)
        memcpy(long_text + i, "\xC3\xB8", 2);
    long_text[9000] = 'x';
    cr_assert_eq(text_chars(long_text, 9001), 4501);
}

/* Any word starting with one of the stems: the first stem found wins; a
 * stem inside a word or a word that only shares the first byte does not
 * count; case and Danish letters fold. */
Test(text, word_stem_any)
{
    static const char *const stems[] = {"sekretariat", "gæst", "medlem", NULL};
    static const struct {
        const char *s;
        int want;
    } cases[] = {
        {"Sekretariatet", 0},        {"Øvrige gæster", 1},          {"GÆSTER", 1},
        {"Udvalgets medlemmer", 2},  {"(medlem)", 2},               {"bymedlem", -1},
        {"mediet, sekretær", -1},    {"Gæstesekretariat medlem", 1}, {"", -1},
        {"--- sekretariat", 0},      {"metal medlem", 2},           {"s g m", -1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        cr_assert_eq(text_word_stem_any(cases[k].s, strlen(cases[k].s), stems), cases[k].want, "\"%s\"", cases[k].s);
}

/* Random text with lone and doubled 0xC3, stray continuation bytes, the
 * multiplication sign and upper-case Latin-1 letters at every position:
 * the sixteen-byte path must pair bytes as the byte-wise definition does. */
/* text_word_stem_any's definition: every start, in order, tried against
 * every stem. */
static int stem_ref(const char *s, size_t n, const char *const *stems)
{
    for (size_t i = 0; i < n; i++) {
        if (!text_is_word_at(s, n, i) || (i > 0 && text_is_word_at(s, n, i - 1)))
            continue;
        for (int k = 0; stems[k]; k++)
            if (text_prefix_ci(s + i, n - i, stems[k]))
                return k;
    }
    return -1;
}

/* The sixteen-starts-at-a-time search finds what the definition finds:
 * stems in either case, inside words (no match), at the very end, across
 * every window edge, one-letter stems, Danish letters; and with more stems
 * than the vector pass takes. */
Test(text, word_stem_any_matches_the_definition_at_every_offset)
{
    static const char *const few[] = {"sekretariat", "gæst", "medlem", "x", "øb", NULL};
    static const char *const many[] = {"aa", "bb", "cc", "dd", "ee", "ff", "gg", "hh", "medlem", "x", NULL};
    static const char *const put[] = {"Sekretariatet", "GÆSTER", "gæst", "medlemmer", "bymedlem", "X", "x",
                                      "Øble", "øb", "ØB", "xylofon", "hh", "mEDLEM"};
    char s[80];
    uint64_t x = 0x9E3779B97F4A7C15u;
    size_t found = 0;
    /* and the same lists made ready once, as the parsers keep them */
    struct text_stems *ready_few = malloc(sizeof *ready_few), *ready_many = malloc(sizeof *ready_many);
    cr_assert(ready_few && ready_many);
    text_stems_init(ready_few, few);
    text_stems_init(ready_many, many);
    for (size_t round = 0; round < 6000; round++) {
        next_random(&x);
        size_t n = x % sizeof s;
        for (size_t i = 0; i < n; i++)
            s[i] = "abcdemor ,.\n-"[(x >> (i % 50)) % 14];
        const char *p = put[(x >> 8) % (sizeof put / sizeof *put)];
        size_t pn = strlen(p), at = n ? (x >> 16) % n : 0;
        if (at + pn <= n)
            memcpy(s + at, p, pn);
        int want = stem_ref(s, n, few), got = text_word_stem_any(s, n, few);
        cr_assert_eq(got, want, "few in \"%.*s\": %d, want %d", (int)n, s, got, want);
        got = text_stems_find(ready_few, s, n);
        cr_assert_eq(got, want, "few (ready) in \"%.*s\": %d, want %d", (int)n, s, got, want);
        found += got >= 0;
        want = stem_ref(s, n, many), got = text_word_stem_any(s, n, many);
        cr_assert_eq(got, want, "many in \"%.*s\": %d, want %d", (int)n, s, got, want);
        got = text_stems_find(ready_many, s, n);
        cr_assert_eq(got, want, "many (ready) in \"%.*s\": %d, want %d", (int)n, s, got, want);
    }
    cr_assert_gt(found, 1000, "the texts must hold matches too (%zu)", found);
    free(ready_few);
    free(ready_many);
}

Test(text, fold_matches_the_definition_on_awkward_bytes)
{
    static const char *const units[] = {"A", "z", "\xC3\x86", "\xC3\x97", "\xC3\x9E", "\xC3\x9F", "\xC3", "\xC3\xC3",
                                        "\x86", "\xBF", "[", "@", " ", "\xE2\x80\x93"};
    uint64_t x = 0x452821E638D01377u;
    for (size_t round = 0; round < 5000; round++) {
        char s[80], want[80], got[80];
        size_t n = random_text(s, next_random(&x) % 70, units, sizeof units / sizeof *units, &x);
        fold_reference(want, s, n);
        text_fold(got, s, n);
        cr_assert(memcmp(got, want, n) == 0, "round %zu (%zu bytes)", round, n);
    }
}

/* Every literal text_first2_may_match accepts for a line's first two
 * bytes is in that line's bucket, once, and the bucket lists its
 * entries in table order - so that a caller walking the bucket tries the
 * same literals in the same order as one walking the whole table. */
Test(text, lits_index_holds_every_candidate_in_table_order)
{
    static const char *const lits[] = {"beslutning", "bilag", "baggrund", "b", "øvrigt", "østjylland",
                                       "å", "åben", "punkt ", "pkt. ", "sag nr. ", "sagsnr", "x",
                                       "bemærkninger", "beslutning", "ad ", "a"};
    size_t n = sizeof lits / sizeof *lits;
    struct text_lits ix;
    text_lits_init(&ix, lits, n);
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned c = 0; c < 256; c++) {
            char f[2] = {(char)a, (char)c};
            unsigned b = text_lits_bucket(f);
            bool listed[sizeof lits / sizeof *lits] = {false};
            int last = -1;
            for (unsigned j = ix.at[b]; j < ix.at[b + 1]; j++) {
                cr_assert_gt((int)ix.k[j], last, "bucket %u out of order", b);
                last = ix.k[j];
                listed[ix.k[j]] = true;
            }
            for (size_t k = 0; k < n; k++)
                if (text_first2_may_match(f, lits[k]))
                    cr_assert(listed[k], "\"%s\" missing for %02x %02x", lits[k], a, c);
        }
    }
}

/* A line's bucket, not every bucket: the index is what makes a lookup
 * cheaper than the table walk. */
Test(text, lits_index_buckets_are_small)
{
    static const char *const lits[] = {"beslutning", "bilag", "baggrund", "sagsnr", "sag nr. ", "punkt "};
    struct text_lits ix;
    text_lits_init(&ix, lits, sizeof lits / sizeof *lits);
    cr_assert_eq(ix.at[256], sizeof lits / sizeof *lits, "each entry in one bucket");
    char f[2] = {'b', 'e'};
    unsigned b = text_lits_bucket(f);
    cr_assert_eq(ix.at[b + 1] - ix.at[b], 1u);
    cr_assert_eq(ix.k[ix.at[b]], 0);
}

/* text_quad_may_match is a prefilter: wherever text_prefix_ci_len finds
 * the literal, it must say maybe - in any case, with Latin-1 capitals, and
 * for lines shorter than four bytes. */
Test(text, quad_prefilter_never_rejects_a_match)
{
    static const char *const lits[] = {"d", "de", "det", "deltagere", "ø", "øst", "østjylland", "å", "åben",
                                       "é", "sag nr.", "kl", "ad ", "1. ", "(åben)", "møde i"};
    static const char *const parts[] = {"d", "D", "e", "E", "l", "L", "t", "T", "a", "A", "g", "G",
                                        "\xC3\xB8", "\xC3\x98", "\xC3\xA5", "\xC3\x85", "\xC3\xA9", "\xC3\x89",
                                        "s", "S", "n", "N", "r", "R", ".", " ", "k", "K", "m", "M", "i", "I",
                                        "j", "J", "y", "Y", "b", "B", "1", "(", ")", "\xC3\xB7", "\xC3\x97"};
    uint64_t x = 88172645463325252ULL;
    size_t matches = 0;
    for (int round = 0; round < 200000; round++) {
        char s[32];
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t words = x % 7;
        for (size_t w = 0; w < words; w++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *p = parts[x % (sizeof parts / sizeof *parts)];
            memcpy(s + n, p, strlen(p));
            n += strlen(p);
        }
        for (size_t k = 0; k < sizeof lits / sizeof *lits; k++) {
            struct text_quad q;
            text_quad_init(&q, lits[k]);
            if (text_prefix_ci_len(s, n, lits[k])) {
                matches++;
                cr_assert(text_quad_may_match(&q, s, n), "\"%.*s\" starts with \"%s\"", (int)n, s, lits[k]);
            }
        }
    }
    cr_assert_gt(matches, 1000u, "the random lines must match often enough to test anything");
    /* and it does filter */
    struct text_quad q;
    text_quad_init(&q, "deltagere");
    cr_assert_not(text_quad_may_match(&q, "Det er", 6));
    cr_assert(text_quad_may_match(&q, "DELTAGERE", 9));
    text_quad_init(&q, "østjylland");
    cr_assert(text_quad_may_match(&q, "\xC3\x98stjylland", 11));
    cr_assert_not(text_quad_may_match(&q, "\xC3\x98", 2));
}

/* A literal that starts with a Danish letter matches a line that starts
 * with it in either case (the capital differs in the second byte, not
 * the lead), and no other letter with the same lead. */
Test(text, literals_that_start_with_a_danish_letter)
{
    static const struct {
        const char *s, *lit;
        bool prefix, eq;
    } cases[] = {
        {"Åbent punkt", "åbent punkt", true, true},   {"ÅBENT PUNKT:", "åbent punkt", true, true},
        {"åbent punkt.", "åbent punkt", true, true},  {"Øvrige deltagere", "øvrige", true, false},
        {"ØVRIGE", "øvrige", true, true},             {"Ærø Kommune", "ærø", true, false},
        {"Åben", "æben", false, false},               {"Ébent", "åbent", false, false},
        {"  Åben  ", "åben", false, true},            {"Abent punkt", "åbent punkt", false, false},
        {"\xC3\x97" "ben", "åben", false, false}, /* ×ben: the sign, not a letter */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        size_t n = strlen(cases[k].s);
        cr_assert_eq(text_prefix_ci_len(cases[k].s, n, cases[k].lit) != 0, cases[k].prefix, "prefix \"%s\" \"%s\"",
                     cases[k].s, cases[k].lit);
        cr_assert_eq(text_eq_ci(cases[k].s, n, cases[k].lit), cases[k].eq, "eq \"%s\" \"%s\"", cases[k].s,
                     cases[k].lit);
    }
}
