/*
 * Typed, tracked access to libconfig settings.  Every getter marks what it
 * read, so cfg_check_unknown() can report the keys nobody read; every error
 * names FILE:LINE, the key path and what was expected, through the log.
 */
#ifndef EVH_SETTINGS_H
#define EVH_SETTINGS_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

/** Who reads (for log attribution) and how many errors were reported. */
typedef struct cfg_ctx {
    const char *who;
    int errors;
} cfg_ctx;

/** Report an error about `key` inside group `grp` (key may be NULL). */
void cfg_error(cfg_ctx *cx, const config_setting_t *grp, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** Look a (dotted) key up in grp and mark it read; NULL if absent. */
config_setting_t *cfg_lookup(config_setting_t *grp, const char *key);

int cfg_string(cfg_ctx *cx, config_setting_t *grp, const char *key,
               const char *def, const char **out);
int cfg_int(cfg_ctx *cx, config_setting_t *grp, const char *key, int64_t def,
            int64_t min, int64_t max, int64_t *out);
int cfg_double(cfg_ctx *cx, config_setting_t *grp, const char *key, double def,
               double min, double max, double *out);
int cfg_bool(cfg_ctx *cx, config_setting_t *grp, const char *key, bool def,
             bool *out);
/** A group (marked); NULL if absent; error if present but not a group. */
config_setting_t *cfg_group(cfg_ctx *cx, config_setting_t *grp,
                            const char *key);
/**
 * A string or a list/array of strings, as a malloc'd array of borrowed
 * strings (free the array only).  Absent: *out = NULL, *n = 0.
 */
int cfg_strings(cfg_ctx *cx, config_setting_t *grp, const char *key,
                const char ***out, int *n);

/**
 * Report every key below grp that no getter read (not descending into
 * `skip`, checked by somebody else); returns their number.
 */
int cfg_check_unknown(cfg_ctx *cx, const config_setting_t *grp,
                      const config_setting_t *skip);

/** Dotted path of a setting, e.g. "plugins[1].config.rate". */
void cfg_path(const config_setting_t *s, char *buf, size_t cap);

/** A canonical text of a setting, to detect changes on reload (malloc'd). */
char *cfg_fingerprint(const config_setting_t *s);

#endif
