/*
 * `minutesd parse` as a user runs it: the real binary, its exit codes, its
 * stdout (one JSON model per file) and its one-line errors on stderr.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "util.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/minutesd-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static char *read_all(const char *path)
{
    size_t n;
    return (char *)test_read_file(path, &n);
}

/* Runs "minutesd ARGS", returns the exit status; stdout/stderr captured. */
static int run(const char *args, char **out, char **err)
{
    char cmd[2048], o[300], e[300];
    snprintf(o, sizeof o, "%s/stdout", tmpdir);
    snprintf(e, sizeof e, "%s/stderr", tmpdir);
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", MINUTESD_BIN, args, o, e);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "minutesd did not exit normally: %s", cmd);
    *out = read_all(o);
    *err = read_all(e);
    return WEXITSTATUS(st);
}

static void write_file(const char *name, const void *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(data, 1, n, f);
    fclose(f);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

TestSuite(cli, .init = setup, .fini = teardown);

Test(cli, parse_prints_the_model)
{
    char *out, *err, args[600];
    snprintf(args, sizeof args, "parse '%s/seeds/001_7b1df9de962b88b2.txt'", TEST_DATA_DIR);
    cr_expect_eq(run(args, &out, &err), 0, "stderr: %s", err);
    json_error_t je;
    json_t *m = json_loads(out, 0, &je);
    cr_assert_not_null(m, "stdout is not JSON: %s", je.text);
    cr_expect_str_eq(json_string_value(json_object_get(m, "schema")), "minutesd/document@1");
    cr_expect_eq(json_array_size(json_object_get(m, "items")), 10);
    const char *uri = json_string_value(json_object_get(json_object_get(m, "source"), "uri"));
    cr_expect(uri && !strncmp(uri, "file:///", 8), "source.uri is a file URI: %s", uri ? uri : "null");
    cr_expect_eq(strlen(json_string_value(json_object_get(json_object_get(m, "source"), "sha256"))), 64);
    json_decref(m);
    free(out);
    free(err);
}

Test(cli, several_files_compact_one_model_per_line)
{
    char *out, *err, args[1200];
    snprintf(args, sizeof args, "parse --compact '%s/seeds/000_d2f626ad0e25e238.txt' '%s/seeds/004_7178018e32c86f38.txt'",
             TEST_DATA_DIR, TEST_DATA_DIR);
    cr_expect_eq(run(args, &out, &err), 0);
    cr_expect_eq(count_lines(out), 2);
    free(out);
    free(err);
}

Test(cli, empty_file_is_rejected_with_the_model_and_one_line)
{
    write_file("empty.txt", "", 0);
    char *out, *err, args[600];
    snprintf(args, sizeof args, "parse '%s/empty.txt'", tmpdir);
    cr_expect_eq(run(args, &out, &err), 1);
    json_t *m = json_loads(out, 0, NULL);
    cr_expect_not_null(m, "the model is printed even when rejected");
    json_decref(m);
    cr_expect_eq(count_lines(err), 1, "one line on stderr: %s", err);
    cr_expect(strstr(err, "empty.txt") && strstr(err, "empty file"), "names the file and the reason: %s", err);
    free(out);
    free(err);
}

Test(cli, binary_file)
{
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 37 + (i >> 3));
    write_file("image.png", junk, sizeof junk);
    char *out, *err, args[600];
    snprintf(args, sizeof args, "parse '%s/image.png'", tmpdir);
    cr_expect_eq(run(args, &out, &err), 1);
    cr_expect(strstr(err, "image.png") && strstr(err, "binary"), "%s", err);
    free(out);
    free(err);
}

Test(cli, missing_file_and_directory)
{
    char *out, *err, args[600];
    snprintf(args, sizeof args, "parse '%s/nope.txt'", tmpdir);
    cr_expect_eq(run(args, &out, &err), 2);
    cr_expect(strstr(err, "nope.txt") && strstr(err, "No such file"), "%s", err);
    cr_expect_eq(count_lines(err), 1);
    free(out);
    free(err);
    snprintf(args, sizeof args, "parse '%s'", tmpdir);
    cr_expect_eq(run(args, &out, &err), 2);
    cr_expect(strstr(err, "directory"), "%s", err);
    free(out);
    free(err);
}

Test(cli, usage_errors)
{
    char *out, *err;
    cr_expect_eq(run("parse", &out, &err), 2);
    cr_expect(strstr(err, "usage"), "%s", err);
    free(out);
    free(err);
    cr_expect_eq(run("frobnicate", &out, &err), 2);
    cr_expect(strstr(err, "unknown command"), "%s", err);
    free(out);
    free(err);
    cr_expect_eq(run("version", &out, &err), 0);
    cr_expect(!strncmp(out, "minutesd ", 9));
    free(out);
    free(err);
}
