/*
 * The alert plugin's state: one alert per (rule, group), firing or not,
 * in a hash table owned by the instance (touched only by its callbacks,
 * which the host serialises), and the record of an alert kept in the
 * key-value bucket so that a restarted host picks up where this one was.
 * The record functions are pure (fuzzed: t/fuzz/fuzz-alert.c).
 */
#ifndef EVH_ALERT_STATE_H
#define EVH_ALERT_STATE_H

#include <evhost/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/*
 * A held message and who still needs it: the notifications it triggered
 * and the rate windows it counts in.  It is settled once, when the last
 * of them lets go: acked, or nak'ed (redelivered) if any of them could
 * not finish (an undelivered notification at stop).  Only the instance's
 * callbacks touch it.
 */
typedef struct mref {
    evh_msg *msg;
    int refs;
    bool held; /* evh_msg_hold was called */
    bool nak;
    uint64_t seq;         /* JetStream stream sequence, 0 on core NATS */
    struct mref_set *set; /* where it is found by seq while held */
    struct mref *set_next;
    evh_msg **dups; /* later deliveries of it, settled alike */
    size_t ndups;
} mref;

/*
 * The held messages by stream sequence.  A message held longer than the
 * consumer's ack_wait (an Alertmanager outage) is delivered again; acking
 * that copy would ack the message while its notification is undelivered,
 * and a crash would then lose the alert.  So a copy of a held message is
 * held too and settled with it, and is not evaluated again.
 */
#define MREF_SLOTS 1024
typedef struct mref_set {
    mref *slots[MREF_SLOTS];
} mref_set;

/** The held message with stream sequence `seq`, or NULL. */
mref *mref_find(mref_set *set, uint64_t seq);
/** Hold `copy` (another delivery of r's message, inside its on_msg) to
 *  settle it with r.  0, or -1 (no memory: not held). */
int mref_add_dup(mref *r, evh_msg *copy);

/** A reference for a message inside its on_msg; not held until taken.
 *  `set` (may be NULL) finds it by stream sequence while held. */
mref *mref_new(mref_set *set, evh_msg *msg);
/** Take a reference (the first one holds the message: on_msg only). */
void mref_take(mref *r);
/** Let go; the last one acks (or naks, if any let go with `nak`). */
void mref_put(mref *r, bool nak);
/** End of on_msg: drop its own reference (taken with refs++).  Returns
 *  true when the message is held (the plugin settles it), false when the
 *  host settles it (then `r` is freed). */
bool mref_done(mref *r);

/* A rate rule's recent match: its time, and the message while held. */
typedef struct held {
    int64_t ts;
    uint64_t seq;
    mref *ref; /* NULL once let go or handed to a notification */
} held;

typedef struct alert {
    const rule *r;
    char *group;
    bool firing;
    int64_t starts_ns; /* wall clock: when it began to fire */
    int64_t last_ns;   /* wall clock: the last match */
    int64_t saved_ns;  /* deadman: the last_ns last written to the bucket */
    char *event;       /* the triggering event (JSON), or NULL */
    held *ring;        /* rate: the count+1 latest matches, oldest first */
    size_t nring;
    struct alert *next;
} alert;

typedef struct alert_table {
    alert **slots;
    size_t nslots;
    size_t n;
} alert_table;

/** The alert of (r, group); created (not firing) when `create`.  NULL when
 *  absent, or out of memory. */
alert *table_get(alert_table *t, const rule *r, const char *group, bool create);
void table_free(alert_table *t);

/* The record: {"firing":B,"starts":NS,"last":NS,"event":"..."} under the
 * key "<rule>.<group as hex>" ("<rule>._" for the empty group). */
char *record_key(const rule *r, const char *group);
char *record_encode(const alert *a);
/** Split a key into the rule name (into `name`) and the group (malloc'ed
 *  into *group).  0, or -1 for a key not of this form. */
int record_key_parse(const char *key, char *name, size_t cap, char **group);
/** Fill firing, starts_ns, last_ns, event of `a` from a record.  0, or -1
 *  for a record not of this form (a is left unchanged). */
int record_decode(const char *data, size_t len, alert *a);

#endif
