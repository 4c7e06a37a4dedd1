/*
 * Tests for pipeline/decode.c.
 *
 * The seed round trips are the heart of it: every real document, re-encoded
 * the ways publishers actually hand them to us (1252, CRLF, CR, UTF-16 with
 * either BOM, UTF-8 with BOM), must decode to byte-identical text, because
 * the parsers downstream must never see where a document came from.  The
 * re-encoding uses iconv itself, not decode.c's code, so a shared bug would
 * have to be in glibc.
 */
#include <criterion/criterion.h>

#include "testutil.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define SEED_DIR TEST_DATA_DIR "/seeds"

static const char *const seeds[] = {
    "000_d2f626ad0e25e238.txt", "001_7b1df9de962b88b2.txt", "002_54d817ac84b58f52.txt",
    "003_bdb304747eb2561f.txt", "004_7178018e32c86f38.txt",
};

struct bytes {
    unsigned char *p;
    size_t n;
};

static struct bytes read_seed(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SEED_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    struct bytes b = {NULL, 0};
    size_t cap = 0;
    for (;;) {
        if (cap - b.n < 4096) {
            cap = cap ? cap * 2 : 65536;
            b.p = realloc(b.p, cap);
            cr_assert_not_null(b.p);
        }
        size_t got = fread(b.p + b.n, 1, cap - b.n, f);
        b.n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    cr_assert_gt(b.n, 0, "%s is empty", path);
    return b;
}

/* Re-encodes UTF-8 with iconv; prefix (a BOM) goes in front. */
static struct bytes convert(const struct bytes *src, const char *to, const char *prefix,
                            size_t prefix_len)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    cr_assert_neq((intptr_t)cd, (intptr_t)-1, "iconv_open(%s)", to);
    size_t cap = src->n * 4 + prefix_len + 16;
    struct bytes out = {malloc(cap), 0};
    cr_assert_not_null(out.p);
    memcpy(out.p, prefix, prefix_len);
    char *ip = (char *)src->p, *op = (char *)out.p + prefix_len;
    size_t il = src->n, ol = cap - prefix_len;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    cr_assert_neq(r, (size_t)-1, "iconv to %s failed: %s", to, strerror(errno));
    out.n = (size_t)((unsigned char *)op - out.p);
    iconv_close(cd);
    return out;
}

/* Replaces every LF with `eol`. */
static struct bytes with_eol(const struct bytes *src, const char *eol)
{
    size_t el = strlen(eol);
    struct bytes out = {malloc(src->n * el + 1), 0};
    cr_assert_not_null(out.p);
    for (size_t i = 0; i < src->n; i++) {
        if (src->p[i] == '\n') {
            memcpy(out.p + out.n, eol, el);
            out.n += el;
        } else {
            out.p[out.n++] = src->p[i];
        }
    }
    return out;
}

static struct decode_result must_decode(const void *in, size_t n)
{
    struct decode_result r;
    int rc = decode_text(in, n, 0, &r);
    cr_assert_eq(rc, DECODE_OK, "decode_text: %d (%s)", rc, decode_strerror(rc));
    cr_assert_not_null(r.text);
    cr_assert_eq(r.text[r.len], '\0');
    return r;
}

static int expect_error(const void *in, size_t n, size_t max)
{
    struct decode_result r;
    memset(&r, 0x55, sizeof r);
    int rc = decode_text(in, n, max, &r);
    if (rc != DECODE_OK)
        cr_assert_null(r.text);
    else
        free(r.text);
    return rc;
}

#define assert_text(r, lit)                                                                   \
    do {                                                                                      \
        cr_assert_eq((r).len, sizeof(lit) - 1, "len %zu, want %zu: \"%s\"", (r).len,          \
                     sizeof(lit) - 1, (r).text);                                              \
        cr_assert(memcmp((r).text, (lit), sizeof(lit) - 1) == 0, "got \"%s\"", (r).text);     \
    } while (0)

