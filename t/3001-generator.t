#!/bin/bash
# generator: exact count, criticality range, catalog or configured messages,
# reproducible with a seed, strictly increasing nanosecond timestamps, the
# rate as an upper bound, and config errors refused with file:line.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats

# run NAME CONFIG-BODY: publish into stream S_NAME, then record it all.
run() {
    host_cfg "$T/$1.cfg" "$1" "{ plugin = \"generator\"; publish = \"gen.$1\";
  jetstream = { stream = \"S_$1\"; subjects = [\"gen.$1\"]; }; config = { $2 }; }"
    "$EVHOST" -c "$T/$1.cfg" 2>"$T/$1.log" || { echo "generator $1 failed" >&2; return 1; }
    host_cfg "$T/r$1.cfg" "r$1" "{ plugin = \"testplug\"; subscribe = \"gen.$1\";
  jetstream = { stream = \"S_$1\"; durable = \"rec\"; }; config = { out = \"$T/$1.raw\"; }; }"
    start_evhost "r$1" "$T/r$1.cfg"
    local want=${3:-0}
    [ "$want" -gt 0 ] && wait_for 30 has_lines "$T/$1.raw" "$want"
    sleep 0.3
    stop_evhost "r$1" >/dev/null
    sed "s/^gen\.$1 //" "$T/$1.raw" >"$T/$1.jsonl"
}

run a 'rate = 0; count = 1000; seed = 7; criticality = [3, 6];' 1000
is "$(lines "$T/a.jsonl")" 1000 "count = 1000: exactly 1000 events"
like "$(cat "$T/a.log")" 'published 1000 events; done' "generator says it is done"
is "$(jq -c -s 'map(.criticality) | unique' "$T/a.jsonl")" '[3,4,5,6]' "criticality spans exactly [3, 6]"
is "$(jq -c -s 'map(keys) | unique' "$T/a.jsonl")" '[["criticality","eventMessage","timestamp"]]' "every event has exactly the three keys"
is "$(jq -r '.timestamp' "$T/a.jsonl" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$')" 0 "timestamps are RFC 3339 with nanoseconds"
jq -r '.timestamp' "$T/a.jsonl" >"$T/a.ts"
ok "timestamps strictly increase (sorted, no repeat)" sh -c "sort -c -u '$T/a.ts' 2>/dev/null"
nmsg=$(jq -s 'map(.eventMessage) | unique | length' "$T/a.jsonl")
ok "messages come from the built-in catalog ($nmsg distinct)" test "$nmsg" -ge 20

run b 'rate = 0; count = 1000; seed = 7; criticality = [3, 6];' 1000
is "$(jq -c '[.criticality, .eventMessage]' "$T/b.jsonl" | md5sum)" "$(jq -c '[.criticality, .eventMessage]' "$T/a.jsonl" | md5sum)" "same seed: same sequence of events"
run c 'rate = 0; count = 1000; seed = 8; criticality = [3, 6];' 1000
isnt_same=$( [ "$(jq -c '[.criticality, .eventMessage]' "$T/c.jsonl" | md5sum)" != "$(jq -c '[.criticality, .eventMessage]' "$T/a.jsonl" | md5sum)" ] && echo differ)
is "$isnt_same" differ "another seed: another sequence"

run d 'rate = 0; count = 200; messages = ["only \"this\"", "or that, = é"]; criticality = [-9223372036854775807L, 9223372036854775807L];' 200
is "$(jq -c -s 'map(.eventMessage) | unique' "$T/d.jsonl")" '["only \"this\"","or that, = é"]' "configured messages are used verbatim"
is "$(lines "$T/d.jsonl")" 200 "full int64 criticality range: 200 events"

# rate is an upper bound: 10 events at 20/s are sent on the 50 ms beats, 9
# beats apart (one beat of slack for a late first tick; at rate 0 they
# would all go out within a millisecond).
run e 'rate = 20; count = 10;' 10
span=$(jq -r '.timestamp' "$T/e.jsonl" | sed -n '1p;$p' | while read -r t; do
    s=$(date -u -d "${t%%.*}Z" +%s); f=${t#*.}; echo "$s${f%Z}"; done | sort -n | sed -n '1p;$p' | tr '\n' ' ')
set -- $span
ok "rate = 20: 10 events span at least 0.40 s ($(( ($2 - $1) / 1000000 )) ms)" test $(( $2 - $1 )) -ge 400000000

# Config errors: evhost -t exits 1 and names file:line and the key.
bad() { # name body regex desc
    host_cfg "$T/$1.cfg" x "{ plugin = \"generator\"; publish = \"g\";
  config = { $2 }; }"
    out=$("$EVHOST" -t -c "$T/$1.cfg" 2>&1); rc=$?
    is "$rc" 1 "$4: exit 1"
    like "$out" "$1.cfg:[0-9]+: $3" "$4: said"
}
bad neg 'rate = -1;' 'plugins\[0\]\.config\.rate: expected an integer in 0\.\.' "negative rate"
bad str 'rate = "fast";' 'plugins\[0\]\.config\.rate: expected an integer' "rate as a string"
bad order 'criticality = [6, 3];' 'plugins\[0\]\.config\.criticality: min \(6\) is greater than max \(3\)' "criticality min > max"
bad one 'criticality = [5];' 'plugins\[0\]\.config\.criticality: expected \[min, max\], got 1 elements' "criticality with one element"
bad empty 'messages = [];' 'plugins\[0\]\.config\.messages: empty list' "empty messages list"
bad nums 'messages = [1, 2];' 'plugins\[0\]\.config\.messages: element 0: expected a string' "messages that are not strings"
bad typo 'rat = 5;' 'plugins\[0\]\.config\.rat: unknown key' "misspelt key"
# Every problem of the block in one run, the unknown key included.
bad all 'rate = -1; count = "x"; criticality = [6, 3]; rat = 5;' 'plugins\[0\]\.config\.rate: expected.*config\.count: expected.*config\.criticality: min.*config\.rat: unknown key' "four problems"
is "$(printf '%s\n' "$out" | grep -c 'level=error.*all.cfg:[0-9]')" 4 "four problems: each reported once, in one run"
host_cfg "$T/nopub.cfg" x '{ plugin = "generator"; }'
out=$("$EVHOST" -t -c "$T/nopub.cfg" 2>&1); rc=$?
is "$rc" 1 "a generator without publish: exit 1"
like "$out" 'plugins\[0\]\.publish: required: plugin generator needs a `publish` subject' "...it needs a publish subject"
done_testing
