/*
 * metrics: the exposition text, line by line, and the HTTP endpoint
 * against plain blocking client sockets.
 *
 * The server's loop runs in a thread of its own so that the test's
 * blocking client calls never hold it; the test stops it through a
 * uv_async (the one libuv call that is safe from another thread), joins,
 * and checks uv_loop_close returns 0: every handle the server made has
 * gone through its close callback.  AddressSanitizer's leak check at exit
 * then says whether their memory went too.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "metrics.h"
#include "spawn.h"
#include "util.h"

/* Criterion takes a case's result before the worker exits, so the leak
 * report LeakSanitizer prints at exit fails nothing.  The server cases ask
 * for a leak check themselves once everything is closed. */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static void check_no_leaks(void)
{
#ifdef HAVE_LSAN
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks (see the report above)");
#endif
}

/* ---- the exposition ----------------------------------------------------- */

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

static size_t count_prefix(const char *text, const char *prefix)
{
    size_t k = 0, n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, n) == 0)
            k++;
    return k;
}

/* The value of the sample line starting with `prefix ` (NaN if none). */
static double sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return NAN;
}

static bool is_name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

/* Checks the whole text against the 0.0.4 format: every line is a HELP, a
 * TYPE or a sample; every sample belongs to the family whose TYPE came
 * last (a histogram's _bucket/_sum/_count included); label values are
 * quoted with only \\, \" and \n escapes; values parse as numbers. */
static void check_exposition(const char *text)
{
    char family[128] = "", type[32] = "";
    size_t nlines = 0;

    cr_assert(*text && text[strlen(text) - 1] == '\n', "exposition must end with a newline");
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = (size_t)(eol - p);
        char line[2048];
        cr_assert_lt(len, sizeof line);
        memcpy(line, p, len);
        line[len] = '\0';
        p = eol + 1;
        nlines++;

        if (strncmp(line, "# HELP ", 7) == 0) {
            cr_assert(is_name_char(line[7], true), "bad HELP: %s", line);
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0) {
            cr_assert_eq(sscanf(line + 7, "%127s %31s", family, type), 2, "bad TYPE: %s", line);
            cr_assert(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 || strcmp(type, "histogram") == 0,
                      "bad type: %s", line);
            continue;
        }
        cr_assert_neq(line[0], '#', "stray comment: %s", line);

        /* name */
        const char *q = line;
        cr_assert(is_name_char(*q, true), "bad sample: %s", line);
        while (is_name_char(*q, false))
            q++;
        size_t nlen = (size_t)(q - line), flen = strlen(family);
        cr_assert(flen > 0, "sample before any TYPE: %s", line);
        bool ok = nlen == flen && strncmp(line, family, flen) == 0;
        if (!ok && strcmp(type, "histogram") == 0 && strncmp(line, family, flen) == 0) {
            const char *suffix = line + flen;
            size_t slen = nlen - flen;
            ok = (slen == 7 && strncmp(suffix, "_bucket", 7) == 0) || (slen == 4 && strncmp(suffix, "_sum", 4) == 0) ||
                 (slen == 6 && strncmp(suffix, "_count", 6) == 0);
        }
        cr_assert(ok, "sample %s outside its family %s", line, family);

        /* labels */
        if (*q == '{') {
            q++;
            while (*q != '}') {
                cr_assert(is_name_char(*q, true), "bad label name: %s", line);
                while (is_name_char(*q, false))
                    q++;
                cr_assert_eq(*q++, '=', "bad label: %s", line);
                cr_assert_eq(*q++, '"', "bad label: %s", line);
                while (*q != '"') {
                    cr_assert(*q, "unterminated label value: %s", line);
                    if (*q == '\\') {
                        q++;
                        cr_assert(*q == '\\' || *q == '"' || *q == 'n', "bad escape: %s", line);
                    }
                    q++;
                }
                q++;
                if (*q == ',')
                    q++;
                else
                    cr_assert_eq(*q, '}', "bad labels: %s", line);
            }
            q++;
        }

        /* value */
        cr_assert_eq(*q++, ' ', "no value: %s", line);
        char *end;
        if (strcmp(q, "+Inf") != 0 && strcmp(q, "-Inf") != 0 && strcmp(q, "NaN") != 0) {
            strtod(q, &end);
            cr_assert(end != q && *end == '\0', "bad value: %s", line);
        }
    }
    cr_assert_gt(nlines, 0);
}

