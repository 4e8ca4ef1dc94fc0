#!/bin/bash
# A hostile event corpus through the writer: every valid event is stored and
# reads back identical (quotes, newlines, backslashes, ",= ", unicode,
# a 1 MiB message, int64 min/max, timestamp forms); every invalid one (not
# JSON, wrong types, bad timestamps, arrays, {}, invalid UTF-8, oversize) is
# counted, sent to the dead-letter subject, and never stops the batch.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
NATS_MAX_PAYLOAD=8388608 start_nats
start_influx
NATSCLI="$top_builddir/t/tools/evh-nats"

# Valid events, one per line (JSON escapes carry the newlines and tabs).
cat >"$T/valid.jsonl" <<'V'
{"criticality":1,"timestamp":"2024-05-01T00:00:01Z","eventMessage":"quote \" inside"}
{"criticality":2,"timestamp":"2024-05-01T00:00:02Z","eventMessage":"back\\slash and trailing backslash\\"}
{"criticality":3,"timestamp":"2024-05-01T00:00:03Z","eventMessage":"line1\nline2\r\nline3\ttab"}
{"criticality":4,"timestamp":"2024-05-01T00:00:04Z","eventMessage":"commas, equals= spaces  ,a=b c=d"}
{"criticality":5,"timestamp":"2024-05-01T00:00:05Z","eventMessage":"unicode: héllo wörld ✓ 🚨 日本語"}
{"criticality":6,"timestamp":"2024-05-01T00:00:06Z","eventMessage":"x\",pwned=true,y=\"z"}
{"criticality":7,"timestamp":"2024-05-01T00:00:07Z","eventMessage":""}
{"criticality":8,"timestamp":"2024-05-01T02:00:08+02:00","eventMessage":"offset timestamp"}
{"criticality":9,"timestamp":"2024-05-01T00:00:09.123456789Z","eventMessage":"nanoseconds"}
{"criticality":10,"timestamp":"2024-05-01T00:00:10.5Z","eventMessage":"one fraction digit"}
{"criticality":0,"timestamp":"2024-05-01T00:00:11.123Z","eventMessage":"DROP DATABASE events; -- \\\" OR 1=1"}
{"criticality":-3,"timestamp":"2024-05-01T00:00:12Z","eventMessage":"negative criticality"}
{"criticality":9223372036854775807,"timestamp":"2024-05-01T00:00:13Z","eventMessage":"int64 max"}
{"criticality":-9223372036854775808,"timestamp":"2024-05-01T00:00:14Z","eventMessage":"int64 min"}
{"criticality":11,"timestamp":"2024-05-01T00:00:15Z","eventMessage":"escaped \u00e9 \u2713 \ud83d\udea8 \/ slash"}
{"criticality":14,"timestamp":"2016-12-31T23:59:60Z","eventMessage":"leap second"}
{"criticality":15,"timestamp":"2016-12-31T23:59:60.5Z","eventMessage":"leap second and a half"}
V
NVALID=$(( $(wc -l <"$T/valid.jsonl") + 1 ))  # + the 1 MiB one below

