/*
 * progress: see progress.h.
 */
#include "progress.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct progress {
    FILE *out;
    size_t total;
    double start, last;
    int width;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress *progress_create(FILE *out, size_t total)
{
    struct winsize ws;
    if (!isatty(fileno(out)))
        return NULL;
    struct progress *p = xcalloc(1, sizeof *p);
    p->out = out;
    p->total = total;
    p->start = mono();
    p->last = -1;
    p->width = ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 ? ws.ws_col : 80;
    return p;
}

void progress_destroy(struct progress *p)
{
    if (!p)
        return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    free(p);
}

void progress_render(char *buf, size_t len, size_t done, size_t total, double elapsed, int width)
{
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    char eta[32] = "--:--";
    if (rate > 0 && done < total) {
        long s = (long)((double)(total - done) / rate + 0.5);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    } else if (done >= total) {
        snprintf(eta, sizeof eta, "0:00");
    }
    char tail[96];
    int tl = snprintf(tail, sizeof tail, " %zu/%zu  %.0f docs/s  ETA %s", done, total, rate, eta);
    int bar = width - tl - 3;
    if (bar < 10)
        bar = 10;
    if (bar > 60)
        bar = 60;
    int fill = total ? (int)((double)bar * (double)done / (double)total) : bar;
    if (fill > bar)
        fill = bar;
    size_t o = 0;
    if (len < (size_t)bar + 3 + (size_t)tl + 1) {
        snprintf(buf, len, "%s", tail + 1);
        return;
    }
    buf[o++] = '[';
    for (int i = 0; i < bar; i++)
        buf[o++] = i < fill ? '#' : '.';
    buf[o++] = ']';
    snprintf(buf + o, len - o, "%s", tail);
}

void progress_update(struct progress *p, size_t done)
{
    char line[256];
    double now;
    if (!p)
        return;
    now = mono();
    if (done < p->total && now - p->last < 0.1)
        return;
    p->last = now;
    progress_render(line, sizeof line, done, p->total, now - p->start, p->width);
    fprintf(p->out, "\r\033[K%s", line);
    fflush(p->out);
}
