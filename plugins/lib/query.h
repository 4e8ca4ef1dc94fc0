/*
 * The query request (DESIGN §6), independent of any store: what a reader
 * of the `query` subject is asked, parsed and validated once, here, so that
 * every reader (influx-query, pg-query) answers the same question the same
 * way.  Pure functions: no I/O, no globals, no clock (the caller passes
 * "now"); safe from any thread.
 *
 * CONTRACT (readers build on this struct: members are only ever appended).
 *
 * Request, a JSON object of at most EVL_QUERY_MAX_BYTES:
 *
 *   last_events_count  integer 1..max_count; required for events, refused
 *                      with count_by
 *   min_criticality    integer: criticality strictly greater (classic)
 *   max_criticality    integer: criticality less than or equal
 *   criticality_in     1..EVL_QUERY_IN_MAX integers: criticality one of them
 *   since, until       RFC 3339 instant, or a duration before now ("90s",
 *                      "15m", "1h", "7d"); since inclusive, until exclusive
 *   contains           1..EVL_QUERY_CONTAINS_MAX bytes of UTF-8 without
 *                      control characters: a case-sensitive plain substring
 *                      of eventMessage (never a pattern)
 *   key                1..64 of [A-Za-z0-9_.-] (http-ingest's account key,
 *                      not "." or ".."): equality on the stamped key field
 *   before             a cursor from a previous answer's `next`
 *   count_by           "criticality", {"every": DURATION}, {"criticality":
 *                      true, "every": DURATION}, or an array of the first
 *                      two: counts instead of events
 *
 * Conditions combine with AND.  A request with only the two classic members
 * (`classic` set) must be answered exactly as the classic reader did: no
 * `next`.  In any other event request min_criticality may be left out.
 * Unknown members are refused with an error naming them.
 *
 * Bounds, and why:
 *   - since/until are taken at the whole second (floor): every stored
 *     point's time stays within its event's second (lineproto.h), so a
 *     range of whole seconds is exact on InfluxDB's time index;
 *   - contains scans the text of every event in its range, so it is only
 *     allowed over at most EVL_QUERY_CONTAINS_RANGE_NS (24 h): without
 *     since it means the 24 h before until (or now), and a wider explicit
 *     range is refused;
 *   - count_by every: a whole number of seconds, 1 s..366 d, needs since,
 *     and (until - since) / every at most EVL_QUERY_BUCKETS_MAX buckets;
 *     without until it counts up to now (until is set to the second after
 *     now, as contains does).
 *
 * Answers:
 *   events  {"events":[{criticality,timestamp,eventMessage},...]} newest
 *           first, plus "next":"<cursor>" (not in a classic answer) when
 *           more events match after the last one given;
 *   counts  {"counts":[{"time":T,"criticality":C,"count":N},...]}, "time"
 *           (the bucket's start, RFC 3339 UTC, buckets aligned to the epoch)
 *           only with every, "criticality" only with criticality; time then
 *           criticality ascending; empty buckets left out;
 *   error   {"error":{"code":"bad_request"|"unavailable","message":...}}.
 */
#ifndef EVL_QUERY_H
#define EVL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVL_QUERY_MAX_BYTES 4096
#define EVL_QUERY_IN_MAX 100
#define EVL_QUERY_CONTAINS_MAX 256
#define EVL_QUERY_KEY_MAX 64
#define EVL_QUERY_CONTAINS_RANGE_NS (24LL * 3600 * 1000000000)
#define EVL_QUERY_BUCKETS_MAX 10000
#define EVL_QUERY_EVERY_MAX_NS (366LL * 86400 * 1000000000)
#define EVL_QUERY_CURSOR_LEN 64 /* room for an encoded cursor and its NUL */

/**
 * A position in the newest-first order of a reader's answer: the last
 * event given.  The next page holds the events after it in that order.
 * `instant_ns` is the event's instant; `tie` is the store's own order
 * among events of one instant (influx-query: the point time; pg-query: its
 * row id).  Opaque to clients.
 */
struct evl_cursor {
    int64_t instant_ns;
    int64_t tie;
};

struct evl_query {
    int64_t last_events_count; /* 1..max_count; 0 with count_by */
    bool classic;              /* only last_events_count and min_criticality */
    bool has_min, has_max;
    int64_t min_criticality; /* criticality > min when has_min */
    int64_t max_criticality; /* criticality <= max when has_max */
    size_t n_in;             /* 0: no criticality_in */
    int64_t criticality_in[EVL_QUERY_IN_MAX]; /* ascending, no duplicates */
    bool has_since, has_until;
    int64_t since_ns;    /* inclusive, a whole second, when has_since */
    int64_t until_ns;    /* exclusive, a whole second, when has_until */
    size_t contains_len; /* 0: no contains */
    char contains[EVL_QUERY_CONTAINS_MAX + 1];
    char key[EVL_QUERY_KEY_MAX + 1]; /* "": no key condition */
    bool has_before;
    struct evl_cursor before;
    bool counts;               /* count_by given: answer counts */
    bool count_by_criticality; /* a count per criticality */
    int64_t every_ns;          /* >0: a count per bucket of every_ns */
};

/**
 * Parse and validate a request (`len` bytes, not necessarily
 * NUL-terminated) strictly, with last_events_count in 1..max_count and
 * relative times resolved against `now_ns`.  Returns 0 with *q filled, or
 * -1 with a one-line reason in err naming the member (every unknown member
 * named, up to the room in err).
 */
int evl_query_parse(const char *data, size_t len, int64_t max_count,
                    int64_t now_ns, struct evl_query *q, char *err,
                    size_t errlen);

/**
 * Whether criticality v satisfies the request's criticality conditions
 * (min, max, criticality_in).
 */
bool evl_query_crit_match(const struct evl_query *q, int64_t v);

/**
 * A duration: a positive integer and one of s, m, h, d ("15m"), at most
 * 3650 d.  Returns 0 with *ns, or -1.
 */
int evl_query_duration(const char *s, size_t len, int64_t *ns);

/**
 * Encode a cursor as text (at most EVL_QUERY_CURSOR_LEN bytes with NUL)
 * into buf.  Returns the length, or -1 when it does not fit.
 */
int evl_cursor_encode(const struct evl_cursor *c, char *buf, size_t cap);

/** Decode what evl_cursor_encode wrote, strictly.  Returns 0 or -1. */
int evl_cursor_decode(const char *s, size_t len, struct evl_cursor *c);

/**
 * Append `,"next":"<cursor>"` before the closing brace of the events reply
 * `reply` (malloc'd, "{...}"), in place: returns the new text (the old one
 * is consumed), or NULL when out of memory (the old one freed too).
 */
char *evl_query_add_next(char *reply, const struct evl_cursor *c);

#endif /* EVL_QUERY_H */
