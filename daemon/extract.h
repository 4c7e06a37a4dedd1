/*
 * extract: the text inside HTML, PDF and DOCX documents, for the pipeline.
 *
 * The pipeline reads text (any encoding, any line ends); publishers post
 * web pages, PDFs and Word files.  extract turns those into lines the
 * pipeline's structural parser reads as it reads a text file: a heading,
 * paragraph, list item or table row becomes a line (a table row's cells on
 * one line, separated by a tab), a paragraph break becomes a blank line, a
 * PDF page break a form feed.  Plain text passes through untouched, so the
 * pipeline still sees its encoding.  Everything works from memory (no file
 * or network access: libxml2 with NONET, no external entities), which is
 * what lets the daemon run it on a worker thread and `minutesd parse` show
 * exactly what the daemon would load.
 *
 * Bounded: the text out is capped at EXTRACT_MAX_TEXT (a zip bomb or a PDF
 * that expands without end is refused, not followed), and a PDF at
 * EXTRACT_MAX_PAGES pages.
 *
 * The document's identity stays the SHA-256 of the bytes received, not of
 * the text extracted: extract_pipeline puts that right in the model.
 */
#ifndef MINUTESD_EXTRACT_H
#define MINUTESD_EXTRACT_H

#include "pipeline.h"
#include "util.h"

#include <stddef.h>

#define EXTRACT_MAX_TEXT ((size_t)64 << 20)
#define EXTRACT_MAX_PAGES 5000

enum extract_format { EXTRACT_TEXT, EXTRACT_HTML, EXTRACT_PDF, EXTRACT_DOCX };

const char *extract_format_str(enum extract_format f);

/* What b[0..n) is: by its magic bytes (%PDF-, a zip holding
 * word/document.xml, <html / <!doctype html after a BOM, blanks, an XML
 * declaration and comments), else by name's extension (.html, .htm,
 * .xhtml), else text.  (A UTF-16 page is found by its name only.) */
enum extract_format extract_sniff(const unsigned char *b, size_t n, const char *name);

/* Each appends the document's text (UTF-8) to out: 0, or -1 with err set
 * to one line saying why ("not a valid PDF: …") and out as it was (HTML,
 * DOCX) or with part of the text (PDF: the caller drops it).  Safe to call
 * from any thread (extract_init first). */
int extract_html(const unsigned char *b, size_t n, struct buf *out, char *err, size_t errlen);
int extract_pdf(const unsigned char *b, size_t n, struct buf *out, char *err, size_t errlen);
int extract_docx(const unsigned char *b, size_t n, struct buf *out, char *err, size_t errlen);

/* For a page libxml2 has read (doc), the encoding to read its bytes b[0..n)
 * in again, or NULL to keep libxml2's reading: WHATWG's rules (Latin-1
 * labels read as Windows-1252, bytes Windows-1252 leaves unassigned read as
 * Latin-1, undeclared non-UTF-8 as Windows-1252), as pipeline/decode.c
 * decodes text.  Shared by the extractor and the link finder, so a page's
 * æ, ø and å come out the same in both. */
struct _xmlDoc;
const char *extract_html_reencoding(const struct _xmlDoc *doc, const unsigned char *b, size_t n);

/* Once per process, before any thread extracts (libxml2's global set-up). */
void extract_init(void);

/*
 * sniff + extract + pipeline_run: the model of the document in b[0..n) as
 * the daemon loads it.  A document whose text cannot be extracted is a
 * model with one error issue (code "not_extractable") and *result
 * STAGE_REJECT, like any other rejected input.  The model's sha256 and
 * byte count are those of b.  New model (model_destroy).
 */
struct md_doc *extract_pipeline(const unsigned char *b, size_t n, const char *name, const char *uri,
                                const struct pipeline_opts *opts, enum stage_result *result);

#endif
