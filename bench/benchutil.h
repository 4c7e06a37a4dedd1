/*
 * benchutil: what the benchmarks share - reading the seed documents.
 */
#ifndef MINUTESD_BENCHUTIL_H
#define MINUTESD_BENCHUTIL_H

#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

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

#endif
