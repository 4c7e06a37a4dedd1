/*
 * extract: format detection and the way from a file's bytes to a model.
 * See extract.h.
 */
#define _GNU_SOURCE   /* memmem */
#include "extract.h"


#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *extract_format_str(enum extract_format f)
{
    switch (f) {
    case EXTRACT_TEXT: return "text";
    case EXTRACT_HTML: return "html";
    case EXTRACT_PDF: return "pdf";
    case EXTRACT_DOCX: return "docx";
    }
    return "?";
}

void extract_init(void)
{
    xmlInitParser();
}

static bool has_ext(const char *name, const char *ext)
{
    size_t n = name ? strlen(name) : 0, m = strlen(ext);
    return n > m && strcasecmp(name + n - m, ext) == 0;
}

/* Does the zip in b hold word/document.xml?  Its local file headers name
 * every member in the clear, so a search of the bytes answers without
 * unzipping anything. */
static bool zip_has_word(const unsigned char *b, size_t n)
{
    static const char member[] = "word/document.xml";
    for (size_t i = 0; i + 30 + sizeof member - 1 <= n; i++) {
        if (memcmp(b + i, "PK\x03\x04", 4) != 0)
            continue;
        size_t len = (size_t)b[i + 26] | (size_t)b[i + 27] << 8;
        if (len == sizeof member - 1 && memcmp(b + i + 30, member, len) == 0)
            return true;
    }
    return false;
}

enum extract_format extract_sniff(const unsigned char *b, size_t n, const char *name)
{
    if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
        return EXTRACT_PDF;
    if (n >= 4 && memcmp(b, "PK\x03\x04", 4) == 0 && zip_has_word(b, n))
        return EXTRACT_DOCX;
    size_t i = 0;
    if (n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    /* blanks, an XML declaration and comments may come before the markup */
    for (int k = 0; k < 16; k++) {
        while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
            i++;
        const char *close = NULL;
        if (n - i >= 5 && memcmp(b + i, "<?xml", 5) == 0)
            close = "?>";
        else if (n - i >= 4 && memcmp(b + i, "<!--", 4) == 0)
            close = "-->";
        if (!close)
            break;
        const unsigned char *e = memmem(b + i, n - i, close, strlen(close));
        if (!e)
            break;
        i = (size_t)(e - b) + strlen(close);
    }
    if (n - i >= 5 && (strncasecmp((const char *)b + i, "<html", 5) == 0 ||
                       (n - i >= 14 && strncasecmp((const char *)b + i, "<!doctype html", 14) == 0)))
        return EXTRACT_HTML;
    if (has_ext(name, ".html") || has_ext(name, ".htm") || has_ext(name, ".xhtml"))
        return EXTRACT_HTML;
    return EXTRACT_TEXT;
}

struct md_doc *extract_pipeline(const unsigned char *b, size_t n, const char *name, const char *uri,
                                const struct pipeline_opts *opts, enum stage_result *result)
{
    enum extract_format f = extract_sniff(b, n, name);
    struct md_doc *doc;
    struct buf text;
    char err[512] = "";
    int rc = 0;

    if (f == EXTRACT_TEXT)
        return pipeline_run(b, n, name, uri, opts, result);
    buf_init(&text, 0);
    switch (f) {
    case EXTRACT_HTML: rc = extract_html(b, n, &text, err, sizeof err); break;
    case EXTRACT_PDF: rc = extract_pdf(b, n, &text, err, sizeof err); break;
    case EXTRACT_DOCX: rc = extract_docx(b, n, &text, err, sizeof err); break;
    case EXTRACT_TEXT: break;
    }
    if (rc < 0) {
        doc = pipeline_rejected(b, n, name, uri, "not_extractable", err[0] ? err : "cannot extract its text", result);
    } else {
        struct pipeline_opts o = opts ? *opts : (struct pipeline_opts){0};
        o.original = b;   /* identity is the bytes received, whatever was read out of them */
        o.original_len = n;
        doc = pipeline_run((const unsigned char *)(text.data ? text.data : ""), text.len, name, uri, &o, result);
    }
    buf_free(&text);
    return doc;
}
