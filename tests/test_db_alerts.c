/*
 * Alerts end to end: subscriptions made with `minutesd subscribe`, the real
 * `minutesd run` loading documents dropped into its inbox, and what arrives
 * at a real SMTP server (tests/smtp-server, aiosmtpd) and a real webhook
 * endpoint (tests/webhook-receiver), one of each per test on a port of
 * their own.  Judged from both ends: what the servers received (each keeps
 * a JSON line per message, decoded, so a Danish title is found with strstr
 * however the message was encoded), what the daemon says (its log) and
 * what it recorded (minutes.deliveries).
 *
 * The daemon runs with "interval_s": 1 and retries from 1 s to 4 s, so a
 * retry or a look for due work happens every second or so.  Every wait has
 * a deadline far above what it should take; "exactly once" is checked
 * after the first arrival and again after a few more intervals, when a
 * duplicate would have had time to come.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "model.h"
#include "pipeline.h"
#include "testdb.h"
#include "testdaemon.h"

#define SMTP_SERVER TEST_DATA_DIR "/../smtp-server"
#define WEBHOOK_RECEIVER TEST_DATA_DIR "/../webhook-receiver"

/* Holbæk (Region Sjælland), 13 September 2023: five public items, each
 * with a decision; only item 5's decision says "Protokollen". */
#define SEED0 "000_d2f626ad0e25e238.txt"
/* Gødstrup (Region Midtjylland), 27 November 2024: 13 decisions. */
#define SEED4 "004_7178018e32c86f38.txt"

/* A few intervals: long enough for a duplicate to show up if one would. */
#define QUIET_MS 3000

/* The test's files: TDB/minutesd.json, TDB/daemon.log, TDB/inbox, ... */
static char cfg[300], logp[300], inbox[300], processed[300], staging[300];

/* The test's servers: their directories and ports (0: not started). */
static char smtp_dir[64], hook_dir[64];
static int smtp_port, hook_port;

static void fini(void)
{
    td_cleanup();   /* the daemons, then the guards that stop the servers */
    tdb_teardown();
}

TestSuite(alerts, .init = tdb_setup, .fini = fini, .timeout = 120);

static void paths(void)
{
    snprintf(cfg, sizeof cfg, "%s/minutesd.json", tdb_dir);
    snprintf(logp, sizeof logp, "%s/daemon.log", tdb_dir);
    snprintf(inbox, sizeof inbox, "%s/inbox", tdb_dir);
    snprintf(processed, sizeof processed, "%s/processed", tdb_dir);
    snprintf(staging, sizeof staging, "%s/staging", tdb_dir);
    cr_assert(mkdir(staging, 0755) == 0 || errno == EEXIST);
}

/* ---- SQL --------------------------------------------------------------- */

/* minutes.deliveries of a subscription, for failure messages (static). */
static const char *deliveries_of(long long sub)
{
    static char out[2048];
    char *s = tdb_strf("SELECT coalesce(string_agg(format('id %%s key %%s status %%s attempts %%s next %%s error %%s "
                      "events %%s', id, key, status, attempts, next_attempt, last_error, event_ids), E'\\n'), "
                      "'(none)') FROM minutes.deliveries WHERE subscription_id = %lld",
                      sub);
    snprintf(out, sizeof out, "--- deliveries of subscription %lld:\n%s", sub, s ? s : "(null)");
    free(s);
    return out;
}

/* Rows of minutes.deliveries for sub that satisfy cond (SQL). */
static long long deliveries(long long sub, const char *cond)
{
    return tdb_intf("SELECT count(*) FROM minutes.deliveries WHERE subscription_id = %lld AND (%s)", sub, cond);
}

/* Decision events of a document (the events an alert is about). */
static long long decision_events(long long doc)
{
    return tdb_intf("SELECT count(*) FROM minutes.events WHERE document_id = %lld "
                   "AND type IN ('decision_appeared', 'decision_changed')",
                   doc);
}

/* How many of doc's decision events sub's delivery rows name. */
static long long events_delivered(long long sub, long long doc)
{
    return tdb_intf("SELECT count(DISTINCT e.id) FROM minutes.events e JOIN minutes.deliveries d "
                   "ON e.id = ANY (d.event_ids) WHERE d.subscription_id = %lld AND e.document_id = %lld "
                   "AND e.type IN ('decision_appeared', 'decision_changed')",
                   sub, doc);
}

/*
 * The key of sub's first delivery row (new; free()), checked for the
 * shape of a per-document key: "doc:<document id>:…sub:<subscription id>"
 * (whatever the daemon puts between the two to tell one load of the
 * document from a later one).
 */
static char *doc_key(long long sub, long long doc)
{
    char *k = tdb_strf("SELECT key FROM minutes.deliveries WHERE subscription_id = %lld ORDER BY id LIMIT 1", sub);
    cr_assert_not_null(k, "no delivery for subscription %lld", sub);
    char pre[48], suf[48];
    snprintf(pre, sizeof pre, "doc:%lld:", doc);
    snprintf(suf, sizeof suf, ":sub:%lld", sub);
    size_t kl = strlen(k), sl = strlen(suf);
    cr_expect(strncmp(k, pre, strlen(pre)) == 0 && kl >= sl && strcmp(k + kl - sl, suf) == 0,
              "key %s is not doc:%lld:…sub:%lld", k, doc, sub);
    return k;
}

/* ---- documents --------------------------------------------------------- */

static char *seed_text(const char *name, size_t *len)
{
    char *p = tdb_seed_path(name);
    char *t = (char *)test_read_file(p, len);
    free(p);
    return t;
}

/* Seed 0 with item 2 closed: "2 (Åben)" becomes "2 (Lukket)". */
static char *with_item_2_closed(size_t *len)
{
    size_t n;
    char *src = seed_text(SEED0, &n);
    char *at = strstr(src, "2 (Åben)");
    cr_assert_not_null(at);
    size_t pre = (size_t)(at - src), skip = strlen("2 (Åben)");
    char *doc = malloc(n + 16);
    memcpy(doc, src, pre);
    memcpy(doc + pre, "2 (Lukket)", 10);
    memcpy(doc + pre + 10, at + skip, n - pre - skip);
    *len = n - skip + 10;
    doc[*len] = '\0';
    free(src);
    return doc;
}

