/*
 * pipeline: bytes in, document model out - decode, parse, enrich, validate.
 *
 * Every stage has one shape: it takes the model so far and answers OK,
 * RETRY (a transient failure: try the document again later) or REJECT (this
 * input will never load; the model's issues say why).  The pure stages here
 * never RETRY; the daemon's stages (load, notify) share the enum.
 */
#ifndef MINUTESD_PIPELINE_H
#define MINUTESD_PIPELINE_H

#include <stddef.h>

#include "model.h"

enum stage_result { STAGE_OK = 0, STAGE_RETRY = 1, STAGE_REJECT = 2 };

const char *stage_result_str(enum stage_result r);

struct pipeline_opts {
    size_t max_bytes;     /* larger inputs are rejected; 0 = PIPELINE_MAX_BYTES */
    const char *layout;   /* force a layout by name; NULL = detect */
    /* When bytes is text extracted from another format (a PDF, a web
     * page): the bytes as received, whose SHA-256 and size are the
     * document's identity.  NULL: bytes itself. */
    const unsigned char *original;
    size_t original_len;
};

#define PIPELINE_MAX_BYTES ((size_t)64 << 20)

/*
 * Runs every stage over bytes[0..n).  Always returns a model (new: free
 * with model_destroy); *result says whether it can be loaded.  name and uri
 * (may be NULL) are copied into model.source.
 */
struct md_doc *pipeline_run(const unsigned char *bytes, size_t n, const char *name, const char *uri,
                            const struct pipeline_opts *opts, enum stage_result *result);

/* A model for a document that never reached the stages (its text could not
 * be had): source set from bytes, one error issue code/message, nothing
 * else.  *result (may be NULL) is STAGE_REJECT. */
struct md_doc *pipeline_rejected(const unsigned char *bytes, size_t n, const char *name, const char *uri,
                                 const char *code, const char *message, enum stage_result *result);

/* The first error issue's message, or NULL (borrowed from doc). */
const char *pipeline_first_error(const struct md_doc *doc);

#endif
