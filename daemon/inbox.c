/*
 * inbox: see inbox.h.
 *
 * The tracked files are one array of entries sorted by name: lookups are
 * a binary search, offers go in name order (so an agenda dropped with its
 * minutes tends to load first, and two runs over the same backlog do the
 * same thing), and at INBOX_TRACK_MAX entries moving pointers on insert
 * costs nothing worth a hash table.
 */
#define _GNU_SOURCE   /* FNM_CASEFOLD */
#include "inbox.h"

#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum entry_state { E_WAITING, E_TAKEN, E_KEPT };

struct entry {
    char *name;
    enum entry_state state;
    bool dirty;              /* touched while taken: look again when it comes back */
    uint64_t due_ms;         /* uv_now time it is worth a look */
    uint64_t seen_ms;        /* last time an event or a scan mentioned it */
    struct inbox_ident kept;
};

/* One file a scan found. */
struct found {
    char *name;
    struct inbox_ident id;
};

struct scan_job {
    uv_work_t work;
    struct inbox *in;
    char *path;
    struct config_inbox cfg;    /* a copy: SIGHUP may change the inbox's meanwhile */
    bool bounded;
    struct found *v;            /* sorted by name */
    size_t n;
    bool truncated;
    int error;                  /* errno of opendir, or 0 */
    uint64_t started_ms;        /* uv_now when queued: what was seen later is not the scan's to forget */
    uint64_t dir_dev, dir_ino;  /* the directory scanned */
};

struct inbox {
    uv_loop_t *loop;
    struct config_inbox cfg;
    int rescan_s;
    inbox_take_cb take;
    void *ud;
    uv_fs_event_t watch;
    uv_timer_t due_timer;     /* the next entry's due time */
    uv_timer_t rescan_timer;  /* the periodic full scan */
    bool watching;
    uint64_t watch_dev, watch_ino;   /* the directory the watch is on */
    bool scanning, scan_again, truncated;
    bool blocked;             /* the owner said no: due files wait for its next inbox_pump */
    int scan_error;           /* last scan's errno, to say it once, not every scan */
    struct entry **v;
    size_t n, cap, waiting;
    int refs;
    int handles;              /* open uv handles; freed when 0 and refs is 0 */
    bool closing;
};

/* ---- names ------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool inbox_temporary_name(const char *name)
{
    return name[0] == '.' || ends_with(name, ".tmp") || ends_with(name, ".part") || ends_with(name, "~") ||
           ends_with(name, ".swp");
}

bool inbox_wants(const struct config_inbox *cfg, const char *name)
{
    if (inbox_temporary_name(name))
        return false;
    for (size_t i = 0; i < cfg->npatterns; i++)
        if (fnmatch(cfg->patterns[i], name, FNM_CASEFOLD | FNM_PERIOD) == 0)
            return true;
    return false;
}

/* ---- the sorted array -------------------------------------------------- */

