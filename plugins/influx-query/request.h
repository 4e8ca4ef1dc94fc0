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

/**
 * The InfluxQL text for a validated request.  Only integers this code
 * printed go into it (JSON parameters would pass them as float64 and lose
 * precision beyond 2^53), and the measurement and tag key are quoted as
 * identifiers.  With `band_tag` (the writer's criticality band tag key,
 * lineproto.h) the query selects only the bands that can hold a match;
 * with NULL it filters on the criticality field alone, reading every
 * point.  The caller answers min_criticality == INT64_MAX itself when it
 * uses bands (no band can match: the condition would be empty).
 * Returns malloc'd text or NULL.
 */
char *query_build_influxql(const char *measurement, const char *band_tag,
                           const query_request *req);

/**
 * Turn an InfluxDB /query JSON answer (epoch=ns) into the reply JSON.
 * Returns malloc'd reply, or NULL with a reason in err.
 */
char *query_reply_from_influx(const char *body, char *err, size_t errlen);

/** {"error":{"code":code,"message":message}} (malloc'd). */
char *query_error_reply(const char *code, const char *message);

#endif
