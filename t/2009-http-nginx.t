#!/bin/bash
# Two http-ingest hosts behind nginx (Debian's, on loopback), as
# evhost-http-ingest(7) shows: 2,000 events in 200 requests from 4 parallel
# clients through the proxy land exactly once in InfluxDB, both hosts take
# a share; then one host is stopped and 1,000 more go through the other,
# again exactly once (nginx moves a request to the next upstream only when
# the connection was refused, before anything was sent).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip_all "nginx not installed (nginx-light)"
[ -f "$top_builddir/plugins/http-ingest/.libs/http-ingest.so" ] ||
    skip_all "http-ingest not built (configured with --disable-http-ingest)"
start_nats
start_influx

host_cfg "$T/writer.cfg" writer "$(writer_inst)"
start_evhost writer "$T/writer.cfg"
wait_running "$T/writer.cfg" 30

for h in a b; do
    host_cfg "$T/$h.cfg" "ingest-$h" '{ plugin = "http-ingest"; name = "ingest"; publish = "events";
  jetstream = { stream = "EVENTS"; subjects = ["events"]; };
  config = { listen = "127.0.0.1:0"; }; }'
    start_evhost "$h" "$T/$h.cfg"
done
for h in a b; do
    printf -v "PORT_$h" '%s' "$(http_port "$T/$h.log")"
done
ok "two http-ingest hosts listen ($PORT_a, $PORT_b)" test -n "$PORT_a" -a -n "$PORT_b"

NGINX_PORT=$(free_port)
mkdir -p "$T/nginx"
user=
[ "$(id -u)" = 0 ] && user="user root;"
cat >"$T/nginx/nginx.conf" <<EOC
$user
daemon off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 256; }
http {
    access_log $T/nginx/access.log;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    upstream evhost_ingest {
        server 127.0.0.1:$PORT_a;
        server 127.0.0.1:$PORT_b;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        client_max_body_size 4m;
        location / {
            proxy_pass http://evhost_ingest;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOC
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" >"$T/nginx/out.log" 2>&1 &
NGINX_PID=$!
track_pid $NGINX_PID
_wait_listen $NGINX_PID "$NGINX_PORT" 15 || { _tail_log "$T/nginx/error.log"; _tail_log "$T/nginx/out.log"; echo "Bail out! nginx did not start"; exit 1; }
# Each host counts every request it answers (its /stats read included):
# four requests through nginx must reach both, and all four arrive.
requests() { curl -s "http://127.0.0.1:$1/stats" | jq '.requests' 2>/dev/null; }
ra=$(requests "$PORT_a") rb=$(requests "$PORT_b")
for i in 1 2 3 4; do curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/health"; done
ra2=$(requests "$PORT_a") rb2=$(requests "$PORT_b")
da=$(( ${ra2:-0} - ${ra:-0} - 1 )) db=$(( ${rb2:-0} - ${rb:-0} - 1 ))
ok "nginx on port $NGINX_PORT balances them (of 4 requests: a $da, b $db)" \
    test "$da" -gt 0 -a "$db" -gt 0 -a "$((da + db))" -eq 4

# send FIRST COUNT: COUNT events numbered from FIRST, 10 per request, from 4
# parallel clients (keep-alive connections) through nginx; prints the
# answers by status.
send() {
    python3 - "$NGINX_PORT" "$1" "$2" <<'EOP'
import http.client, sys, threading
port, first, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
codes, lock = {}, threading.Lock()
def client(c):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for start in range(first + c * 10, first + count, 40):
        body = "".join('{"criticality":%d,"timestamp":"2026-11-23T12:00:00.%06dZ","eventMessage":"via nginx %d"}\n'
                       % (i % 11, i, i) for i in range(start, min(start + 10, first + count)))
        conn.request("POST", "/events", body)
        r = conn.getresponse(); r.read()
        with lock: codes[r.status] = codes.get(r.status, 0) + 1
threads = [threading.Thread(target=client, args=(c,)) for c in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(" ".join("%d=%d" % kv for kv in sorted(codes.items())))
EOP
}
accepted() { curl -s "http://127.0.0.1:$1/stats" | jq '.accepted'; }

is "$(send 0 2000)" "202=200" "2,000 events in 200 requests through nginx: all 202"
a=$(accepted "$PORT_a") b=$(accepted "$PORT_b")
diag "host a accepted $a, host b accepted $b"
is "$((a + b))" 2000 "the two hosts accepted 2,000 between them"
ok "both took a share (a=$a, b=$b)" test "$a" -gt 0 -a "$b" -gt 0
wait_for 60 points_ge 2000
sleep 1
is "$(points)" 2000 "exactly 2,000 points stored"
is "$(distinct_points)" 2000 "2,000 distinct events: none twice"

stop_evhost a
is "$?" 0 "host a stopped (exit 0)"
is "$(send 2000 1000)" "202=100" "1,000 more through nginx with host a gone: all 202"
wait_for 60 points_ge 3000
sleep 1
is "$(points)" 3000 "exactly 3,000 points stored"
is "$(distinct_points)" 3000 "3,000 distinct events: none twice"
is "$(accepted "$PORT_b")" $((b + 1000)) "host b took all 1,000"
stop_evhost b
is "$?" 0 "host b stops cleanly"
stop_evhost writer
is "$?" 0 "writer stops cleanly"
done_testing
