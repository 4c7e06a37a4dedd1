/*
 * run: `minutesd run` - the daemon.
 *
 * One libuv loop owns everything that decides: the inboxes, the jobs in
 * flight, the metrics, signals and systemd.  Work that blocks or burns CPU
 * leaves it: reading and parsing a file (intake) and moving it afterwards
 * (dispose) go to the thread pool, database work to the dbworker thread.
 * A job is one file's way through that:
 *
 *     inbox offers ─► intake (pool) ─► dbworker (commit) ─► dispose (pool) ─► inbox_finish
 *
 * and the loop counts jobs between the offer and the finish (`inflight`):
 * at max_inflight the inboxes are told no, so a backlog of any size costs
 * the same memory - the files wait in their directory, which is the only
 * queue that survives a crash anyway.  Nothing leaves an inbox before the
 * outcome that decides where it goes has been committed.
 *
 * Stopping (SIGTERM / SIGINT) closes the inboxes, lets the database thread
 * commit what it holds, moves the files that were committed, and ends; if
 * that takes longer than RUN_STOP_MS the process exits anyway: anything not
 * committed by then is rolled back by the server and its file is still in
 * the inbox.  SIGHUP re-reads the configuration as a whole: if it is valid
 * it replaces the running one (inboxes added, removed or changed, log
 * level, metrics address), otherwise the daemon says why and carries on.
 */
#include "alerts.h"
#include "commands.h"
#include "config.h"
#include "dbworker.h"
#include "dispose.h"
#include "inbox.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "session.h"
#include "sources.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define RUN_STOP_MS 9500
#define RUN_STATUS_MS 5000
#define RUN_MOVE_RETRY_MS 60000

extern const char *const samples_names[];
extern const char *const samples_texts[];
extern const size_t samples_count;

struct run;

struct job {
    struct dbworker_job dbj;   /* first: the dbworker hands this pointer back */
    struct run *r;
    struct inbox *in;          /* referenced; NULL for a document fetched from a URL */
    struct source_doc *sd;     /* a document fetched from a URL, or NULL */
    char *name, *path;
    struct inbox_ident kept;
    bool has_kept;
    uv_work_t work;
    struct intake t;
    struct dispose d;
    char *error_json;
    char *processed, *failed;  /* copies: SIGHUP may replace the inbox's while a move runs */
    bool committed;            /* URL documents: the outcome is durable */
    enum loader_status status;
    uint64_t taken_ns;
};

struct run {
    uv_loop_t *loop;
    char *config_path;
    struct session_opts so;
    struct config *cfg;
    struct inbox **inboxes;
    size_t ninboxes, next_pump;
    struct dbworker *db;
    struct sources *sources;
    struct alerts *alerts;
    enum dbworker_state db_state;
    char db_detail[512];
    struct metrics *metrics;
    struct metrics_server *ms;
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t status_timer, watchdog_timer, stop_timer;
    size_t inflight;
    size_t loaded, failed, duplicate, events;
    bool ready_sent, caught_up_said, stopping, db_gone;
    int exit_status;
    /* command-line overrides, applied again to every reloaded configuration */
    int cli_log_level, cli_log_format;   /* -1: none */
};

/* What the command line says wins over the file, at start and at reload. */
static void apply_overrides(const struct run *r, struct config *cfg)
{
    if (r->so.state_dir) {
        free(cfg->state_dir);
        cfg->state_dir = xstrndup(r->so.state_dir, strlen(r->so.state_dir));
    }
    if (r->cli_log_level >= 0)
        cfg->log_level = (enum config_log_level)r->cli_log_level;
    if (r->cli_log_format >= 0)
        cfg->log_format = (enum config_log_format)r->cli_log_format;
}

