/*
 * config: the JSON configuration file.  See config.h.
 *
 * jansson checks the syntax and reports where it breaks; the meaning is
 * checked here, key by key, with the path of the value being checked kept
 * in a small stack so an error can be pinned to its line and column by
 * scanning the text once more (config_locate below).
 */
#include "config.h"

#include "alertmsg.h"
#include "util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define CONFIG_MAX_BYTES (1u << 20)
#define CONFIG_MAX_DEPTH 6
#define CONFIG_MAX_URL 4096
#define CONFIG_MAX_SOURCES 100000

/* ---- where a value is in the text -------------------------------------- */

struct cpath {
    const char *key[CONFIG_MAX_DEPTH];   /* NULL: an array element, see idx */
    size_t idx[CONFIG_MAX_DEPTH];
    int n;
};

struct scan {
    const char *s;
    size_t i, n;
    int line, col;
};

static void sc_adv(struct scan *p)
{
    if (p->s[p->i] == '\n') {
        p->line++;
        p->col = 1;
    } else if (((unsigned char)p->s[p->i] & 0xC0) != 0x80) {
        p->col++;   /* columns count characters, as jansson's do */
    }
    p->i++;
}

static void sc_ws(struct scan *p)
{
    while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
        sc_adv(p);
}

/* Past one string; *start and *len give its raw contents (escapes as written). */
static void sc_string(struct scan *p, size_t *start, size_t *len)
{
    sc_adv(p);   /* the opening quote */
    size_t b = p->i;
    while (p->i < p->n && p->s[p->i] != '"') {
        if (p->s[p->i] == '\\' && p->i + 1 < p->n)
            sc_adv(p);
        sc_adv(p);
    }
    if (start)
        *start = b;
    if (len)
        *len = p->i - b;
    if (p->i < p->n)
        sc_adv(p);
}

/* Walks the value at p; when path (from element at) leads into it, stops
 * at the value it names and returns 1 with p there.  at < 0 means a value
 * off the path, only to be skipped.  The text is valid JSON (jansson read
 * it), so the scan need not check anything. */
static int sc_value(struct scan *p, const struct cpath *path, int at)
{
    sc_ws(p);
    if (at == path->n)
        return 1;
    if (p->i >= p->n)
        return 0;
    char c = p->s[p->i];
    if (c == '"') {
        sc_string(p, NULL, NULL);
        return 0;
    }
    if (c == '{' || c == '[') {
        bool obj = c == '{';
        size_t index = 0;
        sc_adv(p);
        for (;;) {
            sc_ws(p);
            if (p->i >= p->n)
                return 0;
            if (p->s[p->i] == '}' || p->s[p->i] == ']') {
                sc_adv(p);
                return 0;
            }
            if (p->s[p->i] == ',') {
                sc_adv(p);
                continue;
            }
            bool wanted;
            if (obj) {
                size_t ks, kl;
                sc_string(p, &ks, &kl);
                sc_ws(p);
                if (p->i < p->n)
                    sc_adv(p);   /* ':' */
                wanted = at >= 0 && path->key[at] && strlen(path->key[at]) == kl &&
                         memcmp(p->s + ks, path->key[at], kl) == 0;
            } else {
                wanted = at >= 0 && !path->key[at] && path->idx[at] == index;
                index++;
            }
            if (sc_value(p, path, wanted ? at + 1 : -1) && wanted)
                return 1;
        }
    }
    while (p->i < p->n && !strchr(",]} \t\r\n", p->s[p->i]))
        sc_adv(p);
    return 0;
}

/* Line and column of the value at path in text, or of the start. */
static void config_locate(const char *text, size_t n, const struct cpath *path, int *line, int *col)
{
    struct scan p = {text, 0, n, 1, 1};
    if (!text || !sc_value(&p, path, 0)) {
        *line = 1;
        *col = 1;
        return;
    }
    *line = p.line;
    *col = p.col;
}

/* ---- the options ------------------------------------------------------- */

struct ctx {
    const char *file;
    char *text;
    size_t len;
    struct cpath path;
    char *err;
    size_t errlen;
};

static void push_key(struct ctx *c, const char *key)
{
    c->path.key[c->path.n] = key;
    c->path.n++;
}

