/*
 * Plugin instances: lifecycle, the worker thread that runs an instance's
 * timers and JetStream fetches, and message dispatch.
 *
 * Every plugin callback of one instance runs under inst->cb_lock, whichever
 * thread runs it (nats.c delivery threads for core subscriptions, the
 * worker for timers and JetStream), which is the whole of the
 * "never concurrently" promise in plugin.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "jetstream.h"
#include "log.h"
#include "settings.h"

static const char *iname(const evh_instance *inst) { return inst->ic->name; }

static void lock_cb(evh_instance *inst, bool for_msg)
{
    if (!for_msg || !(inst->plugin->flags & EVH_PLUGIN_THREAD_SAFE))
        pthread_mutex_lock(&inst->cb_lock);
}

static void unlock_cb(evh_instance *inst, bool for_msg)
{
    if (!for_msg || !(inst->plugin->flags & EVH_PLUGIN_THREAD_SAFE))
        pthread_mutex_unlock(&inst->cb_lock);
}

evh_instance *instance_new(evh_host *h, host_conf *c, inst_conf *ic)
{
    evh_instance *inst = calloc(1, sizeof *inst);
    if (!inst)
        return NULL;
    inst->host = h;
    inst->conf = c;
    conf_ref(c);
    inst->ic = ic;
    pthread_mutex_init(&inst->cb_lock, NULL);
    pthread_mutex_init(&inst->wlock, NULL);
    pthread_mutex_init(&inst->counters_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&inst->wcond, &ca);
    pthread_condattr_destroy(&ca);
    /* A prefix unique per process start, so JetStream de-duplicates our own
     * retries but never a restarted host's new messages. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(inst->msgid_prefix, sizeof inst->msgid_prefix, "%s-%lx%lx-",
             ic->name, (unsigned long)ts.tv_sec ^ (unsigned long)getpid(),
             (unsigned long)ts.tv_nsec);
    return inst;
}

/* The descriptor's wiring declaration (ABI 1.2) against the block: each
 * mismatch reported with file:line. */
static int check_wiring(evh_instance *inst)
{
    static const struct {
        uint32_t bit;
        const char *key, *what;
    } wires[] = {
        {EVH_WIRE_SUBSCRIBE, "subscribe", "a `subscribe` subject"},
        {EVH_WIRE_PUBLISH, "publish", "a `publish` subject"},
        {EVH_WIRE_JETSTREAM, "jetstream", "a `jetstream` block"},
    };
    const evh_plugin *d = inst->plugin;
    if (!EVH_DESC_HAS(d, refuses))
        return 0;
    uint32_t have = evh_instance_wiring(inst);
    cfg_ctx cx = {.who = iname(inst)};
    for (size_t i = 0; i < sizeof wires / sizeof wires[0]; i++) {
        if ((d->needs & wires[i].bit) && !(have & wires[i].bit))
            cfg_error(&cx, inst->ic->setting, wires[i].key,
                      "required: plugin %s needs %s", d->name, wires[i].what);
        if ((d->refuses & wires[i].bit) && (have & wires[i].bit))
            cfg_error(&cx, inst->ic->setting, wires[i].key,
                      "plugin %s cannot work with %s; remove it", d->name,
                      wires[i].what);
    }
    return cx.errors;
}

