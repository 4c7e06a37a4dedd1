/*
 * bench_daemon: the daemon as a user meets it - files dropped into an
 * inbox, NOTIFYs received by a LISTEN client.
 *
 *   bench_daemon [DROPS [BACKLOG]]      defaults 1000 and 10000
 *
 * Runs the real binary (MINUTESD_BIN, or argv-free: the one built beside
 * this benchmark) against the database libpq's environment names (PGHOST
 * …; a fresh database is created and dropped there), else a private cluster
 * in a temporary directory.
 *
 * 1. Latency: DROPS documents, one at a time, each written under a
 *    temporary name and renamed into the inbox (settle_ms 0, as an
 *    application handing over finished files would configure it); the time
 *    from the rename to the document_loaded NOTIFY arriving at a LISTEN
 *    connection.  Prints p50, p90, p99 and max.
 * 2. Memory: BACKLOG documents written into the inbox before the daemon
 *    starts; prints docs/s until the last one is committed and the daemon's
 *    peak RSS (VmHWM) - the daemon process alone, not PostgreSQL.
 *
 * Every document is a variant of a seed with its committee renamed, so each
 * is a new meeting (a realistic load: no version chains).
 */
#define _GNU_SOURCE
#include "benchutil.h"
#include "db.h"
#include "migrate.h"
#include "pgembed.h"
#include "pipeline.h"

#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What must not outlive a failed run: the daemon and the private cluster. */
static pid_t g_daemon;
static struct pgembed *g_embed;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_daemon: %s: %s\n", what, why);
    if (g_daemon > 0) {
        kill(g_daemon, SIGTERM);
        waitpid(g_daemon, NULL, 0);
    }
    pgembed_stop(g_embed);
    exit(1);
}

static struct bench_seed seeds[16];
static size_t nseeds;

static void prepare_seeds(void)
{
    nseeds = bench_load_seeds("tests/data/seeds", seeds, 16);
    if (!nseeds)
        die("tests/data/seeds", "no usable seeds (run from the source tree)");
}

/* Writes variant k to dir/name through a temporary name.  Returns the
 * time of the rename. */
static double write_variant(const char *dir, int k)
{
    const struct bench_seed *s = &seeds[(size_t)k % nseeds];
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/.doc%06d.tmp", dir, k);
    snprintf(path, sizeof path, "%s/doc%06d.txt", dir, k);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        die(tmp, strerror(errno));
    bench_write_variant(f, s, k);
    fclose(f);
    double t = now();
    if (rename(tmp, path) < 0)
        die(path, strerror(errno));
    return t;
}

static pid_t start_daemon(const char *bin, const char *config, const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork", strerror(errno));
    if (pid == 0) {
        FILE *f = freopen(log, "a", stderr);
        (void)f;
        execl(bin, bin, "run", "--config", config, (char *)NULL);
        _exit(127);
    }
    g_daemon = pid;
    return pid;
}

static void stop_daemon(pid_t pid)
{
    int status;
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    g_daemon = 0;
}

/* Waits for a document_loaded NOTIFY; its arrival time, or -1 after 10 s. */
static double wait_loaded(PGconn *c)
{
    double deadline = now() + 10;
    for (;;) {
        PGnotify *n;
        PQconsumeInput(c);
        while ((n = PQnotifies(c))) {
            bool loaded = strstr(n->extra, "\"type\": \"document_loaded\"") ||
                          strstr(n->extra, "\"type\":\"document_loaded\"");
            PQfreemem(n);
            if (loaded)
                return now();
        }
        double left = deadline - now();
        if (left <= 0)
            return -1;
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(PQsocket(c), &fds);
        struct timeval tv = {0, (long)(left > 0.1 ? 100000 : left * 1e6)};
        select(PQsocket(c) + 1, &fds, NULL, NULL, &tv);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void write_config(const char *path, const char *inbox, const char *conninfo)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, strerror(errno));
    fprintf(f,
            "{\"database\": \"%s\", \"inboxes\": [{\"path\": \"%s\", \"settle_ms\": 0}],\n"
            " \"metrics\": {\"listen\": null}, \"log\": {\"level\": \"warning\"}}\n",
            conninfo, inbox);
    fclose(f);
}