/*
 * Puts a document into the inbox (written beside it and renamed, so the
 * daemon never sees half of it), waits until it has been loaded, and
 * returns its minutes.documents id.
 */
static long long drop(pid_t pid, const char *name, const char *text, size_t len)
{
    char tmp[400], path[400];
    int before = td_count_files(processed, NULL);
    snprintf(tmp, sizeof tmp, "%s/%s", staging, name);
    snprintf(path, sizeof path, "%s/%s", inbox, name);
    td_write_file(tmp, text, len);
    cr_assert_eq(rename(tmp, path), 0, "rename to %s: %s", path, strerror(errno));
    td_await(pid, 30000, td_count_files(processed, NULL) > before, "%s was not loaded\n%s", name, td_tail(pid));
    char *sha = td_sha_of(text, len);
    long long id = tdb_intf("SELECT id FROM minutes.documents WHERE sha256 = '%s' AND status = 'loaded'", sha);
    free(sha);
    cr_assert_gt(id, 0, "%s is not in minutes.documents as loaded\n%s", name, td_tail(pid));
    return id;
}

static long long drop_seed(pid_t pid, const char *seed, const char *name)
{
    size_t n;
    char *t = seed_text(seed, &n);
    long long id = drop(pid, name, t, n);
    free(t);
    return id;
}

/* ---- the servers ------------------------------------------------------- */

static void smtp_start(void)
{
    snprintf(smtp_dir, sizeof smtp_dir, "/tmp/mdsmtp-XXXXXX");
    smtp_port = td_server_start(SMTP_SERVER, smtp_dir);
}

static void hook_start(void)
{
    snprintf(hook_dir, sizeof hook_dir, "/tmp/mdhook-XXXXXX");
    hook_port = td_server_start(WEBHOOK_RECEIVER, hook_dir);
}

/* The webhook receiver answers 503 while DIR/DOWN exists. */
static void hook_down(bool down)
{
    char path[128];
    snprintf(path, sizeof path, "%s/DOWN", hook_dir);
    if (down)
        td_write_file(path, "", 0);
    else
        cr_assert(unlink(path) == 0 || errno == ENOENT, "unlink %s: %s", path, strerror(errno));
}

/* The URL of path on the test's webhook receiver (static buffer per call:
 * copy it before the next). */
static const char *hook_url(const char *path)
{
    static char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d%s", hook_port, path);
    return u;
}

/* The complete lines of dir/name, parsed (new: json_decref); [] when the
 * file does not exist.  A line still being written (no newline yet) is left
 * out. */
static json_t *jsonl(const char *dir, const char *name)
{
    char path[200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return td_read_jsonl(path);
}

/* j as compact JSON, for failure messages (static buffer, its start). */
static const char *dump(const json_t *j)
{
    static char out[2000];
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    snprintf(out, sizeof out, "%s", s ? s : "(none)");
    free(s);
    return out;
}

static const char *str_of(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static bool is_rcpt(const json_t *mail, const char *addr)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(mail, "rcpt_tos"), i, a)
    {
        if (strcasecmp(json_string_value(a), addr) == 0)
            return true;
    }
    return false;
}

/* E-mails received for addr (NULL: all). */
static int mails(const char *addr)
{
    json_t *all = jsonl(smtp_dir, "received.jsonl"), *m;
    size_t i;
    int n = 0;
    json_array_foreach(all, i, m) n += !addr || is_rcpt(m, addr);
    json_decref(all);
    return n;
}

/* The first e-mail received for addr (new: json_decref; NULL if none). */
static json_t *mail_to(const char *addr)
{
    json_t *all = jsonl(smtp_dir, "received.jsonl"), *m, *found = NULL;
    size_t i;
    json_array_foreach(all, i, m) if (!found && is_rcpt(m, addr)) found = json_incref(m);
    json_decref(all);
    return found;
}

/* Webhook requests acknowledged (200) for path (NULL: any) with
 * Idempotency-Key key (NULL: any). */
static int hooks(const char *path, const char *key)
{
    json_t *all = jsonl(hook_dir, "received.jsonl"), *r;
    size_t i;
    int n = 0;
    json_array_foreach(all, i, r) n += (!path || strcmp(str_of(r, "path"), path) == 0) &&
                                       (!key || strcmp(str_of(r, "idempotency_key"), key) == 0);
    json_decref(all);
    return n;
}

/* The first request acknowledged for path (new: json_decref; NULL). */
static json_t *hook_at(const char *path)
{
    json_t *all = jsonl(hook_dir, "received.jsonl"), *r, *found = NULL;
    size_t i;
    json_array_foreach(all, i, r) if (!found && strcmp(str_of(r, "path"), path) == 0) found = json_incref(r);
    json_decref(all);
    return found;
}

/* Requests the receiver refused (503 while down) for path. */
static int refused(const char *path)
{
    json_t *all = jsonl(hook_dir, "refused.jsonl"), *r;
    size_t i;
    int n = 0;
    json_array_foreach(all, i, r) n += strcmp(str_of(r, "path"), path) == 0;
    json_decref(all);
    return n;
}

/* What the servers received, for failure messages (static buffer, its end). */
static const char *received_tail(void)
{
    static char tail[3000];
    char a[200], b[200];
    snprintf(a, sizeof a, "%s/received.jsonl", smtp_dir);
    snprintf(b, sizeof b, "%s/received.jsonl", hook_dir);
    char *m = smtp_port ? td_read(a) : strdup(""), *h = hook_port ? td_read(b) : strdup("");
    size_t mn = strlen(m), hn = strlen(h);
    snprintf(tail, sizeof tail, "--- e-mails:\n%s\n--- webhooks:\n%s", mn > 1400 ? m + mn - 1400 : m,
             hn > 1400 ? h + hn - 1400 : h);
    free(m);
    free(h);
    return tail;
}

/* ---- the daemon -------------------------------------------------------- */

/*
 * The configuration: the test's database and inbox, debug logging, the SMTP
 * server when the test runs one (plain SMTP: the test server offers no
 * STARTTLS, and the daemon requires it unless told otherwise), and alerts
 * that look for work every second and retry from 1 s to 4 s.
 */
/* A netrc file for the SMTP login, or "" (config_alerts names it). */
static char smtp_credentials[300];

