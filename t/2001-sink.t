#!/bin/bash
# generator -> NATS JetStream -> influx-sink -> influxd, compared by content:
#  - 10,000 generated events become exactly 10,000 points, each field equal
#    to what was published and each event's instant read back exactly from
#    its point (t/lib/points.jq decodes the stored shape on its own);
#  - 50 identical events with one second-precision timestamp -> 50 points;
#  - replaying the whole stream to a fresh consumer (every message delivered
#    a second time) adds no point.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_influx
NATSCLI="$top_builddir/t/tools/evh-nats"

# sink_inst NAME DB STREAM SUBJECT DURABLE [extra config]
sink_inst() {
    printf '{ plugin = "influx-sink"; name = "%s"; subscribe = "%s";
  jetstream = { stream = "%s"; subjects = ["%s"]; durable = "%s"; };
  config = { url = "%s"; database = "%s"; flush_interval_ms = 50; %s }; }' \
        "$1" "$4" "$3" "$4" "$5" "$INFLUX_URL" "$2" "${6:-}"
}
# recorder NAME STREAM SUBJECT OUT: a second durable that logs every payload
recorder() {
    printf '{ plugin = "testplug"; name = "%s"; subscribe = "%s";
  jetstream = { stream = "%s"; subjects = ["%s"]; durable = "%s-rec"; };
  config = { out = "%s"; }; }' "$1" "$3" "$2" "$3" "$1" "$4"
}

points_ge() { [ "$(influx_count "$1" event)" -ge "$2" ]; }
# (jq -e exits 0 on empty input: a host not answering yet must not pass)
written_ge() {
    local s
    s=$("$EVHOST" --stats -c "$1") && [ -n "$s" ] &&
        printf '%s' "$s" | jq -e ".instances[] | select(.name==\"writer\") | .counters.written >= $2" >/dev/null
}

# ---- 10,000 generated events -------------------------------------------
N=10000
host_cfg "$T/w.cfg" w "$(sink_inst writer gen EVENTS events sink),
$(recorder rec EVENTS events "$T/rec.out")"
host_cfg "$T/g.cfg" g "{ plugin = \"generator\"; publish = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; };
  config = { rate = 0; count = $N; seed = 42; criticality = [0, 10]; }; }"
"$EVHOST" -c "$T/g.cfg" 2>"$T/g.log"
is "$?" 0 "generator published $N events and exited 0"
start_evhost w "$T/w.cfg"
wait_for 120 has_lines "$T/rec.out" $N
wait_for 120 points_ge gen $N
sleep 0.5
is "$(influx_count gen event)" $N "exactly $N points stored"
stats=$("$EVHOST" --stats -c "$T/w.cfg")
is "$(printf '%s' "$stats" | jq '.instances[] | select(.name=="writer") | .counters.written')" $N "sink counted $N written"
is "$(lines "$T/rec.out")" $N "recorder saw the $N published events"

sed 's/^events //' "$T/rec.out" | norm_events >"$T/want"
stored_events gen >"$T/got"
ok "every stored point equals a published event, field by field, instant exact" cmp -s "$T/want" "$T/got"
cmp "$T/want" "$T/got" | head -3 | sed 's/^/# /'
is "$(sort -u "$T/want" | wc -l)" $N "the $N published events were distinct"

# The point time lies in the event's own millisecond (nanosecond events:
# lineproto.h class 3), so InfluxDB's time index still finds it by time.
influx_q gen 'SELECT "sub_ns" FROM "event" LIMIT 100' |
    jq -r '.results[0].series[0].values[][0]' >"$T/ptimes"
bad=$(jq -R -r 'capture("\\.(?<f>[0-9]+)Z$").f + "000000000" | .[0:9] | tonumber % 4' "$T/ptimes" | grep -vc '^3$')
is "$(wc -l <"$T/ptimes")/$bad" "100/0" "nanosecond events are stored in their own millisecond (class 3, 100 sampled)"

# ---- replay: every message delivered again to a fresh consumer ----------
stop_evhost w
is "$?" 0 "writer stopped cleanly"
"$NATSCLI" req "$NATS_URL" '$JS.API.CONSUMER.DELETE.EVENTS.sink' '' >"$T/del.json"
like "$(cat "$T/del.json")" '"success":true' "durable consumer deleted: the stream will be delivered again"
: >"$T/rec.out"
start_evhost w2 "$T/w.cfg"
wait_for 120 written_ge "$T/w.cfg" $N
sleep 0.5
stats=$("$EVHOST" --stats -c "$T/w.cfg")
is "$(printf '%s' "$stats" | jq '.instances[] | select(.name=="writer") | .counters.written')" $N "replay: all $N messages written a second time"
is "$(influx_count gen event)" $N "replay: still exactly $N points (writes are idempotent)"
stop_evhost w2

# ---- 50 identical events, second-precision timestamp -------------------
for i in $(seq 50); do
    echo '{"criticality":7,"timestamp":"2024-01-01T00:00:00Z","eventMessage":"Failed password for root from 10.0.0.1"}'
done >"$T/same.jsonl"
host_cfg "$T/s.cfg" s "$(sink_inst writer same SAME same sink)"
start_evhost s "$T/s.cfg"
wait_running "$T/s.cfg" 20
"$NATSCLI" pub "$NATS_URL" same "$T/same.jsonl"
is "$?" 0 "published 50 identical events"
wait_for 20 points_ge same 50
sleep 0.5
is "$(influx_count same event)" 50 "50 events sharing one timestamp -> 50 points"
stop_evhost s
is "$?" 0 "writer stopped cleanly"
done_testing
