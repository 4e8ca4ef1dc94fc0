#!/bin/bash
# NATS over TLS (server verification, mutual TLS), user + password file,
# token file, subject permissions: each works, each failure is one clear
# log line, and no secret ever reaches a log.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v openssl >/dev/null || skip_all "openssl not installed"

PW="pw-$RANDOM-$RANDOM-secret"
TOKEN="tok-$RANDOM-$RANDOM-secret"

# --- a CA, a server certificate for 127.0.0.1/localhost, a client cert ----
ca() { # dir
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=evhost test CA $1" \
        -keyout "$T/$1/ca.key" -out "$T/$1/ca.pem" 2>/dev/null
}
cert() { # ca-dir name cn [ext]
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$3" -keyout "$T/$1/$2.key" \
        -out "$T/$1/$2.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$T/$1/$2.ext"
    openssl x509 -req -in "$T/$1/$2.csr" -CA "$T/$1/ca.pem" -CAkey "$T/$1/ca.key" \
        -CAcreateserial -days 2 -extfile "$T/$1/$2.ext" -out "$T/$1/$2.pem" 2>/dev/null
}
mkdir -p "$T/pki" "$T/other"
ca pki; cert pki server localhost; cert pki client client
ca other; cert other client client   # signed by a CA the server does not trust
printf '%s\n' "$PW" >"$T/pw"; printf 'wrong\n' >"$T/badpw"; printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/pw" "$T/badpw" "$T/token"

run_nats() { # name config-body -> port in PORT_<name>
    local port; port=$(free_port)
    printf 'listen: 127.0.0.1:%s\n%s\n' "$port" "$2" >"$T/$1.conf"
    nats-server -c "$T/$1.conf" >"$T/$1.nlog" 2>&1 &
    track_pid $!
    printf -v "PORT_$1" '%s' "$port"
    _wait_listen $! "$port" 10 || { echo "Bail out! nats-server ($1) did not start on $port"; exit 1; }
}


