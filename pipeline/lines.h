/*
 * lines: decoded text -> an array of trimmed lines, cleaned of what PDF and
 * Word converters add that is not the document's content.
 *
 *  - page furniture: "Side 3 af 12", "Side 3", "Page 3 of 12", "- 3 -";
 *  - table cells written "at | dagsorden godkendes. |" become plain text;
 *  - hard-wrapped paragraphs are joined again when the document looks
 *    wrapped (most lines end near one width and the next word would not
 *    have fitted); the caller says which lines are structure (headings,
 *    list items) so that they are never glued to the line before.
 */
#ifndef MINUTESD_LINES_H
#define MINUTESD_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct line {
    const char *s;   /* trimmed; not NUL-terminated; may point into the arena */
    size_t len;      /* 0 for a blank line */
    int no;          /* 1-based line number in the decoded text */
};

struct lines {
    struct line *v;
    size_t n;
    size_t dropped_furniture;
    size_t joined_wraps;
    size_t wrap_width;  /* detected hard-wrap width in characters, 0 = not wrapped */
    bool truncated;     /* more than LINES_MAX lines: the rest was not read */
    /* the text split, and whether every line is a slice of it (none joined
     * from a hard wrap or flattened from table cells): then a literal that
     * no line break splits is in some line only if it is in the text, and
     * one search of the text can stand for a search of every line */
    const char *text;
    size_t text_len;
    bool slices;
    /* per line: its first byte after blanks, ASCII letters in lower case,
     * 0 for a blank line (may be NULL): lets a search for lines starting
     * with a literal jump between candidates with memchr */
    unsigned char *first;
};

/* No minutes have this many lines; the cap bounds memory on hostile input. */
#define LINES_MAX ((size_t)1 << 20)

/* May cur be joined to prev when undoing a hard wrap?  Supplied by the
 * parser, which knows what is structure. */
enum lines_join {
    LINES_JOIN = 0,   /* ordinary text: join when prev looks wrapped */
    LINES_TIGHT = 1,  /* prev is a heading: join only if it ends at the margin */
    LINES_NEVER = 2,  /* cur is structure (heading, list entry): never join */
};
typedef enum lines_join (*lines_structural_fn)(const char *prev, size_t prev_len, const char *cur, size_t cur_len);

void lines_split(struct arena *a, const char *text, size_t len, lines_structural_fn structural,
                 struct lines *out);

#endif
