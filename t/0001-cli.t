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
like "$out" 'badabi.so .*ABI 2\.0, host speaks 1\.' "-l flags a plugin of another ABI"

"$EVHOST" -c "$T/does-not-exist.cfg" -t >"$T/nofile.out" 2>&1; rc=$?
is "$rc" 1 "missing config file: exit 1"
like "$(cat "$T/nofile.out")" 'does-not-exist.cfg: cannot read config file' "missing config file: named"
done_testing