/* ---- small things ------------------------------------------------------ */

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void iso_now(char *out, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static size_t waiting_total(const struct run *r)
{
    size_t w = 0;
    for (size_t i = 0; i < r->ninboxes; i++)
        w += inbox_waiting(r->inboxes[i]);
    return w;
}

static void update_status(struct run *r)
{
    metrics_set_queue(r->metrics, waiting_total(r), r->inflight);
    sd_notifyf(0, "STATUS=%zu loaded, %zu failed, %zu already loaded; %zu waiting, %zu in flight; database %s",
               r->loaded, r->failed, r->duplicate, waiting_total(r), r->inflight,
               r->db_state == DBW_UP ? "up" : r->db_state == DBW_DOWN ? "unreachable" : "connecting");
}

static void pump_all(struct run *r)
{
    if (r->stopping || r->ninboxes == 0)
        return;
    /* start with a different inbox each time, so a busy one does not
     * starve the others of in-flight slots */
    size_t start = r->next_pump++ % r->ninboxes;
    for (size_t k = 0; k < r->ninboxes && r->inflight < (size_t)r->cfg->max_inflight; k++)
        inbox_pump(r->inboxes[(start + k) % r->ninboxes]);
}

static void maybe_finish_stop(struct run *r);

static void job_free(struct job *j)
{
    struct run *r = j->r;
    intake_clear(&j->t);
    dispose_clear(&j->d);
    loader_doc_destroy(j->dbj.doc);
    free(j->error_json);
    free(j->processed);
    free(j->failed);
    free(j->name);
    free(j->path);
    if (j->sd)
        sources_document_done(r->sources, j->sd, j->committed, j->status, j->dbj.document_id, j->dbj.error);
    free(j->dbj.error);
    if (j->in)
        inbox_unref(j->in);
    free(j);
    r->inflight--;
    if (r->stopping) {
        maybe_finish_stop(r);
        return;
    }
    pump_all(r);
    if (!r->caught_up_said && r->inflight == 0 && waiting_total(r) == 0 && r->loaded + r->failed + r->duplicate) {
        r->caught_up_said = true;
        log_info("caught up: %zu loaded, %zu failed, %zu already loaded, %zu events; query them with "
                 "`minutesd psql -c 'TABLE minutes.meeting_overview'` (or `minutesd listen` for events)",
                 r->loaded, r->failed, r->duplicate, r->events);
    }
}

/* ---- dispose: the file's last step ------------------------------------- */

static void dispose_work(uv_work_t *w)
{
    struct job *j = w->data;
    dispose_run(&j->d);
}

static void dispose_done(uv_work_t *w, int status)
{
    struct job *j = w->data;
    (void)status;
    if (j->sd) {
        if (j->d.error)
            log_error("%s: %s", j->path, j->d.error);
        else
            log_info("%s: kept in %s", j->path, j->d.dest);
        job_free(j);
        return;
    }
    if (j->d.error) {
        /* the outcome is committed; only the move failed.  Leave the file:
         * taken again later it is a duplicate, and the move is retried. */
        log_error("%s: %s; it stays in the inbox and is tried again later", j->path, j->d.error);
        inbox_finish(j->in, j->name, INBOX_RETRY, uv_now(j->r->loop) + RUN_MOVE_RETRY_MS, NULL);
    } else {
        if (j->d.dest)
            log_debug("%s: moved to %s", j->path, j->d.dest);
        inbox_finish(j->in, j->name, INBOX_DONE, 0, NULL);
    }
    job_free(j);
}

static void dispose(struct job *j, bool failed, const char *reason)
{
    const struct config_inbox *ic = j->in ? inbox_config(j->in) : NULL;
    if (j->sd && (!failed || j->status != LOADER_FAILED)) {
        job_free(j);   /* loaded; or failed before, and kept then */
        return;
    }
    if (failed) {
        char when[40];
        iso_now(when, sizeof when);
        json_t *o = json_pack("{s:s, s:s, s:s}", "file", j->name, "reason", reason ? reason : "rejected", "time",
                              when);
        if (!o)   /* a name that is not UTF-8: the path in the message is enough */
            o = json_pack("{s:s, s:s}", "reason", reason ? reason : "rejected", "time", when);
        json_t *issues = j->t.issues ? json_loads(j->t.issues, 0, NULL) : NULL;
        json_object_set_new(o, "issues", issues ? issues : json_array());
        if (j->t.sha256[0])
            json_object_set_new(o, "sha256", json_string(j->t.sha256));
        if (j->dbj.document_id)
            json_object_set_new(o, "document_id", json_integer(j->dbj.document_id));
        json_t *url = j->sd ? json_string(j->sd->url) : NULL;
        if (url)
            json_object_set_new(o, "url", url);
        j->error_json = json_dumps(o, JSON_INDENT(2));
        json_decref(o);
    } else if (ic->after == CONFIG_AFTER_KEEP) {
        inbox_finish(j->in, j->name, INBOX_KEPT, 0, &j->t.ident);
        job_free(j);
        return;
    }
    if (j->sd) {
        /* fetched, so there is no file to move: its bytes are kept instead */
        struct buf b;
        buf_init(&b, 0);
        buf_printf(&b, "%s/failed", j->r->cfg->state_dir);
        j->failed = buf_steal(&b, NULL);
        j->processed = xstrndup(j->failed, strlen(j->failed));
        j->d.data = j->sd->body;
        j->d.len = j->sd->len;
        j->d.after = CONFIG_AFTER_MOVE;
    } else {
        j->processed = xstrndup(ic->processed, strlen(ic->processed));
        j->failed = xstrndup(ic->failed, strlen(ic->failed));
        j->d.after = ic->after;
    }
    j->d.path = j->path;
    j->d.name = j->name;
    j->d.processed = j->processed;
    j->d.failed = j->failed;
    j->d.is_failed = failed;
    j->d.error_json = j->error_json;
    j->work.data = j;
    uv_queue_work(j->r->loop, &j->work, dispose_work, dispose_done);
}

/* ---- the database's answer --------------------------------------------- */

static void on_db_done(void *ud, struct dbworker_job *dj)
{
    struct run *r = ud;
    struct job *j = (struct job *)dj;
    double secs = (double)(uv_hrtime() - j->taken_ns) / 1e9;

    if (dj->abandoned) {
        if (j->in)
            inbox_finish(j->in, j->name, INBOX_RETRY, uv_now(r->loop), NULL);
        job_free(j);
        return;
    }
    j->committed = true;
    j->status = dj->status;
    r->events += (size_t)dj->events;
    if (dj->events > 0)
        alerts_kick(r->alerts);   /* a decision is news now, not at the next tick */
    bool failed = dj->status == LOADER_FAILED || (dj->status == LOADER_DUPLICATE && dj->error);
    switch (dj->status) {
    case LOADER_LOADED:
        r->loaded++;
        log_info("%s: loaded as document %lld (%d event%s)", j->path, dj->document_id, dj->events,
                 dj->events == 1 ? "" : "s");
        break;
    case LOADER_FAILED:
        r->failed++;
        log_error("%s: failed: %s (recorded as document %lld)", j->path, dj->error ? dj->error : "?",
                  dj->document_id);
        break;
    case LOADER_DUPLICATE:
    case LOADER_UNCHANGED:
        r->duplicate++;
        if (failed)
            log_warning("%s: already loaded as document %lld, which failed: %s", j->path, dj->document_id,
                        dj->error);
        else
            log_info("%s: already loaded as document %lld, nothing to do", j->path, dj->document_id);
        break;
    }
    metrics_document(r->metrics, loader_status_str(dj->status), secs);
    if (j->in)
        metrics_source_success(r->metrics, inbox_config(j->in)->path, wall_now());
    dispose(j, failed, dj->error ? dj->error : j->t.reason);
}

static void on_db_state(void *ud, enum dbworker_state s, const char *detail)
{
    struct run *r = ud;
    enum dbworker_state was = r->db_state;
    bool same = s == was && strcmp(detail, r->db_detail) == 0;

    r->db_state = s;
    snprintf(r->db_detail, sizeof r->db_detail, "%.500s", detail);
    metrics_set_database_up(r->metrics, s == DBW_UP);
    switch (s) {
    case DBW_UP:
        log_info("database %s: %s", was == DBW_DOWN ? "reachable again" : "connected", detail);
        break;
    case DBW_CONNECTING:
        if (!same)
            log_error("could not open the database, retrying: %s", detail);
        break;
    case DBW_DOWN:
        if (!same)
            log_error("database unreachable, retrying with backoff (files wait in their inbox): %s", detail);
        break;
    case DBW_STOPPED:
        if (r->sources)
            sources_set_db(r->sources, NULL);
        if (r->alerts)
            alerts_set_db(r->alerts, NULL);
        dbworker_destroy(r->db);
        r->db = NULL;
        r->db_gone = true;
        maybe_finish_stop(r);
        return;
    }
    if (!r->ready_sent && !r->stopping) {
        /* ready once the database has answered one way or the other: a
         * database that is down is a state to report, not a failed start */
        r->ready_sent = true;
        sd_notify(0, "READY=1");
    }
    update_status(r);
    pump_all(r);
}

/* ---- intake: read and parse off the loop ------------------------------- */

static void intake_work(uv_work_t *w)
{
    struct job *j = w->data;
    intake_run(&j->t);
}

static void intake_done(uv_work_t *w, int status)
{
    struct job *j = w->data;
    struct run *r = j->r;
    uint64_t now = uv_now(r->loop);

    (void)status;
    switch (j->t.result) {
    case INTAKE_READY:
        if (r->stopping || !r->db) {
            if (j->in)
                inbox_finish(j->in, j->name, INBOX_RETRY, now, NULL);
            break;
        }
        if (j->sd) {
            memcpy(j->sd->text_sha, j->t.text_sha, sizeof j->sd->text_sha);
            if (j->t.text_sha[0] && strcmp(j->t.text_sha, j->sd->last_text_sha) == 0) {
                /* a page whose bytes change on every visit but not its text:
                 * a new version of nothing is not worth a document */
                j->committed = true;
                j->status = LOADER_UNCHANGED;
                break;
            }
        }
        j->dbj.doc = j->t.doc;
        j->t.doc = NULL;
        dbworker_submit(r->db, &j->dbj);
        return;
    case INTAKE_NOT_READY:
        if (j->t.reason)
            log_warning("%s: %s; trying again in %llu ms", j->path, j->t.reason, (unsigned long long)j->t.retry_ms);
        inbox_finish(j->in, j->name, INBOX_RETRY, now + j->t.retry_ms, NULL);
        break;
    case INTAKE_GONE:
        inbox_finish(j->in, j->name, INBOX_DONE, 0, NULL);
        break;
    case INTAKE_SAME:
        inbox_finish(j->in, j->name, INBOX_KEPT, 0, &j->t.ident);
        break;
    case INTAKE_UNREADABLE:
        /* never reached the pipeline, so nothing is recorded in the
         * database; the reason goes beside the file in failed/ */
        r->failed++;
        log_error("%s: %s; moved to %s", j->path, j->t.reason, inbox_config(j->in)->failed);
        metrics_document(r->metrics, "unreadable", -1);
        dispose(j, true, j->t.reason);
        return;
    }
    job_free(j);
}

/* The inbox offers a file that is due. */
static bool take(void *ud, struct inbox *in, const char *name, const struct inbox_ident *kept)
{
    struct run *r = ud;
    if (r->stopping || r->inflight >= (size_t)r->cfg->max_inflight || r->db_state != DBW_UP)
        return false;
    struct job *j = xcalloc(1, sizeof *j);
    struct buf b;
    j->r = r;
    j->in = in;
    inbox_ref(in);
    j->name = xstrndup(name, strlen(name));
    buf_init(&b, 0);
    buf_printf(&b, "%s/%s", inbox_config(in)->path, name);
    j->path = buf_steal(&b, NULL);
    if (kept) {
        j->kept = *kept;
        j->has_kept = true;
    }
    j->t.path = j->path;
    j->t.name = j->name;
    j->t.settle_ms = inbox_config(in)->settle_ms;
    j->t.kept = j->has_kept ? &j->kept : NULL;
    j->taken_ns = uv_hrtime();
    j->work.data = j;
    r->inflight++;
    uv_queue_work(r->loop, &j->work, intake_work, intake_done);
    return true;
}

static void url_intake_work(uv_work_t *w)
{
    struct job *j = w->data;
    intake_bytes(&j->t, j->sd->body, j->sd->len, j->sd->name, j->sd->url, j->sd->url);
}

/* A web source delivers a changed document: the same way as a file from
 * here on, except that there is no file to move afterwards. */
static bool take_url(void *ud, struct source_doc *d)
{
    struct run *r = ud;
    if (r->stopping || !r->db)
        return false;
    struct job *j = xcalloc(1, sizeof *j);
    j->r = r;
    j->sd = d;
    j->name = xstrndup(d->name, strlen(d->name));
    j->path = xstrndup(d->url, strlen(d->url));
    j->taken_ns = uv_hrtime();
    j->work.data = j;
    r->inflight++;
    uv_queue_work(r->loop, &j->work, url_intake_work, intake_done);
    return true;
}

/* ---- inboxes from the configuration ------------------------------------ */

/* First run with no configuration: ./inbox does not exist yet, so create
 * it with the sample documents built into the binary, and a person sees the
 * daemon do something at once. */
static void seed_samples(const struct config *cfg)
{
    struct stat st;
    const char *dir = cfg->inboxes[0].path;
    if (!cfg->default_inbox || stat(dir, &st) == 0)
        return;
    if (mkdir(dir, 0775) < 0) {
        log_warning("inbox %s: could not create directory: %s", dir, strerror(errno));
        return;
    }
    for (size_t i = 0; i < samples_count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, samples_names[i]);
        FILE *f = fopen(path, "wbx");
        if (!f)
            continue;
        fwrite(samples_texts[i], 1, strlen(samples_texts[i]), f);
        fclose(f);
    }
    log_info("inbox %s: created with %zu sample documents", dir, samples_count);
}

