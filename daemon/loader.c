/*
 * loader: documents into PostgreSQL.  See loader.h for the shape.
 *
 * State of the batch: `entries` holds every document sent in the open
 * transaction with the parameters that sent it (owned copies), `inflight`
 * says whether the last one's answer is still to be read, and `events`
 * collects the events of the documents that went in.  Nothing is reported
 * before COMMIT succeeds; a transient failure anywhere replays the batch
 * from BEGIN.
 */
#include "loader.h"

#include "db.h"
#include "text.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOADER_RETRIES 8
#define LOADER_BACKOFF_MS 100
#define LOADER_BACKOFF_MAX_MS 5000

enum { P_SHA, P_NAME, P_URI, P_BYTES, P_ENC, P_RECEIVED, P_PARSER, P_RAW, P_MODEL, P_KEY, P_ERROR, P_COUNT };
enum { R_DOC, R_PARSER, R_MODEL, R_KEY, R_ERROR, R_COUNT };

static const char LOAD_SQL[] =
    "SELECT minutes.load_document($1, $2, $3, $4::bigint, $5, $6::timestamptz, $7, $8, $9::jsonb, $10, $11)";
/* The same outside a transaction block: one statement that loads, writes
 * the events and commits (sql/008), for a document that arrives alone. */
static const char LOAD_ALONE_SQL[] =
    "SELECT minutes.load_document_alone($1, $2, $3, $4::bigint, $5, $6::timestamptz, $7, $8, $9::jsonb, $10, $11)";
static const char RELOAD_SQL[] = "SELECT minutes.reload_document($1::bigint, $2, $3::jsonb, $4, $5)";

struct entry {
    bool reparse;
    char *tag;
    char *p[P_COUNT];        /* owned; NULL = SQL NULL */
    int np;
    enum loader_status status;
    long long document_id;
    int events;
    char *error;             /* why it failed (owned) */
    bool resent;             /* already re-sent as failed once */
    bool dropped;            /* refused even that: reported failed, never sent again */
};

struct loader {
    PGconn *c;
    int batch;
    loader_cb cb;
    void *ud;
    struct entry *entries;
    size_t n, cap;
    bool open;               /* BEGIN sent */
    bool inflight;           /* entries[n - 1]'s answer is unread */
    json_t *events;
    unsigned seed;
    const atomic_int *stop;
};

struct loader_doc {
    struct entry e;
};

const char *loader_status_str(enum loader_status s)
{
    switch (s) {
    case LOADER_LOADED: return "loaded";
    case LOADER_FAILED: return "failed";
    case LOADER_DUPLICATE: return "duplicate";
    case LOADER_UNCHANGED: return "unchanged";
    }
    return "?";
}

const char *loader_parser_version(void)
{
    return "minutesd/" MINUTESD_VERSION;
}

void loader_body_key(const char *body, char *out, size_t outlen)
{
    size_t o = 0, n = body ? strlen(body) : 0;
    bool space = false;
    char *folded;

    if (outlen == 0)
        return;
    folded = xmalloc(n + 1);
    text_fold(folded, body ? body : "", n);
    for (size_t i = 0; i < n && o + 1 < outlen; i++) {
        if (text_is_word_at(folded, n, i)) {
            if (space && o > 0 && o + 2 < outlen)
                out[o++] = ' ';
            space = false;
            out[o++] = folded[i];
        } else {
            space = true;
        }
    }
    /* never cut a UTF-8 sequence in half at the cap */
    while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80 && o + 1 >= outlen)
        o--;
    if (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0xC0 && o + 1 >= outlen)
        o--;
    out[o] = '\0';
    free(folded);
}

struct loader *loader_create(PGconn *c, int batch, loader_cb cb, void *ud)
{
    struct loader *l = xcalloc(1, sizeof *l);
    l->c = c;
    l->batch = batch < 1 ? 1 : batch > 1000 ? 1000 : batch;
    l->cb = cb;
    l->ud = ud;
    l->events = json_array();
    l->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)l;
    return l;
}

