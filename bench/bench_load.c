/*
 * bench_load: loading throughput against a real PostgreSQL, and the limit.
 *
 *   bench_load [DOCS] [THREADS] [BATCH]     (defaults 10000, 2, 32)
 *
 * Builds DOCS variants of the seeds (tests/data/seeds): each is the seed's
 * bytes plus a line that makes them a document of their own, with the
 * meeting's body and date changed in the model so that they are different
 * meetings, as a backlog of many committees would be.  THREADS workers, each
 * with its own connection and loader, run the whole path - pipeline, JSON,
 * load, events - and the figure is documents per second of wall time.
 *
 * Then, for the limit, the same rows are copied out of every table and
 * COPYed into empty copies of the tables (same indexes, generated full-text
 * column included) in one transaction: documents per second of that COPY
 * is what PostgreSQL itself can take, and the ratio is printed.
 *
 * The database: libpq's environment (PGHOST …) if set - a fresh database
 * is created and dropped there - else a private cluster in a temporary
 * directory, stopped at the end.  Not a test: it prints figures.
 */
#include "benchutil.h"
#include "db.h"
#include "loader.h"
#include "migrate.h"
#include "model.h"
#include "pgembed.h"
#include "pipeline.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


static struct bench_doc seeds[16];
static size_t nseeds;
static char conninfo[512];
static int total_docs = 10000, nthreads = 2, batch = 32;

