#!/bin/bash
# InfluxDB with authentication on: the writer logs in with user and
# password_file and stores exactly N; with a wrong password it stores
# nothing, says "not authorised" without ever logging the password, keeps
# the events in the stream, and after a SIGHUP with the right password
# file stores exactly N, no duplicates.  The reader answers with its own
# credentials and refuses to answer without them.
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
start_evhost writer "$T/writer.cfg"
wait_for 30 grep -q 'consuming events' "$T/writer.log"
"$EVHOST" -c "$T/daemon.cfg" 2>"$T/daemon.log"
is "$?" 0 "daemon published $N events"
wait_for 30 grep -q 'InfluxDB write failed' "$T/writer.log"
sleep 1
is "$(apoints)" 0 "wrong password: nothing stored"
like "$(cat "$T/writer.log")" 'InfluxDB write failed \(not authorised' "wrong password: the error says not authorised"
unlike "$(cat "$T/writer.log" "$T/daemon.log")" "$BAD_PW|$W_PW|$ADMIN_PW" "no password in any log"
info=$(curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&streams=true")
is "$(json_num "$info" messages)" $N "the events wait in the stream"

printf '%s\n' "$W_PW" >"$T/pw"
# The config text is unchanged (the password is in the file): change a key
# so the reload restarts the writer and it reads the file again.
sed -i 's|retry_max_ms = 1000;|retry_max_ms = 999;|' "$T/writer.cfg"
kill -HUP "$EVH_PID_writer"
wait_for 60 apoints_ge $N
sleep 1
is "$(apoints)" $N "right password after SIGHUP: exactly $N points"
is "$(aq 'SELECT COUNT(DISTINCT("timestamp")) FROM "event"' events | jq '.results[0].series[0].values[0][1] // 0')" $N "no duplicates"
unlike "$(cat "$T/writer.log")" "$BAD_PW|$W_PW|$ADMIN_PW" "still no password in the log"

# The reader: its own credentials; none -> an error reply, not silence.
host_cfg "$T/r.cfg" r "{ plugin = \"influx-query\"; name = \"reader\"; subscribe = \"query\";
  config = { url = \"$INFLUX_URL\"; database = \"events\"; user = \"writer\"; password_file = \"$T/pw\"; }; }"
host_cfg "$T/r2.cfg" r2 "{ plugin = \"influx-query\"; name = \"anon\"; subscribe = \"query.anon\";
  config = { url = \"$INFLUX_URL\"; database = \"events\"; }; }"
start_evhost r "$T/r.cfg"
start_evhost r2 "$T/r2.cfg"
wait_for 30 grep -q 'running 1 plugin' "$T/r.log"
wait_for 30 grep -q 'running 1 plugin' "$T/r2.log"
is "$("$NATSCLI" req "$NATS_URL" query '{"last_events_count":10,"min_criticality":5}' 5000 | jq '.events | length')" 10 "reader with credentials answers"
r=$("$NATSCLI" req "$NATS_URL" query.anon '{"last_events_count":10,"min_criticality":5}' 5000)
is "$(printf '%s' "$r" | jq -r '.error.code')" unavailable "reader without credentials: an error reply (unavailable)"
like "$(printf '%s' "$r" | jq -r '.error.message')" '401' "...saying InfluxDB answered 401"
unlike "$(cat "$T/r.log" "$T/r2.log")" "$W_PW" "no password in the reader's log"
for h in writer r r2; do stop_evhost $h; is "$?" 0 "$h stops cleanly"; done
done_testing
