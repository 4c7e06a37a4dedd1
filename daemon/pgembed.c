/*
 * pgembed: see pgembed.h.
 *
 * DESIGN
 * ------
 * Startup is a short, blocking sequence: make <state>/pg, take a lock
 * file so that two minutesd processes do not initdb or start the same
 * cluster at once, initdb if pg/data has no PG_VERSION, ask "pg_ctl status",
 * and start the server only if it is not running.  A handle remembers
 * whether it started the server; only then does pgembed_stop stop it, so a
 * second process that found the cluster running leaves it to the first.
 *
 * initdb and pg_ctl run as children (fork + execv, argv arrays, no shell),
 * with their output appended to pg/setup.log.  A failure message quotes the
 * last non-empty line written during the failed step, so the user sees the
 * reason without opening the log.  pg_ctl start's own output says only
 * "examine the log output", so for it the line comes from pg/server.log.
 *
 * Our settings (socket only, socket directory, port) live in
 * pg/data/minutesd.conf, rewritten before every start and included from
 * postgresql.conf, rather than in pg_ctl -o: pg_ctl pastes -o into a shell
 * command line, and a configuration file needs no shell quoting.  pg_ctl
 * still runs the server through "/bin/sh -c" with the data directory and
 * log file inside double quotes, and libpq splits its host parameter at
 * commas, so state directories containing " $ ` a backslash or a comma
 * are refused up front instead of failing obscurely later.
 *
 * Between fork and exec the child does only async-signal-safe work (the
 * parent may have threads): the supplementary groups are looked up before
 * fork and installed with setgroups, which is what initgroups would do
 * after reading /etc/group.  The child closes every descriptor it
 * inherited beyond stdin/out/err: pg_ctl start leaves the postmaster
 * running, and a postmaster holding one of our pipes open would keep
 * whoever waits for that pipe's end waiting as long as the server runs.
 * Failures in the child before exec come back through a close-on-exec pipe
 * as (stage, errno).
 */
#define _DEFAULT_SOURCE /* getgrouplist, setgroups, syscall (with _XOPEN_SOURCE) */

#include "pgembed.h"
#include "readfile.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PGEMBED_PORT "5432"
#define PGEMBED_SOCKET_TAIL "/pg/run/.s.PGSQL." PGEMBED_PORT
#define PGEMBED_ROLE "minutesd"
#define PGEMBED_DB "minutes"
#define PGEMBED_START_TIMEOUT "60"
#define PGEMBED_INCLUDE "include 'minutesd.conf'"
#define PGEMBED_LIB_DIR "/usr/lib/postgresql"

/* The longest socket path the kernel accepts (sun_path holds a NUL too). */
#define SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
/* How much of a log's end we read to find its last line. */
#define LOG_TAIL_BYTES 4096
/* A data directory is a few levels deep; anything deeper is not ours. */
#define CHOWN_DEPTH_MAX 16
/* postgresql.conf is ~30 KiB; refuse to slurp something else. */
#define CONF_MAX (4u << 20)
/* When close_range is unavailable the child closes fds one by one. */
#define CLOSE_LOOP_MAX 65536

struct pgembed {
    char *root;       /* <absolute state dir>/pg */
    char *data;       /* root/data */
    char *sockdir;    /* root/run */
    char *server_log; /* root/server.log */
    char *setup_log;  /* root/setup.log */
    char *initdb;     /* absolute paths of the server tools */
    char *pg_ctl;
    char *conninfo;   /* dbname=minutes, returned by pgembed_conninfo */
    char *user;       /* who runs the server, for messages */
    bool drop;        /* we are root: children switch to uid/gid/groups */
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    int ngroups;
    long max_fd;      /* children close descriptors below this */
    bool started;     /* this handle started the server and will stop it */
};

/* What a child reports when it fails before exec. */
enum child_stage { CHILD_FDS = 1, CHILD_SETGROUPS, CHILD_SETGID, CHILD_SETUID, CHILD_REACH, CHILD_EXEC };
struct child_report {
    int stage;
    int err;
};

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 1, 2)))
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static char *str_dup(const char *s)
{
    return xstrndup(s, strlen(s));
}

/* Copies s[0..n) into out as one printable line: control characters become
 * spaces and surrounding blanks go, so that a log line or a libpq message
 * (which ends in a newline) fits in our one-line errors. */
