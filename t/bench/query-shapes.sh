#!/usr/bin/env bash
# Bench case 5b (issue 18): the new query shapes at the stored events of
# the database `core`, each p50/p99/max via NATS (nats-bench req), via
# HTTP (http-query, curl keep-alive) and raw (exactly the InfluxDB requests
# the reader sent for that shape -- recorded once through
# t/bench/capture-proxy.py by a second reader -- replayed by one keep-alive
# curl).  Sourced by
# t/bench/run after case 5 (the core database holds BENCH_N events then),
# or run alone -- `make bench-query BENCH_N=1000000` -- when it stores
# BENCH_N generator events itself first.
#   BENCH_Q   requests per shape (default 1000)
# Uses (from t/bench/run, or set up below): row, $NATS_URL, $INFLUX_URL, $T.
bench_query_shapes() {
    local Q=${BENCH_Q:-1000} port
    host_cfg "$T/hq.cfg" hq '{ plugin = "http-query"; name = "hq"; publish = "query";
  config = { listen = "127.0.0.1:0"; threads = 4; }; }'
    start_evhost hq "$T/hq.cfg"
    port=$(http_port "$T/hq.log")
    [ -n "$port" ] || { row "query shapes via HTTP" "-" "http-query did not listen (see $T/hq.log)"; }
    # A second reader whose InfluxDB is a recording proxy: what it sends
    # for a shape is what the raw column replays.
    python3 "$top_srcdir/t/bench/capture-proxy.py" "$T/cap.port" "$INFLUX_URL" "$T/cap.log" 2>"$T/cap.err" &
    track_pid $!
    wait_for 30 test -s "$T/cap.port"
    host_cfg "$T/capr.cfg" capr "{ plugin = \"influx-query\"; subscribe = \"query.capture\";
  config = { url = \"http://127.0.0.1:$(cat "$T/cap.port")\"; database = \"core\"; timeout_ms = 30000; probe_interval_ms = 600000; }; }"
    start_evhost capr "$T/capr.cfg"
    wait_running "$T/capr.cfg" 60
    # keep-alive curl over Q rounds of URLs -> "p50 p99 max" in ms (per
    # round: the sum of its statements)
    curl_lat() { # per urls-file
        local per=$1 i
        for i in $(seq "$Q"); do cat "$2"; done >"$T/qs.curl"
        curl -s -K "$T/qs.curl" -w '%{time_total}\n' |
            awk -v per="$per" '{ t += $1 } NR % per == 0 { printf "%.6f\n", t; t = 0 }' | sort -n |
            awk '{ v[NR] = $1 * 1000 } END { printf "%.2f %.2f %.2f", v[int(NR / 2) + 1], v[int(NR * 0.99)], v[NR] }'
    }
    shape() { # label request-json http-path
        local n50 n99 nmx nerr h50 h99 hmx r50 r99 rmx nst
        read -r n50 n99 nmx nerr < <("$NB" req "$NATS_URL" query "$2" "$Q")
        printf 'url = "http://127.0.0.1:%s%s"\noutput = /dev/null\n' "$port" "$3" >"$T/qs.http"
        # A refused request would time in microseconds: check one first.
        if curl -sf -o /dev/null "http://127.0.0.1:$port$3"; then
            read -r h50 h99 hmx < <(curl_lat 1 "$T/qs.http")
        else
            h50=refused h99=- hmx=-
        fi
        # raw: exactly the requests the reader sent InfluxDB for this shape
        # (captured once through the proxy, boundary and cursor reads
        # included), replayed Q times by one keep-alive curl.
        : >"$T/cap.log"
        "$NB" req "$NATS_URL" query.capture "$2" 1 >/dev/null
        grep -P '^[A-Z]+\t/query' "$T/cap.log" >"$T/cap.one"
        nst=$(wc -l <"$T/cap.one")
        [ "$nst" -gt 0 ] || { row "query shape: $1" "-" "the capture reader sent nothing for $2"; return; }
        awk -F'\t' -v base="$INFLUX_URL" '{ if (NR > 1) print "next"
            printf "url = \"%s%s\"\noutput = /dev/null\nwrite-out = \"%%{time_total}\\n\"\n", base, $2
            if ($1 == "POST") printf "data = \"%s\"\n", $3 }' "$T/cap.one" >"$T/qs.one"
        local i
        for i in $(seq "$Q"); do [ "$i" -gt 1 ] && echo next; cat "$T/qs.one"; done >"$T/qs.raw"
        read -r r50 r99 rmx < <(curl -s -K "$T/qs.raw" |
            awk -v per="$nst" '{ t += $1 } NR % per == 0 { printf "%.6f\n", t; t = 0 }' | sort -n |
            awk '{ v[NR] = $1 * 1000 } END { printf "%.2f %.2f %.2f", v[int(NR / 2) + 1], v[int(NR * 0.99)], v[NR] }')
        row "query shape: $1, p50/p99/max ms via NATS" "$n50/$n99/$nmx" "via HTTP $h50/$h99/$hmx; raw: the reader's own $nst InfluxDB requests by curl $r50/$r99/$rmx; NATS p50 over raw +$(awk -v a="$n50" -v b="$r50" 'BEGIN{printf "%.2f", a - b}') ms (target <= +1); errors $nerr"
        eval "qs_last=$n50"
    }
    local c1
    c1=$("$top_builddir/t/tools/evh-nats" req "$NATS_URL" query '{"last_events_count":10,"min_criticality":5,"since":"1d"}' 5000 | jq -r '.next // empty')
    shape "since 10m, min 5, 10 events" '{"last_events_count":10,"min_criticality":5,"since":"10m"}' '/events?min_criticality=5&since=10m&limit=10'
    shape "criticality_in [3,7], max 7" '{"last_events_count":10,"criticality_in":[3,7],"max_criticality":7}' '/events?criticality_in=3,7&max_criticality=7&limit=10'
    shape "contains ssh2, since 1h" '{"last_events_count":10,"contains":"ssh2","since":"1h"}' '/events?contains=ssh2&since=1h&limit=10'
    shape "contains (rare) rootkit, min 8, since 1h" '{"last_events_count":10,"contains":"rootkit","min_criticality":8,"since":"1h"}' '/events?contains=rootkit&min_criticality=8&since=1h&limit=10'
    shape "key acct-1 (none stored)" '{"last_events_count":10,"key":"acct-1"}' '/events?key=acct-1&limit=10'
    [ -n "$c1" ] || row "query shape: next page (before)" "-" "no next cursor in the first page"
    [ -n "$c1" ] && shape "next page (before)" "{\"last_events_count\":10,\"min_criticality\":5,\"since\":\"1d\",\"before\":\"$c1\"}" "/events?min_criticality=5&since=1d&limit=10&before=$c1"
    shape "counts by criticality" '{"count_by":"criticality"}' '/events/counts?count_by=criticality'
    shape "counts every 1m since 1h" '{"count_by":{"every":"1m"},"since":"1h"}' '/events/counts?every=1m&since=1h'
    shape "counts by criticality every 1m since 1h" '{"count_by":["criticality",{"every":"1m"}],"since":"1h"}' '/events/counts?count_by=criticality&every=1m&since=1h'
    shape "a range that holds nothing (1999)" '{"last_events_count":10,"since":"1999-01-01T00:00:00Z","until":"1999-01-02T00:00:00Z"}' '/events?since=1999-01-01T00:00:00Z&until=1999-01-02T00:00:00Z&limit=10'
    row "query shape: empty range p50 (target < 5 ms, no full scan)" "$qs_last ms" "$(awk -v a="$qs_last" 'BEGIN{print (a < 5) ? "met" : "NOT met"}')"
    stop_evhost hq
    stop_evhost capr
}

