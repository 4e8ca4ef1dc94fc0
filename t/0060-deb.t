#!/bin/bash
# The Debian packages, for real: dpkg-buildpackage -us -uc -b on a copy of
# the tree (in the temp dir, so nothing lands outside it), lintian with no
# error, `apt-get install ./*.deb` on this machine, then the installed
# evhost: -l lists the four packages' plugins, the shipped daemon and
# writer configs store exactly N events in a real influxd (as the evhost
# user the package created), the tutorial plugin builds against
# evhost-dev alone, systemd-analyze verify passes on the installed unit;
# last `apt-get purge` leaves none of the packages' files.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
[ "$(id -u)" = 0 ] || skip_all "installing packages needs root"
for c in dpkg-buildpackage dh lintian apt-get; do
    command -v "$c" >/dev/null || skip_all "$c is not installed (apt-get install debhelper lintian)"
done
grep -q '^SAN_CFLAGS = -fsanitize' "$top_builddir/Makefile" &&
    skip_all "sanitizer build: the packages build from the source with Debian's flags; the plain build runs this"
PKGS="evhost evhost-plugin-influxdb evhost-plugin-http-ingest evhost-plugin-postgresql evhost-plugin-alert evhost-dev"
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' installed$'; }
# One package test at a time on a machine (it installs into /usr).
exec 9>/var/lock/evhost-deb-test.lock
flock -w 900 9 || skip_all "another package test holds /var/lock/evhost-deb-test.lock"
for p in $PKGS; do
    installed "$p" && skip_all "package $p is already installed here: not touching it"
done
APT="apt-get -q -y -o DPkg::Lock::Timeout=600"
purge_all() { DEBIAN_FRONTEND=noninteractive $APT purge $PKGS >>"$T/purge.log" 2>&1; }
trap 'purge_all; _evh_cleanup' EXIT

# --- build -----------------------------------------------------------------
S="$T/pkg/evhost-$(sed -n 's/^evhost (\([^)]*\)).*/\1/p;q' "$top_srcdir/debian/changelog")"
mkdir -p "$S"
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top_srcdir" && git ls-files -co --exclude-standard | grep -v '^_build/' | tar -cf - -T -) | tar -xf - -C "$S"
else
    cp -a "$top_srcdir/." "$S" && rm -rf "$S/_build"
