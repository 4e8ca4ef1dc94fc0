/*
 * pg-query's replies from PostgreSQL's rows, byte for byte what
 * influx-query answers (json-c, plain, slashes not escaped):
 *   {"events":[{"criticality":C,"timestamp":"T","eventMessage":"M"},...]}
 *   with ,"next":"<cursor>" when more match (never in a classic answer);
 *   {"counts":[{"time":T,"criticality":C,"count":N},...]}.
 * T is the instant in RFC 3339 UTC with the fraction's trailing zeros
 * dropped.  Pure functions of the result: safe from any thread.
 */
#ifndef EVH_PGQ_REPLY_H
#define EVH_PGQ_REPLY_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"

/** The events reply from pgq_build_events' rows (malloc'd; NULL OOM). */
char *pgq_events_reply(const PGresult *res, const struct evl_query *q);

/** The counts reply from pgq_build_counts' rows (malloc'd; NULL OOM). */
char *pgq_counts_reply(const PGresult *res, const struct evl_query *q);

/** {"error":{"code":code,"message":message}} (malloc'd). */
char *pgq_error_reply(const char *code, const char *message);

#endif