/* Strict UTF-8 check, independent of decode.c's validator. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = s[i];
        uint32_t cp;
        size_t k;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            cp = b & 0x1F, k = 1;
        } else if ((b & 0xF0) == 0xE0) {
            cp = b & 0x0F, k = 2;
        } else if ((b & 0xF8) == 0xF0) {
            cp = b & 0x07, k = 3;
        } else {
            return 0;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

static void check_same(const struct decode_result *ref, const struct bytes *variant,
                       const char *seed, const char *what, const char *want_enc)
{
    struct decode_result r = must_decode(variant->p, variant->n);
    cr_assert_eq(r.len, ref->len, "%s/%s: len %zu, want %zu", seed, what, r.len, ref->len);
    cr_assert(memcmp(r.text, ref->text, r.len) == 0, "%s/%s: text differs", seed, what);
    cr_assert_str_eq(r.encoding, want_enc, "%s/%s", seed, what);
    cr_assert_eq(r.warnings, 0u, "%s/%s: warnings %#x", seed, what, r.warnings);
    free(r.text);
}

Test(decode_seeds, every_encoding_gives_identical_text)
{
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        const char *name = seeds[s];
        struct bytes orig = read_seed(name);
        struct decode_result ref = must_decode(orig.p, orig.n);
        cr_assert_str_eq(ref.encoding, "utf-8", "%s", name);
        /* The seeds are already clean, so decoding must not change them. */
        cr_assert_eq(ref.len, orig.n, "%s", name);
        cr_assert(memcmp(ref.text, orig.p, orig.n) == 0, "%s", name);

        struct bytes v;
        v = convert(&orig, "WINDOWS-1252", "", 0);
        cr_assert_lt(v.n, orig.n, "%s: seed has no non-ASCII text", name);
        check_same(&ref, &v, name, "windows-1252", "windows-1252");
        free(v.p);

        v = with_eol(&orig, "\r\n");
        check_same(&ref, &v, name, "crlf", "utf-8");
        free(v.p);

        v = with_eol(&orig, "\r");
        check_same(&ref, &v, name, "cr", "utf-8");
        free(v.p);

        v = convert(&orig, "UTF-16LE", "\xFF\xFE", 2);
        check_same(&ref, &v, name, "utf-16le", "utf-16le");
        free(v.p);

        v = convert(&orig, "UTF-16BE", "\xFE\xFF", 2);
        check_same(&ref, &v, name, "utf-16be", "utf-16be");
        free(v.p);

        v = convert(&orig, "UTF-16LE", "", 0);
        check_same(&ref, &v, name, "utf-16le-nobom", "utf-16le");
        free(v.p);

        v = convert(&orig, "UTF-16BE", "", 0);
        check_same(&ref, &v, name, "utf-16be-nobom", "utf-16be");
        free(v.p);

        v = convert(&orig, "UTF-8", "\xEF\xBB\xBF", 3);
        check_same(&ref, &v, name, "utf-8-bom", "utf-8-bom");
        free(v.p);

        /* Legacy and line-end damage together, as old Word exports do. */
        struct bytes crlf = with_eol(&orig, "\r\n");
        v = convert(&crlf, "WINDOWS-1252", "", 0);
        check_same(&ref, &v, name, "windows-1252+crlf", "windows-1252");
        free(v.p);
        free(crlf.p);

        free(ref.text);
        free(orig.p);
    }
}

Test(decode_norm, spaces_hyphens_and_breaks)
{
    static const char in[] = "a\xC2\xA0"
                             "b\xC2\xAD"
                             "c\fd\xE2\x80\x8B"
                             "e\xE2\x80\xAF"
                             "f\xEF\xBB\xBF"
                             "g\x01h\r\ni\rj\xE2\x80\x87k\xE2\x80\x8C\xE2\x80\x8Dl\tm\x0Bn";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "a bc\nde fg h\ni\nj kl\tm n");
    cr_assert_str_eq(r.encoding, "utf-8");
    cr_assert_eq(r.warnings, 0u);
    free(r.text);
}

Test(decode_norm, cr_runs_and_crlf_mix)
{
    static const char in[] = "a\r\r\nb\n\rc\r\n\r\nd\r";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "a\n\nb\n\nc\n\nd\n");
    free(r.text);
}

Test(decode_norm, specials_across_fast_path_chunks)
{
    /* Put each special at every offset of an 8-byte chunk. */
    for (size_t off = 0; off < 24; off++) {
        char in[64], want[64];
        memset(in, 'x', sizeof in);
        memcpy(in + off, "\xC2\xA0\r\n\xE2\x80\x8B", 7);
        memset(want, 'x', sizeof want);
        want[off] = ' ';
        want[off + 1] = '\n';
        struct decode_result r = must_decode(in, 40);
        cr_assert_eq(r.len, 40 - 5, "off %zu", off);
        cr_assert(memcmp(r.text, want, r.len) == 0, "off %zu: %s", off, r.text);
        free(r.text);
    }
}

