/*
 * alerts: see alerts.h.
 *
 * One task at a time goes to the database thread to plan and fetch due
 * deliveries (a kick while it runs only marks that another round is
 * wanted), and one task per finished send records its outcome.  The ids
 * being sent are kept here and passed to the query, so a delivery whose
 * retry falls due while its first attempt is still on the wire is not sent
 * twice by this process.
 */
#include "alerts.h"

#include "alertmsg.h"
#include "http.h"
#include "log.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALERTS_BATCH_MAX 32

struct alerts {
    uv_loop_t *loop;
    struct http *http;
    struct dbworker *db;
    struct config_alerts ac;
    char *smtp_url, *smtp_from, *cred_path;
    enum config_smtp_tls tls;
    char *user, *pass;          /* from the credentials file */
    uv_timer_t timer;
    bool timer_open, plan_pending, again, stopped, destroyed;
    struct busy {
        long long id;
        uint64_t until;         /* 0: being sent; else held back until this loop time */
    } *busy;                    /* deliveries this process must not take up now */
    size_t nbusy, capbusy;
    int tasks;                  /* at the database thread: freed only when 0 */
    int works;                  /* credential reads on the pool */
    int renders;                /* messages being rendered on the pool */
    struct send *sending;       /* handed to http: dropped without a callback at stop */
    unsigned seed;
};

struct send {
    struct alerts *a;
    struct send *prev, *next;   /* on the wire (a->sending) */
    long long id;
    int attempts;
    int count;                  /* events in the message sent */
    bool webhook;
    char key[256];
    char target[300];           /* for the log: an address, or a webhook's scheme://host/… (its path may be a secret) */
};

static void maybe_free(struct alerts *a)
{
    if (!a->destroyed || a->timer_open || a->tasks > 0 || a->works > 0 || a->renders > 0)
        return;
    free(a->smtp_url);
    free(a->smtp_from);
    free(a->cred_path);
    free(a->user);
    free(a->pass);
    free(a->busy);
    while (a->sending) {
        struct send *s = a->sending;
        a->sending = s->next;
        free(s);
    }
    free(a);
}

static void busy_add(struct alerts *a, long long id)
{
    if (a->nbusy == a->capbusy) {
        a->capbusy = a->capbusy ? a->capbusy * 2 : 16;
        a->busy = xrealloc(a->busy, a->capbusy * sizeof *a->busy);
    }
    a->busy[a->nbusy].id = id;
    a->busy[a->nbusy].until = 0;
    a->nbusy++;
}

static void busy_remove(struct alerts *a, long long id)
{
    for (size_t i = 0; i < a->nbusy; i++)
        if (a->busy[i].id == id) {
            a->busy[i] = a->busy[--a->nbusy];
            return;
        }
}

/* Keeps id from being taken up again for ms: its outcome could not be
 * recorded, so the table still says it is due, and sending it again at
 * once would hammer the recipient with what it may already have. */
static void busy_hold(struct alerts *a, long long id, uint64_t ms)
{
    for (size_t i = 0; i < a->nbusy; i++)
        if (a->busy[i].id == id)
            a->busy[i].until = uv_now(a->loop) + ms;
}

static void busy_expire(struct alerts *a)
{
    uint64_t now = uv_now(a->loop);
    for (size_t i = 0; i < a->nbusy;)
        if (a->busy[i].until && a->busy[i].until <= now)
            a->busy[i] = a->busy[--a->nbusy];
        else
            i++;
}

/* ---- credentials: a netrc file, read off the loop ----------------------- */

struct cred_work {
    uv_work_t w;
    struct alerts *a;
    char *path, *host;
    char *user, *pass;
    char err[300];
};

/* The login and password for host in a netrc-format text ("machine H login
 * U password P", "default …"); the first matching entry wins. */
