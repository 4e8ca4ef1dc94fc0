#!/bin/bash
# Oversize input through the writer: a 64 MiB message (nats-server's
# max_payload raised to allow it) is refused as too large, a 100,000-key
# object is parsed within max_event_bytes and stored as one event (extra
# keys ignored), and the writer's memory stays bounded throughout.
# Memory storage: nats-server 2.9's file store cannot read a 64 MiB
# record back ("malformed or corrupt message" in its log).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
NATS_MAX_PAYLOAD=$((70 << 20)) start_nats
start_influx
NATSCLI="$top_builddir/t/tools/evh-nats"

host_cfg "$T/w.cfg" w "{ plugin = \"influx-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"sink\"; max_bytes = 536870912L;
                storage = \"memory\"; };
  config = { url = \"$INFLUX_URL\"; database = \"big\"; flush_interval_ms = 50; max_event_bytes = 4194304; }; }"
start_evhost w "$T/w.cfg"
wait_running "$T/w.cfg" 30

# 64 MiB: a valid-looking event whose message is 64 MiB of 'x'.
{ printf '{"criticality":1,"timestamp":"2024-09-01T00:00:00Z","eventMessage":"'
  head -c $((64 << 20)) /dev/zero | tr '\0' x
  printf '"}'; } >"$T/huge.json"
"$NATSCLI" pub1 "$NATS_URL" events "$T/huge.json"
is "$?" 0 "a 64 MiB message reached the stream"
rm -f "$T/huge.json"

# 100,000 keys, about 1.6 MB: within max_event_bytes = 4 MiB.
{ printf '{"criticality":2,"timestamp":"2024-09-01T00:00:01Z","eventMessage":"many keys"'
  seq 1 100000 | sed 's/.*/,"k&":&/' | tr -d '\n'
  printf '}'; } >"$T/keys.json"
"$NATSCLI" pub1 "$NATS_URL" events "$T/keys.json"
echo '{"criticality":3,"timestamp":"2024-09-01T00:00:02Z","eventMessage":"after"}' >"$T/after.json"
"$NATSCLI" pub1 "$NATS_URL" events "$T/after.json"

counter() { "$EVHOST" --stats -c "$T/w.cfg" | jq ".instances[] | select(.name==\"writer\") | .counters.$1 // 0"; }
settled() { [ $(( $(counter written) + $(counter invalid) )) -ge 3 ]; }
wait_for 60 settled
is "$(counter invalid)" 1 "the 64 MiB event is refused"
like "$(cat "$T/w.log")" 'event too large: 6710[0-9]{4} bytes \(limit 4194304\)' "refused with the sizes in the log"
is "$(counter written)" 2 "the 100,000-key event and the next one are written"
is "$(influx_count big event)" 2 "2 points stored"
is "$(influx_q big 'SELECT "eventMessage" FROM "event" WHERE "criticality" = 2' | jq -r '.results[0].series[0].values[0][1]')" "many keys" "the 100,000-key event stored with its message"
hwm=$(awk '/VmHWM/{print int($2 / 1024)}' "/proc/$EVH_PID_w/status")
diag "writer peak RSS: $hwm MiB (the 64 MiB message itself has to be received)"
# AddressSanitizer keeps freed blocks in quarantine: allow it that much more.
limit=256; [ -n "${ASAN_OPTIONS:-}" ] && limit=384
ok "writer memory bounded: peak $hwm MiB < $limit MiB" test "$hwm" -lt "$limit"
stop_evhost w
is "$?" 0 "writer stops cleanly"
done_testing
