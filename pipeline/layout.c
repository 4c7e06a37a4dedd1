/*
 * layout: the registry.  One line per layout; order breaks ties.
 */
#include "layout.h"
#include "text.h"

#include <string.h>

extern const struct layout layout_punkt_sections;
extern const struct layout layout_punkt_inline;
extern const struct layout layout_punkt_duration;
extern const struct layout layout_caps_sections;
extern const struct layout layout_numbered_plain;
extern const struct layout layout_generic;

static const struct layout *const registry[] = {
    &layout_punkt_sections,
    &layout_punkt_inline,
    &layout_punkt_duration,
    &layout_caps_sections,
    &layout_numbered_plain,
    &layout_generic,
};

const struct layout *layout_detect(const struct lines *L)
{
    const struct layout *best = &layout_generic;
    int top = -1;
    for (size_t i = 0; i < sizeof registry / sizeof *registry; i++) {
        int s = registry[i]->detect(L);
        if (s > top) {
            top = s;
            best = registry[i];
        }
    }
    return best;
}

const struct layout *layout_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof registry / sizeof *registry; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

/* The next line at or after i (< n) that may start with lit: by the first
 * bytes when L has them (memchr jumps over the rest), else i itself.  A
 * line with leading blanks is a candidate by its first other byte, which
 * is what text_eq_ci compares; text_prefix_ci then rejects it as before. */
static size_t next_candidate(const struct lines *L, const char *lit, size_t i, size_t n)
{
    unsigned char l0 = (unsigned char)lit[0];
    if (!L->first || l0 == 0 || l0 == ' ' || l0 == '\t')
        return i;
    const unsigned char *p = memchr(L->first + i, l0, n - i);
    return p ? (size_t)(p - L->first) : n;
}

size_t layout_count_prefix(const struct lines *L, const char *lit, size_t max)
{
    size_t c = 0, n = max && max < L->n ? max : L->n;
    struct text_quad q;
    text_quad_init(&q, lit);
    for (size_t i = 0; (i = next_candidate(L, lit, i, n)) < n; i++)
        if (L->v[i].len && text_quad_may_match(&q, L->v[i].s, L->v[i].len) &&
            text_prefix_ci(L->v[i].s, L->v[i].len, lit))
            c++;
    return c;
}

size_t layout_next_prefix(const struct lines *L, const char *lit, size_t i)
{
    for (; (i = next_candidate(L, lit, i, L->n)) < L->n; i++)
        if (L->v[i].len && text_prefix_ci(L->v[i].s, L->v[i].len, lit))
            return i;
    return L->n;
}

size_t layout_count_equal(const struct lines *L, const char *lit, size_t max)
{
    size_t c = 0, n = max && max < L->n ? max : L->n;
    for (size_t i = 0; (i = next_candidate(L, lit, i, n)) < n; i++)
        if (L->v[i].len && text_eq_ci(L->v[i].s, L->v[i].len, lit))
            c++;
    return c;
}
