#!/bin/bash
# file-sink: events from JetStream become NDJSON lines, exactly once each
# (compared by content); size-based rotation keeps every line and no more
# than max_files old files; fsync = "always" and "batch" lose nothing;
# a SIGKILLed sink restarted loses nothing; a full disk hands events back
# to the stream instead of acking them; bad events and bad config refused.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
NATSCLI="$top_builddir/t/tools/evh-nats"
start_nats
N=5000
for i in $(seq 1 $N); do
    printf '{"criticality":%d,"timestamp":"2024-08-01T10:%02d:%02d.%06dZ","eventMessage":"file event %d","host":"h%d"}\n' \
        $((i % 11)) $((i / 60 % 60)) $((i % 60)) "$i" "$i" $((i % 5))
done >"$T/in.jsonl"
jq -c -S . "$T/in.jsonl" | sort >"$T/want"

sink() { # name subject path [extra config]
    printf '{ plugin = "file-sink"; name = "%s"; subscribe = "%s";
  jetstream = { stream = "S_%s"; subjects = ["%s"]; durable = "%s"; ack_wait_ms = 3000; };
  config = { path = "%s"; flush_interval_ms = 100; %s }; }' "$1" "$2" "$1" "$2" "$1" "$3" "${4:-}"
}
counter() { "$EVHOST" --stats -c "$1" | jq ".instances[] | select(.name==\"$2\") | .counters.$3 // 0"; }
all_lines() { cat "$@" 2>/dev/null | wc -l; }
content() { cat "$@" | jq -c -S . | sort; }

# ---- batch (default) and always, and rotation, in one host ---------------
host_cfg "$T/f.cfg" f "$(sink batch ev.batch "$T/batch.ndjson"),
$(sink always ev.always "$T/always.ndjson" 'fsync = "always";'),
$(sink rot ev.rot "$T/rot.ndjson" 'max_bytes = 20000; max_files = 1000;'),
$(sink few ev.few "$T/few.ndjson" 'max_bytes = 20000; max_files = 2;')"
start_evhost f "$T/f.cfg"
wait_running "$T/f.cfg" 30
for s in batch always rot few; do "$NATSCLI" pub "$NATS_URL" "ev.$s" "$T/in.jsonl"; done
done_n() { [ "$(counter "$T/f.cfg" "$1" acks)" -ge "$2" ]; }
for s in batch always rot few; do wait_for 60 done_n $s $N; done
is "$(all_lines "$T/batch.ndjson")" $N "fsync batch: exactly $N lines"
ok "fsync batch: each line equals a published event" cmp -s "$T/want" <(content "$T/batch.ndjson")
is "$(counter "$T/f.cfg" batch synced)" $N "fsync batch: all $N acked after a sync"
is "$(all_lines "$T/always.ndjson")" $N "fsync always: exactly $N lines"
ok "fsync always: each line equals a published event" cmp -s "$T/want" <(content "$T/always.ndjson")
rot=("$T"/rot.ndjson*)
ok "rotation: ${#rot[@]} files of at most 20000 bytes" test "${#rot[@]}" -gt 10
big=$(find "$T" -name 'rot.ndjson*' -size +20000c | wc -l)
is "$big" 0 "rotation: no file over max_bytes"
is "$(all_lines "${rot[@]}")" $N "rotation: every line kept across the files"
ok "rotation: each line equals a published event" cmp -s "$T/want" <(content "${rot[@]}")
is "$(ls "$T" | grep -c '^few\.ndjson')" 3 "max_files = 2: the file and 2 rotated ones, older removed"
ok "max_files = 2: the newest lines are in the kept files" test "$(tail -1 "$T/few.ndjson" | jq -r .eventMessage)" = "file event $N"
stop_evhost f
is "$?" 0 "host stops cleanly"

# ---- a SIGKILLed sink loses nothing ---------------------------------------
host_cfg "$T/k.cfg" k "$(sink kill ev.kill "$T/kill.ndjson")"
start_evhost k "$T/k.cfg"
wait_running "$T/k.cfg" 30
# Published in 10 chunks, 0.3 s apart, so the kill lands mid-stream.
split -l $((N / 10)) "$T/in.jsonl" "$T/chunk."
( trap - EXIT; for c in "$T"/chunk.*; do "$NATSCLI" pub "$NATS_URL" ev.kill "$c"; sleep 0.3; done ) &
PUB=$!
some() { [ "$(all_lines "$T/kill.ndjson")" -ge $((N / 5)) ]; }
wait_for 30 some
kill -KILL "$EVH_PID_k"
at=$(all_lines "$T/kill.ndjson")
diag "SIGKILL of the sink at $at of $N lines"
ok "the kill landed mid-stream ($at < $N)" test "$at" -lt "$N"
wait "$PUB"
start_evhost k "$T/k.cfg"
distinct() { [ "$(sort -u "$T/kill.ndjson" | wc -l)" -ge "$N" ]; }
wait_for 60 distinct
sleep 1
is "$(sort -u "$T/kill.ndjson" | jq -c -S . | sort | cmp - "$T/want" && echo same)" same "after SIGKILL and restart: every event present ($(all_lines "$T/kill.ndjson") lines, repeats allowed: at least once)"
stop_evhost k

