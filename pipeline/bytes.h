/*
 * bytes: the byte tests the scanners make many bytes at a time.
 *
 * Eight bytes in a 64-bit word (any target), each answer in bit 7 of its
 * lane, computed on the low seven bits so no lane borrows from the next;
 * and, where the compiler targets SSE2 (every x86-64), sixteen bytes in a
 * vector, each answer 0xFF or 0x00 per lane; and thirty-two in functions
 * compiled for AVX2, which the caller runs only where the CPU has it.  One
 * copy of each trick, so that decode, lines, text, outcome, model and
 * wordskip agree on them.
 */
#ifndef MINUTESD_BYTES_H
#define MINUTESD_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* AVX2 is compiled in for one function at a time where the compiler can
 * target it that way and the CPU be asked at run time (GCC and Clang on
 * x86-64): bytes_avx2() says whether to use it. */
#if defined(__SSE2__) && defined(__x86_64__) && defined(__GNUC__)
#define BYTES_HAVE_AVX2 1
#include <immintrin.h>
#else
#define BYTES_HAVE_AVX2 0
#endif

#define BYTES_ONES UINT64_C(0x0101010101010101)
#define BYTES_HIGHS UINT64_C(0x8080808080808080)

/* Eight bytes of s as one number, s[0] in the low byte, on any machine. */
static inline uint64_t bytes_load8(const void *s)
{
    const unsigned char *u = s;
    return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 |
           (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 | (uint64_t)u[7] << 56;
}

/* Bit 7 of each lane of x holding byte c, exactly. */
static inline uint64_t bytes_eq8(uint64_t x, unsigned char c)
{
    uint64_t y = x ^ (BYTES_ONES * c);
    return ~(((y & ~BYTES_HIGHS) + BYTES_ONES * 0x7F) | y) & BYTES_HIGHS;
}

/* Bit 7 of each lane of x holding a byte below 0x20. */
static inline uint64_t bytes_ctl8(uint64_t x)
{
    return ~((x & ~BYTES_HIGHS) + BYTES_ONES * (0x80 - 0x20)) & ~x & BYTES_HIGHS;
}

/* x (eight ASCII bytes) with 'A'..'Z' lowered: two biased adds whose bit 7
 * differs only for bytes in that range give the 0x20 to add. */
static inline uint64_t bytes_lower8(uint64_t x)
{
    uint64_t ge_a = x + BYTES_ONES * (0x80 - 'A'), gt_z = x + BYTES_ONES * (0x80 - 'Z' - 1);
    return x | (((ge_a ^ gt_z) & BYTES_HIGHS) >> 2);
}

/* x with the ASCII capitals among its eight bytes lowered and every other
 * byte kept, bytes >= 0x80 too (bytes_lower8 is for ASCII only): each
 * byte's top bit says whether its low seven bits are in A..Z. */
static inline uint64_t bytes_fold8(uint64_t x)
{
    uint64_t y = x & ~BYTES_HIGHS;
    uint64_t up = (y + BYTES_ONES * (0x80 - 'A')) & ~(y + BYTES_ONES * (0x80 - 'Z' - 1)) & ~x & BYTES_HIGHS;
    return x | (up >> 2);
}

static inline uint64_t bytes_hash_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * UINT64_C(0xBF58476D1CE4E5B9);
    return h ^ (h >> 31);
}

/* A hash of s[0..n) for the parsers' small tables, eight bytes a step (the
 * last eight overlapping the step before when n is no multiple of eight;
 * n is mixed in), with ASCII case folded when fold is set: a multiply per
 * eight bytes instead of one per byte, whose chain was the cost of hashing
 * a word. */
static inline uint64_t bytes_hash(const void *p, size_t n, bool fold)
{
    const unsigned char *s = p;
    uint64_t h = UINT64_C(0x9E3779B97F4A7C15) ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = bytes_load8(s + i);
        h = bytes_hash_mix(h, fold ? bytes_fold8(w) : w);
    }
    if (i < n) {
        uint64_t w = 0;
        if (n >= 8) {
            w = bytes_load8(s + n - 8);
        } else {
            for (size_t k = 0; k < n; k++)
                w |= (uint64_t)s[k] << (8 * k);
        }
        h = bytes_hash_mix(h, fold ? bytes_fold8(w) : w);
    }
    return h;
}

#if defined(__SSE2__)
/* Lanes of v equal to c. */
static inline __m128i bytes_eq16(__m128i v, unsigned char c)
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8((char)c));
}

/* Lanes of v in [lo, hi] (unsigned): v - lo <= hi - lo. */
static inline __m128i bytes_in16(__m128i v, unsigned char lo, unsigned char hi)
{
    __m128i x = _mm_sub_epi8(v, _mm_set1_epi8((char)lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8((char)(unsigned char)(hi - lo))), x);
}

/* The sum of the sixteen lanes of counts (each 0..255). */
static inline size_t bytes_sum16(__m128i counts)
{
    __m128i sum = _mm_sad_epu8(counts, _mm_setzero_si128());
    return (size_t)_mm_cvtsi128_si32(sum) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sum, 8));
}
#endif

#if BYTES_HAVE_AVX2
/* Does this CPU run AVX2? */
static inline int bytes_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}

/* A module's switch for its AVX2 pass, for tests that compare it with the
 * narrower one: -1 until asked, then 0 or 1.  Relaxed atomics: every
 * thread that asks gets the same answer, and the result of the pass never
 * depends on it. */
#define BYTES_AVX2_SWITCH_INIT (-1)
static inline bool bytes_avx2_switch_on(int *sw)
{
    int v = __atomic_load_n(sw, __ATOMIC_RELAXED);
    if (v < 0) {
        v = bytes_avx2() ? 1 : 0;
        __atomic_store_n(sw, v, __ATOMIC_RELAXED);
    }
    return v;
}
/* Sets the switch (on only where the CPU allows); returns the setting
 * before. */
static inline bool bytes_avx2_switch_set(int *sw, bool on)
{
    bool was = bytes_avx2_switch_on(sw);
    __atomic_store_n(sw, on && bytes_avx2() ? 1 : 0, __ATOMIC_RELAXED);
    return was;
}

/* Lanes of v in [lo, hi] (unsigned), as bytes_in16. */
__attribute__((target("avx2"))) static inline __m256i bytes_in32(__m256i v, unsigned char lo, unsigned char hi)
{
    __m256i x = _mm256_sub_epi8(v, _mm256_set1_epi8((char)lo));
    return _mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8((char)(unsigned char)(hi - lo))), x);
}
#endif

#endif
