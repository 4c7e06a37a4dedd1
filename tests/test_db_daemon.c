/*
 * The daemon as a process: `minutesd run` with a configuration the test
 * writes, watching inboxes in the test's own directory and loading into the
 * test's own database, driven the way files and operators drive it - cp,
 * mv, rename, slow writers, bad files, kill -9, a database that goes away,
 * SIGHUP, SIGTERM - and judged by what is in the directories, the rows and
 * the notifications a LISTEN connection receives.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "model.h"
#include "pipeline.h"
#include "testdb.h"
#include "testdaemon.h"

#define PG_CLUSTER TEST_DATA_DIR "/../pg-cluster"

static const char *const seeds[5] = {"000_d2f626ad0e25e238.txt", "001_7b1df9de962b88b2.txt",
                                     "002_54d817ac84b58f52.txt", "003_bdb304747eb2561f.txt",
                                     "004_7178018e32c86f38.txt"};
static const char *const months[12] = {"januar", "februar", "marts",     "april",   "maj",      "juni",
                                       "juli",   "august",  "september", "oktober", "november", "december"};

/* The test's directory layout: TDB/inbox, TDB/processed, TDB/failed. */
static char inbox[300], processed[300], failed[300], cfg[300], logp[300];

static void paths(void)
{
    snprintf(inbox, sizeof inbox, "%s/inbox", tdb_dir);
    snprintf(processed, sizeof processed, "%s/processed", tdb_dir);
    snprintf(failed, sizeof failed, "%s/failed", tdb_dir);
    snprintf(cfg, sizeof cfg, "%s/minutesd.json", tdb_dir);
    snprintf(logp, sizeof logp, "%s/daemon.log", tdb_dir);
}

/* Connections a test opens besides tdb, closed however it ends. */
static PGconn *lis_conn, *pg_other;
static json_t *lis_shas;

static void fini(void)
{
    td_cleanup();
    if (lis_conn)
        PQfinish(lis_conn);
    if (pg_other)
        PQfinish(pg_other);
    json_decref(lis_shas);
    lis_conn = pg_other = NULL;
    lis_shas = NULL;
    tdb_teardown();
}

TestSuite(daemon, .init = tdb_setup, .fini = fini, .timeout = 240);

/* ---- documents --------------------------------------------------------- */

static char *seed_text(int s, size_t *len)
{
    char rel[64];
    snprintf(rel, sizeof rel, "seeds/%s", seeds[s]);
    return (char *)test_data_file(rel, len);
}

static char *seed_path(int s)
{
    char *p = malloc(512);
    snprintf(p, 512, "%s/seeds/%s", TEST_DATA_DIR, seeds[s]);
    return p;
}

/*
 * Document k of a backlog: seed k % 5 with its meeting date (its first
 * "D. måned YYYY") replaced by the k-th day of a calendar of 28-day months
 * from 2001: every k a meeting of its own, so a distinct document.
 */
static char *variant(int k, size_t *len)
{
    size_t n;
    char *src = seed_text(k % 5, &n);
    for (size_t i = 3; i < n; i++) {
        for (int m = 0; m < 12; m++) {
            size_t ml = strlen(months[m]);
            if (i + ml + 5 > n || memcmp(src + i, months[m], ml) != 0 || src[i + ml] != ' ')
                continue;
            bool year = true;
            for (size_t y = 1; y <= 4; y++)
                year &= isdigit((unsigned char)src[i + ml + y]) != 0;
            if (!year || src[i - 1] != ' ' || src[i - 2] != '.' || !isdigit((unsigned char)src[i - 3]))
                continue;
            size_t start = i - 3, end = i + ml + 5;
            if (start > 0 && isdigit((unsigned char)src[start - 1]))
                start--;
            char date[40];
            int dl = snprintf(date, sizeof date, "%d. %s %d", 1 + k % 28, months[(k / 28) % 12], 2001 + k / 336);
            char *out = malloc(n - (end - start) + (size_t)dl + 1);
            memcpy(out, src, start);
            memcpy(out + start, date, (size_t)dl);
            memcpy(out + start + dl, src + end, n - end);
            *len = n - (end - start) + (size_t)dl;
            out[*len] = '\0';
            free(src);
            return out;
        }
    }
    cr_assert_fail("no meeting date in seed %d", k % 5);
    return NULL;
}

