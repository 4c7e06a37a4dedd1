/*
 * db: the few libpq helpers every database module shares.
 *
 * Connections come from a libpq conninfo string or URI (possibly empty: then
 * libpq's own environment, PGHOST, PGSERVICE, PGPASSFILE …, decides), and
 * every error is turned into one line in PostgreSQL's style.  Nothing here
 * builds SQL from input: queries with values go through PQexecParams.
 */
#ifndef MINUTESD_DB_H
#define MINUTESD_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* New connection (PQfinish it), or NULL with err set.  Sets client_encoding
 * UTF8 and application_name minutesd. */
PGconn *db_connect(const char *conninfo, char *err, size_t errlen);

/* What every minutesd session needs after (re)connecting: TimeZone UTC
 * (event JSON is then the same bytes whichever session formats it), and
 * the minutes_loader role when the login role is a member - after a
 * PQreset too, or work would continue with the login role's rights.
 * 0, or -1 with err set. */
int db_session_setup(PGconn *c, char *err, size_t errlen);

/* One line describing why r (or, when r is NULL, the connection) failed:
 * "SQLSTATE: message", without a trailing newline. */
void db_error(const PGconn *c, const PGresult *r, char *err, size_t errlen);

/* Runs a statement without parameters (BEGIN, COMMIT, LISTEN …).
 * 0, or -1 with err set. */
int db_command(PGconn *c, const char *sql, char *err, size_t errlen);

/* Runs sql with text parameters and expects rows (or a command) back:
 * the result (PQclear it), or NULL with err set. */
PGresult *db_query(PGconn *c, const char *sql, int nparams, const char *const *params, char *err,
                   size_t errlen);

/* Would the same statement probably work if tried again later?  (lost
 * connection, deadlock, serialisation failure, server shutting down, out
 * of resources).  NULL (no SQLSTATE: the connection broke) counts as yes. */
bool db_transient(const char *sqlstate);

#endif
