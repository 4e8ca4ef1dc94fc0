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
size_t evl_crit_bands_above(int64_t x, char out[][EVL_CRIT_BAND_LEN]);

/** Which event keys go where, besides the fixed fields. */
typedef struct evl_lp_map {
    const char *measurement;
    const char *const *tags; /* event keys stored as tags */
    size_t ntags;
    const char *const *fields; /* extra event keys stored as fields */
    size_t nfields;
    const char *crit_band_tag; /* tag key of the criticality band; NULL: none */
    const char *writer_tag; /* tag key for evl_lp_event's writer; NULL: none */
} evl_lp_map;

/*
 * Point identity.  InfluxDB keys a point by measurement, tag set and time,
 * and silently keeps the last of two points that share them, so the point
 * time must differ for every distinct event while a redelivery of the same
 * message must land on the same time again.  The point time carries the
 * event's instant at the precision the event was sent with, plus a slot
 * taken from the message's identity (its JetStream stream sequence; on core
 * NATS a per-instance counter, with the writer tag telling sinks apart):
 *
 *   class c  instant is a whole    unit U      slots per (series, unit)
 *   0        second                1 s         250,000,000
 *   1        tenth of a second     100 ms      25,000,000
 *   2        hundredth             10 ms       2,500,000
 *   3        anything finer        1 ms        250,000
 *
 *   T = floor(instant, U) + 4 * (slot mod (U / 4)) + c
 *
 * and, for class 3 only, the integer field EVL_POINT_SUB_FIELD holds the
 * instant's nanoseconds within its millisecond when they are not zero.  The
 * reader gets the instant back from T alone (c = T mod 4 names U) plus that
 * field; no text copy of the timestamp is stored (a string field per point
 * cost InfluxDB about a quarter of its ingest rate).  Two distinct events
 * share a point only if they fall in the same unit of the same series and
 * their slots are a multiple of U / 4 apart: 250,000 stream positions for
 * sub-second instants, 250,000,000 for whole seconds.
 */
#define EVL_POINT_SUB_FIELD "sub_ns"

/** Slots per unit of a point of class c (0..3): U(c) / 4. */
int64_t evl_point_slots(int c);

/**
 * The point time of an event at `instant` (ns since the epoch) with
 * message identity `slot`, and in *sub_ns the value of the sub-millisecond
 * field (0: none).  Returns 0, or -1 when the point time would fall outside
 * the range InfluxDB stores (1677-09-21 .. 2262-04-11).
 */
int evl_point_time(int64_t instant, uint64_t slot, int64_t *time_ns,
                   int64_t *sub_ns);

/** The class (0..3) of a point time: its last two bits name the unit. */
int evl_point_class(int64_t time_ns);

/** The event's instant from a point time and its sub-millisecond field. */
int64_t evl_point_instant(int64_t time_ns, int64_t sub_ns);

/**
 * Append one event as one line:
 *   MEAS[,BAND=B][,TAG=V...][,WRITER_TAG=W]
 * criticality=Ci,eventMessage="M"[,sub_ns=Si][,F=V...] T\n with T and S from
 * evl_point_time(ev->time_ns, slot).  `writer` (NULL: none) is the value of the
 * tag `map->writer_tag`, which keeps the points of two core-NATS sinks apart.
 * Tags come from string/integer/bool event values (absent keys are omitted);
 * extra fields from any scalar.  On error the buffer is left as it was and
 * `err` says why.
 */
int evl_lp_event(evl_buf *b, const evl_lp_map *map, const evl_event *ev,
                 uint64_t slot, const char *writer, char *err, size_t errlen);

#endif
