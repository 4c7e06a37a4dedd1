/*
 * config: the JSON configuration file (jansson).
 *
 * Every option has a default, so no file at all is a valid configuration:
 * the private cluster under ./var, one inbox ./inbox taking text, HTML, PDF
 * and DOCX files, metrics
 * on 127.0.0.1:9464, text logs at level info.  Unknown keys are errors
 * rather than silently ignored: a misspelt "databse" would otherwise
 * quietly start the private cluster.  Every error names the file, line and
 * column of the value it is about ("FILE:LINE:COL: reason"), found again in
 * the file's text because jansson keeps no positions for values.
 *
 * Loading is all or nothing (config_load returns a whole new config or
 * none), which is what makes SIGHUP a transaction: parse the new file,
 * validate, swap, or keep running on the old one.
 */
#ifndef MINUTESD_CONFIG_H
#define MINUTESD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum config_after {
    CONFIG_AFTER_MOVE,     /* to processed/ (default) */
    CONFIG_AFTER_DELETE,   /* unlink once committed */
    CONFIG_AFTER_KEEP,     /* leave it; remembered so it is not loaded again while running */
};

enum config_log_format { CONFIG_LOG_TEXT, CONFIG_LOG_JSON };

/* Log levels, most severe first (syslog's order, so journald priorities
 * are the same numbers). */
enum config_log_level { CONFIG_LOG_ERROR = 3, CONFIG_LOG_WARNING = 4, CONFIG_LOG_INFO = 6, CONFIG_LOG_DEBUG = 7 };

struct config_inbox {
    char *path;          /* the watched directory */
    char **patterns;     /* shell globs on the file name, matched case-insensitively; default
                            {"*.txt", "*.html", "*.htm", "*.pdf", "*.docx"} */
    size_t npatterns;
    enum config_after after;
    int settle_ms;       /* unchanged for this long before it is taken; default 200 */
    char *processed;     /* default: "processed" beside path (same parent directory) */
    char *failed;        /* default: "failed" beside path */
};

/* A web source: a document URL, or (with follow) an index page or feed
 * whose matching links are documents. */
struct config_source {
    char *url;           /* http or https */
    int interval_s;      /* poll this often (1..604800), with jitter; default 600 */
    char *follow;        /* POSIX extended regex on the absolute link URL, or NULL: url is a document */
    int fail_after_s;    /* failing this long raises source_failing (0..2592000); default 3600 */
};
/* How web sources are fetched (all sources share it). */
struct config_http {
    int connect_timeout_s;    /* default 10 */
    int timeout_s;            /* the whole transfer, redirects included; default 60 */
    long long max_body_bytes; /* decoded body; default 50 MiB */
    int max_parallel;         /* transfers at once; default 8 */
    int recheck_s;            /* a followed link is re-validated this often even when its index is unchanged;
                                 default 86400 */
};
/* Mail for e-mail subscriptions.  No password here: credentials (if the
 * server wants them) come from a netrc-format file the config names. */
enum config_smtp_tls { CONFIG_TLS_REQUIRED, CONFIG_TLS_TRY, CONFIG_TLS_NONE };
struct config_smtp {
    char *url;           /* smtp://host:port (STARTTLS per tls) or smtps://host:port; NULL: no e-mail */
    char *from;          /* the sender address */
    char *credentials;   /* a netrc file ("machine HOST login USER password PASS"), or NULL */
    enum config_smtp_tls tls;   /* for smtp://: "required" (default), "try" or "none" */
};
/* The dispatcher of alerts. */
struct config_alerts {
    int interval_s;      /* look for events of other processes and due retries this often; default 10 */
    int retry_min_s, retry_max_s;   /* backoff of a failed delivery; default 30 .. 3600 */
    int max_attempts;    /* then the delivery stays failed; default 100 */
    int timeout_s;       /* one delivery; default 30 */
    int max_parallel;    /* deliveries at once; default 4 */
};
struct config {
    char *database;      /* libpq conninfo or URI; NULL: PGHOST … from the environment, else the private cluster */
    char *state_dir;     /* default "./var" */
    int batch;           /* documents per transaction at most (1..1000), default 32 */
    struct config_inbox *inboxes;   /* default: one, "./inbox" */
    size_t ninboxes;
    bool default_inbox;  /* inboxes came from the default, not the file (run seeds it with samples) */
    char *metrics_listen;           /* "HOST:PORT" on a loopback address; NULL: no metrics endpoint */
    enum config_log_level log_level;
    enum config_log_format log_format;
    int rescan_s;        /* full rescan of every inbox this often (1..86400), default 30 */
    int max_inflight;    /* documents read but not yet committed, at most (1..1024), default 16 */
    struct config_source *sources;   /* default: none */
    size_t nsources;
    struct config_http http;
    struct config_smtp smtp;
    struct config_alerts alerts;
};

/* New config with every default (config_destroy it). */
struct config *config_create(void);

/* Loads path over the defaults: a new config, or NULL with err set to one
 * line "FILE:LINE:COLUMN: reason". */
struct config *config_load(const char *path, char *err, size_t errlen);

void config_destroy(struct config *cfg);   /* NULL is a no-op */

/* Parses "127.0.0.1:9464", "[::1]:9464" or "localhost:9464" into *addr
 * (a struct sockaddr_storage), refusing anything but a loopback address:
 * the metrics say what documents arrived, which is nobody else's business.
 * 0, or -1 with err set. */
int config_parse_listen(const char *s, void *addr, char *err, size_t errlen);

const char *config_after_str(enum config_after a);
const char *config_log_level_str(enum config_log_level l);

#endif
