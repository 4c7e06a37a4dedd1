/*
 * dbworker: the thread that owns the daemon's database connection.
 *
 * libpq calls block, and the loop thread must not, so one thread does all
 * of it: it opens the session (which may start the private cluster and
 * applies migrations), feeds the loader the documents the workers
 * prepared, and commits - at once when nothing else is queued (a lone
 * document dropped into an inbox is committed in milliseconds), in batches
 * when a backlog queues up (throughput).  Outcomes go back to the loop
 * thread through a uv_async, only after COMMIT.
 *
 * While the database is unreachable the thread keeps what it was given and
 * retries with exponential backoff and jitter, forever; the daemon's
 * in-flight bound stops more from being read meanwhile, so files wait in
 * their inbox.  A stop request ends the waiting at once: what was committed
 * has been reported, the rest is rolled back and its files stay for the
 * next start.
 */
#ifndef MINUTESD_DBWORKER_H
#define MINUTESD_DBWORKER_H

#include "loader.h"
#include "session.h"

#include <stdbool.h>
#include <uv.h>

/* What a caller embeds in its own job to pass it through. */
struct dbworker_job {
    struct dbworker_job *next;
    struct loader_doc *doc;        /* in: stolen at submit */
    /* out, when the callback runs */
    enum loader_status status;
    long long document_id;
    int events;
    char *error;                   /* new, or NULL; the receiver frees it */
    bool abandoned;                /* given back unloaded at stop: the file stays */
    /* A task instead of a document: run on the database thread with the
     * session's connection, after what is batched has committed, so it is
     * never part of a document's transaction.  0, or -1 with err set (then
     * copied to error).  on_done, if set, gets the job back on the loop
     * thread instead of the callbacks' done. */
    int (*task)(PGconn *c, struct dbworker_job *job, char *err, size_t errlen);
    void (*on_done)(struct dbworker_job *job);
};

enum dbworker_state {
    DBW_CONNECTING,   /* no session yet */
    DBW_UP,
    DBW_DOWN,         /* lost it; retrying */
    DBW_STOPPED,      /* the thread ended: dbworker_destroy may join it */
};

struct dbworker_cbs {
    void (*done)(void *ud, struct dbworker_job *job);   /* committed (or recorded as failed) */
    void (*state)(void *ud, enum dbworker_state s, const char *detail);
    void *ud;
};

/* Starts the thread.  so's strings are copied.  batch: documents per
 * transaction at most. */
struct dbworker *dbworker_create(uv_loop_t *loop, const struct session_opts *so, int batch,
                                 const struct dbworker_cbs *cbs);

/* Queues job (loop thread). */
void dbworker_submit(struct dbworker *w, struct dbworker_job *job);

/* Asks the thread to finish: the state callback says DBW_STOPPED when it
 * has.  Jobs it never committed are handed back through `done` marked
 * abandoned. */
void dbworker_stop(struct dbworker *w);

/* Joins the thread (after DBW_STOPPED, or it waits) and closes the async
 * handle; the memory goes in its close callback. */
void dbworker_destroy(struct dbworker *w);

#endif
