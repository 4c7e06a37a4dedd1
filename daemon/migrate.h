/*
 * migrate: brings a database's schema up to what this minutesd expects.
 *
 * The migrations are sql/NNN_name.sql, compiled into the binary (so no
 * install path can be wrong) and applied in name order, each in its own
 * transaction together with the row that records it in
 * minutes.schema_migrations: a migration is either applied and recorded or
 * neither.  A session advisory lock makes two minutesd processes starting
 * at once take turns: the second finds nothing left to do.
 */
#ifndef MINUTESD_MIGRATE_H
#define MINUTESD_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* Applies what is missing.  *applied (may be NULL) gets how many were
 * applied now.  0, or -1 with err naming the migration and the reason. */
int migrate_apply(PGconn *c, int *applied, char *err, size_t errlen);

/* The newest migration this binary knows ("003_views_roles.sql"). */
const char *migrate_latest(void);

/* Number of migrations compiled in. */
size_t migrate_count(void);

#endif
