/*
 * pg-sink's rows: an event as one line of PostgreSQL's COPY text format,
 * in the column order of the staging table (schema.h):
 *
 *   time  time_ns  criticality  message  key  extra  writer  seq
 *
 * time is the instant truncated to the microsecond (timestamptz holds no
 * more), time_ns the exact instant in nanoseconds since the epoch; key the
 * event's `key_field` member when it is a string (NULL otherwise); extra
 * the other members as a JSON object (NULL when none); writer and seq the
 * row's identity: "" and the stream sequence on JetStream, the writer id
 * and its counter on core NATS.
 *
 * Pure functions: no I/O, safe from any thread.
 */
#ifndef EVH_PGS_ROWS_H
#define EVH_PGS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"

/**
 * Append the row of `ev` (parsed by evl_event_parse, so ev->obj is set)
 * to `out`, newline included.  Returns 0, or -1 with a reason in err (out
 * of memory, or an instant that cannot be formatted); `out` is then as it
 * was.  Bytes PostgreSQL may refuse (a NUL in the key, "\u0000" in a JSON
 * member) are written as they are: the server's verdict is the poison
 * row's reason.
 */
int pgs_row(evl_buf *out, const evl_event *ev, const char *key_field,
            const char *writer, uint64_t seq, char *err, size_t errlen);

/** `s` (`n` bytes) escaped for a COPY text field. */
int pgs_copy_field(evl_buf *out, const char *s, size_t n);

/** The instant as a timestamptz literal, microseconds, UTC (36 bytes). */
int pgs_timestamptz(int64_t ns, char *buf, size_t cap);

#endif
