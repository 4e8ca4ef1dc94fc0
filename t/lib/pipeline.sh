# The daemon -> writer pipeline for delivery and fault tests (sourced after
# servers.sh): JetStream as in etc/daemon.cfg and etc/writer.cfg, with a
# short retry cap so outages end in seconds, not in the shipped 30 s.
#
#   writer_inst [extra sink config]    gen_inst COUNT RATE
#   pipeline_cfgs COUNT RATE [extra]   -> $T/writer.cfg $T/daemon.cfg
#   stat CFG INSTANCE KEY              host or plugin counter, 0 if absent
#   points, points_ge N, distinct_points, report PUBLISHED

writer_inst() {
    printf '{ plugin = "influx-sink"; name = "writer"; subscribe = "events";
  jetstream = { stream = "EVENTS"; subjects = ["events"]; durable = "influx-sink";
                max_ack_pending = 20000; ack_wait_ms = 5000; };
  config = { url = "%s"; database = "events"; retry_initial_ms = 100;
             retry_max_ms = 1000; dead_letter = "events.dead"; %s }; }' \
        "$INFLUX_URL" "${1:-}"
}
gen_inst() {
    printf '{ plugin = "generator"; name = "daemon"; publish = "events";
  jetstream = { stream = "EVENTS"; subjects = ["events"]; };
  config = { rate = %d; count = %d; seed = 1; }; }' "$2" "$1"
}
pipeline_cfgs() {
    host_cfg "$T/writer.cfg" writer "$(writer_inst "${3:-}")"
    host_cfg "$T/daemon.cfg" daemon "$(gen_inst "$1" "$2")"
}
stat() {
    "$EVHOST" --stats -c "$1" 2>/dev/null |
        jq ".instances[] | select(.name==\"$2\") | (.$3 // .counters.$3 // 0)" 2>/dev/null || echo 0
}
points() { influx_count events event; }
points_ge() { [ "$(points)" -ge "$1" ]; }
distinct_points() { distinct_events events; }
# One line with every count a fault test saw (the writer must be running).
report() {
    diag "published=$1 stored=$(points) distinct=$(distinct_points)" \
        "written=$(stat "$T/writer.cfg" writer written) retries=$(stat "$T/writer.cfg" writer retries)" \
        "naks=$(stat "$T/writer.cfg" writer naks) dropped=$(stat "$T/writer.cfg" writer dropped)" \
        "invalid=$(stat "$T/writer.cfg" writer invalid) rejected=$(stat "$T/writer.cfg" writer rejected)"
}
