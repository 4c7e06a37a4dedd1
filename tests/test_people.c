/*
 * Tests for pipeline/people.c: lists of people as minutes print them.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include <string.h>

#include "people.h"
#include "testutil.h"
#include "util.h"

#define MAXP 32


static size_t parse(const char *text, struct person *out)
{
    memset(out, 0, MAXP * sizeof *out);
    return people_parse(test_arena, text, strlen(text), out, MAXP);
}

/* NULL-safe string comparison with a readable message. */
static void expect_field(const char *what, const char *got, const char *want)
{
    if (!want) {
        cr_assert_null(got, "%s: \"%s\", want NULL", what, got ? got : "");
        return;
    }
    cr_assert_not_null(got, "%s: NULL, want \"%s\"", what, want);
    cr_assert_str_eq(got, want, "%s: \"%s\", want \"%s\"", what, got, want);
}

static bool is_name(const char *s)
{
    return people_is_name(s, strlen(s));
}

TestSuite(people, .init = test_arena_setup, .fini = test_arena_teardown);

Test(people, running_list)
{
    struct person p[MAXP];
    size_t n = parse("Bo Libergren, V, Mette Bossen Linnet, V (Fravær), Johannes Lundsfryd, Middelfart Kommune, "
                     "Knud Erik Langhoff. Kolding Kommune, Birgitte Ries Møller, PLO",
                     p);
    cr_assert_eq(n, 5, "%zu people, want 5", n);
    static const char *const names[] = {"Bo Libergren", "Mette Bossen Linnet", "Johannes Lundsfryd",
                                        "Knud Erik Langhoff", "Birgitte Ries Møller"};
    for (size_t i = 0; i < 5; i++)
        expect_field("name", p[i].name, names[i]);

    expect_field("Bo's party", p[0].party, "V");
    cr_assert(!p[0].absent, "Bo is not marked absent");

    expect_field("Mette's party", p[1].party, "V");
    cr_assert(p[1].absent, "Mette is marked (Fravær)");

    expect_field("Johannes' organization", p[2].organization, "Middelfart Kommune");
    cr_assert(!p[2].absent);

    expect_field("Knud Erik's organization", p[3].organization, "Kolding Kommune");

    expect_field("Birgitte's organization", p[4].organization, "PLO");
    for (size_t i = 0; i < 5; i++)
        cr_assert(!p[i].chair, "%s is not the chair", p[i].name);
}

Test(people, one_per_line)
{
    struct person p[MAXP];
    size_t n = parse("Søren Liner, direktør, Herning kommune\n"
                     "Lotte Juncker, direktør, Struer kommune (deltog fra punkt 3)\n"
                     "Jonathan Egeris Groth, AC-fuldmægtig, Region Nordjylland (sekretariat)",
                     p);
    cr_assert_eq(n, 3, "%zu people, want 3", n);

    expect_field("name 0", p[0].name, "Søren Liner");
    expect_field("role 0", p[0].role, "direktør");
    expect_field("organization 0", p[0].organization, "Herning kommune");
    expect_field("note 0", p[0].note, NULL);

    expect_field("name 1", p[1].name, "Lotte Juncker");
    expect_field("organization 1", p[1].organization, "Struer kommune");
    expect_field("note 1", p[1].note, "deltog fra punkt 3");

    expect_field("name 2", p[2].name, "Jonathan Egeris Groth");
    expect_field("role 2", p[2].role, "AC-fuldmægtig");
    expect_field("organization 2", p[2].organization, "Region Nordjylland");
    expect_field("group 2", p[2].group, "secretariat");
    expect_field("group 0", p[0].group, NULL);
}

Test(people, og_between_two_names)
{
    struct person p[MAXP];
    size_t n = parse("Jan Mainz og Pia Buus Pindstrup.", p);
    cr_assert_eq(n, 2, "%zu people, want 2", n);
    expect_field("name 0", p[0].name, "Jan Mainz");
    expect_field("name 1", p[1].name, "Pia Buus Pindstrup");
}

