/*
 * subscribe: `minutesd subscribe`, `unsubscribe` and `subscriptions` -
 * managing who is told about which decisions (minutes.subscriptions).
 *
 * Everything a person types is checked here, before it reaches the
 * database, so a mistake is an error on the command line rather than a
 * subscription that silently never matches: known event types and
 * outcomes, a plausible e-mail address (no CR/LF: it becomes a header), an
 * http(s) webhook URL, a full-text query PostgreSQL can read.  Filters are
 * stored in lower case; the planner compares case-insensitively.
 */
#include "alertmsg.h"
#include "commands.h"
#include "db.h"
#include "session.h"
#include "util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUB_MAX_VALUES 64

static const char *const EVENT_TYPES[] = {"document_loaded", "document_failed", "meeting_added", "item_added",
                                          "item_removed", "decision_appeared", "decision_changed",
                                          "source_failing", "source_recovered", NULL};
/* as items.outcome's check (sql/001) */
static const char *const OUTCOMES[] = {"approved", "noted", "discussed", "rejected", "postponed", "other", NULL};

static bool one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* A PostgreSQL array literal of the values: {"a","b"} (folded to lower
 * case by the database, minutes.fold, the way the planner compares). */
static char *array_literal(char **v, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, i ? ",\"" : "\"");
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_putc(&b, '\\');
            buf_putc(&b, *p);
        }
        buf_putc(&b, '"');
    }
    buf_putc(&b, '}');
    return buf_steal(&b, NULL);
}

/* The webhook URL as curl normalises it (scheme and host in lower case),
 * or NULL when it is not an http(s) URL or carries a user or password
 * (the URL is logged and listed; a secret goes in its path, as Slack's and
 * Teams' do, and those are never logged whole). */
static char *webhook_url(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *user = NULL, *norm = NULL, *out = NULL;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            goto out;
    if (u && strlen(url) <= 2048 && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
        curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_OK && curl_url_get(u, CURLUPART_URL, &norm, 0) == CURLUE_OK)
        out = xstrndup(norm, strlen(norm));
out:
    curl_free(scheme);
    curl_free(user);
    curl_free(norm);
    curl_url_cleanup(u);
    return out;
}

struct values {
    char *v[SUB_MAX_VALUES];
    size_t n;
};

/* Adds "a,b,c" (or one value) to vs; false when there are too many. */
static bool add_values(struct values *vs, char *arg)
{
    for (char *save = NULL, *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (!*t)
            continue;
        if (vs->n == SUB_MAX_VALUES)
            return false;
        vs->v[vs->n++] = t;
    }
    return true;
}

static void subscribe_usage(void)
{
    fputs("usage: minutesd subscribe (--email ADDR | --webhook URL) [--events TYPE,...] [--cluster C]...\n"
          "                          [--region R]... [--body TEXT]... [--outcome O]... [--query TEXT]\n"
          "                          [--digest hourly|daily] [--db CONNINFO] [--config FILE]\n",
          stderr);
}

