/*
 * bench_scaling: does the pipeline stay linear on hostile shapes?
 *
 * For each shape, builds an input of size N and of 2N and 4N, runs the
 * whole pipeline (with JSON) and prints the time per MB at each size.
 * Linear time means the per-MB figure stays flat as the input grows.
 */
#include "model.h"
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void single_line(struct buf *b, size_t n)
{
    static const char w[] = "Beslutning Punkt 1: Indstillingen blev godkendt 1,5 mio. kr. Region Nordjylland ";
    while (b->len < n)
        buf_append(b, w, sizeof w - 1);
}

static void many_items(struct buf *b, size_t n)
{
    buf_puts(b, "REFERAT Sundhedsklynge Test d. 01-03-2024\n\n");
    for (int i = 1; b->len < n; i++)
        buf_printf(b, "Punkt %d: Punkt nummer %d\n\nIndstilling\n\n1. Godkender.\n\nBeslutning\n\nGodkendt, 2 mio. kr.\n\n"
                      "Fraværende Jens Hansen, A\n\n", i, i);
}

static void numbered_lists(struct buf *b, size_t n)
{
    buf_puts(b, "Referat d. 01-03-2024\n1. Start\nDet indstilles,\n");
    for (int i = 1; b->len < n; i++)
        buf_printf(b, "%d. listepunkt %d\n", i % 50 + 1, i);
}

static void people(struct buf *b, size_t n)
{
    buf_puts(b, "Referat d. 01-03-2024\n\nDeltagere:\n");
    for (int i = 0; b->len < n; i++)
        buf_printf(b, "Anne%c%c Hansen, direktør, Herning Kommune\nAfbud:\n", 'a' + i % 26, 'a' + i / 26 % 26);
}

static void og_lists(struct buf *b, size_t n)
{
    buf_puts(b, "Referat d. 01-03-2024\n\nMødedeltagere: Anna Hansen, V\n");
    while (b->len < n) {
        buf_puts(b, "Anna Hansen. Xx");
        for (int k = 0; k < 200; k++)
            buf_puts(b, " og");
        buf_puts(b, "\n");
    }
}

static void toc_digits(struct buf *b, size_t n)
{
    buf_puts(b, "Referat d. 01-03-2024\n\n");
    for (int t = 0; t < 3; t++) {
        buf_printf(b, "Punkt %d: Tema - ", t + 1);
        for (int k = 0; k < 300; k++)
            buf_putc(b, '1');
        buf_puts(b, " min ........ 3\n");
    }
    while (b->len < n)
        buf_puts(b, "1. Abc\n");
}

static void wrapped(struct buf *b, size_t n)
{
    for (int i = 0; b->len < n; i++) {
        buf_puts(b, "Det er en lang linje med tekst, som er brudt af et program der laver PDF om til tekst\n");
        if (i % 40 == 39)
            buf_printf(b, "\nSide %d af 9\n\f", i / 40 + 1);
    }
}

int main(void)
{
    static const struct {
        const char *name;
        void (*make)(struct buf *, size_t);
    } shapes[] = {
        {"one 8-32 MB line", single_line}, {"numbered items", many_items}, {"lists of 1..50", numbered_lists},
        {"people lists", people},          {"hard-wrapped", wrapped},
        {"' og ' in a list", og_lists},    {"TOC digit runs", toc_digits},
    };
    printf("%-18s %12s %12s %12s   (ms per MB at N, 2N, 4N; flat = linear)\n", "shape", "N", "2N", "4N");
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        printf("%-18s", shapes[s].name);
        size_t base = s == 0 ? (size_t)8 << 20 : (size_t)2 << 20;
        for (int k = 0; k < (s == 1 ? 4 : 3); k++) {
            struct buf b;
            buf_init(&b, 0);
            shapes[s].make(&b, base << k);
            double t0 = now();
            struct md_doc *doc = pipeline_run((const unsigned char *)b.data, b.len, "x", NULL, NULL, NULL);
            struct buf out;
            buf_init(&out, 0);
            model_json(doc, &out, false);
            double dt = now() - t0;
            printf(" %12.1f", dt * 1e3 / ((double)b.len / 1e6));
            buf_free(&out);
            model_destroy(doc);
            buf_free(&b);
        }
        printf("\n");
    }
    return 0;
}
