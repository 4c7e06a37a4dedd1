/*
 * dispose: see dispose.h.
 */
#define _GNU_SOURCE   /* renameat2, RENAME_NOREPLACE */
#include "dispose.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Names tried in a destination before giving up ("a.txt", "a.2.txt" …). */
#define DISPOSE_MAX_TRIES 100000

static atomic_uint tmp_counter;

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

/* mkdir -p: the state directory's failed/ may be the first thing in it. */
static int ensure_dir(const char *dir)
{
    if (mkdir(dir, 0775) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -errno;
    char *parent = xstrndup(dir, strlen(dir));
    char *slash = strrchr(parent, '/');
    int rc = -ENOENT;
    if (slash && slash != parent) {
        *slash = '\0';
        rc = ensure_dir(parent);
    }
    free(parent);
    if (rc < 0)
        return rc;
    return mkdir(dir, 0775) == 0 || errno == EEXIST ? 0 : -errno;
}

/* The n-th name tried in dir: dir/name, then dir/stem.N.ext. */
static char *candidate(const char *dir, const char *name, int n)
{
    const char *dot = strrchr(name, '.');
    size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    struct buf b;
    buf_init(&b, 0);
    if (n == 1)
        buf_printf(&b, "%s/%s", dir, name);
    else
        buf_printf(&b, "%s/%.*s.%d%s", dir, (int)stem, name, n, name + stem);
    return buf_steal(&b, NULL);
}

/* rename that never replaces: -EEXIST when dest exists.  Where the
 * filesystem has no RENAME_NOREPLACE, link + unlink does the same. */
static int rename_noreplace(const char *src, const char *dest)
{
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -errno;
    if (link(src, dest) < 0)
        return -errno;
    unlink(src);
    return 0;
}

/* Writes content to path through a temporary file of its own, fsynced, so
 * a crash leaves the whole file or none; -EEXIST when path exists. */
static int write_bytes(const char *path, const void *data, size_t n)
{
    char tmp[4200];
    int fd, rc = 0;
    const char *content = data;
    size_t o = 0;

    snprintf(tmp, sizeof tmp, "%s.%ld.%u.tmp", path, (long)getpid(), atomic_fetch_add(&tmp_counter, 1));
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
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
    if (rc == 0)
        rc = rename_noreplace(tmp, path);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

static int write_file(const char *path, const char *content)
{
    return write_bytes(path, content, strlen(content));
}

/* rename_noreplace, or copy and unlink when dest is on another
 * filesystem; -EEXIST when dest exists. */
static int move_file(const char *src, const char *dest)
{
    int moved = rename_noreplace(src, dest);
    if (moved != -EXDEV)
        return moved;
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
    char *inbox_dir = d->data ? NULL : dir_of(d->path);
    char *dest = NULL, *errfile = NULL;
    int rc;

    if (!d->is_failed && d->after != CONFIG_AFTER_MOVE) {
        if (d->after == CONFIG_AFTER_DELETE) {
            if (unlink(d->path) < 0 && errno != ENOENT)
                set_error(d, "delete", d->path, errno);
            else
                fsync_dir(inbox_dir);
        }
        goto out;
    }
    if ((rc = ensure_dir(dir)) < 0) {
        set_error(d, "create directory", dir, -rc);
        goto out;
    }
    /* Each name is claimed atomically (no-replace rename), so two moves
     * into one directory at once - two inboxes share processed/ by default -
     * can never take the same name. */
    for (int n = 1; n <= DISPOSE_MAX_TRIES; n++) {
        free(dest);
        free(errfile);
        errfile = NULL;
        dest = candidate(dir, d->name, n);
        if (d->is_failed) {
            /* the reason first: a crash then leaves the document in the
             * inbox (to be taken again), never in failed/ without it */
            struct buf b;
            buf_init(&b, 0);
            buf_printf(&b, "%s.error.json", dest);
            errfile = buf_steal(&b, NULL);
            rc = write_file(errfile, d->error_json ? d->error_json : "{}");
            if (rc == -EEXIST)
                continue;
            if (rc < 0) {
                set_error(d, "write", errfile, -rc);
                goto out;
            }
        }
        rc = d->data ? write_bytes(dest, d->data, d->len) : move_file(d->path, dest);
        if (rc == -EEXIST) {
            if (errfile)
                unlink(errfile);
            continue;
        }
        if (rc < 0) {
            if (errfile)
                unlink(errfile);
            set_error(d, d->data ? "write" : "move", d->data ? dest : d->path, -rc);
            goto out;
        }
        fsync_dir(dir);
        if (inbox_dir)
            fsync_dir(inbox_dir);
        d->dest = dest;
        dest = NULL;
        goto out;
    }
    set_error(d, "find a free name in", dir, EEXIST);
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
