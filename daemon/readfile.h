/*
 * readfile: read a whole file with a size cap.
 *
 * Refuses what is not a regular file (a FIFO would block, a directory has
 * no bytes) and reads at most max+1 bytes so that an oversized file is
 * recognised without reading all of it.
 */
#ifndef MINUTESD_READFILE_H
#define MINUTESD_READFILE_H

#include <stddef.h>

/* 0 on success (*data new, free()); -errno or -EFBIG on failure. */
int readfile_all(const char *path, size_t max, unsigned char **data, size_t *len);

/* The same from an open descriptor (read from where it is; not closed). */
int readfile_fd(int fd, size_t max, unsigned char **data, size_t *len);

#endif
