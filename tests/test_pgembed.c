/*
 * pgembed against a real PostgreSQL: initdb, start, reuse by a second
 * handle, stop, restart on the existing data directory, and the refusals
 * that happen before anything is started.  As root this also exercises the
 * switch to the unprivileged user that runs the server.
 *
 * initdb costs a few seconds, so one case walks the whole lifecycle on one
 * cluster instead of each case making its own.
 */
#include <criterion/criterion.h>
#include <sys/wait.h>
#include <errno.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pgembed.h"

/* Each Criterion case runs in its own process, so these are per case. */
static char base[64];
static char state[256];
static struct pgembed *handles[3];
static PGconn *conns[2];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* A server a failed case left behind: stop it the blunt way so that no
 * postmaster outlives the test run. */
static void kill_leftover(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/pg/data/postmaster.pid", state);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 1 || kill((pid_t)pid, SIGQUIT) < 0)
        return;
    for (int i = 0; i < 100 && kill((pid_t)pid, 0) == 0; i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void setup(void)
{
    snprintf(base, sizeof base, "/tmp/minutesd-embed-XXXXXX");
    cr_assert_not_null(mkdtemp(base));
    /* mkdtemp makes it 0700; as root the server's user must traverse it.
     * A space in the state directory exercises the quoting of conninfo and
     * of the configuration file. */
    cr_assert_eq(chmod(base, 0755), 0);
    snprintf(state, sizeof state, "%s/state dir", base);
}

static void teardown(void)
{
    for (size_t i = 0; i < sizeof conns / sizeof conns[0]; i++) {
        PQfinish(conns[i]);
        conns[i] = NULL;
    }
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++) {
        pgembed_stop(handles[i]);
        handles[i] = NULL;
    }
    kill_leftover();
    nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(pgembed, .init = setup, .fini = teardown, .timeout = 120);

/* The first column of the first row, copied into out; false on error. */
static bool query1(PGconn *c, const char *sql, char *out, size_t outlen)
{
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
    if (ok)
        snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return ok;
}

static bool command_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok;
}

static bool can_connect(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    bool ok = PQstatus(c) == CONNECTION_OK;
    PQfinish(c);
    return ok;
}

static struct pgembed *start_ok(void)
{
    char err[512] = "";
    struct pgembed *pg = pgembed_start(state, err, sizeof err);
    cr_assert_not_null(pg, "pgembed_start failed: %s", err);
    return pg;
}

static struct pgembed *start_fails(char *err, size_t errlen)
{
    struct pgembed *pg = pgembed_start(state, err, errlen);
    cr_assert_null(pg, "pgembed_start should have failed");
    cr_assert_neq(err[0], '\0', "no error message");
    cr_assert_null(strchr(err, '\n'), "error is not one line: %s", err);
    return pg;
}

Test(pgembed, lifecycle)
{
    char v[256], path[512];

    handles[0] = start_ok();
    const char *ci = pgembed_conninfo(handles[0]);
    cr_assert_not_null(strstr(ci, "dbname=minutes"), "%s", ci);
    cr_assert_not_null(strstr(ci, "state dir"), "%s", ci);

    conns[0] = PQconnectdb(ci);
    cr_assert_eq(PQstatus(conns[0]), CONNECTION_OK, "%s", PQerrorMessage(conns[0]));
    cr_assert(query1(conns[0], "SELECT current_database()", v, sizeof v));
    cr_assert_str_eq(v, "minutes");
    cr_assert(query1(conns[0], "SHOW listen_addresses", v, sizeof v));
    cr_assert_str_eq(v, "");
    cr_assert(command_ok(conns[0], "CREATE TABLE kept (x int)"));

    /* Trust authentication is safe only while the socket's directory is
     * closed to everyone else. */
    struct stat st;
    snprintf(path, sizeof path, "%s/pg/run", state);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/pg/setup.log", state);
    cr_assert_eq(stat(path, &st), 0, "initdb's output should be in %s", path);

    /* A second handle finds the server running and leaves it running. */
    handles[1] = start_ok();
    cr_assert_str_eq(pgembed_conninfo(handles[1]), ci);
    pgembed_stop(handles[1]);
    handles[1] = NULL;
    cr_assert(query1(conns[0], "SELECT 1", v, sizeof v), "the second stop stopped the server");
    cr_assert(can_connect(ci));

    /* The handle that started the server stops it. */
    char saved[512];
    snprintf(saved, sizeof saved, "%s", ci);
    pgembed_stop(handles[0]);
    handles[0] = NULL;
    cr_assert_not(can_connect(saved), "the server still accepts connections after stop");
    PQfinish(conns[0]);
    conns[0] = NULL;

    /* Starting again reuses the data directory: no second initdb. */
    handles[2] = start_ok();
    conns[1] = PQconnectdb(pgembed_conninfo(handles[2]));
    cr_assert_eq(PQstatus(conns[1]), CONNECTION_OK, "%s", PQerrorMessage(conns[1]));
    cr_assert(query1(conns[1], "SELECT count(*) FROM kept", v, sizeof v), "%s", PQerrorMessage(conns[1]));
    PQfinish(conns[1]);
    conns[1] = NULL;
    pgembed_stop(handles[2]);
    handles[2] = NULL;
    cr_assert_not(can_connect(saved));
}

Test(pgembed, a_server_whose_owner_died_is_adopted_and_stopped)
{
    char path[512], saved[512];
    handles[0] = start_ok();
    snprintf(saved, sizeof saved, "%s", pgembed_conninfo(handles[0]));

    /* the owner gone, as after a kill -9: a pid that has exited */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    snprintf(path, sizeof path, "%s/pg/owner", state);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "%ld\n", (long)dead);
    fclose(f);

    handles[1] = start_ok();
    cr_assert(can_connect(saved));
    pgembed_stop(handles[1]);   /* adopted it, so stops it */
    handles[1] = NULL;
    cr_assert_not(can_connect(saved), "an orphaned server was left running");
    pgembed_stop(handles[0]);
    handles[0] = NULL;
}