static void copy_line(char *out, size_t outlen, const char *s, size_t n)
{
    if (outlen == 0)
        return;
    while (n > 0 && (unsigned char)s[n - 1] <= ' ')
        n--;
    while (n > 0 && (unsigned char)*s <= ' ') {
        s++;
        n--;
    }
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        out[j++] = (c < ' ' || c == 0x7f) ? ' ' : (char)c;
    }
    out[j] = '\0';
}

/* True for a line that states an error: PostgreSQL's tools print
 * "initdb: error: ..." and then a "hint:" line, the server "FATAL:  ...". */
static bool error_line(const char *s, size_t n)
{
    static const char *const marks[] = {"error: ", "FATAL: ", "PANIC: "};
    for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
        size_t k = strlen(marks[m]);
        for (size_t i = 0; i + k <= n; i++)
            if (memcmp(s + i, marks[m], k) == 0)
                return true;
    }
    return false;
}

/* The line of path written at or after offset from that best says what
 * went wrong: the last error line if there is one (a hint may follow it),
 * else the last non-empty line; "" if none or unreadable. */
static void log_tail(const char *path, off_t from, char *out, size_t outlen)
{
    char buf[LOG_TAIL_BYTES];
    if (outlen > 0)
        out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) < 0)
        goto out;
    off_t start = st.st_size - (off_t)sizeof buf;
    if (start < from)
        start = from;
    if (start < 0)
        start = 0;
    if (st.st_size <= start)
        goto out;
    ssize_t n = pread(fd, buf, (size_t)(st.st_size - start), start);
    if (n <= 0)
        goto out;
    size_t end = (size_t)n, last_begin = 0, last_end = 0;
    bool have_last = false;
    while (end > 0) {
        while (end > 0 && (unsigned char)buf[end - 1] <= ' ')
            end--;
        if (end == 0)
            break;
        size_t begin = end;
        while (begin > 0 && buf[begin - 1] != '\n')
            begin--;
        if (error_line(buf + begin, end - begin)) {
            copy_line(out, outlen, buf + begin, end - begin);
            goto out;
        }
        if (!have_last) {
            have_last = true;
            last_begin = begin;
            last_end = end;
        }
        end = begin;
    }
    if (have_last)
        copy_line(out, outlen, buf + last_begin, last_end - last_begin);
out:
    close(fd);
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : 0;
}

/* mkdir -p.  0 or -errno. */
static int mkdir_p(const char *path)
{
    int rc = 0;
    char *p = str_dup(path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            rc = -errno;
            goto out;
        }
        *s = saved;
        if (saved == '\0')
            break;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        rc = -errno;
    else if (!S_ISDIR(st.st_mode))
        rc = -ENOTDIR;
out:
    free(p);
    return rc;
}

/* pg_ctl start runs the server through "/bin/sh -c" with our paths inside
 * double quotes, where " $ ` and backslash still mean something to the
 * shell.  libpq splits its host parameter at commas, with no way to escape
 * one.  Control characters would break the configuration file's lines. */
static bool usable_path(const char *p)
{
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < ' ' || c == 0x7f || c == '"' || c == '$' || c == '`' || c == '\\' || c == ',')
            return false;
    }
    return true;
}

static bool tools_in(const char *dir, char **initdb, char **pg_ctl)
{
    char *i = str_printf("%s/initdb", dir), *c = str_printf("%s/pg_ctl", dir);
    if (access(i, X_OK) == 0 && access(c, X_OK) == 0) {
        *initdb = i;
        *pg_ctl = c;
        return true;
    }
    free(i);
    free(c);
    return false;
}

/* "15" or "9.6" -> 15000 or 9006; -1 for anything else. */
static long dir_version(const char *name)
{
    char *end;
    if (*name < '0' || *name > '9')
        return -1;
    long major = strtol(name, &end, 10), minor = 0;
    if (*end == '.') {
        const char *m = end + 1;
        if (*m < '0' || *m > '9')
            return -1;
        minor = strtol(m, &end, 10);
    }
    if (*end != '\0' || major > 100000 || minor > 999)
        return -1;
    return major * 1000 + minor;
}

/* initdb and pg_ctl from one directory, so that their versions match:
 * the first PATH entry holding both, else the newest Debian-style
 * /usr/lib/postgresql/<version>/bin (which is not on PATH there). */
