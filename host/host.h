/*
 * Runtime state of the host: the NATS connection and the plugin instances.
 * Internal to the evhost binary.
 */
#ifndef EVH_HOST_H
#define EVH_HOST_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_file.h"
#include "evhost/plugin.h"
#include "loader.h"

typedef struct evh_host evh_host;
struct MHD_Daemon;

/* A plugin-named counter; the list only grows, under inst->counters_lock. */
typedef struct evh_counter {
    const char *name;
    _Atomic int64_t value;
    struct evh_counter *next;
} evh_counter;

/* The host's own per-instance counters. */
typedef struct inst_stats {
    _Atomic int64_t in, out, errors, drops, acks, naks, terms, redelivered,
        publish_retries, held, dead_letters;
} inst_stats;

struct evh_timer {
    int64_t period_ns;
    int64_t due_ns;
    evh_timer_fn fn;
    bool cancelled;
    struct evh_timer *next;
};

/* A JetStream publish that failed and waits to be sent again. */
typedef struct pub_retry {
    natsMsg *msg;
    struct pub_retry *next;
} pub_retry;

typedef enum inst_phase {
    PHASE_NEW,
    PHASE_CONFIGURED,
    PHASE_STARTED,
    PHASE_STOPPING,
    PHASE_STOPPED,
} inst_phase;

struct evh_instance {
    evh_host *host;
    host_conf *conf; /* reference held: inst_conf points into it */
    inst_conf *ic;
    evh_module *mod;
    const evh_plugin *plugin;
    void *state;
    _Atomic int phase;
    bool configuring;     /* config getters allowed */
    bool config_complete; /* evh_config_status called: every key was read */
    int config_errors;

    pthread_mutex_t cb_lock; /* serialises the plugin's callbacks */
    pthread_t worker;
    bool worker_running;
    pthread_mutex_t wlock; /* timers, retries, worker wake-ups */
    pthread_cond_t wcond;
    evh_timer *timers;
    evh_timer *running_timer; /* whose fn runs now (under wlock) */
    pub_retry *retries;
    atomic_bool stopping; /* shutdown requested */
    atomic_bool done;     /* evh_done() called */
    atomic_bool worker_exited;
    bool consumer_reset; /* reset_consumer done (once per instance) */

    natsSubscription **subs; /* core subscriptions */
    int nsubs;
    jsCtx *js; /* when the instance has a jetstream block */
    struct jetstream_consumer *consumer; /* reading through a durable */
    char msgid_prefix[64];
    _Atomic uint64_t msgid_seq;

    inst_stats st;
    _Atomic int64_t js_pending; /* consumer's pending count, last message */
    /* on_msg failures and dead letters logged once per RETRY_LOG_NS
     * (retry.c) */
    _Atomic int64_t fail_logged_ns, fail_unlogged, dead_logged_ns,
        dead_unlogged;
    pthread_mutex_t counters_lock;
    evh_counter *counters;
};

struct evh_msg {
    natsMsg *m;
    evh_instance *inst;
    bool js;
    bool in_callback;
    bool held;
    bool settled;
    bool meta_parsed; /* from the ack subject, lazily */
    uint64_t stream_seq, deliveries, pending;
    char *reason; /* evh_msg_fail's text, during on_msg only */
};

struct evh_host {
    host_conf *conf;
    natsConnection *nc;
    natsOptions *opts;
    natsSubscription *stats_sub;
    evh_instance **insts;
    int ninsts;
    int64_t started_ns;
    int64_t started_unix;       /* wall clock, for evhost_start_time_seconds */
    struct MHD_Daemon *metrics; /* the /metrics listener, or NULL */
    struct evh_notify *notify;  /* systemd notification state (main thread) */
    _Atomic int64_t disconnects, reconnects, async_errors, slow_consumer;
    atomic_bool shutting_down;
    int stuck; /* instances that did not stop in time (leaked); main thread */
    const atomic_bool *cancel; /* set by SIGTERM/SIGINT: stop waiting */
    pthread_mutex_t
        insts_lock; /* stats readers vs. reload swapping insts, conf */
};

int64_t now_mono_ns(void);

/* conn.c */
int conn_open(evh_host *h, const atomic_bool *cancel);
void conn_close(evh_host *h);
natsStatus conn_options(const host_conf *c, evh_host *h, natsOptions **out);

/* instance.c */
evh_instance *instance_new(evh_host *h, host_conf *c, inst_conf *ic);
int instance_configure(evh_instance *inst);
int instance_start(evh_instance *inst);
void instance_request_stop(evh_instance *inst);
/* Waits until deadline (monotonic ns) for the instance to stop; false if it
 * is stuck (then it is leaked, never freed). */
bool instance_wait_stopped(evh_instance *inst, int64_t deadline_ns);
void instance_free(evh_instance *inst);
void instance_dispatch(evh_instance *inst, natsMsg *m, bool js);

/* msg.c: a JetStream message's delivery count and the consumer's pending
 * count, from its ack subject, into the instance's counters. */
void msg_note_js_delivery(evh_msg *msg);
/* retry.c: settle a message whose on_msg returned `rc` (not EVH_OK):
 * nak with backoff, or dead-letter and term after the last delivery. */
void retry_settle_failed(evh_instance *inst, evh_msg *em, int rc);

/* stats.c */
int stats_serve(evh_host *h);
char *stats_json(evh_host *h);
/* Drops of an instance: the host's count plus nats.c's per subscription. */
int64_t stats_inst_drops(evh_instance *inst);
int stats_query(const char *config_path);
/* One line for systemd's STATUS=: instances running, summed counters, NATS. */
void stats_summary(evh_host *h, char *buf, size_t len);

int status_from_nats(natsStatus s);

#endif