Test(metrics, fresh_render_has_every_family_at_zero)
{
    struct metrics *m = metrics_create();
    char *t = metrics_render(m);

    check_exposition(t);
    const char *outcomes[] = {"loaded", "failed", "duplicate", "unchanged", "unreadable"};
    for (size_t i = 0; i < 5; i++) {
        char line[128];
        snprintf(line, sizeof line, "minutesd_documents_total{outcome=\"%s\"} 0", outcomes[i]);
        cr_assert(has_line(t, line), "missing %s in:\n%s", line, t);
    }
    cr_assert(has_line(t, "# TYPE minutesd_documents_total counter"));
    cr_assert(has_line(t, "# TYPE minutesd_load_latency_seconds histogram"));
    cr_assert(has_line(t, "# TYPE minutesd_queue_waiting gauge"));
    cr_assert(has_line(t, "# TYPE minutesd_queue_inflight gauge"));
    cr_assert(has_line(t, "# TYPE minutesd_database_up gauge"));
    cr_assert(has_line(t, "# TYPE minutesd_source_last_success_timestamp_seconds gauge"));
    cr_assert(has_line(t, "# TYPE minutesd_source_last_attempt_timestamp_seconds gauge"));
    cr_assert(has_line(t, "# TYPE minutesd_source_last_change_timestamp_seconds gauge"));
    cr_assert(has_line(t, "# TYPE minutesd_source_failure_streak gauge"));
    cr_assert(has_line(t, "# TYPE minutesd_start_time_seconds gauge"));
    cr_assert(has_line(t, "# TYPE minutesd_build_info gauge"));
    cr_assert_eq(count_prefix(t, "# HELP "), 11);
    cr_assert_eq(count_prefix(t, "# TYPE "), 11);
    cr_assert_eq(count_prefix(t, "minutesd_load_latency_seconds_bucket{"), 14);
    cr_assert(has_line(t, "minutesd_load_latency_seconds_bucket{le=\"+Inf\"} 0"));
    cr_assert(has_line(t, "minutesd_load_latency_seconds_sum 0"));
    cr_assert(has_line(t, "minutesd_load_latency_seconds_count 0"));
    cr_assert(has_line(t, "minutesd_queue_waiting 0"));
    cr_assert(has_line(t, "minutesd_queue_inflight 0"));
    cr_assert(has_line(t, "minutesd_database_up 0"));
    cr_assert_eq(count_prefix(t, "minutesd_source_last_success_timestamp_seconds{"), 0);
    cr_assert(has_line(t, "minutesd_build_info{version=\"" MINUTESD_VERSION "\"} 1"));

    double start = sample(t, "minutesd_start_time_seconds");
    double now = (double)time(NULL);
    cr_assert(start > now - 60 && start < now + 2, "start time %f, now %f", start, now);

    free(t);
    metrics_destroy(m);
    metrics_destroy(NULL);
    check_no_leaks();
}

