/*
 * URL sources end to end: the real `minutesd run` polling a real nginx
 * (tests/nginx-server, one of its own per test, on a random port) and
 * loading into the test's own database.  Judged from both ends: what the
 * server saw (its access log is one JSON object per request, with the
 * validators it sent and the ones the client sent back), what the daemon
 * says (its log), and what it stored (minutes.documents, minutes.sources,
 * minutes.events, NOTIFY, /metrics).
 *
 * Timing: sources poll every second here, so a test sees several polls in
 * a few seconds; every wait has a deadline far above what it should take,
 * and the assertions are about order and counts, not about durations,
 * except where a duration is the point (a timeout cuts a transfer short).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "testdb.h"
#include "testdaemon.h"

#define NGINX_SERVER TEST_DATA_DIR "/../nginx-server"

static const char *const seeds[5] = {"000_d2f626ad0e25e238.txt", "001_7b1df9de962b88b2.txt",
                                     "002_54d817ac84b58f52.txt", "003_bdb304747eb2561f.txt",
                                     "004_7178018e32c86f38.txt"};

/* The test's files: TDB/minutesd.json, TDB/daemon.log, TDB/inbox. */
static char cfg[300], logp[300], inbox[300];

/* The test's server: its directory (www/, access.log) and port. */
static char srv_dir[64], www[128], access_log[128];
static int srv_port;

static PGconn *lis_conn;

static void fini(void)
{
    td_cleanup();   /* the daemons, then the guard that stops nginx */
    if (lis_conn)
        PQfinish(lis_conn);
    lis_conn = NULL;
    tdb_teardown();
}

TestSuite(sources, .init = tdb_setup, .fini = fini, .timeout = 120);

static void paths(void)
{
    snprintf(cfg, sizeof cfg, "%s/minutesd.json", tdb_dir);
    snprintf(logp, sizeof logp, "%s/daemon.log", tdb_dir);
    snprintf(inbox, sizeof inbox, "%s/inbox", tdb_dir);
}

/* ---- the server -------------------------------------------------------- */

/* Starts the test's nginx; it is stopped and its directory removed when
 * the test process ends, however it ends. */
static void server_start(void)
{
    snprintf(srv_dir, sizeof srv_dir, "/tmp/mdngx-XXXXXX");
    srv_port = td_server_start(NGINX_SERVER, srv_dir);
    cr_assert(srv_port >= 20000 && srv_port <= 60000, "nginx-server printed port %d", srv_port);
    snprintf(www, sizeof www, "%s/www", srv_dir);
    snprintf(access_log, sizeof access_log, "%s/access.log", srv_dir);
}

/* The absolute URL of path on the test's server (new; free()). */
static char *url(const char *path)
{
    char *u = malloc(strlen(path) + 32);
    sprintf(u, "http://127.0.0.1:%d%s", srv_port, path);
    return u;
}

static void mkdirs(const char *path)
{
    char p[512];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", p, strerror(errno));
        *s = '/';
    }
}

/*
 * Puts data at www/rel with mtime (seconds since the epoch): written
 * beside it and renamed, so the server never serves half of it.  The
 * mtime is set, not left to the clock, because nginx's ETag is mtime and
 * size: a new version written within the same second with the same size
 * would look unchanged.
 */
static void www_put(const char *rel, const void *data, size_t n, time_t mtime)
{
    char path[512], tmp[520];
    snprintf(path, sizeof path, "%s/%s", www, rel);
    snprintf(tmp, sizeof tmp, "%s.tmp~", path);
    mkdirs(path);
    td_write_file(tmp, data, n);
    struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, tmp, ts, 0), 0, "utimensat %s: %s", tmp, strerror(errno));
    cr_assert_eq(rename(tmp, path), 0, "rename to %s: %s", path, strerror(errno));
}

static char *seed_text(int s, size_t *len)
{
    char rel[64];
    snprintf(rel, sizeof rel, "seeds/%s", seeds[s]);
    return (char *)test_data_file(rel, len);
}

#define T_2024_01 1704110400 /* 2024-01-01 12:00:00 UTC */
#define T_2024_02 1706788800 /* 2024-02-01 12:00:00 UTC */
#define T_2024_03 1709294400 /* 2024-03-01 12:00:00 UTC */

static void www_seed(const char *rel, int s, time_t mtime)
{
    size_t n;
    char *t = seed_text(s, &n);
    www_put(rel, t, n, mtime);
    free(t);
}

static void www_text(const char *rel, const char *text)
{
    www_put(rel, text, strlen(text), T_2024_01);
}

/* ---- the server's access log ------------------------------------------- */

/* Every request the server has logged, in the order they ended (new:
 * json_decref).  A line still being written (no newline yet) is left out. */
static json_t *requests(void)
{
    return td_read_jsonl(access_log);
}

static const char *req_str(const json_t *r, const char *key)
{
    const char *v = json_string_value(json_object_get(r, key));
    return v ? v : "";
}

static long req_int(const json_t *r, const char *key)
{
    return (long)json_integer_value(json_object_get(r, key));
}

static double req_num(const json_t *r, const char *key)
{
    return json_number_value(json_object_get(r, key));
}

/* Requests for uri (the path as requested) answered with status (0: any). */
static int hits(const char *uri, long status)
{
    json_t *all = requests(), *r;
    size_t i;
    int n = 0;
    json_array_foreach(all, i, r)
    {
        n += strcmp(req_str(r, "uri"), uri) == 0 && (!status || req_int(r, "status") == status);
    }
    json_decref(all);
    return n;
}

/* The requests for uri, in order (new: json_decref). */
static json_t *requests_for(const char *uri)
{
    json_t *all = requests(), *out = json_array(), *r;
    size_t i;
    json_array_foreach(all, i, r) if (strcmp(req_str(r, "uri"), uri) == 0) json_array_append(out, r);
    json_decref(all);
    return out;
}