static void entry_free(struct entry *e)
{
    free(e->tag);
    for (int i = 0; i < P_COUNT; i++)
        free(e->p[i]);
    free(e->error);
    memset(e, 0, sizeof *e);
}

static void batch_clear(struct loader *l)
{
    for (size_t i = 0; i < l->n; i++)
        entry_free(&l->entries[i]);
    l->n = 0;
    json_array_clear(l->events);
}

void loader_destroy(struct loader *l)
{
    if (!l)
        return;
    if (l->open) {
        /* drain an unread answer so ROLLBACK is accepted */
        PGresult *r;
        while ((r = PQgetResult(l->c)))
            PQclear(r);
        char why[256];
        db_command(l->c, "ROLLBACK", why, sizeof why);
    }
    batch_clear(l);
    free(l->entries);
    json_decref(l->events);
    free(l);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}



/* The decoded text worth keeping for re-parse: none for what was not text
 * (PostgreSQL's text type holds no NUL, and a binary file has no text). */
static char *raw_text(const struct md_doc *doc)
{
    for (size_t i = 0; i < doc->nissues; i++)
        if (strcmp(doc->issues[i].code, "not_text") == 0)
            return NULL;
    if (!doc->text || memchr(doc->text, '\0', doc->text_len))
        return NULL;
    return xstrndup(doc->text, doc->text_len);
}

static char *model_text(const struct md_doc *doc)
{
    struct buf b;
    buf_init(&b, 0);
    model_json(doc, &b, false);
    return buf_steal(&b, NULL);
}

static char *body_key_of(const struct md_doc *doc)
{
    char key[512];
    const char *body = doc->meeting.body ? doc->meeting.body : doc->title ? doc->title : "unknown body";
    loader_body_key(body, key, sizeof key);
    return xstrndup(key, strlen(key));
}

static char *why_rejected(const struct md_doc *doc)
{
    const char *e = pipeline_first_error(doc);
    return xstrndup(e ? e : "rejected", strlen(e ? e : "rejected"));
}

static bool stopping(const struct loader *l)
{
    return l->stop && atomic_load(l->stop);
}

void loader_set_cancel(struct loader *l, const atomic_int *stop)
{
    l->stop = stop;
}

static void backoff(struct loader *l, int attempt)
{
    long ms = LOADER_BACKOFF_MS << (attempt < 6 ? attempt : 6);
    if (ms > LOADER_BACKOFF_MAX_MS)
        ms = LOADER_BACKOFF_MAX_MS;
    /* full jitter: processes that failed together do not retry together */
    ms = ms / 2 + (long)(rand_r(&l->seed) % (unsigned)(ms / 2 + 1));
    /* in slices, so a stop request is seen within 50 ms */
    while (ms > 0 && !stopping(l)) {
        long slice = ms < 50 ? ms : 50;
        struct timespec ts = {0, slice * 1000000L};
        nanosleep(&ts, NULL);
        ms -= slice;
    }
}

static int send_entry(struct loader *l, struct entry *e)
{
    /* Nothing open means loader_load_alone sent it: the statement is then
     * its own transaction.  A replay always opens one first. */
    const char *sql = e->reparse ? RELOAD_SQL : l->open ? LOAD_SQL : LOAD_ALONE_SQL;
    int ok = PQsendQueryParams(l->c, sql, e->np, NULL,
                               (const char *const *)e->p, NULL, NULL, 0);
    if (ok)
        l->inflight = true;
    return ok ? 0 : -1;
}

/*
 * Reads the answer to e, the document in flight.  Returns 0, 1 when the
 * batch must be replayed (transient failure; *why says what), or -1 when
 * the result makes no sense (a bug, not a retry).
 */
static int earlier(struct loader *l, struct entry *e, char *why, size_t whylen);

/* The database refused e in a way no retry changes and could not record it
 * either (a value PostgreSQL will not store, such as an invalid byte in a
 * parameter): take it out of the batch and report it as failed, so one
 * document cannot hold up every other one behind it. */
