/*
 * config: the JSON configuration file (jansson).
 *
 * Every option has a default, so no file at all is a valid configuration.
 * Unknown keys are errors rather than silently ignored: a misspelt
 * "databse" would otherwise quietly start the private cluster.  Errors name
 * the file, line and column.  The daemon's options (inboxes, metrics, log)
 * join this table as they arrive; the keys below keep their meaning.
 */
#ifndef MINUTESD_CONFIG_H
#define MINUTESD_CONFIG_H

#include <stddef.h>

struct config {
    char *database;    /* libpq conninfo or URI; NULL: PGHOST … from the environment, else the private cluster */
    char *state_dir;   /* default "./var" */
    int batch;         /* documents per transaction (1..1000), default 32 */
};

/* New config with every default (config_destroy it). */
struct config *config_create(void);

/* Loads path over the defaults: a new config, or NULL with err set to one
 * line "FILE:LINE:COLUMN: reason". */
struct config *config_load(const char *path, char *err, size_t errlen);

void config_destroy(struct config *cfg);   /* NULL is a no-op */

#endif