static void push_idx(struct ctx *c, size_t i)
{
    c->path.key[c->path.n] = NULL;
    c->path.idx[c->path.n] = i;
    c->path.n++;
}

static void pop(struct ctx *c)
{
    c->path.n--;
}

/* "FILE:LINE:COL: inboxes[1].after: MESSAGE" for the value on the path. */
static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *c, const char *fmt, ...)
{
    char where[256] = "", msg[512];
    size_t o = 0;
    int line, col;
    va_list ap;

    for (int i = 0; i < c->path.n && o < sizeof where; i++) {
        int w = c->path.key[i] ? snprintf(where + o, sizeof where - o, "%s%s", i ? "." : "", c->path.key[i])
                               : snprintf(where + o, sizeof where - o, "[%zu]", c->path.idx[i]);
        o += w > 0 ? (size_t)w : 0;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    config_locate(c->text, c->len, &c->path, &line, &col);
    snprintf(c->err, c->errlen, "%s:%d:%d: %s%s%s", c->file, line, col, where, where[0] ? ": " : "", msg);
    return -1;
}

static int get_string(struct ctx *c, json_t *v, bool nullable, char **dst)
{
    if (nullable && json_is_null(v)) {
        free(*dst);
        *dst = NULL;
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || strlen(json_string_value(v)) != json_string_length(v))
        return fail(c, "must be a non-empty string%s", nullable ? " or null" : "");
    free(*dst);
    *dst = xstrndup(json_string_value(v), json_string_length(v));
    return 0;
}

static int get_int(struct ctx *c, json_t *v, int lo, int hi, int *dst)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return fail(c, "must be an integer from %d to %d", lo, hi);
    *dst = (int)json_integer_value(v);
    return 0;
}

/* One of names[] (NULL-terminated); *dst gets its index. */
static int get_enum(struct ctx *c, json_t *v, const char *const *names, int *dst)
{
    const char *s = json_string_value(v);
    char list[160] = "";
    for (int i = 0; names[i]; i++) {
        if (s && strcmp(s, names[i]) == 0) {
            *dst = i;
            return 0;
        }
        size_t o = strlen(list);
        snprintf(list + o, sizeof list - o, "%s\"%s\"", i ? (names[i + 1] ? ", " : " or ") : "", names[i]);
    }
    return fail(c, "must be %s", list);
}

static bool is_comment(const char *key)
{
    return key[0] == '_' || strcmp(key, "comment") == 0;
}

static const char *const AFTER_NAMES[] = {"move", "delete", "keep", NULL};
static const char *const FORMAT_NAMES[] = {"text", "json", NULL};
static const char *const LEVEL_NAMES[] = {"error", "warning", "info", "debug", NULL};
static const enum config_log_level LEVELS[] = {CONFIG_LOG_ERROR, CONFIG_LOG_WARNING, CONFIG_LOG_INFO,
                                               CONFIG_LOG_DEBUG};

const char *config_after_str(enum config_after a)
{
    return a <= CONFIG_AFTER_KEEP ? AFTER_NAMES[a] : "?";
}

const char *config_log_level_str(enum config_log_level l)
{
    for (int i = 0; LEVEL_NAMES[i]; i++)
        if (LEVELS[i] == l)
            return LEVEL_NAMES[i];
    return "?";
}

/* "processed" or "failed" in the inbox's parent directory. */
static char *beside(const char *inbox, const char *name)
{
    size_t n = strlen(inbox);
    while (n > 1 && inbox[n - 1] == '/')
        n--;
    while (n > 0 && inbox[n - 1] != '/')
        n--;
    while (n > 1 && inbox[n - 1] == '/')
        n--;
    struct buf b;
    buf_init(&b, 0);
    if (n == 0)
        buf_printf(&b, "./%s", name);
    else if (n == 1 && inbox[0] == '/')
        buf_printf(&b, "/%s", name);
    else
        buf_printf(&b, "%.*s/%s", (int)n, inbox, name);
    return buf_steal(&b, NULL);
}

