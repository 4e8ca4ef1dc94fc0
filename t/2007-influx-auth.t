#!/bin/bash
# InfluxDB with authentication on.  A wrong password is a clear start-up
# error (exit 1) and the events wait in the stream; the right one stores
# exactly N.  Credentials revoked while running: writes refused, nothing
# lost, a SIGHUP with the new password file stores the rest, no duplicates.
# No password ever appears in a log.  The reader logs in the same way and
# refuses to start without credentials.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
NATSCLI="$top_builddir/t/tools/evh-nats"
start_nats
INFLUX_AUTH=true start_influx
ADMIN_PW="adm-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
W_PW="wr-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BAD_PW="bad-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
aq() { curl -sS -XPOST -u "admin:$ADMIN_PW" "$INFLUX_URL/query" --data-urlencode "db=${2:-}" --data-urlencode "q=$1"; }
# The first user of an auth-enabled InfluxDB 1.x may be created unauthenticated.
curl -sS -XPOST "$INFLUX_URL/query" --data-urlencode "q=CREATE USER admin WITH PASSWORD '$ADMIN_PW' WITH ALL PRIVILEGES" >/dev/null
aq 'CREATE DATABASE "events"' >/dev/null
aq "CREATE USER writer WITH PASSWORD '$W_PW'" >/dev/null
aq 'GRANT ALL ON "events" TO writer' >/dev/null
like "$(curl -s -XPOST "$INFLUX_URL/query" --data-urlencode 'q=SHOW DATABASES')" 'unable to parse authentication credentials|authorization failed' "InfluxDB refuses anonymous queries"
apoints() { aq 'SELECT COUNT("criticality") FROM "event"' events | jq '.results[0].series[0].values[0][1] // 0'; }
apoints_ge() { [ "$(apoints)" -ge "$1" ]; }

N=2000
printf '%s\n' "$BAD_PW" >"$T/pw"
chmod 600 "$T/pw"
pipeline_cfgs $N 2000 "user = \"writer\"; password_file = \"$T/pw\"; create_database = false;"
"$EVHOST" -c "$T/daemon.cfg" 2>"$T/daemon.log"
is "$?" 0 "daemon published $N events (no writer yet: they wait in the stream)"

# A wrong password is a start-up error, stated once, password never shown.
start_evhost writer "$T/writer.cfg"
wait_evhost writer 30
is "$?" 1 "wrong password: the writer refuses to start (exit 1)"
like "$(cat "$T/writer.log")" 'InfluxDB refuses our credentials \(InfluxDB answered 401: authorization failed\)' "...saying InfluxDB refused the credentials"
unlike "$(cat "$T/writer.log" "$T/daemon.log")" "$BAD_PW|$W_PW|$ADMIN_PW" "no password in any log"
is "$(apoints)" 0 "nothing stored"
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&streams=true")
is "$(json_num "$info" messages)" $N "the events wait in the stream"

printf '%s\n' "$W_PW" >"$T/pw"
: >"$T/writer.log"
start_evhost writer "$T/writer.cfg"
wait_for 60 apoints_ge $N
sleep 1
is "$(apoints)" $N "right password: exactly $N points"

# Credentials revoked while running: writes fail, nothing is lost, and a
# SIGHUP with the new password stores the rest.
NEW_PW="new-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
aq "SET PASSWORD FOR writer = '$NEW_PW'" >/dev/null
gen_inst 500 1000 | sed 's/seed = 1;/seed = 2;/' >"$T/g2.inst"
host_cfg "$T/daemon2.cfg" daemon2 "$(cat "$T/g2.inst")"
"$EVHOST" -c "$T/daemon2.cfg" 2>>"$T/daemon.log"
wait_for 30 grep -q 'InfluxDB write failed (not authorised' "$T/writer.log"
like "$(cat "$T/writer.log")" 'InfluxDB write failed \(not authorised: authorization failed\)' "password changed under it: writes refused with the reason"
is "$(grep -c 'InfluxDB write failed (not authorised' "$T/writer.log")" 1 "...said once, not once per retry"
is "$(apoints)" $N "nothing more stored meanwhile"
printf '%s\n' "$NEW_PW" >"$T/pw"
# The config text is unchanged (the password is in the file): change a key
# so the reload restarts the writer and it reads the file again.
sed -i 's|retry_max_ms = 1000;|retry_max_ms = 999;|' "$T/writer.cfg"
kill -HUP "$EVH_PID_writer"
wait_for 60 apoints_ge $((N + 500))
sleep 1
is "$(apoints)" $((N + 500)) "new password after SIGHUP: exactly $((N + 500)) points"
is "$(aq 'SELECT "criticality","eventMessage","sub_ns" FROM "event"' events |
      jq -c -L "$top_srcdir/t/lib" 'include "points"; stored_events' | sort -u | wc -l)" $((N + 500)) "no duplicates: $((N + 500)) distinct events"
unlike "$(cat "$T/writer.log")" "$BAD_PW|$W_PW|$NEW_PW|$ADMIN_PW" "still no password in the log"

# The reader: its own credentials; without any, refused at start.
host_cfg "$T/r.cfg" r "{ plugin = \"influx-query\"; name = \"reader\"; subscribe = \"query\";
  config = { url = \"$INFLUX_URL\"; database = \"events\"; user = \"writer\"; password_file = \"$T/pw\"; }; }"
host_cfg "$T/r2.cfg" r2 "{ plugin = \"influx-query\"; name = \"anon\"; subscribe = \"query.anon\";
  config = { url = \"$INFLUX_URL\"; database = \"events\"; }; }"
start_evhost r "$T/r.cfg"
wait_running "$T/r.cfg" 30
is "$("$NATSCLI" req "$NATS_URL" query '{"last_events_count":10,"min_criticality":5}' 5000 | jq '.events | length')" 10 "reader with credentials answers"
start_evhost r2 "$T/r2.cfg"
wait_evhost r2 30
is "$?" 1 "reader without credentials: refuses to start (exit 1)"
like "$(cat "$T/r2.log")" 'InfluxDB refuses our credentials \(InfluxDB answered 401' "...with a clear reason"
unlike "$(cat "$T/r.log" "$T/r2.log")" "$NEW_PW" "no password in the reader's log"
for h in writer r; do stop_evhost $h; is "$?" 0 "$h stops cleanly"; done
done_testing