/* Writes documents 0..n-1 as dir/mNNNN.txt. */
static void write_backlog(const char *dir, int n)
{
    cr_assert(mkdir(dir, 0755) == 0 || errno == EEXIST);
    for (int k = 0; k < n; k++) {
        size_t len;
        char *b = variant(k, &len), path[400];
        snprintf(path, sizeof path, "%s/m%04d.txt", dir, k);
        td_write_file(path, b, len);
        free(b);
    }
}

/* The first cell of sql's answer on c, as a number. */
static long long int_on(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) >= 1;
    long long v = ok ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    cr_assert(ok, "%s: %s", sql, PQerrorMessage(c));
    return v;
}

/* ---- configuration ----------------------------------------------------- */

static void write_text(const char *path, const char *fmt, ...)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    cr_assert_eq(fclose(f), 0);
}

/* A configuration with one inbox, the test's: database, extra keys of the
 * inbox (starting with a comma) and extra top-level keys (ending with one). */
static void config_one(const char *database, const char *inbox_keys, const char *top_keys)
{
    write_text(cfg,
               "{\n"
               "  \"database\": \"%s\",\n"
               "  \"state_dir\": \"%s/state\",\n"
               "  \"metrics\": {\"listen\": null},\n"
               "  \"log\": {\"level\": \"info\", \"format\": \"text\"},\n"
               "  %s\n"
               "  \"inboxes\": [{\"path\": \"%s\"%s}]\n"
               "}\n",
               database, tdb_dir, top_keys, inbox, inbox_keys);
}

static pid_t start_daemon(void)
{
    pid_t pid = td_spawn(tdb_dir, cfg, logp);
    /* ready: the database answered and the inbox is watched */
    td_await(pid, 60000, td_count_in(logp, "database connected") > 0 && td_count_in(logp, "watching for") > 0,
             "the daemon did not get ready\n%s", td_tail(pid));
    return pid;
}

static void assert_exit_0(pid_t pid, int st)
{
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit: wait status %d (exited %d, signal %d)\n%s", st,
              WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0, td_tail(pid));
}

/* ---- LISTEN ------------------------------------------------------------ */

struct listener {
    PGconn *c;
    int loaded;        /* document_loaded events received */
    json_t *shas;      /* their sha256, in order */
};

static void listen_on(struct listener *l, const char *conninfo)
{
    l->c = lis_conn = PQconnectdb(conninfo);
    l->shas = lis_shas = json_array();
    l->loaded = 0;
    cr_assert(PQstatus(l->c) == CONNECTION_OK, "%s", PQerrorMessage(l->c));
    tdb_exec_on(l->c, "LISTEN minutes_events");
}

/* Takes what has arrived, waiting up to ms for more. */
static void listen_drain(struct listener *l, int ms)
{
    long long end = td_now_ms() + ms;
    do {
        long long left = end - td_now_ms();
        struct pollfd pfd = {PQsocket(l->c), POLLIN, 0};
        poll(&pfd, 1, left > 50 ? 50 : left > 0 ? (int)left : 0);
        cr_assert(PQconsumeInput(l->c), "%s", PQerrorMessage(l->c));
        PGnotify *n;
        while ((n = PQnotifies(l->c))) {
            json_t *j = json_loads(n->extra, 0, NULL);
            cr_assert_not_null(j, "payload is not JSON: %s", n->extra);
            const char *type = json_string_value(json_object_get(j, "type"));
            cr_assert_not_null(type, "%s", n->extra);
            if (strcmp(type, "document_loaded") == 0) {
                l->loaded++;
                json_array_append(l->shas, json_object_get(j, "sha256"));
            }
            json_decref(j);
            PQfreemem(n);
        }
    } while (td_now_ms() < end);
}

/* Waits up to ms for want document_loaded events, then half a second more
 * for any that should not come. */
static void listen_expect(struct listener *l, int want, int ms)
{
    long long end = td_now_ms() + ms;
    while (l->loaded < want && td_now_ms() < end)
        listen_drain(l, 100);
    listen_drain(l, 500);
    cr_expect_eq(l->loaded, want, "document_loaded notifications");
}

static int sha_seen(const struct listener *l, const char *sha)
{
    size_t i;
    json_t *v;
    int n = 0;
    json_array_foreach(l->shas, i, v) n += json_is_string(v) && strcmp(json_string_value(v), sha) == 0;
    return n;
}

