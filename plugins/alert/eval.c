#include "eval.h"

#include <stdlib.h>
#include <string.h>

#define EVENT_TEXT_MAX 4096

static void add_alert(round *rd, alert *a)
{
    for (size_t i = 0; i < rd->n; i++)
        if (rd->as[i] == a)
            return;
    if (rd->n == rd->cap) {
        size_t cap = rd->cap ? rd->cap * 2 : 8;
        alert **n = realloc(rd->as, cap * sizeof *n);
        if (!n) {
            rd->oom = true;
            return;
        }
        rd->as = n;
        rd->cap = cap;
    }
    rd->as[rd->n++] = a;
}

/* Hand a reference (already taken) to the round's notification. */
static void add_ref(round *rd, mref *r)
{
    if (rd->nrefs == rd->caprefs) {
        size_t cap = rd->caprefs ? rd->caprefs * 2 : 8;
        mref **n = realloc(rd->refs, cap * sizeof *n);
        if (!n) {
            /* Not held for the notification: acked now.  An alert lost
             * only if this process dies before delivering it. */
            rd->oom = true;
            mref_put(r, false);
            return;
        }
        rd->refs = n;
        rd->caprefs = cap;
    }
    rd->refs[rd->nrefs++] = r;
}

static void set_event(alert *a, const char *json)
{
    free(a->event);
    a->event = json ? strndup(json, EVENT_TEXT_MAX) : NULL;
}

static void fire(round *rd, alert *a, int64_t starts_ns, int64_t now_ns)
{
    a->firing = true;
    a->starts_ns = starts_ns < now_ns ? starts_ns : now_ns;
    rd->fired++;
    add_alert(rd, a);
}

static void resolve(round *rd, alert *a)
{
    a->firing = false;
    rd->resolved++;
    add_alert(rd, a);
}

static bool ring_has(const alert *a, uint64_t seq)
{
    for (size_t i = 0; seq && i < a->nring; i++)
        if (a->ring[i].seq == seq)
            return true;
    return false;
}

static void ring_drop_oldest(alert *a)
{
    if (a->ring[0].ref)
        mref_put(a->ring[0].ref, false);
    memmove(a->ring, a->ring + 1, (a->nring - 1) * sizeof *a->ring);
    a->nring--;
}

/* The ring keeps the count+1 latest matches: more than `count` within the
 * window is when the oldest of them is within the window of the newest
 * (event time, so that a redelivery counts as the first delivery did). */
static void rate_match(round *rd, alert *a, const match *m, int64_t now_ns)
{
    const rule *r = a->r;
    if (ring_has(a, m->seq)) /* a redelivery of a message we hold */
        return;
    if (a->nring == (size_t)r->count + 1)
        ring_drop_oldest(a);
    held *h = &a->ring[a->nring++];
    h->ts = m->ts_ns;
    h->seq = m->seq;
    h->ref = NULL;
    if (!a->firing) {
        h->ref = m->ref;
        mref_take(m->ref);
    }
    if (a->firing || a->nring != (size_t)r->count + 1 ||
        h->ts - a->ring[0].ts > r->window_ns)
        return;
    set_event(a, m->json);
    fire(rd, a, m->ts_ns, now_ns);
    for (size_t i = 0; i < a->nring; i++)
        if (a->ring[i].ref) {
            add_ref(rd, a->ring[i].ref);
            a->ring[i].ref = NULL;
        }
}

void eval_match(round *rd, alert *a, const match *m, int64_t now_ns)
{
    switch (a->r->kind) {
    case RULE_THRESHOLD:
        a->last_ns = now_ns;
        if (!a->firing) {
            set_event(a, m->json);
            fire(rd, a, m->ts_ns, now_ns);
            mref_take(m->ref);
            add_ref(rd, m->ref);
        }
        break;
    case RULE_RATE:
        rate_match(rd, a, m, now_ns);
        a->last_ns = now_ns;
        break;
    case RULE_DEADMAN:
        a->last_ns = now_ns;
        if (a->firing) {
            set_event(a, m->json);
            resolve(rd, a);
            mref_take(m->ref);
            add_ref(rd, m->ref);
        }
        break;
    }
}

static void rate_tick(round *rd, alert *a, int64_t now_ns)
{
    const rule *r = a->r;
    if (!a->firing) {
        while (a->nring && a->ring[0].ts < now_ns - r->window_ns)
            ring_drop_oldest(a);
        return;
    }
    /* A firing alert read back from the bucket has an empty ring: its
     * last match is all we know. */
    bool full = a->nring == (size_t)r->count + 1;
    if (full ? a->ring[0].ts < now_ns - r->window_ns
             : now_ns - a->last_ns > r->window_ns)
        resolve(rd, a);
}

void eval_tick(round *rd, alert *a, int64_t now_ns, int64_t save_ns, bool *save)
{
    const rule *r = a->r;
    *save = false;
    switch (r->kind) {
    case RULE_THRESHOLD:
        if (a->firing && now_ns - a->last_ns > r->resolve_ns)
            resolve(rd, a);
        break;
    case RULE_RATE: rate_tick(rd, a, now_ns); break;
    case RULE_DEADMAN:
        if (!a->firing && now_ns - a->last_ns > r->duration_ns) {
            set_event(a, NULL);
            fire(rd, a, a->last_ns + r->duration_ns, now_ns);
        } else if (!a->firing && a->last_ns - a->saved_ns >= save_ns)
            *save = true;
        break;
    }
}

void eval_release(alert *a, bool nak)
{
    for (size_t i = 0; i < a->nring; i++)
        if (a->ring[i].ref) {
            mref_put(a->ring[i].ref, nak);
            a->ring[i].ref = NULL;
        }
}

void round_free(round *rd)
{
    free(rd->as);
    free(rd->refs);
    memset(rd, 0, sizeof *rd);
}
