/*
 * minutesd: the command line.  One binary, subcommands:
 *
 *   minutesd parse [--compact | --summary] [--layout NAME] FILE…
 *                                       print the model as JSON (or one line)
 *   minutesd migrate                    apply pending schema migrations
 *   minutesd ingest FILE|DIR…           parse and load into PostgreSQL
 *   minutesd listen [--since ID]        print change events as JSON lines
 *   minutesd reparse [--failed | --all] re-run the current parser over stored text
 *   minutesd psql [PSQL-ARGS]           psql on minutesd's database (starting it if private)
 *   minutesd run                        the daemon: watch the inboxes, load what arrives
 *   minutesd check-config FILE          validate a configuration file without starting
 *   minutesd subscribe / unsubscribe / subscriptions   who is alerted about what
 *   minutesd version
 *
 * The database commands share --config FILE, --db CONNINFO and
 * --state-dir DIR (session.h); with none of them and no PG* environment
 * they use the private cluster under ./var.
 *
 * `parse` is the pipeline with nothing around it: what the daemon would load
 * is exactly what it prints.  It prints the model even for a document it
 * rejects (with the issues that say why) and then exits 1, so a person can
 * see what was understood; errors go to stderr as one line naming the file.
 */
#include "commands.h"
#include "db.h"
#include "extract.h"
#include "migrate.h"
#include "model.h"
#include "pipeline.h"
#include "readfile.h"
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <curl/curl.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: minutesd parse [--compact | --summary] [--layout NAME] FILE...\n"
          "       minutesd migrate [DBOPTS]\n"
          "       minutesd ingest [DBOPTS] [--batch N] FILE|DIR...\n"
          "       minutesd listen [DBOPTS] [--since ID] [--count N]\n"
          "       minutesd reparse [DBOPTS] [--failed | --all]\n"
          "       minutesd psql [DBOPTS] [PSQL-ARGS...]\n"
          "       minutesd run [DBOPTS] [--log-format text|json] [--log-level LEVEL]\n"
          "       minutesd check-config FILE\n"
          "       minutesd subscribe [DBOPTS] (--email ADDR | --webhook URL) [--events T,...] [--cluster C]...\n"
          "                [--region R]... [--body TEXT]... [--outcome O]... [--query TEXT] [--digest hourly|daily]\n"
          "       minutesd unsubscribe [DBOPTS] ID\n"
          "       minutesd subscriptions [DBOPTS]\n"
          "       minutesd version\n"
          "DBOPTS: [--config FILE] [--db CONNINFO] [--state-dir DIR]\n",
          f);
}

/* One line a person can read: what minutesd understood of a document. */
static void print_summary(const char *path, const struct md_doc *doc, enum stage_result res)
{
    const struct md_meeting *m = &doc->meeting;
    size_t decisions = 0, absent = 0;
    for (size_t i = 0; i < doc->nitems; i++)
        decisions += doc->items[i].decision_text != NULL;
    for (size_t i = 0; i < doc->nparticipants; i++)
        absent += !doc->participants[i].present;
    if (res == STAGE_REJECT) {
        printf("%s: rejected: %s\n", path, pipeline_first_error(doc));
        return;
    }
    printf("%s: %s %s, %s (%s, %s), %zu items, %zu decisions, %zu participants (%zu absent), layout %s, "
           "%zu warnings\n",
           path, doc->kind, m->date ? m->date : "?", m->body ? m->body : "?", m->cluster ? m->cluster : "?",
           m->region ? m->region : "?", doc->nitems, decisions, doc->nparticipants, absent, doc->layout,
           model_count_issues(doc, "warning"));
}

static int cmd_parse(int argc, char **argv)
{
    bool pretty = true, summary = false;
    struct pipeline_opts opts = {0};
    int i = 0, nfiles = 0, status = 0;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--compact") == 0)
            pretty = false;
        else if (strcmp(argv[i], "--summary") == 0)
            summary = true;
        else if (strcmp(argv[i], "--layout") == 0 && i + 1 < argc)
            opts.layout = argv[++i];
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "minutesd: unknown option \"%s\"\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        } else
            break;
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (; i < argc; i++, nfiles++) {
        const char *path = argv[i];
        unsigned char *data = NULL;
        size_t len = 0;
        int rc = readfile_all(path, PIPELINE_MAX_BYTES, &data, &len);
        if (rc == -EFBIG) {
            fprintf(stderr, "minutesd: %s: file too large (more than %zu MiB)\n", path, PIPELINE_MAX_BYTES >> 20);
            status = EXIT_REJECTED;
            continue;
        }
        if (rc < 0) {
            fprintf(stderr, "minutesd: %s: could not read file: %s\n", path, strerror(-rc));
            status = EXIT_USAGE;
            continue;
        }
        const char *base = strrchr(path, '/');
        char *uri = file_uri(path);
        enum stage_result res;
        char *name = utf8_copy(base ? base + 1 : path);
        struct md_doc *doc = extract_pipeline(data, len, name, uri, &opts, &res);
        free(name);
        free(uri);
        free(data);
        if (summary) {
            print_summary(path, doc, res);
        } else {
            struct buf out;
            buf_init(&out, 0);
            model_json(doc, &out, pretty);
            if (!pretty)
                buf_putc(&out, '\n');
            fwrite(out.data, 1, out.len, stdout);
            buf_free(&out);
        }
        if (res == STAGE_REJECT) {
            fprintf(stderr, "minutesd: %s: rejected: %s\n", path, pipeline_first_error(doc));
            if (status == 0)
                status = EXIT_REJECTED;
        }
        model_destroy(doc);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "minutesd: could not write output: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    (void)nfiles;
    return status;
}

int migrate_main(int argc, char **argv)
{
    struct session_opts so = {0};
    char err[1024];
    struct session *s;

    argc = session_parse_args(argc, argv, &so, err, sizeof err);
    if (argc != 0) {
        if (argc < 0)
            fprintf(stderr, "minutesd: %s\n", err);
        fputs("usage: minutesd migrate [--config FILE] [--db CONNINFO] [--state-dir DIR]\n", stderr);
        return EXIT_USAGE;
    }
    /* opening a session applies what is missing and says so */
    s = session_open(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    printf("minutesd: schema is at %s\n", migrate_latest());
    session_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    extract_init();
    /* once, before any thread exists: curl's global set-up (TLS) is not
     * safe to race */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("minutesd: could not initialise libcurl\n", stderr);
        return 1;
    }
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "parse") == 0)
        return cmd_parse(argc - 2, argv + 2);
    if (strcmp(cmd, "migrate") == 0)
        return migrate_main(argc - 2, argv + 2);
    if (strcmp(cmd, "ingest") == 0)
        return ingest_main(argc - 2, argv + 2);
    if (strcmp(cmd, "listen") == 0)
        return listen_main(argc - 2, argv + 2);
    if (strcmp(cmd, "psql") == 0)
        return psql_main(argc - 2, argv + 2);
    if (strcmp(cmd, "reparse") == 0)
        return reparse_main(argc - 2, argv + 2);
    if (strcmp(cmd, "run") == 0)
        return run_main(argc - 2, argv + 2);
    if (strcmp(cmd, "check-config") == 0)
        return check_config_main(argc - 2, argv + 2);
    if (strcmp(cmd, "subscribe") == 0)
        return subscribe_main(argc - 2, argv + 2);
    if (strcmp(cmd, "unsubscribe") == 0)
        return unsubscribe_main(argc - 2, argv + 2);
    if (strcmp(cmd, "subscriptions") == 0)
        return subscriptions_main(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("minutesd %s\n", MINUTESD_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "minutesd: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
