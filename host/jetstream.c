/*
 * JetStream for an instance: the stream it reads or writes (created when
 * missing), the durable pull consumer it reads through, and confirmed
 * publishing (async, with a per-message Nats-Msg-Id so the retries this
 * file makes are de-duplicated by the server); a caller's confirmed batch
 * is jsconfirm.c's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"
#include "jetstream.h"
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

/* No answer in time from the JetStream API (a server still starting, a
 * cluster electing a leader): worth asking again, unlike a refusal.  "No
 * responders" is final: that server runs without JetStream. */
static bool transient(natsStatus s) { return s == NATS_TIMEOUT; }

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

int jetstream_setup_stream(evh_instance *inst)
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
        jlog(inst, transient(s) ? EVH_LOG_WARN : EVH_LOG_ERROR,
             "looking up stream", s, je);
        return transient(s) ? EVH_ETIMEOUT : EVH_ECONN;
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
    sc.Storage =
        strcmp(jc->storage, "memory") == 0 ? js_MemoryStorage : js_FileStorage;
    sc.MaxAge = jc->max_age_ms * NS_PER_MS;
    sc.MaxBytes = jc->max_bytes;
    sc.MaxMsgs = jc->max_msgs;
    sc.Replicas = jc->replicas;
    sc.Duplicates = jc->duplicate_window_ms * NS_PER_MS;
    s = js_AddStream(&si, inst->js, &sc, NULL, &je);
    if (s != NATS_OK) {
        /* Another host may have created it in the meantime. */
        if (js_GetStreamInfo(&si, inst->js, jc->stream, NULL, &je) == NATS_OK) {
            jsStreamInfo_Destroy(si);
            return EVH_OK;
        }
        jlog(inst, transient(s) ? EVH_LOG_WARN : EVH_LOG_ERROR,
             "creating stream", s, je);
        return transient(s) ? EVH_ETIMEOUT : EVH_ECONN;
    }
    jsStreamInfo_Destroy(si);
    log_as(iname(inst), EVH_LOG_INFO,
           "created JetStream stream %s on %s (%s storage, %" PRId64
           " replicas)",
           jc->stream, jc->subjects ? jc->subjects[0] : "?", jc->storage,
           jc->replicas);
    return EVH_OK;
}

static void set_deliver(jsConsumerConfig *cc, const js_conf *jc)
{
    switch (jc->deliver_policy) {
    case JS_DELIVER_NEW: cc->DeliverPolicy = js_DeliverNew; break;
    case JS_DELIVER_LAST: cc->DeliverPolicy = js_DeliverLast; break;
    case JS_DELIVER_SEQ:
        cc->DeliverPolicy = js_DeliverByStartSequence;
        cc->OptStartSeq = jc->deliver_start_seq;
        break;
    case JS_DELIVER_SINCE: {
        cc->DeliverPolicy = js_DeliverByStartTime;
        if (jc->deliver_since_ms >= 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            cc->OptStartTime = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec -
                               jc->deliver_since_ms * NS_PER_MS;
        } else
            cc->OptStartTime = jc->deliver_start_ns;
        break;
    }
    default: cc->DeliverPolicy = js_DeliverAll;
    }
}

/* A follower that starts over each run (a tail with deliver = "since 5m")
 * forgets where its durable was; only once per process, so a reconnect or
 * a retried set-up does not skip back again. */
static int reset_durable(evh_instance *inst)
{
    const js_conf *jc = &inst->ic->js;
    jsErrCode je = 0;
    if (!jc->reset_consumer || inst->consumer_reset)
        return EVH_OK;
    natsStatus s =
        js_DeleteConsumer(inst->js, jc->stream, jc->durable, NULL, &je);
    if (s != NATS_OK && s != NATS_NOT_FOUND) {
        jlog(inst, transient(s) ? EVH_LOG_WARN : EVH_LOG_ERROR,
             "resetting the durable consumer", s, je);
        return transient(s) ? EVH_ETIMEOUT : EVH_ECONN;
    }
    inst->consumer_reset = true;
    return EVH_OK;
}

