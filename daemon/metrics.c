/*
 * metrics: the counts and the /metrics endpoint.  See metrics.h.
 *
 * The counts are plain fields: every caller is on the loop thread.  The
 * exposition is rendered afresh on each scrape into one buffer; at a scrape
 * every few seconds that costs nothing worth caching.
 *
 * Sources become label values, and a label value is a new time series in
 * whatever stores the scrapes, so their number is capped (METRICS_MAX_SOURCES)
 * and so is their length.  They are stored already made valid UTF-8, so two
 * sources that differ only in invalid bytes are one series rather than two
 * series with the same labels, which Prometheus would reject.
 *
 * The HTTP side.  A connection is one request and one answer:
 *
 *   accept -> read the head (<= 8 KiB) -> write the answer -> shutdown
 *          -> discard what the client still sends until it closes -> close
 *
 * with one timer per connection closing it METRICS_TIMEOUT_MS after accept
 * whatever it is doing, so a client that sends nothing, sends slowly or reads
 * slowly costs one slot for 5 s at most.  Discarding before close is HTTP's
 * "lingering close": closing a socket with unread input makes the kernel send
 * a reset, which can destroy the answer (a 431, say) before the client reads
 * it.  Connections beyond METRICS_MAX_CONNS are accepted and closed at once;
 * not accepting them would stall the listener for everyone.
 *
 * Lifetimes follow libuv's rule: a handle's memory is freed in its close
 * callback.  A connection owns two handles (socket and timer) and goes when
 * both have closed; the server goes when its listener has closed and its
 * last connection has gone, which is why metrics_server_stop only starts
 * the closing.
 */
#include "metrics.h"

#include "util.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Beyond this many distinct sources the new ones are not recorded: one
 * series per inbox is the intent, and a runaway list of URLs must not grow
 * the scrape (and the time-series database behind it) without bound. */
#define METRICS_MAX_SOURCES 4096
#define METRICS_MAX_SOURCE_BYTES 1024

#define METRICS_MAX_HEAD 8192
#define METRICS_MAX_CONNS 64
#define METRICS_TIMEOUT_MS 5000
#define METRICS_BACKLOG 128

static const char *const OUTCOMES[] = {"loaded", "failed", "duplicate", "unchanged", "unreadable"};
#define NOUTCOMES (sizeof OUTCOMES / sizeof OUTCOMES[0])

/* Upper bounds of the latency buckets; +Inf is implicit.  From 1 ms (one
 * small document in an open transaction) to 10 s (a batch stuck behind a
 * database that is restarting). */
static const double BOUNDS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof BOUNDS / sizeof BOUNDS[0])

struct source {
    char *name;          /* valid UTF-8, unescaped */
    double time;         /* last success; 0: none yet */
    bool web;            /* a URL source: the health series below are shown */
    double attempt, change;
    int streak;
};

struct metrics {
    uint64_t documents[NOUTCOMES];
    uint64_t buckets[NBOUNDS + 1];   /* per bucket, not cumulative; last is +Inf */
    uint64_t latency_count;
    double latency_sum;
    size_t waiting, inflight;
    bool database_up;
    double start_time;
    struct source *sources;
    size_t nsources, cap;
};

struct metrics *metrics_create(void)
{
    struct metrics *m = xcalloc(1, sizeof *m);
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    m->start_time = (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3;
    return m;
}

void metrics_destroy(struct metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nsources; i++)
        free(m->sources[i].name);
    free(m->sources);
    free(m);
}

void metrics_document(struct metrics *m, const char *outcome, double seconds)
{
    size_t i;

    for (i = 0; i < NOUTCOMES; i++)
        if (strcmp(outcome, OUTCOMES[i]) == 0)
            break;
    /* An outcome outside the five is a caller's bug; counting it under
     * some other name would make the numbers lie, so it is dropped. */
    if (i == NOUTCOMES)
        return;
    m->documents[i]++;

    /* NaN and infinity would poison _sum for the rest of the process. */
    if (!(seconds >= 0) || !isfinite(seconds))
        return;
    for (i = 0; i < NBOUNDS; i++)
        if (seconds <= BOUNDS[i])
            break;
    m->buckets[i]++;
    m->latency_count++;
    m->latency_sum += seconds;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        if (s[0] == 0xE0)
            lo = 0xA0;
        else if (s[0] == 0xED)
            hi = 0x9F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        if (s[0] == 0xF0)
            lo = 0x90;
        else if (s[0] == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* A copy of s that is valid UTF-8 (each invalid byte becomes '?') and at
 * most METRICS_MAX_SOURCE_BYTES long, cut between characters. */
static char *clean_source(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0;
    char *out = xmalloc((n < METRICS_MAX_SOURCE_BYTES ? n : METRICS_MAX_SOURCE_BYTES) + 1);

    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(p + i, n - i);
        if (o + (len ? len : 1) > METRICS_MAX_SOURCE_BYTES)
            break;
        if (len == 0) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
        }
    }
    out[o] = '\0';
    return out;
}

