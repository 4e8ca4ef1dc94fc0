#!/bin/bash
# The systemd notify protocol (Type=notify, sd_notify(3)) for real: evhost
# runs with NOTIFY_SOCKET pointing at a datagram socket this test reads.
# READY=1 only once NATS is up and every instance started; STATUS= with
# the counters; RELOADING=1 then READY=1 around SIGHUP; STOPPING=1 on
# SIGTERM; WATCHDOG=1 at half of WATCHDOG_USEC, never as far apart as it.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h" ||
    skip_all "built --without-systemd"
command -v python3 >/dev/null || skip_all "python3 is not installed"
NATSCLI="$top_builddir/t/tools/evh-nats"

SOCK="$T/notify.sock" MSGS="$T/notify.msgs"
python3 "$top_srcdir/t/tools/notify-reader.py" "$SOCK" "$MSGS" &
track_pid $!
wait_for 10 test -S "$SOCK"
: >>"$MSGS"
has_msg() { grep -q -- "$1" "$MSGS"; }
count_msg() { grep -c -- "$1" "$MSGS"; }

# --- NATS not up yet: no READY=1 until it is and the instances started ---
NATS_PORT=$(free_port); NATS_URL="nats://127.0.0.1:$NATS_PORT"
NATS_EXTRA='reconnect_wait_ms = 100;'
host_cfg "$T/n.cfg" n "{ plugin = \"testplug\"; name = \"a\"; subscribe = \"nt\"; config = { out = \"$T/a.out\"; }; },
{ plugin = \"testplug\"; name = \"b\"; subscribe = \"nt\"; config = { out = \"$T/b.out\"; }; }"
NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=2000000 start_evhost n "$T/n.cfg"
sleep 3
ok "host waiting for NATS is alive" kill -0 "$EVH_PID_n"
is "$(count_msg 'READY=1')" 0 "no READY=1 while NATS is down (instances not started)"
ok "...but the watchdog is fed while it waits ($(count_msg 'WATCHDOG=1') pings in 3 s)" test "$(count_msg 'WATCHDOG=1')" -ge 1
like "$(grep 'STATUS=' "$MSGS" | head -1)" 'STATUS=0 of 2 instances running; in 0, out 0, errors 0, drops 0; NATS disconnected, 0 reconnects$' \
    "...and STATUS= says what it waits for"
start_nats
wait_for 30 has_msg 'READY=1'
s=$("$EVHOST" --stats -c "$T/n.cfg")
is "$(printf '%s' "$s" | grep -o '"state":"[a-z]*"' | sort | uniq -c | tr -s ' ')" ' 2 "state":"running"' \
    "READY=1 sent: both instances already running"
like "$(grep 'READY=1' "$MSGS" | head -1)" 'READY=1\|STATUS=2 of 2 instances running; in 0, out 0, errors 0, drops 0; NATS connected' \
    "READY=1 comes with the first STATUS= line"

# --- STATUS= follows the counters -----------------------------------------
seq 1 50 | sed 's/^/n/' >"$T/in.txt"
"$NATSCLI" pub "$NATS_URL" nt "$T/in.txt"
wait_for 10 has_lines "$T/b.out" 50
wait_for 10 has_msg 'STATUS=2 of 2 instances running; in 100,'
like "$(grep 'STATUS=' "$MSGS" | tail -1)" 'STATUS=2 of 2 instances running; in 100, out 0, errors 0, drops 0; NATS connected, 0 reconnects' \
    "STATUS= counts the 2 x 50 messages delivered"

# --- watchdog: WATCHDOG_USEC=2 s, a ping every second ----------------------
sleep 5
pings=$(count_msg '^[0-9]* WATCHDOG=1$')
ok "watchdog pinged at least 4 times in the first ~7 s ($pings)" test "$pings" -ge 4
gaps=$(grep 'WATCHDOG=1$' "$MSGS" | awk 'NR > 1 { g = $1 - p; if (NR == 2 || g > mx) mx = g; if (NR == 2 || g < mn) mn = g } { p = $1 } END { print mn + 0, mx + 0 }')
diag "gaps between two pings: shortest, longest ${gaps/ / ms, } ms"
ok "no two pings 2 s (WATCHDOG_USEC) apart" test "${gaps#* }" -lt 2000
ok "...nor closer than about the 1 s period (not a busy loop)" test "${gaps% *}" -ge 800

# --- SIGHUP: RELOADING=1, then READY=1 -------------------------------------
before=$(count_msg 'READY=1')
kill -HUP "$EVH_PID_n"
ready_again() { [ "$(count_msg 'READY=1')" -gt "$before" ]; }
wait_for 20 ready_again
order=$(grep -o -E 'RELOADING=1|READY=1' "$MSGS" | tr '\n' ' ')
is "$order" "READY=1 RELOADING=1 READY=1 " "SIGHUP: RELOADING=1, then READY=1 when the reload is done"
like "$(grep 'RELOADING=1' "$MSGS")" 'RELOADING=1\|MONOTONIC_USEC=[0-9]+$' "RELOADING=1 carries MONOTONIC_USEC"

# --- SIGTERM: STOPPING=1 ---------------------------------------------------
stop_evhost n
is "$?" 0 "SIGTERM: exit 0"
wait_for 5 has_msg 'STOPPING=1'
like "$(grep -v WATCHDOG "$MSGS" | tail -1)" 'STOPPING=1$' "SIGTERM: STOPPING=1 is the last message"

# --- a watchdog meant for another process is not ours (WATCHDOG_PID) ------
: >"$MSGS"
host_cfg "$T/w.cfg" w "{ plugin = \"testplug\"; subscribe = \"nt2\"; }"
NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=200000 WATCHDOG_PID=1 start_evhost w "$T/w.cfg"
wait_for 30 has_msg 'READY=1'
sleep 1
is "$(count_msg 'WATCHDOG=1')" 0 "WATCHDOG_PID of another process: no pings"
stop_evhost w

# --- an instance that fails to start: never READY=1 ------------------------
: >"$MSGS"
host_cfg "$T/f.cfg" f "{ plugin = \"testplug\"; name = \"fine\"; subscribe = \"nt3\"; }, { plugin = \"startfail\"; }"
NOTIFY_SOCKET="$SOCK" "$EVHOST" -c "$T/f.cfg" 2>"$T/f.log"
is "$?" 1 "an instance failing to start: exit 1"
sleep 0.5
is "$(count_msg 'READY=1')" 0 "...and READY=1 was never sent"
done_testing
