/*
 * What goes out: Alertmanager's API v2 alerts (POST /api/v2/alerts takes
 * a JSON array of {labels, annotations, startsAt, endsAt, generatorURL})
 * and the webhook's JSON.  Pure functions over the alert state.
 */
#ifndef EVH_ALERT_BODY_H
#define EVH_ALERT_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

typedef struct body_ctx {
    const char *host, *instance;
    const char *generator_url; /* NULL: evhost://HOST/INSTANCE/RULE */
} body_ctx;

/** The JSON array of the n alerts as they are at `now_ns` (wall clock): a
 *  resolved one ends now; a firing one has no endsAt, so that a delivery
 *  delayed by an outage never arrives already expired: Alertmanager ends
 *  it after its resolve_timeout unless a re-send comes first.  malloc'ed,
 *  or NULL. */
char *body_alertmanager(const body_ctx *c, alert *const *as, size_t n,
                        int64_t now_ns);
/** {"version":"1","source":"evhost","host":H,"instance":I,
 *   "status":"firing"|"resolved","alerts":[ALERT...]}, each alert as above
 *  with its own "status" (the top one is "firing" if any is), malloc'ed
 *  or NULL. */
char *body_webhook(const body_ctx *c, alert *const *as, size_t n,
                   int64_t now_ns);

#endif
