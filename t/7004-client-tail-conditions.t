#!/bin/bash
# query-client and tail take the reader's conditions in their configs
# (since, until, max_criticality, criticality_in, contains, key): the
# client sends them (and, without them, the classic request byte for byte,
# MIN_CRITICALITY as before) and prints exactly what jq computes; the tail
# shows exactly the live events that pass; bad values are config errors
# with file:line, checked by the reader's own parser.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
NATSCLI="$top_builddir/t/tools/evh-nats"
start_nats
start_influx

client_cfg() { # file subject extra-config
    host_cfg "$1" client "{ plugin = \"query-client\"; publish = \"$2\";
  config = { interval_ms = 200; timeout_ms = 3000; $3 }; }"
}

# ---- the request bytes the client sends --------------------------------
sent() { # extra-config -> the request
    client_cfg "$T/s.cfg" query.rec "once = true; output = \"$T/s.out\"; $1"
    "$NATSCLI" sub1 "$NATS_URL" query.rec 20000 >"$T/sent" 2>"$T/sub.err" &
    local p=$!
    wait_for 20 grep -q subscribed "$T/sub.err"
    MIN_CRITICALITY=5 timeout 20 "$EVHOST" -c "$T/s.cfg" >/dev/null 2>&1
    wait "$p"
    cat "$T/sent"
}
is "$(sent '')" '{"last_events_count":10,"min_criticality":5}' "no conditions: the classic request, byte for byte"
is "$(sent 'count = 3; since = "1h"; contains = "ssh\"d"; criticality_in = [3, 4]; max_criticality = 9; key = "acct-1"; until = "30m";')" \
   '{"last_events_count":3,"min_criticality":5,"since":"1h","until":"30m","contains":"ssh\"d","key":"acct-1","max_criticality":9,"criticality_in":[3,4]}' \
   "conditions: sent as the reader's members, escaped"

# ---- config errors ------------------------------------------------------
bad() { # description extra-config pattern
    client_cfg "$T/b.cfg" query "$2"
    out=$(MIN_CRITICALITY=5 "$EVHOST" -t -c "$T/b.cfg" 2>&1)
    is "$?" 1 "$1: evhost -t exits 1"
    like "$out" "$3" "$1: said with file:line"
}
bad "since not a time" 'since = "yesterday";' 'b.cfg:[0-9]+: plugins\[0\]\.config\.since: since must be an RFC 3339'
bad "contains over 24 h" 'contains = "x"; since = "2d";' 'b.cfg:[0-9]+: plugins\[0\]\.config\.contains: contains searches at most 24 h'
bad "a key with a quote" "key = \"a'b\";" "b.cfg:[0-9]+: plugins\\[0\\]\\.config\\.key: key must be"
bad "criticality_in of strings" 'criticality_in = ["3"];' 'b.cfg:[0-9]+: plugins\[0\]\.config\.criticality_in'
bad "an unknown key still" 'contians = "x";' 'contians: unknown key'
client_cfg "$T/m.cfg" query ""
out=$(env -u MIN_CRITICALITY "$EVHOST" -t -c "$T/m.cfg" 2>&1)
like "$out" 'environment variable MIN_CRITICALITY is not set' "MIN_CRITICALITY unset: still said"

# ---- the client against a reader ---------------------------------------
jq -n -c 'range(0; 40) as $i
  | {criticality: ($i % 10), timestamp: (1717200000 + $i * 60 | todate),
     eventMessage: ("event #\($i)" + (if $i % 3 == 0 then " sshd: login" else "" end))}
  + (if $i % 2 == 0 then {key: "acct-1"} else {} end)' >"$T/set.jsonl"
