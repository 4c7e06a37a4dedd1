/*
 * Validation: each issue code fires on a document made to trigger it, and
 * the published seeds raise no error.
 */
#include <criterion/criterion.h>

#include "model.h"
#include "pipeline.h"

static struct md_doc *parse(const char *text, enum stage_result *r)
{
    return pipeline_run((const unsigned char *)text, strlen(text), "v.txt", NULL, NULL, r);
}

static const struct md_issue *find(const struct md_doc *doc, const char *code)
{
    for (size_t i = 0; i < doc->nissues; i++)
        if (!strcmp(doc->issues[i].code, code))
            return &doc->issues[i];
    return NULL;
}

#define HEADER "REFERAT Sundhedsklynge Test d. 05-03-2024\n\nMødested Rådhuset\n\n"

Test(validate, clean_document_has_no_issues)
{
    enum stage_result r;
    struct md_doc *d = parse(HEADER "Punkt 1: Godkendelse af dagsorden\n\nBeslutning\n\nGodkendt.\n\n"
                                    "Punkt 2: Eventuelt\n\nBeslutning\n\nIngen bemærkninger.\n",
                             &r);
    cr_expect_eq(r, STAGE_OK);
    cr_expect_eq(d->nissues, 0, "first issue: %s", d->nissues ? d->issues[0].message : "");
    model_destroy(d);
}

Test(validate, missing_date_is_an_error)
{
    enum stage_result r;
    struct md_doc *d = parse("REFERAT Sundhedsklynge Test\n\nPunkt 1: Godkendelse\n\nBeslutning\n\nGodkendt.\n", &r);
    cr_expect_eq(r, STAGE_REJECT);
    const struct md_issue *is = find(d, "no_date");
    cr_assert_not_null(is);
    cr_expect_str_eq(is->severity, "error");
    cr_expect_eq(d->nitems, 1, "the rest of the model is still there");
    model_destroy(d);
}

Test(validate, no_items_is_an_error)
{
    enum stage_result r;
    struct md_doc *d = parse(HEADER "Ingen punkter på dagsordenen.\n", &r);
    cr_expect_eq(r, STAGE_REJECT);
    cr_expect_not_null(find(d, "no_items"));
    model_destroy(d);
}

Test(validate, numbering_gap)
{
    enum stage_result r;
    struct md_doc *d = parse(HEADER "Punkt 1: Første\n\nBeslutning\n\nGodkendt.\n\n"
                                    "Punkt 3: Tredje\n\nBeslutning\n\nGodkendt.\n",
                             &r);
    cr_expect_eq(r, STAGE_OK, "a gap is a warning, not an error");
    const struct md_issue *is = find(d, "numbering_gap");
    cr_assert_not_null(is);
    cr_expect_eq(is->item, 3);
    cr_expect_str_eq(is->severity, "warning");
    model_destroy(d);
}

Test(validate, toc_count_mismatch)
{
    enum stage_result r;
    struct md_doc *d = parse(HEADER "Indholdsfortegnelse\n\nFørste.....\t2\nAndet.....\t3\nTredje.....\t4\n\n"
                                    "Punkt 1: Første\n\nBeslutning\n\nGodkendt.\n\n"
                                    "Punkt 2: Andet\n\nBeslutning\n\nGodkendt.\n",
                             &r);
    const struct md_issue *is = find(d, "toc_mismatch");
    cr_assert_not_null(is);
    cr_expect(strstr(is->message, "3") && strstr(is->message, "2"), "%s", is->message);
    model_destroy(d);
}

Test(validate, toc_title_mismatch)
{
    enum stage_result r;
    struct md_doc *d = parse(HEADER "Indholdsfortegnelse\n\nGodkendelse af dagsorden.....\t2\nBudget for næste år.....\t3\n\n"
                                    "Punkt 1: Godkendelse af dagsorden\n\nBeslutning\n\nGodkendt.\n\n"
                                    "Punkt 2: Noget helt andet\n\nBeslutning\n\nGodkendt.\n",
                             &r);
    const struct md_issue *is = find(d, "toc_mismatch");
    cr_assert_not_null(is);
    cr_expect_eq(is->item, 2);
    model_destroy(d);
}

Test(validate, unknown_upper_case_section)
{
    enum stage_result r;
    struct md_doc *d = parse("Politisk udvalg\n\nDato: 5. marts 2024\n\nMEDLEMMER\n\nAnne Hansen, borgmester\n\n"
                             "1. GODKENDELSE AF DAGSORDEN\n\nINDSTILLING\n\nat dagsordenen godkendes.\n\n"
                             "SAGSFREMSTILLING\n\nTekst.\n\nBILAG\n\nBilag 1\n\n"
                             "2. EVENTUELT\n\nINDSTILLING\n\nat punktet drøftes.\n\nFORKERT OVERSKRIFT\n\nTekst.\n",
                             &r);
    cr_expect_str_eq(d->layout, "caps-sections");
    const struct md_issue *is = find(d, "unknown_section");
    cr_assert_not_null(is);
    cr_expect(strstr(is->message, "FORKERT OVERSKRIFT"), "%s", is->message);
    cr_expect_eq(is->item, 2);
    model_destroy(d);
}

Test(validate, agenda_versus_minutes)
{
    enum stage_result r;
    struct md_doc *d = parse("DAGSORDEN Sundhedsklynge Test d. 05-03-2024\n\nPunkt 1: Godkendelse\n\n"
                             "Indstilling\n\nDet indstilles, at dagsordenen godkendes.\n\nBeslutning\n\n\n",
                             &r);
    cr_expect_str_eq(d->kind, "agenda");
    cr_expect_null(d->items[0].decision_text, "an empty decision section is no decision");
    cr_expect_str_eq(d->items[0].recommendation, "Det indstilles, at dagsordenen godkendes.");
    model_destroy(d);
    d = parse(HEADER "Punkt 1: Godkendelse\n\nBeslutning\n\nGodkendt.\n", &r);
    cr_expect_str_eq(d->kind, "minutes");
    cr_expect_str_eq(d->items[0].outcome, "approved");
    model_destroy(d);
}
