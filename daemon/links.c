/*
 * links: the document links on an index page or in a feed.
 *
 * A page is parsed with libxml2's HTML parser in recovery mode (index
 * pages are rarely valid), a feed with its XML parser, both from memory
 * with NONET and without entity substitution or DTD loading: a feed's
 * internal subset can define entities, and what they stand for is never
 * part of a link (a value holding an unexpanded one is dropped rather than
 * fetched without it).  Which parser is decided by the content, not the
 * Content-Type: servers send feeds as text/html, text/plain or
 * application/octet-stream as often as not.
 *
 * Every reference goes through libcurl's URL parser, the one the fetcher
 * uses, so a link is resolved and normalised exactly as it will be
 * requested: relative to the page's base, dot segments removed, fragment
 * dropped, scheme and host in lower case, a default port dropped.  Before
 * that it is cleaned as a browser would: blanks around it stripped, tabs
 * and line ends in it removed, a backslash before the query read as a
 * slash, and bytes no URL may hold (spaces, non-ASCII, a lone %)
 * percent-encoded as UTF-8, outside the host, which libcurl takes as
 * UTF-8 and gives back in punycode: every link is ASCII.  Two spellings
 * of one document then compare equal, and a hash set keeps the first of
 * them: a page with 10000 links costs 10000 lookups, not 10000^2
 * comparisons.
 *
 * Input the parsers would misread is put right first, so that no link is
 * lost or altered silently:
 *   - NUL bytes become spaces: libxml2 stops at one and drops the rest;
 *   - in a feed, an & that begins no entity or character reference
 *     becomes &amp; - publishers paste query strings into <link> as is,
 *     and XML recovery would quietly cut "?a=1&b=2" to "?a=1=2";
 *   - a page or feed whose bytes are not the UTF-8 it claims (or that
 *     claims nothing) is read again as Windows-1252, by the rules of
 *     extract_html.c, or its first æ, ø or å would be mangled.
 * A parser that halts (elements nested past 256 levels, an entity loop)
 * leaves a tree cut short; that is an error, not a shorter list, since a
 * document missed silently is worse than a source that says it failed.
 *
 * Bounded: at most LINKS_MAX links, each at most LINKS_MAX_URL bytes; the
 * tree walks are loops over parent/sibling links, not recursion.
 */
#include "links.h"

#include "extract.h"

#include "util.h"

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINKS_XML_NS "http://www.w3.org/XML/1998/namespace"

#ifdef CURLU_PUNYCODE /* libcurl 7.88 */
#define LINKS_PUNYCODE CURLU_PUNYCODE
#else
#define LINKS_PUNYCODE 0
#endif

struct links_ctx {
    struct links *out;
    size_t cap;            /* slots allocated in out->urls */
    const char **set;      /* open addressing over out->urls, at most half full */
    size_t set_cap;        /* a power of two */
    const regex_t *follow; /* borrowed; NULL keeps every link */
    /* Work buffers, here rather than on a worker thread's stack: a
     * reference's text, then cleaned, then percent-encoded. */
    char text[2 * LINKS_MAX_URL + 1];
    char clean[LINKS_MAX_URL + 1];
    char enc[3 * LINKS_MAX_URL + 1];
};

/* One line, whatever came from outside (a Content-Type, a URL). */
static void links_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void links_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = ' ';
    for (size_t n = strlen(err); n > 0 && err[n - 1] == ' '; n--)
        err[n - 1] = '\0';
}

static void links_curl_oom(CURLUcode rc)
{
    /* a link lost to a failed allocation would be a document missed
     * without a word; the daemon aborts on out-of-memory everywhere */
    if (rc == CURLUE_OUT_OF_MEMORY)
        abort();
}

/* ---- the set of links found --------------------------------------------- */

