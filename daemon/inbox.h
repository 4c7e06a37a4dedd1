/*
 * inbox: one watched directory, on the libuv loop.
 *
 * It knows which files are waiting and when each is worth another look;
 * it never reads or stats a file itself (that is blocking I/O, done on the
 * thread pool: the scan job here, the intake job in run.c).  Files arrive
 * by three roads, so none is missed: a uv_fs_event on the directory (the
 * fast road), a full scan at start and every rescan_s (inotify can
 * overflow, and a network filesystem may send nothing), and a scan when the
 * watch itself fails.
 *
 * A file is offered to the owner (the take callback) when it is due; the
 * owner reads it off the loop and answers with inbox_finish: done (gone
 * from the inbox, forget it), retry at a time (not settled yet, a writer
 * still has it open, or no capacity), or kept (after = keep: remember
 * which file it was, so it is not loaded again unless it changes).
 *
 * Memory is bounded: at most INBOX_TRACK_MAX files are tracked as waiting;
 * a scan keeps the first ones by name and the rest are found by a later
 * scan, once those are done.  (With after = keep the remembered files are
 * the inbox's contents, which is what that mode asks for.)
 */
#ifndef MINUTESD_INBOX_H
#define MINUTESD_INBOX_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define INBOX_TRACK_MAX 4096

struct inbox;

/* Which file, exactly: a kept file is loaded again only when this changes. */
struct inbox_ident {
    uint64_t dev, ino, size;
    int64_t mtime_ns;
};

/* Offered name (borrowed) is due.  Return true when taken (then answer with
 * inbox_finish), false when there is no room now (the inbox offers it again
 * at the next inbox_pump). */
typedef bool (*inbox_take_cb)(void *ud, struct inbox *in, const char *name, const struct inbox_ident *kept);

/* Makes sure cfg->path is a directory, creating it (and its parents) if
 * missing.  Blocking: call it before the loop runs or on the thread pool.
 * 0, or -1 with err set. */
int inbox_prepare(const struct config_inbox *cfg, char *err, size_t errlen);

/* New inbox watching cfg->path (copied), which inbox_prepare made ready.
 * Does nothing that blocks. */
struct inbox *inbox_create(uv_loop_t *loop, const struct config_inbox *cfg, int rescan_s, inbox_take_cb take,
                           void *ud);

/* Stops watching and lets go of the creator's reference.  The memory goes
 * when the handles are closed and the last inbox_unref is done. */
void inbox_close(struct inbox *in);

/* SIGHUP with the same path: takes cfg's patterns, settle time, "after"
 * and directories, and the rescan period, without losing track of files
 * already taken (re-creating the inbox would offer them a second time). */
void inbox_reconfigure(struct inbox *in, const struct config_inbox *cfg, int rescan_s);

void inbox_ref(struct inbox *in);
void inbox_unref(struct inbox *in);

const struct config_inbox *inbox_config(const struct inbox *in);
bool inbox_closing(const struct inbox *in);

/* Offers what is due, in name order, until the owner says no. */
void inbox_pump(struct inbox *in);

/* Asks for a full scan soon (coalesced with one running). */
void inbox_rescan(struct inbox *in);

enum inbox_verdict {
    INBOX_DONE,    /* the file left the inbox (moved, deleted) or is no file for us */
    INBOX_RETRY,   /* look again at retry_ms (uv_now time) */
    INBOX_KEPT,    /* handled and left in place: remember ident */
};

void inbox_finish(struct inbox *in, const char *name, enum inbox_verdict v, uint64_t retry_ms,
                  const struct inbox_ident *ident);

/* Files tracked as waiting (not yet taken). */
size_t inbox_waiting(const struct inbox *in);

/* Is name what editors, browsers and rsync write under before the final
 * rename (dotfiles, .#*, *.tmp, *.part, *~, *.swp)?  Never a finished
 * document. */
bool inbox_temporary_name(const char *name);

/* Is name one the inbox would take (pattern, not a temporary name)? */
bool inbox_wants(const struct config_inbox *cfg, const char *name);

#endif