/* The record for source, added if there is room; NULL when there is not. */
static struct source *find_source(struct metrics *m, const char *source)
{
    char *name = clean_source(source);

    for (size_t i = 0; i < m->nsources; i++) {
        if (strcmp(m->sources[i].name, name) == 0) {
            free(name);
            return &m->sources[i];
        }
    }
    if (m->nsources == METRICS_MAX_SOURCES) {
        free(name);
        return NULL;
    }
    if (m->nsources == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->sources = xrealloc(m->sources, m->cap * sizeof *m->sources);
    }
    struct source *src = &m->sources[m->nsources++];
    memset(src, 0, sizeof *src);
    src->name = name;
    return src;
}

void metrics_source_success(struct metrics *m, const char *source, double unix_time)
{
    struct source *src = find_source(m, source);
    if (src)
        src->time = unix_time;
}

void metrics_source_health(struct metrics *m, const char *source, double attempt, double success, double change,
                           int streak)
{
    struct source *src = find_source(m, source);
    if (!src)
        return;
    src->web = true;
    src->attempt = attempt;
    src->time = success;
    src->change = change;
    src->streak = streak;
}

void metrics_set_queue(struct metrics *m, size_t waiting, size_t inflight)
{
    m->waiting = waiting;
    m->inflight = inflight;
}

void metrics_set_database_up(struct metrics *m, bool up)
{
    m->database_up = up;
}

/* A sample value as Prometheus' own client writes it: the fewest digits
 * that read back as the same double, without an exponent unless the
 * number is very small or very large (le="10", a timestamp in full), and
 * +Inf / -Inf / NaN spelt its way. */
static void fmt_double(char *out, size_t outlen, double v)
{
    int prec, exp;

    if (isnan(v)) {
        snprintf(out, outlen, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, outlen, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (prec = 1; prec < 17; prec++) {
        snprintf(out, outlen, "%.*e", prec - 1, v);
        if (strtod(out, NULL) == v)
            break;
    }
    snprintf(out, outlen, "%.*e", prec - 1, v);
    exp = atoi(strchr(out, 'e') + 1);
    if (exp >= -4 && exp < 21)
        snprintf(out, outlen, "%.*g", prec > exp + 1 ? prec : exp + 1, v);
    /* A locale with a decimal comma would break the format; the daemon
     * does not call setlocale, but the exposition must not depend on it. */
    for (char *c = out; *c; c++)
        if (*c == ',')
            *c = '.';
}

static void put_label_value(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': buf_puts(b, "\\\\"); break;
        case '"': buf_puts(b, "\\\""); break;
        case '\n': buf_puts(b, "\\n"); break;
        default: buf_putc(b, *s); break;
        }
    }
}