static uint64_t links_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot holding url, or the empty slot where it belongs. */
static size_t links_slot(const struct links_ctx *c, const char *url)
{
    size_t i = (size_t)links_hash(url) & (c->set_cap - 1);
    while (c->set[i] && strcmp(c->set[i], url) != 0)
        i = (i + 1) & (c->set_cap - 1);
    return i;
}

static void links_set_grow(struct links_ctx *c)
{
    size_t old_cap = c->set_cap;
    const char **old = c->set;
    c->set_cap = old_cap ? old_cap * 2 : 256;
    c->set = xcalloc(c->set_cap, sizeof *c->set);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            c->set[links_slot(c, old[i])] = old[i];
    free(old);
}

/* Appends url (copied) unless an equal one is already there. */
static void links_keep(struct links_ctx *c, const char *url)
{
    if ((c->out->n + 1) * 2 > c->set_cap)
        links_set_grow(c);
    size_t i = links_slot(c, url);
    if (c->set[i])
        return;
    if (c->out->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->out->urls = xrealloc(c->out->urls, c->cap * sizeof *c->out->urls);
    }
    char *copy = xstrndup(url, strlen(url));
    c->out->urls[c->out->n++] = copy;
    c->set[i] = copy;
}

static bool links_full(const struct links_ctx *c)
{
    return c->out->n >= LINKS_MAX;
}

/* ---- one reference -------------------------------------------------------- */

static bool links_is_blank(unsigned char b)
{
    return b <= 0x20; /* C0 controls and space, as the WHATWG URL parser strips them */
}

static bool links_is_hex(unsigned char b)
{
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
}

static bool links_is_alpha(unsigned char b)
{
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
}

/* Where the authority (user@host:port) of s[0..n) lies, if it has one:
 * after "scheme://" or a leading "//". */
static void links_authority(const char *s, size_t n, size_t *from, size_t *to)
{
    size_t i = 0;
    *from = *to = 0;
    if (n > 0 && links_is_alpha((unsigned char)s[0])) {
        size_t j = 1;
        while (j < n && (links_is_alpha((unsigned char)s[j]) || (s[j] >= '0' && s[j] <= '9') || s[j] == '+' ||
                         s[j] == '-' || s[j] == '.'))
            j++;
        if (j < n && s[j] == ':')
            i = j + 1;
    }
    if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
        *from = i + 2;
        *to = *from + strcspn(s + *from, "/?#");
        if (*to > n)
            *to = n;
    }
}

/*
 * raw as a browser reads it, into c->enc: blanks around it stripped, tabs
 * and line ends in it removed, a backslash before the query a slash, and
 * outside the host every byte a URL may not hold percent-encoded.  False
 * when there is nothing to fetch: an empty or fragment-only reference (the
 * page itself) or one too long for any document's name.
 */
static bool links_encode(struct links_ctx *c, const char *raw)
{
    const unsigned char *s = (const unsigned char *)raw;
    size_t n = strlen(raw);
    while (n > 0 && links_is_blank(*s))
        s++, n--;
    while (n > 0 && links_is_blank(s[n - 1]))
        n--;
    if (n == 0 || s[0] == '#')
        return false;

    size_t m = 0;
    bool in_query = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = s[i];
        if (b == '\t' || b == '\n' || b == '\r')
            continue;
        if (m == LINKS_MAX_URL)
            return false;
        if (b == '?' || b == '#')
            in_query = true;
        c->clean[m++] = (char)(b == '\\' && !in_query ? '/' : b);
    }
    c->clean[m] = '\0';

    size_t host_from, host_to, k = 0;
    links_authority(c->clean, m, &host_from, &host_to);
    for (size_t i = 0; i < m; i++) {
        unsigned char b = (unsigned char)c->clean[i];
        bool encode = b <= 0x20 || b >= 0x7F || strchr("\"<>\\^`{|}", b) != NULL ||
                      (b == '%' && !(i + 2 < m && links_is_hex((unsigned char)c->clean[i + 1]) &&
                                     links_is_hex((unsigned char)c->clean[i + 2])));
        if (encode && !(i >= host_from && i < host_to)) {
            static const char hex[] = "0123456789ABCDEF";
            c->enc[k++] = '%';
            c->enc[k++] = hex[b >> 4];
            c->enc[k++] = hex[b & 15];
        } else {
            c->enc[k++] = (char)b;
        }
    }
    c->enc[k] = '\0';
    return true;
}

