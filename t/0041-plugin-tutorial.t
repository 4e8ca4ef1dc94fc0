#!/bin/bash
# The plugin tutorial in evhost-plugin(3), followed as a user would: the
# sink's code is taken from the installed man page (not a second copy),
# built with `pkg-config --cflags evhost` against the installed header
# only, loaded by the installed evhost from a config like the page's, and
# fed events from a real nats-server; it must write each one.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
NATSCLI="$top_builddir/t/tools/evh-nats"

D="$T/destdir"
make -C "$top_builddir" install DESTDIR="$D" >"$T/install.log" 2>&1
is "$?" 0 "make install DESTDIR=... succeeds"
prefix=$(sed -n 's/^prefix=//p' "$top_builddir/evhost.pc")
root="$D$prefix"
page="$root/share/man/man3/evhost-plugin.3"

# The first example block after ".SH EXAMPLE", roff escapes undone.
awk '/^\.SH EXAMPLE/ { ex = 1 } ex && /^\.EX/ { on = 1; next } on && /^\.EE/ { exit } on' "$page" |
    sed -e 's/\\-/-/g' -e 's/\\e/\\/g' >"$T/line-sink.c"
n=$(wc -l <"$T/line-sink.c")
ok "the page's sink is a complete plugin under 80 lines ($n)" test "$n" -gt 20 -a "$n" -lt 80
like "$(cat "$T/line-sink.c")" 'EVH_PLUGIN_DEFINE' "...with its descriptor"

cflags=$(PKG_CONFIG_PATH="$root/lib/pkgconfig" pkg-config --define-variable=prefix="$root" --cflags evhost)
cc -shared -fPIC -Wall -Wextra -Werror $cflags -o "$T/line-sink.so" "$T/line-sink.c" 2>"$T/cc.log"
is "$?" 0 "it builds as the page says, warning-free, against the installed header"
[ -s "$T/cc.log" ] && diag "$(cat "$T/cc.log")"

start_nats
cat >"$T/sink.cfg" <<EOC
host = { name = "line-sink"; };
nats = { servers = ["$NATS_URL"]; };
plugins = (
  { plugin = "$T/line-sink.so";
    subscribe = "events";
    jetstream = { stream = "EVENTS"; subjects = ["events"]; durable = "line-sink"; };
    config = { path = "$T/events.log"; }; }
);
EOC
out=$(EVHOST_PLUGIN_PATH= "$root/bin/evhost" -t -c "$T/sink.cfg" 2>&1)
is "$?" 0 "the installed evhost -t accepts it"
ok "evhost -t did not create the output file (configure does no I/O)" test ! -e "$T/events.log"
# The wiring declaration: an instance without subscribe fails -t.
sed '/subscribe = "events";/d; s/durable = "line-sink"; //' "$T/sink.cfg" >"$T/nosub.cfg"
out=$(EVHOST_PLUGIN_PATH= "$root/bin/evhost" -t -c "$T/nosub.cfg" 2>&1)
is "$?" 1 "the tutorial's sink without subscribe: evhost -t exits 1"
like "$out" 'nosub.cfg:[0-9]+: plugins\[0\]\.subscribe: required: plugin line-sink needs a `subscribe` subject' "...because its descriptor needs it"
EVHOST="$root/bin/evhost" EVHOST_PLUGIN_PATH= start_evhost sink "$T/sink.cfg"
EVHOST="$root/bin/evhost" EVHOST_PLUGIN_PATH= wait_running "$T/sink.cfg" 30
for i in $(seq 1 200); do
    printf '{"criticality":%d,"timestamp":"2024-05-01T00:00:%02d.%03dZ","eventMessage":"tutorial %d"}\n' $((i % 11)) $((i % 60)) "$i" "$i"
done >"$T/in.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/in.jsonl"
is "$?" 0 "200 events published"
wait_for 30 has_lines "$T/events.log" 200
sed 's/^/events /' "$T/in.jsonl" >"$T/want"
ok "the sink wrote each of the 200 events, in order, as '<subject> <payload>'" cmp -s "$T/want" "$T/events.log"
stop_evhost sink
is "$?" 0 "the host stops cleanly"

# A write that fails (/dev/full): the host retries with the page's backoff
# settings (short here) and dead-letters the event with the sink's reason.
cat >"$T/full.cfg" <<EOC
host = { name = "line-sink"; };
nats = { servers = ["$NATS_URL"]; };
plugins = (
  { plugin = "$T/line-sink.so"; name = "full";
    subscribe = "events";
    jetstream = { stream = "EVENTS"; subjects = ["events"]; durable = "full"; deliver = "new";
                  retry_delay_ms = 100; retry_max_delay_ms = 400;
                  retry_max_deliver = 3; dead_letter = "events.dead"; };
    config = { path = "/dev/full"; }; },
  { plugin = "$top_builddir/t/plugins/.libs/testplug.so"; name = "dead"; subscribe = "events.dead";
    config = { out = "$T/dead.out"; out_header = "Evhost-Reason"; }; }
);
EOC
EVHOST="$root/bin/evhost" EVHOST_PLUGIN_PATH= start_evhost full "$T/full.cfg"
EVHOST="$root/bin/evhost" EVHOST_PLUGIN_PATH= wait_running "$T/full.cfg" 30
head -1 "$T/in.jsonl" >"$T/one.jsonl"
"$NATSCLI" pub "$NATS_URL" events "$T/one.jsonl"
wait_for 30 has_lines "$T/dead.out" 1
stop_evhost full
is "$(cat "$T/dead.out")" "events.dead $(cat "$T/one.jsonl") I/O error: cannot write /dev/full: No space left on device after 3 deliveries" \
    "a failing write: dead-lettered after 3 deliveries, with the sink's reason"
nl=$(grep -c 'on_msg failed' "$T/full.log")
ok "3 failed attempts, $nl failure line(s): once per 10 s, not per attempt" test "$nl" -ge 1 -a "$nl" -le 2
done_testing
