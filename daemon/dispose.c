/*
 * dispose: see dispose.h.
 */
#include "dispose.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_error(struct dispose *d, const char *what, const char *path, int err)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "could not %s %s: %s", what, path, strerror(err));
    free(d->error);
    d->error = xstrndup(msg, strlen(msg));
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

static int ensure_dir(const char *dir)
{
    if (mkdir(dir, 0775) == 0 || errno == EEXIST)
        return 0;
    return -errno;
}

/* dir/name, or dir/stem.N.ext when that is taken. */
static char *free_name(const char *dir, const char *name, const char *suffix)
{
    const char *dot = strrchr(name, '.');
    size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    struct buf b;
    buf_init(&b, 0);
    for (int n = 1; n < 100000; n++) {
        struct stat st;
        buf_reset(&b);
        if (n == 1)
            buf_printf(&b, "%s/%s%s", dir, name, suffix);
        else
            buf_printf(&b, "%s/%.*s.%d%s%s", dir, (int)stem, name, n, name + stem, suffix);
        if (lstat(b.data, &st) < 0 && errno == ENOENT)
            break;
    }
    return buf_steal(&b, NULL);
}

/* Writes content to path through a temporary file, fsynced, so a crash
 * leaves the whole file or none. */
static int write_file(const char *path, const char *content)
{
    char tmp[4200];
    int fd, rc = 0;
    size_t n = strlen(content), o = 0;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    while (o < n) {
        ssize_t w = write(fd, content + o, n - o);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = -errno;
            break;
        }
        o += (size_t)w;
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

/* rename, or copy and unlink when dest is on another filesystem. */
static int move_file(const char *src, const char *dest)
{
    if (rename(src, dest) == 0)
        return 0;
    if (errno != EXDEV)
        return -errno;
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = 0;
    char buf[65536];
    if (in < 0)
        return -errno;
    out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        rc = -errno;
        goto out;
    }
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : 0;
            break;
        }
        for (ssize_t o = 0; o < r;) {
            ssize_t w = write(out, buf + o, (size_t)(r - o));
            if (w < 0) {
                rc = -errno;
                goto out;
            }
            o += w;
        }
    }
    if (rc == 0 && fsync(out) < 0)
        rc = -errno;
    if (rc == 0 && unlink(src) < 0)
        rc = -errno;
out:
    if (out >= 0)
        close(out);
    close(in);
    if (rc < 0 && out >= 0)
        unlink(dest);
    return rc;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrndup(".", 1);
    if (slash == path)
        return xstrndup("/", 1);
    return xstrndup(path, (size_t)(slash - path));
}

void dispose_run(struct dispose *d)
{
    const char *dir = d->is_failed ? d->failed : d->processed;
    char *inbox_dir = dir_of(d->path);
    char *dest = NULL, *errfile = NULL;
    int rc;

    if (d->is_failed || d->after == CONFIG_AFTER_MOVE) {
        if ((rc = ensure_dir(dir)) < 0) {
            set_error(d, "create directory", dir, -rc);
            goto out;
        }
        dest = free_name(dir, d->name, "");
    }
    if (d->is_failed) {
        /* the reason first: a crash then leaves the document in the inbox
         * (to be taken again), never in failed/ without its reason */
        struct buf b;
        buf_init(&b, 0);
        buf_printf(&b, "%s.error.json", dest);
        errfile = buf_steal(&b, NULL);
        if ((rc = write_file(errfile, d->error_json ? d->error_json : "{}")) < 0) {
            set_error(d, "write", errfile, -rc);
            goto out;
        }
    }
    if (dest) {
        if ((rc = move_file(d->path, dest)) < 0) {
            set_error(d, "move", d->path, -rc);
            goto out;
        }
        fsync_dir(dir);
        fsync_dir(inbox_dir);
        d->dest = dest;
        dest = NULL;
    } else if (d->after == CONFIG_AFTER_DELETE) {
        if (unlink(d->path) < 0 && errno != ENOENT) {
            set_error(d, "delete", d->path, errno);
            goto out;
        }
        fsync_dir(inbox_dir);
    }
out:
    free(dest);
    free(errfile);
    free(inbox_dir);
}

void dispose_clear(struct dispose *d)
{
    free(d->dest);
    d->dest = NULL;
    free(d->error);
    d->error = NULL;
}
