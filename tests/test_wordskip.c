/*
 * Tests for wordskip: the vector pass keeps its contract (everything it
 * skips is what the gazetteer's byte loop would skip, and it stops after a
 * blank), and on x86-64 it does skip plain prose.
 */
#include "wordskip.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned char pairs[65536 / 8];
static struct wordskip_pairs plist;

static void add_pair(unsigned char a, unsigned char b)
{
    unsigned k = (unsigned)a << 8 | b;
    pairs[k >> 3] |= (unsigned char)(1u << (k & 7));
}

/* Boring capitals, for the test: those not starting "Reg". */
static bool upper_boring(const unsigned char *t, size_t len, size_t i)
{
    return !(len - i >= 3 && memcmp(t + i, "Reg", 3) == 0);
}

/* wordskip_ascii_quad's definition, a byte at a time. */
static bool quad_ref(const unsigned char *t, size_t len, size_t i, uint32_t *q)
{
    if (len - i < 4)
        return false;
    uint32_t v = 0;
    bool cut = false;
    for (unsigned k = 0; k < 4; k++) {
        unsigned char c = t[i + k];
        if (c >= 0x80)
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            cut = true;
        if (!cut)
            v |= (uint32_t)(c | 0x20) << (8 * k);
    }
    *q = v;
    return true;
}

/* The quads of the names the quad-set runs look for. */
static unsigned char quads[65536 / 8];

/* The same for lower-case words, when plist.quads is set. */
static unsigned char lquads[65536 / 8];

static void add_quad_to(unsigned char *set, const char *name)
{
    uint32_t q = 0; /* cr_assert does not tell GCC it stops the test */
    cr_assert(quad_ref((const unsigned char *)name, strlen(name), 0, &q));
    unsigned h = wordskip_quad_hash(q);
    set[h >> 3] |= (unsigned char)(1u << (h & 7));
}

static void add_quad(const char *name)
{
    add_quad_to(quads, name);
}

/* Boring capitals when a quad set is given: an ASCII start whose quad is
 * not in it; other starts as upper_boring. */
static bool upper_boring_quads(const unsigned char *t, size_t len, size_t i)
{
    uint32_t q;
    if (!quad_ref(t, len, i, &q))
        return upper_boring(t, len, i);
    unsigned h = wordskip_quad_hash(q);
    return !(quads[h >> 3] & (1u << (h & 7)));
}

static bool word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= 0x80 && c != 0xC2 && c != 0xE2 && c < 0xF5);
}

static bool blank(unsigned char c)
{
    return c < 0x80 && !word_byte(c);
}

static bool pair_at(const unsigned char *t, size_t i)
{
    unsigned k = (unsigned)t[i] << 8 | t[i + 1];
    return pairs[k >> 3] & (1u << (k & 7));
}

/* A lower-case start the byte loop looks at: its pair is in the set, and
 * with a lower quad set, its quad too (or it has none). */
static bool lower_work_at(const unsigned char *t, size_t len, size_t i)
{
    if (!pair_at(t, i))
        return false;
    uint32_t q;
    if (!plist.quads || !quad_ref(t, len, i, &q))
        return true;
    unsigned h = wordskip_quad_hash(q);
    return lquads[h >> 3] & (1u << (h & 7));
}

/* Four digits, a space or tab, then a capital, a byte >= 0x80 or another
 * blank: where a postcode may start. */
static bool postcode_at(const unsigned char *t, size_t len, size_t i)
{
    if (len - i < 6)
        return false;
    for (size_t k = 0; k < 4; k++)
        if (t[i + k] < '0' || t[i + k] > '9')
            return false;
    unsigned char b = t[i + 4], c = t[i + 5];
    return (b == ' ' || b == '\t') && ((c >= 'A' && c <= 'Z') || c >= 0x80 || c == ' ' || c == '\t');
}

/* The contract of wordskip.h, checked byte by byte. */
static void check_contract(const unsigned char *t, size_t len, size_t p, size_t q,
                           bool (*boring)(const unsigned char *, size_t, size_t))
{
    cr_assert_geq(q, p);
    cr_assert_leq(q, len);
    if (q == p)
        return;
    cr_assert(blank(t[q - 1]), "q = %zu follows byte 0x%02x", q, t[q - 1]);
    for (size_t i = p; i < q; i++) {
        cr_assert(t[i] != 0xC2 && t[i] != 0xE2 && t[i] < 0xF5, "skipped byte 0x%02x at %zu", t[i], i);
        bool start = word_byte(t[i]) && (i == 0 || !word_byte(t[i - 1]));
        if (!start)
            continue;
        bool ok = (t[i] >= 'a' && t[i] <= 'z' && !lower_work_at(t, len, i)) ||
                  (t[i] == 0xC3 && t[i + 1] >= 0x9F && t[i + 1] <= 0xBF) ||
                  (t[i] >= 'A' && t[i] <= 'Z' && boring(t, len, i)) ||
                  (t[i] >= '0' && t[i] <= '9' && !postcode_at(t, len, i));
        cr_assert(ok, "skipped a word that needs looking at, at %zu: \"%.12s\"", i, (const char *)t + i);
    }
}

