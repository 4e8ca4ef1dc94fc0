#!/bin/bash
# The pg-sink host SIGKILLed mid-stream (batches committed but not yet
# acked are redelivered) and started again: exactly N rows, none doubled --
# the redelivered ones conflict with their first rows and add none.  The
# table is partitioned by month (partition = "month").
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip_all "postgresql 15 not installed"
start_nats
start_pg
N=20000
host_cfg "$T/writer.cfg" writer "{ plugin = \"pg-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"pg-sink\";
                max_ack_pending = 20000; ack_wait_ms = 5000; };
  config = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\";
             batch_size = 2000; flush_interval_ms = 50; partition = \"month\"; }; }"
host_cfg "$T/daemon.cfg" daemon "{ plugin = \"generator\"; name = \"daemon\"; publish = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; };
  config = { rate = 2000; count = $N; seed = 1; }; }"
stat() { "$EVHOST" --stats -c "$T/writer.cfg" 2>/dev/null | jq ".instances[0].counters.$1 // 0"; }
rows() { pg_q "SELECT count(*) FROM events"; }
rows_ge() { [ "$(rows)" -ge "$1" ]; }
start_evhost writer "$T/writer.cfg"
wait_running "$T/writer.cfg" 60
is "$?" 0 "writer running"
start_evhost daemon "$T/daemon.cfg"
wait_for 60 rows_ge 3000
kill -KILL "$EVH_PID_writer"
wait "$EVH_PID_writer" 2>/dev/null
EVH_PID_writer=
diag "writer SIGKILLed with $(rows) rows stored"
start_evhost writer2 "$T/writer.cfg"
wait_evhost daemon 90
is "$?" 0 "daemon published all $N events and exited 0"
wait_for 90 rows_ge $N
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&consumers=true")
acked() { info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&consumers=true"); [ "$(json_num "$info" num_ack_pending)" = 0 ] && [ "$(json_num "$info" num_pending)" = 0 ]; }
wait_for 60 acked
is "$(rows)" $N "exactly $N rows after the writer was SIGKILLed and restarted"
is "$(pg_q "SELECT count(DISTINCT seq) FROM events")" $N "no duplicates"
is "$(pg_q "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass")" 3 \
    "partitioned: this month's partition and two ahead"
is "$(pg_q "SELECT count(*) FROM ONLY events")" 0 "  the rows are in the partitions"
is "$(json_num "$info" num_ack_pending)" 0 "nothing left unacknowledged"
is "$(json_num "$info" num_pending)" 0 "nothing left pending"
diag "second writer: written=$(stat written) inserted=$(stat inserted) duplicates=$(stat duplicates)"
stop_evhost writer2
is "$?" 0 "restarted writer stops cleanly"
done_testing
