/*
 * testdb: helpers for the tests that run against the real PostgreSQL the
 * pg fixture starts (tests/pg-cluster; libpq's PG* environment points at
 * it).  Every test gets a database of its own, so tests run in parallel
 * and leave nothing behind; the binary under test is the real minutesd.
 */
#ifndef MINUTESD_TESTDB_H
#define MINUTESD_TESTDB_H

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char tdb_name[64];
static char tdb_conninfo[128];
static char tdb_dir[256];
static PGconn *tdb;   /* superuser connection to the test's database */

static inline PGconn *tdb_connect_to(const char *dbname)
{
    const char *keys[] = {"dbname", NULL};
    const char *vals[] = {dbname, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    cr_assert(PQstatus(c) == CONNECTION_OK, "cannot connect to %s: %s", dbname, PQerrorMessage(c));
    return c;
}

static inline void tdb_exec_on(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
              PQerrorMessage(c));
    PQclear(r);
}

static inline void tdb_setup(void)
{
    static int counter;
    /* a name we make ourselves: identifiers cannot be parameters */
    snprintf(tdb_name, sizeof tdb_name, "minutesd_t%d_%d", (int)getpid(), ++counter);
    snprintf(tdb_conninfo, sizeof tdb_conninfo, "dbname=%s", tdb_name);
    PGconn *admin = tdb_connect_to("postgres");
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", tdb_name);
    tdb_exec_on(admin, sql);
    PQfinish(admin);
    tdb = tdb_connect_to(tdb_name);
    snprintf(tdb_dir, sizeof tdb_dir, "/tmp/minutesd-dbtest-XXXXXX");
    cr_assert_not_null(mkdtemp(tdb_dir));
}

static inline void tdb_teardown(void)
{
    char sql[160], cmd[320];
    if (tdb)
        PQfinish(tdb);
    tdb = NULL;
    PGconn *admin = tdb_connect_to("postgres");
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", tdb_name);
    tdb_exec_on(admin, sql);
    PQfinish(admin);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdb_dir);
    cr_assert_eq(system(cmd), 0);
}

static inline void tdb_exec(const char *sql)
{
    tdb_exec_on(tdb, sql);
}

/* The first cell of sql's answer as a number (-1 for NULL). */
static inline long long tdb_int(const char *sql)
{
    PGresult *r = PQexec(tdb, sql);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) >= 1, "%s: %s", sql, PQerrorMessage(tdb));
    long long v = PQgetisnull(r, 0, 0) ? -1 : atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* The first cell as a string (new; free()), NULL for SQL NULL. */
static inline char *tdb_str(const char *sql)
{
    PGresult *r = PQexec(tdb, sql);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) >= 1, "%s: %s", sql, PQerrorMessage(tdb));
    char *v = PQgetisnull(r, 0, 0) ? NULL : strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/*
 * The same with SQL written from a printf format.  For the tests' own
 * constants and ids only: the product's SQL is parameterised.
 */
static inline PGresult *tdb_vrows(const char *fmt, va_list ap)
{
    char sql[4096];
    int n = vsnprintf(sql, sizeof sql, fmt, ap);
    cr_assert(n >= 0 && (size_t)n < sizeof sql, "SQL too long for the test buffer: %s", fmt);
    PGresult *r = PQexec(tdb, sql);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(tdb));
    return r;
}

/* Every row (PQclear it). */
static inline PGresult *tdb_rowsf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PGresult *r = tdb_vrows(fmt, ap);
    va_end(ap);
    return r;
}

/* The first cell as a number (-1 for NULL); there must be a row. */
static inline long long tdb_intf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PGresult *r = tdb_vrows(fmt, ap);
    va_end(ap);
    cr_assert(PQntuples(r) >= 1, "no row for: %s", fmt);
    long long v = PQgetisnull(r, 0, 0) ? -1 : atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* The first cell (new; free()), NULL for SQL NULL or no row. */
static inline char *tdb_strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PGresult *r = tdb_vrows(fmt, ap);
    va_end(ap);
    char *v = PQntuples(r) >= 1 && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return v;
}

/* Runs "minutesd CMD --db <test db> ARGS" through the shell; returns the
 * exit status, with stdout and stderr (new; free()) when asked for. */
static inline int tdb_run(const char *cmd, const char *args, char **out, char **err)
{
    char line[4096], o[300], e[300];
    size_t n;
    snprintf(o, sizeof o, "%s/stdout.%d", tdb_dir, (int)getpid());
    snprintf(e, sizeof e, "%s/stderr.%d", tdb_dir, (int)getpid());
    snprintf(line, sizeof line, "'%s' %s --db '%s' %s >'%s' 2>'%s'", MINUTESD_BIN, cmd, tdb_conninfo, args, o, e);
    int st = system(line);
    cr_assert(WIFEXITED(st), "minutesd did not exit normally: %s", line);
    char *so = (char *)test_read_file(o, &n);
    char *se = (char *)test_read_file(e, &n);
    if (out)
        *out = so;
    else
        free(so);
    if (err)
        *err = se;
    else
        free(se);
    return WEXITSTATUS(st);
}

/* Writes a file into the test's directory; returns its path (static buffer
 * per call site is the caller's business: this one is new, free()). */
static inline char *tdb_write(const char *name, const void *data, size_t n)
{
    char *path = malloc(strlen(tdb_dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", tdb_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* ---- documents ---------------------------------------------------------- */

/* tests/data/seeds/NAME (new; free()). */
static inline char *tdb_seed_path(const char *name)
{
    char *p = malloc(512);
    snprintf(p, 512, "%s/seeds/%s", TEST_DATA_DIR, name);
    return p;
}

/*
 * The agenda of a seed's meeting: the same document before the meeting,
 * made by dropping every "Beslutning" section (up to the next section
 * heading or item) and calling it a DAGSORDEN.
 */
static inline char *tdb_agenda_of(const char *seed, size_t *len)
{
    size_t n;
    char *path = tdb_seed_path(seed);
    char *src = (char *)test_read_file(path, &n);
    char *out = malloc(n + 64);
    size_t o = 0;
    bool skip = false;
    free(path);
    for (char *line = src; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) + 1 : strlen(line);
        size_t tl = ll;
        while (tl && (line[tl - 1] == '\n' || line[tl - 1] == '\r' || line[tl - 1] == ' '))
            tl--;
        if (tl == 10 && memcmp(line, "Beslutning", 10) == 0) {
            skip = true;
        } else {
            if (skip && ((tl == 11 && memcmp(line, "Fraværende", 11) == 0) || (tl == 5 && memcmp(line, "Bilag", 5) == 0) ||
                         strncmp(line, "Punkt ", 6) == 0))
                skip = false;
            if (!skip) {
                char *ref = strstr(line, "REFERAT");
                if (ref && ref < line + ll) {
                    memcpy(out + o, line, (size_t)(ref - line));
                    o += (size_t)(ref - line);
                    memcpy(out + o, "DAGSORDEN", 9);
                    o += 9;
                    size_t rest = ll - (size_t)(ref - line) - 7;
                    memcpy(out + o, ref + 7, rest);
                    o += rest;
                } else {
                    memcpy(out + o, line, ll);
                    o += ll;
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(src);
    *len = o;
    return out;
}

#endif