/* Danish letters (0xC3 and a continuation byte) are copied eight bytes at
 * a time when both bytes are in the chunk: at every offset they must come
 * out unchanged, and a stray continuation byte right after one must still
 * be seen (the text is then not UTF-8). */
Test(decode_norm, latin1_letters_at_every_chunk_offset)
{
    static const char letters[] = "\xC3\x86" "ble s\xC3\xB8" "er \xC3\xA5 \xC3\xA9\xC3\xA6\xC3\x98\xC3\x85";
    for (size_t off = 0; off < 24; off++) {
        char in[64];
        size_t ln = sizeof letters - 1;
        memset(in, 'x', sizeof in);
        memcpy(in + off, letters, ln);
        struct decode_result r = must_decode(in, 56);
        cr_assert_str_eq(r.encoding, "utf-8", "off %zu", off);
        cr_assert_eq(r.len, 56, "off %zu", off);
        cr_assert(memcmp(r.text, in, 56) == 0, "off %zu: %s", off, r.text);
        free(r.text);

        memcpy(in + off, "\xC3\xA5\x85", 3);
        r = must_decode(in, 56);
        cr_assert_str_eq(r.encoding, "windows-1252", "off %zu: a stray continuation byte after a letter", off);
        free(r.text);
    }
}

Test(decode_norm, nbsp_and_soft_hyphen_in_1252)
{
    static const char in[] = "a\xA0"
                             "b\xAD"
                             "c\xE6\r\n\x80";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "a bc\xC3\xA6\n\xE2\x82\xAC");
    cr_assert_str_eq(r.encoding, "windows-1252");
    free(r.text);
}

Test(decode_legacy, latin1_ae)
{
    static const char in[] = "K\xE6re borger, m\xF8" "de i \xC5rhus";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "K\xC3\xA6re borger, m\xC3\xB8" "de i \xC3\x85rhus");
    cr_assert_str_eq(r.encoding, "windows-1252");
    free(r.text);
}

Test(decode_legacy, overlong_goes_to_1252)
{
    static const char in[] = "a\xC0\xAF" "b";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "a\xC3\x80\xC2\xAF" "b");
    cr_assert_str_eq(r.encoding, "windows-1252");
    free(r.text);
}

Test(decode_legacy, surrogate_and_beyond_unicode_go_to_1252)
{
    /* ED A0 80 would be U+D800: in 1252 it is i-acute, NBSP (-> ' '), euro. */
    struct decode_result r = must_decode("\xED\xA0\x80", 3);
    assert_text(r, "\xC3\xAD \xE2\x82\xAC");
    cr_assert_str_eq(r.encoding, "windows-1252");
    free(r.text);

    r = must_decode("\xF4\xA0\x80\x80xyz", 7); /* past U+10FFFF */
    assert_text(r, "\xC3\xB4 \xE2\x82\xAC\xE2\x82\xACxyz");
    cr_assert_str_eq(r.encoding, "windows-1252");
    free(r.text);

    r = must_decode("abc\xE6", 4); /* cut sequence at the very end */
    assert_text(r, "abc\xC3\xA6");
    free(r.text);
}

Test(decode_legacy, valid_multibyte_utf8_stays)
{
    static const char in[] = "\xC3\xA6\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "\xC3\xA6\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
    cr_assert_str_eq(r.encoding, "utf-8");
    free(r.text);
}

Test(decode_legacy, undefined_1252_byte_falls_back_to_latin1)
{
    static const char in[] = "caf\xE9 \x81 \x9D";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "caf\xC3\xA9 \xC2\x81 \xC2\x9D");
    cr_assert_str_eq(r.encoding, "iso-8859-1");
    free(r.text);
}

Test(decode_legacy, bad_utf8_after_bom_is_replaced)
{
    static const char in[] = "\xEF\xBB\xBF" "a\xFF" "b\xE2\x82" "c";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
    cr_assert_str_eq(r.encoding, "utf-8-bom");
    cr_assert_eq(r.warnings, (unsigned)DECODE_W_REPLACED);
    free(r.text);
}

Test(decode_empty, nothing)
{
    cr_assert_eq(expect_error("", 0, 0), DECODE_EEMPTY);
    cr_assert_eq(expect_error(NULL, 0, 0), DECODE_EEMPTY);
}

