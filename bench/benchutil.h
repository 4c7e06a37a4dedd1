/*
 * benchutil: what the benchmarks share - reading the seed documents, making
 * each a new meeting, and the peak RSS of a process.
 */
#ifndef MINUTESD_BENCHUTIL_H
#define MINUTESD_BENCHUTIL_H

#include "model.h"
#include "pipeline.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct bench_doc {
    unsigned char *data;   /* xmalloc'd, len + slack bytes */
    size_t len;
    char name[256];
};

/* Reads up to max *.txt files of dir, each with slack spare bytes after
 * its data (room to append a variant line).  Returns how many. */
static inline size_t bench_load_docs(const char *dir, struct bench_doc *docs, size_t max, size_t slack)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        docs[n].data = xmalloc((size_t)sz + slack + 1);
        docs[n].len = fread(docs[n].data, 1, (size_t)sz, f);
        snprintf(docs[n].name, sizeof docs[n].name, "%s", e->d_name);
        fclose(f);
        n++;
    }
    closedir(d);
    return n;
}

/* A seed with the position right after its committee's name (the body the
 * parser finds), where a variant inserts " N": every variant is then a
 * meeting of its own, as a backlog of many committees would be. */
struct bench_seed {
    struct bench_doc d;
    size_t at;
};

/* Reads the seeds of dir that parse and whose body is found in their text.
 * Returns how many (0: none usable). */
static inline size_t bench_load_seeds(const char *dir, struct bench_seed *seeds, size_t max)
{
    struct bench_doc docs[16];
    size_t n = bench_load_docs(dir, docs, max < 16 ? max : 16, 0), k = 0;
    for (size_t i = 0; i < n; i++) {
        enum stage_result res;
        struct md_doc *doc = pipeline_run(docs[i].data, docs[i].len, docs[i].name, NULL, NULL, &res);
        const char *body = doc->meeting.body;
        const char *hit = NULL, *t = (const char *)docs[i].data;
        size_t bl = body ? strlen(body) : 0;
        for (size_t o = 0; body && bl && !hit && o + bl <= docs[i].len; o++)
            if (memcmp(t + o, body, bl) == 0)
                hit = t + o;
        if (res == STAGE_OK && hit) {
            seeds[k].d = docs[i];
            seeds[k].at = (size_t)(hit - (const char *)docs[i].data) + strlen(body);
            k++;
        } else {
            free(docs[i].data);
        }
        model_destroy(doc);
    }
    return k;
}

/* Writes variant k of seed s to f (the caller opens and closes it). */
static inline void bench_write_variant(FILE *f, const struct bench_seed *s, int k)
{
    char tag[32];
    int tl = snprintf(tag, sizeof tag, " %d", k);
    fwrite(s->d.data, 1, s->at, f);
    fwrite(tag, 1, (size_t)tl, f);
    fwrite(s->d.data + s->at, 1, s->d.len - s->at, f);
}

/* Peak resident set of process pid (VmHWM) in kB, or -1. */
static inline long bench_vm_hwm_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

#endif
