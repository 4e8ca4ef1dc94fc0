#!/bin/bash
# http-ingest against a real nats-server (JetStream) and influxd, with the
# unchanged writer behind it: every request answered 202 ends up stored
# exactly once, every refused one stores nothing.  Counts are exact:
# accepted events == points in InfluxDB, refusals == the plugin's counters.
#   - POST /events (one event, NDJSON), PUT /events/<key> (query params,
#     body), 400 with the bad line, 401, 404, 405, 413 (declared, chunked)
#   - Idempotency-Key: the same batch twice is stored once
#   - NATS stopped: 503 + Retry-After, /healthz 503; back: 202 again
#   - a slow-loris crowd is cut off by the connection timeout; the service
#     answers again afterwards; a flood of parallel batches stays in bounded
#     memory
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
[ -f "$top_builddir/plugins/http-ingest/.libs/http-ingest.so" ] ||
    skip_all "http-ingest not built (configured with --disable-http-ingest)"
start_nats
start_influx

host_cfg "$T/writer.cfg" writer "$(writer_inst)"
start_evhost writer "$T/writer.cfg"
wait_running "$T/writer.cfg" 30

TOKEN=tok-$RANDOM$RANDOM$RANDOM
(umask 077 && printf '%s\n' "$TOKEN" >"$T/token")
ingest_inst() {
    printf '{ plugin = "http-ingest"; name = "ingest"; publish = "events";
  jetstream = { stream = "EVENTS"; subjects = ["events"]; };
  config = { listen = "127.0.0.1:0"; token_file = "%s"; max_body_bytes = 262144;
             connection_limit = 40; connection_timeout_s = 3; threads = 1; }; }' "$T/token"
}
host_cfg "$T/ingest.cfg" ingest "$(ingest_inst)"
start_evhost ingest "$T/ingest.cfg"
HP=$(http_port "$T/ingest.log")
ok "listens on a port of its own (port 0 = any free one): ${HP:-none}" test -n "$HP"

# http METHOD PATH [curl args]: prints the status; the body is in $T/resp.
http() {
    local m=$1 p=$2
    shift 2
    curl -s -m 30 -o "$T/resp" -D "$T/hdrs" -w '%{http_code}' -X "$m" "$@" "http://127.0.0.1:$HP$p"
}
AUTH=(-H "Authorization: Bearer $TOKEN")
ev() { printf '{"criticality":%d,"timestamp":"2026-11-23T10:%02d:%02d.%06dZ","eventMessage":"%s %d"}\n' \
    $(($2 % 11)) $(($2 / 60 % 60)) $(($2 % 60)) "$2" "$1" "$2"; }
batch() { local i; for i in $(seq "$2" "$3"); do ev "$1" "$i"; done; }
resp_is() { # jq-expression desc
    ok "$2" jq -e "$1" "$T/resp"
}
stored=0

is "$(http GET /healthz)" 200 "GET /healthz: 200 (no token needed)"
resp_is '.status == "ok" and .nats == "connected"' "healthz says NATS is connected"

is "$(http POST /events --data-binary "$(ev one 1)")" 401 "no token: 401"
like "$(cat "$T/hdrs")" 'WWW-Authenticate: Bearer' "with WWW-Authenticate: Bearer"
is "$(http POST /events -H 'Authorization: Bearer wrong' --data-binary "$(ev one 1)")" 401 "wrong token: 401"

is "$(http POST /events "${AUTH[@]}" --data-binary "$(ev one 1)")" 202 "one event: 202"
resp_is '.accepted == 1' '{"accepted":1}'
stored=$((stored + 1))

batch nd 1 1000 >"$T/b1000.ndjson"
is "$(http POST /events "${AUTH[@]}" -H 'Content-Type: application/x-ndjson' --data-binary @"$T/b1000.ndjson")" 202 "NDJSON batch of 1000: 202"
resp_is '.accepted == 1000' '{"accepted":1000}'
stored=$((stored + 1000))

