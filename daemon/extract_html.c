/*
 * extract_html: the text of a web page, with libxml2's HTML parser.
 *
 * The page is parsed from memory in recovery mode (publishers' HTML is
 * rarely valid) and its tree walked in document order, the way a browser
 * with styles off would lay it out: blocks (p, div, h1-h6, li …) begin
 * and end lines, a paragraph, heading, list or table is followed by a
 * blank line, <br> breaks a line, a table row is one line with its cells
 * separated by a tab.  Whitespace in text collapses to one space (except
 * inside <pre>); U+00A0 is kept, the pipeline normalises it.  What a
 * reader never sees as the document's text - scripts, styles, the head
 * with its title, navigation menus - is dropped.  <header> and <footer>
 * are kept, as blocks: some publishers put the meeting's name, date and
 * place in a <header>.
 *
 * Encoding: libxml2 honours a BOM and a <meta charset> / http-equiv
 * declaration, and reads an undeclared page as UTF-8.  A page whose bytes
 * are not UTF-8 although nothing (or UTF-8, or an unknown label) says
 * otherwise, or that is labelled ISO-8859-1 but uses 0x80-0x9F, is parsed
 * again as Windows-1252: that is what browsers do (WHATWG maps the Latin-1
 * labels to windows-1252), what pipeline/decode.c does for text files, and
 * what Danish legacy pages are; libxml2 2.9 alone would read them as
 * Latin-1 and turn their dashes, quotes and euro signs into C1 controls.
 * A byte Windows-1252 leaves unassigned makes it Latin-1 after all:
 * libxml2 silently drops the rest of a page at such a byte.
 *
 * Bounded: the output is capped at EXTRACT_MAX_TEXT, and the walk is a
 * loop over the tree's parent/sibling links, not a recursion, so a deeply
 * nested page costs no stack.  libxml2 stops parsing where elements nest
 * deeper than 256 (we never pass XML_PARSE_HUGE) and returns what it had;
 * such a page is refused rather than passed on cut short.
 *
 * The line writer (struct tw) is the same as extract_docx.c's: both
 * formats must give the pipeline lines by the same rules.
 */
#include "decode.h"
#include "extract.h"
#include "textwriter.h"

#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/globals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- encoding ------------------------------------------------------------ */

/* Bytes Windows-1252 leaves unassigned: iconv stops at them, and libxml2
 * with it - the rest of the page would be lost.  Such a page is Latin-1
 * with C1 controls (as in decode.c). */
static bool html_has_1252_holes(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0x81 || s[i] == 0x8D || s[i] == 0x8F || s[i] == 0x90 || s[i] == 0x9D)
            return true;
    return false;
}

static bool html_has_c1(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80 && s[i] <= 0x9F)
            return true;
    return false;
}

static bool html_label_in(const char *e, const char *const *labels)
{
    for (size_t i = 0; labels[i]; i++)
        if (strcasecmp(e, labels[i]) == 0)
            return true;
    return false;
}

/* The labels WHATWG reads as windows-1252 (the Latin-1 ones because pages
 * so labelled use 0x80-0x9F as Windows-1252 does). */
static const char *const html_latin1_labels[] = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
                                                 "us-ascii",   "ascii",     "cp819",      "ibm819", NULL};
static const char *const html_1252_labels[] = {"windows-1252", "cp1252", "x-cp1252", NULL};

static bool html_known_encoding(const char *e)
{
    xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(e);
    if (!h)
        return false;
    xmlCharEncCloseFunc(h); /* iconv handlers are allocated per lookup */
    return true;
}

/* The encoding to read the page in again, or NULL to keep libxml2's
 * reading of it (declared as doc->encoding, or undeclared: UTF-8); see
 * the top of the file. */
const char *extract_html_reencoding(const struct _xmlDoc *doc, const unsigned char *b, size_t n)
{
    const char *e = (const char *)doc->encoding;
    bool holes = html_has_1252_holes(b, n);
    if (e && html_label_in(e, html_latin1_labels))
        return !holes && html_has_c1(b, n) ? "windows-1252" : NULL;
    if (e && html_label_in(e, html_1252_labels))
        return holes ? "ISO-8859-1" : NULL;
    if (e && strcasecmp(e, "utf-8") != 0 && strcasecmp(e, "utf8") != 0 && html_known_encoding(e))
        return NULL;
    if (decode_utf8_valid(b, n))
        return NULL;
    return holes ? "ISO-8859-1" : "windows-1252";
}

/* ---- the tree ------------------------------------------------------------ */

enum {
    H_SKIP = 1 << 0,  /* not text a reader sees: the element and all in it */
    H_BLOCK = 1 << 1, /* begins and ends a line */
    H_PARA = 1 << 2,  /* ... and is followed by a blank line */
    H_ITEM = 1 << 3,  /* li, dt, dd: a line, paragraphs inside stay lines */
    H_LIST = 1 << 4,  /* ul, ol, dl: a list nested in another is no paragraph */
    H_ROW = 1 << 5,
    H_CELL = 1 << 6,
    H_BR = 1 << 7,
    H_PRE = 1 << 8,
};

