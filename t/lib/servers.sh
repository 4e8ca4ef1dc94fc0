# Real servers for tests (sourced): nats-server with JetStream and influxd
# on free loopback ports, data in a private temp dir; everything started
# here is killed and the dir removed when the test exits, pass or fail.
#
#   start_nats / stop_nats / kill_nats / restart_nats
#       -> NATS_PORT NATS_URL NATS_MON_PORT (monitoring: /varz /jsz /connz)
#   start_influx / stop_influx / kill_influx / restart_influx
#       -> INFLUX_PORT INFLUX_URL
#   influx_q DB QUERY, influx_count DB MEASUREMENT, influx_create_db DB
#   start_pg / stop_pg / restart_pg  (PostgreSQL: a throwaway cluster)
#       -> PG_PORT PG_CONNINFO PG_PASSWORD_FILE; pg_q SQL (psql, superuser)
#   start_evhost NAME CFG [args] -> EVH_PID_<NAME>, log $T/NAME.log
#   stop_evhost NAME  (SIGTERM, wait <= 30 s, returns the exit status)
#   wait_evhost NAME SECS  (wait for it to exit by itself; 124 if it did not)
#   wait_for SECONDS CMD...     track_pid PID     free_port
#   start_receiver NAME [FAIL] -> RECV_URL_<NAME>: an HTTP receiver logging
#       each POST as a JSON line in $T/NAME.posts, 500 for the first FAIL
#   start_alertmanager RECV_URL / stop_alertmanager / restart_alertmanager
#       -> AM_PORT AM_URL (prometheus-alertmanager, no cluster, data in $T,
#       its webhook receiver RECV_URL, group_by alertname, short waits;
#       AM_TAG=2 start_alertmanager ... starts a second one with its own
#       files, overwriting AM_PORT AM_URL AM_PID: keep the first's)
T=$(mktemp -d "${TMPDIR:-/tmp}/evhost-test.XXXXXX")
_evh_pids=()

track_pid() { _evh_pids+=("$1"); }

# Is PID still a child of this shell?  A PID we started may have exited
# and been reused by another test's server (pid_max can be 32768, and a
# parallel `make check` runs thousands of processes): never signal those.
_is_child() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    set -- $s
    [ "$2" = "$$" ]
}

_evh_cleanup() {
    local p f
    _pg_cleanup
    for p in "${_evh_pids[@]}"; do
        _is_child "$p" && _term_wait "$p" 3 >/dev/null 2>&1
    done
    # A failed test shows the end of every evhost log it made (sanitizer
    # reports included): CI keeps the TAP log, never the temp dir.
    if [ "${_tap_failed:-0}" -gt 0 ]; then
        for f in "$T"/*.log; do
            case ${f##*/} in nats.log|influxd.log|'*.log') continue ;; esac
            [ -s "$f" ] || continue
            echo "# --- ${f##*/} (last 25 lines) ---"
            tail -n 25 "$f" | sed 's/^/#   /'
        done
    fi
    if [ "${EVH_KEEP_TMP:-0}" = 1 ]; then
        echo "# kept $T" >&2
    else
        rm -rf "$T"
    fi
}
trap _evh_cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # seconds cmd...
    local limit=$(( $1 * 10 )) i=0
    shift
    while ! "$@" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.1
    done
    return 0
}

