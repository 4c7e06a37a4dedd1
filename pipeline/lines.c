/*
 * lines: see lines.h.
 */
#include "lines.h"
#include "bytes.h"
#include "dates.h"
#include "text.h"

#include <stdint.h>
#include <string.h>


static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "Side 3 af 12", "Side 3", "Page 3 of 12", "- 3 -", "3/12" */
static bool is_furniture(const char *s, size_t n)
{
    size_t i = 0;
    int v;
    if (text_prefix_ci(s, n, "side ") || text_prefix_ci(s, n, "page ")) {
        i = 5;
        size_t d = text_parse_uint(s + i, n - i, &v);
        if (!d)
            return false;
        i += d;
        if (i == n)
            return true;
        if (text_prefix_ci(s + i, n - i, " af ") || text_prefix_ci(s + i, n - i, " of ")) {
            i += 4;
            d = text_parse_uint(s + i, n - i, &v);
            return d && i + d == n;
        }
        return false;
    }
    if (n >= 5 && s[0] == '-' && s[1] == ' ' && s[n - 1] == '-' && s[n - 2] == ' ') {
        for (i = 2; i < n - 2; i++)
            if (!is_digit(s[i]))
                return false;
        return true;
    }
    return false;
}

/* "at | dagsorden godkendes. |" -> "at dagsorden godkendes." */
static bool has_cells(const char *s, size_t n)
{
    if (!memchr(s, '|', n))
        return false;
    if (n >= 2 && (s[0] == '|' || s[n - 1] == '|'))
        return true;
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == ' ' && s[i + 1] == '|' && s[i + 2] == ' ')
            return true;
    return false;
}

static void flatten_cells(struct arena *a, struct line *l)
{
    char *out = arena_alloc(a, l->len + 1);
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < l->len; i++) {
        char c = l->s[i] == '|' ? ' ' : l->s[i];
        if (c == ' ' || c == '\t') {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = c;
    }
    l->s = out;
    l->len = o;
}


static size_t first_word_chars(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] != ' ' && s[i] != '\t')
        i++;
    return text_chars(s, i);
}

/*
 * Hard-wrap detection.  A converter that wraps at W characters leaves no
 * line longer than W and many lines just short of it; a document with one
 * paragraph per line has lines far longer than any page.  W is the longest
 * line length (up to 140) that at least a few lines come close to.
 */
enum { WRAP_MIN = 40, WRAP_MAX = 140, WRAP_NEAR = 10 }; /* widths tried; "close to" */

