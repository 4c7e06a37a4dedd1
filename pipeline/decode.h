/*
 * decode: raw document bytes -> normalised UTF-8 text.
 *
 * The first stage of the pipeline.  Publishers hand us UTF-8 (with or without
 * a BOM), UTF-16 with a BOM, and legacy Windows-1252 / ISO-8859-1 exports;
 * Word and PDF converters add CRLF or CR line ends, form feeds, non-breaking
 * and soft hyphens.  Everything after this stage sees one thing: valid UTF-8,
 * '\n' line ends, no NUL bytes, no BOM, so the parsers never care where the
 * text came from.
 *
 * Pure: no I/O.  iconv is used for the legacy encodings (never hand-written
 * tables); the UTF-8 path is a hand-written validator with an ASCII fast path
 * because it is the common case and must run at several hundred MB/s.
 */
#ifndef MINUTESD_DECODE_H
#define MINUTESD_DECODE_H

#include <stdbool.h>
#include <stddef.h>

enum decode_error {
    DECODE_OK = 0,
    DECODE_EEMPTY = -1,    /* no bytes, or only whitespace / BOM */
    DECODE_EBINARY = -2,   /* not text: NUL bytes or control characters */
    DECODE_ETOOBIG = -3,   /* more than max_bytes */
    DECODE_EENCODING = -4, /* could not be decoded in any supported encoding */
};

/* Warnings: the text was decoded, but something was repaired. */
enum decode_warning {
    DECODE_W_TRUNCATED = 1 << 0, /* UTF-16 with an odd byte count or a cut surrogate */
    DECODE_W_REPLACED = 1 << 1,  /* undecodable sequences replaced with U+FFFD */
    DECODE_W_NUL = 1 << 2,       /* stray NUL bytes dropped */
};

struct decode_result {
    char *text;           /* new (free()): NUL-terminated UTF-8, NULL on error */
    size_t len;           /* bytes in text, without the terminator */
    const char *encoding; /* static: "utf-8", "utf-8-bom", "utf-16le", "utf-16be",
                             "windows-1252", "iso-8859-1" */
    unsigned warnings;    /* enum decode_warning bits */
};

/*
 * Decodes in[0..n) into res.  Returns DECODE_OK or a negative enum
 * decode_error; on error res->text is NULL.  max_bytes of 0 means no limit.
 *
 * Normalisation applied to every encoding:
 *   CRLF and lone CR -> LF; form feed -> LF; NBSP (U+00A0), narrow NBSP
 *   (U+202F), figure space (U+2007) -> ' '; soft hyphen (U+00AD), zero-width
 *   space/joiners (U+200B..U+200D) and any BOM (U+FEFF) -> removed; other C0
 *   controls except TAB and LF -> ' '.
 */
int decode_text(const unsigned char *in, size_t n, size_t max_bytes, struct decode_result *res);

/* A one-line reason for an error code, for messages ("binary data, not text"). */
const char *decode_strerror(int err);

/* Is s[0..n) well-formed UTF-8 (no overlongs, surrogates or code points
 * past U+10FFFF)?  The same rules the decoder applies. */
bool decode_utf8_valid(const unsigned char *s, size_t n);

/* Where the CPU has AVX2, the clean runs of text (printable ASCII and
 * two-byte Latin-1 letters) are found thirty-two bytes at a time.  false
 * turns that off for the whole process, true turns it back on where the
 * CPU allows; returns the setting before.  For tests, which compare the
 * two ways: the result never depends on it. */
bool decode_use_avx2(bool on);

#endif