int instance_configure(evh_instance *inst)
{
    if (!inst->ic->plugin)
        return EVH_ECONFIG; /* reported by the config reader */
    inst->mod = module_open(inst->ic->plugin, inst->conf->plugin_dir);
    if (!inst->mod)
        return EVH_ECONFIG;
    inst->plugin = inst->mod->desc;
    /* Reported, and configure still runs: every problem in one -t run. */
    int wiring_errors = check_wiring(inst);

    inst->configuring = true;
    lock_cb(inst, false);
    int rc = inst->plugin->configure(inst, &inst->state);
    unlock_cb(inst, false);
    inst->configuring = false;

    if (rc == EVH_OK && (inst->config_errors || wiring_errors))
        rc = EVH_ECONFIG;
    /* Unknown keys: always when the plugin said it read every key
     * (evh_config_status), else only on success -- a configure that
     * returned at its first problem left valid keys unread. */
    if (rc == EVH_OK || inst->config_complete) {
        cfg_ctx cx = {.who = iname(inst)};
        if (cfg_check_unknown(&cx, inst->ic->config, NULL) > 0) {
            inst->config_errors += cx.errors;
            rc = EVH_ECONFIG;
        }
    }
    if (rc == EVH_ECONFIG && inst->config_errors == 0 && wiring_errors)
        inst->config_errors = wiring_errors;
    if (rc != EVH_OK) {
        if (rc != EVH_ECONFIG || inst->config_errors == 0)
            log_as(iname(inst), EVH_LOG_ERROR,
                   "plugin %s failed to configure: %s", inst->plugin->name,
                   evh_strerror(rc));
        return rc == EVH_ECONFIG ? rc : EVH_ECONFIG;
    }
    inst->phase = PHASE_CONFIGURED;
    return EVH_OK;
}

/* ---------------------------------------------------------------------
 * Message dispatch
 * ------------------------------------------------------------------ */

static void settle_returned(evh_msg *em, int rc)
{
    if (rc == EVH_OK)
        evh_msg_ack(em);
    else
        retry_settle_failed(em->inst, em, rc);
}

void instance_dispatch(evh_instance *inst, natsMsg *m, bool js)
{
    evh_msg *em = calloc(1, sizeof *em);
    if (!em) {
        inst->st.drops++;
        if (js)
            jetstream_settle_msg(inst->host->nc, m, JETSTREAM_NAK, 0);
        natsMsg_Destroy(m);
        return;
    }
    em->m = m;
    em->inst = inst;
    em->js = js;
    em->in_callback = true;
    inst->st.in++;
    if (js)
        msg_note_js_delivery(em);

    int rc = EVH_OK;
    if (inst->plugin->on_msg) {
        lock_cb(inst, true);
        rc = inst->plugin->on_msg(inst->state, em);
        unlock_cb(inst, true);
    }
    em->in_callback = false;
    if (rc != EVH_OK)
        inst->st.errors++;
    if (em->settled || em->held) {
        /* settled inside the callback, or the plugin's to settle */
        free(em->reason);
        em->reason = NULL;
        if (em->settled)
            free(em);
    } else {
        settle_returned(em, rc);
    }
}

static void deliver_js(void *arg, natsMsg *m)
{
    instance_dispatch(arg, m, true);
}

static void on_core_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m,
                        void *closure)
{
    evh_instance *inst = closure;
    instance_dispatch(inst, m, false);
}

/* ---------------------------------------------------------------------
 * Timers and the worker
 * ------------------------------------------------------------------ */

/* The instance whose worker this thread is (NULL on other threads): known
 * from the first instruction of the worker, unlike inst->worker. */
static __thread const evh_instance *tl_worker_of;

int evh_timer_add(evh_instance *inst, int64_t period_ms, evh_timer_fn fn,
                  evh_timer **out)
{
    if (!inst || !fn || period_ms < 0)
        return EVH_EINVAL;
    evh_timer *t = calloc(1, sizeof *t);
    if (!t)
        return EVH_ENOMEM;
    t->period_ns = period_ms * 1000000;
    t->due_ns = now_mono_ns() + t->period_ns;
    t->fn = fn;
    pthread_mutex_lock(&inst->wlock);
    t->next = inst->timers;
    inst->timers = t;
    pthread_cond_broadcast(&inst->wcond);
    pthread_mutex_unlock(&inst->wlock);
    if (out)
        *out = t;
    return EVH_OK;
}

void evh_timer_cancel(evh_instance *inst, evh_timer *timer)
{
    if (!inst || !timer)
        return;
    /* Freed by the worker; the flag is read under wlock before each run, so
     * no run starts after we return.  A run already under way is waited
     * for, so the promise holds from a plugin's own threads too -- except
     * on the worker itself (the timer cancelling itself from its own
     * callback), which would wait for itself. */
    pthread_mutex_lock(&inst->wlock);
    timer->cancelled = true;
    bool on_worker = tl_worker_of == inst;
    while (!on_worker && inst->running_timer == timer)
        pthread_cond_wait(&inst->wcond, &inst->wlock);
    pthread_mutex_unlock(&inst->wlock);
}

