/*
 * listen: `minutesd listen [--since ID] [--count N]` - events as JSON lines.
 *
 * No gap, no duplicate at the seam between stored and live events: LISTEN
 * is issued first, then the table is read for ids after ID, and live
 * notifications with an id already printed are dropped.  An event that
 * commits between the two is therefore seen twice and printed once.  Ids
 * become visible in order (minutes.emit_events), so "after the last id
 * printed" is a complete description of what is still to come, and a lost
 * connection is healed by reconnecting and replaying from there.
 */
#include "commands.h"
#include "db.h"
#include "session.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Prints stored events after *last; 0 or -1 with err. */
static int replay(PGconn *c, long long *last, long long *left, char *err, size_t errlen)
{
    char since[32];
    const char *params[1] = {since};
    PGresult *r;

    snprintf(since, sizeof since, "%lld", *last);
    r = db_query(c, "SELECT e.id, minutes.event_json(e)::text FROM minutes.events e WHERE e.id > $1::bigint "
                    "ORDER BY e.id",
                 1, params, err, errlen);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r) && *left != 0; i++) {
        printf("%s\n", PQgetvalue(r, i, 1));
        *last = atoll(PQgetvalue(r, i, 0));
        if (*left > 0)
            (*left)--;
    }
    PQclear(r);
    fflush(stdout);
    return 0;
}

static long long payload_id(const char *payload)
{
    json_t *j = json_loads(payload, 0, NULL);
    long long id = j ? (long long)json_integer_value(json_object_get(j, "id")) : 0;
    json_decref(j);
    return id;
}

/* Prints held notifications newer than *last. */
static void print_held(PGconn *c, long long *last, long long *left)
{
    PGnotify *nt;
    while ((nt = PQnotifies(c))) {
        long long id = payload_id(nt->extra);
        if (id > *last && *left != 0) {
            printf("%s\n", nt->extra);
            *last = id;
            if (*left > 0)
                (*left)--;
        }
        PQfreemem(nt);
    }
    fflush(stdout);
}

static int follow(PGconn *c, long long *last, long long *left, char *err, size_t errlen)
{
    /* libpq may already hold notifications that arrived while the replay
     * query ran; poll() would not wake for them. */
    print_held(c, last, left);
    while (!stop && *left != 0) {
        struct pollfd pfd = {PQsocket(c), POLLIN, 0};
        int n = poll(&pfd, 1, 1000);
        if (n < 0 && errno != EINTR) {
            snprintf(err, errlen, "could not wait for events: %s", strerror(errno));
            return -1;
        }
        if (n <= 0)
            continue;
        if (!PQconsumeInput(c)) {
            db_error(c, NULL, err, errlen);
            return -1;
        }
        print_held(c, last, left);
    }
    return 0;
}

int listen_main(int argc, char **argv)
{
    struct session_opts so = {.quiet = true};
    struct session *s = NULL;
    char err[1024];
    long long last = -1, left = -1;
    int status = 0;
    PGconn *c = NULL;

    argc = session_parse_args(argc, argv, &so, err, sizeof err);
    if (argc < 0) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
            last = strtoll(argv[++i], &end, 10);
            if (*end || last < 0) {
                fprintf(stderr, "minutesd: --since needs an event id (0 for all)\n");
                return EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
            left = strtoll(argv[++i], &end, 10);
            if (*end || left < 1) {
                fprintf(stderr, "minutesd: --count needs a positive number\n");
                return EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "usage: minutesd listen [--config FILE] [--db CONNINFO] [--since ID] [--count N]\n");
            return EXIT_USAGE;
        }
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    s = session_open(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    c = session_conn(s);
    if (last < 0) {
        /* no --since: only what happens from now on */
        PGresult *r = db_query(c, "SELECT coalesce(max(id), 0) FROM minutes.events", 0, NULL, err, sizeof err);
        if (!r) {
            fprintf(stderr, "minutesd: %s\n", err);
            status = EXIT_USAGE;
            goto out;
        }
        last = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    for (int attempt = 0; !stop && left != 0;) {
        if (db_command(c, "LISTEN minutes_events", err, sizeof err) == 0 && replay(c, &last, &left, err, sizeof err) == 0 &&
            follow(c, &last, &left, err, sizeof err) == 0)
            break;
        /* The connection broke: say so, and come back where we were. */
        fprintf(stderr, "minutesd: listen: %s; reconnecting\n", err);
        struct timespec ts = {attempt < 5 ? 1L << attempt : 30, 0};
        nanosleep(&ts, NULL);
        attempt++;
        PQreset(c);
        if (PQstatus(c) == CONNECTION_OK && db_session_setup(c, err, sizeof err) == 0)
            attempt = 0;
    }
out:
    session_close(s);
    return status;
}
