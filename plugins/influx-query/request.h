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
#include "query.h"

/* The request: plugins/lib/query.h's contract, shared by every reader. */
typedef struct evl_query query_request;

/* Where the events are: the measurement, the writer's criticality band tag
 * (NULL: points without bands, every point read) and the field or tag that
 * holds http-ingest's account key. */
typedef struct query_store {
    const char *measurement, *band_tag, *key_field;
} query_store;

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
 * hold a criticality the request accepts (min, max, criticality_in), in
 * evl_crit_bands_above's order, into out (room for EVL_CRIT_BAND_TOP + 2).
 * Returns how many (0: nothing can match), or -1 with a reason in err.
 */
int query_bands_from_influx(const char *body, const query_request *req,
                            char out[][EVL_CRIT_BAND_LEN], char *err,
                            size_t errlen);

/** An identifier, double-quoted, '"' and '\\' escaped. */
void query_add_ident(evl_buf *b, const char *name);

/**
 * Append the WHERE clause of query_build_influxql (nothing when there is no
 * condition), with also time in [from, to) when from < to.
 */
void query_where(evl_buf *b, const query_store *st,
                 char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                 const query_request *req, int64_t from, int64_t to);

/**
 * The SELECT for a validated request.  Only integers this code printed,
 * band names from lineproto.c's fixed set, the key (query.h's charset: no
 * quote can occur) and `contains` as a regular expression of which every
 * byte but ASCII letters, digits and UTF-8 beyond ASCII is written as an
 * \x{HH} escape (so it matches the plain text, and no '/' or '\' of the
 * client's reaches the InfluxQL scanner) go into it.  JSON parameters would
 * pass integers as float64 and lose precision beyond 2^53.  The
 * measurement, band tag and key field are quoted as identifiers.
 *
 * The conditions: the bands (when `band_tag` and nbands > 0, only those
 * series are read; with NULL every point is), then criticality > min,
 * <= max, = one of criticality_in, time >= since, time < until (InfluxDB's
 * time index: since and until are whole seconds, and a point's time stays
 * within its event's second, so this is exact), key = 'K', eventMessage
 * =~ /contains/.  It asks for one point more than the request's count (see
 * query_boundary).  Returns malloc'd text or NULL.
 */
char *query_build_influxql(const query_store *st,
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
int query_boundary(const char *body, int64_t count, int64_t *from, int64_t *to,
                   int64_t *k);

/**
 * The SELECT of the request's points with time in [from, to): with k > 0
 * the k of them with the largest sub-millisecond part (TOP), with k == 0
 * all of them up to QUERY_BOUNDARY_MAX (malloc'd).
 */
char *query_build_range(const query_store *st, char bands[][EVL_CRIT_BAND_LEN],
                        size_t nbands, const query_request *req, int64_t from,
                        int64_t to, int64_t k);

/** Points in an answer (-1 on a bad answer). */
int64_t query_points(const char *body);

/**
 * Turn InfluxDB /query JSON answers (epoch=ns) into the reply JSON: the
 * first req->last_events_count events, newest first by instant, from
 * `body`; when not NULL, the boundary millisecond read whole (`boundary`,
 * which replaces the points of body in that range); when not NULL, the
 * cursor's millisecond read whole (`after`, of which only the events after
 * req->before count).  A point with the timestamp text of the earlier
 * stored shape answers with that text; others with their instant in RFC
 * 3339, UTC, without trailing zeros in the fraction.  A request that is
 * not classic gets "next" when more events match than were given.
 * Returns malloc'd reply, or NULL with a reason in err.
 */
char *query_reply_from_influx(const char *body, const char *boundary,
                              const char *after, const query_request *req,
                              char *err, size_t errlen);

/** How many events of `after` (an answer) come after req->before. */
int64_t query_after_cursor(const char *after, const query_request *req);

/** The millisecond of a point time (floor). */
int64_t query_floor_ms(int64_t t);

/** {"error":{"code":code,"message":message}} (malloc'd). */
char *query_error_reply(const char *code, const char *message);

#endif
