/*
 * http: see http.h.
 *
 * The libuv side follows curl's multi_socket contract: the socket callback
 * says which events a socket needs (CURL_POLL_IN/OUT) or that it is done
 * with it (CURL_POLL_REMOVE); the timer callback says when to call
 * curl_multi_socket_action with CURL_SOCKET_TIMEOUT.  Two things matter for
 * libuv.  A poll handle must be closed before curl closes its socket:
 * libuv aborts when epoll is told about a descriptor that is gone.  curl
 * announces REMOVE before it closes, and uv_close stops the poll (epoll
 * DEL) there and then, so closing on REMOVE is enough; the socket's record
 * lives until its close callback.  And curl must not be re-entered from
 * its own callbacks, so the timer callback only arms the uv_timer (a zero
 * timeout fires on the next loop turn), it never calls curl back.
 */
#include "http.h"

#include "util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sock {
    uv_poll_t poll;
    struct http *h;
    curl_socket_t fd;
    struct sock *prev, *next;   /* the open ones, so destroy can close them first */
};

struct xfer {
    struct http *h;
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    char *etag, *last_modified;   /* to send */
    struct buf body;
    bool too_big;
    /* sending (http_send): what goes out */
    const struct http_send *send;   /* only during setup */
    struct curl_slist *rcpt;
    char *out;                      /* the POST body or the mail */
    size_t out_len, out_off;
    bool public_only, refused_private;
    char refused_ip[64];
    char errbuf[CURL_ERROR_SIZE];
    uint64_t start_ns;
    http_cb cb;
    void *ud;
    struct xfer *prev, *next;
};

struct http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct http_opts o;
    char user_agent[64];
    struct xfer *wait_head, *wait_tail;   /* queued, not started */
    struct xfer *running;                 /* started */
    struct xfer *failed;                  /* curl would not take them: reported on the next turn */
    uv_timer_t fail_timer;
    size_t nwaiting, nrunning;
    struct sock *socks;
    int handles;                          /* open uv handles: freed when 0 after destroy */
    bool destroyed;
};

static void maybe_free(struct http *h)
{
    if (h->destroyed && h->handles == 0)
        free(h);
}

static void handle_closed(uv_handle_t *hd)
{
    struct http *h = hd->data;
    h->handles--;
    maybe_free(h);
}

static void sock_closed(uv_handle_t *hd)
{
    struct sock *k = hd->data;
    struct http *h = k->h;
    free(k);
    h->handles--;
    maybe_free(h);
}

static void sock_close(struct sock *k)
{
    struct http *h = k->h;
    if (k->prev)
        k->prev->next = k->next;
    else
        h->socks = k->next;
    if (k->next)
        k->next->prev = k->prev;
    /* uv_close stops the poll at once (epoll DEL), before curl's close() */
    uv_close((uv_handle_t *)&k->poll, sock_closed);
}

static void xfer_free(struct xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    curl_slist_free_all(x->rcpt);
    free(x->out);
    buf_free(&x->body);
    free(x->url);
    free(x->etag);
    free(x->last_modified);
    free(x);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

/* A response header of the last response in a redirect chain, or NULL. */
static char *header(CURL *e, const char *name)
{
    struct curl_header *hd = NULL;
    if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK || !hd->value || !hd->value[0])
        return NULL;
    return xstrndup(hd->value, strlen(hd->value));
}

static void describe_error(struct xfer *x, CURLcode rc, char *out, size_t n)
{
    const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            snprintf(out, n, "body exceeds max_body_bytes (%lld bytes); cut off", x->h->o.max_body_bytes);
            return;
        }
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        snprintf(out, n, "refused: redirected to a URL that is not http or https (%s)", detail);
        return;
    case CURLE_TOO_MANY_REDIRECTS:
        snprintf(out, n, "refused: more than %d redirects", HTTP_MAX_REDIRECTS);
        return;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(out, n, "timed out (%s)", detail);
        return;
    case CURLE_COULDNT_CONNECT: {
        if (x->refused_private) {
            snprintf(out, n, "refused: a linked URL on a loopback, private or link-local address (%s)",
                     x->refused_ip);
            return;
        }
        long os = 0;
        curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os);
        if (os == EPERM || os == EACCES) {
            /* the packaged unit's IPAddressDeny=: say so, or people debug the server */
            snprintf(out, n, "connection not permitted on this host (%s); under systemd, allow the address with "
                             "IPAddressAllow= in a drop-in, see minutesd(8)", detail);
            return;
        }
        break;
    }
    default:
        break;
    }
    snprintf(out, n, "%s", detail);
    /* curl's messages end in a newline sometimes */
    size_t l = strlen(out);
    while (l && (out[l - 1] == '\n' || out[l - 1] == '\r'))
        out[--l] = '\0';
}

