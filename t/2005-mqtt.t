#!/bin/bash
# MQTT devices: nats-server's MQTT listener (JetStream on, a server_name)
# turns MQTT publishes on topic `events` into NATS messages on subject
# `events`; the unchanged writer stores exactly those in InfluxDB.  Bad
# input from a device is refused like any other (counted, dead-lettered,
# nothing stored).  See docs/mqtt.md.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v mosquitto_pub >/dev/null || skip_all "mosquitto_pub (mosquitto-clients) not installed"
N=500

# nats-server with the MQTT listener, as in docs/mqtt.md.
NATS_PORT=$(free_port) NATS_MON_PORT=$(free_port) MQTT_PORT=$(free_port)
NATS_URL="nats://127.0.0.1:$NATS_PORT"
cat >"$T/nats.conf" <<EOC
server_name: evh_mqtt_$NATS_PORT
listen: 127.0.0.1:$NATS_PORT
http: 127.0.0.1:$NATS_MON_PORT
jetstream { store_dir: "$T/nats-store" }
mqtt { listen: 127.0.0.1:$MQTT_PORT }
EOC
nats-server -c "$T/nats.conf" >"$T/nats.log" 2>&1 &
track_pid $!
_wait_listen $! "$MQTT_PORT" 15 || { _tail_log "$T/nats.log"; echo "Bail out! nats-server with MQTT did not start"; exit 1; }
start_influx

host_cfg "$T/writer.cfg" writer "$(writer_inst)"
start_evhost writer "$T/writer.cfg"
wait_running "$T/writer.cfg" 30

for i in $(seq 1 $N); do
    printf '{"criticality":%d,"timestamp":"2024-07-01T12:%02d:%02d.%06dZ","eventMessage":"device %d: door %d opened"}\n' \
        $((i % 11)) $((i / 60 % 60)) $((i % 60)) "$i" $((i % 7)) "$i"
done >"$T/in.jsonl"
# -l: one MQTT message per line; QoS 1: the broker acknowledges each.
mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -i evh-device-1 -q 1 -t events -l <"$T/in.jsonl"
is "$?" 0 "a device published $N events over MQTT (QoS 1)"
wait_for 60 points_ge $N
sleep 1
is "$(points)" $N "exactly $N points stored"
stored_events events >"$T/got"
norm_events <"$T/in.jsonl" >"$T/want"
ok "every stored point equals what the device sent" cmp -s "$T/want" "$T/got"

# A device sending garbage: refused, counted, dead-lettered, nothing stored.
mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -i evh-device-2 -q 1 -t events -m '{"criticality":"high","eventMessage":"x"}'
mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -i evh-device-2 -q 0 -t events -m 'not json'
wait_for 30 bash -c "[ \"\$(\"$EVHOST\" --stats -c '$T/writer.cfg' | jq '.instances[0].counters.invalid // 0')\" -ge 2 ]"
is "$(stat "$T/writer.cfg" writer invalid)" 2 "2 malformed MQTT messages refused"
like "$(cat "$T/writer.log")" 'refused an event on events' "refusals logged with the subject"
is "$(points)" $N "still exactly $N points"
# A topic outside the mapping (`events/x` becomes subject `events.x`) is not
# the writer's.
mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -i evh-device-3 -q 1 -t events/x -m "$(head -1 "$T/in.jsonl")"
sleep 1
is "$(stat "$T/writer.cfg" writer written)" $N "a message on events/x (subject events.x) is not consumed"
stop_evhost writer
is "$?" 0 "writer stops cleanly"
done_testing
