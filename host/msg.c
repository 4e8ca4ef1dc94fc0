/* evh_msg: accessors and settlement (ack / nak / term). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "jetstream.h"

const char *evh_msg_subject(const evh_msg *msg)
{
    return msg ? natsMsg_GetSubject(msg->m) : NULL;
}

const void *evh_msg_data(const evh_msg *msg, size_t *len)
{
    if (!msg || !msg->m) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = (size_t)natsMsg_GetDataLength(msg->m);
    return natsMsg_GetData(msg->m);
}

const char *evh_msg_reply(const evh_msg *msg)
{
    /* A JetStream message's reply subject is the ack subject: not a reply
     * a plugin may answer. */
    if (!msg || !msg->m || msg->js)
        return NULL;
    return natsMsg_GetReply(msg->m);
}

const char *evh_msg_header(const evh_msg *msg, const char *name)
{
    const char *v = NULL;
    if (!msg || !msg->m || !name)
        return NULL;
    if (natsMsgHeader_Get(msg->m, name, &v) != NATS_OK)
        return NULL;
    return v;
}

/* Delivery facts live in the ack subject; read lazily. */
static void parse_meta(const evh_msg *cmsg)
{
    evh_msg *msg = (evh_msg *)cmsg;
    if (msg->meta_parsed)
        return;
    msg->meta_parsed = true;
    msg->deliveries = 1;
    jetstream_msg_meta(msg->m, &msg->deliveries, &msg->stream_seq,
                       &msg->pending);
}

void msg_note_js_delivery(evh_msg *msg)
{
    parse_meta(msg);
    if (msg->deliveries > 1)
        msg->inst->st.redelivered++;
    msg->inst->js_pending = (int64_t)msg->pending;
}

uint64_t evh_msg_stream_seq(const evh_msg *msg)
{
    if (!msg || !msg->js)
        return 0;
    parse_meta(msg);
    return msg->stream_seq;
}

uint64_t evh_msg_deliveries(const evh_msg *msg)
{
    if (!msg || !msg->js)
        return 1;
    parse_meta(msg);
    return msg->deliveries;
}

bool evh_msg_is_jetstream(const evh_msg *msg) { return msg && msg->js; }

int evh_msg_hold(evh_msg *msg)
{
    if (!msg || !msg->in_callback || msg->settled)
        return EVH_ESTATE;
    if (!msg->held) {
        msg->held = true;
        msg->inst->st.held++;
    }
    return EVH_OK;
}

static int settle_msg(evh_msg *msg, jetstream_settle how, int64_t delay_ms)
{
    if (!msg || msg->settled)
        return EVH_ESTATE;
    evh_instance *inst = msg->inst;
    natsStatus s = NATS_OK;

    msg->settled = true;
    if (msg->held)
        inst->st.held--;
    if (msg->js) {
        s = jetstream_settle_msg(inst->host->nc, msg->m, how, delay_ms);
        if (how == JETSTREAM_ACK)
            inst->st.acks++;
        else if (how == JETSTREAM_NAK)
            inst->st.naks++;
        else
            inst->st.terms++;
    } else if (how != JETSTREAM_ACK) {
        /* Core NATS cannot redeliver: a message not processed is lost. */
        inst->st.drops++;
    }
    natsMsg_Destroy(msg->m);
    msg->m = NULL;
    if (!msg->in_callback)
        free(msg);
    /* A failed ack is not fatal: the server redelivers after ack_wait and
     * the sink's writes are idempotent. */
    return s == NATS_OK ? EVH_OK : EVH_ECONN;
}

int evh_msg_fail(evh_msg *msg, int status, const char *fmt, ...)
{
    if (!msg || !msg->in_callback)
        return EVH_ESTATE;
    if (status == EVH_OK || !fmt)
        return EVH_EINVAL;
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return status; /* the status alone still says what happened */
    free(msg->reason);
    msg->reason = text;
    return status;
}

int evh_msg_ack(evh_msg *msg) { return settle_msg(msg, JETSTREAM_ACK, 0); }
int evh_msg_nak(evh_msg *msg, int64_t delay_ms)
{
    return settle_msg(msg, JETSTREAM_NAK, delay_ms);
}
int evh_msg_term(evh_msg *msg) { return settle_msg(msg, JETSTREAM_TERM, 0); }
