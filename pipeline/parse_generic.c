/*
 * generic: the fallback for publishers no layout knows.  All item-heading
 * families are tried and the engine keeps the one whose numbering and
 * lookahead make the best chain.
 */
#include "layout.h"

static int detect(const struct lines *L)
{
    (void)L;
    return 10;
}

const struct layout layout_generic = {
    .name = "generic",
    .detect = detect,
    .opts = {.families = 0},
};
