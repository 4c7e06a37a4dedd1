/*
 * config: the JSON configuration file.  See config.h.
 */
#include "config.h"

#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1u << 20)

struct config *config_create(void)
{
    struct config *cfg = xcalloc(1, sizeof *cfg);
    cfg->state_dir = xstrndup("./var", 5);
    cfg->batch = 32;
    return cfg;
}

void config_destroy(struct config *cfg)
{
    if (!cfg)
        return;
    free(cfg->database);
    free(cfg->state_dir);
    free(cfg);
}

/* A string option: replaces *dst, or says what is wrong with v. */
static int set_string(const char *path, const char *key, json_t *v, char **dst, char *err, size_t errlen)
{
    if (json_is_null(v)) {
        free(*dst);
        *dst = NULL;
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || strlen(json_string_value(v)) != json_string_length(v)) {
        snprintf(err, errlen, "%s: \"%s\" must be a non-empty string", path, key);
        return -1;
    }
    free(*dst);
    *dst = xstrndup(json_string_value(v), json_string_length(v));
    return 0;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
    struct config *cfg = config_create();
    json_error_t jerr;
    json_t *root = NULL, *v;
    const char *key;

    /* JSON_REJECT_DUPLICATES: two "database" keys is a mistake to report,
     * not something to resolve by picking one. */
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        goto fail;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s:1:1: the configuration must be a JSON object", path);
        goto fail;
    }
    json_object_foreach(root, key, v) {
        if (strcmp(key, "database") == 0) {
            if (set_string(path, key, v, &cfg->database, err, errlen) < 0)
                goto fail;
        } else if (strcmp(key, "state_dir") == 0) {
            if (json_is_null(v) || set_string(path, key, v, &cfg->state_dir, err, errlen) < 0) {
                snprintf(err, errlen, "%s: \"state_dir\" must be a non-empty string", path);
                goto fail;
            }
        } else if (strcmp(key, "batch") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000) {
                snprintf(err, errlen, "%s: \"batch\" must be an integer from 1 to 1000", path);
                goto fail;
            }
            cfg->batch = (int)json_integer_value(v);
        } else if (key[0] == '_' || strcmp(key, "comment") == 0) {
            /* room for comments, which JSON lacks */
        } else {
            snprintf(err, errlen, "%s: unknown option \"%s\"", path, key);
            goto fail;
        }
    }
    json_decref(root);
    return cfg;
fail:
    json_decref(root);
    config_destroy(cfg);
    return NULL;
}
