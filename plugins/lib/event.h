/*
 * The security event (DESIGN §5): a JSON object with `criticality` (int64),
 * `timestamp` (RFC 3339, 0-9 fraction digits, `Z` or an offset) and
 * `eventMessage` (any UTF-8 string).  Extra keys are kept.
 *
 * Pure functions: no I/O, no globals; safe from any thread.
 */
#ifndef EVL_EVENT_H
#define EVL_EVENT_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/** Default cap on an event's encoded size (bytes). */
#define EVL_EVENT_MAX_BYTES (1024 * 1024)

typedef struct evl_event {
    int64_t criticality;
    int64_t time_ns;       /**< timestamp as ns since the Unix epoch, UTC */
    const char *timestamp; /**< original timestamp text (owned by obj) */
    const char *message;   /**< eventMessage, UTF-8 (owned by obj) */
    size_t message_len;
    struct json_object *obj; /**< the whole parsed object, extras included */
} evl_event;

/**
 * Parse and validate one event from `data` (`len` bytes, not necessarily
 * NUL-terminated).  Refuses: more than `max_len` bytes (0 = default),
 * invalid JSON or UTF-8, nesting deeper than 32, a non-object, a missing key,
 * a wrong type (criticality must be a JSON integer within int64; a float,
 * string, bool or null is refused), a bad timestamp.
 * Returns 0, or -1 with a one-line reason in `err` (never quoting more than
 * a few bytes of the input).  On success free with evl_event_free().
 */
int evl_event_parse(const char *data, size_t len, size_t max_len, evl_event *ev,
                    char *err, size_t errlen);

/**
 * The fast path for a flat event (event_scan.c): one pass, no JSON tree.
 * Returns 0 with `ev` filled exactly as evl_event_parse would fill it, but
 * ev->obj NULL and the strings decoded into `scratch` (valid until its next
 * use); or 1 when the event needs evl_event_parse -- anything unusual,
 * every error included (call evl_event_parse then, for its verdict and its
 * reason).  Accepts nothing evl_event_parse refuses.  An event with
 * ev->obj NULL needs no evl_event_free.
 */
struct evl_buf;
int evl_event_scan(const char *data, size_t len, size_t max_len, evl_event *ev,
                   struct evl_buf *scratch);

/** Free what evl_event_parse allocated; safe on a zeroed event. */
void evl_event_free(evl_event *ev);

/**
 * Format an event as compact JSON into `buf` (`cap` bytes):
 * {"criticality":C,"timestamp":"T","eventMessage":"M"} with M escaped.
 * Returns the length written (excluding NUL), or -1 if it does not fit.
 */
int evl_event_format(char *buf, size_t cap, int64_t criticality,
                     const char *timestamp, const char *message);

/**
 * Write `s` into `buf` (`cap` bytes) as a JSON string: quotes included,
 * escaped exactly as evl_event_format escapes its strings, NUL-terminated.
 * 6 * strlen(s) + 3 bytes always suffice.  Returns the length written
 * (excluding NUL), or -1 if it does not fit.
 */
int evl_json_quote(char *buf, size_t cap, const char *s);

/**
 * evl_event_format for strings already quoted with evl_json_quote
 * (`timestamp_len` and `message_len` bytes, quotes included): the same
 * output, without escaping them again.  For a caller that formats many
 * events from the same strings (the generator, one escape per message at
 * configure time).  Returns the length written (excluding NUL), or -1 if it
 * does not fit.
 */
int evl_event_format_quoted(char *buf, size_t cap, int64_t criticality,
                            const char *timestamp, size_t timestamp_len,
                            const char *message, size_t message_len);

/**
 * Parse RFC 3339 / ISO 8601 date-time ("2026-11-22T14:00:00.123456789Z",
 * "...+02:00"; 'T' or ' ' separator; 0-9 fraction digits) into ns since the
 * epoch.  A leap second (23:59:60Z, or :60 of the minute that is 23:59 UTC
 * under the given offset) is the first second of the next day, fraction
 * kept, as POSIX time counts it.  Returns 0; -1 for bad syntax or field
 * ranges; -2 for a valid date-time outside what InfluxDB stores
 * (1677-09-21T00:12:43.145224194Z .. 2262-04-11T23:47:16.854775806Z).
 */
int evl_time_parse(const char *s, size_t len, int64_t *ns);

/**
 * Format ns since the epoch as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (UTC, always
 * 9 fraction digits).  `buf` needs 36 bytes.  Returns the length or -1.
 */
int evl_time_format(int64_t ns, char *buf, size_t cap);
/**
 * The instant as a reply writes it: RFC 3339 UTC with the fraction's
 * trailing zeros (and a dot left alone) dropped.  Returns the length, or
 * -1 when it does not fit in cap.
 */
int evl_time_format_short(int64_t ns, char *buf, size_t cap);

/**
 * The int64 value of a parsed JSON number that must be an integer: refuses
 * floats (5.0, 1e3) and anything outside int64, which json-c would clamp
 * silently.  `raw`/`rawlen` is the text the object was parsed from.
 * Returns 0 or -1.
 */
int evl_json_int64(struct json_object *o, const char *raw, size_t rawlen,
                   int64_t *out);

/**
 * Strict UTF-8 check (RFC 3629: no overlong forms, no surrogates, nothing
 * past U+10FFFF).  Returns len when valid, else the offset of the first bad
 * sequence.
 */
size_t evl_utf8_check(const char *s, size_t len);

#endif /* EVL_EVENT_H */