is "$(http PUT '/events/acme?criticality=9&message=door%20forced' "${AUTH[@]}")" 202 "PUT /events/acme?criticality=9&message=...: 202"
batch keyed 1 2 >"$T/k2.ndjson"
is "$(http PUT /events/globex "${AUTH[@]}" --data-binary @"$T/k2.ndjson")" 202 "PUT /events/globex with a 2-event body: 202"
resp_is '.accepted == 2' '{"accepted":2}'
stored=$((stored + 3))

# Refused whole, with the reason; nothing of it is stored.
{ ev good 1; echo '{"criticality":"high","timestamp":"2026-11-23T10:00:00Z","eventMessage":"x"}'; ev good 3; } >"$T/bad.ndjson"
is "$(http POST /events "${AUTH[@]}" --data-binary @"$T/bad.ndjson")" 400 "a batch with a wrong type on line 2: 400"
resp_is '.error == "bad_request" and .line == 2 and (.message | test("criticality"))' "the reason names line 2 and the field"
is "$(http POST /events "${AUTH[@]}" --data-binary 'not json')" 400 "not JSON: 400"
is "$(http POST /events "${AUTH[@]}" --data-binary '')" 400 "empty body: 400"
is "$(http PUT '/events/acme?criticality=high&message=x' "${AUTH[@]}")" 400 "PUT with a non-integer criticality: 400"
is "$(http PUT '/events/a%20b?criticality=1&message=x' "${AUTH[@]}")" 400 "a key with a space: 400"
is "$(http PUT /events/acme "${AUTH[@]}" --data-binary '{"criticality":1,"timestamp":"2026-11-23T10:00:00Z","eventMessage":"x","key":"globex"}')" 400 \
    "a body naming another key than the URL: 400"
