/*
 * What the host does with a message whose on_msg returned an error and
 * that the plugin did not settle itself.  A nak without a delay makes
 * JetStream redeliver at once, so a plugin whose receiver is down spun
 * through thousands of deliveries a second; instead the nak waits
 * retry_delay_ms, doubling per delivery up to retry_max_delay_ms (Fluent
 * Bit's output retry scheduler does the same), and the delivery that
 * reaches retry_max_deliver is published on the dead-letter subject with
 * its reason and terminated, so one bad message cannot circle for ever.
 * The failures, and the dead letters, are logged at most once per
 * RETRY_LOG_NS per instance, with how many there were, rather than once
 * per attempt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "log.h"

#define RETRY_LOG_NS (10 * 1000000000LL)

/* retry_delay_ms doubled for each earlier delivery, capped. */
static int64_t backoff_ms(const js_conf *jc, uint64_t deliveries)
{
    int64_t d = jc->retry_delay_ms;
    for (uint64_t i = 1; i < deliveries && d < jc->retry_max_delay_ms; i++)
        d *= 2;
    return d < jc->retry_max_delay_ms ? d : jc->retry_max_delay_ms;
}

/* The delivery after which the host gives up: retry_max_deliver, or the
 * consumer's own max_deliver when that comes first (past it the server
 * would stop delivering without a word). */
static int64_t last_delivery(const js_conf *jc)
{
    int64_t last = jc->retry_max_deliver;
    if (jc->max_deliver > 0 && (last < 0 || jc->max_deliver < last))
        last = jc->max_deliver;
    return last;
}

/* True (and in *n the count of events since the last line) when this one
 * may be logged: at most one line per RETRY_LOG_NS for each kind. */
static bool log_due(_Atomic int64_t *logged_ns, _Atomic int64_t *unlogged,
                    int64_t *n)
{
    int64_t now = now_mono_ns();
    int64_t last = atomic_load(logged_ns);
    atomic_fetch_add(unlogged, 1);
    if (last != 0 && now - last < RETRY_LOG_NS)
        return false;
    if (!atomic_compare_exchange_strong(logged_ns, &last, now))
        return false;
    *n = atomic_exchange(unlogged, 0);
    return true;
}

static const char *times(int64_t n) { return n == 1 ? "time" : "times"; }

static void reason_text(const evh_msg *em, int rc, char *out, size_t cap)
{
    if (em->reason)
        snprintf(out, cap, "%s: %s", evh_strerror(rc), em->reason);
    else
        snprintf(out, cap, "%s", evh_strerror(rc));
}

/* Publish the message on the dead-letter subject with what happened in
 * Evhost-* headers.  A core publish: capture the subject in a stream to
 * keep dead letters. */
static int dead_letter(evh_instance *inst, evh_msg *em, const char *subject,
                       const char *reason)
{
    natsMsg *m = NULL;
    char num[32];
    size_t len = 0;
    const void *data = evh_msg_data(em, &len);
    natsStatus s = natsMsg_Create(&m, subject, NULL, data, (int)len);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(m, "Evhost-Reason", reason);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(m, "Evhost-Instance", inst->ic->name);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(m, "Evhost-Subject", evh_msg_subject(em));
    snprintf(num, sizeof num, "%llu",
             (unsigned long long)evh_msg_stream_seq(em));
    if (s == NATS_OK)
        s = natsMsgHeader_Set(m, "Evhost-Stream-Seq", num);
    snprintf(num, sizeof num, "%llu",
             (unsigned long long)evh_msg_deliveries(em));
    if (s == NATS_OK)
        s = natsMsgHeader_Set(m, "Evhost-Deliveries", num);
    if (s == NATS_OK)
        s = natsConnection_PublishMsg(inst->host->nc, m);
    natsMsg_Destroy(m);
    return status_from_nats(s);
}

void retry_settle_failed(evh_instance *inst, evh_msg *em, int rc)
{
    char why[600], dflt[200];
    int64_t n = 0;
    const char *who = inst->ic->name;

    reason_text(em, rc, why, sizeof why);
    free(em->reason);
    em->reason = NULL;
    if (!em->js) {
        if (log_due(&inst->fail_logged_ns, &inst->fail_unlogged, &n))
            log_as(who, EVH_LOG_WARN,
                   "on_msg failed: %s (subject %s); core NATS cannot "
                   "redeliver: dropped; failed %lld %s since the last such "
                   "line",
                   why, evh_msg_subject(em), (long long)n, times(n));
        evh_msg_nak(em, 0); /* counted as a drop */
        return;
    }
    const js_conf *jc = &inst->ic->js;
    uint64_t d = evh_msg_deliveries(em);
    uint64_t seq = evh_msg_stream_seq(em);
    int64_t last = last_delivery(jc);
    if (last > 0 && d >= (uint64_t)last) {
        const char *subj = jc->dead_letter;
        if (!subj) {
            snprintf(dflt, sizeof dflt, "evhost.%s.dead", inst->conf->name);
            subj = dflt;
        }
        char reason[700];
        snprintf(reason, sizeof reason, "%s after %llu deliveries", why,
                 (unsigned long long)d);
        int s = dead_letter(inst, em, subj, reason);
        if (s == EVH_OK) {
            inst->st.dead_letters++;
            /* A long outage gives up on many messages at once: one line
             * per interval, with the count (all in --stats). */
            if (log_due(&inst->dead_logged_ns, &inst->dead_unlogged, &n))
                log_as(who, EVH_LOG_ERROR,
                       "dead-lettered on %s after %llu deliveries: %s "
                       "(subject %s, stream seq %llu); %lld dead %s since "
                       "the last such line",
                       subj, (unsigned long long)d, why, evh_msg_subject(em),
                       (unsigned long long)seq, (long long)n,
                       n == 1 ? "letter" : "letters");
            evh_msg_term(em);
            return;
        }
        /* Not published: keep it in the stream rather than lose it. */
        log_as(who, EVH_LOG_ERROR,
               "cannot publish the dead letter on %s (%s): stream seq %llu "
               "stays in the stream",
               subj, evh_strerror(s), (unsigned long long)seq);
    }
    int64_t delay = backoff_ms(jc, d);
    if (log_due(&inst->fail_logged_ns, &inst->fail_unlogged, &n)) {
        char of[32] = "unlimited";
        if (last > 0)
            snprintf(of, sizeof of, "%lld", (long long)last);
        log_as(who, EVH_LOG_WARN,
               "on_msg failed: %s (subject %s, stream seq %llu, delivery "
               "%llu of %s); redelivery in %lld ms; failed %lld %s since "
               "the last such line",
               why, evh_msg_subject(em), (unsigned long long)seq,
               (unsigned long long)d, of, (long long)delay, (long long)n,
               times(n));
    }
    evh_msg_nak(em, delay);
}
