#!/bin/bash
# The loader refuses plugins it cannot trust: another ABI major, no
# descriptor, a missing host symbol, a truncated or non-ELF file.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"

libs="$top_builddir/t/plugins/.libs"
cfg() { # plugin -> config file
    cat >"$T/$1.cfg" <<EOT
nats = { servers = ["nats://127.0.0.1:1"]; };
plugins = ( { plugin = "$2"; } );
EOT
}
check() { # name plugin expected-regex desc
    cfg "$1" "$2"
    "$EVHOST" -t -c "$T/$1.cfg" >"$T/$1.out" 2>&1
    is "$?" 1 "$4: evhost -t exits 1"
    like "$(cat "$T/$1.out")" "$3" "$4: clear message"
}

check abi badabi 'badabi.so: plugin built for evhost plugin ABI 2\.0, this host speaks ABI 1\.[0-9]+: rebuild the plugin' \
    "other ABI major"
check nodesc nodesc 'nodesc.so: not an evhost plugin: it does not export `evh_plugin_descriptor`' \
    "no descriptor"
check missing missingsym 'missingsym.so: cannot load plugin: .*undefined symbol: evh_no_such_function' \
    "missing host symbol"
head -c 2000 "$libs/testplug.so" >"$T/truncated.so"
check trunc "$T/truncated.so" 'truncated.so: cannot load plugin: truncated' "truncated .so"
echo "not a shared object" >"$T/text.so"
check text "$T/text.so" 'text.so: cannot load plugin: not an ELF shared object' "not an ELF file"
check nofile "no-such-plugin" 'plugin \\"no-such-plugin\\" not found: looked for no-such-plugin.so' "unknown plugin name"
cfg good "$libs/testplug.so"
out=$("$EVHOST" -t -c "$T/good.cfg" 2>&1); rc=$?
is "$rc" 0 "a good plugin by path: evhost -t exits 0"
like "$out" "configuration OK \(1 plugin instance\)" "a good plugin by path: OK"

# Code others could have replaced is not loaded (like sshd and sudo).
mkdir -p "$T/pdir"
cp "$libs/testplug.so" "$T/pdir/ww.so"; chmod 0666 "$T/pdir/ww.so"
check worldw "$T/pdir/ww.so" 'ww.so: refusing to load plugin: file .*/ww.so is writable by everyone \(chmod go-w it\)' "world-writable plugin file"
chmod 0644 "$T/pdir/ww.so"; chmod 0775 "$T/pdir"
check groupw "$T/pdir/ww.so" 'refusing to load plugin: directory .*/pdir is writable by its group' "group-writable plugin directory"
chmod 0755 "$T/pdir"
printf 'host = { plugin_dir = "%s"; };\nplugins = ( { plugin = "../../../evhost"; } );\n' "$libs" >"$T/rel.cfg"
out=$("$EVHOST" -t -c "$T/rel.cfg" 2>&1); rc=$?
is "$rc" 1 "relative plugin path escaping plugin_dir: exit 1"
like "$out" 'a relative plugin path must stay inside the plugin directory' "relative plugin path escaping plugin_dir: said"
done_testing
