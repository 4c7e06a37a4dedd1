/*
 * psql: `minutesd psql [DBOPTS] [PSQL-ARGS…] [-- PSQL-ARGS…]` - psql on minutesd's database.
 *
 * The private cluster only runs while a minutesd command does, so a person
 * who wants to look at what was loaded needs a command that starts it,
 * hands it to psql, and stops it afterwards.  Works as well for a
 * configured database (it then simply passes the conninfo on).
 */
#include "commands.h"
#include "dbtarget.h"
#include "session.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int psql_main(int argc, char **argv)
{
    struct session_opts so = {.quiet = true};
    struct session *s;
    char err[1024];
    int pass = 0, status = EXIT_USAGE;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            pass = i + 1;
            argc = i;
            break;
        }
    }
    char **extra = pass ? argv + pass : NULL;
    int nextra = 0;
    while (extra && extra[nextra])
        nextra++;
    /* what is not ours is psql's: `minutesd psql -c 'TABLE …'` works
     * without the "--" (which still separates when a psql option would
     * look like ours) */
    argc = session_parse_args(argc, argv, &so, err, sizeof err);
    if (argc < 0) {
        fprintf(stderr, "minutesd: %s\nusage: minutesd psql [--config FILE] [--db CONNINFO] [--state-dir DIR] "
                        "[PSQL-ARGS...] [-- PSQL-ARGS...]\n",
                err);
        return EXIT_USAGE;
    }
    /* a session, so the schema is there before anyone looks */
    s = session_open(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    char **av = calloc((size_t)(argc + nextra) + 4, sizeof *av);
    if (!av)
        goto out;
    av[0] = "psql";
    av[1] = "--dbname";
    av[2] = (char *)session_conninfo(s);
    for (int i = 0; i < argc; i++)
        av[3 + i] = argv[i];
    for (int i = 0; i < nextra; i++)
        av[3 + argc + i] = extra[i];
    /* psql handles ^C itself; we must outlive it to stop the cluster */
    signal(SIGINT, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        execvp("psql", av);
        fprintf(stderr, "minutesd: could not run psql: %s (install postgresql-client)\n", strerror(errno));
        _exit(127);
    }
    int st = 0;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
        status = WEXITSTATUS(st);
    free(av);
out:
    session_close(s);
    return status;
}