host_cfg "$T/h.cfg" h "{ plugin = \"influx-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"sink\"; };
  config = { url = \"$INFLUX_URL\"; database = \"q\"; flush_interval_ms = 50; fields = [\"key\"]; }; },
{ plugin = \"influx-query\"; name = \"reader\"; subscribe = \"query\"; queue = \"readers\";
  config = { url = \"$INFLUX_URL\"; database = \"q\"; timeout_ms = 3000; }; },
{ plugin = \"tail\"; name = \"tail\"; subscribe = \"events\";
  config = { output = \"$T/tail.json\"; format = \"json\"; contains = \"sshd\"; max_criticality = 6; key = \"acct-1\"; }; },
{ plugin = \"tail\"; name = \"tailin\"; subscribe = \"events\";
  config = { output = \"$T/tailin.json\"; format = \"json\"; criticality_in = [1, 9]; since = \"2024-06-01T00:10:00Z\"; until = \"2024-06-01T00:30:00Z\"; }; }"
start_evhost h "$T/h.cfg"
wait_running "$T/h.cfg" 120
"$NATSCLI" pub "$NATS_URL" events "$T/set.jsonl"
points_ge() { [ "$(influx_count q event)" -ge "$1" ]; }
wait_for 120 points_ge 40
is "$(influx_count q event)" 40 "40 events stored"

client_cfg "$T/j.cfg" query "once = true; format = \"json\"; output = \"$T/j.out\"; count = 100; contains = \"sshd\"; since = \"2024-06-01T00:00:00Z\"; until = \"2024-06-01T00:30:00Z\"; key = \"acct-1\";"
MIN_CRITICALITY=2 timeout 20 "$EVHOST" -c "$T/j.cfg" 2>"$T/j.log"
is "$?" 0 "client with conditions: prints once, exits 0"
is "$(jq -c . "$T/j.out")" \
   "$(jq -c -s '[.[] | select((.eventMessage | contains("sshd")) and .key == "acct-1" and .criticality > 2 and .timestamp < "2024-06-01T00:30:00Z")] | sort_by(.timestamp) | reverse | .[] | {criticality, timestamp, eventMessage}' "$T/set.jsonl")" \
   "client json: exactly jq's events for the conditions"
client_cfg "$T/t.cfg" query "once = true; output = \"$T/t.out\"; count = 100; criticality_in = [7]; max_criticality = 8;"
MIN_CRITICALITY=-1 timeout 20 "$EVHOST" -c "$T/t.cfg" 2>"$T/t.log"
is "$(grep -c '  7  event #' "$T/t.out")" "$(jq -s '[.[] | select(.criticality == 7)] | length' "$T/set.jsonl")" \
   "client table (the default) with criticality_in: the rows of criticality 7"
is "$(grep -cE '  [0-9]  event #' "$T/t.out")" "$(jq -s '[.[] | select(.criticality == 7)] | length' "$T/set.jsonl")" \
   "client table: no other rows"

# ---- evhost-client: the client's options on the command line -----------
CLIENT="$top_builddir/evhost-client"
client_cfg "$T/c.cfg" query "once = true; output = \"$T/c.out\"; count = 100; criticality_in = [7]; max_criticality = 8;"
env -u MIN_CRITICALITY EVHOST="$EVHOST" timeout 20 "$CLIENT" -c "$T/c.cfg" --json --min-criticality -1 2>"$T/c.log"
is "$?" 0 "evhost-client --json --min-criticality -1: prints once, exits 0"
is "$(jq -c . "$T/c.out")" \
   "$(jq -c -s '[.[] | select(.criticality == 7)] | sort_by(.timestamp) | reverse | .[] | {criticality, timestamp, eventMessage}' "$T/set.jsonl")" \
   "evhost-client --json: a config saying table answers JSON lines, exactly jq's events"
out=$(QUERY_FORMAT=yaml MIN_CRITICALITY=1 "$EVHOST" -t -c "$T/c.cfg" 2>&1)
is "$?" 1 "QUERY_FORMAT=yaml: evhost -t exits 1"
like "$out" 'c.cfg:[0-9]+: plugins\[0\]\.config\.format_env: environment variable QUERY_FORMAT must be .*yaml' "QUERY_FORMAT=yaml: said, naming the variable"

# ---- the tail on the live stream ---------------------------------------
tail_n() { [ "$(lines "$1")" -ge "$2" ]; }
want_tail=$(jq -c -S 'select((.eventMessage | contains("sshd")) and .criticality <= 6 and .key == "acct-1")' "$T/set.jsonl")
want_in=$(jq -c -S 'select((.criticality == 1 or .criticality == 9) and .timestamp >= "2024-06-01T00:10:00Z" and .timestamp < "2024-06-01T00:30:00Z")' "$T/set.jsonl")
wait_for 120 tail_n "$T/tail.json" "$(printf '%s\n' "$want_tail" | wc -l)"
wait_for 120 tail_n "$T/tailin.json" "$(printf '%s\n' "$want_in" | wc -l)"
# One more event that passes both, as a marker that all before it were seen.
printf '{"criticality":1,"timestamp":"2024-06-01T00:20:30Z","eventMessage":"marker sshd","key":"acct-1"}\n' >"$T/marker.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/marker.jsonl"
wait_for 120 grep -q marker "$T/tail.json"
wait_for 120 grep -q marker "$T/tailin.json"
is "$(grep -v marker "$T/tail.json" | jq -c -S .)" "$want_tail" "tail contains + max_criticality + key: exactly jq's events"
is "$(grep -v marker "$T/tailin.json" | jq -c -S .)" "$want_in" "tail criticality_in + since/until: exactly jq's events"

stop_evhost h
is "$?" 0 "host stopped cleanly"
done_testing
