/*
 * metrics: what the daemon counts, and /metrics serving it in Prometheus'
 * text exposition format (version 0.0.4) from the libuv loop.
 *
 * Every update and every scrape happens on the loop thread (the workers
 * and the database thread report to the loop, which updates the counts),
 * so nothing here locks.  The HTTP side is deliberately tiny: GET /metrics
 * answers, anything else gets 404 / 405 / 400, every connection is closed
 * after one answer, requests are capped in size and time, and only so many
 * connections are served at once, so a stray client cannot hold the loop
 * or grow memory.
 */
#ifndef MINUTESD_METRICS_H
#define MINUTESD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct metrics;

struct metrics *metrics_create(void);
void metrics_destroy(struct metrics *m);   /* NULL is a no-op */

/* A document reached its outcome: outcome is "loaded", "failed",
 * "duplicate", "unchanged" or "unreadable"; seconds is the time from the
 * file being taken to its transaction committing (the load-latency
 * histogram), or a negative number when there is none to record. */
void metrics_document(struct metrics *m, const char *outcome, double seconds);

/* Source (an inbox path now, a URL later) delivered a document at
 * unix_time (seconds since the epoch). */
void metrics_source_success(struct metrics *m, const char *source, double unix_time);
/* A URL source's health: last attempt, last success and last change (unix
 * seconds, 0: never) and its failure streak. */
void metrics_source_health(struct metrics *m, const char *source, double attempt, double success, double change,
                           int streak);

/* Files waiting to be taken, and documents taken but not yet committed. */
void metrics_set_queue(struct metrics *m, size_t waiting, size_t inflight);

void metrics_set_database_up(struct metrics *m, bool up);

/* The whole exposition as a new NUL-terminated string (free()). */
char *metrics_render(const struct metrics *m);

struct metrics_server;

/* Listens on addr (a struct sockaddr_storage from config_parse_listen) and
 * serves m.  m is borrowed and must outlive the server.  New server, or
 * NULL with err set ("could not listen on ADDR: reason"). */
struct metrics_server *metrics_server_start(uv_loop_t *loop, const void *addr, struct metrics *m, char *err,
                                            size_t errlen);

/* Closes the listener and every open connection.  The memory goes when the
 * last handle's close callback ran, so run the loop after this until it has
 * no more handles of ours.  NULL is a no-op. */
void metrics_server_stop(struct metrics_server *s);

#endif
