/*
 * punkt-inline: "Punkt N: Title" items followed by the case number on its
 * own line, decisions headed "Beslutning i <committee> den <date>", and
 * attendance written inline: "Mødedeltagere A, V, B, V (Fravær), …" in the
 * header and "Fraværende A, …" under every item.
 */
#include "layout.h"

static int detect(const struct lines *L)
{
    size_t punkt = layout_count_prefix(L, "punkt ", 0);
    size_t besl_i = layout_count_prefix(L, "beslutning i ", 0);
    size_t inline_fra = layout_count_prefix(L, "fraværende ", 0) + layout_count_prefix(L, "mødedeltagere ", 60);
    if (!punkt || (!besl_i && !inline_fra))
        return 0;
    return 55 + (besl_i ? 15 : 0) + (inline_fra ? 10 : 0);
}

const struct layout layout_punkt_inline = {
    .name = "punkt-inline",
    .detect = detect,
    .opts = {.families = ENGINE_F_PUNKT},
};
