#!/usr/bin/env bash
# Bench case 9 (sourced by t/bench/run, or run alone from make bench's
# environment with `make bench-pg`): PostgreSQL.
#   - pg-sink, JetStream durable: N events already in the stream, stored/s
#     from the sink's start to N rows; against a raw COPY of the same rows
#     (the table's own, dumped after the run) into the same table by psql,
#     in this same run (target >= 0.6);
#   - pg-query p50 of the classic request against the same SQL run by psql
#     over TCP in one session (target within +1 ms).
# Uses: row, rate, ratio, now, since, $EVHOST, $NATS_URL, $T, $N, $Q (from
# t/bench/run, or set here when run alone).
bench_pg() {
    if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
        row "pg-sink / pg-query" "-" "skipped: postgresql not installed"
        return 0
    fi
    start_pg
    local pw t0 t rows sink_rate raw_t raw_rate
    pw=$(head -1 "$PG_PASSWORD_FILE")
    host_cfg "$T/pggen.cfg" pggen "{ plugin = \"generator\"; publish = \"pgb\";
  jetstream = { stream = \"PGB\"; subjects = [\"pgb\"]; }; config = { rate = 0; count = $N; seed = 13; }; }"
    "$EVHOST" -c "$T/pggen.cfg" 2>"$T/pggen.log"
    host_cfg "$T/pgw.cfg" pgw "{ plugin = \"pg-sink\"; name = \"w\"; subscribe = \"pgb\";
  jetstream = { stream = \"PGB\"; subjects = [\"pgb\"]; durable = \"pgb\"; max_ack_pending = 50000; };
  config = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\";
             batch_size = 5000; writers = 2; max_pending = 100000; }; }"
    t0=$(now)
    "$EVHOST" -c "$T/pgw.cfg" 2>"$T/pgw.log" &
    local w=$!
    track_pid $w
    while rows=$(pg_q "SELECT count(*) FROM events" 2>/dev/null || echo 0); [ "${rows:-0}" -lt "$N" ]; do
        sleep 0.2
        kill -0 $w 2>/dev/null || break
        [ "$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print (b - a > 600)}')" = 1 ] && break
    done
    t=$(since "$t0")
    sink_rate=$(rate "$rows" "$t")
    kill -TERM $w; wait $w 2>/dev/null
    # The same rows, raw: COPY them out, empty the table, COPY them in.
    pg_q "COPY events TO '$PG_DIR/rows.copy'" >/dev/null
    pg_q "TRUNCATE events" >/dev/null
    t0=$(now)
    PGPASSWORD=$pw psql -X -q "$PG_CONNINFO" -c "\\copy events FROM '$PG_DIR/rows.copy'" >/dev/null 2>"$T/rawcopy.log"
    raw_t=$(since "$t0")
    raw_rate=$(rate "$(pg_q "SELECT count(*) FROM events")" "$raw_t")
    row "pg-sink, JetStream durable, ack after COMMIT" "$sink_rate/s" "stored $rows of $N; x$(ratio "$sink_rate" "$raw_rate") raw psql COPY of the same rows into the same table, $raw_rate/s (target >= 0.6)"

    host_cfg "$T/pgr.cfg" pgr "{ plugin = \"pg-query\"; subscribe = \"pgquery\";
  config = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\"; }; }"
    "$EVHOST" -c "$T/pgr.cfg" 2>"$T/pgr.log" &
    local r=$!
    track_pid $r
    wait_running "$T/pgr.cfg" 30
    local req='{"last_events_count":10,"min_criticality":5}' p50 p99 mx errs raw50 raw99
    "$NB" req "$NATS_URL" pgquery "$req" 50 >/dev/null # warm up
    read -r p50 p99 mx errs < <("$NB" req "$NATS_URL" pgquery "$req" "$Q")
    # The reader's statement, with its parameters, Q times in one session.
    { echo '\timing on'; for _ in $(seq "$Q"); do
        echo "SELECT criticality, time_ns, message, seq FROM \"events\" WHERE true AND criticality > 5 ORDER BY time_ns DESC, seq DESC LIMIT 11;"
      done; } >"$T/pgq.sql"
    PGPASSWORD=$pw psql -X -q "$PG_CONNINFO" -f "$T/pgq.sql" 2>&1 |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n >"$T/pgq.times"
    raw50=$(awk '{ a[NR] = $1 } END { print a[int(NR / 2) + 1] }' "$T/pgq.times")
    raw99=$(awk '{ a[NR] = $1 } END { print a[int(NR * 0.99) + 1] }' "$T/pgq.times")
    row "pg-query via NATS, X=5, p50/p99/max ms" "$p50/$p99/$mx" "the same SQL by psql over TCP p50/p99 $raw50/$raw99; p50 over raw +$(awk -v a="$p50" -v b="$raw50" 'BEGIN{ printf "%.2f", a - b }') ms (target <= +1); errors $errs"
    kill -TERM $r; wait $r 2>/dev/null
    stop_pg
}

# Run alone: the bench's helpers and servers, then this case.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    . "$top_srcdir/t/lib/servers.sh"
    N=${BENCH_N:-100000}
    Q=${BENCH_Q:-1000}
    NB="$top_builddir/t/bench/nats-bench"
    row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "-" }'; }
    rate() { awk -v n="$1" -v t="$2" 'BEGIN{ printf "%.0f", n / t }'; }
    now() { date +%s.%N; }
    since() { awk -v a="$1" -v b="$(now)" 'BEGIN{ printf "%.3f", b - a }'; }
    start_nats
    bench_pg
fi