static void put_family(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_source_value(struct buf *b, const char *family, const struct source *src, double v)
{
    char num[64];
    buf_printf(b, "%s{source=\"", family);
    put_label_value(b, src->name);
    fmt_double(num, sizeof num, v);
    buf_printf(b, "\"} %s\n", num);
}

char *metrics_render(const struct metrics *m)
{
    struct buf b;
    char num[64];
    uint64_t cumulative = 0;

    /* No cap: the size is bounded by METRICS_MAX_SOURCES already. */
    buf_init(&b, 0);

    put_family(&b, "minutesd_documents_total", "counter", "Documents that reached an outcome, by outcome.");
    for (size_t i = 0; i < NOUTCOMES; i++)
        buf_printf(&b, "minutesd_documents_total{outcome=\"%s\"} %llu\n", OUTCOMES[i],
                   (unsigned long long)m->documents[i]);

    put_family(&b, "minutesd_load_latency_seconds", "histogram",
               "Time from a file being taken to its transaction committing.");
    for (size_t i = 0; i <= NBOUNDS; i++) {
        cumulative += m->buckets[i];
        fmt_double(num, sizeof num, i < NBOUNDS ? BOUNDS[i] : INFINITY);
        buf_printf(&b, "minutesd_load_latency_seconds_bucket{le=\"%s\"} %llu\n", num, (unsigned long long)cumulative);
    }
    fmt_double(num, sizeof num, m->latency_sum);
    buf_printf(&b, "minutesd_load_latency_seconds_sum %s\n", num);
    buf_printf(&b, "minutesd_load_latency_seconds_count %llu\n", (unsigned long long)m->latency_count);

    put_family(&b, "minutesd_queue_waiting", "gauge", "Files waiting to be taken.");
    buf_printf(&b, "minutesd_queue_waiting %zu\n", m->waiting);
    put_family(&b, "minutesd_queue_inflight", "gauge", "Documents taken but not yet committed.");
    buf_printf(&b, "minutesd_queue_inflight %zu\n", m->inflight);
    put_family(&b, "minutesd_database_up", "gauge", "Whether the database connection is up (1) or not (0).");
    buf_printf(&b, "minutesd_database_up %d\n", m->database_up ? 1 : 0);

    put_family(&b, "minutesd_source_last_success_timestamp_seconds", "gauge",
               "When a source last delivered a document (an inbox) or answered (a URL), in seconds since the epoch.");
    for (size_t i = 0; i < m->nsources; i++)
        if (!m->sources[i].web || m->sources[i].time > 0)
            put_source_value(&b, "minutesd_source_last_success_timestamp_seconds", &m->sources[i],
                             m->sources[i].time);
    put_family(&b, "minutesd_source_last_attempt_timestamp_seconds", "gauge",
               "When a URL source was last fetched, in seconds since the epoch.");
    for (size_t i = 0; i < m->nsources; i++)
        if (m->sources[i].web && m->sources[i].attempt > 0)
            put_source_value(&b, "minutesd_source_last_attempt_timestamp_seconds", &m->sources[i],
                             m->sources[i].attempt);
    put_family(&b, "minutesd_source_last_change_timestamp_seconds", "gauge",
               "When a URL source's content last changed, in seconds since the epoch.");
    for (size_t i = 0; i < m->nsources; i++)
        if (m->sources[i].web && m->sources[i].change > 0)
            put_source_value(&b, "minutesd_source_last_change_timestamp_seconds", &m->sources[i],
                             m->sources[i].change);
    put_family(&b, "minutesd_source_failure_streak", "gauge",
               "Failed fetches of a URL source in a row (0: its last fetch worked).");
    for (size_t i = 0; i < m->nsources; i++)
        if (m->sources[i].web)
            put_source_value(&b, "minutesd_source_failure_streak", &m->sources[i], m->sources[i].streak);

    put_family(&b, "minutesd_start_time_seconds", "gauge", "When the daemon started, in seconds since the epoch.");
    fmt_double(num, sizeof num, m->start_time);
    buf_printf(&b, "minutesd_start_time_seconds %s\n", num);

    put_family(&b, "minutesd_build_info", "gauge", "The running version; always 1.");
    buf_puts(&b, "minutesd_build_info{version=\"");
    put_label_value(&b, MINUTESD_VERSION);
    buf_puts(&b, "\"} 1\n");

    return buf_steal(&b, NULL);
}

/* ---- the HTTP server ---------------------------------------------------- */

struct conn {
    struct metrics_server *s;
    struct conn *prev, *next;
    uv_tcp_t tcp;
    uv_timer_t timer;
    int handles;             /* of tcp and timer, not yet through their close callback */
    bool closing;
    bool rejected;           /* over the connection cap: never served, not counted */
    uv_write_t wreq;
    uv_shutdown_t sreq;
    char *resp;              /* the answer being written (owned) */
    size_t len;              /* bytes of head in req */
    char req[METRICS_MAX_HEAD];
};

struct metrics_server {
    uv_loop_t *loop;
    struct metrics *m;       /* borrowed */
    uv_tcp_t listener;
    bool stopping;
    bool listener_open;      /* its close callback has not run */
    struct conn *conns;      /* every connection not yet freed */
    size_t nserved;          /* of conns, those counted against the cap */
};

static void server_maybe_free(struct metrics_server *s)
{
    if (s->stopping && !s->listener_open && !s->conns)
        free(s);
}

static void conn_close_cb(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct metrics_server *s = c->s;

    if (--c->handles > 0)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (!c->rejected)
        s->nserved--;
    free(c->resp);
    free(c);
    server_maybe_free(s);
}

/* Starts closing c; the memory goes in conn_close_cb.  Pending write and
 * shutdown requests are cancelled by libuv, their callbacks running (with
 * UV_ECANCELED) before the close callback. */
static void conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
    if (c->handles == 2)
        uv_close((uv_handle_t *)&c->timer, conn_close_cb);
}