static struct inbox *find_inbox(struct run *r, const char *path)
{
    for (size_t i = 0; i < r->ninboxes; i++)
        if (strcmp(inbox_config(r->inboxes[i])->path, path) == 0)
            return r->inboxes[i];
    return NULL;
}

/* inbox_prepare for every inbox of cfg: one error per inbox (new, each
 * new or NULL where it is ready).  Blocking: before the loop runs, or on
 * the thread pool. */
static char **prepare_inboxes(const struct config *cfg)
{
    char **errs = xcalloc(cfg->ninboxes + 1, sizeof *errs);
    char err[512];
    for (size_t i = 0; i < cfg->ninboxes; i++)
        if (inbox_prepare(&cfg->inboxes[i], err, sizeof err) < 0)
            errs[i] = xstrndup(err, strlen(err));
    return errs;
}

static void free_errors(char **errs, size_t n)
{
    for (size_t i = 0; errs && i < n; i++)
        free(errs[i]);
    free(errs);
}

/* Makes the running inboxes those of cfg, whose directories
 * prepare_inboxes made ready (errs: its answer).  0, or -1 if one could not
 * be started (said in the log; the others run). */
static int apply_inboxes(struct run *r, const struct config *cfg, char *const *errs)
{
    struct inbox **next = xcalloc(cfg->ninboxes + 1, sizeof *next);
    size_t n = 0;
    int rc = 0;

    for (size_t i = 0; i < cfg->ninboxes; i++) {
        struct inbox *in = find_inbox(r, cfg->inboxes[i].path);
        if (in) {
            inbox_reconfigure(in, &cfg->inboxes[i], cfg->rescan_s);
        } else {
            if (errs[i]) {
                log_error("%s", errs[i]);
                rc = -1;
                continue;
            }
            in = inbox_create(r->loop, &cfg->inboxes[i], cfg->rescan_s, take, r);
            struct buf pats;
            buf_init(&pats, 0);
            for (size_t k = 0; k < cfg->inboxes[i].npatterns; k++)
                buf_printf(&pats, "%s%s", k ? " " : "", cfg->inboxes[i].patterns[k]);
            log_info("inbox %s: watching for %s (after loading: %s)", cfg->inboxes[i].path, pats.data,
                     config_after_str(cfg->inboxes[i].after));
            buf_free(&pats);
        }
        next[n++] = in;
    }
    for (size_t i = 0; i < r->ninboxes; i++) {
        bool kept = false;
        for (size_t k = 0; k < n; k++)
            kept |= next[k] == r->inboxes[i];
        if (!kept) {
            log_info("inbox %s: no longer watched", inbox_config(r->inboxes[i])->path);
            inbox_close(r->inboxes[i]);
        }
    }
    free(r->inboxes);
    r->inboxes = next;
    r->ninboxes = n;
    return rc;
}

