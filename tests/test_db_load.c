/*
 * Loading into a real PostgreSQL, as a user would see it: `minutesd
 * ingest`, `listen`, `reparse` and `migrate` against a database of the
 * test's own, checked with plain SQL and a real LISTEN connection.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "model.h"
#include "pipeline.h"
#include "testdb.h"

#define SEED0 "000_d2f626ad0e25e238.txt"

TestSuite(db, .init = tdb_setup, .fini = tdb_teardown, .timeout = 120);

static struct md_doc *parse_file(const char *path)
{
    size_t n;
    unsigned char *b = test_read_file(path, &n);
    enum stage_result res;
    struct md_doc *d = pipeline_run(b, n, "x", NULL, NULL, &res);
    free(b);
    return d;
}

static long long count_sql(const char *fmt, long long id)
{
    char sql[512];
    snprintf(sql, sizeof sql, fmt, id);
    return tdb_int(sql);
}

Test(db, seeds_load_and_rows_match_their_models)
{
    char args[600], *out, *err;
    snprintf(args, sizeof args, "'%s/seeds'", TEST_DATA_DIR);
    cr_assert_eq(tdb_run("ingest", args, &out, &err), 0, "stderr: %s", err);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), 5, "%s", out);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.meetings"), 5);

    static const char *seeds[] = {"000_d2f626ad0e25e238.txt", "001_7b1df9de962b88b2.txt", "002_54d817ac84b58f52.txt",
                                  "003_bdb304747eb2561f.txt", "004_7178018e32c86f38.txt"};
    for (size_t s = 0; s < 5; s++) {
        char *path = tdb_seed_path(seeds[s]);
        struct md_doc *m = parse_file(path);
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT id FROM minutes.documents WHERE sha256 = '%s'", m->sha256);
        long long doc = tdb_int(sql);
        cr_assert_gt(doc, 0, "%s not loaded", seeds[s]);
        size_t decisions = 0, attachments = 0, amounts = 0, absent = 0;
        for (size_t i = 0; i < m->nitems; i++) {
            decisions += m->items[i].decision_text != NULL;
            attachments += m->items[i].nattachments;
            amounts += m->items[i].namounts;
        }
        for (size_t i = 0; i < m->nparticipants; i++)
            absent += !m->participants[i].present;
        const char *v = "(SELECT id FROM minutes.versions WHERE document_id = %lld)";
        char q[512];
        snprintf(q, sizeof q, "SELECT count(*) FROM minutes.items WHERE version_id = %s", v);
        cr_expect_eq(count_sql(q, doc), (long long)m->nitems, "%s items", seeds[s]);
        snprintf(q, sizeof q, "SELECT count(*) FROM minutes.items WHERE decision_text IS NOT NULL AND version_id = %s", v);
        cr_expect_eq(count_sql(q, doc), (long long)decisions, "%s decisions", seeds[s]);
        snprintf(q, sizeof q, "SELECT count(*) FROM minutes.participants WHERE version_id = %s", v);
        cr_expect_eq(count_sql(q, doc), (long long)m->nparticipants, "%s participants", seeds[s]);
        snprintf(q, sizeof q, "SELECT count(*) FROM minutes.participants WHERE NOT present AND version_id = %s", v);
        cr_expect_eq(count_sql(q, doc), (long long)absent, "%s absentees", seeds[s]);
        snprintf(q, sizeof q,
                 "SELECT count(*) FROM minutes.attachments a JOIN minutes.items i ON i.id = a.item_id WHERE i.version_id = %s", v);
        cr_expect_eq(count_sql(q, doc), (long long)attachments, "%s attachments", seeds[s]);
        snprintf(q, sizeof q,
                 "SELECT count(*) FROM minutes.amounts a JOIN minutes.items i ON i.id = a.item_id WHERE i.version_id = %s", v);
        cr_expect_eq(count_sql(q, doc), (long long)amounts, "%s amounts", seeds[s]);
        /* the stored model is the model */
        snprintf(q, sizeof q, "SELECT jsonb_array_length(model->'items') FROM minutes.documents WHERE id = %%lld");
        cr_expect_eq(count_sql(q, doc), (long long)m->nitems);
        snprintf(q, sizeof q, "SELECT count(*) FROM minutes.events WHERE type = 'decision_appeared' AND document_id = %%lld");
        cr_expect_eq(count_sql(q, doc), (long long)decisions, "%s decision events", seeds[s]);
        model_destroy(m);
        free(path);
    }
    /* reporting sees them, Danish stemming included */
    cr_expect_gt(tdb_int("SELECT count(*) FROM minutes.decision_feed "
                         "WHERE fts @@ websearch_to_tsquery('danish', 'klyngemidlerne')"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.meeting_overview"), 5);
    free(out);
    free(err);
}

Test(db, the_same_bytes_again_change_nothing)
{
    char args[600], *out, *err;
    snprintf(args, sizeof args, "'%s/seeds'", TEST_DATA_DIR);
    cr_assert_eq(tdb_run("ingest", args, NULL, NULL), 0);
    const char *sum = "SELECT (SELECT count(*) FROM minutes.documents) + (SELECT count(*) FROM minutes.versions) + "
                      "(SELECT count(*) FROM minutes.items) + (SELECT count(*) FROM minutes.participants) + "
                      "(SELECT count(*) FROM minutes.meetings) * 1000";
    long long before = tdb_int(sum), events = tdb_int("SELECT count(*) FROM minutes.events");
    cr_assert_eq(tdb_run("ingest", args, &out, &err), 0, "stderr: %s", err);
    cr_expect_eq(tdb_int(sum), before);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events"), events);
    cr_expect_not_null(strstr(out, "already loaded"), "%s", out);
    cr_expect_null(strstr(out, ": loaded"), "%s", out);
    free(out);
    free(err);
}

/* Waits up to 10 s for notifications on c; returns them as a JSON array. */
static json_t *drain(PGconn *c, size_t want)
{
    json_t *got = json_array();
    for (int waited = 0; json_array_size(got) < want && waited < 100; waited++) {
        struct pollfd pfd = {PQsocket(c), POLLIN, 0};
        poll(&pfd, 1, 100);
        cr_assert(PQconsumeInput(c));
        PGnotify *n;
        while ((n = PQnotifies(c))) {
            cr_expect_str_eq(n->relname, "minutes_events");
            cr_expect_lt(strlen(n->extra), 8000);
            json_t *j = json_loads(n->extra, 0, NULL);
            cr_assert_not_null(j, "payload is not JSON: %s", n->extra);
            json_array_append_new(got, j);
            PQfreemem(n);
        }
    }
    return got;
}

static size_t count_type(json_t *evs, const char *type)
{
    size_t i, n = 0;
    json_t *e;
    json_array_foreach(evs, i, e) n += strcmp(json_string_value(json_object_get(e, "type")), type) == 0;
    return n;
}

Test(db, minutes_after_agenda_make_decisions_appear_live)
{
    size_t n;
    char *agenda = tdb_agenda_of(SEED0, &n);
    char *apath = tdb_write("agenda.txt", agenda, n);
    char *mpath = tdb_seed_path(SEED0);
    char args[1200], *err;

    /* the schema must exist before LISTEN matters; migrate, then listen */
    cr_assert_eq(tdb_run("migrate", "", NULL, NULL), 0);
    tdb_exec("LISTEN minutes_events");

    snprintf(args, sizeof args, "'%s'", apath);
    cr_assert_eq(tdb_run("ingest", args, NULL, &err), 0, "%s", err);
    json_t *a = drain(tdb, 2);
    cr_expect_eq(count_type(a, "document_loaded"), 1);
    cr_expect_eq(count_type(a, "meeting_added"), 1);
    cr_expect_eq(count_type(a, "decision_appeared"), 0, "an agenda has no decisions");

    free(err);
    snprintf(args, sizeof args, "'%s'", mpath);
    cr_assert_eq(tdb_run("ingest", args, NULL, &err), 0, "%s", err);
    json_t *m = drain(tdb, 6);
    cr_expect_eq(count_type(m, "decision_appeared"), 5, "one per decided item");
    cr_expect_eq(count_type(m, "meeting_added"), 0, "the same meeting");
    size_t i;
    json_t *e;
    json_array_foreach(m, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "type")), "decision_appeared") != 0)
            continue;
        cr_expect_str_eq(json_string_value(json_object_get(e, "body")), "HOL Sundhedsklynge Politisk Forum");
        cr_expect_str_eq(json_string_value(json_object_get(e, "date")), "2023-09-13");
        cr_expect(json_is_integer(json_object_get(e, "id")));
        cr_expect(json_is_integer(json_object_get(e, "item_id")));
        cr_expect(json_is_integer(json_object_get(e, "item_number")));
        cr_expect_not_null(json_object_get(e, "outcome"));
        cr_expect_not_null(json_object_get(e, "title"));
    }
    /* the minutes are current; the agenda is still there as version 1 */
    cr_expect_eq(tdb_int("SELECT current_version FROM minutes.meeting_overview"), 2);
    cr_expect_eq(tdb_int("SELECT decisions FROM minutes.meeting_overview"), 5);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.items i JOIN minutes.versions v ON v.id = i.version_id "
                         "WHERE v.version = 1 AND i.decision_text IS NULL"),
                 5);
    json_decref(a);
    json_decref(m);
    free(agenda);
    free(apath);
    free(mpath);
    free(err);
}

