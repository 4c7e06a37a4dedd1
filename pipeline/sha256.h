/*
 * sha256: the document identity (FIPS 180-4).  In the pipeline so that
 * the model carries its own hash; a few dozen lines, no crypto library.
 */
#ifndef MINUTESD_SHA256_H
#define MINUTESD_SHA256_H

#include <stddef.h>

/* Writes the lower-case hex digest (64 chars + NUL) of data[0..n). */
void sha256_hex(const void *data, size_t n, char out[65]);
/* The same without the SHA-NI path (to test one against the other). */
void sha256_hex_portable(const void *data, size_t n, char out[65]);

#endif