static void netrc_lookup(char *text, const char *host, char **user, char **pass)
{
    bool in = false, found = false;
    for (char *save = NULL, *t = strtok_r(text, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (strcmp(t, "machine") == 0 || strcmp(t, "default") == 0) {
            if (found)
                return;
            char *h = strcmp(t, "machine") == 0 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
            in = !h || strcmp(h, host) == 0;
            found = in;
        } else if (in && (strcmp(t, "login") == 0 || strcmp(t, "password") == 0)) {
            char *v = strtok_r(NULL, " \t\r\n", &save);
            if (v) {
                char **dst = t[0] == 'l' ? user : pass;
                free(*dst);
                *dst = xstrndup(v, strlen(v));
            }
        }
    }
}

static void cred_work(uv_work_t *w)
{
    struct cred_work *cw = w->data;
    FILE *f = fopen(cw->path, "r");
    char buf[8192];
    if (!f) {
        snprintf(cw->err, sizeof cw->err, "%s: %s", cw->path, strerror(errno));
        return;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    netrc_lookup(buf, cw->host, &cw->user, &cw->pass);
    memset(buf, 0, sizeof buf);   /* a password does not linger on the stack */
    if (!cw->user)
        snprintf(cw->err, sizeof cw->err, "%s: no entry for %s", cw->path, cw->host);
}

static void cred_done(uv_work_t *w, int status)
{
    struct cred_work *cw = w->data;
    struct alerts *a = cw->a;
    (void)status;
    a->works--;
    if (cw->err[0])
        log_error("smtp credentials: %s; mail is sent without logging in", cw->err);
    if (!a->destroyed) {
        free(a->user);
        free(a->pass);
        a->user = cw->user;
        a->pass = cw->pass;
        cw->user = cw->pass = NULL;
    }
    free(cw->user);
    free(cw->pass);
    free(cw->path);
    free(cw->host);
    free(cw);
    if (a->stopped) {
        maybe_free(a);
        return;
    }
    if (a->again && a->works == 0 && !a->plan_pending) {
        a->again = false;
        alerts_kick(a);
    }
}

static void read_credentials(struct alerts *a)
{
    if (!a->cred_path || !a->smtp_url)
        return;
    CURLU *u = curl_url();
    char *host = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, a->smtp_url, 0) == CURLUE_OK)
        curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_cleanup(u);
    struct cred_work *cw = xcalloc(1, sizeof *cw);
    cw->a = a;
    cw->path = xstrndup(a->cred_path, strlen(a->cred_path));
    cw->host = xstrndup(host ? host : "", host ? strlen(host) : 0);
    curl_free(host);
    cw->w.data = cw;
    a->works++;
    uv_queue_work(a->loop, &cw->w, cred_work, cred_done);
}

/* ---- recording an outcome ------------------------------------------------ */

struct record_job {
    struct dbworker_job dbj;
    struct alerts *a;
    struct send *s;
    bool ok;
    char *error;
    double retry_s;
    int max_attempts;
    char status[16];
};

