#!/bin/bash
# Point identity (lineproto.h): N distinct events in, N points stored,
# whatever their timestamps, from one or several sinks, over JetStream and
# core NATS; a redelivered message rewrites its own point; the reader
# answers each event with its own instant, newest first; points of the
# earlier stored shape are still read.  Every count is InfluxDB's.
#  - 100,000 events sharing one second-precision timestamp (the classic Go
#    daemon's time.RFC3339), one sink over JetStream;
#  - 100,000 sharing one nanosecond timestamp, two hosts on one durable,
#    then the whole stream delivered again to a fresh consumer;
#  - 300,000 sharing one millisecond and band (a stuck clock): the 250,000
#    its points can hold are stored, the rest refused, counted and
#    dead-lettered, never written over an earlier one;
#  - 20,000 sharing one second over core NATS, two hosts in a queue group;
#  - the reader on events whose sub-millisecond instants arrive shuffled.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_influx
NATSCLI="$top_builddir/t/tools/evh-nats"

# js_sink NAME DB STREAM SUBJECT DURABLE
js_sink() {
    printf '{ plugin = "influx-sink"; name = "%s"; subscribe = "%s";
  jetstream = { stream = "%s"; subjects = ["%s"]; durable = "%s";
                max_ack_pending = 40000; fetch_batch = 5000; };
  config = { url = "%s"; database = "%s"; flush_interval_ms = 50; }; }' \
        "$1" "$4" "$3" "$4" "$5" "$INFLUX_URL" "$2"
}
running() { # cfg: every instance of the host is running
    local s
    s=$("$EVHOST" --stats -c "$1" 2>/dev/null) && [ -n "$s" ] &&
        printf '%s' "$s" | jq -e '[.instances[].state] | length > 0 and all(. == "running")' >/dev/null
}
points_ge() { [ "$(influx_count "$1" event)" -ge "$2" ]; }
counter() { # cfg instance counter
    "$EVHOST" --stats -c "$1" 2>/dev/null | jq ".instances[] | select(.name==\"$2\") | .counters.$3 // 0"
}
written_ge() { [ "$(counter "$1" writer written)" -ge "$2" ]; }
# events N TIMESTAMP TAG: N distinct events that all carry TIMESTAMP
events() {
    awk -v n="$1" -v ts="$2" -v tag="$3" 'BEGIN { for (i = 0; i < n; i++)
        printf "{\"criticality\":%d,\"timestamp\":\"%s\",\"eventMessage\":\"%s event %d\"}\n", i % 11, ts, tag, i }'
}

# ---- 1. 100,000 events, one second-precision timestamp, JetStream --------
N=100000
events $N "2026-01-01T00:00:00Z" second >"$T/sec.jsonl"
host_cfg "$T/a.cfg" a "$(js_sink writer sec SEC sec sink)"
start_evhost a "$T/a.cfg"
wait_for 30 running "$T/a.cfg"
"$NATSCLI" pub "$NATS_URL" sec "$T/sec.jsonl"
is "$?" 0 "published $N events sharing 2026-01-01T00:00:00Z"
wait_for 180 points_ge sec $N
sleep 0.5
is "$(influx_count sec event)" $N "exactly $N points stored"
is "$(counter "$T/a.cfg" writer written)" $N "the sink counted $N written"
is "$(distinct_events sec)" $N "$N distinct events read back, each with its instant 2026-01-01T00:00:00Z"
is "$(stored_events sec | jq -r .timestamp | sort -u)" "2026-01-01T00:00:00.000000000Z" "every point carries the instant exactly"
stored_events sec >"$T/got"
norm_events <"$T/sec.jsonl" >"$T/want"
ok "every stored event equals a published one, field by field" cmp -s "$T/want" "$T/got"
stop_evhost a
is "$?" 0 "writer stopped cleanly"

