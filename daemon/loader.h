/*
 * loader: puts document models into PostgreSQL, all of each or none of it.
 *
 * The work is done server-side by minutes.load_document (sql/002), so a
 * document costs one round trip.  The loader sends it without waiting
 * (PQsendQueryParams) and collects the answer when the next document is
 * added, so the caller parses document N+1 while the server loads N.
 *
 * Several documents share a transaction (the batch); inside it each one is
 * its own savepoint (the function's exception block), so a document the
 * database refuses is rolled back alone and recorded as failed with the
 * reason.  The batch's events are written last (minutes.emit_events) and
 * COMMIT makes them and their NOTIFYs visible.  A transient failure (lost
 * connection, deadlock, shutdown) rolls the batch back and replays it with
 * backoff; the loader keeps each queued document's parameters until commit
 * for that.  Outcomes are reported through the callback only after COMMIT,
 * so a caller that moves a file on "loaded" never moves one whose rows
 * could still vanish.
 */
#ifndef MINUTESD_LOADER_H
#define MINUTESD_LOADER_H

#include "model.h"
#include "pipeline.h"

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stddef.h>

enum loader_status {
    LOADER_LOADED,      /* new document, its rows and events are committed */
    LOADER_FAILED,      /* recorded as failed with its reason (pipeline or database refused it) */
    LOADER_DUPLICATE,   /* these bytes were loaded before: nothing written */
    LOADER_UNCHANGED,   /* re-parse gave the same model: nothing but the parser version written */
};

const char *loader_status_str(enum loader_status s);

struct loader_outcome {
    enum loader_status status;
    long long document_id;   /* the document (for a duplicate: the one loaded before) */
    int events;              /* events this document caused */
    const char *error;       /* FAILED, or a DUPLICATE of a document that failed: why (borrowed for the
                                callback's duration) */
};

/* Called once per document after its transaction committed.  tag is what
 * the caller passed to loader_add (a path, say). */
typedef void (*loader_cb)(void *ud, const char *tag, const struct loader_outcome *o);

/* c is borrowed and must outlive the loader.  batch: documents per
 * transaction (1..1000). */
struct loader *loader_create(PGconn *c, int batch, loader_cb cb, void *ud);
void loader_destroy(struct loader *l);   /* NULL is a no-op; rolls back what was not flushed */

/* A document made ready to send: its parameters, the model serialised.
 * Pure CPU work, so the daemon does it on a worker thread and hands the
 * result to the thread that owns the connection. */
struct loader_doc;
struct loader_doc *loader_prepare(const struct md_doc *doc, enum stage_result res, const char *tag);
void loader_doc_destroy(struct loader_doc *d);   /* NULL is a no-op */

/* Queues d (steals it); otherwise as loader_add. */
int loader_add_prepared(struct loader *l, struct loader_doc *d, char *err, size_t errlen);

/* Loads d (steals it) and commits at once.  With nothing queued before it,
 * one statement loads it, writes its events and commits (no BEGIN, no
 * separate emit_events or COMMIT): the shortest path from a dropped file to
 * its NOTIFY.  Otherwise as loader_add_prepared followed by loader_flush.
 * Same return and outcome reporting as loader_flush. */
int loader_load_alone(struct loader *l, struct loader_doc *d, char *err, size_t errlen);

/* While *stop is non-zero, retries give up at once and their backoff
 * sleeps end early, so a process asked to stop is not held for the whole
 * retry schedule.  stop is borrowed; NULL turns it off. */
void loader_set_cancel(struct loader *l, const atomic_int *stop);

/* Queues a document the pipeline produced (res says whether it loads).
 * The model is serialised at once, so the caller may destroy it after the
 * call.  May commit a full batch.  0, or -1 with err set when the database
 * stayed unreachable through every retry (nothing of the batch committed). */
int loader_add(struct loader *l, const struct md_doc *doc, enum stage_result res, const char *tag, char *err,
               size_t errlen);

/* The same for a stored document re-parsed (minutes.reload_document). */
int loader_add_reparse(struct loader *l, long long document_id, const struct md_doc *doc, enum stage_result res,
                       const char *tag, char *err, size_t errlen);

/* Commits what is queued.  0, or -1 with err set. */
int loader_flush(struct loader *l, char *err, size_t errlen);

/* The meeting key: body folded to lower case, runs of anything but
 * letters and digits as one space.  out gets at most outlen - 1 bytes. */
void loader_body_key(const char *body, char *out, size_t outlen);

/* The parser version recorded with every document (reparse looks for others). */
const char *loader_parser_version(void);

#endif
