#!/bin/bash
# NATS decentralized auth with a creds file (user JWT + seed): an operator,
# account and user made here with openssl (t/tools/nats-creds.py, no nsc),
# nats-server in operator mode with the account preloaded.  300 of 300
# delivered; a connection without creds is refused (the server really
# checks); creds of a user from an account the server does not know are one
# clear line and exit 1; neither seed nor JWT reaches a log.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v openssl >/dev/null || skip_all "openssl not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
NATSCLI="$top_builddir/t/tools/evh-nats"
MK="$top_srcdir/t/tools/nats-creds.py"

mkdir -p "$T/good" "$T/stranger"
SEED=$(python3 "$MK" "$T/good") && STRANGER=$(python3 "$MK" "$T/stranger")
is "$?" 0 "operator, account and user keys and JWTs made"
chmod 600 "$T/good/user.creds" "$T/stranger/user.creds"

PORT=$(free_port)
{ printf 'listen: 127.0.0.1:%s\n' "$PORT"; cat "$T/good/server.conf.part"; } >"$T/cr.conf"
nats-server -c "$T/cr.conf" >"$T/cr.nlog" 2>&1 &
track_pid $!
_wait_listen $! "$PORT" 10 || { _tail_log "$T/cr.nlog"; echo "Bail out! nats-server (operator mode) did not start"; exit 1; }
URL="nats://127.0.0.1:$PORT"

"$NATSCLI" req "$URL" x '' 500 2>"$T/anon.err"
ok "without creds the server refuses the connection" test $? -ne 0
like "$(cat "$T/anon.err")" 'connect' "...at connect"

cfg() { # file creds plugins
    printf 'host = { name = "%s"; };\nnats = { servers = ["%s"]; creds_file = "%s"; };\nplugins = ( %s );\n' \
        "$(basename "$1" .cfg)" "$URL" "$2" "$3" >"$1"
}
cfg "$T/csub.cfg" "$T/good/user.creds" "{ plugin = \"testplug\"; subscribe = \"cr\"; config = { out = \"$T/csub.out\"; }; }"
cfg "$T/cpub.cfg" "$T/good/user.creds" "{ plugin = \"testplug\"; publish = \"cr\"; config = { publish_n = 300; }; }"
start_evhost csub "$T/csub.cfg"
wait_running "$T/csub.cfg" 30
"$EVHOST" -c "$T/cpub.cfg" 2>"$T/cpub.log"
is "$?" 0 "creds file: the publisher connects and exits 0"
wait_for 10 has_lines "$T/csub.out" 300
is "$(lines "$T/csub.out")" 300 "creds file: 300 of 300 delivered"
like "$("$EVHOST" --stats -c "$T/csub.cfg" 2>&1)" '"seen":300' "--stats works with the creds file"
stop_evhost csub
is "$?" 0 "subscriber stops cleanly"

cfg "$T/bad.cfg" "$T/stranger/user.creds" "{ plugin = \"testplug\"; }"
timeout 20 "$EVHOST" -c "$T/bad.cfg" 2>"$T/bad.log"
is "$?" 1 "creds from an account the server does not know: exit 1"
like "$(cat "$T/bad.log")" "cannot connect to NATS at $URL: .*(Authorization|auth)" "...one clear line"
cfg "$T/none.cfg" "$T/missing.creds" "{ plugin = \"testplug\"; }"
"$EVHOST" -c "$T/none.cfg" 2>"$T/none.log"
is "$?" 1 "a missing creds file: exit 1"
like "$(cat "$T/none.log")" 'missing.creds' "...naming the file"
jwt=$(sed -n '2p' "$T/good/user.creds")
leaks=$(cat "$T"/*.log "$T"/*.nlog 2>/dev/null | grep -c -F -e "$SEED" -e "$STRANGER" -e "$jwt")
is "$leaks" 0 "no seed or JWT in any log"
done_testing