static int start_metrics(struct run *r, const char *listen)
{
    struct sockaddr_storage ss;
    char err[512];
    metrics_server_stop(r->ms);
    r->ms = NULL;
    if (!listen)
        return 0;
    if (config_parse_listen(listen, &ss, err, sizeof err) < 0 ||
        !(r->ms = metrics_server_start(r->loop, &ss, r->metrics, err, sizeof err))) {
        log_error("metrics: %s", err);
        return -1;
    }
    log_info("metrics: serving http://%s/metrics", listen);
    return 0;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* SIGHUP: the file is read and missing inbox directories are made on the
 * thread pool (reload_work); the loop only swaps (reload_done). */
struct reload_job {
    uv_work_t work;
    struct run *r;
    char *path;
    struct config *cfg;
    char **errs;
    char err[1024];
};

static void reload_work(uv_work_t *w)
{
    struct reload_job *j = w->data;
    j->cfg = config_load(j->path, j->err, sizeof j->err);
    if (j->cfg)
        j->errs = prepare_inboxes(j->cfg);
}

static void reload_done(uv_work_t *w, int status)
{
    struct reload_job *j = w->data;
    struct run *r = j->r;
    struct config *cfg = j->cfg;
    size_t nerrs = cfg ? cfg->ninboxes : 0;

    (void)status;
    if (r->stopping) {
        config_destroy(cfg);   /* new inboxes now would keep the loop from ending */
        goto out;
    }
    if (!cfg) {
        log_error("configuration not reloaded, still running on the previous one: %s", j->err);
        goto out;
    }
    apply_overrides(r, cfg);
    if (!same_str(cfg->database, r->cfg->database) || strcmp(cfg->state_dir, r->cfg->state_dir) != 0 ||
        cfg->batch != r->cfg->batch)
        log_warning("configuration reloaded, but \"database\", \"state_dir\" and \"batch\" take effect only "
                    "after a restart");
    log_setup(cfg->log_level, cfg->log_format);
    apply_inboxes(r, cfg, j->errs);
    if (r->sources)
        sources_configure(r->sources, cfg);
    if (r->alerts)
        alerts_configure(r->alerts, cfg);
    if (!same_str(cfg->metrics_listen, r->cfg->metrics_listen))
        start_metrics(r, cfg->metrics_listen);
    config_destroy(r->cfg);
    r->cfg = cfg;
    log_info("configuration reloaded from %s: %zu inbox%s, %zu web source%s", r->config_path, r->ninboxes,
             r->ninboxes == 1 ? "" : "es", cfg->nsources, cfg->nsources == 1 ? "" : "s");
    sd_notify(0, "READY=1");
    pump_all(r);
out:
    free_errors(j->errs, nerrs);
    free(j->path);
    free(j);
}

static void reload(struct run *r)
{
    if (r->stopping)
        return;
    if (!r->config_path) {
        log_info("SIGHUP: no configuration file to reload (started without --config)");
        return;
    }
    struct reload_job *j = xcalloc(1, sizeof *j);
    j->r = r;
    j->path = xstrndup(r->config_path, strlen(r->config_path));
    j->work.data = j;
    uv_queue_work(r->loop, &j->work, reload_work, reload_done);
}

/* ---- stopping ---------------------------------------------------------- */

static void close_cb(uv_handle_t *h)
{
    (void)h;
}

static void maybe_finish_stop(struct run *r)
{
    if (!r->stopping || !r->db_gone || r->inflight > 0)
        return;
    /* The stop timer stays armed but no longer keeps the loop alive: if
     * something else still does (a scan stuck on a dead network mount), it
     * fires and ends the process; otherwise uv_run returns first. */
    uv_unref((uv_handle_t *)&r->stop_timer);
    metrics_server_stop(r->ms);
    r->ms = NULL;
    uv_close((uv_handle_t *)&r->sig_term, close_cb);
    uv_close((uv_handle_t *)&r->sig_int, close_cb);
    uv_close((uv_handle_t *)&r->sig_hup, close_cb);
    uv_close((uv_handle_t *)&r->status_timer, close_cb);
    uv_close((uv_handle_t *)&r->watchdog_timer, close_cb);
    log_info("stopped: %zu loaded, %zu failed, %zu already loaded", r->loaded, r->failed, r->duplicate);
}

static void on_stop_timeout(uv_timer_t *t)
{
    struct run *r = t->data;
    /* whatever is still open was not committed: the server rolls it back
     * when the connection goes, and its files are still in the inbox */
    log_error("could not stop within %d s (database thread busy); exiting anyway, uncommitted files stay in "
              "their inbox",
              RUN_STOP_MS / 1000 + 1);
    sd_notify(0, "STATUS=stopped without finishing the database work");
    _exit(r->exit_status ? r->exit_status : 1);
}

static void begin_stop(struct run *r, const char *why)
{
    if (r->stopping)
        return;
    r->stopping = true;
    log_info("%s: stopping (%zu in flight)", why, r->inflight);
    sd_notify(0, "STOPPING=1");
    for (size_t i = 0; i < r->ninboxes; i++)
        inbox_close(r->inboxes[i]);
    free(r->inboxes);
    r->inboxes = NULL;
    r->ninboxes = 0;
    if (r->sources)
        sources_stop(r->sources);
    alerts_stop(r->alerts);
    uv_timer_start(&r->stop_timer, on_stop_timeout, RUN_STOP_MS, 0);
    if (r->db)
        dbworker_stop(r->db);
    maybe_finish_stop(r);
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct run *r = s->data;
    if (signum == SIGHUP)
        reload(r);
    else
        begin_stop(r, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_status(uv_timer_t *t)
{
    update_status(t->data);
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    /* the loop is turning, or this would not run */
    sd_notify(0, "WATCHDOG=1");
}

/* ---- the command ------------------------------------------------------- */

static void usage(void)
{
    fputs("usage: minutesd run [--config FILE] [--db CONNINFO] [--state-dir DIR] [--log-format text|json]\n"
          "                    [--log-level error|warning|info|debug]\n",
          stderr);
}

int run_main(int argc, char **argv)
{
    struct run r = {.cli_log_level = -1, .cli_log_format = -1};
    uv_loop_t loop;
    char err[1024];
    const char *log_format = NULL, *log_level = NULL;
    uint64_t wd_usec = 0;

    argc = session_parse_args(argc, argv, &r.so, err, sizeof err);
    if (argc < 0) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--log-format") == 0 && i + 1 < argc)
            log_format = argv[++i];
        else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc)
            log_level = argv[++i];
        else {
            fprintf(stderr, "minutesd: unknown argument \"%s\"\n", argv[i]);
            usage();
            return EXIT_USAGE;
        }
    }
    r.cfg = r.so.config_path ? config_load(r.so.config_path, err, sizeof err) : config_create();
    if (!r.cfg) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    if (log_format) {
        if (strcmp(log_format, "json") && strcmp(log_format, "text")) {
            fprintf(stderr, "minutesd: --log-format must be text or json\n");
            config_destroy(r.cfg);
            return EXIT_USAGE;
        }
        r.cli_log_format = strcmp(log_format, "json") == 0 ? CONFIG_LOG_JSON : CONFIG_LOG_TEXT;
    }
    if (log_level) {
        static const char *const names[] = {"error", "warning", "info", "debug"};
        static const enum config_log_level levels[] = {CONFIG_LOG_ERROR, CONFIG_LOG_WARNING, CONFIG_LOG_INFO,
                                                       CONFIG_LOG_DEBUG};
        int k = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(log_level, names[i]) == 0)
                k = i;
        if (k < 0) {
            fprintf(stderr, "minutesd: --log-level must be error, warning, info or debug\n");
            config_destroy(r.cfg);
            return EXIT_USAGE;
        }
        r.cli_log_level = (int)levels[k];
    }
    apply_overrides(&r, r.cfg);
    log_setup(r.cfg->log_level, r.cfg->log_format);
    r.config_path = r.so.config_path ? xstrndup(r.so.config_path, strlen(r.so.config_path)) : NULL;
    r.so.config_path = r.config_path;
    /* a metrics client that hangs up, a lease break: not reasons to die */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGIO, SIG_IGN);

    uv_loop_init(&loop);
    r.loop = &loop;
    r.db_state = DBW_CONNECTING;
    r.metrics = metrics_create();
    log_info("minutesd %s starting (pid %d)", MINUTESD_VERSION, (int)getpid());
    if (start_metrics(&r, r.cfg->metrics_listen) < 0) {
        r.exit_status = EXIT_USAGE;
        goto out;
    }
    seed_samples(r.cfg);
    char **errs = prepare_inboxes(r.cfg);   /* before the loop runs: blocking is fine */
    int applied = apply_inboxes(&r, r.cfg, errs);
    free_errors(errs, r.cfg->ninboxes);
    if (applied < 0 && r.ninboxes == 0 && r.cfg->ninboxes > 0) {
        log_error("no inbox could be watched");
        r.exit_status = EXIT_USAGE;
        metrics_server_stop(r.ms);
        goto out;
    }
    struct dbworker_cbs cbs = {on_db_done, on_db_state, &r};
    r.db = dbworker_create(&loop, &r.so, r.cfg->batch, &cbs);
    struct sources_cbs scbs = {take_url, &r};
    r.sources = sources_create(&loop, r.cfg, r.metrics, &scbs, err, sizeof err);
    if (!r.sources)
        log_error("web sources disabled: %s", err);
    else
        sources_set_db(r.sources, r.db);
    r.alerts = alerts_create(&loop, r.cfg, err, sizeof err);
    if (!r.alerts)
        log_error("alerts disabled: %s", err);
    else
        alerts_set_db(r.alerts, r.db);

    uv_signal_init(&loop, &r.sig_term);
    uv_signal_init(&loop, &r.sig_int);
    uv_signal_init(&loop, &r.sig_hup);
    r.sig_term.data = r.sig_int.data = r.sig_hup.data = &r;
    uv_signal_start(&r.sig_term, on_signal, SIGTERM);
    uv_signal_start(&r.sig_int, on_signal, SIGINT);
    uv_signal_start(&r.sig_hup, on_signal, SIGHUP);
    uv_timer_init(&loop, &r.status_timer);
    uv_timer_init(&loop, &r.watchdog_timer);
    uv_timer_init(&loop, &r.stop_timer);
    r.status_timer.data = r.watchdog_timer.data = r.stop_timer.data = &r;
    uv_timer_start(&r.status_timer, on_status, RUN_STATUS_MS, RUN_STATUS_MS);
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0)
        uv_timer_start(&r.watchdog_timer, on_watchdog, 0, wd_usec / 2000 ? wd_usec / 2000 : 1);

    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&r.stop_timer, close_cb);
