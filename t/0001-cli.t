#!/bin/bash
# The evhost command line: version, help, plugin listing, usage errors.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"

out=$("$EVHOST" -V); rc=$?
is "$rc" 0 "-V exits 0"
like "$out" '^evhost [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI 1\.[0-9]+' "-V prints version and ABI"

out=$("$EVHOST" -h); rc=$?
is "$rc" 0 "-h exits 0"
like "$out" 'usage: evhost -c FILE' "-h prints usage"

"$EVHOST" >"$T/noarg.out" 2>&1; rc=$?
is "$rc" 1 "no config file: exit 1"
like "$(cat "$T/noarg.out")" 'no config file' "no config file: says so"

"$EVHOST" --bogus >/dev/null 2>&1; rc=$?
is "$rc" 1 "unknown option: exit 1"

out=$("$EVHOST" -l 2>/dev/null); rc=$?
is "$rc" 0 "-l exits 0 when plugins are found"
like "$out" 'testplug +1\.0\.0 ' "-l lists testplug with its version"
like "$out" 'testplug +1\.0\.0 +/[^ ]*/testplug.so  usable: host test plugin' "-l says testplug is usable"
like "$out" 'badabi.so .*NOT USABLE: plugin built for evhost plugin ABI 2\.0, this host speaks ABI 1\.' "-l flags a plugin of another ABI"
# -l and the loader agree, file by file, with the loader's reason.
like "$out" 'badsize.so .*NOT USABLE: plugin descriptor is [0-9]+ bytes' "-l: a wrong-size descriptor is not usable"
like "$out" 'noname.so .*NOT USABLE: plugin descriptor has no name' "-l: a descriptor without a name, said so"
like "$out" 'nodesc.so .*NOT USABLE: not an evhost plugin: it does not export' "-l: a .so without a descriptor is listed, not skipped"
like "$out" 'newminor.so .*NOT USABLE: plugin built for evhost plugin ABI 1\.9' "-l: a newer minor is not usable"
like "$out" 'old +1\.0 +/[^ ]*/abi10.so  usable' "-l: a 1.0 plugin is usable"
# Long names do not run into the next column: the version column starts at
# the same place on every line.
cols=$(printf '%s\n' "$out" | awk 'match($0, /^[^ ]+ +/) { print RLENGTH }' | sort -u | wc -l)
is "$cols" 1 "-l: the version column is aligned on every line"

"$EVHOST" -c "$T/does-not-exist.cfg" -t >"$T/nofile.out" 2>&1; rc=$?
is "$rc" 1 "missing config file: exit 1"
like "$(cat "$T/nofile.out")" 'does-not-exist.cfg: cannot read config file' "missing config file: named"
out=$("$EVHOST" -t -c "$T" 2>&1); rc=$?
is "$rc" 1 "a directory as config file: exit 1"
like "$out" "$T: cannot read config file: it is a directory" "a directory as config file: said so, not 'syntax error: file I/O error'"
printf 'nats = { servers = ["http://u:pw@127.0.0.1:4222", "nats://127.0.0.1:1"]; };\nplugins = ( { plugin = "testplug"; } );\n' >"$T/http.cfg"
out=$("$EVHOST" -t -c "$T/http.cfg" 2>&1); rc=$?
is "$rc" 1 "an http:// NATS URL: evhost -t exits 1"
like "$out" 'http.cfg:1: nats.servers: ."http://." is not a NATS URL: use nats://host:port' "an http:// NATS URL: said, with file:line"
unlike "$out" 'pw@' "...without printing the credentials in the URL"
# An in-tree build's unit test binaries are ignored by git, their sources not.
if git -C "$top_srcdir" rev-parse >/dev/null 2>&1; then
    ok "t/unit/test-event (a binary) is git-ignored" git -C "$top_srcdir" check-ignore -q t/unit/test-event
    ok "t/unit/test-event.c (a source) is not" test -z "$(git -C "$top_srcdir" check-ignore t/unit/test-event.c)"
fi
done_testing
