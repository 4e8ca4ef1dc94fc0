/*
 * RFC 3339 date-times: the one parser that the host (`deliver = "since
 * <time>"`) and the plugins' event code (plugins/lib/event.c) share.  A
 * pure function, no globals.
 */
#ifndef EVH_RFC3339_H
#define EVH_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse an RFC 3339 / ISO 8601 date-time of exactly len bytes
 * ("2026-11-22T14:00:00.123456789Z", "...+02:00"; 'T' or ' ' separator;
 * 0-9 fraction digits) into ns since the epoch.  A leap second (23:59:60Z,
 * or :60 of the minute that is 23:59 UTC under the given offset) is the
 * first second of the next day, fraction kept, as POSIX time counts it.
 * Returns 0; -1 for bad syntax or field ranges; -2 for a valid date-time
 * outside what InfluxDB stores
 * (1677-09-21T00:12:43.145224194Z .. 2262-04-11T23:47:16.854775806Z).
 */
int rfc3339_parse(const char *s, size_t len, int64_t *ns);

#endif
