/*
 * textwriter: the lines extract writes (prefix tw_), shared by the HTML and
 * the DOCX walkers so both follow the same rules.
 *
 * Text goes out lazily: whitespace and line breaks are owed, not written,
 * until the next text arrives, so no line starts or ends with blanks, at
 * most one blank line comes in a row, and nothing precedes the first text.
 * Inside a table cell every break is a space, which keeps a row on one
 * line; a row's empty first cells do leave their tabs, or its cells would
 * move to the wrong columns.  The text is capped at EXTRACT_MAX_TEXT.
 */
#ifndef MINUTESD_TEXTWRITER_H
#define MINUTESD_TEXTWRITER_H

#include "util.h"

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

/* On the caller's stack; out is borrowed. */
struct tw {
    struct buf *out;
    size_t base;      /* out->len when we began: the cap counts from here */
    bool full;        /* the text passed EXTRACT_MAX_TEXT: stop */
    bool any;         /* some text written */
    int nl;           /* line ends owed before the next text: 0, 1 or 2 */
    char ws[32];      /* blanks owed between words on this line */
    size_t nws;
    int cell_depth;   /* inside a table cell (nested tables count deeper) */
    size_t row_cells; /* cells begun in the current row */
    size_t lead_tabs; /* empty cells that begin the row: their tabs keep the columns */
};

void tw_init(struct tw *w, struct buf *out);

bool tw_at_line_start(const struct tw *w);

/* Owed line ends and blanks, then the text itself. */
void tw_word(struct tw *w, const char *s, size_t n);

/* A blank between words: a run of spaces is one space (pre keeps them all,
 * up to a bound), a tab outranks the spaces around it. */
void tw_blank(struct tw *w, char c, bool pre);

/* A line end (blank_line false) or a paragraph end (true). */
void tw_break(struct tw *w, bool blank_line);

/* <br>: one more line end, so that two in a row leave a blank line. */
void tw_br(struct tw *w);

void tw_row(struct tw *w);

void tw_cell_begin(struct tw *w);

void tw_cell_end(struct tw *w);

/* Text as it stands in the document: whitespace collapses, except in pre,
 * where line ends are line breaks and blanks are kept. */
void tw_text(struct tw *w, const char *s, size_t n, bool pre);

/* The final newline; 0, or -1 if the text passed the cap. */
int tw_finish(struct tw *w);

/* Visits the tree under root in document order without recursion (a
 * hostile document may nest as deep as the parser lets it): enter says
 * whether to go into a node's children, leave closes it.  Stops early once
 * w's text is full. */
void tw_walk_tree(xmlNode *root, bool (*enter)(void *ud, const xmlNode *n), void (*leave)(void *ud, const xmlNode *n),
                  void *ud, const struct tw *w);

/* tw_walk_tree, then tw_finish: 0, or -1 with err set when the text passed
 * the cap. */
int tw_write_tree(xmlNode *root, bool (*enter)(void *ud, const xmlNode *n), void (*leave)(void *ud, const xmlNode *n),
                  void *ud, struct tw *w, char *err, size_t errlen);

/* Takes back what was written since tw_init: a document that failed leaves
 * no half text in the caller's buffer. */
void tw_discard(struct tw *w);

/* One line into err: "prefix: detail", detail's first letter lower-cased
 * and its line ends dropped (libzip and libxml2 write "Not a zip
 * archive", "Excessive depth …\n"). */
void tw_error_line(char *err, size_t errlen, const char *prefix, const char *detail);

#endif
