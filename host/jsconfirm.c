/*
 * Confirmed publishing of a caller's batch to JetStream
 * (evh_publish_confirmed): the caller answers its own client from the
 * outcome, so it must learn the fate of exactly its messages -- how many
 * were stored, how many the stream already held -- and a batch must not
 * be half-sent when it could have been refused whole.
 *
 * With an idempotency key, message i carries Nats-Msg-Id "<key>-<i>" and
 * message 0 also a digest of the whole batch (Evhost-Batch).  Message 0
 * goes first, alone: when the stream says it is a duplicate, the stored
 * message 0 is read back and its digest compared, so a key reused for
 * another batch is refused before anything of it is stored, while a true
 * retry completes what an interrupted attempt began.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "jetstream.h"
#include "log.h"

#define BATCH_HDR "Evhost-Batch"
#define MSGID_HDR "Nats-Msg-Id"

static const char *iname(const evh_instance *inst) { return inst->ic->name; }

/* FNV-1a, 64 bits, over n and each message's length and bytes.  Not a
 * defence against a forger (who holds the token anyway), only against a
 * client reusing a key by mistake. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t l)
{
    const unsigned char *c = p;
    for (size_t k = 0; k < l; k++) {
        h ^= c[k];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static uint64_t batch_digest(size_t n, const void *const data[],
                             const size_t len[])
{
    uint64_t count = n;
    uint64_t h = fnv1a(UINT64_C(14695981039346656037), &count, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t l = len[i];
        h = fnv1a(h, &l, sizeof l);
        h = fnv1a(h, data[i], len[i]);
    }
    return h;
}

static void batch_value(char *buf, size_t cap, size_t n,
                        const void *const data[], const size_t len[])
{
    snprintf(buf, cap, "%zu:%016" PRIx64, n, batch_digest(n, data, len));
}

/* The message id of message i: "<msgid>-<i>", or the instance's unique
 * prefix and sequence number when the caller gave no key. */
static void msg_id(char *buf, size_t cap, const evh_instance *inst,
                   const char *msgid, size_t i, uint64_t seq)
{
    if (msgid)
        snprintf(buf, cap, "%s-%zu", msgid, i);
    else
        snprintf(buf, cap, "%s%" PRIu64, inst->msgid_prefix, seq);
}

size_t jetstream_confirmed_header_bytes(const evh_instance *inst,
                                        const char *msgid, size_t i)
{
    /* "NATS/1.0\r\n", one "Name: value\r\n" per header, "\r\n". */
    size_t idlen =
        msgid ? strlen(msgid) + 1 + 20 : strlen(inst->msgid_prefix) + 20;
    size_t n = 10 + sizeof MSGID_HDR - 1 + 4 + idlen + 2;
    if (msgid && i == 0)
        n += sizeof BATCH_HDR - 1 + 4 + 20 + 1 + 16;
    return n;
}

static natsStatus make_msg(natsMsg **m, const char *subject, const void *data,
                           size_t len, const char *id, const char *batch)
{
    *m = NULL;
    natsStatus s = natsMsg_Create(m, subject, NULL, data, (int)len);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(*m, MSGID_HDR, id);
    if (s == NATS_OK && batch)
        s = natsMsgHeader_Set(*m, BATCH_HDR, batch);
    return s;
}

/* Message 0 of a keyed batch was a duplicate: is the stored one ours? */
static int same_batch(evh_instance *inst, uint64_t seq, const char *want)
{
    natsMsg *m = NULL;
    jsErrCode je = 0;
    const char *got = NULL;
    natsStatus s = js_GetMsg(&m, inst->js, inst->ic->js.stream, seq, NULL, &je);
    if (s == NATS_OK)
        s = natsMsgHeader_Get(m, BATCH_HDR, &got);
    bool same = s == NATS_OK && got && strcmp(got, want) == 0;
    natsMsg_Destroy(m);
    if (!same)
        log_as(iname(inst), EVH_LOG_WARN,
               "an idempotency key was reused for a different batch "
               "(stream %s, sequence %" PRIu64 "): refused",
               inst->ic->js.stream, seq);
    return same ? EVH_OK : EVH_ECONFLICT;
}

/* One message, synchronously: one round trip. */
static int publish_sync(evh_instance *inst, const char *subject,
                        const void *data, size_t len, const char *id,
                        const char *batch, int64_t timeout_ms, evh_confirm *c)
{
    natsMsg *m = NULL;
    jsPubAck *pa = NULL;
    jsErrCode je = 0;
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = timeout_ms;
    natsStatus s = make_msg(&m, subject, data, len, id, batch);
    if (s == NATS_OK)
        s = js_PublishMsg(&pa, inst->js, m, &po, &je);
    natsMsg_Destroy(m);
    int rc = EVH_OK;
    if (s == NATS_OK && pa->Duplicate && batch)
        rc = same_batch(inst, pa->Sequence, batch);
    if (s == NATS_OK && rc == EVH_OK) {
        if (pa->Duplicate)
            c->duplicates++;
        else
            c->stored++;
    }
    jsPubAck_Destroy(pa);
    if (s == NATS_OK)
        return rc;
    if (je)
        log_as(iname(inst), EVH_LOG_WARN,
               "JetStream refused a message on %s (jetstream error %d)",
               subject, (int)je);
    return s == NATS_TIMEOUT ? EVH_ETIMEOUT : status_from_nats(s);
}

