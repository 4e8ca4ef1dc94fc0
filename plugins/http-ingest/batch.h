/*
 * What http-ingest accepts, as pure functions of the request (no I/O, no
 * clock): a body of one JSON event or NDJSON lines becomes a batch of
 * validated events, all or nothing, ready to publish.  Tested on their
 * own (t/unit/test-ingest-batch.c).
 */
#ifndef EVH_INGEST_BATCH_H
#define EVH_INGEST_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ingest_batch {
    char **data; /**< each event's bytes (malloc'ed, NUL-terminated) */
    size_t *len;
    size_t n, cap;
} ingest_batch;

typedef struct ingest_limits {
    size_t max_event_bytes; /**< one event, encoded */
    size_t max_events;      /**< events per request */
    const char *key_field;  /**< field the URL's key is stored in */
} ingest_limits;

/**
 * Parse `body` (`len` bytes): one JSON event (may span lines) or NDJSON
 * (one event per line; blank lines and a trailing \r are ignored).  Each
 * event is validated with evl_event_parse.  With `key` (from the URL) each
 * event gets the field lim->key_field = key; an event that already names a
 * different key is refused.  Events without `key` are kept byte for byte.
 * Returns 0 with the events appended to `b`; or -1 with nothing appended,
 * a one-line reason in `err` and the 1-based line of the first bad event
 * in *line (0 when the request as a whole is wrong: empty, too many).
 */
int ingest_parse(const char *body, size_t len, const char *key,
                 const ingest_limits *lim, ingest_batch *b, size_t *line,
                 char *err, size_t errlen);

/** Free the events; the batch can be reused. */
void ingest_batch_free(ingest_batch *b);

/** An account key from a URL: 1..64 of [A-Za-z0-9_.-], not "." or "..". */
bool ingest_key_valid(const char *key);

/** An Idempotency-Key header: 1..128 of [A-Za-z0-9_.:-]. */
bool ingest_idempotency_key_valid(const char *key);

/**
 * The event of a body-less `PUT /events/<key>?criticality=7&message=...
 * [&timestamp=...]` as JSON text in `buf`: `now_ns` stands in for a
 * missing timestamp.  Returns its length, or -1 with a reason in err.
 */
int ingest_event_from_params(const char *criticality, const char *message,
                             const char *timestamp, int64_t now_ns, char *buf,
                             size_t cap, char *err, size_t errlen);

/** Constant-time comparison of a presented token with the expected one. */
bool ingest_token_equal(const char *given, const char *want);

#endif /* EVH_INGEST_BATCH_H */
