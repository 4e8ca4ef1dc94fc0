#!/bin/bash
# tail against a real nats-server: exactly the events that pass `where` and
# `keys` are printed (table and JSON), invalid payloads are skipped and
# counted; a nats-server restart is one line and the feed goes on; with
# JetStream `deliver` starts at a time, a sequence or "5 minutes ago";
# bad filters are config errors with file:line; a closed pipe ends it.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh" # stat
command -v jq >/dev/null || skip_all "jq not installed"
NATSCLI="$top_builddir/t/tools/evh-nats"
start_nats

# Subscriptions on `events` the server knows of (all connections).
subs() {
    curl -s "http://127.0.0.1:$NATS_MON_PORT/connz?subs=1" |
        jq '[.connections[]?.subscriptions_list // [] | .[] | select(. == "events")] | length'
}
subs_ge() { [ "$(subs)" -ge "$1" ]; }
stream_state() { # field of the EVENTS stream's state (messages, last_seq)
    curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&streams=true" |
        jq ".account_details[]?.stream_detail[]? | select(.name == \"EVENTS\") | .state.$1"
}
stream_msgs_ge() { [ "$(stream_state messages)" -ge "$1" ] 2>/dev/null; }
# The instance's counters add up to N messages received.
seen_ge() { # cfg instance n
    local s f i
    s=$(stat "$1" "$2" shown) f=$(stat "$1" "$2" filtered) i=$(stat "$1" "$2" invalid)
    [ $(( ${s:-0} + ${f:-0} + ${i:-0} )) -ge "$3" ]
}
rows() { grep -cE '^   [0-9]{4}-[0-9]{2}-[0-9]{2} ' "$1"; }
events_only() { grep -v feed_interrupted "$1" | jq -c -S .; }
# ev I CRIT MSG [extra JSON members]
ev() {
    printf '{"criticality":%d,"timestamp":"2026-11-23T10:%02d:%02d.%03dZ","eventMessage":"%s"%s}\n' \
        "$2" $(( $1 / 60 % 60 )) $(( $1 % 60 )) $(( $1 % 1000 )) "$3" "${4:-}"
}

tail_inst() { # name output extra-config [instance keys]
    printf '{ plugin = "tail"; name = "%s"; subscribe = "events"; %s
  config = { output = "%s"; %s }; }' "$1" "${4:-}" "$2" "$3"
}

# ---- 1+2: core NATS, where and keys -----------------------------------
N=330
KEYS=(acme globex initech)
for i in $(seq 1 $N); do
    k=$(( i % 4 ))
    extra=
    [ $k -lt 3 ] && extra=",\"key\":\"${KEYS[$k]}\""
    ev "$i" $(( i % 11 )) "event $i" "$extra"
    # invalid payloads among the valid ones, one of them with criticality 9
    case $i in
        50) echo 'not json' ;;
        100) echo '{"criticality":"high","timestamp":"2026-11-23T10:00:00Z","eventMessage":"x"}' ;;
        150) echo '{"criticality":9,"timestamp":"yesterday","eventMessage":"bad time"}' ;;
        200) echo '[9]' ;;
        250) echo '{"criticality":9,"timestamp":"2026-11-23T10:00:00Z"}' ;;
    esac
done >"$T/batch1"
NINVALID=5
ev 999 9 'line1\nline2\tend\u0007' ',"key":"acme"' >>"$T/batch1"
NTOTAL=$(( N + NINVALID + 1 ))
# What each filter should print, computed here with jq from what is sent.
valid() {
    jq -c -S -R 'fromjson? | select(type == "object" and (.criticality|type) == "number"
        and (.timestamp|type) == "string" and (.timestamp|test("^2026")) and has("eventMessage"))' "$T/batch1"
}
valid | jq -c -S 'select(.criticality >= 8)' >"$T/want.crit"
valid | jq -c -S 'select(.key == "acme" or .key == "globex")' >"$T/want.keys"
valid | jq -c -S 'select(.key == "initech" and .criticality < 3)' >"$T/want.combo"
diag "sending $NTOTAL messages: $(lines "$T/want.crit") with criticality >= 8," \
    "$(lines "$T/want.keys") of acme/globex, $(lines "$T/want.combo") initech below 3"

host_cfg "$T/core.cfg" tail-core "$(tail_inst crit "$T/crit.out" 'where = ["criticality >= 8"];'),
$(tail_inst critjson "$T/crit.json" 'where = ["criticality>=8"]; format = "json";'),
$(tail_inst keys "$T/keys.json" 'keys = ["acme", "globex"]; format = "json";'),
$(tail_inst combo "$T/combo.json" 'keys = ["initech"]; key_field = "key"; where = ["criticality < 3"]; format = "json";')"
start_evhost core "$T/core.cfg"
ok "4 tails subscribed" wait_for 30 subs_ge 4
"$NATSCLI" pub "$NATS_URL" events "$T/batch1"
is "$?" 0 "published $NTOTAL messages"
for i in crit critjson keys combo; do
    wait_for 60 seen_ge "$T/core.cfg" $i $NTOTAL || diag "$i did not see all $NTOTAL"
