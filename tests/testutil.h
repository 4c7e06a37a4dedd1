/*
 * testutil: what several test files need - read a whole file (the tests
 * may do I/O; the pipeline may not).
 */
#ifndef MINUTESD_TESTUTIL_H
#define MINUTESD_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

/* The whole file (NUL-terminated, new: free()); fails the test if unreadable. */
static inline unsigned char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    struct buf b;
    buf_init(&b, 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return (unsigned char *)buf_steal(&b, len);
}

/* A file under tests/data. */
static inline unsigned char *test_data_file(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, rel);
    return test_read_file(path, len);
}

/* Reproducible pseudo-random bytes (an LCG: the same bytes on every run). */
static inline void test_random_bytes(unsigned char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = (unsigned char)(seed >> 16);
    }
}

/* An arena per test, for suites whose cases parse into one:
 * TestSuite(x, .init = test_arena_setup, .fini = test_arena_teardown). */
static struct arena *test_arena;

static inline void test_arena_setup(void)
{
    test_arena = arena_create();
}

static inline void test_arena_teardown(void)
{
    arena_destroy(test_arena);
    test_arena = NULL;
}

#endif
