/*
 * testdaemon: helpers for the tests that run `minutesd run` as a real
 * process - spawn it (fork/exec, in a directory of the test's, stderr to a
 * log file), wait for things with a deadline, count files, stop it with
 * SIGTERM or kill -9 - and clean up after a test whatever happened to it.
 *
 * Every daemon spawned is registered; td_cleanup (from the suite's .fini,
 * which Criterion runs after a failed assertion too) kills and reaps those
 * still running.  If the test process itself dies, the daemons die with it
 * (PR_SET_PDEATHSIG), and td_guard's commands run anyway: a guard process
 * waits for the end of a pipe only the test process holds.
 */
#ifndef MINUTESD_TESTDAEMON_H
#define MINUTESD_TESTDAEMON_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
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

#include "model.h"
#include "pipeline.h"
#include "spawn.h"

#define TD_MAX_PROCS 8
#define TD_MAX_GUARDS 4
#define TD_POLL_MS 20

struct td_proc {
    pid_t pid;
    bool reaped;
    int status;          /* waitpid's, once reaped */
    char log[512];
};

static struct td_proc td_procs[TD_MAX_PROCS];
static size_t td_nprocs;
static pid_t td_guard_pids[TD_MAX_GUARDS];
static int td_guard_fds[TD_MAX_GUARDS];
static size_t td_nguards;

static inline long long td_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void td_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static inline struct td_proc *td_find(pid_t pid)
{
    for (size_t i = 0; i < td_nprocs; i++)
        if (td_procs[i].pid == pid)
            return &td_procs[i];
    return NULL;
}

/*
 * Starts MINUTESD_BIN run --config config in cwd, stdout and stderr
 * appended to log, stdin /dev/null.  Returns its pid (registered).
 */
static inline pid_t td_spawn(const char *cwd, const char *config, const char *log)
{
    cr_assert_lt(td_nprocs, TD_MAX_PROCS, "too many daemons in one test");
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* the daemon goes when the test process goes, however it goes */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || in < 0 || chdir(cwd) < 0)
            _exit(127);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        spawn_close_from_3(-1);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        execl(MINUTESD_BIN, "minutesd", "run", "--config", config, (char *)NULL);
        _exit(127);
    }
    struct td_proc *p = &td_procs[td_nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    snprintf(p->log, sizeof p->log, "%s", log);
    return pid;
}

/* Is pid still running?  Reaps it (and keeps its status) when not. */
static inline bool td_alive(pid_t pid)
{
    struct td_proc *p = td_find(pid);
    if (p && p->reaped)
        return false;
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
        if (p) {
            p->reaped = true;
            p->status = r == pid ? st : -1;
        }
        return false;
    }
    return true;
}

/* waitpid's status of a daemon that has ended, -1 if it has not. */
static inline int td_status(pid_t pid)
{
    struct td_proc *p = td_find(pid);
    return p && p->reaped ? p->status : -1;
}