Test(metrics, render_after_updates)
{
    struct metrics *m = metrics_create();

    metrics_document(m, "loaded", 0.0005);
    metrics_document(m, "loaded", 0.003);
    metrics_document(m, "failed", 0.01);        /* on a bound: le is inclusive */
    metrics_document(m, "duplicate", 20);       /* past the last bound */
    metrics_document(m, "unchanged", -1);       /* counted, no latency */
    metrics_document(m, "unreadable", NAN);     /* counted, no latency */
    metrics_document(m, "bogus", 1);            /* not an outcome: ignored */
    metrics_set_queue(m, 7, 3);
    metrics_set_database_up(m, true);
    metrics_source_success(m, "/srv/inbox", 1700000000.5);
    metrics_source_success(m, "/srv/inbox", 1700000100.25);
    metrics_source_success(m, "a\"b\\c\nd", 1700000000);
    metrics_source_success(m, "x\xff\xc3(y", 1);             /* invalid bytes */
    metrics_source_success(m, "s\xed\xa0\x80t", 2);          /* a UTF-16 surrogate */
    metrics_source_success(m, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\x84", 3);   /* valid */
    metrics_source_success(m, "z\xff", 4);
    metrics_source_success(m, "z\xfe", 5);                   /* the same series as z\xff */

    char *t = metrics_render(m);
    check_exposition(t);

    cr_assert(has_line(t, "minutesd_documents_total{outcome=\"loaded\"} 2"), "%s", t);
    cr_assert(has_line(t, "minutesd_documents_total{outcome=\"failed\"} 1"));
    cr_assert(has_line(t, "minutesd_documents_total{outcome=\"duplicate\"} 1"));
    cr_assert(has_line(t, "minutesd_documents_total{outcome=\"unchanged\"} 1"));
    cr_assert(has_line(t, "minutesd_documents_total{outcome=\"unreadable\"} 1"));
    cr_assert_eq(count_prefix(t, "minutesd_documents_total{"), 5);

    static const char *const buckets[] = {
        "{le=\"0.001\"} 1", "{le=\"0.0025\"} 1", "{le=\"0.005\"} 2", "{le=\"0.01\"} 3", "{le=\"0.025\"} 3",
        "{le=\"0.05\"} 3",  "{le=\"0.1\"} 3",    "{le=\"0.25\"} 3",  "{le=\"0.5\"} 3",  "{le=\"1\"} 3",
        "{le=\"2.5\"} 3",   "{le=\"5\"} 3",      "{le=\"10\"} 3",    "{le=\"+Inf\"} 4",
    };
    /* In this order, and cumulative. */
    const char *p = strstr(t, "minutesd_load_latency_seconds_bucket");
    for (size_t i = 0; i < sizeof buckets / sizeof buckets[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "minutesd_load_latency_seconds_bucket%s\n", buckets[i]);
        cr_assert(p && strncmp(p, line, strlen(line)) == 0, "expected %sat:\n%s", line, p ? p : "(nothing)");
        p += strlen(line);
    }
    cr_assert(has_line(t, "minutesd_load_latency_seconds_count 4"));
    double sum = 0.0005;
    sum += 0.003;
    sum += 0.01;
    sum += 20;
    cr_assert_eq(sample(t, "minutesd_load_latency_seconds_sum"), sum);

    cr_assert(has_line(t, "minutesd_queue_waiting 7"));
    cr_assert(has_line(t, "minutesd_queue_inflight 3"));
    cr_assert(has_line(t, "minutesd_database_up 1"));

    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"/srv/inbox\"} 1700000100.25"), "%s",
              t);
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"a\\\"b\\\\c\\nd\"} 1700000000"));
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"x?" "?(y\"} 1"));
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"s???t\"} 2"));
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\x84\"} 3"));
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"z?\"} 5"));
    cr_assert_eq(count_prefix(t, "minutesd_source_last_success_timestamp_seconds{"), 6);

    free(t);
    metrics_destroy(m);
    check_no_leaks();
}

/* A URL source shows its health; a source that never answered has no
 * success or change to show, only its attempt and its streak. */
Test(metrics, url_source_health)
{
    struct metrics *m = metrics_create();
    metrics_source_health(m, "https://example.org/referater", 1700000100, 1700000000, 1690000000, 0);
    metrics_source_health(m, "https://example.org/nede", 1700000200, 0, 0, 3);
    char *t = metrics_render(m);
    check_exposition(t);
    cr_assert(has_line(t, "minutesd_source_last_attempt_timestamp_seconds{source=\"https://example.org/referater\"} "
                          "1700000100"), "%s", t);
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"https://example.org/referater\"} "
                          "1700000000"));
    cr_assert(has_line(t, "minutesd_source_last_change_timestamp_seconds{source=\"https://example.org/referater\"} "
                          "1690000000"));
    cr_assert(has_line(t, "minutesd_source_failure_streak{source=\"https://example.org/referater\"} 0"));
    cr_assert(has_line(t, "minutesd_source_failure_streak{source=\"https://example.org/nede\"} 3"));
    cr_assert_eq(count_prefix(t, "minutesd_source_last_success_timestamp_seconds{source=\"https://example.org/nede"), 0);
    cr_assert_eq(count_prefix(t, "minutesd_source_last_change_timestamp_seconds{source=\"https://example.org/nede"), 0);
    free(t);
    metrics_destroy(m);
}

