#!/bin/bash
# http-query against a real nats-server, influxd and influx-query: GET
# /events and /events/counts answer exactly what the reader answers over
# NATS for the same request (and what jq computes from the published set);
# bearer-token auth, unknown parameters, bad values, wrong paths and
# methods, %00, and no reader are answered in http-ingest's error shape.
# The shipped etc/http-query.cfg passes evhost -t.  Every answer is kept
# in $EVH_ANSWERS (when set) for t/7003's schema check.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v curl >/dev/null || skip_all "curl not installed"
start_nats
start_influx
NATSCLI="$top_builddir/t/tools/evh-nats"
ANS=${EVH_ANSWERS:-$T/answers}
mkdir -p "$ANS"

out=$(EVHOST_NATS_URL=$NATS_URL "$EVHOST" -t -c "$top_srcdir/etc/http-query.cfg" 2>&1)
is "$?" 0 "etc/http-query.cfg passes evhost -t ($out)"

jq -n -c 'range(0; 60) as $i
  | {criticality: ($i % 12), timestamp: (1717200000 + $i * 60 | todate),
     eventMessage: ("event #\($i)" + (if $i % 4 == 0 then " sshd: login" else "" end))}' >"$T/set.jsonl"
printf 's3cret-token\n' >"$T/token"
chmod 600 "$T/token"
host_cfg "$T/h.cfg" h "{ plugin = \"influx-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"sink\"; };
  config = { url = \"$INFLUX_URL\"; database = \"q\"; flush_interval_ms = 50; }; },
{ plugin = \"influx-query\"; name = \"reader\"; subscribe = \"query\"; queue = \"readers\";
  config = { url = \"$INFLUX_URL\"; database = \"q\"; timeout_ms = 3000; }; },
{ plugin = \"http-query\"; name = \"web\"; publish = \"query\";
  config = { listen = \"127.0.0.1:0\"; token_file = \"$T/token\"; request_timeout_ms = 3000; }; }"
start_evhost h "$T/h.cfg"
wait_running "$T/h.cfg" 60
PORT=$(http_port "$T/h.log")
ok "http-query listens (port $PORT)" test -n "$PORT"
"$NATSCLI" pub "$NATS_URL" events "$T/set.jsonl"
points_ge() { [ "$(influx_count q event)" -ge "$1" ]; }
wait_for 60 points_ge 60
is "$(influx_count q event)" 60 "60 events stored"

get() { # path+query [curl args] -> "STATUS BODY"; keeps the answer
    local body st
    st=$(curl -sS -o "$T/body" -w '%{http_code}' -H "${AUTH-Authorization: Bearer s3cret-token}" "${@:2}" "http://127.0.0.1:$PORT$1")
    body=$(cat "$T/body")
    case "$1" in /events/counts*) kind=counts ;; /events*) kind=events ;; *) kind=other ;; esac
    printf '%s\n' "$body" >"$(mktemp -p "$ANS" --suffix=.json "http-$kind-$st-XXXXXX")"
    printf '%s %s' "$st" "$body"
}
nats() { "$NATSCLI" req "$NATS_URL" query "$1" 5000; }
same() { # description path request-json
    local h r
    h=$(get "$2")
    r=$(nats "$3")
    printf '%s\n' "$r" >"$(mktemp -p "$ANS" --suffix=.json nats-XXXXXX)"
    is "${h%% *}" 200 "$1: 200"
    is "$(printf '%s' "${h#* }" | jq -c .)" "$(printf '%s' "$r" | jq -c .)" "$1: the reader's answer over NATS"
}
same "limit and min (classic)" '/events?limit=10&min_criticality=5' '{"last_events_count":10,"min_criticality":5}'
same "since, contains, limit" '/events?min_criticality=5&since=2024-06-01T00:10:00Z&until=2024-06-01T01:00:00Z&limit=10&contains=sshd' \
    '{"last_events_count":10,"min_criticality":5,"since":"2024-06-01T00:10:00Z","until":"2024-06-01T01:00:00Z","contains":"sshd"}'
same "criticality_in, default limit 10" '/events?criticality_in=1,2,3' '{"last_events_count":10,"criticality_in":[1,2,3]}'
same "counts by criticality" '/events/counts?count_by=criticality&max_criticality=3' '{"count_by":"criticality","max_criticality":3}'
same "counts every 10m" '/events/counts?every=10m&since=2024-06-01T00:00:00Z&until=2024-06-01T01:00:00Z' \
    '{"count_by":{"every":"10m"},"since":"2024-06-01T00:00:00Z","until":"2024-06-01T01:00:00Z"}'

r=$(get '/events?since=2024-06-01T00:00:00Z&limit=1000&contains=sshd%3A%20login&until=2024-06-01T23:00:00Z')
is "$(printf '%s' "${r#* }" | jq -c '[.events[].eventMessage]')" \
   "$(jq -c -s '[.[] | select(.eventMessage | contains("sshd: login"))] | sort_by(.timestamp) | reverse | map(.eventMessage)' "$T/set.jsonl")" \
   "URL-encoded contains: the events jq finds"
r=$(get '/events/counts?count_by=criticality')
is "$(printf '%s' "${r#* }" | jq -c .counts)" "$(jq -c -s 'group_by(.criticality) | map({criticality: .[0].criticality, count: length})' "$T/set.jsonl")" \
   "counts by criticality: jq's counts"

# Paging over HTTP: next from one page is before on the next.
p1=$(get '/events?limit=25&since=2024-06-01T00:00:00Z')
nx=$(printf '%s' "${p1#* }" | jq -r .next)
p2=$(get "/events?limit=25&since=2024-06-01T00:00:00Z&before=$nx")
p3=$(get "/events?limit=25&since=2024-06-01T00:00:00Z&before=$(printf '%s' "${p2#* }" | jq -r .next)")
is "$(jq -c -n --argjson a "${p1#* }" --argjson b "${p2#* }" --argjson c "${p3#* }" '[$a, $b, $c] | map(.events | length)')" '[25,25,10]' \
   "paging over HTTP: 25, 25, 10"
is "$(printf '%s' "${p3#* }" | jq -c 'has("next")')" false "the last page has no next"

# Errors, in http-ingest's shape.
err() { # description expected-status path [curl args] -- message pattern last
    local r
    r=$(get "$3" "${@:4:$#-4}")
    is "${r%% *}" "$2" "$1: $2"
    is "$(printf '%s' "${r#* }" | jq -c 'keys')" '["error","message"]' "$1: {error, message}"
    like "$(printf '%s' "${r#* }" | jq -r .message)" "${!#}" "$1: says why"
}
AUTH='X-None: 1' err "no token" 401 '/events' -- 'bearer token'
AUTH='Authorization: Bearer nope' err "wrong token" 401 '/events' -- 'bearer token'
AUTH='Authorization: Basic czNjcmV0LXRva2Vu' err "not a bearer token" 401 '/events' -- 'bearer token'
err "unknown parameter" 400 '/events?limit=5&sort=asc' -- 'unknown query parameter "sort"'
err "count_by on /events" 400 '/events?count_by=criticality' -- 'unknown query parameter "count_by"'
err "a bad integer" 400 '/events?limit=5x' -- '"limit": expected an integer'
err "limit over the reader's max" 400 '/events?limit=5000&min_criticality=1' -- 'last_events_count must be in'
err "a repeated parameter" 400 '/events?limit=5&limit=6' -- 'twice'
err "%00 in contains" 400 '/events?contains=a%00b&since=1h' -- 'NUL'
err "counts without what to count" 400 '/events/counts?since=1h' -- 'count_by=criticality'
err "a bad range" 400 '/events?since=2h&until=3h' -- 'before until'
err "only a limit (the classic request needs min_criticality)" 400 '/events?limit=5' -- 'min_criticality'
err "no such path" 404 '/query' -- 'no such path'
err "POST" 405 '/events' -X POST -- 'not allowed'
is "$(AUTH='X-None: 1' get /healthz)" '200 {"status":"ok","nats":"connected"}' "GET /healthz without a token: ok"

# No reader: 503 within the request timeout.
host_cfg "$T/w.cfg" w "{ plugin = \"http-query\"; name = \"web2\"; publish = \"query.none\";
  config = { listen = \"127.0.0.1:0\"; request_timeout_ms = 1000; }; }"
start_evhost w "$T/w.cfg"
wait_running "$T/w.cfg" 60
P2=$(http_port "$T/w.log")
st=$(curl -sS -o "$T/b2" -w '%{http_code}' "http://127.0.0.1:$P2/events?limit=1&min_criticality=1")
cp "$T/b2" "$ANS/http-events-$st-noreader.json"
is "$st" 503 "no reader: 503"
like "$(jq -r .message "$T/b2")" 'no answer from a reader' "no reader: says so"
stop_evhost w
is "$?" 0 "second host stopped cleanly"
stop_evhost h
is "$?" 0 "host stopped cleanly"

# Every answer against docs/openapi.yaml.
if python3 -c 'import jsonschema, yaml' 2>/dev/null; then
    CHECK="python3 $top_srcdir/t/tools/openapi-check.py $top_srcdir/docs/openapi.yaml"
    out=$($CHECK EventsReply "$ANS"/http-events-200-*.json 2>&1)
    is "$?" 0 "every 200 of /events fits EventsReply ($(ls "$ANS"/http-events-200-*.json | wc -l) answers) $out"
    out=$($CHECK CountsReply "$ANS"/http-counts-200-*.json 2>&1)
    is "$?" 0 "every 200 of /events/counts fits CountsReply ($(ls "$ANS"/http-counts-200-*.json | wc -l) answers) $out"
    out=$($CHECK HttpError $(ls "$ANS"/http-*.json | grep -v -- '-200-') 2>&1)
    is "$?" 0 "every HTTP error fits HttpError ($(ls "$ANS"/http-*.json | grep -vc -- '-200-') answers) $out"
    out=$($CHECK Health "$ANS"/http-other-200-*.json 2>&1)
    is "$?" 0 "/healthz fits Health $out"
    out=$($CHECK QueryReply "$ANS"/nats-*.json 2>&1)
    is "$?" 0 "every NATS answer fits QueryReply ($(ls "$ANS"/nats-*.json | wc -l) answers) $out"
fi
done_testing