static void config_alerts(void)
{
    char smtp[600] = "", cred[400] = "";
    if (smtp_credentials[0])
        snprintf(cred, sizeof cred, ", \"credentials\": \"%s\"", smtp_credentials);
    if (smtp_port)
        snprintf(smtp, sizeof smtp,
                 "  \"smtp\": {\"url\": \"smtp://127.0.0.1:%d\", \"from\": \"minutesd@example.dk\", "
                 "\"tls\": \"none\"%s},\n",
                 smtp_port, cred);
    FILE *f = fopen(cfg, "w");
    cr_assert_not_null(f, "cannot write %s", cfg);
    fprintf(f,
            "{\n"
            "  \"database\": \"%s\",\n"
            "  \"state_dir\": \"%s/state\",\n"
            "  \"metrics\": {\"listen\": null},\n"
            "  \"log\": {\"level\": \"debug\", \"format\": \"text\"},\n"
            "  \"inboxes\": [{\"path\": \"%s\"}],\n"
            "%s"
            "  \"alerts\": {\"interval_s\": 1, \"retry_min_s\": 1, \"retry_max_s\": 4, \"max_attempts\": 50,\n"
            "             \"timeout_s\": 10, \"max_parallel\": 4}\n"
            "}\n",
            tdb_conninfo, tdb_dir, inbox, smtp);
    cr_assert_eq(fclose(f), 0);
}

static pid_t start_daemon(const char *log)
{
    return td_start_ready(tdb_dir, cfg, log);
}

/* The schema, so that subscriptions can be made before the daemon runs. */
static void migrate(void)
{
    char *err;
    int st = tdb_run("migrate", "", NULL, &err);
    cr_assert_eq(st, 0, "minutesd migrate: exit %d\n%s", st, err);
    free(err);
}

/* What most tests start from: paths, the schema, the mail and webhook
 * servers. */
static void ready(void)
{
    paths();
    migrate();
    smtp_start();
    hook_start();
}

/* `minutesd subscribe ARGS`; returns the id it printed. */
static long long subscribe(const char *fmt, ...)
{
    char args[1024], *out, *err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    int st = tdb_run("subscribe", args, &out, &err);
    cr_assert_eq(st, 0, "minutesd subscribe %s: exit %d\n%s%s", args, st, out, err);
    long long id = -1;
    cr_assert(sscanf(out, "subscription %lld", &id) == 1 && id > 0, "minutesd subscribe %s printed \"%s\"", args,
              out);
    free(out);
    free(err);
    return id;
}

/* Lines of log with a, and b after it on the same line. */
static int log_lines(const char *log, const char *a, const char *b)
{
    char *s = td_read(log);
    int n = 0;
    for (char *line = s, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *at = strstr(line, a);
        n += at && strstr(at + strlen(a), b) != NULL;
    }
    free(s);
    return n;
}

/* "delivery N to ", N the (first) delivery row of sub: how the log names it. */
static void delivery_prefix(char *out, size_t n, long long sub)
{
    long long id = tdb_intf("SELECT coalesce(min(id), -1) FROM minutes.deliveries WHERE subscription_id = %lld", sub);
    snprintf(out, n, "delivery %lld to ", id);
}

/* ---- reading messages -------------------------------------------------- */

/* s with every run of white space made one space (new; free()): a mail
 * body may wrap a long line where the database has a space. */
static char *squeeze(const char *s)
{
    char *o = malloc(strlen(s) + 1), *p = o;
    bool space = false;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
            space = true;
            continue;
        }
        if (space && p > o)
            *p++ = ' ';
        space = false;
        *p++ = *s;
    }
    *p = '\0';
    return o;
}

/* Does text hold needle, white space aside? */
static bool holds(const char *text, const char *needle)
{
    char *t = squeeze(text), *n = squeeze(needle);
    bool yes = strstr(t, n) != NULL;
    free(t);
    free(n);
    return yes;
}

/* The first words of s, at most about max bytes, cut at a space (new). */
static char *opening(const char *s, size_t max)
{
    char *q = squeeze(s);
    if (strlen(q) > max) {
        char *sp = q + max;
        while (sp > q && *sp != ' ')
            sp--;
        *(sp > q ? sp : q + max) = '\0';
    }
    return q;
}

/* Checks that text (a message's readable text: what) names every decided
 * item of document doc, "Punkt N: title" and the opening of its decision,
 * and only those of them whose number is in only (NULL: all). */
static void expect_items(const char *text, const char *what, long long doc, const int *only, int nonly)
{
    PGresult *r = tdb_rowsf("SELECT i.number, i.title, i.decision_text FROM minutes.items i "
                           "JOIN minutes.versions v ON v.id = i.version_id "
                           "WHERE v.document_id = %lld AND i.decision_text IS NOT NULL ORDER BY i.position",
                           doc);
    cr_assert_gt(PQntuples(r), 0, "document %lld has no decisions", doc);
    for (int i = 0; i < PQntuples(r); i++) {
        int num = atoi(PQgetvalue(r, i, 0));
        bool want = !only;
        for (int k = 0; k < nonly; k++)
            want |= only[k] == num;
        char head[600];
        snprintf(head, sizeof head, "Punkt %d: %s", num, PQgetvalue(r, i, 1));
        char *dec = opening(PQgetvalue(r, i, 2), 40);
        if (want) {
            cr_expect(holds(text, head), "%s does not say \"%s\":\n%s", what, head, text);
            cr_expect(holds(text, dec), "%s lacks the decision of item %d (\"%s\"):\n%s", what, num, dec, text);
        } else {
            cr_expect(!holds(text, PQgetvalue(r, i, 1)), "%s names item %d, which did not match:\n%s", what, num,
                      text);
        }
        free(dec);
    }
    PQclear(r);
}

/* ---- a: agenda, then minutes ------------------------------------------- */