/* The durable consumer, found or created. */
static int ensure_durable(evh_instance *inst)
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
        set_deliver(&cc, jc);
        s = js_AddConsumer(&ci, inst->js, jc->stream, &cc, NULL, &je);
        if (s != NATS_OK)
            s = js_GetConsumerInfo(&ci, inst->js, jc->stream, jc->durable, NULL,
                                   &je);
        if (s == NATS_OK)
            log_as(iname(inst), EVH_LOG_INFO,
                   "created durable consumer %s on stream %s", jc->durable,
                   jc->stream);
    }
    if (s != NATS_OK) {
        jlog(inst, transient(s) ? EVH_LOG_WARN : EVH_LOG_ERROR,
             "durable consumer", s, je);
        return transient(s) ? EVH_ETIMEOUT : EVH_ECONN;
    }
    log_as(iname(inst), EVH_LOG_INFO,
           "consuming %s from stream %s through durable %s (%" PRIu64
           " pending, %" PRId64 " unacked)",
           subject, jc->stream, jc->durable, ci->NumPending,
           (int64_t)ci->NumAckPending);
    jsConsumerInfo_Destroy(ci);
    return EVH_OK;
}

/* How long one pull request waits on the server for messages: short
 * enough that after a server restart (which forgets requests) we ask
 * again soon. */
#define PULL_EXPIRES_MS 2000

/* Pull requests kept outstanding at most: with two, the next batch
 * arrives while this one is handled (docs/performance.md, "Pull depth"). */
#define PULL_DEPTH 2

/* Our own pull client rather than js_PullSubscribe + Fetch: nats.c
 * 3.4.1's Fetch overruns its message array when messages of an earlier
 * pull request arrive late (seen as heap corruption after a nats-server
 * restart).  The protocol is small: publish a pull request to
 * $JS.API.CONSUMER.MSG.NEXT with our inbox as reply subject; every message
 * that arrives there, whichever request it answers, is a delivery; status
 * messages (404/408/409) end a request. */
struct jetstream_consumer {
    natsConnection *nc;
    const char *name; /* the instance's, for the log */
    int64_t batch, ack_wait_ns;
    natsSubscription *sub; /* the inbox our requests' messages arrive on */
    char *subject;         /* $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable> */
    char *inbox;
    /* Outstanding pull requests, oldest first (the server serves them in
     * that order): what each still owes and when it expires (monotonic). */
    struct js_pull {
        int64_t left, until_ns;
    } pulls[PULL_DEPTH];
    int npulls;
    /* When the last request was used up, and the time between the last
     * two such ends (a batch's handling time, for the pull depth). */
    int64_t done_ns, batch_ns;
};

static int open_inbox(evh_instance *inst, jetstream_consumer *c)
{
    const js_conf *jc = &inst->ic->js;
    natsInbox *inbox = NULL;
    natsStatus s = natsInbox_Create(&inbox);
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&c->sub, c->nc, inbox);
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(c->sub, -1, -1);
    if (s == NATS_OK &&
        (asprintf(&c->subject, "$JS.API.CONSUMER.MSG.NEXT.%s.%s", jc->stream,
                  jc->durable) < 0 ||
         !(c->inbox = strdup(inbox)))) {
        c->subject = NULL;
        s = NATS_NO_MEMORY;
    }
    natsInbox_Destroy(inbox);
    if (s != NATS_OK) {
        jlog(inst, EVH_LOG_ERROR, "subscribing for the durable consumer", s, 0);
        return EVH_ECONN;
    }
    return EVH_OK;
}

int jetstream_consumer_open(evh_instance *inst, jetstream_consumer **out)
{
    int rc = reset_durable(inst);
    if (rc == EVH_OK)
        rc = ensure_durable(inst);
    if (rc != EVH_OK)
        return rc;
    jetstream_consumer *c = calloc(1, sizeof *c);
    if (!c)
        return EVH_ENOMEM;
    c->nc = inst->host->nc;
    c->name = iname(inst);
    c->batch = inst->ic->js.fetch_batch;
    c->ack_wait_ns = inst->ic->js.ack_wait_ms * NS_PER_MS;
    rc = open_inbox(inst, c);
    if (rc != EVH_OK) {
        jetstream_consumer_close(c);
        return rc;
    }
    *out = c;
    return EVH_OK;
}

