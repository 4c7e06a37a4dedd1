/*
 * validate: checks on a parsed model, reported as issues with stable codes.
 *
 *  error   (the document cannot be loaded as is)
 *    not_text         the bytes are not a text document (empty, binary, …)
 *    no_date          no meeting date found
 *    no_items         no agenda items found
 *    too_many_items   more items than any real meeting has
 *    too_many_lines   more lines than any real minutes have (pipeline.c)
 *  warning (loaded, with a doubt)
 *    decode_repaired  undecodable bytes replaced, NULs dropped, UTF-16 cut
 *    toc_mismatch     table of contents and items disagree
 *    numbering_gap    item numbers skip (3, 5)
 *    numbering_order  item numbers repeat or go backwards
 *    unknown_section  a heading that is not a known section
 *    no_body          the committee's name was not found
 *    missing_title    an item without a title
 *    agenda_decision  an item of an agenda carries decision text
 */
#ifndef MINUTESD_VALIDATE_H
#define MINUTESD_VALIDATE_H

#include "model.h"

#define VALIDATE_MAX_ITEMS 20000

void validate_document(struct md_doc *doc);

#endif