static size_t wrap_width(const struct line *v, size_t n)
{
    size_t hist[WRAP_MAX + 1] = {0}, total = 0, longer = 0;
    for (size_t i = 0; i < n; i++)
        total += v[i].len > 0;
    if (total < 8)
        return 0;
    /* The long lines first: in a document with one paragraph per line a
     * few of them settle it, and no other line needs counting. */
    for (size_t i = 0; i < n; i++) {
        if (v[i].len <= WRAP_MAX)
            continue;
        /* more characters than that, of up to 4 bytes each, or counted */
        size_t c = v[i].len > 4 * WRAP_MAX ? WRAP_MAX + 1 : text_chars(v[i].s, v[i].len);
        if (c <= WRAP_MAX) {
            hist[c]++;
        } else if (++longer * 50 > total) {
            return 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        /* fewer bytes than the lowest bin the search reads are fewer
         * characters too: not worth counting */
        if (v[i].len >= WRAP_MIN - WRAP_NEAR && v[i].len <= WRAP_MAX)
            hist[text_chars(v[i].s, v[i].len)]++;
    }
    size_t need = total / 20 > 3 ? total / 20 : 3;
    for (size_t w = WRAP_MAX; w >= WRAP_MIN; w--) {
        if (!hist[w])
            continue;
        size_t near = 0;
        for (size_t c = w - WRAP_NEAR; c <= w; c++)
            near += hist[c];
        if (near >= need)
            return w;
    }
    return 0;
}

/* A line that cannot be complete: an open parenthesis, or a trailing
 * comma, dash or conjunction sign. */
static bool unfinished(const struct line *l)
{
    int depth = 0;
    for (size_t i = 0; i < l->len; i++)
        depth += l->s[i] == '(' ? 1 : l->s[i] == ')' ? -1 : 0;
    char c = l->len ? l->s[l->len - 1] : '.';
    return depth > 0 || c == ',' || c == '-' || c == '&' || c == '(';
}

static bool ends_sentence(const struct line *l)
{
    char c = l->len ? l->s[l->len - 1] : '.';
    return c == '.' || c == ':' || c == '!' || c == '?' || c == ';';
}

/* A hash of a line's length and its first and last eight bytes: enough to
 * count repeats (a collision only adds to a count, and a repeat must still
 * carry a date or equal the title) without reading every byte. */
static uint32_t line_hash(const char *s, size_t n)
{
    uint64_t a = 0, b = 0;
    memcpy(&a, s, n < 8 ? n : 8);
    memcpy(&b, s + (n > 8 ? n - 8 : 0), n < 8 ? n : 8);
    uint64_t h = (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL) ^ (n * 0x165667B19E3779F9ULL);
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/*
 * Furniture that only the whole document reveals: a running header (a line
 * repeated on at least three pages that carries a date, or repeats the
 * title) and bare page numbers (lines that are only a number, counting up
 * through the document).  Marks them in furn[], keeping the title's own
 * first occurrence; what the parser calls structure (headings) is kept.
 */
static void find_repeated_furniture(struct arena *a, const struct line *raw, size_t n, unsigned char *furn,
                                    lines_structural_fn structural)
{
    size_t first = 0;
    while (first < n && !raw[first].len)
        first++;
    /* page numbers: bare numbers that count pages (each the last page + 1,
     * or + 2 where a page had none), at least two of them; a stray number
     * elsewhere (a wrapped TOC entry's page) is not part of the count */
    int last = 0;
    size_t count = 0;
    unsigned char *page = arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) {
        const struct line *l = &raw[i];
        int v;
        if (!l->len || l->len > 4 || text_parse_uint(l->s, l->len, &v) != l->len)
            continue;
        if (v == last + 1 || (last > 0 && v == last + 2)) {
            page[i] = 1;
            count++;
            last = v;
        }
    }
    if (count >= 2)
        for (size_t i = 0; i < n; i++)
            furn[i] |= page[i];
    /* running headers: count lines of header length by hash (the table is
     * sized by how many such lines there are) */
    size_t cand = 0;
    for (size_t i = 0; i < n; i++)
        cand += raw[i].len >= 8 && raw[i].len <= 200;
    size_t cap = 16;
    while (cap < cand * 2)
        cap *= 2;
    /* slot cap, whose count stays 0, is every other line's: the second
     * pass then asks one question of each line, not three */
    uint32_t *keys = arena_alloc(a, cap * sizeof *keys);
    uint32_t *counts = arena_alloc(a, (cap + 1) * sizeof *counts);
    uint32_t *slot = arena_take(a, (n + 1) * sizeof *slot); /* each line's, for the second pass */
    for (size_t i = 0; i < n; i++) {
        slot[i] = (uint32_t)cap;
        if (raw[i].len < 8 || raw[i].len > 200)
            continue;
        uint32_t h = line_hash(raw[i].s, raw[i].len) | 1; /* 0 marks an empty slot */
        size_t k = (h >> 1) & (cap - 1); /* not bit 0, which is always set */
        while ((keys[k] != 0) & (keys[k] != h))
            k = (k + 1) & (cap - 1);
        keys[k] = h;
        counts[k]++;
        slot[i] = (uint32_t)k;
    }
    /* per slot, the last line decided there (index + 1) and the answer: the
     * section headings every item repeats are looked at once, not once
     * per item */
    uint32_t *decided = arena_alloc(a, cap * sizeof *decided);
    unsigned char *answer = arena_take(a, cap);
    for (size_t i = 0; i < n; i++) {
        if (counts[slot[i]] < 3 || i == first)
            continue;
        bool title = first < n && raw[first].len == raw[i].len && raw[i].len <= 120 &&
                     memcmp(raw[first].s, raw[i].s, raw[i].len) == 0;
        if (title) {
            furn[i] = 1;
            continue;
        }
        uint32_t k = slot[i];
        const struct line *d = decided[k] ? &raw[decided[k] - 1] : NULL;
        if (d && d->len == raw[i].len && memcmp(d->s, raw[i].s, raw[i].len) == 0) {
            furn[i] |= answer[k];
            continue;
        }
        char date[11];
        /* a heading that repeats with a date ("Beslutning i … den
         * 26-04-2024") is structure, not a running header */
        bool header = dates_find(raw[i].s, raw[i].len, date, NULL) &&
                      !(structural && structural("", 0, raw[i].s, raw[i].len) == LINES_NEVER);
        decided[k] = (uint32_t)i + 1;
        answer[k] = header;
        furn[i] |= header;
    }
}

/* ---- line breaks --------------------------------------------------------- */

/* Line breaks are found sixteen bytes at a time where SSE2 is there: a
 * memchr per line cost a call and a mispredicted branch for each of the
 * short lines minutes are made of. */

/* The breaks of one 64-byte block at a time, as a bit mask. */
struct nl_cursor {
    const char *t;
    size_t len;
    size_t block; /* offset of the block in mask, or SIZE_MAX */
    uint64_t mask;
};

/* The first '\n' at or after i (< len), or len. */
static size_t next_newline(struct nl_cursor *c, size_t i)
{
#if defined(__SSE2__)
    size_t b = i - i % 64;
    unsigned off = (unsigned)(i - b);
    for (; b + 64 <= c->len; b += 64, off = 0) {
        if (c->block != b) {
            uint64_t m = 0;
            for (unsigned k = 0; k < 64; k += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(c->t + b + k));
                m |= (uint64_t)(unsigned)_mm_movemask_epi8(bytes_eq16(v, '\n')) << k;
            }
            c->block = b;
            c->mask = m;
        }
        uint64_t m = c->mask & (~UINT64_C(0) << off);
        if (m)
            return b + (size_t)__builtin_ctzll(m);
    }
    if (b > i)
        i = b;
#endif
    const char *p = memchr(c->t + i, '\n', c->len - i);
    return p ? (size_t)(p - c->t) : c->len;
}

