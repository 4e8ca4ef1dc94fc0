#!/bin/bash
# An error returned by on_msg on JetStream: the host naks it with a growing
# delay (retry_delay_ms doubling to retry_max_delay_ms), after
# retry_max_deliver deliveries it publishes the message on the dead-letter
# subject with its reason and terminates it, and it logs the failures once
# per 10 s, not once per attempt.  Before, one failing message was
# redelivered in a tight loop (thousands of times in 10 s).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
start_nats

host_cfg "$T/pub.cfg" pub "{ plugin = \"testplug\"; publish = \"ev\"; jetstream = { stream = \"EV\"; subjects = [\"ev\"]; }; config = { publish_n = 1; prefix = \"one\"; }; }"
"$EVHOST" -c "$T/pub.cfg" 2>"$T/pub.log"
is "$?" 0 "one message stored in the stream"

# --- defaults: 1 s doubling; the receiver down for 10 s -------------------
host_cfg "$T/down.cfg" down "{ plugin = \"testplug\"; subscribe = \"ev\"; jetstream = { stream = \"EV\"; durable = \"down\"; }; config = { out = \"$T/down.out\"; fail_all = true; }; }"
start_evhost down "$T/down.cfg"
wait_for 30 has_lines "$T/down.out" 1
sleep 10
n10=$(lines "$T/down.out")
stop_evhost down
is "$?" 0 "failing consumer stops cleanly"
diag "deliveries of one failing message in 10 s with default backoff: $n10"
# 1 s, 2 s, 4 s after the first: at most 4 deliveries in 10 s.  A slow
# machine only makes it fewer.
ok "at most 4 deliveries in 10 s (1 s doubling), got $n10" test "$n10" -le 4
ok "it was redelivered (not dropped), got $n10" test "$n10" -ge 2
like "$(sed -n '$p' "$T/down.out")" "^fail one0 $n10\$" "the delivery count grows by one per attempt"
nlog=$(grep -c 'on_msg failed' "$T/down.log")
ok "failures logged once per 10 s, not per attempt ($nlog lines for $n10 attempts)" test "$nlog" -le 2
like "$(grep -m1 'on_msg failed' "$T/down.log")" 'on_msg failed: I/O error \(subject ev, stream seq 1, delivery 1 of 10\); redelivery in 1000 ms' "the log line says the status, delivery and next delay"

# --- max deliveries reached: dead letter with its reason ---------------
host_cfg "$T/dl.cfg" dl "{ plugin = \"testplug\"; subscribe = \"ev\"; jetstream = { stream = \"EV\"; durable = \"dl\"; retry_delay_ms = 100; retry_max_delay_ms = 200; retry_max_deliver = 3; dead_letter = \"ev.dead\"; }; config = { out = \"$T/dl.out\"; fail_all = true; }; },
{ plugin = \"testplug\"; name = \"dead\"; subscribe = \"ev.dead\"; config = { out = \"$T/dead.out\"; out_header = \"Evhost-Reason\"; }; }"
start_evhost dl "$T/dl.cfg"
wait_for 30 has_lines "$T/dead.out" 1
sleep 1
s=$("$EVHOST" --stats -c "$T/dl.cfg")
stop_evhost dl
is "$(lines "$T/dl.out")" 3 "retry_max_deliver = 3: exactly 3 deliveries"
is "$(lines "$T/dead.out")" 1 "exactly 1 message on the dead-letter subject"
is "$(cat "$T/dead.out")" "ev.dead one0 I/O error after 3 deliveries" "the dead letter is the message, with its reason in Evhost-Reason"
like "$s" '"dead_letters": *1' "--stats counts 1 dead letter"
like "$(cat "$T/dl.log")" 'dead-lettered on ev.dead after 3 deliveries: I/O error \(subject ev, stream seq 1\)' "the dead letter is logged"
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&consumers=true")
like "$info" '"name": *"dl".*"num_ack_pending": *0' "terminated: nothing left unacknowledged on the consumer"

# Twenty more given up at once: twenty dead letters, not twenty log lines.
host_cfg "$T/pub2.cfg" pub2 "{ plugin = \"testplug\"; publish = \"ev\"; jetstream = { stream = \"EV\"; subjects = [\"ev\"]; }; config = { publish_n = 20; prefix = \"more\"; }; }"
"$EVHOST" -c "$T/pub2.cfg" 2>"$T/pub2.log"
is "$?" 0 "20 more messages stored"
start_evhost dl2 "$T/dl.cfg"
wait_for 60 has_lines "$T/dead.out" 21
sleep 1
s=$("$EVHOST" --stats -c "$T/dl.cfg")
stop_evhost dl2
is "$(grep -c ' more[0-9]* ' "$T/dead.out")" 20 "20 dead letters published"
like "$s" '"dead_letters": *20' "--stats counts 20"
nl=$(grep -c 'dead-lettered on' "$T/dl2.log")
ok "20 dead letters, $nl log line(s): once per 10 s with the count" test "$nl" -ge 1 -a "$nl" -le 3

# --- retry settings are checked ------------------------------------------
host_cfg "$T/bad.cfg" bad "{ plugin = \"testplug\"; subscribe = \"ev\"; jetstream = { stream = \"EV\"; durable = \"b\"; retry_delay_ms = 5000; retry_max_delay_ms = 1000; retry_max_deliver = 0; }; }"
out=$("$EVHOST" -t -c "$T/bad.cfg" 2>&1); rc=$?
is "$rc" 1 "bad retry settings: exit 1"
like "$out" 'retry_max_delay_ms: must not be less than retry_delay_ms \(5000\)' "retry_max_delay_ms < retry_delay_ms: said"
like "$out" 'retry_max_deliver: expected an integer in -1..2147483647 except 0' "retry_max_deliver 0: said"
done_testing