/* Run due timers; returns the next due time (or INT64_MAX). */
static int64_t run_timers(evh_instance *inst)
{
    int64_t now = now_mono_ns(), next = INT64_MAX;

    pthread_mutex_lock(&inst->wlock);
    for (evh_timer **pp = &inst->timers; *pp;) {
        evh_timer *t = *pp;
        if (t->cancelled) {
            *pp = t->next;
            free(t);
            continue;
        }
        if (t->due_ns <= now && !inst->stopping) {
            pthread_mutex_unlock(&inst->wlock);
            lock_cb(inst, false);
            bool cancelled;
            pthread_mutex_lock(&inst->wlock);
            cancelled = t->cancelled;
            if (!cancelled)
                inst->running_timer = t;
            pthread_mutex_unlock(&inst->wlock);
            if (!cancelled && !inst->stopping)
                t->fn(inst->state, now);
            pthread_mutex_lock(&inst->wlock);
            inst->running_timer = NULL;
            pthread_cond_broadcast(&inst->wcond);
            pthread_mutex_unlock(&inst->wlock);
            unlock_cb(inst, false);
            pthread_mutex_lock(&inst->wlock);
            /* Period 0 = run again on the next round; otherwise keep the
             * schedule, skipping missed beats instead of bursting. */
            t->due_ns += t->period_ns;
            if (t->due_ns < now)
                t->due_ns = now + t->period_ns;
            /* The list may have grown at its head while unlocked; our
             * `pp` still points at the link to t, which is unchanged. */
        }
        if (!t->cancelled && t->due_ns < next)
            next = t->due_ns;
        pp = &t->next;
    }
    pthread_mutex_unlock(&inst->wlock);
    return next;
}

static void shutdown_instance(evh_instance *inst);

static void *worker_main(void *arg)
{
    evh_instance *inst = arg;
    int64_t last_retry = now_mono_ns();

    tl_worker_of = inst;
    while (!inst->stopping) {
        int64_t next = run_timers(inst);
        int64_t now = now_mono_ns();

        if (inst->retries &&
            now - last_retry >= inst->ic->js.publish_retry_ms * 1000000) {
            jetstream_flush_retries(inst);
            last_retry = now;
        }
        if (inst->stopping)
            break;
        int64_t wait_ns = next == INT64_MAX ? 500000000 : next - now;
        if (wait_ns < 0)
            wait_ns = 0;
        if (wait_ns > 500000000)
            wait_ns = 500000000;
        if (inst->consumer) {
            /* Fetch blocks for up to the time until the next timer. */
            int64_t ms = wait_ns / 1000000;
            jetstream_consumer_fetch(inst->consumer, ms < 1 ? 1 : ms,
                                     &inst->stopping, deliver_js, inst);
            continue;
        }
        if (wait_ns == 0)
            continue;
        pthread_mutex_lock(&inst->wlock);
        if (!inst->stopping) {
            struct timespec ts;
            int64_t until = now + wait_ns;
            ts.tv_sec = until / 1000000000;
            ts.tv_nsec = until % 1000000000;
            pthread_cond_timedwait(&inst->wcond, &inst->wlock, &ts);
        }
        pthread_mutex_unlock(&inst->wlock);
    }
    shutdown_instance(inst);
    inst->worker_exited = true;
    return NULL;
}

/* ---------------------------------------------------------------------
 * Start and stop
 * ------------------------------------------------------------------ */

