/*
 * bench_sources: what polling costs the daemon when nothing changes - the
 * steady state of a deployment with many URL sources.
 *
 *   bench_sources [SOURCES [CYCLES [INTERVAL_S]]]    defaults 1000, 5, 10
 *
 * A private nginx (tests/nginx-server) serves SOURCES small documents
 * (variants of the seeds, each a meeting of its own); the real daemon
 * (MINUTESD_BIN) polls each as a document URL every INTERVAL_S seconds,
 * against the database libpq's environment names (a fresh database there)
 * or else a private cluster.  Once every document is loaded and one more
 * interval has passed, every poll is a conditional GET answered 304; the
 * daemon's CPU time (utime + stime of the whole process, /proc/PID/stat)
 * is measured over CYCLES intervals and divided by the poll cycles the
 * server saw in that window (requests / SOURCES, from its access log).
 *
 * CPU per poll cycle does not depend on the interval: it is the cost of
 * SOURCES conditional GETs and what the daemon does with their 304s.  The
 * interval is short by default only to see several cycles in a minute;
 * the share of one core is printed for that interval and scaled to a
 * 60 s interval (the target: at most 5 % of a core for 1000 sources).
 * Peak RSS is the daemon's VmHWM over the whole run, loading included.
 *
 * Run from the source tree (it reads tests/data/seeds); the daemon's log
 * is kept in /tmp, everything else - server, cluster, files - is removed
 * at the end, on failure and on Ctrl-C.
 */
#define _GNU_SOURCE
#include "benchutil.h"
#include "db.h"
#include "migrate.h"
#include "pgembed.h"
#include "pipeline.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NGINX_SERVER
#define NGINX_SERVER "tests/nginx-server"
#endif

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The wall clock, to compare with the times in nginx's access log. */
static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What must not outlive a failed run: the daemon, the server, the
 * database or private cluster, the directory. */
static pid_t g_daemon;
static struct pgembed *g_embed;
static PGconn *g_admin;
static char g_dbname[64];
static char g_dir[64];
static char g_srv[128];
static volatile sig_atomic_t g_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    g_interrupted = 1;
}

/* The server script with cmd on g_srv (see spawn_script): its exit
 * status, or -1. */
static int server_script(const char *cmd, char *out, size_t outlen)
{
    int st = spawn_script(NGINX_SERVER, cmd, g_srv, out, outlen);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void cleanup(void)
{
    char out[16], sql[128], cmd[128];
    if (g_daemon > 0) {
        kill(g_daemon, SIGTERM);
        waitpid(g_daemon, NULL, 0);
        g_daemon = 0;
    }
    if (g_srv[0])
        server_script("stop", out, sizeof out);
    g_srv[0] = '\0';
    if (g_admin) {
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", g_dbname);
        PQclear(PQexec(g_admin, sql));
        PQfinish(g_admin);
        g_admin = NULL;
    }
    pgembed_stop(g_embed);
    g_embed = NULL;
    if (g_dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_sources: could not remove %s\n", g_dir);
        g_dir[0] = '\0';
    }
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_sources: %s: %s\n", what, why);
    cleanup();
    exit(1);
}

static void check_interrupted(void)
{
    if (g_interrupted)
        die("interrupted", "cleaning up");
}

/* ---- the documents ---------------------------------------------------- */

static struct bench_seed seeds[16];
static size_t nseeds;

static void prepare_seeds(void)
{
    nseeds = bench_load_seeds("tests/data/seeds", seeds, 16);
    if (!nseeds)
        die("tests/data/seeds", "no usable seeds (run from the source tree)");
}

static void write_variant(const char *path, int k)
{
    const struct bench_seed *s = &seeds[(size_t)k % nseeds];
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path, strerror(errno));
    bench_write_variant(f, s, k);
    if (fclose(f) != 0)
        die(path, strerror(errno));
}

/* ---- the daemon ------------------------------------------------------- */

