#!/bin/bash
# influx-query against a real influxd: a known set of events is stored
# through the writer; answers to several (N, X) pairs must equal what jq
# computes from the set; the classic request bytes get a classic reply;
# hostile requests get error replies and leave the database intact;
# InfluxDB down -> an error reply within timeout_ms, not silence.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_influx
NATSCLI="$top_builddir/t/tools/evh-nats"
M=306

# The known set: criticality -1..11, one event per second, 3 equal seconds;
# then six in the outer criticality bands (below 0, 99, 100 and above).
crit() { local i=$1 outer=(99 100 150 5000 -2 -50); [ "$i" -lt 300 ] && echo $(((i * 7) % 13 - 1)) || echo "${outer[$((i - 300))]}"; }
for i in $(seq 0 $((M - 1))); do
    printf '{"criticality":%d,"timestamp":"2024-06-01T%02d:%02d:%02d.%09dZ","eventMessage":"event #%d, \\"quoted\\""}\n' \
        "$(crit "$i")" $((i / 3600)) $((i / 60 % 60)) $((i % 60)) "$i" "$i"
done >"$T/set.jsonl"

host_cfg "$T/h.cfg" h "{ plugin = \"influx-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"sink\"; };
  config = { url = \"$INFLUX_URL\"; database = \"q\"; flush_interval_ms = 50; }; },
{ plugin = \"influx-query\"; name = \"reader\"; subscribe = \"query\"; queue = \"readers\";
  config = { url = \"$INFLUX_URL\"; database = \"q\"; timeout_ms = 1000; }; }"
start_evhost h "$T/h.cfg"
wait_running "$T/h.cfg" 30
"$NATSCLI" pub "$NATS_URL" events "$T/set.jsonl"
points_ge() { [ "$(influx_count q event)" -ge "$1" ]; }
wait_for 30 points_ge $M
is "$(influx_count q event)" $M "known set of $M events stored"

req() { "$NATSCLI" req "$NATS_URL" query "$1" 3000; }
# expected N X: computed from the set, independently of InfluxDB
expected() {
    jq -c -s --argjson n "$1" --argjson x "$2" \
        '[.[] | select(.criticality > $x)] | sort_by(.timestamp) | reverse | .[:$n] | map({criticality, eventMessage, timestamp})' \
        "$T/set.jsonl"
}
for pair in "10 5" "1 0" "5 11" "1000 -2" "3 9" "50 10" "7 -1" "1000 -9223372036854775808" \
    "10 98" "10 99" "10 100" "3 149" "10 5000" "10 -3" "1000 -51" "5 9223372036854775807"; do
    set -- $pair
    got=$(req "{\"last_events_count\":$1,\"min_criticality\":$2}" |
          jq -c -L "$top_srcdir/t/lib" 'include "points"; .events | map({criticality, eventMessage, timestamp: (.timestamp | norm_ts)})')
    want=$(expected "$1" "$2")
    n=$(printf '%s' "$want" | jq length)
    is "$got" "$want" "N=$1 X=$2: the $n newest events above $2, newest first"
done

# The classic client's exact request bytes; its reply shape.
classic=$(req '{"last_events_count":10,"min_criticality":5}')
is "$(printf '%s' "$classic" | jq -c 'keys')" '["events"]' "classic request: reply is {\"events\": [...]}"
is "$(printf '%s' "$classic" | jq '.events | length')" 10 "classic request: 10 events"
is "$(printf '%s' "$classic" | jq -c '[.events[] | (keys == ["criticality","eventMessage","timestamp"]) and (.criticality|type) == "number" and (.timestamp|type) == "string" and (.eventMessage|type) == "string"] | unique')" '[true]' \
    "classic request: every event has exactly criticality (number), timestamp, eventMessage (strings)"

# Hostile requests: an error reply each, never a query.
i=0
while IFS= read -r bad; do
    i=$((i + 1))
    r=$(req "$bad")
    code=$(printf '%s' "$r" | jq -r '.error.code' 2>/dev/null)
    is "$code" bad_request "hostile request $i refused: $bad"
done <<'B'
{"last_events_count":10,"min_criticality":"5 OR 1=1"}
{"last_events_count":10,"min_criticality":"5; DROP DATABASE q"}
{"last_events_count":"10; DROP DATABASE q","min_criticality":5}
{"last_events_count":-1,"min_criticality":5}
{"last_events_count":0,"min_criticality":5}
{"last_events_count":1e9,"min_criticality":5}
{"last_events_count":10,"min_criticality":5.5}
{"last_events_count":10.0,"min_criticality":5}
{"last_events_count":null,"min_criticality":5}
{"last_events_count":10,"min_criticality":null}
{"last_events_count":1001,"min_criticality":5}
{"last_events_count":10,"min_criticality":99999999999999999999999}
{"last_events_count":10,"min_criticality":9223372036854775808}
{"last_events_count":10}
{"min_criticality":5}
{"last_events_count":10,"min_criticality":5,"extra":1}
{"last_events_count":10,"min_criticality":5} garbage
{"last_events_count":[10],"min_criticality":5}
{}
null
[]
not json
"string"
B
empty=$(req '')
is "$(printf '%s' "$empty" | jq -r '.error.code')" bad_request "empty request refused"
like "$(req '{"last_events_count":10,"min_criticality":"5 OR 1=1"}' | jq -r '.error.message')" 'min_criticality' "the error names the bad key"
is "$(influx_count q event)" $M "database intact after hostile requests"
like "$(influx_q '' 'SHOW DATABASES')" '"q"' "database q still exists"

# The storage behind a rare X: every point carries its criticality band.
is "$(influx_q q 'SHOW TAG VALUES FROM "event" WITH KEY = "crit_band"' | jq -c '[.results[0].series[0].values[][1]] | sort')" \
    '["0","1","10","11","2","3","4","5","6","7","8","9","99","ge100","lt0"]' \
    "points are tagged with their criticality band (0..99 each, lt0, ge100)"
is "$(influx_q q 'SELECT COUNT("criticality") FROM "event" WHERE "crit_band" = '"'ge100'"' AND "criticality" >= 100' | jq '.results[0].series[0].values[0][1]')" 3 \
    "band ge100 holds exactly the 3 events at 100 and above"

# Points written without bands (before criticality_band existed): a reader
# with criticality_band = "" reads them; the default reader does not.
influx_create_db old
printf 'event criticality=%di,eventMessage="old %d",timestamp="2020-01-01T00:00:0%dZ" 157783680%d000000000\n' 7 1 1 1 1 2 2 2 |
    curl -sS -XPOST "$INFLUX_URL/write?db=old&precision=ns" --data-binary @-
host_cfg "$T/o.cfg" o "{ plugin = \"influx-query\"; name = \"old\"; subscribe = \"query.old\";
  config = { url = \"$INFLUX_URL\"; database = \"old\"; criticality_band = \"\"; }; },
{ plugin = \"influx-query\"; name = \"banded\"; subscribe = \"query.banded\";
  config = { url = \"$INFLUX_URL\"; database = \"old\"; }; }"
start_evhost o "$T/o.cfg"
wait_running "$T/o.cfg" 30
oreq() { "$NATSCLI" req "$NATS_URL" "$1" '{"last_events_count":10,"min_criticality":2}' 3000; }
is "$(oreq query.old | jq -c '[.events[].eventMessage]')" '["old 1"]' "criticality_band = \"\": reads points written without bands"
is "$(oreq query.banded | jq -c '.events')" '[]' "default reader: points without a band are not read (documented)"
stop_evhost o
is "$?" 0 "old-data readers stopped cleanly"

# A band tag key that clashes with a configured tag is refused at -t.
host_cfg "$T/clash.cfg" clash "{ plugin = \"influx-sink\"; subscribe = \"events\";
  config = { url = \"$INFLUX_URL\"; tags = [\"host\", \"crit_band\"]; }; }"
out=$("$EVHOST" -t -c "$T/clash.cfg" 2>&1); rc=$?
is "$rc" 1 "sink with a tag named like the band tag: evhost -t exits 1"
like "$out" 'tags.*crit_band.*criticality_band tag' "the error names the clash"

# InfluxDB down: an error reply, within the reader's timeout_ms.
stop_influx
r=$(req '{"last_events_count":10,"min_criticality":5}'); rc=$?
is "$rc" 0 "InfluxDB down: the reader still answers (within the 3 s request timeout)"
is "$(printf '%s' "$r" | jq -r '.error.code')" unavailable "InfluxDB down: error code unavailable"
start_influx
wait_for 30 points_ge $M
# Known down, the reader answers "unavailable" at once and asks InfluxDB
# again every probe_interval_ms (1 s): answered again within that.
answers_again() { [ "$(req '{"last_events_count":2,"min_criticality":5}' | jq '.events | length')" = 2 ]; }
ok "InfluxDB back: answers again (after the next probe)" wait_for 30 answers_again

# A band first written while the reader runs is read at once (the reader
# lists the stored bands for every request, it keeps no copy).
n42() { req '{"last_events_count":1000,"min_criticality":41}' | jq '[.events[] | select(.criticality == 42)] | length'; }
is "$(n42)" 0 "no event at 42 yet (band 42 not stored)"
printf '{"criticality":42,"timestamp":"2024-06-02T00:00:00Z","eventMessage":"new band"}\n' >"$T/new.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/new.jsonl"
wait_for 30 points_ge $((M + 1))
is "$(req '{"last_events_count":1,"min_criticality":41}' | jq -c '[.events[].eventMessage]')$(n42)" '["new band"]1' \
    "an event in a band new since the reader started is answered"

stop_evhost h
is "$?" 0 "host stopped cleanly"
done_testing
