#!/bin/bash
# NATS nkey authentication (ed25519 challenge): the host signs the server's
# nonce with the seed in nkey_seed_file.  Keys are made here with openssl
# (no nk tool needed): a seed is base32(prefix, 32-byte seed, CRC-16), the
# public key base32(prefix 'U', 32-byte key, CRC-16).  N of N delivered; a
# seed that does not match the configured public key is one clear line and
# exit 1; the seed never reaches a log.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v openssl >/dev/null || skip_all "openssl not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"

nkey_pair() { # name -> $T/name.seed, $T/name.pub
    openssl genpkey -algorithm ed25519 -outform DER -out "$T/$1.der" 2>/dev/null &&
    openssl pkey -inform DER -in "$T/$1.der" -pubout -outform DER -out "$T/$1.pubder" 2>/dev/null &&
    python3 - "$T/$1" <<'PY'
import base64, binascii, sys
p = sys.argv[1]
seed = open(p + ".der", "rb").read()[-32:]
pub = open(p + ".pubder", "rb").read()[-32:]
def enc(b):
    crc = binascii.crc_hqx(b, 0)          # CRC-16/XMODEM, little endian
    return base64.b32encode(b + bytes([crc & 0xff, crc >> 8])).decode().rstrip("=")
SEED, USER = 18 << 3, 20 << 3
open(p + ".seed", "w").write(enc(bytes([SEED | (USER >> 5), (USER & 31) << 3]) + seed) + "\n")
open(p + ".pub", "w").write(enc(bytes([USER]) + pub) + "\n")
PY
}
nkey_pair good
nkey_pair other
chmod 600 "$T/good.seed" "$T/other.seed"
PUB=$(cat "$T/good.pub")
like "$PUB" '^U[A-Z2-7]{55}$' "a user public nkey (U..., 56 characters)"
like "$(cat "$T/good.seed")" '^SU[A-Z2-7]{56}$' "a user seed (SU..., 58 characters)"

PORT=$(free_port)
printf 'listen: 127.0.0.1:%s\nauthorization { users = [ { nkey: "%s" } ] }\n' "$PORT" "$PUB" >"$T/nk.conf"
nats-server -c "$T/nk.conf" >"$T/nk.nlog" 2>&1 &
track_pid $!
_wait_listen $! "$PORT" 10 || { _tail_log "$T/nk.nlog"; echo "Bail out! nats-server (nkey) did not start"; exit 1; }

cfg() { # file seed-file plugins
    printf 'host = { name = "%s"; };\nnats = { servers = ["nats://127.0.0.1:%s"]; nkey = "%s"; nkey_seed_file = "%s"; };\nplugins = ( %s );\n' \
        "$(basename "$1" .cfg)" "$PORT" "$PUB" "$2" "$3" >"$1"
}
cfg "$T/nsub.cfg" "$T/good.seed" "{ plugin = \"testplug\"; subscribe = \"nk\"; config = { out = \"$T/nsub.out\"; }; }"
cfg "$T/npub.cfg" "$T/good.seed" "{ plugin = \"testplug\"; publish = \"nk\"; config = { publish_n = 300; }; }"
start_evhost nsub "$T/nsub.cfg"
wait_running "$T/nsub.cfg" 30
"$EVHOST" -c "$T/npub.cfg" 2>"$T/npub.log"
is "$?" 0 "nkey: the publisher connects and exits 0"
wait_for 10 has_lines "$T/nsub.out" 300
is "$(lines "$T/nsub.out")" 300 "nkey: 300 of 300 delivered"
stop_evhost nsub
is "$?" 0 "nkey: subscriber stops cleanly"

cfg "$T/bad.cfg" "$T/other.seed" "{ plugin = \"testplug\"; }"
timeout 20 "$EVHOST" -c "$T/bad.cfg" 2>"$T/bad.log"
is "$?" 1 "a seed not matching the configured key: exit 1, no retry loop"
like "$(cat "$T/bad.log")" 'cannot connect to NATS at nats://127.0.0.1:[0-9]+: .*(Authorization|auth)' "...one clear line"
is "$(grep -c 'cannot connect to NATS' "$T/bad.log")" 1 "...said once"
leaks=$(cat "$T"/*.log "$T"/*.nlog 2>/dev/null | grep -c -e "$(cat "$T/good.seed")" -e "$(cat "$T/other.seed")")
is "$leaks" 0 "no seed in any log"
done_testing
