/*
 * extract_docx: the text of a Word document, with libzip and libxml2.
 *
 * A .docx is a zip; its body is word/document.xml, WordprocessingML.  The
 * member is read from memory and parsed, and its tree walked in document
 * order: each paragraph (w:p) is a line, an empty paragraph a blank line
 * (that is how Word users space their text), w:t is text, w:tab a tab,
 * w:br and w:cr line breaks, a table row (w:tr) one line with its cells
 * (w:tc) separated by a tab and a cell's paragraphs joined by a space.
 * What the reader does not see as text is left out: deleted text of
 * tracked changes (w:del, w:delText) and text moved away (w:moveFrom, it
 * is found again at its w:moveTo), field instructions (w:instrText, the
 * w:fldSimple attribute; a field's result is text), properties (w:pPr,
 * w:rPr … whose w:tabs would otherwise read as tabs), and the fallback
 * copy of a text box that mc:AlternateContent carries beside the real one.
 * Inserted text (w:ins) is the document's text now.  Headers and footers
 * (word/header*.xml) are not read: they repeat on every page and say
 * nothing the minutes do not.
 *
 * Bounded and hostile-input safe: the member's uncompressed size is
 * checked before anything is inflated and the read stops at that size (a
 * zip bomb, or an entry that inflates past what it claims, is refused);
 * the XML is parsed without network, DTD loading, entity substitution or
 * XML_PARSE_HUGE (so libxml2's depth and size limits hold), and entity
 * references are not followed by the walk; the walk is a loop, not a
 * recursion; the text is capped at EXTRACT_MAX_TEXT.
 *
 * The line writer (struct tw) is the same as extract_html.c's: both
 * formats must give the pipeline lines by the same rules.
 */
#include "extract.h"
#include "textwriter.h"

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define DOCX_MEMBER "word/document.xml"
/* The XML is markup around the text: allow it four times the text's cap. */
#define DOCX_MAX_XML (EXTRACT_MAX_TEXT * 4)

/* WordprocessingML, transitional (what Word writes) and strict. */
#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define W_NS_STRICT "http://purl.oclc.org/ooxml/wordprocessingml/main"
#define MC_NS "http://schemas.openxmlformats.org/markup-compatibility/2006"

/* ---- the tree ------------------------------------------------------------ */

static bool docx_in_ns(const xmlNode *n, const char *href)
{
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, href) == 0;
}

static bool docx_is_w(const xmlNode *n)
{
    return n && n->type == XML_ELEMENT_NODE && (docx_in_ns(n, W_NS) || docx_in_ns(n, W_NS_STRICT));
}

static bool docx_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum docx_kind { D_SKIP, D_DESCEND, D_P, D_T, D_TAB, D_BR, D_HYPHEN, D_TBL, D_TR, D_TC };

static enum docx_kind docx_kind(const xmlNode *n)
{
    if (!docx_is_w(n)) {
        /* mc:Fallback repeats mc:Choice for older readers (a text box
         * appears in both): read one of them */
        if (docx_in_ns(n, MC_NS) && strcmp((const char *)n->name, "Fallback") == 0)
            return D_SKIP;
        return D_DESCEND; /* drawings, text boxes, custom XML: their w: content */
    }
    const char *s = (const char *)n->name;
    static const struct {
        const char *name;
        enum docx_kind kind;
    } known[] = {
        {"p", D_P},
        {"t", D_T},
        {"tab", D_TAB},
        {"ptab", D_TAB},
        {"br", D_BR},
        {"cr", D_BR},
        {"noBreakHyphen", D_HYPHEN},
        {"tbl", D_TBL},
        {"tr", D_TR},
        {"tc", D_TC},
        {"del", D_SKIP},          /* tracked deletion */
        {"moveFrom", D_SKIP},     /* moved away: read at its w:moveTo */
        {"delText", D_SKIP},
        {"instrText", D_SKIP},    /* a field's code; its result follows */
        {"delInstrText", D_SKIP},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(s, known[i].name) == 0)
            return known[i].kind;
    if (docx_ends_with(s, "Pr") || docx_ends_with(s, "PrEx") || docx_ends_with(s, "PrChange"))
        return D_SKIP;
    return D_DESCEND;
}

