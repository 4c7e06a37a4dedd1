/*
 * textwriter: see textwriter.h.
 */
#include "textwriter.h"

#include "extract.h"

#include <stdio.h>
#include <string.h>


void tw_init(struct tw *w, struct buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->base = out->len;
}

static void tw_put(struct tw *w, const char *p, size_t n)
{
    if (w->full)
        return;
    if (n > EXTRACT_MAX_TEXT - (w->out->len - w->base) || buf_append(w->out, p, n) < 0)
        w->full = true;
}

bool tw_at_line_start(const struct tw *w)
{
    return !w->any || w->nl > 0;
}

/* Owed line ends and blanks, then the text itself. */
void tw_word(struct tw *w, const char *s, size_t n)
{
    if (!n)
        return;
    if (w->any && w->nl > 0)
        tw_put(w, "\n\n", (size_t)w->nl);
    else if (w->any)
        tw_put(w, w->ws, w->nws);
    for (; w->lead_tabs; w->lead_tabs--)
        tw_put(w, "\t", 1);
    w->nl = 0;
    w->nws = 0;
    w->any = true;
    tw_put(w, s, n);
}

/* A blank between words: a run of spaces is one space (pre keeps them all,
 * up to a bound), a tab outranks the spaces around it. */
void tw_blank(struct tw *w, char c, bool pre)
{
    if (tw_at_line_start(w))
        return;
    if (pre || c == '\t') {
        if (!pre && w->nws && w->ws[w->nws - 1] == ' ')
            w->nws = 0; /* "a \t b": the tab is the separator */
        if (w->nws < sizeof w->ws)
            w->ws[w->nws++] = c;
    } else if (!w->nws) {
        w->ws[w->nws++] = ' ';
    }
}

/* A line end (blank_line false) or a paragraph end (true). */
void tw_break(struct tw *w, bool blank_line)
{
    if (w->cell_depth) {
        tw_blank(w, ' ', false);
        return;
    }
    int want = blank_line ? 2 : 1;
    if (w->nl < want)
        w->nl = want;
    w->nws = 0;
    w->lead_tabs = 0;
}

/* <br>: one more line end, so that two in a row leave a blank line. */
void tw_br(struct tw *w)
{
    if (w->cell_depth) {
        tw_blank(w, ' ', false);
        return;
    }
    if (w->nl < 2)
        w->nl++;
    w->nws = 0;
    w->lead_tabs = 0;
}

void tw_row(struct tw *w)
{
    tw_break(w, false);
    if (!w->cell_depth)
        w->row_cells = 0;
}

void tw_cell_begin(struct tw *w)
{
    if (w->cell_depth)
        tw_blank(w, ' ', false);
    else if (w->row_cells++ > 0 && !tw_at_line_start(w))
        tw_blank(w, '\t', false);
    else if (w->row_cells > 1 && w->lead_tabs < 64)
        w->lead_tabs++;
    w->cell_depth++;
}

void tw_cell_end(struct tw *w)
{
    if (w->cell_depth)
        w->cell_depth--;
}

/* Text as it stands in the document: whitespace collapses, except in pre,
 * where line ends are line breaks and blanks are kept. */
void tw_text(struct tw *w, const char *s, size_t n, bool pre)
{
    size_t i = 0;
    while (i < n && !w->full) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            if (pre && (c == '\n' || c == '\r')) {
                if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
                    i++;
                tw_br(w);
            } else {
                tw_blank(w, c == '\t' && pre ? '\t' : ' ', pre);
            }
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' && s[j] != '\f')
            j++;
        tw_word(w, s + i, j - i);
        i = j;
    }
}

/* The final newline; 0, or -1 if the text passed the cap. */
int tw_finish(struct tw *w)
{
    if (w->any)
        tw_put(w, "\n", 1);
    return w->full ? -1 : 0;
}

void tw_walk_tree(xmlNode *root, bool (*enter)(void *ud, const xmlNode *n), void (*leave)(void *ud, const xmlNode *n),
                  void *ud, const struct tw *w)
{
    xmlNode *n = root;
    while (n && !w->full) {
        bool visit = enter(ud, n);
        if (visit && n->children) {
            n = n->children;
            continue;
        }
        if (visit)
            leave(ud, n);
        while (n != root && !n->next) {
            n = n->parent;
            leave(ud, n);
        }
        if (n == root)
            break;
        n = n->next;
    }
}

void tw_error_line(char *err, size_t errlen, const char *prefix, const char *detail)
{
    if (!errlen)
        return;
    int k = snprintf(err, errlen, "%s%s%s", prefix, detail ? ": " : "", detail ? detail : "");
    if (k < 0)
        return;
    size_t start = strlen(prefix) + 2, len = strlen(err);
    if (detail && start < len && err[start] >= 'A' && err[start] <= 'Z' &&
        !(err[start + 1] >= 'A' && err[start + 1] <= 'Z'))
        err[start] = (char)(err[start] - 'A' + 'a');
    while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
        err[--len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (err[i] == '\n' || err[i] == '\r')
            err[i] = ' ';
}

int tw_write_tree(xmlNode *root, bool (*enter)(void *ud, const xmlNode *n), void (*leave)(void *ud, const xmlNode *n),
                  void *ud, struct tw *w, char *err, size_t errlen)
{
    tw_walk_tree(root, enter, leave, ud, w);
    if (tw_finish(w) < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "cannot extract: text larger than %zu MiB", EXTRACT_MAX_TEXT >> 20);
        tw_error_line(err, errlen, msg, NULL);
        return -1;
    }
    return 0;
}

void tw_discard(struct tw *w)
{
    if (w->out->len > w->base) {
        w->out->len = w->base;
        w->out->data[w->out->len] = '\0';
    }
}
