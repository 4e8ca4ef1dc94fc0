/*
 * What the reader knows of InfluxDB's health, shared by its workers: after
 * a failed query InfluxDB is "known down" for probe_interval_ms, and
 * requests are answered "unavailable" at once instead of each waiting
 * timeout_ms; then one request is let through as a probe.
 */
#ifndef EVH_QUERY_HEALTH_H
#define EVH_QUERY_HEALTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct query_health {
    pthread_mutex_t lock;
    bool down, probing;
    int64_t retry_at_ms; /* monotonic */
    char why[256];       /* the last failure */
} query_health;

void health_init(query_health *h);
void health_destroy(query_health *h);

/**
 * Should a request be answered "unavailable" without asking InfluxDB?
 * True (with the last failure in why) while known down and before the
 * next probe, or while another request is the probe.  With `take_probe`,
 * a caller that gets false while down has become the probe.
 */
bool health_fail_fast(query_health *h, int64_t now_ms, bool take_probe,
                      char *why, size_t cap);

/** A query failed: known down until now + interval.  True when it was up. */
bool health_failed(query_health *h, int64_t now_ms, int64_t interval_ms,
                   const char *why);

/** A query succeeded.  True when it was down. */
bool health_ok(query_health *h);

#endif /* EVH_QUERY_HEALTH_H */
