#!/bin/bash
# Core NATS through the real host: publish -> subscribe exactly N of N,
# request/reply, a queue group sharing work between two hosts, timers.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
start_nats


# --- N of N ---------------------------------------------------------------
N=5000
host_cfg "$T/sub.cfg" sub "{ plugin = \"testplug\"; subscribe = \"core.>\"; config = { out = \"$T/sub.out\"; }; }"
host_cfg "$T/pub.cfg" pub "{ plugin = \"testplug\"; publish = \"core.a\"; config = { publish_n = $N; }; }"
start_evhost sub "$T/sub.cfg"
wait_running "$T/sub.cfg" 30
"$EVHOST" -c "$T/pub.cfg" 2>"$T/pub.log"
is "$?" 0 "publisher exits 0 when done"
wait_for 10 has_lines "$T/sub.out" $N
is "$(lines "$T/sub.out")" $N "subscriber got exactly $N messages"
is "$(sort -u "$T/sub.out" | wc -l | tr -d ' ')" $N "all $N distinct"
is "$(grep -c '^core.a m' "$T/sub.out")" $N "subject and payload delivered intact"
stop_evhost sub
is "$?" 0 "subscriber stops with exit 0 on SIGTERM"

# --- request / reply -------------------------------------------------------
host_cfg "$T/echo.cfg" echo "{ plugin = \"testplug\"; subscribe = \"svc.echo\"; queue = \"echoers\"; config = { echo = true; }; }"
host_cfg "$T/req.cfg" req "{ plugin = \"testplug\"; publish = \"svc.echo\"; config = { request = \"hello\"; out = \"$T/req.out\"; }; }"
start_evhost echo "$T/echo.cfg"
wait_running "$T/echo.cfg" 30
"$EVHOST" -c "$T/req.cfg" 2>"$T/req.log"
is "$(cat "$T/req.out")" "reply echo:hello" "request/reply round trip"
stop_evhost echo
rm -f "$T/req.out"
"$EVHOST" -c "$T/req.cfg" 2>"$T/req2.log"
is "$(cat "$T/req.out")" "error no responders" "request without a responder: no responders, promptly"

# --- queue group: two hosts share the work ----------------------------------
N=4000
for i in 1 2; do
    host_cfg "$T/q$i.cfg" "q$i" "{ plugin = \"testplug\"; subscribe = \"work\"; queue = \"workers\"; config = { out = \"$T/q$i.out\"; }; }"
    start_evhost "q$i" "$T/q$i.cfg"
done
wait_running "$T/q1.cfg" 30
wait_running "$T/q2.cfg" 30
host_cfg "$T/qp.cfg" qp "{ plugin = \"testplug\"; publish = \"work\"; config = { publish_n = $N; }; }"
"$EVHOST" -c "$T/qp.cfg" 2>"$T/qp.log"
both() { [ $(( $(lines "$T/q1.out") + $(lines "$T/q2.out") )) -ge $N ]; }
wait_for 10 both
a=$(lines "$T/q1.out"); b=$(lines "$T/q2.out")
diag "queue group split: host q1 got $a, host q2 got $b"
is "$((a + b))" $N "queue group: exactly $N delivered in total"
ok "queue group: both hosts got a share" test "$a" -gt 0 -a "$b" -gt 0
is "$(cat "$T/q1.out" "$T/q2.out" | sort -u | wc -l | tr -d ' ')" $N "queue group: no message delivered twice"
stop_evhost q1; stop_evhost q2

# --- timers -----------------------------------------------------------------
host_cfg "$T/tick.cfg" tick "{ plugin = \"testplug\"; config = { tick_ms = 100; ticks = \"$T/ticks\"; }; }"
start_evhost tick "$T/tick.cfg"
sleep 2.05
stop_evhost tick
n=$(lines "$T/ticks")
diag "100 ms timer fired $n times in ~2 s"
ok "timer fired 17..22 times in 2 s at 100 ms" test "$n" -ge 17 -a "$n" -le 22
gaps=$(awk 'NR>1 { g = $2 - p; if (g < 80 || g > 160) bad++ } { p = $2 } END { print bad + 0 }' "$T/ticks")
is "$gaps" 0 "every interval between ticks is 80..160 ms"
done_testing