/* c->enc resolved against base: a new handle holding an http(s) URL
 * without fragment, host in lower case; NULL when it is none. */
static CURLU *links_resolve(struct links_ctx *c, CURLU *base)
{
    CURLU *h = curl_url_dup(base);
    char *scheme = NULL, *host = NULL;
    CURLUcode rc;
    bool ok = false;

    if (!h)
        abort();
    rc = curl_url_set(h, CURLUPART_URL, c->enc, CURLU_NON_SUPPORT_SCHEME);
    links_curl_oom(rc);
    if (rc != CURLUE_OK)
        goto cleanup;
    /* libcurl hands back the scheme in lower case */
    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        goto cleanup;
    links_curl_oom(curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0));
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto cleanup;
    bool upper = false;
    for (char *p = host; *p; p++)
        if (*p >= 'A' && *p <= 'Z') {
            *p = (char)(*p - 'A' + 'a');
            upper = true;
        }
    /* a host libcurl will not take back in lower case keeps its case:
     * a duplicate kept is better than a link lost */
    if (upper)
        links_curl_oom(curl_url_set(h, CURLUPART_HOST, host, 0));
    ok = true;
cleanup:
    curl_free(scheme);
    curl_free(host);
    if (!ok) {
        curl_url_cleanup(h);
        h = NULL;
    }
    return h;
}

/* A base for the references below: raw resolved against base (a new
 * handle), or NULL when raw is no usable http(s) URL. */
static CURLU *links_rebase(struct links_ctx *c, CURLU *base, const char *raw)
{
    return raw && links_encode(c, raw) ? links_resolve(c, base) : NULL;
}

/* The reference raw, written on the page whose base is base: kept if it
 * is an http(s) URL the follow pattern accepts. */
static void links_add(struct links_ctx *c, CURLU *base, const char *raw)
{
    char *url = NULL;
    CURLU *h = NULL;

    if (!raw || links_full(c) || !links_encode(c, raw))
        return;
    h = links_resolve(c, base);
    if (!h)
        return;
    /* An IDN host (æ, ø and å are in .dk names) comes out in punycode, so
     * that the link is ASCII, as HTTP sends it and as it is stored.  Where
     * libcurl cannot convert it - no IDN support, or a locale that is not
     * UTF-8 (7.88 reads the host in the locale's charset and then reports
     * the failure as out of memory) - it stays in UTF-8. */
    CURLUcode rc = curl_url_get(h, CURLUPART_URL, &url, CURLU_NO_DEFAULT_PORT | LINKS_PUNYCODE);
    if (rc != CURLUE_OK && LINKS_PUNYCODE != 0)
        rc = curl_url_get(h, CURLUPART_URL, &url, CURLU_NO_DEFAULT_PORT);
    links_curl_oom(rc);
    if (rc != CURLUE_OK)
        goto cleanup;
    if (strlen(url) > LINKS_MAX_URL)
        goto cleanup;
    if (c->follow && regexec(c->follow, url, 0, NULL, 0) != 0)
        goto cleanup;
    links_keep(c, url);
cleanup:
    curl_free(url);
    curl_url_cleanup(h);
}

/* ---- text from the tree --------------------------------------------------- */

/*
 * The text of a node list (an attribute's value, an element's content) in
 * c->text, leading blanks skipped; NULL when it holds an entity reference
 * left unexpanded or is longer than any link we keep.
 */