static void conn_timeout(uv_timer_t *t)
{
    conn_close(t->data);
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    struct conn *c = h->data;

    (void)suggested;
    /* Reading stops once the head is complete or the buffer full, so there
     * is always room here; after the answer the same buffer takes what is
     * discarded. */
    *out = uv_buf_init(c->req + c->len, (unsigned)(sizeof c->req - c->len));
}

static void drain_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
    (void)b;
    if (nread < 0)
        conn_close(st->data);
}

static void conn_shutdown_cb(uv_shutdown_t *r, int status)
{
    struct conn *c = r->data;

    if (c->closing)
        return;
    if (status < 0 || uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, drain_read) < 0)
        conn_close(c);
}

static void conn_write_cb(uv_write_t *w, int status)
{
    struct conn *c = w->data;

    if (c->closing)
        return;
    c->len = 0;   /* the request buffer now only takes discarded input */
    c->sreq.data = c;
    if (status < 0 || uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, conn_shutdown_cb) < 0)
        conn_close(c);
}

static void respond(struct conn *c, int status, const char *reason, const char *extra, const char *body, bool head)
{
    struct buf b;
    size_t n = strlen(body);
    uv_buf_t ub;

    buf_init(&b, 0);
    buf_printf(&b,
               "HTTP/1.1 %d %s\r\n"
               "Content-Type: %s\r\n"
               "Content-Length: %zu\r\n"
               "%s"
               "Connection: close\r\n"
               "\r\n",
               status, reason, status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8",
               n, extra ? extra : "");
    if (!head)
        buf_append(&b, body, n);
    c->resp = buf_steal(&b, &n);
    ub = uv_buf_init(c->resp, (unsigned)n);
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &ub, 1, conn_write_cb) < 0)
        conn_close(c);
}

static bool is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Answers the request line at c->req; only the request line matters, the
 * header fields are read (to find the end of the head) but not used. */
