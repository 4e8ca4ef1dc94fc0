/*
 * InfluxDB line protocol, escaped per the spec for every element.  Pure:
 * appends to an evl_buf, no I/O.  What escaping cannot make safe (CR/LF in
 * names and tag values, empty tag values, a trailing backslash, a leading
 * '#' in a measurement, a key named "time") is refused, never mangled.
 */
#ifndef EVL_LINEPROTO_H
#define EVL_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"

/** Append a measurement name (escapes ',' and ' ').  0 or -1. */
int evl_lp_measurement(evl_buf *b, const char *s, size_t n);
/** Append a tag key, tag value or field key (escapes ',', '=', ' '). */
int evl_lp_key(evl_buf *b, const char *s, size_t n);
/** Append a quoted string field value (escapes '"' and '\'); any bytes. */
int evl_lp_string(evl_buf *b, const char *s, size_t n);

/*
 * The criticality band: a tag that lets InfluxDB pick, from its index, the
 * series that can hold a criticality above X, so that a query matching
 * rarely or never reads little or nothing instead of every stored point.
 * Criticality 0..99 is its own band ("0".."99"); below 0 is "lt0" and
 * above 99 is "ge100", so arbitrary input adds at most 102 series.
 */
#define EVL_CRIT_BAND_TOP 100 /* first criticality in the "ge100" band */
#define EVL_CRIT_BAND_LEN 8   /* room for any band name and its NUL */

/** The band name of criticality v ("lt0", "0".."99" or "ge100"). */
void evl_crit_band(int64_t v, char out[EVL_CRIT_BAND_LEN]);

/**
 * The bands that can hold a criticality strictly greater than x, in order:
 * fills out[] (room for EVL_CRIT_BAND_TOP + 2 names) and returns how many
 * (0 when x is INT64_MAX).
 */
size_t evl_crit_bands_above(int64_t x,
                            char out[][EVL_CRIT_BAND_LEN]);

/** Which event keys go where, besides the fixed fields. */
typedef struct evl_lp_map {
    const char *measurement;
    const char *const *tags; /* event keys stored as tags */
    size_t ntags;
    const char *const *fields; /* extra event keys stored as fields */
    size_t nfields;
    const char *crit_band_tag; /* tag key of the criticality band; NULL: none */
} evl_lp_map;

/**
 * Append one event as one line:
 *   MEAS[,BAND=B][,TAG=V...] criticality=Ci,eventMessage="M",timestamp="T"[,F=V...] NS\n
 * `time_ns` is the point time.  Tags come from string/integer/bool event
 * values (absent keys are omitted); extra fields from any scalar.  On error
 * the buffer is left as it was and `err` says why.
 */
int evl_lp_event(evl_buf *b, const evl_lp_map *map, const evl_event *ev,
                 int64_t time_ns, char *err, size_t errlen);

#endif