static const char *links_text(struct links_ctx *c, const xmlNode *list)
{
    size_t n = 0;
    for (const xmlNode *t = list; t; t = t->next) {
        if (t->type == XML_ENTITY_REF_NODE)
            return NULL;
        if ((t->type != XML_TEXT_NODE && t->type != XML_CDATA_SECTION_NODE) || !t->content)
            continue;
        const char *s = (const char *)t->content;
        if (n == 0)
            while (*s && links_is_blank((unsigned char)*s))
                s++;
        size_t len = strlen(s);
        if (len > sizeof c->text - 1 - n)
            return NULL;
        memcpy(c->text + n, s, len);
        n += len;
    }
    c->text[n] = '\0';
    return c->text;
}

/* Attribute name of n (in namespace ns, or none), its value in c->text. */
static const char *links_attr(struct links_ctx *c, const xmlNode *n, const char *name, const char *ns)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        bool ns_ok = ns ? a->ns && a->ns->href && strcmp((const char *)a->ns->href, ns) == 0 : !a->ns;
        if (ns_ok && strcasecmp((const char *)a->name, name) == 0)
            return links_text(c, a->children);
    }
    return NULL;
}

static bool links_named(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcasecmp((const char *)n->name, name) == 0;
}

/* The node after n in document order below top, its children skipped
 * unless descend: the walk is a loop, so deep nesting costs no stack.
 * Only elements are entered (an entity reference's children are the
 * entity's, shared, and lead out of the tree). */
static const xmlNode *links_next(const xmlNode *n, const xmlNode *top, bool descend)
{
    if (descend && (n->type == XML_ELEMENT_NODE || n == top) && n->children)
        return n->children;
    while (n != top && !n->next)
        n = n->parent;
    return n == top ? NULL : n->next;
}

/* ---- parsing -------------------------------------------------------------- */

/*
 * What libxml2 reports while it parses, caught on the thread's structured
 * error handler (set for the parse, then put back): it keeps the encoding
 * module's complaints out of the daemon's log, and it is the one way to
 * learn that the parser halted half-way (see extract_html.c).
 */
struct links_errors {
    bool halted;
    char why[160];
};

static void links_on_error(void *ud, xmlErrorPtr e)
{
    struct links_errors *r = ud;
    if (!e || r->halted ||
        (e->code != XML_ERR_INTERNAL_ERROR && e->code != XML_ERR_NO_MEMORY && e->code != XML_ERR_ENTITY_LOOP))
        return;
    r->halted = true;
    snprintf(r->why, sizeof r->why, "%s", e->message ? e->message : "");
}

static xmlDocPtr links_parse(bool feed, const char *b, size_t n, const char *enc, struct links_errors *errs)
{
    /* no NOENT, DTDLOAD, DTDATTR or XINCLUDE: nothing is fetched or expanded */
    const int html_opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                          HTML_PARSE_COMPACT;
    const int xml_opts = XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NONET |
                         XML_PARSE_COMPACT;
    xmlStructuredErrorFunc old_handler = xmlStructuredError;
    void *old_context = xmlStructuredErrorContext;
    memset(errs, 0, sizeof *errs);
    xmlSetStructuredErrorFunc(errs, links_on_error);
    xmlDocPtr doc = feed ? xmlReadMemory(b, (int)n, NULL, enc, xml_opts)
                         : htmlReadMemory(b, (int)n, NULL, enc, html_opts);
    xmlSetStructuredErrorFunc(old_context, old_handler);
    return doc;
}

static bool links_utf16(const unsigned char *b, size_t n)
{
    return n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF));
}

/* Does s[0..n), at an '&', begin an entity or character reference?  A
 * name longer than any entity's is taken for text. */
