/*
 * db: libpq helpers.  See db.h.
 */
#include "db.h"

#include <stdio.h>
#include <string.h>

/* Copies a libpq message into err as one line: libpq ends messages with a
 * newline and multi-line ones (DETAIL, HINT) would break our log format. */
static void one_line(char *err, size_t errlen, const char *prefix, const char *msg)
{
    if (!err || errlen == 0)
        return;
    snprintf(err, errlen, "%s%s", prefix, msg && *msg ? msg : "unknown error");
    for (char *p = err; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            /* keep what follows a newline only if it says more ("DETAIL: …") */
            if (p[1] == '\0') {
                *p = '\0';
                break;
            }
            *p = ' ';
        }
    }
}

PGconn *db_connect(const char *conninfo, char *err, size_t errlen)
{
    /* expand_dbname: conninfo may be a URI or key=value string.  Later keys
     * win, so the user's conninfo may override the name and timeout, but
     * not the encoding, which the whole loader relies on.  Empty values
     * fall back to libpq's environment (PGHOST, PGSERVICE …). */
    /* keepalives and tcp_user_timeout (TCP only; ignored on a unix socket):
     * a server that vanished without a FIN is noticed in about a minute,
     * not after the kernel's fifteen, so the daemon reconnects instead of
     * waiting on a dead socket while it reports the database up. */
    const char *keys[] = {"application_name", "connect_timeout", "keepalives", "keepalives_idle",
                          "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname",
                          "client_encoding", NULL};
    const char *vals[] = {"minutesd", "10", "1", "30", "10", "3", "60000", conninfo ? conninfo : "", "UTF8", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);

    if (!c) {
        one_line(err, errlen, "", "out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        one_line(err, errlen, "could not connect to the database: ", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

void db_error(const PGconn *c, const PGresult *r, char *err, size_t errlen)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char prefix[16] = "";

    if (!msg && r)
        msg = PQresultErrorMessage(r);
    if (!msg || !*msg)
        msg = c ? PQerrorMessage(c) : "no connection";
    if (state)
        snprintf(prefix, sizeof prefix, "%s: ", state);
    one_line(err, errlen, prefix, msg);
}

int db_command(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    int rc = 0;

    if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)) {
        db_error(c, r, err, errlen);
        rc = -1;
    }
    PQclear(r);
    return rc;
}

PGresult *db_query(PGconn *c, const char *sql, int nparams, const char *const *params, char *err,
                   size_t errlen)
{
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);

    if (!r || (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)) {
        db_error(c, r, err, errlen);
        PQclear(r);
        return NULL;
    }
    return r;
}

int db_session_setup(PGconn *c, char *err, size_t errlen)
{
    char why[512];
    PGresult *r;

    if (db_command(c, "SET TimeZone = 'UTC'", why, sizeof why) < 0) {
        snprintf(err, errlen, "could not set the time zone: %s", why);
        return -1;
    }
    r = db_query(c, "SELECT pg_has_role(current_user, 'minutes_loader', 'MEMBER') "
                    "FROM pg_roles WHERE rolname = 'minutes_loader'",
                 0, NULL, why, sizeof why);
    if (!r) {
        snprintf(err, errlen, "could not check the database role: %s", why);
        return -1;
    }
    bool member = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (member && db_command(c, "SET ROLE minutes_loader", why, sizeof why) < 0) {
        snprintf(err, errlen, "could not take the role minutes_loader: %s", why);
        return -1;
    }
    return 0;
}

bool db_transient(const char *sqlstate)
{
    if (!sqlstate || strlen(sqlstate) != 5)
        return true;
    /* 08 connection, 40 rollback (deadlock, serialisation), 53 resources,
     * 57 operator intervention (shutdown, cancel), 58 system error,
     * 55P03 lock not available (lock_timeout) */
    return strcmp(sqlstate, "55P03") == 0 || strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "40", 2) == 0 ||
           strncmp(sqlstate, "53", 2) == 0 || strncmp(sqlstate, "57", 2) == 0 ||
           strncmp(sqlstate, "58", 2) == 0;
}
