/*
 * Documents from publishers the seeds do not cover, written the way other
 * Danish case systems print minutes and agendas ("Punkt 1 - Titel",
 * "Konklusion", "Administrationen indstiller,", a committee named over two
 * lines, "(Lukket)" after a title).  The parser must read them by
 * structure, with the generic layout.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "pipeline.h"
#include "testutil.h"

static struct md_doc *parse_file(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "other/%s", name);
    size_t n;
    unsigned char *b = test_data_file(rel, &n);
    enum stage_result r;
    struct md_doc *doc = pipeline_run(b, n, name, NULL, NULL, &r);
    cr_assert_eq(r, STAGE_OK, "%s rejected: %s", name, pipeline_first_error(doc));
    free(b);
    return doc;
}

Test(other_publishers, dash_headings_and_konklusion)
{
    struct md_doc *d = parse_file("dash-headings.txt");
    cr_expect_str_eq(d->kind, "minutes");
    cr_expect_str_eq(d->meeting.body, "Sundhedsklyngen Køge - Fagligt Strategisk Forum");
    cr_expect_str_eq(d->meeting.cluster, "Køge");
    cr_expect_str_eq(d->meeting.level, "strategic");
    cr_expect_str_eq(d->meeting.region, "Region Sjælland");
    cr_expect_str_eq(d->meeting.date, "2024-03-12");
    cr_expect_str_eq(d->meeting.start, "13:00");
    cr_expect_str_eq(d->meeting.end, "15:30");
    cr_assert_eq(d->nitems, 3, "a numbered list inside item 2 is not items (got %zu)", d->nitems);
    cr_expect_str_eq(d->items[1].title, "Fælles indsats for ældre medicinske patienter");
    cr_expect_str_eq(d->items[1].case_ref, "24/1235");
    cr_expect_str_eq(d->items[1].recommendation, "at forummet godkender indsatsen.");
    cr_expect_str_eq(d->items[1].outcome, "approved");
    cr_assert_eq(d->items[1].namounts, 1);
    cr_expect_eq(d->items[1].amounts[0].dkk, 1200000);
    bool ole_absent = false;
    for (size_t i = 0; i < d->nparticipants; i++)
        if (!strcmp(d->participants[i].name, "Ole Madsen"))
            ole_absent = !d->participants[i].present;
    cr_expect(ole_absent, "Afbud: Ole Madsen is absent");
    model_destroy(d);
}

Test(other_publishers, agenda_with_closed_item)
{
    struct md_doc *d = parse_file("agenda-closed-item.txt");
    cr_expect_str_eq(d->kind, "agenda");
    cr_expect_str_eq(d->meeting.body, "Sundhedsklynge Randers Politisk Forum");
    cr_expect_str_eq(d->meeting.cluster, "Randers");
    cr_expect_str_eq(d->meeting.level, "political");
    cr_expect_str_eq(d->meeting.region, "Region Midtjylland");
    cr_assert_eq(d->nitems, 3);
    for (size_t i = 0; i < d->nitems; i++)
        cr_expect_null(d->items[i].decision_text, "an agenda has no decisions (item %zu)", i + 1);
    cr_expect_str_eq(d->items[2].title, "Personalesag");
    cr_expect_eq(d->items[2].is_public, MD_FALSE);
    cr_expect_eq(d->items[1].namounts, 2);
    cr_expect_eq(d->nparticipants, 4);
    model_destroy(d);
}

Test(other_publishers, inline_labels_and_ad_items)
{
    struct md_doc *d = parse_file("inline-labels.txt");
    cr_expect_str_eq(d->meeting.body, "Sundhedsklynge Aarhus – Administrativt Forum");
    cr_expect_str_eq(d->meeting.region, "Region Midtjylland");
    cr_expect_str_eq(d->meeting.start, "14:00");
    cr_expect_str_eq(d->meeting.end, "16:00");
    cr_assert_eq(d->nitems, 3, "'Ad 1.' headings (got %zu items)", d->nitems);
    cr_expect_str_eq(d->items[0].decision_text, "Dagsordenen blev godkendt.", "inline 'Beslutning: …'");
    cr_expect_str_eq(d->items[1].recommendation, "at orienteringen tages til efterretning.");
    cr_expect_str_eq(d->items[1].outcome, "noted");
    cr_expect_str_eq(d->items[1].case_ref, "23/14567");
    cr_expect_eq(d->items[1].namounts, 2);
    cr_expect_str_eq(d->items[2].outcome, "postponed");
    cr_expect_eq(d->items[2].is_public, MD_FALSE);
    cr_assert_eq(d->nparticipants, 5, "'Til stede: A (formand), B, …', 'Afbud:', 'Referent:'");
    cr_expect_str_eq(d->participants[0].name, "Marianne Holm");
    cr_expect_str_eq(d->participants[3].group, "secretariat");
    cr_expect(!d->participants[4].present);
    model_destroy(d);
}

/* A numbered list inside an item ("1. … 2. … 3. Sagen sendes videre")
 * must not take the place of the next item ("3. Eventuelt"). */
Test(other_publishers, list_in_recommendation_is_not_items)
{
    struct md_doc *d = parse_file("recommendation-list.txt");
    cr_assert_eq(d->nitems, 3);
    cr_expect_str_eq(d->items[1].title, "Budget 2024");
    cr_expect_str_eq(d->items[1].decision_text, "Godkendt.");
    cr_expect_str_eq(d->items[2].title, "Eventuelt");
    cr_expect_str_eq(d->items[2].decision_text, "Intet.");
    model_destroy(d);
}

/* "Sag 1:" items and two-name headings ("Beslutning/Referat:"). */
Test(other_publishers, sag_items_and_slash_headings)
{
    struct md_doc *d = parse_file("slash-headings.txt");
    cr_expect_str_eq(d->meeting.region, "Region Midtjylland");
    cr_expect_str_eq(d->meeting.start, "09:00");
    cr_expect_str_eq(d->meeting.end, "11:00");
    cr_assert_eq(d->nitems, 2);
    cr_expect_str_eq(d->items[0].decision_text, "Godkendt.");
    cr_expect_str_eq(d->items[1].recommendation, "at status tages til efterretning.");
    cr_expect_str_eq(d->items[1].outcome, "noted");
    model_destroy(d);
}

/* "Punkt 1" alone with the title on the next line; "Åbent punkt" /
 * "Lukket punkt" as lines of their own. */
Test(other_publishers, title_on_next_line_and_public_lines)
{
    struct md_doc *d = parse_file("title-on-next-line.txt");
    cr_assert_eq(d->nitems, 2);
    cr_expect_str_eq(d->items[0].title, "Godkendelse af dagsorden");
    cr_expect_eq(d->items[0].is_public, MD_TRUE);
    cr_expect_str_eq(d->items[1].title, "Personalesag");
    cr_expect_eq(d->items[1].is_public, MD_FALSE);
    cr_expect_eq(d->nissues, 0, "no missing_title warnings");
    model_destroy(d);
}
