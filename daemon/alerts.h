/*
 * alerts: the dispatcher - subscriptions turned into webhooks and e-mails.
 *
 * The database decides what is to be sent (minutes.plan_deliveries groups
 * the events one load of one document caused, per subscription, into one
 * delivery row with an idempotency key) and remembers what was; this
 * module, on the loop, asks it for the deliveries that are due, renders
 * each (alertmsg), sends it with libcurl (a POST to the webhook, or SMTP),
 * and records the outcome.  Database work goes through the database
 * thread as tasks; sending runs on the loop, at most alerts.max_parallel at
 * once with a timeout each, so a slow or dead recipient holds its own
 * delivery and nothing else - not loading, not the other recipients.
 *
 * At least once: a delivery is marked sent only after the recipient
 * acknowledged it (a 2xx, or the SMTP server accepting the mail).  A crash
 * in between sends it again on restart, with the same Idempotency-Key /
 * Message-ID so the recipient can tell.  Failures are retried with
 * exponential backoff and jitter until alerts.max_attempts.
 */
#ifndef MINUTESD_ALERTS_H
#define MINUTESD_ALERTS_H

#include "config.h"
#include "dbworker.h"

#include <uv.h>

struct alerts;

struct alerts *alerts_create(uv_loop_t *loop, const struct config *cfg, char *err, size_t errlen);
/* SMTP and dispatcher settings of a new configuration (SIGHUP). */
void alerts_configure(struct alerts *a, const struct config *cfg);
/* The database worker for the tasks; NULL when it is gone. */
void alerts_set_db(struct alerts *a, struct dbworker *db);
/* Events were committed: plan and send now rather than at the next tick. */
void alerts_kick(struct alerts *a);
/* Stops sending (what is in flight stays pending, to be sent again). */
void alerts_stop(struct alerts *a);
/* After the loop ran the close callbacks and the database thread is gone. */
void alerts_destroy(struct alerts *a);

#endif