/* The walk: the writer, and where each open paragraph began (the length
 * of the text out), which tells an empty paragraph from one whose text
 * ended in a line break.  Paragraphs nest (a text box's inside a
 * paragraph's run) as deep as libxml2 lets elements nest, 256; deeper ones
 * count as not empty. */
struct docx_walk {
    struct tw w;
    size_t pstart[256];
    size_t pdepth;
};

/* Entering n: false when its children are not to be visited. */
static bool docx_enter(struct docx_walk *d, const xmlNode *n)
{
    struct tw *w = &d->w;
    switch (n->type) {
    case XML_DOCUMENT_NODE:
        return true;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        /* only w:t holds the text; other text nodes are layout numbers
         * (wp:posOffset) or markup whitespace */
        if (n->content && docx_is_w(n->parent) && strcmp((const char *)n->parent->name, "t") == 0)
            tw_text(w, (const char *)n->content, strlen((const char *)n->content), false);
        return false;
    case XML_ELEMENT_NODE:
        break;
    default:
        return false; /* entity references (never expanded), comments, PIs */
    }
    switch (docx_kind(n)) {
    case D_SKIP: return false;
    case D_DESCEND: return true;
    case D_P:
        tw_break(w, false);
        if (d->pdepth < sizeof d->pstart / sizeof *d->pstart)
            d->pstart[d->pdepth] = w->out->len;
        d->pdepth++;
        return true;
    case D_T: return true;
    case D_TAB:
        /* a tab that begins a paragraph is kept, as Word's own text export
         * keeps it: it is how Word users line up columns, and an empty
         * first column is still a column */
        if (w->cell_depth)
            tw_blank(w, ' ', false);
        else if (tw_at_line_start(w) && w->lead_tabs < 64)
            w->lead_tabs++;
        else
            tw_blank(w, '\t', false);
        return false;
    case D_BR: tw_br(w); return false;
    case D_HYPHEN: tw_word(w, "-", 1); return false;
    case D_TBL: tw_break(w, false); return true;
    case D_TR: tw_row(w); return true;
    case D_TC: tw_cell_begin(w); return true;
    }
    return false;
}

/* Leaving n, entered with docx_enter's true. */
static void docx_leave(struct docx_walk *d, const xmlNode *n)
{
    struct tw *w = &d->w;
    if (n->type != XML_ELEMENT_NODE)
        return;
    switch (docx_kind(n)) {
    case D_P:
        /* an empty paragraph is a blank line: one more line end */
        d->pdepth--;
        if (d->pdepth < sizeof d->pstart / sizeof *d->pstart && d->pstart[d->pdepth] == w->out->len)
            tw_br(w);
        else
            tw_break(w, false);
        break;
    case D_TBL: tw_break(w, false); break;
    case D_TR: tw_row(w); break;
    case D_TC: tw_cell_end(w); break;
    default: break;
    }
}

static bool docx_enter_cb(void *ud, const xmlNode *n)
{
    return docx_enter(ud, n);
}

static void docx_leave_cb(void *ud, const xmlNode *n)
{
    docx_leave(ud, n);
}

/* ---- the zip ------------------------------------------------------------- */