int subscribe_main(int argc, char **argv)
{
    struct session_opts so = {.quiet = true};
    struct session *s = NULL;
    char err[1024];
    const char *channel = NULL, *target = NULL, *query = NULL, *digest = NULL;
    struct values events = {0}, clusters = {0}, regions = {0}, bodies = {0}, outcomes = {0};
    char *lit[5] = {NULL};
    int status = EXIT_USAGE;

    argc = session_parse_args(argc, argv, &so, err, sizeof err);
    if (argc < 0) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (!val) {
            subscribe_usage();
            return EXIT_USAGE;
        }
        i++;
        if (strcmp(a, "--email") == 0 || strcmp(a, "--webhook") == 0) {
            if (channel) {
                fprintf(stderr, "minutesd: one recipient per subscription (--email or --webhook)\n");
                return EXIT_USAGE;
            }
            channel = a[2] == 'e' ? "email" : "webhook";
            target = val;
        } else if (strcmp(a, "--events") == 0) {
            ok = add_values(&events, val);
        } else if (strcmp(a, "--cluster") == 0) {
            ok = add_values(&clusters, val);
        } else if (strcmp(a, "--region") == 0) {
            ok = add_values(&regions, val);
        } else if (strcmp(a, "--body") == 0) {
            ok = bodies.n < SUB_MAX_VALUES;
            if (ok)
                bodies.v[bodies.n++] = val;   /* a body may contain commas */
        } else if (strcmp(a, "--outcome") == 0) {
            ok = add_values(&outcomes, val);
        } else if (strcmp(a, "--query") == 0) {
            query = val;
        } else if (strcmp(a, "--digest") == 0) {
            digest = val;
        } else {
            fprintf(stderr, "minutesd: unknown argument \"%s\"\n", a);
            subscribe_usage();
            return EXIT_USAGE;
        }
        if (!ok) {
            fprintf(stderr, "minutesd: %s: at most %d values\n", a, SUB_MAX_VALUES);
            return EXIT_USAGE;
        }
    }
    if (!channel) {
        subscribe_usage();
        return EXIT_USAGE;
    }
    if (strcmp(channel, "email") == 0 && !alertmsg_address(target)) {
        fprintf(stderr, "minutesd: --email: \"%s\" is not an e-mail address\n", target);
        return EXIT_USAGE;
    }
    char *hook = NULL;
    if (strcmp(channel, "webhook") == 0 && !(hook = webhook_url(target))) {
        fprintf(stderr, "minutesd: --webhook: \"%s\" is not an http or https URL without a user or password\n",
                target);
        return EXIT_USAGE;
    }
    if (hook)
        target = hook;
    for (size_t i = 0; i < events.n; i++)
        if (!one_of(events.v[i], EVENT_TYPES)) {
            fprintf(stderr, "minutesd: --events: unknown event type \"%s\"\n", events.v[i]);
            return EXIT_USAGE;
        }
    for (size_t i = 0; i < outcomes.n; i++)
        if (!one_of(outcomes.v[i], OUTCOMES)) {
            fprintf(stderr, "minutesd: --outcome: \"%s\" is not one of approved, noted, discussed, rejected, "
                            "postponed, other\n", outcomes.v[i]);
            return EXIT_USAGE;
        }
    if (digest && strcmp(digest, "hourly") != 0 && strcmp(digest, "daily") != 0) {
        fprintf(stderr, "minutesd: --digest must be hourly or daily\n");
        return EXIT_USAGE;
    }
    s = session_open(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "minutesd: %s\n", err);
        free(hook);
        return EXIT_USAGE;
    }
    PGconn *c = session_conn(s);
    if (query) {
        /* a query PostgreSQL cannot read would fail every event later */
        const char *p[1] = {query};
        PGresult *r = db_query(c, "SELECT websearch_to_tsquery('danish', $1)::text", 1, p, err, sizeof err);
        if (!r) {
            fprintf(stderr, "minutesd: --query: %s\n", err);
            goto out;
        }
        bool empty = PQgetvalue(r, 0, 0)[0] == '\0';
        PQclear(r);
        if (empty) {
            fprintf(stderr, "minutesd: --query \"%s\" has no words to search for\n", query);
            goto out;
        }
    }
    struct values *lists[5] = {&events, &clusters, &regions, &bodies, &outcomes};
    for (int k = 0; k < 5; k++)
        lit[k] = lists[k]->n ? array_literal(lists[k]->v, lists[k]->n) : NULL;
    const char *params[9] = {channel, target, lit[0], lit[1], lit[2], lit[3], lit[4], query, digest};
    PGresult *r = db_query(c,
                           "INSERT INTO minutes.subscriptions (channel, target, events, clusters, regions, bodies, "
                           "outcomes, query, digest, first_event_id) VALUES ($1, $2, coalesce($3::text[], "
                           "'{decision_appeared,decision_changed}'), "
                           "(SELECT array_agg(minutes.fold(x)) FROM unnest($4::text[]) x), "
                           "(SELECT array_agg(minutes.fold(x)) FROM unnest($5::text[]) x), "
                           "(SELECT array_agg(minutes.fold(x)) FROM unnest($6::text[]) x), "
                           "$7, $8, $9, (SELECT coalesce(max(id), 0) FROM minutes.events)) RETURNING id",
                           9, params, err, sizeof err);
    if (!r) {
        fprintf(stderr, "minutesd: could not subscribe: %s\n", err);
        goto out;
    }
    printf("subscription %s\n", PQgetvalue(r, 0, 0));
    PQclear(r);
    status = 0;