done

want=$(lines "$T/want.crit")
is "$(rows "$T/crit.out")" "$want" "table: exactly the $want events with criticality >= 8"
is "$(lines "$T/crit.out")" $(( want + 2 )) "table: a heading, the column names and one line per event"
like "$(head -1 "$T/crit.out")" '^== [0-9-]+ [0-9:]+  following events where criticality >= 8 ==$' "table: the heading states the filter"
is "$(sed -n 2p "$T/crit.out")" "   TIME                     CRIT  MESSAGE" "table: query-client's column names"
# crit and message columns, in publishing order
sed -nE 's/^   [0-9-]+ [0-9:.]+ +([0-9]+)  (.*)$/\1 \2/p' "$T/crit.out" >"$T/got.cols"
jq -r '"\(.criticality) \(.eventMessage|gsub("\n";"\\n")|gsub("\t";"\\t")|gsub("\u0007";"\\x07"))"' "$T/want.crit" >"$T/want.cols"
ok "table: criticality and message of every row, in order" cmp -s "$T/want.cols" "$T/got.cols"
is "$(grep -cF ' line1\nline2\tend\x07' "$T/crit.out")" 1 "table: control characters shown escaped, the event on one line"
like "$(grep -F 'event 8' "$T/crit.out" | head -1)" '^   2026-11-23 [0-9]{2}:[0-9]{2}:08\.008     8  event 8$' "table: local time with ms, criticality, message"
is "$(events_only "$T/crit.json" | sort)" "$(sort "$T/want.crit")" "json: exactly the events with criticality >= 8, every key kept"
is "$(events_only "$T/keys.json" | sort)" "$(sort "$T/want.keys")" "keys: exactly the events of acme and globex ($(lines "$T/want.keys"))"
is "$(events_only "$T/combo.json" | sort)" "$(sort "$T/want.combo")" "keys + where: exactly initech's events below 3 ($(lines "$T/want.combo"))"
is "$(stat "$T/core.cfg" crit invalid)" $NINVALID "$NINVALID invalid payloads counted"
is "$(stat "$T/core.cfg" crit shown)" "$want" "shown counter"
is "$(stat "$T/core.cfg" crit filtered)" $(( NTOTAL - NINVALID - want )) "filtered counter"
is "$(grep -c 'instance="crit".*skipped an invalid event' "$T/core.log")" 1 "invalid payloads: one log line (rate-limited), not one per payload"
like "$(grep 'instance="crit".*skipped an invalid event' "$T/core.log")" 'not JSON' "the log line gives the reason"
ok "the host is still running" kill -0 "$EVH_PID_core"

# ---- 3: nats-server restart --------------------------------------------
before=$(rows "$T/crit.out")
kill_nats
wait_for 30 grep -q 'instance="crit".*feed interrupted: not connected' "$T/core.log"
ok "the tail noticed the outage" grep -q 'instance="crit".*feed interrupted: not connected' "$T/core.log"
_nats_run || { echo "Bail out! nats-server did not restart"; exit 1; }
ok "the tails resubscribed after the restart" wait_for 60 subs_ge 4
wait_for 30 grep -q 'feed interrupted' "$T/crit.out"
for i in $(seq 1 40); do ev $(( 2000 + i )) 9 "after restart $i" ',"key":"globex"'; done >"$T/batch2"
"$NATSCLI" pub "$NATS_URL" events "$T/batch2"
wait_for 60 seen_ge "$T/core.cfg" crit $(( NTOTAL + 40 ))
is "$(grep -c 'feed interrupted' "$T/crit.out")" 1 "table: exactly one line about the interruption"
like "$(grep 'feed interrupted' "$T/crit.out")" '^== [0-9-]+ [0-9:]+  feed interrupted from [0-9:]{8} to [0-9:]{8} \([0-9]+\.[0-9] s, NATS unreachable\): events published meanwhile were not seen \(core NATS\) ==$' "table: from when to when, and that events may be missed"
is "$(sed -n "$(( before + 3 ))p" "$T/crit.out" | grep -c 'feed interrupted')" 1 "the line comes right after the events before the outage"
is "$(sed -n "$(( before + 4 )),\$p" "$T/crit.out" | sed -nE 's/^   [0-9-]+ [0-9:.]+ +9  (after restart [0-9]+)$/\1/p' | tr '\n' ,)" \
    "$(seq -f 'after restart %g' 1 40 | tr '\n' ,)" "table: then exactly the 40 events published after the restart"