static void drop(struct entry *e, const char *why)
{
    char msg[900];
    snprintf(msg, sizeof msg, "the database refused the document and its failure record: %s", why);
    e->dropped = true;
    e->status = LOADER_FAILED;
    e->document_id = 0;
    e->events = 0;
    free(e->error);
    e->error = xstrndup(msg, strlen(msg));
}

/* Errors in the document's own values (class 22, data exception; 23,
 * integrity constraint) rather than in the database or our schema: a
 * missing permission must stop loading, not send every file to failed/. */
static bool data_error(const char *sqlstate)
{
    return sqlstate && (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0);
}

static int collect(struct loader *l, struct entry *e, char *why, size_t whylen)
{
    PGresult *r, *res = NULL;
    int rc = 0;
    json_t *j = NULL;

    l->inflight = false;
    while ((r = PQgetResult(l->c))) {
        if (res)
            PQclear(res);
        res = r;
    }
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        db_error(l->c, res, why, whylen);
        if (db_transient(state)) {
            rc = 1;
        } else if (data_error(state)) {
            /* the statement failed, so the transaction did: replay the
             * batch without this one */
            drop(e, why);
            rc = 1;
        } else {
            rc = -1;
        }
        goto out;
    }
    j = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    const char *status = json_string_value(json_object_get(j, "status"));
    if (!status) {
        snprintf(why, whylen, "the loader returned no status");
        rc = -1;
        goto out;
    }
    if (strcmp(status, "error") == 0) {
        const char *state = json_string_value(json_object_get(j, "sqlstate"));
        const char *msg = json_string_value(json_object_get(j, "message"));
        snprintf(why, whylen, "%s: %s", state ? state : "?", msg ? msg : "?");
        if (db_transient(state)) {
            rc = 1;
            goto out;
        }
        if (e->resent) {
            /* even recording it as failed was refused (inside the
             * function's savepoint, so the transaction is intact) */
            drop(e, why);
            goto out;
        }
        /* The database refused this document for good (a constraint, a
         * value out of range): record it as failed, with that reason, in
         * its place in the same transaction. */
        char reason[600];
        snprintf(reason, sizeof reason, "the database refused the document: %s", msg ? msg : "?");
        free(e->p[e->reparse ? R_ERROR : P_ERROR]);
        e->p[e->reparse ? R_ERROR : P_ERROR] = xstrndup(reason, strlen(reason));
        e->resent = true;
        PQclear(res);
        res = NULL;
        json_decref(j);
        j = NULL;
        if (send_entry(l, e) < 0) {
            db_error(l->c, NULL, why, whylen);
            return 1;
        }
        return collect(l, e, why, whylen);
    }
    if (strcmp(status, "duplicate") == 0) {
        e->status = LOADER_DUPLICATE;
        json_decref(j);
        j = NULL;
        PQclear(res);
        res = NULL;
        return earlier(l, e, why, whylen);
    }
    else if (strcmp(status, "unchanged") == 0)
        e->status = LOADER_UNCHANGED;
    else if (strcmp(status, "loaded") == 0)
        e->status = LOADER_LOADED;
    else
        e->status = LOADER_FAILED;
    e->document_id = (long long)json_integer_value(json_object_get(j, "document_id"));
    json_t *evs = json_object_get(j, "events");
    e->events = json_is_array(evs) ? (int)json_array_size(evs) : 0;
    if (json_is_array(evs))
        json_array_extend(l->events, evs);
    free(e->error);
    e->error = NULL;
    if (e->status == LOADER_FAILED) {
        const char *msg = e->p[e->reparse ? R_ERROR : P_ERROR];
        e->error = dup_or_null(msg ? msg : "rejected");
    }
out:
    json_decref(j);
    PQclear(res);
    return rc;
}

/*
 * e's bytes were loaded before: which document that was, and whether it
 * failed, so the daemon puts the file where the first copy went (failed/
 * with the reason, not processed/) even after a crash between the commit
 * and the move.  Same return codes as collect.
 */