_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Is PID the process listening on TCP PORT?  An open port alone is not
# enough: when another test's server took the port first, ours exits with
# a bind error and the test would silently share the other one's server.
_owns_port() { # pid port
    local hex inode fd
    hex=$(printf '%04X' "$2")
    for inode in $(awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }'                        /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
        for fd in /proc/"$1"/fd/*; do
            [ "$(readlink "$fd" 2>/dev/null)" = "socket:[$inode]" ] && return 0
        done
    done
    return 1
}

# Wait until our server PID listens on PORT; fail at once if it exited.
_wait_listen() { # pid port secs
    local i=0 st
    while [ "$i" -lt $(( $3 * 10 )) ]; do
        _owns_port "$1" "$2" && return 0
        st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        st=${st##*) }
        [ "${st%% *}" = Z ] && return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

free_port() {
    local p
    while :; do
        # Below the kernel's ephemeral range (32768-60999 here), where an
        # outgoing connection's local port could make our bind() fail.
        p=$(( 10000 + (RANDOM * 32768 + RANDOM) % 22000 ))
        _port_open "$p" && continue
        # not listening; also avoid ports another test just picked
        if [ -z "${_evh_used_ports:-}" ] || [[ " $_evh_used_ports " != *" $p "* ]]; then
            _evh_used_ports="${_evh_used_ports:-} $p"
            echo "$p"
            return 0
        fi
    done
}

# SIGTERM a child and reap it; SIGKILL after `secs`.  (kill -0 cannot tell
# a zombie child from a live one, so read its state in /proc instead.)
_term_wait() { # pid secs -> exit status
    if ! _is_child "$1"; then
        wait "$1" 2>/dev/null # exited already: its status, if bash kept it
        return
    fi
    kill -TERM "$1" 2>/dev/null
    # Poll rather than run a watchdog subshell: killing a subshell before
    # it has reset the inherited EXIT trap makes it run _evh_cleanup,
    # which removes $T and stops the servers in the middle of the test.
    local i=0 st
    while st=$(cat "/proc/$1/stat" 2>/dev/null); do
        st=${st##*) }
        [ "${st%% *}" = Z ] && break
        i=$((i + 1))
        if [ "$i" -ge $(( $2 * 10 )) ]; then
            kill -KILL "$1" 2>/dev/null
            break
        fi
        sleep 0.1
    done
    wait "$1" 2>/dev/null
}

_tail_log() { echo "# --- last lines of $1 ---" >&2; tail -n 20 "$1" 2>/dev/null | sed 's/^/# /' >&2; }

# ---------------------------------------------------------------- NATS ----
_nats_run() {
    cat >"$T/nats.conf" <<EOT
server_name: evh_test_$NATS_PORT
listen: 127.0.0.1:$NATS_PORT
http: 127.0.0.1:$NATS_MON_PORT
max_payload: ${NATS_MAX_PAYLOAD:-1048576}
max_pending: $(( ${NATS_MAX_PAYLOAD:-0} * 2 > 67108864 ? ${NATS_MAX_PAYLOAD:-0} * 2 : 67108864 ))
jetstream { store_dir: "$T/nats-store" }
EOT
    nats-server -c "$T/nats.conf" >>"$T/nats.log" 2>&1 &
    NATS_PID=$!
    track_pid "$NATS_PID"
    if ! _wait_listen "$NATS_PID" "$NATS_PORT" 15 ||
       ! _wait_listen "$NATS_PID" "$NATS_MON_PORT" 15; then
        echo "# nats-server did not start on port $NATS_PORT" >&2
        _tail_log "$T/nats.log"
        return 1
    fi
    wait_for 15 curl -sf "http://127.0.0.1:$NATS_MON_PORT/healthz" >/dev/null
}

# A port that looked free can be taken before the server binds it: try
# fresh ports a few times; if the server still cannot start, the test
# cannot mean anything, so bail out.
start_nats() {
    local try fixed=${NATS_PORT:+1}
    for try in 1 2 3; do
        [ "$try" = 1 ] && [ -n "$fixed" ] || NATS_PORT=$(free_port)
        [ "$try" = 1 ] && [ -n "${NATS_MON_PORT:-}" ] || NATS_MON_PORT=$(free_port)
        NATS_URL="nats://127.0.0.1:$NATS_PORT"
        export NATS_PORT NATS_MON_PORT NATS_URL
        _nats_run && return 0
        kill_nats
        [ -n "$fixed" ] && break # the test chose the port: no other will do
    done
    echo "Bail out! nats-server did not start (see above)"
    exit 1
}

stop_nats() {
    [ -n "${NATS_PID:-}" ] || return 0
    _term_wait "$NATS_PID" 15
    NATS_PID=
}

kill_nats() {
    [ -n "${NATS_PID:-}" ] || return 0
    _is_child "$NATS_PID" && kill -KILL "$NATS_PID" 2>/dev/null
    wait "$NATS_PID" 2>/dev/null
    NATS_PID=
}

restart_nats() { stop_nats; _nats_run; }

# ------------------------------------------------------------ InfluxDB ----
_influx_run() {
    mkdir -p "$T/influx"
    cat >"$T/influx/influxd.conf" <<EOT
reporting-disabled = true
bind-address = "127.0.0.1:$INFLUX_RPC_PORT"
[meta]
  dir = "$T/influx/meta"
[data]
  dir = "$T/influx/data"
  wal-dir = "$T/influx/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$INFLUX_PORT"
  log-enabled = false
  auth-enabled = ${INFLUX_AUTH:-false}
[logging]
  level = "warn"
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
EOT
    influxd run -config "$T/influx/influxd.conf" >>"$T/influxd.log" 2>&1 &
    INFLUX_PID=$!
    track_pid "$INFLUX_PID"
    if ! _wait_listen "$INFLUX_PID" "$INFLUX_PORT" 30 ||
       ! wait_for 30 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $INFLUX_URL/ping)\" = 204 ]"; then
        echo "# influxd did not start on port $INFLUX_PORT" >&2
        _tail_log "$T/influxd.log"
        return 1
    fi
}

start_influx() {
    local try fixed=${INFLUX_PORT:+1}
    for try in 1 2 3; do
        [ "$try" = 1 ] && [ -n "$fixed" ] || INFLUX_PORT=$(free_port)
        [ "$try" = 1 ] && [ -n "${INFLUX_RPC_PORT:-}" ] || INFLUX_RPC_PORT=$(free_port)
        INFLUX_URL="http://127.0.0.1:$INFLUX_PORT"
        export INFLUX_PORT INFLUX_URL
        _influx_run && return 0
        kill_influx
        [ -n "$fixed" ] && break # a restart must keep its port
    done
    echo "Bail out! influxd did not start (see above)"
    exit 1
}

stop_influx() {
    [ -n "${INFLUX_PID:-}" ] || return 0
    _term_wait "$INFLUX_PID" 20
    INFLUX_PID=
}

kill_influx() {
    [ -n "${INFLUX_PID:-}" ] || return 0
    _is_child "$INFLUX_PID" && kill -KILL "$INFLUX_PID" 2>/dev/null
    wait "$INFLUX_PID" 2>/dev/null
    INFLUX_PID=
}

restart_influx() { stop_influx; _influx_run; }

influx_q() { # db query
    curl -sS -XPOST "$INFLUX_URL/query" --data-urlencode "db=$1" --data-urlencode "q=$2"
}

# Stored events, decoded from the points (t/lib/points.jq), as sorted
# canonical JSON lines {criticality, eventMessage, timestamp} with the
# timestamp as norm_ts writes it; norm_events makes published events alike.
stored_events() { # db [WHERE ...]
    influx_q "$1" "SELECT \"criticality\",\"eventMessage\",\"sub_ns\" FROM \"event\" ${2:-}" |
        jq -c -S -L "$top_srcdir/t/lib" 'include "points"; stored_events' | sort
}
norm_events() { # < JSON lines
    jq -c -S -L "$top_srcdir/t/lib" 'include "points"; {criticality, eventMessage, timestamp: (.timestamp | norm_ts)}' | sort
}
# How many distinct (timestamp, criticality, message) events are stored.
distinct_events() { stored_events "$1" | uniq | wc -l | tr -d ' '; }

influx_create_db() { influx_q "" "CREATE DATABASE \"$1\"" >/dev/null; }

# Number of points in a measurement (the largest per-field count), 0 if none.
influx_count() { # db measurement
    local j n
    j=$(influx_q "$1" "SELECT COUNT(*) FROM \"$2\"")
    n=$(printf '%s' "$j" | sed -n 's/.*"values":\[\["[^"]*",\([0-9,]*\)\]\].*/\1/p' |
        tr ',' '\n' | sort -n | tail -1)
    echo "${n:-0}"
}

