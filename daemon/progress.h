/*
 * progress: `minutesd ingest`'s progress bar.
 *
 * On a terminal: one line redrawn in place, at most ten times a second
 * (done/total, docs/s, ETA), which a message printed through
 * progress_print clears first so the two never garble each other.  Not on
 * a terminal (a log file, a pipe, CI) there is no bar: callers print their
 * plain per-document lines, which is what a log wants.
 */
#ifndef MINUTESD_PROGRESS_H
#define MINUTESD_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct progress;

/* A bar for total items on out when out is a terminal, else NULL (every
 * function below takes NULL and does nothing). */
struct progress *progress_create(FILE *out, size_t total);
void progress_destroy(struct progress *p);   /* erases the bar */

void progress_update(struct progress *p, size_t done);

/* Renders the bar for done of total at elapsed seconds into buf (exposed
 * for the tests). */
void progress_render(char *buf, size_t len, size_t done, size_t total, double elapsed, int width);

#endif