fi
ok "the copy has debian/ and no build products" test -f "$S/debian/control" -a ! -e "$S/config.status"
t0=$(date +%s)
(cd "$S" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
rc=$?
is "$rc" 0 "dpkg-buildpackage -us -uc -b succeeds ($(( $(date +%s) - t0 )) s)"
[ "$rc" = 0 ] || { tail -30 "$T/build.log" | sed 's/^/# /'; done_testing; }
for p in $PKGS; do
    ok "built $p" test -f "$T/pkg/${p}_"*.deb
done
debs=$(ls "$T"/pkg/*.deb | grep -v dbgsym)
deps=$(dpkg-deb -f "$T/pkg/"evhost_*.deb Depends)
like "$deps" 'libnats3' "evhost: Depends from \${shlibs:Depends} ($deps)"
unlike "$deps" 'libcurl' "...without libcurl (a generator host does not need it)"
like "$(dpkg-deb -f "$T/pkg/"evhost-plugin-influxdb_*.deb Depends)" 'libcurl4' "evhost-plugin-influxdb pulls libcurl"
like "$(dpkg-deb -c "$T/pkg/"evhost-dev_*.deb)" 'usr/include/evhost/plugin.h.*pkgconfig/evhost.pc.*man3/evhost-plugin.3.gz' "evhost-dev: header, evhost.pc, evhost-plugin(3)"

# --- lintian ---------------------------------------------------------------
lintian --tag-display-limit 0 "$T"/pkg/*.changes >"$T/lintian.log" 2>&1
is "$(grep -c '^E:' "$T/lintian.log")" 0 "lintian: no error"
grep -E '^[WI]:' "$T/lintian.log" | sed 's/^/# lintian /'
# ...and the same lintian does report errors: a package without copyright.
mkdir -p "$T/bad/DEBIAN" && printf 'Package: evhost-bad\nVersion: 1\nArchitecture: all\nMaintainer: x <x@example.org>\nDescription: x\n' >"$T/bad/DEBIAN/control"
dpkg-deb --root-owner-group -b "$T/bad" "$T/bad.deb" >/dev/null
like "$(lintian "$T/bad.deb" 2>&1)" 'E: evhost-bad: no-copyright-file' "...which does flag errors (a broken package)"

# --- install ---------------------------------------------------------------
(cd "$T/pkg" && DEBIAN_FRONTEND=noninteractive $APT install $(printf './%s ' ${debs##"$T/pkg/"} | sed "s|$T/pkg/||g")) >"$T/install.log" 2>&1
rc=$?
is "$rc" 0 "apt-get install ./*.deb"
[ "$rc" = 0 ] || tail -20 "$T/install.log" | sed 's/^/# /'
for p in $PKGS; do ok "$p installed" installed "$p"; done
is "$(getent passwd evhost | cut -d: -f6,7)" /var/lib/evhost:/usr/sbin/nologin "postinst created the system user evhost (home /var/lib/evhost, no login shell)"
like "$(dpkg-query -W -f='${Conffiles}' evhost)" '/etc/evhost/writer.cfg' "configs under /etc/evhost are conffiles"
l=$(/usr/bin/evhost -l 2>&1)
for p in generator query-client tail file-sink influx-sink influx-query http-ingest http-query alert; do
    like "$l" "(^|[[:space:]/])$p([[:space:].]|$)" "evhost -l lists $p"
done
if command -v systemd-analyze >/dev/null; then
    out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify /lib/systemd/system/evhost@.service 2>&1)
    is "$?:$out" "0:" "systemd-analyze verify on the installed evhost@.service"
fi

# --- the shipped configs, as the evhost user -------------------------------
start_nats
start_influx
chmod 711 "$T"
R="$T/run"; mkdir -m 755 "$R"
N=300
sed -e "s|nats://127.0.0.1:4222|$NATS_URL|" -e "s|rate = 5; .*|rate = 300; count = $N;|" /etc/evhost/daemon.cfg >"$R/daemon.cfg"
sed -e "s|nats://127.0.0.1:4222|$NATS_URL|" -e "s|http://127.0.0.1:8086|$INFLUX_URL|" /etc/evhost/writer.cfg >"$R/writer.cfg"
chmod 644 "$R"/*.cfg
# setpriv execs evhost: the PID is the host's own, so SIGTERM reaches it.
AS_EVHOST="setpriv --reuid=evhost --regid=evhost --init-groups"
unset EVHOST_PLUGIN_PATH
$AS_EVHOST /usr/bin/evhost -c "$R/writer.cfg" >>"$T/writer.log" 2>&1 &
EVH_PID_writer=$!
track_pid "$EVH_PID_writer"
$AS_EVHOST /usr/bin/evhost -c "$R/daemon.cfg" >"$T/daemon.log" 2>&1
is "$?" 0 "installed daemon.cfg published $N events and exited 0"
points_ge() { [ "$(influx_count events event)" -ge "$1" ]; }
wait_for 60 points_ge $N
is "$(influx_count events event)" $N "installed writer.cfg (run as evhost) stored exactly $N events"
stop_evhost writer
is "$?" 0 "the writer stops cleanly"

# --- the tutorial plugin against evhost-dev --------------------------------
zcat /usr/share/man/man3/evhost-plugin.3.gz |
    awk '/^\.SH EXAMPLE/ { ex = 1 } ex && /^\.EX/ { on = 1; next } on && /^\.EE/ { exit } on' |
    sed -e 's/\\-/-/g' -e 's/\\e/\\/g' >"$T/line-sink.c"
is "$(pkg-config --variable=includedir evhost)" /usr/include "pkg-config finds the installed evhost.pc (includedir /usr/include)"
cc -shared -fPIC -Wall -Wextra -Werror $(pkg-config --cflags evhost) -o "$T/line-sink.so" "$T/line-sink.c" 2>"$T/cc.log"
is "$?" 0 "the tutorial plugin from the installed page builds against evhost-dev, warning-free"
cat >"$T/sink.cfg" <<EOC
nats = { servers = ["$NATS_URL"]; };
plugins = ( { plugin = "$T/line-sink.so"; subscribe = "tut"; config = { path = "$T/tut.log"; }; } );
EOC
EVHOST=/usr/bin/evhost start_evhost sink "$T/sink.cfg"
EVHOST=/usr/bin/evhost wait_running "$T/sink.cfg" 30
seq 1 50 | sed 's/^/tutorial /' >"$T/tut.in"
"$top_builddir/t/tools/evh-nats" pub "$NATS_URL" tut "$T/tut.in"
wait_for 20 has_lines "$T/tut.log" 50
sed 's/^/tut /' "$T/tut.in" >"$T/tut.want"
ok "the installed evhost runs it: 50 of 50 messages written" cmp -s "$T/tut.want" "$T/tut.log"
stop_evhost sink

# --- purge -----------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive $APT purge $PKGS >"$T/purge.log" 2>&1
is "$?" 0 "apt-get purge"
for p in $PKGS; do
    ok "$p gone" bash -c "! dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q installed"
done
left=$(ls -d /etc/evhost /usr/bin/evhost /usr/lib/*/evhost /usr/include/evhost /lib/systemd/system/evhost@.service 2>/dev/null)
is "$left" "" "no file of the packages left (conffiles included)"
done_testing
