/*
 * dbtarget: choosing the database.  See dbtarget.h.
 */
#include "dbtarget.h"

#include "pgembed.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dbtarget {
    char *conninfo;
    char describe[512];
    struct pgembed *embed;   /* NULL unless the private cluster is used */
};

static bool env_names_database(void)
{
    static const char *const vars[] = {"PGHOST", "PGHOSTADDR", "PGSERVICE", "PGDATABASE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return true;
    }
    return false;
}

struct dbtarget *dbtarget_open(const char *db_opt, const char *config_db, const char *state_dir, char *err,
                               size_t errlen)
{
    struct dbtarget *t = xcalloc(1, sizeof *t);

    if (db_opt && *db_opt) {
        t->conninfo = xstrndup(db_opt, strlen(db_opt));
        snprintf(t->describe, sizeof t->describe, "the database given with --db");
    } else if (config_db && *config_db) {
        t->conninfo = xstrndup(config_db, strlen(config_db));
        snprintf(t->describe, sizeof t->describe, "the configured database");
    } else if (env_names_database()) {
        t->conninfo = xstrndup("", 0);
        snprintf(t->describe, sizeof t->describe, "the database named by the PG* environment");
    } else {
        t->embed = pgembed_start(state_dir ? state_dir : "./var", err, errlen);
        if (!t->embed) {
            free(t);
            return NULL;
        }
        const char *ci = pgembed_conninfo(t->embed);
        t->conninfo = xstrndup(ci, strlen(ci));
        snprintf(t->describe, sizeof t->describe, "the private PostgreSQL cluster in %s/pg",
                 state_dir ? state_dir : "./var");
    }
    return t;
}

const char *dbtarget_conninfo(const struct dbtarget *t)
{
    return t->conninfo;
}

const char *dbtarget_describe(const struct dbtarget *t)
{
    return t->describe;
}

void dbtarget_close(struct dbtarget *t)
{
    if (!t)
        return;
    pgembed_stop(t->embed);
    free(t->conninfo);
    free(t);
}