# Invalid events, one per line (the last lines are raw bytes: invalid UTF-8).
cat >"$T/invalid.jsonl" <<'I'
not json at all
{"criticality":1,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"truncated"
{"criticality":1.5,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"float"}
{"criticality":"5","timestamp":"2024-05-01T00:00:00Z","eventMessage":"string"}
{"criticality":true,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"bool"}
{"criticality":null,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"null"}
{"criticality":9223372036854775808,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"int64 max + 1"}
{"criticality":1,"timestamp":12345,"eventMessage":"numeric timestamp"}
{"criticality":1,"timestamp":"yesterday","eventMessage":"word timestamp"}
{"criticality":1,"timestamp":"2024-13-01T00:00:00Z","eventMessage":"month 13"}
{"criticality":1,"timestamp":"2024-05-01T00:00:00","eventMessage":"no zone"}
{"criticality":1,"timestamp":"2024-05-01T00:00:00.1234567891Z","eventMessage":"10 fraction digits"}
{"criticality":1,"timestamp":"2024-05-01T00:00:00Z","eventMessage":5}
{"criticality":1,"timestamp":"2024-05-01T00:00:00Z","eventMessage":null}
{"criticality":1,"timestamp":"2024-05-01T00:00:00Z"}
{"timestamp":"2024-05-01T00:00:00Z","eventMessage":"no criticality"}
[1,2,3]
{}
"just a string"

{"criticality":1,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"ok"} trailing garbage
{"criticality":1,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"lone surrogate \ud800"}
{"criticality":1,"timestamp":"1600-01-01T00:00:00Z","eventMessage":"year 1600"}
{"criticality":1,"timestamp":"2300-01-01T00:00:00Z","eventMessage":"year 2300"}
{"criticality":1,"timestamp":"9999-12-31T23:59:59Z","eventMessage":"year 9999"}
I
printf '{"criticality":1,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"bad utf-8 \xff\xfe here"}\n' >>"$T/invalid.jsonl"
printf '{"criticality":1,"timestamp":"2024-05-01T00:00:00Z","eventMessage":"overlong \xc0\xaf"}\n' >>"$T/invalid.jsonl"
NINVALID=$(( $(wc -l <"$T/invalid.jsonl") + 1 ))  # + the oversize one below

# 1 MiB message (valid, max_event_bytes = 2 MiB) and a 3 MiB one (oversize).
big=$(head -c 786432 /dev/urandom | base64 -w0)   # 1,048,576 characters
printf '{"criticality":12,"timestamp":"2024-05-01T00:00:20Z","eventMessage":"%s"}' "$big" >"$T/big.json"
printf '{"criticality":13,"timestamp":"2024-05-01T00:00:21Z","eventMessage":"%s%s%s"}' "$big" "$big" "$big" >"$T/huge.json"

host_cfg "$T/w.cfg" w "{ plugin = \"influx-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"sink\"; };
  config = { url = \"$INFLUX_URL\"; database = \"hostile\"; flush_interval_ms = 50;
             max_event_bytes = 2097152; dead_letter = \"events.dead\"; }; },
{ plugin = \"testplug\"; name = \"dead\"; subscribe = \"events.dead\"; config = { out = \"$T/dead.out\"; }; }"
start_evhost w "$T/w.cfg"
wait_running "$T/w.cfg" 30
# Interleave: valid and invalid events in the same batches.
paste -d '\n' "$T/valid.jsonl" <(head -n 15 "$T/invalid.jsonl") | sed '/^$/d' >"$T/mixed.jsonl"
tail -n +16 "$T/invalid.jsonl" >"$T/rest.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/mixed.jsonl" &&
    "$NATSCLI" pub "$NATS_URL" events "$T/rest.jsonl" &&
    "$NATSCLI" pub1 "$NATS_URL" events "$T/big.json" &&
    "$NATSCLI" pub1 "$NATS_URL" events "$T/huge.json"
is "$?" 0 "published $NVALID valid and $NINVALID invalid events"
# The blank line of invalid.jsonl fell to sed in mixed only if it was in the
# first 15; it is not (line 20), so every line was published.

counter() { "$EVHOST" --stats -c "$T/w.cfg" | jq ".instances[] | select(.name==\"writer\") | .counters.$1 // 0"; }
settled() { [ $(( $(counter written) + $(counter invalid) )) -ge $((NVALID + NINVALID)) ]; }
wait_for 30 settled
sleep 0.3
is "$(counter written)" "$NVALID" "every valid event written"
is "$(counter invalid)" "$NINVALID" "every invalid event counted as invalid"
is "$(influx_count hostile event)" "$NVALID" "exactly $NVALID points stored"
wait_for 20 has_lines "$T/dead.out" "$NINVALID"
is "$(grep -c '^events.dead ' "$T/dead.out")" "$NINVALID" "every invalid event published on the dead-letter subject"
like "$(cat "$T/w.log")" 'refused an event on events: .{1,2}timestamp.{1,2} must be a string, got int' "the reason is logged"
# The three come in a row: one line, then "repeated 2 more times".
like "$(grep -A1 "outside InfluxDB's time range" "$T/w.log")" "outside InfluxDB's time range \\(1677-09-21T00:12:43.145224194Z to 2262-04-11T23:47:16.854775806Z\\).*repeated 2 more times" \
    "years 1600, 2300, 9999: the reason says outside InfluxDB's range"
is "$(grep -c 'year [0-9]*' "$T/dead.out")" 3 "  and all three are dead-lettered"
like "$(cat "$T/w.log")" 'event too large: 3145799 bytes \(limit 2097152\)' "oversize event logged as such"

# Read back: every valid event, field for field.  jq reads numbers as
# doubles, so the int64 extremes are checked with exact InfluxQL below.
q() { curl -sS -XPOST "$INFLUX_URL/query" --data-urlencode db=hostile --data-urlencode "q=$1"; }
stored_events hostile 'WHERE "criticality" < 1000 AND "criticality" > -1000' >"$T/got"
jq -c 'select(.criticality < 1000 and .criticality > -1000)' "$T/valid.jsonl" "$T/big.json" | norm_events >"$T/want"
is "$(wc -l <"$T/got")" "$((NVALID - 2))" "read back all small-criticality valid events"
ok "each reads back identical to what was sent (the instant exact, in UTC)" cmp -s "$T/want" "$T/got"
cmp "$T/want" "$T/got" 2>&1 | head -2 | sed 's/^/# /'
is "$(q 'SELECT "eventMessage" FROM "event" WHERE "criticality" = 12' | jq -r '.results[0].series[0].values[0][1]' | cmp - <(printf '%s\n' "$big") && echo same)" same "the 1 MiB message reads back byte for byte"
is "$(q 'SELECT COUNT("eventMessage") FROM "event" WHERE "criticality" = 9223372036854775807' | jq '.results[0].series[0].values[0][1]')" 1 "int64 max stored exactly"
is "$(q 'SELECT COUNT("eventMessage") FROM "event" WHERE "criticality" < -9223372036854775807' | jq '.results[0].series[0].values[0][1]')" 1 "int64 min stored exactly"
is "$(q 'SHOW FIELD KEYS FROM "event"' | jq -c '[.results[0].series[0].values[][0]] | sort')" '["criticality","eventMessage","sub_ns"]' "no injected field (pwned) exists"

stop_evhost w
is "$?" 0 "writer stopped cleanly"
done_testing
