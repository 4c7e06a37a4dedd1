/*
 * caps-sections: agendas set in Word with numbered upper-case item titles
 * ("2. BESLUTNING OM …"), upper-case section headings (INDSTILLING,
 * SAGSFREMSTILLING, BILAG, JOURNALNUMMER), "Forventet varighed: 25 min." and
 * the members listed in the header under MEDLEMMER / BISIDDERE /
 * SEKRETARIAT.
 */
#include "layout.h"
#include "text.h"

static int detect(const struct lines *L)
{
    size_t caps = 0, known = 0;
    for (size_t i = 0; i < L->n; i++) {
        const struct line *l = &L->v[i];
        if (l->len < 4 || l->len > 60 || !text_is_all_caps(l->s, l->len))
            continue;
        caps++;
        if (text_eq_ci(l->s, l->len, "indstilling") || text_eq_ci(l->s, l->len, "sagsfremstilling") ||
            text_eq_ci(l->s, l->len, "bilag") || text_eq_ci(l->s, l->len, "medlemmer"))
            known++;
    }
    if (known < 2)
        return 0;
    return 50 + (known >= 4 ? 25 : 10) + (layout_count_prefix(L, "forventet varighed", 0) ? 5 : 0);
}

const struct layout layout_caps_sections = {
    .name = "caps-sections",
    .detect = detect,
    .opts = {.families = ENGINE_F_NUMDOT, .caps_headings = true},
};