/* Pull requests to keep outstanding now.  A second one's messages wait up
 * to two batches before they are handled, and ack_wait counts that wait:
 * behind a slow plugin they would be redelivered and stored twice.  So two
 * only while a batch is handled within a quarter of ack_wait, as last
 * measured; one until then. */
static int pull_depth(const jetstream_consumer *c)
{
    return c->batch_ns > 0 && c->batch_ns * 4 <= c->ack_wait_ns ? PULL_DEPTH
                                                                : 1;
}

static void forget_pull(jetstream_consumer *c, int i)
{
    for (int k = i + 1; k < c->npulls; k++)
        c->pulls[k - 1] = c->pulls[k];
    c->npulls--;
}

static void send_pull(jetstream_consumer *c, int64_t now)
{
    char body[96];
    int n = snprintf(body, sizeof body,
                     "{\"batch\":%" PRId64 ",\"expires\":%" PRId64 "}",
                     c->batch, (int64_t)PULL_EXPIRES_MS * NS_PER_MS);
    natsStatus s =
        natsConnection_PublishRequest(c->nc, c->subject, c->inbox, body, n);
    struct js_pull *p = &c->pulls[c->npulls++];
    if (s == NATS_OK) {
        p->left = c->batch;
        /* A little past the server's expiry, so its 408 normally ends the
         * request first. */
        p->until_ns = now + (PULL_EXPIRES_MS + 250) * NS_PER_MS;
    } else {
        /* Not connected: count it as outstanding and ask again soon. */
        p->left = 1;
        p->until_ns = now + 200 * NS_PER_MS;
    }
}

/* Forget requests past their expiry (the server has, too, or it
 * restarted and never knew them), then ask for more up to pull_depth(). */
static void keep_pulling(jetstream_consumer *c, int64_t now)
{
    for (int i = c->npulls - 1; i >= 0; i--)
        if (now >= c->pulls[i].until_ns)
            forget_pull(c, i);
    while (c->npulls < pull_depth(c))
        send_pull(c, now);
}

/* A message arrived: the server fills its oldest open request first. */
static void pull_delivered(jetstream_consumer *c)
{
    if (c->npulls > 0 && --c->pulls[0].left <= 0) {
        int64_t now = now_mono_ns();
        if (c->done_ns > 0)
            c->batch_ns = now - c->done_ns;
        c->done_ns = now;
        forget_pull(c, 0);
        keep_pulling(c, now);
    }
}

/* A status message (no payload, a Status header) ends a pull request. */
static bool is_status(natsMsg *m, const char **code)
{
    if (natsMsg_GetDataLength(m) != 0)
        return false;
    return natsMsgHeader_Get(m, "Status", code) == NATS_OK && *code;
}

/* 404 no messages, 408 expired, 409 e.g. max waiting or consumer
 * deleted: the oldest request is over either way; 100 is a heartbeat. */
static void pull_status(jetstream_consumer *c, natsMsg *m, const char *code)
{
    if (strncmp(code, "100", 3) == 0)
        return;
    if (strncmp(code, "404", 3) && strncmp(code, "408", 3)) {
        const char *desc = NULL;
        natsMsgHeader_Get(m, "Description", &desc);
        log_as(c->name, EVH_LOG_WARN, "JetStream pull request ended: %s %s",
               code, desc ? desc : "");
    }
    if (c->npulls > 0)
        forget_pull(c, 0);
}

int jetstream_consumer_fetch(jetstream_consumer *c, int64_t timeout_ms,
                             const atomic_bool *stop,
                             jetstream_deliver_fn *deliver, void *arg)
{
    keep_pulling(c, now_mono_ns());

    int n = 0;
    while (n < c->batch && !*stop) {
        natsMsg *m = NULL;
        natsStatus s =
            natsSubscription_NextMsg(&m, c->sub, n == 0 ? timeout_ms : 1);
        if (s != NATS_OK)
            break; /* timeout, or disconnected: next round asks again */
        const char *code = NULL;
        if (is_status(m, &code)) {
            pull_status(c, m, code);
            natsMsg_Destroy(m);
            continue;
        }
        pull_delivered(c);
        deliver(arg, m);
        n++;
    }
    return n;
}

