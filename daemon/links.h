/*
 * links: the document links on a committee's index page or in its feed.
 *
 * URL sources are polled one level deep: the daemon fetches an index page
 * or an RSS/Atom feed, and every link it finds there (that the source's
 * follow pattern accepts) is a document to fetch.  This module is the
 * "find the links" step alone: memory in, memory out, no network or file
 * access, so it runs on a worker thread and is tested without a server.
 *
 * Each link comes out the way a browser would fetch it: resolved against
 * the page's base (the URL after redirects, or its <base href>) by
 * libcurl's URL parser, the fragment dropped, bytes a URL may not hold
 * percent-encoded as UTF-8, the host in lower case (an IDN host in
 * punycode, where libcurl has IDN support) and a default port dropped, so
 * that two spellings of one document are one link and every link is
 * ASCII.
 */
#ifndef MINUTESD_LINKS_H
#define MINUTESD_LINKS_H

#include <regex.h>
#include <stddef.h>

/* At most this many links from one page or feed: the rest are ignored. */
#define LINKS_MAX 10000

/* A link longer than this (as written, or once resolved) is dropped: no
 * publisher names a document so, and a hostile page could fill memory. */
#define LINKS_MAX_URL 4096

/* links: the document links on an index page or in a feed. */
struct links {
    char **urls; /* absolute http(s) URLs, in document order, each once */
    size_t n;
};

/*
 * Finds the links in body[0..len): an RSS 2.0 feed (<rss>: item/link text
 * and item/enclosure@url), an RDF/RSS 1.0 feed (item/link), an Atom feed
 * (<feed>: entry/link@href, any rel incl. enclosure), otherwise HTML
 * (a@href, area@href; <base href> is honoured).  Relative references are
 * resolved against base_url (the final URL after redirects; must be http
 * or https), fragments dropped; only http and https results are kept.  If
 * follow is non-NULL, only URLs it matches (regexec on the absolute URL)
 * are kept.  At most LINKS_MAX are returned.
 *
 * Whether body is a feed or a page is decided by its content (the root
 * element rss, feed or rdf:RDF means a feed; servers label feeds
 * text/html or text/plain as often as not); content_type, which may be
 * NULL, only refuses what is no page at all (application/pdf, image/...).
 *
 * 0 and *out filled (new: links_clear; out->n may be 0, as for an empty
 * body), or -1 with *out empty and err set to one line saying why ("not
 * an HTML page or feed: application/pdf").  Safe on any thread once
 * extract_init() has run (libxml2's global set-up).
 */
int links_find(const char *body, size_t len, const char *content_type, const char *base_url,
               const regex_t *follow, struct links *out, char *err, size_t errlen);

/* Frees what links_find put in l and empties it; a no-op on an empty one. */
void links_clear(struct links *l);

#endif
