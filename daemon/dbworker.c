/*
 * dbworker: see dbworker.h.
 *
 * Three queues, all under one mutex: `in` (submitted, not yet given to the
 * loader), `sent` (given to the loader, in order: the loader reports a
 * batch's outcomes in the order the documents went in, so the head of
 * `sent` is always the one being reported) and `out` (outcomes for the
 * loop).  The loop is woken by uv_async_send, which coalesces, so the
 * async callback drains everything each time.
 */
#include "dbworker.h"

#include "db.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DBW_BACKOFF_MIN_MS 500
#define DBW_BACKOFF_MAX_MS 30000

struct queue {
    struct dbworker_job *head, *tail;
};

struct dbworker {
    uv_loop_t *loop;
    uv_async_t async;
    pthread_t thread;
    bool joined;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct queue in, sent, out;
    atomic_int stop;
    /* the latest state, for the loop (under mu) */
    bool state_changed;
    enum dbworker_state state;
    char detail[512];
    /* the thread's own */
    struct session_opts so;
    char *config_path, *db, *state_dir;
    int batch;
    struct dbworker_cbs cbs;
    unsigned seed;
};

static void q_push(struct queue *q, struct dbworker_job *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
}

static struct dbworker_job *q_pop(struct queue *q)
{
    struct dbworker_job *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        j->next = NULL;
    }
    return j;
}

static void set_state(struct dbworker *w, enum dbworker_state s, const char *detail)
{
    pthread_mutex_lock(&w->mu);
    w->state = s;
    w->state_changed = true;
    snprintf(w->detail, sizeof w->detail, "%.500s", detail ? detail : "");
    pthread_mutex_unlock(&w->mu);
    uv_async_send(&w->async);
}

/* The loader's callback, on this thread, after COMMIT. */
static void on_outcome(void *ud, const char *tag, const struct loader_outcome *o)
{
    struct dbworker *w = ud;
    (void)tag;
    pthread_mutex_lock(&w->mu);
    struct dbworker_job *j = q_pop(&w->sent);
    if (j) {
        j->status = o->status;
        j->document_id = o->document_id;
        j->events = o->events;
        j->error = o->error ? xstrndup(o->error, strlen(o->error)) : NULL;
        q_push(&w->out, j);
    }
    pthread_mutex_unlock(&w->mu);
    uv_async_send(&w->async);
}

/* Sleeps ms unless asked to stop (returns false then). */
static bool pause_ms(struct dbworker *w, long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->stop))
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&w->mu);
    return !atomic_load(&w->stop);
}

/* Exponential backoff with jitter: half fixed, half random, so daemons
 * that lost the same server do not all come back in the same millisecond. */
static long next_backoff(struct dbworker *w, long *cur)
{
    long ms = *cur;
    *cur = *cur * 2 > DBW_BACKOFF_MAX_MS ? DBW_BACKOFF_MAX_MS : *cur * 2;
    return ms / 2 + (long)(rand_r(&w->seed) % (unsigned)(ms / 2 + 1));
}