static int subscribe_core(evh_instance *inst)
{
    inst_conf *ic = inst->ic;
    natsConnection *nc = inst->host->nc;

    inst->subs = calloc((size_t)ic->nsubscribe, sizeof *inst->subs);
    if (!inst->subs)
        return EVH_ENOMEM;
    for (int i = 0; i < ic->nsubscribe; i++) {
        natsStatus s;
        if (ic->queue)
            s = natsConnection_QueueSubscribe(&inst->subs[i], nc,
                                              ic->subscribe[i], ic->queue,
                                              on_core_msg, inst);
        else
            s = natsConnection_Subscribe(&inst->subs[i], nc, ic->subscribe[i],
                                         on_core_msg, inst);
        if (s == NATS_OK)
            s = natsSubscription_SetPendingLimits(
                inst->subs[i], (int)ic->pending_msgs, (int)ic->pending_bytes);
        if (s != NATS_OK) {
            log_as(iname(inst), EVH_LOG_ERROR, "cannot subscribe to %s: %s",
                   ic->subscribe[i], natsStatus_GetText(s));
            return EVH_ECONN;
        }
        inst->nsubs = i + 1;
        log_as(iname(inst), EVH_LOG_INFO, "subscribed to %s%s%s",
               ic->subscribe[i], ic->queue ? " in queue group " : "",
               ic->queue ? ic->queue : "");
    }
    return EVH_OK;
}

/* The stream and the consumer.  While the JetStream API does not answer
 * (a server still starting, a cluster electing a leader) ask again every
 * second, as a host waits for NATS itself; a refusal is final. */
static int js_setup(evh_instance *inst)
{
    const atomic_bool *cancel = inst->host->cancel;
    for (int attempt = 1;; attempt++) {
        int rc = jetstream_setup_stream(inst);
        if (rc == EVH_OK && inst->ic->nsubscribe > 0)
            rc = jetstream_consumer_open(inst, &inst->consumer);
        if (rc != EVH_ETIMEOUT)
            return rc;
        if (attempt == 1)
            log_as(iname(inst), EVH_LOG_WARN,
                   "JetStream not answering yet; asking again every second");
        for (int i = 0; i < 20; i++) {
            if (cancel && *cancel)
                return EVH_ESTOPPING;
            nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
        }
    }
}

int instance_start(evh_instance *inst)
{
    inst_conf *ic = inst->ic;
    int rc = EVH_OK;

    if (ic->js.enabled) {
        rc = js_setup(inst);
        if (rc != EVH_OK)
            return rc;
    }
    if (inst->plugin->start) {
        lock_cb(inst, false);
        rc = inst->plugin->start(inst->state);
        unlock_cb(inst, false);
        if (rc != EVH_OK) {
            log_as(iname(inst), EVH_LOG_ERROR, "plugin %s failed to start: %s",
                   inst->plugin->name, evh_strerror(rc));
            return rc;
        }
    }
    /* Subscribe only after start, so on_msg never precedes start. */
    if (!ic->js.enabled && ic->nsubscribe > 0) {
        rc = subscribe_core(inst);
        if (rc != EVH_OK)
            return rc;
        /* A round trip, so the server has the subscriptions before the
         * instance is reported running (evhost --stats). */
        natsConnection_FlushTimeout(inst->host->nc, 5000);
    }
    /* Running means taking messages: subscribed, or the durable
     * consumer set up (js_setup). */
    inst->phase = PHASE_STARTED;
    if (pthread_create(&inst->worker, NULL, worker_main, inst) != 0) {
        log_as(iname(inst), EVH_LOG_ERROR, "cannot start worker thread");
        return EVH_ENOMEM;
    }
    inst->worker_running = true;
    log_as(iname(inst), EVH_LOG_INFO, "started plugin %s %s",
           inst->plugin->name,
           inst->plugin->version ? inst->plugin->version : "");
    return EVH_OK;
}

/* Runs on the worker: stop intake, let the plugin flush, stop it, and wait
 * for the server to confirm what the instance published. */