Test(alerts, agenda_then_minutes_alert_each_matching_subscription_once_with_every_decision)
{
    ready();
    /* A: the seed's cluster, in lower case.  B: everything.
     * C: a region the seed is not in.  D: a word of one decision only. */
    long long a = subscribe("--email a@example.dk --cluster holbæk");
    long long b = subscribe("--webhook '%s'", hook_url("/hooks/b"));
    long long c = subscribe("--email c@example.dk --region 'Region Syddanmark'");
    long long d = subscribe("--webhook '%s' --query protokollen", hook_url("/hooks/d"));
    char *out;
    cr_assert_eq(tdb_run("subscriptions", "", &out, NULL), 0);
    long long ids[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++) {
        char head[40];
        snprintf(head, sizeof head, "%lld", ids[i]);
        bool listed = strncmp(out, head, strlen(head)) == 0 && !isdigit((unsigned char)out[strlen(head)]);
        for (const char *nl = out; !listed && (nl = strchr(nl, '\n')); nl++)
            listed = strncmp(nl + 1, head, strlen(head)) == 0 && !isdigit((unsigned char)nl[1 + strlen(head)]);
        cr_expect(listed, "subscription %lld not listed by minutesd subscriptions:\n%s", ids[i], out);
    }
    free(out);
    config_alerts();
    pid_t pid = start_daemon(logp);

    /* The agenda: items, no decisions, so nothing to tell anyone. */
    size_t alen;
    char *agenda = tdb_agenda_of(SEED0, &alen);
    long long adoc = drop(pid, "dagsorden.txt", agenda, alen);
    free(agenda);
    cr_assert_eq(decision_events(adoc), 0, "the agenda has decisions: a broken test");
    td_sleep_ms(1500);
    cr_expect_eq(mails(NULL) + hooks(NULL, NULL), 0, "an agenda without decisions was alerted\n%s",
                 received_tail());
    cr_expect_eq(tdb_intf("SELECT count(*) FROM minutes.deliveries"), 0, "deliveries for an agenda");

    /* The minutes of the same meeting: five decisions appear. */
    long long mdoc = drop_seed(pid, SEED0, "referat.txt");
    long long nev = decision_events(mdoc);
    cr_assert_eq(nev, 5, "the minutes made %lld decision events, not 5", nev);
    td_await(pid, 30000, mails("a@example.dk") >= 1 && hooks("/hooks/b", NULL) >= 1 && hooks("/hooks/d", NULL) >= 1,
             "A has %d e-mails, B %d webhooks, D %d\n%s\n%s", mails("a@example.dk"), hooks("/hooks/b", NULL),
             hooks("/hooks/d", NULL), received_tail(), td_tail(pid));
    td_await(pid, 20000, deliveries(a, "status = 'sent'") + deliveries(b, "status = 'sent'") +
                             deliveries(d, "status = 'sent'") == 3,
             "not every delivery is marked sent\n%s\n%s\n%s\n%s", deliveries_of(a), deliveries_of(b),
             deliveries_of(d), td_tail(pid));
    td_sleep_ms(QUIET_MS);

    /* exactly one message per subscription that matches, none for C */
    cr_expect_eq(mails("a@example.dk"), 1, "%s", received_tail());
    cr_expect_eq(mails("c@example.dk"), 0, "C is for another region\n%s", received_tail());
    cr_expect_eq(mails(NULL), 1, "%s", received_tail());
    cr_expect_eq(hooks("/hooks/b", NULL), 1, "%s", received_tail());
    cr_expect_eq(hooks("/hooks/d", NULL), 1, "%s", received_tail());
    cr_expect_eq(hooks(NULL, NULL), 2, "%s", received_tail());

    /* A: one e-mail to its address, from the configured sender, listing
     * every decision of the meeting */
    json_t *m = mail_to("a@example.dk");
    cr_assert_not_null(m);
    const char *text = str_of(m, "text");
    cr_expect_eq(json_array_size(json_object_get(m, "rcpt_tos")), 1, "%s", received_tail());
    cr_expect_str_eq(str_of(m, "mail_from"), "minutesd@example.dk");
    cr_expect_not_null(strstr(str_of(m, "from"), "minutesd@example.dk"), "From: %s", str_of(m, "from"));
    cr_expect_not_null(strstr(str_of(m, "to"), "a@example.dk"), "To: %s", str_of(m, "to"));
    cr_expect_gt(strlen(str_of(m, "subject")), 0, "no subject");
    cr_expect(strncasecmp(str_of(m, "content_type"), "text/plain", 10) == 0 &&
                  strcasecmp(str_of(m, "charset"), "utf-8") == 0,
              "Content-Type: %s", str_of(m, "content_type"));
    const char *mid = str_of(m, "message_id");
    size_t ml = strlen(mid);
    cr_expect(ml > 11 && mid[0] == '<' && strcmp(mid + ml - 10, "@minutesd>") == 0, "Message-ID: %s", mid);
    cr_expect_eq(json_array_size(json_object_get(m, "defects")), 0, "the message has defects: %s",
                 dump(json_object_get(m, "defects")));
    cr_expect(holds(text, "HOL Sundhedsklynge Politisk Forum"), "the e-mail does not name the committee:\n%s", text);
    cr_expect(strstr(text, "Indstilling:") && strstr(text, "Beslutning:") && strstr(text, "Udfald:"),
              "the e-mail lacks Indstilling:/Beslutning:/Udfald:\n%s", text);
    expect_items(text, "A's e-mail", mdoc, NULL, 0);
    /* an inbox file is named, not located: its file:// path is on this
     * host, and gone once the file moved to processed/ */
    char *name = tdb_strf("SELECT source_name FROM minutes.documents WHERE id = %lld", mdoc);
    cr_assert_not_null(name);
    char kilde[300];
    snprintf(kilde, sizeof kilde, "Kilde: %s", name);
    cr_expect(strstr(text, kilde), "the e-mail lacks \"%s\":\n%s", kilde, text);
    cr_expect(!strstr(text, "file:"), "the e-mail shows a path of the daemon's host:\n%s", text);
    free(name);
    json_decref(m);

    /* B: one webhook, one event per decision, the readable text */
    json_t *h = hook_at("/hooks/b");
    cr_assert_not_null(h);
    json_t *body = json_object_get(h, "body");
    char *key = doc_key(b, mdoc);
    cr_expect_str_eq(str_of(h, "idempotency_key"), key);
    cr_expect_str_eq(str_of(body, "id"), key);
    free(key);
    cr_expect(strncmp(str_of(h, "content_type"), "application/json", 16) == 0, "Content-Type: %s",
              str_of(h, "content_type"));
    cr_expect_gt(strlen(str_of(body, "subject")), 0, "no subject");
    cr_expect_gt(strlen(str_of(body, "text")), 0, "no text");
    cr_expect(json_is_array(json_object_get(body, "events")), "no events array");
    cr_expect_eq(json_array_size(json_object_get(body, "events")), 5, "B's events: %s",
                 dump(json_object_get(body, "events")));
    expect_items(str_of(body, "text"), "B's text", mdoc, NULL, 0);
    json_decref(h);

    /* D: item 5 only ("Protokollen blev gennemgået og godkendt.") */
    h = hook_at("/hooks/d");
    cr_assert_not_null(h);
    body = json_object_get(h, "body");
    key = doc_key(d, mdoc);
    cr_expect_str_eq(str_of(h, "idempotency_key"), key);
    cr_expect_str_eq(str_of(body, "id"), key);
    free(key);
    cr_expect_eq(json_array_size(json_object_get(body, "events")), 1, "D's events: %s",
                 dump(json_object_get(body, "events")));
    static const int item5[] = {5};
    expect_items(str_of(body, "text"), "D's text", mdoc, item5, 1);
    json_decref(h);

    /* what the daemon recorded and said */
    long long subs[3] = {a, b, d}, want[3] = {5, 5, 1};
    for (int i = 0; i < 3; i++) {
        char cond[200], prefix[64];
        snprintf(cond, sizeof cond,
                 "status = 'sent' AND document_id = %lld AND attempts >= 1 "
                 "AND sent_at IS NOT NULL AND cardinality(event_ids) = %lld",
                 mdoc, want[i]);
        free(doc_key(subs[i], mdoc));
        cr_expect_eq(deliveries(subs[i], "true"), 1, "%s", deliveries_of(subs[i]));
        cr_expect_eq(deliveries(subs[i], cond), 1, "not %s\n%s", cond, deliveries_of(subs[i]));
        cr_expect_eq(events_delivered(subs[i], mdoc), want[i], "%s", deliveries_of(subs[i]));
        delivery_prefix(prefix, sizeof prefix, subs[i]);
        cr_expect_eq(log_lines(logp, prefix, ": sent"), 1, "no \"%s…: sent\" in the log\n%s", prefix, td_tail(pid));
    }
    cr_expect_eq(deliveries(c, "true"), 0, "%s", deliveries_of(c));
    cr_expect_eq(tdb_intf("SELECT count(*) FROM minutes.deliveries WHERE document_id = %lld", adoc), 0);
    td_stop_ok(pid);
}