static void *run(void *arg)
{
    struct dbworker *w = arg;
    struct session *s = NULL;
    struct loader *l = NULL;
    char err[1024];
    long backoff = DBW_BACKOFF_MIN_MS;
    bool down = false;
    size_t unflushed = 0;

    while (!atomic_load(&w->stop)) {
        if (!s) {
            s = session_open(&w->so, err, sizeof err);
            if (!s) {
                set_state(w, DBW_CONNECTING, err);
                pause_ms(w, next_backoff(w, &backoff));
                continue;
            }
            l = loader_create(session_conn(s), w->batch, on_outcome, w);
            loader_set_cancel(l, &w->stop);
            backoff = DBW_BACKOFF_MIN_MS;
            set_state(w, DBW_UP, session_describe(s));
        }
        if (down) {
            /* what the loader holds is replayed by the flush (PQreset first) */
            if (loader_flush(l, err, sizeof err) < 0) {
                pause_ms(w, next_backoff(w, &backoff));
                continue;
            }
            down = false;
            unflushed = 0;
            backoff = DBW_BACKOFF_MIN_MS;
            set_state(w, DBW_UP, "reconnected");
        }
        pthread_mutex_lock(&w->mu);
        while (!w->in.head && unflushed == 0 && !atomic_load(&w->stop))
            pthread_cond_wait(&w->cv, &w->mu);
        struct dbworker_job *j = q_pop(&w->in);
        if (j && !j->task)
            q_push(&w->sent, j);
        bool nothing_behind = !w->in.head;
        pthread_mutex_unlock(&w->mu);
        if (atomic_load(&w->stop)) {
            if (j && j->task) {
                pthread_mutex_lock(&w->mu);
                j->next = w->in.head;   /* back to the front: abandoned below */
                w->in.head = j;
                if (!w->in.tail)
                    w->in.tail = j;
                pthread_mutex_unlock(&w->mu);
            }
            break;
        }
        int rc = 0;
        err[0] = '\0';
        if (j && j->task) {
            PGconn *c = session_conn(s);
            if (unflushed > 0 && (rc = loader_flush(l, err, sizeof err)) == 0)
                unflushed = 0;
            if (rc == 0 && PQstatus(c) != CONNECTION_OK) {
                /* lost while idle: the loader only notices when it sends */
                PQreset(c);
                if (PQstatus(c) != CONNECTION_OK) {
                    snprintf(err, sizeof err, "%s", PQerrorMessage(c));
                    rc = -1;
                } else if (db_session_setup(c, err, sizeof err) < 0) {
                    rc = -1;
                }
            }
            if (rc == 0 && j->task(c, j, err, sizeof err) < 0 && PQstatus(c) != CONNECTION_OK)
                rc = -1;
            if (rc < 0 || err[0])
                j->error = xstrndup(err, strlen(err));
            pthread_mutex_lock(&w->mu);
            q_push(&w->out, j);
            pthread_mutex_unlock(&w->mu);
            uv_async_send(&w->async);
            j = NULL;
            if (rc < 0) {
                down = true;
                set_state(w, DBW_DOWN, err);
                pause_ms(w, next_backoff(w, &backoff));
            }
            continue;
        }
        if (j) {
            struct loader_doc *d = j->doc;
            j->doc = NULL;
            if (nothing_behind && unflushed == 0) {
                /* one file, nothing behind it: the one-statement path */
                rc = loader_load_alone(l, d, err, sizeof err);
                if (rc < 0)
                    unflushed = 1;   /* still held by the loader: replayed when the database is back */
            } else {
                rc = loader_add_prepared(l, d, err, sizeof err);
                unflushed++;
            }
        }
        /* commit when nothing else is waiting: latency at low load,
         * batches (the loader commits every `batch`) under a backlog */
        pthread_mutex_lock(&w->mu);
        bool idle = !w->in.head;
        pthread_mutex_unlock(&w->mu);
        if (rc == 0 && idle && unflushed > 0) {
            rc = loader_flush(l, err, sizeof err);
            if (rc == 0)
                unflushed = 0;
        }
        if (rc < 0) {
            down = true;
            set_state(w, DBW_DOWN, err);
            pause_ms(w, next_backoff(w, &backoff));
        }
    }
    /* Stopping.  What the loader holds was not committed (or it would have
     * been reported); one last commit keeps the work if the database is
     * there.  The stop flag is still set, so the loader makes one attempt
     * and skips its retry schedule. */
    if (l && unflushed > 0 && !down && loader_flush(l, err, sizeof err) < 0)
        log_warning("at stop: %s; those files stay in their inbox", err);
    /* Tasks still queued are run while the connection is there: one may
     * record that a recipient acknowledged a message, and dropping it
     * would send that message again after the restart.  Each is one short
     * statement; what fails now is handed back as abandoned. */
    for (;;) {
        pthread_mutex_lock(&w->mu);
        struct dbworker_job *t = w->in.head;
        while (t && !t->task)
            t = t->next;
        if (t) {
            /* unlink t from `in` */
            struct dbworker_job **pp = &w->in.head, *prev = NULL;
            while (*pp != t) {
                prev = *pp;
                pp = &(*pp)->next;
            }
            *pp = t->next;
            if (w->in.tail == t)
                w->in.tail = prev;
            t->next = NULL;
        }
        pthread_mutex_unlock(&w->mu);
        if (!t)
            break;
        err[0] = '\0';
        if (s && !down && PQstatus(session_conn(s)) == CONNECTION_OK &&
            t->task(session_conn(s), t, err, sizeof err) == 0) {
            pthread_mutex_lock(&w->mu);
            q_push(&w->out, t);
            pthread_mutex_unlock(&w->mu);
        } else {
            if (err[0])
                t->error = xstrndup(err, strlen(err));
            t->abandoned = true;
            pthread_mutex_lock(&w->mu);
            q_push(&w->out, t);
            pthread_mutex_unlock(&w->mu);
        }
    }
    loader_destroy(l);
    session_close(s);
    pthread_mutex_lock(&w->mu);
    struct dbworker_job *j;
    while ((j = q_pop(&w->sent)) || (j = q_pop(&w->in))) {
        loader_doc_destroy(j->doc);
        j->doc = NULL;
        j->abandoned = true;
        q_push(&w->out, j);
    }
    pthread_mutex_unlock(&w->mu);
    set_state(w, DBW_STOPPED, "stopped");
    return NULL;
}