# ---- a full disk: nothing acked, the stream keeps the events --------------
host_cfg "$T/d.cfg" d "$(sink full ev.full /dev/full 'fsync = "never";')"
start_evhost d "$T/d.cfg"
wait_running "$T/d.cfg" 30
head -100 "$T/in.jsonl" >"$T/100.jsonl"
"$NATSCLI" pub "$NATS_URL" ev.full "$T/100.jsonl"
wait_for 30 grep -q 'No space left on device' "$T/d.log"
like "$(cat "$T/d.log")" 'writing /dev/full: No space left on device; will retry' "disk full: a clear error"
is "$(counter "$T/d.cfg" full acks)" 0 "disk full: nothing acknowledged"
ok "disk full: events handed back (naks)" test "$(counter "$T/d.cfg" full naks)" -ge 1
stop_evhost d

# ---- bad input and bad config ---------------------------------------------
host_cfg "$T/b.cfg" b "$(sink bad ev.bad "$T/bad.ndjson")"
start_evhost b "$T/b.cfg"
wait_running "$T/b.cfg" 30
printf '%s\n' '{"criticality":"9","timestamp":"2024-08-01T00:00:00Z","eventMessage":"x"}' 'nope' \
    '{"criticality":1,"timestamp":"2024-08-01T00:00:00Z","eventMessage":"ok"}' >"$T/bad.jsonl"
"$NATSCLI" pub "$NATS_URL" ev.bad "$T/bad.jsonl"
wait_for 30 has_lines "$T/bad.ndjson" 1
sleep 0.5
is "$(counter "$T/b.cfg" bad invalid)" 2 "2 malformed events refused"
is "$(all_lines "$T/bad.ndjson")" 1 "only the valid one written"
stop_evhost b
badcfg() { # config-body -> evhost -t output; expects exit 1
    host_cfg "$T/x.cfg" x "{ plugin = \"file-sink\"; subscribe = \"e\"; config = { $1 }; }"
    out=$("$EVHOST" -t -c "$T/x.cfg" 2>&1)
    is "$?" 1 "bad config ($1): evhost -t exits 1"
}
badcfg "path = \"$T/f\"; fsync = \"sometimes\";"
like "$out" 'x.cfg:[0-9]+: plugins\[0\]\.config\.fsync: expected .*always.*batch.*never.*got .*sometimes' "...naming file:line, the key and what was expected"
badcfg "path = \"$T/f\"; mode = \"999\";"
like "$out" 'config\.mode: expected an octal file mode' "...naming the bad mode"
badcfg "path = \"$T/no/such/dir/f\";"
like "$out" "config\.path: cannot open $T/no/such/dir/f: No such file or directory" "...naming the file it cannot open and why"
badcfg "fsync = \"always\";"
like "$out" 'config\.path: required' "...and a missing path"
badcfg "path = \"$T/f\"; fsync = \"sometimes\"; mode = \"999\"; bogus = 1;"
like "$out" 'config\.fsync: expected.*config\.mode: expected an octal.*config\.bogus: unknown key' "...every problem of the block in one run"
host_cfg "$T/t.cfg" t "{ plugin = \"file-sink\"; subscribe = \"e\"; config = { path = \"$T/not-yet.ndjson\"; }; }"
"$EVHOST" -t -c "$T/t.cfg" >/dev/null 2>&1
is "$?" 0 "a good config: evhost -t exits 0"
ok "evhost -t does not create the output file (it is opened in start)" test ! -e "$T/not-yet.ndjson"
host_cfg "$T/ns.cfg" ns "{ plugin = \"file-sink\"; config = { path = \"$T/ns.ndjson\"; }; }"
out=$("$EVHOST" -t -c "$T/ns.cfg" 2>&1)
like "$out" 'plugins\[0\]\.subscribe: required: plugin file-sink needs a `subscribe` subject' "no subscribe: evhost -t says the sink needs one"
done_testing