# ---------------------------------------------------------- PostgreSQL ----
# Debian's PostgreSQL 15 as a throwaway cluster in $T/pg, run in the
# foreground (our child) on a free loopback port with its socket in $T.
# postgres refuses to run as root: as root it runs as the postgres user
# (setpriv execs it, so the pid is the postmaster's), and $T becomes
# searchable (not listable) by others for that.  Local socket: trust (the
# harness's psql, as superuser "postgres"); TCP: scram-sha-256 for the
# role "evhost" with the password in $PG_PASSWORD_FILE, owner of the
# database "events".
PG_BIN=/usr/lib/postgresql/15/bin
_pg_as() { # cmd... as the cluster's owner
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}
_pg_init() {
    PG_DIR=$T/pg
    mkdir -p "$PG_DIR/data" "$PG_DIR/sock"
    if [ "$(id -u)" = 0 ]; then
        chmod 711 "$T"
        chown -R postgres:postgres "$PG_DIR"
    fi
    _pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >>"$T/pg-init.out" 2>&1 || {
        _tail_log "$T/pg-init.out"; return 1; }
    cat >>"$PG_DIR/data/postgresql.conf" <<EOT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR/sock'
fsync = off
full_page_writes = off
shared_buffers = 64MB
max_connections = 100
logging_collector = off
log_min_messages = warning
EOT
}
_pg_run() {
    # Not through _pg_as: a function run in the background is a subshell,
    # and $! would be its pid, not the postmaster's.
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- \
            "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" >>"$T/postgres.log" 2>&1 &
    else
        "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" >>"$T/postgres.log" 2>&1 &
    fi
    PG_PID=$!
    track_pid "$PG_PID"
    if ! _wait_listen "$PG_PID" "$PG_PORT" 30 ||
       ! wait_for 30 "$PG_BIN/pg_isready" -q -h "$PG_DIR/sock" -p "$PG_PORT" -U postgres; then
        echo "# postgres did not start on port $PG_PORT" >&2
        _tail_log "$T/postgres.log"
        return 1
    fi
}
start_pg() {
    local try
    _pg_init || { echo "Bail out! initdb failed (see above)"; exit 1; }
    for try in 1 2 3; do
        PG_PORT=$(free_port)
        _pg_run && break
        kill_pg
        [ "$try" = 3 ] && { echo "Bail out! postgres did not start (see above)"; exit 1; }
    done
    PG_PASSWORD_FILE=$T/pg-password
    printf 'p%s%s\n' "$RANDOM" "$RANDOM" >"$PG_PASSWORD_FILE"
    chmod 600 "$PG_PASSWORD_FILE"
    pg_q "CREATE ROLE evhost LOGIN PASSWORD '$(head -1 "$PG_PASSWORD_FILE")'" postgres >/dev/null &&
        pg_q "CREATE DATABASE events OWNER evhost" postgres >/dev/null ||
        { echo "Bail out! cannot create the evhost role and database"; exit 1; }
    PG_CONNINFO="host=127.0.0.1 port=$PG_PORT dbname=events user=evhost"
    export PG_PORT PG_CONNINFO PG_PASSWORD_FILE
}
# Fast shutdown (SIGINT): sessions are ended, as an operator's restart does.
stop_pg() {
    [ -n "${PG_PID:-}" ] || return 0
    _is_child "$PG_PID" && kill -INT "$PG_PID" 2>/dev/null
    _term_wait "$PG_PID" 30
    PG_PID=
}
kill_pg() {
    [ -n "${PG_PID:-}" ] || return 0
    _is_child "$PG_PID" && kill -KILL "$PG_PID" 2>/dev/null
    wait "$PG_PID" 2>/dev/null
    PG_PID=
}
restart_pg() { stop_pg; _pg_run; }
_pg_cleanup() {
    [ -n "${PG_PID:-}" ] && _is_child "$PG_PID" && kill -INT "$PG_PID" 2>/dev/null
    return 0
}
# pg_q SQL [DB]: one statement as superuser over the socket; tuples only,
# unaligned, fields separated by '|'.
pg_q() {
    _pg_as "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR/sock" -p "$PG_PORT" \
        -U postgres -d "${2:-events}" -c "$1"
}

