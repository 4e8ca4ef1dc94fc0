#!/bin/bash
# http-ingest's accounts in PostgreSQL: POST /accounts creates (201, 409
# for an id taken, 400 for a bad one), GET /accounts/<id> reads (200, 404),
# both behind the bearer token (401); PUT|POST /events/<key> is taken only
# for an active account (202), unknown 404, inactive 403, and an account
# deactivated in the table is refused once the cache's TTL has passed.
# Every event answered 202 becomes exactly one row (pg-sink), with its key.
# The table dropped is made again; PostgreSQL down is 503, then fine.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip_all "postgresql 15 not installed"
[ -f "$top_builddir/plugins/http-ingest/.libs/http-ingest.so" ] ||
    skip_all "http-ingest not built (configured with --disable-http-ingest)"
start_nats
start_pg
TOKEN=tok-$RANDOM$RANDOM$RANDOM
(umask 077 && printf '%s\n' "$TOKEN" >"$T/token")
host_cfg "$T/h.cfg" h "{ plugin = \"http-ingest\"; name = \"ingest\"; publish = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; };
  config = { listen = \"127.0.0.1:0\"; token_file = \"$T/token\"; threads = 2;
             accounts = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\";
                          cache_ttl_ms = 3000; }; }; },
{ plugin = \"pg-sink\"; name = \"writer\"; subscribe = \"events\";
  jetstream = { stream = \"EVENTS\"; subjects = [\"events\"]; durable = \"pg-sink\"; };
  config = { conninfo = \"$PG_CONNINFO\"; password_file = \"$PG_PASSWORD_FILE\"; flush_interval_ms = 50; }; }"
out=$("$EVHOST" -t -c "$T/h.cfg" 2>&1)
is "$?" 0 "the config with an accounts group passes evhost -t"
[ -n "$out" ] && diag "$out"
start_evhost h "$T/h.cfg"
wait_running "$T/h.cfg" 60
is "$?" 0 "http-ingest and pg-sink running"
HP=$(http_port "$T/h.log")
# http METHOD PATH [curl args]: the status; the body in $T/resp
http() {
    local m=$1 p=$2
    shift 2
    curl -s -o "$T/resp" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $TOKEN" "$@" "http://127.0.0.1:$HP$p"
}
is "$(pg_q "SELECT count(*) FROM pg_tables WHERE tablename = 'account'")" 1 "the account table is made at start"
is "$(http POST /accounts -d '{"id":"acct-a","name":"Alice'"'"'s \"shop\""}')" 201 "POST /accounts: 201"
is "$(jq -c '{id, name, is_active}' "$T/resp")" '{"id":"acct-a","name":"Alice'"'"'s \"shop\"","is_active":true}' "  the account as created"
is "$(http POST /accounts -d '{"id":"acct-b","name":"Bob","is_active":false}')" 201 "an inactive one: 201"
is "$(http POST /accounts -d '{"id":"acct-a","name":"again"}')" 409 "the same id again: 409"
is "$(http POST /accounts -d '{"id":"../x","name":"bad"}')" 400 "a bad id: 400"
is "$(http POST /accounts -d '{"id":"x"')" 400 "bad JSON: 400"
is "$(http POST /accounts -d '{"id":"x","name":"n","is_active":"yes"}')" 400 "is_active not a bool: 400"
is "$(http GET /accounts/acct-a)" 200 "GET /accounts/acct-a: 200"
is "$(jq -r .name "$T/resp")" "Alice's \"shop\"" "  the name byte for byte"
is "$(http GET /accounts/nobody)" 404 "GET an unknown account: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/accounts/acct-a")" 401 "without the token: 401"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"id":"z","name":"z"}' "http://127.0.0.1:$HP/accounts")" 401 "creating without the token: 401"
is "$(pg_q "SELECT count(*) FROM account")" 2 "two accounts in the table"

ev='{"criticality":5,"timestamp":"2024-06-01T00:00:00Z","eventMessage":"m"}'
N=20
acc=0
for i in $(seq 1 $N); do
    s=$(http PUT /events/acct-a -d '{"criticality":'$i',"timestamp":"2024-06-01T00:00:'$(printf %02d $i)'Z","eventMessage":"event '$i'"}')
    [ "$s" = 202 ] && acc=$((acc + 1))
done
is "$acc" $N "PUT /events/<active account>: $N times 202"
is "$(http POST /events/acct-b -d "$ev")" 403 "an inactive account: 403"
is "$(jq -r .error "$T/resp")" inactive_account "  said so"
is "$(http PUT /events/nobody -d "$ev")" 404 "an unknown account: 404"
is "$(jq -r .error "$T/resp")" unknown_account "  said so"
rows() { pg_q "SELECT count(*) FROM events"; }
rows_ge() { [ "$(rows)" -ge "$1" ]; }
wait_for 30 rows_ge $N
sleep 0.5
is "$(rows)" $N "exactly $N rows, none for the refused requests"
is "$(pg_q "SELECT count(*) FROM events WHERE key = 'acct-a'")" $N "each with its account key"

# Deactivated in the table: answered from the cache until the TTL ends.
pg_q "UPDATE account SET is_active = false WHERE id = 'acct-a'" >/dev/null
refused() { [ "$(http PUT /events/acct-a -d "$ev")" = 403 ]; }
wait_for 30 refused
is "$?" 0 "deactivated in the table: 403 once the cache's TTL has passed"
pg_q "UPDATE account SET is_active = true WHERE id = 'acct-a'" >/dev/null
taken() { [ "$(http PUT /events/acct-a -d "$ev")" = 202 ]; }
wait_for 30 taken
is "$?" 0 "active again: 202 again"
# The table dropped: made again at the next request.
pg_q "DROP TABLE account" >/dev/null
is "$(http POST /accounts -d '{"id":"acct-c","name":"Carol"}')" 201 "the table dropped: made again, 201"
# PostgreSQL down: an account not in the cache is 503, then fine again.
stop_pg
is "$(http PUT /events/acct-new -d "$ev")" 503 "PostgreSQL down: an account it cannot check is 503"
is "$(jq -r .error "$T/resp")" unavailable "  said so"
restart_pg
back() { [ "$(http POST /accounts -d '{"id":"acct-d","name":"Dan"}')" = 201 ]; }
wait_for 30 back
is "$?" 0 "PostgreSQL back: POST /accounts 201 on a new connection"
is "$(http PUT /events/acct-d -d "$ev")" 202 "  and its events 202"
grep -q "$(head -1 "$PG_PASSWORD_FILE")" "$T/h.log"
is "$?" 1 "the password is never in the log"
stop_evhost h
is "$?" 0 "host stops cleanly"
done_testing