/* The whole access log, for failure messages (static buffer, its end). */
static const char *access_tail(void)
{
    static char tail[3000];
    char *s = td_read(access_log);
    size_t n = strlen(s);
    snprintf(tail, sizeof tail, "--- access log%s:\n%s", n > sizeof tail - 100 ? " (end)" : "",
             n > sizeof tail - 100 ? s + n - (sizeof tail - 100) : s);
    free(s);
    return tail;
}

/* ---- the daemon -------------------------------------------------------- */

/*
 * The configuration: the test's database, an inbox (so the daemon says it
 * is ready the way it always does), debug logging (a 304 or an unchanged
 * body may be logged at debug only), the sources given (JSON objects,
 * comma-separated) and the "http" object's members (or "").  metrics_port
 * 0: no endpoint.
 */
static void config_sources(const char *sources, const char *http, int metrics_port)
{
    char metrics[64];
    if (metrics_port)
        snprintf(metrics, sizeof metrics, "\"127.0.0.1:%d\"", metrics_port);
    else
        snprintf(metrics, sizeof metrics, "null");
    FILE *f = fopen(cfg, "w");
    cr_assert_not_null(f, "cannot write %s", cfg);
    fprintf(f,
            "{\n"
            "  \"database\": \"%s\",\n"
            "  \"state_dir\": \"%s/state\",\n"
            "  \"metrics\": {\"listen\": %s},\n"
            "  \"log\": {\"level\": \"debug\", \"format\": \"text\"},\n"
            "  \"inboxes\": [{\"path\": \"%s\"}],\n"
            "  \"http\": {%s},\n"
            "  \"sources\": [\n    %s\n  ]\n"
            "}\n",
            tdb_conninfo, tdb_dir, metrics, inbox, http, sources);
    cr_assert_eq(fclose(f), 0);
}

/* One source object: the URL of path, its interval and more members
 * (starting with a comma, or ""); appended to b with a separating comma. */
static void source(struct buf *b, const char *path, int interval_s, const char *more)
{
    char *u = url(path);
    buf_printf(b, "%s{\"url\": \"%s\", \"interval_s\": %d%s}", b->len ? ",\n    " : "", u, interval_s, more);
    free(u);
}

static pid_t start_daemon(const char *log)
{
    return td_start_ready(tdb_dir, cfg, log);
}

/* Is there a line in the log that says "<URL of path>: <what>" with
 * needle (NULL: anything) after it on the same line? */
static bool said(const char *log, const char *path, const char *what, const char *needle)
{
    char *u = url(path), prefix[600];
    snprintf(prefix, sizeof prefix, "%s: %s", u, what);
    free(u);
    char *s = td_read(log);
    bool found = false;
    for (char *line = s, *nl; !found && line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *at = strstr(line, prefix);
        found = at && (!needle || strstr(at + strlen(prefix), needle));
    }
    free(s);
    return found;
}

/* ---- the database ------------------------------------------------------ */

/* The first cell of sql with $1 = the URL of path, as a number (-1 for NULL). */
static long long url_int(const char *sql, const char *path)
{
    char *u = url(path);
    const char *params[1] = {u};
    PGresult *r = PQexecParams(tdb, sql, 1, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) >= 1;
    long long v = ok && !PQgetisnull(r, 0, 0) ? atoll(PQgetvalue(r, 0, 0)) : -1;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(tdb));
    PQclear(r);
    free(u);
    cr_assert(ok, "%s: %s", sql, msg);
    return v;
}

/* The same as a string (new; free()), NULL for SQL NULL or no row. */
static char *url_str(const char *sql, const char *path)
{
    char *u = url(path);
    const char *params[1] = {u};
    PGresult *r = PQexecParams(tdb, sql, 1, NULL, params, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(tdb));
    char *v = PQntuples(r) >= 1 && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    free(u);
    return v;
}

/* Documents loaded from the URL of path. */
static long long docs_from(const char *path)
{
    return url_int("SELECT count(*) FROM minutes.documents WHERE source_uri = $1", path);
}

/* Does minutes.sources hold the URL of path with cond (SQL on its row)? */
static bool source_row(const char *path, const char *cond)
{
    char sql[600];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM minutes.sources WHERE url = $1 AND (%s)", cond);
    return url_int(sql, path) == 1;
}

/* Is the string (maybe NULL) equal to what the server sent (never "")? */
static bool same(const char *stored, const char *sent)
{
    return stored && *sent && strcmp(stored, sent) == 0;
}

/* ---- /metrics ---------------------------------------------------------- */

/* GET /metrics from the daemon (new; free()), "" when it does not answer. */
static char *get_metrics(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {5, 0};
    struct buf b;
    char chunk[4096];
    ssize_t r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    buf_init(&b, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        static const char req[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
        if (write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1))
            while ((r = read(fd, chunk, sizeof chunk)) > 0)
                buf_append(&b, chunk, (size_t)r);
    }
    close(fd);
    buf_putc(&b, '\0');
    return buf_steal(&b, NULL);
}

/* The value of metric{source="<URL of path>"} in text, or -1 if absent. */
static double metric(const char *text, const char *name, const char *path)
{
    char *u = url(path), key[700];
    snprintf(key, sizeof key, "\n%s{source=\"%s\"} ", name, u);
    free(u);
    const char *at = strstr(text, key);
    return at ? strtod(at + strlen(key), NULL) : -1;
}

/* ---- 1, 2: conditional GET --------------------------------------------- */

/* Was request r a conditional GET with the validator the server sent? */
static bool conditional(const json_t *r, bool by_etag, const char *etag, const char *last_modified)
{
    if (by_etag)
        return strcmp(req_str(r, "if_none_match"), etag) == 0;
    return strcmp(req_str(r, "if_modified_since"), last_modified) == 0 && !*req_str(r, "if_none_match");
}

/* The requests for a URL from the skip-th on, from one reading of the log. */
struct tally {
    int total;
    int cond_304;    /* conditional on the validators given, answered 304 */
    int full_200;
};