static void inbox_defaults(struct config_inbox *in)
{
    memset(in, 0, sizeof *in);
    static const char *const defaults[] = {"*.txt", "*.html", "*.htm", "*.pdf", "*.docx"};
    in->npatterns = sizeof defaults / sizeof *defaults;
    in->patterns = xcalloc(in->npatterns, sizeof *in->patterns);
    for (size_t i = 0; i < in->npatterns; i++)
        in->patterns[i] = xstrndup(defaults[i], strlen(defaults[i]));
    in->after = CONFIG_AFTER_MOVE;
    in->settle_ms = 200;
}

static void inbox_free(struct config_inbox *in)
{
    free(in->path);
    for (size_t i = 0; i < in->npatterns; i++)
        free(in->patterns[i]);
    free(in->patterns);
    free(in->processed);
    free(in->failed);
}

static void inboxes_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->ninboxes; i++)
        inbox_free(&cfg->inboxes[i]);
    free(cfg->inboxes);
    cfg->inboxes = NULL;
    cfg->ninboxes = 0;
}

static int load_patterns(struct ctx *c, json_t *v, struct config_inbox *in)
{
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 64)
        return fail(c, "must be a list of 1 to 64 file name patterns");
    for (size_t i = 0; i < in->npatterns; i++)
        free(in->patterns[i]);
    free(in->patterns);
    in->npatterns = json_array_size(v);
    in->patterns = xcalloc(in->npatterns, sizeof *in->patterns);
    for (size_t i = 0; i < in->npatterns; i++) {
        push_idx(c, i);
        if (get_string(c, json_array_get(v, i), false, &in->patterns[i]) < 0)
            return -1;
        if (strchr(in->patterns[i], '/'))
            return fail(c, "a pattern matches a file name, which has no \"/\"");
        pop(c);
    }
    return 0;
}

/* "in/" and "in//" are "in": paths compared as strings must be spelled one way. */
static void trim_slashes(char *p)
{
    size_t n = p ? strlen(p) : 0;
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
}

static int load_inbox(struct ctx *c, json_t *o, struct config_inbox *in)
{
    const char *key;
    json_t *v;
    int after = CONFIG_AFTER_MOVE;

    if (!json_is_object(o))
        return fail(c, "an inbox must be an object with at least \"path\"");
    json_object_foreach(o, key, v) {
        push_key(c, key);
        int rc = 0;
        if (strcmp(key, "path") == 0)
            rc = get_string(c, v, false, &in->path);
        else if (strcmp(key, "patterns") == 0)
            rc = load_patterns(c, v, in);
        else if (strcmp(key, "after") == 0) {
            rc = get_enum(c, v, AFTER_NAMES, &after);
            in->after = (enum config_after)after;
        } else if (strcmp(key, "settle_ms") == 0)
            rc = get_int(c, v, 0, 600000, &in->settle_ms);
        else if (strcmp(key, "processed") == 0)
            rc = get_string(c, v, false, &in->processed);
        else if (strcmp(key, "failed") == 0)
            rc = get_string(c, v, false, &in->failed);
        else if (!is_comment(key))
            rc = fail(c, "unknown option");
        if (rc < 0)
            return -1;
        pop(c);
    }
    if (!in->path)
        return fail(c, "an inbox needs a \"path\"");
    trim_slashes(in->path);
    trim_slashes(in->processed);
    trim_slashes(in->failed);
    if (!in->processed)
        in->processed = beside(in->path, "processed");
    if (!in->failed)
        in->failed = beside(in->path, "failed");
    if (strcmp(in->processed, in->path) == 0 || strcmp(in->failed, in->path) == 0)
        return fail(c, "\"processed\" and \"failed\" must not be the inbox itself");
    return 0;
}

static int load_inboxes(struct ctx *c, json_t *v, struct config *cfg)
{
    if (!json_is_array(v) || json_array_size(v) > 256)
        return fail(c, "must be a list of at most 256 inboxes");
    inboxes_free(cfg);
    cfg->default_inbox = false;
    cfg->inboxes = xcalloc(json_array_size(v) + 1, sizeof *cfg->inboxes);
    for (size_t i = 0; i < json_array_size(v); i++) {
        push_idx(c, i);
        inbox_defaults(&cfg->inboxes[i]);
        cfg->ninboxes = i + 1;
        if (load_inbox(c, json_array_get(v, i), &cfg->inboxes[i]) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->inboxes[j].path, cfg->inboxes[i].path) == 0)
                return fail(c, "inbox \"%s\" is listed twice", cfg->inboxes[i].path);
        pop(c);
    }
    return 0;
}