static void write_config(const char *path, const char *conninfo, int port, int n, int interval_s)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, strerror(errno));
    fprintf(f,
            "{\"database\": \"%s\", \"state_dir\": \"%s/state\",\n"
            " \"inboxes\": [{\"path\": \"%s/inbox\"}],\n"
            " \"metrics\": {\"listen\": null}, \"log\": {\"level\": \"warning\"},\n"
            " \"sources\": [\n",
            conninfo, g_dir, g_dir);
    for (int k = 0; k < n; k++)
        fprintf(f, "  {\"url\": \"http://127.0.0.1:%d/s/d%05d.txt\", \"interval_s\": %d}%s\n", port, k, interval_s,
                k + 1 < n ? "," : "");
    fprintf(f, " ]}\n");
    if (fclose(f) != 0)
        die(path, strerror(errno));
}

static pid_t start_daemon(const char *bin, const char *config, const char *log)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die("fork", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* gone with us, however we go */
        if (getppid() != parent)
            _exit(127);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0 || chdir(g_dir) < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        for (int i = 3; i < 1024; i++)
            close(i);
        execl(bin, bin, "run", "--config", config, (char *)NULL);
        _exit(127);
    }
    g_daemon = pid;
    return pid;
}

static bool daemon_alive(void)
{
    int st;
    if (waitpid(g_daemon, &st, WNOHANG) == g_daemon) {
        g_daemon = 0;
        return false;
    }
    return true;
}

/* utime + stime of the whole process (every thread), in seconds. */
static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        die(path, strerror(errno));
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the name in parentheses may hold spaces: count fields after it */
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        die(path, "cannot parse");
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- the server's access log ----------------------------------------- */

struct window {
    long requests;       /* that ended within [from, to] */
    long not_modified;   /* of them answered 304 */
    long unconditional;  /* of them without If-None-Match */
};

/* Counts the requests of the access log that ended within [from, to]
 * (wall-clock seconds).  Lines are the JSON of tests/nginx-server; the
 * fields read here are plain numbers and strings, so no JSON parser. */
static struct window count_window(const char *log, double from, double to)
{
    struct window w = {0, 0, 0};
    char line[4096];
    FILE *f = fopen(log, "r");
    if (!f)
        die(log, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        const char *m = strstr(line, "\"msec\": "), *s = strstr(line, "\"status\": ");
        if (!m || !s)
            continue;
        double t = strtod(m + 8, NULL);
        if (t < from || t > to)
            continue;
        w.requests++;
        w.not_modified += atoi(s + 10) == 304;
        w.unconditional += strstr(line, "\"if_none_match\": \"\"") != NULL;
    }
    fclose(f);
    return w;
}

/* ---- main ------------------------------------------------------------ */

