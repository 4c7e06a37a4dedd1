/*
 * Tests for the gazetteer: region evidence from place names, the health
 * clusters, the compiled-in tables, and that scanning stays linear on
 * hostile input.
 */
#include "gazetteer.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const char gaz_data_municipalities[];

static void assert_same_evidence(const struct gaz_evidence *a, const struct gaz_evidence *b, const char *what)
{
    for (int r = 0; r < GAZ_NREGIONS; r++)
        cr_assert_eq(a->score[r], b->score[r], "%s: region %d: %g against %g", what, r, a->score[r], b->score[r]);
}

/* Texts this short never reach the vector pass (it reads 65 bytes at a
 * time), so every text is also scanned inside plain lower-case prose, where
 * it does: the evidence must be the byte loop's, wherever the text falls
 * in a 64-byte block. */
static const char boring[] = "og det blev vedtaget at punktet tages op igen på et senere møde, ";

static struct gaz_evidence scan(const char *s)
{
    struct gaz_evidence ev, ref, wrapped;
    size_t n = strlen(s), bn = strlen(boring);
    memset(&ev, 0, sizeof ev);
    memset(&ref, 0, sizeof ref);
    gazetteer_scan(s, n, 1.0, &ev);
    gazetteer_scan_bytewise(s, n, 1.0, &ref);
    assert_same_evidence(&ev, &ref, s);
    for (size_t shift = 0; shift < 64; shift += 13) {
        char *buf = malloc(3 * bn + n + 2);
        cr_assert_not_null(buf);
        memcpy(buf, boring, bn);
        memcpy(buf + bn, boring, bn);
        size_t len = 2 * bn - shift; /* may cut a letter in two: stray bytes are input too */
        buf[len++] = ' ';
        memcpy(buf + len, s, n);
        len += n;
        buf[len++] = ' ';
        memcpy(buf + len, boring, bn);
        len += bn;
        struct gaz_evidence wrapped_ref;
        memset(&wrapped, 0, sizeof wrapped);
        memset(&wrapped_ref, 0, sizeof wrapped_ref);
        gazetteer_scan(buf, len, 1.0, &wrapped);
        gazetteer_scan_bytewise(buf, len, 1.0, &wrapped_ref);
        assert_same_evidence(&wrapped, &wrapped_ref, s);
        assert_same_evidence(&wrapped, &ref, s);
        free(buf);
    }
    return ev;
}

static enum gaz_region best_of(const char *s)
{
    struct gaz_evidence ev = scan(s);
    return gazetteer_best(&ev);
}

