#!/bin/bash
# PostgreSQL as a second store, through the shipped configs
# (etc/pg-writer.cfg, etc/pg-reader.cfg; only addresses and the password
# file changed) next to the InfluxDB writer and reader on one stream: a
# known set of M events is M rows, each stream position once; the query
# cases are asked of both readers and must get the same bytes, equal to
# what jq computes from the set; the members of query.h (ranges, sets,
# contains, key, paging, counts) are answered by pg-query as jq computes
# them, and the same as influx-query answers them.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip_all "postgresql 15 not installed"
ETC="$top_srcdir/etc"
NATSCLI="$top_builddir/t/tools/evh-nats"

for f in pg-writer pg-reader; do
    out=$("$EVHOST" -t -c "$ETC/$f.cfg" 2>&1)
    is "$?" 0 "etc/$f.cfg passes evhost -t"
    [ -n "$out" ] && diag "$out"
done

start_nats
start_influx
start_pg
local_cfg() { # name [sed expressions]
    local name=$1
    shift
    sed -e "s|nats://127.0.0.1:4222|$NATS_URL|; s|http://127.0.0.1:8086|$INFLUX_URL|" \
        -e "s|port=5432|port=$PG_PORT|; s|# password_file = \"[^\"]*\";|password_file = \"$PG_PASSWORD_FILE\";|" \
        "$@" "$ETC/$name.cfg" >"$T/$name.cfg"
}
local_cfg pg-writer -e 's|flush_interval_ms = 200;|flush_interval_ms = 50;|'
local_cfg pg-reader -e 's|subscribe = "query";|subscribe = "pgquery";|'
# The InfluxDB writer keeps the account key as a field (pg-sink always
# keeps it), so that both readers can answer "key".
local_cfg writer -e 's|flush_interval_ms = 200;|flush_interval_ms = 50; fields = ["key"];|'
local_cfg reader
grep -q "password_file = \"$PG_PASSWORD_FILE\"" "$T/pg-writer.cfg" &&
    grep -q "port=$PG_PORT" "$T/pg-reader.cfg" && grep -q 'fields = \["key"\]' "$T/writer.cfg"
is "$?" 0 "configs derived from etc/ with only addresses, the password file, the subject and the key field changed"

start_evhost pgw "$T/pg-writer.cfg"
start_evhost pgr "$T/pg-reader.cfg"
start_evhost iw "$T/writer.cfg"
start_evhost ir "$T/reader.cfg"
for c in pg-writer pg-reader writer reader; do
    wait_running "$T/$c.cfg" 60
    is "$?" 0 "$c running"
done

# The set: one event a second with a nanosecond fraction, criticality
# -1..11, quotes in the message, an account key on each.
M=300
for i in $(seq 0 $((M - 1))); do
    printf '{"criticality":%d,"timestamp":"2024-06-01T%02d:%02d:%02d.%09dZ","eventMessage":"event #%d, \\"quoted\\"","key":"acct-%d"}\n' \
        $(((i * 7) % 13 - 1)) $((i / 3600)) $((i / 60 % 60)) $((i % 60)) "$((i * 1001))" "$i" $((i % 3))
done >"$T/set.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/set.jsonl"
rows() { pg_q "SELECT count(*) FROM events"; }
rows_ge() { [ "$(rows)" -ge "$1" ]; }
wait_for 60 rows_ge $M
points_ge() { [ "$(influx_count events event)" -ge "$1" ]; }
wait_for 60 points_ge $M
sleep 1
is "$(rows)" $M "exactly $M rows in PostgreSQL"
is "$(pg_q "SELECT count(DISTINCT (writer, seq)) FROM events WHERE writer = ''")" $M "each stream position once"
is "$(influx_count events event)" $M "and $M points in InfluxDB"
is "$(pg_q "SELECT count(*) FROM events WHERE key = 'acct-1' AND extra IS NULL")" 100 "the stamped key in its column, no other members"
is "$(pg_q "SELECT count(*) FROM events WHERE time_ns % 1000 <> 0 AND time = to_timestamp(time_ns / 1000 / 1e6)")" \
    "$(pg_q "SELECT count(*) FROM events WHERE time_ns % 1000 <> 0")" "time is the instant to the microsecond, time_ns keeps the nanoseconds"

ask() { "$NATSCLI" req "$NATS_URL" "$1" "$2" 5000; }
norm() { jq -c -L "$top_srcdir/t/lib" 'include "points"; .events | map({criticality, eventMessage, timestamp: (.timestamp | norm_ts)})'; }
# want JQ-FILTER: events of the set selected by the filter, newest first
want() {
    jq -c -s -L "$top_srcdir/t/lib" "include \"points\"; [.[] | $1] | sort_by(.timestamp) | reverse | map({criticality, eventMessage, timestamp: (.timestamp | norm_ts)})" "$T/set.jsonl"
}
for pair in "10 5" "1 0" "5 11" "1000 -2" "3 9" "7 -1" "10 -9223372036854775808" "5 9223372036854775807"; do
    set -- $pair
    r='{"last_events_count":'$1',"min_criticality":'$2'}'
    pg=$(ask pgquery "$r")
    inf=$(ask query "$r")
    is "$pg" "$inf" "N=$1 X=$2: pg-query's reply is influx-query's, byte for byte"
    is "$(printf '%s' "$pg" | norm)" "$(want "select(.criticality > $2)" | jq -c ".[:$1]")" "N=$1 X=$2: the newest above X"
