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

/** Which event keys go where, besides the fixed fields. */
typedef struct evl_lp_map {
    const char *measurement;
    const char *const *tags; /* event keys stored as tags */
    size_t ntags;
    const char *const *fields; /* extra event keys stored as fields */
    size_t nfields;
} evl_lp_map;

/**
 * Append one event as one line:
 *   MEAS[,TAG=V...] criticality=Ci,eventMessage="M",timestamp="T"[,F=V...] NS\n
 * `time_ns` is the point time.  Tags come from string/integer/bool event
 * values (absent keys are omitted); extra fields from any scalar.  On error
 * the buffer is left as it was and `err` says why.
 */
int evl_lp_event(evl_buf *b, const evl_lp_map *map, const evl_event *ev,
                 int64_t time_ns, char *err, size_t errlen);

#endif
