#!/bin/bash
# alert, deadman rule: three devices report every 300 ms; d2 goes silent.
# Exactly one alert fires, for d2, within duration_ms (4 s) plus a margin;
# it resolves when d2 reports again; d1 and d3 never fire.  A device seen
# before a restart and silent across it fires after it (its clock is in
# the key-value bucket).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh" # stat
. "$top_srcdir/t/lib/alert.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /usr/bin/prometheus-alertmanager ] || skip_all "prometheus-alertmanager not installed"
start_nats
start_receiver amhook
start_alertmanager "$RECV_URL_amhook"

host_cfg "$T/alert.cfg" alerter "$(alert_inst alert "
  alertmanagers = [\"$AM_URL\"]; resend_interval_ms = 600000;
  rules = ( { name = \"device_silent\"; type = \"deadman\"; group_by = \"key\";
              groups = [\"d1\", \"d2\", \"d3\"]; duration_ms = 4000;
              severity = \"page\"; } );")"
start_evhost alerter "$T/alert.cfg"
ok "alert host running" wait_running "$T/alert.cfg" 60

# The devices: every 300 ms one event each from those listed in $T/alive.
beat() {
    (
        trap - EXIT
        while [ -f "$T/alive" ]; do
            for d in $(cat "$T/alive" 2>/dev/null); do aev "$d" 1 "presence"; done >"$T/beat"
            [ -s "$T/beat" ] && "$NATSCLI" pub "$NATS_URL" events "$T/beat"
            sleep 0.3
        done
    ) &
    BEATER=$!
    track_pid "$BEATER"
}
echo "d1 d2 d3" >"$T/alive"
beat

ok "the devices are seen" wait_for 30 sh -c "[ \"\$(\"$EVHOST\" --stats -c '$T/alert.cfg' | jq '.instances[0].counters.matched // 0')\" -ge 30 ]"
is "$(stat "$T/alert.cfg" alert fired)" 0 "nothing fires while all report"
echo "d1 d3" >"$T/alive"
t0=$(date +%s.%N)
ok "one alert fires" wait_for 60 stat_eq "$T/alert.cfg" alert fired 1
ok "Alertmanager: d2 is silent" wait_for 30 am_count 'alertname="device_silent"' 1
t1=$(date +%s.%N)
took=$(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN { print $t1 - $t0 }")
diag "d2 silent -> alert in Alertmanager after $took s (duration 4 s)"
ok "within the duration plus a margin (4 s + 16 s)" awk "BEGIN { exit !($took < 20) }"
is "$(am_alerts 'alertname="device_silent"' | jq -r '.[0].labels.key + " " + .[0].labels.severity')" \
    "d2 page" "it is d2's, severity page"

echo "d1 d2 d3" >"$T/alive"
ok "resolved when d2 reports again" wait_for 60 stat_eq "$T/alert.cfg" alert resolved 1
ok "Alertmanager: resolved" wait_for 30 am_count 'alertname="device_silent"' 0
is "$(stat "$T/alert.cfg" alert fired)" 1 "one alert in all (d1 and d3 never fired)"
rm -f "$T/alive"
wait "$BEATER" 2>/dev/null
ok "every message acked" wait_for 30 settled

# Across a restart: d4, not in `groups`, is known only because it was
# seen; it goes silent while the alert host is down.  The restarted host
# knows its clock from the key-value bucket and fires at once.
kv_records() {
    curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&streams=true" |
        jq '[.account_details[]?.stream_detail[]? | select(.name == "KV_evhost-alert-alert") | (.state.num_subjects // .state.messages)] | add // 0'
}
kv_records_eq() { [ "$(kv_records)" = "$1" ]; }
echo "d1 d2 d3 d4" >"$T/alive"
beat
ok "4 deadman clocks in the bucket" wait_for 30 kv_records_eq 4
stop_evhost alerter
is "$?" 0 "SIGTERM: exit 0"
echo "d1 d2 d3" >"$T/alive"
sleep 6 # d4 silent for longer than duration_ms, the alert host down
start_evhost alerter2 "$T/alert.cfg"
ok "alert host restarted" wait_running "$T/alert.cfg" 60
ok "d4 fires (its clock read back)" wait_for 30 am_count 'key="d4"' 1
is "$(stat "$T/alert.cfg" alert fired)" 1 "the only one fired by the restarted host"
rm -f "$T/alive"
wait "$BEATER" 2>/dev/null
stop_evhost alerter2
is "$?" 0 "SIGTERM: exit 0"
done_testing
