/*
 * Tests for the plain-line prefilter of pipeline/classify.c: a long line
 * that starts with any classifier's keyword is never called plain, however
 * the prefilter shortcuts its lookup, and prose is.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "sections.h"

/* Sentence tail that makes any line longer than a heading can be. */
static const char tail[] = " og her fortsætter linjen med almindelig tekst om sagen, så den bliver lang nok til at være prosa";

/* The keyword written three ways (as listed, capitalised, upper case)
 * at the start of a long line: each must be "maybe structure". */
static void expect_structure(const char *kw)
{
    char line[512];
    for (int form = 0; form < 3; form++) {
        int n = snprintf(line, sizeof line, "%s%s", kw, tail);
        cr_assert(n > 80 && (size_t)n < sizeof line);
        if (form == 1 && line[0] >= 'a' && line[0] <= 'z')
            line[0] = (char)(line[0] - 32);
        for (size_t i = 0; form == 2 && i < strlen(kw); i++)
            if (line[i] >= 'a' && line[i] <= 'z')
                line[i] = (char)(line[i] - 32);
        cr_assert(classify_maybe_structure(line, (size_t)n), "called plain: \"%.40s…\"", line);
    }
}

Test(classify, keyword_lines_are_never_plain)
{
    /* the tables the prefilter is built from; punkt words, people heads
     * and duration labels are private to classify.c and spelled here */
    static const char *const own[] = {"punkt 3", "pkt. 3", "pkt 3", "dagsordenspunkt 3", "sag nr. 3", "sag 3",
                                      "ad punkt 3", "ad. 3", "mødedeltagere", "deltagere:", "til stede",
                                      "tilstede", "fraværende", "afbud:", "fravær", "desuden deltog",
                                      "referent", "forventet varighed:", "varighed:", "tidsforbrug",
                                      "tid til punktet", NULL};
    for (size_t k = 0; own[k]; k++)
        expect_structure(own[k]);
    for (size_t k = 0; classify_case_labels[k]; k++)
        expect_structure(classify_case_labels[k]);
    for (size_t k = 0; classify_doc_labels[k]; k++)
        expect_structure(classify_doc_labels[k]);
    const char *kw;
    size_t count = 0;
    for (size_t k = 0; (kw = sections_keyword(k)); k++, count++)
        expect_structure(kw);
    cr_assert_gt(count, 10);
}

Test(classify, prose_is_plain)
{
    static const char *const first[] = {"udvalget", "Udvalget", "Økonomien", "Regionen", "Adgangen",
                                        "Punktum", "Sagen", "Beslutningerne", NULL};
    char line[512];
    for (size_t k = 0; first[k]; k++) {
        int n = snprintf(line, sizeof line, "%s%s.", first[k], tail);
        cr_assert_not(classify_maybe_structure(line, (size_t)n), "not plain: \"%.40s…\"", line);
    }
}

/* A heading a converter cut after a word that cannot end one: every such
 * word, in either case, ends it dangling; a longer last word, a word that
 * only starts like one, and a line that is only the word do not. */
Test(classify, dangling_end)
{
    static const char *const words[] = {"den", "d.", "i", "for", "om", "af", "på", "fra", "til", "og", "ved",
                                        "DEN", "PÅ", "Til"};
    char s[96];
    for (size_t k = 0; k < sizeof words / sizeof *words; k++) {
        snprintf(s, sizeof s, "Beslutning i Sundhedsklyngens styregruppe %s", words[k]);
        cr_assert(classify_dangling_end(s, strlen(s)), "\"%s\"", s);
        cr_assert_not(classify_dangling_end(words[k], strlen(words[k])), "\"%s\" alone", words[k]);
    }
    static const char *const whole[] = {"Beslutning i styregruppen den 26-04-2024", "Orientering om økonomien",
                                        "Status på denne", "Drøftelse af forslag", "Punkt til", "Sag dens",
                                        "Sag ia"};
    for (size_t k = 0; k < sizeof whole / sizeof *whole; k++)
        cr_assert_eq(classify_dangling_end(whole[k], strlen(whole[k])), strcmp(whole[k], "Punkt til") == 0, "\"%s\"",
                     whole[k]);
}

/* "Who indstiller" opens the recommendation, however the line ends
 * (comma, colon, full stop, blanks after them, capitals); another last
 * word does not. */
Test(classify, who_recommends_heads_the_recommendation)
{
    static const char *const yes[] = {"Administrationen indstiller", "Administrationen indstiller,",
                                      "Formandskabet indstiller:", "Sekretariatet indstiller .",
                                      "Sekretariatet INDSTILLER", "Styregruppen indstiller,\t"};
    static const char *const no[] = {"Administrationen indstillede", "Administrationen indstiller ikke",
                                     "Administrationen anbefaler:", "indstiller", "Det er ikke sikkert, at udvalget indstiller"};
    struct section_match m;
    for (size_t k = 0; k < sizeof yes / sizeof *yes; k++) {
        cr_assert(sections_match(yes[k], strlen(yes[k]), &m), "\"%s\"", yes[k]);
        cr_assert_str_eq(m.key, "recommendation", "\"%s\": %s", yes[k], m.key);
    }
    for (size_t k = 0; k < sizeof no / sizeof *no; k++)
        cr_assert(!sections_match(no[k], strlen(no[k]), &m) || strcmp(m.key, "recommendation") != 0, "\"%s\"", no[k]);
}
