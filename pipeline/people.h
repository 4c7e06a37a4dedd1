/*
 * people: lists of people as minutes print them.
 *
 * Three shapes occur, and one block may use any of them:
 *   one per line      "Søren Liner, direktør, Herning kommune"
 *   running list      "Bo Libergren, V, Mette Bossen Linnet, V (Fravær), …"
 *                     "Jan Mainz og Pia Buus Pindstrup."
 *   vertical record   "Lone Lindsby" / "Regionsdirektør" / "Medlem"
 * A segment is a name when it looks like one (two to six capitalised words,
 * initials and particles allowed, no organisation word); everything after a
 * name up to the next name describes that person (party letter, role,
 * organisation, notes in parentheses).
 */
#ifndef MINUTESD_PEOPLE_H
#define MINUTESD_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct person {
    char *name, *role, *organization, *party, *note; /* arena strings or NULL */
    const char *group;  /* from a "(sekretariat)" note or a group line ("Medlem") */
    bool absent;        /* "(Fravær)", "(afbud)" */
    bool chair;         /* "- mødeleder", "(mødeleder)" */
};

/* Does s[0..n) look like a person's name? */
bool people_is_name(const char *s, size_t n);

/* Parses a block of text (lines separated by '\n').  Returns the number of
 * people written to out (at most max). */
size_t people_parse(struct arena *a, const char *text, size_t n, struct person *out, size_t max);

/* The group keyword of a heading or record line: "Medlemmer" -> "member",
 * "Bisiddere"/"Administrativ deltagelse" -> "advisor", "Sekretariat" ->
 * "secretariat", "observatør…" -> "observer", "Gæster" -> "guest";
 * NULL when none. */
const char *people_group_of(const char *s, size_t n);

/* A name folded for comparison: lower case, runs of blanks as one space,
 * no blanks at the ends; at most max - 2 bytes of it.  Returns its length. */
size_t people_fold(const char *s, char *out, size_t max);

/* Name match: equal after case folding, or - for names longer than 8
 * bytes - the same first name and surname initial and one edit apart (two
 * when both are 16 bytes or longer): "Pia Buus Pindstrup" is "Pia Buus
 * Pinstrup"; "Jens Hansen" is not "Jens Jensen".  The roll call uses it
 * only to match an absentee with no exact match. */
bool people_same_name(const char *a, const char *b);

#endif