# ---- 1b. the limit: 300,000 events on one millisecond (a stuck clock) ---
# 250,000 slots per millisecond and band: the first 250,000 are stored; the
# rest would overwrite them, so each is refused, counted, dead-lettered.
L=300000
events $L "2026-01-01T00:00:00.123Z" stuck | sed 's/"criticality":[0-9]*/"criticality":7/' >"$T/stuck.jsonl"
host_cfg "$T/l.cfg" l "$(js_sink writer stuck STUCK stuck sink | sed 's/flush_interval_ms = 50;/flush_interval_ms = 50; dead_letter = "stuck.dead";/'),
{ plugin = \"testplug\"; name = \"dead\"; subscribe = \"stuck.dead\"; config = { out = \"$T/dead.out\"; }; }"
start_evhost l "$T/l.cfg"
wait_for 30 running "$T/l.cfg"
"$NATSCLI" pub "$NATS_URL" stuck "$T/stuck.jsonl"
settled_ge() { [ $(( $(counter "$T/l.cfg" writer written) + $(counter "$T/l.cfg" writer identity_limit) )) -ge "$1" ]; }
wait_for 240 settled_ge $L
sleep 0.5
is "$(influx_count stuck event)" 250000 "one band and millisecond: exactly its 250,000 points stored"
is "$(distinct_events stuck)" 250000 "...all distinct: none overwritten"
is "$(counter "$T/l.cfg" writer identity_limit)" 50000 "the 50,000 beyond the limit are counted as identity_limit"
is "$(counter "$T/l.cfg" writer written)" 250000 "written counts only what was stored"
wait_for 60 has_lines "$T/dead.out" 50000
is "$(lines "$T/dead.out")" 50000 "each of them is on the dead-letter subject"
like "$(cat "$T/l.log")" 'would overwrite an earlier event' "the reason is logged"
stop_evhost l
is "$?" 0 "writer stopped cleanly"

# ---- 2. 100,000 events, one nanosecond timestamp, two hosts, JetStream ---
events $N "2026-01-01T00:00:00.123456789Z" nano >"$T/ns.jsonl"
host_cfg "$T/b.cfg" b "$(js_sink writer ns NS ns shared)"
cp "$T/b.cfg" "$T/b2.cfg"
sed -i 's/name = "b";/name = "b2";/' "$T/b2.cfg"
start_evhost b "$T/b.cfg"
start_evhost b2 "$T/b2.cfg"
wait_for 30 running "$T/b.cfg"
wait_for 30 running "$T/b2.cfg"
"$NATSCLI" pub "$NATS_URL" ns "$T/ns.jsonl"
is "$?" 0 "published $N events sharing 2026-01-01T00:00:00.123456789Z"
wait_for 180 points_ge ns $N
sleep 0.5
is "$(influx_count ns event)" $N "two hosts on one durable: exactly $N points stored"
w1=$(counter "$T/b.cfg" writer written) w2=$(counter "$T/b2.cfg" writer written)
is "$((w1 + w2))" $N "the two sinks wrote $w1 + $w2 = $N"
stored_events ns >"$T/got"
norm_events <"$T/ns.jsonl" >"$T/want"
ok "every stored event equals a published one, the nanosecond exact" cmp -s "$T/want" "$T/got"

# Redelivery: the whole stream again, to a fresh consumer of both hosts.
stop_evhost b
stop_evhost b2
"$NATSCLI" req "$NATS_URL" '$JS.API.CONSUMER.DELETE.NS.shared' '' >"$T/del.json"
like "$(cat "$T/del.json")" '"success":true' "durable deleted: every message will be delivered again"
start_evhost b3 "$T/b.cfg"
start_evhost b4 "$T/b2.cfg"
both_written() { [ $(( $(counter "$T/b.cfg" writer written) + $(counter "$T/b2.cfg" writer written) )) -ge "$1" ]; }
wait_for 180 both_written $N
sleep 0.5
is "$(influx_count ns event)" $N "after all $N were delivered and written again: still exactly $N points"
is "$(distinct_events ns)" $N "and $N distinct events: none twice"
stop_evhost b3
stop_evhost b4

# ---- 3. 20,000 events, one second, core NATS, two hosts in a queue group -
C=20000
events $C "2026-01-02T00:00:00Z" core >"$T/core.jsonl"
core_sink() {
    printf '{ plugin = "influx-sink"; name = "writer"; subscribe = "core"; queue = "writers";
  pending_msgs = 1000000; pending_bytes = 1000000000L;
  config = { url = "%s"; database = "core"; flush_interval_ms = 50; }; }' "$INFLUX_URL"
}
host_cfg "$T/c.cfg" c "$(core_sink)"
host_cfg "$T/c2.cfg" c2 "$(core_sink)"
start_evhost c "$T/c.cfg"
start_evhost c2 "$T/c2.cfg"
wait_for 30 running "$T/c.cfg"
wait_for 30 running "$T/c2.cfg"
"$NATSCLI" pub "$NATS_URL" core "$T/core.jsonl"
wait_for 120 points_ge core $C
sleep 0.5
is "$(influx_count core event)" $C "core NATS, two sinks in one queue group: exactly $C points"
w1=$(counter "$T/c.cfg" writer written) w2=$(counter "$T/c2.cfg" writer written)
ok "both sinks took part ($w1 + $w2)" test "$w1" -gt 0 -a "$w2" -gt 0 -a $((w1 + w2)) -eq $C
is "$(distinct_events core)" $C "$C distinct events read back"
is "$(influx_q core 'SHOW TAG VALUES FROM "event" WITH KEY = "writer"' | jq '[.results[0].series[0].values[][1]] | unique | length')" 2 \
    "the points carry the two sinks' writer tags"