static int load_metrics(struct ctx *c, json_t *o, struct config *cfg)
{
    const char *key;
    json_t *v;
    if (!json_is_object(o))
        return fail(c, "must be an object such as {\"listen\": \"127.0.0.1:9464\"}");
    json_object_foreach(o, key, v) {
        push_key(c, key);
        if (strcmp(key, "listen") == 0) {
            struct sockaddr_storage ss;
            char why[256];
            if (get_string(c, v, true, &cfg->metrics_listen) < 0)
                return -1;
            if (cfg->metrics_listen && config_parse_listen(cfg->metrics_listen, &ss, why, sizeof why) < 0)
                return fail(c, "%s", why);
        } else if (!is_comment(key)) {
            return fail(c, "unknown option");
        }
        pop(c);
    }
    return 0;
}

static int load_log(struct ctx *c, json_t *o, struct config *cfg)
{
    const char *key;
    json_t *v;
    int i;
    if (!json_is_object(o))
        return fail(c, "must be an object such as {\"level\": \"info\", \"format\": \"text\"}");
    json_object_foreach(o, key, v) {
        push_key(c, key);
        if (strcmp(key, "level") == 0) {
            if (get_enum(c, v, LEVEL_NAMES, &i) < 0)
                return -1;
            cfg->log_level = LEVELS[i];
        } else if (strcmp(key, "format") == 0) {
            if (get_enum(c, v, FORMAT_NAMES, &i) < 0)
                return -1;
            cfg->log_format = (enum config_log_format)i;
        } else if (!is_comment(key)) {
            return fail(c, "unknown option");
        }
        pop(c);
    }
    return 0;
}

/* ---- web sources ------------------------------------------------------- */

/* A source URL must be one curl parses, http or https, with a host, in
 * ASCII (percent-encoded) and without credentials (minutes are public, and
 * a configuration file gets copied into tickets).  Checked here so a typo
 * is a start-up error with a line number rather than a failure in the log
 * every ten minutes. */
static int check_url(struct ctx *c, const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL;
    int rc = 0;

    if (!u)
        return fail(c, "out of memory");
    if (strlen(url) > CONFIG_MAX_URL) {
        rc = fail(c, "longer than %d bytes", CONFIG_MAX_URL);
        goto cleanup;
    }
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
            rc = fail(c, "contains a space, control or non-ASCII character (percent-encode it)");
            goto cleanup;
        }
    /* no CURLU_DEFAULT_SCHEME: "example.org/x" is a mistake, not http */
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        rc = fail(c, "not a URL");
        goto cleanup;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        rc = fail(c, "only http and https URLs can be sources");
        goto cleanup;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
        rc = fail(c, "the URL has no host");
        goto cleanup;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        rc = fail(c, "a source URL must not carry a user name or password");
        goto cleanup;
    }
cleanup:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

static void source_free(struct config_source *s)
{
    free(s->url);
    free(s->follow);
}

static void sources_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nsources; i++)
        source_free(&cfg->sources[i]);
    free(cfg->sources);
    cfg->sources = NULL;
    cfg->nsources = 0;
}

static int load_source(struct ctx *c, json_t *o, struct config_source *src)
{
    const char *key;
    json_t *v;

    if (!json_is_object(o))
        return fail(c, "a source must be an object with at least \"url\"");
    json_object_foreach(o, key, v) {
        push_key(c, key);
        int rc = 0;
        if (strcmp(key, "url") == 0) {
            rc = get_string(c, v, false, &src->url);
            if (rc == 0)
                rc = check_url(c, src->url);
        } else if (strcmp(key, "interval_s") == 0) {
            rc = get_int(c, v, 1, 604800, &src->interval_s);
        } else if (strcmp(key, "follow") == 0) {
            rc = get_string(c, v, true, &src->follow);
            regex_t re;
            int e;
            if (rc == 0 && src->follow && (e = regcomp(&re, src->follow, REG_EXTENDED | REG_NOSUB)) != 0) {
                char why[160];
                regerror(e, &re, why, sizeof why);
                rc = fail(c, "not a POSIX extended regular expression: %s", why);
            } else if (rc == 0 && src->follow) {
                regfree(&re);
            }
        } else if (strcmp(key, "fail_after_s") == 0) {
            rc = get_int(c, v, 0, 2592000, &src->fail_after_s);
        } else if (!is_comment(key)) {
            rc = fail(c, "unknown option");
        }
        if (rc < 0)
            return -1;
        pop(c);
    }
    if (!src->url)
        return fail(c, "a source needs a \"url\"");
    return 0;
}

