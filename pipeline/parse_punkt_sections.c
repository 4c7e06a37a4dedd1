/*
 * punkt-sections: case-system exports where each item is "Punkt N: Title",
 * repeated as "N (Åben) Title" with "Sags ID:" / "Dok ID:" lines, sections
 * under "Resumé", "Sagsfremstilling", "Indstilling", "Beslutning", and the
 * absentees of each item listed one field per line under "Fraværende".
 */
#include "layout.h"

static int detect(const struct lines *L)
{
    size_t punkt = layout_count_prefix(L, "punkt ", 0);
    size_t ids = layout_count_prefix(L, "sags id:", 0) + layout_count_prefix(L, "dok id:", 0);
    if (!punkt || !ids)
        return 0;
    return 60 + (ids > 4 ? 20 : 10);
}

const struct layout layout_punkt_sections = {
    .name = "punkt-sections",
    .detect = detect,
    .opts = {.families = ENGINE_F_PUNKT | ENGINE_F_NUMPUB},
};
