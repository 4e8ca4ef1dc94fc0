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
 * criticality field alone, reading every point.  It asks for one point more
 * than the request's count (see query_boundary).  Returns malloc'd text or
 * NULL.
 */
char *query_build_influxql(const char *measurement, const char *band_tag,
                           char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                           const query_request *req);

/*
 * Newest first, by the event's instant.  A point's time orders points by
 * the unit of its instant (lineproto.h: the second, tenth, hundredth or
 * millisecond); within one millisecond, points of sub-millisecond instants
 * are in slot order, so the last millisecond an answer reaches may hold
 * newer events than those the SELECT returned.  When it may, the k newest
 * of that millisecond are asked for with TOP("sub_ns", k) (InfluxDB reads
 * the millisecond, returns k points); when fewer than k points there have a
 * sub-millisecond part, the millisecond is read whole (at most
 * QUERY_BOUNDARY_MAX points).
 */
#define QUERY_BOUNDARY_MAX 10000

/**
 * Whether the answer `body` to query_build_influxql needs its last
 * millisecond read again: 1 with the range [*from, *to) of point times and
 * in *k how many of the answer's events come from it, 0 when not, -1 on a
 * bad answer.
 */
int query_boundary(const char *body, int64_t count, int64_t *from,
                   int64_t *to, int64_t *k);

/**
 * The SELECT of the request's points with time in [from, to): with k > 0
 * the k of them with the largest sub-millisecond part (TOP), with k == 0
 * all of them up to QUERY_BOUNDARY_MAX (malloc'd).
 */
char *query_build_range(const char *measurement, const char *band_tag,
                        char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                        const query_request *req, int64_t from, int64_t to,
                        int64_t k);

/** Points in an answer (-1 on a bad answer). */
int64_t query_points(const char *body);

/**
 * Turn InfluxDB /query JSON answers (epoch=ns) into the reply JSON: the
 * first `count` events, newest first by instant, from `body` and, when not
 * NULL, the boundary millisecond read whole (`boundary`, which replaces
 * the points of body in that range).  A point with the timestamp text of
 * the earlier stored shape answers with that text; others with their
 * instant in RFC 3339, UTC, without trailing zeros in the fraction.
 * Returns malloc'd reply, or NULL with a reason in err.
 */
char *query_reply_from_influx(const char *body, const char *boundary,
                              int64_t count, char *err, size_t errlen);

/** An instant as RFC 3339 UTC, fraction without trailing zeros. */
int query_format_instant(int64_t ns, char *buf, size_t cap);

/** {"error":{"code":code,"message":message}} (malloc'd). */
char *query_error_reply(const char *code, const char *message);

#endif