static bool links_is_reference(const unsigned char *s, size_t n)
{
    size_t i = 1, start;
    if (i < n && s[i] == '#') {
        bool hex = ++i < n && s[i] == 'x';
        i += hex;
        for (start = i; i < n && i - start < 16 && (hex ? links_is_hex(s[i]) : s[i] >= '0' && s[i] <= '9'); i++)
            ;
        return i > start && i < n && s[i] == ';';
    }
    if (i >= n || !(links_is_alpha(s[i]) || s[i] == '_' || s[i] == ':' || s[i] >= 0x80))
        return false;
    for (start = i; i < n && i - start < 64 &&
                    (links_is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] >= 0x80 || s[i] == '_' ||
                     s[i] == ':' || s[i] == '.' || s[i] == '-');
         i++)
        ;
    return i < n && s[i] == ';';
}

/* Where the markup that begins at s[0..n) (a comment, CDATA section or
 * processing instruction, in which & is no reference) ends: the offset past
 * it, or 0 when s begins none of them. */
static size_t links_skip_markup(const unsigned char *s, size_t n)
{
    static const struct {
        const char *open, *close;
    } kinds[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        size_t lo = strlen(kinds[k].open), lc = strlen(kinds[k].close);
        if (n < lo || memcmp(s, kinds[k].open, lo) != 0)
            continue;
        for (size_t i = lo; i + lc <= n; i++)
            if (memcmp(s + i, kinds[k].close, lc) == 0)
                return i + lc;
        return n;
    }
    return 0;
}

/*
 * b[0..n) with what the parser would misread put right (see the top of
 * the file): a new buffer and its length, or NULL when nothing needs it.
 * A UTF-16 document is left alone: its NULs are half its characters.
 */
static char *links_repair(const char *body, size_t n, bool feed, size_t *out_n)
{
    const unsigned char *b = (const unsigned char *)body;
    size_t nuls = 0, amps = 0;

    if (links_utf16(b, n))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t skip = feed && b[i] == '<' ? links_skip_markup(b + i, n - i) : 0;
        if (skip) {
            i += skip - 1;
            continue;
        }
        if (b[i] == 0)
            nuls++;
        else if (feed && b[i] == '&' && !links_is_reference(b + i, n - i))
            amps++;
    }
    if (nuls == 0 && amps == 0)
        return NULL;

    char *r = xmalloc(n + 4 * amps + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t skip = feed && b[i] == '<' ? links_skip_markup(b + i, n - i) : 0;
        if (skip) {
            for (size_t j = 0; j < skip; j++)
                r[k++] = b[i + j] ? (char)b[i + j] : ' ';
            i += skip - 1;
        } else if (b[i] == 0) {
            r[k++] = ' ';
        } else if (feed && b[i] == '&' && !links_is_reference(b + i, n - i)) {
            memcpy(r + k, "&amp;", 5);
            k += 5;
        } else {
            r[k++] = (char)b[i];
        }
    }
    r[k] = '\0';
    *out_n = k;
    return r;
}

/* Parses b[0..n) (a feed or a page), read again in the right encoding if
 * libxml2 guessed wrong.  *doc may be NULL (an empty page). */
static int links_read(bool feed, const char *b, size_t n, xmlDocPtr *doc, char *err, size_t errlen)
{
    struct links_errors errs;
    const char *enc = NULL;
    const unsigned char *u = (const unsigned char *)b;

    /* A UTF-8 BOM outranks a <meta charset> that contradicts it, as in a
     * browser; libxml2's HTML parser would follow the meta. */
    if (!feed && n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) {
        enc = "UTF-8";
        b += 3;
        n -= 3;
        u += 3;
    }
    *doc = links_parse(feed, b, n, enc, &errs);
    const char *again = *doc && !enc && !links_utf16(u, n) ? extract_html_reencoding(*doc, u, n) : NULL;
    if (again) {
        xmlFreeDoc(*doc);
        *doc = links_parse(feed, b, n, again, &errs);
    }
    if (*doc && errs.halted) {
        if (strstr(errs.why, "depth"))
            links_error(err, errlen, "cannot read links: %s elements nested deeper than 256", feed ? "XML" : "HTML");
        else
            links_error(err, errlen, "not a readable %s: %s", feed ? "feed" : "HTML page", errs.why);
        return -1;
    }
    if (feed && (!*doc || !xmlDocGetRootElement(*doc))) {
        links_error(err, errlen, "not a readable feed%s%s", errs.why[0] ? ": " : "", errs.why);
        return -1;
    }
    return 0;
}

