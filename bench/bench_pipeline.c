/*
 * bench_pipeline: pipeline throughput on one core.
 *
 *   bench_pipeline [SEED_DIR] [MIN_MB]
 *
 * Loads every *.txt in SEED_DIR (default tests/data/seeds), repeats them
 * until at least MIN_MB (default 50) MB would be processed, then runs the
 * whole pipeline (decode, parse, enrich, validate) over every copy twice:
 * once building the JSON, once without.  Prints MB/s, docs/s, per-document
 * p50/p99 latency and peak RSS.  Not a test: it prints figures.
 */
#include "benchutil.h"
#include "model.h"
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>


static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void run(const char *label, struct bench_doc *docs, size_t ndocs, size_t reps, int json)
{
    size_t total = 0, out_bytes = 0, count = ndocs * reps;
    double *lat = xmalloc(count * sizeof *lat);
    struct buf out;
    buf_init(&out, 0);
    double t0 = now();
    size_t k = 0;
    for (size_t r = 0; r < reps; r++) {
        for (size_t i = 0; i < ndocs; i++) {
            double a = now();
            enum stage_result res;
            struct md_doc *m = pipeline_run(docs[i].data, docs[i].len, docs[i].name, NULL, NULL, &res);
            if (json) {
                buf_reset(&out);
                model_json(m, &out, false);
                out_bytes += out.len;
            }
            model_destroy(m);
            lat[k++] = now() - a;
            total += docs[i].len;
        }
    }
    double dt = now() - t0;
    qsort(lat, count, sizeof *lat, cmp_double);
    printf("%-14s %8.1f MB in %6.2f s  %8.1f MB/s  %9.0f docs/s  p50 %7.1f us  p99 %7.1f us",
           label, (double)total / 1e6, dt, (double)total / 1e6 / dt, (double)count / dt,
           lat[count / 2] * 1e6, lat[count * 99 / 100] * 1e6);
    if (json)
        printf("  json %.1f MB", (double)out_bytes / 1e6);
    printf("\n");
    buf_free(&out);
    free(lat);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/data/seeds";
    double min_mb = argc > 2 ? atof(argv[2]) : 50.0;
    struct bench_doc docs[256];
    size_t n = bench_load_docs(dir, docs, 256, 0);
    if (!n) {
        fprintf(stderr, "bench_pipeline: %s: no *.txt documents\n", dir);
        return 2;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += docs[i].len;
    size_t reps = (size_t)(min_mb * 1e6 / (double)bytes) + 1;
    printf("pipeline: %zu documents (%zu bytes) x %zu repetitions, one core\n", n, bytes, reps);
    run("without json", docs, n, reps, 0);
    run("with json", docs, n, reps, 1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    for (size_t i = 0; i < n; i++)
        free(docs[i].data);
    return 0;
}
