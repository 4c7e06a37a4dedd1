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

#endif
