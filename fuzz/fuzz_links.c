/*
 * libFuzzer target: the links of an index page or feed (links_find).
 *
 * Build: as fuzz_pipeline (see there); the target is fuzz_links.
 * Run:   build-fuzz/fuzz_links -max_len=65536 -timeout=10 fuzz/corpus-links
 *
 * Index pages come from the internet, so this is hostile input by design.
 * The first byte picks the Content-Type and whether a follow pattern is
 * used.  Checks: every URL returned is absolute http(s), at most 4096
 * bytes, without a fragment, and there are at most LINKS_MAX of them.
 */
#include "extract.h"
#include "links.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static regex_t follow;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    extract_init();
    if (regcomp(&follow, "(pdf|referat|dagsorden)", REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const types[] = {NULL, "text/html; charset=utf-8", "application/rss+xml",
                                        "application/atom+xml"};
    char err[512];
    struct links l = {0};
    if (size < 1)
        return 0;
    int rc = links_find((const char *)data + 1, size - 1, types[data[0] & 3],
                        "https://www.example.dk/klynge/moeder/index.html", (data[0] & 4) ? &follow : NULL, &l, err,
                        sizeof err);
    if (rc < 0) {
        if (!err[0])
            abort();   /* an error must say why */
        return 0;
    }
    if (l.n > LINKS_MAX)
        abort();
    for (size_t i = 0; i < l.n; i++) {
        const char *u = l.urls[i];
        if ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) || strlen(u) > 4096 || strchr(u, '#'))
            abort();
    }
    links_clear(&l);
    return 0;
}
