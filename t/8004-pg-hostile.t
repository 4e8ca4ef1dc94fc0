#!/bin/bash
# Hostile events through pg-sink: quotes, backslashes, tabs and newlines
# (COPY's own delimiters), "'); DROP TABLE", unicode, int64 extremes and
# extra members are stored byte for byte and read back so by pg-query;
# a NUL in eventMessage is refused at parse; rows PostgreSQL refuses
# (a NUL in the key, "\u0000" in a jsonb member) are dead-lettered with
# the server's reason while the rest of their batch is stored.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip_all "postgresql 15 not installed"
start_nats
start_pg
NATSCLI="$top_builddir/t/tools/evh-nats"

# Valid, one a second in file order.
cat >"$T/valid.jsonl" <<'V'
{"criticality":1,"timestamp":"2024-05-01T00:00:01Z","eventMessage":"quote \" and 'single' inside"}
{"criticality":2,"timestamp":"2024-05-01T00:00:02Z","eventMessage":"back\\slash, \\N and a trailing backslash\\"}
{"criticality":3,"timestamp":"2024-05-01T00:00:03Z","eventMessage":"line1\nline2\r\nline3\ttab\\.\n"}
{"criticality":4,"timestamp":"2024-05-01T00:00:04Z","eventMessage":"'); DROP TABLE events; --"}
{"criticality":5,"timestamp":"2024-05-01T00:00:05Z","eventMessage":"unicode: héllo wörld ✓ 🚨 日本語 \u00e9 \/"}
{"criticality":6,"timestamp":"2024-05-01T00:00:06Z","eventMessage":"\\.\n\\."}
{"criticality":7,"timestamp":"2024-05-01T00:00:07Z","eventMessage":""}
{"criticality":9223372036854775807,"timestamp":"2024-05-01T00:00:08Z","eventMessage":"int64 max"}
{"criticality":-9223372036854775808,"timestamp":"2024-05-01T00:00:09Z","eventMessage":"int64 min"}
{"criticality":8,"timestamp":"2024-05-01T00:00:10.123456789Z","eventMessage":"extras","user":"o'brien\\\t","nested":{"a":[1,"two",null],"b":"\"q\""},"key":"acct-7"}
{"criticality":9,"timestamp":"2024-05-01T00:00:11Z","eventMessage":"key not a string","key":42}
V
NVALID=$(wc -l <"$T/valid.jsonl")
cat >"$T/invalid.jsonl" <<'I'
{"criticality":1,"timestamp":"2024-05-01T00:01:00Z","eventMessage":"NUL \u0000 inside"}
{"criticality":1.5,"timestamp":"2024-05-01T00:01:01Z","eventMessage":"float"}
not json
I
NINVALID=$(wc -l <"$T/invalid.jsonl")
cat >"$T/poison.jsonl" <<'P'
{"criticality":1,"timestamp":"2024-05-01T00:02:00Z","eventMessage":"NUL in the key","key":"a\u0000b"}
{"criticality":1,"timestamp":"2024-05-01T00:02:01Z","eventMessage":"NUL in a member","note":"x\u0000y"}
P
NPOISON=$(wc -l <"$T/poison.jsonl")
paste -d '\n' "$T/valid.jsonl" "$T/invalid.jsonl" "$T/poison.jsonl" | sed '/^$/d' >"$T/mixed.jsonl"

