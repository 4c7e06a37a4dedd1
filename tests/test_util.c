/*
 * Tests for the document arena: what a caller relies on still holds when
 * an arena is built from the chunks of an earlier document (util.c keeps
 * them per thread), and threads never see each other's chunks.
 */
#include "util.h"
#include "bytes.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Fills an arena the way a document does: many small and a few large
 * allocations, every byte written. */
static void dirty(size_t bytes)
{
    struct arena *a = arena_create();
    for (size_t done = 0; done < bytes;) {
        size_t n = done % 7 == 0 ? 40000 : 300;
        unsigned char *p = arena_alloc(a, n);
        memset(p, 0xA5, n);
        done += n;
    }
    arena_destroy(a);
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

Test(arena, alloc_is_zeroed_in_reused_chunks)
{
    dirty((size_t)3 << 20);
    struct arena *a = arena_create();
    for (size_t k = 0; k < 2000; k++) {
        size_t n = 1 + (k * 37) % 5000;
        unsigned char *p = arena_alloc(a, n);
        cr_assert(((uintptr_t)p & 15) == 0, "allocation %zu is not 16-aligned", k);
        cr_assert(all_zero(p, n), "allocation %zu of %zu bytes holds an earlier document's bytes", k, n);
        memset(p, 0x5A, n);
    }
    arena_destroy(a);
}

Test(arena, grow_keeps_the_old_part_and_zeroes_the_rest)
{
    dirty((size_t)1 << 20);
    struct arena *a = arena_create();
    int *v = arena_grow(a, NULL, 0, 4, sizeof *v);
    for (int i = 0; i < 4; i++)
        v[i] = i + 1;
    v = arena_grow(a, v, 4, 50000, sizeof *v);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(v[i], i + 1);
    cr_assert(all_zero((const unsigned char *)(v + 4), (50000 - 4) * sizeof *v));
    arena_destroy(a);
}

Test(arena, strings_survive_other_arenas_ending)
{
    struct arena *keep = arena_create();
    char *s[200];
    for (int i = 0; i < 200; i++) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "entry %d", i);
        s[i] = arena_strdup(keep, tmp);
        dirty(100000); /* arenas made and ended between the copies */
    }
    for (int i = 0; i < 200; i++) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "entry %d", i);
        cr_assert_str_eq(s[i], tmp);
    }
    arena_destroy(keep);
}

/* Each thread writes its own byte into every allocation and checks it is
 * still there when the arena ends: a chunk shared between threads would
 * be overwritten by the other one. */
static void *worker(void *arg)
{
    unsigned char tag = (unsigned char)(uintptr_t)arg;
    for (int round = 0; round < 1000; round++) {
        struct arena *a = arena_create();
        unsigned char *p[8];
        size_t n[8];
        for (int k = 0; k < 8; k++) {
            n[k] = 4000 + (size_t)k * 9000;
            p[k] = arena_alloc(a, n[k]);
            if (p[k][0] || p[k][n[k] / 2] || p[k][n[k] - 1])
                return (void *)1;
            memset(p[k], tag, n[k]);
        }
        for (int k = 0; k < 8; k++)
            for (size_t i = 0; i < n[k]; i += 61)
                if (p[k][i] != tag)
                    return (void *)1;
        arena_destroy(a);
    }
    return NULL;
}

Test(arena, threads_keep_their_own_chunks)
{
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)(i + 1)), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_assert_null(r, "thread %d saw bytes it did not write", i);
    }
}

/* bytes_hash sees every byte of a string of any length - the eight-byte
 * steps and the overlapping last word - and, folding, ignores the case of
 * ASCII letters only (not of Latin-1 letters, not of other bytes). */
Test(bytes, hash_covers_every_byte_and_folds_ascii_case)
{
    char s[48], t[48];
    for (size_t n = 1; n <= sizeof s; n++) {
        for (size_t i = 0; i < n; i++)
            s[i] = (char)('a' + (i * 7 + n) % 26);
        for (size_t i = 0; i < n; i++) {
            memcpy(t, s, n);
            t[i] = (char)(t[i] == 'x' ? 'y' : 'x');
            cr_assert_neq(bytes_hash(s, n, false), bytes_hash(t, n, false), "%zu bytes, byte %zu", n, i);
            cr_assert_neq(bytes_hash(s, n, true), bytes_hash(t, n, true), "%zu bytes, byte %zu, folded", n, i);
            t[i] = (char)(s[i] - 32); /* the same letter, upper case */
            cr_assert_eq(bytes_hash(s, n, true), bytes_hash(t, n, true), "%zu bytes, capital at %zu", n, i);
            cr_assert_neq(bytes_hash(s, n, false), bytes_hash(t, n, false), "%zu bytes, capital at %zu", n, i);
        }
        cr_assert_neq(bytes_hash(s, n, false), bytes_hash(s, n - 1, false), "%zu bytes and one fewer", n);
    }
    /* "@" and "`", "[" and "{", Latin-1 "Ø" and "ø" differ in bit 5 too, but are no ASCII capitals */
    cr_assert_neq(bytes_hash("x@y", 3, true), bytes_hash("x`y", 3, true));
    cr_assert_neq(bytes_hash("x[y", 3, true), bytes_hash("x{y", 3, true));
    cr_assert_neq(bytes_hash("\xC3\x98lst", 5, true), bytes_hash("\xC3\xB8lst", 5, true));
    cr_assert_neq(bytes_hash("abcdefgh\xC3\x98", 10, true), bytes_hash("abcdefgh\xC3\xB8", 10, true));
}