void lines_split(struct arena *a, const char *text, size_t len, lines_structural_fn structural,
                 struct lines *out)
{
    memset(out, 0, sizeof *out);
    out->text = text;
    out->text_len = len;
    bool copied = false; /* a line built rather than sliced from the text */
    /* pass 1: trimmed lines; a run of blank lines is kept as one, since
     * only "there is a break here" matters downstream.  At most LINES_MAX
     * are kept: past that, the rest is not read.  The array starts at a size that
     * holds the lines of ordinary prose (no pass to count them first) and
     * doubles when a text has shorter ones. */
    size_t rn = 0, cap = len / 32 + 64;
    if (cap > LINES_MAX)
        cap = LINES_MAX;
    struct line *raw = arena_take(a, (cap + 1) * sizeof *raw); /* [0, rn) is written */
    int no = 0;
    struct nl_cursor nc = {text, len, SIZE_MAX, 0};
    for (size_t i = 0; i <= len;) {
        size_t e = i < len ? next_newline(&nc, i) : len;
        const char *nl = e < len ? text + e : NULL;
        const char *s = text + i;
        size_t l = e - i;
        text_trim(&s, &l);
        if (rn == LINES_MAX) {
            out->truncated = true; /* a line more than the cap */
            break;
        }
        no++;
        if (l || rn == 0 || raw[rn - 1].len) {
            if (rn == cap) {
                size_t grown = cap * 2 < LINES_MAX ? cap * 2 : LINES_MAX;
                raw = arena_grow(a, raw, rn, grown + 1, sizeof *raw);
                cap = grown;
            }
            raw[rn].s = s;
            raw[rn].len = l;
            raw[rn].no = no;
            rn++;
        }
        if (!nl)
            break;
        i = e + 1;
    }
    if ((size_t)no > LINES_MAX)
        out->truncated = true; /* blank runs kept it under the cap, but not the text */
    /* pass 2: furniture */
    unsigned char *furn = arena_alloc(a, rn + 1);
    for (size_t i = 0; i < rn; i++)
        furn[i] = raw[i].len && is_furniture(raw[i].s, raw[i].len);
    find_repeated_furniture(a, raw, rn, furn, structural);
    /* pass 3: drop it; each page break becomes one marked blank line.  In
     * place: a marked blank is only added after a dropped footer, so the
     * write position never passes the read position. */
    struct line *v = raw;
    /* most documents have no table cells at all: one memchr for the text
     * instead of one per line */
    bool bars = memchr(text, '|', len) != NULL;
    unsigned char *brk = arena_alloc(a, rn + 1); /* 1: this blank line is a page break */
    size_t n = 0;
    bool in_break = false;
    for (size_t i = 0; i < rn; i++) {
        const struct line *r = &raw[i];
        if (furn[i]) {
            /* whatever blank lines the converter put around the footer */
            out->dropped_furniture++;
            while (n > 0 && v[n - 1].len == 0)
                n--;
            in_break = true;
            continue;
        }
        if (in_break && r->len == 0)
            continue; /* still inside the page break */
        if (in_break && n > 0) {
            v[n].s = "";
            v[n].len = 0;
            v[n].no = r->no;
            brk[n++] = 1;
        }
        in_break = false;
        v[n] = *r;
        brk[n] = 0;
        if (bars && r->len && has_cells(r->s, r->len)) {
            flatten_cells(a, &v[n]);
            copied = true;
        }
        n++;
    }
    size_t w = wrap_width(v, n);
    out->wrap_width = w;
    if (w) {
        /* A page break inside a paragraph (the line before it runs to the
         * margin and ends mid-sentence) joins the halves; one at a
         * paragraph's end stays a paragraph break. */
        size_t o = 0;
        for (size_t k = 0; k < n; k++) {
            /* ...and the paragraph had more lines than that one (a long
             * one-line list entry also ends near the margin), or the next
             * page starts in lower case, mid-sentence. */
            if (brk[k] && o > 0 && k + 1 < n && v[o - 1].len && !ends_sentence(&v[o - 1]) &&
                text_chars(v[o - 1].s, v[o - 1].len) + 15 >= w &&
                ((o > 1 && v[o - 2].len) || text_is_lower_at(v[k + 1].s, v[k + 1].len, 0) || unfinished(&v[o - 1])))
                continue;
            v[o++] = v[k];
        }
        n = o;
        /* Mark first, then build each joined run with one copy, so that a
         * long wrapped paragraph costs linear time. */
        unsigned char *join = arena_alloc(a, n + 1);
        for (size_t k = 1; k < n; k++) {
            const struct line *prev = &v[k - 1], *cur = &v[k];
            if (!prev->len || !cur->len)
                continue;
            size_t pc = text_chars(prev->s, prev->len);
            /* an unfinished line ("… (DokID: 11065832 -") continues even
             * when converters broke it early */
            bool open = unfinished(prev);
            /* the next word would not have fitted, and the line is not a
             * short one (the slack allows for long Danish compounds) */
            bool wrapped = (pc + 1 + first_word_chars(cur->s, cur->len) > w && pc + 25 >= w) ||
                           (open && pc + 25 >= w);
            if (!wrapped)
                continue;
            enum lines_join j = structural ? structural(prev->s, prev->len, cur->s, cur->len) : LINES_JOIN;
            /* inside an open parenthesis "- EMN-2022-04994)" is no bullet */
            if (j == LINES_NEVER && open && cur->len > 2 && cur->s[0] == '-' && cur->s[1] == ' ')
                j = LINES_JOIN;
            if (j == LINES_JOIN || (j == LINES_TIGHT && pc + 6 >= w))
                join[k] = 1;
        }
        o = 0;
        for (size_t k = 0; k < n;) {
            size_t e = k + 1, total = v[k].len;
            while (e < n && join[e])
                total += v[e].len + 1, e++;
            struct line run = v[k];
            if (e > k + 1) {
                char *j = arena_alloc(a, total + 1);
                size_t jl = 0;
                for (size_t r = k; r < e; r++) {
                    const struct line *cur = &v[r];
                    if (r > k) {
                        /* "sammen-" + "hængende" was one word; "Børne-" +
                         * "og" is a Danish compound and keeps its hyphen. */
                        bool hyphen = jl >= 2 && j[jl - 1] == '-' && text_is_lower_at(j, jl, jl - 2) &&
                                      text_is_lower_at(cur->s, cur->len, 0) &&
                                      !text_prefix_ci(cur->s, cur->len, "og ") &&
                                      !text_prefix_ci(cur->s, cur->len, "eller ");
                        if (hyphen)
                            jl--;
                        else
                            j[jl++] = ' ';
                        out->joined_wraps++;
                    }
                    memcpy(j + jl, cur->s, cur->len);
                    jl += cur->len;
                }
                run.s = j;
                run.len = jl;
            }
            v[o++] = run;
            k = e;
        }
        n = o;
    }
    out->v = v;
    out->n = n;
    out->slices = !copied && out->joined_wraps == 0;
    out->first = arena_alloc(a, n + 1);
    for (size_t k = 0; k < n; k++) {
        size_t j = 0;
        while (j < v[k].len && (v[k].s[j] == ' ' || v[k].s[j] == '\t'))
            j++;
        unsigned char c = j < v[k].len ? (unsigned char)v[k].s[j] : 0;
        out->first[k] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
    }
}