is "$(lines "$T/crit.out")" $(( before + 2 + 1 + 40 )) "table: nothing else"
is "$(grep -c feed_interrupted "$T/keys.json")" 1 "json: one interruption line"
is "$(grep feed_interrupted "$T/keys.json" | jq -r '.feed_interrupted.events_missed')" possible "json: events_missed = possible (core NATS)"
is "$(grep -v feed_interrupted "$T/keys.json" | tail -40 | jq -r .eventMessage | tr '\n' ,)" "$(seq -f 'after restart %g' 1 40 | tr '\n' ,)" "json: the 40 events after the restart"
is "$(stat "$T/core.cfg" crit interruptions)" 1 "interruptions counter"
stop_evhost core
is "$?" 0 "core tails stop cleanly"

# ---- 4: JetStream, deliver since a time / from a sequence / 5 minutes --
js_inst() { # name output deliver
    tail_inst "$1" "$2" 'where = ["criticality >= 8"]; format = "json";' \
        "jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"$1\"; deliver = \"$3\"; reset_consumer = true; };"
}
# Create the stream with a tail that starts at new events.
host_cfg "$T/mk.cfg" tail-mk "$(js_inst mk "$T/mk.json" new)"
start_evhost mk "$T/mk.cfg"
wait_running "$T/mk.cfg" 30
stop_evhost mk
first=$(stream_state last_seq)
for i in $(seq 1 20); do ev $(( 3000 + i )) 9 "A $i"; done >"$T/batchA"
for i in $(seq 1 40); do ev $(( 4000 + i )) $(( i % 2 ? 9 : 3 )) "B $i"; done >"$T/batchB"
"$NATSCLI" pub "$NATS_URL" events "$T/batchA"
ok "batch A stored" wait_for 30 stream_msgs_ge $(( first + 20 ))
since=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
lastA=$(stream_state last_seq)
sleep 1.2 # B is stored at least a second after $since
"$NATSCLI" pub "$NATS_URL" events "$T/batchB"
ok "batch B stored" wait_for 30 stream_msgs_ge $(( first + 60 ))
seq=$(( lastA - 4 ))
diag "A is stream seq $(( first + 1 ))..$lastA, B follows; since=$since, seq=$seq"

host_cfg "$T/js.cfg" tail-js "$(js_inst since "$T/since.json" "since $since"),
$(js_inst seq "$T/seq.json" "seq $seq"),
$(js_inst min5 "$T/min5.json" "since 5m")"
start_evhost js "$T/js.cfg"
wait_for 60 seen_ge "$T/js.cfg" since 40
wait_for 60 seen_ge "$T/js.cfg" seq 45
wait_for 60 seen_ge "$T/js.cfg" min5 60
jq -c -S 'select(.criticality >= 8)' "$T/batchB" >"$T/want.B"
{ tail -5 "$T/batchA"; cat "$T/batchB"; } | jq -c -S 'select(.criticality >= 8)' >"$T/want.seq"
cat "$T/batchA" "$T/batchB" | jq -c -S 'select(.criticality >= 8)' >"$T/want.all"
is "$(events_only "$T/since.json")" "$(cat "$T/want.B")" "deliver = since <time>: exactly batch B (20 of 40 pass), in order"
is "$(events_only "$T/seq.json")" "$(cat "$T/want.seq")" "deliver = seq $seq: exactly from that sequence (25), in order"
is "$(events_only "$T/min5.json")" "$(cat "$T/want.all")" "deliver = since 5m: both batches (40), in order"
is "$(stat "$T/js.cfg" since filtered)" 20 "JetStream: the filter still applies (20 filtered)"

# A restart of nats-server: with JetStream nothing is missed.
kill_nats
wait_for 30 grep -q 'instance="since".*feed interrupted: not connected' "$T/js.log"
_nats_run || { echo "Bail out! nats-server did not restart"; exit 1; }
wait_for 60 grep -q feed_interrupted "$T/since.json"
for i in $(seq 1 10); do ev $(( 5000 + i )) 10 "C $i"; done >"$T/batchC"
ok "batch C published after the restart" wait_for 30 "$NATSCLI" pub "$NATS_URL" events "$T/batchC"
wait_for 60 seen_ge "$T/js.cfg" since 50
is "$(grep -c feed_interrupted "$T/since.json")" 1 "JetStream: one interruption line"
is "$(grep feed_interrupted "$T/since.json" | jq -r .feed_interrupted.events_missed)" none "JetStream: events_missed = none"
is "$(events_only "$T/since.json" | tail -10)" "$(jq -c -S . "$T/batchC")" "JetStream: batch C follows, exactly"
is "$(events_only "$T/since.json" | wc -l | tr -d ' ')" 30 "JetStream: nothing repeated"
stop_evhost js
is "$?" 0 "JetStream tails stop cleanly"

