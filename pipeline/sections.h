/*
 * sections: which printed headings open which section of an item.
 *
 * One table maps the headings publishers use to the model's section keys.
 * A heading matches when it is the whole line (any case, optional colon),
 * or when it begins the line and the rest qualifies it ("Beslutning i
 * Sundhedsklynge Lillebælt den 26-04-2024", "Baggrund for sagens
 * fremlæggelse").  Some headings may carry their text on the same line
 * ("Fraværende Steen Wrist, …", "Det indstilles, at …"): the match then
 * says where that text starts.
 */
#ifndef MINUTESD_SECTIONS_H
#define MINUTESD_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct section_match {
    const char *key;       /* static model key */
    size_t heading_len;    /* bytes of the line that are the heading */
    size_t text_off;       /* where inline text starts (== len when none) */
    bool keep_line;        /* the whole line is also text ("Det indstilles, at …") */
};

/* Does line s[0..n) open a section?  Lines longer than a heading can be are
 * rejected at once, so this is cheap on body text. */
bool sections_match(const char *s, size_t n, struct section_match *m);

/* Is s[0..n) a known label that is not a section: "Sags ID:", "Dok ID:",
 * "Forventet varighed:", "Journalnummer" … (used to spot unknown headings). */
bool sections_is_field_label(const char *s, size_t n);

/* The i-th heading or label text this module knows (lower case), NULL past
 * the end: lets the parser build a prefilter that stays in step with the
 * tables. */
const char *sections_keyword(size_t i);

#endif