static const struct {
    const char *name;
    unsigned flags;
} html_elements[] = {
    {"address", H_BLOCK},
    {"article", H_BLOCK},
    {"aside", H_BLOCK},
    {"blockquote", H_BLOCK | H_PARA},
    {"body", H_BLOCK},
    {"br", H_BR},
    {"caption", H_BLOCK},
    {"center", H_BLOCK},
    {"dd", H_BLOCK | H_ITEM},
    {"details", H_BLOCK},
    {"dialog", H_BLOCK},
    {"dir", H_BLOCK | H_PARA | H_LIST},
    {"div", H_BLOCK},
    {"dl", H_BLOCK | H_PARA | H_LIST},
    {"dt", H_BLOCK | H_ITEM},
    {"fieldset", H_BLOCK},
    {"figcaption", H_BLOCK},
    {"figure", H_BLOCK},
    {"footer", H_BLOCK},
    {"form", H_BLOCK},
    {"h1", H_BLOCK | H_PARA},
    {"h2", H_BLOCK | H_PARA},
    {"h3", H_BLOCK | H_PARA},
    {"h4", H_BLOCK | H_PARA},
    {"h5", H_BLOCK | H_PARA},
    {"h6", H_BLOCK | H_PARA},
    {"head", H_SKIP},
    {"header", H_BLOCK},
    {"hgroup", H_BLOCK},
    {"hr", H_BLOCK},
    {"legend", H_BLOCK},
    {"li", H_BLOCK | H_ITEM},
    {"main", H_BLOCK},
    {"menu", H_BLOCK | H_PARA | H_LIST},
    {"nav", H_SKIP},
    {"noscript", H_SKIP},
    {"ol", H_BLOCK | H_PARA | H_LIST},
    {"p", H_BLOCK | H_PARA},
    {"pre", H_BLOCK | H_PARA | H_PRE},
    {"script", H_SKIP},
    {"section", H_BLOCK},
    {"style", H_SKIP},
    {"summary", H_BLOCK},
    {"table", H_BLOCK | H_PARA},
    {"tbody", H_BLOCK},
    {"td", H_CELL},
    {"template", H_SKIP},
    {"tfoot", H_BLOCK},
    {"th", H_CELL},
    {"thead", H_BLOCK},
    {"title", H_SKIP},
    {"tr", H_ROW},
    {"ul", H_BLOCK | H_PARA | H_LIST},
};

static unsigned html_flags(const xmlChar *name)
{
    /* the HTML parser lower-cases element names */
    for (size_t i = 0; i < sizeof html_elements / sizeof *html_elements; i++)
        if (html_elements[i].name[0] == (char)name[0] && strcmp(html_elements[i].name, (const char *)name) == 0)
            return html_elements[i].flags;
    return 0;
}

/* role="navigation" (a list of roles may name it anywhere): a menu that is
 * not a <nav>. */
static bool html_is_navigation(const xmlNode *n)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (strcasecmp((const char *)a->name, "role") != 0 || !a->children || !a->children->content)
            continue;
        const char *v = (const char *)a->children->content;
        while (*v) {
            while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r' || *v == '\f')
                v++;
            size_t len = strcspn(v, " \t\n\r\f");
            if (len == 10 && strncasecmp(v, "navigation", 10) == 0)
                return true;
            v += len;
        }
    }
    return false;
}

struct html_walk {
    struct tw w;
    int pre;   /* inside <pre> */
    int items; /* inside li, dt, dd */
    int lists; /* inside ul, ol, dl */
};

/* Whether a paragraph-like element ends in a blank line here: not inside
 * a list item (the item is the unit), nor a list inside a list. */
static bool html_para(const struct html_walk *h, unsigned f)
{
    return (f & H_PARA) && h->items == 0 && !((f & H_LIST) && h->lists > 0);
}

/* Entering n: false when its children are not to be visited. */
static bool html_enter(struct html_walk *h, const xmlNode *n)
{
    switch (n->type) {
    case XML_DOCUMENT_NODE:
    case XML_HTML_DOCUMENT_NODE:
        return true;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        if (n->content)
            tw_text(&h->w, (const char *)n->content, strlen((const char *)n->content), h->pre > 0);
        return false;
    case XML_ELEMENT_NODE:
        break;
    default:
        return false; /* comments, processing instructions, DTD */
    }
    unsigned f = html_flags(n->name);
    if ((f & H_SKIP) || html_is_navigation(n))
        return false;
    if (f & H_BR)
        tw_br(&h->w);
    if (f & H_BLOCK)
        tw_break(&h->w, false);
    if (f & H_ROW)
        tw_row(&h->w);
    if (f & H_CELL)
        tw_cell_begin(&h->w);
    if (f & H_PRE)
        h->pre++;
    if (f & H_ITEM)
        h->items++;
    if (f & H_LIST)
        h->lists++;
    return true;
}

