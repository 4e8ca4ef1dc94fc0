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
EVHOST="$root/bin/evhost" EVHOST_PLUGIN_PATH= start_evhost sink "$T/sink.cfg"
wait_for 30 grep -q 'consuming events' "$T/sink.log"
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
done_testing