Test(pgembed, socket_path_too_long)
{
    char err[512] = "";
    char name[101];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(state, sizeof state, "%s/%s", base, name);
    start_fails(err, sizeof err);
    size_t want = strlen(state) + strlen("/pg/run/.s.PGSQL.5432");
    char len[32];
    snprintf(len, sizeof len, "%zu bytes", want);
    cr_assert_not_null(strstr(err, "too long"), "%s", err);
    cr_assert_not_null(strstr(err, len), "%s", err);
    cr_assert_not_null(strstr(err, "107"), "%s", err);
}

Test(pgembed, shell_characters_refused)
{
    char err[512] = "";
    snprintf(state, sizeof state, "%s/costs$HOME", base);
    start_fails(err, sizeof err);
    cr_assert_not_null(strstr(err, "pg_ctl"), "%s", err);
}

Test(pgembed, unreachable_directory_as_root)
{
    if (geteuid() != 0)
        cr_skip_test("only root switches to another user");
    char err[512] = "";
    cr_assert_eq(chmod(base, 0700), 0);
    start_fails(err, sizeof err);
    cr_assert_not_null(strstr(err, "cannot reach"), "%s", err);
    cr_assert_not_null(strstr(err, state), "%s", err);
}

Test(pgembed, unknown_user_as_root)
{
    if (geteuid() != 0)
        cr_skip_test("only root switches to another user");
    char err[512] = "";
    cr_assert_eq(setenv("MINUTESD_PG_USER", "no-such-user-for-minutesd", 1), 0);
    start_fails(err, sizeof err);
    cr_assert_not_null(strstr(err, "MINUTESD_PG_USER"), "%s", err);
}

Test(pgembed, stop_null_is_a_noop)
{
    pgembed_stop(NULL);
}