head -c 300000 /dev/zero | tr '\0' 'x' >"$T/big"
is "$(http POST /events "${AUTH[@]}" --data-binary @"$T/big")" 413 "a body over max_body_bytes (Content-Length): 413"
is "$(http POST /events "${AUTH[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$T/big")" 413 "the same, chunked: 413"
is "$(http GET /events "${AUTH[@]}")" 405 "GET /events: 405"
like "$(cat "$T/hdrs")" 'Allow: POST' "with Allow: POST"
is "$(http GET /nope "${AUTH[@]}")" 404 "unknown path: 404"
is "$(http POST /events "${AUTH[@]}" -H 'Idempotency-Key: bad key' --data-binary "$(ev x 1)")" 400 "a malformed Idempotency-Key: 400"

# The same batch sent twice with one Idempotency-Key (a client retrying
# after a lost answer) is stored once.
batch idem 1 10 >"$T/idem.ndjson"
is "$(http POST /events "${AUTH[@]}" -H 'Idempotency-Key: batch-42' --data-binary @"$T/idem.ndjson")" 202 "a batch with Idempotency-Key: 202"
is "$(http POST /events "${AUTH[@]}" -H 'Idempotency-Key: batch-42' --data-binary @"$T/idem.ndjson")" 202 "sent again: 202"
resp_is '.accepted == 10 and .stored == 0 and .duplicates == 10 and .duplicate == true' "  and says it was a duplicate (stored 0, duplicates 10)"
stored=$((stored + 10))

wait_for 60 points_ge $stored
sleep 1
is "$(points)" $stored "exactly $stored points stored (the retried batch once)"

is "$(http GET /stats "${AUTH[@]}")" 200 "GET /stats: 200"
resp_is ".accepted == $((stored + 10)) and .duplicates == 10 and .bad_request == 7 and .too_large == 2 and .unauthorized == 2 and .not_found == 1" \
    "stats: accepted $((stored + 10)), 7 bad requests, 2 too large, 2 unauthorized, 1 not found"
is "$(http GET /stats)" 401 "GET /stats needs the token too"

# NATS down: 503 with Retry-After at once; nothing accepted, nothing lost.
stop_nats
is "$(http POST /events "${AUTH[@]}" --data-binary "$(ev down 1)")" 503 "NATS stopped: 503"
like "$(cat "$T/hdrs")" 'Retry-After: 1' "with Retry-After"
resp_is '.error == "unavailable"' "and a JSON reason"
is "$(http GET /healthz)" 503 "/healthz: 503 while NATS is away"
_nats_run || { echo "Bail out! nats-server did not restart"; exit 1; }
wait_for 30 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HP/healthz)\" = 200 ]"
is "$(http GET /healthz)" 200 "/healthz: 200 once NATS is back"
batch back 1 100 >"$T/back.ndjson"
is "$(http POST /events "${AUTH[@]}" --data-binary @"$T/back.ndjson")" 202 "after the restart: 202 for 100 events"
stored=$((stored + 100))

# Slow loris: 40 connections (the limit) that send half a request and
# stall.  A 41st waits in the kernel's backlog, unanswered, while they
# hold; the 3 s connection timeout cuts them all off; then the service
# answers again.  (One thread here: with a pool the limit is split between
# the threads, and which thread accepts a connection is up to the kernel.)
python3 - "$HP" >"$T/loris.out" 2>&1 <<'EOP' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for i in range(40):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /events HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
print("held", len(socks), flush=True)
start = time.time()
closed = 0
for s in socks:
    s.settimeout(15)
    try:
        data = s.recv(100)
        closed += 1  # b"" (closed) or an error answer: cut off either way
    except socket.timeout:
        pass
print("closed", closed, "after", round(time.time() - start, 1), flush=True)
EOP
LORIS=$!
wait_for 15 grep -q '^held 40' "$T/loris.out"
code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/healthz")
isnt_200=$([ "$code" != 200 ] && echo yes || echo "no ($code)")
is "$isnt_200" yes "while 40 stalled connections hold the limit, a 41st gets no answer"
wait "$LORIS"
like "$(cat "$T/loris.out")" 'closed 40 after ([2-9]\.[5-9]|[3-9])' "the connection timeout cut off all 40 stalled clients"
diag "$(tail -1 "$T/loris.out")"
is "$(http GET /healthz)" 200 "then the service answers again"

# A flood: 16 clients x 25 batches of 50 events in parallel.
python3 - "$HP" "$TOKEN" >"$T/flood.out" 2>&1 <<'EOP'
import http.client, sys, threading
port, token = int(sys.argv[1]), sys.argv[2]
codes = {}
lock = threading.Lock()
def client(c):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for b in range(25):
        body = "".join('{"criticality":%d,"timestamp":"2026-11-23T11:%02d:%02d.%06dZ","eventMessage":"flood %d %d %d"}\n'
                       % (i % 11, c, b, i, c, b, i) for i in range(50))
        conn.request("POST", "/events", body, {"Authorization": "Bearer " + token})
        r = conn.getresponse(); r.read()
        with lock: codes[r.status] = codes.get(r.status, 0) + 1
threads = [threading.Thread(target=client, args=(c,)) for c in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(" ".join("%d=%d" % kv for kv in sorted(codes.items())))
EOP
is "$(cat "$T/flood.out")" "202=400" "a flood of 400 parallel batches: every one 202"
stored=$((stored + 20000))
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$EVH_PID_ingest/status")
# AddressSanitizer keeps freed memory in quarantine (256 MiB by default)
# and adds shadow memory: its figure says nothing about ours.
limit=64
grep -q libasan "/proc/$EVH_PID_ingest/maps" 2>/dev/null && limit=320
diag "http-ingest peak RSS after the flood: $((hwm / 1024)) MiB"
ok "its memory stayed bounded (peak RSS $((hwm / 1024)) MiB <= $limit MiB)" test "$hwm" -le $((limit * 1024))

wait_for 120 points_ge $stored
sleep 1
is "$(points)" $stored "exactly $stored points stored: every 202, nothing else"
stop_evhost ingest
is "$?" 0 "http-ingest stops cleanly (exit 0)"
unlike "$(cat "$T/ingest.log")" "$TOKEN" "the token is never logged"
stop_evhost writer
is "$?" 0 "writer stops cleanly"
done_testing