static void shutdown_instance(evh_instance *inst)
{
    int64_t deadline =
        now_mono_ns() + inst->conf->stop_timeout_ms * 1000000 * 8 / 10;

    inst->phase = PHASE_STOPPING;
    for (int i = 0; i < inst->nsubs; i++)
        if (inst->subs[i])
            natsSubscription_Drain(inst->subs[i]);
    for (int i = 0; i < inst->nsubs; i++) {
        if (!inst->subs[i])
            continue;
        int64_t left = (deadline - now_mono_ns()) / 1000000;
        natsStatus s = natsSubscription_WaitForDrainCompletion(
            inst->subs[i], left > 0 ? left : 1);
        if (s != NATS_OK)
            log_as(iname(inst), EVH_LOG_WARN, "draining subscription %s: %s",
                   natsSubscription_GetSubject(inst->subs[i]),
                   natsStatus_GetText(s));
    }
    /* Messages already fetched from JetStream were dispatched by the last
     * fetch round; unfetched ones stay in the stream. */
    lock_cb(inst, false);
    if (inst->plugin->drain)
        inst->plugin->drain(inst->state);
    if (inst->plugin->stop)
        inst->plugin->stop(inst->state);
    unlock_cb(inst, false);
    if (inst->js) {
        jetstream_flush_retries(inst);
        jetstream_wait_published(inst, deadline);
    }
    /* The plugin's own counters too: its last word on what it did. */
    char mine[1024] = "";
    size_t len = 0;
    pthread_mutex_lock(&inst->counters_lock);
    for (evh_counter *c = inst->counters; c && len < sizeof mine; c = c->next) {
        int w = snprintf(mine + len, sizeof mine - len, " %s=%lld", c->name,
                         (long long)c->value);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    pthread_mutex_unlock(&inst->counters_lock);
    log_as(iname(inst), EVH_LOG_INFO,
           "stopped: in=%lld out=%lld errors=%lld drops=%lld acks=%lld "
           "naks=%lld terms=%lld dead_letters=%lld%s",
           (long long)inst->st.in, (long long)inst->st.out,
           (long long)inst->st.errors, (long long)inst->st.drops,
           (long long)inst->st.acks, (long long)inst->st.naks,
           (long long)inst->st.terms, (long long)inst->st.dead_letters, mine);
    if (inst->st.held > 0)
        log_as(iname(inst), EVH_LOG_WARN,
               "plugin %s stopped with %lld messages held and not settled "
               "(JetStream will redeliver them)",
               inst->plugin->name, (long long)inst->st.held);
    inst->phase = PHASE_STOPPED;
}

void instance_request_stop(evh_instance *inst)
{
    pthread_mutex_lock(&inst->wlock);
    inst->stopping = true;
    pthread_cond_broadcast(&inst->wcond);
    pthread_mutex_unlock(&inst->wlock);
}

bool instance_wait_stopped(evh_instance *inst, int64_t deadline_ns)
{
    if (!inst->worker_running)
        return true;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t left = deadline_ns - now_mono_ns();
    if (left < 0)
        left = 0;
    int64_t until = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + left;
    ts.tv_sec = until / 1000000000;
    ts.tv_nsec = until % 1000000000;
    if (pthread_timedjoin_np(inst->worker, NULL, &ts) != 0) {
        log_as(iname(inst), EVH_LOG_ERROR,
               "plugin %s did not stop within the stop timeout "
               "(host.stop_timeout_ms = %lld); abandoning it",
               inst->plugin->name, (long long)inst->conf->stop_timeout_ms);
        return false;
    }
    inst->worker_running = false;
    return true;
}

void instance_free(evh_instance *inst)
{
    if (!inst)
        return;
    jetstream_consumer_close(inst->consumer);
    inst->consumer = NULL;
    for (int i = 0; i < inst->nsubs; i++)
        natsSubscription_Destroy(inst->subs[i]);
    free(inst->subs);
    /* destroy follows configure whether it succeeded or not. */
    if (inst->plugin && inst->plugin->destroy)
        inst->plugin->destroy(inst->state);
    jsCtx_Destroy(inst->js);
    for (evh_timer *t = inst->timers, *n; t; t = n) {
        n = t->next;
        free(t);
    }
    for (pub_retry *r = inst->retries, *n; r; r = n) {
        n = r->next;
        natsMsg_Destroy(r->msg);
        free(r);
    }
    for (evh_counter *c = inst->counters, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    module_close(inst->mod);
    conf_unref(inst->conf);
    pthread_mutex_destroy(&inst->cb_lock);
    pthread_mutex_destroy(&inst->wlock);
    pthread_mutex_destroy(&inst->counters_lock);
    pthread_cond_destroy(&inst->wcond);
    free(inst);
}
