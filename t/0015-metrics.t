#!/bin/bash
# Prometheus metrics for real: two evhost hosts (a JetStream publisher and
# a durable consumer that naks every 10th message once) serve /metrics on
# host.metrics_listen; Debian's prometheus scrapes both, and its HTTP API
# returns exactly the counts the test caused.  promtool checks the format;
# every query of docs/grafana-evhost.json returns data.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
grep -q '^#define HAVE_MHD 1' "$top_builddir/config.h" ||
    skip_all "built --disable-http-ingest: no libmicrohttpd, no /metrics"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
    skip_all "prometheus is not installed (apt-get install prometheus)"
start_nats

# --- bad addresses: evhost -t says which key and why ------------------------
for bad in 'localhost:9464' '127.0.0.1' '127.0.0.1:99999' '[::1:9464'; do
    HOST_EXTRA="metrics_listen = \"$bad\";" host_cfg "$T/bad.cfg" bad "{ plugin = \"testplug\"; }"
    out=$("$EVHOST" -t -c "$T/bad.cfg" 2>&1)
    rc=$?
    is "$rc" 1 "metrics_listen = \"$bad\": evhost -t exits 1"
    like "$out" "bad.cfg:1: host.metrics_listen: .*$(printf '%s' "$bad" | sed 's/[][.]/\\&/g')" "...naming file:line, the key and the value"
done

N=1000
P1=$(free_port) P2=$(free_port)
HOST_EXTRA="metrics_listen = \"127.0.0.1:$P1\";" host_cfg "$T/pub.cfg" pub \
    "{ plugin = \"testplug\"; name = \"gen\"; publish = \"mt\"; jetstream = { stream = \"MT\"; }; config = { publish_n = $N; done_after_publish = false; }; }"
HOST_EXTRA="metrics_listen = \"127.0.0.1:$P2\";" host_cfg "$T/sink.cfg" sink \
    "{ plugin = \"testplug\"; name = \"store\"; subscribe = \"mt\"; jetstream = { stream = \"MT\"; durable = \"mt\"; }; config = { out = \"$T/sink.out\"; fail_every = 10; }; }"
start_evhost pub "$T/pub.cfg"
wait_running "$T/pub.cfg" 30
start_evhost sink "$T/sink.cfg"
wait_for 60 has_uniq_lines "$T/sink.out" $N
is "$(uniq_lines "$T/sink.out")" $N "the sink got all $N events"

# The port in use: a clear error, exit 2.
HOST_EXTRA="metrics_listen = \"127.0.0.1:$P1\";" host_cfg "$T/dup.cfg" dup "{ plugin = \"testplug\"; subscribe = \"x\"; }"
"$EVHOST" -c "$T/dup.cfg" 2>"$T/dup.log"
is "$?" 2 "metrics_listen on a port in use: exit 2"
like "$(cat "$T/dup.log")" "cannot listen on 127.0.0.1:$P1 for /metrics: .*in use" "...saying so"

