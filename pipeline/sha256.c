/*
 * sha256: FIPS 180-4.  Every document is hashed (its identity), so on CPUs
 * with the SHA extensions (Intel since Goldmont/Ice Lake, AMD since Zen)
 * the rounds run on the SHA-NI instructions, several times faster than the
 * portable code that remains the fallback and the reference in the tests.
 */
#include "sha256.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <pthread.h>
#include <immintrin.h>
#define HAVE_SHANI_CODE 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void blocks_portable(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
    for (; nblocks--; p += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
    }
}

#ifdef HAVE_SHANI_CODE
/* Four rounds on the SHA-NI unit: msg holds W[i..i+3] + K[i..i+3]. */
#define ROUNDS4(msg)                                                                   \
    do {                                                                               \
        state1 = _mm_sha256rnds2_epu32(state1, state0, (msg));                         \
        state0 = _mm_sha256rnds2_epu32(state0, state1, _mm_shuffle_epi32((msg), 0x0E)); \
    } while (0)

__attribute__((target("sha,sse4.1"))) static void blocks_shani(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    /* state0 = ABEF, state1 = CDGH, the order the instructions expect */
    __m128i tmp = _mm_loadu_si128((const __m128i *)&h[0]);    /* DCBA */
    __m128i state1 = _mm_loadu_si128((const __m128i *)&h[4]); /* HGFE */
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                        /* CDAB */
    state1 = _mm_shuffle_epi32(state1, 0x1B);                  /* EFGH */
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);          /* ABEF */
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);               /* CDGH */

    for (; nblocks--; p += 64) {
        __m128i abef = state0, cdgh = state1;
        __m128i m[4];
        for (int i = 0; i < 4; i++)
            m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
        for (int r = 0; r < 16; r++) {
            __m128i *cur = &m[r & 3];
            if (r >= 4) {
                /* W[t] for the next four rounds from the previous sixteen */
                __m128i b = m[(r + 2) & 3], c = m[(r + 3) & 3];
                __m128i t = _mm_sha256msg1_epu32(*cur, m[(r + 1) & 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(c, b, 4));
                *cur = _mm_sha256msg2_epu32(t, c);
            }
            __m128i msg = _mm_add_epi32(*cur, _mm_loadu_si128((const __m128i *)&K[4 * r]));
            ROUNDS4(msg);
        }
        state0 = _mm_add_epi32(state0, abef);
        state1 = _mm_add_epi32(state1, cdgh);
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);    /* FEBA */
    state1 = _mm_shuffle_epi32(state1, 0xB1); /* DCHG */
    state0 = _mm_blend_epi16(tmp, state1, 0xF0); /* DCBA */
    state1 = _mm_alignr_epi8(state1, tmp, 8);    /* HGFE */
    _mm_storeu_si128((__m128i *)&h[0], state0);
    _mm_storeu_si128((__m128i *)&h[4], state1);
}

static bool shani;
static struct once shani_once = ONCE_INIT;

static void detect_shani(void)
{
    unsigned a, b, c, d;
    bool sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
    bool sse41 = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9));
    shani = sha && sse41;
}

static bool have_shani(void)
{
    once_run(&shani_once, detect_shani);
    return shani;
}
#endif

static void blocks(uint32_t h[8], const unsigned char *p, size_t nblocks, bool portable)
{
#ifdef HAVE_SHANI_CODE
    if (!portable && have_shani()) {
        blocks_shani(h, p, nblocks);
        return;
    }
#endif
    (void)portable;
    blocks_portable(h, p, nblocks);
}

static void sha256_impl(const void *data, size_t n, char out[65], bool portable)
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    size_t full = n / 64;
    if (full)
        blocks(h, p, full, portable);
    unsigned char tail[128] = {0};
    size_t rest = n - full * 64;
    if (rest)
        memcpy(tail, p + full * 64, rest);
    tail[rest] = 0x80;
    size_t tl = rest + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++)
        tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
    blocks(h, tail, tl / 64, portable);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) {
            unsigned char byte = (unsigned char)(h[i] >> (24 - 8 * j));
            out[8 * i + 2 * j] = hex[byte >> 4];
            out[8 * i + 2 * j + 1] = hex[byte & 15];
        }
    out[64] = '\0';
}

void sha256_hex(const void *data, size_t n, char out[65])
{
    sha256_impl(data, n, out, false);
}

void sha256_hex_portable(const void *data, size_t n, char out[65])
{
    sha256_impl(data, n, out, true);
}
