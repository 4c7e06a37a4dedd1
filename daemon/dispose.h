/*
 * dispose: what happens to an inbox file once its outcome is durable, on
 * a worker thread.
 *
 * Loaded (or already loaded): moved to processed/, deleted or kept, per the
 * inbox's "after".  Failed: always moved to failed/ with NAME.error.json
 * beside it, whatever "after" says: input that did not load is kept where
 * a person looks, never deleted and never left to be retried forever.  The
 * error file is written and fsynced before the document moves, and both
 * directories are fsynced after the rename, so after a crash the file is
 * either still in the inbox (and loads again as a duplicate of itself, which
 * the loader answers from the database) or fully where it belongs.  A name
 * already taken in the destination gets a counter ("a.txt" → "a.2.txt"):
 * nothing is ever overwritten.
 */
#ifndef MINUTESD_DISPOSE_H
#define MINUTESD_DISPOSE_H

#include "config.h"

#include <stdbool.h>

struct dispose {
    /* in (all borrowed) */
    const char *path;         /* the file in the inbox */
    const char *name;         /* its name */
    enum config_after after;
    const char *processed;    /* directories */
    const char *failed;
    bool is_failed;
    const char *error_json;   /* is_failed: NAME.error.json's content */
    /* A document that never was a file (fetched from a URL): its bytes are
     * written to failed/NAME instead of a file being moved; path unused. */
    const unsigned char *data;
    size_t len;
    /* out */
    char *dest;               /* where it went (new), or NULL: deleted or kept */
    char *error;              /* what went wrong (new), or NULL */
};

void dispose_run(struct dispose *d);
void dispose_clear(struct dispose *d);

#endif