Test(metrics, sources_are_capped)
{
    struct metrics *m = metrics_create();
    char name[64], big[3000];   /* "a", 1499 é, NUL */

    for (int i = 0; i < 4101; i++) {
        snprintf(name, sizeof name, "/inbox/%d", i);
        metrics_source_success(m, name, i);
    }
    metrics_source_success(m, "/inbox/3", 99);   /* known ones still update */
    char *t = metrics_render(m);
    check_exposition(t);
    cr_assert_eq(count_prefix(t, "minutesd_source_last_success_timestamp_seconds{"), 4096);
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"/inbox/3\"} 99"));
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"/inbox/4095\"} 4095"));
    cr_assert_not(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"/inbox/4096\"} 4096"));
    free(t);
    metrics_destroy(m);

    /* A long source is cut at 1024 bytes, between characters: "a" and
     * then 2-byte characters ends at 1023, not on half a character. */
    m = metrics_create();
    big[0] = 'a';
    for (size_t i = 1; i + 2 < sizeof big; i += 2)
        memcpy(big + i, "\xc3\xa9", 2);
    big[sizeof big - 1] = '\0';
    metrics_source_success(m, big, 2);
    metrics_source_success(m, "\xc3", 1);   /* a lone lead byte */
    t = metrics_render(m);
    check_exposition(t);
    cr_assert(has_line(t, "minutesd_source_last_success_timestamp_seconds{source=\"?\"} 1"));
    const char *v = strstr(t, "{source=\"a\xc3\xa9");
    cr_assert_not_null(v, "%s", t);
    v += strlen("{source=\"");
    const char *end = strstr(v, "\"} 2\n");
    cr_assert_not_null(end);
    cr_assert_eq((size_t)(end - v), 1023);
    cr_assert_eq(memcmp(end - 2, "\xc3\xa9", 2), 0);
    free(t);
    metrics_destroy(m);
    check_no_leaks();
}

/* ---- the server --------------------------------------------------------- */

struct srv {
    uv_loop_t loop;
    uv_async_t stop;
    struct metrics *m;
    struct metrics_server *s;
    pthread_t thread;
    int port;
};

static void on_stop(uv_async_t *a)
{
    struct srv *t = a->data;
    metrics_server_stop(t->s);
    metrics_server_stop(NULL);
    uv_close((uv_handle_t *)a, NULL);
}

static void *run_loop(void *arg)
{
    struct srv *t = arg;
    uv_run(&t->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void srv_start(struct srv *t)
{
    char err[256];

    /* the daemon ignores SIGPIPE; a client closing early must not kill us */
    signal(SIGPIPE, SIG_IGN);
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    t->m = metrics_create();
    for (int attempt = 0; attempt < 20 && !t->s; attempt++) {
        struct sockaddr_storage ss;
        t->port = spawn_free_port();
        cr_assert_gt(t->port, 0, "no free loopback port");
        cr_assert_eq(uv_ip4_addr("127.0.0.1", t->port, (struct sockaddr_in *)&ss), 0);
        t->s = metrics_server_start(&t->loop, &ss, t->m, err, sizeof err);
    }
    cr_assert_not_null(t->s, "%s", err);
    t->stop.data = t;
    cr_assert_eq(uv_async_init(&t->loop, &t->stop, on_stop), 0);
    cr_assert_eq(pthread_create(&t->thread, NULL, run_loop, t), 0);
}

/* Stops the server from its own thread and checks nothing of it is left
 * on the loop. */
static void srv_stop(struct srv *t)
{
    cr_assert_eq(uv_async_send(&t->stop), 0);
    cr_assert_eq(pthread_join(t->thread, NULL), 0);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "handles left on the loop");
    metrics_destroy(t->m);
    check_no_leaks();
}

static int client(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {8, 0};   /* past the server's 5 s: a hang fails, not blocks */
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    cr_assert_geq(fd, 0);
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), 0);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0, "connect: %s", strerror(errno));
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, 0);
        cr_assert_gt(w, 0, "send: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
}

/* Everything until the server closes (new string; len bytes).  A timeout
 * fails the test: the server must close after its answer. */
