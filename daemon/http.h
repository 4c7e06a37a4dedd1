/*
 * http: fetching URLs with libcurl's multi_socket API on the libuv loop.
 *
 * No thread per URL and no blocking call: curl tells us which sockets it
 * wants watched (a uv_poll each) and when it wants to be woken (one
 * uv_timer), and we tell it when a socket is ready.  One multi handle keeps
 * the connection cache, so polling many URLs on one server reuses its
 * connections.  At most max_parallel transfers run at once; the rest wait
 * their turn here, so a slow server holds at most the transfers that are
 * its own, never the queue (every transfer has a total timeout).
 *
 * What every transfer gets, whatever the caller asks: http and https only,
 * across redirects too (a redirect to file:// or ftp:// is refused, not
 * followed); at most HTTP_MAX_REDIRECTS redirects; TLS verification on;
 * connect and total timeouts; a body cap (the decoded body: a gzip bomb is
 * cut off like any other oversized body); a User-Agent naming minutesd and
 * its version.  Conditional GET: the ETag and Last-Modified given are sent
 * back verbatim as If-None-Match and If-Modified-Since - the server's own
 * strings, never a date made from our clock.
 */
#ifndef MINUTESD_HTTP_H
#define MINUTESD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define HTTP_MAX_REDIRECTS 5

struct http_opts {
    int connect_timeout_ms;
    int timeout_ms;            /* the whole transfer, redirects included */
    long long max_body_bytes;
    int max_parallel;
};

struct http_response {
    long status;               /* the final response's HTTP status; 0 when there was none */
    char *error;               /* one line when the transfer failed (no usable response), else NULL */
    unsigned char *body;       /* the body (status 200); the callback may take it (set it NULL) */
    size_t len;
    char *etag, *last_modified, *content_type;   /* the final response's, or NULL */
    char *final_url;           /* after redirects */
    long retry_after_s;        /* Retry-After (seconds, either form), 0 when absent */
    double seconds;            /* from start of transfer to its end */
    bool private_peer;         /* the server answered from a loopback, private or link-local address */
};

/* Called on the loop thread when a transfer ends; res and its strings are
 * freed after the call (take what you keep).  Not called for transfers
 * still running at http_destroy. */
typedef void (*http_cb)(void *ud, struct http_response *res);

struct http;

/* New fetcher on loop; NULL with err set when curl cannot be set up. */
struct http *http_create(uv_loop_t *loop, const struct http_opts *o, char *err, size_t errlen);
/* New limits for transfers started from now on (SIGHUP). */
void http_set_opts(struct http *h, const struct http_opts *o);
/* Queues a GET of url (etag / last_modified: NULL or the validators last
 * received).  public_only: refuse to connect to a loopback, private or
 * link-local address - for URLs taken from a page on the internet, which
 * must not make the daemon fetch from the machine or network it runs in.
 * The strings are copied.  0, or -1 with err set (curl refused the
 * request: out of memory, say). */
int http_get(struct http *h, const char *url, const char *etag, const char *last_modified, bool public_only,
             http_cb cb, void *ud, char *err, size_t errlen);
/* A message to send: a POST of body (a webhook) or, when mail_rcpt is
 * set, a mail whose whole RFC 5322 text is body, over smtp:// or smtps://.
 * Redirects are not followed.  Borrowed for the call only. */
struct http_send {
    const char *url;
    const char *const *headers;   /* NULL-terminated "Name: value" lines (POST), or NULL */
    const char *body;
    size_t len;
    const char *mail_from, *mail_rcpt;   /* "<addr>" */
    const char *username, *password;     /* SMTP AUTH, or NULL */
    long use_ssl;                        /* CURLUSESSL_* for smtp:// (STARTTLS) */
    bool public_only;
};
/* Queues r; the callback gets the status (an HTTP status, or the SMTP
 * server's last reply code) or the error. */
int http_send(struct http *h, const struct http_send *r, http_cb cb, void *ud, char *err, size_t errlen);

/* Whether the numeric address ip is loopback, private, link-local or
 * unspecified (IPv4 or IPv6, IPv4-mapped included). */
bool http_private_address(const char *ip);
/* Transfers running or waiting. */
size_t http_busy(const struct http *h);
/* Drops every transfer (no callbacks) and closes the handles; the memory
 * goes when the loop has run their close callbacks.  NULL is a no-op. */
void http_destroy(struct http *h);

#endif