run_nats tls "tls { cert_file: \"$T/pki/server.pem\", key_file: \"$T/pki/server.key\", ca_file: \"$T/pki/ca.pem\", verify: true }
authorization { users = [ { user: \"evh\", password: \"$PW\",
  permissions: { publish: [\"ok.>\", \"_INBOX.>\", \"evhost.>\"], subscribe: [\">\"] } } ] }"
run_nats tok "authorization { token: \"$TOKEN\" }"

cfg() { # file nats-block plugins
    printf 'host = { name = "%s"; stop_timeout_ms = 3000; };\nnats = { %s };\nplugins = ( %s );\n' \
        "$(basename "$1" .cfg)" "$2" "$3" >"$1"
}
TLS="servers = [\"tls://127.0.0.1:$PORT_tls\"]; user = \"evh\"; password_file = \"$T/pw\";
  tls = { ca_file = \"$T/pki/ca.pem\"; cert_file = \"$T/pki/client.pem\"; key_file = \"$T/pki/client.key\"; hostname = \"localhost\"; };"

# --- mutual TLS + user/password: N of N ------------------------------------
cfg "$T/tsub.cfg" "$TLS" "{ plugin = \"testplug\"; subscribe = \"ok.x\"; config = { out = \"$T/tsub.out\"; }; }"
cfg "$T/tpub.cfg" "$TLS" "{ plugin = \"testplug\"; publish = \"ok.x\"; config = { publish_n = 500; }; }"
start_evhost tsub "$T/tsub.cfg"
wait_running "$T/tsub.cfg" 30
"$EVHOST" -c "$T/tpub.cfg" 2>"$T/tpub.log"
is "$?" 0 "mutual TLS + password: publisher ok"
wait_for 10 test "$(wc -l <"$T/tsub.out" 2>/dev/null || echo 0)" -ge 500
is "$(wc -l <"$T/tsub.out" | tr -d ' ')" 500 "mutual TLS + password: 500 of 500 delivered"
out=$("$EVHOST" --stats -c "$T/tsub.cfg" 2>&1)
like "$out" '"seen":500' "--stats works over TLS with credentials"
stop_evhost tsub

# --- permission violation: clear log line, counted, no crash ---------------
cfg "$T/perm.cfg" "$TLS" "{ plugin = \"testplug\"; publish = \"forbidden.x\"; config = { publish_n = 3; }; }"
"$EVHOST" -c "$T/perm.cfg" 2>"$T/perm.log"
is "$?" 0 "publishing to a forbidden subject: host does not crash"
like "$(cat "$T/perm.log")" 'NATS error: .*Permissions Violation for Publish to \\"forbidden.x\\"' "permission violation: clear log line"

# --- wrong password / unknown client cert / no CA: one clear line, exit 1 --
cfg "$T/badpw.cfg" "${TLS//$T\/pw/$T/badpw}" "{ plugin = \"testplug\"; }"
"$EVHOST" -c "$T/badpw.cfg" 2>"$T/badpw.log"
is "$?" 1 "wrong password: exit 1 (config error), no retry loop"
like "$(cat "$T/badpw.log")" 'cannot connect to NATS at tls://127.0.0.1:[0-9]+: .*(Authorization|auth)' "wrong password: says authorization failed"

cfg "$T/badcert.cfg" "${TLS//$T\/pki\/client/$T/other/client}" "{ plugin = \"testplug\"; }"
timeout 20 "$EVHOST" -c "$T/badcert.cfg" 2>"$T/badcert.log"; rc=$?
ok "client cert from an unknown CA: refused, exit 1 or 2 (rc=$rc)" test "$rc" -eq 1 -o "$rc" -eq 2
like "$(cat "$T/badcert.log")" 'cannot connect to NATS|NATS not reachable' "client cert from an unknown CA: logged"

NOCA="servers = [\"tls://127.0.0.1:$PORT_tls\"]; user = \"evh\"; password_file = \"$T/pw\"; tls = { cert_file = \"$T/pki/client.pem\"; key_file = \"$T/pki/client.key\"; };"
cfg "$T/noca.cfg" "$NOCA" "{ plugin = \"testplug\"; }"
timeout 20 "$EVHOST" -c "$T/noca.cfg" 2>"$T/noca.log"; rc=$?
ok "server cert not trusted (no CA given): refused (rc=$rc)" test "$rc" -eq 1 -o "$rc" -eq 2
like "$(cat "$T/noca.log")" '(SSL|certificate|handshake)' "server cert not trusted: the TLS reason is logged"

# --- token file ------------------------------------------------------------
cfg "$T/toks.cfg" "servers = [\"nats://127.0.0.1:$PORT_tok\"]; token_file = \"$T/token\";" \
    "{ plugin = \"testplug\"; subscribe = \"t\"; config = { out = \"$T/toks.out\"; }; }"
cfg "$T/tokp.cfg" "servers = [\"nats://127.0.0.1:$PORT_tok\"]; token_file = \"$T/token\";" \
    "{ plugin = \"testplug\"; publish = \"t\"; config = { publish_n = 50; }; }"
start_evhost toks "$T/toks.cfg"
wait_running "$T/toks.cfg" 30
"$EVHOST" -c "$T/tokp.cfg" 2>"$T/tokp.log"
wait_for 10 test "$(wc -l <"$T/toks.out" 2>/dev/null || echo 0)" -ge 50
is "$(wc -l <"$T/toks.out" | tr -d ' ')" 50 "token file: 50 of 50 delivered"
stop_evhost toks
cfg "$T/badtok.cfg" "servers = [\"nats://127.0.0.1:$PORT_tok\"]; token_file = \"$T/badpw\";" "{ plugin = \"testplug\"; }"
"$EVHOST" -c "$T/badtok.cfg" 2>"$T/badtok.log"
is "$?" 1 "wrong token: exit 1"
like "$(cat "$T/badtok.log")" 'cannot connect to NATS.*(Authorization|auth)' "wrong token: clear line"
cfg "$T/notok.cfg" "servers = [\"nats://127.0.0.1:$PORT_tok\"]; token_file = \"$T/missing\";" "{ plugin = \"testplug\"; }"
"$EVHOST" -c "$T/notok.cfg" 2>"$T/notok.log"
is "$?" 1 "missing token file: exit 1"
like "$(cat "$T/notok.log")" "nats.token_file: cannot open $T/missing" "missing token file: names the file"

# --- no secret in any log or stats output ----------------------------------
leaks=$(cat "$T"/*.log "$T"/*.nlog 2>/dev/null | grep -c -e "$PW" -e "$TOKEN")
is "$leaks" 0 "no password or token in any log"
done_testing