Test(db, an_agenda_arriving_after_its_minutes_does_not_take_over)
{
    size_t n;
    char *agenda = tdb_agenda_of(SEED0, &n);
    char *apath = tdb_write("agenda.txt", agenda, n);
    char *mpath = tdb_seed_path(SEED0);
    char args[1200];
    snprintf(args, sizeof args, "'%s'", mpath);
    cr_assert_eq(tdb_run("ingest", args, NULL, NULL), 0);
    snprintf(args, sizeof args, "'%s'", apath);
    cr_assert_eq(tdb_run("ingest", args, NULL, NULL), 0);
    cr_expect_eq(tdb_int("SELECT versions FROM minutes.meeting_overview"), 2);
    char *kind = tdb_str("SELECT kind FROM minutes.meeting_overview");
    cr_expect_str_eq(kind, "minutes");
    free(kind);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events WHERE type IN ('item_removed', 'decision_changed')"), 0);
    free(agenda);
    free(apath);
    free(mpath);
}

Test(db, a_closed_item_never_puts_its_title_in_an_event)
{
    size_t n;
    char *path = tdb_seed_path(SEED0);
    char *src = (char *)test_read_file(path, &n);
    char *at = strstr(src, "2 (Åben)");
    cr_assert_not_null(at);
    /* "2 (Åben)" -> "2 (Lukket)": same length is not needed, rebuild */
    size_t pre = (size_t)(at - src);
    char *doc = malloc(n + 16);
    memcpy(doc, src, pre);
    memcpy(doc + pre, "2 (Lukket)", 11);
    size_t skip = strlen("2 (Åben)");
    memcpy(doc + pre + 10, at + skip, n - pre - skip);
    size_t len = n - skip + 10;
    char *closed = tdb_write("closed.txt", doc, len);
    struct md_doc *m = parse_file(closed);
    cr_assert_eq(m->items[1].is_public, MD_FALSE, "the parser must see item 2 as closed");
    model_destroy(m);

    char args[600];
    snprintf(args, sizeof args, "'%s'", closed);
    cr_assert_eq(tdb_run("ingest", args, NULL, NULL), 0);
    char *p = tdb_str("SELECT minutes.event_json(e)::text FROM minutes.events e WHERE type = 'decision_appeared' "
                      "AND (payload->>'item_number')::int = 2");
    cr_assert_not_null(p);
    cr_expect_null(strstr(p, "\"title\""), "%s", p);
    cr_expect_null(strstr(p, "Indsatser"), "%s", p);
    cr_expect_not_null(strstr(p, "\"public\": false"), "%s", p);
    free(p);
    free(doc);
    free(src);
    free(path);
    free(closed);
}