static double total(const struct gaz_evidence *ev)
{
    double t = 0;
    for (int r = 0; r < GAZ_NREGIONS; r++)
        t += ev->score[r];
    return t;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

Test(gazetteer, region_names)
{
    cr_assert_null(gazetteer_region_name(GAZ_NONE));
    cr_assert_str_eq(gazetteer_region_name(GAZ_HOVEDSTADEN), "Region Hovedstaden");
    cr_assert_str_eq(gazetteer_region_name(GAZ_SJAELLAND), "Region Sjælland");
    cr_assert_str_eq(gazetteer_region_name(GAZ_SYDDANMARK), "Region Syddanmark");
    cr_assert_str_eq(gazetteer_region_name(GAZ_MIDTJYLLAND), "Region Midtjylland");
    cr_assert_str_eq(gazetteer_region_name(GAZ_NORDJYLLAND), "Region Nordjylland");
    cr_assert_null(gazetteer_region_name(GAZ_NREGIONS));
}

Test(gazetteer, address_and_municipality_nordjylland)
{
    const char *s = "Mødested Mødelokale K - Regionshuset, Niels Bohrs Vej 30, 9220 Aalborg Ø\n"
                    "Deltagere: borgmester, Mariagerfjord Kommune";
    struct gaz_evidence ev = scan(s);
    cr_assert_eq(gazetteer_best(&ev), GAZ_NORDJYLLAND);
    /* postcode + town 2.0, "Mariagerfjord Kommune" 1.0, nothing else */
    cr_assert_float_eq(ev.score[GAZ_NORDJYLLAND], 3.0, 1e-9);
    cr_assert_float_eq(total(&ev), 3.0, 1e-9);
}

Test(gazetteer, municipalities_sjaelland)
{
    struct gaz_evidence ev = scan("Holbæk Kommune og Kalundborg Kommune");
    cr_assert_eq(gazetteer_best(&ev), GAZ_SJAELLAND);
    cr_assert_float_eq(ev.score[GAZ_SJAELLAND], 2.0, 1e-9);
}

Test(gazetteer, named_region_beats_stray_town)
{
    cr_assert_eq(best_of("Region Hovedstaden har besøgt Vejle."), GAZ_HOVEDSTADEN);
    cr_assert_eq(best_of("REGION NORDJYLLAND"), GAZ_NORDJYLLAND);
    cr_assert_eq(best_of("Region Hovedstadens Psykiatri"), GAZ_HOVEDSTADEN);
    cr_assert_eq(best_of("Region Midt og PLO"), GAZ_MIDTJYLLAND);
    cr_assert_eq(best_of("Region H"), GAZ_HOVEDSTADEN);
}

Test(gazetteer, cluster_names_are_not_evidence)
{
    cr_assert_eq(best_of("Syd"), GAZ_NONE);
    cr_assert_eq(best_of("Politisk Sundhedsklynge Syd, Nord, Midt og Vest"), GAZ_NONE);
    cr_assert_eq(best_of("Region Syd"), GAZ_NONE);
    cr_assert_eq(best_of(""), GAZ_NONE);
}

Test(gazetteer, best_ties_and_zero)
{
    struct gaz_evidence ev;
    memset(&ev, 0, sizeof ev);
    cr_assert_eq(gazetteer_best(&ev), GAZ_NONE);
    ev.score[GAZ_SYDDANMARK] = 1.0;
    ev.score[GAZ_MIDTJYLLAND] = 1.0;
    cr_assert_eq(gazetteer_best(&ev), GAZ_NONE);
    ev.score[GAZ_MIDTJYLLAND] = 1.5;
    cr_assert_eq(gazetteer_best(&ev), GAZ_MIDTJYLLAND);
    cr_assert_eq(best_of("Vejle og Horsens"), GAZ_NONE);
}

Test(gazetteer, weight_multiplies)
{
    struct gaz_evidence ev;
    memset(&ev, 0, sizeof ev);
    gazetteer_scan("Region Syddanmark", 17, 2.5, &ev);
    cr_assert_float_eq(ev.score[GAZ_SYDDANMARK], 7.5, 1e-9);
    gazetteer_scan("Region Syddanmark", 17, 1.0, &ev);  /* adds */
    cr_assert_float_eq(ev.score[GAZ_SYDDANMARK], 10.5, 1e-9);
}

Test(gazetteer, whole_words_only)
{
    struct gaz_evidence ev = scan("Vejlerne Aalborgensis xOdense Herningværket");
    cr_assert_float_eq(total(&ev), 0.0, 1e-9);
    ev = scan("(Vejle)");
    cr_assert_float_eq(ev.score[GAZ_SYDDANMARK], 0.5, 1e-9);
    ev = scan("Aalborgs borgmester");     /* genitive */
    cr_assert_float_eq(ev.score[GAZ_NORDJYLLAND], 0.5, 1e-9);
    ev = scan("ÆRØ KOMMUNE");
    cr_assert_float_eq(ev.score[GAZ_SYDDANMARK], 1.0, 1e-9);
    ev = scan("Københavns Kommunes sundhedsforvaltning");
    cr_assert_float_eq(ev.score[GAZ_HOVEDSTADEN], 1.0, 1e-9);
    ev = scan("Bornholms Regionskommune");
    cr_assert_float_eq(ev.score[GAZ_HOVEDSTADEN], 1.0, 1e-9);
}

Test(gazetteer, hyphenated_and_multiword_names)
{
    struct gaz_evidence ev = scan("Ikast-Brande Kommune, Ringkøbing-Skjern kommune");
    cr_assert_float_eq(ev.score[GAZ_MIDTJYLLAND], 2.0, 1e-9);
    ev = scan("Høje Taastrup Kommune og Lyngby-Taarbæk Kommune");
    cr_assert_float_eq(ev.score[GAZ_HOVEDSTADEN], 2.0, 1e-9);
    ev = scan("Faaborg-Midtfyn");
    cr_assert_float_eq(ev.score[GAZ_SYDDANMARK], 0.5, 1e-9);
    ev = scan("Nykøbing Mors");
    cr_assert_float_eq(ev.score[GAZ_NORDJYLLAND], 0.5, 1e-9);
    ev = scan("Nykøbing Falster Sygehus");
    cr_assert_float_eq(ev.score[GAZ_SJAELLAND], 2.0, 1e-9);
    cr_assert_float_eq(total(&ev), 2.0, 1e-9);
}

Test(gazetteer, common_word_municipalities_need_kommune)
{
    cr_assert_eq(best_of("vejen frem er lang, og Vejen er ikke let"), GAZ_NONE);
    cr_assert_eq(best_of("en skive brød og en odder"), GAZ_NONE);
    cr_assert_eq(best_of("Vejen Kommune"), GAZ_SYDDANMARK);
    cr_assert_eq(best_of("Odder Kommune"), GAZ_MIDTJYLLAND);
    cr_assert_eq(best_of("Greve Kommune"), GAZ_SJAELLAND);
}

Test(gazetteer, hospitals)
{
    struct gaz_evidence ev = scan("i R022, Regionshospitalet Gødstrup-klyngen");
    cr_assert_eq(gazetteer_best(&ev), GAZ_MIDTJYLLAND);
    cr_assert_float_eq(ev.score[GAZ_MIDTJYLLAND], 2.0, 1e-9);
    /* one hospital, not two municipalities and a hospital */
    ev = scan("Herlev og Gentofte Hospital");
    cr_assert_float_eq(ev.score[GAZ_HOVEDSTADEN], 2.0, 1e-9);
    cr_assert_float_eq(total(&ev), 2.0, 1e-9);
    cr_assert_eq(best_of("møde på OUH"), GAZ_SYDDANMARK);
    cr_assert_eq(best_of("Aalborg Universitetshospital"), GAZ_NORDJYLLAND);
    cr_assert_eq(best_of("Sjællands Universitetshospital"), GAZ_SJAELLAND);
    cr_assert_eq(best_of("Nordsjællands Hospital"), GAZ_HOVEDSTADEN);
}

Test(gazetteer, postcodes)
{
    struct gaz_evidence ev = scan("Kløvervænget 8, 5000 Odense C");
    cr_assert_float_eq(ev.score[GAZ_SYDDANMARK], 2.0, 1e-9);
    ev = scan("Olof Palmes Allé 15, 8200 Aarhus N");
    cr_assert_float_eq(ev.score[GAZ_MIDTJYLLAND], 2.0, 1e-9);
    ev = scan("Blegdamsvej 9, 2100 København Ø");
    cr_assert_float_eq(ev.score[GAZ_HOVEDSTADEN], 2.0, 1e-9);
    ev = scan("7100 Vejle");
    cr_assert_float_eq(ev.score[GAZ_SYDDANMARK], 2.0, 1e-9);
    ev = scan("2670 Greve");
    cr_assert_float_eq(ev.score[GAZ_SJAELLAND], 2.0, 1e-9);
    ev = scan("7700 Thisted");
    cr_assert_float_eq(ev.score[GAZ_NORDJYLLAND], 2.0, 1e-9);
    /* years and case numbers are not postcodes */
    ev = scan("Budget 2024 Mødested Teams");
    cr_assert_float_eq(total(&ev), 0.0, 1e-9);
    ev = scan("EMN-2022-04994 Sags ID 11062426 Dok");
    cr_assert_float_eq(total(&ev), 0.0, 1e-9);
    ev = scan("i alt 12.5000 Kroner, 3000 kroner");
    cr_assert_float_eq(total(&ev), 0.0, 1e-9);
    /* a postcode may be followed by more than one blank, a tab or a
     * no-break space */
    ev = scan("7100  Vejle, 5000\tOdense C, 9000\xC2\xA0" "Aalborg");
    cr_assert_float_eq(ev.score[GAZ_SYDDANMARK], 4.0, 1e-9);
    cr_assert_float_eq(ev.score[GAZ_NORDJYLLAND], 2.0, 1e-9);
}

/* A word that starts with a digit is a number however it goes on: the
 * place names glued to it are not read, as none is inside "Vejlebo". */
Test(gazetteer, a_word_starting_with_a_digit_is_a_number)
{
    struct gaz_evidence ev = scan("12×Aarhus 3x\xC3\x97Vejle 2024\xE4\xB8\xAD" "Odense");
    cr_assert_float_eq(total(&ev), 0.0, 1e-9);
    /* apart, the town counts as it does alone */
    cr_assert_float_eq(scan("12 Aarhus").score[GAZ_MIDTJYLLAND], scan("Aarhus").score[GAZ_MIDTJYLLAND], 1e-9);
    cr_assert_gt(scan("12 Aarhus").score[GAZ_MIDTJYLLAND], 0.0);
}

Test(gazetteer, regional_adjectives)
{
    struct gaz_evidence ev = scan("de nordjyske kommuner");
    cr_assert_float_eq(ev.score[GAZ_NORDJYLLAND], 1.0, 1e-9);
    cr_assert_eq(best_of("de syddanske kommuner"), GAZ_SYDDANMARK);
    cr_assert_eq(best_of("sjællandske kommuner"), GAZ_NONE);
    cr_assert_eq(best_of("det sønderjyske område"), GAZ_SYDDANMARK);
    cr_assert_eq(best_of("alle fynske praksisser"), GAZ_SYDDANMARK);
}

/* Place names are proper nouns: written in lower case they are ordinary
 * words ("skal", "samt") or slips, and prove nothing, even when they share
 * their first letter with a regional adjective ("syddanske", "fynske"). */
Test(gazetteer, lower_case_place_names_do_not_count)
{
    struct gaz_evidence ev = scan("borgere i skanderborg, silkeborg og middelfart");
    cr_assert_float_eq(total(&ev), 0.0, 1e-9);
    cr_assert_eq(best_of("Borgere i Skanderborg og Silkeborg"), GAZ_MIDTJYLLAND);
    /* capitalised words that begin like a place ("Skal" - Skanderborg,
     * "Bilag" - Billund, "Samt" - Samsø) are not places */
    ev = scan("Skal Bilag Samt Strategisk Mødet");
    cr_assert_float_eq(total(&ev), 0.0, 1e-9);
}

/* Every row of the compiled-in municipalities table maps to its region. */
Test(gazetteer, all_municipalities)
{
    char *copy = strdup(gaz_data_municipalities);
    char *save = NULL;
    int n = 0;
    bool header = false;

    cr_assert_not_null(copy);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[128], region[64], text[200];
        char *t1, *t2;
        enum gaz_region want = GAZ_NONE;
        struct gaz_evidence ev;

        if (line[0] == '#')
            continue;
        if (!header) {
            header = true;
            continue;
        }
        t1 = strchr(line, '\t');
        t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        cr_assert(t1 && t2, "bad row %s", line);
        snprintf(name, sizeof name, "%.*s", (int)(t2 - t1 - 1), t1 + 1);
        snprintf(region, sizeof region, "%s", t2 + 1);
        region[strcspn(region, "\r")] = '\0';
        for (int r = GAZ_NONE + 1; r < GAZ_NREGIONS; r++)
            if (strcmp(gazetteer_region_name((enum gaz_region)r), region) == 0)
                want = (enum gaz_region)r;
        cr_assert_neq(want, GAZ_NONE, "unknown region %s", region);
        cr_assert_eq(gazetteer_municipality_region(name, strlen(name)), want, "%s", name);
        snprintf(text, sizeof text, "Borgmester, %s Kommune.", name);
        ev = scan(text);
        cr_assert_eq(gazetteer_best(&ev), want, "%s", text);
        cr_assert_float_eq(ev.score[want], 1.0, 1e-9, "%s", text);
        n++;
    }
    cr_assert_eq(n, 98);
    free(copy);
}

