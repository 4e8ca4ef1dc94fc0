/*
 * Rule evaluation: what a matching event or the passing of time does to
 * an alert.  Each change of state (fires, resolves) is collected in a
 * round; alert.c turns a round into one notification, which carries the
 * messages that must stay unacked until it is delivered.
 */
#ifndef EVH_ALERT_EVAL_H
#define EVH_ALERT_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

typedef struct round {
    alert **as; /* alerts whose state changed */
    size_t n, cap;
    mref **refs; /* messages the notification holds */
    size_t nrefs, caprefs;
    int64_t fired, resolved;
    bool oom;
} round;

/* What the matching event is: its time, its text for the annotation, its
 * stream sequence (0 on core NATS) and its message reference. */
typedef struct match {
    int64_t ts_ns;
    const char *json;
    uint64_t seq;
    mref *ref;
} match;

/** A matching event for alert `a` at wall-clock `now_ns`. */
void eval_match(round *rd, alert *a, const match *m, int64_t now_ns);
/** Time passed: resolve, expire or fire by the clock.  A deadman alert
 *  whose last_ns moved by save_ns or more since it was saved sets
 *  *save. */
void eval_tick(round *rd, alert *a, int64_t now_ns, int64_t save_ns,
               bool *save);
/** Let go of what a rate window still holds (nak: redeliver). */
void eval_release(alert *a, bool nak);
void round_free(round *rd);

#endif