Test(people, og_inside_an_organisation_does_not_split)
{
    struct person p[MAXP];
    size_t n = parse("Jan Mainz, Børne- og Ungeforvaltningen", p);
    cr_assert_eq(n, 1, "%zu people, want 1", n);
    expect_field("name", p[0].name, "Jan Mainz");
}

Test(people, vertical_record)
{
    struct person p[MAXP];
    size_t n = parse("Lone Lindsby\nRegionsdirektør\nMedlem", p);
    cr_assert_eq(n, 1, "%zu people, want 1", n);
    expect_field("name", p[0].name, "Lone Lindsby");
    expect_field("role", p[0].role, "Regionsdirektør");
    expect_field("group", p[0].group, "member");
}

Test(people, chair_marked_modeleder)
{
    struct person p[MAXP];
    size_t n = parse("Mogens Jespersen, Borgmester Mariagerfjord Kommune (medformand) - mødeleder", p);
    cr_assert_eq(n, 1, "%zu people, want 1", n);
    expect_field("name", p[0].name, "Mogens Jespersen");
    cr_assert(p[0].chair, "mødeleder makes him the chair");
    cr_assert(!p[0].absent);
    /* the marker is not left in the description */
    if (p[0].role)
        cr_assert_null(strstr(p[0].role, "mødeleder"), "role \"%s\" keeps the marker", p[0].role);
}

Test(people, chair_on_the_next_person_only)
{
    struct person p[MAXP];
    size_t n = parse("Bo Libergren, V\nMogens Jespersen (mødeleder)", p);
    cr_assert_eq(n, 2, "%zu people, want 2", n);
    cr_assert(!p[0].chair);
    cr_assert(p[1].chair);
    expect_field("name 1", p[1].name, "Mogens Jespersen");
}

Test(people, max_is_respected)
{
    struct person p[MAXP];
    memset(p, 0, sizeof p);
    const char *s = "Bo Libergren, Mette Bossen Linnet, Johannes Lundsfryd, Birgitte Ries Møller";
    size_t n = people_parse(test_arena, s, strlen(s), p, 2);
    cr_assert_eq(n, 2);
    expect_field("name 1", p[1].name, "Mette Bossen Linnet");
    cr_assert_null(p[2].name, "wrote past max");
}

Test(people, empty_text)
{
    struct person p[MAXP];
    cr_assert_eq(parse("", p), 0);
    cr_assert_eq(parse("\n\n  \n", p), 0);
}

Test(people_is_name, names)
{
    cr_assert(is_name("Allan S. Andersen"));
    cr_assert(is_name("Marianne Gerner Friis-Mikkelsen"));
    cr_assert(is_name("Bo Libergren"));
    cr_assert(is_name("Birgitte Ries Møller"));
    cr_assert(is_name("Øjvind Ærø Åsted"));
}

Test(people_is_name, not_names)
{
    cr_assert(!is_name("Middelfart Kommune"));
    cr_assert(!is_name("PLO"));
    cr_assert(!is_name("Regionsdirektør"));
    cr_assert(!is_name("Sundhedsklyngens medlemmer"));
    cr_assert(!is_name("Bo"));
    cr_assert(!is_name("Punkt 3 Orientering"));
    cr_assert(!is_name("deltog fra punkt"));
    /* words apart by tabs only are cells of a table, not a name - short
     * and at the length where the name test goes sixteen bytes a step */
    cr_assert(!is_name("Anne\tJensen"));
    cr_assert(!is_name("Anne-Marie\tVestergaard\tJensen"));
    cr_assert(is_name("Anne-Marie Vestergaard\tJensen"));
}

/* A digit or list punctuation anywhere rules a name out, at every
 * offset of names of every length the test looks at (4 to 80 bytes). */
Test(people_is_name, a_byte_no_name_holds_at_every_offset)
{
    static const char bad[] = "0123456789():,;/";
    static const char *const names[] = {"Bo Li", "Anne Marie Holm", "Anne Marie Jensen Holm",
                                        "Marianne Gerner Friis-Mikkelsen Holm Bertelsen",
                                        "Marianne Gerner Friis-Mikkelsen Holm Bertelsen-Kristiansen"};
    char buf[96];
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t n = strlen(names[k]);
        cr_assert(people_is_name(names[k], n), "%s", names[k]);
        /* every byte but the capital that starts it, each bad byte */
        for (size_t at = 1; at < n; at++)
            for (size_t b = 0; b < sizeof bad - 1; b++) {
                memcpy(buf, names[k], n);
                buf[at] = bad[b];
                cr_assert_not(people_is_name(buf, n), "\"%.*s\"", (int)n, buf);
            }
    }
}

