/*
 * JetStream for an instance (jetstream.c, jsconfirm.c): the stream it
 * reads or writes, the durable pull consumer it reads through, and
 * publishing.  Internal to the evhost binary.
 */
#ifndef EVH_JETSTREAM_H
#define EVH_JETSTREAM_H

#include <nats/nats.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evhost/plugin.h"

/* The stream of inst's jetstream block: looked up, created when missing
 * (and jetstream.create allows it).  EVH_ETIMEOUT: the JetStream API did
 * not answer, worth asking again. */
int jetstream_setup_stream(evh_instance *inst);

/* A durable pull consumer, and our own pull client on it: the pull
 * requests outstanding and the inbox their messages arrive on.  Used by
 * the instance's worker thread only. */
typedef struct jetstream_consumer jetstream_consumer;

/* Find or create inst's durable consumer and open an inbox for it into
 * *out.  EVH_ETIMEOUT as for the stream. */
int jetstream_consumer_open(evh_instance *inst, jetstream_consumer **out);
/* Called with each message delivered; it owns m. */
typedef void jetstream_deliver_fn(void *arg, natsMsg *m);
/* One round: keep the pull requests outstanding, wait up to timeout_ms
 * for the first message, then take what has arrived (up to a batch) until
 * *stop.  Returns the number of messages delivered. */
int jetstream_consumer_fetch(jetstream_consumer *c, int64_t timeout_ms,
                             const atomic_bool *stop,
                             jetstream_deliver_fn *deliver, void *arg);
/* Give back (nak) what arrived and was not delivered, so the server
 * redelivers it now rather than after ack_wait, close the inbox and free
 * c.  The durable consumer outlives us.  NULL is a no-op. */
void jetstream_consumer_close(jetstream_consumer *c);

/* The JetStream ack protocol: a publish to the message's ack subject. */
typedef enum { JETSTREAM_ACK, JETSTREAM_NAK, JETSTREAM_TERM } jetstream_settle;
natsStatus jetstream_settle_msg(natsConnection *nc, natsMsg *m,
                                jetstream_settle how, int64_t delay_ms);
/* A delivery's facts from its ack subject (left alone when it is not
 * one): how many times it was delivered, its stream sequence, and the
 * consumer's pending count. */
void jetstream_msg_meta(natsMsg *m, uint64_t *deliveries, uint64_t *seq,
                        uint64_t *pending);

/* Publish one message asynchronously with a Nats-Msg-Id; a publish the
 * server does not confirm is resent later by jetstream_flush_retries. */
int jetstream_publish(evh_instance *inst, const char *subject, const void *data,
                      size_t len);
void jetstream_flush_retries(evh_instance *inst);
/* Wait until deadline (monotonic ns) for the confirmations. */
void jetstream_wait_published(evh_instance *inst, int64_t deadline_ns);

/* jsconfirm.c: publish n messages and wait for the server to confirm
 * them (see evh_publish_confirmed). */
int jetstream_publish_confirmed(evh_instance *inst, const char *subject,
                                size_t n, const void *const data[],
                                const size_t len[], const char *msgid,
                                int64_t timeout_ms, evh_confirm *c);
/* Most header bytes jetstream_publish_confirmed adds to message i. */
size_t jetstream_confirmed_header_bytes(const evh_instance *inst,
                                        const char *msgid, size_t i);

#endif
