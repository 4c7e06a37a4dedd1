/*
 * log: one line per event, with a level, on stderr.
 *
 * Under systemd (stderr is the journal stream named by $JOURNAL_STREAM)
 * each line starts with the syslog priority in angle brackets, which
 * journald turns into the entry's priority and strips, and carries no
 * timestamp of its own (the journal has one).  Elsewhere a line is
 * "2026-11-22T10:15:02.123Z info  inbox: …".  The json format writes one
 * object per line {"time", "level", "msg"} for log shippers.
 *
 * Every line is formatted in full and written with one write(2), so lines
 * from the loop, the workers and the database thread never interleave.
 * The level and format may change at any time (SIGHUP).
 */
#ifndef MINUTESD_LOG_H
#define MINUTESD_LOG_H

#include "config.h"

void log_setup(enum config_log_level level, enum config_log_format format);

/* Would a message at this level be written? (to skip building it) */
int log_enabled(enum config_log_level level);

void log_msg(enum config_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(CONFIG_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(CONFIG_LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(CONFIG_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(CONFIG_LOG_DEBUG, __VA_ARGS__)

#endif
