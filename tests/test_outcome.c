/*
 * Tests for pipeline/outcome.c: what a decision text says happened.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "outcome.h"

static void expect(const char *text, const char *want)
{
    const char *got = outcome_classify(text, strlen(text));
    cr_assert_not_null(got, "\"%s\": NULL", text);
    cr_assert_str_eq(got, want, "\"%s\": %s, want %s", text, got, want);
}

Test(outcome, approved_agenda)
{
    expect("Dagsordenen blev godkendt.", "approved");
}

Test(outcome, approved_recommendation_followed)
{
    expect("Indstillingen blev fulgt.", "approved");
}

Test(outcome, approved_both_recommendations_followed)
{
    expect("Begge indstillinger blev fulgt.", "approved");
}

Test(outcome, approval_outranks_discussion)
{
    expect("Drøftet og godkendt med bemærkningen, at \xe2\x80\xa6", "approved");
}

Test(outcome, approved_tiltraadt)
{
    expect("Tiltrådt.", "approved");
}

Test(outcome, approved_vedtaget)
{
    expect("Forslaget blev vedtaget.", "approved");
}

Test(outcome, noted)
{
    expect("Orienteringen blev taget til efterretning.", "noted");
}

Test(outcome, reported_perfect_approval_does_not_count)
{
    expect("Orientering om X blev taget til efterretning. Desuden blev der orienteret om, at det politiske "
           "formandskab har godkendt, at der anvendes 177.200 kr.",
           "noted");
}

Test(outcome, discussed)
{
    expect("Punktet blev drøftet.", "discussed");
}

Test(outcome, rejected_negated_approval)
{
    expect("Forslaget blev ikke godkendt.", "rejected");
}

/*
 * Regression (was a bug in outcome.c, fixed): "Indstillingen blev fulgt" is an approval, but its
 * negation "Indstillingen blev ikke fulgt." is classified "other", not
 * "rejected": the negation sits inside the phrase, so neither the phrase
 * nor a negated approval word is found.  (The header lists "ikke godkendt"
 * among the rejections; "ikke fulgt" is the same decision.)
 */
Test(outcome, rejected_recommendation_not_followed)
{
    expect("Indstillingen blev ikke fulgt.", "rejected");
}

Test(outcome, rejected_forkastet)
{
    expect("Forkastet.", "rejected");
}

Test(outcome, rejected_afvist)
{
    expect("Ansøgningen blev afvist.", "rejected");
}

Test(outcome, postponed)
{
    expect("Punktet blev udsat.", "postponed");
}

Test(outcome, other_nothing_under_eventuelt)
{
    /* "ikke" here negates no decision word */
    expect("Der var ikke punkter under eventuelt.", "other");
}

Test(outcome, other_no_remarks)
{
    expect("Ingen bemærkninger.", "other");
}

Test(outcome, other_empty)
{
    expect("", "other");
}

Test(outcome, upper_case_approved)
{
    expect("GODKENDT", "approved");
    expect("DAGSORDENEN BLEV GODKENDT.", "approved");
}

Test(outcome, upper_case_danish_letters)
{
    /* Å in TILTRÅDT and Ø in DRØFTET must fold like their lower-case forms */
    expect("TILTR\xc3\x85" "DT.", "approved");
    expect("PUNKTET BLEV DR\xc3\x98" "FTET.", "discussed");
}

Test(outcome, upper_case_noted)
{
    expect("TAGET TIL EFTERRETNING", "noted");
}

Test(outcome, keyword_inside_a_longer_word_does_not_count)
{
    /* "godkendtes" is not in the word list and "udsat" must not match
     * "udsatte" as a prefix: whole words only */
    expect("Punktet om udsatte borgere blev taget til efterretning.", "noted");
}

/* Texts longer than the 2 KiB stack buffer take the heap path. */
Test(outcome, long_text)
{
    size_t fill = 5000;
    const char *tail = " Indstillingen blev fulgt.";
    size_t n = fill + strlen(tail);
    char *s = malloc(n);
    cr_assert_not_null(s);
    for (size_t i = 0; i < fill; i++)
        s[i] = (i % 7 == 6) ? ' ' : 'a';
    memcpy(s + fill, tail, strlen(tail));
    const char *got = outcome_classify(s, n);
    cr_assert_str_eq(got, "approved");
    free(s);
}

/* "blev fulgt op" is a follow-up, not the recommendation being followed. */
Test(outcome, followed_up_is_not_followed)
{
    const char *t = "Sagen blev fulgt op af sekretariatet.";
    cr_expect_str_neq(outcome_classify(t, strlen(t)), "approved");
    const char *u = "Sagen blev fulgt op. Indstillingen blev fulgt.";
    cr_expect_str_eq(outcome_classify(u, strlen(u)), "approved");
}

/* Every form of every verb the classifier knows, in the sentence a
 * committee writes; and a word of the same first letter and length that is
 * none of them. */