stop_evhost c
stop_evhost c2

# ---- 4. the reader: its own instant, newest first -------------------------
# 60 events inside one millisecond (distinct nanoseconds), published in a
# shuffled order, around 40 others of second, tenth and millisecond
# precision in other seconds; then points of the earlier stored shape (a
# timestamp string field, a point time within 1 us of it) written directly.
{
    for i in $(seq 0 59); do
        printf '{"criticality":%d,"timestamp":"2026-01-03T00:00:05.123%06dZ","eventMessage":"same ms %d"}\n' $((i % 11)) $((i * 7919 % 1000000)) "$i"
    done | shuf --random-source=<(yes)
    for i in $(seq 0 39); do
        case $((i % 3)) in
        0) ts=$(printf '2026-01-03T00:00:%02dZ' $((i + 10))) ;;
        1) ts=$(printf '2026-01-03T00:00:%02d.%dZ' $((i + 10)) $((i % 10))) ;;
        2) ts=$(printf '2026-01-03T00:00:%02d.%03d+00:00' $((i + 10)) $((i * 37 % 1000))) ;;
        esac
        printf '{"criticality":%d,"timestamp":"%s","eventMessage":"other %d"}\n' $((i % 11)) "$ts" "$i"
    done
} >"$T/mix.jsonl"
host_cfg "$T/r.cfg" r "$(js_sink writer mix MIX mix sink),
{ plugin = \"influx-query\"; name = \"reader\"; subscribe = \"query\";
  config = { url = \"$INFLUX_URL\"; database = \"mix\"; timeout_ms = 3000; }; }"
start_evhost r "$T/r.cfg"
wait_for 30 running "$T/r.cfg"
"$NATSCLI" pub "$NATS_URL" mix "$T/mix.jsonl"
wait_for 60 points_ge mix 100
# The earlier shape: timestamp text, µs + (sequence mod 1000) ns.
curl -sS -XPOST "$INFLUX_URL/write?db=mix" --data-binary \
'event,crit_band=9 criticality=9i,eventMessage="old shape a",timestamp="2026-01-03T00:01:00.000001Z" 1767398460000001007
event,crit_band=3 criticality=3i,eventMessage="old shape b",timestamp="2026-01-03T01:01:00+01:00" 1767398460000000008'
printf '%s\n' '{"criticality":9,"timestamp":"2026-01-03T00:01:00.000001Z","eventMessage":"old shape a"}' \
    '{"criticality":3,"timestamp":"2026-01-03T01:01:00+01:00","eventMessage":"old shape b"}' >>"$T/mix.jsonl"
is "$(influx_count mix event)" 102 "100 events stored and 2 points of the earlier shape"
req() { "$NATSCLI" req "$NATS_URL" query "$1" 3000; }
# expected N X: newest first by instant, from the set (jq, no InfluxDB)
expected() {
    jq -c -s -L "$top_srcdir/t/lib" --argjson n "$1" --argjson x "$2" 'include "points";
        [.[] | select(.criticality > $x) | {criticality, eventMessage, timestamp: (.timestamp | norm_ts)}]
        | sort_by(.timestamp) | reverse | .[:$n]' "$T/mix.jsonl"
}
got_of() {
    req "{\"last_events_count\":$1,\"min_criticality\":$2}" |
        jq -c -L "$top_srcdir/t/lib" 'include "points"; [.events[] | {criticality, eventMessage, timestamp: (.timestamp | norm_ts)}]'
}
for pair in "10 -1" "1 -1" "3 5" "45 -1" "60 -1" "70 2" "200 -1" "5 9"; do
    set -- $pair
    is "$(got_of "$1" "$2")" "$(expected "$1" "$2")" "N=$1 X=$2: newest first by instant, each with its own"
done
is "$(req '{"last_events_count":3,"min_criticality":8}' | jq -c '[.events[].timestamp]')" \
    '["2026-01-03T00:01:00.000001Z","2026-01-03T00:00:42.184Z","2026-01-03T00:00:41.1Z"]' \
    "timestamps as sent: the earlier shape's text, new points at their own precision"
classic=$(req '{"last_events_count":10,"min_criticality":5}')
is "$(printf '%s' "$classic" | jq -c '[.events[] | keys] | unique')" '[["criticality","eventMessage","timestamp"]]' \
    "the classic reply shape is unchanged"
stop_evhost r
is "$?" 0 "reader host stopped cleanly"
done_testing
