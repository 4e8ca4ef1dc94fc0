#!/bin/bash
# Scale-out on loopback: a 3-node nats-server cluster, an R3 JetStream
# stream, two writer hosts sharing the durable consumer and two reader
# hosts in the `readers` queue group.  20,000 events are streamed; in the
# middle one NATS node (the one the daemon and a writer are connected to)
# and the other writer are SIGKILLed.  Exactly 20,000 points must be
# stored, and every query asked throughout must be answered.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
NATSCLI="$top_builddir/t/tools/evh-nats"
N=20000
RATE=2000

# ---- the cluster ----------------------------------------------------------
for i in 1 2 3; do
    printf -v "C$i" '%s' "$(free_port)"   # client
    printf -v "R$i" '%s' "$(free_port)"   # route
    printf -v "M$i" '%s' "$(free_port)"   # monitoring
done
start_node() { # i
    local i=$1 c r m routes="" j
    c=C$i r=R$i m=M$i
    for j in 1 2 3; do
        [ "$j" = "$i" ] && continue
        local rj=R$j
        routes="$routes nats-route://127.0.0.1:${!rj}"
    done
    cat >"$T/n$i.conf" <<EOT
server_name: n$i
listen: 127.0.0.1:${!c}
http: 127.0.0.1:${!m}
jetstream { store_dir: "$T/n$i" }
cluster { name: evh; listen: 127.0.0.1:${!r}; routes: [$(echo $routes | tr ' ' ',')] }
EOT
    nats-server -c "$T/n$i.conf" >>"$T/n$i.nlog" 2>&1 &
    printf -v "PID$i" '%s' "$!"
    track_pid "$!"
    _wait_listen "$!" "${!c}" 15 || { _tail_log "$T/n$i.nlog"; echo "Bail out! NATS node n$i did not start"; exit 1; }
}
start_node 1; start_node 2; start_node 3
meta_ready() {
    # (jq -e exits 0 on empty input: test for the leader's name itself)
    [ -n "$(curl -sf "http://127.0.0.1:$M1/jsz" | jq -r '.meta_cluster.leader // empty')" ] &&
        [ "$(curl -sf "http://127.0.0.1:$M1/routez" | jq '.num_routes')" -ge 2 ]
}
wait_for 60 meta_ready
ok "3-node cluster up with a JetStream meta leader" meta_ready
U1="nats://127.0.0.1:$C1" U2="nats://127.0.0.1:$C2" U3="nats://127.0.0.1:$C3"
start_influx

# ---- the hosts --------------------------------------------------------------
# servers in the order given (randomize = false): the daemon and writer w1
# sit on n1, the node that will be killed; the readers never do.
cfg() { # file name "urls" plugin-block
    printf 'host = { name = "%s"; stop_timeout_ms = 10000; };
nats = { servers = [%s]; randomize = false; reconnect_wait_ms = 100; };
plugins = ( %s );\n' "$2" "$3" "$4" >"$1"
}
q() { printf '"%s", "%s", "%s"' "$@"; }
JS='jetstream = { stream = "EVENTS"; subjects = ["events"]; replicas = 3;'
writer() { printf '{ plugin = "influx-sink"; name = "writer"; subscribe = "events";
  %s durable = "influx-sink"; max_ack_pending = 20000; ack_wait_ms = 5000; };
  config = { url = "%s"; database = "events"; flush_interval_ms = 100; retry_max_ms = 1000; }; }' "$JS" "$INFLUX_URL"; }
reader() { printf '{ plugin = "influx-query"; name = "reader"; subscribe = "query"; queue = "readers";
  config = { url = "%s"; database = "events"; timeout_ms = 2000; }; }' "$INFLUX_URL"; }
cfg "$T/w1.cfg" w1 "$(q "$U1" "$U2" "$U3")" "$(writer)"
cfg "$T/w2.cfg" w2 "$(q "$U2" "$U3" "$U1")" "$(writer)"
cfg "$T/r1.cfg" r1 "$(q "$U2" "$U3" "$U1")" "$(reader)"
cfg "$T/r2.cfg" r2 "$(q "$U3" "$U2" "$U1")" "$(reader)"
cfg "$T/daemon.cfg" daemon "$(q "$U1" "$U2" "$U3")" "{ plugin = \"generator\"; name = \"daemon\"; publish = \"events\";
  $JS }; config = { rate = $RATE; count = $N; seed = 7; }; }"
influx_create_db events

for h in w1 w2 r1 r2; do start_evhost $h "$T/$h.cfg"; done
wait_running "$T/w1.cfg" 60
wait_running "$T/w2.cfg" 60
wait_running "$T/r2.cfg" 30
ok "R3 stream and shared durable consumer set up" grep -q 'consuming events' "$T/w2.log"
info=$(curl -s "http://127.0.0.1:$M1/jsz?streams=true&config=true")
is "$(printf '%s' "$info" | jq '[.account_details[]?.stream_detail[]? | select(.name == "EVENTS") | .config.num_replicas] | first')" 3 "stream EVENTS has 3 replicas"

# Queries all along: one every 200 ms, each on a fresh connection to any node.
URLS="$U1,$U2,$U3"
( trap - EXIT; while [ -d "$T" ] && [ ! -e "$T/stop-queries" ]; do
      r=$("$NATSCLI" req "$URLS" query '{"last_events_count":10,"min_criticality":5}' 3000 2>&1)
      if [ "$(printf '%s' "$r" | jq -r '.events | type' 2>/dev/null)" = array ]; then echo "ok $(date +%s%N)"; else echo "FAIL $(date +%s%N) $r"; fi
      sleep 0.2
  done >"$T/queries" ) &
QPID=$!

start_evhost daemon "$T/daemon.cfg"
wait_for 60 points_ge $((N / 4))
diag "at $(points) points: SIGKILL NATS node n1 (daemon's and w1's server) and writer w2"
kill -KILL "$PID1"
kill -KILL "$EVH_PID_w2"
t0=$(date +%s); t0ns=$(date +%s%N)
wait_evhost daemon 120
is "$?" 0 "daemon published all $N events (through the node failure) and exited 0"
wait_for 120 points_ge $N
t1ns=$(date +%s%N)
sleep 2
diag "recovered to $N points $(( $(date +%s) - t0 )) s after the kill"
: >"$T/stop-queries"
wait "$QPID"

is "$(points)" $N "exactly $N points stored"
is "$(distinct_points)" $N "no duplicates"
asked=$(wc -l <"$T/queries")
answered=$(grep -c '^ok ' "$T/queries")
before=$(awk -v t="$t0ns" '$2 < t' "$T/queries" | wc -l)
during=$(awk -v a="$t0ns" -v b="$t1ns" '$2 >= a && $2 <= b' "$T/queries" | wc -l)
diag "queries: $answered answered of $asked asked ($before before the kills, $during between the kills and full recovery)"
grep -v '^ok ' "$T/queries" | head -3 | sed 's/^/# /'
ok "queries asked before the kills ($before)" test "$before" -ge 1
ok "queries asked while the cluster recovered ($during)" test "$during" -ge 2
is "$answered" "$asked" "every query answered"
retries=$(grep -c 'publish to JetStream not confirmed' "$T/daemon.log")
diag "daemon publishes retried after the node loss: $retries log lines"
like "$(cat "$T/w1.log")" 'reconnected to NATS' "writer w1 moved to a surviving node"
for h in w1 r1 r2; do
    stop_evhost $h
    is "$?" 0 "$h stops cleanly"
done
done_testing