/* ---- filters ----------------------------------------------------------- */

/* Events in the one message acknowledged for path (-1: none arrived). */
static long long events_at(const char *path)
{
    json_t *h = hook_at(path);
    long long n = h ? (long long)json_array_size(json_object_get(json_object_get(h, "body"), "events")) : -1;
    json_decref(h);
    return n;
}

Test(alerts, filters_of_one_kind_are_ored_of_different_kinds_anded_and_unsubscribe_stops_alerts)
{
    paths();
    migrate();
    hook_start();
    /* seed 0's decisions: 1 approved, 2 approved, 3 noted, 4 other,
     * 5 approved; the committee "HOL Sundhedsklynge Politisk Forum" */
    subscribe("--webhook '%s' --body 'politisk forum' --outcome noted", hook_url("/hooks/e"));      /* 3 */
    subscribe("--webhook '%s' --outcome approved --outcome noted", hook_url("/hooks/f"));           /* 1 2 3 5 */
    subscribe("--webhook '%s' --cluster holbæk --region 'Region Midtjylland'", hook_url("/hooks/g")); /* none */
    subscribe("--webhook '%s' --cluster Gødstrup --cluster HOLBÆK", hook_url("/hooks/h"));  /* all: Æ folds too */
    subscribe("--webhook '%s' --events decision_appeared,meeting_added", hook_url("/hooks/i"));     /* all + 1 */
    long long u = subscribe("--webhook '%s'", hook_url("/hooks/u"));

    char *out, *err, id[32];
    snprintf(id, sizeof id, "%lld", u);
    cr_assert_eq(tdb_run("unsubscribe", id, &out, &err), 0, "minutesd unsubscribe %s: %s", id, err);
    char want[64];
    snprintf(want, sizeof want, "subscription %lld removed", u);
    cr_expect_not_null(strstr(out, want), "minutesd unsubscribe %s printed \"%s\"", id, out);
    free(out);
    free(err);
    cr_assert_eq(tdb_run("subscriptions", "", &out, NULL), 0);
    cr_expect(strncmp(out, id, strlen(id)) != 0 && !strstr(out, hook_url("/hooks/u")),
              "subscription %s is still listed:\n%s", id, out);
    cr_expect_not_null(strstr(out, hook_url("/hooks/i")), "%s", out);
    free(out);
    /* what cannot be a subscription is refused, and no row is made */
    long long before = tdb_intf("SELECT count(*) FROM minutes.subscriptions");
    cr_expect_neq(tdb_run("subscribe", "--webhook http://127.0.0.1:1/x --outcome bogus", NULL, NULL), 0,
                  "an unknown outcome was taken");
    cr_expect_neq(tdb_run("subscribe", "--cluster holbæk", NULL, NULL), 0, "a subscription without a target");
    cr_expect_neq(tdb_run("subscribe", "--webhook http://127.0.0.1:1/x --digest weekly", NULL, NULL), 0,
                  "an unknown digest was taken");
    cr_expect_eq(tdb_intf("SELECT count(*) FROM minutes.subscriptions"), before);

    config_alerts();
    pid_t pid = start_daemon(logp);
    drop_seed(pid, SEED0, "referat.txt");
    td_await(pid, 30000,
             hooks("/hooks/e", NULL) >= 1 && hooks("/hooks/f", NULL) >= 1 && hooks("/hooks/h", NULL) >= 1 &&
                 hooks("/hooks/i", NULL) >= 1,
             "e %d, f %d, h %d, i %d\n%s\n%s", hooks("/hooks/e", NULL), hooks("/hooks/f", NULL),
             hooks("/hooks/h", NULL), hooks("/hooks/i", NULL), received_tail(), td_tail(pid));
    td_sleep_ms(QUIET_MS);
    static const char *const where[] = {"/hooks/e", "/hooks/f", "/hooks/g", "/hooks/h", "/hooks/i", "/hooks/u"};
    static const int msgs[] = {1, 1, 0, 1, 1, 0}, evs[] = {1, 4, -1, 5, 6, -1};
    for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++) {
        cr_expect_eq(hooks(where[i], NULL), msgs[i], "%s: %d messages, not %d\n%s", where[i],
                     hooks(where[i], NULL), msgs[i], received_tail());
        cr_expect_eq(events_at(where[i]), evs[i], "%s: %lld events, not %d", where[i], events_at(where[i]),
                     evs[i]);
    }
    cr_expect_eq(deliveries(u, "true"), 0, "%s", deliveries_of(u));
    td_stop_ok(pid);
}

