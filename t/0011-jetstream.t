#!/bin/bash
# JetStream through the real host: confirmed publishing, a durable pull
# consumer with explicit acks, nak -> redelivery, SIGTERM with messages in
# flight loses none, and the durable outlives the host.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
start_nats


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
wait_for 20 has_lines "$T/sub.out" 3000
s1=$("$EVHOST" --stats -c "$T/sub.cfg")
stop_evhost sub
is "$?" 0 "SIGTERM with messages in flight: exit 0"
first=$(uniq_lines "$T/sub.out")
diag "first run processed $first distinct messages before SIGTERM"
ok "first run stopped mid-stream" test "$first" -lt $N

start_evhost sub2 "$T/sub.cfg"
wait_for 40 has_uniq_lines "$T/sub.out" $N
sleep 0.5
s2=$("$EVHOST" --stats -c "$T/sub.cfg")
stop_evhost sub2
is "$(uniq_lines "$T/sub.out")" $N "after restart: all $N messages processed"
dups=$(( $(lines "$T/sub.out") - $(uniq_lines "$T/sub.out") ))
diag "processed twice (JetStream redelivery of unacked ones): $dups"
naks=$(( $(json_num "$s1" naks) + $(json_num "$s2" naks) ))
ok "naked messages were redelivered (naks=$naks)" test "${naks:-0}" -gt 0

# The consumer must have nothing pending or unacked on the server.
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&consumers=true")
pend=$(json_num "$info" num_pending)
ackp=$(json_num "$info" num_ack_pending)
is "$pend" 0 "durable consumer: nothing left pending"
is "$ackp" 0 "durable consumer: nothing left unacknowledged"
done_testing