int main(int argc, char **argv)
{
    int drops = argc > 1 ? atoi(argv[1]) : 1000;
    int backlog = argc > 2 ? atoi(argv[2]) : 10000;
    const char *bin = getenv("MINUTESD_BIN") ? getenv("MINUTESD_BIN") : MINUTESD_BIN;
    char err[1024], conninfo[1024], dbname[64] = "", dir[] = "/tmp/minutesd-benchd-XXXXXX";
    char inbox[4200], config[4200], log[4200], processed[4200];
    struct pgembed *embed = NULL;
    PGconn *admin = NULL, *c;

    if (drops < 1 || backlog < 0) {
        fprintf(stderr, "usage: bench_daemon [DROPS [BACKLOG]]\n");
        return 2;
    }
    prepare_seeds();
    if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
        die("mkdtemp", strerror(errno));
    if (getenv("PGHOST") || getenv("PGSERVICE") || getenv("PGDATABASE")) {
        admin = db_connect("", err, sizeof err);
        if (!admin)
            die("database", err);
        snprintf(dbname, sizeof dbname, "minutesd_benchd_%d", (int)getpid());
        char sql[128];
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
        PQclear(PQexec(admin, sql));
        snprintf(conninfo, sizeof conninfo, "dbname=%s", dbname);
    } else {
        embed = pgembed_start(dir, err, sizeof err);
        if (!embed)
            die("private cluster", err);
        g_embed = embed;
        snprintf(conninfo, sizeof conninfo, "%s", pgembed_conninfo(embed));
    }
    c = db_connect(conninfo, err, sizeof err);
    if (!c || migrate_apply(c, NULL, err, sizeof err) < 0 || db_command(c, "LISTEN minutes_events", err, sizeof err))
        die("database", err);

    snprintf(inbox, sizeof inbox, "%s/inbox", dir);
    snprintf(processed, sizeof processed, "%s/processed", dir);
    snprintf(config, sizeof config, "%s/minutesd.json", dir);
    snprintf(log, sizeof log, "%s/daemon.log", dir);
    mkdir(inbox, 0755);
    write_config(config, inbox, conninfo);

    /* ---- 1. drop-to-NOTIFY latency ---- */
    pid_t pid = start_daemon(bin, config, log);
    /* ready when a first document goes through */
    write_variant(inbox, 9999999);
    if (wait_loaded(c) < 0)
        die("daemon", "did not load a first document within 10 s (see its log)");
    double *lat = xcalloc((size_t)drops, sizeof *lat);
    int got = 0;
    double t_all = now();
    for (int k = 0; k < drops; k++) {
        double t0 = write_variant(inbox, k);
        double t1 = wait_loaded(c);
        if (t1 < 0) {
            fprintf(stderr, "bench_daemon: document %d: no NOTIFY within 10 s\n", k);
            break;
        }
        lat[got++] = (t1 - t0) * 1000;
    }
    t_all = now() - t_all;
    qsort(lat, (size_t)got, sizeof *lat, cmp_double);
    if (got) {
        printf("latency: %d documents dropped one at a time (rename into the inbox, settle_ms 0), "
               "drop to document_loaded NOTIFY\n",
               got);
        printf("  p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   max %.2f ms   (%.0f docs/s one at a time)\n",
               lat[got / 2], lat[got * 9 / 10], lat[got * 99 / 100], lat[got - 1], got / t_all);
    }
    long rss_drops = bench_vm_hwm_kb(pid);
    stop_daemon(pid);
    free(lat);

    /* ---- 2. backlog: throughput and peak RSS ---- */
    if (backlog > 0) {
        char cmd[8600];
        snprintf(cmd, sizeof cmd, "rm -rf %s %s/failed", processed, dir);
        if (system(cmd) != 0)
            die("cleanup", cmd);
        for (int k = 0; k < backlog; k++)
            write_variant(inbox, drops + k);
        double t0 = now();
        pid = start_daemon(bin, config, log);
        long hwm = 0;
        while (count_files(processed) < (size_t)backlog) {
            long kb = bench_vm_hwm_kb(pid);
            hwm = kb > hwm ? kb : hwm;
            int status;
            if (waitpid(pid, &status, WNOHANG) == pid) {
                g_daemon = 0;
                die("daemon", "exited during the backlog (see its log)");
            }
            if (now() - t0 > 1800)
                die("backlog", "not done after 30 minutes");
            usleep(20000);
        }
        double dt = now() - t0;
        long kb = bench_vm_hwm_kb(pid);
        hwm = kb > hwm ? kb : hwm;
        stop_daemon(pid);
        printf("backlog: %d documents in the inbox at start: all committed and moved in %.1f s (%.0f docs/s)\n",
               backlog, dt, backlog / dt);
        printf("  peak RSS of the daemon: %.1f MB during the backlog (%.1f MB after the latency run)\n",
               (double)hwm / 1024, (double)rss_drops / 1024);
    }
    PQfinish(c);
    if (admin) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE %s", dbname);
        PQclear(PQexec(admin, sql));
        PQfinish(admin);
    }
    pgembed_stop(embed);
    /* the daemon's log is worth keeping; the gigabyte of files and cluster
     * beside it is not */
    char kept[128], cmd[8600];
    snprintf(kept, sizeof kept, "/tmp/minutesd-benchd-%d.log", (int)getpid());
    if (rename(log, kept) == 0)
        printf("daemon log: %s\n", kept);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_daemon: could not remove %s\n", dir);
    return 0;
}
