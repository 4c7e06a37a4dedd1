/*
 * intake: taking one inbox file, on a worker thread.
 *
 * Decides whether the file is complete and, if so, reads it, runs the
 * pipeline and prepares the loader's parameters, so the database thread
 * only has to send them.  Complete means, checked in this order:
 *   - a regular file (not a symlink, FIFO or directory);
 *   - settled: its ctime is at least settle_ms old.  ctime, not mtime,
 *     because every write, rename-in and attribute change sets it and no
 *     one can set it back (cp -p and rsync -t give old mtimes to new files),
 *     so it also catches changes whose inotify event was lost;
 *   - no one has it open for writing: a read lease (F_SETLEASE) is refused
 *     while any writer has it open, which is exactly "closed after
 *     writing".  Leases need the file's owner or CAP_LEASE (the systemd unit
 *     grants it); where they are refused for that, or the filesystem has
 *     none, the settle time alone decides;
 *   - unchanged while it was read (fstat before and after).
 * Everything here is blocking I/O and CPU work; nothing touches the loop.
 */
#ifndef MINUTESD_INTAKE_H
#define MINUTESD_INTAKE_H

#include "inbox.h"
#include "loader.h"

#include <stdbool.h>
#include <stdint.h>

enum intake_result {
    INTAKE_READY,        /* read and parsed: doc is set */
    INTAKE_NOT_READY,    /* not complete yet: look again after retry_ms */
    INTAKE_GONE,         /* no longer there, or not a regular file */
    INTAKE_SAME,         /* the kept file, unchanged: nothing to do */
    INTAKE_UNREADABLE,   /* will never load (too large, no permission): reason is set */
};

struct intake {
    /* in */
    const char *path;             /* borrowed */
    const char *name;             /* borrowed: the file name, as the document's source name */
    int settle_ms;
    const struct inbox_ident *kept;   /* borrowed, or NULL */
    /* out */
    enum intake_result result;
    uint64_t retry_ms;            /* NOT_READY: from now */
    struct inbox_ident ident;
    struct loader_doc *doc;       /* READY: new (loader_add_prepared steals it) */
    bool rejected;                /* READY, but the pipeline rejected it */
    char *issues;                 /* READY: the model's issues as a JSON array (new, free()) */
    char *reason;                 /* UNREADABLE, rejected, or NOT_READY after an I/O error: why (new, free()) */
    char sha256[65];
    char text_sha[65];            /* READY and not rejected: of the decoded text the pipeline read */
};

void intake_run(struct intake *t);
/* The second half of intake_run, for bytes already in memory (a document
 * fetched from a URL): extract, parse and prepare them as document `name`
 * from `uri`; tag is the loader's tag.  Always INTAKE_READY. */
void intake_bytes(struct intake *t, const unsigned char *data, size_t len, const char *name, const char *uri,
                  const char *tag);

/* Frees what intake_run left in t (not t itself). */
void intake_clear(struct intake *t);

#endif