/* ---- pages ---------------------------------------------------------------- */

/* The first <base href> anywhere in the page, as browsers take it,
 * resolved against the page's URL: a new handle, or NULL for none. */
static CURLU *links_html_base(struct links_ctx *c, const xmlNode *root, CURLU *base)
{
    for (const xmlNode *n = root; n; n = links_next(n, root, true)) {
        if (!links_named(n, "base"))
            continue;
        const char *href = links_attr(c, n, "href", NULL);
        if (href)
            return links_rebase(c, base, href);
    }
    return NULL;
}

static void links_html(struct links_ctx *c, xmlDoc *doc, CURLU *url)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root)
        return;
    CURLU *page_base = links_html_base(c, root, url);
    CURLU *base = page_base ? page_base : url;
    for (const xmlNode *n = root; n && !links_full(c); n = links_next(n, root, true))
        if (links_named(n, "a") || links_named(n, "area"))
            links_add(c, base, links_attr(c, n, "href", NULL));
    curl_url_cleanup(page_base);
}

/* ---- feeds ---------------------------------------------------------------- */

static const char *links_local_name(const xmlNode *n)
{
    return n->type == XML_ELEMENT_NODE && n->name ? (const char *)n->name : "";
}

/* Do a and b share a namespace?  An item's link is the item's own
 * vocabulary, not another one's (<media:link>, <foo:enclosure>). */
static bool links_same_ns(const xmlNode *a, const xmlNode *b)
{
    if (!a->ns || !b->ns)
        return !a->ns && !b->ns;
    return a->ns->href && b->ns->href && strcmp((const char *)a->ns->href, (const char *)b->ns->href) == 0;
}

/* xml:base on n resolved against base: a new handle, or NULL for none
 * (Atom allows it on any element). */
static CURLU *links_xml_base(struct links_ctx *c, const xmlNode *n, CURLU *base)
{
    return links_rebase(c, base, links_attr(c, n, "base", LINKS_XML_NS));
}

/* An RSS <item> or Atom <entry>: link (its href, else its text) and
 * enclosure@url, any rel. */
static void links_feed_item(struct links_ctx *c, const xmlNode *item, CURLU *base)
{
    CURLU *item_base = links_xml_base(c, item, base);
    if (item_base)
        base = item_base;
    for (const xmlNode *e = item->children; e && !links_full(c); e = e->next) {
        if (e->type != XML_ELEMENT_NODE || !links_same_ns(e, item))
            continue;
        const char *name = links_local_name(e);
        if (strcmp(name, "link") != 0 && strcmp(name, "enclosure") != 0)
            continue;
        CURLU *link_base = links_xml_base(c, e, base);
        CURLU *b = link_base ? link_base : base;
        if (strcmp(name, "enclosure") == 0) {
            links_add(c, b, links_attr(c, e, "url", NULL));
        } else {
            const char *href = links_attr(c, e, "href", NULL);
            links_add(c, b, href ? href : links_text(c, e->children));
        }
        curl_url_cleanup(link_base);
    }
    curl_url_cleanup(item_base);
}

static bool links_is_item(const xmlNode *n)
{
    const char *name = links_local_name(n);
    return strcmp(name, "item") == 0 || strcmp(name, "entry") == 0;
}

/* Items sit one level below the root (Atom's feed/entry, RSS 1.0's
 * rdf:RDF/item) or two (RSS 2.0's rss/channel/item); deeper ones are
 * content, not the feed's. */