/* The whole file (new; free()), "" when it does not exist. */
static inline char *td_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    size_t cap = 65536, n = 0, r;
    char *s = malloc(cap + 1);
    while ((r = fread(s + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            s = realloc(s, (cap *= 2) + 1);
    }
    fclose(f);
    s[n] = '\0';
    return s;
}

/* The sha256 the pipeline gives these bytes (new; free()): the id the
 * daemon files a document under. */
static inline char *td_sha_of(const char *b, size_t n)
{
    enum stage_result res;
    struct md_doc *d = pipeline_run((const unsigned char *)b, n, "x", NULL, NULL, &res);
    cr_assert_not_null(d->sha256);
    char *s = strdup(d->sha256);
    model_destroy(d);
    return s;
}

/* A JSON-lines file (a server's log): every complete line parsed, in order
 * (new: json_decref).  A line still being written (no newline yet) is left
 * out; a complete line that is not JSON fails the test. */
static inline json_t *td_read_jsonl(const char *path)
{
    char *s = td_read(path);
    json_t *all = json_array();
    for (char *line = s, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = '\0';
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        cr_assert_not_null(j, "%s: not JSON (%s): %s", path, e.text, line);
        json_array_append_new(all, j);
    }
    free(s);
    return all;
}

/* How many times needle occurs in the file. */
static inline int td_count_in(const char *path, const char *needle)
{
    char *s = td_read(path);
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    free(s);
    return n;
}

/* The last lines of a daemon's log, for failure messages (static buffer). */
static inline const char *td_tail(pid_t pid)
{
    static char tail[4096];
    struct td_proc *p = td_find(pid);
    char *s = p ? td_read(p->log) : strdup("(not a daemon of this test)");
    size_t n = strlen(s);
    snprintf(tail, sizeof tail, "--- daemon log%s:\n%s", n > sizeof tail - 100 ? " (end)" : "",
             n > sizeof tail - 100 ? s + n - (sizeof tail - 100) : s);
    free(s);
    return tail;
}

/* Regular files in dir (not dot files) whose name ends with suffix (NULL:
 * any); 0 when dir does not exist. */
static inline int td_count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) {
        cr_assert_eq(errno, ENOENT, "cannot read %s: %s", dir, strerror(errno));
        return 0;
    }
    while ((e = readdir(d))) {
        struct stat st;
        size_t l = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (!suffix || (l >= sl && strcmp(e->d_name + l - sl, suffix) == 0))
            n++;
    }
    closedir(d);
    return n;
}

/* Polls cond every 20 ms until it holds (ok = true) or ms pass (false). */
#define td_wait_until(ok, ms, cond)                                                                                   \
    do {                                                                                                              \
        long long td_end_ = td_now_ms() + (ms);                                                                       \
        (ok) = false;                                                                                                 \
        for (;;) {                                                                                                    \
            if (cond) {                                                                                               \
                (ok) = true;                                                                                          \
                break;                                                                                                \
            }                                                                                                         \
            if (td_now_ms() >= td_end_)                                                                               \
                break;                                                                                                \
            td_sleep_ms(TD_POLL_MS);                                                                                  \
        }                                                                                                             \
    } while (0)

/* Fails the test unless cond holds within ms; fails at once when the
 * daemon pid (0: none) ends meanwhile.  The rest is cr_assert's message. */
#define td_await(pid, ms, cond, ...)                                                                                  \
    do {                                                                                                              \
        long long td_end_ = td_now_ms() + (ms);                                                                       \
        bool td_ok_ = false, td_died_ = false;                                                                        \
        for (;;) {                                                                                                    \
            if (cond) {                                                                                               \
                td_ok_ = true;                                                                                        \
                break;                                                                                                \
            }                                                                                                         \
            if ((pid) > 0 && !td_alive(pid)) {                                                                        \
                td_ok_ = (cond);                                                                                      \
                td_died_ = !td_ok_;                                                                                   \
                break;                                                                                                \
            }                                                                                                         \
            if (td_now_ms() >= td_end_)                                                                               \
                break;                                                                                                \
            td_sleep_ms(TD_POLL_MS);                                                                                  \
        }                                                                                                             \
        cr_assert(!td_died_, "the daemon ended (wait status %d) while waiting for: %s\n%s", td_status(pid), #cond,   \
                  td_tail(pid));                                                                                      \
        cr_assert(td_ok_, __VA_ARGS__);                                                                               \
    } while (0)

/* Waits up to ms for pid to end; true if it did (td_status has how). */
static inline bool td_wait_exit(pid_t pid, long ms)
{
    bool ok;
    td_wait_until(ok, ms, !td_alive(pid));
    return ok;
}

/* kill -9 and reap. */
static inline void td_kill9(pid_t pid)
{
    if (!td_alive(pid))
        return;
    kill(pid, SIGKILL);
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    struct td_proc *p = td_find(pid);
    if (p) {
        p->reaped = true;
        p->status = r == pid ? st : -1;
    }
}