static struct tally tally(const char *uri, size_t skip, bool by_etag, const char *etag, const char *lm)
{
    json_t *rs = requests_for(uri), *r;
    struct tally t = {0, 0, 0};
    size_t i;
    json_array_foreach(rs, i, r)
    {
        if (i < skip)
            continue;
        t.total++;
        t.cond_304 += req_int(r, "status") == 304 && conditional(r, by_etag, etag, lm);
        t.full_200 += req_int(r, "status") == 200;
    }
    json_decref(rs);
    return t;
}

/* The validators the last 200 for uri carried (new strings; "" if none). */
static void last_validators(const char *uri, char **etag, char **lm)
{
    json_t *rs = requests_for(uri), *r;
    size_t i;
    *etag = *lm = NULL;
    json_array_foreach(rs, i, r)
    {
        if (req_int(r, "status") != 200)
            continue;
        free(*etag);
        free(*lm);
        *etag = strdup(req_str(r, "etag"));
        *lm = strdup(req_str(r, "last_modified"));
    }
    json_decref(rs);
    cr_assert_not_null(*etag, "no 200 for %s\n%s", uri, access_tail());
}

/* Does minutes.sources hold, for the URL of path, the validators the
 * server sent (no etag where it sent none), the hash and id of the
 * document loaded from it?  Says what it holds when not. */
static bool stored(const char *path, const char *etag, const char *lm, bool quiet)
{
    char *e = url_str("SELECT etag FROM minutes.sources WHERE url = $1", path);
    char *l = url_str("SELECT last_modified FROM minutes.sources WHERE url = $1", path);
    char *sha = url_str("SELECT sha256 FROM minutes.sources WHERE url = $1", path);
    char *id = url_str("SELECT document_id FROM minutes.sources WHERE url = $1", path);
    char *dsha = url_str("SELECT sha256 FROM minutes.documents WHERE source_uri = $1 ORDER BY id DESC LIMIT 1", path);
    char *did = url_str("SELECT id FROM minutes.documents WHERE source_uri = $1 ORDER BY id DESC LIMIT 1", path);
    bool ok = (*etag ? same(e, etag) : !e) && same(l, lm) && dsha && same(sha, dsha) && did && same(id, did);
    if (!ok && !quiet)
        cr_log_error("minutes.sources: etag %s, last_modified %s, sha256 %s, document_id %s; "
                     "the server sent %s, %s; the document is %s, %s",
                     e ? e : "NULL", l ? l : "NULL", sha ? sha : "NULL", id ? id : "NULL", etag, lm,
                     dsha ? dsha : "NULL", did ? did : "NULL");
    free(e);
    free(l);
    free(sha);
    free(id);
    free(dsha);
    free(did);
    return ok;
}

/*
 * One document URL polled every second: loaded once; then polled with
 * the validator the server gave (ETag as If-None-Match, or, where the
 * server sends no ETag, Last-Modified as If-Modified-Since, verbatim) and
 * answered 304; across a restart too - the first request of the new
 * process is conditional, so the state was stored, not refetched; the
 * same bytes with new validators are fetched but not loaded again; and a
 * new version of the file is loaded as a new document.
 */
