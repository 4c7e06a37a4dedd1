/*
 * ingest: `minutesd ingest FILE|DIR…` - the pipeline and the loader, once.
 *
 * Directories are read one level deep, in name order, skipping what an
 * editor or a copier leaves behind (dotfiles, *.tmp, *.part, *~, .#*,
 * *.swp), so two ingest runs over the same directory see the same files in
 * the same order: they then queue on the same first document instead of
 * deadlocking on each other's.  Each document prints one line when its
 * transaction has committed.
 */
#include "commands.h"
#include "extract.h"
#include "inbox.h"
#include "loader.h"
#include "progress.h"
#include "readfile.h"
#include "session.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct paths {
    char **v;
    size_t n, cap;
};

struct tally {
    size_t loaded, failed, duplicate, events;
    struct progress *bar;   /* NULL unless stderr is a terminal */
};

static void paths_add(struct paths *p, const char *s)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = xstrndup(s, strlen(s));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir(struct paths *p, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t first = p->n;

    if (!d) {
        fprintf(stderr, "minutesd: %s: could not open directory: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d))) {
        if (inbox_temporary_name(e->d_name))
            continue;
        char path[4096];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
            continue;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            paths_add(p, path);
    }
    closedir(d);
    if (p->n > first + 1)
        qsort(p->v + first, p->n - first, sizeof *p->v, cmp_str);
    return 0;
}

static void report(void *ud, const char *tag, const struct loader_outcome *o)
{
    struct tally *t = ud;
    /* with the bar on the terminal, only what needs a person's eye gets a
     * line of its own; a redirected stdout still gets every line */
    bool quiet = t->bar && isatty(STDOUT_FILENO) && o->status != LOADER_FAILED;
    t->events += (size_t)o->events;
    if (t->bar && !quiet)
        fputs("\r\033[K", stderr);
    switch (o->status) {
    case LOADER_LOADED:
        t->loaded++;
        if (!quiet)
            printf("%s: loaded as document %lld (%d event%s)\n", tag, o->document_id, o->events,
               o->events == 1 ? "" : "s");
        break;
    case LOADER_FAILED:
        t->failed++;
        printf("%s: failed: %s (recorded as document %lld)\n", tag, o->error ? o->error : "?", o->document_id);
        break;
    case LOADER_DUPLICATE:
    case LOADER_UNCHANGED:
        t->duplicate++;
        if (!quiet)
            printf("%s: already loaded, nothing to do\n", tag);
        break;
    }
    fflush(stdout);
    progress_update(t->bar, t->loaded + t->failed + t->duplicate);
}

static void usage(void)
{
    fputs("usage: minutesd ingest [--config FILE] [--db CONNINFO] [--state-dir DIR] [--batch N] FILE|DIR...\n",
          stderr);
}

int ingest_main(int argc, char **argv)
{
    struct session_opts so = {0};
    struct session *s = NULL;
    struct loader *l = NULL;
    struct paths paths = {0};
    struct tally t = {0};
    char err[1024];
    int status = 0, batch = 0, unreadable = 0;
    double t0;
    struct timespec ts;

    argc = session_parse_args(argc, argv, &so, err, sizeof err);
    if (argc < 0) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            batch = atoi(argv[++i]);
            if (batch < 1 || batch > 1000) {
                fprintf(stderr, "minutesd: --batch must be from 1 to 1000\n");
                status = EXIT_USAGE;
                goto out;
            }
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "minutesd: unknown option \"%s\"\n", argv[i]);
            usage();
            status = EXIT_USAGE;
            goto out;
        }
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "minutesd: %s: %s\n", argv[i], strerror(errno));
            status = EXIT_USAGE;
            goto out;
        }
        if (S_ISDIR(st.st_mode)) {
            if (add_dir(&paths, argv[i]) < 0) {
                status = EXIT_USAGE;
                goto out;
            }
        } else {
            paths_add(&paths, argv[i]);
        }
    }
    if (argc == 0) {
        usage();
        status = EXIT_USAGE;
        goto out;
    }
    s = session_open(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "minutesd: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    l = loader_create(session_conn(s), batch ? batch : session_config(s)->batch, report, &t);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    t.bar = progress_create(stderr, paths.n);
    for (size_t i = 0; i < paths.n; i++) {
        const char *path = paths.v[i];
        unsigned char *data = NULL;
        size_t len = 0;
        int rc = readfile_all(path, PIPELINE_MAX_BYTES, &data, &len);
        if (rc < 0) {
            /* not a document the pipeline can see: nothing to record it by */
            if (t.bar)
                fputs("\r\033[K", stderr);
            if (rc == -EFBIG)
                fprintf(stderr, "minutesd: %s: cannot load: larger than %zu MiB\n", path, PIPELINE_MAX_BYTES >> 20);
            else
                fprintf(stderr, "minutesd: %s: could not read file: %s\n", path, strerror(-rc));
            unreadable++;
            progress_update(t.bar, t.loaded + t.failed + t.duplicate + (size_t)unreadable);
            continue;
        }
        const char *base = strrchr(path, '/');
        char *uri = file_uri(path);
        char *name = utf8_copy(base ? base + 1 : path);
        enum stage_result res;
        struct md_doc *doc = extract_pipeline(data, len, name, uri, NULL, &res);
        free(name);
        free(uri);
        free(data);
        rc = loader_add(l, doc, res, path, err, sizeof err);
        model_destroy(doc);
        if (rc < 0) {
            fprintf(stderr, "minutesd: %s\n", err);
            status = EXIT_USAGE;
            goto out;
        }
    }
    if (loader_flush(l, err, sizeof err) < 0) {
        fprintf(stderr, "minutesd: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    progress_destroy(t.bar);
    t.bar = NULL;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double dt = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t0;
    size_t done = t.loaded + t.failed + t.duplicate;
    fprintf(stderr, "minutesd: %zu document%s: %zu loaded, %zu failed, %zu already loaded, %zu events, in %.2f s (%.0f docs/s)\n",
            done, done == 1 ? "" : "s", t.loaded, t.failed + (size_t)unreadable, t.duplicate, t.events, dt,
            dt > 0 ? (double)done / dt : 0.0);
    if (t.failed || unreadable)
        status = EXIT_REJECTED;
out:
    progress_destroy(t.bar);
    loader_destroy(l);
    session_close(s);
    for (size_t i = 0; i < paths.n; i++)
        free(paths.v[i]);
    free(paths.v);
    return status;
}
