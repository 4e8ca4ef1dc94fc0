#!/bin/bash
# A secret path that is a FIFO (or any non-regular file) never blocks the
# host (issue 14, item 8): evhost -t refuses it at once, for the NATS
# block's secrets and a plugin's; a SIGHUP reload to a config naming one
# is refused and SIGTERM still stops the daemon.
# Needs both halves of issue 14: the secret reader that opens without
# blocking (issue-15 branch) and -t reading the NATS files (issue-14
# branch).  Not registered in t/local.mk until both are merged.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
[ -f "$top_builddir/plugins/http-ingest/.libs/http-ingest.so" ] ||
    skip_all "http-ingest not built (configured with --disable-http-ingest)"
mkfifo "$T/fifo"
printf 'tok-%s\n' "$RANDOM$RANDOM" >"$T/token"
chmod 600 "$T/token"

tcheck() { # desc cfg-file
    local out rc
    out=$(timeout -k 5 20 "$EVHOST" -t -c "$2" 2>&1); rc=$?
    isnt_hang=$([ "$rc" = 124 ] || [ "$rc" = 137 ] && echo hung || echo answered)
    is "$isnt_hang" answered "$1: evhost -t does not block (20 s)"
    is "$rc" 1 "$1: exit 1"
    like "$out" 'fifo.*(not a regular file|FIFO)|(not a regular file|FIFO).*fifo' "$1: names the file and why"
}

NATS_URL=nats://127.0.0.1:1
host_cfg "$T/pw.cfg" pw '{ plugin = "testplug"; }'
sed -i "s|servers = \[\"$NATS_URL\"\];|servers = [\"$NATS_URL\"]; user = \"u\"; password_file = \"$T/fifo\";|" "$T/pw.cfg"
tcheck "nats.password_file is a FIFO" "$T/pw.cfg"
host_cfg "$T/tok.cfg" tok '{ plugin = "testplug"; }'
sed -i "s|servers = \[\"$NATS_URL\"\];|servers = [\"$NATS_URL\"]; token_file = \"$T/fifo\";|" "$T/tok.cfg"
tcheck "nats.token_file is a FIFO" "$T/tok.cfg"
ingest() { # token file
    printf '{ plugin = "http-ingest"; name = "ingest"; publish = "events";
  config = { listen = "127.0.0.1:0"; token_file = "%s"; }; }' "$1"
}
host_cfg "$T/plug.cfg" plug "$(ingest "$T/fifo")"
tcheck "a plugin's token_file is a FIFO" "$T/plug.cfg"

# SIGHUP to a config whose plugin secret is a FIFO: refused, still running,
# SIGTERM still stops it.
start_nats
host_cfg "$T/run.cfg" run "$(ingest "$T/token")"
start_evhost run "$T/run.cfg"
wait_running "$T/run.cfg" 30
host_cfg "$T/run.cfg" run "$(ingest "$T/fifo")"
kill -HUP "$EVH_PID_run"
wait_for 20 grep -Eq 'reload (refused|failed|rejected)|fifo' "$T/run.log"
like "$(cat "$T/run.log")" 'fifo' "SIGHUP with a FIFO secret: the reload names the file"
ok "  the daemon still answers --stats" timeout -k 5 20 "$EVHOST" --stats -c "$T/run.cfg"
stop_evhost run
rc=$?
is "$rc" 0 "  SIGTERM stops it cleanly (137 would be the SIGKILL after 30 s)"
done_testing