Test(decode_empty, bom_or_whitespace_only)
{
    cr_assert_eq(expect_error("\xEF\xBB\xBF", 3, 0), DECODE_EEMPTY);
    cr_assert_eq(expect_error("\xFF\xFE", 2, 0), DECODE_EEMPTY);
    cr_assert_eq(expect_error("\xFE\xFF", 2, 0), DECODE_EEMPTY);
    cr_assert_eq(expect_error("\xEF\xBB\xBF \r\n\t\f\xC2\xA0\xC2\xAD", 12, 0), DECODE_EEMPTY);
    cr_assert_eq(expect_error("\xFF\xFE \0\r\0\n\0", 8, 0), DECODE_EEMPTY);
    cr_assert_eq(expect_error("   \n\n", 5, 0), DECODE_EEMPTY);
}

Test(decode_binary, random_bytes_with_nuls)
{
    unsigned char buf[16384];
    test_random_bytes(buf, sizeof buf, 12345);
    buf[100] = 0;
    buf[2000] = 0;
    cr_assert_eq(expect_error(buf, sizeof buf, 0), DECODE_EBINARY);
}

Test(decode_binary, png_header_and_nul_heavy)
{
    static const unsigned char png[] = "\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06";
    cr_assert_eq(expect_error(png, sizeof png - 1, 0), DECODE_EBINARY);

    unsigned char buf[8192];
    memset(buf, 'a', sizeof buf);
    for (size_t i = 0; i < sizeof buf; i += 50) /* 2% NUL, no other controls */
        buf[i] = 0;
    cr_assert_eq(expect_error(buf, sizeof buf, 0), DECODE_EBINARY);
}

Test(decode_binary, many_controls)
{
    unsigned char buf[4000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (i % 5 == 0) ? 0x1B : 'a'; /* 20% ESC */
    cr_assert_eq(expect_error(buf, sizeof buf, 0), DECODE_EBINARY);
}

Test(decode_binary, nul_heavy_tail_after_clean_prefix)
{
    size_t n = 200 * 1024;
    unsigned char *buf = malloc(n);
    cr_assert_not_null(buf);
    memset(buf, 'a', n);
    for (size_t i = 100 * 1024; i < n; i += 10)
        buf[i] = 0;
    cr_assert_eq(expect_error(buf, n, 0), DECODE_EBINARY);
    free(buf);
}

Test(decode_nul, stray_nuls_dropped)
{
    char buf[2000];
    memset(buf, 'x', sizeof buf);
    buf[10] = '\0';
    buf[1000] = '\0';
    buf[1999] = '\0';
    struct decode_result r = must_decode(buf, sizeof buf);
    cr_assert_eq(r.len, sizeof buf - 3);
    cr_assert_null(memchr(r.text, '\0', r.len));
    cr_assert_eq(r.warnings, (unsigned)DECODE_W_NUL);
    free(r.text);
}

Test(decode_utf16, odd_length_truncated)
{
    static const char in[] = "\xFF\xFEh\0i\0x";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "hi");
    cr_assert_str_eq(r.encoding, "utf-16le");
    cr_assert_eq(r.warnings, (unsigned)DECODE_W_TRUNCATED);
    free(r.text);
}

Test(decode_utf16, cut_surrogate_pair_truncated)
{
    static const char le[] = "\xFF\xFEh\0\x3D\xD8";
    struct decode_result r = must_decode(le, sizeof le - 1);
    assert_text(r, "h");
    cr_assert_eq(r.warnings, (unsigned)DECODE_W_TRUNCATED);
    free(r.text);

    static const char be[] = "\xFE\xFF\0h\xD8\x3D\xDE";
    r = must_decode(be, sizeof be - 1);
    assert_text(r, "h");
    cr_assert_str_eq(r.encoding, "utf-16be");
    cr_assert(r.warnings & DECODE_W_TRUNCATED);
    free(r.text);
}

Test(decode_utf16, pairs_and_lone_surrogates)
{
    static const char ok[] = "\xFF\xFE\x3D\xD8\x00\xDE\xE6\0";
    struct decode_result r = must_decode(ok, sizeof ok - 1);
    assert_text(r, "\xF0\x9F\x98\x80\xC3\xA6");
    cr_assert_eq(r.warnings, 0u);
    free(r.text);

    static const char lone[] = "\xFF\xFE\x00\xDC" "a\0\x3D\xD8" "b\0";
    r = must_decode(lone, sizeof lone - 1);
    assert_text(r, "\xEF\xBF\xBD" "a\xEF\xBF\xBD" "b");
    cr_assert_eq(r.warnings, (unsigned)DECODE_W_REPLACED);
    free(r.text);
}