static void listen_close(struct listener *l)
{
    PQfinish(l->c);
    json_decref(l->shas);
    lis_conn = NULL;
    lis_shas = NULL;
}

/* ---- 1: every way a file arrives --------------------------------------- */

Test(daemon, files_arriving_by_cp_mv_rename_and_a_slow_writer_load_once_each)
{
    paths();
    config_one(tdb_conninfo, ", \"settle_ms\": 200", "");
    struct listener l;
    listen_on(&l, tdb_conninfo);
    pid_t pid = start_daemon();

    char *text[4], *sha[4], path[400], tmp[400], cmd[1200];
    size_t len[4];
    for (int s = 0; s < 4; s++) {
        text[s] = seed_text(s, &len[s]);
        sha[s] = td_sha_of(text[s], len[s]);
    }
    /* cp */
    char *p0 = seed_path(0);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/by-cp.txt'", p0, inbox);
    cr_assert_eq(system(cmd), 0);
    /* mv from a sibling directory on the same filesystem */
    snprintf(path, sizeof path, "%s/staging", tdb_dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/staging/by-mv.txt", tdb_dir);
    td_write_file(path, text[1], len[1]);
    snprintf(cmd, sizeof cmd, "mv '%s' '%s/by-mv.txt'", path, inbox);
    cr_assert_eq(system(cmd), 0);
    /* written under a temporary name, then renamed */
    snprintf(tmp, sizeof tmp, "%s/by-rename.txt.tmp", inbox);
    snprintf(path, sizeof path, "%s/by-rename.txt", inbox);
    td_write_file(tmp, text[2], len[2]);
    cr_assert_eq(rename(tmp, path), 0);
    /* a slow writer: 6 chunks, 300 ms apart, each pause longer than settle_ms */
    snprintf(path, sizeof path, "%s/slow.txt", inbox);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    size_t chunk = (len[3] + 5) / 6;
    for (size_t off = 0; off < len[3]; off += chunk) {
        size_t n = len[3] - off < chunk ? len[3] - off : chunk;
        cr_assert_eq(write(fd, text[3] + off, n), (ssize_t)n);
        if (off + n < len[3])
            td_sleep_ms(300);
    }
    cr_assert_eq(close(fd), 0);

    td_await(pid, 60000, td_count_files(processed, ".txt") == 4, "processed/ has %d of 4\n%s",
             td_count_files(processed, ".txt"), td_tail(pid));
    cr_expect_eq(td_count_files(inbox, NULL), 0, "the inbox is empty");
    cr_expect_eq(td_count_files(failed, NULL), 0, "nothing failed\n%s", td_tail(pid));
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), 4, "no partial version was loaded");
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'failed'"), 0);
    static const char *names[4] = {"by-cp.txt", "by-mv.txt", "by-rename.txt", "slow.txt"};
    for (int s = 0; s < 4; s++) {
        cr_expect_eq(tdb_intf("SELECT count(*) FROM minutes.documents WHERE sha256 = '%s' AND status = 'loaded'",
                             sha[s]),
                     1, "%s loaded once", names[s]);
        snprintf(path, sizeof path, "%s/%s", processed, names[s]);
        cr_expect_eq(access(path, F_OK), 0, "%s in processed/", names[s]);
    }
    listen_expect(&l, 4, 10000);
    for (int s = 0; s < 4; s++)
        cr_expect_eq(sha_seen(&l, sha[s]), 1, "one document_loaded notification for %s", names[s]);
    cr_expect_eq(td_count_in(logp, "loaded as document"), 4, "%s", td_tail(pid));

    assert_exit_0(pid, td_stop(pid, 10000));
    listen_close(&l);
    for (int s = 0; s < 4; s++) {
        free(text[s]);
        free(sha[s]);
    }
    free(p0);
}

/* ---- 2: bad files ------------------------------------------------------ */

static void expect_failed_with_reason(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", failed, name);
    cr_expect_eq(access(path, F_OK), 0, "%s in failed/", name);
    snprintf(path, sizeof path, "%s/%s.error.json", failed, name);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    cr_assert_not_null(j, "%s: %s", path, e.text);
    const char *reason = json_string_value(json_object_get(j, "reason"));
    cr_expect(reason && *reason, "%s has no reason", path);
    cr_log_info("%s: %s", name, reason ? reason : "(none)");
    json_decref(j);
}

