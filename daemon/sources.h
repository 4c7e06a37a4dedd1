/*
 * sources: polling the configured web sources, on the loop.
 *
 * Each source is a document URL, or an index page / feed whose links that
 * match its "follow" pattern are document URLs of their own (one level
 * deep).  Every URL is polled on its own schedule - the source's interval
 * with jitter for the configured ones, http.recheck_s for followed links,
 * and at once when their index changes - with a conditional GET carrying
 * the validators the server gave last time.  A 304, or a body whose SHA-256
 * is the one loaded last time, costs no pipeline work; a changed document
 * is handed to the daemon (sources_cbs.document) and loaded like an inbox
 * file.
 *
 * The state of every URL (validators, hash, health) lives in memory and in
 * minutes.sources: read once the database is up, before the first poll
 * (so a restart polls conditionally instead of fetching everything), and
 * written in batches, a document's new validators only after the document
 * committed - a crash can cost a refetch, never a document.
 *
 * Health: a failed fetch (transport error, timeout, HTTP error) backs off
 * exponentially from the interval (Retry-After when the server says more);
 * when a configured source has been failing for longer than its
 * fail_after_s a source_failing event is written (with its state, in one
 * statement) and source_recovered when it answers again.  /metrics shows
 * each configured source's last attempt, success, change and failure
 * streak.
 */
#ifndef MINUTESD_SOURCES_H
#define MINUTESD_SOURCES_H

#include "config.h"
#include "dbworker.h"
#include "loader.h"
#include "metrics.h"

#include <stdbool.h>
#include <uv.h>

/* A fetched document for the daemon to load. */
struct source_doc {
    char *url;                /* the document's URL (its source_uri) */
    char *name;               /* a file name for it: the URL's last path segment */
    unsigned char *body;      /* the daemon may take it (set it NULL) */
    size_t len;
    void *token;              /* for sources_document_done */
    char last_text_sha[65];   /* the text of the last document loaded from this URL ("" if none) */
    char text_sha[65];        /* the daemon sets it: this document's text */
};

struct sources_cbs {
    /* A document to load.  Return false when it cannot be taken now (the
     * daemon is stopping): the URL is polled again later.  Otherwise the
     * daemon calls sources_document_done once its outcome committed (or
     * could not be). */
    bool (*document)(void *ud, struct source_doc *d);
    void *ud;
};

struct sources;

/* Polling starts once a database worker is given (sources_set_db) and the
 * stored state is read.  metrics is borrowed. */
struct sources *sources_create(uv_loop_t *loop, const struct config *cfg, struct metrics *metrics,
                               const struct sources_cbs *cbs, char *err, size_t errlen);
/* The sources and HTTP limits of a new configuration (SIGHUP): sources
 * added start polling, removed ones stop, changed ones take their new
 * interval and pattern; what is known about a URL is kept. */
void sources_configure(struct sources *s, const struct config *cfg);
/* The database worker to read and write state through; NULL when it is
 * gone (stop). */
void sources_set_db(struct sources *s, struct dbworker *db);
/* The outcome of a document handed over by cbs.document: committed with
 * status (document_id, error as the loader reported them), or not
 * (committed = false: the daemon stopped first; it is fetched again).
 * LOADER_UNCHANGED with committed: not loaded because its text is the last
 * one's (d->text_sha == d->last_text_sha).  Frees d. */
void sources_document_done(struct sources *s, struct source_doc *d, bool committed, enum loader_status status,
                           long long document_id, const char *error);
/* Configured sources, and URLs known (sources and followed links). */
size_t sources_count(const struct sources *s);
size_t sources_urls(const struct sources *s);
/* Stops polling and drops transfers in flight; documents already handed
 * over still report to sources_document_done.  The memory goes with
 * sources_destroy, after the loop ran the close callbacks. */
void sources_stop(struct sources *s);
/* After sources_stop and after every document was reported done. */
void sources_destroy(struct sources *s);

#endif