static void links_feed(struct links_ctx *c, xmlDoc *doc, CURLU *url)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    CURLU *root_base = links_xml_base(c, root, url);
    CURLU *base = root_base ? root_base : url;
    for (const xmlNode *n = root->children; n && !links_full(c); n = n->next) {
        if (links_is_item(n)) {
            links_feed_item(c, n, base);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            continue;
        CURLU *mid_base = links_xml_base(c, n, base);
        for (const xmlNode *m = n->children; m && !links_full(c); m = m->next)
            if (links_is_item(m))
                links_feed_item(c, m, mid_base ? mid_base : base);
        curl_url_cleanup(mid_base);
    }
    curl_url_cleanup(root_base);
}

/* ---- what the body is ----------------------------------------------------- */

enum links_kind { LINKS_PAGE, LINKS_FEED, LINKS_XML, LINKS_PDF, LINKS_ZIP };

static bool links_starts(const char *s, size_t n, const char *prefix)
{
    size_t m = strlen(prefix);
    return n >= m && memcmp(s, prefix, m) == 0;
}

/* Offset in s[0..n) past the first occurrence of what, or n. */
static size_t links_past(const char *s, size_t n, const char *what)
{
    size_t m = strlen(what);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(s + i, what, m) == 0)
            return i + m;
    return n;
}

/*
 * What s[0..n) is, by its first element: rss, feed or (any prefix) RDF is
 * a feed; another root after an XML declaration is XML of some other kind
 * (a sitemap, an error document), unless it is html; anything else a page.
 * The root's name goes to root for messages.
 */
static enum links_kind links_sniff_text(const char *s, size_t n, char *root, size_t rootlen)
{
    bool xml_decl = false;
    size_t i = 0;

    if (links_starts(s, n, "\xEF\xBB\xBF"))
        i = 3;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (links_starts(s + i, n - i, "<?")) {
            xml_decl = xml_decl || links_starts(s + i, n - i, "<?xml");
            i += links_past(s + i, n - i, "?>");
        } else if (links_starts(s + i, n - i, "<!--")) {
            i += links_past(s + i, n - i, "-->");
        } else if (links_starts(s + i, n - i, "<!")) {
            /* a DOCTYPE, whose internal subset in [...] may hold '>' */
            int depth = 0;
            for (i += 2; i < n && !(s[i] == '>' && depth == 0); i++)
                depth += s[i] == '[' ? 1 : s[i] == ']' && depth > 0 ? -1 : 0;
            i += i < n;
        } else {
            break;
        }
    }
    if (i >= n || s[i] != '<')
        return LINKS_PAGE;
    size_t len = 0, local = 0;
    for (i++; i < n && len + 1 < rootlen; i++, len++) {
        unsigned char b = (unsigned char)s[i];
        if (!(links_is_alpha(b) || (b >= '0' && b <= '9') || b == ':' || b == '_' || b == '-' || b == '.'))
            break;
        root[len] = (char)b;
        if (b == ':')
            local = len + 1;
    }
    root[len] = '\0';
    const char *name = root + local;
    if (strcmp(root, "rss") == 0 || strcmp(name, "feed") == 0 || strcmp(name, "RDF") == 0)
        return LINKS_FEED;
    if (xml_decl && len > 0 && strcasecmp(root, "html") != 0)
        return LINKS_XML;
    return LINKS_PAGE;
}

static enum links_kind links_sniff(const char *b, size_t n, char *root, size_t rootlen)
{
    root[0] = '\0';
    if (links_starts(b, n, "%PDF-"))
        return LINKS_PDF;
    if (links_starts(b, n, "PK\x03\x04"))
        return LINKS_ZIP;
    if (!links_utf16((const unsigned char *)b, n))
        return links_sniff_text(b, n, root, rootlen);
    /* UTF-16: the markup before the root is ASCII, so its low bytes will do */
    char view[4096];
    bool le = (unsigned char)b[0] == 0xFF;
    size_t m = 0;
    for (size_t i = 2; i + 1 < n && m < sizeof view; i += 2) {
        unsigned char lo = (unsigned char)b[le ? i : i + 1], hi = (unsigned char)b[le ? i + 1 : i];
        view[m++] = hi == 0 && lo != 0 ? (char)lo : '?';
    }
    return links_sniff_text(view, m, root, rootlen);
}