# ------------------------------------------------- HTTP receiver, Alertmanager
start_receiver() { # name [fail-first]
    rm -f "$T/$1.port"
    python3 "$top_srcdir/t/lib/receiver.py" "$T/$1.posts" "$T/$1.port" "${2:-0}" \
        >>"$T/$1.recv.log" 2>&1 &
    track_pid $!
    wait_for 30 test -s "$T/$1.port" || { _tail_log "$T/$1.recv.log"; return 1; }
    printf -v "RECV_URL_$1" 'http://127.0.0.1:%s/' "$(cat "$T/$1.port")"
}

_am_run() {
    "${ALERTMANAGER:-/usr/bin/prometheus-alertmanager}" --config.file="$T/am${AM_TAG:-}.yml" \
        --storage.path="$T/am-data${AM_TAG:-}" --web.listen-address="127.0.0.1:$AM_PORT" \
        --cluster.listen-address= --log.level=warn >>"$T/alertmanager${AM_TAG:-}.log" 2>&1 &
    AM_PID=$!
    track_pid "$AM_PID"
    _wait_listen "$AM_PID" "$AM_PORT" 60 &&
        wait_for 30 curl -sf "$AM_URL/-/ready" -o /dev/null ||
        { _tail_log "$T/alertmanager${AM_TAG:-}.log"; return 1; }
}
start_alertmanager() { # receiver-url
    AM_PORT=$(free_port)
    AM_URL="http://127.0.0.1:$AM_PORT"
    cat >"$T/am${AM_TAG:-}.yml" <<EOT
route:
  receiver: test
  group_by: ['alertname']
  group_wait: ${AM_GROUP_WAIT:-2s}
  group_interval: ${AM_GROUP_INTERVAL:-2s}
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: '$1'
        send_resolved: true
EOT
    _am_run
}
stop_alertmanager() { [ -n "${AM_PID:-}" ] && _term_wait "$AM_PID" 10; AM_PID=; }
restart_alertmanager() { stop_alertmanager; _am_run; }

