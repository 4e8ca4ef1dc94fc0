#!/bin/bash
# The systemd template unit: systemd-analyze verify passes on it (with the
# ExecStart binary and the man pages it names really there), a broken copy
# is refused, its sandboxing scores as "OK" in systemd-analyze security;
# and $CREDENTIALS_DIRECTORY (LoadCredential=) supplies a secret named by
# a bare file name.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"

unit="$top_builddir/etc/systemd/evhost@.service"
ok "make built the unit" test -f "$unit"
unlike "$(cat "$unit")" '@[a-z]+@' "...with every @variable@ substituted"
like "$(grep '^ExecStart=' "$unit")" "^ExecStart=.*/bin/evhost -c .*/evhost/%i.cfg$" "ExecStart runs evhost -c <sysconfdir>/evhost/%i.cfg"
for l in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure \
         RestartPreventExitStatus=1 User=evhost NoNewPrivileges=yes \
         ProtectSystem=strict PrivateTmp=yes StateDirectory=evhost; do
    ok "unit has $l" grep -qxF "$l" "$unit"
done

if ! command -v systemd-analyze >/dev/null; then
    diag "systemd-analyze not installed: verify skipped (apt-get install systemd)"
    done_testing
fi
# verify needs the ExecStart binary and the Documentation= man pages to
# exist: the unit as the build makes it, pointed at this build's evhost,
# and the man pages from a DESTDIR install.
D="$T/destdir"
make -C "$top_builddir" install-man DESTDIR="$D" >"$T/install.log" 2>&1
mkdir -p "$T/u"
sed -e "s|^ExecStart=[^ ]*|ExecStart=$EVHOST|" "$unit" >"$T/u/evhost@.service"
manpath=$(find "$D" -type d -name man | head -1)
out=$(MANPATH="$manpath" SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$T/u/evhost@.service" 2>&1)
is "$?:$out" "0:" "systemd-analyze verify: no complaint"
sed 's/^Type=notify/Type=notfy/' "$T/u/evhost@.service" >"$T/u/bad@.service"
out=$(MANPATH="$manpath" systemd-analyze verify "$T/u/bad@.service" 2>&1)
like "$out" "Failed to parse service type" "...and the same check refuses a broken copy"
sec=$(systemd-analyze security --offline=yes "$T/u/evhost@.service" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
diag "systemd-analyze security: exposure $sec (0 = locked down, 10 = unprotected)"
ok "sandboxing: exposure below 3 (\"OK\")" awk -v s="$sec" 'BEGIN { exit !(s != "" && s < 3) }'

# --- $CREDENTIALS_DIRECTORY: a bare name is a credential ----------------
TOKEN="tok-$RANDOM-$RANDOM-secret"
NP=$(free_port)
printf 'listen: 127.0.0.1:%s\nauthorization { token: "%s" }\n' "$NP" "$TOKEN" >"$T/auth.conf"
nats-server -c "$T/auth.conf" >"$T/auth.nlog" 2>&1 &
track_pid $!
_wait_listen $! "$NP" 15 || { echo "Bail out! nats-server did not start"; exit 1; }
mkdir -p "$T/creds"
printf '%s\n' "$TOKEN" >"$T/creds/nats_token"
chmod 600 "$T/creds/nats_token"
NATS_URL="nats://127.0.0.1:$NP" NATS_EXTRA='token_file = "nats_token";' \
    host_cfg "$T/c.cfg" cred "{ plugin = \"testplug\"; subscribe = \"c\"; }"
CREDENTIALS_DIRECTORY="$T/creds" start_evhost cred "$T/c.cfg"
stats_ok() { CREDENTIALS_DIRECTORY="$T/creds" "$EVHOST" --stats -c "$T/c.cfg" >/dev/null 2>&1; }
wait_for 30 stats_ok
ok "token_file = \"nats_token\" read from \$CREDENTIALS_DIRECTORY: host connected and answers --stats" stats_ok
stop_evhost cred
is "$?" 0 "...and stops cleanly"
unlike "$(cat "$T/cred.log")" "$TOKEN" "the token is never logged"
out=$(cd "$T" && CREDENTIALS_DIRECTORY="$T/nowhere" "$EVHOST" -c "$T/c.cfg" 2>&1)
is "$?" 1 "a credential that is not there: exit 1"
like "$out" "cannot open $T/nowhere/nats_token" "...naming the path it looked at"
done_testing