host_cfg "$T/w.cfg" w "{ plugin = \"pg-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"sink\"; };
  config = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\";
             batch_size = 1000; flush_interval_ms = 200; dead_letter = \"events.dead\"; }; },
{ plugin = \"pg-query\"; name = \"reader\"; subscribe = \"query\";
  config = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\"; }; },
{ plugin = \"testplug\"; name = \"dead\"; subscribe = \"events.dead\"; config = { out = \"$T/dead.out\"; }; }"
start_evhost w "$T/w.cfg"
wait_running "$T/w.cfg" 60
is "$?" 0 "writer, reader and dead-letter reader running"
"$NATSCLI" pub "$NATS_URL" events "$T/mixed.jsonl"
is "$?" 0 "published $NVALID valid, $NINVALID invalid and $NPOISON poison events, interleaved"

counter() { "$EVHOST" --stats -c "$T/w.cfg" | jq ".instances[] | select(.name==\"writer\") | .counters.$1 // 0"; }
settled() { [ $(( $(counter written) + $(counter invalid) + $(counter rejected) )) -ge $((NVALID + NINVALID + NPOISON)) ]; }
wait_for 60 settled
is "$(counter written)" "$NVALID" "every valid event written"
is "$(counter invalid)" "$NINVALID" "every invalid event refused at parse"
is "$(counter rejected)" "$NPOISON" "every poison row refused by PostgreSQL"
is "$(pg_q "SELECT count(*) FROM events")" "$NVALID" "exactly $NVALID rows"
wait_for 30 has_lines "$T/dead.out" $((NINVALID + NPOISON))
is "$(grep -c '^events.dead ' "$T/dead.out")" $((NINVALID + NPOISON)) "invalid and poison events on the dead-letter subject"
like "$(cat "$T/w.log")" 'eventMessage.{1,2} contains a NUL character' "a NUL in eventMessage: refused at parse, said so"
like "$(cat "$T/w.log")" 'PostgreSQL refused a row \(22[0-9A-Z]{3}: [^)]+\)' "a poison row: PostgreSQL's SQLSTATE and reason in the log"

# Byte for byte: each message, re-encoded by jq on both sides.
got=$(pg_q "SELECT json_agg(json_build_object('criticality', criticality::text, 'eventMessage', message) ORDER BY time_ns) FROM events" |
      jq -c 'map({criticality, eventMessage})')
want=$(jq -c -s 'map({criticality: (.criticality | tostring), eventMessage})' <(sed 's/"criticality":\(-\{0,1\}[0-9]*\)/"criticality":"\1"/' "$T/valid.jsonl"))
is "$got" "$want" "every message and criticality stored byte for byte (int64 extremes exact)"
is "$(pg_q "SELECT extra::text FROM events WHERE message = 'extras'" | jq -c -S .)" '{"nested":{"a":[1,"two",null],"b":"\"q\""},"user":"o'"'"'brien\\\t"}' \
    "extra members in jsonb, as sent"
is "$(pg_q "SELECT key FROM events WHERE message = 'extras'")" acct-7 "the key in its column"
is "$(pg_q "SELECT coalesce(key, 'NULL') || ' ' || extra::text FROM events WHERE message = 'key not a string'")" 'NULL {"key": 42}' \
    "a key that is not a string stays a member"
is "$(pg_q "SELECT count(*) FROM pg_tables WHERE tablename = 'events'")" 1 "the table is still there"

reply=$("$NATSCLI" req "$NATS_URL" query '{"last_events_count":100,"min_criticality":-9223372036854775808}' 5000)
# Strictly greater than int64 min: every event but the one at int64 min.
is "$(printf '%s' "$reply" | jq -c '.events | reverse | map(.eventMessage)')" "$(jq -c -s 'map(select(.eventMessage != "int64 min") | .eventMessage)' "$T/valid.jsonl")" \
    "pg-query answers every message above int64 min byte for byte, newest first"
is "$(printf '%s' "$reply" | grep -o '"criticality":-\{0,1\}[0-9]*' | sort | tr '\n' ' ')" \
    "$(grep -v '"int64 min"' "$T/valid.jsonl" | grep -o '"criticality":-\{0,1\}[0-9]*' | sort | tr '\n' ' ')" "and int64 max exactly"
is "$("$NATSCLI" req "$NATS_URL" query '{"last_events_count":5,"criticality_in":[-9223372036854775808]}' 5000 | grep -o '"criticality":-[0-9]*,[^,]*,"eventMessage":"int64 min"' | cut -d, -f1)" \
    '"criticality":-9223372036854775808' "int64 min exactly, through criticality_in"
stop_evhost w
is "$?" 0 "host stops cleanly"
done_testing
