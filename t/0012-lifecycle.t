#!/bin/bash
# Lifecycle under faults: NATS not up at start, NATS restarted, a plugin
# that fails to start, a plugin stuck in stop, SIGHUP reload, --stats.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
HOST_EXTRA='stop_timeout_ms = 2000;'
NATS_EXTRA='reconnect_wait_ms = 100;'


# --- NATS not up yet: the host waits, then works --------------------------
NATS_PORT=$(free_port); NATS_URL="nats://127.0.0.1:$NATS_PORT"
host_cfg "$T/sub.cfg" sub "{ plugin = \"testplug\"; subscribe = \"lc\"; config = { out = \"$T/sub.out\"; }; }"
start_evhost sub "$T/sub.cfg"
wait_for 10 grep -q 'NATS not reachable' "$T/sub.log"
like "$(cat "$T/sub.log")" 'NATS not reachable at nats://127.0.0.1:[0-9]+ .*retrying until it is' "NATS down at start: logged, not fatal"
ok "NATS down at start: host still running" kill -0 "$EVH_PID_sub"
start_nats
wait_running "$T/sub.cfg" 30
ok "host connects once NATS is up" grep -q 'connected to NATS' "$T/sub.log"

host_cfg "$T/pub.cfg" pub "{ plugin = \"testplug\"; publish = \"lc\"; config = { publish_n = 100; prefix = \"a\"; }; }"
"$EVHOST" -c "$T/pub.cfg" 2>>"$T/pub.log"
wait_for 10 has_lines "$T/sub.out" 100
is "$(lines "$T/sub.out")" 100 "before NATS restart: 100 of 100"

# --- NATS restarted: the host reconnects and keeps delivering --------------
reconnects=$("$EVHOST" --stats -c "$T/sub.cfg" 2>/dev/null | jq '.nats.reconnects')
restart_nats
wait_stat "$T/sub.cfg" ".nats.reconnects > ${reconnects:-0}" 30
ok "host logged the disconnect" grep -q 'disconnected from NATS' "$T/sub.log"
ok "host reconnected by itself" grep -q 'reconnected to NATS' "$T/sub.log"
sleep 0.3
host_cfg "$T/pub2.cfg" pub2 "{ plugin = \"testplug\"; publish = \"lc\"; config = { publish_n = 100; prefix = \"b\"; }; }"
"$EVHOST" -c "$T/pub2.cfg" 2>>"$T/pub.log"
wait_for 10 has_lines "$T/sub.out" 200
is "$(grep -c ' b' "$T/sub.out")" 100 "after NATS restart: 100 of 100 delivered"
s=$("$EVHOST" --stats -c "$T/sub.cfg")
is "$?" 0 "--stats answers from a running host"
like "$s" '"reconnects":[1-9]' "--stats counts the reconnect"
like "$s" '"seen":200' "--stats shows the plugin's own counter"

# --- SIGHUP: only the changed instance restarts ----------------------------
host_cfg "$T/sub.cfg" sub "{ plugin = \"testplug\"; name = \"keep\"; subscribe = \"lc\"; config = { out = \"$T/sub.out\"; }; },
{ plugin = \"testplug\"; name = \"new\"; subscribe = \"lc2\"; config = { out = \"$T/new.out\"; }; }"
kill -HUP "$EVH_PID_sub"
wait_for 10 grep -q 'reload done' "$T/sub.log"
like "$(cat "$T/sub.log")" 'reload done: restarted or added 2, stopped 1, unchanged 0' "SIGHUP: renamed instance replaced, new one added"
kill -HUP "$EVH_PID_sub"
two_reloads() { [ "$(grep -c 'reload done' "$T/sub.log")" -ge 2 ]; }
wait_for 10 two_reloads
like "$(grep 'reload done' "$T/sub.log" | tail -1)" 'restarted or added 0, stopped 0, unchanged 2' "SIGHUP with no change: nothing restarted"
echo 'plugins = ( { plugin = ' >"$T/sub.cfg"
kill -HUP "$EVH_PID_sub"
wait_for 10 grep -q 'reload failed' "$T/sub.log"
ok "SIGHUP with a broken file: keeps running" kill -0 "$EVH_PID_sub"
stop_evhost sub
is "$?" 0 "clean stop after reloads: exit 0"

"$EVHOST" --stats -c "$T/pub.cfg" >/dev/null 2>"$T/stats.err"
is "$?" 1 "--stats with no host running: exit 1"
like "$(cat "$T/stats.err")" 'no answer on evhost.pub.stats' "--stats with no host running: says so"

# --- plugins that misbehave -----------------------------------------------
host_cfg "$T/sf.cfg" sf "{ plugin = \"startfail\"; }"
"$EVHOST" -c "$T/sf.cfg" 2>"$T/sf.log"
is "$?" 1 "plugin failing to start: exit 1"
like "$(cat "$T/sf.log")" 'plugin broken failed to start: I/O error' "plugin failing to start: named with the reason"

host_cfg "$T/hang.cfg" hang "{ plugin = \"stophang\"; name = \"stuck\"; }, { plugin = \"testplug\"; name = \"fine\"; }"
start_evhost hang "$T/hang.cfg"
wait_running "$T/hang.cfg" 30
t0=$(date +%s%N)
stop_evhost hang; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "host with a stuck plugin exited after $ms ms (stop_timeout_ms = 2000)"
is "$rc" 2 "plugin stuck in stop: host exits 2"
ok "plugin stuck in stop: exit within the stop timeout + 1 s" test "$ms" -lt 3000
like "$(cat "$T/hang.log")" 'instance="stuck" msg="plugin broken did not stop within the stop timeout' "plugin stuck in stop: named in the log"
done_testing
