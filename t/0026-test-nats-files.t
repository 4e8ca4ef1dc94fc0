#!/bin/bash
# evhost -t reads every file of the `nats` block the run would read
# (password, token, creds, nkey seed, TLS CA/cert/key): a missing or
# unusable one is a rejected configuration naming the key, never "OK"
# followed by exit 1 at start; a good one is OK and its secret is never
# printed.  No server needed: -t does not connect.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"

SECRET="s3cr3t-$RANDOM-$RANDOM"
for f in pw token creds seed key; do printf '%s\n' "$SECRET" >"$T/$f"; chmod 600 "$T/$f"; done
printf 'not a real CA\n' >"$T/ca.pem"; cp "$T/ca.pem" "$T/cert.pem"
mkdir "$T/dir"
NATS_URL=nats://127.0.0.1:1

t_check() { # desc nats-block want-exit want-regex
    printf 'host = { name = "t"; };\nnats = { servers = ["%s"]; %s };\nplugins = ( { plugin = "testplug"; } );\n' \
        "$NATS_URL" "$2" >"$T/t.cfg"
    local out rc
    out=$(timeout 20 "$EVHOST" -t -c "$T/t.cfg" 2>&1); rc=$?
    is "$rc" "$3" "$1: exit $3"
    like "$out" "$4" "$1: says so"
    unlike "$out" "$SECRET" "$1: no secret in the output"
}

OKRE='configuration OK'
t_check "all files present" "user = \"u\"; password_file = \"$T/pw\"; token_file = \"$T/token\";
  creds_file = \"$T/creds\"; nkey = \"UABC\"; nkey_seed_file = \"$T/seed\";
  tls = { ca_file = \"$T/ca.pem\"; cert_file = \"$T/cert.pem\"; key_file = \"$T/key\"; };" 0 "$OKRE"

for k in password_file token_file creds_file nkey_seed_file; do
    extra=""
    [ $k = password_file ] && extra='user = "u";'
    [ $k = nkey_seed_file ] && extra='nkey = "UABC";'
    t_check "missing $k" "$extra $k = \"$T/missing-$k\";" 1 "nats\\.$k: .*missing-$k"
done
t_check "empty password file" "user = \"u\"; password_file = \"/dev/null\";" 1 'nats\.password_file: '
t_check "directory as token file" "token_file = \"$T/dir\";" 1 'nats\.token_file: '
for k in ca_file cert_file key_file; do

    case $k in
    ca_file) tls="ca_file = \"$T/missing-$k\"; cert_file = \"$T/cert.pem\"; key_file = \"$T/key\";" ;;
    cert_file) tls="ca_file = \"$T/ca.pem\"; cert_file = \"$T/missing-$k\"; key_file = \"$T/key\";" ;;
    key_file) tls="ca_file = \"$T/ca.pem\"; cert_file = \"$T/cert.pem\"; key_file = \"$T/missing-$k\";" ;;
    esac
    t_check "missing tls.$k" "tls = { $tls };" 1 "nats\\.tls\\.$k: .*missing-$k"
done
# A FIFO as the CA file: checked without opening it, so -t cannot block.
mkfifo "$T/ca.fifo"
t_check "FIFO as tls.ca_file" "tls = { ca_file = \"$T/ca.fifo\"; };" 1 'nats\.tls\.ca_file: .*not a regular file'
# Every bad file in one run, not just the first.
t_check "two bad files" "user = \"u\"; password_file = \"$T/nope1\"; token_file = \"$T/nope2\";" 1 \
    'nats\.password_file: .*nope1.*nats\.token_file: .*nope2'
done_testing