static void start_waiting(struct http *h);

static void finish(struct http *h, CURL *e, CURLcode rc)
{
    struct xfer *x = NULL;
    struct http_response res;
    char *url = NULL;
    long redirects = 0;

    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
    curl_multi_remove_handle(h->multi, e);
    if (x->prev)
        x->prev->next = x->next;
    else
        h->running = x->next;
    if (x->next)
        x->next->prev = x->prev;
    h->nrunning--;

    memset(&res, 0, sizeof res);
    res.seconds = (double)(uv_hrtime() - x->start_ns) / 1e9;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &res.status);
    curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
    if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
        res.final_url = xstrndup(url, strlen(url));
    if (rc != CURLE_OK) {
        char msg[CURL_ERROR_SIZE + 128];
        describe_error(x, rc, msg, sizeof msg);
        res.error = xstrndup(msg, strlen(msg));
        res.status = rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_WRITE_ERROR ? res.status : 0;
    } else {
        curl_off_t ra = 0;
        char *ct = NULL;
        res.etag = header(e, "ETag");
        res.last_modified = header(e, "Last-Modified");
        if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
            res.content_type = xstrndup(ct, strlen(ct));
        char *ip = NULL;
        if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
            res.private_peer = http_private_address(ip);
        if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
            res.retry_after_s = ra > 86400 * 7 ? 86400 * 7 : (long)ra;
        if (res.status == 200) {
            res.body = (unsigned char *)buf_steal(&x->body, &res.len);
            if (!res.body)
                res.body = (unsigned char *)xstrndup("", 0);
        }
    }
    x->cb(x->ud, &res);
    free(res.error);
    free(res.body);
    free(res.etag);
    free(res.last_modified);
    free(res.content_type);
    free(res.final_url);
    xfer_free(x);
    start_waiting(h);
}

static void check_done(struct http *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left)))
        if (m->msg == CURLMSG_DONE)
            finish(h, m->easy_handle, m->data.result);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct sock *k = p->data;
    struct http *h = k->h;
    int flags = 0, running;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    curl_multi_socket_action(h->multi, k->fd, flags, &running);
    check_done(h);
}

static void on_timer(uv_timer_t *t)
{
    struct http *h = t->data;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

/* curl: watch s for what, or stop watching it. */
static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct http *h = userp;
    struct sock *k = socketp;
    (void)e;

    if (what == CURL_POLL_REMOVE) {
        if (k) {
            curl_multi_assign(h->multi, s, NULL);
            sock_close(k);
        }
        return 0;
    }
    if (!k) {
        k = xcalloc(1, sizeof *k);
        k->h = h;
        k->fd = s;
        if (uv_poll_init_socket(h->loop, &k->poll, s) != 0) {
            free(k);
            return -1;   /* curl fails the transfer */
        }
        k->poll.data = k;
        h->handles++;
        k->next = h->socks;
        if (k->next)
            k->next->prev = k;
        h->socks = k;
        curl_multi_assign(h->multi, s, k);
    }
    int ev = 0;
    if (what & CURL_POLL_IN)
        ev |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        ev |= UV_WRITABLE;
    uv_poll_start(&k->poll, ev, on_poll);
    return 0;
}

/* curl: call me back in timeout_ms (-1: never). */
static int on_timeout(CURLM *m, long timeout_ms, void *userp)
{
    struct http *h = userp;
    (void)m;
    if (timeout_ms < 0)
        uv_timer_stop(&h->timer);
    else
        uv_timer_start(&h->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if ((long long)(x->body.len + len) > x->h->o.max_body_bytes || buf_append(&x->body, p, len) < 0) {
        x->too_big = true;
        return 0;   /* CURLE_WRITE_ERROR ends the transfer */
    }
    return len;
}

bool http_private_address(const char *ip)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        goto v4;
    if (inet_pton(AF_INET6, ip, a) != 1)
        return true;   /* not an address we understand: not trusted either */
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) {
        memmove(a, a + 12, 4);
        goto v4;
    }
    static const unsigned char zero[16];
    if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))   /* :: and ::1 */
        return true;
    return (a[0] & 0xfe) == 0xfc                  /* fc00::/7 unique local */
           || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);   /* fe80::/10 link-local */
v4:
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64);   /* carrier-grade NAT */
}