/* Content-Types a page or feed comes as (parameters and case aside);
 * servers that do not know say text/plain or application/octet-stream. */
static bool links_type_ok(const char *type, size_t n)
{
    static const char *const ok[] = {"text/html",  "application/xhtml+xml", "application/xml",
                                     "text/xml",   "text/plain",            "application/octet-stream",
                                     NULL};
    if (n == 0)
        return true;
    for (size_t i = 0; ok[i]; i++)
        if (strlen(ok[i]) == n && strncasecmp(type, ok[i], n) == 0)
            return true;
    return n > 4 && strncasecmp(type + n - 4, "+xml", 4) == 0; /* rss+xml, atom+xml, rdf+xml */
}

/* ---- the module's interface ----------------------------------------------- */

int links_find(const char *body, size_t len, const char *content_type, const char *base_url,
               const regex_t *follow, struct links *out, char *err, size_t errlen)
{
    struct links_ctx *c = NULL;
    CURLU *url = NULL;
    xmlDocPtr doc = NULL;
    char *fixed = NULL;
    char *scheme = NULL;
    char root[64];
    int rc = -1;

    out->urls = NULL;
    out->n = 0;
    if (err && errlen)
        err[0] = '\0';
    if (!body)
        len = 0;

    url = curl_url();
    if (!url)
        abort();
    if (!base_url || curl_url_set(url, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
        curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        links_error(err, errlen, "cannot read links: base URL \"%.200s\" is no http or https URL",
                    base_url ? base_url : "");
        goto cleanup;
    }

    enum links_kind kind = links_sniff(body, len, root, sizeof root);
    if (kind == LINKS_PDF || kind == LINKS_ZIP) {
        links_error(err, errlen, "not an HTML page or feed: %s",
                    kind == LINKS_PDF ? "a PDF document" : "a zip archive");
        goto cleanup;
    }
    size_t type_len = content_type ? strcspn(content_type, ";") : 0;
    while (type_len > 0 && links_is_blank((unsigned char)content_type[type_len - 1]))
        type_len--;
    while (type_len > 0 && links_is_blank((unsigned char)*content_type))
        content_type++, type_len--;
    if (kind != LINKS_FEED && !links_type_ok(content_type, type_len)) {
        links_error(err, errlen, "not an HTML page or feed: %.*s", (int)(type_len > 100 ? 100 : type_len),
                    content_type);
        goto cleanup;
    }
    if (kind == LINKS_XML) {
        links_error(err, errlen, "not an HTML page or feed: an XML document with root element <%s>", root);
        goto cleanup;
    }

    bool feed = kind == LINKS_FEED;
    size_t n = len;
    fixed = links_repair(body, len, feed, &n);
    const char *b = fixed ? fixed : body;
    if (n > INT_MAX) {
        links_error(err, errlen, "cannot read links: document larger than 2 GiB");
        goto cleanup;
    }
    if (n == 0 && !feed) {
        rc = 0; /* an empty page links to nothing */
        goto cleanup;
    }
    if (links_read(feed, b, n, &doc, err, errlen) < 0)
        goto cleanup;

    c = xcalloc(1, sizeof *c);
    c->out = out;
    c->follow = follow;
    if (feed)
        links_feed(c, doc, url);
    else if (doc)
        links_html(c, doc, url);
    rc = 0;
cleanup:
    if (rc < 0)
        links_clear(out);
    if (c)
        free(c->set);
    free(c);
    xmlFreeDoc(doc);
    free(fixed);
    curl_free(scheme);
    curl_url_cleanup(url);
    return rc;
}

void links_clear(struct links *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->urls[i]);
    free(l->urls);
    l->urls = NULL;
    l->n = 0;
}
