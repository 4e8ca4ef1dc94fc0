#!/bin/bash
# PostgreSQL stopped for 15 s in the middle of a stream and started again:
# pg-sink holds the batches, retries with backoff on a new connection, and
# every event is stored exactly once; nothing is left unacknowledged.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip_all "postgresql 15 not installed"
start_nats
start_pg
N=6000
host_cfg "$T/writer.cfg" writer "{ plugin = \"pg-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"pg-sink\";
                max_ack_pending = 20000; ack_wait_ms = 5000; };
  config = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\";
             batch_size = 500; flush_interval_ms = 50; retry_initial_ms = 100;
             retry_max_ms = 1000; connect_timeout_ms = 1000; }; }"
host_cfg "$T/daemon.cfg" daemon "{ plugin = \"generator\"; name = \"daemon\"; publish = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; };
  config = { rate = 200; count = $N; seed = 1; }; }"
host_cfg "$T/reader.cfg" reader "{ plugin = \"pg-query\"; name = \"reader\"; subscribe = \"query\";
  config = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\"; timeout_ms = 2000; }; }"
ask() { "$top_builddir/t/tools/evh-nats" req "$NATS_URL" query '{"last_events_count":3,"min_criticality":-100}' 5000; }
stat() { "$EVHOST" --stats -c "$T/writer.cfg" 2>/dev/null | jq ".instances[0].counters.$1 // 0"; }
rows() { pg_q "SELECT count(*) FROM events" 2>/dev/null || echo 0; }
rows_ge() { [ "$(rows)" -ge "$1" ]; }
start_evhost writer "$T/writer.cfg"
wait_running "$T/writer.cfg" 60
is "$?" 0 "writer running"
start_evhost reader "$T/reader.cfg"
wait_running "$T/reader.cfg" 60
start_evhost daemon "$T/daemon.cfg"
wait_for 60 rows_ge 1000
is "$(ask | jq '.events | length')" 3 "the reader answers"
stop_pg
diag "PostgreSQL stopped with $(stat written) rows written"
sleep 15
retries=$(stat retries)
ok "the writer retried while PostgreSQL was down ($retries retries)" [ "$retries" -gt 0 ]
is "$(ask | jq -r .error.code)" unavailable "PostgreSQL down: the reader answers unavailable"
restart_pg
is "$?" 0 "PostgreSQL started again on its port"
answers() { [ "$(ask | jq '.events | length')" = 3 ]; }
wait_for 30 answers
is "$?" 0 "the reader answers again on a new connection"
wait_evhost daemon 90
is "$?" 0 "daemon published all $N events and exited 0"
wait_for 90 rows_ge $N
sleep 1
is "$(rows)" $N "exactly $N rows after a 15 s outage"
is "$(pg_q "SELECT count(DISTINCT seq) FROM events")" $N "each stream position once"
is "$(stat inserted)" $N "inserted counts $N new rows"
diag "written (acknowledged, redeliveries included)=$(stat written) duplicates=$(stat duplicates) retries=$(stat retries)"
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&consumers=true")
is "$(json_num "$info" num_ack_pending)" 0 "nothing left unacknowledged"
is "$(json_num "$info" num_pending)" 0 "nothing left pending"
grep -q "$(head -1 "$PG_PASSWORD_FILE")" "$T/writer.log"
is "$?" 1 "the password is never in the log"
stop_evhost writer
is "$?" 0 "writer stops cleanly"
stop_evhost reader
is "$?" 0 "reader stops cleanly"
done_testing
