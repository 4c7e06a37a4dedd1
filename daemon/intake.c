/*
 * intake: see intake.h.
 */
#define _GNU_SOURCE   /* F_SETLEASE */
#include "intake.h"
#include "sha256.h"

#include "commands.h"
#include "extract.h"
#include "log.h"
#include "pipeline.h"
#include "readfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A writer still at it: how soon to look again at the least. */
#define INTAKE_WRITER_RETRY_MS 250
/* An I/O error that may pass (EIO, ESTALE, out of descriptors): look again
 * this much later rather than quarantine a good document. */
#define INTAKE_IO_RETRY_MS 5000

static atomic_int lease_warned;

static int64_t ns_of(struct timespec ts)
{
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void ident_of(const struct stat *st, struct inbox_ident *id)
{
    id->dev = (uint64_t)st->st_dev;
    id->ino = (uint64_t)st->st_ino;
    id->size = (uint64_t)st->st_size;
    id->mtime_ns = ns_of(st->st_mtim);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           ns_of(a->st_mtim) == ns_of(b->st_mtim) && ns_of(a->st_ctim) == ns_of(b->st_ctim);
}

static void not_ready(struct intake *t, uint64_t ms)
{
    t->result = INTAKE_NOT_READY;
    t->retry_ms = ms;
}

/* Only a refusal that no retry changes makes a file unreadable for good;
 * anything else is said and tried again later. */
static void io_error(struct intake *t, const char *what, int err, bool may_be_final)
{
    char msg[256];
    snprintf(msg, sizeof msg, "could not %s file: %s", what, strerror(err));
    free(t->reason);
    t->reason = xstrndup(msg, strlen(msg));
    if (may_be_final && (err == EACCES || err == EPERM)) {
        t->result = INTAKE_UNREADABLE;
        return;
    }
    t->result = INTAKE_NOT_READY;
    t->retry_ms = INTAKE_IO_RETRY_MS;
}

static void unreadable(struct intake *t, const char *fmt, const char *detail)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, detail);
    t->result = INTAKE_UNREADABLE;
    t->reason = xstrndup(msg, strlen(msg));
}

/* Does some process have fd's file open for writing?  1 yes, 0 no, -1
 * cannot tell here (not our file and no CAP_LEASE, or no lease support). */
static int writer_open(int fd)
{
    if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
        fcntl(fd, F_SETLEASE, F_UNLCK);
        return 0;
    }
    if (errno == EAGAIN || errno == EBUSY)
        return 1;
    if (!atomic_exchange(&lease_warned, 1))
        log_info("cannot check for open writers (%s): completeness is judged by the settle time alone",
                 strerror(errno));
    return -1;
}

void intake_run(struct intake *t)
{
    struct stat st, st2;
    struct timespec now;
    unsigned char *data = NULL;
    size_t len = 0;
    int fd = -1;

    t->result = INTAKE_GONE;
    if (lstat(t->path, &st) < 0) {
        if (errno != ENOENT) {
            /* the directory, not the file, is unreachable: not the file's fault */
            io_error(t, "stat", errno, false);
        }
        goto out;
    }
    if (!S_ISREG(st.st_mode))
        goto out;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t age_ms = (ns_of(now) - ns_of(st.st_ctim)) / 1000000;
    if (age_ms < t->settle_ms) {
        not_ready(t, (uint64_t)(t->settle_ms - age_ms));
        goto out;
    }
    fd = open(t->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ELOOP)
            goto out;
        io_error(t, "open", errno, true);
        goto out;
    }
    if (fstat(fd, &st2) < 0 || !same_file(&st, &st2)) {
        not_ready(t, 0);   /* replaced or changed between the two looks */
        goto out;
    }
    if (writer_open(fd) == 1) {
        not_ready(t, (uint64_t)(t->settle_ms > INTAKE_WRITER_RETRY_MS ? t->settle_ms : INTAKE_WRITER_RETRY_MS));
        goto out;
    }
    ident_of(&st, &t->ident);
    if (t->kept && memcmp(t->kept, &t->ident, sizeof t->ident) == 0) {
        t->result = INTAKE_SAME;
        goto out;
    }
    int rc = readfile_fd(fd, PIPELINE_MAX_BYTES, &data, &len);
    if (rc == -EFBIG) {
        char lim[32];
        snprintf(lim, sizeof lim, "%zu", PIPELINE_MAX_BYTES >> 20);
        unreadable(t, "cannot load: larger than %s MiB", lim);
        goto out;
    }
    if (rc < 0) {
        io_error(t, "read", -rc, true);
        goto out;
    }
    if (fstat(fd, &st2) < 0 || !same_file(&st, &st2) || len != (size_t)st.st_size) {
        not_ready(t, (uint64_t)t->settle_ms);   /* written to while we read */
        goto out;
    }

    char *uri = file_uri(t->path);
    char *name = utf8_copy(t->name);
    intake_bytes(t, data, len, name, uri, t->path);
    free(name);
    free(uri);
out:
    if (fd >= 0)
        close(fd);
    free(data);
}

void intake_bytes(struct intake *t, const unsigned char *data, size_t len, const char *name, const char *uri,
                  const char *tag)
{
    enum stage_result res;
    struct md_doc *doc = extract_pipeline(data, len, name, uri, NULL, &res);
    t->doc = loader_prepare(doc, res, tag);
    t->rejected = res != STAGE_OK;
    struct buf issues;
    buf_init(&issues, 0);
    model_issues_json(doc, &issues);
    t->issues = buf_steal(&issues, NULL);
    if (t->rejected) {
        const char *why = pipeline_first_error(doc);
        t->reason = xstrndup(why ? why : "rejected", strlen(why ? why : "rejected"));
    }
    snprintf(t->sha256, sizeof t->sha256, "%s", doc->sha256 ? doc->sha256 : "");
    if (!t->rejected && doc->text)
        sha256_hex(doc->text, doc->text_len, t->text_sha);
    model_destroy(doc);
    t->result = INTAKE_READY;
}

void intake_clear(struct intake *t)
{
    loader_doc_destroy(t->doc);
    t->doc = NULL;
    free(t->issues);
    t->issues = NULL;
    free(t->reason);
    t->reason = NULL;
}