Test(daemon, a_bad_file_goes_to_failed_with_its_reason_and_the_daemon_carries_on)
{
    paths();
    config_one(tdb_conninfo, "", "");
    pid_t pid = start_daemon();

    unsigned char bin[4096];
    test_random_bytes(bin, sizeof bin, 7);
    memcpy(bin, "%PDF-1.4\x00\x01\x02\xff\xfe", 13);
    char path[400];
    snprintf(path, sizeof path, "%s/scan.txt", inbox);
    td_write_file(path, bin, sizeof bin);
    snprintf(path, sizeof path, "%s/empty.txt", inbox);
    td_write_file(path, "", 0);

    td_await(pid, 30000, td_count_files(failed, ".error.json") == 2 && td_count_files(failed, ".txt") == 2,
             "failed/ has %d files and %d reasons\n%s", td_count_files(failed, ".txt"),
             td_count_files(failed, ".error.json"), td_tail(pid));
    expect_failed_with_reason("scan.txt");
    expect_failed_with_reason("empty.txt");
    cr_expect_eq(td_count_files(inbox, NULL), 0);
    cr_expect_eq(td_count_files(processed, NULL), 0);
    cr_assert(td_alive(pid), "the daemon ended (wait status %d)\n%s", td_status(pid), td_tail(pid));

    /* and a good one after them still loads */
    char *p0 = seed_path(0), cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/good.txt'", p0, inbox);
    cr_assert_eq(system(cmd), 0);
    td_await(pid, 30000, td_count_files(processed, ".txt") == 1, "good.txt not loaded\n%s", td_tail(pid));
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), 1);
    cr_expect_eq(td_count_files(failed, ".txt"), 2);
    assert_exit_0(pid, td_stop(pid, 10000));
    free(p0);
}

/* ---- 3: kill -9 in a backlog ------------------------------------------- */

Test(daemon, kill_9_in_a_backlog_then_a_restart_loads_everything_exactly_once)
{
    enum { N = 500 };
    paths();
    config_one(tdb_conninfo, "", "");
    write_backlog(inbox, N);
    struct listener l;
    listen_on(&l, tdb_conninfo);

    pid_t pid = td_spawn(tdb_dir, cfg, logp);
    td_await(pid, 120000, (listen_drain(&l, 0), td_count_files(processed, ".txt") >= 50),
             "not 50 loaded yet\n%s", td_tail(pid));
    td_kill9(pid);
    int done = td_count_files(processed, ".txt");
    cr_log_info("killed with %d of %d in processed/", done, N);
    cr_assert_lt(done, N, "the backlog was done before the kill: nothing tested");
    cr_assert_eq(td_count_files(inbox, ".txt") + done, N, "every file is in the inbox or in processed/");

    char log2[400];
    snprintf(log2, sizeof log2, "%s/daemon2.log", tdb_dir);
    pid = td_spawn(tdb_dir, cfg, log2);
    td_await(pid, 150000,
             (listen_drain(&l, 0), td_count_files(processed, ".txt") == N && td_count_files(inbox, NULL) == 0),
             "after the restart: %d in processed/, %d in the inbox\n%s", td_count_files(processed, ".txt"),
             td_count_files(inbox, NULL), td_tail(pid));
    cr_expect_eq(td_count_files(failed, NULL), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), N);
    cr_expect_eq(tdb_int("SELECT count(DISTINCT sha256) FROM minutes.documents"), N);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), N);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.versions"), N);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events WHERE type = 'document_loaded'"), N);
    cr_expect_eq(tdb_int("SELECT count(DISTINCT document_id) FROM minutes.events WHERE type = 'document_loaded'"), N);
    listen_expect(&l, N, 20000);
    json_t *distinct = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(l.shas, i, v) json_object_set(distinct, json_string_value(v), json_true());
    cr_expect_eq(json_object_size(distinct), (size_t)N, "a notification per document, none twice");
    json_decref(distinct);
    assert_exit_0(pid, td_stop(pid, 10000));
    listen_close(&l);
}

/* ---- 4: the database goes away for 20 s -------------------------------- */