/* Every organisation word rules a name out wherever it stands, in any
 * case; every particle is allowed in lower case between capitals. */
Test(people_is_name, organisation_words_and_particles)
{
    static const char *const orgs[] = {"Kommune", "kommunes", "REGION", "Regionen", "Hospital", "sygehuset",
                                       "Plo", "Psykiatrien", "Forum", "Udvalg", "Direktør", "Borgmester",
                                       "Læge", "Universitetshospital", "Kommunalbestyrelse", "Regionsråd",
                                       "Repræsentant", "Chef", "Leder", "Medlemmer"};
    static const char *const parts[] = {"af", "von", "van", "de", "la", "le", "du", "der", "den", "da", "di"};
    char buf[128];
    for (size_t k = 0; k < sizeof orgs / sizeof *orgs; k++) {
        snprintf(buf, sizeof buf, "Anne %s Jensen", orgs[k]);
        cr_assert(!is_name(buf), "%s", buf);
        snprintf(buf, sizeof buf, "Anne Jensen %s", orgs[k]);
        cr_assert(!is_name(buf), "%s", buf);
    }
    for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
        snprintf(buf, sizeof buf, "Anne %s Jensen", parts[k]);
        cr_assert(is_name(buf), "%s", buf);
    }
    /* a word sharing an entry's first letter and length is not that entry */
    cr_assert(is_name("Karin Kommuni Holm"));
    cr_assert(is_name("Karin Regionshospitalat Holm"));    /* differs in byte 15 of 17 */
    cr_assert(is_name("Karin Universitetshospitel Holm")); /* differs in byte 18 of 20 */
    cr_assert(!is_name("Anne dem Jensen"));
}

