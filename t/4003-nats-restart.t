#!/bin/bash
# nats-server (file store) restarted mid-stream: both hosts reconnect on
# their own, the daemon's unconfirmed publishes are retried, exactly N.
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
diag "nats-server stopped with $(points) points stored"
stop_nats
sleep 3
_nats_run
diag "nats-server restarted on the same port after 3 s"
wait_evhost daemon 60
is "$?" 0 "daemon published all $N events and exited 0"
wait_for 60 points_ge $N
sleep 1
report $N
is "$(points)" $N "exactly $N points across a nats-server restart"
is "$(distinct_points)" $N "no duplicates"
like "$(cat "$T/writer.log")" 'reconnected' "writer reconnected by itself"
like "$(cat "$T/daemon.log")" 'reconnected' "daemon reconnected by itself"
stop_evhost writer
is "$?" 0 "writer stops cleanly"
done_testing