/* curl: open the socket it is about to connect - unless the address is one
 * a public_only transfer must not reach.  Checked here, on the address
 * actually connected to, so neither a redirect nor DNS can route around it. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = ud;
    (void)purpose;
    if (x->public_only) {
        char ip[64] = "?";
        if (a->family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&a->addr)->sin_addr, ip, sizeof ip);
        else if (a->family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr, ip, sizeof ip);
        if ((a->family != AF_INET && a->family != AF_INET6) || http_private_address(ip)) {
            x->refused_private = true;
            snprintf(x->refused_ip, sizeof x->refused_ip, "%s", ip);
            return CURL_SOCKET_BAD;
        }
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* curl reads the mail to upload from here. */
static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t want = size * n, left = x->out_len - x->out_off;
    if (want > left)
        want = left;
    memcpy(p, x->out + x->out_off, want);
    x->out_off += want;
    return want;
}

/* What every transfer gets, GET or send: its record, the answer's body
 * (capped), the error text, TLS verification, the timeouts, and the check
 * of the address it connects to. */
#define SET(opt, val)                                   \
    do {                                                \
        if (rc == CURLE_OK)                             \
            rc = curl_easy_setopt(e, opt, val);         \
    } while (0)

static CURLcode common_options(struct http *h, struct xfer *x, CURL *e)
{
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_URL, x->url);
    SET(CURLOPT_PRIVATE, x);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)h->o.connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, (long)h->o.timeout_ms);
    SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    SET(CURLOPT_OPENSOCKETDATA, x);
    return rc;
}

static int setup_send(struct http *h, struct xfer *x, char *err, size_t errlen);

static int setup(struct http *h, struct xfer *x, char *err, size_t errlen)
{
    if (x->send)
        return setup_send(h, x, err, errlen);
    CURL *e = curl_easy_init();
    struct buf b;
    if (!e) {
        snprintf(err, errlen, "curl_easy_init failed");
        return -1;
    }
    x->easy = e;
    buf_init(&b, 0);
    if (x->etag) {
        buf_printf(&b, "If-None-Match: %s", x->etag);
        x->headers = curl_slist_append(x->headers, buf_cstr(&b));
        buf_reset(&b);
    }
    if (x->last_modified) {
        buf_printf(&b, "If-Modified-Since: %s", x->last_modified);
        x->headers = curl_slist_append(x->headers, buf_cstr(&b));
    }
    buf_free(&b);
    CURLcode rc = common_options(h, x, e);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_body_bytes);
    SET(CURLOPT_USERAGENT, h->user_agent);
    SET(CURLOPT_ACCEPT_ENCODING, "");   /* whatever curl can decode; the cap applies to the decoded body */
    SET(CURLOPT_HTTPHEADER, x->headers);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", x->url, curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

/* A POST (webhook) or a mail (smtp, smtps): no redirects followed - a
 * message goes where it was configured to go, or fails - and the answer's
 * body is read only to be dropped, within the same cap. */
static int setup_send(struct http *h, struct xfer *x, char *err, size_t errlen)
{
    const struct http_send *r = x->send;
    CURL *e = curl_easy_init();
    if (!e) {
        snprintf(err, errlen, "curl_easy_init failed");
        return -1;
    }
    x->easy = e;
    x->out = xmalloc(r->len + 1);
    memcpy(x->out, r->body, r->len);
    x->out_len = r->len;
    for (size_t i = 0; r->headers && r->headers[i]; i++)
        x->headers = curl_slist_append(x->headers, r->headers[i]);
    CURLcode rc = common_options(h, x, e);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    if (r->mail_rcpt) {
        x->rcpt = curl_slist_append(NULL, r->mail_rcpt);
        SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        SET(CURLOPT_MAIL_FROM, r->mail_from);
        SET(CURLOPT_MAIL_RCPT, x->rcpt);
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_READFUNCTION, on_read);
        SET(CURLOPT_READDATA, x);
        SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->out_len);
        SET(CURLOPT_USE_SSL, (long)r->use_ssl);
        if (r->username)
            SET(CURLOPT_USERNAME, r->username);
        if (r->password)
            SET(CURLOPT_PASSWORD, r->password);
    } else {
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_USERAGENT, h->user_agent);
        SET(CURLOPT_HTTPHEADER, x->headers);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->out_len);
        SET(CURLOPT_POSTFIELDS, x->out);
    }
#undef SET
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", x->url, curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

static void on_fail_timer(uv_timer_t *t)
{
    struct http *h = t->data;
    struct xfer *x;
    while ((x = h->failed)) {
        h->failed = x->next;
        struct http_response res;
        memset(&res, 0, sizeof res);
        res.error = xstrndup(x->errbuf, strlen(x->errbuf));
        x->cb(x->ud, &res);
        free(res.error);
        xfer_free(x);
    }
}

