/*
 * enrich: see enrich.h.
 *
 * Region: evidence from the whole text (gazetteer.c), with the header
 * (title, body, location) counted three times - the place a committee meets
 * and names itself is better evidence than a municipality mentioned in
 * passing.  Cluster: what is left of the body's name once the generic words
 * (Politisk, Sundhedsklynge, Forum …) are gone, resolved by the gazetteer
 * ("HOL" -> Holbæk).  Level: the body's own name, else the level named right
 * after it ("Sundhedsklynge Lillebælt – Politisk Niveau"), else the level
 * the text names most.
 */
#include "enrich.h"
#include "gazetteer.h"
#include "text.h"

#include <string.h>

static const char *level_in(const char *s, size_t n)
{
    if (text_find_prefix_ci(s, n, "politisk") >= 0)
        return "political";
    if (text_find_prefix_ci(s, n, "strategisk") >= 0 || text_find_prefix_ci(s, n, "faglig") >= 0)
        return "strategic";
    return NULL;
}

static const char *find_level(const struct md_doc *doc)
{
    const struct md_meeting *m = &doc->meeting;
    if (m->body) {
        const char *l = level_in(m->body, strlen(m->body));
        if (l)
            return l;
    }
    const char *t = doc->text;
    size_t n = doc->text_len;
    /* "<body> – Politisk Niveau" */
    size_t pol = 0, str = 0;
    size_t bl = m->body ? strlen(m->body) : 0;
    if (bl >= 6 && bl < 128) {
        char lit[128];
        text_fold(lit, m->body, bl);
        lit[bl] = '\0';
        size_t off = 0;
        long at;
        while (off < n && (at = text_find_prefix_ci_n(t + off, n - off, lit, bl)) >= 0) {
            size_t after = off + (size_t)at + bl;
            size_t win = n - after < 24 ? n - after : 24;
            const char *l = level_in(t + after, win);
            if (l && strcmp(l, "political") == 0)
                pol++;
            else if (l)
                str++;
            off = after;
        }
    }
    if (pol != str)
        return pol > str ? "political" : "strategic";
    return NULL;
}

/* Generic words of a committee's name that do not name the cluster. */
static bool generic_word(const char *w, size_t n)
{
    static const char *const words[] = {
        "sundhedsklynge", "sundhedsklyngen", "sundhedsklynges", "klynge", "klyngen", "politisk", "politiske",
        "faglig", "fagligt", "faglige", "strategisk", "strategiske", "forum", "gruppe", "gruppen", "niveau",
        "udvalg", "styregruppe", "møde", "i", "for", "og", "omkring", "administrativ", "administrative",
        "operativ", "den", "det", "sundhedsklyngeforum", "klyngeforum", "klyngestyregruppe", "ekstraordinært"};
    char f[64];
    if (n >= sizeof f)
        return false;
    text_fold(f, w, n);
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strlen(words[k]) == n && memcmp(f, words[k], n) == 0)
            return true;
    return false;
}

static const char *find_cluster(const struct md_doc *doc, enum gaz_region region)
{
    const char *b = doc->meeting.body;
    if (!b)
        return NULL;
    size_t n = strlen(b), i = 0;
    while (i < n) {
        while (i < n && (b[i] == ' ' || b[i] == '-' || b[i] == ','))
            i++;
        size_t s = i;
        while (i < n && b[i] != ' ' && b[i] != ',')
            i++;
        size_t wn = i - s;
        /* "Gødstrup-klyngen" -> "Gødstrup" */
        const char *dash = memchr(b + s, '-', wn);
        if (dash && generic_word(dash + 1, (size_t)(b + i - dash - 1)))
            wn = (size_t)(dash - (b + s));
        if (wn == 0 || generic_word(b + s, wn))
            continue;
        const char *c = gazetteer_cluster(b + s, wn, region);
        if (c)
            return c;
    }
    return NULL;
}

void enrich_document(struct md_doc *doc)
{
    struct md_meeting *m = &doc->meeting;
    struct gaz_evidence ev = {0};
    if (doc->text)
        gazetteer_scan(doc->text, doc->text_len, 1.0, &ev);
    const char *hdr[] = {doc->title, m->body, m->location};
    for (size_t i = 0; i < 3; i++)
        if (hdr[i])
            gazetteer_scan(hdr[i], strlen(hdr[i]), 3.0, &ev);
    enum gaz_region r = gazetteer_best(&ev);
    m->cluster = find_cluster(doc, r);
    if (r == GAZ_NONE && m->cluster)
        r = gazetteer_cluster_region(m->cluster);
    m->region = gazetteer_region_name(r);
    m->level = find_level(doc);
}
