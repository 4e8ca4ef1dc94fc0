#!/bin/bash
# http-ingest against a hostile client (issue 14): a request is stored
# whole or not at all, and when a failure comes part-way the client is
# told how many are in and how to retry so that each event is stored once.
#   - an oversize event (over max_payload once NATS headers are added)
#     after small ones: 413, nothing stored
#   - the stream refuses part of a batch: 503 saying how many were
#     stored, with the Idempotency-Key to retry with; the retry completes
#     the batch, each event once
#   - an Idempotency-Key reused for another body: 409, nothing stored;
#     a true retry: 202 saying it was a duplicate
#   - %00 in the path, the key, a parameter: 400, nothing stored
#   - Content-Length with Transfer-Encoding: 400 and the connection is
#     closed (the smuggled request is never answered); HTTP/1.1 without
#     Host: 400
# Counts come from the stream itself (nats-server's /jsz).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
[ -f "$top_builddir/plugins/http-ingest/.libs/http-ingest.so" ] ||
    skip_all "http-ingest not built (configured with --disable-http-ingest)"
NATSCLI="$top_builddir/t/tools/evh-nats"
NATS_MAX_PAYLOAD=4096 start_nats

# The stream, made here: 5 messages at most, new ones refused past that,
# so a batch can be cut part-way on purpose.
stream_cfg() { # max_msgs
    printf '{"name":"EVENTS","subjects":["events"],"storage":"file","max_msgs":%s,"discard":"new","duplicate_window":120000000000,"num_replicas":1}' "$1"
}
"$NATSCLI" req "$NATS_URL" '$JS.API.STREAM.CREATE.EVENTS' "$(stream_cfg 5)" 10000 >"$T/create.json"
ok "stream EVENTS created (max_msgs 5, discard new)" jq -e '.config.name == "EVENTS"' "$T/create.json"

host_cfg "$T/ingest.cfg" ingest '{ plugin = "http-ingest"; name = "ingest"; publish = "events";
  jetstream = { stream = "EVENTS"; subjects = ["events"]; };
  config = { listen = "127.0.0.1:0"; threads = 1; publish_timeout_ms = 5000; }; }'
start_evhost ingest "$T/ingest.cfg"
HP=$(http_port "$T/ingest.log")
ok "listening: ${HP:-none}" test -n "$HP"

stored() { curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?streams=true" |
    jq '[.account_details[]?.stream_detail[]? | select(.name == "EVENTS") | .state.messages] | add // 0'; }
http() { # METHOD PATH [curl args] -> status; body in $T/resp
    local m=$1 p=$2
    shift 2
    curl -s -m 30 -o "$T/resp" -D "$T/hdrs" -w '%{http_code}' -X "$m" "$@" "http://127.0.0.1:$HP$p"
}
resp_is() { ok "$2" jq -e "$1" "$T/resp"; }
ev() { printf '{"criticality":5,"timestamp":"2026-11-23T10:00:%02d.%06dZ","eventMessage":"%s %d"}\n' $(($2 % 60)) "$2" "$1" "$2"; }

# --- 1. an event over max_payload once headers are added ----------------
# Its JSON is 4080 bytes: under max_payload (4096) alone, over it with the
# Nats-Msg-Id header JetStream publishing adds.
{ ev small 1; ev small 2; ev small 3
  python3 -c 'import sys; m = "x" * (4080 - len("{\"criticality\":5,\"timestamp\":\"2026-11-23T10:00:04Z\",\"eventMessage\":\"\"}")); print("{\"criticality\":5,\"timestamp\":\"2026-11-23T10:00:04Z\",\"eventMessage\":\"%s\"}" % m)'
} >"$T/big.ndjson"
is "$(tail -n 1 "$T/big.ndjson" | tr -d '\n' | wc -c)" 4080 "the fourth event is 4080 bytes"
is "$(http POST /events --data-binary @"$T/big.ndjson")" 413 "3 small events + one over max_payload with headers: 413"
resp_is '.error == "too_large" and (.message | test("nothing was stored"))' "  the answer says nothing was stored"
is "$(stored)" 0 "  and nothing is in the stream"
is "$(http POST /events -H 'Idempotency-Key: big-1' --data-binary @"$T/big.ndjson")" 413 "the same with an Idempotency-Key: 413"
is "$(stored)" 0 "  nothing is in the stream"

# --- 2. the stream refuses part of a batch --------------------------------
for i in $(seq 1 8); do ev part "$i"; done >"$T/eight.ndjson"
is "$(http POST /events --data-binary @"$T/eight.ndjson")" 503 "8 events, the stream takes 5: 503"
resp_is '.error == "unavailable" and .stored == 5 and .events == 8' "  the answer says 5 of 8 are stored"
KEY=$(jq -r '.idempotency_key' "$T/resp")
like "$KEY" '^evh-[0-9a-f]{32}$' "  and gives the Idempotency-Key to retry with (the client sent none)"
like "$(jq -r .message "$T/resp")" "retry with Idempotency-Key $KEY" "  and says to retry with it"
is "$(stored)" 5 "  5 are in the stream"
"$NATSCLI" req "$NATS_URL" '$JS.API.STREAM.UPDATE.EVENTS' "$(stream_cfg -1)" 10000 >"$T/update.json"
ok "the stream's limit lifted" jq -e '.config.max_msgs == -1' "$T/update.json"
is "$(http POST /events -H "Idempotency-Key: $KEY" --data-binary @"$T/eight.ndjson")" 202 "the retry with that key: 202"
resp_is '.accepted == 8 and .stored == 3 and .duplicates == 5 and .duplicate == false' "  stored 3, 5 were duplicates"
is "$(stored)" 8 "  8 in the stream: each event once"

