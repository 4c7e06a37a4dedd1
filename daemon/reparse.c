/*
 * reparse: `minutesd reparse [--failed | --all]` - heal old data with the
 * current parser.
 *
 * By default it takes the documents an older parser read (their
 * parser_version differs); --failed only the failed ones, --all every one.
 * Each is re-run through the pipeline from its stored text, with its
 * original identity (sha256, size, encoding) put back, and handed to
 * minutes.reload_document, which decides whether anything changed.  Ids
 * are read first and documents fetched one at a time, so memory does not
 * grow with the database.
 */
#include "commands.h"
#include "db.h"
#include "loader.h"
#include "session.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tally {
    size_t changed, failed, unchanged;
};

static void report(void *ud, const char *tag, const struct loader_outcome *o)
{
    struct tally *t = ud;
    switch (o->status) {
    case LOADER_LOADED:
        t->changed++;
        printf("document %s: new version (%d event%s)\n", tag, o->events, o->events == 1 ? "" : "s");
        break;
    case LOADER_FAILED:
        t->failed++;
        printf("document %s: failed: %s\n", tag, o->error ? o->error : "?");
        break;
    default:
        t->unchanged++;
        break;
    }
    fflush(stdout);
}

int reparse_main(int argc, char **argv)
{
    struct session_opts so = {0};
    struct session *s = NULL;
    struct loader *l = NULL;
    struct tally t = {0};
    char err[1024];
    /* Three fixed queries; $1 is the current parser version in each. */
    static const char *const queries[] = {
        "SELECT d.id FROM minutes.documents d WHERE d.parser_version <> $1 AND d.raw_text IS NOT NULL ORDER BY d.id",
        ("SELECT d.id FROM minutes.documents d WHERE d.status = 'failed' AND $1::text IS NOT NULL "
         "AND d.raw_text IS NOT NULL ORDER BY d.id"),
        "SELECT d.id FROM minutes.documents d WHERE $1::text IS NOT NULL AND d.raw_text IS NOT NULL ORDER BY d.id",
    };
    const char *sql = queries[0];
    int status = 0;
    PGresult *ids = NULL;

    argc = session_parse_args(argc, argv, &so, err, sizeof err);
    if (argc < 0) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--failed") == 0)
            sql = queries[1];
        else if (strcmp(argv[i], "--all") == 0)
            sql = queries[2];
        else {
            fprintf(stderr, "usage: minutesd reparse [--config FILE] [--db CONNINFO] [--failed | --all]\n");
            return EXIT_USAGE;
        }
    }
    s = session_open(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    PGconn *c = session_conn(s);
    const char *pv[1] = {loader_parser_version()};
    ids = db_query(c, sql, 1, pv, err, sizeof err);
    if (!ids) {
        fprintf(stderr, "minutesd: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    /* A second connection reads while the loader's holds the transaction. */
    PGconn *rd = db_connect(session_conninfo(s), err, sizeof err);
    if (!rd) {
        fprintf(stderr, "minutesd: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    l = loader_create(c, session_config(s)->batch, report, &t);
    for (int i = 0; i < PQntuples(ids); i++) {
        const char *idp[1] = {PQgetvalue(ids, i, 0)};
        PGresult *r = db_query(rd, "SELECT sha256, source_name, source_uri, bytes, encoding, raw_text "
                                   "FROM minutes.documents WHERE id = $1::bigint",
                               1, idp, err, sizeof err);
        if (!r || PQntuples(r) != 1) {
            fprintf(stderr, "minutesd: document %s: could not read it back: %s\n", idp[0], r ? "gone" : err);
            PQclear(r);
            continue;
        }
        const char *text = PQgetvalue(r, 0, 5);
        enum stage_result res;
        struct md_doc *doc = pipeline_run((const unsigned char *)text, strlen(text), PQgetvalue(r, 0, 1),
                                          PQgetisnull(r, 0, 2) ? NULL : PQgetvalue(r, 0, 2), NULL, &res);
        /* the identity is the original bytes', not the stored text's */
        doc->sha256 = model_strdup(doc, PQgetvalue(r, 0, 0));
        doc->source_bytes = (size_t)atoll(PQgetvalue(r, 0, 3));
        if (!PQgetisnull(r, 0, 4))
            doc->encoding = model_strdup(doc, PQgetvalue(r, 0, 4));
        int rc = loader_add_reparse(l, atoll(idp[0]), doc, res, idp[0], err, sizeof err);
        model_destroy(doc);
        PQclear(r);
        if (rc < 0) {
            fprintf(stderr, "minutesd: %s\n", err);
            status = EXIT_USAGE;
            break;
        }
    }
    if (status == 0 && loader_flush(l, err, sizeof err) < 0) {
        fprintf(stderr, "minutesd: %s\n", err);
        status = EXIT_USAGE;
    }
    PQfinish(rd);
    fprintf(stderr, "minutesd: reparse: %d document%s: %zu changed, %zu failed, %zu unchanged\n", PQntuples(ids),
            PQntuples(ids) == 1 ? "" : "s", t.changed, t.failed, t.unchanged);
out:
    PQclear(ids);
    loader_destroy(l);
    session_close(s);
    return status;
}