static void conditional_flow(const char *path, bool by_etag, int metrics_port)
{
    char log2[320], *etag, *lm;
    struct buf srcs;
    struct tally t;
    paths();
    server_start();
    www_seed(path + 1, 0, T_2024_01);
    buf_init(&srcs, 0);
    source(&srcs, path, 1, "");
    config_sources(buf_cstr(&srcs), "", metrics_port);
    buf_free(&srcs);

    pid_t pid = start_daemon(logp);
    td_await(pid, 30000, docs_from(path) == 1, "%s not loaded\n%s\n%s", path, td_tail(pid), access_tail());
    json_t *rs = requests_for(path), *first = json_array_get(rs, 0);
    cr_assert_eq(req_int(first, "status"), 200, "%s", access_tail());
    cr_assert(!*req_str(first, "if_none_match") && !*req_str(first, "if_modified_since"),
              "the very first request was conditional\n%s", access_tail());
    cr_expect(strstr(req_str(first, "user_agent"), "minutesd"), "User-Agent \"%s\"", req_str(first, "user_agent"));
    json_decref(rs);
    last_validators(path, &etag, &lm);
    cr_assert(by_etag == (*etag != '\0'), "ETag \"%s\" where by_etag is %d", etag, by_etag);
    cr_assert(*lm, "the server sent no Last-Modified");
    cr_log_info("%s: ETag %s, Last-Modified %s", path, etag, lm);

    td_await(pid, 15000, tally(path, 0, by_etag, etag, lm).cond_304 >= 2,
             "no two conditional GETs answered 304\n%s\n%s", td_tail(pid), access_tail());
    t = tally(path, 0, by_etag, etag, lm);
    cr_expect_eq(t.full_200, 1, "fetched whole again\n%s", access_tail());
    cr_expect_eq(t.cond_304, t.total - 1, "a poll that was not conditional\n%s", access_tail());
    /* the server logs a request before the daemon has read the answer */
    td_await(pid, 10000, said(logp, path, "not modified", NULL), "no \"not modified\"\n%s", td_tail(pid));
    cr_expect_eq(docs_from(path), 1);

    /* what the restart will need is stored before we stop */
    td_await(pid, 15000,
             source_row(path, "parent IS NULL AND last_success IS NOT NULL AND failure_streak = 0 AND NOT failing"),
             "no healthy row in minutes.sources\n%s", td_tail(pid));
    bool ok;
    td_wait_until(ok, 15000, stored(path, etag, lm, true));
    cr_assert(ok || stored(path, etag, lm, false), "minutes.sources lacks the validators (see above)");

    if (metrics_port) {
        char *m = NULL;
        td_wait_until(ok, 10000,
                      (free(m), m = get_metrics(metrics_port),
                       metric(m, "minutesd_source_last_success_timestamp_seconds", path) > 1e9));
        cr_expect(ok, "no last success for %s in /metrics:\n%s", path, m);
        cr_expect_gt(metric(m, "minutesd_source_last_attempt_timestamp_seconds", path), 1e9, "%s", m);
        cr_expect_gt(metric(m, "minutesd_source_last_change_timestamp_seconds", path), 1e9, "%s", m);
        cr_expect_eq(metric(m, "minutesd_source_failure_streak", path), 0, "%s", m);
        free(m);
    }

    td_stop_ok(pid);
    /* a request cut short by the stop is logged when the server notices */
    td_sleep_ms(300);
    size_t before = (size_t)hits(path, 0);
    snprintf(log2, sizeof log2, "%s/daemon2.log", tdb_dir);
    pid = start_daemon(log2);
    td_await(pid, 15000, (size_t)hits(path, 0) >= before + 2, "the restarted daemon did not poll twice\n%s\n%s",
             td_tail(pid), access_tail());
    rs = requests_for(path);
    json_t *r = json_array_get(rs, before);
    cr_expect(conditional(r, by_etag, etag, lm) && req_int(r, "status") == 304,
              "the first request after the restart was not a conditional GET answered 304: "
              "status %ld, If-None-Match \"%s\", If-Modified-Since \"%s\"\n%s",
              req_int(r, "status"), req_str(r, "if_none_match"), req_str(r, "if_modified_since"), access_tail());
    json_decref(rs);
    t = tally(path, before, by_etag, etag, lm);
    cr_expect(t.full_200 == 0 && t.cond_304 == t.total, "the restart fetched the document again\n%s", access_tail());
    cr_expect_eq(docs_from(path), 1);

    /* the same bytes touched: new validators, so a whole 200, but the body
     * hashes to what was loaded - no pipeline work, no new document */
    www_seed(path + 1, 0, T_2024_02);
    td_await(pid, 15000, said(log2, path, "unchanged", NULL), "no \"unchanged\"\n%s\n%s", td_tail(pid),
             access_tail());
    cr_expect_eq(tally(path, 0, by_etag, etag, lm).full_200, 2, "%s", access_tail());
    cr_expect_eq(docs_from(path), 1, "the same bytes were loaded again");
    cr_expect(!said(log2, path, "loaded as document", NULL), "%s", td_tail(pid));

    /* a new version: another meeting's minutes at the same URL */
    www_seed(path + 1, 1, T_2024_03);
    td_await(pid, 15000, docs_from(path) == 2, "the new version was not loaded\n%s\n%s", td_tail(pid),
             access_tail());
    /* the row commits before the daemon says so */
    td_await(pid, 10000, said(log2, path, "loaded as document", NULL), "%s", td_tail(pid));
    char *etag2, *lm2;
    last_validators(path, &etag2, &lm2);
    cr_expect_str_neq(lm2, lm);
    cr_expect_eq(tally(path, 0, by_etag, etag2, lm2).full_200, 3, "%s", access_tail());
    td_await(pid, 15000, tally(path, 0, by_etag, etag2, lm2).cond_304 >= 1,
             "the new version's validators are not sent\n%s\n%s", td_tail(pid), access_tail());
    td_wait_until(ok, 15000, stored(path, etag2, lm2, true));
    cr_expect(ok || stored(path, etag2, lm2, false), "minutes.sources lacks the new validators (see above)");
    td_stop_ok(pid);
    free(etag);
    free(lm);
    free(etag2);
    free(lm2);
}

Test(sources, an_etag_gets_304s_across_a_restart_and_a_new_version_loads)
{
    int port = spawn_free_port();
    cr_assert_gt(port, 0, "no free loopback port");
    conditional_flow("/doc.txt", true, port);
}

Test(sources, last_modified_alone_gets_304s_across_a_restart_and_a_new_version_loads)
{
    conditional_flow("/noetag/doc.txt", false, 0);
}

/* ---- 3: index pages and feeds ------------------------------------------ */

/* Waits until every path is loaded, the index polled 3 times more, then
 * checks the links' rows and that nothing else was fetched. */
static void expect_followed(pid_t pid, const char *index, const char *const *docs, size_t n,
                            const char *const *not_followed, size_t m)
{
    for (size_t i = 0; i < n; i++)
        td_await(pid, 30000, docs_from(docs[i]) == 1, "%s not loaded\n%s\n%s", docs[i], td_tail(pid),
                 access_tail());
    int polled = hits(index, 0);
    td_await(pid, 15000, hits(index, 0) >= polled + 3, "%s not polled again\n%s", index, access_tail());
    for (size_t i = 0; i < m; i++)
        cr_expect_eq(hits(not_followed[i], 0), 0, "%s was requested\n%s", not_followed[i], access_tail());
    for (size_t i = 0; i < n; i++) {
        /* followed links are re-validated on their own schedule (a day),
         * not with every poll of an unchanged index */
        cr_expect_eq(hits(docs[i], 0), 1, "%s fetched more than once\n%s", docs[i], access_tail());
        char *parent = url(index), cond[300];
        snprintf(cond, sizeof cond, "parent = '%s' AND sha256 IS NOT NULL AND document_id IS NOT NULL", parent);
        td_await(pid, 15000, source_row(docs[i], cond), "no row for %s with parent %s in minutes.sources", docs[i],
                 parent);
        free(parent);
    }
    td_await(pid, 15000, source_row(index, "parent IS NULL AND document_id IS NULL AND last_success IS NOT NULL"),
             "no row of the index's own in minutes.sources");
    cr_expect_eq(docs_from(index), 0, "the index was loaded as a document");
    cr_expect_eq(url_int("SELECT count(*) FROM minutes.sources WHERE parent = $1", index), (long long)n,
                 "rows with the index as parent");
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), (long long)n);
}