static int record_task(PGconn *c, struct dbworker_job *dj, char *err, size_t errlen)
{
    struct record_job *j = (struct record_job *)dj;
    char id[32], retry[32], max[16];
    char count[16];
    snprintf(id, sizeof id, "%lld", j->s->id);
    snprintf(retry, sizeof retry, "%.3f", j->retry_s);
    snprintf(max, sizeof max, "%d", j->max_attempts);
    snprintf(count, sizeof count, "%d", j->s->count);
    const char *p[6] = {id, j->ok ? "t" : "f", j->error, retry, max, count};
    PGresult *r = PQexecParams(c, "SELECT minutes.delivery_done($1, $2, $3, $4, $5, $6)", 6, NULL, p, NULL, NULL,
                               0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *m = PQresultErrorMessage(r);
        snprintf(err, errlen, "could not record delivery %lld: %.*s", j->s->id, (int)strcspn(m, "\n"), m);
        PQclear(r);
        return -1;
    }
    snprintf(j->status, sizeof j->status, "%s", PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

static void record_done(struct dbworker_job *dj)
{
    struct record_job *j = (struct record_job *)dj;
    struct alerts *a = j->a;
    a->tasks--;
    if (dj->error && !dj->abandoned && !a->stopped) {
        /* still pending in the table: sent again, but not at once */
        log_warning("%s; it is sent again in %d s at the earliest", dj->error, a->ac.retry_min_s);
        busy_hold(a, j->s->id, (uint64_t)a->ac.retry_min_s * 1000);
    } else {
        busy_remove(a, j->s->id);
    }
    if (!dj->error && strcmp(j->status, "failed") == 0)
        log_error("delivery %lld to %s: gave up after %d attempts (minutes.deliveries keeps it with its error)",
                  j->s->id, j->s->target, j->max_attempts);
    free(dj->error);
    free(j->error);
    free(j->s);
    free(j);
    if (a->stopped) {
        maybe_free(a);
        return;
    }
    alerts_kick(a);
}

static void record(struct alerts *a, struct send *s, bool ok, const char *error)
{
    struct record_job *j = xcalloc(1, sizeof *j);
    j->a = a;
    j->s = s;
    j->ok = ok;
    j->error = error ? xstrndup(error, strlen(error)) : NULL;
    j->max_attempts = a->ac.max_attempts;
    if (!ok) {
        /* retry_min * 2^attempts, capped, and spread by up to a quarter */
        double d = a->ac.retry_min_s;
        for (int i = 0; i < s->attempts && d < a->ac.retry_max_s; i++)
            d *= 2;
        if (d > a->ac.retry_max_s)
            d = a->ac.retry_max_s;
        j->retry_s = d * (0.75 + (double)(rand_r(&a->seed) % 1000) / 4000.0);
        log_warning("delivery %lld to %s: failed: %s; next try in %.0f s", s->id, s->target, error, j->retry_s);
    } else {
        log_info("delivery %lld to %s: sent", s->id, s->target);
    }
    if (!a->db) {
        /* no database to tell: it stays pending and is sent again */
        busy_remove(a, s->id);
        free(j->error);
        free(j->s);
        free(j);
        return;
    }
    j->dbj.task = record_task;
    j->dbj.on_done = record_done;
    a->tasks++;
    dbworker_submit(a->db, &j->dbj);
}

/* ---- sending ------------------------------------------------------------- */

/* How a recipient appears in the log: an e-mail address as it is, a
 * webhook as scheme://host/… - Slack's and Teams' URLs carry their secret
 * in the path, and logs travel further than configuration. */
static void log_name(const char *target, bool webhook, char *out, size_t n)
{
    if (!target) {
        snprintf(out, n, "?");
        return;
    }
    if (!webhook) {
        snprintf(out, n, "%s", target);
        return;
    }
    const char *host = strstr(target, "://");
    host = host ? host + 3 : target;
    snprintf(out, n, "%.*s/…", (int)(host - target + strcspn(host, "/?#")), target);
}

static void on_sent(void *ud, struct http_response *res)
{
    struct send *s = ud;
    struct alerts *a = s->a;
    char why[600];
    if (s->prev)
        s->prev->next = s->next;
    else
        a->sending = s->next;
    if (s->next)
        s->next->prev = s->prev;
    /* a webhook acknowledges with a 2xx; an SMTP transfer that ended
     * without error was accepted (250) */
    bool ok = !res->error && (!s->webhook || (res->status >= 200 && res->status < 300));
    if (res->error)
        snprintf(why, sizeof why, "%s", res->error);
    else if (!ok)
        snprintf(why, sizeof why, "HTTP %ld", res->status);
    record(a, s, ok, ok ? NULL : why);
}

/* One due delivery made into the bytes that go out, off the loop: its JSON
 * (a digest's can run to hundreds of kilobytes) parsed, the message
 * rendered and, for e-mail, encoded. */
struct render {
    uv_work_t w;
    struct send *s;
    char *json;
    char *from;                 /* the sender, for e-mail (a copy: SIGHUP may change it) */
    char *channel, *target, *key;
    struct alertmsg m;
    char *mail;
    char err[512];
};

static char *json_dup(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? xstrndup(v, strlen(v)) : NULL;
}

static void render_work(uv_work_t *w)
{
    struct render *r = w->data;
    json_t *d = json_loads(r->json, 0, NULL);
    if (!d) {
        snprintf(r->err, sizeof r->err, "malformed delivery");
        return;
    }
    r->channel = json_dup(d, "channel");
    r->target = json_dup(d, "target");
    r->key = json_dup(d, "key");
    r->s->attempts = (int)json_integer_value(json_object_get(d, "attempts"));
    r->s->count = (int)json_integer_value(json_object_get(d, "count"));
    if (!r->channel || !r->target || !r->key)
        snprintf(r->err, sizeof r->err, "malformed delivery");
    else if (alertmsg_render(d, &r->m, r->err, sizeof r->err) == 0 && strcmp(r->channel, "email") == 0) {
        if (!r->from)
            snprintf(r->err, sizeof r->err, "no \"smtp\" in the configuration");
        else
            r->mail = alertmsg_email(&r->m, r->key, r->from, r->target, time(NULL), r->err, sizeof r->err);
    }
    json_decref(d);
}

static void render_done(uv_work_t *w, int status)
{
    struct render *r = w->data;
    struct alerts *a = r->s->a;
    struct send *s = r->s;
    char err[512];
    (void)status;
    a->renders--;
    if (r->channel && r->target) {
        s->webhook = strcmp(r->channel, "webhook") == 0;
        log_name(r->target, s->webhook, s->target, sizeof s->target);
    }
    if (a->stopped || !a->http) {
        free(s);   /* it stays pending, and its claim goes with the connection */
    } else if (r->err[0]) {
        record(a, s, false, r->err);
    } else {
        struct http_send req = {0};
        char idem[300], from[300], rcpt[300];
        const char *headers[3] = {"Content-Type: application/json", idem, NULL};
        if (s->webhook) {
            snprintf(idem, sizeof idem, "Idempotency-Key: %s", r->key);
            req.url = r->target;
            req.headers = headers;
            req.body = r->m.webhook;
            req.len = strlen(r->m.webhook);
        } else {
            snprintf(from, sizeof from, "<%s>", r->from);
            snprintf(rcpt, sizeof rcpt, "<%s>", r->target);
            req.url = a->smtp_url;
            req.body = r->mail;
            req.len = strlen(r->mail);
            req.mail_from = from;
            req.mail_rcpt = rcpt;
            req.username = a->user;
            req.password = a->pass;
            req.use_ssl = a->tls == CONFIG_TLS_NONE ? CURLUSESSL_NONE
                          : a->tls == CONFIG_TLS_TRY ? CURLUSESSL_TRY
                                                      : CURLUSESSL_ALL;
        }
        if (!req.url) {
            record(a, s, false, "no \"smtp\" in the configuration");
        } else if (http_send(a->http, &req, on_sent, s, err, sizeof err) < 0) {
            record(a, s, false, err);
        } else {
            s->next = a->sending;
            if (s->next)
                s->next->prev = s;
            a->sending = s;
        }
    }
    alertmsg_clear(&r->m);
    free(r->mail);
    free(r->json);
    free(r->from);
    free(r->channel);
    free(r->target);
    free(r->key);
    free(r);
    maybe_free(a);
}

/* Takes up due delivery id (its JSON text is taken). */
static void send_one(struct alerts *a, long long id, char *json)
{
    struct send *s = xcalloc(1, sizeof *s);
    struct render *r = xcalloc(1, sizeof *r);
    s->a = a;
    s->id = id;
    snprintf(s->target, sizeof s->target, "?");
    busy_add(a, id);
    r->s = s;
    r->json = json;
    r->from = a->smtp_url && a->smtp_from ? xstrndup(a->smtp_from, strlen(a->smtp_from)) : NULL;
    r->w.data = r;
    a->renders++;
    uv_queue_work(a->loop, &r->w, render_work, render_done);
}

/* ---- planning ------------------------------------------------------------ */

struct plan_job {
    struct dbworker_job dbj;
    struct alerts *a;
    char *busy;          /* array literal of the ids in flight */
    int limit;
    char **due;          /* JSON of each due delivery */
    long long *ids;      /* and its id */
    size_t ndue;
    int planned;
};

static int plan_task(PGconn *c, struct dbworker_job *dj, char *err, size_t errlen)
{
    struct plan_job *j = (struct plan_job *)dj;
    PGresult *r = PQexecParams(c, "SELECT minutes.plan_deliveries()", 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        goto fail;
    j->planned = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (j->limit <= 0)
        return 0;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", j->limit);
    const char *p[2] = {j->busy, limit};
    r = PQexecParams(c, "SELECT (x->>'id')::bigint, x::text FROM minutes.due_deliveries($1::bigint[], $2::integer) x",
                     2, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        goto fail;
    j->ndue = (size_t)PQntuples(r);
    j->due = xcalloc(j->ndue + 1, sizeof *j->due);
    j->ids = xcalloc(j->ndue + 1, sizeof *j->ids);
    for (size_t i = 0; i < j->ndue; i++) {
        j->ids[i] = atoll(PQgetvalue(r, (int)i, 0));
        j->due[i] = xstrndup(PQgetvalue(r, (int)i, 1), (size_t)PQgetlength(r, (int)i, 1));
    }
    PQclear(r);
    return 0;
fail:;
    const char *m = PQresultErrorMessage(r);
    snprintf(err, errlen, "could not plan deliveries: %.*s", (int)strcspn(m, "\n"), m);
    PQclear(r);
    return -1;
}

static void plan_done(struct dbworker_job *dj)
{
    struct plan_job *j = (struct plan_job *)dj;
    struct alerts *a = j->a;
    a->tasks--;
    a->plan_pending = false;
    if (dj->error && !a->stopped)
        log_warning("%s; trying again in %d s", dj->error, a->ac.interval_s);
    for (size_t i = 0; i < j->ndue; i++) {
        if (!a->stopped && a->http)
            send_one(a, j->ids[i], j->due[i]);
        else
            free(j->due[i]);
    }
    if (j->planned > 0)
        log_debug("alerts: %d deliveries planned", j->planned);
    free(j->due);
    free(j->ids);
    free(j->busy);
    free(dj->error);
    free(j);
    if (a->stopped) {
        maybe_free(a);
        return;
    }
    if (a->again) {
        a->again = false;
        alerts_kick(a);
    }
}

void alerts_kick(struct alerts *a)
{
    if (!a || a->stopped || !a->db)
        return;
    if (a->plan_pending || a->works > 0) {
        /* after the plan under way, or once the SMTP login is read (a
         * mail sent before would fail for the want of it) */
        a->again = true;
        return;
    }
    struct plan_job *j = xcalloc(1, sizeof *j);
    struct buf b;
    buf_init(&b, 0);
    buf_putc(&b, '{');
    busy_expire(a);
    for (size_t i = 0; i < a->nbusy; i++)
        buf_printf(&b, "%s%lld", i ? "," : "", a->busy[i].id);
    buf_putc(&b, '}');
    j->a = a;
    j->busy = buf_steal(&b, NULL);
    /* no more than can go out at once: a queue inside http would wait
     * behind a slow recipient */
    int sending = 0;
    for (size_t i = 0; i < a->nbusy; i++)
        sending += a->busy[i].until == 0;
    int room = a->ac.max_parallel - sending;
    j->limit = room > ALERTS_BATCH_MAX ? ALERTS_BATCH_MAX : room;
    j->dbj.task = plan_task;
    j->dbj.on_done = plan_done;
    a->plan_pending = true;
    a->tasks++;
    dbworker_submit(a->db, &j->dbj);
}

static void on_timer(uv_timer_t *t)
{
    alerts_kick(t->data);
}

/* ---- life cycle ---------------------------------------------------------- */

static struct http_opts opts_of(const struct config_alerts *ac)
{
    struct http_opts o = {ac->timeout_s * 1000 < 10000 ? ac->timeout_s * 1000 : 10000, ac->timeout_s * 1000,
                          1 << 20, ac->max_parallel};
    return o;
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = s ? xstrndup(s, strlen(s)) : NULL;
}

void alerts_configure(struct alerts *a, const struct config *cfg)
{
    bool cred_changed = (a->cred_path == NULL) != (cfg->smtp.credentials == NULL) ||
                        (a->cred_path && strcmp(a->cred_path, cfg->smtp.credentials) != 0) ||
                        (a->smtp_url == NULL) != (cfg->smtp.url == NULL) ||
                        (a->smtp_url && strcmp(a->smtp_url, cfg->smtp.url) != 0);
    a->ac = cfg->alerts;
    set_str(&a->smtp_url, cfg->smtp.url);
    set_str(&a->smtp_from, cfg->smtp.from);
    set_str(&a->cred_path, cfg->smtp.credentials);
    a->tls = cfg->smtp.tls;
    if (cred_changed) {
        free(a->user);
        free(a->pass);
        a->user = a->pass = NULL;
        read_credentials(a);
    }
    if (a->http) {
        struct http_opts o = opts_of(&cfg->alerts);
        http_set_opts(a->http, &o);
    }
    if (a->timer_open && !a->stopped)
        uv_timer_start(&a->timer, on_timer, (uint64_t)a->ac.interval_s * 1000, (uint64_t)a->ac.interval_s * 1000);
}

struct alerts *alerts_create(uv_loop_t *loop, const struct config *cfg, char *err, size_t errlen)
{
    struct alerts *a = xcalloc(1, sizeof *a);
    struct http_opts o = opts_of(&cfg->alerts);
    a->loop = loop;
    a->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)a;
    a->http = http_create(loop, &o, err, errlen);
    if (!a->http) {
        free(a);
        return NULL;
    }
    uv_timer_init(loop, &a->timer);
    a->timer.data = a;
    a->timer_open = true;
    alerts_configure(a, cfg);
    return a;
}

void alerts_set_db(struct alerts *a, struct dbworker *db)
{
    a->db = db;
    alerts_kick(a);
}

static void timer_closed(uv_handle_t *h)
{
    struct alerts *a = h->data;
    a->timer_open = false;
    maybe_free(a);
}

void alerts_stop(struct alerts *a)
{
    if (!a || a->stopped)
        return;
    a->stopped = true;
    /* sends in flight are dropped: their deliveries stay pending and go
     * again after a restart, under the same idempotency key */
    http_destroy(a->http);
    a->http = NULL;
    uv_close((uv_handle_t *)&a->timer, timer_closed);
}

void alerts_destroy(struct alerts *a)
{
    if (!a)
        return;
    alerts_stop(a);
    a->destroyed = true;
    maybe_free(a);
}