Test(db, a_rejected_document_is_recorded_as_failed_and_nothing_else)
{
    static const char binary[] = "%PDF-1.4\x00\x01\x02\x03\xff\xfe\x00\x00 binary\x00";
    static const char undated[] = "Referat\n\nPunkt 1: Noget\n\nBeslutning\n\nGodkendt.\n";
    char *bin = tdb_write("scan.pdf", binary, sizeof binary - 1);
    char *nodate = tdb_write("nodate.txt", undated, strlen(undated));
    char args[1200], *out;
    snprintf(args, sizeof args, "'%s' '%s'", bin, nodate);
    cr_expect_eq(tdb_run("ingest", args, &out, NULL), 1, "a failed document makes ingest exit 1");
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'failed' AND error <> ''"), 2, "%s", out);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.versions"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.meetings"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.items"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events WHERE type = 'document_failed'"), 2);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events"), 2);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE raw_text IS NULL"), 1, "binary keeps no text");
    free(out);
    free(bin);
    free(nodate);
}

Test(db, a_document_the_database_refuses_leaves_no_partial_rows)
{
    char args[600], *out, *err;
    /* A trigger that fails the load half-way, after the document, meeting,
     * version and first item rows of seed 000 were written. */
    cr_assert_eq(tdb_run("migrate", "", NULL, NULL), 0);
    tdb_exec("CREATE FUNCTION public.boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
             "IF NEW.title = 'Indsatser og handleplaner' THEN RAISE EXCEPTION 'boom in item 2'; END IF; "
             "RETURN NEW; END $$");
    tdb_exec("CREATE TRIGGER boom BEFORE INSERT ON minutes.items FOR EACH ROW EXECUTE FUNCTION public.boom()");
    snprintf(args, sizeof args, "'%s/seeds'", TEST_DATA_DIR);
    cr_expect_eq(tdb_run("ingest", args, &out, &err), 1, "%s", err);
    cr_expect_not_null(strstr(out, "boom in item 2"), "%s", out);
    char *st = tdb_str("SELECT status || ': ' || error FROM minutes.documents WHERE source_name = '" SEED0 "'");
    cr_assert_not_null(st);
    cr_expect_not_null(strstr(st, "failed: the database refused the document: boom in item 2"), "%s", st);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.versions v JOIN minutes.documents d ON d.id = v.document_id "
                         "WHERE d.source_name = '" SEED0 "'"),
                 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.meetings WHERE body LIKE 'HOL%'"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.items WHERE title = 'Godkendelse af dagsorden' AND "
                         "meeting_id NOT IN (SELECT meeting_id FROM minutes.documents WHERE meeting_id IS NOT NULL "
                         "AND source_name <> '" SEED0 "')"),
                 0);
    /* the others in the same transaction loaded */
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), 4);
    free(st);
    free(out);
    free(err);
}