Test(sources, an_index_page_loads_the_links_that_match_follow_and_nothing_else)
{
    paths();
    server_start();
    www_text("idx/index.html",
             "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Referater</title></head><body>\n"
             "<nav><a href=\"/\">Forside</a></nav>\n<ul>\n"
             "<li><a href=\"minutes/a.txt\">Referat 13. september</a></li>\n"
             "<li><a href=\"./minutes/b.txt#top\">Referat 2</a></li>\n"
             "<li><a href=\"/idx/minutes/c.txt\">Referat 3</a></li>\n"
             "<li><a href=\"agenda/d.txt\">Dagsorden</a></li>\n"
             "</ul></body></html>\n");
    www_seed("idx/minutes/a.txt", 0, T_2024_01);
    www_seed("idx/minutes/b.txt", 1, T_2024_01);
    www_seed("idx/minutes/c.txt", 2, T_2024_01);
    www_seed("idx/agenda/d.txt", 3, T_2024_01);
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, "/idx/index.html", 1, ", \"follow\": \"/minutes/[a-z]+\\\\.txt$\"");
    config_sources(buf_cstr(&srcs), "", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);

    static const char *const docs[] = {"/idx/minutes/a.txt", "/idx/minutes/b.txt", "/idx/minutes/c.txt"};
    static const char *const not_followed[] = {"/idx/agenda/d.txt", "/"};
    expect_followed(pid, "/idx/index.html", docs, 3, not_followed, 2);
    td_stop_ok(pid);
}

Test(sources, rss_and_atom_feeds_load_the_links_that_match_follow)
{
    char *m4, *m5, *agenda, *self;
    struct buf feed;
    paths();
    server_start();
    m4 = url("/feed/m/d4.txt");
    m5 = url("/feed/m/d5.txt");
    agenda = url("/feed/agenda/x.txt");
    self = url("/atom/feed.atom");
    buf_init(&feed, 0);
    buf_printf(&feed,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\n"
               "<title>Referater</title><link>%s</link><description>Udvalg</description>\n"
               "<item><title>Referat</title><link>%s</link></item>\n"
               "<item><title>Referat</title><link>%s</link></item>\n"
               "<item><title>Dagsorden</title><link>%s</link></item>\n"
               "</channel></rss>\n",
               self, m4, m5, agenda);
    www_put("feed/feed.rss", feed.data, feed.len, T_2024_01);
    buf_reset(&feed);
    /* Atom: relative hrefs (against the feed's URL), a rel="self" link */
    buf_printf(&feed,
               "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
               "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Referater</title><id>urn:x</id>"
               "<updated>2024-01-01T00:00:00Z</updated>\n"
               "<link rel=\"self\" href=\"%s\"/>\n"
               "<entry><title>Referat</title><id>urn:1</id><updated>2024-01-01T00:00:00Z</updated>"
               "<link href=\"m/e1.txt\"/></entry>\n"
               "<entry><title>Referat</title><id>urn:2</id><updated>2024-01-01T00:00:00Z</updated>"
               "<link rel=\"alternate\" type=\"text/plain\" href=\"/atom/m/e2.txt\"/></entry>\n"
               "<entry><title>Andet</title><id>urn:3</id><updated>2024-01-01T00:00:00Z</updated>"
               "<link href=\"other/e3.txt\"/></entry>\n"
               "</feed>\n",
               self);
    www_put("atom/feed.atom", feed.data, feed.len, T_2024_01);
    buf_free(&feed);
    www_seed("feed/m/d4.txt", 3, T_2024_01);
    www_seed("feed/m/d5.txt", 4, T_2024_01);
    www_seed("feed/agenda/x.txt", 0, T_2024_01);
    www_seed("atom/m/e1.txt", 1, T_2024_01);
    www_seed("atom/m/e2.txt", 2, T_2024_01);
    www_seed("atom/other/e3.txt", 0, T_2024_01);
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, "/feed/feed.rss", 1, ", \"follow\": \"/feed/m/\"");
    source(&srcs, "/atom/feed.atom", 1, ", \"follow\": \"/atom/m/\"");
    config_sources(buf_cstr(&srcs), "", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);

    static const char *const rss_docs[] = {"/feed/m/d4.txt", "/feed/m/d5.txt"};
    static const char *const rss_not = "/feed/agenda/x.txt";
    static const char *const atom_docs[] = {"/atom/m/e1.txt", "/atom/m/e2.txt"};
    static const char *const atom_not = "/atom/other/e3.txt";
    for (size_t i = 0; i < 2; i++)
        td_await(pid, 30000, docs_from(rss_docs[i]) == 1 && docs_from(atom_docs[i]) == 1,
                 "feed links not loaded\n%s\n%s", td_tail(pid), access_tail());
    int polled = hits("/feed/feed.rss", 0);
    td_await(pid, 15000, hits("/feed/feed.rss", 0) >= polled + 2, "the feed is not polled\n%s", access_tail());
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), 4);
    for (size_t i = 0; i < 2; i++) {
        cr_expect_eq(hits(rss_docs[i], 0), 1, "%s\n%s", rss_docs[i], access_tail());
        cr_expect_eq(hits(atom_docs[i], 0), 1, "%s\n%s", atom_docs[i], access_tail());
    }
    cr_expect_eq(hits(rss_not, 0), 0, "%s was requested\n%s", rss_not, access_tail());
    cr_expect_eq(hits(atom_not, 0), 0, "%s was requested\n%s", atom_not, access_tail());
    td_await(pid, 15000,
             url_int("SELECT count(*) FROM minutes.sources WHERE parent = $1", "/feed/feed.rss") == 2 &&
                 url_int("SELECT count(*) FROM minutes.sources WHERE parent = $1", "/atom/feed.atom") == 2,
             "the feeds' links have no rows with their parent in minutes.sources");
    cr_expect_eq(docs_from("/feed/feed.rss") + docs_from("/atom/feed.atom"), 0);
    td_stop_ok(pid);
    free(m4);
    free(m5);
    free(agenda);
    free(self);
}

/* ---- 4: redirects ------------------------------------------------------ */