/* ---- b: a receiver that is down for a while ---------------------------- */

Test(alerts, a_receiver_down_for_a_while_gets_the_message_once_when_it_is_back)
{
    paths();
    migrate();
    hook_start();
    long long s = subscribe("--webhook '%s'", hook_url("/hooks/down"));
    config_alerts();
    hook_down(true);
    pid_t pid = start_daemon(logp);
    long long doc = drop_seed(pid, SEED0, "referat.txt");

    /* refused, recorded, retried: a few tries while it is down */
    td_await(pid, 30000,
             deliveries(s, "status = 'pending' AND attempts >= 3 AND last_error IS NOT NULL AND last_error <> ''") == 1,
             "no pending delivery tried three times with its error\n%s\n%s", deliveries_of(s), td_tail(pid));
    cr_expect_eq(hooks(NULL, NULL), 0, "acknowledged while down?\n%s", received_tail());
    cr_expect_geq(refused("/hooks/down"), 3, "the receiver saw %d tries", refused("/hooks/down"));
    char prefix[64], target[400];
    delivery_prefix(prefix, sizeof prefix, s);
    /* a webhook is logged as scheme://host/… : its path may be a secret */
    snprintf(target, sizeof target, "%shttp://127.0.0.1:%d/…: failed: ", prefix, hook_port);
    cr_expect_eq(td_count_in(logp, "/hooks/down"), 0, "the webhook's path (its secret, for Slack) is in the log");
    cr_expect_gt(log_lines(logp, target, "; next try in "), 0, "no \"%s…; next try in S s\" in the log\n%s", target,
                 td_tail(pid));
    /* backed off, not hammered, and never longer than retry_max_s plus an
     * interval (and some slack for a loaded machine) */
    json_t *tries = jsonl(hook_dir, "refused.jsonl");
    for (size_t i = 1; i < json_array_size(tries); i++) {
        double gap = json_number_value(json_object_get(json_array_get(tries, i), "time")) -
                     json_number_value(json_object_get(json_array_get(tries, i - 1), "time"));
        cr_expect(gap >= 0.5 && gap <= 8.0, "try %zu came %.2f s after the one before", i + 1, gap);
    }
    json_decref(tries);

    /* back: the message arrives, once */
    hook_down(false);
    char *key = doc_key(s, doc);
    td_await(pid, 20000, hooks("/hooks/down", key) >= 1, "nothing arrived after the receiver came back\n%s\n%s\n%s",
             received_tail(), deliveries_of(s), td_tail(pid));
    td_await(pid, 10000, deliveries(s, "status = 'sent'") == 1, "not marked sent\n%s", deliveries_of(s));
    td_sleep_ms(QUIET_MS);
    cr_expect_eq(hooks("/hooks/down", key), 1, "%s", received_tail());
    cr_expect_eq(hooks(NULL, NULL), 1, "%s", received_tail());
    cr_expect_eq(deliveries(s, "true"), 1, "%s", deliveries_of(s));
    cr_expect_eq(deliveries(s, "sent_at IS NOT NULL"), 1, "%s", deliveries_of(s));
    cr_expect_geq(tdb_intf("SELECT attempts FROM minutes.deliveries WHERE subscription_id = %lld", s),
                  refused("/hooks/down"), "fewer attempts than the receiver refused\n%s", deliveries_of(s));
    json_t *h = hook_at("/hooks/down");
    cr_expect_eq(json_array_size(json_object_get(json_object_get(h, "body"), "events")), 5);
    json_decref(h);
    cr_expect_eq(log_lines(logp, prefix, ": sent"), 1, "%s", td_tail(pid));
    td_stop_ok(pid);
    free(key);
}

/* ---- c: restarts ------------------------------------------------------- */

Test(alerts, a_restart_after_delivery_sends_nothing_again)
{
    ready();
    long long e = subscribe("--email e@example.dk");
    long long w = subscribe("--webhook '%s'", hook_url("/hooks/w"));
    config_alerts();
    pid_t pid = start_daemon(logp);
    drop_seed(pid, SEED0, "referat.txt");
    td_await(pid, 30000, mails("e@example.dk") == 1 && hooks("/hooks/w", NULL) == 1,
             "%d e-mails, %d webhooks\n%s\n%s", mails("e@example.dk"), hooks("/hooks/w", NULL), received_tail(),
             td_tail(pid));
    td_await(pid, 20000, deliveries(e, "status = 'sent'") == 1 && deliveries(w, "status = 'sent'") == 1,
             "not marked sent\n%s\n%s", deliveries_of(e), deliveries_of(w));
    td_stop_ok(pid);

    char log2[400];
    snprintf(log2, sizeof log2, "%s/daemon2.log", tdb_dir);
    pid = start_daemon(log2);
    td_sleep_ms(QUIET_MS);
    cr_assert(td_alive(pid), "the daemon ended (wait status %d)\n%s", td_status(pid), td_tail(pid));
    cr_expect_eq(mails(NULL), 1, "sent again after a restart\n%s", received_tail());
    cr_expect_eq(hooks(NULL, NULL), 1, "sent again after a restart\n%s", received_tail());
    cr_expect_eq(deliveries(e, "true"), 1, "%s", deliveries_of(e));
    cr_expect_eq(deliveries(w, "true"), 1, "%s", deliveries_of(w));
    cr_expect_eq(tdb_intf("SELECT count(*) FROM minutes.deliveries WHERE status <> 'sent'"), 0);
    cr_expect_eq(log_lines(log2, "delivery ", ": sent"), 0, "%s", td_tail(pid));
    td_stop_ok(pid);
}

