/*
 * Delivery of the alert plugin's notifications: one thread of the
 * instance POSTs each notification to every output (each Alertmanager of
 * an HA set gets every alert, and the webhook), in order, retrying with
 * backoff until each answered 2xx, then writes the alert's record to the
 * key-value bucket.  Only then is the notification "done": the instance's
 * worker (alert.c) takes done notifications and acks the messages they
 * hold, so an outage delays alerts and loses none.  The sender never
 * touches a message itself.
 */
#ifndef EVH_ALERT_SENDER_H
#define EVH_ALERT_SENDER_H

#include <evhost/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SENDER_MAX_OUTPUTS 16

struct mref;

typedef struct note {
    char *am;       /* body for the Alertmanagers, or NULL */
    char *hook;     /* body for the webhook, or NULL */
    char **kv_keys; /* records to write once delivered ... */
    char **kv_vals; /* ... (a NULL value deletes the record) */
    size_t nkv, kv_done, capkv;
    struct mref **msgs; /* held messages to ack once done (alert.c) */
    size_t nmsgs, capmsgs;
    uint32_t done; /* bit i: output i accepted it */
    bool resend;   /* a periodic re-send, not a change of state */
    struct note *next;
} note;

typedef struct output {
    const char *url;   /* what is POSTed to */
    bool webhook;      /* else an Alertmanager */
    const char *token; /* bearer token (webhook), or NULL */
} output;

typedef struct sender_conf {
    int64_t timeout_ms, retry_initial_ms, retry_max_ms;
} sender_conf;

typedef struct sender sender;

/** Allocate (no thread yet).  `outs` and `kv` (may be NULL) are borrowed
 *  until sender_free. */
sender *sender_new(evh_instance *inst, const output *outs, size_t nouts,
                   evh_kv *kv, sender_conf conf);
/** Start the thread: EVH_OK or EVH_ENOMEM. */
int sender_start(sender *s);
/** Queue a notification (owned by the sender until handed back). */
void sender_push(sender *s, note *n);
/** The notifications delivered since the last call, oldest first. */
note *sender_take_done(sender *s);
/** How many are queued and not yet delivered. */
size_t sender_queued(sender *s);
/** Wait up to ms for the queue to empty; true when it did. */
bool sender_wait_empty(sender *s, int64_t ms);
/** End the thread (a POST under way finishes first, bounded by
 *  timeout_ms) and hand back what was not delivered, oldest first. */
note *sender_stop(sender *s);
void sender_free(sender *s);

struct mref;
/** Append a held message to a notification: 0, or -1 (no memory). */
int note_add_msg(note *n, struct mref *m);
/** Append a record to write (val NULL: delete; both taken over, also on
 *  failure): 0, or -1 (no memory). */
int note_add_kv(note *n, char *key, char *val);
void note_free(note *n);

#endif
