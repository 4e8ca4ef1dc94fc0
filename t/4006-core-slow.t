#!/bin/bash
# Core NATS (at-most-once) with a deliberately slow consumer: what NATS
# drops is counted, logged and shown by `evhost --stats`, never hidden:
# processed + dropped = published.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
NATSCLI="$top_builddir/t/tools/evh-nats"
N=5000
seq 1 $N | sed 's/^/{"n":/; s/$/}/' >"$T/msgs"
host_cfg "$T/slow.cfg" slow "{ plugin = \"testplug\"; name = \"slow\"; subscribe = \"core\";
  pending_msgs = 100; config = { out = \"$T/slow.out\"; slow_us = 2000; }; }"
start_evhost slow "$T/slow.cfg"
wait_running "$T/slow.cfg" 30
"$NATSCLI" pub "$NATS_URL" core "$T/msgs"
settled() { [ $(( $(lines "$T/slow.out") + $(stats_drops) )) -ge $N ]; }
stats_drops() { "$EVHOST" --stats -c "$T/slow.cfg" | jq '.instances[0].counters.drops'; }
wait_for 60 settled
sleep 0.5
stats=$("$EVHOST" --stats -c "$T/slow.cfg")
processed=$(lines "$T/slow.out")
drops=$(printf '%s' "$stats" | jq '.instances[0].counters.drops')
diag "published=$N processed=$processed dropped=$drops slow_consumer_events=$(printf '%s' "$stats" | jq '.nats.slow_consumer_events')"
ok "the slow consumer lost messages ($drops)" test "$drops" -gt 0
is "$((processed + drops))" $N "processed + dropped = published: every loss counted"
ok "slow-consumer events counted in --stats" test "$(printf '%s' "$stats" | jq '.nats.slow_consumer_events')" -gt 0
like "$(cat "$T/slow.log")" 'slow consumer: NATS dropped messages for subject core' "and logged"
stop_evhost slow
is "$?" 0 "stops cleanly"
done_testing
