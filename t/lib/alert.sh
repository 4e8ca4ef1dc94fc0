# Helpers of the alert tests (t/60xx, sourced after servers.sh and
# pipeline.sh): an alert instance on JetStream, events, and what
# Alertmanager and the receivers hold.
#
#   alert_inst NAME CONFIG-BODY     an `alert` instance on the EVENTS stream
#   aev KEY CRIT MSG [TIME]        one event line (TIME: now)
#   am_alerts [FILTER]              Alertmanager's active alerts (JSON array)
#   am_count FILTER N               Alertmanager holds N active alerts
#   am_count_at URL FILTER N        the same, of the Alertmanager at URL
#   posts NAME [JQ-SELECT]          how many POSTs receiver NAME recorded
#   consumer KEY                    num_pending / num_ack_pending of the
#                                   stream's consumers (summed)
NATSCLI="$top_builddir/t/tools/evh-nats"

alert_inst() {
    printf '{ plugin = "alert"; name = "%s"; subscribe = "events";
  jetstream = { stream = "EVENTS"; subjects = ["events"]; durable = "%s";
                ack_wait_ms = %d; };
  config = { %s }; }' "$1" "$1" "${ACK_WAIT_MS:-5000}" "$2"
}

aev() {
    printf '{"criticality":%d,"timestamp":"%s","eventMessage":"%s","key":"%s"}\n' \
        "$2" "${4:-$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)}" "$3" "$1"
}

publish() { "$NATSCLI" pub "$NATS_URL" events "$1"; }

am_alerts() {
    curl -sf -G "$AM_URL/api/v2/alerts" --data-urlencode "active=true" \
        --data-urlencode "silenced=false" --data-urlencode "inhibited=false" \
        ${1:+--data-urlencode "filter=$1"}
}
am_count() { [ "$(am_alerts "$1" | jq length)" = "$2" ]; }
am_count_at() { local AM_URL=$1; shift; am_count "$@"; } # url filter n

posts() {
    if [ -f "$T/$1.posts" ]; then
        jq -s "[.[] | ${2:-.}] | length" "$T/$1.posts"
    else
        echo 0
    fi
}
posts_eq() { [ "$(posts "$1" "$2")" = "$3" ]; }

consumer() {
    curl -s "http://127.0.0.1:$NATS_MON_PORT/jsz?accounts=true&consumers=true" |
        jq "[.account_details[]?.stream_detail[]?.consumer_detail[]?.$1] | add // 0"
}
settled() { [ "$(consumer num_pending)" = 0 ] && [ "$(consumer num_ack_pending)" = 0 ]; }
stat_eq() { [ "$(stat "$1" "$2" "$3")" = "$4" ]; }
