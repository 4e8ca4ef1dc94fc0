#!/bin/bash
# One event among 1,000 that InfluxDB itself refuses (a 70,000-byte tag
# value: the series key passes 64 KiB -> HTTP 400): the other 999 are
# stored, the poisoned one is counted, logged and dead-lettered, and it
# does not block its batch.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_influx
NATSCLI="$top_builddir/t/tools/evh-nats"
huge=$(head -c 70000 /dev/zero | tr '\0' h)
for i in $(seq 1 1000); do
    h=web-1
    [ "$i" = 500 ] && h=$huge
    printf '{"criticality":%d,"timestamp":"2024-08-01T00:00:%02d.%09dZ","eventMessage":"event %d","host":"%s"}\n' \
        $((i % 11)) $((i % 60)) "$i" "$i" "$h"
done >"$T/events.jsonl"
host_cfg "$T/writer.cfg" writer "$(writer_inst 'tags = ["host"]; batch_size = 1000; flush_interval_ms = 500;'),
{ plugin = \"testplug\"; name = \"dead\"; subscribe = \"events.dead\"; config = { out = \"$T/dead.out\"; }; }"
start_evhost writer "$T/writer.cfg"
wait_running "$T/writer.cfg" 30
"$NATSCLI" pub "$NATS_URL" events "$T/events.jsonl"
wait_for 30 points_ge 999
sleep 1
report 1000
is "$(points)" 999 "999 of 1,000 stored"
is "$(stat "$T/writer.cfg" writer rejected)" 1 "1 counted as rejected by InfluxDB"
is "$(stat "$T/writer.cfg" writer written)" 999 "999 counted as written"
wait_for 30 has_lines "$T/dead.out" 1
is "$(lines "$T/dead.out")" 1 "1 on the dead-letter subject"
like "$(cut -c1-300 "$T/dead.out")" '"eventMessage":"event 500"' "the dead letter is the poisoned event"
like "$(cat "$T/writer.log")" 'InfluxDB rejected a point \(HTTP 400' "the rejection is logged with InfluxDB's reason"
unlike "$(cat "$T/writer.log")" 'InfluxDB write failed' "poison was not mistaken for an outage"
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&consumers=true")
is "$(json_num "$info" num_ack_pending)" 0 "nothing left unacknowledged (the poison is settled too)"
stop_evhost writer
is "$?" 0 "writer stops cleanly"
done_testing