static char *read_all(int fd, size_t *len)
{
    struct buf b;
    char chunk[4096];
    ssize_t r;

    buf_init(&b, 0);
    while ((r = recv(fd, chunk, sizeof chunk, 0)) > 0)
        buf_append(&b, chunk, (size_t)r);
    cr_assert_eq(r, 0, "no end of the answer: %s", strerror(errno));
    return buf_steal(&b, len);
}

struct reply {
    int status;
    char *raw;      /* whole answer */
    char *body;     /* into raw */
    size_t body_len;
};

static void parse_reply(struct reply *r, char *raw, size_t len)
{
    r->raw = raw;
    cr_assert_eq(sscanf(raw, "HTTP/1.1 %d ", &r->status), 1, "not an HTTP answer: %s", raw);
    char *sep = strstr(raw, "\r\n\r\n");
    cr_assert_not_null(sep, "no end of head: %s", raw);
    r->body = sep + 4;
    r->body_len = len - (size_t)(r->body - raw);
    cr_assert(strstr(raw, "\r\nConnection: close\r\n") < sep && strstr(raw, "\r\nConnection: close\r\n"));
    const char *cl = strstr(raw, "\r\nContent-Length: ");
    cr_assert(cl && cl < sep, "no Content-Length: %s", raw);
}

static size_t content_length(const struct reply *r)
{
    return (size_t)strtoul(strstr(r->raw, "\r\nContent-Length: ") + 18, NULL, 10);
}

static struct reply ask(int port, const char *req, size_t n)
{
    struct reply r;
    size_t len;
    int fd = client(port);

    send_all(fd, req, n);
    char *raw = read_all(fd, &len);
    close(fd);
    parse_reply(&r, raw, len);
    return r;
}

static struct reply ask_str(int port, const char *req)
{
    return ask(port, req, strlen(req));
}