Test(daemon, a_database_outage_of_20_s_mid_backlog_loses_and_fails_nothing)
{
    enum { N = 200 };
    char pgdir[64], cmd[600], conninfo[200];
    paths();
    snprintf(pgdir, sizeof pgdir, "/tmp/mdpg-XXXXXX");
    cr_assert_not_null(mkdtemp(pgdir));
    /* stopped and removed however this test ends */
    snprintf(cmd, sizeof cmd, "sh '%s' stop '%s'", PG_CLUSTER, pgdir);
    td_guard(cmd);
    snprintf(cmd, sizeof cmd, "sh '%s' start '%s'", PG_CLUSTER, pgdir);
    cr_assert_eq(system(cmd), 0, "could not start a private cluster in %s", pgdir);
    snprintf(conninfo, sizeof conninfo, "host=%s/run user=minutesd_test dbname=postgres", pgdir);

    config_one(conninfo, "", "");
    write_backlog(inbox, N);
    pid_t pid = td_spawn(tdb_dir, cfg, logp);
    td_await(pid, 120000, td_count_files(processed, ".txt") >= 10, "not 10 loaded yet\n%s", td_tail(pid));
    snprintf(cmd, sizeof cmd, "sh '%s' pause '%s'", PG_CLUSTER, pgdir);
    cr_assert_eq(system(cmd), 0, "could not stop the server");
    int before = td_count_files(processed, ".txt");
    cr_log_info("server stopped with %d of %d in processed/", before, N);
    cr_assert_lt(before, N, "the backlog was done before the outage: nothing tested");

    long long end = td_now_ms() + 20000;
    while (td_now_ms() < end) {
        td_sleep_ms(250);
        cr_assert(td_alive(pid), "the daemon ended during the outage (wait status %d)\n%s", td_status(pid),
                  td_tail(pid));
        int in = td_count_files(inbox, ".txt"), done = td_count_files(processed, ".txt");
        cr_assert_eq(td_count_files(failed, NULL), 0, "a file was failed for the outage\n%s", td_tail(pid));
        cr_assert_eq(in + done, N, "%d in the inbox, %d processed", in, done);
        cr_assert_gt(in, 0);
    }
    cr_expect_gt(td_count_in(logp, "database unreachable"), 0, "the outage was not noticed\n%s", td_tail(pid));
    snprintf(cmd, sizeof cmd, "sh '%s' resume '%s'", PG_CLUSTER, pgdir);
    cr_assert_eq(system(cmd), 0, "could not start the server again");

    td_await(pid, 120000, td_count_files(processed, ".txt") == N, "%d of %d in processed/ after the outage\n%s",
             td_count_files(processed, ".txt"), N, td_tail(pid));
    cr_expect_eq(td_count_files(inbox, NULL), 0);
    cr_expect_eq(td_count_files(failed, NULL), 0);
    assert_exit_0(pid, td_stop(pid, 10000));

    pg_other = PQconnectdb(conninfo);
    cr_assert(PQstatus(pg_other) == CONNECTION_OK, "%s", PQerrorMessage(pg_other));
    long long docs = int_on(pg_other, "SELECT count(*) FROM minutes.documents"),
              loaded = int_on(pg_other, "SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"),
              events = int_on(pg_other, "SELECT count(*) FROM minutes.events WHERE type = 'document_loaded'"),
              versions = int_on(pg_other, "SELECT count(*) FROM minutes.versions");
    cr_expect_eq(docs, N);
    cr_expect_eq(loaded, N);
    cr_expect_eq(events, N);
    cr_expect_eq(versions, N);
}

/* ---- 5: SIGHUP --------------------------------------------------------- */

/* The configuration with inboxes a (and b), the value of b's "after"
 * given; returns the line of that value. */
static int config_ab(const char *a, const char *b, const char *b_after)
{
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "{\n"
                     "  \"database\": \"%s\",\n"
                     "  \"state_dir\": \"%s/state\",\n"
                     "  \"metrics\": {\"listen\": null},\n"
                     "  \"inboxes\": [\n"
                     "    {\"path\": \"%s\"}",
                     tdb_conninfo, tdb_dir, a);
    int line = 6;
    if (b) {
        n += snprintf(text + n, sizeof text - (size_t)n, ",\n    {\"path\": \"%s\",\n     \"after\": \"%s\"}", b,
                      b_after);
        line = 8;
    }
    snprintf(text + n, sizeof text - (size_t)n, "\n  ]\n}\n");
    write_text(cfg, "%s", text);
    return line;
}

