#!/bin/bash
# JetStream through the real host: confirmed publishing, a durable pull
# consumer with explicit acks, nak -> redelivery, SIGTERM with messages in
# flight loses none, and the durable outlives the host.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
start_nats

host_cfg() {
    local f=$1 n=$2; shift 2
    printf 'host = { name = "%s"; };\nnats = { servers = ["%s"]; };\nplugins = (\n%s\n);\n' \
        "$n" "$NATS_URL" "$*" >"$f"
}
lines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
uniq_lines() { if [ -f "$1" ]; then sort -u "$1" | wc -l | tr -d ' '; else echo 0; fi; }
stats() { "$EVHOST" --stats -c "$1" 2>/dev/null; }
counter() { # stats-json name -> value of the first counter of that name
    printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" | head -1
}

N=10000
host_cfg "$T/pub.cfg" pub "{ plugin = \"testplug\"; publish = \"ev\"; jetstream = { stream = \"EV\"; }; config = { publish_n = $N; }; }"
"$EVHOST" -c "$T/pub.cfg" 2>"$T/pub.log"
is "$?" 0 "JetStream publisher exits 0"
like "$(cat "$T/pub.log")" 'created JetStream stream EV on ev' "stream created on first use"
unlike "$(cat "$T/pub.log")" 'not confirmed' "every publish confirmed"

# A consumer that naks every 7th message on first delivery and holds the
# rest in batches of 100 before acking them.
SUBCFG="{ plugin = \"testplug\"; subscribe = \"ev\"; jetstream = { stream = \"EV\"; durable = \"d1\"; ack_wait_ms = 2000; }; config = { out = \"$T/sub.out\"; hold = 100; fail_every = 7; slow_us = 200; }; }"
host_cfg "$T/sub.cfg" sub "$SUBCFG"
start_evhost sub "$T/sub.cfg"
wait_for 20 test "$(lines "$T/sub.out")" -ge 3000
stop_evhost sub
is "$?" 0 "SIGTERM with messages in flight: exit 0"
first=$(uniq_lines "$T/sub.out")
diag "first run processed $first distinct messages before SIGTERM"
ok "first run stopped mid-stream" test "$first" -lt $N

start_evhost sub2 "$T/sub.cfg"
wait_for 40 test "$(uniq_lines "$T/sub.out")" -ge $N
sleep 0.5
s=$(stats "$T/sub.cfg")
stop_evhost sub2
is "$(uniq_lines "$T/sub.out")" $N "after restart: all $N messages processed"
dups=$(( $(lines "$T/sub.out") - $(uniq_lines "$T/sub.out") ))
diag "processed twice (JetStream redelivery of unacked ones): $dups"
naks=$(counter "$s" naks)
ok "naked messages were redelivered (naks=$naks)" test "${naks:-0}" -gt 0

# The consumer must have nothing pending or unacked on the server.
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?consumers=true")
pend=$(printf '%s' "$info" | tr ',' '\n' | sed -n 's/.*"num_pending":\([0-9]*\).*/\1/p' | tail -1)
ackp=$(printf '%s' "$info" | tr ',' '\n' | sed -n 's/.*"num_ack_pending":\([0-9]*\).*/\1/p' | tail -1)
is "$pend" 0 "durable consumer: nothing left pending"
is "$ackp" 0 "durable consumer: nothing left unacknowledged"
done_testing