static void start_waiting(struct http *h)
{
    while (!h->destroyed && h->wait_head && h->nrunning < (size_t)h->o.max_parallel) {
        struct xfer *x = h->wait_head;
        h->wait_head = x->next;
        if (!h->wait_head)
            h->wait_tail = NULL;
        h->nwaiting--;
        x->prev = NULL;
        x->next = h->running;
        if (x->next)
            x->next->prev = x;
        h->running = x;
        h->nrunning++;
        x->start_ns = uv_hrtime();
        CURLMcode mc = curl_multi_add_handle(h->multi, x->easy);
        if (mc != CURLM_OK) {
            /* reported on the next turn, not from inside the caller's http_get */
            h->running = x->next;
            if (x->next)
                x->next->prev = NULL;
            h->nrunning--;
            snprintf(x->errbuf, sizeof x->errbuf, "%s", curl_multi_strerror(mc));
            x->next = h->failed;
            h->failed = x;
            uv_timer_start(&h->fail_timer, on_fail_timer, 0, 0);
        }
    }
}

struct http *http_create(uv_loop_t *loop, const struct http_opts *o, char *err, size_t errlen)
{
    struct http *h = xcalloc(1, sizeof *h);
    h->loop = loop;
    h->o = *o;
    snprintf(h->user_agent, sizeof h->user_agent, "minutesd/%s", MINUTESD_VERSION);
    h->multi = curl_multi_init();
    if (!h->multi) {
        snprintf(err, errlen, "curl_multi_init failed");
        free(h);
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timeout);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    /* idle connections kept for reuse: enough for the parallel transfers
     * and a few servers' worth more */
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)o->max_parallel * 4);
    uv_timer_init(loop, &h->timer);
    uv_timer_init(loop, &h->fail_timer);
    h->timer.data = h->fail_timer.data = h;
    h->handles = 2;
    return h;
}

void http_set_opts(struct http *h, const struct http_opts *o)
{
    h->o = *o;
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)o->max_parallel * 4);
    start_waiting(h);
}

static int enqueue(struct http *h, struct xfer *x, char *err, size_t errlen);

int http_get(struct http *h, const char *url, const char *etag, const char *last_modified, bool public_only,
             http_cb cb, void *ud, char *err, size_t errlen)
{
    struct xfer *x = xcalloc(1, sizeof *x);
    x->h = h;
    x->public_only = public_only;
    x->url = xstrndup(url, strlen(url));
    x->etag = dup_or_null(etag);
    x->last_modified = dup_or_null(last_modified);
    x->cb = cb;
    x->ud = ud;
    buf_init(&x->body, 0);
    return enqueue(h, x, err, errlen);
}

int http_send(struct http *h, const struct http_send *r, http_cb cb, void *ud, char *err, size_t errlen)
{
    struct xfer *x = xcalloc(1, sizeof *x);
    x->h = h;
    x->url = xstrndup(r->url, strlen(r->url));
    x->public_only = r->public_only;
    x->cb = cb;
    x->ud = ud;
    x->send = r;
    buf_init(&x->body, 0);
    return enqueue(h, x, err, errlen);
}

static int enqueue(struct http *h, struct xfer *x, char *err, size_t errlen)
{
    int rc = setup(h, x, err, errlen);
    x->send = NULL;
    if (rc < 0) {
        xfer_free(x);
        return -1;
    }
    if (h->wait_tail)
        h->wait_tail->next = x;
    else
        h->wait_head = x;
    h->wait_tail = x;
    h->nwaiting++;
    start_waiting(h);
    return 0;
}

size_t http_busy(const struct http *h)
{
    return h->nwaiting + h->nrunning;
}

void http_destroy(struct http *h)
{
    if (!h)
        return;
    h->destroyed = true;
    /* the polls first: curl closes its sockets in the cleanup below */
    while (h->socks) {
        curl_multi_assign(h->multi, h->socks->fd, NULL);
        sock_close(h->socks);
    }
    struct xfer *x;
    while ((x = h->running)) {
        h->running = x->next;
        curl_multi_remove_handle(h->multi, x->easy);
        xfer_free(x);
    }
    while ((x = h->wait_head)) {
        h->wait_head = x->next;
        xfer_free(x);
    }
    while ((x = h->failed)) {
        h->failed = x->next;
        xfer_free(x);
    }
    curl_multi_cleanup(h->multi);
    h->multi = NULL;
    uv_close((uv_handle_t *)&h->timer, handle_closed);
    uv_close((uv_handle_t *)&h->fail_timer, handle_closed);
}