static void drop_seed(int s, const char *dir, const char *name)
{
    char *p = seed_path(s), cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/%s'", p, dir, name);
    cr_assert_eq(system(cmd), 0);
    free(p);
}

Test(daemon, sighup_adds_an_inbox_and_a_broken_configuration_keeps_the_old_one)
{
    char a[300], b[300], ap[300], bp[300];
    paths();
    snprintf(a, sizeof a, "%s/a/inbox", tdb_dir);
    snprintf(b, sizeof b, "%s/b/inbox", tdb_dir);
    snprintf(ap, sizeof ap, "%s/a/processed", tdb_dir);
    snprintf(bp, sizeof bp, "%s/b/processed", tdb_dir);
    config_ab(a, NULL, NULL);
    pid_t pid = start_daemon();

    config_ab(a, b, "move");
    cr_assert_eq(kill(pid, SIGHUP), 0);
    td_await(pid, 20000, td_count_in(logp, "configuration reloaded") == 1, "no reload\n%s", td_tail(pid));
    cr_assert_eq(access(b, F_OK), 0, "the new inbox was not created");
    drop_seed(0, b, "one.txt");
    td_await(pid, 30000, td_count_files(bp, ".txt") == 1, "the new inbox's file was not loaded\n%s", td_tail(pid));
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), 1);

    /* a configuration that does not validate: said, and the old one kept */
    int line = config_ab(a, b, "sideways");
    cr_assert_eq(kill(pid, SIGHUP), 0);
    td_await(pid, 20000, td_count_in(logp, "not reloaded") == 1, "no word of the broken configuration\n%s",
             td_tail(pid));
    char *log = td_read(logp), where[400];
    snprintf(where, sizeof where, "%s:%d:", cfg, line);
    const char *at = strstr(log, where);
    cr_expect_not_null(at, "no \"%s\" in the log\n%s", where, td_tail(pid));
    if (at) {
        const char *col = at + strlen(where);
        cr_expect(isdigit((unsigned char)*col) && atoi(col) > 0, "no column after %s: %.80s", where, at);
        const char *eol = strchr(at, '\n');
        const char *nr = strstr(log, "not reloaded");
        cr_expect(nr && nr < at && (!eol || strchr(nr, '\n') == eol), "not on the error's line");
    }
    free(log);
    drop_seed(1, b, "two.txt");
    drop_seed(2, a, "three.txt");
    td_await(pid, 30000, td_count_files(bp, ".txt") == 2 && td_count_files(ap, ".txt") == 1,
             "the old configuration's inboxes stopped working\n%s", td_tail(pid));
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), 3);
    cr_expect_eq(td_count_in(logp, "configuration reloaded"), 1);
    assert_exit_0(pid, td_stop(pid, 10000));
}

/* ---- 6: SIGTERM in a backlog ------------------------------------------- */

Test(daemon, sigterm_mid_backlog_exits_0_within_10_s_and_leaves_no_partial_load)
{
    enum { N = 200 };
    paths();
    config_one(tdb_conninfo, "", "");
    write_backlog(inbox, N);
    pid_t pid = td_spawn(tdb_dir, cfg, logp);
    td_await(pid, 120000, td_count_files(processed, ".txt") >= 20, "not 20 loaded yet\n%s", td_tail(pid));
    assert_exit_0(pid, td_stop(pid, 10000));

    int done = td_count_files(processed, ".txt"), left = td_count_files(inbox, ".txt");
    cr_log_info("stopped with %d of %d in processed/", done, N);
    cr_assert_lt(done, N, "the backlog was done before SIGTERM: nothing tested");
    cr_expect_eq(done + left, N);
    cr_expect_eq(td_count_files(failed, NULL), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), done,
                 "what was committed is what was moved (%d)\n%s", done, td_tail(pid));
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status <> 'loaded'"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents d WHERE NOT EXISTS "
                         "(SELECT 1 FROM minutes.versions v WHERE v.document_id = d.id)"),
                 0, "a document without its version");
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.versions v WHERE NOT EXISTS "
                         "(SELECT 1 FROM minutes.items i WHERE i.version_id = v.id)"),
                 0, "a version without its items");
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events WHERE type = 'document_loaded'"), done);
    cr_expect_gt(td_count_in(logp, "stopped:"), 0, "%s", td_tail(pid));
}