Test(db, a_document_refused_even_as_failed_is_set_aside_and_the_rest_loads)
{
    char args[600], *out, *err;
    /* refuses every documents row of seed 000, its failure record included */
    cr_assert_eq(tdb_run("migrate", "", NULL, NULL), 0);
    tdb_exec("CREATE FUNCTION public.wall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
             "IF NEW.source_name = '" SEED0 "' THEN RAISE EXCEPTION 'no room for this one'; END IF; "
             "RETURN NEW; END $$");
    tdb_exec("CREATE TRIGGER wall BEFORE INSERT ON minutes.documents FOR EACH ROW EXECUTE FUNCTION public.wall()");
    snprintf(args, sizeof args, "'%s/seeds'", TEST_DATA_DIR);
    cr_expect_eq(tdb_run("ingest", args, &out, &err), 1, "%s", err);
    cr_expect_not_null(strstr(out, "failed: the database refused the document and its failure record"), "%s", out);
    cr_expect_not_null(strstr(out, "no room for this one"), "%s", out);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE source_name = '" SEED0 "'"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), 4);
    free(out);
    free(err);
}

/* n copies of each seed, each a different document of the same meeting */
static void write_variants(int n)
{
    static const char *seeds[] = {"000_d2f626ad0e25e238.txt", "001_7b1df9de962b88b2.txt", "002_54d817ac84b58f52.txt",
                                  "003_bdb304747eb2561f.txt", "004_7178018e32c86f38.txt"};
    for (int s = 0; s < 5; s++) {
        size_t len;
        char *path = tdb_seed_path(seeds[s]);
        char *src = (char *)test_read_file(path, &len);
        for (int v = 0; v < n; v++) {
            char name[64], tail[64];
            int tl = snprintf(tail, sizeof tail, "\nVersion %d.\n", v);
            char *b = malloc(len + (size_t)tl);
            memcpy(b, src, len);
            memcpy(b + len, tail, (size_t)tl);
            snprintf(name, sizeof name, "in/s%d-v%02d.txt", s, v);
            free(tdb_write(name, b, len + (size_t)tl));
            free(b);
        }
        free(src);
        free(path);
    }
}