Test(gazetteer, municipality_lookup)
{
    cr_assert_eq(gazetteer_municipality_region("Københavns", 10), GAZ_HOVEDSTADEN);
    cr_assert_eq(gazetteer_municipality_region("vejle", 5), GAZ_SYDDANMARK);
    cr_assert_eq(gazetteer_municipality_region("Vejen", 5), GAZ_SYDDANMARK);
    cr_assert_eq(gazetteer_municipality_region(" Høje-Taastrup ", 15), GAZ_HOVEDSTADEN);
    cr_assert_eq(gazetteer_municipality_region("Vesthimmerland", 14), GAZ_NORDJYLLAND);
    cr_assert_eq(gazetteer_municipality_region("Nordfyns", 8), GAZ_SYDDANMARK);
    cr_assert_eq(gazetteer_municipality_region("Region Syddanmark", 17), GAZ_NONE);
    cr_assert_eq(gazetteer_municipality_region("Lyngby", 6), GAZ_NONE);  /* a town */
    cr_assert_eq(gazetteer_municipality_region("Vejle Fjord", 11), GAZ_NONE);
    cr_assert_eq(gazetteer_municipality_region("", 0), GAZ_NONE);
}

Test(gazetteer, clusters)
{
    cr_assert_str_eq(gazetteer_cluster("HOL", 3, GAZ_NONE), "Holbæk");
    cr_assert_str_eq(gazetteer_cluster("Gødstrup", strlen("Gødstrup"), GAZ_NONE), "Gødstrup");
    cr_assert_str_eq(gazetteer_cluster("Gødstrup-klyngen", strlen("Gødstrup-klyngen"), GAZ_MIDTJYLLAND),
                     "Gødstrup");
    cr_assert_str_eq(gazetteer_cluster("Syd", 3, GAZ_NORDJYLLAND), "Syd");
    cr_assert_str_eq(gazetteer_cluster("Syd", 3, GAZ_NONE), "Syd");
    cr_assert_str_eq(gazetteer_cluster("SYD", 3, GAZ_HOVEDSTADEN), "Syd");
    cr_assert_str_eq(gazetteer_cluster("lillebælt", strlen("lillebælt"), GAZ_NONE), "Lillebælt");
    cr_assert_str_eq(gazetteer_cluster("Lillebælts", strlen("Lillebælts"), GAZ_NONE), "Lillebælt");
    cr_assert_str_eq(gazetteer_cluster("NYK", 3, GAZ_NONE), "Nykøbing Falster");
    cr_assert_str_eq(gazetteer_cluster("Midtklyngen", 11, GAZ_MIDTJYLLAND), "Midt");
    cr_assert_str_eq(gazetteer_cluster("Vest", 4, GAZ_MIDTJYLLAND), "Gødstrup");
    cr_assert_str_eq(gazetteer_cluster("Vest", 4, GAZ_NORDJYLLAND), "Vest");
    cr_assert_str_eq(gazetteer_cluster("Sundhedsklynge Byen", 19, GAZ_NONE), "Byen");
    cr_assert_str_eq(gazetteer_cluster("OUH", 3, GAZ_NONE), "Odense");
    cr_assert_null(gazetteer_cluster("HO", 2, GAZ_NONE));            /* Holbæk or Horsens */
    cr_assert_str_eq(gazetteer_cluster("HO", 2, GAZ_SJAELLAND), "Holbæk");
    cr_assert_null(gazetteer_cluster("Xyzzy", 5, GAZ_NONE));
    cr_assert_str_eq(gazetteer_cluster("hol", 3, GAZ_NONE), "Holbæk");
    cr_assert_null(gazetteer_cluster("", 0, GAZ_NONE));
    /* returned names are long-lived and stable */
    cr_assert_eq(gazetteer_cluster("HOL", 3, GAZ_NONE), gazetteer_cluster("Holbæk", 7, GAZ_NONE));
}