Test(decode_utf16, normalised_like_utf8)
{
    static const char in[] = "\xFF\xFE" "a\0\r\0\n\0\xA0\0" "b\0\xAD\0\f\0\xFF\xFE" "c\0";
    struct decode_result r = must_decode(in, sizeof in - 1);
    assert_text(r, "a\n b\nc");
    free(r.text);
}

Test(decode_limits, too_big)
{
    cr_assert_eq(expect_error("0123456789", 10, 5), DECODE_ETOOBIG);
    cr_assert_eq(expect_error("0123456789", 10, 9), DECODE_ETOOBIG);
    struct decode_result r;
    cr_assert_eq(decode_text((const unsigned char *)"0123456789", 10, 10, &r), DECODE_OK);
    free(r.text);
    /* The limit is checked before anything else, even emptiness. */
    cr_assert_eq(expect_error("\0\0\0\0", 4, 2), DECODE_ETOOBIG);
}

Test(decode_limits, fifty_megabyte_line)
{
    size_t n = 50u * 1024 * 1024;
    unsigned char *buf = malloc(n);
    cr_assert_not_null(buf);
    memset(buf, 'a', n);
    struct decode_result r = must_decode(buf, n);
    cr_assert_eq(r.len, n);
    cr_assert(memcmp(r.text, buf, n) == 0);
    cr_assert_str_eq(r.encoding, "utf-8");
    free(r.text);

    /* The same line with one legacy byte at the end takes the iconv path. */
    buf[n - 1] = 0xE6;
    r = must_decode(buf, n);
    cr_assert_eq(r.len, n + 1);
    cr_assert_str_eq(r.encoding, "windows-1252");
    free(r.text);
    free(buf);
}

Test(decode_robust, random_inputs_never_break_the_contract)
{
    uint32_t x = 0xC0FFEE;
    static const unsigned char alphabet[] = {'a', ' ', '\n', '\r', '\t', 0x00, 0x01, 0x0C,
                                             0x80, 0x81, 0xA0, 0xAD, 0xC2, 0xC3, 0xE2,
                                             0xED, 0xEF, 0xBB, 0xBF, 0xF0, 0xF4, 0xFE, 0xFF,
                                             0x9F, 0x8B, 0x90};
    unsigned char buf[300];
    for (int iter = 0; iter < 20000; iter++) {
        x = x * 1664525u + 1013904223u;
        size_t n = (x >> 8) % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            buf[i] = (x >> 24) < 128 ? (unsigned char)('a' + (x >> 24) % 26)
                                     : alphabet[(x >> 16) % sizeof alphabet];
        }
        struct decode_result r;
        int rc = decode_text(buf, n, 0, &r);
        if (rc != DECODE_OK) {
            cr_assert(rc == DECODE_EEMPTY || rc == DECODE_EBINARY, "iter %d: rc %d", iter, rc);
            cr_assert_null(r.text);
            continue;
        }
        cr_assert(valid_utf8((unsigned char *)r.text, r.len), "iter %d", iter);
        cr_assert_eq(r.text[r.len], '\0');
        cr_assert_null(memchr(r.text, '\0', r.len), "iter %d", iter);
        cr_assert_null(memchr(r.text, '\r', r.len), "iter %d", iter);
        cr_assert_null(memchr(r.text, '\f', r.len), "iter %d", iter);
        cr_assert_null(strstr(r.text, "\xC2\xA0"), "iter %d", iter);
        cr_assert_null(strstr(r.text, "\xC2\xAD"), "iter %d", iter);
        cr_assert_null(strstr(r.text, "\xEF\xBB\xBF"), "iter %d", iter);
        cr_assert_not_null(r.encoding);
        free(r.text);
    }
}

/* The AVX2 pass decodes as the SSE2 one: the same text, encoding and
 * warnings for inputs that are mostly clean runs of ASCII and Danish
 * letters, with the bytes that need care (letters cut by a chunk edge,
 * dashes, no-break spaces, CR, controls, stray continuation bytes) at every
 * offset. */