/* Loop thread: hand outcomes and the state to the owner. */
static void on_async(uv_async_t *a)
{
    struct dbworker *w = a->data;
    struct queue out;
    bool changed;
    enum dbworker_state st;
    char detail[512];

    pthread_mutex_lock(&w->mu);
    out = w->out;
    w->out.head = w->out.tail = NULL;
    changed = w->state_changed;
    w->state_changed = false;
    st = w->state;
    memcpy(detail, w->detail, sizeof detail);
    pthread_mutex_unlock(&w->mu);

    struct dbworker_job *j;
    while ((j = q_pop(&out))) {
        if (j->on_done)
            j->on_done(j);
        else
            w->cbs.done(w->cbs.ud, j);
    }
    if (changed)
        w->cbs.state(w->cbs.ud, st, detail);
}

static char *dup_opt(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

struct dbworker *dbworker_create(uv_loop_t *loop, const struct session_opts *so, int batch,
                                 const struct dbworker_cbs *cbs)
{
    struct dbworker *w = xcalloc(1, sizeof *w);
    pthread_condattr_t ca;

    w->loop = loop;
    w->config_path = dup_opt(so->config_path);
    w->db = dup_opt(so->db);
    w->state_dir = dup_opt(so->state_dir);
    w->so = *so;
    w->so.config_path = w->config_path;
    w->so.db = w->db;
    w->so.state_dir = w->state_dir;
    w->batch = batch;
    w->cbs = *cbs;
    w->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)w;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    uv_async_init(loop, &w->async, on_async);
    w->async.data = w;
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        /* cannot do without it: the process has bigger trouble than us */
        log_error("could not start the database thread: %s", strerror(errno));
        abort();
    }
    return w;
}

void dbworker_submit(struct dbworker *w, struct dbworker_job *job)
{
    pthread_mutex_lock(&w->mu);
    q_push(&w->in, job);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void dbworker_stop(struct dbworker *w)
{
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stop, 1);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void on_closed(uv_handle_t *h)
{
    struct dbworker *w = h->data;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w->config_path);
    free(w->db);
    free(w->state_dir);
    free(w);
}

void dbworker_destroy(struct dbworker *w)
{
    if (!w)
        return;
    dbworker_stop(w);
    if (!w->joined) {
        pthread_join(w->thread, NULL);
        w->joined = true;
    }
    /* outcomes posted since the last async callback */
    on_async(&w->async);
    uv_close((uv_handle_t *)&w->async, on_closed);
}