Test(gazetteer, cluster_regions)
{
    cr_assert_eq(gazetteer_cluster_region("Gødstrup"), GAZ_MIDTJYLLAND);
    cr_assert_eq(gazetteer_cluster_region("Holbæk"), GAZ_SJAELLAND);
    cr_assert_eq(gazetteer_cluster_region("Lillebælt"), GAZ_SYDDANMARK);
    cr_assert_eq(gazetteer_cluster_region("Bornholm"), GAZ_HOVEDSTADEN);
    cr_assert_eq(gazetteer_cluster_region("Syd"), GAZ_NONE);
    cr_assert_eq(gazetteer_cluster_region("Midt"), GAZ_NONE);
    cr_assert_eq(gazetteer_cluster_region("Nowhere"), GAZ_NONE);
    cr_assert_eq(gazetteer_cluster_region(NULL), GAZ_NONE);
}

Test(gazetteer, hostile_bytes)
{
    /* invalid UTF-8, NULs, truncated sequences, separators at the end */
    static const char s[] = "Region\xC3\x00 \xFF\xFE Vejle\xE2\x82 Region Hovedstaden- 9220 \xC3";
    struct gaz_evidence ev;
    memset(&ev, 0, sizeof ev);
    gazetteer_scan(s, sizeof s - 1, 1.0, &ev);
    cr_assert_eq(gazetteer_best(&ev), GAZ_HOVEDSTADEN);
    gazetteer_scan("Region ", 7, 1.0, &ev);
    gazetteer_scan("9220", 4, 1.0, &ev);
    gazetteer_scan(NULL, 10, 1.0, &ev);
    gazetteer_scan("x", 1, 1.0, NULL);
}