static int load_sources(struct ctx *c, json_t *v, struct config *cfg)
{
    if (!json_is_array(v) || json_array_size(v) > CONFIG_MAX_SOURCES)
        return fail(c, "must be a list of at most %d sources", CONFIG_MAX_SOURCES);
    sources_free(cfg);
    cfg->sources = xcalloc(json_array_size(v) + 1, sizeof *cfg->sources);
    for (size_t i = 0; i < json_array_size(v); i++) {
        push_idx(c, i);
        struct config_source *src = &cfg->sources[i];
        src->interval_s = 600;
        src->fail_after_s = 3600;
        cfg->nsources = i + 1;
        if (load_source(c, json_array_get(v, i), src) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->sources[j].url, src->url) == 0)
                return fail(c, "source \"%s\" is listed twice", src->url);
        pop(c);
    }
    return 0;
}

/* An object whose options are all integers in a range (http, alerts). */
struct int_opt {
    const char *key;
    long long lo, hi;
    int *i;              /* one of these is the destination */
    long long *ll;
};

static int load_int_object(struct ctx *c, json_t *o, const struct int_opt *opts, const char *example)
{
    const char *key;
    json_t *v;
    if (!json_is_object(o))
        return fail(c, "must be an object such as %s", example);
    json_object_foreach(o, key, v) {
        push_key(c, key);
        const struct int_opt *opt = opts;
        while (opt->key && strcmp(opt->key, key) != 0)
            opt++;
        if (!opt->key) {
            if (!is_comment(key))
                return fail(c, "unknown option");
        } else if (!json_is_integer(v) || json_integer_value(v) < opt->lo || json_integer_value(v) > opt->hi) {
            return fail(c, "must be an integer from %lld to %lld", opt->lo, opt->hi);
        } else if (opt->i) {
            *opt->i = (int)json_integer_value(v);
        } else {
            *opt->ll = json_integer_value(v);
        }
        pop(c);
    }
    return 0;
}

static int load_http(struct ctx *c, json_t *o, struct config *cfg)
{
    struct config_http *h = &cfg->http;
    const struct int_opt opts[] = {
        {"connect_timeout_s", 1, 600, &h->connect_timeout_s, NULL},
        {"timeout_s", 1, 3600, &h->timeout_s, NULL},
        {"max_body_bytes", 1024, 1LL << 30, NULL, &h->max_body_bytes},
        {"max_parallel", 1, 256, &h->max_parallel, NULL},
        {"recheck_s", 60, 31536000, &h->recheck_s, NULL},
        {NULL, 0, 0, NULL, NULL},
    };
    return load_int_object(c, o, opts, "{\"timeout_s\": 60}");
}

/* Whether url's host is this machine, where a login without TLS never
 * crosses a network.  The host comes from curl's URL parser, as for
 * sources; names other than "localhost" are not resolved here (a name
 * could point anywhere). */
static bool smtp_host_is_loopback(const char *url)
{
    static const char *const LOOPBACK[] = {"localhost", "127.0.0.1", "[::1]", NULL};
    CURLU *u = curl_url();
    char *host = NULL;
    bool local = false;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        for (int i = 0; LOOPBACK[i] && !local; i++)
            local = strcasecmp(host, LOOPBACK[i]) == 0;
    curl_free(host);
    curl_url_cleanup(u);
    return local;
}

static const char *const TLS_NAMES[] = {"required", "try", "none", NULL};