/* One call's asynchronous acks, counted. */
typedef struct confirm_wait {
    _Atomic int64_t stored, duplicates, refused;
    _Atomic int refused_err; /* jsErrCode of the last refusal */
} confirm_wait;

static void on_confirm_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa,
                           jsPubAckErr *pae, void *closure)
{
    (void)js;
    confirm_wait *w = closure;
    if (pa && pa->Duplicate)
        w->duplicates++;
    else if (pa)
        w->stored++;
    else {
        w->refused++;
        if (pae)
            w->refused_err = (int)pae->ErrCode;
    }
    natsMsg_Destroy(msg);
}

/* Messages from..n-1, asynchronously, on a context of this call's own:
 * the instance's context acks into the retry machinery of evh_publish. */
static int publish_async(evh_instance *inst, const char *subject, size_t from,
                         size_t n, const void *const data[], const size_t len[],
                         const char *msgid, int64_t timeout_ms, evh_confirm *c)
{
    confirm_wait w = {0};
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = timeout_ms;
    size_t k = n - from;
    o.PublishAsync.MaxPending = k < 100000 ? (int64_t)k : 100000;
    o.PublishAsync.AckHandler = on_confirm_ack;
    o.PublishAsync.AckHandlerClosure = &w;
    jsCtx *js = NULL;
    natsStatus s = natsConnection_JetStream(&js, inst->host->nc, &o);
    if (s != NATS_OK)
        return status_from_nats(s);
    uint64_t base = atomic_fetch_add(&inst->msgid_seq, k);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = timeout_ms;
    for (size_t i = from; i < n && s == NATS_OK; i++) {
        char id[256];
        natsMsg *m = NULL;
        msg_id(id, sizeof id, inst, msgid, i, base + (i - from) + 1);
        s = make_msg(&m, subject, data[i], len[i], id, NULL);
        if (s == NATS_OK)
            s = js_PublishMsgAsync(js, &m, &po);
        natsMsg_Destroy(m); /* NULL once the library owns it */
    }
    if (s == NATS_OK)
        s = js_PublishAsyncComplete(js, &po);
    /* Whatever is still unconfirmed is not ours to keep. */
    natsMsgList pending = {0};
    if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK)
        natsMsgList_Destroy(&pending);
    /* An ack handler that already took its message off the list may still
     * be running: wait until it has returned before `w` goes away. */
    po.MaxWait = 10000;
    js_PublishAsyncComplete(js, &po);
    jsCtx_Destroy(js);
    c->stored += (size_t)w.stored;
    c->duplicates += (size_t)w.duplicates;
    if (w.refused)
        log_as(iname(inst), EVH_LOG_WARN,
               "JetStream refused %" PRId64 " of %zu messages on %s "
               "(jetstream error %d)",
               (int64_t)w.refused, k, subject, (int)w.refused_err);
    if (s == NATS_OK && (size_t)(w.stored + w.duplicates) == k)
        return EVH_OK;
    if (s == NATS_OK || s == NATS_TIMEOUT)
        return EVH_ETIMEOUT;
    return status_from_nats(s);
}

int jetstream_publish_confirmed(evh_instance *inst, const char *subject,
                                size_t n, const void *const data[],
                                const size_t len[], const char *msgid,
                                int64_t timeout_ms, evh_confirm *c)
{
    int64_t deadline = now_mono_ns() + timeout_ms * INT64_C(1000000);
    int rc = EVH_OK;
    size_t from = 0;
    if (msgid || n == 1) {
        char id[256], batch[64];
        msg_id(id, sizeof id, inst, msgid, 0,
               atomic_fetch_add(&inst->msgid_seq, 1) + 1);
        if (msgid)
            batch_value(batch, sizeof batch, n, data, len);
        rc = publish_sync(inst, subject, data[0], len[0], id,
                          msgid ? batch : NULL, timeout_ms, c);
        from = 1;
    }
    if (rc == EVH_OK && from < n) {
        int64_t left = (deadline - now_mono_ns()) / INT64_C(1000000);
        rc = publish_async(inst, subject, from, n, data, len, msgid,
                           left > 0 ? left : 1, c);
    }
    inst->st.out += (int64_t)(c->stored + c->duplicates);
    if (rc != EVH_OK)
        inst->st.errors++;
    return rc;
}