void jetstream_consumer_close(jetstream_consumer *c)
{
    if (!c)
        return;
    natsMsg *m = NULL;
    int pending = 0;
    while (c->sub &&
           natsSubscription_GetPending(c->sub, &pending, NULL) == NATS_OK &&
           pending > 0 && natsSubscription_NextMsg(&m, c->sub, 1) == NATS_OK) {
        const char *code = NULL;
        if (!is_status(m, &code))
            jetstream_settle_msg(c->nc, m, JETSTREAM_NAK, 0);
        natsMsg_Destroy(m);
    }
    if (c->sub) {
        natsSubscription_Unsubscribe(c->sub);
        natsSubscription_Destroy(c->sub);
    }
    free(c->subject);
    free(c->inbox);
    free(c);
}

natsStatus jetstream_settle_msg(natsConnection *nc, natsMsg *m,
                                jetstream_settle how, int64_t delay_ms)
{
    char body[64] = "+ACK";
    const char *to = natsMsg_GetReply(m);
    if (how == JETSTREAM_NAK && delay_ms > 0)
        snprintf(body, sizeof body, "-NAK {\"delay\":%lld}",
                 (long long)delay_ms * NS_PER_MS);
    else if (how == JETSTREAM_NAK)
        strcpy(body, "-NAK");
    else if (how == JETSTREAM_TERM)
        strcpy(body, "+TERM");
    return to ? natsConnection_PublishString(nc, to, body) : NATS_ILLEGAL_STATE;
}

/* The ack subject:
 *   $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>
 * or, from newer servers, with <domain>.<account hash> before <stream>
 * (and maybe a trailing token). */
void jetstream_msg_meta(natsMsg *m, uint64_t *deliveries, uint64_t *seq,
                        uint64_t *pending)
{
    const char *r = m ? natsMsg_GetReply(m) : NULL;
    if (!r || strncmp(r, "$JS.ACK.", 8) != 0)
        return;
    const char *tok[16];
    int n = 0;
    for (const char *p = r; p && n < 16; p = strchr(p, '.')) {
        if (*p == '.')
            p++;
        tok[n++] = p;
    }
    int d = n == 9 ? 4 : n >= 11 ? 6 : -1;
    if (d < 0)
        return;
    *deliveries = strtoull(tok[d], NULL, 10);
    *seq = strtoull(tok[d + 1], NULL, 10);
    if (d + 4 < n)
        *pending = strtoull(tok[d + 4], NULL, 10);
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

/* A message carrying its Nats-Msg-Id: "<msgid>-<i>" when the caller gave
 * an idempotency key, else the instance's prefix and sequence number `seq`
 * (unique per process), so the stream drops a resend of it. */
static natsStatus new_msg(natsMsg **m, const evh_instance *inst,
                          const char *subject, const void *data, size_t len,
                          const char *msgid, size_t i, uint64_t seq)
{
    char id[256];
    if (msgid)
        snprintf(id, sizeof id, "%s-%zu", msgid, i);
    else
        snprintf(id, sizeof id, "%s%" PRIu64, inst->msgid_prefix, seq);
    *m = NULL;
    natsStatus s = natsMsg_Create(m, subject, NULL, data, (int)len);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(*m, "Nats-Msg-Id", id);
    return s;
}

int jetstream_publish(evh_instance *inst, const char *subject, const void *data,
                      size_t len)
{
    natsMsg *m = NULL;
    natsStatus s =
        new_msg(&m, inst, subject, data, len, NULL, 0, ++inst->msgid_seq);
    if (!m)
        return EVH_ENOMEM;
    int64_t give_up = 0;
    while (s == NATS_OK) {
        s = publish_msg(inst, &m);
        if (s != NATS_TIMEOUT)
            break;
        /* Too many unconfirmed publishes in flight: back-pressure.  While
         * stopping, give up after the stop timeout. */
        if (inst->stopping || inst->host->shutting_down) {
            if (!give_up)
                give_up =
                    now_mono_ns() + inst->conf->stop_timeout_ms * NS_PER_MS / 2;
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

void jetstream_flush_retries(evh_instance *inst)
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

void jetstream_wait_published(evh_instance *inst, int64_t deadline_ns)
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
            jetstream_flush_retries(inst);
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
