/*
 * classify: what a single line of minutes is.
 *
 * Pure predicates on one line: an item heading candidate ("Punkt 3:",
 * "3. Title", "3 (Åben) Title"), a table-of-contents entry, a case number,
 * a labelled field ("Sags ID: …"), a planned duration, the head of a people
 * list, a heading cut after a dangling word - and the prefilter that says a
 * line is plain prose so that none of the others need be asked.  The
 * structural parser (engine.c and its parts) decides what the lines mean
 * together; this module only says what each could be.
 */
#ifndef MINUTESD_CLASSIFY_H
#define MINUTESD_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h" /* enum engine_family */
#include "model.h"

#define MAX_ITEM_NUMBER 100000

struct heading_cand {
    size_t line;
    int family;
    int number;
    char letter;          /* 0 or 'a'..'z' */
    const char *title;    /* points into the line */
    size_t title_len;
    enum md_tri is_public;
    double quality;
    double best;          /* best chain score ending here */
    long prev;            /* previous candidate in that chain, -1 */
};

/* "(Åben)" / "(Lukket)" at s: the flag and the parenthesis' length, or 0. */
size_t classify_public_marker(const char *s, size_t n, enum md_tri *pub);
/* Item number (1..MAX_ITEM_NUMBER) and sub-letter at s; bytes used, or 0. */
size_t classify_item_number(const char *s, size_t n, int *num, char *letter);
/* An item heading candidate; fills c (line, quality and chain are the caller's). */
bool classify_candidate(const char *s, size_t n, struct heading_cand *c);
/* A table-of-contents entry (ends in a page number after a tab or dots). */
bool classify_toc_entry(const char *s, size_t n);
/* The title of a TOC entry, without list number, leader and page. */
void classify_toc_title(const char *s, size_t n, const char **t, size_t *tn);
/* "22/43575", "EMN-2022-04994" … (not a span of years). */
bool classify_case_ref(const char *s, size_t n);
/* The label tables classify_labelled knows. */
enum classify_label { CLASSIFY_CASE_LABEL, CLASSIFY_DOC_LABEL, CLASSIFY_DURATION_LABEL };
/* "Label: value" for one of a table's labels; the trimmed value. */
bool classify_labelled(const char *s, size_t n, enum classify_label table, const char **v, size_t *vn);
extern const char *const classify_case_labels[];
extern const char *const classify_doc_labels[];
/* "Forventet varighed: 25 min." -> minutes, or -1. */
int classify_duration_line(const char *s, size_t n);
/* A trailing " - 5 min" on a title: minutes (and *n cut before it), or -1. */
int classify_title_duration(const char *s, size_t *n);
/* The head of a people list: its group, whether it lists absentees, and
 * where inline names start (0 when none). */
bool classify_people_head(const char *s, size_t n, const char **group, bool *absent, size_t *inline_off);
/* "Name, …": a person's name, then a comma. */
bool classify_starts_with_person(const char *s, size_t n);
/* Ends in a word no heading ends in ("… den", "… d."). */
bool classify_dangling_end(const char *s, size_t n);
/* An upper-case heading line ("SAGSFREMSTILLING"). */
bool classify_caps_heading(const char *s, size_t n);
/* false: the line is plain prose and no classifier above can match it. */
bool classify_maybe_structure(const char *s, size_t n);

#endif