Test(outcome, every_known_form)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"Sagen blev godkendt.", "approved"},        {"Udvalget godkendte sagen.", "approved"},
        {"Udvalget godkender sagen.", "approved"},   {"Sagen godkendes.", "approved"},
        {"Sagen blev tiltrådt.", "approved"},        {"Udvalget tiltrådte.", "approved"},
        {"Udvalget tiltræder.", "approved"},         {"Indstillingen tiltrædes.", "approved"},
        {"Forslaget blev vedtaget.", "approved"},    {"Udvalget vedtog forslaget.", "approved"},
        {"Forslaget vedtages.", "approved"},         {"Indstillingen blev fulgt.", "approved"},
        {"Indstillingen følges.", "approved"},       {"Forslaget blev forkastet.", "rejected"},
        {"Udvalget forkastede forslaget.", "rejected"}, {"Forslaget blev afvist.", "rejected"},
        {"Udvalget afviste forslaget.", "rejected"}, {"Punktet blev udsat.", "postponed"},
        {"Punktet udsættes.", "postponed"},          {"Punktet blev udskudt.", "postponed"},
        {"Punktet udskydes.", "postponed"},          {"Orienteringen blev taget til efterretning.", "noted"},
        {"Sagen blev drøftet.", "discussed"},        {"Udvalget drøftede sagen.", "discussed"},
        {"Sagen drøftes.", "discussed"},             {"Sagen blev gokendt.", "other"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        expect(cases[k].text, cases[k].want);
}

/* "fulgt" approves two words after any word that starts with
 * "indstilling", however long: the slot table keeps prefixes under every
 * length from theirs up, and words longer than its last slot there too. */
Test(outcome, followed_after_any_indstilling_word)
{
    expect("Indstilling fulgt.", "approved");
    expect("Indstillingen fulgt.", "approved");
    expect("Indstillingerne fulgt.", "approved");            /* 15 bytes */
    expect("Indstillingsforslaget fulgt.", "approved");      /* 21 bytes */
    expect("Indstillingsforslaget i sin helhed fulgt.", "other"); /* too far */
    expect("Indstil fulgt.", "other");
    expect("Indstillin fulgt.", "other");
    expect("Tilstillingen fulgt.", "other");
}

/* Words end at any byte that is not a letter or digit - dashes and quotes
 * included - however long the word before, and at the very end of a text
 * of any length. */
Test(outcome, word_ends)
{
    expect("Dagsordenen blev godkendt\xE2\x80\x93 uden bem\xC3\xA6rkninger", "approved");
    expect("\"Godkendt\"", "approved");
    expect("\xC2\xBBGodkendt\xC2\xAB", "approved");
    expect("Forslaget \xE2\x80\x9Cvedtaget\xE2\x80\x9D", "approved");
    expect("Sundhedsklyngestyregruppemedlemmerne godkendte", "approved");
    expect("Sundhedsklyngestyregruppemedlemmernegodkendte", "other");
    char buf[3000];
    for (size_t n = 1; n < 40; n++) {
        memset(buf, 'x', sizeof buf);
        size_t len = 2000 + n;
        memcpy(buf + len - 9, " vedtaget", 9);
        buf[len] = '\0';
        expect(buf, "approved");
    }
}

/*
 * The masked word pass against the byte-at-a-time definition, on random
 * texts made of the pieces that decide where words and clauses end: the
 * verbs, negations and "har", blanks, digits before dots, clause ends,
 * 0xC2/0xE2 separators with and without their continuation bytes, stray
 * continuation bytes, and capitals - at every offset around the 64-byte
 * blocks the masks are made in.
 */
Test(outcome, masked_words_match_the_bytewise_definition)
{
    static const char *const pieces[] = {
        "godkendt", "GODKENDT", "fulgt", "op", "ikke", "blev", "har", "til", "efterretning", "drøftet",
        "udsat", "afvist", "indstillingen", "Indstilling", "tiltrådt", "TILTRÅDT", " ", " ", " ", "  ",
        "\n", ".", "1.", ";", ":", ",", "\xE2\x80\x93", "\xE2\x80", "\xE2", "\xC2\xBB", "\xC2", "\xC2\xAB\x80",
        "\x80", "\xBF\xBF", "\xC3\xA6", "x", "7", "\0",
    };
    enum { NP = sizeof pieces / sizeof *pieces };
    unsigned seed = 12345;
    char buf[400];
    size_t mismatches = 0, approved = 0;
    for (int round = 0; round < 60000; round++) {
        size_t n = 0;
        size_t want = (size_t)(round % 300);
        while (n < want) {
            seed = seed * 1103515245u + 12345u;
            size_t k = (seed >> 16) % NP;
            size_t l = k == NP - 1 ? 1 : strlen(pieces[k]);
            if (n + l > want)
                break;
            memcpy(buf + n, pieces[k], l);
            n += l;
        }
        const char *a = outcome_classify(buf, n), *b = outcome_classify_bytewise(buf, n);
        if (strcmp(a, b) != 0 && mismatches++ < 5)
            cr_log_error("round %d, %zu bytes: masked %s, bytewise %s", round, n, a, b);
        approved += strcmp(a, "approved") == 0;
    }
    cr_assert_eq(mismatches, 0, "%zu texts read differently", mismatches);
    /* the texts exercise the rules, not just "other" */
    cr_assert_gt(approved, 1000);
}