static void handle_request(struct conn *c)
{
    const char *p = c->req, *end = c->req + c->len;
    const char *method, *target, *path_end;
    size_t mlen, tlen;
    bool head;

    method = p;
    while (p < end && is_tchar((unsigned char)*p))
        p++;
    mlen = (size_t)(p - method);
    if (mlen == 0 || p == end || *p++ != ' ')
        goto bad;
    target = p;
    while (p < end && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7F)
        p++;
    tlen = (size_t)(p - target);
    if (tlen == 0 || *target != '/' || p == end || *p++ != ' ')
        goto bad;
    if (end - p < 8 || memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' || p[6] != '.' || p[7] < '0' ||
        p[7] > '9')
        goto bad;
    p += 8;
    if (p < end && *p == '\r')
        p++;
    if (p == end || *p != '\n')
        goto bad;

    path_end = memchr(target, '?', tlen);
    if (!path_end)
        path_end = target + tlen;
    if ((size_t)(path_end - target) != strlen("/metrics") || memcmp(target, "/metrics", 8) != 0) {
        respond(c, 404, "Not Found", NULL, "not found\n", false);
        return;
    }
    head = mlen == 4 && memcmp(method, "HEAD", 4) == 0;
    if (!head && !(mlen == 3 && memcmp(method, "GET", 3) == 0)) {
        respond(c, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n", "method not allowed\n", false);
        return;
    }
    char *body = metrics_render(c->s->m);
    respond(c, 200, "OK", NULL, body, head);
    free(body);
    return;

bad:
    respond(c, 400, "Bad Request", NULL, "bad request\n", false);
}

/* The end of the head (just past its empty line) in c->req, or 0.  Bare
 * LF line ends are accepted as RFC 9112 allows.  Searching starts near
 * `from`, where the previous read ended, so a client sending one byte at a
 * time does not make this quadratic. */
static size_t head_end(const struct conn *c, size_t from)
{
    for (size_t i = from > 2 ? from - 2 : 0; i < c->len; i++) {
        if (c->req[i] != '\n')
            continue;
        if (i + 1 < c->len && c->req[i + 1] == '\n')
            return i + 2;
        if (i + 2 < c->len && c->req[i + 1] == '\r' && c->req[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static void conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
    struct conn *c = st->data;
    size_t from = c->len, end;

    (void)b;
    if (nread < 0) {
        /* EOF or an error before a whole head: nobody to answer. */
        conn_close(c);
        return;
    }
    c->len += (size_t)nread;
    end = head_end(c, from);
    if (end) {
        uv_read_stop(st);
        c->len = end;
        handle_request(c);
    } else if (c->len == sizeof c->req) {
        uv_read_stop(st);
        respond(c, 431, "Request Header Fields Too Large", NULL, "request header fields too large\n", false);
    }
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct metrics_server *s = listener->data;
    struct conn *c;

    /* Failures here (EMFILE, a client gone before accept) concern one
     * client; the listener carries on. */
    if (status < 0)
        return;
    c = xcalloc(1, sizeof *c);
    c->s = s;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    c->tcp.data = c;
    c->timer.data = c;
    c->handles = 1;
    uv_tcp_init(s->loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0 || s->nserved >= METRICS_MAX_CONNS) {
        c->rejected = true;
        conn_close(c);
        return;
    }
    s->nserved++;
    uv_timer_init(s->loop, &c->timer);
    c->handles = 2;
    uv_timer_start(&c->timer, conn_timeout, METRICS_TIMEOUT_MS, 0);
    if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read) < 0)
        conn_close(c);
}

static void listener_close_cb(uv_handle_t *h)
{
    struct metrics_server *s = h->data;

    s->listener_open = false;
    server_maybe_free(s);
}

static void addr_str(const struct sockaddr *sa, char *out, size_t outlen)
{
    char host[64] = "?";

    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        uv_ip6_name(a, host, sizeof host);
        snprintf(out, outlen, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
    } else if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        uv_ip4_name(a, host, sizeof host);
        snprintf(out, outlen, "%s:%u", host, (unsigned)ntohs(a->sin_port));
    } else {
        snprintf(out, outlen, "?");
    }
}

/* The socket is made, bound and put to listen with plain calls (none of
 * them blocks) before libuv sees it: a bind that fails then leaves no
 * handle behind that would need the loop to run before the caller could
 * close it. */
struct metrics_server *metrics_server_start(uv_loop_t *loop, const void *addr, struct metrics *m, char *err,
                                            size_t errlen)
{
    const struct sockaddr *sa = addr;
    struct metrics_server *s = NULL;
    char where[96];
    socklen_t salen;
    int fd = -1, rc, one = 1;

    addr_str(sa, where, sizeof where);
    if (sa->sa_family == AF_INET)
        salen = sizeof(struct sockaddr_in);
    else if (sa->sa_family == AF_INET6)
        salen = sizeof(struct sockaddr_in6);
    else {
        snprintf(err, errlen, "could not listen on %s: %s", where, uv_strerror(UV_EAFNOSUPPORT));
        goto out;
    }

    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    /* SO_REUSEADDR so a restart does not wait out the last run's TIME_WAIT
     * connections (libuv's uv_tcp_bind does the same). */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || bind(fd, sa, salen) < 0 ||
        listen(fd, METRICS_BACKLOG) < 0) {
        snprintf(err, errlen, "could not listen on %s: %s", where, uv_strerror(uv_translate_sys_error(errno)));
        goto out;
    }

    s = xcalloc(1, sizeof *s);
    s->loop = loop;
    s->m = m;
    s->listener.data = s;
    rc = uv_tcp_init(loop, &s->listener);
    if (rc < 0) {
        snprintf(err, errlen, "could not listen on %s: %s", where, uv_strerror(rc));
        free(s);
        s = NULL;
        goto out;
    }
    s->listener_open = true;
    rc = uv_tcp_open(&s->listener, fd);
    if (rc == 0) {
        fd = -1;   /* the handle owns it now */
        rc = uv_listen((uv_stream_t *)&s->listener, METRICS_BACKLOG, on_connection);
    }
    if (rc < 0) {
        /* Cannot happen on a socket already listening, short of memory;
         * the handle exists, so it is freed by the loop like any other. */
        snprintf(err, errlen, "could not listen on %s: %s", where, uv_strerror(rc));
        s->stopping = true;
        uv_close((uv_handle_t *)&s->listener, listener_close_cb);
        s = NULL;
        goto out;
    }

out:
    if (fd >= 0)
        close(fd);
    return s;
}

void metrics_server_stop(struct metrics_server *s)
{
    if (!s || s->stopping)
        return;
    s->stopping = true;
    uv_close((uv_handle_t *)&s->listener, listener_close_cb);
    for (struct conn *c = s->conns; c; c = c->next)
        conn_close(c);
}
