#!/bin/bash
# SIGTERM on a core-NATS subscriber with thousands of messages in flight:
# every message the server handed to the host reaches the plugin (the
# subscription is drained, not dropped).  The server's own count of
# messages sent to that connection is the reference.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
start_nats

cat >"$T/sub.cfg" <<EOF2
host = { name = "drainer"; stop_timeout_ms = 60000; };
nats = { servers = ["$NATS_URL"]; name = "drainer"; };
plugins = ( { plugin = "testplug"; subscribe = "flood";
              config = { out = "$T/sub.out"; slow_us = 100; }; } );
EOF2
cat >"$T/pub.cfg" <<EOF2
nats = { servers = ["$NATS_URL"]; };
plugins = ( { plugin = "testplug"; publish = "flood"; config = { publish_n = 10000; }; } );
EOF2
# The server's view of a connection (STATE open or closed) as JSON lines.
conns() {
    curl -s "http://127.0.0.1:$NATS_MON_PORT/connz?state=$1&limit=1024" |
        jq -c '.connections[]'
}
start_evhost sub "$T/sub.cfg"
wait_running "$T/sub.cfg" 30
# The host's connection (--stats clients of the readiness wait use the
# same name but are closed by now), and what the server had sent it so far:
# those stats requests.
host_conn=$(conns open | jq -c 'select(.name == "drainer")' | head -1)
cid=$(jq '.cid' <<<"$host_conn")
base=$(jq '.out_msgs' <<<"$host_conn")
"$EVHOST" -c "$T/pub.cfg" 2>"$T/pub.log"
# The plugin takes ~1 s for 10,000 (100 us each): stop it half way.
wait_for 10 test -s "$T/sub.out"
sleep 0.3
stop_evhost sub
is "$?" 0 "SIGTERM mid-stream: exit 0"
got=$(wc -l <"$T/sub.out" | tr -d ' ')
sent=$(conns closed | jq "select(.cid == ${cid:-0}) | .out_msgs" | tail -1)
[ -n "$sent" ] && [ -n "$base" ] && sent=$((sent - base))
diag "server sent $sent messages to the host; the plugin processed $got"
ok "the server sent messages to the host" test -n "$sent" -a "${sent:-0}" -gt 0
is "$got" "$sent" "every message the server handed over was processed"
like "$(cat "$T/sub.log")" "stopped: in=$got " "the host's own count agrees"
like "$(cat "$T/sub.log")" "stopped: in=$got .* seen=$got" "the stopped line ends with the plugin's own counters"
done_testing
