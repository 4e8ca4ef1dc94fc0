#!/bin/bash
# The writer host SIGKILLed mid-stream (batches written but not yet acked
# are redelivered) and restarted: exactly N points, none doubled.
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
wait_for 30 points_ge 3000
kill -KILL "$EVH_PID_writer"
wait "$EVH_PID_writer" 2>/dev/null
EVH_PID_writer=
diag "writer SIGKILLed with $(points) points stored"
sleep 2
start_evhost writer2 "$T/writer.cfg"
wait_evhost daemon 60
is "$?" 0 "daemon published all $N events and exited 0"
wait_for 60 points_ge $N
sleep 1
report $N
is "$(points)" $N "exactly $N points after the writer was SIGKILLed and restarted"
is "$(distinct_points)" $N "no duplicates"
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&consumers=true")
is "$(json_num "$info" num_ack_pending)" 0 "nothing left unacknowledged"
is "$(json_num "$info" num_pending)" 0 "nothing left pending"
stop_evhost writer2
is "$?" 0 "restarted writer stops cleanly"
done_testing