Test(metrics_http, get_metrics)
{
    static struct srv t;   /* not on the stack: the loop thread outlives a failed assertion */
    srv_start(&t);
    metrics_document(t.m, "loaded", 0.02);   /* before the loop thread reads it */

    struct reply r = ask_str(t.port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    cr_assert_not_null(strstr(r.raw, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), "%s", r.raw);
    cr_assert_eq(content_length(&r), r.body_len);
    char *body = xstrndup(r.body, r.body_len);
    check_exposition(body);
    cr_assert(has_line(body, "minutesd_documents_total{outcome=\"loaded\"} 1"), "%s", body);
    cr_assert(has_line(body, "minutesd_load_latency_seconds_bucket{le=\"0.025\"} 1"));
    free(body);
    free(r.raw);

    r = ask_str(t.port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    cr_assert_eq(content_length(&r), r.body_len);
    free(r.raw);

    /* bare LF line ends */
    r = ask_str(t.port, "GET /metrics HTTP/1.1\nHost: x\n\n");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    free(r.raw);

    r = ask_str(t.port, "HEAD /metrics HTTP/1.1\r\n\r\n");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    cr_assert_eq(r.body_len, 0);
    cr_assert_gt(content_length(&r), 100);
    free(r.raw);

    /* one byte at a time: the head is found across reads */
    const char *req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
    int fd = client(t.port);
    for (const char *p = req; *p; p++) {
        send_all(fd, p, 1);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    size_t len;
    char *raw = read_all(fd, &len);
    close(fd);
    parse_reply(&r, raw, len);
    cr_assert_eq(r.status, 200, "%s", r.raw);
    free(r.raw);

    srv_stop(&t);
}

Test(metrics_http, errors)
{
    static struct srv t;   /* not on the stack: the loop thread outlives a failed assertion */
    srv_start(&t);

    static const struct {
        const char *req;
        int status;
    } cases[] = {
        {"GET /other HTTP/1.1\r\n\r\n", 404},
        {"GET /metricsx HTTP/1.1\r\n\r\n", 404},
        {"GET /metrics/ HTTP/1.1\r\n\r\n", 404},
        {"GET / HTTP/1.1\r\n\r\n", 404},
        {"POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 405},
        {"DELETE /metrics HTTP/1.1\r\n\r\n", 405},
        {"get /metrics HTTP/1.1\r\n\r\n", 405},
        {"hello\r\n\r\n", 400},
        {"GET /metrics\r\n\r\n", 400},
        {"GET metrics HTTP/1.1\r\n\r\n", 400},
        {"GET /metrics HTTP/1.1 extra\r\n\r\n", 400},
        {"GET  /metrics HTTP/1.1\r\n\r\n", 400},
        {"GET /metrics FTP/1.1\r\n\r\n", 400},
        {"\r\n\r\n", 400},
        {"G\x01T /metrics HTTP/1.1\r\n\r\n", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct reply r = ask_str(t.port, cases[i].req);
        cr_assert_eq(r.status, cases[i].status, "%s -> %s", cases[i].req, r.raw);
        cr_assert_eq(content_length(&r), r.body_len);
        if (r.status == 405)
            cr_assert_not_null(strstr(r.raw, "\r\nAllow: GET, HEAD\r\n"));
        free(r.raw);
    }

    /* a head past 8 KiB: answered, not waited on, and closed even though
     * the client sent more than the server read */
    static const size_t sizes[] = {8192, 9000, 200000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *big = xmalloc(sizes[i]);
        memset(big, 'a', sizes[i]);
        memcpy(big, "GET /metrics HTTP/1.1\r\nX-Long: ", 31);
        struct reply r = ask(t.port, big, sizes[i]);
        cr_assert(r.status == 431 || r.status == 400, "%zu bytes -> %s", sizes[i], r.raw);
        free(r.raw);
        free(big);
    }

    /* a head of exactly the cap, ending at the cap, is served */
    char *full = xmalloc(8192);
    memset(full, 'a', 8192);
    memcpy(full, "GET /metrics HTTP/1.1\r\nX-Long: ", 31);
    memcpy(full + 8192 - 4, "\r\n\r\n", 4);
    struct reply r = ask(t.port, full, 8192);
    cr_assert_eq(r.status, 200, "%s", r.raw);
    free(r.raw);
    free(full);

    srv_stop(&t);
}

Test(metrics_http, silent_and_slow_clients_time_out)
{
    static struct srv t;   /* not on the stack: the loop thread outlives a failed assertion */
    srv_start(&t);

    int idle = client(t.port);
    int slow = client(t.port);
    send_all(slow, "GET /metrics HTTP/1.1\r\n", 23);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t len;
    char *got = read_all(idle, &len);
    cr_assert_eq(len, 0, "idle client got: %s", got);
    free(got);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert(waited > 4.0 && waited < 7.0, "closed after %.2f s", waited);

    got = read_all(slow, &len);   /* closed by now too */
    cr_assert_eq(len, 0, "slow client got: %s", got);
    free(got);
    close(idle);
    close(slow);

    /* and the server still answers */
    struct reply r = ask_str(t.port, "GET /metrics HTTP/1.1\r\n\r\n");
    cr_assert_eq(r.status, 200);
    free(r.raw);

    srv_stop(&t);
}

Test(metrics_http, connection_cap)
{
    static struct srv t;   /* not on the stack: the loop thread outlives a failed assertion */
    int fds[64];

    srv_start(&t);
    for (size_t i = 0; i < 64; i++)
        fds[i] = client(t.port);

    /* The 65th is accepted and closed at once, well before the timeout. */
    int extra = client(t.port);
    struct timeval tv = {2, 0};
    cr_assert_eq(setsockopt(extra, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    size_t len;
    char *got = read_all(extra, &len);
    cr_assert_eq(len, 0);
    free(got);
    close(extra);

    /* The slots come back when their clients go. */
    for (size_t i = 0; i < 64; i++)
        close(fds[i]);
    int status = 0;
    for (int attempt = 0; attempt < 100 && status != 200; attempt++) {
        /* Refused while the server has not yet seen every close: the
         * request sent into a closed connection gets a reset. */
        int fd = client(t.port);
        char head[64] = "";
        send_all(fd, "GET /metrics HTTP/1.1\r\n\r\n", 25);
        status = 0;
        if (recv(fd, head, sizeof head - 1, MSG_WAITALL) > 0)
            sscanf(head, "HTTP/1.1 %d", &status);
        close(fd);
        if (status != 200) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    cr_assert_eq(status, 200);

    srv_stop(&t);
}

Test(metrics_http, stop_with_open_connections)
{
    static struct srv t;   /* not on the stack: the loop thread outlives a failed assertion */
    int fds[4];

    srv_start(&t);
    fds[0] = client(t.port);                          /* says nothing */
    fds[1] = client(t.port);
    send_all(fds[1], "GET /metr", 9);                 /* half a request */
    fds[2] = client(t.port);
    send_all(fds[2], "GET /metrics HTTP/1.1\r\n\r\n", 25);   /* answered, never closes */
    fds[3] = client(t.port);                          /* says nothing */

    /* An answered request on a later connection: the ones before it were
     * accepted by then (the backlog is first in, first out). */
    struct reply r = ask_str(t.port, "GET /metrics HTTP/1.1\r\n\r\n");
    cr_assert_eq(r.status, 200);
    free(r.raw);

    srv_stop(&t);

    /* Every client sees its connection closed (after the answer, for the
     * one that had asked). */
    for (size_t i = 0; i < 4; i++) {
        size_t len;
        char *got = read_all(fds[i], &len);
        if (i == 2)
            cr_assert(len > 0 && strncmp(got, "HTTP/1.1 200 ", 13) == 0, "%s", got);
        else
            cr_assert_eq(len, 0, "client %zu got: %s", i, got);
        free(got);
        close(fds[i]);
    }
}

Test(metrics_http, address_in_use)
{
    static struct srv t;   /* not on the stack: the loop thread outlives a failed assertion */
    struct sockaddr_storage ss;
    char err[256], want[128];

    srv_start(&t);
    cr_assert_eq(uv_ip4_addr("127.0.0.1", t.port, (struct sockaddr_in *)&ss), 0);

    /* A second server on the loop from this thread would race the loop
     * thread; a loop of its own is what matters here anyway. */
    uv_loop_t loop;
    cr_assert_eq(uv_loop_init(&loop), 0);
    struct metrics_server *s = metrics_server_start(&loop, &ss, t.m, err, sizeof err);
    cr_assert_null(s);
    snprintf(want, sizeof want, "could not listen on 127.0.0.1:%d: address already in use", t.port);
    cr_assert_str_eq(err, want);
    /* a failed start leaves nothing on the loop, not even to run */
    cr_assert_eq(uv_loop_close(&loop), 0);

    srv_stop(&t);
}

Test(metrics_http, ipv6)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    socklen_t alen = sizeof a;
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    if (probe < 0 || bind(probe, (struct sockaddr *)&a, sizeof a) < 0) {
        if (probe >= 0)
            close(probe);
        cr_skip_test("no IPv6 loopback here");
    }
    cr_assert_eq(getsockname(probe, (struct sockaddr *)&a, &alen), 0);
    close(probe);

    uv_loop_t loop;
    struct metrics *m = metrics_create();
    struct sockaddr_storage ss;
    char err[256];
    memcpy(&ss, &a, sizeof a);
    cr_assert_eq(uv_loop_init(&loop), 0);
    struct metrics_server *s = metrics_server_start(&loop, &ss, m, err, sizeof err);
    cr_assert_not_null(s, "%s", err);

    /* Driven from this thread: a non-blocking connect, then the loop turned
     * over until the answer is in. */
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    cr_assert_geq(fd, 0);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    cr_assert(rc == 0 || errno == EINPROGRESS);
    const char *req = "GET /metrics HTTP/1.1\r\n\r\n";
    size_t sent = 0;
    struct buf b;
    buf_init(&b, 0);
    bool eof = false;
    for (int i = 0; i < 5000 && !eof; i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        if (sent < strlen(req)) {
            ssize_t w = send(fd, req + sent, strlen(req) - sent, 0);
            if (w > 0)
                sent += (size_t)w;
        }
        char chunk[4096];
        ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r > 0)
            buf_append(&b, chunk, (size_t)r);
        else if (r == 0)
            eof = true;
        else {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    cr_assert(eof, "no answer");
    cr_assert_eq(strncmp(buf_cstr(&b), "HTTP/1.1 200 ", 13), 0, "%s", buf_cstr(&b));
    buf_free(&b);
    close(fd);

    metrics_server_stop(s);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    metrics_destroy(m);
    check_no_leaks();
}
