/*
 * validate: see validate.h for the codes.  Messages follow PostgreSQL's
 * style: lower case, no final period.
 */
#include "validate.h"

void validate_document(struct md_doc *doc)
{
    if (!doc->text)
        return; /* decode already said why */
    if (!doc->meeting.date)
        model_add_issue(doc, "error", "no_date", -1, -1, "no meeting date found");
    if (doc->nitems == 0)
        model_add_issue(doc, "error", "no_items", -1, -1, "no agenda items found");
    if (doc->nitems > VALIDATE_MAX_ITEMS)
        model_add_issue(doc, "error", "too_many_items", -1, -1, "%zu items, more than the %d a meeting can have",
                        doc->nitems, VALIDATE_MAX_ITEMS);
    if (!doc->meeting.body)
        model_add_issue(doc, "warning", "no_body", -1, -1, "committee name not found");
    for (size_t i = 0; i < doc->nitems; i++) {
        const struct md_item *it = &doc->items[i];
        if (!it->title)
            model_add_issue(doc, "warning", "missing_title", it->number, it->line, "item %d has no title", it->number);
        if (i == 0)
            continue;
        int prev = doc->items[i - 1].number;
        if (it->number > prev + 1)
            model_add_issue(doc, "warning", "numbering_gap", it->number, it->line,
                            "item %d follows item %d", it->number, prev);
        else if (it->number < prev || (it->number == prev && it->label[0] && doc->items[i - 1].label[0] &&
                                       !(it->label[1] || doc->items[i - 1].label[1])))
            model_add_issue(doc, "warning", "numbering_order", it->number, it->line,
                            "item %d follows item %d", it->number, prev);
    }
}
