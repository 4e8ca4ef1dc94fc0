#!/bin/bash
# The writer starts pointed at a port where nothing listens (InfluxDB
# unreachable: every write fails); the backlog waits in JetStream; a SIGHUP
# with the right URL restarts only the writer instance: exactly N points.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_influx
N=5000
good=$INFLUX_URL
# Port 1 (tcpmux): nothing listens there, and unlike a "free" port no
# other test's server can take it in the meantime.
INFLUX_URL="http://127.0.0.1:1" pipeline_cfgs $N 2000
start_evhost writer "$T/writer.cfg"
wait_running "$T/writer.cfg" 30
"$EVHOST" -c "$T/daemon.cfg" 2>"$T/daemon.log"
is "$?" 0 "daemon published $N events while InfluxDB is unreachable"
wait_stat "$T/writer.cfg" '.instances[] | select(.name == "writer") | .counters.retries >= 1' 30
sleep 2
is "$(points)" 0 "nothing stored while unreachable"
ok "the writer kept retrying ($(stat "$T/writer.cfg" writer retries) retries)" test "$(stat "$T/writer.cfg" writer retries)" -gt 1
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&streams=true")
is "$(json_num "$info" messages)" $N "the backlog waits in the stream"
sed -i "s|url = \"http://127.0.0.1:[0-9]*\"|url = \"$good\"|" "$T/writer.cfg"
kill -HUP "$EVH_PID_writer"
wait_for 60 points_ge $N
sleep 1
report $N
is "$(points)" $N "after SIGHUP with the right URL: exactly $N points"
is "$(distinct_points)" $N "no duplicates"
unlike "$(cat "$T/writer.log")" "abandoning" "the reload stopped the failing writer in time (nothing abandoned)"
stop_evhost writer
is "$?" 0 "writer stops cleanly"
done_testing
