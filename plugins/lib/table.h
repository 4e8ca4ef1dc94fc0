/*
 * The one table row every event printer shares (query-client, tail), so an
 * operator reads the same columns everywhere:
 *
 *   " * 2026-11-23 11:15:01.907     9  Audit log cleared on host db-02"
 *
 * Pure functions: the local time zone is the only outside input.
 */
#ifndef EVL_TABLE_H
#define EVL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/** The column heading that goes above evl_table_row's rows. */
#define EVL_TABLE_HEADING "   TIME                     CRIT  MESSAGE\n"

/** "2026-11-22 15:04:05.123" in local time for an RFC 3339 timestamp;
 *  the text itself when it does not parse. */
void evl_table_local_time(const char *rfc3339, char *buf, size_t cap);

/** Wall-clock time `ns` (since the epoch) in local time, to the second:
 *  "2026-11-22 15:04:05", or "15:04:05" without the date.  For the lines
 *  a printer writes about itself (headings, notices). */
void evl_table_clock(int64_t ns, bool with_date, char *buf, size_t cap);

/** Append `s` with every control character shown escaped (\n, \t, \x07),
 *  so that a message can never break a row or the terminal. */
void evl_table_add_visible(evl_buf *out, const char *s);

/** One row: mark (' ' or '*'), local time, criticality, visible message,
 *  newline. */
void evl_table_row(evl_buf *out, char mark, int64_t criticality,
                   const char *timestamp, const char *message);

#endif
