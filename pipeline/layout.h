/*
 * layout: publishing layouts and how one is recognised.
 *
 * A layout is one publisher's (or one publishing system's) way of printing
 * minutes.  Each lives in its own parse_<name>.c: a detector that scores how
 * sure it is (0..100) that it made the document, and the engine options that
 * read it.  Adding a layout is that one file plus one line in layout.c.
 * The "generic" layout always scores a little, so a document from an
 * unknown publisher is still parsed by structure alone.
 */
#ifndef MINUTESD_LAYOUT_H
#define MINUTESD_LAYOUT_H

#include "engine.h"
#include "lines.h"

struct layout {
    const char *name;
    int (*detect)(const struct lines *L);
    struct engine_opts opts;
};

/* The best-scoring layout for these lines (never NULL). */
const struct layout *layout_detect(const struct lines *L);
/* A layout by name, or NULL. */
const struct layout *layout_by_name(const char *name);

/* Shared detector helpers: count lines that start with / equal a literal
 * (case-insensitive), looking at the first max lines (0 = all). */
size_t layout_count_prefix(const struct lines *L, const char *lit, size_t max);
size_t layout_count_equal(const struct lines *L, const char *lit, size_t max);
/* The first line at or after i that starts with lit (case-insensitive), or
 * L->n: for a detector that looks further at such lines, without a test of
 * every line. */
size_t layout_next_prefix(const struct lines *L, const char *lit, size_t i);

#endif
