#!/bin/bash
# Dead letters are kept and say why (issue 14, item 7): with the shipped
# stream layout (EVENTS captures events and events.dead; the writer's
# durable reads only events), every event the writer refuses is stored in
# the stream on events.dead, byte for byte, with headers naming the
# reason, the original subject and its stream sequence; a dead-letter
# subject no stream captures is warned about at start.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
NATSCLI="$top_builddir/t/tools/evh-nats"
start_nats
start_influx

# The shipped writer.cfg, on our servers.
sed -e "s|nats://127.0.0.1:4222|$NATS_URL|; s|http://127.0.0.1:8086|$INFLUX_URL|; s|flush_interval_ms = 200;|flush_interval_ms = 50;|" \
    "$top_srcdir/etc/writer.cfg" >"$T/writer.cfg"
start_evhost writer "$T/writer.cfg"
# The check runs in the sink's start, which ends before this line.
wait_running "$T/writer.cfg" 60
unlike "$(cat "$T/writer.log")" 'captured by no JetStream stream' "shipped writer.cfg: no warning, events.dead is captured"

{
    echo '{"criticality":1,"timestamp":"2026-11-23T10:00:01Z","eventMessage":"good 1"}'
    echo 'not json at all'
    echo '{"criticality":1,"timestamp":"2026-11-23T10:00:02Z","eventMessage":"good 2"}'
    echo '{"criticality":1,"timestamp":"2300-01-01T00:00:00Z","eventMessage":"year 2300"}'
    echo '{"criticality":1,"timestamp":"2026-11-23T10:00:03Z","eventMessage":"good 3"}'
} >"$T/in.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/in.jsonl"
settled() { [ $(( $(stat "$T/writer.cfg" influx-sink written) + $(stat "$T/writer.cfg" influx-sink dead_lettered) )) -ge 5 ]; }
wait_for 60 settled
is "$(stat "$T/writer.cfg" influx-sink written)" 3 "3 valid events written"
is "$(stat "$T/writer.cfg" influx-sink dead_lettered)" 2 "2 dead-lettered"
is "$(points)" 3 "3 points in InfluxDB"

# The stream: 5 on events, 2 on events.dead.
info=$("$NATSCLI" req "$NATS_URL" '$JS.API.STREAM.INFO.EVENTS' '{"subjects_filter":">"}' 10000)
is "$(jq -c '.state.subjects' <<<"$info")" '{"events":5,"events.dead":2}' "the stream holds 5 on events and 2 on events.dead"

# dead N: the Nth dead letter from the stream, as {subject, data, hdrs}.
getmsg() { "$NATSCLI" req "$NATS_URL" '$JS.API.STREAM.MSG.GET.EVENTS' "{\"seq\":$1,\"next_by_subj\":\"events.dead\"}" 10000; }
m1=$(getmsg 1); s1=$(jq '.message.seq' <<<"$m1")
m2=$(getmsg $((s1 + 1)))
for n in 1 2; do
    m=$([ $n = 1 ] && echo "$m1" || echo "$m2")
    jq -r '.message.data' <<<"$m" | base64 -d >"$T/dead$n.data"
    jq -r '.message.hdrs' <<<"$m" | base64 -d | tr -d '\r' >"$T/dead$n.hdrs"
done
is "$(cat "$T/dead1.data")" "not json at all" "dead letter 1 is the refused bytes"
like "$(cat "$T/dead1.hdrs")" $'Evhost-Reason: not JSON' "  Evhost-Reason says not JSON"
is "$(grep -cx 'Evhost-Subject: events' "$T/dead1.hdrs")" 1 "  Evhost-Subject: events"
is "$(grep -cx 'Evhost-Stream-Seq: 2' "$T/dead1.hdrs")" 1 "  Evhost-Stream-Seq: 2 (its place in the stream)"
like "$(cat "$T/dead1.hdrs")" $'Evhost-Instance: influx-sink' "  Evhost-Instance names the writer"
like "$(cat "$T/dead2.data")" '"year 2300"' "dead letter 2 is the year-2300 event"
like "$(cat "$T/dead2.hdrs")" "Evhost-Reason: \"timestamp\" is outside InfluxDB's time range" "  its reason: outside InfluxDB's time range"
is "$(grep -cx 'Evhost-Stream-Seq: 4' "$T/dead2.hdrs")" 1 "  Evhost-Stream-Seq: 4"
stop_evhost writer
is "$?" 0 "writer stopped cleanly"

# A dead-letter subject no stream captures: said at start, with the fix.
host_cfg "$T/lost.cfg" lost "$(writer_inst | sed 's|dead_letter = "events.dead"|dead_letter = "lost.dead"|; s|durable = "influx-sink"|durable = "lost"|')"
start_evhost lost "$T/lost.cfg"
wait_running "$T/lost.cfg" 60
like "$(cat "$T/lost.log")" 'dead_letter subject lost.dead is captured by no JetStream stream.*jetstream.subjects' \
    "an uncaptured dead-letter subject is warned about at start, with the fix"
stop_evhost lost
is "$?" 0 "stopped cleanly"
done_testing
