/* alert's evaluation, without a host: exactly when a threshold, rate and
 * deadman alert fires and resolves, which messages a notification holds
 * and when each is settled, and the state record's round trip. */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "eval.h"
#include "state.h"
#include "tap.h"

/* Stand-ins for the host's settlement: count what was acked and nak'ed. */
struct evh_msg {
    int held, acked, naked;
};
int evh_msg_hold(evh_msg *m) { return m->held++, EVH_OK; }
int evh_msg_ack(evh_msg *m) { return m->acked++, EVH_OK; }
int evh_msg_nak(evh_msg *m, int64_t d) { (void)d; return m->naked++, EVH_OK; }
uint64_t evh_msg_stream_seq(const evh_msg *m) { (void)m; return 0; }

#define S INT64_C(1000000000)

static void settle_round(round *rd, bool nak)
{
    for (size_t i = 0; i < rd->nrefs; i++)
        mref_put(rd->refs[i], nak);
    round_free(rd);
}

/* One event through eval_match, as alert.c's on_msg does it. */
static bool feed(round *rd, alert *a, evh_msg *m, int64_t ts, uint64_t seq,
                 int64_t now)
{
    mref *r = mref_new(NULL, m);
    match mt = {.ts_ns = ts, .json = "{}", .seq = seq, .ref = r};
    r->refs++;
    eval_match(rd, a, &mt, now);
    return mref_done(r);
}

static void threshold(void)
{
    rule r = {.name = "t", .kind = RULE_THRESHOLD, .resolve_ns = 10 * S};
    alert_table t = {0};
    alert *a = table_get(&t, &r, "acme", true);
    evh_msg m1 = {0}, m2 = {0};
    round rd = {0};
    OK(feed(&rd, a, &m1, 100 * S, 1, 100 * S) && m1.held == 1,
       "threshold: the first match is held");
    OK(a->firing && rd.n == 1 && rd.nrefs == 1 && rd.fired == 1,
       "threshold: it fires, one change, one message");
    settle_round(&rd, false);
    OK(m1.acked == 1, "threshold: acked once delivered");
    OK(!feed(&rd, a, &m2, 101 * S, 2, 101 * S) && m2.held == 0 && rd.n == 0,
       "threshold: a match while firing is no change and not held");
    bool save;
    eval_tick(&rd, a, 111 * S, S, &save);
    OK(rd.n == 0 && a->firing, "threshold: 10 s after the last match: still");
    eval_tick(&rd, a, 111 * S + 1, S, &save);
    OK(rd.n == 1 && !a->firing && rd.resolved == 1, "threshold: then resolved");
    round_free(&rd);
    table_free(&t);
}

static void rate(void)
{
    rule r = {.name = "r", .kind = RULE_RATE, .count = 3, .window_ns = 10 * S};
    alert_table t = {0};
    alert *a = table_get(&t, &r, "", true);
    evh_msg m[8] = {{0}};
    round rd = {0};
    feed(&rd, a, &m[0], 100 * S, 1, 100 * S);
    feed(&rd, a, &m[1], 101 * S, 2, 101 * S);
    feed(&rd, a, &m[2], 102 * S, 3, 102 * S);
    OK(rd.n == 0 && !a->firing, "rate: 3 in the window (count 3): nothing");
    OK(!feed(&rd, a, &m[2], 102 * S, 3, 102 * S) && a->nring == 3,
       "rate: a redelivery of a held message counts once");
    feed(&rd, a, &m[3], 111 * S, 4, 111 * S);
    OK(rd.n == 0 && m[0].acked == 0,
       "rate: the 4th 11 s after the 1st: nothing (4 within 11 s)");
    feed(&rd, a, &m[4], 111 * S, 5, 111 * S);
    OK(m[0].acked == 1, "rate: the 5th pushes the 1st out: acked");
    OK(rd.n == 1 && a->firing && rd.nrefs == 4,
       "rate: 4 within 10 s (101..111): fires, holding the 4");
    settle_round(&rd, false);
    OK(m[1].acked && m[2].acked && m[3].acked && m[4].acked,
       "rate: the 4 acked once delivered");
    OK(!feed(&rd, a, &m[5], 112 * S, 6, 112 * S) && rd.n == 0,
       "rate: more while firing: no change, not held");
    bool save;
    eval_tick(&rd, a, 112 * S, S, &save);
    OK(rd.n == 0, "rate: at 112 s, 4 within 102..112: still firing");
    eval_tick(&rd, a, 112 * S + 1, S, &save);
    OK(rd.n == 1 && !a->firing, "rate: a ns later only 3 are: resolved");
    round_free(&rd);
    feed(&rd, a, &m[6], 130 * S, 7, 130 * S);
    eval_release(a, true);
    OK(m[6].naked == 1 && m[6].acked == 0,
       "rate: held in a window at stop: nak'ed (redelivered)");
    round_free(&rd);
    table_free(&t);
}

static void deadman(void)
{
    rule r = {.name = "d", .kind = RULE_DEADMAN, .duration_ns = 5 * S};
    alert_table t = {0};
    alert *a = table_get(&t, &r, "d2", true);
    evh_msg m = {0};
    round rd = {0};
    a->last_ns = a->saved_ns = 100 * S;
    bool save;
    eval_tick(&rd, a, 105 * S, S, &save);
    OK(rd.n == 0, "deadman: silent for exactly the duration: not yet");
    eval_tick(&rd, a, 105 * S + 1, S, &save);
    OK(rd.n == 1 && a->firing && a->starts_ns == 105 * S,
       "deadman: then fires, starting when the duration ended");
    round_free(&rd);
    OK(feed(&rd, a, &m, 106 * S, 1, 106 * S) && rd.n == 1 && !a->firing,
       "deadman: an event resolves it, and is held for the notification");
    settle_round(&rd, false);
    OK(m.acked == 1, "deadman: acked once delivered");
    a->last_ns = 108 * S;
    eval_tick(&rd, a, 108 * S, S, &save);
    OK(save, "deadman: a clock moved by a second or more is saved");
    table_free(&t);
}

static void records(void)
{
    rule r = {.name = "crit"};
    alert a = {.r = &r, .firing = true, .starts_ns = 5, .last_ns = 7,
               .event = "{\"k\":\"v\"}"};
    char *k = record_key(&r, "a.b/\xc3\xa9");
    IS_STR(k, "crit.612e622fc3a9", "record key: the group in hex");
    char name[80], *g = NULL;
    OK(record_key_parse(k, name, sizeof name, &g) == 0 && !strcmp(name, "crit") &&
           !strcmp(g, "a.b/\xc3\xa9"),
       "record key parses back");
    free(g);
    free(k);
    char *e = record_encode(&a);
    alert b = {.r = &r};
    OK(e && record_decode(e, strlen(e), &b) == 0 && b.firing &&
           b.starts_ns == 5 && b.last_ns == 7 && !strcmp(b.event, a.event),
       "record: encode/decode round trip");
    free(e);
    free(b.event);
    OK(record_decode("{\"firing\":1}", 12, &b) != 0, "record: a bad one is refused");
    OK(record_key_parse("crit.6", name, sizeof name, &g) != 0,
       "record key: odd hex refused");
}

int main(void)
{
    threshold();
    rate();
    deadman();
    records();
    return tap_done();
}