Test(alerts, kill_9_with_a_delivery_pending_then_a_restart_delivers_each_key_once)
{
    ready();
    long long e = subscribe("--email e@example.dk");
    long long w = subscribe("--webhook '%s'", hook_url("/hooks/w"));
    config_alerts();
    hook_down(true);
    pid_t pid = start_daemon(logp);
    long long doc = drop_seed(pid, SEED0, "referat.txt");

    /* the e-mail acknowledged and recorded, the webhook tried and pending */
    td_await(pid, 30000,
             deliveries(e, "status = 'sent'") == 1 && deliveries(w, "status = 'pending' AND attempts >= 1") == 1,
             "not one sent and one pending\n%s\n%s\n%s", deliveries_of(e), deliveries_of(w), td_tail(pid));
    cr_assert_eq(mails("e@example.dk"), 1, "%s", received_tail());
    td_kill9(pid);
    long long tried = tdb_intf("SELECT attempts FROM minutes.deliveries WHERE subscription_id = %lld", w);
    cr_log_info("killed with the webhook delivery pending after %lld attempts", tried);

    /* the new daemon takes the pending delivery up again (still down) */
    char log2[400];
    snprintf(log2, sizeof log2, "%s/daemon2.log", tdb_dir);
    pid = start_daemon(log2);
    td_await(pid, 20000, tdb_intf("SELECT attempts FROM minutes.deliveries WHERE subscription_id = %lld", w) > tried,
             "the restarted daemon did not try the pending delivery\n%s\n%s", deliveries_of(w), td_tail(pid));
    hook_down(false);
    char *key = doc_key(w, doc);
    td_await(pid, 20000, hooks("/hooks/w", key) >= 1 && deliveries(w, "status = 'sent'") == 1,
             "not delivered after the restart\n%s\n%s\n%s", received_tail(), deliveries_of(w), td_tail(pid));
    td_sleep_ms(QUIET_MS);
    cr_expect_eq(hooks("/hooks/w", key), 1, "%s", received_tail());
    cr_expect_eq(hooks(NULL, NULL), 1, "%s", received_tail());
    cr_expect_eq(mails(NULL), 1, "the e-mail acknowledged before the kill was sent again\n%s", received_tail());
    cr_expect_eq(deliveries(e, "true"), 1, "%s", deliveries_of(e));
    cr_expect_eq(deliveries(w, "true"), 1, "%s", deliveries_of(w));
    td_stop_ok(pid);
    free(key);
}

/* ---- d: digests -------------------------------------------------------- */

/* Today's date in UTC, here and in Denmark, as "YYYY-MM-DD ×3": a day
 * window may be any of them. */
static void today(char *out, size_t n)
{
    time_t t = time(NULL);
    struct tm u, l;
    gmtime_r(&t, &u);
    localtime_r(&t, &l);
    char *dk = tdb_strf("SELECT to_char(now() AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD')");
    snprintf(out, n, "%04d-%02d-%02d %04d-%02d-%02d %s", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday, l.tm_year + 1900,
             l.tm_mon + 1, l.tm_mday, dk ? dk : "");
    free(dk);
}

Test(alerts, a_daily_digest_collects_two_documents_in_one_pending_delivery)
{
    char day0[128], day1[128]; /* room for any int gcc can imagine in a year */
    today(day0, sizeof day0);
    paths();
    migrate();
    hook_start();
    long long dg = subscribe("--webhook '%s' --digest daily", hook_url("/hooks/digest"));
    /* a subscription without digest beside it: proof that the documents
     * were alerted at all while the digest waits */
    long long now = subscribe("--webhook '%s'", hook_url("/hooks/now"));
    config_alerts();
    pid_t pid = start_daemon(logp);
    long long d0 = drop_seed(pid, SEED0, "holbaek.txt");
    long long d4 = drop_seed(pid, SEED4, "goedstrup.txt");
    long long n0 = decision_events(d0), n4 = decision_events(d4);
    cr_assert(n0 > 0 && n4 > 0, "%lld and %lld decision events", n0, n4);
    cr_assert_neq(tdb_intf("SELECT meeting_id FROM minutes.documents WHERE id = %lld", d0),
                  tdb_intf("SELECT meeting_id FROM minutes.documents WHERE id = %lld", d4), "one meeting");

    td_await(pid, 30000, hooks("/hooks/now", NULL) == 2 && deliveries(now, "status = 'sent'") == 2,
             "the plain subscription got %d of 2\n%s\n%s", hooks("/hooks/now", NULL), deliveries_of(now), td_tail(pid));
    td_await(pid, 20000, events_delivered(dg, d0) == n0 && events_delivered(dg, d4) == n4,
             "the digest holds %lld of %lld and %lld of %lld events\n%s\n%s", events_delivered(dg, d0), n0,
             events_delivered(dg, d4), n4, deliveries_of(dg), td_tail(pid));
    td_sleep_ms(QUIET_MS);
    today(day1, sizeof day1);
    if (strcmp(day0, day1) != 0)
        cr_skip_test("the day changed during the test (%s, %s): the digest window may have closed", day0, day1);
    cr_expect_eq(deliveries(dg, "true"), 1, "one row per window\n%s", deliveries_of(dg));
    cr_expect_eq(deliveries(dg, "status = 'pending' AND sent_at IS NULL"), 1, "%s", deliveries_of(dg));
    cr_expect_eq(hooks("/hooks/digest", NULL), 0, "a daily digest was sent at once\n%s", received_tail());
    cr_expect_eq(refused("/hooks/digest"), 0, "a daily digest was tried at once");
    cr_expect_eq(hooks(NULL, NULL), 2, "%s", received_tail());

    /* the day ends (as far as the row knows): one message with both
     * documents' decisions goes out, and nothing else */
    tdb_intf("WITH u AS (UPDATE minutes.deliveries SET next_attempt = now() WHERE subscription_id = %lld "
            "RETURNING 1) SELECT count(*) FROM u", dg);
    td_await(pid, 15000, hooks("/hooks/digest", NULL) == 1, "the digest was not sent at the end of its day\n%s\n%s",
             deliveries_of(dg), td_tail(pid));
    td_sleep_ms(QUIET_MS);
    cr_expect_eq(hooks("/hooks/digest", NULL), 1, "%s", received_tail());
    cr_expect_eq(events_at("/hooks/digest"), n0 + n4, "the digest lists %lld events, not %lld",
                 events_at("/hooks/digest"), n0 + n4);
    cr_expect_eq(deliveries(dg, "status = 'sent'"), 1, "%s", deliveries_of(dg));
    td_stop_ok(pid);
}