Test(decode_robust, avx2_decodes_as_sse2)
{
    static const char *const tok[] = {"a", "b", " ", "\n", "\xC3\xA6", "\xC3\xB8", "\xC3\x85", "\xE2\x80\x93",
                                      "\xC2\xA0", "\xC2\xAD", "\r\n", "\r", "\t", "\f", "\x01",
                                      "\xEF\xBB\xBF", "\xF0\x9F\x98\x80", "x", "\x80", "\xC3", "\xC3\xC3",
                                      "\xFF"};
    bool was = decode_use_avx2(true);
    unsigned char buf[700];
    uint32_t x = 0xA5A5F00D;
    size_t compared = 0;
    for (int iter = 0; iter < 6000; iter++) {
        x = x * 1664525u + 1013904223u;
        size_t want = (x >> 8) % 600, n = 0;
        while (n < want) {
            x = x * 1664525u + 1013904223u;
            /* mostly plain letters and Danish letters, now and then a token
             * that needs care */
            unsigned r = x >> 24;
            /* the last four tokens are not UTF-8: rare, or nearly every
             * input would be decoded as Windows-1252 */
            const char *t = r < 150 ? "e" : r < 200 ? tok[4 + r % 3] : r < 215 ? " " : r < 255 ? tok[(x >> 16) % 16]
                                                                                            : tok[(x >> 16) % 20];
            size_t tl = strlen(t);
            memcpy(buf + n, t, tl);
            n += tl;
        }
        struct decode_result a, b;
        decode_use_avx2(true);
        int ra = decode_text(buf, n, 0, &a);
        decode_use_avx2(false);
        int rb = decode_text(buf, n, 0, &b);
        cr_assert_eq(ra, rb, "iter %d: rc %d with AVX2, %d without", iter, ra, rb);
        if (ra == DECODE_OK) {
            cr_assert_eq(a.len, b.len, "iter %d", iter);
            cr_assert(memcmp(a.text, b.text, a.len) == 0, "iter %d: texts differ", iter);
            cr_assert_str_eq(a.encoding, b.encoding);
            cr_assert_eq(a.warnings, b.warnings);
            compared += strcmp(a.encoding, "utf-8") == 0;
        }
        free(a.text);
        free(b.text);
    }
    decode_use_avx2(was);
    cr_assert_gt(compared, 1000, "too few inputs took the UTF-8 path (%zu)", compared);
}

Test(decode_strerror, distinct_messages)
{
    int codes[] = {DECODE_EEMPTY, DECODE_EBINARY, DECODE_ETOOBIG, DECODE_EENCODING};
    for (size_t i = 0; i < 4; i++) {
        const char *m = decode_strerror(codes[i]);
        cr_assert_not_null(m);
        cr_assert(m[0] >= 'a' && m[0] <= 'z', "%s", m);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(m, decode_strerror(codes[j]));
    }
    cr_assert_str_eq(decode_strerror(DECODE_EBINARY), "binary data, not text");
    cr_assert_not_null(decode_strerror(12345));
}

/* One NUL and one other control near the start mark a binary file even
 * though both are too few to count: the sniff must see them at every
 * offset of its chunks. */
Test(decode_binary, nul_and_control_in_the_head_at_every_offset)
{
    for (size_t off = 0; off < 32; off++) {
        unsigned char buf[300];
        memset(buf, 'a', sizeof buf);
        buf[40 + off] = 0x00;
        buf[150 + off] = 0x01;
        cr_assert_eq(expect_error(buf, sizeof buf, 0), DECODE_EBINARY, "off %zu", off);
    }
}

/* BOM-less UTF-16 is recognised by where its zero bytes are, in texts of
 * every length from two characters to past the sixteen-byte steps, and
 * with zeros in the last few bytes (the ones a step does not cover) only:
 * the count must be the same however the prefix is stepped. */
Test(decode_utf16, no_bom_at_every_length)
{
    static const char base[] = "Dagsorden for m\xC3\xB8" "det i sundhedsklyngen den 3. maj 2024 kl. 14";
    for (size_t k = 2; k < sizeof base - 1; k++) {
        if (((unsigned char)base[k - 1] & 0xC0) == 0xC0)
            continue; /* do not cut the two bytes of a letter */
        struct bytes src = {(unsigned char *)malloc(k), k};
        cr_assert_not_null(src.p);
        memcpy(src.p, base, k);
        const char *enc[] = {"UTF-16LE", "UTF-16BE"}, *want[] = {"utf-16le", "utf-16be"};
        for (int e = 0; e < 2; e++) {
            struct bytes v = convert(&src, enc[e], "", 0);
            struct decode_result r = must_decode(v.p, v.n);
            cr_assert_str_eq(r.encoding, want[e], "%zu bytes of %s: %s", k, enc[e], r.encoding);
            cr_assert_eq(r.len, k, "%zu bytes of %s: %zu decoded", k, enc[e], r.len);
            cr_assert(memcmp(r.text, base, k) == 0, "%zu bytes of %s", k, enc[e]);
            free(r.text);
            free(v.p);
        }
        free(src.p);
    }
}