# reset_consumer: each run shows the last 5 minutes again.
: >"$T/min5.json"
start_evhost js2 "$T/js.cfg"
wait_for 60 seen_ge "$T/js.cfg" min5 70
is "$(events_only "$T/min5.json" | wc -l | tr -d ' ')" 50 "a second run shows the last 5 minutes again (reset_consumer)"
stop_evhost js2

# ---- 5: configuration errors -------------------------------------------
bad() { # name config -> output of evhost -t; rc in $rc
    host_cfg "$T/$1.cfg" bad "{ plugin = \"tail\"; subscribe = \"events\";
  config = { $2 }; }"
    out=$("$EVHOST" -t -c "$T/$1.cfg" 2>&1)
    rc=$?
}
bad where1 'where = ["criticality >= high"];'
is "$rc" 1 "bad where: evhost -t exits 1"
# (the log escapes the quotes in msg="...")
like "$out" 'where1\.cfg:[0-9]+: plugins\[0\]\.config\.where: element 0 \(\\"criticality >= high\\"\): \\">=\\" compares integers, and \\"high\\" is not one' "bad where: one clear line with file:line and the element"
is "$(printf '%s\n' "$out" | grep -c 'level=error.*where1\.cfg:[0-9]')" 1 "bad where: exactly one error line"
bad where2 'where = ["criticality >= 8", "key ~ acme", "criticality >"];'
is "$(printf '%s\n' "$out" | grep -c 'level=error.*where2\.cfg:[0-9]*: plugins\[0\]\.config\.where: element')" 2 "two bad elements: both reported"
like "$out" 'element 1 \(\\"key ~ acme\\"\): expected an operator' "an unknown operator: said"
like "$out" 'element 2 \(\\"criticality >\\"\): missing the value' "a missing value: said"
bad where3 'where = "criticality >= 8";'
is "$rc" 1 "where not a list: exit 1"
like "$out" 'where3\.cfg:[0-9]+: plugins\[0\]\.config\.where: expected a list' "where not a list: said"
bad fmt 'format = "xml";'
like "$out" 'fmt\.cfg:[0-9]+: plugins\[0\]\.config\.format: expected \\"table\\" or \\"json\\", got \\"xml\\"' "bad format: said"
bad keys0 'keys = [];'
like "$out" 'keys0\.cfg:[0-9]+: plugins\[0\]\.config\.keys: an empty list would match no event' "empty keys: said"
bad env 'min_criticality_env = "EVH_TAIL_UNSET";'
like "$out" 'environment variable EVH_TAIL_UNSET is not set' "min_criticality_env unset: said"
bad typo 'wher = ["criticality >= 8"];'
like "$out" 'typo\.cfg:[0-9]+: plugins\[0\]\.config\.wher: unknown key' "a misspelt key: unknown key"
bad good 'where = ["criticality >= 8", "eventMessage != '"'"'heartbeat'"'"'"]; keys = ["acme"]; format = "json";'
is "$rc" 0 "a good config: evhost -t exits 0"
out=$("$EVHOST" -t -c "$top_srcdir/etc/tail.cfg" 2>&1)
is "$?" 0 "etc/tail.cfg passes evhost -t"

# ---- min_criticality_env, and a reader that goes away ------------------
host_cfg "$T/pipe.cfg" tail-pipe '{ plugin = "tail"; subscribe = "events";
  config = { min_criticality_env = "MIN_CRITICALITY"; format = "json"; }; }'
( MIN_CRITICALITY=8 "$EVHOST" -c "$T/pipe.cfg" 2>"$T/pipe.log"; echo $? >"$T/pipe.rc" ) | head -n 2 >"$T/pipe.out" &
wait_for 30 subs_ge 1
for i in $(seq 1 100); do
    ev $(( 6000 + i )) $(( i % 2 ? 9 : 8 )) "pipe $i" >"$T/one"
    "$NATSCLI" pub "$NATS_URL" events "$T/one"
    [ -s "$T/pipe.rc" ] && break
    sleep 0.2
done
wait_for 30 test -s "$T/pipe.rc"
is "$(cat "$T/pipe.rc" 2>/dev/null)" 0 "stdout closed by its reader (| head): the host exits 0 by itself"
is "$(jq -r .eventMessage "$T/pipe.out" | tr '\n' ,)" "pipe 1,pipe 3," "min_criticality_env: criticality > \$MIN_CRITICALITY"

done_testing
