#!/bin/bash
# Config errors name file:line, the key path and what was expected; unknown
# keys are errors; `evhost -t` prints every problem, not just the first.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"

t_cfg() { # name, body -> runs evhost -t, sets rc and out
    printf '%s\n' "$2" >"$T/$1.cfg"
    out=$("$EVHOST" -t -c "$T/$1.cfg" 2>&1)
    rc=$?
}

t_cfg syntax 'host = { name = "a" };
plugins = ( { plugin = "testplug" ) );'
is "$rc" 1 "syntax error: exit 1"
like "$out" "syntax.cfg:2: syntax error" "syntax error: file and line"

t_cfg unknown_top 'nats = { servers = "nats://127.0.0.1:1"; };
plugins = ( { plugin = "testplug"; } );
bogus = 1;'
is "$rc" 1 "unknown top-level key: exit 1"
like "$out" "unknown_top.cfg:3: bogus: unknown key" "unknown top-level key: named with line"

t_cfg unknown_inst 'plugins = (
  { plugin = "testplug";
    subscrbe = "x"; } );'
is "$rc" 1 "misspelt instance key: exit 1"
like "$out" "unknown_inst.cfg:3: plugins\\[0\\]\\.subscrbe: unknown key" "misspelt instance key: path plugins[0].subscrbe"

t_cfg unknown_plugin_key 'plugins = (
  { plugin = "testplug"; config = {
      out = "/dev/null";
      outt = "/dev/null"; }; } );'
is "$rc" 1 "unknown plugin config key: exit 1"
like "$out" "unknown_plugin_key.cfg:4: plugins\\[0\\]\\.config\\.outt: unknown key" "unknown plugin config key: file:line and path"

t_cfg asap_type 'nats = { send_asap = "yes"; };
plugins = ( { plugin = "testplug"; } );'
is "$rc" 1 "nats.send_asap not a boolean: exit 1"
like "$out" 'asap_type.cfg:1: nats\.send_asap: expected true or false' "nats.send_asap: what was expected"
t_cfg asap_ok 'nats = { send_asap = false; };
plugins = ( { plugin = "testplug"; } );'
is "$rc" 0 "nats.send_asap = false accepted"

t_cfg wrong_type 'plugins = ( { plugin = "testplug"; config = {
  publish_n = "many"; }; } );'
is "$rc" 1 "wrong type: exit 1"
like "$out" 'wrong_type.cfg:2: plugins\[0\]\.config\.publish_n: expected an integer in 0\.\.[0-9]+, got a string' "wrong type: what was expected"

t_cfg range 'host = { stop_timeout_ms = 5; };
plugins = ( { plugin = "testplug"; } );'
is "$rc" 1 "out of range: exit 1"
like "$out" 'range.cfg:1: host\.stop_timeout_ms: expected an integer in 100\.\.[0-9]+, got 5' "out of range: names bounds and value"

t_cfg many 'host = { log_level = "loud"; };
plugins = ( { plugin = "testplug"; config = { a = 1; }; },
            { plugin = "testplug"; config = { b = 2; }; } );'
is "$rc" 1 "several problems: exit 1"
n=$(printf '%s\n' "$out" | grep 'level=error.*many.cfg:[0-9]' | wc -l | tr -d ' ')
is "$n" 3 "several problems: every one printed (3)"

t_cfg noplugins 'host = { name = "x"; };'
is "$rc" 1 "no plugins list: exit 1"
like "$out" 'plugins: required' "no plugins list: says what is required"

t_cfg js_nodurable 'plugins = ( { plugin = "testplug"; subscribe = "e";
  jetstream = { stream = "S"; }; } );'
is "$rc" 1 "JetStream consumer without durable: exit 1"
like "$out" 'jetstream\.durable: required' "JetStream consumer without durable: named"

t_cfg cfgfail 'plugins = ( { plugin = "cfgfail"; config = { }; } );'
is "$rc" 1 "plugin refusing its config: exit 1"
like "$out" 'cfgfail.cfg:1: plugins\[0\]\.config: this plugin always refuses its config' "plugin refusing its config: its message with file:line"

t_cfg dupname 'plugins = ( { plugin = "testplug"; name = "a"; }, { plugin = "testplug"; name = "a"; } );'
is "$rc" 1 "duplicate instance names: exit 1"
like "$out" 'duplicate instance name \\"a\\"' "duplicate instance names: said"

printf 'nats = { servers = ["nats://127.0.0.1:1"]; };\n' >"$T/common.inc"
t_cfg include '@include "common.inc"
plugins = ( { plugin = "testplug"; name = "one"; },
            { plugin = "testplug"; name = "two"; config = { prefix = "p"; }; } );'
is "$rc" 0 "@include and two instances of one plugin: exit 0"
like "$out" 'configuration OK \(2 plugin instances\)' "@include: OK with 2 instances"

(umask 077 && printf 'secret-password-123\n' >"$T/pw")
t_cfg secret "nats = { user = \"u\"; password_file = \"$T/pw\"; servers = \"nats://127.0.0.1:1\"; };
plugins = ( { plugin = \"testplug\"; bad = 1; } );"
unlike "$out" 'secret-password-123' "a config error never prints the password"
# libconfig 1.5 truncates plain integers past 32 bits; the host refuses them.
printf 'nats = { servers = ["nats://127.0.0.1:1"]; };\n# 9999999999 in a comment is fine\nplugins = ( { plugin = "testplug";\n  config = { publish_n = 3000000000; prefix = "4000000000"; }; } );\n' >"$T/bigint.cfg"
out=$("$EVHOST" -t -c "$T/bigint.cfg" 2>&1); rc=$?
is "$rc" 1 "integer past 32 bits without L: exit 1"
like "$out" 'bigint.cfg:4: integer 3000000000 does not fit 32 bits and libconfig would truncate it: write it with an L suffix \(3000000000L\)' "integer past 32 bits: file:line and the fix"
unlike "$out" '4000000000|9999999999' "numbers in strings and comments are not integers"
sed -i 's/3000000000;/3000000000L;/' "$T/bigint.cfg"
"$EVHOST" -t -c "$T/bigint.cfg" >/dev/null 2>&1
is "$?" 0 "with the L suffix: accepted"
done_testing
