/*
 * wordskip: find, sixteen bytes at a time, where a word scan has work to do.
 *
 * The gazetteer looks up words that can begin a place name: capitalised
 * words, numbers shaped like postcodes, and the few lower-case words whose first two
 * bytes begin a lower-case entry ("nordjyske").  Everything else - nearly
 * all of a document - is skipped, and a byte-at-a-time loop spends most of
 * its time mispredicting where each word and each gap ends.  wordskip
 * classifies 64 bytes per step with AVX2 or SSE2, whichever the CPU has,
 * and returns the next place where the byte loop must look again; on other
 * targets it returns at once and the byte loop does all the work, with the
 * same result.
 *
 * The contract, which the gazetteer's byte loop relies on: started at p,
 * where t[p-1] is ASCII punctuation or a blank (or p == 0), wordskip
 * returns q >= p such that q == p or t[q-1] is ASCII punctuation or a blank,
 * and every word starting in [p, q) is "boring": it starts with an ASCII
 * lower-case letter whose two-byte start is not in the pair set, or whose
 * first four bytes are ASCII and give a quad not in the lower quad set
 * (when there is one), or with a
 * lower-case Latin-1 letter (0xC3 0x9F..0xBF), or with an ASCII capital the
 * caller's predicate calls boring, or with a digit but not with a possible
 * postcode (four digits, a space or tab, then an ASCII capital, a byte
 * >= 0x80, a space or a tab); and no byte in [p, q) is 0xC2, 0xE2 or
 * 0xF5..0xFF.  Words are runs of word bytes as the gazetteer
 * defines them: ASCII letters and digits, and 0x80..0xF4 but for 0xC2 and
 * 0xE2.
 */
#ifndef MINUTESD_WORDSKIP_H
#define MINUTESD_WORDSKIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* The key a capitalised word is looked up by: its first four bytes (four
 * must be readable at t) folded to lower case and cut at the first byte
 * that is not an ASCII letter, zero-padded, little-endian.  False when a
 * byte >= 0x80 is among them: the caller folds those itself.  In a
 * register: each byte's top bit says whether it is >= 'a', then > 'z',
 * after folding, and nothing carries between bytes. */
static inline bool wordskip_ascii_quad(const unsigned char *t, uint32_t *q)
{
    uint32_t w = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
    if (w & 0x80808080u)
        return false;
    uint32_t x = w | 0x20202020u;
    uint32_t stop = ~((x + 0x1F1F1F1Fu) & ~(x + 0x05050505u)) & 0x80808080u;
    /* no branch on the word's length, which varies word to word: a fifth
     * stop bit makes a four-letter start keep all four bytes */
    unsigned n = (unsigned)__builtin_ctzll((uint64_t)stop | UINT64_C(1) << 39) / 8;
    *q = x & (uint32_t)((UINT64_C(1) << (8 * n)) - 1);
    return true;
}

/* Bit k of a set of bits, as the pair and quad sets are kept: 0 or 1. */
static inline unsigned wordskip_bit(const unsigned char *set, unsigned k)
{
    return (set[k >> 3] >> (k & 7)) & 1u;
}

/* The bit of a quad in a set of 65536 bits. */
static inline unsigned wordskip_quad_hash(uint32_t q)
{
    return (q * 2654435761u) >> 16;
}

/* How a cursor classifies its blocks: not at all (the byte loop does all
 * the work), sixteen or thirty-two bytes at a time.  Every one keeps the
 * contract; the faster ones skip more per step. */
enum wordskip_isa { WORDSKIP_BYTES, WORDSKIP_SSE2, WORDSKIP_AVX2 };

/* Where AVX2 can be compiled in (bytes.h). */
#define WORDSKIP_HAVE_AVX2 BYTES_HAVE_AVX2

/* The fastest this machine runs. */
enum wordskip_isa wordskip_best(void);

/* The lower-case word starts that are not boring, as a bit set over the
 * first two bytes, bit (t[i] << 8 | t[i+1]) of 65536, and - when there are
 * at most WORDSKIP_PAIR_LIST of them, as there are for place names - as a
 * list, which the AVX2 pass turns into nibble tables and looks every byte
 * pair of a block up in, instead of testing each lower-case start in the
 * set one by one (a branch per start that mispredicts). */
#define WORDSKIP_PAIR_LIST 8
struct wordskip_pairs {
    const unsigned char *set;
    /* may be NULL: the lower-case starts' quads, as wordskip_quad_hash
     * bits of their wordskip_ascii_quad; a start in the pair set whose
     * quad is not in it is boring all the same ("mio.", "borgere" - not
     * "midtjyske", "bornholmske") */
    const unsigned char *quads;
    bool listed;                 /* the list holds every pair of the set */
    unsigned n;
    unsigned char first[WORDSKIP_PAIR_LIST], second[WORDSKIP_PAIR_LIST];
    /* by nibble, for a table lookup: bit j of nib[0][x] says first[j] has
     * low nibble x, nib[1] the high nibble; nib[2], nib[3] for second[j].
     * A byte pair is listed when the four lookups share a bit. */
    unsigned char nib[4][16];
};

/* Lists set (which, like quads, must outlive p) if it is short enough.
 * Reads all of it: once per set, not per scan. */
void wordskip_pairs_init(struct wordskip_pairs *p, const unsigned char *set, const unsigned char *quads);

/* A scan's position in the text: the masks of one 64-byte block are kept,
 * so the calls a scan makes inside one block cost a few bit operations. */
struct wordskip_cursor {
    enum wordskip_isa isa;
    const struct wordskip_pairs *pairs;
    const unsigned char *quads;
    bool (*upper_boring)(const unsigned char *t, size_t len, size_t i);
    const unsigned char *t;
    size_t len;
    size_t block;        /* offset of the block the masks describe, or SIZE_MAX */
    unsigned long long work, blank;
};

/* pairs: as above; it must outlive the cursor.  upper_boring(t, len, i):
 * may the byte loop skip the word that starts with the ASCII capital t[i],
 * after a blank, as it would skip a lower-case word?  quads (may be NULL):
 * the same answer for the words whose first four bytes are ASCII, as a set
 * of wordskip_quad_hash bits of their wordskip_ascii_quad - boring when the
 * bit is clear - which the vector pass tests without a call; upper_boring
 * must agree with it. */
void wordskip_start(struct wordskip_cursor *c, const struct wordskip_pairs *pairs, const unsigned char *quads,
                    bool (*upper_boring)(const unsigned char *t, size_t len, size_t i), const unsigned char *t,
                    size_t len);

/* Classify no faster than isa (tests run each way on one machine). */
void wordskip_use(struct wordskip_cursor *c, enum wordskip_isa isa);

/* Returns q as above.  *stop is set to the first position after p found to
 * need the byte loop (the text's length when none was found): calling
 * again before the byte loop has passed it would return the same q. */
size_t wordskip_next(struct wordskip_cursor *c, size_t p, size_t *stop);

#endif