/* Random text of the tokens and separators that decide the contract. */
static size_t random_text(unsigned char *t, size_t want, uint64_t *x)
{
    static const char *const tok[] = {"og", "møde", "nordjyske", "Region", "Vejle", "8000", "×", "–", "\xC2\xA0",
                                      "\xF0\x9F\x98\x80", "\xC3", "\xFF", "æble", "Ærø", "n", "no", "123", "x",
                                      "Regionsrådet", "Vejl", "VEJLE", "Re", "Reg", "Vejle-", "R\xC3\xB8" "d",
                                      /* the edges of the byte ranges: 0xF4/0xF5, Þ/ß, ÿ, 0xC3 before a
                                       * byte that continues nothing */
                                      "\xF4", "\xF5", "\xC3\x9E" "ing", "\xC3\x9F" "e", "\xC3\xBF", "\xC3\xC0",
                                      /* numbers of every length, some followed by a town */
                                      "2024", "12345", "9", "8000 Aarhus", "2100\tK", "1234 \xC3\x98", "7100  V",
                                      "3000 v", "4000 2", "12×Aarhus",
                                      /* a second listed pair, and its first byte alone */
                                      "s\xC3\xB8ndre", "s",
                                      /* lower words with a listed pair, in the lower quad set or not */
                                      "nogle", "nord", "nordjysk", "no.", "nor",
                                      /* the bytes next to the letters, digits and blanks */
                                      "Zone", "azur", "@Aa", "[Zz]", "`z{", "0/9:", "!\x1F\x08\x0B", "P\xC2\xB0", "\xE2\x80\x93" "a"};
    static const char *const sep[] = {" ", " ", "\n", ", ", ".", "", "-", "\t", "  "};
    size_t len = 0;
    while (len < want) {
        *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
        const char *a = tok[*x % (sizeof tok / sizeof *tok)], *b = sep[(*x >> 40) % (sizeof sep / sizeof *sep)];
        memcpy(t + len, a, strlen(a));
        len += strlen(a);
        memcpy(t + len, b, strlen(b));
        len += strlen(b);
    }
    return len;
}

/* With listed, the pairs fit wordskip's list; without, the same pairs
 * and more that the texts never have, too many to list.  With lower, a
 * lower quad set: "nord" of "nordjyske", not "no" or "nogle". */
static void sets_for_random_text(bool listed, bool lower)
{
    memset(pairs, 0, sizeof pairs);
    add_pair('n', 'o');
    add_pair('s', 0xC3);
    for (unsigned k = 1; !listed && k <= WORDSKIP_PAIR_LIST; k++)
        add_pair('q', (unsigned char)k);
    memset(lquads, 0, sizeof lquads);
    add_quad_to(lquads, "nordjyske");
    wordskip_pairs_init(&plist, pairs, lower ? lquads : NULL);
    cr_assert_eq(plist.listed, listed);
    memset(quads, 0, sizeof quads);
    add_quad("Region");
    add_quad("Vejle");
}

typedef bool (*boring_fn)(const unsigned char *, size_t, size_t);

/* The sets for a round of the random-text runs: every other round with the
 * quad set (the vector pass then decides ASCII capitals itself), every
 * other pair of rounds with pairs it tests one by one, every other four
 * with the lower quads.  Returns the boring predicate; *qset the quad set or
 * NULL. */
static boring_fn sets_for_round(int round, const unsigned char **qset)
{
    bool with_quads = round % 2;
    if (round % 2 == 0)
        sets_for_random_text(round % 4 == 0, round % 8 < 4);
    *qset = with_quads ? quads : NULL;
    return with_quads ? upper_boring_quads : upper_boring;
}

Test(wordskip, keeps_its_contract_on_random_text)
{
    unsigned char *t = malloc(4096);
    uint64_t x = 88172645463325252u;
    cr_assert_not_null(t);
    /* every way this machine can classify (the bytes only, SSE2, AVX2) */
    for (int isa = WORDSKIP_BYTES; isa <= (int)wordskip_best(); isa++) {
        for (int round = 0; round < 300; round++) {
            const unsigned char *qset;
            boring_fn boring = sets_for_round(round, &qset);
            size_t len = random_text(t, 2000, &x);
            struct wordskip_cursor c;
            wordskip_start(&c, &plist, qset, boring, t, len);
            wordskip_use(&c, (enum wordskip_isa)isa);
            /* ask at every position after a blank, in order, as the scan does */
            for (size_t p = 1; p < len; p++) {
                if (!blank(t[p - 1]))
                    continue;
                size_t stop;
                size_t q = wordskip_next(&c, p, &stop);
                check_contract(t, len, p, q, boring);
                cr_assert_geq(stop, q);
            }
        }
    }
    free(t);
}

#if WORDSKIP_HAVE_AVX2
/* AVX2 classifies a block as SSE2 does: the same answers at every
 * position, so the wider step is a speed-up and nothing else. */