Test(sources, a_redirect_to_file_or_ftp_is_refused_and_the_daemon_carries_on)
{
    paths();
    server_start();
    www_seed("seed.txt", 0, T_2024_01);
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, "/redirect-file", 1, "");
    source(&srcs, "/redirect-ftp", 1, "");
    source(&srcs, "/redirect-ok", 1, "");
    config_sources(buf_cstr(&srcs), "", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);

    /* a document is known by the URL it was configured with, not the one
     * the server redirected to */
    td_await(pid, 30000, docs_from("/redirect-ok") == 1, "/redirect-ok not loaded\n%s\n%s", td_tail(pid),
             access_tail());
    cr_expect_eq(docs_from("/seed.txt"), 0);
    td_await(pid, 15000,
             said(logp, "/redirect-file", "failed:", "not http or https") &&
                 said(logp, "/redirect-ftp", "failed:", "not http or https"),
             "no \"not http or https\" for both\n%s", td_tail(pid));
    cr_expect_eq(docs_from("/redirect-file") + docs_from("/redirect-ftp"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), 1, "something else was loaded");
    cr_expect_gt(hits("/redirect-file", 302), 0);
    cr_expect_gt(hits("/redirect-ftp", 302), 0);
    td_await(pid, 15000,
             source_row("/redirect-file", "last_error LIKE '%not http or https%' AND failure_streak >= 1") &&
                 source_row("/redirect-ftp", "last_error LIKE '%not http or https%' AND failure_streak >= 1"),
             "minutes.sources does not say why the redirects failed");
    cr_expect(!said(logp, "/redirect-ok", "failed:", NULL), "%s", td_tail(pid));
    cr_assert(td_alive(pid), "%s", td_tail(pid));
    td_stop_ok(pid);
}

Test(sources, a_chain_of_5_redirects_loads_and_6_is_too_many)
{
    paths();
    server_start();
    www_seed("chain.txt", 1, T_2024_01);
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, "/chain/5", 600, "");
    source(&srcs, "/chain/6", 1, "");
    config_sources(buf_cstr(&srcs), "", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);

    td_await(pid, 30000, docs_from("/chain/5") == 1, "/chain/5 not loaded\n%s\n%s", td_tail(pid), access_tail());
    td_await(pid, 15000, said(logp, "/chain/6", "failed:", NULL), "/chain/6 did not fail\n%s", td_tail(pid));
    /* /chain/6 is turned back at /chain/1's redirect: the file itself is
     * fetched once, through /chain/5 */
    cr_expect_eq(hits("/chain.txt", 0), 1, "%s", access_tail());
    cr_expect_eq(docs_from("/chain/6"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), 1);
    td_stop_ok(pid);
}

/* ---- 5: a body over max_body_bytes ------------------------------------- */

/* Seed s padded with plain lines to about 100 KB: a document that would
 * load if the limit did not stop it (new; free()). */
static char *padded_seed(int s, size_t *len)
{
    size_t n;
    char *t = seed_text(s, &n);
    struct buf b;
    buf_init(&b, 0);
    buf_append(&b, t, n);
    while (b.len < 100 * 1024)
        buf_printf(&b, "\nBemærkning %zu: intet nyt at tilføje til dette punkt.\n", b.len);
    free(t);
    return buf_steal(&b, len);
}

Test(sources, a_body_over_max_body_bytes_is_cut_off_with_a_clear_error)
{
    /* 40 KiB rather than 4: the 12 KB seed beside the big ones must load,
     * or a daemon that refused everything would pass */
    static const char *const big[3] = {"/big/big.txt", "/chunked/big.txt", "/gz/big.txt"};
    paths();
    server_start();
    for (int i = 0; i < 3; i++) {
        size_t n;
        char *t = padded_seed(2 + i, &n);
        www_put(big[i] + 1, t, n, T_2024_01);
        free(t);
    }
    www_seed("seed.txt", 0, T_2024_01);
    struct buf srcs;
    buf_init(&srcs, 0);
    for (int i = 0; i < 3; i++)
        source(&srcs, big[i], 1, "");
    source(&srcs, "/seed.txt", 600, "");
    config_sources(buf_cstr(&srcs), "\"max_body_bytes\": 40960", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);

    td_await(pid, 30000, docs_from("/seed.txt") == 1, "/seed.txt not loaded\n%s", td_tail(pid));
    /* Content-Length over the limit; no Content-Length (chunked); and
     * gzip, small on the wire but over the limit decoded, if the daemon
     * asks for it */
    for (int i = 0; i < 3; i++)
        td_await(pid, 15000, said(logp, big[i], "failed:", "max_body_bytes"), "no max_body_bytes for %s\n%s",
                 big[i], td_tail(pid));
    for (int i = 0; i < 3; i++)
        cr_expect_eq(docs_from(big[i]), 0, "%s was loaded", big[i]);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), 1);
    json_t *gz = requests_for("/gz/big.txt");
    cr_log_info("/gz/big.txt: Accept-Encoding \"%s\", %ld bytes on the wire",
                req_str(json_array_get(gz, 0), "accept_encoding"), req_int(json_array_get(gz, 0), "bytes"));
    json_decref(gz);
    td_await(pid, 15000, source_row(big[0], "last_error LIKE '%max_body_bytes%' AND failure_streak >= 1"),
             "minutes.sources does not say why %s failed", big[0]);
    cr_assert(td_alive(pid), "%s", td_tail(pid));
    td_stop_ok(pid);
}

/* ---- 6: a slow server -------------------------------------------------- */

/* Did a request for /fast.txt end while a transfer of /slow/big.txt was
 * surely in flight: after its start and before the daemon's timeout (2 s)
 * could have ended it?  The server logs a request when it ends, with its
 * duration, so each slow request spans [msec - request_time, msec]. */
static bool fast_inside_slow(void)
{
    json_t *slow = requests_for("/slow/big.txt"), *fast = requests_for("/fast.txt"), *s, *f;
    size_t i, j;
    bool inside = false;
    json_array_foreach(slow, i, s)
    {
        double start = req_num(s, "msec") - req_num(s, "request_time");
        json_array_foreach(fast, j, f) inside |= req_num(f, "msec") > start + 0.2 && req_num(f, "msec") < start + 1.8;
    }
    json_decref(slow);
    json_decref(fast);
    return inside;
}