static long long count_docs(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT count(*) FROM minutes.documents");
    long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

/* Sleeps s seconds, watching the daemon and Ctrl-C; samples VmHWM. */
static void watch(double s, long *hwm)
{
    double end = mono() + s;
    while (mono() < end) {
        check_interrupted();
        if (!daemon_alive())
            die("daemon", "exited (see its log)");
        long kb = bench_vm_hwm_kb(g_daemon);
        *hwm = kb > *hwm ? kb : *hwm;
        usleep(100000);
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int cycles = argc > 2 ? atoi(argv[2]) : 5;
    int interval_s = argc > 3 ? atoi(argv[3]) : 10;
    const char *bin = getenv("MINUTESD_BIN") ? getenv("MINUTESD_BIN") : MINUTESD_BIN;
    char err[1024], conninfo[1024], out[64], path[256], config[128], log[128], access[160];
    PGconn *c;

    if (n < 1 || n > 100000 || cycles < 1 || interval_s < 1 || interval_s > 3600) {
        fprintf(stderr, "usage: bench_sources [SOURCES [CYCLES [INTERVAL_S]]]\n");
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    prepare_seeds();
    snprintf(g_dir, sizeof g_dir, "/tmp/minutesd-benchs-XXXXXX");
    if (!mkdtemp(g_dir) || chmod(g_dir, 0755) < 0)
        die("mkdtemp", strerror(errno));

    /* the server and its documents */
    snprintf(g_srv, sizeof g_srv, "%s/ngx", g_dir);
    if (server_script("start", out, sizeof out) != 0)
        die(NGINX_SERVER, "could not start nginx (run from the source tree; see above)");
    int port = atoi(out);
    snprintf(path, sizeof path, "%s/www/s", g_srv);
    if (mkdir(path, 0755) < 0)
        die(path, strerror(errno));
    for (int k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/www/s/d%05d.txt", g_srv, k);
        write_variant(path, k);
    }
    snprintf(access, sizeof access, "%s/access.log", g_srv);

    /* the database */
    if (getenv("PGHOST") || getenv("PGSERVICE") || getenv("PGDATABASE")) {
        g_admin = db_connect("", err, sizeof err);
        if (!g_admin)
            die("database", err);
        snprintf(g_dbname, sizeof g_dbname, "minutesd_benchs_%d", (int)getpid());
        char sql[128];
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", g_dbname);
        PQclear(PQexec(g_admin, sql));
        snprintf(conninfo, sizeof conninfo, "dbname=%s", g_dbname);
    } else {
        g_embed = pgembed_start(g_dir, err, sizeof err);
        if (!g_embed)
            die("private cluster", err);
        snprintf(conninfo, sizeof conninfo, "%s", pgembed_conninfo(g_embed));
    }
    c = db_connect(conninfo, err, sizeof err);
    if (!c || migrate_apply(c, NULL, err, sizeof err) < 0)
        die("database", err);

    snprintf(config, sizeof config, "%s/minutesd.json", g_dir);
    snprintf(log, sizeof log, "%s/daemon.log", g_dir);
    write_config(config, conninfo, port, n, interval_s);

    /* load everything */
    double t0 = mono();
    pid_t pid = start_daemon(bin, config, log);
    long hwm = 0;
    while (count_docs(c) < n) {
        watch(0.5, &hwm);
        if (mono() - t0 > 1800)
            die("loading", "not done after 30 minutes");
    }
    double load_s = mono() - t0, load_cpu = cpu_seconds(pid);
    printf("loaded: %d documents from %d URLs in %.1f s, %.2f s of daemon CPU\n", n, n, load_s, load_cpu);
    fflush(stdout);

    /* one more interval (and its jitter): from now on every poll is a
     * conditional GET of a document already loaded */
    watch(interval_s * 1.2, &hwm);

    double w0 = wall(), c0 = cpu_seconds(pid);
    watch((double)cycles * interval_s, &hwm);
    double w1 = wall(), c1 = cpu_seconds(pid);
    /* a request that ended at w1 is logged a moment later */
    watch(0.5, &hwm);
    struct window w = count_window(access, w0, w1);
    long kb = bench_vm_hwm_kb(pid);
    hwm = kb > hwm ? kb : hwm;

    double measured = w.requests / (double)n;   /* poll cycles the server saw */
    double cpu = c1 - c0, per_cycle = measured > 0 ? cpu / measured : 0;
    printf("sources: %d, interval_s %d (measured; scaled to 60 below), window %.1f s\n", n, interval_s, w1 - w0);
    printf("requests seen in the access log: %ld (%ld answered 304, %ld without If-None-Match) = %.2f poll cycles\n",
           w.requests, w.not_modified, w.unconditional, measured);
    printf("daemon CPU: %.2f s in the window = %.3f s per poll cycle (%.0f us per conditional GET)\n", cpu,
           per_cycle, per_cycle / n * 1e6);
    printf("share of one core: %.2f %% at interval_s %d; %.2f %% at interval_s 60 (target <= 5 %%)\n",
           100 * cpu / (w1 - w0), interval_s, 100 * per_cycle / 60);
    printf("peak RSS of the daemon (VmHWM, loading included): %.1f MB\n", (double)hwm / 1024);
    if (w.not_modified != w.requests)
        printf("note: %ld requests in the window were not 304s: not every cycle measured was idle\n",
               w.requests - w.not_modified);

    PQfinish(c);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    g_daemon = 0;
    char kept[128];
    snprintf(kept, sizeof kept, "/tmp/minutesd-benchs-%d.log", (int)getpid());
    if (rename(log, kept) == 0)
        printf("daemon log: %s\n", kept);
    cleanup();
    return 0;
}
