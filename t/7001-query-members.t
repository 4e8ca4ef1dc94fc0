#!/bin/bash
# influx-query's new request members against a real influxd, each answer
# compared exactly with what jq computes from the published set: time
# ranges, max_criticality, criticality_in, contains (plain text, hostile
# bytes included), key, paging with before/next, count_by criticality and
# every; unknown members and out-of-bound values refused by name.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_influx
NATSCLI="$top_builddir/t/tools/evh-nats"
M=400

# The set: one event every 7 s from 2024-06-01T00:00:00Z, instants of
# whole seconds, milliseconds and nanoseconds; criticality -2..12, every
# 50th far outside (150 or -50); some messages mention sshd or carry
# regex and quote characters; a key on half of them.
jq -n -c --argjson m $M '
  range(0; $m) as $i
  | (1717200000 + $i * 7 | todate | .[0:19]) as $s
  | {criticality: (if $i % 50 == 7 then (if $i % 100 == 7 then 150 else -50 end)
                   else ($i * 7) % 15 - 2 end),
     timestamp: (if $i % 3 == 0 then "\($s)Z"
                 elif $i % 3 == 1 then "\($s).\("00\($i)"[-3:])Z"
                 else "\($s).\("00000000\($i * 7919)"[-9:])Z" end),
     eventMessage: ("event #\($i)" + (if $i % 5 == 0 then " sshd[12]: Accepted" else "" end)
                    + (if $i % 11 == 0 then " a'"'"'b/c\\.*(x" else "" end))}
  + (if $i % 4 == 0 then {key: "acct-1"} elif $i % 4 == 1 then {key: "acct-2"} else {} end)' >"$T/set.jsonl"
is "$(wc -l <"$T/set.jsonl" | tr -d ' ')" $M "set of $M events written"

host_cfg "$T/h.cfg" h "{ plugin = \"influx-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"sink\"; };
  config = { url = \"$INFLUX_URL\"; database = \"q\"; flush_interval_ms = 50; fields = [\"key\"]; }; },
{ plugin = \"influx-query\"; name = \"reader\"; subscribe = \"query\"; queue = \"readers\";
  config = { url = \"$INFLUX_URL\"; database = \"q\"; timeout_ms = 3000; }; }"
start_evhost h "$T/h.cfg"
wait_running "$T/h.cfg" 60
"$NATSCLI" pub "$NATS_URL" events "$T/set.jsonl"
points_ge() { [ "$(influx_count q event)" -ge "$1" ]; }
wait_for 60 points_ge $M
is "$(influx_count q event)" $M "$M events stored"

mkdir -p "$T/answers"
req() { # keeps every answer for the schema check at the end
    "$NATSCLI" req "$NATS_URL" query "$1" 5000 | tee "$(mktemp -p "$T/answers" --suffix=.json a-XXXXXX)"
}
norm() { jq -c -L "$top_srcdir/t/lib" 'include "points"; .events | map({criticality, eventMessage, timestamp: (.timestamp | norm_ts)})'; }
# want N 'jq condition on . (ts is the normalised timestamp)'
want() {
    jq -c -s -L "$top_srcdir/t/lib" --argjson n "$1" "include \"points\";
        map(. + {ts: (.timestamp | norm_ts)}) | [.[] | select($2)]
        | sort_by(.ts) | reverse | .[:\$n] | map({criticality, eventMessage, timestamp: .ts})" "$T/set.jsonl"
}
check() { # description request N condition
    local got exp n
    got=$(req "$2" | norm)
    exp=$(want "$3" "$4")
    n=$(printf '%s' "$exp" | jq length)
    is "$got" "$exp" "$1 ($n events)"
}
T0=2024-06-01T00:00:00Z
check "since/until: a 10-minute range" \
    '{"last_events_count":1000,"since":"2024-06-01T00:10:00Z","until":"2024-06-01T00:20:00Z"}' 1000 \
    '.ts >= "2024-06-01T00:10:00.000000000Z" and .ts < "2024-06-01T00:20:00.000000000Z"'
check "since with an offset, until a fraction (floored to its second), min 5" \
    '{"last_events_count":1000,"min_criticality":5,"since":"2024-06-01T02:05:00+02:00","until":"2024-06-01T00:15:03.9Z"}' 1000 \
    '.ts >= "2024-06-01T00:05:00.000000000Z" and .ts < "2024-06-01T00:15:03.000000000Z" and .criticality > 5'
check "min and max: 3 < criticality <= 7, the newest 20" \
    '{"last_events_count":20,"min_criticality":3,"max_criticality":7}' 20 \
    '.criticality > 3 and .criticality <= 7'
check "max alone (no min): criticality <= -2, outer band included" \
    '{"last_events_count":1000,"max_criticality":-2}' 1000 '.criticality <= -2'
check "criticality_in [150, -50, 4]" \
    '{"last_events_count":1000,"criticality_in":[150,-50,4]}' 1000 \
    '.criticality == 150 or .criticality == -50 or .criticality == 4'
check "criticality_in with min: only the ones above 100" \
    '{"last_events_count":1000,"criticality_in":[150,-50,4],"min_criticality":100}' 1000 '.criticality == 150'
check "contains sshd over a range, min 0" \
    '{"last_events_count":1000,"min_criticality":0,"contains":"sshd","since":"2024-06-01T00:00:00Z","until":"2024-06-01T12:00:00Z"}' 1000 \
    '(.eventMessage | contains("sshd")) and .criticality > 0'
check "contains is plain text: a quote, a slash, a backslash, .*( are literal" \
    '{"last_events_count":1000,"contains":"a'"'"'b/c\\.*(x","since":"2024-06-01T00:00:00Z","until":"2024-06-01T12:00:00Z"}' 1000 \
    '.eventMessage | contains("a'"'"'b/c\\.*(x")'
check "contains is case-sensitive" \
    '{"last_events_count":1000,"contains":"SSHD","since":"2024-06-01T00:00:00Z","until":"2024-06-01T12:00:00Z"}' 1000 \
    '.eventMessage | contains("SSHD")'
check "contains '.' is a dot, not any character" \
    '{"last_events_count":1000,"contains":".","since":"2024-06-01T00:00:00Z","until":"2024-06-01T12:00:00Z"}' 1000 \
    '.eventMessage | contains(".")'
check "key acct-2 and min 8" \
    '{"last_events_count":1000,"key":"acct-2","min_criticality":8}' 1000 '.key == "acct-2" and .criticality > 8'
check "everything together" \
    '{"last_events_count":5,"key":"acct-1","contains":"sshd","min_criticality":-1,"max_criticality":10,"since":"2024-06-01T00:02:00Z","until":"2024-06-01T00:40:00Z"}' 5 \
    '.key == "acct-1" and (.eventMessage | contains("sshd")) and .criticality > -1 and .criticality <= 10 and .ts >= "2024-06-01T00:02:00.000000000Z" and .ts < "2024-06-01T00:40:00.000000000Z"'
check "a range before any event: nothing" \
    '{"last_events_count":10,"since":"1999-01-01T00:00:00Z","until":"1999-01-02T00:00:00Z"}' 10 'false'
check "since 1h: the 2024 set is older" '{"last_events_count":10,"since":"1h"}' 10 'false'

# Paging: 7 at a time over everything above 2; the pages, joined, are the
# whole answer; every page but the last carries next.
full=$(req '{"last_events_count":1000,"min_criticality":2}' | norm)
body='{"last_events_count":7,"min_criticality":2,"since":"2024-01-01T00:00:00Z"}'
pages=0 joined='[]' short=0 classic_next=0
while [ $pages -lt 200 ]; do
    r=$(req "$body")
    pages=$((pages + 1))
    joined=$(jq -c -n --argjson a "$joined" --argjson b "$(printf '%s' "$r" | norm)" '$a + $b')
    nxt=$(printf '%s' "$r" | jq -r '.next // empty')
    [ -z "$nxt" ] && break
    [ "$(printf '%s' "$r" | jq '.events | length')" = 7 ] || short=$((short + 1))
    body="{\"last_events_count\":7,\"min_criticality\":2,\"since\":\"2024-01-01T00:00:00Z\",\"before\":\"$nxt\"}"
done
n=$(printf '%s' "$full" | jq length)
is "$joined" "$full" "paging by 7: $pages pages join into the whole answer ($n events)"
is "$pages" $(( (n + 6) / 7 )) "paging: ceil($n / 7) pages"
is "$short" 0 "paging: every page before the last holds 7"

# Paging inside one millisecond: 20 events of one whole second share the
# first millisecond of their second (distinct point times, one instant).
for k in $(seq 1 20); do
    printf '{"criticality":40,"timestamp":"2024-06-02T00:00:00Z","eventMessage":"same second #%d"}\n' "$k"
done >"$T/same.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/same.jsonl"
wait_for 60 points_ge $((M + 20))
same_full=$(req '{"last_events_count":100,"criticality_in":[40]}' | norm)
body='{"last_events_count":3,"criticality_in":[40]}' joined='[]' pages=0
while [ $pages -lt 50 ]; do
    r=$(req "$body")
    pages=$((pages + 1))
    joined=$(jq -c -n --argjson a "$joined" --argjson b "$(printf '%s' "$r" | norm)" '$a + $b')
    nxt=$(printf '%s' "$r" | jq -r '.next // empty')
    [ -z "$nxt" ] && break
    body="{\"last_events_count\":3,\"criticality_in\":[40],\"before\":\"$nxt\"}"
done
is "$(printf '%s' "$joined" | jq -c '[.[].eventMessage] | sort')" "$(jq -c -s '[.[].eventMessage] | sort' "$T/same.jsonl")" \
    "paging by 3 inside one millisecond: all 20 events, none twice"
is "$joined" "$same_full" "paging inside one millisecond: the pages in the order of the whole answer"
is "$pages" 7 "paging inside one millisecond: 7 pages"
M=$((M + 20))
cat "$T/same.jsonl" >>"$T/set.jsonl"

# ... and among sub-millisecond instants of one millisecond, where the
# reader takes the boundary by TOP(sub_ns, k) (before the fix, the answer
# that ended there lost its next).
for k in $(seq 1 20); do
    printf '{"criticality":41,"timestamp":"2024-06-03T00:00:00.000%06dZ","eventMessage":"same ms #%d"}\n' $((k * 37)) "$k"
done >"$T/samems.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/samems.jsonl"
wait_for 60 points_ge $((M + 20))
body='{"last_events_count":3,"criticality_in":[41]}' joined='[]' pages=0
while [ $pages -lt 50 ]; do
    r=$(req "$body")
    pages=$((pages + 1))
    joined=$(jq -c -n --argjson a "$joined" --argjson b "$(printf '%s' "$r" | norm)" '$a + $b')
    nxt=$(printf '%s' "$r" | jq -r '.next // empty')
    [ -z "$nxt" ] && break
    body="{\"last_events_count\":3,\"criticality_in\":[41],\"before\":\"$nxt\"}"
done
is "$joined" "$(jq -c -s -L "$top_srcdir/t/lib" 'include "points"; map({criticality, eventMessage, timestamp: (.timestamp | norm_ts)}) | sort_by(.timestamp) | reverse' "$T/samems.jsonl")" \
    "paging by 3 among sub-millisecond instants of one millisecond: jq's order, all 20"
is "$pages" 7 "paging among sub-millisecond instants: 7 pages"
M=$((M + 20))
cat "$T/samems.jsonl" >>"$T/set.jsonl"
is "$(req '{"last_events_count":10,"min_criticality":5}' | jq -c 'keys')" '["events"]' \
    "classic request: no next, even with more events"
is "$(req '{"last_events_count":3,"min_criticality":5,"max_criticality":99}' | jq -c 'keys')" '["events","next"]' \
    "a request with a new member gets next when more match"

# Counts, against jq's counts of the set.
counts() { req "$1" | jq -c '.counts'; }
is "$(counts '{"count_by":"criticality"}')" \
   "$(jq -c -s 'group_by(.criticality) | map({criticality: .[0].criticality, count: length})' "$T/set.jsonl")" \
   "count_by criticality: one count per value, outer bands included"
is "$(counts '{"count_by":"criticality","min_criticality":9,"key":"acct-1"}')" \
   "$(jq -c -s 'map(select(.criticality > 9 and .key == "acct-1")) | group_by(.criticality) | map({criticality: .[0].criticality, count: length})' "$T/set.jsonl")" \
   "count_by criticality with conditions"
bucket() { echo '(.timestamp | sub("\\.[0-9]+"; "") | fromdateiso8601) as $t | ($t - $t % '"$1"' | todate)'; }
is "$(counts '{"count_by":{"every":"5m"},"since":"2024-06-01T00:00:00Z","until":"2024-06-01T01:00:00Z"}')" \
   "$(jq -c -s "map(select(.timestamp < \"2024-06-01T01:00:00\") | {t: ($(bucket 300))}) | group_by(.t) | map({time: .[0].t, count: length})" "$T/set.jsonl")" \
   "count_by every 5m: one count per bucket, empty ones left out"
is "$(counts '{"count_by":["criticality",{"every":"10m"}],"since":"2024-06-01T00:10:00Z","until":"2024-06-01T00:50:00Z","criticality_in":[150,-50,3,4]}')" \
   "$(jq -c -s "map(select(.timestamp >= \"2024-06-01T00:10:00\" and .timestamp < \"2024-06-01T00:50:00\" and ([.criticality] | inside([150,-50,3,4]))) | {t: ($(bucket 600)), c: .criticality}) | group_by([.t, .c]) | map({time: .[0].t, criticality: .[0].c, count: length})" "$T/set.jsonl")" \
   "count_by criticality and every 10m, outer bands in buckets"
is "$(counts '{"count_by":"criticality","since":"1999-01-01T00:00:00Z","until":"1999-01-02T00:00:00Z"}')" '[]' \
    "counts over an empty range: none"

# Refusals, each naming what is wrong; the database intact.
bad() { # description request pattern
    local r
    r=$(req "$2")
    is "$(printf '%s' "$r" | jq -r '.error.code')" bad_request "$1: bad_request"
    like "$(printf '%s' "$r" | jq -r '.error.message')" "$3" "$1: says why"
}
bad "unknown members" '{"last_events_count":5,"min_criticality":1,"limit":3,"sort":"asc"}' 'unknown member.*"limit", "sort"'
bad "contains over more than 24 h" '{"last_events_count":5,"contains":"x","since":"2024-06-01T00:00:00Z","until":"2024-06-02T00:00:01Z"}' '24 h'
bad "a forged cursor" '{"last_events_count":5,"before":"c1.x'"'"' OR 1=1"}' 'before'
bad "a key with a quote" '{"last_events_count":5,"key":"a'"'"' OR '"'"'1'"'"'='"'"'1"}' 'key must be'
bad "since after until" '{"last_events_count":5,"since":"2024-06-02T00:00:00Z","until":"2024-06-01T00:00:00Z"}' 'before until'
bad "every without since" '{"count_by":{"every":"1m"}}' 'needs since'
bad "too many buckets" '{"count_by":{"every":"1s"},"since":"2024-06-01T00:00:00Z","until":"2024-06-02T00:00:00Z"}' 'buckets'
bad "counts with a count" '{"count_by":"criticality","last_events_count":5}' 'do not go'
is "$(req '{"last_events_count":5,"contains":"'"'"'; DROP DATABASE q; --","since":"2024-06-01T00:00:00Z","until":"2024-06-01T12:00:00Z"}' | jq -c .events)" '[]' \
    "contains with an InfluxQL injection: a literal, no match"
is "$(influx_count q event)" $M "database intact after hostile requests"

# A fresh event found by a relative range.
now=$(date -u +%Y-%m-%dT%H:%M:%S.123456789Z)
printf '{"criticality":6,"timestamp":"%s","eventMessage":"fresh sshd login"}\n' "$now" >"$T/fresh.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/fresh.jsonl"
wait_for 30 points_ge $((M + 1))
is "$(req '{"last_events_count":10,"since":"1h","contains":"sshd"}' | jq -c '[.events[].eventMessage]')" '["fresh sshd login"]' \
    "since 1h with contains (until now): the fresh event only"

stop_evhost h
is "$?" 0 "host stopped cleanly"
if python3 -c 'import jsonschema, yaml' 2>/dev/null; then
    out=$(python3 "$top_srcdir/t/tools/openapi-check.py" "$top_srcdir/docs/openapi.yaml" QueryReply "$T"/answers/*.json 2>&1)
    is "$?" 0 "every answer ($(ls "$T"/answers | wc -l)) fits QueryReply in docs/openapi.yaml $out"
fi
done_testing