/* word/document.xml, whole, into *xml (new: free()); 0 or -1 with err set. */
static int docx_read_member(zip_t *za, char **xml, size_t *len, char *err, size_t errlen)
{
    int rc = -1;
    zip_file_t *zf = NULL;
    char *data = NULL;
    zip_stat_t st;

    zip_int64_t idx = zip_name_locate(za, DOCX_MEMBER, 0);
    if (idx < 0) {
        tw_error_line(err, errlen, "not a Word document: no " DOCX_MEMBER, NULL);
        goto out;
    }
    zip_stat_init(&st);
    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE)) {
        tw_error_line(err, errlen, "not a Word document: " DOCX_MEMBER " has no size", NULL);
        goto out;
    }
    /* before inflating a byte: what the entry says it holds */
    if (st.size > DOCX_MAX_XML) {
        char msg[96];
        snprintf(msg, sizeof msg, "cannot extract: " DOCX_MEMBER " larger than %zu MiB", DOCX_MAX_XML >> 20);
        tw_error_line(err, errlen, msg, NULL);
        goto out;
    }
    zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!zf) {
        tw_error_line(err, errlen, "not a Word document: cannot open " DOCX_MEMBER, zip_error_strerror(zip_get_error(za)));
        goto out;
    }
    /* Exactly the size it claims, plus one byte to catch an entry that
     * inflates past its claim: a bomb with a forged size stops there. */
    size_t want = (size_t)st.size, got = 0;
    data = xmalloc(want + 2);
    for (;;) {
        zip_int64_t r = zip_fread(zf, data + got, want + 1 - got);
        if (r < 0) {
            tw_error_line(err, errlen, "not a Word document: " DOCX_MEMBER " is damaged", zip_file_strerror(zf));
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > want) {
            tw_error_line(err, errlen, "not a Word document: " DOCX_MEMBER " is larger than its zip entry says", NULL);
            goto out;
        }
    }
    if (got != want) {
        tw_error_line(err, errlen, "not a Word document: " DOCX_MEMBER " is shorter than its zip entry says", NULL);
        goto out;
    }
    data[got] = '\0';
    *xml = data;
    *len = got;
    data = NULL;
    rc = 0;
out:
    free(data);
    if (zf)
        zip_fclose(zf);
    return rc;
}

/* libxml2's encoding module reports a member's bad bytes on the thread's
 * error handlers whatever XML_PARSE_NOERROR says; the parse's own error
 * (ctxt->lastError) is what we report.  Set for the parse, then put back. */
static void docx_quiet(void *ud, xmlErrorPtr e)
{
    (void)ud;
    (void)e;
}

int extract_docx(const unsigned char *b, size_t n, struct buf *out, char *err, size_t errlen)
{
    int rc = -1;
    zip_error_t ze;
    zip_source_t *src = NULL;
    zip_t *za = NULL;
    char *xml = NULL;
    size_t xlen = 0;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    struct docx_walk d;

    tw_init(&d.w, out);
    d.pdepth = 0;
    zip_error_init(&ze);
    src = zip_source_buffer_create(n ? b : NULL, n, 0, &ze);
    if (!src) {
        tw_error_line(err, errlen, "not a Word document", zip_error_strerror(&ze));
        goto out;
    }
    za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!za) {
        tw_error_line(err, errlen, "not a Word document", zip_error_strerror(&ze));
        goto out;
    }
    src = NULL; /* the archive owns it now */
    if (docx_read_member(za, &xml, &xlen, err, errlen) < 0)
        goto out;

    /* No XML_PARSE_NOBLANKS: a w:t of spaces is text.  No NOENT, DTDLOAD
     * or HUGE: nothing is fetched or expanded, and libxml2's limits hold. */
    ctxt = xmlNewParserCtxt();
    if (!ctxt)
        abort(); /* out of memory, like xmalloc */
    xmlStructuredErrorFunc old_handler = xmlStructuredError;
    void *old_context = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(NULL, docx_quiet);
    doc = xmlCtxtReadMemory(ctxt, xml, (int)xlen, DOCX_MEMBER, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(old_context, old_handler);
    if (!doc) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        tw_error_line(err, errlen, "not a Word document: " DOCX_MEMBER " is not well-formed XML",
                 e && e->message ? e->message : NULL);
        goto out;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !docx_is_w(root) || strcmp((const char *)root->name, "document") != 0) {
        tw_error_line(err, errlen, "not a Word document: " DOCX_MEMBER " holds no w:document", NULL);
        goto out;
    }
    if (tw_write_tree((xmlNode *)doc, docx_enter_cb, docx_leave_cb, &d, &d.w, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        tw_discard(&d.w);
    xmlFreeDoc(doc);
    if (ctxt)
        xmlFreeParserCtxt(ctxt);
    free(xml);
    if (za)
        zip_discard(za);
    zip_source_free(src);
    zip_error_fini(&ze);
    return rc;
}