static bool find_tools(struct pgembed *pg)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        /* A relative entry would make the result depend on our cwd. */
        if (n > 0 && path[0] == '/') {
            char *dir = xstrndup(path, n);
            bool found = tools_in(dir, &pg->initdb, &pg->pg_ctl);
            free(dir);
            if (found)
                return true;
        }
        path = colon ? colon + 1 : NULL;
    }
    DIR *d = opendir(PGEMBED_LIB_DIR);
    if (!d)
        return false;
    long best = -1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        long v = dir_version(de->d_name);
        if (v <= best)
            continue;
        char *dir = str_printf(PGEMBED_LIB_DIR "/%s/bin", de->d_name);
        char *i, *c;
        if (tools_in(dir, &i, &c)) {
            free(pg->initdb);
            free(pg->pg_ctl);
            pg->initdb = i;
            pg->pg_ctl = c;
            best = v;
        }
        free(dir);
    }
    closedir(d);
    return best >= 0;
}

/* Decides who runs the server: ourselves, or, when we are root, an
 * unprivileged user whose groups are looked up now, before any fork. */
static int pick_user(struct pgembed *pg, char *err, size_t errlen)
{
    if (geteuid() != 0) {
        struct passwd *pw = getpwuid(geteuid());
        pg->user = pw ? str_dup(pw->pw_name) : str_printf("uid %ld", (long)geteuid());
        return 0;
    }
    const char *want = getenv("MINUTESD_PG_USER");
    struct passwd *pw;
    if (want && *want) {
        pw = getpwnam(want);
        if (!pw) {
            set_err(err, errlen, "user %s (from MINUTESD_PG_USER) does not exist: create it or unset "
                    "MINUTESD_PG_USER", want);
            return -1;
        }
    } else {
        pw = getpwnam("minutesd");
        if (!pw)
            pw = getpwnam("postgres");
        if (!pw) {
            set_err(err, errlen, "running as root: PostgreSQL will not run as root; create a system user "
                    "'minutesd' (or set MINUTESD_PG_USER), or run minutesd as an unprivileged user");
            return -1;
        }
    }
    if (pw->pw_uid == 0) {
        set_err(err, errlen, "user %s is root: PostgreSQL will not run as root; set MINUTESD_PG_USER to an "
                "unprivileged user", pw->pw_name);
        return -1;
    }
    /* Copy out before getgrouplist, which may reuse getpwnam's buffer. */
    pg->user = str_dup(pw->pw_name);
    pg->uid = pw->pw_uid;
    pg->gid = pw->pw_gid;
    pg->drop = true;
    int n = 16;
    for (int tries = 0;; tries++) {
        gid_t *g = xrealloc(pg->groups, (size_t)n * sizeof *g);
        pg->groups = g;
        int got = n;
        if (getgrouplist(pg->user, pg->gid, g, &got) >= 0) {
            pg->ngroups = got;
            return 0;
        }
        /* got now holds the number needed; grow once or twice, no more. */
        if (tries >= 3 || got <= n || got > 65536) {
            set_err(err, errlen, "could not look up the groups of user %s", pg->user);
            return -1;
        }
        n = got;
    }
}

/* chown -R of one entry under parent.  Symbolic links are changed, never
 * followed, so a link planted in pg/ cannot hand out files elsewhere;
 * entries that vanish meanwhile (a running server's temporary files) are
 * fine.  0 or -errno. */
static int chown_tree(int parent, const char *name, uid_t uid, gid_t gid, int depth)
{
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if ((st.st_uid != uid || st.st_gid != gid) && fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return 0;
    if (depth >= CHOWN_DEPTH_MAX)
        return -ELOOP;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        rc = chown_tree(fd, de->d_name, uid, gid, depth + 1);
    }
    closedir(d);
    return rc;
}

/* Closes every descriptor from lo up except keep.  Async-signal-safe. */
static void close_from(int lo, int keep, long max_fd)
{
#ifdef SYS_close_range
    bool ok = true;
    if (keep > lo && syscall(SYS_close_range, (unsigned)lo, (unsigned)keep - 1, 0u) < 0)
        ok = false;
    if (ok && syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) == 0)
        return;
#endif
    for (long fd = lo; fd < max_fd; fd++)
        if (fd != keep)
            close((int)fd);
}

extern char **environ;

/* Our environment without what systemd gave to minutesd alone: postgres
 * links libsystemd and would otherwise send its own READY=1 and STOPPING=1
 * to our service's notify socket.  Built before fork (a multithreaded
 * parent's child may only make async-signal-safe calls); the strings are
 * environ's own. */
