/*
 * punkt-duration: "Punkt N: Title - 10 min" items with the planned time in
 * the heading, few section headings (the recommendation is the paragraph
 * opening "Det indstilles, at …", the decision is under "Beslutning"), and
 * the roll call as item 1 ("Mødedeltagere", grouped, with "Afbud:").
 */
#include "layout.h"
#include "text.h"

static int detect(const struct lines *L)
{
    size_t punkt = 0, timed = 0;
    for (size_t i = layout_next_prefix(L, "punkt ", 0); i < L->n; i = layout_next_prefix(L, "punkt ", i + 1)) {
        const struct line *l = &L->v[i];
        if (l->len < 8)
            continue;
        punkt++;
        size_t e = l->len;
        while (e > 0 && (l->s[e - 1] == '.' || l->s[e - 1] == ' '))
            e--;
        if (e >= 4 && text_prefix_ci(l->s + e - 3, 3, "min"))
            timed++;
    }
    if (!punkt || timed * 2 < punkt)
        return 0;
    return 60 + (timed >= 3 ? 20 : 5);
}

const struct layout layout_punkt_duration = {
    .name = "punkt-duration",
    .detect = detect,
    .opts = {.families = ENGINE_F_PUNKT},
};
