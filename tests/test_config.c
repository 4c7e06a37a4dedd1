/*
 * test_config: the configuration file (defaults, every key, errors pinned
 * to line and column), the inbox's name rules and the progress bar's line.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "inbox.h"
#include "progress.h"

static char path[64];

/* Writes text to a fresh temp file (path). */
static void write_config(const char *text)
{
    snprintf(path, sizeof path, "/tmp/minutesd-config-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Loads text and expects it to fail with err starting "PATH:want". */
static void expect_error(const char *text, const char *want)
{
    char err[1024], prefix[256];
    write_config(text);
    struct config *c = config_load(path, err, sizeof err);
    unlink(path);
    cr_assert_null(c, "accepted: %s", text);
    snprintf(prefix, sizeof prefix, "%s:%s", path, want);
    cr_assert(strncmp(err, prefix, strlen(prefix)) == 0, "error \"%s\" does not start with \"%s\"", err, prefix);
}

Test(config, defaults_without_a_file)
{
    struct config *c = config_create();
    cr_assert_null(c->database);
    cr_assert_str_eq(c->state_dir, "./var");
    cr_assert_eq(c->ninboxes, 1);
    cr_assert(c->default_inbox);
    cr_assert_str_eq(c->inboxes[0].path, "./inbox");
    cr_assert_str_eq(c->inboxes[0].processed, "./processed");
    cr_assert_str_eq(c->inboxes[0].failed, "./failed");
    cr_assert_eq(c->inboxes[0].npatterns, 5);
    cr_assert_str_eq(c->inboxes[0].patterns[0], "*.txt");
    cr_assert_str_eq(c->inboxes[0].patterns[3], "*.pdf");
    cr_assert_eq(c->inboxes[0].after, CONFIG_AFTER_MOVE);
    cr_assert_eq(c->inboxes[0].settle_ms, 200);
    cr_assert_str_eq(c->metrics_listen, "127.0.0.1:9464");
    cr_assert_eq(c->log_level, CONFIG_LOG_INFO);
    cr_assert_eq(c->log_format, CONFIG_LOG_TEXT);
    cr_assert_eq(c->batch, 32);
    config_destroy(c);
}

Test(config, every_key)
{
    char err[1024];
    write_config("{\n"
                 "  \"_comment\": \"ignored\",\n"
                 "  \"database\": \"service=minutes\",\n"
                 "  \"state_dir\": \"/var/lib/minutesd\",\n"
                 "  \"batch\": 8,\n"
                 "  \"inboxes\": [\n"
                 "    {\"path\": \"/srv/a/inbox/\", \"patterns\": [\"*.txt\", \"*.TEXT\"], \"after\": \"delete\",\n"
                 "     \"settle_ms\": 0},\n"
                 "    {\"path\": \"b\", \"after\": \"keep\", \"processed\": \"/x/done\", \"failed\": \"/x/bad\"}\n"
                 "  ],\n"
                 "  \"metrics\": {\"listen\": \"[::1]:9500\"},\n"
                 "  \"log\": {\"level\": \"debug\", \"format\": \"json\"},\n"
                 "  \"rescan_s\": 5,\n"
                 "  \"max_inflight\": 3\n"
                 "}\n");
    struct config *c = config_load(path, err, sizeof err);
    unlink(path);
    cr_assert_not_null(c, "%s", err);
    cr_assert_str_eq(c->database, "service=minutes");
    cr_assert_str_eq(c->state_dir, "/var/lib/minutesd");
    cr_assert_eq(c->batch, 8);
    cr_assert_not(c->default_inbox);
    cr_assert_eq(c->ninboxes, 2);
    cr_assert_eq(c->inboxes[0].npatterns, 2);
    cr_assert_eq(c->inboxes[0].after, CONFIG_AFTER_DELETE);
    cr_assert_eq(c->inboxes[0].settle_ms, 0);
    cr_assert_str_eq(c->inboxes[0].processed, "/srv/a/processed");
    cr_assert_str_eq(c->inboxes[0].failed, "/srv/a/failed");
    cr_assert_str_eq(c->inboxes[1].processed, "/x/done");
    cr_assert_str_eq(c->inboxes[1].failed, "/x/bad");
    cr_assert_eq(c->inboxes[1].after, CONFIG_AFTER_KEEP);
    cr_assert_str_eq(c->metrics_listen, "[::1]:9500");
    cr_assert_eq(c->log_level, CONFIG_LOG_DEBUG);
    cr_assert_eq(c->log_format, CONFIG_LOG_JSON);
    cr_assert_eq(c->rescan_s, 5);
    cr_assert_eq(c->max_inflight, 3);
    config_destroy(c);
}

Test(config, metrics_null_turns_them_off)
{
    char err[256];
    write_config("{\"metrics\": {\"listen\": null}}");
    struct config *c = config_load(path, err, sizeof err);
    unlink(path);
    cr_assert_not_null(c, "%s", err);
    cr_assert_null(c->metrics_listen);
    config_destroy(c);
}

Test(config, errors_name_line_and_column)
{
    /* a bad value deep inside: the column of the value itself */
    expect_error("{\n  \"inboxes\": [\n    {\"path\": \"/x\"},\n    {\"path\": \"/y\", \"after\": \"moev\"}\n  ]\n}",
                 "4:29: inboxes[1].after: must be \"move\", \"delete\" or \"keep\"");
    expect_error("{\"batch\": 0}", "1:11: batch: must be an integer from 1 to 1000");
    expect_error("{\n  \"databse\": \"x\"\n}", "2:14: databse: unknown option");
    expect_error("{\"inboxes\": [{\"path\": \"/a\", \"colour\": 1}]}", "1:39: inboxes[0].colour: unknown option");
    expect_error("{\"inboxes\": [{\"patterns\": [\"*\"]}]}", "1:14: inboxes[0]: an inbox needs a \"path\"");
    expect_error("{\"inboxes\": [{\"path\": \"/a\"}, {\"path\": \"/a\"}]}", "1:30: inboxes[1]: inbox \"/a\" is listed");
    expect_error("{\"log\": {\"level\": \"loud\"}}", "1:19: log.level: must be \"error\", \"warning\", \"info\" or");
    expect_error("{\"inboxes\": [{\"path\": \"/a\", \"patterns\": [\"a/b\"]}]}", "1:42: inboxes[0].patterns[0]:");
    /* syntax: jansson's own position */
    expect_error("{\n  \"batch\": 3,\n}", "3:1:");
    expect_error("{\"database\": \"a\", \"database\": \"b\"}", "1:");
    expect_error("[1, 2]", "1:1: the configuration must be a JSON object");
}

Test(config, metrics_only_on_loopback)
{
    struct sockaddr_storage ss;
    char err[256];
    cr_assert_eq(config_parse_listen("127.0.0.1:9464", &ss, err, sizeof err), 0);
    cr_assert_eq(ss.ss_family, AF_INET);
    cr_assert_eq(config_parse_listen("[::1]:0", &ss, err, sizeof err), 0);
    cr_assert_eq(ss.ss_family, AF_INET6);
    cr_assert_eq(config_parse_listen("localhost:80", &ss, err, sizeof err), 0);
    cr_assert_eq(config_parse_listen("0.0.0.0:9464", &ss, err, sizeof err), -1);
    cr_assert(strstr(err, "not a loopback address"), "%s", err);
    cr_assert_eq(config_parse_listen("[::]:9464", &ss, err, sizeof err), -1);
    cr_assert_eq(config_parse_listen("10.0.0.1:9464", &ss, err, sizeof err), -1);
    cr_assert_eq(config_parse_listen("127.0.0.1", &ss, err, sizeof err), -1);
    cr_assert_eq(config_parse_listen("127.0.0.1:99999", &ss, err, sizeof err), -1);
    cr_assert_eq(config_parse_listen("example.org:80", &ss, err, sizeof err), -1);
    expect_error("{\"metrics\": {\"listen\": \"0.0.0.0:9464\"}}", "1:24: metrics.listen: \"0.0.0.0:9464\" is not a loopback");
}

Test(config, sources_and_http)
{
    char err[1024];
    write_config("{\"sources\": [\n"
                 "  {\"url\": \"https://www.rm.dk/referater/2026.pdf\"},\n"
                 "  {\"url\": \"http://example.org/udvalg/\", \"interval_s\": 60, \"follow\": \"\\\\.pdf$\",\n"
                 "   \"fail_after_s\": 120}],\n"
                 " \"http\": {\"connect_timeout_s\": 3, \"timeout_s\": 20, \"max_body_bytes\": 1048576,\n"
                 "          \"max_parallel\": 2, \"recheck_s\": 3600}}\n");
    struct config *c = config_load(path, err, sizeof err);
    unlink(path);
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(c->nsources, 2);
    cr_assert_str_eq(c->sources[0].url, "https://www.rm.dk/referater/2026.pdf");
    cr_assert_eq(c->sources[0].interval_s, 600);
    cr_assert_null(c->sources[0].follow);
    cr_assert_eq(c->sources[0].fail_after_s, 3600);
    cr_assert_str_eq(c->sources[1].follow, "\\.pdf$");
    cr_assert_eq(c->sources[1].interval_s, 60);
    cr_assert_eq(c->sources[1].fail_after_s, 120);
    cr_assert_eq(c->http.connect_timeout_s, 3);
    cr_assert_eq(c->http.timeout_s, 20);
    cr_assert_eq(c->http.max_body_bytes, 1048576);
    cr_assert_eq(c->http.max_parallel, 2);
    cr_assert_eq(c->http.recheck_s, 3600);
    config_destroy(c);

    c = config_create();
    cr_assert_eq(c->nsources, 0);
    cr_assert_eq(c->http.timeout_s, 60);
    cr_assert_eq(c->http.max_body_bytes, 50LL << 20);
    config_destroy(c);
}

/* A source that could never be fetched is a start-up error at its line,
 * not a failure in the log every ten minutes. */
Test(config, hostile_sources_refused)
{
    expect_error("{\"sources\": [{\"url\": \"file:///etc/passwd\"}]}", "1:22: sources[0].url: only http and https");
    expect_error("{\"sources\": [{\"url\": \"ftp://example.org/x\"}]}", "1:22: sources[0].url: only http and https");
    expect_error("{\"sources\": [{\"url\": \"example.org/x\"}]}", "1:22: sources[0].url: not a URL");
    expect_error("{\"sources\": [{\"url\": \"https://u:pw@example.org/x\"}]}",
                 "1:22: sources[0].url: a source URL must not carry");
    expect_error("{\"sources\": [{\"url\": \"https://example.org/a b\"}]}", "1:22: sources[0].url: contains a space");
    expect_error("{\"sources\": [{\"url\": \"https://example.org/\", \"follow\": \"(\"}]}",
                 "1:56: sources[0].follow: not a POSIX extended regular expression");
    expect_error("{\"sources\": [{\"url\": \"https://example.org/\"}, {\"url\": \"https://example.org/\"}]}",
                 "1:47: sources[1]: source \"https://example.org/\" is listed twice");
    expect_error("{\"sources\": [{\"interval_s\": 5}]}", "1:14: sources[0]: a source needs a \"url\"");
    expect_error("{\"http\": {\"max_body_bytes\": 10}}", "1:29: http.max_body_bytes: must be an integer");
    expect_error("{\"http\": {\"proxy\": \"x\"}}", "1:20: http.proxy: unknown option");
}

Test(config, smtp_and_alerts)
{
    char err[1024];
    write_config("{\"smtp\": {\"url\": \"smtps://mail.example.dk:465\", \"from\": \"minutesd@example.dk\",\n"
                 "          \"credentials\": \"/etc/minutesd/smtp.netrc\", \"tls\": \"try\"},\n"
                 " \"alerts\": {\"interval_s\": 2, \"retry_min_s\": 5, \"retry_max_s\": 60, \"max_attempts\": 7,\n"
                 "            \"timeout_s\": 9, \"max_parallel\": 3}}\n");
    struct config *c = config_load(path, err, sizeof err);
    unlink(path);
    cr_assert_not_null(c, "%s", err);
    cr_assert_str_eq(c->smtp.url, "smtps://mail.example.dk:465");
    cr_assert_str_eq(c->smtp.from, "minutesd@example.dk");
    cr_assert_str_eq(c->smtp.credentials, "/etc/minutesd/smtp.netrc");
    cr_assert_eq(c->smtp.tls, CONFIG_TLS_TRY);
    cr_assert_eq(c->alerts.interval_s, 2);
    cr_assert_eq(c->alerts.retry_min_s, 5);
    cr_assert_eq(c->alerts.retry_max_s, 60);
    cr_assert_eq(c->alerts.max_attempts, 7);
    cr_assert_eq(c->alerts.timeout_s, 9);
    cr_assert_eq(c->alerts.max_parallel, 3);
    config_destroy(c);

    c = config_create();
    cr_assert_null(c->smtp.url);
    cr_assert_eq(c->smtp.tls, CONFIG_TLS_REQUIRED);
    cr_assert_eq(c->alerts.retry_min_s, 30);
    cr_assert_eq(c->alerts.max_attempts, 100);
    config_destroy(c);
}

/* The password never goes in the configuration; a sender that could carry
 * a header is refused. */
Test(config, smtp_refusals)
{
    expect_error("{\"smtp\": {\"url\": \"smtp://u:pw@mail.example.dk\", \"from\": \"a@b.dk\"}}",
                 "1:18: smtp.url: no user or password here");
    expect_error("{\"smtp\": {\"url\": \"http://mail.example.dk\", \"from\": \"a@b.dk\"}}",
                 "1:18: smtp.url: must be smtp://");
    expect_error("{\"smtp\": {\"url\": \"smtp://mail.example.dk\", \"from\": \"a@b.dk\\r\\nBcc: x@y.dk\"}}",
                 "1:52: smtp.from: not an e-mail address");
    expect_error("{\"smtp\": {\"url\": \"smtp://mail.example.dk\"}}", "1:10: smtp: \"from\" is needed");
    expect_error("{\"smtp\": {\"password\": \"x\"}}", "1:23: smtp.password: unknown option");
    expect_error("{\"alerts\": {\"retry_min_s\": 100, \"retry_max_s\": 10}}", "1:12: alerts: retry_max_s");
    /* a login that STARTTLS stripping (try) or no TLS (none) would send in
     * clear across a network */
    expect_error("{\"smtp\": {\"url\": \"smtp://mail.example.dk:587\", \"from\": \"a@b.dk\", "
                 "\"credentials\": \"/etc/minutesd/smtp.netrc\", \"tls\": \"try\"}}",
                 "1:10: smtp: a login goes only over TLS");
    expect_error("{\"smtp\": {\"tls\": \"none\", \"credentials\": \"/etc/minutesd/smtp.netrc\", "
                 "\"url\": \"smtp://127.0.0.1.example.dk\", \"from\": \"a@b.dk\"}}",
                 "1:10: smtp: a login goes only over TLS");
}

/* Where a login without TLS stays on this machine, or TLS carries it, the
 * configuration is accepted. */
Test(config, smtp_login_over_tls_or_loopback)
{
    const char *ok[] = {
        "{\"smtp\": {\"url\": \"smtp://127.0.0.1:2525\", \"from\": \"a@b.dk\", \"credentials\": \"/x\", \"tls\": \"none\"}}",
        "{\"smtp\": {\"url\": \"smtp://[::1]:25\", \"from\": \"a@b.dk\", \"credentials\": \"/x\", \"tls\": \"try\"}}",
        "{\"smtp\": {\"url\": \"smtp://LocalHost\", \"from\": \"a@b.dk\", \"credentials\": \"/x\", \"tls\": \"none\"}}",
        "{\"smtp\": {\"url\": \"smtp://mail.example.dk\", \"from\": \"a@b.dk\", \"credentials\": \"/x\"}}",
        "{\"smtp\": {\"url\": \"smtps://mail.example.dk\", \"from\": \"a@b.dk\", \"credentials\": \"/x\", \"tls\": \"none\"}}",
        "{\"smtp\": {\"url\": \"smtp://mail.example.dk\", \"from\": \"a@b.dk\", \"tls\": \"none\"}}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char err[1024];
        write_config(ok[i]);
        struct config *c = config_load(path, err, sizeof err);
        unlink(path);
        cr_expect_not_null(c, "%s: %s", ok[i], err);
        config_destroy(c);
    }
}

Test(inbox, which_names_are_taken)
{
    struct config *c = config_create();
    const struct config_inbox *in = &c->inboxes[0];
    cr_assert(inbox_wants(in, "referat.txt"));
    cr_assert(inbox_wants(in, "REFERAT.TXT"), "patterns ignore case");
    cr_assert(inbox_wants(in, "referat.pdf"));
    cr_assert(inbox_wants(in, "Referat.DOCX"));
    cr_assert_not(inbox_wants(in, "referat.odt"));
    cr_assert_not(inbox_wants(in, ".referat.txt"));
    cr_assert_not(inbox_wants(in, ".#referat.txt"));
    cr_assert_not(inbox_wants(in, "referat.txt.tmp"));
    cr_assert_not(inbox_wants(in, "referat.txt.part"));
    cr_assert_not(inbox_wants(in, "referat.txt~"));
    cr_assert_not(inbox_wants(in, "referat.txt.swp"));
    cr_assert(inbox_temporary_name(".x"));
    cr_assert_not(inbox_temporary_name("x.txt"));
    config_destroy(c);
}

Test(progress, the_line)
{
    char line[256];
    progress_render(line, sizeof line, 250, 1000, 5.0, 80);
    cr_assert(strstr(line, " 250/1000  50 docs/s  ETA 0:15"), "%s", line);
    cr_assert_eq(line[0], '[');
    cr_assert(strlen(line) <= 80, "%zu", strlen(line));
    size_t hashes = 0, dots = 0;
    for (const char *p = line; *p && *p != ']'; p++) {
        hashes += *p == '#';
        dots += *p == '.';
    }
    cr_assert(hashes * 4 <= hashes + dots && (hashes + 1) * 4 > hashes + dots,
              "a quarter done is a quarter of the bar: %s", line);
    progress_render(line, sizeof line, 0, 10, 0.0, 80);
    cr_assert(strstr(line, "ETA --:--"), "%s", line);
    progress_render(line, sizeof line, 10, 10, 2.0, 80);
    cr_assert(strstr(line, "10/10  5 docs/s  ETA 0:00"), "%s", line);
}
