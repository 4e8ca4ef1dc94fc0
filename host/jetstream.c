/*
 * JetStream for an instance: the stream it reads or writes (created when
 * missing), the durable pull consumer it reads through, and confirmed
 * publishing (async, with a per-message Nats-Msg-Id so the retries this
 * file makes are de-duplicated by the server).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"
#include "log.h"

#define NS_PER_MS INT64_C(1000000)

static const char *iname(const evh_instance *inst) { return inst->ic->name; }

static void jlog(const evh_instance *inst, evh_log_level lvl, const char *what,
                 natsStatus s, jsErrCode je)
{
    const char *last = nats_GetLastError(NULL);
    if (s == NATS_NO_RESPONDERS || je == 10076)
        log_as(iname(inst), lvl,
               "%s: JetStream is not answering (is nats-server running with "
               "JetStream enabled, -js?)",
               what);
    else
        log_as(iname(inst), lvl, "%s: %s%s%s (jetstream error %d)", what,
               natsStatus_GetText(s), last ? ": " : "", last ? last : "",
               (int)je);
}

static void on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae,
                       void *closure)
{
    evh_instance *inst = closure;
    if (pa) {
        inst->st.out++;
        natsMsg_Destroy(msg);
        return;
    }
    /* Not confirmed (timeout, no stream, lost at disconnect): send it again
     * later from the worker, with the same Nats-Msg-Id. */
    inst->st.publish_retries++;
    log_as(iname(inst), EVH_LOG_WARN,
           "publish to JetStream not confirmed (%s%s%s); will retry",
           pae ? natsStatus_GetText(pae->Err) : "?",
           pae && pae->ErrText ? ": " : "",
           pae && pae->ErrText ? pae->ErrText : "");
    pub_retry *r = malloc(sizeof *r);
    if (!r) {
        inst->st.drops++;
        natsMsg_Destroy(msg);
        return;
    }
    r->msg = msg;
    pthread_mutex_lock(&inst->wlock);
    r->next = inst->retries;
    inst->retries = r;
    pthread_mutex_unlock(&inst->wlock);
}

static int ensure_ctx(evh_instance *inst)
{
    if (inst->js)
        return EVH_OK;
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = 5000;
    o.PublishAsync.MaxPending = inst->ic->js.publish_max_pending;
    o.PublishAsync.AckHandler = on_pub_ack;
    o.PublishAsync.AckHandlerClosure = inst;
    o.PublishAsync.StallWait = 200;
    natsStatus s = natsConnection_JetStream(&inst->js, inst->host->nc, &o);
    if (s != NATS_OK) {
        jlog(inst, EVH_LOG_ERROR, "JetStream context", s, 0);
        return EVH_ECONN;
    }
    return EVH_OK;
}

int js_setup_stream(evh_instance *inst)
{
    const js_conf *jc = &inst->ic->js;
    jsStreamInfo *si = NULL;
    jsErrCode je = 0;

    int rc = ensure_ctx(inst);
    if (rc != EVH_OK)
        return rc;
    natsStatus s = js_GetStreamInfo(&si, inst->js, jc->stream, NULL, &je);
    if (s == NATS_OK) {
        log_as(iname(inst), EVH_LOG_INFO,
               "using JetStream stream %s (%" PRIu64 " messages stored)",
               jc->stream, si->State.Msgs);
        jsStreamInfo_Destroy(si);
        return EVH_OK;
    }
    if (s != NATS_NOT_FOUND) {
        jlog(inst, EVH_LOG_ERROR, "looking up stream", s, je);
        return EVH_ECONN;
    }
    if (!jc->create) {
        log_as(iname(inst), EVH_LOG_ERROR,
               "JetStream stream %s does not exist and jetstream.create is "
               "false",
               jc->stream);
        return EVH_ENOTFOUND;
    }
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = jc->stream;
    sc.Subjects = jc->subjects;
    sc.SubjectsLen = jc->nsubjects;
    sc.Storage = strcmp(jc->storage, "memory") == 0 ? js_MemoryStorage
                                                    : js_FileStorage;
    sc.MaxAge = jc->max_age_ms * NS_PER_MS;
    sc.MaxBytes = jc->max_bytes;
    sc.MaxMsgs = jc->max_msgs;
    sc.Replicas = jc->replicas;
    sc.Duplicates = jc->duplicate_window_ms * NS_PER_MS;
    s = js_AddStream(&si, inst->js, &sc, NULL, &je);
    if (s != NATS_OK) {
        /* Another host may have created it in the meantime. */
        if (js_GetStreamInfo(&si, inst->js, jc->stream, NULL, &je) ==
            NATS_OK) {
            jsStreamInfo_Destroy(si);
            return EVH_OK;
        }
        jlog(inst, EVH_LOG_ERROR, "creating stream", s, je);
        return EVH_ECONN;
    }
    jsStreamInfo_Destroy(si);
    log_as(iname(inst), EVH_LOG_INFO,
           "created JetStream stream %s on %s (%s storage, %" PRId64
           " replicas)",
           jc->stream, jc->subjects ? jc->subjects[0] : "?", jc->storage,
           jc->replicas);
    return EVH_OK;
}