/* The vector pass must change nothing but speed: random texts of place
 * names, their near misses, numbers, lower-case prose and awkward bytes,
 * often glued together with no separator ("12×Aarhus"), give exactly the
 * evidence of the byte loop. */
Test(gazetteer, vector_pass_agrees_with_byte_loop)
{
    static const char *const tok[] = {
        "Region", "Hovedstaden", "Nordjylland", "nordjyske", "syddanske", "sønderjysk", "Fyn", "fynske",
        "Aarhus", "Aarhus C", "Vejle", "Kommune", "8000", "9220", "2100", "12", "123456", "København",
        "Ø", "Århus", "Ærø", "Sønderborg", "og", "møde", "der", "blev", "for", "som", "bornholmske",
        "Bornholm", "Bornholms", "Herlev og Gentofte Hospital", "Rigshospitalet", "McDonald",
        "PLO-Nordjylland", "Region H", "Det", "Skal", "Bilag", "s", "b", "n", "×", "÷", "–", "\xC2\xA0",
        "\xF0\x9F\x98\x80", "\xC3", "\xFF", "\x80", "é", "Éire", "\xD0\x9C\xD0\xB8", "\xE4\xB8\xAD",
    };
    static const char *const sep[] = {" ", " ", " ", "\n", ", ", ". ", "-", "", "(", "\t", "  "};
    uint64_t x = 0x9E3779B97F4A7C15u;
    char *buf = malloc(8192);
    cr_assert_not_null(buf);
    for (int round = 0; round < 400; round++) {
        size_t len = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t want = 100 + x % 4000;
        while (len < want) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *a = tok[x % (sizeof tok / sizeof *tok)];
            const char *b = sep[(x >> 32) % (sizeof sep / sizeof *sep)];
            size_t an = strlen(a), sn = strlen(b);
            memcpy(buf + len, a, an);
            memcpy(buf + len + an, b, sn);
            len += an + sn;
        }
        struct gaz_evidence ev, ref;
        memset(&ev, 0, sizeof ev);
        memset(&ref, 0, sizeof ref);
        gazetteer_scan(buf, len, 1.0, &ev);
        gazetteer_scan_bytewise(buf, len, 1.0, &ref);
        char what[32];
        snprintf(what, sizeof what, "round %d", round);
        assert_same_evidence(&ev, &ref, what);
        cr_assert_gt(total(&ref), 0, "%s: no evidence at all", what);
    }
    free(buf);
}

