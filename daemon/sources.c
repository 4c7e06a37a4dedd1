/*
 * sources: see sources.h.
 *
 * Every URL polled is a struct url in one table (a hash for lookups by
 * URL, an array for the scheduler's sweep).  The scheduler is one timer
 * armed for the earliest due URL; each firing sweeps the array, which at a
 * few thousand URLs is microseconds, and keeps the code free of a heap
 * that would have to follow every reschedule.
 *
 * A URL is `busy` from the moment its fetch starts until everything that
 * follows from it is settled: the answer, the links found in an index (on
 * the thread pool: a large page is real parsing work) or the document's
 * commit.  A busy URL is not fetched again and not freed; a source removed
 * by SIGHUP meanwhile is marked gone and freed when it is idle.
 */
#include "sources.h"

#include "http.h"
#include "links.h"
#include "log.h"
#include "sha256.h"
#include "util.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SOURCES_SAVE_DELAY_MS 500
#define SOURCES_FIRST_SPREAD_MS 10000   /* first polls after start spread over at most this */
#define SOURCES_MAX_BACKOFF_S (6 * 3600)
#define SOURCES_MAX_RETRY_AFTER_S 86400

struct src {
    struct config_source c;   /* own copies */
    struct url *self;
    bool gone;
    bool private_ok;          /* the index is on a private address: its links may be too */
    bool answered;            /* the index answered in this run: private_ok is known */
};

struct url {
    struct sources *s;
    char *url;
    struct src *src;          /* NULL: an orphan link, about to be freed */
    bool linked;              /* a link followed from src's index */
    char *etag, *last_modified;
    char sha256[65];
    char text_sha[65];        /* of the text of the last document loaded */
    long last_status;
    char *last_error;
    double last_attempt, last_success, last_change, failing_since;   /* unix seconds, 0: never */
    double next_attempt;      /* unix seconds: the schedule (backoff, Retry-After) across restarts */
    char *follow_used;        /* an index: the pattern its stored links were picked with */
    unsigned gen, fire_gen;   /* gen moves when what the URL is changes; a fetch started before is not applied */
    int streak;
    bool failing;
    long long document_id;
    bool dirty, busy, gone, in_index;
    uint64_t due;             /* loop ms */
    /* the validators of a body being loaded: kept once it commits */
    char *p_etag, *p_lm;
    char p_sha[65];
    struct url *hnext;
};

struct sources {
    uv_loop_t *loop;
    struct http *http;
    struct metrics *metrics;
    struct sources_cbs cbs;
    struct dbworker *db;
    struct config_http hc;
    struct src **srcs;
    size_t nsrcs;
    struct url **all;
    size_t nall, capall;
    struct url **buckets;
    size_t nbuckets;
    uv_timer_t tick, save_timer;
    int handles;              /* open timers */
    int works;                /* link extractions on the pool */
    size_t loading;           /* documents handed over, not yet done */
    bool loaded_state, load_pending, save_pending, stopped, destroyed;
    uint64_t load_backoff_ms, save_backoff_ms;
    json_t *events;           /* source events not yet saved */
    unsigned seed;
};

/* ---- small things ------------------------------------------------------ */

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup0(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = dup0(s);
}