Test(db, two_ingests_at_once_load_each_document_exactly_once)
{
    char dir[300], cmd[2048];
    snprintf(dir, sizeof dir, "%s/in", tdb_dir);
    cr_assert_eq(mkdir(dir, 0700), 0);
    write_variants(8);
    char *merr;
    cr_assert_eq(tdb_run("migrate", "", NULL, &merr), 0, "%s", merr);
    free(merr);
    /* both at once, small batches so their transactions interleave */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ('%s' ingest --db '%s' --batch 3 in >a.out 2>a.err & "
             "'%s' ingest --db '%s' --batch 3 in >b.out 2>b.err & wait) ; "
             "grep -h ': loaded' a.out b.out | wc -l > loaded.count",
             tdb_dir, MINUTESD_BIN, tdb_conninfo, MINUTESD_BIN, tdb_conninfo);
    cr_assert_eq(system(cmd), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents"), 40);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.documents WHERE status = 'loaded'"), 40);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events WHERE type = 'document_loaded'"), 40);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.meetings"), 5);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.versions"), 40);
    cr_expect_eq(tdb_int("SELECT max(version) FROM minutes.versions"), 8);
    char p[400];
    size_t n;
    snprintf(p, sizeof p, "%s/loaded.count", tdb_dir);
    char *c = (char *)test_read_file(p, &n);
    cr_expect_eq(atoi(c), 40, "each file reported loaded by exactly one of the two");
    free(c);
}

/* The ids of JSON lines in s, in order; returns how many. */
static size_t ids_of(const char *s, long long *ids, size_t max)
{
    size_t n = 0;
    while (s && *s && n < max) {
        const char *nl = strchr(s, '\n');
        char *line = strndup(s, nl ? (size_t)(nl - s) : strlen(s));
        json_t *j = json_loads(line, 0, NULL);
        cr_assert_not_null(j, "not a JSON line: %s", line);
        ids[n++] = (long long)json_integer_value(json_object_get(j, "id"));
        json_decref(j);
        free(line);
        s = nl ? nl + 1 : NULL;
    }
    return n;
}

Test(db, listen_since_replays_then_follows_without_gap_or_duplicate)
{
    char args[600], *out, *err, dir[300], cmd[2048];
    snprintf(args, sizeof args, "'%s/seeds'", TEST_DATA_DIR);
    cr_assert_eq(tdb_run("ingest", args, NULL, NULL), 0);
    long long stored = tdb_int("SELECT max(id) FROM minutes.events");
    cr_assert_gt(stored, 20);

    /* replay only */
    cr_assert_eq(tdb_run("listen", "--since 10 --count 5", &out, &err), 0, "%s", err);
    long long ids[4096];
    size_t n = ids_of(out, ids, 4096);
    cr_expect_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(ids[i], 11 + (long long)i);
    free(out);
    free(err);

    /* the seam: listen from 20 while another process loads 40 more documents */
    snprintf(dir, sizeof dir, "%s/in", tdb_dir);
    cr_assert_eq(mkdir(dir, 0700), 0);
    write_variants(8);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ('%s' listen --db '%s' --since 20 >listen.out 2>listen.err & echo $! >listen.pid; "
             "'%s' ingest --db '%s' --batch 2 in >/dev/null 2>&1)",
             tdb_dir, MINUTESD_BIN, tdb_conninfo, MINUTESD_BIN, tdb_conninfo);
    cr_assert_eq(system(cmd), 0);
    long long last = tdb_int("SELECT max(id) FROM minutes.events");
    cr_assert_gt(last, stored + 40);
    char p[400];
    size_t len;
    snprintf(p, sizeof p, "%s/listen.pid", tdb_dir);
    char *pid = (char *)test_read_file(p, &len);
    snprintf(p, sizeof p, "%s/listen.out", tdb_dir);
    /* wait for the listener to catch up, then stop it as a user would */
    for (int i = 0; i < 100; i++) {
        char *o = (char *)test_read_file(p, &len);
        n = ids_of(o, ids, 4096);
        free(o);
        if (n && ids[n - 1] == last)
            break;
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    kill(atoi(pid), SIGTERM);
    free(pid);
    cr_expect_eq(n, (size_t)(last - 20), "every event after 20, once");
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(ids[i], 21 + (long long)i, "position %zu", i);
}

Test(db, reparse_heals_a_document_an_older_parser_failed)
{
    /* What an older parser made of seed 000: it found no date.  Its text
     * is stored; the current parser reads it, as if it had improved. */
    static const char undated[] = "Referat\n\nPunkt 1: Noget\n\nBeslutning\n\nGodkendt.\n";
    char *p = tdb_write("old.txt", undated, strlen(undated));
    char args[600], *out, *err;
    snprintf(args, sizeof args, "'%s'", p);
    cr_assert_eq(tdb_run("ingest", args, NULL, NULL), 1);
    size_t n;
    char *sp = tdb_seed_path(SEED0);
    char *text = (char *)test_read_file(sp, &n);
    const char *params[1] = {text};
    PGresult *r = PQexecParams(tdb, "UPDATE minutes.documents SET raw_text = $1, parser_version = 'minutesd/0.0.1'",
                               1, NULL, params, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s", PQerrorMessage(tdb));
    PQclear(r);

    cr_assert_eq(tdb_run("reparse", "--failed", &out, &err), 0, "%s", err);
    cr_expect_not_null(strstr(out, "new version"), "%s", out);
    char *status = tdb_str("SELECT status FROM minutes.documents");
    cr_expect_str_eq(status, "loaded");
    free(status);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.meetings"), 1);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events WHERE type = 'decision_appeared'"), 5);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events WHERE type = 'meeting_added'"), 1);
    free(out);
    free(err);

    /* nothing changed since: a second run changes nothing */
    long long events = tdb_int("SELECT count(*) FROM minutes.events");
    cr_assert_eq(tdb_run("reparse", "--all", &out, &err), 0, "%s", err);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.events"), events, "%s", out);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.versions"), 1);
    free(out);
    free(err);
    free(text);
    free(sp);
    free(p);
}