/* Index of name, or where it would go (*found false). */
static size_t find(const struct inbox *in, const char *name, bool *found)
{
    size_t lo = 0, hi = in->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(in->v[mid]->name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static struct entry *insert_at(struct inbox *in, size_t at, const char *name)
{
    if (in->n == in->cap) {
        in->cap = in->cap ? in->cap * 2 : 64;
        in->v = xrealloc(in->v, in->cap * sizeof *in->v);
    }
    memmove(in->v + at + 1, in->v + at, (in->n - at) * sizeof *in->v);
    struct entry *e = xcalloc(1, sizeof *e);
    e->name = xstrndup(name, strlen(name));
    e->state = E_WAITING;
    in->v[at] = e;
    in->n++;
    in->waiting++;
    return e;
}

static void remove_at(struct inbox *in, size_t at)
{
    struct entry *e = in->v[at];
    if (e->state == E_WAITING)
        in->waiting--;
    free(e->name);
    free(e);
    memmove(in->v + at, in->v + at + 1, (in->n - at - 1) * sizeof *in->v);
    in->n--;
}

static void set_state(struct inbox *in, struct entry *e, enum entry_state s)
{
    if (e->state == E_WAITING && s != E_WAITING)
        in->waiting--;
    else if (e->state != E_WAITING && s == E_WAITING)
        in->waiting++;
    e->state = s;
}

/* ---- timing ------------------------------------------------------------ */

static void on_due(uv_timer_t *t)
{
    inbox_pump(t->data);
}

/* Arms the due timer for the earliest waiting entry.  Entries already due
 * while the owner has no room wait for its inbox_pump instead: a timer
 * re-armed at 0 ms from its own callback would spin (libuv runs it again
 * in the same pass), and the owner knows when room frees up. */
static void arm(struct inbox *in)
{
    uint64_t now = uv_now(in->loop), next = UINT64_MAX;
    if (in->closing)
        return;
    for (size_t i = 0; i < in->n; i++) {
        const struct entry *e = in->v[i];
        if (e->state != E_WAITING || (e->due_ms <= now && in->blocked))
            continue;
        if (e->due_ms < next)
            next = e->due_ms;
    }
    if (next == UINT64_MAX) {
        uv_timer_stop(&in->due_timer);
        return;
    }
    uv_timer_start(&in->due_timer, on_due, next > now ? next - now : 1, 0);
}

void inbox_pump(struct inbox *in)
{
    uint64_t now = uv_now(in->loop);
    if (in->closing)
        return;
    in->blocked = false;
    for (size_t i = 0; i < in->n; i++) {
        struct entry *e = in->v[i];
        if (e->state != E_WAITING || e->due_ms > now)
            continue;
        const struct inbox_ident *kept = e->kept.ino ? &e->kept : NULL;
        set_state(in, e, E_TAKEN);
        e->dirty = false;
        if (!in->take(in->ud, in, e->name, kept)) {
            set_state(in, e, E_WAITING);
            in->blocked = true;
            break;
        }
    }
    arm(in);
    /* the first INBOX_TRACK_MAX are done: the scan that cut the rest off
     * can now bring them in */
    if (in->truncated && in->waiting == 0)
        inbox_rescan(in);
}

/* An event or a scan says name may be new or changed. */
static void touch(struct inbox *in, const char *name, uint64_t due, const struct inbox_ident *seen)
{
    bool found;
    size_t at = find(in, name, &found);
    if (!found) {
        if (in->waiting >= INBOX_TRACK_MAX) {
            in->truncated = true;
            return;
        }
        struct entry *e = insert_at(in, at, name);
        e->due_ms = due;
        e->seen_ms = uv_now(in->loop);
        return;
    }
    struct entry *e = in->v[at];
    e->seen_ms = uv_now(in->loop);
    switch (e->state) {
    case E_TAKEN:
        e->dirty = true;
        break;
    case E_KEPT:
        /* a scan sees it unchanged: nothing to do; an event (seen NULL)
         * or a different file under the name: load it */
        if (seen && seen->ino == e->kept.ino && seen->dev == e->kept.dev && seen->size == e->kept.size &&
            seen->mtime_ns == e->kept.mtime_ns)
            break;
        set_state(in, e, E_WAITING);
        e->due_ms = due;
        break;
    case E_WAITING:
        if (!seen && due > e->due_ms)
            e->due_ms = due;
        break;
    }
}

void inbox_finish(struct inbox *in, const char *name, enum inbox_verdict v, uint64_t retry_ms,
                  const struct inbox_ident *ident)
{
    bool found;
    size_t at = find(in, name, &found);
    if (!found || in->v[at]->state != E_TAKEN)
        return;
    struct entry *e = in->v[at];
    bool dirty = e->dirty;
    switch (v) {
    case INBOX_DONE:
        if (dirty) {
            /* something happened under this name meanwhile (a new file
             * renamed over it, say): look again rather than forget */
            set_state(in, e, E_WAITING);
            e->due_ms = uv_now(in->loop);
        } else {
            remove_at(in, at);
        }
        break;
    case INBOX_RETRY:
        set_state(in, e, E_WAITING);
        e->due_ms = dirty ? uv_now(in->loop) : retry_ms;
        break;
    case INBOX_KEPT:
        set_state(in, e, dirty ? E_WAITING : E_KEPT);
        if (ident)
            e->kept = *ident;
        e->due_ms = uv_now(in->loop);
        break;
    }
    arm(in);
}

size_t inbox_waiting(const struct inbox *in)
{
    return in->waiting;
}

const struct config_inbox *inbox_config(const struct inbox *in)
{
    return &in->cfg;
}

bool inbox_closing(const struct inbox *in)
{
    return in->closing;
}

/* ---- watching ---------------------------------------------------------- */

static void stop_watch(struct inbox *in)
{
    if (!in->watching)
        return;
    uv_fs_event_stop(&in->watch);
    in->watching = false;
}

static void on_event(uv_fs_event_t *h, const char *filename, int events, int status)
{
    struct inbox *in = h->data;
    (void)events;
    if (in->closing)
        return;
    if (status < 0) {
        log_warning("inbox %s: watch failed: %s; rescanning", in->cfg.path, uv_strerror(status));
        stop_watch(in);
        inbox_rescan(in);
        return;
    }
    if (!filename) {
        inbox_rescan(in);
        return;
    }
    if (!inbox_wants(&in->cfg, filename))
        return;
    touch(in, filename, uv_now(in->loop) + (uint64_t)in->cfg.settle_ms, NULL);
    /* nothing to wait for: offer it now rather than a timer tick later */
    if (in->cfg.settle_ms == 0)
        inbox_pump(in);
    else
        arm(in);
}

static void start_watch(struct inbox *in)
{
    if (in->watching || in->closing)
        return;
    int rc = uv_fs_event_start(&in->watch, on_event, in->cfg.path, 0);
    if (rc < 0) {
        log_warning("inbox %s: could not watch directory: %s; relying on the rescan every %d s", in->cfg.path,
                    uv_strerror(rc), in->rescan_s);
        return;
    }
    in->watching = true;
}

/* ---- scanning (thread pool) -------------------------------------------- */

static void copy_config(struct config_inbox *dst, const struct config_inbox *src)
{
    *dst = *src;
    dst->path = xstrndup(src->path, strlen(src->path));
    dst->processed = xstrndup(src->processed, strlen(src->processed));
    dst->failed = xstrndup(src->failed, strlen(src->failed));
    dst->patterns = xcalloc(src->npatterns, sizeof *dst->patterns);
    for (size_t i = 0; i < src->npatterns; i++)
        dst->patterns[i] = xstrndup(src->patterns[i], strlen(src->patterns[i]));
}

static void free_config(struct config_inbox *c)
{
    free(c->path);
    free(c->processed);
    free(c->failed);
    for (size_t i = 0; i < c->npatterns; i++)
        free(c->patterns[i]);
    free(c->patterns);
}



static int cmp_found(const void *a, const void *b)
{
    return strcmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

/* Max-heap by name on v[0..n): the largest name is at the root, so a
 * bounded scan drops it when a smaller one comes. */
static void sift_down(struct found *v, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && strcmp(v[l].name, v[m].name) > 0)
            m = l;
        if (r < n && strcmp(v[r].name, v[m].name) > 0)
            m = r;
        if (m == i)
            return;
        struct found t = v[i];
        v[i] = v[m];
        v[m] = t;
        i = m;
    }
}

static void sift_up(struct found *v, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (strcmp(v[p].name, v[i].name) >= 0)
            return;
        struct found t = v[i];
        v[i] = v[p];
        v[p] = t;
        i = p;
    }
}

