#!/bin/bash
# influxd SIGKILLed for 15 s in the middle of a 20,000-event stream at
# 2,000 events/s, then restarted on the same port: exactly 20,000 points,
# no duplicates; the backlog waited in JetStream.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_influx
N=20000
pipeline_cfgs $N 2000
start_evhost writer "$T/writer.cfg"
wait_running "$T/writer.cfg" 30
start_evhost daemon "$T/daemon.cfg"
wait_for 30 points_ge 2000
before=$(points)
kill_influx
diag "influxd SIGKILLed with $before points stored"
sleep 15
mid=$(stat "$T/writer.cfg" writer written)
_influx_run
diag "influxd restarted after 15 s"
wait_evhost daemon 60
is "$?" 0 "daemon published all $N events (confirmed) and exited 0"
wait_for 60 points_ge $N
sleep 1
report $N
is "$(points)" $N "exactly $N points after a 15 s InfluxDB outage"
is "$(distinct_points)" $N "no duplicates: $N distinct events"
ok "the writer retried while InfluxDB was down" test "$(stat "$T/writer.cfg" writer retries)" -gt 0
like "$(cat "$T/writer.log")" 'InfluxDB write failed' "the outage is logged"
n_fail=$(grep -c 'InfluxDB write failed' "$T/writer.log")
ok "logged per state change, not per event ($n_fail lines)" test "$n_fail" -lt 20
like "$(cat "$T/writer.log")" 'InfluxDB accepts writes again' "the recovery is logged"
stop_evhost writer
is "$?" 0 "writer stops cleanly"
done_testing