Test(db, migrate_twice_and_at_once_is_safe)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && ('%s' migrate --db '%s' >a 2>&1 & '%s' migrate --db '%s' >b 2>&1 & wait)",
             tdb_dir, MINUTESD_BIN, tdb_conninfo, MINUTESD_BIN, tdb_conninfo);
    cr_assert_eq(system(cmd), 0);
    long long applied = tdb_int("SELECT count(*) FROM minutes.schema_migrations");
    cr_expect_geq(applied, 3);
    char *out, *err;
    cr_expect_eq(tdb_run("migrate", "", &out, &err), 0);
    cr_expect_null(strstr(err, "applied"), "nothing left to apply: %s", err);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.schema_migrations"), applied);
    free(out);
    free(err);
}

Test(db, the_reader_sees_views_only_and_the_loader_cannot_delete)
{
    char args[600];
    snprintf(args, sizeof args, "'%s/seeds'", TEST_DATA_DIR);
    cr_assert_eq(tdb_run("ingest", args, NULL, NULL), 0);
    tdb_exec("SET ROLE minutes_reader");
    cr_expect_gt(tdb_int("SELECT count(*) FROM minutes.decision_feed"), 0);
    cr_expect_eq(tdb_int("SELECT count(*) FROM minutes.meeting_overview"), 5);
    PGresult *r = PQexec(tdb, "SELECT raw_text FROM minutes.documents");
    cr_expect_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    tdb_exec("RESET ROLE");
    tdb_exec("SET ROLE minutes_loader");
    r = PQexec(tdb, "DELETE FROM minutes.items");
    cr_expect_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    r = PQexec(tdb, "DROP TABLE minutes.events");
    cr_expect_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    tdb_exec("RESET ROLE");
}

Test(db, a_file_name_that_is_not_utf8_does_not_stop_the_load)
{
    size_t n;
    char *sp = tdb_seed_path(SEED0);
    char *text = (char *)test_read_file(sp, &n);
    char *p = tdb_write("m\xf8" "de.txt", text, n);   /* "møde" in Latin-1 */
    char args[600], *out, *err;
    snprintf(args, sizeof args, "'%s'", p);
    cr_assert_eq(tdb_run("ingest", args, &out, &err), 0, "%s %s", out, err);
    char *name = tdb_str("SELECT source_name FROM minutes.documents WHERE status = 'loaded'");
    cr_expect_str_eq(name, "m?de.txt");
    free(name);
    free(out);
    free(err);
    free(text);
    free(sp);
    free(p);
}

Test(db, psql_passes_its_arguments_with_or_without_the_separator)
{
    char *out;
    cr_assert_eq(tdb_run("psql", "-At -c 'SELECT 41 + 1'", &out, NULL), 0);
    cr_expect_str_eq(out, "42\n");
    free(out);
    cr_assert_eq(tdb_run("psql", "-- -At -c 'SELECT count(*) FROM minutes.documents'", &out, NULL), 0);
    cr_expect_str_eq(out, "0\n", "the schema is there before anyone looks");
    free(out);
}