/* ---- closed items ------------------------------------------------------ */

Test(alerts, a_closed_item_is_alerted_without_its_title_or_text)
{
    ready();
    subscribe("--email e@example.dk");
    subscribe("--webhook '%s'", hook_url("/hooks/w"));
    /* a search for a word only the closed decision has must not match:
     * the message would tell what the closed decision says */
    subscribe("--webhook '%s' --query videomøder", hook_url("/hooks/q"));
    config_alerts();
    pid_t pid = start_daemon(logp);
    size_t len;
    char *doc = with_item_2_closed(&len);
    long long id = drop(pid, "lukket.txt", doc, len);
    cr_assert_eq(tdb_intf("SELECT count(*) FROM minutes.items i JOIN minutes.versions v ON v.id = i.version_id "
                         "WHERE v.document_id = %lld AND i.number = 2 AND i.public = false",
                         id),
                 1, "the parser did not see item 2 as closed: a broken test");
    td_await(pid, 30000, mails(NULL) == 1 && hooks(NULL, NULL) == 1, "%s\n%s", received_tail(), td_tail(pid));

    /* words of item 2's title and decision that no other item has */
    static const char *const secret[] = {"Indsatser og handleplaner", "repræsentant", "videomøder",
                                         "behandlingsansvar"};
    json_t *m = mail_to("e@example.dk"), *h = hook_at("/hooks/w");
    cr_assert(m && h);
    char *hook = json_dumps(json_object_get(h, "body"), 0);
    const char *text = str_of(m, "text"), *subject = str_of(m, "subject");
    for (size_t i = 0; i < sizeof secret / sizeof *secret; i++) {
        cr_expect(!strstr(text, secret[i]) && !strstr(subject, secret[i]), "the e-mail shows \"%s\":\n%s\n%s",
                  secret[i], subject, text);
        cr_expect(!strstr(hook, secret[i]), "the webhook shows \"%s\":\n%s", secret[i], hook);
    }
    /* the open ones are there as usual */
    cr_expect(holds(text, "Punkt 5: Godkendelse af referat"), "%s", text);
    cr_expect(holds(str_of(json_object_get(h, "body"), "text"), "Punkt 5: Godkendelse af referat"), "%s", hook);
    free(hook);
    json_decref(m);
    json_decref(h);
    cr_expect_eq(hooks("/hooks/q", NULL), 0, "a query matched the closed item's text\n%s", received_tail());
    cr_expect_eq(tdb_intf("SELECT count(*) FROM minutes.deliveries d JOIN minutes.subscriptions s "
                         "ON s.id = d.subscription_id WHERE s.query IS NOT NULL AND d.document_id = %lld", id),
                 0);
    td_stop_ok(pid);
    free(doc);
}

/* A recipient that accepts the connection and never answers holds its own
 * deliveries - one at a time, until timeout_s - and nobody else's: the
 * other subscription gets both documents' messages at once. */
Test(alerts, a_hanging_receiver_holds_up_no_other_recipient)
{
    paths();
    migrate();
    hook_start();
    char slow[128];
    snprintf(slow, sizeof slow, "%s/SLOW", hook_dir);
    td_write_file(slow, "", 0);
    subscribe("--webhook '%s'", hook_url("/slow/x"));
    subscribe("--webhook '%s'", hook_url("/hooks/fast"));
    config_alerts();   /* timeout_s 10 */
    pid_t pid = start_daemon(logp);
    drop_seed(pid, SEED0, "a.txt");
    drop_seed(pid, SEED4, "b.txt");
    /* well inside the hanging request's 10 s */
    td_await(pid, 7000, hooks("/hooks/fast", NULL) == 2, "the other recipient waited: %d of 2\n%s\n%s",
             hooks("/hooks/fast", NULL), received_tail(), td_tail(pid));
    json_t *hung = jsonl(hook_dir, "hung.jsonl");
    cr_expect_eq(json_array_size(hung), 1, "%zu requests to the hanging receiver at once, not 1",
                 json_array_size(hung));
    json_decref(hung);
    cr_expect_eq(hooks("/slow/x", NULL), 0);
    cr_assert(td_alive(pid), "%s", td_tail(pid));
    td_stop_ok(pid);   /* within its 10 s, a transfer hanging or not */
}

/* A server that wants a login gets it from the netrc file the
 * configuration names; the password is in neither the configuration nor
 * the log. */
Test(alerts, the_smtp_login_comes_from_the_credentials_file)
{
    paths();
    migrate();
    setenv("MINUTESD_TEST_SMTP_AUTH", "minutesd:pw-Xq7s3cret", 1);
    smtp_start();
    unsetenv("MINUTESD_TEST_SMTP_AUTH");
    snprintf(smtp_credentials, sizeof smtp_credentials, "%s/smtp.netrc", tdb_dir);
    const char *netrc = "machine 127.0.0.1\n  login minutesd\n  password pw-Xq7s3cret\n";
    td_write_file(smtp_credentials, netrc, strlen(netrc));
    long long sub = subscribe("--email e@example.dk");
    config_alerts();
    pid_t pid = start_daemon(logp);
    drop_seed(pid, SEED0, "referat.txt");
    td_await(pid, 30000, mails("e@example.dk") == 1, "no mail through the server that wants a login\n%s\n%s",
             td_tail(pid), deliveries_of(sub));
    json_t *m = mail_to("e@example.dk");
    cr_expect_str_eq(str_of(m, "auth_login"), "minutesd");
    json_decref(m);
    cr_expect_eq(td_count_in(cfg, "pw-Xq7s3cret"), 0, "the password is in the configuration");
    cr_expect_eq(td_count_in(logp, "pw-Xq7s3cret"), 0, "the password is in the log");
    td_stop_ok(pid);
    smtp_credentials[0] = '\0';
}