/* SIGTERM; the test fails unless pid exits within ms (it is killed then).
 * Returns the wait status. */
static inline int td_stop(pid_t pid, long ms)
{
    cr_assert(td_alive(pid), "the daemon had already ended (wait status %d)\n%s", td_status(pid), td_tail(pid));
    long long t0 = td_now_ms();
    kill(pid, SIGTERM);
    if (!td_wait_exit(pid, ms)) {
        td_kill9(pid);
        cr_assert_fail("the daemon did not exit within %ld ms of SIGTERM (killed)\n%s", ms, td_tail(pid));
    }
    cr_log_info("daemon %d stopped in %lld ms", (int)pid, td_now_ms() - t0);
    return td_status(pid);
}

/*
 * Runs the shell command cmd when the test process ends, however it ends
 * (td_cleanup runs it at once): for cleanup that must happen even when the
 * test is killed, such as stopping a PostgreSQL cluster of its own.
 */
static inline void td_guard(const char *cmd)
{
    int p[2];
    cr_assert_lt(td_nguards, TD_MAX_GUARDS);
    cr_assert_eq(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char c;
        ssize_t r;
        setsid();   /* not in the test's process group, so it outlives a kill of the group */
        spawn_close_from_3(p[0]);
        while ((r = read(p[0], &c, 1)) != 0 && (r > 0 || errno == EINTR))
            ;
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);   /* a daemon must not hold it open */
    td_guard_pids[td_nguards] = pid;
    td_guard_fds[td_nguards++] = p[1];
}

/* Kills and reaps every daemon still running, then runs the guards' commands
 * and waits for them.  Safe to call twice. */
static inline void td_cleanup(void)
{
    for (size_t i = 0; i < td_nprocs; i++)
        td_kill9(td_procs[i].pid);
    td_nprocs = 0;
    for (size_t i = 0; i < td_nguards; i++) {
        close(td_guard_fds[i]);
        while (waitpid(td_guard_pids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    }
    td_nguards = 0;
}

/* Starts `minutesd run` in cwd with config and waits until it has its
 * database and watches its inbox. */
static inline pid_t td_start_ready(const char *cwd, const char *config, const char *log)
{
    pid_t pid = td_spawn(cwd, config, log);
    td_await(pid, 60000, td_count_in(log, "database connected") > 0 && td_count_in(log, "watching for") > 0,
             "the daemon did not get ready\n%s", td_tail(pid));
    return pid;
}

/* SIGTERM, and it must exit 0 within 10 s. */
static inline void td_stop_ok(pid_t pid)
{
    int st = td_stop(pid, 10000);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit: wait status %d\n%s", st, td_tail(pid));
}

/* ---- servers of the tests' own (tests/nginx-server and the like) ----- */

/* spawn_script, failing the test when no child could be made; also
 * forked without td_guard's pipe, which would keep the guard from firing. */
static inline int td_server_script(const char *script, const char *cmd, const char *dir, char *out, size_t outlen)
{
    int st = spawn_script(script, cmd, dir, out, outlen);
    cr_assert_neq(st, -1, "%s %s: cannot fork: %s", script, cmd, strerror(errno));
    return st;
}

/* Starts script's server in a new directory dir (a mkdtemp template);
 * it is stopped and dir removed when the test process ends, however it
 * ends.  Returns the port. */
static inline int td_server_start(const char *script, char *dir)
{
    char cmd[300], out[64];
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    snprintf(cmd, sizeof cmd, "sh '%s' stop '%s' >/dev/null 2>&1", script, dir);
    td_guard(cmd);
    int st = td_server_script(script, "start", dir, out, sizeof out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s start %s failed (wait status %d)", script, dir, st);
    int port = atoi(out);
    cr_assert(port > 0 && port < 65536, "%s printed no port: \"%s\"", script, out);
    return port;
}

/* Writes data to path (created or truncated). */
static inline void td_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

#endif