static char **child_env(void)
{
    static const char *const drop[] = {"NOTIFY_SOCKET=", "WATCHDOG_PID=", "WATCHDOG_USEC=", "LISTEN_FDS=",
                                       "LISTEN_PID=", "LISTEN_FDNAMES=", NULL};
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    char **e = xcalloc(n + 1, sizeof *e);
    for (size_t i = 0; i < n; i++) {
        bool keep = true;
        for (int d = 0; drop[d]; d++)
            keep &= strncmp(environ[i], drop[d], strlen(drop[d])) != 0;
        if (keep)
            e[k++] = environ[i];
    }
    return e;
}

/* The forked child: becomes the cluster's user if we are root, enters pg/
 * and execs argv.  Only async-signal-safe calls from here on. */
_Noreturn static void child_exec(const struct pgembed *pg, char *const argv[], char *const envp[], int logfd,
                                 int nullfd, int errfd)
{
    struct child_report rep = {CHILD_FDS, 0};
    int out = errfd;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    /* Move our three descriptors above 2 first, so that the dup2 calls
     * below cannot overwrite one of them. */
    int ef = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
    if (ef < 0)
        goto fail;
    out = ef;
    int lf = fcntl(logfd, F_DUPFD_CLOEXEC, 3), nf = fcntl(nullfd, F_DUPFD_CLOEXEC, 3);
    if (lf < 0 || nf < 0 || dup2(nf, 0) < 0 || dup2(lf, 1) < 0 || dup2(lf, 2) < 0)
        goto fail;
    close_from(3, ef, pg->max_fd);
    if (pg->drop) {
        rep.stage = CHILD_SETGROUPS;
        if (setgroups((size_t)pg->ngroups, pg->groups) < 0)
            goto fail;
        rep.stage = CHILD_SETGID;
        if (setgid(pg->gid) < 0)
            goto fail;
        rep.stage = CHILD_SETUID;
        if (setuid(pg->uid) < 0)
            goto fail;
    }
    /* The tools create and read files under pg/ as this user; checking
     * here turns "could not create directory" deep in initdb's output into
     * a message about the path.  chdir also keeps the tools from tripping
     * over a cwd the user cannot enter (root's home, say). */
    rep.stage = CHILD_REACH;
    if (access(pg->root, R_OK | W_OK | X_OK) < 0 || chdir(pg->root) < 0)
        goto fail;
    rep.stage = CHILD_EXEC;
    execve(argv[0], argv, envp);
fail:
    rep.err = errno;
    ssize_t w = write(out, &rep, sizeof rep);
    (void)w;
    _exit(127);
}

static void child_failure(const struct pgembed *pg, const char *tool, const struct child_report *rep,
                          char *err, size_t errlen)
{
    const char *why = strerror(rep->err);
    switch (rep->stage) {
    case CHILD_SETGROUPS:
    case CHILD_SETGID:
    case CHILD_SETUID:
        set_err(err, errlen, "could not switch to user %s to run %s: %s", pg->user, tool, why);
        break;
    case CHILD_REACH:
        if (pg->drop)
            set_err(err, errlen, "user %s cannot reach %s: use a state directory it can traverse "
                    "(e.g. under /var/lib/minutesd or /tmp)", pg->user, pg->root);
        else
            set_err(err, errlen, "could not enter %s: %s", pg->root, why);
        break;
    case CHILD_EXEC:
        set_err(err, errlen, "could not run %s: %s", tool, why);
        break;
    default:
        set_err(err, errlen, "could not set up a process to run %s: %s", tool, why);
        break;
    }
}

/* Runs argv (argv[0] an absolute path) as the cluster's user with output
 * appended to setup.log, whose size before the run goes to *log_from.
 * Returns the exit status (128 + signal if killed), or -1 with err set
 * when the tool could not be run at all. */