# --- 3. an Idempotency-Key reused for another body -----------------------
for i in $(seq 1 3); do ev first "$i"; done >"$T/three.ndjson"
for i in $(seq 1 5); do ev second "$i"; done >"$T/five.ndjson"
is "$(http POST /events -H 'Idempotency-Key: reuse-1' --data-binary @"$T/three.ndjson")" 202 "3 events with key reuse-1: 202"
resp_is '.stored == 3 and .duplicates == 0' "  3 stored"
is "$(http POST /events -H 'Idempotency-Key: reuse-1' --data-binary @"$T/five.ndjson")" 409 "5 other events with the same key: 409"
resp_is '.error == "conflict" and (.message | test("different request body"))' "  with the reason"
is "$(stored)" 11 "  nothing of the 5 stored (8 + 3)"
is "$(http POST /events -H 'Idempotency-Key: reuse-1' --data-binary @"$T/three.ndjson")" 202 "the first 3 again (a true retry): 202"
resp_is '.accepted == 3 and .stored == 0 and .duplicates == 3 and .duplicate == true' "  that says it was a duplicate"
is "$(stored)" 11 "  still 11 in the stream"
is "$(http PUT '/events/acme?criticality=1&message=m&timestamp=2026-11-23T10:00:00Z' -H 'Idempotency-Key: put-1')" 202 "a body-less PUT with a key: 202"
is "$(http PUT '/events/acme?criticality=2&message=m&timestamp=2026-11-23T10:00:00Z' -H 'Idempotency-Key: put-1')" 409 "another one under the same key: 409"
is "$(stored)" 12 "  one stored"

# --- 4. NUL bytes ----------------------------------------------------------
is "$(http POST '/events%00' --data-binary "$(ev nul 1)")" 400 "POST /events%00: 400"
is "$(http PUT '/events/ab%00cd' --data-binary "$(ev nul 2)")" 400 "PUT /events/ab%00cd: 400"
resp_is '.message | test("NUL")' "  the reason names the NUL byte"
is "$(http PUT '/events/acme?criticality=1&message=a%00b')" 400 "message=a%00b: 400"
is "$(http PUT '/events/acme?criticality=1&message=ab&timestamp=2026-11-23T10:00:00Z%00')" 400 "timestamp=...%00: 400"
is "$(http PUT '/events/acme?criticality=1&message=a%2500b&timestamp=2026-11-23T10:00:01Z')" 202 "message=a%2500b (a literal %00) is fine: 202"
is "$(stored)" 13 "  only that one stored"

# --- 5. framing ---------------------------------------------------------------
# Content-Length covers a chunked body whose bytes hide a second request.
raw() { # bytes -> what the server answered before closing (5 s at most)
    python3 - "$HP" "$1" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
out, end = b"", time.time() + 5
s.settimeout(0.5)
while time.time() < end:
    try:
        b = s.recv(65536)
    except socket.timeout:
        continue
    if not b:
        out += b"<closed>"
        break
    out += b
sys.stdout.write(out.decode("latin-1"))
PY
}
inner=$(ev smuggled 1 | tr -d '\n')
smug="POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${#inner}\r\n\r\n$inner"
body="0\r\n\r\n$smug"
req="POST /events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: $(printf "$body" | wc -c)\r\n\r\n$body"
out=$(raw "$req")
like "$out" '^HTTP/1.1 400' "Content-Length and Transfer-Encoding: 400"
like "$out" 'Content-Length and Transfer-Encoding' "  with the reason"
is "$(grep -c '^HTTP/1' <<<"$out")" 1 "  one answer only: the hidden request is not served"
like "$out" '<closed>$' "  and the connection is closed"
out=$(raw "POST /events HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${#inner}\r\n\r\n$inner")
like "$out" '^HTTP/1.1 400' "HTTP/1.1 without Host: 400"
like "$out" 'needs a Host header' "  with the reason"
out=$(raw "POST /events HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${#inner}\r\n\r\n$inner")
like "$out" '^HTTP/1.[01] 202' "HTTP/1.0 without Host is fine: 202"
is "$(stored)" 14 "only that one stored"

is "$(http GET /stats)" 200 "GET /stats"
diag "$(cat "$T/resp")"
resp_is '.conflict == 2 and .duplicates == 8 and .too_large == 2 and .bad_request == 6 and .unavailable == 1' \
    "stats: 2 conflicts, 8 duplicates, 2 too large, 6 bad requests, 1 unavailable"
stop_evhost ingest
is "$?" 0 "stopped cleanly"
done_testing
