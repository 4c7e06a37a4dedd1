/*
 * session: configuration, database, migrations, role.  See session.h.
 */
#include "session.h"

#include "db.h"
#include "dbtarget.h"
#include "migrate.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct session {
    struct config *cfg;
    struct dbtarget *target;
    PGconn *conn;
};

int session_parse_args(int argc, char **argv, struct session_opts *o, char *err, size_t errlen)
{
    int out = 0;
    for (int i = 0; i < argc; i++) {
        const char **dst = NULL;
        if (strcmp(argv[i], "--config") == 0)
            dst = &o->config_path;
        else if (strcmp(argv[i], "--db") == 0)
            dst = &o->db;
        else if (strcmp(argv[i], "--state-dir") == 0)
            dst = &o->state_dir;
        if (!dst) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 >= argc) {
            snprintf(err, errlen, "option %s needs a value", argv[i]);
            return -1;
        }
        *dst = argv[++i];
    }
    return out;
}

struct session *session_open(const struct session_opts *o, char *err, size_t errlen)
{
    struct session *s = xcalloc(1, sizeof *s);
    char why[512];
    PGresult *r = NULL;
    int applied = 0;

    s->cfg = o->config_path ? config_load(o->config_path, err, errlen) : config_create();
    if (!s->cfg)
        goto fail;
    if (o->state_dir) {
        free(s->cfg->state_dir);
        s->cfg->state_dir = xstrndup(o->state_dir, strlen(o->state_dir));
    }
    s->target = dbtarget_open(o->db, s->cfg->database, s->cfg->state_dir, err, errlen);
    if (!s->target)
        goto fail;
    s->conn = db_connect(dbtarget_conninfo(s->target), why, sizeof why);
    if (!s->conn) {
        snprintf(err, errlen, "%s (%s)", why, dbtarget_describe(s->target));
        goto fail;
    }
    if (migrate_apply(s->conn, &applied, err, errlen) < 0)
        goto fail;
    if (applied && !o->quiet)
        fprintf(stderr, "minutesd: applied %d migration%s (schema now at %s)\n", applied, applied == 1 ? "" : "s",
                migrate_latest());
    if (db_session_setup(s->conn, err, errlen) < 0)
        goto fail;
    PQclear(r);
    return s;
fail:
    PQclear(r);
    session_close(s);
    return NULL;
}

PGconn *session_conn(const struct session *s)
{
    return s->conn;
}

const struct config *session_config(const struct session *s)
{
    return s->cfg;
}

const char *session_conninfo(const struct session *s)
{
    return dbtarget_conninfo(s->target);
}

const char *session_describe(const struct session *s)
{
    return dbtarget_describe(s->target);
}

void session_close(struct session *s)
{
    if (!s)
        return;
    if (s->conn)
        PQfinish(s->conn);
    dbtarget_close(s->target);
    config_destroy(s->cfg);
    free(s);
}