static int run_tool(const struct pgembed *pg, char *const argv[], off_t *log_from, char *err, size_t errlen)
{
    int rc = -1, logfd = -1, nullfd = -1, pfd[2] = {-1, -1};
    logfd = open(pg->setup_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (logfd < 0) {
        set_err(err, errlen, "could not open %s: %s", pg->setup_log, strerror(errno));
        goto out;
    }
    /* Ours to write, but the cluster's user should be able to read it
     * when running pg_ctl by hand. */
    if (pg->drop && fchown(logfd, pg->uid, pg->gid) < 0) {
        set_err(err, errlen, "could not give %s to user %s: %s", pg->setup_log, pg->user, strerror(errno));
        goto out;
    }
    off_t from = lseek(logfd, 0, SEEK_END);
    if (log_from)
        *log_from = from < 0 ? 0 : from;
    nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (nullfd < 0) {
        set_err(err, errlen, "could not open /dev/null: %s", strerror(errno));
        goto out;
    }
    if (pipe(pfd) < 0 || fcntl(pfd[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(pfd[1], F_SETFD, FD_CLOEXEC) < 0) {
        set_err(err, errlen, "could not create a pipe: %s", strerror(errno));
        goto out;
    }
    char **envp = child_env();
    pid_t pid = fork();
    if (pid == 0)
        child_exec(pg, argv, envp, logfd, nullfd, pfd[1]);
    free(envp);
    if (pid < 0) {
        set_err(err, errlen, "could not start %s: %s", argv[0], strerror(errno));
        goto out;
    }
    close(pfd[1]);
    pfd[1] = -1;
    /* EOF here means the exec succeeded (the pipe is close-on-exec). */
    struct child_report rep;
    size_t got = 0;
    while (got < sizeof rep) {
        ssize_t r = read(pfd[0], (char *)&rep + got, sizeof rep - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            set_err(err, errlen, "could not wait for %s: %s", argv[0], strerror(errno));
            goto out;
        }
    }
    if (got == sizeof rep) {
        child_failure(pg, argv[0], &rep, err, errlen);
        goto out;
    }
    if (WIFEXITED(status))
        rc = WEXITSTATUS(status);
    else
        rc = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
out:
    if (logfd >= 0)
        close(logfd);
    if (nullfd >= 0)
        close(nullfd);
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    return rc;
}

/* A value for postgresql.conf: single quotes doubled.  Backslashes too,
 * although usable_path has already refused them. */
static void conf_quote(struct buf *b, const char *v)
{
    buf_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '\'' || *v == '\\')
            buf_putc(b, *v);
        buf_putc(b, *v);
    }
    buf_putc(b, '\'');
}

/* key=value for a libpq conninfo, quoted when libpq's rules need it. */
static void conn_param(struct buf *b, const char *key, const char *v)
{
    bool quote = *v == '\0' || strpbrk(v, " \t\n\r\f\v'\\") != NULL;
    buf_printf(b, "%s%s=", b->len ? " " : "", key);
    if (!quote) {
        buf_puts(b, v);
        return;
    }
    buf_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '\'' || *v == '\\')
            buf_putc(b, '\\');
        buf_putc(b, *v);
    }
    buf_putc(b, '\'');
}

static char *make_conninfo(const struct pgembed *pg, const char *dbname)
{
    struct buf b;
    buf_init(&b, 0);
    conn_param(&b, "host", pg->sockdir);
    conn_param(&b, "port", PGEMBED_PORT);
    conn_param(&b, "dbname", dbname);
    conn_param(&b, "user", PGEMBED_ROLE);
    return buf_steal(&b, NULL);
}

/* Writes path through a temporary file and rename, owned by the cluster's
 * user when we are root (the server must read it).  0 or -errno. */