/* Leaving n, entered with html_enter's true. */
static void html_leave(struct html_walk *h, const xmlNode *n)
{
    if (n->type != XML_ELEMENT_NODE)
        return;
    unsigned f = html_flags(n->name);
    /* the counters go back first: a list's blank line depends on the lists
     * and items around it, not on itself */
    if (f & H_PRE)
        h->pre--;
    if (f & H_ITEM)
        h->items--;
    if (f & H_LIST)
        h->lists--;
    if (f & H_CELL)
        tw_cell_end(&h->w);
    if (f & H_ROW)
        tw_row(&h->w);
    if (f & H_BLOCK)
        tw_break(&h->w, html_para(h, f));
}

static bool html_enter_cb(void *ud, const xmlNode *n)
{
    return html_enter(ud, n);
}

static void html_leave_cb(void *ud, const xmlNode *n)
{
    html_leave(ud, n);
}

/*
 * What libxml2 reports while it parses, caught on the thread's structured
 * error handler (set for the parse, then put back): it is the one place
 * that hears of every error, so the encoding module's complaints about a
 * page's bad bytes stay out of the daemon's log (HTML_PARSE_NOERROR does
 * not silence those), and the one way to learn, through htmlReadMemory,
 * that the parser gave up half-way - an internal error is what precedes
 * its halt (nesting past 256 levels, input it cannot look ahead in).
 * htmlCtxtReadMemory would expose the context, but libxml2 2.9 reads an
 * undeclared page through it as Latin-1, not UTF-8.
 */
struct html_errors {
    bool halted;
    char why[160];
};

static void html_on_error(void *ud, xmlErrorPtr e)
{
    struct html_errors *r = ud;
    if (!e || r->halted || (e->code != XML_ERR_INTERNAL_ERROR && e->code != XML_ERR_NO_MEMORY))
        return;
    r->halted = true;
    snprintf(r->why, sizeof r->why, "%s", e->message ? e->message : "");
}

static htmlDocPtr html_parse(const unsigned char *b, size_t n, const char *enc, struct html_errors *errs)
{
    const int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                     HTML_PARSE_COMPACT;
    xmlStructuredErrorFunc old_handler = xmlStructuredError;
    void *old_context = xmlStructuredErrorContext;
    memset(errs, 0, sizeof *errs);
    xmlSetStructuredErrorFunc(errs, html_on_error);
    htmlDocPtr doc = htmlReadMemory((const char *)b, (int)n, NULL, enc, opts);
    xmlSetStructuredErrorFunc(old_context, old_handler);
    return doc;
}

int extract_html(const unsigned char *b, size_t n, struct buf *out, char *err, size_t errlen)
{
    htmlDocPtr doc = NULL;
    struct html_errors errs;
    struct html_walk h;
    int rc = -1;

    tw_init(&h.w, out);
    h.pre = h.items = h.lists = 0;
    if (n > INT_MAX) {
        tw_error_line(err, errlen, "cannot extract: HTML document larger than 2 GiB", NULL);
        goto out;
    }
    /* A UTF-8 BOM outranks a <meta charset> that contradicts it, as in a
     * browser; libxml2 would follow the meta.  UTF-16 BOMs it gets right. */
    const char *enc = NULL;
    if (n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) {
        enc = "UTF-8";
        b += 3;
        n -= 3;
    }
    doc = html_parse(b, n, enc, &errs);
    bool utf16 = n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF));
    const char *again = doc && !enc && !utf16 ? extract_html_reencoding(doc, b, n) : NULL;
    if (again) {
        xmlFreeDoc(doc);
        doc = html_parse(b, n, again, &errs);
    }
    /* A parser that halted leaves a tree of what it had read so far: the
     * page's text cut short, which must not pass for the page.  Tag soup
     * (unclosed <b> or <font>) nests past 256 levels too. */
    if (doc && errs.halted) {
        if (strstr(errs.why, "depth"))
            tw_error_line(err, errlen, "cannot extract: HTML elements nested deeper than 256", NULL);
        else
            tw_error_line(err, errlen, "not a readable HTML document", errs.why);
        goto out;
    }
    if (!doc || !xmlDocGetRootElement(doc)) {
        tw_error_line(err, errlen, "not a readable HTML document", NULL);
        goto out;
    }
    if (tw_write_tree((xmlNode *)doc, html_enter_cb, html_leave_cb, &h, &h.w, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        tw_discard(&h.w);
    xmlFreeDoc(doc);
    return rc;
}