static int load_smtp(struct ctx *c, json_t *o, struct config *cfg)
{
    const char *key;
    json_t *v;
    int i;
    if (!json_is_object(o))
        return fail(c, "must be an object such as {\"url\": \"smtps://mail.example.dk\", \"from\": \"minutesd@example.dk\"}");
    json_object_foreach(o, key, v) {
        push_key(c, key);
        int rc = 0;
        if (strcmp(key, "url") == 0) {
            rc = get_string(c, v, true, &cfg->smtp.url);
            if (rc == 0 && cfg->smtp.url && strncmp(cfg->smtp.url, "smtp://", 7) != 0 &&
                strncmp(cfg->smtp.url, "smtps://", 8) != 0)
                rc = fail(c, "must be smtp://HOST[:PORT] or smtps://HOST[:PORT]");
            if (rc == 0 && cfg->smtp.url && strchr(cfg->smtp.url, '@'))
                rc = fail(c, "no user or password here: name a \"credentials\" file");
        } else if (strcmp(key, "from") == 0) {
            rc = get_string(c, v, false, &cfg->smtp.from);
            if (rc == 0 && !alertmsg_address(cfg->smtp.from))
                rc = fail(c, "not an e-mail address");
        } else if (strcmp(key, "credentials") == 0) {
            rc = get_string(c, v, true, &cfg->smtp.credentials);
        } else if (strcmp(key, "tls") == 0) {
            rc = get_enum(c, v, TLS_NAMES, &i);
            cfg->smtp.tls = (enum config_smtp_tls)i;
        } else if (!is_comment(key)) {
            rc = fail(c, "unknown option");
        }
        if (rc < 0)
            return -1;
        pop(c);
    }
    if (cfg->smtp.url && !cfg->smtp.from)
        return fail(c, "\"from\" is needed with \"url\"");
    if (cfg->smtp.url && cfg->smtp.credentials && strncmp(cfg->smtp.url, "smtp://", 7) == 0 &&
        cfg->smtp.tls != CONFIG_TLS_REQUIRED && !smtp_host_is_loopback(cfg->smtp.url))
        return fail(c, "a login goes only over TLS: use smtps:// or \"tls\": \"required\" "
                       "(\"try\" and \"none\" with \"credentials\" are for a relay on this host)");
    return 0;
}

static int load_alerts(struct ctx *c, json_t *o, struct config *cfg)
{
    struct config_alerts *a = &cfg->alerts;
    const struct int_opt opts[] = {
        {"interval_s", 1, 3600, &a->interval_s, NULL},
        {"retry_min_s", 1, 86400, &a->retry_min_s, NULL},
        {"retry_max_s", 1, 604800, &a->retry_max_s, NULL},
        {"max_attempts", 1, 100000, &a->max_attempts, NULL},
        {"timeout_s", 1, 600, &a->timeout_s, NULL},
        {"max_parallel", 1, 64, &a->max_parallel, NULL},
        {NULL, 0, 0, NULL, NULL},
    };
    if (load_int_object(c, o, opts, "{\"interval_s\": 10}") < 0)
        return -1;
    if (a->retry_max_s < a->retry_min_s)
        return fail(c, "retry_max_s must not be less than retry_min_s");
    return 0;
}

struct config *config_create(void)
{
    struct config *cfg = xcalloc(1, sizeof *cfg);
    cfg->state_dir = xstrndup("./var", 5);
    cfg->batch = 32;
    cfg->inboxes = xcalloc(1, sizeof *cfg->inboxes);
    inbox_defaults(&cfg->inboxes[0]);
    cfg->inboxes[0].path = xstrndup("./inbox", 7);
    cfg->inboxes[0].processed = beside("./inbox", "processed");
    cfg->inboxes[0].failed = beside("./inbox", "failed");
    cfg->ninboxes = 1;
    cfg->default_inbox = true;
    cfg->metrics_listen = xstrndup("127.0.0.1:9464", 14);
    cfg->log_level = CONFIG_LOG_INFO;
    cfg->log_format = CONFIG_LOG_TEXT;
    cfg->rescan_s = 30;
    cfg->max_inflight = 16;
    cfg->http.connect_timeout_s = 10;
    cfg->http.timeout_s = 60;
    cfg->http.max_body_bytes = 50LL << 20;
    cfg->http.max_parallel = 8;
    cfg->http.recheck_s = 86400;
    cfg->alerts.interval_s = 10;
    cfg->alerts.retry_min_s = 30;
    cfg->alerts.retry_max_s = 3600;
    cfg->alerts.max_attempts = 100;
    cfg->alerts.timeout_s = 30;
    cfg->alerts.max_parallel = 4;
    return cfg;
}

