/* evh_msg: accessors and settlement (ack / nak / term). */
#include <stdlib.h>
#include <string.h>

#include "host.h"

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

static jsMsgMetaData *meta(const evh_msg *cmsg)
{
    evh_msg *msg = (evh_msg *)cmsg;
    if (!msg || !msg->js || !msg->m)
        return NULL;
    if (!msg->meta && natsMsg_GetMetaData(&msg->meta, msg->m) != NATS_OK)
        msg->meta = NULL;
    return msg->meta;
}

uint64_t evh_msg_stream_seq(const evh_msg *msg)
{
    jsMsgMetaData *md = meta(msg);
    return md ? md->Sequence.Stream : 0;
}

uint64_t evh_msg_deliveries(const evh_msg *msg)
{
    jsMsgMetaData *md = meta(msg);
    return md ? md->NumDelivered : 1;
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

enum { SETTLE_ACK, SETTLE_NAK, SETTLE_TERM };

static int settle(evh_msg *msg, int how, int64_t delay_ms)
{
    if (!msg || msg->settled)
        return EVH_ESTATE;
    evh_instance *inst = msg->inst;
    natsStatus s = NATS_OK;

    msg->settled = true;
    if (msg->held)
        inst->st.held--;
    if (msg->js) {
        switch (how) {
        case SETTLE_ACK:
            s = natsMsg_Ack(msg->m, NULL);
            inst->st.acks++;
            break;
        case SETTLE_NAK:
            s = delay_ms > 0 ? natsMsg_NakWithDelay(msg->m, delay_ms, NULL)
                             : natsMsg_Nak(msg->m, NULL);
            inst->st.naks++;
            break;
        default:
            s = natsMsg_Term(msg->m, NULL);
            inst->st.terms++;
            break;
        }
    } else if (how != SETTLE_ACK) {
        /* Core NATS cannot redeliver: a message not processed is lost. */
        inst->st.drops++;
    }
    jsMsgMetaData_Destroy(msg->meta);
    msg->meta = NULL;
    natsMsg_Destroy(msg->m);
    msg->m = NULL;
    if (!msg->in_callback)
        free(msg);
    /* A failed ack is not fatal: the server redelivers after ack_wait and
     * the sink's writes are idempotent. */
    return s == NATS_OK ? EVH_OK : EVH_ECONN;
}

int evh_msg_ack(evh_msg *msg) { return settle(msg, SETTLE_ACK, 0); }
int evh_msg_nak(evh_msg *msg, int64_t delay_ms)
{
    return settle(msg, SETTLE_NAK, delay_ms);
}
int evh_msg_term(evh_msg *msg) { return settle(msg, SETTLE_TERM, 0); }
