/*
 * The query wire format (DESIGN §6), as pure functions so they can be
 * tested and fuzzed without a server:
 *   request  {"last_events_count": N, "min_criticality": X}
 *   reply    {"events": [ {criticality, timestamp, eventMessage}, ... ]}
 *            {"error": {"code": "...", "message": "..."}}
 */
#ifndef EVH_QUERY_REQUEST_H
#define EVH_QUERY_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "lineproto.h"

typedef struct query_request {
    int64_t count;           /* last_events_count, 1..max_count */
    int64_t min_criticality; /* strictly greater than this */
} query_request;

/**
 * Parse and validate a request strictly: a JSON object with exactly those
 * two keys, both JSON integers, count in 1..max_count.  Returns 0, or -1
 * with a one-line reason in err.
 */
int query_request_parse(const char *data, size_t len, int64_t max_count,
                        query_request *req, char *err, size_t errlen);

/*
 * With the writer's criticality band tag (lineproto.h), a request is two
 * InfluxQL statements: the band listing, answered from InfluxDB's tag
 * index, then a SELECT over only the stored bands that can hold a value
 * above X -- none, and there is no SELECT at all.  Listing every band that
 * could exist instead costs InfluxDB 2-3 ms per query for the terms alone
 * (measured at 1M points: 95 terms 7.6 ms, the 5 stored ones 4.1 ms).
 */

/** "SHOW TAG VALUES FROM <measurement> WITH KEY = <band_tag>" (malloc'd). */
char *query_build_band_listing(const char *measurement, const char *band_tag);

/**
 * From InfluxDB's answer to the band listing, the stored bands that can
 * hold a criticality above x, in evl_crit_bands_above's order, into out
 * (room for EVL_CRIT_BAND_TOP + 2).  Returns how many (0: nothing can
 * match), or -1 with a reason in err.
 */
int query_bands_from_influx(const char *body, int64_t x,
                            char out[][EVL_CRIT_BAND_LEN], char *err,
                            size_t errlen);

/**
 * The SELECT for a validated request.  Only integers this code printed and
 * band names from lineproto.c's fixed set go into it (JSON parameters would
 * pass integers as float64 and lose precision beyond 2^53), and the
 * measurement and tag key are quoted as identifiers.  With `band_tag` and
 * nbands > 0 it reads only those bands; with NULL it filters on the
 * criticality field alone, reading every point.  Returns malloc'd text or
 * NULL.
 */
char *query_build_influxql(const char *measurement, const char *band_tag,
                           char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                           const query_request *req);

/**
 * Turn an InfluxDB /query JSON answer (epoch=ns) into the reply JSON.
 * Returns malloc'd reply, or NULL with a reason in err.
 */
char *query_reply_from_influx(const char *body, char *err, size_t errlen);

/** {"error":{"code":code,"message":message}} (malloc'd). */
char *query_error_reply(const char *code, const char *message);

#endif