void config_destroy(struct config *cfg)
{
    if (!cfg)
        return;
    free(cfg->database);
    free(cfg->state_dir);
    inboxes_free(cfg);
    sources_free(cfg);
    free(cfg->smtp.url);
    free(cfg->smtp.from);
    free(cfg->smtp.credentials);
    free(cfg->metrics_listen);
    free(cfg);
}

static int load_root(struct ctx *c, json_t *root, struct config *cfg)
{
    const char *key;
    json_t *v;

    if (!json_is_object(root))
        return fail(c, "the configuration must be a JSON object");
    json_object_foreach(root, key, v) {
        int rc = 0;
        push_key(c, key);
        if (strcmp(key, "database") == 0)
            rc = get_string(c, v, true, &cfg->database);
        else if (strcmp(key, "state_dir") == 0)
            rc = get_string(c, v, false, &cfg->state_dir);
        else if (strcmp(key, "batch") == 0)
            rc = get_int(c, v, 1, 1000, &cfg->batch);
        else if (strcmp(key, "inboxes") == 0)
            rc = load_inboxes(c, v, cfg);
        else if (strcmp(key, "metrics") == 0)
            rc = load_metrics(c, v, cfg);
        else if (strcmp(key, "log") == 0)
            rc = load_log(c, v, cfg);
        else if (strcmp(key, "rescan_s") == 0)
            rc = get_int(c, v, 1, 86400, &cfg->rescan_s);
        else if (strcmp(key, "max_inflight") == 0)
            rc = get_int(c, v, 1, 1024, &cfg->max_inflight);
        else if (strcmp(key, "sources") == 0)
            rc = load_sources(c, v, cfg);
        else if (strcmp(key, "http") == 0)
            rc = load_http(c, v, cfg);
        else if (strcmp(key, "smtp") == 0)
            rc = load_smtp(c, v, cfg);
        else if (strcmp(key, "alerts") == 0)
            rc = load_alerts(c, v, cfg);
        else if (!is_comment(key))
            rc = fail(c, "unknown option");
        if (rc < 0)
            return -1;
        pop(c);
    }
    return 0;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
    struct config *cfg = config_create();
    struct ctx c = {.file = path, .err = err, .errlen = errlen};
    json_error_t jerr;
    json_t *root = NULL;
    FILE *f = fopen(path, "rb");

    if (!f) {
        snprintf(err, errlen, "%s: could not open configuration: %s", path, strerror(errno));
        goto fail;
    }
    c.text = xmalloc(CONFIG_MAX_BYTES + 1);
    c.len = fread(c.text, 1, CONFIG_MAX_BYTES + 1, f);
    fclose(f);
    if (c.len > CONFIG_MAX_BYTES) {
        snprintf(err, errlen, "%s: cannot read configuration: larger than %u KiB", path, CONFIG_MAX_BYTES >> 10);
        goto fail;
    }
    c.text[c.len] = '\0';
    /* JSON_REJECT_DUPLICATES: two "database" keys is a mistake to report,
     * not something to resolve by picking one. */
    root = json_loadb(c.text, c.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        goto fail;
    }
    if (load_root(&c, root, cfg) < 0)
        goto fail;
    json_decref(root);
    free(c.text);
    return cfg;
fail:
    json_decref(root);
    free(c.text);
    config_destroy(cfg);
    return NULL;
}

int config_parse_listen(const char *s, void *addr, char *err, size_t errlen)
{
    struct sockaddr_storage *ss = addr;
    char host[64];
    const char *colon, *h = s;
    size_t hl;
    char *end;

    memset(ss, 0, sizeof *ss);
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            goto bad;
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            goto bad;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= sizeof host)
        goto bad;
    memcpy(host, h, hl);
    host[hl] = '\0';
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        goto bad;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        if ((ntohl(in4->sin_addr.s_addr) >> 24) != 127)
            goto not_loopback;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        if (!IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            goto not_loopback;
        return 0;
    }
bad:
    snprintf(err, errlen, "\"%s\" is not HOST:PORT with a numeric loopback address (127.0.0.1:9464, [::1]:9464)", s);
    return -1;
not_loopback:
    snprintf(err, errlen, "\"%s\" is not a loopback address: the metrics are served on 127.0.0.0/8 or ::1 only", s);
    return -1;
}