out:
    /* inboxes closed at stop; a failed start may still hold some */
    for (size_t i = 0; i < r.ninboxes; i++)
        inbox_close(r.inboxes[i]);
    free(r.inboxes);
    uv_run(&loop, UV_RUN_DEFAULT);   /* the close callbacks */
    sources_destroy(r.sources);
    alerts_destroy(r.alerts);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0)
        log_warning("handles still open at exit");
    metrics_destroy(r.metrics);
    config_destroy(r.cfg);
    free(r.config_path);
    return r.exit_status;
}

/* ---- check-config ------------------------------------------------------ */

int check_config_main(int argc, char **argv)
{
    char err[1024];
    if (argc != 1) {
        fputs("usage: minutesd check-config FILE\n", stderr);
        return EXIT_USAGE;
    }
    struct config *cfg = config_load(argv[0], err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    printf("%s: ok\n", argv[0]);
    printf("  database:     %s\n", cfg->database ? "(set)" : "PG* environment, else the private cluster");
    printf("  state_dir:    %s\n", cfg->state_dir);
    for (size_t i = 0; i < cfg->ninboxes; i++) {
        const struct config_inbox *in = &cfg->inboxes[i];
        printf("  inbox:        %s (", in->path);
        for (size_t k = 0; k < in->npatterns; k++)
            printf("%s%s", k ? " " : "", in->patterns[k]);
        printf("; after %s; settle %d ms; processed %s; failed %s)\n", config_after_str(in->after), in->settle_ms,
               in->processed, in->failed);
    }
    printf("  metrics:      %s\n", cfg->metrics_listen ? cfg->metrics_listen : "off");
    printf("  log:          %s, %s\n", config_log_level_str(cfg->log_level),
           cfg->log_format == CONFIG_LOG_JSON ? "json" : "text");
    for (size_t i = 0; i < cfg->nsources; i++) {
        const struct config_source *src = &cfg->sources[i];
        printf("  source:       %s (every %d s; ", src->url, src->interval_s);
        if (src->follow)
            printf("follows links matching %s; ", src->follow);
        printf("failing after %d s)\n", src->fail_after_s);
    }
    printf("  http:         connect %d s, total %d s, body at most %lld bytes, %d at once\n",
           cfg->http.connect_timeout_s, cfg->http.timeout_s, cfg->http.max_body_bytes, cfg->http.max_parallel);
    printf("  batch %d, max_inflight %d, rescan_s %d\n", cfg->batch, cfg->max_inflight, cfg->rescan_s);
    config_destroy(cfg);
    return 0;
}
