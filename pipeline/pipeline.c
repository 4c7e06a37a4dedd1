/*
 * pipeline: the pure stages in order.  See pipeline.h.
 */
#include "pipeline.h"
#include "decode.h"
#include "engine.h"
#include "enrich.h"
#include "layout.h"
#include "lines.h"
#include "sha256.h"
#include "validate.h"

#include <string.h>

const char *stage_result_str(enum stage_result r)
{
    switch (r) {
    case STAGE_OK: return "ok";
    case STAGE_RETRY: return "retry";
    case STAGE_REJECT: return "reject";
    }
    return "unknown";
}

struct stage_ctx {
    const unsigned char *bytes;
    size_t n;
    const struct pipeline_opts *opts;
};

static enum stage_result stage_decode(struct md_doc *doc, struct stage_ctx *c)
{
    struct decode_result res;
    size_t max = c->opts && c->opts->max_bytes ? c->opts->max_bytes : PIPELINE_MAX_BYTES;
    int rc = decode_text(c->bytes, c->n, max, &res);
    if (rc != DECODE_OK) {
        model_add_issue(doc, "error", "not_text", -1, -1, "%s", decode_strerror(rc));
        return STAGE_REJECT;
    }
    doc->text = res.text;
    doc->text_len = res.len;
    doc->encoding = res.encoding;
    if (res.warnings & DECODE_W_REPLACED)
        model_add_issue(doc, "warning", "decode_repaired", -1, -1, "undecodable bytes were replaced");
    if (res.warnings & DECODE_W_TRUNCATED)
        model_add_issue(doc, "warning", "decode_repaired", -1, -1, "the text ends in a cut character");
    if (res.warnings & DECODE_W_NUL)
        model_add_issue(doc, "warning", "decode_repaired", -1, -1, "stray NUL bytes were dropped");
    return STAGE_OK;
}

static enum stage_result stage_parse(struct md_doc *doc, struct stage_ctx *c)
{
    struct lines L;
    lines_split(doc->arena, doc->text, doc->text_len, engine_is_structural, &L);
    if (L.truncated)
        model_add_issue(doc, "error", "too_many_lines", -1, -1, "more than %zu lines", (size_t)LINES_MAX);
    const struct layout *lay = NULL;
    if (c->opts && c->opts->layout)
        lay = layout_by_name(c->opts->layout);
    if (!lay)
        lay = layout_detect(&L);
    doc->layout = lay->name;
    engine_parse(doc, &L, &lay->opts);
    return STAGE_OK;
}

static enum stage_result stage_enrich(struct md_doc *doc, struct stage_ctx *c)
{
    (void)c;
    enrich_document(doc);
    return STAGE_OK;
}

static enum stage_result stage_validate(struct md_doc *doc, struct stage_ctx *c)
{
    (void)c;
    validate_document(doc);
    return model_count_issues(doc, "error") ? STAGE_REJECT : STAGE_OK;
}

static const struct {
    const char *name;
    enum stage_result (*run)(struct md_doc *doc, struct stage_ctx *c);
} stages[] = {
    {"decode", stage_decode},
    {"parse", stage_parse},
    {"enrich", stage_enrich},
    {"validate", stage_validate},
};

/* A new model whose source is bytes[0..n), name and uri. */
static struct md_doc *with_source(const unsigned char *bytes, size_t n, const char *name, const char *uri)
{
    struct md_doc *doc = model_create();
    char hex[65];
    sha256_hex(bytes, n, hex);
    doc->sha256 = model_strdup(doc, hex);
    doc->source_bytes = n;
    doc->source_name = name ? model_strdup(doc, name) : NULL;
    doc->source_uri = uri ? model_strdup(doc, uri) : NULL;
    return doc;
}

struct md_doc *pipeline_rejected(const unsigned char *bytes, size_t n, const char *name, const char *uri,
                                 const char *code, const char *message, enum stage_result *result)
{
    struct md_doc *doc = with_source(bytes, n, name, uri);
    model_add_issue(doc, "error", code, -1, -1, "%s", message);
    if (result)
        *result = STAGE_REJECT;
    return doc;
}

struct md_doc *pipeline_run(const unsigned char *bytes, size_t n, const char *name, const char *uri,
                            const struct pipeline_opts *opts, enum stage_result *result)
{
    struct md_doc *doc = opts && opts->original ? with_source(opts->original, opts->original_len, name, uri)
                                                : with_source(bytes, n, name, uri);
    struct stage_ctx c = {bytes, n, opts};
    enum stage_result r = STAGE_OK;
    for (size_t i = 0; i < sizeof stages / sizeof *stages && r == STAGE_OK; i++)
        r = stages[i].run(doc, &c);
    if (result)
        *result = r;
    return doc;
}

const char *pipeline_first_error(const struct md_doc *doc)
{
    for (size_t i = 0; i < doc->nissues; i++)
        if (strcmp(doc->issues[i].severity, "error") == 0)
            return doc->issues[i].message;
    return NULL;
}
