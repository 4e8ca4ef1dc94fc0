#!/bin/bash
# alert through crashes: 3 alerts fire; Alertmanager goes down for 20 s;
# meanwhile 3 more fire (held, retried) and the alert host is SIGKILLed.
# After both come back every one of the 6 is in Alertmanager exactly
# once: the first 3 from the key-value bucket (re-sent, not fired again),
# the other 3 from the messages JetStream redelivers (they were never
# acked); nothing pending or unacked is left.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh" # stat
. "$top_srcdir/t/lib/alert.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /usr/bin/prometheus-alertmanager ] || skip_all "prometheus-alertmanager not installed"
start_nats
start_receiver amhook
start_alertmanager "$RECV_URL_amhook"

ACK_WAIT_MS=3000
host_cfg "$T/alert.cfg" alerter "$(alert_inst alert "
  alertmanagers = [\"$AM_URL\"]; resend_interval_ms = 2000;
  retry_initial_ms = 200; retry_max_ms = 1000; timeout_ms = 2000;
  rules = ( { name = \"critical\"; type = \"threshold\"; where = [\"criticality >= 8\"];
              group_by = \"key\"; resolve_after_ms = 600000; } );")"
start_evhost alerter "$T/alert.cfg"
ok "alert host running" wait_running "$T/alert.cfg" 60

batch() { # first-key last-key
    for k in $(seq "$1" "$2"); do
        aev "k$k" 9 "high $k"
        for i in $(seq 1 30); do aev "k$k" 2 "low $k $i"; done
    done
}
batch 0 2 >"$T/b1"
ok "first 3 keys published" publish "$T/b1"
ok "3 delivered" wait_for 60 stat_eq "$T/alert.cfg" alert notifications 3
ok "Alertmanager: 3 alerts" wait_for 30 am_count 'alertname="critical"' 3

stop_alertmanager
down_at=$(date +%s)
batch 3 5 >"$T/b2"
ok "next 3 keys published, Alertmanager down" publish "$T/b2"
ok "they fire (in memory)" wait_for 60 stat_eq "$T/alert.cfg" alert fired 6
ok "and are retried" wait_for 30 sh -c "[ \"\$(\"$EVHOST\" --stats -c '$T/alert.cfg' | jq '.instances[0].counters.post_errors // 0')\" -ge 2 ]"
is "$(stat "$T/alert.cfg" alert notifications)" 3 "not delivered: still 3"
# Held past ack_wait (3 s), the 3 triggering messages come again: those
# copies must stay unacked too (acking one acks the message), or the kill
# below would lose the alerts (seen under valgrind before the fix).
ok "their redeliveries are held too" wait_for 60 sh -c "[ \"\$(\"$EVHOST\" --stats -c '$T/alert.cfg' | jq '.instances[0].counters.redelivered_held // 0')\" -ge 3 ]"
ok "nothing of them acked" test "$(consumer num_ack_pending)" -ge 3
kill -KILL "$EVH_PID_alerter"
wait_evhost alerter 30
diag "alert host SIGKILLed"
while [ $(( $(date +%s) - down_at )) -lt 20 ]; do sleep 0.5; done
ok "Alertmanager back after 20 s (nothing of the 3 alerts kept)" restart_alertmanager
start_evhost alerter2 "$T/alert.cfg"
ok "alert host restarted" wait_running "$T/alert.cfg" 60

ok "Alertmanager: all 6 alerts" wait_for 60 am_count 'alertname="critical"' 6
keys=$(am_alerts 'alertname="critical"' | jq -r '[.[].labels.key] | sort | join(",")')
is "$keys" "k0,k1,k2,k3,k4,k5" "each key exactly once"
ok "nothing pending or unacked" wait_for 60 settled
is "$(stat "$T/alert.cfg" alert fired)" 3 "the restarted host fired the 3 redelivered ones only"
ok "and re-sent the 3 it read from the bucket" wait_for 30 sh -c "[ \"\$(\"$EVHOST\" --stats -c '$T/alert.cfg' | jq '.instances[0].counters.resends // 0')\" -ge 1 ]"
ok "the receiver got all 6 firing in one notification" \
    wait_for 60 posts_eq amhook 'select(.body.status == "firing" and (.body.alerts | length) == 6)' 1
stop_evhost alerter2
is "$?" 0 "SIGTERM: exit 0"
done_testing
