/*
 * dbtarget: which database a command talks to, and starting it if it is ours.
 *
 * In order: --db, the config's "database", libpq's own environment
 * (PGHOST, PGHOSTADDR, PGSERVICE, PGDATABASE: a person who set them meant
 * them), and only then the private cluster under the state directory, which
 * this handle starts and, if it started it, stops.  Passwords never pass
 * through here: libpq reads PGPASSFILE / ~/.pgpass and service files itself.
 */
#ifndef MINUTESD_DBTARGET_H
#define MINUTESD_DBTARGET_H

#include <stddef.h>

struct dbtarget;

/* db_opt and config_db may be NULL.  New handle, or NULL with err set. */
struct dbtarget *dbtarget_open(const char *db_opt, const char *config_db, const char *state_dir, char *err,
                               size_t errlen);

/* The conninfo to connect with (borrowed; may be "" = libpq environment). */
const char *dbtarget_conninfo(const struct dbtarget *t);

/* What it is, for a person: "the private cluster in ./var/pg", "PGHOST=…". */
const char *dbtarget_describe(const struct dbtarget *t);

void dbtarget_close(struct dbtarget *t);   /* NULL is a no-op; stops a cluster it started */

#endif