/* Must be linear: no quadratic rescans on long words, long runs of
 * separators, or many near-miss names.  Bounds are generous for sanitizer
 * builds; a linear scan takes well under a second. */
static void time_scan(const char *unit, size_t total_bytes, double limit)
{
    size_t u = strlen(unit), n = total_bytes / u * u;
    char *buf = malloc(n);
    struct gaz_evidence ev;
    struct timespec t0;
    double dt;

    cr_assert_not_null(buf);
    for (size_t i = 0; i < n; i += u)
        memcpy(buf + i, unit, u);
    memset(&ev, 0, sizeof ev);
    gazetteer_scan("", 0, 1.0, &ev);    /* build the tables outside the timing */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    gazetteer_scan(buf, n, 1.0, &ev);
    dt = seconds_since(&t0);
    cr_assert_lt(dt, limit, "%zu bytes of \"%s\" took %.2f s", n, unit, dt);
    free(buf);
}

Test(gazetteer, linear_one_huge_word, .timeout = 60)
{
    time_scan("x", 20u << 20, 10.0);
    time_scan("\xc3\xa6", 20u << 20, 10.0);   /* one huge word of "æ" */
}

Test(gazetteer, linear_no_letters, .timeout = 60)
{
    time_scan(" ", 20u << 20, 10.0);
    time_scan("-.,", 20u << 20, 10.0);
}

