/*
 * numbered-plain: agenda-and-minutes exports with no blank lines at all,
 * items "N. Title", the recommendation as a table row ("at | … |") after
 * "Det indstilles,", and one or several "Beslutning" blocks per item.  The
 * header reads "… til mødet i <committee> den <date> kl. <time> i <place>".
 */
#include "layout.h"

static int detect(const struct lines *L)
{
    size_t blanks = 0;
    for (size_t i = 0; i < L->n; i++)
        blanks += L->v[i].len == 0;
    size_t indst = layout_count_prefix(L, "det indstilles", 0);
    size_t besl = layout_count_equal(L, "beslutning", 0);
    if (L->n < 10 || blanks * 20 > L->n || !besl)
        return 0;
    return 50 + (indst >= 2 ? 20 : 0) + (besl >= 3 ? 5 : 0);
}

const struct layout layout_numbered_plain = {
    .name = "numbered-plain",
    .detect = detect,
    .opts = {.families = ENGINE_F_NUMDOT},
};
