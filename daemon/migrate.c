/*
 * migrate: the schema migrations runner.  See migrate.h.
 *
 * The bookkeeping table lives in schema minutes with the rest, so the
 * runner creates both (IF NOT EXISTS, under the lock) before looking.  A
 * migration's checksum is recorded too: an applied migration whose text has
 * since changed in the source is a mistake to report, because the database
 * will never see the change.
 */
#include "migrate.h"

#include "db.h"
#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from sql/ by cmake/embed.cmake, sorted by name. */
extern const char *const migrations_names[];
extern const char *const migrations_texts[];
extern const size_t migrations_count;

/* pg_advisory_lock(7354, 0); (7354, 1) orders the events (sql/002). */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_lock(7354, 0)"
#define MIGRATE_UNLOCK_SQL "SELECT pg_advisory_unlock(7354, 0)"

const char *migrate_latest(void)
{
    return migrations_count ? migrations_names[migrations_count - 1] : NULL;
}

size_t migrate_count(void)
{
    return migrations_count;
}

static int apply_one(PGconn *c, size_t i, char *err, size_t errlen)
{
    char sum[65];
    char version[16];
    const char *params[3];
    char why[512];
    PGresult *r = NULL;

    sha256_hex((const unsigned char *)migrations_texts[i], strlen(migrations_texts[i]), sum);
    snprintf(version, sizeof version, "%d", atoi(migrations_names[i]));
    if (db_command(c, "BEGIN", why, sizeof why) < 0)
        goto fail;
    /* Our own SQL, several statements: PQexec is the one call that takes a
     * script; no input reaches it. */
    if (db_command(c, migrations_texts[i], why, sizeof why) < 0)
        goto fail;
    params[0] = version;
    params[1] = migrations_names[i];
    params[2] = sum;
    r = db_query(c, "INSERT INTO minutes.schema_migrations (version, name, sha256) VALUES ($1, $2, $3)", 3,
                 params, why, sizeof why);
    if (!r)
        goto fail;
    PQclear(r);
    if (db_command(c, "COMMIT", why, sizeof why) < 0)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "could not apply migration %s: %s", migrations_names[i], why);
    db_command(c, "ROLLBACK", why, sizeof why);
    return -1;
}

int migrate_apply(PGconn *c, int *applied, char *err, size_t errlen)
{
    PGresult *r = NULL;
    int rc = -1, n = 0;
    bool locked = false;
    char why[512];

    if (applied)
        *applied = 0;
    /* Up to date already?  Checked read-only first, so that a role with only
     * minutes_loader's rights (no CREATE on the database) can start. */
    {
        char latest[16];
        snprintf(latest, sizeof latest, "%d", atoi(migrate_latest()));
        const char *p[1] = {latest};
        r = db_query(c, "SELECT to_regclass('minutes.schema_migrations') IS NOT NULL AND "
                        "(SELECT max(version) FROM minutes.schema_migrations) >= $1::int",
                     1, p, why, sizeof why);
        /* the subquery fails when the table is missing: then migrate */
        if (r && strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
            PQclear(r);
            return 0;
        }
        PQclear(r);
        r = NULL;
    }
    if (db_command(c, MIGRATE_LOCK_SQL, why, sizeof why) < 0) {
        snprintf(err, errlen, "could not lock the schema for migration: %s", why);
        goto out;
    }
    locked = true;
    if (db_command(c,
                   "SET client_min_messages = warning;"   /* no "already exists, skipping" */
                   "CREATE SCHEMA IF NOT EXISTS minutes;"
                   "CREATE TABLE IF NOT EXISTS minutes.schema_migrations ("
                   " version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now())",
                   why, sizeof why) < 0) {
        snprintf(err, errlen, "could not create minutes.schema_migrations: %s", why);
        goto out;
    }
    r = db_query(c, "SELECT version, name, sha256 FROM minutes.schema_migrations ORDER BY version", 0, NULL, why,
                 sizeof why);
    if (!r) {
        snprintf(err, errlen, "could not read minutes.schema_migrations: %s", why);
        goto out;
    }
    for (size_t i = 0; i < migrations_count; i++) {
        int version = atoi(migrations_names[i]);
        bool done = false;
        for (int row = 0; row < PQntuples(r); row++) {
            if (atoi(PQgetvalue(r, row, 0)) != version)
                continue;
            char sum[65];
            sha256_hex((const unsigned char *)migrations_texts[i], strlen(migrations_texts[i]), sum);
            if (strcmp(sum, PQgetvalue(r, row, 2)) != 0) {
                snprintf(err, errlen,
                         "migration %s was applied but has changed since: add a new migration instead of "
                         "editing an applied one",
                         migrations_names[i]);
                goto out;
            }
            done = true;
        }
        if (done)
            continue;
        if (apply_one(c, i, err, errlen) < 0)
            goto out;
        n++;
    }
    for (int row = 0; row < PQntuples(r); row++) {
        if (atoi(PQgetvalue(r, row, 0)) > atoi(migrate_latest())) {
            snprintf(err, errlen, "the database has migration %s, newer than this minutesd knows (%s): upgrade minutesd",
                     PQgetvalue(r, row, 1), migrate_latest());
            goto out;
        }
    }
    if (applied)
        *applied = n;
    rc = 0;
out:
    PQclear(r);
    if (locked)
        db_command(c, MIGRATE_UNLOCK_SQL, why, sizeof why);
    return rc;
}