# Run alone: servers, BENCH_N generator events through a core-NATS sink
# into `core`, a reader, then the shapes.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    . "$top_srcdir/t/lib/servers.sh"
    N=${BENCH_N:-1000000}
    NB="$top_builddir/t/bench/nats-bench"
    row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
    start_nats
    start_influx
    host_cfg "$T/sinkc.cfg" sinkc "{ plugin = \"influx-sink\"; subscribe = \"bench.core\";
  pending_msgs = 4000000; pending_bytes = 2000000000L;
  config = { url = \"$INFLUX_URL\"; database = \"core\"; max_pending = 2000000; }; },
{ plugin = \"influx-query\"; subscribe = \"query\";
  config = { url = \"$INFLUX_URL\"; database = \"core\"; }; }"
    "$EVHOST" -c "$T/sinkc.cfg" 2>"$T/sinkc.log" &
    track_pid $!
    wait_running "$T/sinkc.cfg" 60
    host_cfg "$T/genc.cfg" genc "{ plugin = \"generator\"; publish = \"bench.core\"; config = { rate = 0; count = $N; seed = 13; }; }"
    "$EVHOST" -c "$T/genc.cfg" 2>"$T/genc.log"
    stored() { [ "$(influx_count core event)" -ge "$N" ]; }
    wait_for 600 stored
    echo "query shapes: $(influx_count core event) stored events, Q=${BENCH_Q:-1000}" >&2
    echo "| case | figure | notes |"
    echo "|---|---|---|"
    bench_query_shapes
fi