Test(sources, a_slow_server_times_out_while_another_source_keeps_loading)
{
    paths();
    server_start();
    size_t n;
    char *t = padded_seed(1, &n);
    www_put("slow/big.txt", t, n, T_2024_01);
    free(t);
    www_seed("fast.txt", 0, T_2024_01);
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, "/slow/big.txt", 1, "");
    source(&srcs, "/fast.txt", 1, "");
    config_sources(buf_cstr(&srcs), "\"timeout_s\": 2", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);

    td_await(pid, 15000, docs_from("/fast.txt") == 1, "/fast.txt not loaded\n%s\n%s", td_tail(pid),
             access_tail());
    td_await(pid, 15000, said(logp, "/slow/big.txt", "failed:", "timed out"), "no \"timed out\"\n%s",
             td_tail(pid));
    td_await(pid, 20000, fast_inside_slow(), "/fast.txt was never polled while /slow/big.txt was in flight\n%s",
             access_tail());
    json_t *slow = requests_for("/slow/big.txt"), *s;
    size_t i;
    json_array_foreach(slow, i, s)
    {
        /* cut off at 2 s (the server notices a moment later), not read for 100 */
        cr_expect_lt(req_num(s, "request_time"), 5.0, "a slow transfer ran %.1f s", req_num(s, "request_time"));
        cr_expect_lt(req_int(s, "bytes"), 20000, "%ld bytes of a 1 KB/s transfer", req_int(s, "bytes"));
    }
    json_decref(slow);
    cr_expect_eq(docs_from("/slow/big.txt"), 0);
    td_await(pid, 15000, source_row("/slow/big.txt", "last_error LIKE '%timed out%' AND failure_streak >= 1"),
             "minutes.sources does not say the slow source timed out");
    /* a transfer in flight does not hold up SIGTERM */
    td_stop_ok(pid);
}

/* ---- 7: failing and recovering ----------------------------------------- */

/* Types of the NOTIFYs that came with "source": the URL of path, in order,
 * comma-separated, appended to b; waits up to ms for more. */
static void notified(struct buf *b, const char *path, int ms)
{
    char *u = url(path);
    long long end = td_now_ms() + ms;
    do {
        struct pollfd pfd = {PQsocket(lis_conn), POLLIN, 0};
        poll(&pfd, 1, 50);
        cr_assert(PQconsumeInput(lis_conn), "%s", PQerrorMessage(lis_conn));
        PGnotify *n;
        while ((n = PQnotifies(lis_conn))) {
            json_t *j = json_loads(n->extra, 0, NULL);
            cr_assert_not_null(j, "payload is not JSON: %s", n->extra);
            const char *type = json_string_value(json_object_get(j, "type"));
            const char *src = json_string_value(json_object_get(j, "source"));
            if (type && src && strcmp(src, u) == 0)
                buf_printf(b, "%s%s", b->len ? "," : "", type);
            json_decref(j);
            PQfreemem(n);
        }
    } while (td_now_ms() < end);
    free(u);
}

static long long events_of(const char *type, const char *path)
{
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM minutes.events WHERE type = '%s' AND payload->>'source' = $1",
             type);
    return url_int(sql, path);
}

Test(sources, a_500_raises_source_failing_and_the_recovery_source_recovered)
{
    static const char *const path = "/flaky/x.txt";
    paths();
    server_start();
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, path, 1, ", \"fail_after_s\": 1");
    config_sources(buf_cstr(&srcs), "", 0);
    buf_free(&srcs);
    lis_conn = PQconnectdb(tdb_conninfo);
    cr_assert(PQstatus(lis_conn) == CONNECTION_OK, "%s", PQerrorMessage(lis_conn));
    tdb_exec_on(lis_conn, "LISTEN minutes_events");
    pid_t pid = start_daemon(logp);

    td_await(pid, 15000, said(logp, path, "failed:", "HTTP 500"), "no \"HTTP 500\"\n%s\n%s", td_tail(pid),
             access_tail());
    td_await(pid, 30000, events_of("source_failing", path) == 1, "no source_failing event\n%s\n%s", td_tail(pid),
             access_tail());
    /* saved with the event, in one statement */
    cr_expect(source_row(path, "failing AND failing_since IS NOT NULL AND failure_streak >= 1 AND last_status = 500 "
                               "AND last_error LIKE '%HTTP 500%' AND last_success IS NULL"),
              "minutes.sources does not show the failure");
    cr_expect_eq(docs_from(path), 0);
    cr_expect_eq(events_of("source_recovered", path), 0);

    www_seed("flaky/x.txt", 0, T_2024_01);
    td_await(pid, 60000, docs_from(path) == 1 && events_of("source_recovered", path) == 1,
             "no recovery (%lld documents, %lld source_recovered)\n%s\n%s", docs_from(path),
             events_of("source_recovered", path), td_tail(pid), access_tail());
    cr_expect_eq(events_of("source_failing", path), 1, "source_failing more than once");
    char *u = url(path);
    const char *params[1] = {u};
    PGresult *r = PQexecParams(tdb,
                               "SELECT string_agg(type, ',' ORDER BY id) FROM minutes.events "
                               "WHERE payload->>'source' = $1 OR type = 'document_loaded'",
                               1, NULL, params, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(tdb));
    const char *order = PQgetvalue(r, 0, 0);
    cr_log_info("events: %s", order);
    const char *fa = strstr(order, "source_failing"), *re = strstr(order, "source_recovered"),
               *lo = strstr(order, "document_loaded");
    cr_expect(fa && re && fa < re, "source_recovered does not follow source_failing: %s", order);
    cr_expect(fa && lo && fa < lo, "no document_loaded after source_failing: %s", order);
    PQclear(r);
    free(u);
    td_await(pid, 15000,
             source_row(path, "NOT failing AND failing_since IS NULL AND failure_streak = 0 AND last_success IS NOT "
                              "NULL AND document_id IS NOT NULL"),
             "minutes.sources does not show the recovery");

    struct buf types;
    buf_init(&types, 0);
    notified(&types, path, 500);
    cr_expect_str_eq(buf_cstr(&types), "source_failing,source_recovered", "NOTIFYs with \"source\"");
    buf_free(&types);
    td_stop_ok(pid);
}

