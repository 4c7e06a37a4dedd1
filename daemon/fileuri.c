/*
 * fileuri: how a file is named in the model - source.uri as a file:// URI,
 * source.name as valid UTF-8 (file names are bytes; the database and the
 * JSON take only UTF-8).
 */
#include "commands.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

char *file_uri(const char *path)
{
    char *abs = realpath(path, NULL);
    const char *p = abs ? abs : path;
    size_t n = strlen(p);
    char *uri = malloc(n * 3 + 8);
    if (!uri) {
        free(abs);
        return NULL;
    }
    strcpy(uri, "file://");
    char *o = uri + 7;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *)p; *s; s++) {
        /* RFC 3986 unreserved and '/' pass; the rest is percent-encoded */
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("/-._~", *s)) {
            *o++ = (char)*s;
        } else {
            *o++ = '%';
            *o++ = hex[*s >> 4];
            *o++ = hex[*s & 15];
        }
    }
    *o = '\0';
    free(abs);
    return uri;
}


/* A file name as UTF-8: PostgreSQL refuses a whole statement over one
 * invalid byte, so a Latin-1 name must not cost the document its load.
 * Invalid bytes become '?'.  Strict, as PostgreSQL is: no overlong forms,
 * no surrogates (ED A0..BF), nothing above U+10FFFF (F4 90.. and up). */
char *utf8_copy(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *o = strndup(s, n);
    if (!o)
        abort();
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)o[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 && c >= 0xC2 ? 2 : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 && c <= 0xF4 ? 4 : 0;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)o[i + k] & 0xC0) == 0x80;
        if (ok && len > 1) {
            unsigned char d = (unsigned char)o[i + 1];
            ok = !(c == 0xE0 && d < 0xA0) && !(c == 0xED && d >= 0xA0) && !(c == 0xF0 && d < 0x90) &&
                 !(c == 0xF4 && d >= 0x90);
        }
        if (!ok) {
            o[i++] = '?';
            continue;
        }
        i += len;
    }
    return o;
}