Test(people_group_of, keywords)
{
    static const struct {
        const char *s, *want;
    } t[] = {
        {"Medlemmer", "member"}, {"Bisiddere", "advisor"}, {"Administrativ deltagelse", "advisor"},
        {"Sekretariat", "secretariat"}, {"observatører", "observer"}, {"Gæster", "guest"},
        {"Afbud", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        expect_field(t[i].s, people_group_of(t[i].s, strlen(t[i].s)), t[i].want);
}

Test(people_same_name, one_edit_in_a_long_name)
{
    cr_assert(people_same_name("Pia Buus Pinstrup", "Pia Buus Pindstrup"));
    cr_assert(people_same_name("Pia Buus Pindstrup", "Pia Buus Pinstrup"));
}

Test(people_same_name, case_and_blanks_fold)
{
    cr_assert(people_same_name("pia buus pindstrup", "PIA BUUS PINDSTRUP"));
    cr_assert(people_same_name("Pia  Buus Pindstrup", "Pia Buus Pindstrup"));
    cr_assert(people_same_name("\xc3\x98jvind Hansen", "\xc3\xb8jvind hansen")); /* Ø / ø */
}

/* The header: "at most 2 edits apart for names longer than 8 bytes".
 * "Jan Main" is 8 bytes, so it needs an exact match. */
Test(people_same_name, short_names_need_exact_match)
{
    cr_assert(!people_same_name("Jan Mainz", "Jan Main"));
    cr_assert(!people_same_name("Jan Main", "Jan Mainz"));
    cr_assert(!people_same_name("Bo Lund", "Bo Land"));
    cr_assert(people_same_name("Bo Lund", "bo lund"));
}

Test(people_same_name, long_name_with_two_edits)
{
    /* 9+ bytes: two edits allowed, three not */
    cr_assert(people_same_name("Jan Mainzz", "Jan Mainz"));
    cr_assert(people_same_name("Pia Buus Pindstrup", "Pia Bus Pinstrup"));
    cr_assert(!people_same_name("Pia Buus Pindstrup", "Pia Bus Pinstrp"));
}

Test(people_same_name, different_first_letters)
{
    cr_assert(!people_same_name("Pia Buus Pindstrup", "Mia Buus Pindstrup"));
    cr_assert(!people_same_name("Anne Marie Hansen", "Bnne Marie Hansen"));
    /* Ø and Å share their first UTF-8 byte (0xC3): still different letters */
    cr_assert(!people_same_name("\xc3\x98jvind Hansen", "\xc3\x85jvind Hansen"));
}

/* The header: slips are forgiven only with the same first name. */
Test(people_same_name, first_name_must_match)
{
    cr_assert(!people_same_name("Per Hansen", "Pia Hansen"));
    cr_assert(!people_same_name("Pia Buus Pindstrup", "Pio Buus Pindstrup"));
    cr_assert(people_same_name("Pia Buus Pindstrup", "Pia Buus Pindstrupp"));
}

/* The words of a name are found by their blanks, 64 to a mask: a last
 * word that begins on either side of byte 64, after any run of spaces
 * and tabs, is still judged as a word of its own - an organisation word
 * there still rules the name out, a lower-case word that is no particle
 * too. */
Test(people_is_name, words_on_both_sides_of_the_mask_edge)
{
    static const char *const seps[] = {" ", "\t ", "  ", " \t "}; /* a space: a name has one */
    char buf[128], second[96];
    size_t judged = 0;
    for (size_t len2 = 3; len2 < 70; len2++) {
        /* a second word of len2 bytes: "Mikkelsenmikkelsen…" */
        second[0] = 'M';
        for (size_t k = 1; k < len2; k++)
            second[k] = "ikkelsen"[(k - 1) % 8];
        second[len2] = '\0';
        for (size_t sp = 0; sp < sizeof seps / sizeof *seps; sp++) {
            const char *sep = seps[sp];
            int n = snprintf(buf, sizeof buf, "Anne%s%s%sHolm", sep, second, sep);
            if (n < 4 || n > 70)
                continue;
            cr_assert(people_is_name(buf, (size_t)n), "\"%s\"", buf);
            n = snprintf(buf, sizeof buf, "Anne%s%s%sHolm%sKommune", sep, second, sep, sep);
            if (n > 80)
                continue;
            cr_assert_not(people_is_name(buf, (size_t)n), "\"%s\"", buf);
            n = snprintf(buf, sizeof buf, "Anne%s%s%sHolm%sog", sep, second, sep, sep);
            cr_assert_not(people_is_name(buf, (size_t)n), "\"%s\"", buf);
            judged++;
        }
    }
    cr_assert_gt(judged, 200u);
}

/* A trailing "- mødeleder" marks the chair wherever it ends a segment:
 * after descriptions of every length, so that the marker falls at every
 * offset of the cheap search's sixteen-start windows and its overlapping
 * last one, and in segments too short for them. */
Test(people, chair_marker_at_every_offset)
{
    char text[160], desc[96];
    for (size_t len = 0; len < 60; len++) {
        for (size_t k = 0; k < len; k++)
            desc[k] = k % 7 == 6 ? ' ' : "dekader"[k % 7]; /* "dekader": near misses of "deleder" */
        desc[len] = '\0';
        struct person p[MAXP];
        snprintf(text, sizeof text, "Mogens Jespersen, Borgmester %s - mødeleder", desc);
        size_t n = parse(text, p);
        cr_assert_eq(n, 1, "\"%s\": %zu people", text, n);
        cr_assert(p[0].chair, "\"%s\": not the chair", text);
        snprintf(text, sizeof text, "Mogens Jespersen, Borgmester %s - mødedeltager", desc);
        n = parse(text, p);
        cr_assert_eq(n, 1, "\"%s\": %zu people", text, n);
        cr_assert(!p[0].chair, "\"%s\": the chair", text);
    }
    /* segments shorter than a window */
    struct person p[MAXP];
    cr_assert_eq(parse("Bo Li - mødeleder", p), 1);
    cr_assert(p[0].chair);
    expect_field("name", p[0].name, "Bo Li");
    cr_assert_eq(parse("Bo Li (medlem)", p), 1);
    cr_assert(!p[0].chair);
}