/* ---- 8: Retry-After ---------------------------------------------------- */

Test(sources, a_429_with_retry_after_is_not_polled_again_before_it_says)
{
    paths();
    server_start();
    www_seed("seed.txt", 0, T_2024_01);
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, "/busy/x.txt", 1, "");
    source(&srcs, "/seed.txt", 1, "");
    config_sources(buf_cstr(&srcs), "", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);

    td_await(pid, 15000, hits("/busy/x.txt", 429) == 1 && said(logp, "/busy/x.txt", "failed:", NULL),
             "no 429\n%s\n%s", td_tail(pid), access_tail());
    /* with interval_s 1 and Retry-After: 120, the next poll is 2 minutes
     * away; meanwhile the other source is polled every second */
    int other = hits("/seed.txt", 0);
    td_await(pid, 15000, hits("/seed.txt", 0) >= other + 4, "/seed.txt not polled\n%s", access_tail());
    cr_expect_eq(hits("/busy/x.txt", 0), 1, "polled again despite Retry-After: 120\n%s", access_tail());
    td_await(pid, 15000, source_row("/busy/x.txt", "last_status = 429 AND failure_streak >= 1"),
             "minutes.sources does not show the 429");
    td_stop_ok(pid);
}

/* TLS verification is on: the same document over https with a self-signed
 * certificate is refused, while the plain http source loads. */
Test(sources, a_self_signed_certificate_is_refused)
{
    paths();
    server_start();
    www_seed("seed.txt", 0, T_2024_01);
    char tls_port_file[300], *tls_port;
    snprintf(tls_port_file, sizeof tls_port_file, "%s/tls-port", srv_dir);
    tls_port = td_read(tls_port_file);
    cr_assert(tls_port && atoi(tls_port) > 0, "nginx-server wrote no tls-port");
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, "/seed.txt", 1, "");
    buf_printf(&srcs, ",\n    {\"url\": \"https://127.0.0.1:%d/seed.txt\", \"interval_s\": 1}", atoi(tls_port));
    config_sources(buf_cstr(&srcs), "", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);

    char prefix[100];
    snprintf(prefix, sizeof prefix, "https://127.0.0.1:%d/seed.txt: failed: ", atoi(tls_port));
    free(tls_port);
    td_await(pid, 30000, docs_from("/seed.txt") == 1, "the http source did not load\n%s", td_tail(pid));
    td_await(pid, 15000, td_count_in(logp, prefix) > 0, "no failure for the https source\n%s", td_tail(pid));
    char *log = td_read(logp);
    const char *at = strstr(log, prefix);
    cr_assert(at);
    const char *eol = strchr(at, '\n');
    char line[600];
    snprintf(line, sizeof line, "%.*s", eol ? (int)(eol - at) : 500, at);
    free(log);
    cr_expect(strstr(line, "certificate") || strstr(line, "SSL"), "not a certificate error: %s", line);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE source_uri LIKE 'https:%'"), 0);
    cr_assert(td_alive(pid), "%s", td_tail(pid));
    td_stop_ok(pid);
}

/* A web page whose bytes change on every visit (a script's timestamp, a
 * token) but whose text does not: loaded once, not a new version per poll;
 * when its text changes, it loads again. */
static void www_page(const char *rel, int s, const char *stamp, const char *extra, time_t mtime)
{
    size_t n;
    char *t = seed_text(s, &n);
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "<!DOCTYPE html>\n<html><head><script>var served = \"%s\";</script></head><body>\n", stamp);
    for (char *line = t, *end = t + n, *nl; line < end; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl)
            nl = end;
        buf_puts(&b, "<p>");
        for (char *p = line; p < nl; p++) {
            if (*p == '&')
                buf_puts(&b, "&amp;");
            else if (*p == '<')
                buf_puts(&b, "&lt;");
            else if (*p != '\r')
                buf_putc(&b, *p);
        }
        buf_puts(&b, "</p>\n");
    }
    buf_printf(&b, "%s</body></html>\n", extra);
    www_put(rel, b.data, b.len, mtime);
    buf_free(&b);
    free(t);
}

Test(sources, a_page_whose_bytes_change_but_not_its_text_loads_once)
{
    paths();
    server_start();
    www_page("page.html", 0, "v1", "", T_2024_01);
    struct buf srcs;
    buf_init(&srcs, 0);
    source(&srcs, "/page.html", 1, "");
    config_sources(buf_cstr(&srcs), "", 0);
    buf_free(&srcs);
    pid_t pid = start_daemon(logp);
    td_await(pid, 30000, docs_from("/page.html") == 1, "the page did not load\n%s", td_tail(pid));

    www_page("page.html", 0, "v2", "", T_2024_02);   /* new bytes, same text */
    td_await(pid, 15000, hits("/page.html", 200) >= 2, "the changed page was not fetched\n%s", access_tail());
    td_sleep_ms(1500);
    cr_expect_eq(docs_from("/page.html"), 1, "a new document for the same text");
    cr_expect(said(logp, "/page.html", "same text", NULL), "%s", td_tail(pid));

    www_page("page.html", 0, "v3", "<p>Tilføjet: referatet er godkendt.</p>\n", T_2024_03);   /* new text */
    td_await(pid, 15000, docs_from("/page.html") == 2, "the page's new text did not load\n%s", td_tail(pid));
    cr_assert(td_alive(pid), "%s", td_tail(pid));
    td_stop_ok(pid);
}