int js_setup_consumer(evh_instance *inst)
{
    const js_conf *jc = &inst->ic->js;
    const char *subject = inst->ic->subscribe[0];
    jsConsumerInfo *ci = NULL;
    jsErrCode je = 0;

    natsStatus s =
        js_GetConsumerInfo(&ci, inst->js, jc->stream, jc->durable, NULL, &je);
    if (s == NATS_NOT_FOUND) {
        jsConsumerConfig cc;
        jsConsumerConfig_Init(&cc);
        cc.Durable = jc->durable;
        cc.AckPolicy = js_AckExplicit;
        cc.AckWait = jc->ack_wait_ms * NS_PER_MS;
        cc.MaxAckPending = jc->max_ack_pending;
        cc.MaxDeliver = jc->max_deliver;
        cc.FilterSubject = subject;
        cc.DeliverPolicy =
            strcmp(jc->deliver, "new") == 0 ? js_DeliverNew : js_DeliverAll;
        s = js_AddConsumer(&ci, inst->js, jc->stream, &cc, NULL, &je);
        if (s != NATS_OK)
            s = js_GetConsumerInfo(&ci, inst->js, jc->stream, jc->durable,
                                   NULL, &je);
        if (s == NATS_OK)
            log_as(iname(inst), EVH_LOG_INFO,
                   "created durable consumer %s on stream %s", jc->durable,
                   jc->stream);
    }
    if (s != NATS_OK) {
        jlog(inst, EVH_LOG_ERROR, "durable consumer", s, je);
        return EVH_ECONN;
    }
    log_as(iname(inst), EVH_LOG_INFO,
           "consuming %s from stream %s through durable %s (%" PRIu64
           " pending, %" PRId64 " unacked)",
           subject, jc->stream, jc->durable, ci->NumPending,
           (int64_t)ci->NumAckPending);
    jsConsumerInfo_Destroy(ci);

    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = jc->stream;
    so.Consumer = jc->durable;
    s = js_PullSubscribe(&inst->pull, inst->js, subject, jc->durable, NULL,
                         &so, &je);
    if (s != NATS_OK) {
        jlog(inst, EVH_LOG_ERROR, "binding to the durable consumer", s, je);
        return EVH_ECONN;
    }
    return EVH_OK;
}

