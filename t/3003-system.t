#!/bin/bash
# The whole system from the shipped configs: every etc/*.cfg passes
# evhost -t; then daemon, writer, reader and client run as four processes
# (only the server addresses and the rate changed) and the client prints
# the newest stored events above MIN_CRITICALITY; then all four services in
# one process (all-in-one.cfg).  Every published event is stored.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
ETC="$top_srcdir/etc"

for f in "$ETC"/*.cfg; do
    out=$(MIN_CRITICALITY=5 "$EVHOST" -t -c "$f" 2>&1); rc=$?
    is "$rc" 0 "$(basename "$f") passes evhost -t"
    [ "$rc" = 0 ] || diag "$out"
done

start_nats
start_influx
# local CFG [sed expressions...]: the shipped file with our servers
local_cfg() {
    local name=$1
    shift
    sed -e "s|nats://127.0.0.1:4222|$NATS_URL|; s|http://127.0.0.1:8086|$INFLUX_URL|" "$@" \
        "$ETC/$name.cfg" >"$T/$name.cfg"
}
N=400
local_cfg daemon -e "s|rate = 5; .*|rate = 200; count = $N;|"
local_cfg writer
local_cfg reader
local_cfg client -e 's|interval_ms = 10000;|interval_ms = 300;|'
grep -q "count = $N" "$T/daemon.cfg" && grep -q 'interval_ms = 300' "$T/client.cfg"
is "$?" 0 "configs derived from etc/ with only addresses, rate and interval changed"

start_evhost writer "$T/writer.cfg"
start_evhost reader "$T/reader.cfg"
MIN_CRITICALITY=5 start_evhost client "$T/client.cfg"
"$EVHOST" -c "$T/daemon.cfg" 2>"$T/daemon.log"
is "$?" 0 "daemon published $N events and exited 0"
points_ge() { [ "$(influx_count events event)" -ge "$1" ]; }
wait_for 30 points_ge $N
is "$(influx_count events event)" $N "writer stored exactly $N events"

# The client's latest table must show the 10 newest stored events > 5.
want=$(curl -sS -XPOST "$INFLUX_URL/query" --data-urlencode db=events \
    --data-urlencode 'q=SELECT "criticality","eventMessage" FROM "event" WHERE "criticality" > 5 ORDER BY time DESC LIMIT 10' |
    jq -r '.results[0].series[0].values[] | "\(.[1])  \(.[2])"')
last_table() { awk '/^== /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$T/client.log"; }
table_rows() { last_table | grep -E '^ [* ] [0-9]{4}-' | sed -E 's/^ [* ] [0-9-]+ [0-9:.]+ +//'; }
table_matches() { [ "$(table_rows)" = "$want" ]; }
wait_for 30 table_matches
last=$(last_table)
got=$(table_rows)
is "$got" "$want" "the client's last table: the 10 newest events above 5, newest first"
like "$last" 'last 10 events with criticality > 5: 10 shown' "the client's header says what it shows"
for s in client reader writer; do
    stop_evhost $s
    is "$?" 0 "$s stops cleanly (exit 0)"
done
unlike "$(cat "$T/writer.log")" 'level=error' "writer logged no error"

# All four in one process.
influx_q "" 'DROP DATABASE "events"' >/dev/null
local_cfg all-in-one -e "s|rate = 5;|rate = 200; count = $N;|" -e 's|interval_ms = 10000;|interval_ms = 300;|'
sed -i 's|stream = "EVENTS"|stream = "EVENTS2"|; s|subjects = \["events", "events.dead"\]|subjects = ["events2", "events2.dead"]|; s|publish = "events";|publish = "events2";|; s|subscribe = "events";|subscribe = "events2";|' "$T/all-in-one.cfg"
MIN_CRITICALITY=8 start_evhost all "$T/all-in-one.cfg"
wait_for 30 points_ge $N
sleep 0.5
is "$(influx_count events event)" $N "all-in-one: exactly $N events stored"
wait_for 30 grep -q 'criticality > 8' "$T/all.log"
like "$(cat "$T/all.log")" 'last 10 events with criticality > 8' "all-in-one: the client prints its table"
stop_evhost all
is "$?" 0 "all-in-one stops cleanly"
done_testing
