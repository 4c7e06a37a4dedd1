/*
 * log: see log.h.
 */
#include "log.h"

#include "commands.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static atomic_int log_level = CONFIG_LOG_INFO;
static atomic_int log_format = CONFIG_LOG_TEXT;
static atomic_int log_journal = -1;   /* -1: not yet checked */

/* Is stderr the journal?  systemd says so in JOURNAL_STREAM=DEV:INODE,
 * which must match stderr itself: a child whose stderr was redirected
 * inherits the variable but not the stream. */
static int on_journal(void)
{
    int j = atomic_load(&log_journal);
    if (j >= 0)
        return j;
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    j = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
        (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
    atomic_store(&log_journal, j);
    return j;
}

void log_setup(enum config_log_level level, enum config_log_format format)
{
    atomic_store(&log_level, (int)level);
    atomic_store(&log_format, (int)format);
}

int log_enabled(enum config_log_level level)
{
    return (int)level <= atomic_load(&log_level);
}

static void write_all(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;   /* nowhere left to say it */
        s += w;
        n -= (size_t)w;
    }
}

void log_msg(enum config_log_level level, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 128], stamp[40];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    int n;

    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* one event, one line, whatever the message carried */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = (int)strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - (size_t)n, ".%03ldZ", ts.tv_nsec / 1000000L);

    const char *name = config_log_level_str(level);
    bool journal = on_journal();
    if (atomic_load(&log_format) == CONFIG_LOG_JSON) {
        /* jansson takes only UTF-8, and a file name may be anything */
        char *clean = utf8_copy(msg);
        json_t *o = json_pack("{s:s, s:s, s:s}", "time", stamp, "level", name, "msg", clean ? clean : "");
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (journal)
            n = snprintf(line, sizeof line, "<%d>%s\n", (int)level, s ? s : "{}");
        else
            n = snprintf(line, sizeof line, "%s\n", s ? s : "{}");
        free(s);
        free(clean);
        json_decref(o);
    } else if (journal) {
        n = snprintf(line, sizeof line, "<%d>%s\n", (int)level, msg);
    } else {
        n = snprintf(line, sizeof line, "%s %-7s %s\n", stamp, name, msg);
    }
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    write_all(line, (size_t)n);
}