Test(wordskip, avx2_answers_as_sse2)
{
    if (wordskip_best() < WORDSKIP_AVX2) {
        cr_log_warn("this CPU has no AVX2: nothing to compare");
        return;
    }
    unsigned char *t = malloc(4096);
    uint64_t x = 2463534242u;
    cr_assert_not_null(t);
    size_t moved = 0;
    for (int round = 0; round < 300; round++) {
        const unsigned char *qset;
        boring_fn boring = sets_for_round(round, &qset);
        size_t len = random_text(t, 2000, &x);
        struct wordskip_cursor a, b;
        wordskip_start(&a, &plist, qset, boring, t, len);
        wordskip_start(&b, &plist, qset, boring, t, len);
        wordskip_use(&b, WORDSKIP_SSE2);
        cr_assert_eq(a.isa, WORDSKIP_AVX2);
        for (size_t p = 1; p < len; p++) {
            if (!blank(t[p - 1]))
                continue;
            size_t sa, sb;
            size_t qa = wordskip_next(&a, p, &sa), qb = wordskip_next(&b, p, &sb);
            cr_assert_eq(qa, qb, "round %d, p = %zu: AVX2 skips to %zu, SSE2 to %zu", round, p, qa, qb);
            cr_assert_eq(sa, sb, "round %d, p = %zu: AVX2 stops at %zu, SSE2 at %zu", round, p, sa, sb);
            moved += qa > p;
        }
    }
    /* the texts give the vector passes something to skip */
    cr_assert_gt(moved, 1000);
    free(t);
}
#endif

#if defined(__SSE2__)
/* Lower-case prose with a few place-name-like words: the pass must run
 * through the prose and stop just before each of them. */
Test(wordskip, skips_prose_and_stops_before_work)
{
    static const char prose[] = "det blev besluttet at sagen skal behandles igen på et senere møde og at ";
    unsigned char t[4096];
    size_t len = 0, n = strlen(prose);
    memset(pairs, 0, sizeof pairs);
    add_pair('n', 'o');
    wordskip_pairs_init(&plist, pairs, NULL);
    while (len + n < 3000) {
        memcpy(t + len, prose, n);
        len += n;
    }
    size_t region = len;
    memcpy(t + len, "Region nord ", 12);
    len += 12;
    while (len + n < sizeof t) {
        memcpy(t + len, prose, n);
        len += n;
    }

    struct wordskip_cursor c;
    wordskip_start(&c, &plist, NULL, upper_boring, t, len);
    size_t stop;
    cr_assert_eq(wordskip_next(&c, 4, &stop), region, "prose before \"Region\" is skipped");
    cr_assert_eq(stop, region);
    /* "nord" starts with a pair */
    cr_assert_eq(wordskip_next(&c, region + 7, &stop), region + 7);
    cr_assert_eq(stop, region + 7);
    size_t q = wordskip_next(&c, region + 12, &stop);
    /* the last block the pass reads ends at least one byte before len */
    cr_assert_gt(q + 130, len, "the prose after is skipped up to the last block (q = %zu of %zu)", q, len);
    cr_assert_eq(stop, len);
}
#endif

Test(wordskip, ascii_quad_is_its_definition)
{
    /* every 4-byte string over the bytes that matter: letters of both
     * cases at the edges of their ranges, digits, blanks, punctuation
     * next to the letters, and a high byte */
    static const unsigned char b[] = {'A', 'M', 'Z', 'a', 'm', 'z', '@', '[', '`', '{', '0', ' ', '-', 0x7F, 0xC3};
    size_t nb = sizeof b;
    for (size_t i = 0; i < nb * nb * nb * nb; i++) {
        unsigned char t[4] = {b[i % nb], b[i / nb % nb], b[i / nb / nb % nb], b[i / nb / nb / nb]};
        uint32_t want = 0, got = 0;
        bool w = quad_ref(t, 4, 0, &want), g = wordskip_ascii_quad(t, &got);
        cr_assert_eq(g, w, "%02x %02x %02x %02x", t[0], t[1], t[2], t[3]);
        if (w)
            cr_assert_eq(got, want, "%02x %02x %02x %02x: %08x, not %08x", t[0], t[1], t[2], t[3], got, want);
    }
}

/* A set of up to WORDSKIP_PAIR_LIST pairs is listed, in order; one more
 * and the vector pass must test the set instead. */
Test(wordskip, pairs_are_listed_up_to_the_limit)
{
    memset(pairs, 0, sizeof pairs);
    for (unsigned k = 0; k < WORDSKIP_PAIR_LIST; k++)
        add_pair((unsigned char)('a' + k), (unsigned char)(0xFF - k));
    wordskip_pairs_init(&plist, pairs, NULL);
    cr_assert(plist.listed);
    cr_assert_eq(plist.n, WORDSKIP_PAIR_LIST);
    for (unsigned k = 0; k < WORDSKIP_PAIR_LIST; k++) {
        cr_assert_eq(plist.first[k], 'a' + k);
        cr_assert_eq(plist.second[k], 0xFF - k);
    }
    add_pair(0, 0);
    wordskip_pairs_init(&plist, pairs, NULL);
    cr_assert_not(plist.listed);
    cr_assert_eq(plist.set, pairs);
}
