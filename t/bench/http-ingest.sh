# Bench case 8 (sourced by t/bench/run, or run alone with
# `t/bench/http-ingest.sh` from make bench's environment): http-ingest
# under wrk on loopback, JetStream-confirmed (202 only once stored).
#   BENCH_HTTP_S   seconds per wrk run (default 10)
# Uses: row, mib, $EVHOST, $NATS_URL, $T (from t/bench/run).
bench_http_ingest() {
    if ! command -v wrk >/dev/null; then
        row "http-ingest under wrk" "-" "skipped: wrk not installed (apt-get install wrk)"
        return 0
    fi
    local secs=${BENCH_HTTP_S:-10} port pid single batch
    host_cfg "$T/ingest.cfg" ingest '{ plugin = "http-ingest"; name = "ingest"; publish = "ingest";
  jetstream = { stream = "INGEST"; subjects = ["ingest"]; };
  config = { listen = "127.0.0.1:0"; threads = 2; }; }'
    "$EVHOST" -c "$T/ingest.cfg" 2>"$T/ingest.log" &
    pid=$!
    track_pid $pid
    port=$(http_port "$T/ingest.log")
    sleep 0.5
    local idle; idle=$(mib $pid VmRSS)
    single='{"criticality":7,"timestamp":"2026-11-23T10:00:00.123456Z","eventMessage":"Failed password for root from 10.0.0.1 port 22 ssh2"}'
    batch=$(for i in $(seq 100); do printf '%s\\n' "$single"; done)
    # wrk_run LUA-BODY CONNECTIONS -> "req/s p99"
    wrk_run() {
        printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "application/x-ndjson"\n' \
            "$(printf '%s' "$1" | sed 's/"/\\"/g')" >"$T/wrk.lua"
        wrk -t2 -c"$2" -d"${secs}s" --latency -s "$T/wrk.lua" "http://127.0.0.1:$port/events" >"$T/wrk.out" 2>&1
        local rps p99 non2xx
        rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$T/wrk.out")
        p99=$(awk '$1 == "99%" {print $2}' "$T/wrk.out")
        non2xx=$(awk '/Non-2xx/ {print $NF}' "$T/wrk.out")
        echo "${rps:-0} ${p99:-?} ${non2xx:-0}"
    }
    read -r rps p99 bad < <(wrk_run "$single" 32)
    row "http-ingest, 1 event per POST, wrk 32 conns" "$rps req/s" "p99 $p99; non-2xx $bad; every 202 stored in JetStream first"
    read -r rps p99 bad < <(wrk_run "$batch" 32)
    row "http-ingest, 100-event NDJSON per POST, wrk 32 conns" "$((rps * 100)) events/s" "$rps req/s, p99 $p99; non-2xx $bad"
    read -r rps p99 bad < <(wrk_run "$single" 200)
    row "http-ingest, 1 event per POST, wrk 200 conns" "$rps req/s" "p99 $p99; non-2xx $bad (connection_limit 256: past it, connections wait in the backlog)"
    row "http-ingest RSS idle / peak (MiB)" "$idle / $(mib $pid VmHWM)" "target <= 8 idle, <= 64 peak"
    kill -TERM $pid
    wait $pid 2>/dev/null
}