static void scan_work(uv_work_t *w)
{
    struct scan_job *j = w->data;
    size_t cap = 0;
    DIR *d = opendir(j->path);
    struct dirent *de;

    if (!d) {
        j->error = errno;
        return;
    }
    struct stat dst;
    if (fstat(dirfd(d), &dst) == 0) {
        j->dir_dev = (uint64_t)dst.st_dev;
        j->dir_ino = (uint64_t)dst.st_ino;
    }
    while ((de = readdir(d))) {
        struct stat st;
        if (!inbox_wants(&j->cfg, de->d_name) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
            continue;   /* symlinks too: a link to /etc/shadow is not a document to load and move */
        struct found f = {NULL,
                          {(uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
                           (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec}};
        if (j->bounded && j->n == INBOX_TRACK_MAX) {
            j->truncated = true;
            if (strcmp(de->d_name, j->v[0].name) >= 0)
                continue;
            free(j->v[0].name);
            j->v[0] = f;
            j->v[0].name = xstrndup(de->d_name, strlen(de->d_name));
            sift_down(j->v, j->n, 0);
            continue;
        }
        if (j->n == cap) {
            cap = cap ? cap * 2 : 256;
            j->v = xrealloc(j->v, cap * sizeof *j->v);
        }
        f.name = xstrndup(de->d_name, strlen(de->d_name));
        j->v[j->n++] = f;
        if (j->bounded)
            sift_up(j->v, j->n - 1);
    }
    closedir(d);
    if (j->n > 1)
        qsort(j->v, j->n, sizeof *j->v, cmp_found);
}

static void scan_done(uv_work_t *w, int status)
{
    struct scan_job *j = w->data;
    struct inbox *in = j->in;
    uint64_t now = uv_now(in->loop);

    in->scanning = false;
    if (status == 0 && !in->closing) {
        if (j->error) {
            if (j->error != in->scan_error)
                log_error("inbox %s: could not read directory: %s", in->cfg.path, strerror(j->error));
            /* gone or unreadable: the watch (if any) is on a directory that
             * no longer counts; a new one is set up once a scan works */
            stop_watch(in);
        } else {
            if (in->scan_error)
                log_info("inbox %s: readable again", in->cfg.path);
            /* a directory deleted and made again, or moved away and
             * another put in its place, is not the one inotify watches */
            if (in->watching && in->watch_ino && (in->watch_dev != j->dir_dev || in->watch_ino != j->dir_ino)) {
                log_info("inbox %s: the directory was replaced; watching the new one", in->cfg.path);
                stop_watch(in);
            }
            if (!in->watching)
                start_watch(in);
            in->watch_dev = j->dir_dev;
            in->watch_ino = j->dir_ino;
            in->truncated = j->truncated;
            /* waiting entries whose file is gone: forget them */
            size_t k = 0;
            for (size_t i = 0; i < in->n; i++) {
                struct entry *e = in->v[i];
                while (k < j->n && strcmp(j->v[k].name, e->name) < 0)
                    k++;
                bool present = k < j->n && strcmp(j->v[k].name, e->name) == 0;
                if (!present && e->state != E_TAKEN && !(j->truncated && e->state == E_WAITING) &&
                    e->seen_ms < j->started_ms) {
                    remove_at(in, i);
                    i--;
                }
            }
            for (size_t i = 0; i < j->n; i++)
                touch(in, j->v[i].name, now, &j->v[i].id);
        }
        in->scan_error = j->error;
        inbox_pump(in);
    }
    for (size_t i = 0; i < j->n; i++)
        free(j->v[i].name);
    free(j->v);
    free(j->path);
    free_config(&j->cfg);
    free(j);
    if (in->scan_again && !in->closing) {
        in->scan_again = false;
        inbox_rescan(in);
    }
    inbox_unref(in);
}

void inbox_rescan(struct inbox *in)
{
    if (in->closing)
        return;
    if (in->scanning) {
        in->scan_again = true;
        return;
    }
    struct scan_job *j = xcalloc(1, sizeof *j);
    j->in = in;
    j->path = xstrndup(in->cfg.path, strlen(in->cfg.path));
    copy_config(&j->cfg, &in->cfg);
    j->bounded = in->cfg.after != CONFIG_AFTER_KEEP;
    j->started_ms = uv_now(in->loop);
    j->work.data = j;
    inbox_ref(in);
    in->scanning = true;
    int rc = uv_queue_work(in->loop, &j->work, scan_work, scan_done);
    if (rc < 0) {
        in->scanning = false;
        free(j->path);
        free_config(&j->cfg);
        free(j);
        inbox_unref(in);
    }
}

static void on_rescan(uv_timer_t *t)
{
    inbox_rescan(t->data);
}

/* ---- life -------------------------------------------------------------- */

static void free_inbox(struct inbox *in)
{
    while (in->n)
        remove_at(in, in->n - 1);
    free(in->v);
    free_config(&in->cfg);
    free(in);
}

void inbox_reconfigure(struct inbox *in, const struct config_inbox *cfg, int rescan_s)
{
    if (in->closing)
        return;
    free_config(&in->cfg);
    copy_config(&in->cfg, cfg);
    if (rescan_s != in->rescan_s) {
        in->rescan_s = rescan_s;
        uv_timer_start(&in->rescan_timer, on_rescan, 0, (uint64_t)rescan_s * 1000);
    }
    inbox_rescan(in);
}

static void on_closed(uv_handle_t *h)
{
    struct inbox *in = h->data;
    if (--in->handles == 0 && in->refs == 0)
        free_inbox(in);
}

void inbox_ref(struct inbox *in)
{
    in->refs++;
}

void inbox_unref(struct inbox *in)
{
    if (--in->refs == 0 && in->handles == 0)
        free_inbox(in);
}

/* mkdir -p, for an inbox that does not exist yet. */
static int make_dirs(const char *path)
{
    char *p = xstrndup(path, strlen(path));
    int rc = 0;
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0775) < 0 && errno != EEXIST) {
                rc = -errno;
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return rc;
}

int inbox_prepare(const struct config_inbox *cfg, char *err, size_t errlen)
{
    struct stat st;
    if (stat(cfg->path, &st) < 0) {
        int rc = make_dirs(cfg->path);
        if (rc < 0) {
            snprintf(err, errlen, "inbox %s: could not create directory: %s", cfg->path, strerror(-rc));
            return -1;
        }
        log_info("inbox %s: created", cfg->path);
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "inbox %s: not a directory", cfg->path);
        return -1;
    }
    return 0;
}

struct inbox *inbox_create(uv_loop_t *loop, const struct config_inbox *cfg, int rescan_s, inbox_take_cb take,
                           void *ud)
{
    struct inbox *in;

    in = xcalloc(1, sizeof *in);
    in->loop = loop;
    copy_config(&in->cfg, cfg);
    in->rescan_s = rescan_s;
    in->take = take;
    in->ud = ud;
    in->refs = 1;
    uv_fs_event_init(loop, &in->watch);
    uv_timer_init(loop, &in->due_timer);
    uv_timer_init(loop, &in->rescan_timer);
    in->watch.data = in->due_timer.data = in->rescan_timer.data = in;
    in->handles = 3;
    start_watch(in);   /* which directory it is on, the first scan (at once) records */
    uv_timer_start(&in->rescan_timer, on_rescan, 0, (uint64_t)rescan_s * 1000);
    return in;
}

void inbox_close(struct inbox *in)
{
    if (!in || in->closing)
        return;
    in->closing = true;
    uv_fs_event_stop(&in->watch);
    uv_close((uv_handle_t *)&in->watch, on_closed);
    uv_close((uv_handle_t *)&in->due_timer, on_closed);
    uv_close((uv_handle_t *)&in->rescan_timer, on_closed);
    inbox_unref(in);
}