int js_fetch_round(evh_instance *inst, int64_t timeout_ms)
{
    natsMsgList list = {0};
    jsErrCode je = 0;
    int64_t batch = inst->ic->js.fetch_batch;
    int pending = 0;

    /* nats.c 3.4.1 overruns its message array in Fetch when messages left
     * over from an earlier pull (they arrive after that Fetch returned) are
     * more than half the batch: its second loop runs to (batch - pending)
     * while counting from pending.  Asking for more than twice what is
     * pending keeps it in bounds; newer nats.c fixed the loop. */
    if (natsSubscription_GetPending(inst->pull, &pending, NULL) == NATS_OK &&
        (int64_t)pending * 2 >= batch)
        batch = (int64_t)pending * 2 + 1;

    natsStatus s =
        natsSubscription_Fetch(&list, inst->pull, (int)batch, timeout_ms, &je);
    if (s == NATS_OK) {
        for (int i = 0; i < list.Count; i++) {
            natsMsg *m = list.Msgs[i];
            list.Msgs[i] = NULL;
            instance_dispatch(inst, m, true);
        }
        int n = list.Count;
        natsMsgList_Destroy(&list);
        return n;
    }
    if (s != NATS_TIMEOUT) {
        /* Disconnected or the consumer is gone: log (the logger folds
         * repeats) and back off a little instead of spinning. */
        if (!inst->stopping)
            jlog(inst, EVH_LOG_WARN, "fetching from JetStream", s, je);
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static natsStatus publish_msg(evh_instance *inst, natsMsg **m)
{
    jsPubOptions po;
    jsPubOptions_Init(&po);
    /* Past MaxWait the ack handler gets a timeout and we resend; the
     * Nats-Msg-Id header makes the resend a no-op if the first one was
     * stored after all. */
    po.MaxWait = inst->ic->js.publish_retry_ms * 5;
    return js_PublishMsgAsync(inst->js, m, &po);
}

int js_publish(evh_instance *inst, const char *subject, const void *data,
               size_t len)
{
    natsMsg *m = NULL;
    char id[128];
    natsStatus s = natsMsg_Create(&m, subject, NULL, data, (int)len);
    if (s != NATS_OK)
        return EVH_ENOMEM;
    snprintf(id, sizeof id, "%s%" PRIu64, inst->msgid_prefix,
             ++inst->msgid_seq);
    s = natsMsgHeader_Set(m, "Nats-Msg-Id", id);
    int64_t give_up = 0;
    while (s == NATS_OK) {
        s = publish_msg(inst, &m);
        if (s != NATS_TIMEOUT)
            break;
        /* Too many unconfirmed publishes in flight: back-pressure.  While
         * stopping, give up after the stop timeout. */
        if (inst->stopping || inst->host->shutting_down) {
            if (!give_up)
                give_up = now_mono_ns() + inst->conf->stop_timeout_ms *
                                              NS_PER_MS / 2;
            else if (now_mono_ns() > give_up)
                break;
        }
        s = NATS_OK;
    }
    if (s != NATS_OK) {
        natsMsg_Destroy(m);
        inst->st.errors++;
        return s == NATS_TIMEOUT ? EVH_ETIMEOUT : status_from_nats(s);
    }
    return EVH_OK;
}

void js_flush_retries(evh_instance *inst)
{
    pthread_mutex_lock(&inst->wlock);
    pub_retry *list = inst->retries;
    inst->retries = NULL;
    pthread_mutex_unlock(&inst->wlock);

    while (list) {
        pub_retry *r = list;
        list = r->next;
        if (publish_msg(inst, &r->msg) == NATS_OK) {
            free(r);
            continue;
        }
        /* Could not even queue it: keep it for the next round. */
        pthread_mutex_lock(&inst->wlock);
        r->next = inst->retries;
        inst->retries = r;
        pthread_mutex_unlock(&inst->wlock);
    }
}

void js_wait_published(evh_instance *inst, int64_t deadline_ns)
{
    for (;;) {
        int64_t left = (deadline_ns - now_mono_ns()) / NS_PER_MS;
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = left > 100 ? 100 : (left > 0 ? left : 1);
        natsStatus s = js_PublishAsyncComplete(inst->js, &po);
        pthread_mutex_lock(&inst->wlock);
        bool retries = inst->retries != NULL;
        pthread_mutex_unlock(&inst->wlock);
        if (s == NATS_OK && !retries)
            return;
        if (retries)
            js_flush_retries(inst);
        if (now_mono_ns() >= deadline_ns)
            break;
    }
    natsMsgList pending = {0};
    int n = 0;
    if (js_PublishAsyncGetPendingList(&pending, inst->js) == NATS_OK) {
        n = pending.Count;
        natsMsgList_Destroy(&pending);
    }
    for (pub_retry *r = inst->retries; r; r = r->next)
        n++;
    if (n > 0)
        log_as(iname(inst), EVH_LOG_ERROR,
               "%d publishes not confirmed by JetStream before the stop "
               "timeout: they may not be stored",
               n);
}
