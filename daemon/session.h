/*
 * session: what every database command does first.
 *
 * Reads the configuration, picks the database (dbtarget: maybe starting
 * the private cluster), connects, applies pending migrations, and then
 * drops to the minutes_loader role when the login role may, so the work
 * that follows runs with only the rights loading needs (sql/003).
 */
#ifndef MINUTESD_SESSION_H
#define MINUTESD_SESSION_H

#include "config.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct session_opts {
    const char *config_path;   /* NULL: defaults */
    const char *db;            /* --db, or NULL */
    const char *state_dir;     /* --state-dir, or NULL (config, then ./var) */
    bool quiet;                /* no "applied migration" lines */
};

struct session;

/* New session, or NULL with err set (one line). */
struct session *session_open(const struct session_opts *o, char *err, size_t errlen);
PGconn *session_conn(const struct session *s);
const struct config *session_config(const struct session *s);
const char *session_conninfo(const struct session *s);
/* Which database, for a person: "the private cluster under …", the
 * conninfo without secrets, or "the PG* environment". */
const char *session_describe(const struct session *s);
void session_close(struct session *s);   /* NULL is a no-op; stops a private cluster it started */

/*
 * The common options of the database commands, removed from argv as they
 * are found: --config FILE, --db CONNINFO, --state-dir DIR.  Returns the
 * new argc, or -1 with err set for a missing value.
 */
int session_parse_args(int argc, char **argv, struct session_opts *o, char *err, size_t errlen);

#endif
