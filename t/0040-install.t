#!/bin/bash
# `make install` into a temporary DESTDIR installs the binary, plugins,
# header, pkg-config file, configs and man pages; a plugin built out of
# tree against the installed header alone (pkg-config evhost, no host
# source) loads in the installed host.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"

D="$T/destdir"
make -C "$top_builddir" install DESTDIR="$D" >"$T/install.log" 2>&1
is "$?" 0 "make install DESTDIR=... succeeds"
prefix=$(sed -n 's/^prefix=//p' "$top_builddir/evhost.pc")
sysconf=$(sed -n "s|^sysconfdir *= *||p" "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|")
root="$D$prefix"
ok "binary installed" test -x "$root/bin/evhost"
ok "plugin header installed" test -f "$root/include/evhost/plugin.h"
ok "pkg-config file installed" test -f "$root/lib/pkgconfig/evhost.pc"
for p in generator influx-sink influx-query query-client file-sink; do
    ok "plugin $p.so installed, without its .la" test -f "$root/lib/evhost/$p.so" -a ! -e "$root/lib/evhost/$p.la"
done
for c in daemon writer reader client all-in-one; do
    ok "config $c.cfg installed" test -f "$D$sysconf/evhost/$c.cfg"
done
ok "systemd template unit installed" test -f "$root/lib/systemd/system/evhost@.service"
for m in man8/evhost.8 man5/evhost.cfg.5 man3/evhost-plugin.3; do
    ok "man page $m installed" test -f "$root/share/man/$m"
done

# An out-of-tree plugin: only the installed header, found by pkg-config.
cflags=$(PKG_CONFIG_PATH="$root/lib/pkgconfig" pkg-config --define-variable=prefix="$root" --cflags evhost)
like "$cflags" "-I$root/include" "pkg-config --cflags evhost points at the installed header"
cc -shared -fPIC -Wall -Wextra -Werror $cflags -o "$T/oot.so" "$top_srcdir/t/plugins/testplug.c" 2>"$T/cc.log"
is "$?" 0 "out-of-tree plugin compiles against the installed header, warning-free"
printf 'nats = { servers = ["nats://127.0.0.1:1"]; };\nplugins = ( { plugin = "%s"; } );\n' "$T/oot.so" >"$T/oot.cfg"
out=$(EVHOST_PLUGIN_PATH= "$root/bin/evhost" -t -c "$T/oot.cfg" 2>&1)
is "$?" 0 "the installed evhost loads it"
like "$out" 'configuration OK' "evhost -t accepts it"

# The installed configs pass evhost -t against the installed plugins.
for c in daemon writer reader client all-in-one; do
    sed "s|^\(host *= *{\)|\1 plugin_dir = \"$root/lib/evhost\";|" "$D$sysconf/evhost/$c.cfg" >"$T/$c.cfg"
    grep -q plugin_dir "$T/$c.cfg" || printf 'host = { plugin_dir = "%s"; };\n' "$root/lib/evhost" >>"$T/$c.cfg"
    out=$(MIN_CRITICALITY=5 EVHOST_PLUGIN_PATH= "$root/bin/evhost" -t -c "$T/$c.cfg" 2>&1)
    is "$?" 0 "installed $c.cfg passes evhost -t"
done
done_testing