static int write_file(const struct pgembed *pg, const char *path, const char *text)
{
    int rc = 0;
    char *tmp = str_printf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    size_t n = strlen(text), done = 0;
    while (done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = -errno;
            goto out;
        }
        done += (size_t)w;
    }
    if (pg->drop && fchown(fd, pg->uid, pg->gid) < 0) {
        rc = -errno;
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = -errno;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        rc = -errno;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* True if text has PGEMBED_INCLUDE as a line of its own. */
static bool has_include_line(const char *text)
{
    size_t n = strlen(PGEMBED_INCLUDE);
    for (const char *p = text; (p = strstr(p, PGEMBED_INCLUDE)) != NULL; p += n) {
        bool starts = p == text || p[-1] == '\n';
        bool ends = p[n] == '\0' || p[n] == '\n' || p[n] == '\r';
        if (starts && ends)
            return true;
    }
    return false;
}

/* Rewrites minutesd.conf (the socket directory follows the state directory
 * if it moved) and makes sure postgresql.conf includes it.  The include is
 * checked at every start rather than only after initdb, so that a crash
 * between initdb and here cannot leave a cluster listening on TCP. */
static int write_config(const struct pgembed *pg, char *err, size_t errlen)
{
    int rc = -1;
    unsigned char *conf = NULL;
    char *text = NULL;
    char *ours = str_printf("%s/minutesd.conf", pg->data);
    char *main_conf = str_printf("%s/postgresql.conf", pg->data);
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "# Written by minutesd before every start of its private cluster: edits are lost.\n"
                 "# No TCP: with only a 0700 unix socket, trust authentication admits\n"
                 "# nobody but this user and root.\n"
                 "listen_addresses = ''\n"
                 "unix_socket_directories = ");
    /* The setting is a comma-separated list whose items may be double-
     * quoted; quoting keeps a comma in the path from splitting it. */
    char *item = str_printf("\"%s\"", pg->sockdir);
    conf_quote(&b, item);
    free(item);
    buf_puts(&b, "\nunix_socket_permissions = 0700\n"
                 "port = " PGEMBED_PORT "\n"
                 "# The systemd unit forbids writable-and-executable memory, which\n"
                 "# LLVM JIT needs; our queries gain nothing from it anyway.\n"
                 "jit = off\n");
    int r = write_file(pg, ours, buf_cstr(&b));
    if (r < 0) {
        set_err(err, errlen, "could not write %s: %s", ours, strerror(-r));
        goto out;
    }
    size_t len;
    r = readfile_all(main_conf, CONF_MAX, &conf, &len);
    if (r < 0) {
        set_err(err, errlen, "could not read %s: %s", main_conf, strerror(-r));
        goto out;
    }
    text = xstrndup((const char *)conf, len);
    if (!has_include_line(text)) {
        /* Appending keeps the file's owner; last setting wins, so ours do. */
        int fd = open(main_conf, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
        const char *add = "\n# minutesd: socket-only settings, rewritten before every start\n"
                          PGEMBED_INCLUDE "\n";
        ssize_t w = fd < 0 ? -1 : write(fd, add, strlen(add));
        int saved = errno;
        if (fd >= 0 && close(fd) < 0 && w >= 0) {
            saved = errno;
            w = -1;
        }
        if (w != (ssize_t)strlen(add)) {
            set_err(err, errlen, "could not update %s: %s", main_conf, w < 0 ? strerror(saved) : "short write");
            goto out;
        }
    }
    rc = 0;
out:
    buf_free(&b);
    free(conf);
    free(text);
    free(ours);
    free(main_conf);
    return rc;
}

/* mkdir path 0700, or make an existing one 0700: with trust
 * authentication the directory modes are part of the security. */
static int private_dir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        set_err(err, errlen, "could not create %s: %s", path, strerror(errno));
        return -1;
    }
    if (chmod(path, 0700) < 0) {
        set_err(err, errlen, "could not make %s private (mode 0700): %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Creates pg/, takes the startup lock, creates pg/run and hands the
 * subtree to the cluster's user.  The lock comes before pg/run because a
 * running server may be using that.  Returns the lock's descriptor, or -1. */
static int prepare_dirs(const struct pgembed *pg, char *err, size_t errlen)
{
    int lockfd = -1;
    char *lock = str_printf("%s/minutesd.lock", pg->root);
    if (private_dir(pg->root, err, errlen) < 0)
        goto fail;
    lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (lockfd < 0) {
        set_err(err, errlen, "could not open %s: %s", lock, strerror(errno));
        goto fail;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    while (fcntl(lockfd, F_SETLKW, &fl) < 0) {
        if (errno != EINTR) {
            set_err(err, errlen, "could not lock %s: %s", lock, strerror(errno));
            goto fail;
        }
    }
    if (private_dir(pg->sockdir, err, errlen) < 0)
        goto fail;
    if (pg->drop) {
        int r = chown_tree(AT_FDCWD, pg->root, pg->uid, pg->gid, 0);
        if (r < 0) {
            set_err(err, errlen, "could not give %s to user %s: %s", pg->root, pg->user, strerror(-r));
            goto fail;
        }
    }
    free(lock);
    return lockfd;
fail:
    if (lockfd >= 0)
        close(lockfd);
    free(lock);
    return -1;
}

/* pg/owner holds the pid of the minutesd that started the server, which
 * is the one to stop it.  A running server whose owner is gone (killed, or
 * a stop that ran out of time) is adopted, so it is stopped by whoever
 * finds it next instead of running unowned for ever. */
static void claim(struct pgembed *pg)
{
    char *owner = str_printf("%s/owner", pg->root), pid[32];
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    write_file(pg, owner, pid);
    free(owner);
}

static bool owner_gone(const struct pgembed *pg)
{
    char *owner = str_printf("%s/owner", pg->root);
    FILE *f = fopen(owner, "r");
    long pid = 0;
    bool gone = false;
    if (f) {
        gone = fscanf(f, "%ld", &pid) == 1 && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
        fclose(f);
    }
    free(owner);
    return gone;
}

/* initdb if needed, then start the server unless it is already running. */
static int start_server(struct pgembed *pg, char *err, size_t errlen)
{
    char line[512];
    off_t from = 0;
    int rc = -1, st;
    char *version = str_printf("%s/PG_VERSION", pg->data);
    struct stat sb;
    if (stat(version, &sb) < 0) {
        if (errno != ENOENT) {
            set_err(err, errlen, "could not access %s: %s", version, strerror(errno));
            goto out;
        }
        char *initdb[] = {pg->initdb, "-D", pg->data, "-U", PGEMBED_ROLE, "-A", "trust",
                          "-E", "UTF8", "--no-locale", NULL};
        st = run_tool(pg, initdb, &from, err, errlen);
        if (st < 0)
            goto out;
        if (st != 0) {
            log_tail(pg->setup_log, from, line, sizeof line);
            set_err(err, errlen, "could not create a PostgreSQL cluster in %s: %s (see %s)", pg->data,
                    line[0] ? line : "initdb failed", pg->setup_log);
            goto out;
        }
    }
    char *status[] = {pg->pg_ctl, "-D", pg->data, "status", NULL};
    st = run_tool(pg, status, NULL, err, errlen);
    if (st < 0)
        goto out;
    if (st == 0) {
        /* another minutesd started it: use it, leave it running - unless
         * that one is gone */
        if (owner_gone(pg)) {
            pg->started = true;
            claim(pg);
        }
        rc = 0;
        goto out;
    }
    if (write_config(pg, err, errlen) < 0)
        goto out;
    off_t server_from = file_size(pg->server_log);
    char *start[] = {pg->pg_ctl, "-D", pg->data, "-l", pg->server_log, "-w",
                     "-t", PGEMBED_START_TIMEOUT, "start", NULL};
    st = run_tool(pg, start, &from, err, errlen);
    if (st < 0)
        goto out;
    if (st != 0) {
        /* pg_ctl itself says only "examine the log output". */
        log_tail(pg->server_log, server_from, line, sizeof line);
        if (!line[0])
            log_tail(pg->setup_log, from, line, sizeof line);
        set_err(err, errlen, "could not start PostgreSQL in %s: %s (see %s)", pg->data,
                line[0] ? line : "pg_ctl start failed", pg->server_log);
        /* A server that missed the deadline may still come up; it must
         * not linger unowned. */
        char *stop[] = {pg->pg_ctl, "-D", pg->data, "-m", "immediate", "-w", "stop", NULL};
        char ignored[256];
        run_tool(pg, stop, NULL, ignored, sizeof ignored);
        goto out;
    }
    pg->started = true;
    claim(pg);
    rc = 0;
out:
    free(version);
    return rc;
}

/* 1 if database "minutes" exists, 0 if not, -1 on error (*res kept for
 * the message). */
static int database_exists(PGconn *conn, PGresult **res)
{
    const char *params[1] = {PGEMBED_DB};
    PQclear(*res);
    *res = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(*res) != PGRES_TUPLES_OK)
        return -1;
    return PQntuples(*res) > 0;
}

/* CREATE DATABASE minutes unless it exists.  Other minutesd processes wait
 * for our lock, but something else may create it meanwhile; two concurrent
 * CREATEs do not both get duplicate_database (42P04), the loser may get a
 * unique violation on pg_database instead, so after any failure we look
 * again before calling it one. */
static int ensure_database(const struct pgembed *pg, char *err, size_t errlen)
{
    int rc = -1;
    char msg[512];
    PGresult *res = NULL;
    char *ci = make_conninfo(pg, "postgres");
    PGconn *conn = PQconnectdb(ci);
    if (PQstatus(conn) != CONNECTION_OK) {
        const char *m = PQerrorMessage(conn);
        copy_line(msg, sizeof msg, m, strlen(m));
        set_err(err, errlen, "could not connect to the private PostgreSQL in %s: %s", pg->sockdir, msg);
        goto out;
    }
    int exists = database_exists(conn, &res);
    if (exists != 0) {
        rc = exists > 0 ? 0 : -1;
        goto failed;
    }
    PQclear(res);
    res = PQexec(conn, "CREATE DATABASE " PGEMBED_DB);
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        rc = 0;
        goto out;
    }
    PGresult *create = res;
    res = NULL;
    if (database_exists(conn, &res) > 0)
        rc = 0;
    PQclear(res);
    res = create;
failed:
    if (rc < 0) {
        const char *m = PQresultErrorMessage(res);
        copy_line(msg, sizeof msg, m, strlen(m));
        set_err(err, errlen, "could not create database \"" PGEMBED_DB "\" in %s: %s", pg->sockdir, msg);
    }
out:
    PQclear(res);
    PQfinish(conn);
    free(ci);
    return rc;
}

struct pgembed *pgembed_start(const char *state_dir, char *err, size_t errlen)
{
    struct pgembed *pg = NULL;
    char *abs = NULL;
    int lockfd = -1;
    bool ok = false;
    set_err(err, errlen, "%s", "");
    if (!state_dir || !*state_dir) {
        set_err(err, errlen, "no state directory given: set one in the config");
        goto out;
    }
    int r = mkdir_p(state_dir);
    if (r < 0) {
        set_err(err, errlen, "could not create state directory %s: %s", state_dir, strerror(-r));
        goto out;
    }
    abs = realpath(state_dir, NULL);
    if (!abs) {
        set_err(err, errlen, "could not resolve state directory %s: %s", state_dir, strerror(errno));
        goto out;
    }
    if (!usable_path(abs)) {
        set_err(err, errlen, "cannot use state directory %s for PostgreSQL: pg_ctl and libpq cannot handle "
                "\", $, `, backslashes, commas or control characters in its path; use a plainer path", abs);
        goto out;
    }
    size_t sock_len = strlen(abs) + strlen(PGEMBED_SOCKET_TAIL);
    if (sock_len > SOCKET_PATH_MAX) {
        set_err(err, errlen, "state directory %s is too long: the socket path %s" PGEMBED_SOCKET_TAIL
                " would be %zu bytes, unix sockets allow %zu; use a shorter state directory",
                abs, abs, sock_len, (size_t)SOCKET_PATH_MAX);
        goto out;
    }
    pg = xcalloc(1, sizeof *pg);
    pg->root = str_printf("%s/pg", abs);
    pg->data = str_printf("%s/data", pg->root);
    pg->sockdir = str_printf("%s/run", pg->root);
    pg->server_log = str_printf("%s/server.log", pg->root);
    pg->setup_log = str_printf("%s/setup.log", pg->root);
    pg->conninfo = make_conninfo(pg, PGEMBED_DB);
    long max_fd = sysconf(_SC_OPEN_MAX);
    pg->max_fd = max_fd <= 0 || max_fd > CLOSE_LOOP_MAX ? CLOSE_LOOP_MAX : max_fd;
    if (!find_tools(pg)) {
        set_err(err, errlen, "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql "
                "or set database in the config");
        goto out;
    }
    if (pick_user(pg, err, errlen) < 0)
        goto out;
    lockfd = prepare_dirs(pg, err, errlen);
    if (lockfd < 0)
        goto out;
    /* Still under the lock: two CREATE DATABASE at once do not fail
     * cleanly (see ensure_database). */
    if (start_server(pg, err, errlen) < 0 || ensure_database(pg, err, errlen) < 0)
        goto out;
    ok = true;
out:
    /* A server we started for nothing is stopped before the lock goes, so
     * a process waiting for the lock cannot start using it meanwhile. */
    if (!ok) {
        pgembed_stop(pg);
        pg = NULL;
    }
    if (lockfd >= 0)
        close(lockfd);
    free(abs);
    return pg;
}

const char *pgembed_conninfo(const struct pgembed *pg)
{
    return pg->conninfo;
}

void pgembed_stop(struct pgembed *pg)
{
    if (!pg)
        return;
    if (pg->started) {
        /* Nobody to tell if this fails: setup.log has pg_ctl's output. */
        char *stop[] = {pg->pg_ctl, "-D", pg->data, "-m", "fast", "-w", "stop", NULL};
        char ignored[256];
        run_tool(pg, stop, NULL, ignored, sizeof ignored);
        char *owner = str_printf("%s/owner", pg->root);
        unlink(owner);
        free(owner);
    }
    free(pg->root);
    free(pg->data);
    free(pg->sockdir);
    free(pg->server_log);
    free(pg->setup_log);
    free(pg->initdb);
    free(pg->pg_ctl);
    free(pg->conninfo);
    free(pg->user);
    free(pg->groups);
    free(pg);
}
