/*
 * engine: the structural parser every layout drives.
 *
 * Publishers differ in surface (how an item heading is written, whether
 * section headings are upper-case, whether people are listed in the header
 * or under item 1) but share one structure: a header with the meeting's
 * facts, perhaps a table of contents, then numbered items, each a run of
 * sections under known headings.  The engine finds that structure:
 *
 *  - item headings are candidates ("Punkt 3: …", "3. …", "3 (Åben) …"), and
 *    the items are the best chain of candidates whose numbers continue
 *    (1, 2, 3 …), scored by what follows each candidate (section headings,
 *    case numbers) and by the table of contents - so a numbered list inside
 *    a decision is never taken for the next item;
 *  - sections are opened by the headings in sections.c;
 *  - people blocks (participants, absentees) are parsed wherever they are.
 *
 * A layout (parse_*.c) recognises its publisher and sets the options below;
 * everything else is shared, so an unknown publisher still gets a model.
 */
#ifndef MINUTESD_ENGINE_H
#define MINUTESD_ENGINE_H

#include <stdbool.h>

#include "lines.h"
#include "model.h"

enum engine_family {
    ENGINE_F_PUNKT = 1 << 0,  /* "Punkt 3: Title" */
    ENGINE_F_NUMPUB = 1 << 1, /* "3 (Åben) Title" */
    ENGINE_F_NUMDOT = 1 << 2, /* "3. Title" */
    ENGINE_F_ALL = 7,
};

struct engine_opts {
    unsigned families;     /* preferred item-heading families (others only if these find
                              nothing); 0 = no preference */
    bool caps_headings;    /* short upper-case lines inside items are section headings */
};

/* May line s be joined to prev when undoing hard wraps?  Headings, list
 * items, labels and list entries start their own line; a heading takes a
 * continuation only when it ran to the margin. */
enum lines_join engine_is_structural(const char *prev, size_t pn, const char *s, size_t n);

/* Fills doc (header, participants, items) from the lines. */
void engine_parse(struct md_doc *doc, const struct lines *L, const struct engine_opts *opts);

#endif