out:
    for (int k = 0; k < 5; k++)
        free(lit[k]);
    free(hook);
    session_close(s);
    return status;
}

int unsubscribe_main(int argc, char **argv)
{
    struct session_opts so = {.quiet = true};
    char err[1024], *end;
    argc = session_parse_args(argc, argv, &so, err, sizeof err);
    if (argc != 1 || strtoll(argv[0], &end, 10) <= 0 || *end) {
        fputs("usage: minutesd unsubscribe ID [--db CONNINFO] [--config FILE]\n", stderr);
        return EXIT_USAGE;
    }
    struct session *s = session_open(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    int status = EXIT_USAGE;
    const char *p[1] = {argv[0]};
    /* kept, inactive: its deliveries refer to it; pending ones are not sent */
    PGresult *r = db_query(session_conn(s),
                           "UPDATE minutes.subscriptions SET active = false WHERE id = $1 AND active RETURNING id", 1,
                           p, err, sizeof err);
    if (!r) {
        fprintf(stderr, "minutesd: could not unsubscribe: %s\n", err);
    } else if (PQntuples(r) == 0) {
        fprintf(stderr, "minutesd: no active subscription %s\n", argv[0]);
        status = EXIT_REJECTED;
    } else {
        printf("subscription %s removed\n", argv[0]);
        status = 0;
    }
    PQclear(r);
    session_close(s);
    return status;
}

int subscriptions_main(int argc, char **argv)
{
    struct session_opts so = {.quiet = true};
    char err[1024];
    argc = session_parse_args(argc, argv, &so, err, sizeof err);
    if (argc != 0) {
        fputs("usage: minutesd subscriptions [--db CONNINFO] [--config FILE]\n", stderr);
        return EXIT_USAGE;
    }
    struct session *s = session_open(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "minutesd: %s\n", err);
        return EXIT_USAGE;
    }
    PGresult *r = db_query(session_conn(s),
                           "SELECT s.id, s.channel, s.target, array_to_string(s.events, ','), "
                           "concat_ws('; ', 'cluster ' || array_to_string(s.clusters, '|'), "
                           "'region ' || array_to_string(s.regions, '|'), 'body ' || array_to_string(s.bodies, '|'), "
                           "'outcome ' || array_to_string(s.outcomes, '|'), 'query \"' || s.query || '\"', "
                           "s.digest || ' digest'), "
                           "(SELECT count(*) FROM minutes.deliveries d WHERE d.subscription_id = s.id AND d.status = 'sent'), "
                           "(SELECT count(*) FROM minutes.deliveries d WHERE d.subscription_id = s.id AND d.status = 'pending') "
                           "FROM minutes.subscriptions s WHERE s.active ORDER BY s.id",
                           0, NULL, err, sizeof err);
    if (!r) {
        fprintf(stderr, "minutesd: %s\n", err);
        session_close(s);
        return EXIT_USAGE;
    }
    for (int i = 0; i < PQntuples(r); i++)
        printf("%s\t%s %s\t%s%s%s\t(%s sent, %s pending)\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4)[0] ? "; " : "", PQgetvalue(r, i, 4),
               PQgetvalue(r, i, 5), PQgetvalue(r, i, 6));
    if (PQntuples(r) == 0)
        printf("no subscriptions (add one with `minutesd subscribe --email ADDR`)\n");
    PQclear(r);
    session_close(s);
    return 0;
}
