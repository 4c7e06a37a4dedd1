/*
 * model: the document model (minutesd/document@1) every stage hands on.
 *
 * One struct md_doc per document; every string and array in it lives in the
 * document's arena, so model_destroy() frees it all at once and stages never
 * track ownership of individual fields.  Strings are UTF-8, NULL when the
 * document does not state the value (never a guess), and the JSON writer
 * (model_json) prints exactly what docs/document-model.md describes.
 */
#ifndef MINUTESD_MODEL_H
#define MINUTESD_MODEL_H

#include <stddef.h>
#include <stdbool.h>

#include "util.h"

#define MD_SCHEMA "minutesd/document@1"

/* Tri-state for fields that may be unstated. */
enum md_tri { MD_UNKNOWN = -1, MD_FALSE = 0, MD_TRUE = 1 };

struct md_section {
    const char *key;     /* static: "summary", "presentation", …, "other" */
    char *heading;       /* as printed */
    char *text;          /* lines joined with '\n'; may be "" */
    size_t text_len;     /* strlen(text): whoever sets text sets it (the later stages and the JSON writer read it) */
};

struct md_attachment {
    char *title;
    char *doc_ref;
};

struct md_amount {
    long long dkk;
    char *text;
};

struct md_item {
    int number;
    char *label;
    char *title;
    const char *kind;       /* static "decision" | "information" | "discussion" | NULL */
    enum md_tri is_public;
    char *case_ref, *doc_ref;
    int duration_minutes;   /* -1 = unstated */
    struct md_section *sections; size_t nsections, capsections;
    char *recommendation;
    char *decision_text;    /* NULL: no decision recorded */
    const char *outcome;    /* static; NULL when decision_text is NULL */
    char **absent; size_t nabsent, capabsent;
    struct md_attachment *attachments; size_t nattachments, capattachments;
    struct md_amount *amounts; size_t namounts, capamounts;
    int line;               /* 1-based line of the heading in the decoded text */
};

struct md_participant {
    char *name, *role, *organization, *party, *note;
    const char *group;      /* static "member" | "observer" | "advisor" | "secretariat" | "guest" | NULL */
    bool present;
};

struct md_issue {
    const char *severity;   /* static "error" | "warning" */
    const char *code;       /* static, stable: see validate.h */
    char *message;
    int item;               /* item number or -1 */
    int line;               /* 1-based line or -1 */
};

struct md_meeting {
    char *body, *date, *start, *end, *location, *chair;
    const char *cluster;    /* static (gazetteer) */
    const char *level;      /* static "political" | "strategic" | NULL */
    const char *region;     /* static (gazetteer) */
    bool extraordinary;
};

struct md_doc {
    struct arena *arena;
    /* source */
    char *source_name, *source_uri, *sha256;
    size_t source_bytes;
    const char *encoding;   /* static, from decode */
    /* decoded text: owned by the doc (free()d in model_destroy) */
    char *text; size_t text_len;

    const char *kind;       /* static "minutes" | "agenda" */
    const char *layout;     /* static layout name */
    char *title;
    struct md_meeting meeting;
    struct md_participant *participants; size_t nparticipants, capparticipants;
    struct md_item *items; size_t nitems, capitems;
    struct md_issue *issues; size_t nissues, capissues;
};

struct md_doc *model_create(void);
void model_destroy(struct md_doc *doc); /* NULL is a no-op */

/* Arena helpers bound to the document. */
char *model_strndup(struct md_doc *doc, const char *s, size_t n);
char *model_strdup(struct md_doc *doc, const char *s);

/* Appenders return a pointer to the new zero-initialised element (borrowed,
 * valid until the next append to the same array). */
struct md_item *model_add_item(struct md_doc *doc);
struct md_participant *model_add_participant(struct md_doc *doc);
struct md_section *model_item_add_section(struct md_doc *doc, struct md_item *it);
struct md_attachment *model_item_add_attachment(struct md_doc *doc, struct md_item *it);
struct md_amount *model_item_add_amount(struct md_doc *doc, struct md_item *it);
void model_item_add_absent(struct md_doc *doc, struct md_item *it, const char *name);

/* Adds an issue; message is printf-style and copied into the arena. */
void model_add_issue(struct md_doc *doc, const char *severity, const char *code,
                     int item, int line, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
size_t model_count_issues(const struct md_doc *doc, const char *severity);

/*
 * Appends the model as one JSON object to out.  pretty adds newlines and
 * indentation (for people); the compact form is what the database stores.
 * Returns 0, or -1 when out's cap was reached.
 */
int model_json(const struct md_doc *doc, struct buf *out, bool pretty);

/* Just the model's "issues" array, compact, as model_json writes it (for
 * the daemon's NAME.error.json).  0, or -1 when out's cap was reached. */
int model_issues_json(const struct md_doc *doc, struct buf *out);

/* Where the CPU has AVX2, long strings are escaped thirty-two bytes at a
 * time.  false turns that off for the whole process, true back on where
 * the CPU allows; returns the setting before.  For tests, which compare
 * the two ways: the JSON never depends on it. */
bool model_json_use_avx2(bool on);

#endif
