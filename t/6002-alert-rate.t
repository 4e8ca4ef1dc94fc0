#!/bin/bash
# alert, rate rule: more than 5 "failed login" events within 10 s per
# account.  A burst for acme crosses the limit once: exactly one alert
# fires (not one per event over the limit), Alertmanager shows it, and it
# resolves once the window has passed -- in both Alertmanagers of an HA
# pair; globex's 5 (not more than 5) and
# the other messages fire nothing.  Every message is acked in the end,
# including those the window held.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh" # stat
. "$top_srcdir/t/lib/alert.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /usr/bin/prometheus-alertmanager ] || skip_all "prometheus-alertmanager not installed"
start_nats
start_receiver amhook
start_receiver amhook2
# An HA pair (two Alertmanagers, each with its own receiver): each gets
# every alert.
AM_TAG=2 start_alertmanager "$RECV_URL_amhook2"
AM2_URL=$AM_URL
start_alertmanager "$RECV_URL_amhook"

# Messages counted in a window stay unacked for up to window_ms: the
# consumer's ack_wait must be longer, or JetStream delivers them again
# (recognised and not counted twice, but then acked twice).
ACK_WAIT_MS=30000
host_cfg "$T/alert.cfg" alerter "$(alert_inst alert "
  alertmanagers = [\"$AM_URL\", \"$AM2_URL/\"]; resend_interval_ms = 600000;
  rules = ( { name = \"login_burst\"; type = \"rate\"; contains = \"failed login\";
              where = [\"criticality >= 3\"]; group_by = \"key\";
              count = 5; window_ms = 10000; } );")"
start_evhost alerter "$T/alert.cfg"
ok "alert host running" wait_running "$T/alert.cfg" 60

{
    for i in 1 2 3 4 5; do aev globex 5 "failed login for user$i"; done
    for i in $(seq 1 12); do aev acme 5 "failed login for user$i"; done
    for i in $(seq 1 20); do aev acme 2 "failed login, low $i"; aev acme 7 "login ok $i"; done
} >"$T/events"
is "$(lines "$T/events")" 57 "57 events: 5 + 12 matching, 40 not"
ok "published" publish "$T/events"
ok "17 matched" wait_for 60 stat_eq "$T/alert.cfg" alert matched 17
is "$(stat "$T/alert.cfg" alert fired)" 1 "the burst fired once"
ok "Alertmanager: one alert, for acme" wait_for 30 am_count 'alertname="login_burst"' 1
is "$(am_alerts 'alertname="login_burst"' | jq -r '.[0].labels.key')" acme "it is acme's"
ok "receiver: the notification" \
    wait_for 30 posts_eq amhook 'select(.body.status == "firing" and (.body.alerts | length) == 1)' 1
ok "the second Alertmanager has it too" wait_for 30 am_count_at "$AM2_URL" 'alertname="login_burst"' 1
ok "and its receiver got it" \
    wait_for 30 posts_eq amhook2 'select(.body.status == "firing" and (.body.alerts | length) == 1)' 1

ok "resolved after the window" wait_for 60 stat_eq "$T/alert.cfg" alert resolved 1
ok "Alertmanager: resolved" wait_for 30 am_count 'alertname="login_burst"' 0
ok "the second one: resolved" wait_for 30 am_count_at "$AM2_URL" 'alertname="login_burst"' 0
is "$(stat "$T/alert.cfg" alert posts)" 4 "4 POSTs: fired and resolved, to each of the two"
is "$(stat "$T/alert.cfg" alert fired)" 1 "still one firing in all"
ok "every message acked, held ones too" wait_for 30 settled
is "$(stat "$T/alert.cfg" alert acks)" 57 "57 acks"
stop_evhost alerter
is "$?" 0 "SIGTERM: exit 0"
done_testing