/* ---- 7: after = keep --------------------------------------------------- */

Test(daemon, a_kept_file_is_not_loaded_again_by_a_rescan)
{
    paths();
    config_one(tdb_conninfo, ", \"after\": \"keep\"", "\"rescan_s\": 1,");
    pid_t pid = start_daemon();
    drop_seed(0, inbox, "keep.txt");
    td_await(pid, 30000, td_count_in(logp, "loaded as document") == 1, "not loaded\n%s", td_tail(pid));
    td_sleep_ms(3000);   /* three rescans */
    cr_assert(td_alive(pid));
    cr_expect_eq(td_count_in(logp, "loaded as document"), 1, "%s", td_tail(pid));
    cr_expect_eq(td_count_in(logp, "already loaded as"), 0, "the kept file was taken again\n%s", td_tail(pid));
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), 1);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events WHERE type = 'document_loaded'"), 1);
    cr_expect_eq(td_count_files(inbox, ".txt"), 1, "the file stays");
    cr_expect_eq(td_count_files(processed, NULL), 0);
    cr_expect_eq(td_count_files(failed, NULL), 0);
    assert_exit_0(pid, td_stop(pid, 10000));
}

/* A seed published as a web page: paragraphs, <br> line breaks, a menu
 * and a script the page would have.  (Seed 004 has no tabs: a tab in a
 * web page is only a space, so a seed with tab-aligned tables of contents
 * would need them as <table> rows, which test_extract covers.) */
static char *seed_as_html(int i, size_t *len)
{
    size_t n;
    char *p = seed_path(i);
    char *text = (char *)test_read_file(p, &n);
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Referat</title>"
                   "<script>var menu = 1;</script></head><body><nav><a href=\"/\">Forside</a></nav><p>");
    for (size_t k = 0; k < n; k++) {
        char c = text[k];
        if (c == '\n' && k + 1 < n && text[k + 1] == '\n') {
            buf_printf(&b, "</p>\n<p>");
            while (k + 1 < n && text[k + 1] == '\n')
                k++;
        } else if (c == '\n') {
            buf_printf(&b, "<br>\n");
        } else if (c == '<') {
            buf_printf(&b, "&lt;");
        } else if (c == '>') {
            buf_printf(&b, "&gt;");
        } else if (c == '&') {
            buf_printf(&b, "&amp;");
        } else if (c != '\r') {
            buf_append(&b, &c, 1);
        }
    }
    buf_printf(&b, "</p></body></html>\n");
    free(text);
    free(p);
    return buf_steal(&b, len);
}

Test(daemon, a_web_page_dropped_in_loads_like_its_text)
{
    paths();
    config_one(tdb_conninfo, "", "");
    pid_t pid = start_daemon();

    size_t len;
    char *page = seed_as_html(4, &len), path[400], *p2 = seed_path(4), cmd[1200];
    snprintf(path, sizeof path, "%s/referat.html", inbox);
    td_write_file(path, page, len);
    td_await(pid, 30000, td_count_files(processed, ".html") == 1, "referat.html not loaded\n%s", td_tail(pid));
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/referat.txt'", p2, inbox);
    cr_assert_eq(system(cmd), 0);
    td_await(pid, 30000, td_count_files(processed, ".txt") == 1, "referat.txt not loaded\n%s", td_tail(pid));

    /* two documents, both loaded, one meeting: the page is a version of the
     * same meeting with the same items */
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), 2);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.meetings"), 1);
    cr_expect_eq(tdb_int("SELECT count(DISTINCT jsonb_array_length(model->'items')) FROM minutes.documents"), 1);
    char *meetings = tdb_str("SELECT string_agg(source_name || ': ' || (model->'meeting')::text, E'\\n') "
                             "FROM minutes.documents");
    cr_expect_eq(tdb_int("SELECT count(DISTINCT model->'meeting') FROM minutes.documents"), 1,
                 "the page and the text give the same meeting:\n%s", meetings);
    free(meetings);
    cr_expect_eq(td_count_files(failed, NULL), 0);
    assert_exit_0(pid, td_stop(pid, 10000));
    free(page);
    free(p2);
}
