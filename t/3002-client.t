#!/bin/bash
# query-client against a real influx-query and influxd: MIN_CRITICALITY
# errors, one clear line per attempt with no reader, once/json output equal
# to the stored events, unchanged answers not reprinted, new rows marked,
# the reader's error replies shown.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_influx
influx_create_db events

client_cfg() { # file extra-config
    host_cfg "$1" client "{ plugin = \"query-client\"; publish = \"query\";
  config = { interval_ms = 200; timeout_ms = 500; $2 }; }"
}

# ---- MIN_CRITICALITY ---------------------------------------------------
client_cfg "$T/c.cfg" ""
out=$(env -u MIN_CRITICALITY "$EVHOST" -t -c "$T/c.cfg" 2>&1); rc=$?
is "$rc" 1 "MIN_CRITICALITY unset: evhost -t exits 1"
like "$out" 'c.cfg:[0-9]+: plugins\[0\]\.config\.min_criticality_env: environment variable MIN_CRITICALITY is not set' "MIN_CRITICALITY unset: said, with file:line"
out=$(env -u MIN_CRITICALITY timeout 10 "$EVHOST" -c "$T/c.cfg" 2>&1); rc=$?
is "$rc" 1 "MIN_CRITICALITY unset: the service exits 1 (not a hang)"
for v in abc 5x "" 1.5 99999999999999999999; do
    out=$(MIN_CRITICALITY="$v" "$EVHOST" -t -c "$T/c.cfg" 2>&1); rc=$?
    is "$rc" 1 "MIN_CRITICALITY='$v': exit 1"
    like "$out" "environment variable MIN_CRITICALITY (is not an integer|is not set)" "MIN_CRITICALITY='$v': said"
done
MIN_CRITICALITY=-3 "$EVHOST" -t -c "$T/c.cfg" >/dev/null 2>&1
is "$?" 0 "MIN_CRITICALITY=-3 accepted"

# ---- no reader: one line per attempt, keeps going ----------------------
client_cfg "$T/nr.cfg" "output = \"$T/nr.out\";"
MIN_CRITICALITY=5 start_evhost nr "$T/nr.cfg"
wait_for 30 has_lines "$T/nr.out" 3
ok "no reader: the client is still running" kill -0 "$EVH_PID_nr"
stop_evhost nr
is "$?" 0 "no reader: stops cleanly"
is "$(grep -vc 'no answer from a reader (no responders): is the reader service running?' "$T/nr.out")" 0 "no reader: every line says so clearly"

# ---- with a reader -----------------------------------------------------
lp() { # crit ts msg -> one point the way influx-sink writes it
    local ns
    ns=$(date -u -d "$2" +%s)000000000
    printf 'event,crit_band=%d criticality=%di,eventMessage="%s",timestamp="%s" %s\n' "$1" "$1" "$3" "$2" "$ns"
}
{
    lp 9 2024-07-01T10:00:00Z "Failed password for root from 10.0.0.7"
    lp 3 2024-07-01T10:00:01Z "low"
    lp 7 2024-07-01T10:00:02Z "Port scan detected from 10.0.0.9"
    lp 10 2024-07-01T10:00:03Z "Malware signature detected"
} >"$T/points.lp"
curl -sS -XPOST "$INFLUX_URL/write?db=events&precision=ns" --data-binary @"$T/points.lp"
host_cfg "$T/r.cfg" reader "{ plugin = \"influx-query\"; subscribe = \"query\"; queue = \"readers\";
  config = { url = \"$INFLUX_URL\"; database = \"events\"; timeout_ms = 1000; }; }"
start_evhost r "$T/r.cfg"
wait_running "$T/r.cfg" 30

client_cfg "$T/j.cfg" "once = true; format = \"json\"; output = \"$T/j.out\";"
MIN_CRITICALITY=5 timeout 20 "$EVHOST" -c "$T/j.cfg" 2>"$T/j.log"
is "$?" 0 "once = true: prints once and exits 0"
is "$(cat "$T/j.out")" '{"criticality":10,"timestamp":"2024-07-01T10:00:03Z","eventMessage":"Malware signature detected"}
{"criticality":7,"timestamp":"2024-07-01T10:00:02Z","eventMessage":"Port scan detected from 10.0.0.9"}
{"criticality":9,"timestamp":"2024-07-01T10:00:00Z","eventMessage":"Failed password for root from 10.0.0.7"}' \
    "format = json: the events above 5, newest first, exactly"

client_cfg "$T/t.cfg" "output = \"$T/t.out\";"
MIN_CRITICALITY=8 start_evhost t "$T/t.cfg"
wait_for 30 grep -q 'no new events' "$T/t.out"
first=$(sed -n '1,/^$/p' "$T/t.out" | head -4)
like "$first" 'last 10 events with criticality > 8: 2 shown, 2 new' "table header: what was asked, how many shown and new"
like "$first" '\* [0-9-]+ [0-9:.]+ +10  Malware signature detected' "table row: time, criticality, message; new rows marked"
is "$(grep -c 'criticality > 8' "$T/t.out")" 1 "an unchanged answer is not reprinted"
lp 11 2024-07-01T10:00:04Z "Privilege escalation attempt" |
    curl -sS -XPOST "$INFLUX_URL/write?db=events&precision=ns" --data-binary @-
wait_for 30 sh -c "grep -c 'criticality > 8' '$T/t.out' | grep -q 2"
is "$(grep -c 'criticality > 8: 3 shown, 1 new' "$T/t.out")" 1 "a changed answer is printed, with one new row"
like "$(grep -F 'Privilege escalation' "$T/t.out")" '^ \* ' "the new row is marked"
like "$(grep -F 'Malware signature' "$T/t.out" | tail -1)" '^   ' "an old row is not marked"

# The reader's error reply, shown as one clear line.
stop_influx
wait_for 30 grep -q 'the reader answered an error (unavailable)' "$T/t.out"
like "$(cat "$T/t.out")" 'the reader answered an error \(unavailable\)' "InfluxDB down: the client shows the reader's error"
stop_evhost t
is "$?" 0 "client stops cleanly"
stop_evhost r
done_testing