M1=$(curl -sS "http://127.0.0.1:$P1/metrics")
M2=$(curl -sS "http://127.0.0.1:$P2/metrics")
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/")" 404 "GET / is 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "http://127.0.0.1:$P2/metrics")" 405 "POST /metrics is 405"
like "$(curl -sS -o /dev/null -w '%{content_type}' "http://127.0.0.1:$P2/metrics")" '^text/plain; version=0.0.4' "content type of the text format 0.0.4"
printf '%s\n' "$M1" >"$T/m1.txt"
printf '%s\n' "$M2" >"$T/m2.txt"
out=$(promtool check metrics <"$T/m1.txt" 2>&1)
is "$?:$out" "0:" "promtool check metrics: the publisher's page, no problem"
out=$(promtool check metrics <"$T/m2.txt" 2>&1)
is "$?:$out" "0:" "promtool check metrics: the consumer's page, no problem"
like "$M1" $'\nevhost_messages_out_total\\{instance="gen",plugin="testplug"\\} '"$N"$'\n' "publisher: evhost_messages_out_total $N"
like "$M2" $'\nevhost_jetstream_acks_total\\{instance="store",plugin="testplug"\\} '"$N"$'\n' "consumer: $N acks"
like "$M2" $'\nevhost_jetstream_naks_total\\{instance="store",plugin="testplug"\\} '"$((N / 10))"$'\n' "consumer: $((N / 10)) naks"
like "$M2" $'\nevhost_jetstream_redeliveries_total\\{instance="store",plugin="testplug"\\} '"$((N / 10))"$'\n' "consumer: $((N / 10)) redeliveries"
like "$M2" $'\nevhost_jetstream_pending_messages\\{instance="store",plugin="testplug"\\} 0\n' "consumer: 0 pending"
like "$M2" $'\nevhost_messages_in_total\\{instance="store",plugin="testplug"\\} '"$((N + N / 10))"$'\n' "consumer: $((N + N / 10)) in (with the redeliveries)"
like "$M2" $'\nevhost_plugin_counts_total\\{instance="store",plugin="testplug",counter="seen"\\} '"$N"'($|\n)' "consumer: the plugin's own counter (seen: $N, the naked deliveries not counted)"
like "$M2" $'\nevhost_nats_connected 1\n' "NATS connected"
like "$M2" 'evhost_build_info\{version="[0-9.]+",abi="[0-9]+\.[0-9]+",natsc="[^"]+",host="sink"\} 1' "build info"

# --- Prometheus scrapes both hosts -----------------------------------------
PP=$(free_port)
mkdir -p "$T/prom"
cat >"$T/prom/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: evhost
    static_configs:
      - targets: ["127.0.0.1:$P1", "127.0.0.1:$P2"]
EOC
promtool check config "$T/prom/prometheus.yml" >"$T/promtool.log" 2>&1
is "$?" 0 "promtool check config: the scrape config"
prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
    --web.listen-address="127.0.0.1:$PP" >"$T/prometheus.log" 2>&1 &
PROM_PID=$!
track_pid "$PROM_PID"
_wait_listen "$PROM_PID" "$PP" 60 || { _tail_log "$T/prometheus.log"; echo "Bail out! prometheus did not start"; exit 1; }
pq() { # PromQL -> the single value of an instant vector, or empty
    curl -sS -G "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
        jq -r 'if .status == "success" and (.data.result | length) == 1 then .data.result[0].value[1] else empty end'
}
pq_is() { [ "$(pq "$1")" = "$2" ]; }
wait_for 60 pq_is 'count(up{job="evhost"} == 1)' 2
is "$(pq 'count(up{job="evhost"} == 1)')" 2 "prometheus scrapes both evhost hosts"
wait_for 30 pq_is 'sum(evhost_jetstream_acks_total)' $N
is "$(pq 'sum(evhost_jetstream_acks_total)')" $N "stored in prometheus: $N acks, the number of events published"
is "$(pq 'evhost_messages_out_total{exported_instance="gen",instance="127.0.0.1:'$P1'"}')" $N \
    "stored: the publisher's $N (our instance label is exported_instance; instance is the target)"
is "$(pq 'evhost_jetstream_redeliveries_total{exported_instance="store",plugin="testplug"}')" $((N / 10)) "stored: $((N / 10)) redeliveries"
is "$(pq 'count(evhost_build_info)')" 2 "build info from both hosts"

# The example Grafana dashboard's queries run on this Prometheus and find data.
dash="$top_srcdir/docs/grafana-evhost.json"
has_series() { # PromQL -> at least one series, and a successful query
    curl -sS -G "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
        jq -e '.status == "success" and (.data.result | length) > 0' >/dev/null
}
n=0 bad=
while IFS= read -r q; do
    q=${q//\$job/evhost}
    n=$((n + 1))
    wait_for 30 has_series "$q" || bad="$bad [$q]"
done < <(jq -r '.panels[].targets[].expr' "$dash")
ok "the dashboard's $n queries all return series${bad:+; not:$bad}" test "$n" -ge 5 -a -z "$bad"

stop_evhost sink
is "$?" 0 "consumer stops cleanly with a listener"
stop_evhost pub
is "$?" 0 "publisher stops cleanly with a listener"
done_testing
