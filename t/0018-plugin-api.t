#!/bin/bash
# The ABI 1.2 additions through the real host, with t/plugins/wired.c:
# a wiring declaration checked by evhost -t (needs subscribe + JetStream,
# refuses publish), module_init/fini once per .so whatever the number of
# instances, every config problem of one instance in one -t run (unknown
# keys included, through evh_config_status), and evh_msg_fail's reason in
# the dead letter.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
export EVH_TEST_MODULE_LOG="$T/module.log"
tcfg() { # name plugins-body
    printf 'nats = { servers = ["nats://127.0.0.1:1"]; };\nplugins = (\n%s\n);\n' "$2" >"$T/$1.cfg"
    out=$("$EVHOST" -t -c "$T/$1.cfg" 2>&1); rc=$?
}

# --- wiring ------------------------------------------------------------
tcfg bare '{ plugin = "wired"; }'
is "$rc" 1 "a sink without subscribe: evhost -t exits 1"
like "$out" 'bare.cfg:3: plugins\[0\]\.subscribe: required: plugin wired needs a `subscribe` subject' "no subscribe: file:line and what is needed"
like "$out" 'plugins\[0\]\.jetstream: required: plugin wired needs a `jetstream` block' "no jetstream: said in the same run"
tcfg core '{ plugin = "wired"; subscribe = "ev"; publish = "out"; }'
is "$rc" 1 "on core NATS and with publish: exit 1"
like "$out" 'needs a `jetstream` block' "core NATS refused for an at-least-once plugin"
like "$out" 'plugins\[0\]\.publish: plugin wired cannot work with a `publish` subject; remove it' "refused wiring: said, with the key"
tcfg good '{ plugin = "wired"; subscribe = "ev"; jetstream = { stream = "EV"; durable = "w"; }; }'
is "$rc" 0 "declared wiring present: evhost -t exits 0"
like "$out" 'wiring: on JetStream' "evh_instance_wiring at configure: on JetStream"
tcfg corew '{ plugin = "wired"; subscribe = "ev"; }'
like "$out" 'wiring: on core NATS' "evh_instance_wiring at configure: on core NATS"

# --- module_init / fini: once per .so --------------------------------
: >"$EVH_TEST_MODULE_LOG"
tcfg two '{ plugin = "wired"; name = "a"; subscribe = "ev"; jetstream = { stream = "EV"; durable = "a"; }; },
{ plugin = "wired"; name = "b"; subscribe = "ev"; jetstream = { stream = "EV"; durable = "b"; }; }'
is "$rc" 0 "two instances of one plugin: -t exits 0"
is "$(tr '\n' ' ' <"$EVH_TEST_MODULE_LOG")" "init fini " "module_init and module_fini ran once each for two instances"
tcfg initfail '{ plugin = "initfail"; subscribe = "ev"; jetstream = { stream = "EV"; durable = "w"; }; }'
is "$rc" 1 "module_init fails: exit 1"
like "$out" 'initfail.so: plugin wired: module_init failed: I/O error' "module_init failure: named"

# --- every config problem in one run ---------------------------------
tcfg all '{ plugin = "wired"; subscribe = "ev"; jetstream = { stream = "EV"; durable = "w"; };
  config = { limit = 99; name = 3; typo = 1; }; }'
is "$rc" 1 "three config problems: exit 1"
like "$out" 'config\.limit: expected an integer in 1\.\.10, got 99' "range error reported"
like "$out" 'config\.name: expected a string, got an integer' "type error reported in the same run"
like "$out" 'config\.typo: unknown key' "unknown key reported although configure failed"
n=$(printf '%s\n' "$out" | grep -c 'level=error.*all.cfg:[0-9]')
is "$n" 3 "exactly three problems, each with file:line"
# A plugin that returns at its first error (no evh_config_status): its
# unread keys are not called unknown.
tcfg early '{ plugin = "testplug"; config = { publish_n = -1; prefix = "x"; }; }'
is "$rc" 1 "testplug with a bad value: exit 1"
unlike "$out" 'prefix: unknown key' "a plugin that stops at its first error gets no false unknown keys"

# --- evh_msg_fail: the reason reaches the dead letter -------------------
start_nats
host_cfg "$T/pub.cfg" pub "{ plugin = \"testplug\"; publish = \"ev\"; jetstream = { stream = \"EV\"; }; config = { publish_n = 1; prefix = \"m\"; }; }"
"$EVHOST" -c "$T/pub.cfg" 2>"$T/pub.log"
is "$?" 0 "one message stored"
host_cfg "$T/f.cfg" f "{ plugin = \"wired\"; subscribe = \"ev\"; jetstream = { stream = \"EV\"; durable = \"f\"; retry_delay_ms = 50; retry_max_deliver = 2; }; config = { fail = true; name = \"hook\"; }; },
{ plugin = \"testplug\"; name = \"dead\"; subscribe = \"evhost.f.dead\"; config = { out = \"$T/dead.out\"; out_header = \"Evhost-Reason\"; }; }"
start_evhost f "$T/f.cfg"
wait_for 30 has_lines "$T/dead.out" 1
stop_evhost f
is "$(cat "$T/dead.out")" "evhost.f.dead m0 I/O error: receiver hook is down after 2 deliveries" "default dead-letter subject evhost.<host>.dead, with the plugin's reason"
like "$(cat "$T/f.log")" 'on_msg failed: I/O error: receiver hook is down \(subject ev, stream seq 1, delivery 1 of 2\)' "the failure line carries the plugin's reason"

# --- evh_timer_cancel from the plugin's own thread, during a run --------
host_cfg "$T/c.cfg" c "{ plugin = \"wired\"; subscribe = \"ev\"; jetstream = { stream = \"EV\"; durable = \"c\"; }; config = { cancel = true; }; }"
start_evhost c "$T/c.cfg"
cancelled() { "$EVHOST" --stats -c "$T/c.cfg" | grep -Eq '"cancel_(ok|broken)"'; }
wait_for 30 cancelled
s=$("$EVHOST" --stats -c "$T/c.cfg")
stop_evhost c
is "$?" 0 "the host with a self-cancelling timer stops cleanly"
like "$s" '"cancel_ok": *1' "evh_timer_cancel from another thread returned after the run under way, and no run followed"
like "$s" '"self_runs": *1' "a timer that cancels itself from its callback ran once (and did not wait for itself)"
done_testing