done
is "$(ask pgquery '{"last_events_count":1,"min_criticality":5}' | jq -c keys)" '["events"]' "a classic request: no next"

# The members of query.h: pg-query against jq and against influx-query.
# The events are the same bytes; a `next` cursor is each store's own
# position (query.h: the tie is the store's order), so it is compared as
# present or not.
case_q() { # desc request jq-select [n]
    local got inf
    got=$(ask pgquery "$2")
    is "$(printf '%s' "$got" | norm)" "$(want "$3" | jq -c ".[:${4:-1000}]")" "$1"
    inf=$(ask query "$2")
    is "$(printf '%s' "$got" | jq -c 'del(.next)')$(printf '%s' "$got" | jq 'has("next")')" \
        "$(printf '%s' "$inf" | jq -c 'del(.next)')$(printf '%s' "$inf" | jq 'has("next")')" \
        "$1: the same events from influx-query, and a next from both or neither"
}
case_q "min and max" '{"last_events_count":20,"min_criticality":3,"max_criticality":8}' \
    'select(.criticality > 3 and .criticality <= 8)' 20
case_q "criticality_in" '{"last_events_count":15,"criticality_in":[9,1,5]}' \
    'select([.criticality] | inside([1,5,9]))' 15
case_q "since/until" '{"last_events_count":1000,"since":"2024-06-01T00:01:00Z","until":"2024-06-01T00:02:00Z"}' \
    'select(.timestamp >= "2024-06-01T00:01:00" and .timestamp < "2024-06-01T00:02:00")'
case_q "contains (a plain substring, not a pattern)" '{"last_events_count":1000,"contains":"#1_","since":"2024-06-01T00:00:00Z","until":"2024-06-01T01:00:00Z"}' \
    'select(.eventMessage | contains("#1_"))'
case_q "contains" '{"last_events_count":1000,"contains":"#2","since":"2024-06-01T00:00:00Z","until":"2024-06-01T01:00:00Z"}' \
    'select(.eventMessage | contains("#2"))'
case_q "key" '{"last_events_count":7,"key":"acct-1"}' 'select(.key == "acct-1")' 7

# Paging (not in a classic request): three pages of 40 are the 120
# newest, each once.
page=$(ask pgquery '{"last_events_count":40,"min_criticality":-100,"max_criticality":100}')
all=$(printf '%s' "$page" | norm)
for p in 2 3; do
    next=$(printf '%s' "$page" | jq -r .next)
    page=$(ask pgquery '{"last_events_count":40,"min_criticality":-100,"max_criticality":100,"before":"'"$next"'"}')
    printf '%s' "$page" | jq -e .events >/dev/null || diag "page $p: $page"
    all=$(jq -c -n --argjson a "$all" --argjson b "$(printf '%s' "$page" | norm)" '$a + $b')
done
is "$all" "$(want 'select(.criticality > -100)' | jq -c '.[:120]')" "three pages through next: the 120 newest, in order, each once"

counts=$(ask pgquery '{"count_by":"criticality","min_criticality":-100}')
is "$counts" "$(ask query '{"count_by":"criticality","min_criticality":-100}')" "count_by criticality: influx-query's bytes"
is "$counts" "$(jq -c -s '{counts: (group_by(.criticality) | map({criticality: .[0].criticality, count: length}))}' "$T/set.jsonl")" \
    "count_by criticality: one count per value, ascending"
counts=$(ask pgquery '{"count_by":{"every":"60s"},"since":"2024-06-01T00:00:00Z","until":"2024-06-01T00:05:00Z"}')
is "$counts" "$(ask query '{"count_by":{"every":"60s"},"since":"2024-06-01T00:00:00Z","until":"2024-06-01T00:05:00Z"}')" "count_by every 60s: influx-query's bytes"
is "$counts" '{"counts":[{"time":"2024-06-01T00:00:00Z","count":60},{"time":"2024-06-01T00:01:00Z","count":60},{"time":"2024-06-01T00:02:00Z","count":60},{"time":"2024-06-01T00:03:00Z","count":60},{"time":"2024-06-01T00:04:00Z","count":60}]}' \
    "count_by every 60s: five buckets of 60"
is "$(ask pgquery '{"last_events_count":1,"bogus":1}' | jq -r .error.code)" bad_request "an unknown member: bad_request"
is "$(ask pgquery "{\"last_events_count\":1,\"contains\":\"'); DROP TABLE events; --\"}" | jq -c .events)" '[]' "SQL in a value is a value"
is "$(rows)" $M "the table is still there, $M rows"

for n in pgw pgr iw ir; do
    stop_evhost $n
    is "$?" 0 "$n stops cleanly"
done
done_testing