struct worker {
    pthread_t th;
    int index;
    size_t loaded, failed;
    double parse_s;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_outcome(void *ud, const char *tag, const struct loader_outcome *o)
{
    struct worker *w = ud;
    (void)tag;
    if (o->status == LOADER_LOADED)
        w->loaded++;
    else
        w->failed++;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    char err[1024];
    PGconn *c = db_connect(conninfo, err, sizeof err);
    if (!c) {
        fprintf(stderr, "bench_load: %s\n", err);
        return NULL;
    }
    struct loader *l = loader_create(c, batch, on_outcome, w);
    unsigned char *buf = xmalloc(1 << 20);
    for (int k = w->index; k < total_docs; k += nthreads) {
        const struct bench_doc *s = &seeds[(size_t)k % nseeds];
        double t0 = now();
        memcpy(buf, s->data, s->len);
        int extra = snprintf((char *)buf + s->len, 64, "\nVariant %d.\n", k);
        enum stage_result res;
        struct md_doc *doc = pipeline_run(buf, s->len + (size_t)extra, s->name, NULL, NULL, &res);
        /* another committee on another day */
        char body[512], date[16];
        int variant = k / (int)nseeds;
        snprintf(body, sizeof body, "%s %d", doc->meeting.body ? doc->meeting.body : "Udvalg", variant % 97);
        struct tm tm = {.tm_year = 120, .tm_mon = 0, .tm_mday = 1 + variant / 97, .tm_hour = 12};
        mktime(&tm);   /* normalises day 40 of January into February */
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
        doc->meeting.body = model_strdup(doc, body);
        doc->meeting.date = model_strdup(doc, date);
        w->parse_s += now() - t0;
        if (loader_add(l, doc, res, s->name, err, sizeof err) < 0) {
            fprintf(stderr, "bench_load: %s\n", err);
            model_destroy(doc);
            break;
        }
        model_destroy(doc);
    }
    if (loader_flush(l, err, sizeof err) < 0)
        fprintf(stderr, "bench_load: %s\n", err);
    loader_destroy(l);
    free(buf);
    PQfinish(c);
    return NULL;
}

static PGresult *must(PGconn *c, PGresult *r, const char *what)
{
    if (!r || (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK &&
               PQresultStatus(r) != PGRES_COPY_OUT && PQresultStatus(r) != PGRES_COPY_IN)) {
        fprintf(stderr, "bench_load: %s: %s", what, PQerrorMessage(c));
        exit(1);
    }
    return r;
}

/* COPY every table's rows out (untimed) and into empty copies (timed). */
static double copy_limit(PGconn *c, size_t *rows_out, size_t *bytes_out)
{
    static const char *const tables[] = {"documents", "meetings", "versions", "participants", "items",
                                         "attachments", "amounts", "issues", "events"};
    struct buf data[9];
    char cols[9][1024];
    size_t rows = 0;

    PQclear(must(c, PQexec(c, "DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy"), "schema"));
    for (int t = 0; t < 9; t++) {
        char sql[12288];
        const char *params[1] = {tables[t]};
        /* our own table names; the column list comes from the catalog */
        PGresult *r = must(c, PQexecParams(c,
            "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = ('minutes.' || $1)::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
            1, NULL, params, NULL, NULL, 0), "columns");
        snprintf(cols[t], sizeof cols[t], "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        snprintf(sql, sizeof sql, "CREATE TABLE bench_copy.%s (LIKE minutes.%s INCLUDING ALL)", tables[t], tables[t]);
        PQclear(must(c, PQexec(c, sql), "create"));
        snprintf(sql, sizeof sql, "COPY (SELECT %s FROM minutes.%s) TO STDOUT", cols[t], tables[t]);
        PQclear(must(c, PQexec(c, sql), "copy out"));
        buf_init(&data[t], 0);
        char *line;
        int n;
        while ((n = PQgetCopyData(c, &line, 0)) > 0) {
            buf_append(&data[t], line, (size_t)n);
            PQfreemem(line);
            rows++;
        }
        PQclear(PQgetResult(c));
    }
    size_t bytes = 0;
    double t0 = now();
    PQclear(must(c, PQexec(c, "BEGIN"), "begin"));
    for (int t = 0; t < 9; t++) {
        char sql[12288];
        double tt = now();
        snprintf(sql, sizeof sql, "COPY bench_copy.%s (%s) FROM STDIN", tables[t], cols[t]);
        PQclear(must(c, PQexec(c, sql), "copy in"));
        if (data[t].len && PQputCopyData(c, data[t].data, (int)data[t].len) != 1) {
            fprintf(stderr, "bench_load: copy: %s", PQerrorMessage(c));
            exit(1);
        }
        PQputCopyEnd(c, NULL);
        PQclear(must(c, PQgetResult(c), "copy end"));
        bytes += data[t].len;
        if (getenv("BENCH_VERBOSE"))
            printf("  COPY %-12s %7.1f MB %6.2f s\n", tables[t], (double)data[t].len / 1e6, now() - tt);
        buf_free(&data[t]);
    }
    PQclear(must(c, PQexec(c, "COMMIT"), "commit"));
    double dt = now() - t0;
    PQclear(must(c, PQexec(c, "DROP SCHEMA bench_copy CASCADE"), "drop"));
    *rows_out = rows;
    *bytes_out = bytes;
    return dt;
}

int main(int argc, char **argv)
{
    char err[1024], dbname[64] = "";
    char state[] = "/tmp/minutesd-bench-XXXXXX";
    struct pgembed *embed = NULL;
    PGconn *admin = NULL, *c = NULL;

    if (argc > 1)
        total_docs = atoi(argv[1]);
    if (argc > 2)
        nthreads = atoi(argv[2]);
    if (argc > 3)
        batch = atoi(argv[3]);
    if (total_docs < 1 || nthreads < 1 || nthreads > 16 || batch < 1 || batch > 1000) {
        fprintf(stderr, "usage: bench_load [DOCS] [THREADS 1-16] [BATCH 1-1000]\n");
        return 2;
    }
    nseeds = bench_load_docs("tests/data/seeds", seeds, 16, 64);
    if (!nseeds) {
        fprintf(stderr, "bench_load: tests/data/seeds: no seeds (run from the source tree)\n");
        return 2;
    }
    if (getenv("PGHOST") || getenv("PGSERVICE") || getenv("PGDATABASE")) {
        admin = db_connect("", err, sizeof err);
        if (!admin) {
            fprintf(stderr, "bench_load: %s\n", err);
            return 1;
        }
        snprintf(dbname, sizeof dbname, "minutesd_bench_%d", (int)getpid());
        char sql[128];
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
        PQclear(must(admin, PQexec(admin, sql), "create database"));
        snprintf(conninfo, sizeof conninfo, "dbname=%s", dbname);
    } else {
        /* 0755: as root, the cluster runs as another user that must enter it */
        if (!mkdtemp(state) || chmod(state, 0755) < 0) {
            perror("bench_load: mkdtemp");
            return 1;
        }
        embed = pgembed_start(state, err, sizeof err);
        if (!embed) {
            fprintf(stderr, "bench_load: %s\n", err);
            return 1;
        }
        snprintf(conninfo, sizeof conninfo, "%s", pgembed_conninfo(embed));
    }
    c = db_connect(conninfo, err, sizeof err);
    if (!c || migrate_apply(c, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "bench_load: %s\n", err);
        return 1;
    }

    printf("load: %d documents (variants of %zu seeds), %d connection%s, %d documents per transaction\n",
           total_docs, nseeds, nthreads, nthreads == 1 ? "" : "s", batch);
    struct worker w[16];
    memset(w, 0, sizeof w);
    double t0 = now();
    for (int i = 0; i < nthreads; i++) {
        w[i].index = i;
        pthread_create(&w[i].th, NULL, work, &w[i]);
    }
    size_t loaded = 0, failed = 0;
    double parse_s = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(w[i].th, NULL);
        loaded += w[i].loaded;
        failed += w[i].failed;
        parse_s += w[i].parse_s;
    }
    double dt = now() - t0;
    double rate = (double)(loaded + failed) / dt;
    printf("minutesd load  %6zu loaded, %zu failed in %6.2f s  %8.0f docs/s  (pipeline %.2f s of thread time)\n",
           loaded, failed, dt, rate, parse_s);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS       %.1f MB (this process, after loading)\n", (double)ru.ru_maxrss / 1024.0);

    size_t rows, bytes;
    double ct = copy_limit(c, &rows, &bytes);
    double crate = (double)(loaded + failed) / ct;
    printf("COPY limit     %6zu rows, %.1f MB in %6.2f s  %8.0f docs/s\n", rows, (double)bytes / 1e6, ct, crate);
    printf("ratio          %.2f of COPY\n", rate / crate);

    PQfinish(c);
    if (admin) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", dbname);
        PQclear(must(admin, PQexec(admin, sql), "drop database"));
        PQfinish(admin);
    }
    if (embed) {
        pgembed_stop(embed);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", state);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_load: could not remove %s\n", state);
    }
    for (size_t i = 0; i < nseeds; i++)
        free(seeds[i].data);
    return 0;
}
