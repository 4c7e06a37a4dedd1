/*
 * pgembed: a private PostgreSQL cluster under the state directory.
 *
 * When no database is configured, minutesd runs its own cluster so that a
 * first try needs no database administrator.  The cluster lives entirely
 * under <state_dir>/pg:
 *
 *   pg/data        the data directory (initdb on first use)
 *   pg/run         the unix socket directory (0700; TCP is off)
 *   pg/server.log  the server's own log
 *   pg/setup.log   what initdb and pg_ctl print (never our stdout/stderr)
 *
 * Authentication is "trust": only the socket exists, and both the socket
 * and its directory are 0700, so only the cluster's owner and root can
 * connect at all.
 *
 * PostgreSQL refuses to run as root.  When minutesd runs as root the
 * cluster runs as an unprivileged user instead (MINUTESD_PG_USER, else
 * "minutesd", else "postgres"), which owns pg/; minutesd itself stays root
 * and connects through the socket.
 *
 * This runs once, when a command starts, and blocks while the cluster
 * starts; it is not meant for the loop thread.
 */
#ifndef MINUTESD_PGEMBED_H
#define MINUTESD_PGEMBED_H

#include <stddef.h>

struct pgembed; /* opaque */

/* Starts the private cluster under <state_dir>/pg (initdb on first use,
 * then pg_ctl start), unix socket only, and makes sure database "minutes"
 * exists.  If a cluster is already running there (another minutesd process
 * started it), it is used and not stopped by this handle.
 * Returns a new handle (pgembed_stop), or NULL with one line in err (no
 * trailing newline) saying what failed and what to do. */
struct pgembed *pgembed_start(const char *state_dir, char *err, size_t errlen);

/* libpq conninfo for database "minutes" on the cluster, e.g.
 * "host=/abs/state/pg/run port=5432 dbname=minutes user=minutesd".
 * Borrowed: valid until pgembed_stop. */
const char *pgembed_conninfo(const struct pgembed *pg);

/* Stops the cluster (pg_ctl stop -m fast, waiting) if this handle started
 * it, then frees the handle.  NULL is a no-op. */
void pgembed_stop(struct pgembed *pg);

#endif
