/*
 * file_uri: a path as a file:// URI, for a document's source.uri.
 */
#include "commands.h"

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