# -------------------------------------------------------------- evhost ----
start_evhost() { # name cfg [args]
    local name=$1 cfg=$2
    shift 2
    "$EVHOST" -c "$cfg" "$@" >>"$T/$name.log" 2>&1 &
    local pid=$!
    track_pid "$pid"
    printf -v "EVH_PID_$name" '%s' "$pid"
}

wait_evhost() { # name secs -> exit status of the host (124: still running)
    local var="EVH_PID_$1" pid st i=0
    pid=${!var:-}
    [ -n "$pid" ] || return 255
    while :; do
        st=$(cat "/proc/$pid/stat" 2>/dev/null) || break
        st=${st##*) }
        [ "${st%% *}" = Z ] && break
        i=$((i + 1))
        [ "$i" -ge $(( $2 * 10 )) ] && return 124
        sleep 0.1
    done
    wait "$pid" 2>/dev/null
    local rc=$?
    printf -v "$var" '%s' ""
    return $rc
}
# wait_running CFG [SECS]: wait until the host running CFG answers on its
# stats subject with every instance in state "running" (default 30 s).
# Tests wait on this state, never on the wording of a log line.
wait_running() {
    wait_for "${2:-30}" _all_running "$1"
}
# (-s: jq 1.6's -e exits 0 on empty input, which is what --stats prints
# while the host is not up yet; then this returned at once.)
_all_running() {
    _stat_true "$1" '(.instances | length) > 0 and
                     all(.instances[]; .state == "running")'
}
stop_evhost() { # name -> exit status of the host
    local var="EVH_PID_$1" pid rc
    pid=${!var:-}
    [ -n "$pid" ] || return 255
    _term_wait "$pid" 30
    rc=$?
    printf -v "$var" '%s' ""
    return $rc
}

# wait_stat CFG JQ [SECS]: wait until the stats of the host running CFG
# (`evhost --stats`) satisfy the jq expression JQ (default 30 s), e.g.
#   wait_stat "$T/w.cfg" '.nats.reconnects >= 1'
wait_stat() {
    wait_for "${3:-30}" _stat_true "$1" "$2"
}
# (jq -e succeeds on empty input: a host that does not answer must not.)
_stat_true() {
    local out
    out=$("$EVHOST" --stats -c "$1" 2>/dev/null) && [ -n "$out" ] &&
        jq -e "$2" >/dev/null 2>&1 <<<"$out"
}

# http_port LOG: the TCP port that the host started as NAME (LOG is
# $T/NAME.log) listens on -- an http-ingest with listen = "127.0.0.1:0" --
# once it listens (empty after 30 s).  Read from the kernel's sockets of
# that process, not from the log's wording.
http_port() {
    local name var pid
    name=$(basename "$1" .log)
    var="EVH_PID_$name"
    pid=${!var:-}
    [ -n "$pid" ] || return 1
    wait_for 30 _listen_port "$pid" >/dev/null
    _listen_port "$pid"
}
_listen_port() {
    local port
    port=$(ss -Htlnp 2>/dev/null |
        sed -n "s/.*127\.0\.0\.1:\([0-9]*\) .*pid=$1,.*/\1/p" | head -1)
    [ -n "$port" ] && echo "$port"
}

# ------------------------------------------------------------ helpers ----
lines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
uniq_lines() { if [ -f "$1" ]; then sort -u "$1" | wc -l | tr -d ' '; else echo 0; fi; }
# has_lines FILE N: FILE has at least N lines (use with wait_for: it is
# re-evaluated on every poll, unlike a "$(lines ...)" argument).
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }
has_uniq_lines() { [ "$(uniq_lines "$1")" -ge "$2" ]; }

# host_cfg FILE NAME PLUGINS: a host config on $NATS_URL with the given
# `plugins` list body; $HOST_EXTRA and $NATS_EXTRA are added to the blocks.
host_cfg() {
    local f=$1 n=$2
    shift 2
    printf 'host = { name = "%s"; %s };\nnats = { servers = ["%s"]; %s };\nplugins = (\n%s\n);\n' \
        "$n" "${HOST_EXTRA:-}" "$NATS_URL" "${NATS_EXTRA:-}" "$*" >"$f"
}

# A JSON number field of a stats or monitoring document (first match).
json_num() { # json key
    printf '%s\n' "$1" | sed -n "s/.*\"$2\": *\(-\{0,1\}[0-9][0-9]*\).*/\1/p" | head -1
}