static int earlier(struct loader *l, struct entry *e, char *why, size_t whylen)
{
    const char *params[1] = {e->p[P_SHA]};
    PGresult *r;

    if (e->reparse || !params[0])
        return 0;
    r = db_query(l->c, "SELECT id, status, error FROM minutes.documents WHERE sha256 = $1", 1, params, why,
                 whylen);
    if (!r)
        return PQstatus(l->c) == CONNECTION_OK ? -1 : 1;
    if (PQntuples(r) == 1) {
        e->document_id = atoll(PQgetvalue(r, 0, 0));
        free(e->error);
        e->error = NULL;
        if (strcmp(PQgetvalue(r, 0, 1), "failed") == 0)
            e->error = dup_or_null(PQgetisnull(r, 0, 2) ? "rejected" : PQgetvalue(r, 0, 2));
    }
    PQclear(r);
    return 0;
}

/* One attempt at the whole batch: BEGIN, every entry, events, COMMIT.
 * 0 committed, 1 transient failure (rolled back), -1 hard failure. */
static int replay(struct loader *l, char *why, size_t whylen)
{
    int rc;

    json_array_clear(l->events);
    if (db_command(l->c, "BEGIN", why, whylen) < 0)
        return 1;
    l->open = true;
    for (size_t i = 0; i < l->n; i++) {
        if (l->entries[i].dropped)
            continue;
        if (send_entry(l, &l->entries[i]) < 0) {
            db_error(l->c, NULL, why, whylen);
            return 1;
        }
        rc = collect(l, &l->entries[i], why, whylen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int finish(struct loader *l, char *why, size_t whylen)
{
    char *evs = json_dumps(l->events, JSON_COMPACT);
    const char *params[1] = {evs};
    PGresult *r = db_query(l->c, "SELECT minutes.emit_events($1::jsonb)", 1, params, why, whylen);
    free(evs);
    if (!r)
        return 1;
    PQclear(r);
    /* COMMIT of a transaction that failed answers "ROLLBACK", not an error */
    r = PQexec(l->c, "COMMIT");
    bool committed = r && PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
    if (!committed)
        db_error(l->c, r, why, whylen);
    PQclear(r);
    if (!committed)
        return 1;
    l->open = false;
    return 0;
}

static void rollback(struct loader *l)
{
    char why[256];
    PGresult *r;
    while ((r = PQgetResult(l->c)))
        PQclear(r);
    l->inflight = false;
    if (PQstatus(l->c) != CONNECTION_OK) {
        PQreset(l->c);
        if (PQstatus(l->c) == CONNECTION_OK)
            db_session_setup(l->c, why, sizeof why);
    } else if (l->open) {
        db_command(l->c, "ROLLBACK", why, sizeof why);
    }
    l->open = false;
}

int loader_flush(struct loader *l, char *err, size_t errlen)
{
    char why[768] = "";
    int rc = 0;

    if (l->n == 0 && !l->open)
        return 0;
    if (l->inflight) {
        rc = collect(l, &l->entries[l->n - 1], why, sizeof why);
        /* alone, the statement committed itself */
        if (rc == 0 && l->open)
            rc = finish(l, why, sizeof why);
    } else if (l->open) {
        rc = finish(l, why, sizeof why);
    } else {
        rc = 1;   /* nothing open: (re)play from the start */
    }
    for (int attempt = 0; rc == 1 && attempt < LOADER_RETRIES && !stopping(l); attempt++) {
        rollback(l);
        backoff(l, attempt);
        rc = replay(l, why, sizeof why);
        if (rc == 0)
            rc = finish(l, why, sizeof why);
    }
    if (rc != 0) {
        rollback(l);
        snprintf(err, errlen, "could not load into the database: %s", why);
        return -1;
    }
    for (size_t i = 0; i < l->n; i++) {
        struct entry *e = &l->entries[i];
        struct loader_outcome o = {e->status, e->document_id, e->events, e->error};
        if (l->cb)
            l->cb(l->ud, e->tag, &o);
    }
    batch_clear(l);
    return 0;
}

static struct entry *push(struct loader *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->entries = xrealloc(l->entries, l->cap * sizeof *l->entries);
    }
    struct entry *e = &l->entries[l->n++];
    memset(e, 0, sizeof *e);
    return e;
}

/* Sends the newest entry, first reading the answer to the previous one,
 * and commits when the batch is full. */
static int submit(struct loader *l, char *err, size_t errlen)
{
    char why[768] = "";
    int rc = 0;

    if (l->n > 1 && l->inflight)
        rc = collect(l, &l->entries[l->n - 2], why, sizeof why);
    if (rc == 0 && !l->open) {
        if (db_command(l->c, "BEGIN", why, sizeof why) < 0)
            rc = 1;
        else
            l->open = true;
    }
    if (rc == 0 && send_entry(l, &l->entries[l->n - 1]) < 0) {
        db_error(l->c, NULL, why, sizeof why);
        rc = 1;
    }
    if (rc == -1) {
        rollback(l);
        snprintf(err, errlen, "could not load into the database: %s", why);
        return -1;
    }
    if (rc == 1) {
        /* the batch so far is replayed by the flush */
        rollback(l);
        return loader_flush(l, err, errlen);
    }
    if ((int)l->n >= l->batch)
        return loader_flush(l, err, errlen);
    return 0;
}

struct loader_doc *loader_prepare(const struct md_doc *doc, enum stage_result res, const char *tag)
{
    struct loader_doc *d = xcalloc(1, sizeof *d);
    struct entry *e = &d->e;
    char num[32];

    e->tag = dup_or_null(tag);
    e->np = P_COUNT;
    e->p[P_SHA] = dup_or_null(doc->sha256);
    e->p[P_NAME] = dup_or_null(doc->source_name);   /* UTF-8: made so where the name was read */
    e->p[P_URI] = dup_or_null(doc->source_uri);
    snprintf(num, sizeof num, "%zu", doc->source_bytes);
    e->p[P_BYTES] = dup_or_null(num);
    e->p[P_ENC] = dup_or_null(doc->encoding);
    e->p[P_RECEIVED] = NULL;
    e->p[P_PARSER] = dup_or_null(loader_parser_version());
    e->p[P_RAW] = raw_text(doc);
    e->p[P_MODEL] = model_text(doc);
    e->p[P_KEY] = body_key_of(doc);
    e->p[P_ERROR] = res == STAGE_OK ? NULL : why_rejected(doc);
    return d;
}

void loader_doc_destroy(struct loader_doc *d)
{
    if (!d)
        return;
    entry_free(&d->e);
    free(d);
}

/* The entry takes over what d owned. */
static struct entry *adopt(struct loader *l, struct loader_doc *d)
{
    struct entry *e = push(l);
    *e = d->e;
    free(d);
    return e;
}

int loader_add_prepared(struct loader *l, struct loader_doc *d, char *err, size_t errlen)
{
    adopt(l, d);
    return submit(l, err, errlen);
}

int loader_load_alone(struct loader *l, struct loader_doc *d, char *err, size_t errlen)
{
    bool alone = l->n == 0 && !l->open && !d->e.reparse;
    struct entry *e = adopt(l, d);

    if (alone)
        (void)send_entry(l, e);   /* not sent: the flush replays it in a transaction */
    else if (submit(l, err, errlen) < 0)
        return -1;
    return loader_flush(l, err, errlen);
}

int loader_add(struct loader *l, const struct md_doc *doc, enum stage_result res, const char *tag, char *err,
               size_t errlen)
{
    return loader_add_prepared(l, loader_prepare(doc, res, tag), err, errlen);
}

int loader_add_reparse(struct loader *l, long long document_id, const struct md_doc *doc, enum stage_result res,
                       const char *tag, char *err, size_t errlen)
{
    struct entry *e = push(l);
    char num[32];

    e->reparse = true;
    e->tag = dup_or_null(tag);
    e->np = R_COUNT;
    snprintf(num, sizeof num, "%lld", document_id);
    e->p[R_DOC] = dup_or_null(num);
    e->p[R_PARSER] = dup_or_null(loader_parser_version());
    e->p[R_MODEL] = model_text(doc);
    e->p[R_KEY] = body_key_of(doc);
    e->p[R_ERROR] = res == STAGE_OK ? NULL : why_rejected(doc);
    return submit(l, err, errlen);
}