static void iso(double t, char *out, size_t n)
{
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ms ± 10 %: sources configured alike drift apart instead of polling in
 * lockstep. */
static uint64_t jitter(struct sources *s, uint64_t ms)
{
    uint64_t span = ms / 5;
    if (span == 0)
        return ms;
    return ms - span / 2 + (uint64_t)rand_r(&s->seed) % (span + 1);
}

static void set_due(struct sources *s, struct url *u, uint64_t delay_ms)
{
    u->due = uv_now(s->loop) + delay_ms;
    u->next_attempt = wall_now() + (double)delay_ms / 1000;
}

/* ---- the URL table ----------------------------------------------------- */

static size_t hash(const char *k)
{
    size_t h = 1469598103934665603ull;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return h;
}

static struct url *lookup(const struct sources *s, const char *key)
{
    if (!s->nbuckets)
        return NULL;
    for (struct url *u = s->buckets[hash(key) % s->nbuckets]; u; u = u->hnext)
        if (strcmp(u->url, key) == 0)
            return u;
    return NULL;
}

static void rehash(struct sources *s, size_t n)
{
    struct url **b = xcalloc(n, sizeof *b);
    for (size_t i = 0; i < s->nall; i++) {
        struct url *u = s->all[i];
        size_t k = hash(u->url) % n;
        u->hnext = b[k];
        b[k] = u;
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

static struct url *add_url(struct sources *s, const char *key, struct src *src, bool linked)
{
    struct url *u = xcalloc(1, sizeof *u);
    u->s = s;
    u->url = xstrndup(key, strlen(key));
    u->src = src;
    u->linked = linked;
    if (s->nall == s->capall) {
        s->capall = s->capall ? s->capall * 2 : 64;
        s->all = xrealloc(s->all, s->capall * sizeof *s->all);
    }
    s->all[s->nall++] = u;
    if (s->nall > s->nbuckets)
        rehash(s, s->nall * 2);
    else {
        size_t k = hash(key) % s->nbuckets;
        u->hnext = s->buckets[k];
        s->buckets[k] = u;
    }
    return u;
}

static void free_url(struct url *u)
{
    free(u->url);
    free(u->etag);
    free(u->last_modified);
    free(u->last_error);
    free(u->p_etag);
    free(u->p_lm);
    free(u->follow_used);
    free(u);
}

/* Frees everything once destroyed and nothing can call back any more:
 * timers closed, no link extraction on the pool, no task at the database
 * thread, no document at the daemon (each holds a struct url). */
static void maybe_free(struct sources *s)
{
    if (!s->destroyed || s->handles > 0 || s->works > 0 || s->save_pending || s->load_pending || s->loading > 0)
        return;
    for (size_t i = 0; i < s->nall; i++)
        free_url(s->all[i]);
    free(s->all);
    free(s->buckets);
    for (size_t i = 0; i < s->nsrcs; i++) {
        free(s->srcs[i]->c.url);
        free(s->srcs[i]->c.follow);
        free(s->srcs[i]);
    }
    free(s->srcs);
    json_decref(s->events);
    free(s);
}

/* Drops the URLs marked gone that nothing is working on. */
static void sweep_gone(struct sources *s)
{
    bool removed = false;
    for (size_t i = 0; i < s->nall;) {
        struct url *u = s->all[i];
        if (u->gone && !u->busy) {
            s->all[i] = s->all[--s->nall];
            free_url(u);
            removed = true;
        } else {
            i++;
        }
    }
    if (removed)
        rehash(s, s->nall * 2 + 16);
    for (size_t i = 0; i < s->nsrcs;) {
        struct src *c = s->srcs[i];
        bool used = false;
        for (size_t k = 0; c->gone && !used && k < s->nall; k++)
            used = s->all[k]->src == c;
        if (c->gone && !used) {
            free(c->c.url);
            free(c->c.follow);
            free(c);
            s->srcs[i] = s->srcs[--s->nsrcs];
        } else {
            i++;
        }
    }
}

/* ---- persistence --------------------------------------------------------- */

static void mark_dirty(struct sources *s, struct url *u);

static json_t *time_or_null(double t)
{
    return t > 0 ? json_real(t) : json_null();
}

static json_t *str_or_null(const char *v)
{
    return v ? json_string(v) : json_null();
}

static json_t *row_of(const struct url *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "url", json_string(u->url));
    json_object_set_new(o, "parent", u->linked && u->src ? json_string(u->src->c.url) : json_null());
    json_object_set_new(o, "follow", str_or_null(u->follow_used));
    json_object_set_new(o, "next_attempt", time_or_null(u->next_attempt));
    json_object_set_new(o, "etag", str_or_null(u->etag));
    json_object_set_new(o, "last_modified", str_or_null(u->last_modified));
    json_object_set_new(o, "sha256", u->sha256[0] ? json_string(u->sha256) : json_null());
    json_object_set_new(o, "text_sha256", u->text_sha[0] ? json_string(u->text_sha) : json_null());
    json_object_set_new(o, "last_status", u->last_status ? json_integer(u->last_status) : json_null());
    json_object_set_new(o, "last_error", str_or_null(u->last_error));
    json_object_set_new(o, "last_attempt", time_or_null(u->last_attempt));
    json_object_set_new(o, "last_success", time_or_null(u->last_success));
    json_object_set_new(o, "last_change", time_or_null(u->last_change));
    json_object_set_new(o, "failure_streak", json_integer(u->streak));
    json_object_set_new(o, "failing_since", time_or_null(u->failing_since));
    json_object_set_new(o, "failing", json_boolean(u->failing));
    json_object_set_new(o, "document_id", u->document_id ? json_integer(u->document_id) : json_null());
    return o;
}

struct save_job {
    struct dbworker_job dbj;   /* first: the worker hands this back */
    struct sources *s;
    char *rows, *events;       /* JSON text */
    json_t *urls;              /* the URLs in rows, to mark again if the save fails */
    json_t *event_list;
};

static int save_task(PGconn *c, struct dbworker_job *dj, char *err, size_t errlen)
{
    struct save_job *j = (struct save_job *)dj;
    const char *params[2] = {j->rows, j->events};
    PGresult *r = PQexecParams(c, "SELECT minutes.save_sources($1::jsonb, $2::jsonb)", 2, NULL, params, NULL, NULL,
                               0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *m = PQresultErrorMessage(r);
        snprintf(err, errlen, "could not save the state of web sources: %.*s", (int)strcspn(m, "\n"), m);
        rc = -1;
    }
    PQclear(r);
    return rc;
}

static void schedule_save(struct sources *s);

static void save_done(struct dbworker_job *dj)
{
    struct save_job *j = (struct save_job *)dj;
    struct sources *s = j->s;
    s->save_pending = false;
    if (!dj->error && !dj->abandoned)
        s->save_backoff_ms = 0;
    if ((dj->error || dj->abandoned) && !s->destroyed) {
        /* a statement that failed on a live connection (lock or statement
         * timeout, a grant missing) fails again at once: back off */
        s->save_backoff_ms = s->save_backoff_ms ? s->save_backoff_ms * 2 : 1000;
        if (s->save_backoff_ms > 60000)
            s->save_backoff_ms = 60000;
        if (dj->error && !s->stopped)
            log_warning("%s; trying again in %llu s", dj->error, (unsigned long long)s->save_backoff_ms / 1000);
        /* what was not saved is saved with the next batch */
        size_t i;
        json_t *v;
        json_array_foreach(j->urls, i, v) {
            struct url *u = lookup(s, json_string_value(v));
            if (u)
                u->dirty = true;
        }
        json_array_extend(j->event_list, s->events);
        json_decref(s->events);
        s->events = json_incref(j->event_list);
    }
    json_decref(j->urls);
    json_decref(j->event_list);
    free(j->rows);
    free(j->events);
    free(dj->error);
    free(j);
    if (!s->stopped)
        schedule_save(s);
    else
        maybe_free(s);
}

static void on_save_timer(uv_timer_t *t)
{
    struct sources *s = t->data;
    if (!s->db || s->save_pending || !s->loaded_state)
        return;
    json_t *rows = json_array(), *urls = json_array();
    for (size_t i = 0; i < s->nall; i++) {
        struct url *u = s->all[i];
        if (!u->dirty || u->gone)
            continue;
        u->dirty = false;
        json_array_append_new(rows, row_of(u));
        json_array_append_new(urls, json_string(u->url));
    }
    if (json_array_size(rows) == 0 && json_array_size(s->events) == 0) {
        json_decref(rows);
        json_decref(urls);
        return;
    }
    struct save_job *j = xcalloc(1, sizeof *j);
    j->s = s;
    j->rows = json_dumps(rows, JSON_COMPACT);
    j->events = json_dumps(s->events, JSON_COMPACT);
    j->urls = urls;
    j->event_list = s->events;
    s->events = json_array();
    j->dbj.task = save_task;
    j->dbj.on_done = save_done;
    json_decref(rows);
    s->save_pending = true;
    dbworker_submit(s->db, &j->dbj);
}

static void schedule_save(struct sources *s)
{
    if (s->stopped || s->save_pending || uv_is_active((uv_handle_t *)&s->save_timer))
        return;
    bool any = json_array_size(s->events) > 0;
    for (size_t i = 0; !any && i < s->nall; i++)
        any = s->all[i]->dirty && !s->all[i]->gone;
    if (any)
        uv_timer_start(&s->save_timer, on_save_timer, SOURCES_SAVE_DELAY_MS + s->save_backoff_ms, 0);
}

static void mark_dirty(struct sources *s, struct url *u)
{
    u->dirty = true;
    if (!s->stopped && !s->save_pending && !uv_is_active((uv_handle_t *)&s->save_timer))
        uv_timer_start(&s->save_timer, on_save_timer, SOURCES_SAVE_DELAY_MS + s->save_backoff_ms, 0);
}

/* Reading the stored state, once, before the first poll. */
struct load_row {
    char *url, *parent, *follow, *etag, *last_modified, *last_error;
    double next_attempt;
    char sha256[65], text_sha[65];
    long last_status;
    double last_attempt, last_success, last_change, failing_since;
    int streak;
    bool failing;
    long long document_id;
};

struct load_job {
    struct dbworker_job dbj;
    struct sources *s;
    struct load_row *rows;
    size_t n;
};

static char *col(PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? NULL : xstrndup(PQgetvalue(r, i, c), (size_t)PQgetlength(r, i, c));
}

static double num(PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? 0 : strtod(PQgetvalue(r, i, c), NULL);
}

static int load_task(PGconn *c, struct dbworker_job *dj, char *err, size_t errlen)
{
    struct load_job *j = (struct load_job *)dj;
    PGresult *r = PQexecParams(c,
                               "SELECT url, parent, etag, last_modified, sha256, last_status, last_error, "
                               "extract(epoch FROM last_attempt), extract(epoch FROM last_success), "
                               "extract(epoch FROM last_change), failure_streak, extract(epoch FROM failing_since), "
                               "failing, document_id, follow, extract(epoch FROM next_attempt), text_sha256 "
                               "FROM minutes.sources",
                               0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *m = PQresultErrorMessage(r);
        snprintf(err, errlen, "could not read the state of web sources: %.*s", (int)strcspn(m, "\n"), m);
        PQclear(r);
        return -1;
    }
    j->n = (size_t)PQntuples(r);
    j->rows = xcalloc(j->n + 1, sizeof *j->rows);
    for (size_t i = 0; i < j->n; i++) {
        struct load_row *w = &j->rows[i];
        int k = (int)i;
        w->url = col(r, k, 0);
        w->parent = col(r, k, 1);
        w->etag = col(r, k, 2);
        w->last_modified = col(r, k, 3);
        snprintf(w->sha256, sizeof w->sha256, "%s", PQgetisnull(r, k, 4) ? "" : PQgetvalue(r, k, 4));
        w->last_status = (long)num(r, k, 5);
        w->last_error = col(r, k, 6);
        w->last_attempt = num(r, k, 7);
        w->last_success = num(r, k, 8);
        w->last_change = num(r, k, 9);
        w->streak = (int)num(r, k, 10);
        w->failing_since = num(r, k, 11);
        w->failing = strcmp(PQgetvalue(r, k, 12), "t") == 0;
        w->document_id = (long long)num(r, k, 13);
        w->follow = col(r, k, 14);
        w->next_attempt = num(r, k, 15);
        snprintf(w->text_sha, sizeof w->text_sha, "%s", PQgetisnull(r, k, 16) ? "" : PQgetvalue(r, k, 16));
    }
    PQclear(r);
    return 0;
}

static struct src *find_src(const struct sources *s, const char *url)
{
    for (size_t i = 0; i < s->nsrcs; i++)
        if (!s->srcs[i]->gone && strcmp(s->srcs[i]->c.url, url) == 0)
            return s->srcs[i];
    return NULL;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether url matches pattern (a configured one: it compiled at load). */
static bool matches(const char *pattern, const char *url)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool m = regexec(&re, url, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

/* Forgets what was read from u, so its next fetch is unconditional and
 * whatever it returns is processed; a fetch or load under way is not
 * applied (gen). */
static void forget_content(struct url *u)
{
    free(u->etag);
    free(u->last_modified);
    u->etag = u->last_modified = NULL;
    u->sha256[0] = '\0';
    u->gen++;
}

static void on_tick(uv_timer_t *t);

static void publish_health(struct sources *s, const struct url *u)
{
    if (!u->linked && u->src)
        metrics_source_health(s->metrics, u->url, u->last_attempt, u->last_success, u->last_change, u->streak);
}

static void tick(struct sources *s);

/* When a URL polled before is next due: its interval after the last
 * attempt, but not all at once after a long stop. */
static void due_from_state(struct sources *s, struct url *u, uint64_t now)
{
    uint64_t interval_ms = (uint64_t)(u->linked ? s->hc.recheck_s : u->src->c.interval_s) * 1000;
    uint64_t spread = interval_ms < SOURCES_FIRST_SPREAD_MS ? interval_ms : SOURCES_FIRST_SPREAD_MS;
    uint64_t first = now + (spread ? (uint64_t)rand_r(&s->seed) % spread : 0);
    if (u->next_attempt > 0) {
        /* the schedule it had: backoff and Retry-After hold across a restart */
        double wait_ms = (u->next_attempt - wall_now()) * 1000;
        u->due = wait_ms > (double)(first - now) ? now + (uint64_t)wait_ms : first;
        return;
    }
    if (u->last_attempt <= 0 || u->streak > 0 || (u->linked && !u->sha256[0])) {
        u->due = first;
        return;
    }
    double since_ms = (wall_now() - u->last_attempt) * 1000;
    uint64_t wait = since_ms >= (double)interval_ms ? 0 : (uint64_t)((double)interval_ms - since_ms);
    u->due = now + wait > first ? now + jitter(s, wait) : first;
}

static void load_done(struct dbworker_job *dj)
{
    struct load_job *j = (struct load_job *)dj;
    struct sources *s = j->s;
    uint64_t now = uv_now(s->loop);

    s->load_pending = false;
    if (!dj->error && !dj->abandoned && !s->stopped) {
        for (size_t i = 0; i < j->n; i++) {
            struct load_row *w = &j->rows[i];
            struct url *u = lookup(s, w->url);
            struct src *parent = w->parent ? find_src(s, w->parent) : NULL;
            if (!u && parent && parent->c.follow && matches(parent->c.follow, w->url)) {
                u = add_url(s, w->url, parent, true);
                u->in_index = true;
            }
            if (!u)
                continue;   /* no longer configured or followed: its row stays for the record */
            free(u->etag);
            free(u->last_modified);
            free(u->last_error);
            u->etag = w->etag;
            u->last_modified = w->last_modified;
            u->last_error = w->last_error;
            w->etag = w->last_modified = w->last_error = NULL;
            memcpy(u->sha256, w->sha256, sizeof u->sha256);
            memcpy(u->text_sha, w->text_sha, sizeof u->text_sha);
            u->last_status = w->last_status;
            u->last_attempt = w->last_attempt;
            u->last_success = w->last_success;
            u->last_change = w->last_change;
            u->streak = w->streak;
            u->failing_since = w->failing_since;
            u->failing = w->failing;
            u->document_id = w->document_id;
            u->next_attempt = w->next_attempt;
            u->follow_used = w->follow;
            w->follow = NULL;
            if (!u->linked && u->src && !same(u->follow_used, u->src->c.follow))
                forget_content(u);   /* picked with another pattern (or none): read it again */
        }
        s->loaded_state = true;
        for (size_t i = 0; i < s->nall; i++) {
            due_from_state(s, s->all[i], now);
            publish_health(s, s->all[i]);
        }
        log_info("web sources: %zu configured, %zu URLs known from earlier runs", s->nsrcs, j->n);
    } else if (dj->error && !s->stopped) {
        s->load_backoff_ms = s->load_backoff_ms ? s->load_backoff_ms * 2 : 1000;
        if (s->load_backoff_ms > 60000)
            s->load_backoff_ms = 60000;
        log_warning("%s; trying again in %llu s", dj->error, (unsigned long long)s->load_backoff_ms / 1000);
        uv_timer_start(&s->tick, on_tick, s->load_backoff_ms, 0);   /* tick asks again */
    }
    for (size_t i = 0; i < j->n; i++) {
        free(j->rows[i].url);
        free(j->rows[i].parent);
        free(j->rows[i].follow);
        free(j->rows[i].etag);
        free(j->rows[i].last_modified);
        free(j->rows[i].last_error);
    }
    free(j->rows);
    free(dj->error);
    free(j);
    if (s->stopped) {
        maybe_free(s);
        return;
    }
    tick(s);
}

static void request_load(struct sources *s)
{
    if (s->loaded_state || s->load_pending || !s->db || s->stopped || s->nsrcs == 0)
        return;
    struct load_job *j = xcalloc(1, sizeof *j);
    j->s = s;
    j->dbj.task = load_task;
    j->dbj.on_done = load_done;
    s->load_pending = true;
    dbworker_submit(s->db, &j->dbj);
}

/* ---- outcomes of a fetch ----------------------------------------------- */

static void emit(struct sources *s, const char *type, const struct url *u, double now)
{
    char since[40];
    iso(u->failing_since > 0 ? u->failing_since : now, since, sizeof since);
    json_t *e = json_pack("{s:s, s:s, s:s, s:i}", "type", type, "source", u->url,
                          strcmp(type, "source_failing") == 0 ? "since" : "failing_since", since, "failures",
                          u->streak);
    if (e && strcmp(type, "source_failing") == 0 && u->last_error) {
        char err[512];
        snprintf(err, sizeof err, "%s", u->last_error);
        json_t *v = json_string(err);   /* NULL when not UTF-8: then no error text */
        if (v)
            json_object_set_new(e, "error", v);
    }
    if (e)
        json_array_append_new(s->events, e);
}

static void succeeded(struct sources *s, struct url *u, long status)
{
    double now = wall_now();
    if (u->failing) {
        log_info("%s: answering again after %d failed attempt%s", u->url, u->streak, u->streak == 1 ? "" : "s");
        emit(s, "source_recovered", u, now);
        u->failing = false;
    }
    u->streak = 0;
    u->failing_since = 0;
    u->last_status = status;
    u->last_success = now;
    set_str(&u->last_error, NULL);
    uint64_t interval = (uint64_t)(u->linked ? s->hc.recheck_s : u->src->c.interval_s) * 1000;
    set_due(s, u, jitter(s, interval));
    mark_dirty(s, u);
    publish_health(s, u);
}

static void failed(struct sources *s, struct url *u, long status, const char *why, long retry_after_s)
{
    double now = wall_now();
    if (u->streak == 0)
        u->failing_since = now;
    u->streak++;
    u->last_status = status;
    set_str(&u->last_error, why);
    /* back off: the interval doubled per failure in a row, capped, and at
     * least what the server asked for */
    uint64_t interval = (uint64_t)(u->linked ? s->hc.recheck_s : u->src->c.interval_s);
    if (u->linked && interval > 60)
        interval = 60;   /* a link that failed is retried sooner than its recheck */
    int shift = u->streak - 1 < 6 ? u->streak - 1 : 6;
    uint64_t delay = interval << shift;
    uint64_t cap = interval > SOURCES_MAX_BACKOFF_S ? interval : SOURCES_MAX_BACKOFF_S;
    if (delay > cap)
        delay = cap;
    uint64_t delay_ms = jitter(s, delay * 1000);
    if (retry_after_s > 0 && (uint64_t)retry_after_s * 1000 > delay_ms) {
        /* the server said when: never earlier, and spread only later */
        uint64_t ra = (uint64_t)(retry_after_s < SOURCES_MAX_RETRY_AFTER_S ? retry_after_s : SOURCES_MAX_RETRY_AFTER_S);
        delay_ms = ra * 1000 + (uint64_t)rand_r(&s->seed) % (ra * 100 + 1);
    }
    set_due(s, u, delay_ms);
    log_warning("%s: failed: %s (%d in a row; next try in %llu s)", u->url, why, u->streak,
                (unsigned long long)((u->due - uv_now(s->loop)) / 1000));
    if (!u->linked && u->src && !u->failing && now - u->failing_since >= (double)u->src->c.fail_after_s) {
        u->failing = true;
        log_error("%s: failing for %.0f s (threshold %d s): source_failing", u->url, now - u->failing_since,
                  u->src->c.fail_after_s);
        emit(s, "source_failing", u, now);
    }
    mark_dirty(s, u);
    publish_health(s, u);
}

/* The file name a fetched document is known by: the URL's last path
 * segment ("referat.pdf"), else its host - made safe as a file name, since
 * a failed document is kept under it: letters, digits, '.', '-' and '_'
 * only, no leading dot, at most 100 bytes. */
static char *name_of(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *end = p + strcspn(p, "?#");
    const char *seg = end;
    while (seg > p && seg[-1] != '/')
        seg--;
    if (seg == end || seg == p) {   /* "http://host/" or "http://host" */
        seg = p;
        end = p + strcspn(p, "/?#:");
    }
    size_t n = (size_t)(end - seg) < 100 ? (size_t)(end - seg) : 100;
    char *out = xmalloc(n + 2);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = seg[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '-' || c == '_';
        if (o == 0 && c == '.')
            out[o++] = '_';
        out[o++] = ok ? c : '_';
    }
    if (o == 0)
        out[o++] = '_';
    out[o] = '\0';
    return out;
}

static bool ascii_url(const char *u)
{
    for (; *u; u++)
        if ((unsigned char)*u <= ' ' || (unsigned char)*u >= 0x7f)
            return false;
    return true;
}

/* A 200's body, off the loop: its SHA-256 (bodies go up to
 * http.max_body_bytes, too much to hash on the loop thread) and, for an
 * index page whose bytes changed, its links. */
struct body_work {
    uv_work_t w;
    struct sources *s;
    struct url *u;
    unsigned char *body;
    size_t len;
    char *content_type, *base, *pattern;   /* pattern: NULL for a document */
    char old_sha[65], sha[65];
    struct links found;
    char err[512];
    int rc;
};

static void body_work(uv_work_t *w)
{
    struct body_work *bw = w->data;
    regex_t re;
    sha256_hex(bw->body, bw->len, bw->sha);
    if (!bw->pattern || strcmp(bw->sha, bw->old_sha) == 0)
        return;
    /* a private copy of the pattern: SIGHUP may replace the source's meanwhile */
    if (regcomp(&re, bw->pattern, REG_EXTENDED | REG_NOSUB) != 0) {
        snprintf(bw->err, sizeof bw->err, "follow pattern does not compile");
        bw->rc = -1;
        return;
    }
    bw->rc = links_find((const char *)bw->body, bw->len, bw->content_type, bw->base, &re, &bw->found, bw->err,
                        sizeof bw->err);
    regfree(&re);
}

/* An index page changed: its links become the URLs polled for it. */
static void take_links(struct sources *s, struct url *u, const struct links *found)
{
    size_t fresh = 0;
    uint64_t now = uv_now(s->loop);
    for (size_t i = 0; i < s->nall; i++)
        if (s->all[i]->linked && s->all[i]->src == u->src)
            s->all[i]->in_index = false;
    for (size_t i = 0; i < found->n; i++) {
        const char *link = found->urls[i];
        if (!ascii_url(link)) {
            /* links_find percent-encodes; a host libcurl could not turn
             * into punycode (no UTF-8 locale) is left, and not sent */
            log_debug("%s: link %s skipped: not ASCII", u->url, link);
            continue;
        }
        struct url *l = lookup(s, link);
        if (!l) {
            l = add_url(s, link, u->src, true);
            fresh++;
            mark_dirty(s, l);   /* saved with the index's new validators, so never lost */
        } else if (l->src != u->src || !l->linked) {
            continue;           /* a configured source itself, or another index's link */
        }
        l->in_index = true;
        l->gone = false;
        if (!l->busy)
            l->due = now;   /* the index changed: look at each of its documents again */
    }
    /* links no longer on the page are no longer polled (their rows stay) -
     * unless the page has none at all, which is more likely a maintenance
     * page than a committee that deleted its archive */
    for (size_t i = 0; found->n > 0 && i < s->nall; i++)
        if (s->all[i]->linked && s->all[i]->src == u->src && !s->all[i]->in_index)
            s->all[i]->gone = true;
    log_info("%s: changed; %zu matching link%s (%zu new)", u->url, found->n, found->n == 1 ? "" : "s", fresh);
    set_str(&u->etag, u->p_etag);
    set_str(&u->last_modified, u->p_lm);
    memcpy(u->sha256, u->p_sha, sizeof u->sha256);
    set_str(&u->follow_used, u->src->c.follow);
    u->last_change = wall_now();
    succeeded(s, u, 200);
}

/* A changed document: to the daemon, busy until it says how it went.
 * False when the daemon cannot take it now. */
static bool hand_over(struct sources *s, struct url *u, unsigned char **body, size_t len)
{
    struct source_doc *d = xcalloc(1, sizeof *d);
    d->url = dup0(u->url);
    d->name = name_of(u->url);
    d->body = *body;
    d->len = len;
    d->token = u;
    memcpy(d->last_text_sha, u->text_sha, sizeof d->last_text_sha);
    s->loading++;
    if (s->cbs.document(s->cbs.ud, d)) {
        *body = NULL;
        return true;
    }
    s->loading--;
    free(d->url);
    free(d->name);
    free(d);
    return false;
}

static void body_done(uv_work_t *w, int status)
{
    struct body_work *bw = w->data;
    struct sources *s = bw->s;
    struct url *u = bw->u;
    bool handed = false;
    (void)status;
    s->works--;
    if (s->stopped || u->gone || !u->src || u->fire_gen != u->gen ||
        (bw->pattern != NULL) != (!u->linked && u->src->c.follow != NULL)) {
        /* what the URL is changed while it was fetched: fetch it again */
        if (!s->stopped)
            u->due = uv_now(s->loop);
    } else if (strcmp(bw->sha, bw->old_sha) == 0) {
        /* same bytes as last time: nothing to parse, but keep the new
         * validators so the next poll can be answered 304 */
        log_debug("%s: unchanged", u->url);
        set_str(&u->etag, u->p_etag);
        set_str(&u->last_modified, u->p_lm);
        succeeded(s, u, 200);
    } else if (bw->pattern) {
        memcpy(u->p_sha, bw->sha, sizeof u->p_sha);
        if (bw->rc < 0)
            failed(s, u, 200, bw->err, 0);
        else
            take_links(s, u, &bw->found);
    } else {
        memcpy(u->p_sha, bw->sha, sizeof u->p_sha);
        handed = hand_over(s, u, &bw->body, bw->len);
        if (!handed)
            u->due = uv_now(s->loop) + 1000;
    }
    if (!handed) {
        u->busy = false;
        free(u->p_etag);
        free(u->p_lm);
        u->p_etag = u->p_lm = NULL;
    }
    links_clear(&bw->found);
    free(bw->body);
    free(bw->content_type);
    free(bw->base);
    free(bw->pattern);
    free(bw);
    if (s->stopped) {
        maybe_free(s);
        return;
    }
    sweep_gone(s);
    tick(s);
}

static void on_fetched(void *ud, struct http_response *res)
{
    struct url *u = ud;
    struct sources *s = u->s;

    if (!res->error && !u->linked && u->src) {
        u->src->private_ok = res->private_peer;
        u->src->answered = true;
    }
    if (!res->error && res->status == 200) {
        /* busy until body_done */
        struct body_work *bw = xcalloc(1, sizeof *bw);
        bw->s = s;
        bw->u = u;
        bw->body = res->body;
        bw->len = res->len;
        res->body = NULL;
        bw->content_type = dup0(res->content_type);
        bw->base = dup0(res->final_url ? res->final_url : u->url);
        bw->pattern = !u->linked && u->src->c.follow ? dup0(u->src->c.follow) : NULL;
        memcpy(bw->old_sha, u->sha256, sizeof bw->old_sha);
        set_str(&u->p_etag, res->etag);
        set_str(&u->p_lm, res->last_modified);
        bw->w.data = bw;
        s->works++;
        uv_queue_work(s->loop, &bw->w, body_work, body_done);
        return;
    }
    u->busy = false;
    if (res->error) {
        failed(s, u, res->status, res->error, 0);
    } else if (res->status == 304) {
        log_debug("%s: not modified", u->url);
        succeeded(s, u, 304);
    } else {
        char why[64];
        snprintf(why, sizeof why, "HTTP %ld", res->status);
        failed(s, u, res->status, why, res->status == 429 || res->status >= 500 ? res->retry_after_s : 0);
    }
    if (s->stopped)
        return;
    sweep_gone(s);
    tick(s);
}

void sources_document_done(struct sources *s, struct source_doc *d, bool committed, enum loader_status status,
                           long long document_id, const char *error)
{
    struct url *u = d->token;
    s->loading--;
    u->busy = false;
    if (committed && !u->gone && u->src && u->fire_gen == u->gen && status == LOADER_UNCHANGED) {
        /* new bytes, same text: remember the bytes (so the next poll is a
         * 304 or "unchanged"), nothing else changed */
        log_debug("%s: same text as the last document, not loaded again", u->url);
        set_str(&u->etag, u->p_etag);
        set_str(&u->last_modified, u->p_lm);
        memcpy(u->sha256, u->p_sha, sizeof u->sha256);
        succeeded(s, u, 200);
    } else if (committed && !u->gone && u->src && u->fire_gen == u->gen) {
        /* the document is durable: now its validators may be, too */
        set_str(&u->etag, u->p_etag);
        set_str(&u->last_modified, u->p_lm);
        memcpy(u->sha256, u->p_sha, sizeof u->sha256);
        if (d->text_sha[0] && status != LOADER_FAILED)
            memcpy(u->text_sha, d->text_sha, sizeof u->text_sha);
        u->last_change = wall_now();
        if (document_id)
            u->document_id = document_id;
        succeeded(s, u, 200);
        if (status == LOADER_FAILED) {
            /* fetching worked, so the source is healthy; the document is
             * what failed, and a person wants to read why here too */
            set_str(&u->last_error, error);
            mark_dirty(s, u);
        }
    } else if (!s->stopped) {
        u->due = uv_now(s->loop) + (committed ? 0 : 1000);
    }
    free(u->p_etag);
    free(u->p_lm);
    u->p_etag = u->p_lm = NULL;
    free(d->url);
    free(d->name);
    free(d->body);
    free(d);
    if (s->stopped) {
        maybe_free(s);
        return;
    }
    sweep_gone(s);
    tick(s);
}

/* ---- the scheduler ------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
    tick(t->data);
}

static void fire(struct sources *s, struct url *u)
{
    char err[256];
    u->busy = true;
    u->fire_gen = u->gen;
    u->last_attempt = wall_now();
    /* a link read off a page on the internet must not reach into our own
     * network; an index that is itself on one may point into it */
    bool public_only = u->linked && u->src && !u->src->private_ok;
    if (http_get(s->http, u->url, u->etag, u->last_modified, public_only, on_fetched, u, err, sizeof err) < 0) {
        u->busy = false;
        failed(s, u, 0, err, 0);
    }
}

static void tick(struct sources *s)
{
    if (s->stopped)
        return;
    if (!s->loaded_state) {
        request_load(s);
        return;
    }
    uint64_t now = uv_now(s->loop), next = UINT64_MAX;
    /* documents waiting for the pipeline and transfers queued count alike:
     * together they bound the bodies held in memory */
    size_t limit = (size_t)s->hc.max_parallel * 2;
    for (size_t i = 0; i < s->nall; i++) {
        struct url *u = s->all[i];
        if (u->busy || u->gone || !u->src)
            continue;
        if (u->linked && !u->src->answered)
            continue;   /* whether its links may be on private addresses is not known yet */
        if (u->due <= now && http_busy(s->http) + s->loading < limit)
            fire(s, u);
        if (!u->busy && u->due < next)
            next = u->due;
    }
    if (http_busy(s->http) + s->loading >= limit)
        next = now + 1000;   /* completions call tick anyway; this is the fallback */
    if (next != UINT64_MAX)
        uv_timer_start(&s->tick, on_tick, next > now ? next - now : 0, 0);
    else
        uv_timer_stop(&s->tick);
}

/* ---- life cycle ----------------------------------------------------------- */

static struct http_opts http_opts_of(const struct config_http *h)
{
    struct http_opts o = {h->connect_timeout_s * 1000, h->timeout_s * 1000, h->max_body_bytes, h->max_parallel};
    return o;
}

void sources_configure(struct sources *s, const struct config *cfg)
{
    uint64_t now = uv_now(s->loop);
    s->hc = cfg->http;
    if (s->http) {
        struct http_opts o = http_opts_of(&cfg->http);
        http_set_opts(s->http, &o);
    }
    for (size_t i = 0; i < s->nsrcs; i++)
        s->srcs[i]->gone = true;
    for (size_t i = 0; i < cfg->nsources; i++) {
        const struct config_source *cs = &cfg->sources[i];
        struct src *c = NULL;
        for (size_t k = 0; k < s->nsrcs; k++)
            if (strcmp(s->srcs[k]->c.url, cs->url) == 0)
                c = s->srcs[k];
        if (!c) {
            c = xcalloc(1, sizeof *c);
            c->c.url = dup0(cs->url);
            s->srcs = xrealloc(s->srcs, (s->nsrcs + 1) * sizeof *s->srcs);
            s->srcs[s->nsrcs++] = c;
        }
        c->gone = false;
        bool follow_changed = !same(c->c.follow, cs->follow);
        bool sooner = cs->interval_s < c->c.interval_s;
        c->c.interval_s = cs->interval_s;
        c->c.fail_after_s = cs->fail_after_s;
        set_str(&c->c.follow, cs->follow);
        struct url *u = lookup(s, cs->url);
        if (u && u->linked && u->src != c) {
            /* it was another index's link; now it is a source of its own */
            u->linked = false;
        }
        if (!u) {
            u = add_url(s, cs->url, c, false);
            if (s->loaded_state)
                u->due = now;
        }
        u->src = c;
        u->linked = false;
        u->gone = false;
        c->self = u;
        if (follow_changed && s->loaded_state) {
            forget_content(u);   /* read it again as what it now is, with the new pattern */
            u->due = now;
        } else if (sooner && s->loaded_state && !u->busy) {
            uint64_t d = now + jitter(s, (uint64_t)cs->interval_s * 1000);
            if (d < u->due)
                u->due = d;
        }
        publish_health(s, u);
    }
    /* what belongs to removed sources stops; rows stay in the database */
    for (size_t i = 0; i < s->nall; i++) {
        struct url *u = s->all[i];
        if (u->src && (u->src->gone || (u->linked && !u->src->c.follow)))
            u->gone = true;
    }
    sweep_gone(s);
    request_load(s);
    tick(s);
}

struct sources *sources_create(uv_loop_t *loop, const struct config *cfg, struct metrics *metrics,
                               const struct sources_cbs *cbs, char *err, size_t errlen)
{
    struct sources *s = xcalloc(1, sizeof *s);
    struct http_opts o = http_opts_of(&cfg->http);
    s->loop = loop;
    s->metrics = metrics;
    s->cbs = *cbs;
    s->hc = cfg->http;
    s->events = json_array();
    s->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)s;
    s->http = http_create(loop, &o, err, errlen);
    if (!s->http) {
        json_decref(s->events);
        free(s);
        return NULL;
    }
    uv_timer_init(loop, &s->tick);
    uv_timer_init(loop, &s->save_timer);
    s->tick.data = s->save_timer.data = s;
    s->handles = 2;
    sources_configure(s, cfg);
    return s;
}

void sources_set_db(struct sources *s, struct dbworker *db)
{
    s->db = db;
    request_load(s);
    if (db)
        schedule_save(s);
}

size_t sources_count(const struct sources *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nsrcs; i++)
        n += !s->srcs[i]->gone;
    return n;
}

size_t sources_urls(const struct sources *s)
{
    return s->nall;
}

static void timer_closed(uv_handle_t *h)
{
    struct sources *s = h->data;
    s->handles--;
    maybe_free(s);
}

void sources_stop(struct sources *s)
{
    if (s->stopped)
        return;
    /* what is dirty now is lost unless a save is already under way: the
     * next start then polls those URLs unconditionally, which costs a
     * transfer, not a document */
    s->stopped = true;
    http_destroy(s->http);
    s->http = NULL;
    uv_close((uv_handle_t *)&s->tick, timer_closed);
    uv_close((uv_handle_t *)&s->save_timer, timer_closed);
    /* transfers dropped without a callback leave their URLs busy: no matter
     * now, nothing is polled again */
}

void sources_destroy(struct sources *s)
{
    if (!s)
        return;
    sources_stop(s);
    s->destroyed = true;
    maybe_free(s);
}