Test(gazetteer, linear_near_misses, .timeout = 60)
{
    time_scan("Region ", 4u << 20, 10.0);
    time_scan("Herlev og Gentofte ", 4u << 20, 10.0);
    time_scan("1234 ", 4u << 20, 10.0);
    time_scan("2024 Aalborg ", 4u << 20, 10.0);
    time_scan("Vejle Kommune ", 4u << 20, 10.0);
    time_scan("Nordsjællands ", 4u << 20, 10.0);
}

struct thread_arg {
    const char *text;
    enum gaz_region got;
};

static void *scan_thread(void *p)
{
    struct thread_arg *a = p;
    a->got = best_of(a->text);
    return NULL;
}

/* Criterion runs each test in its own process, so this is the first use:
 * the tables are built by whichever thread gets there first. */
Test(gazetteer, first_use_from_many_threads)
{
    static const char *const texts[] = {
        "Region Hovedstaden", "Holbæk Kommune", "Sygehus Lillebælt",
        "8000 Aarhus C", "Mariagerfjord Kommune", "Rigshospitalet",
        "Region Zealand", "Aalborg Universitetshospital",
    };
    static const enum gaz_region want[] = {
        GAZ_HOVEDSTADEN, GAZ_SJAELLAND, GAZ_SYDDANMARK, GAZ_MIDTJYLLAND,
        GAZ_NORDJYLLAND, GAZ_HOVEDSTADEN, GAZ_SJAELLAND, GAZ_NORDJYLLAND,
    };
    pthread_t th[8];
    struct thread_arg arg[8];

    for (int i = 0; i < 8; i++) {
        arg[i].text = texts[i];
        arg[i].got = GAZ_NONE;
        cr_assert_eq(pthread_create(&th[i], NULL, scan_thread, &arg[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(arg[i].got, want[i], "%s", texts[i]);
    }
}

#ifdef TEST_DATA_DIR
/* The seed documents: the region the gold files name. */
Test(gazetteer, seeds)
{
    static const struct {
        const char *file;
        enum gaz_region want;
    } seeds[] = {
        {"000_d2f626ad0e25e238.txt", GAZ_SJAELLAND},
        {"001_7b1df9de962b88b2.txt", GAZ_SYDDANMARK},
        {"002_54d817ac84b58f52.txt", GAZ_HOVEDSTADEN},
        {"003_bdb304747eb2561f.txt", GAZ_NORDJYLLAND},
        {"004_7178018e32c86f38.txt", GAZ_MIDTJYLLAND},
    };

    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[1024];
        FILE *f;
        char *buf;
        long n;
        struct gaz_evidence ev;

        snprintf(path, sizeof path, "%s/seeds/%s", TEST_DATA_DIR, seeds[i].file);
        f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t)n + 1);
        cr_assert_not_null(buf);
        cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        memset(&ev, 0, sizeof ev);
        gazetteer_scan(buf, (size_t)n, 1.0, &ev);
        struct gaz_evidence ref;
        memset(&ref, 0, sizeof ref);
        gazetteer_scan_bytewise(buf, (size_t)n, 1.0, &ref);
        assert_same_evidence(&ev, &ref, seeds[i].file);
        cr_assert_eq(gazetteer_best(&ev), seeds[i].want, "%s: %g %g %g %g %g", seeds[i].file,
                     ev.score[1], ev.score[2], ev.score[3], ev.score[4], ev.score[5]);
        free(buf);
    }
}
#endif
