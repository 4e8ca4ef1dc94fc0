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
check minor newminor 'newminor.so: plugin built for evhost plugin ABI 1\.9, this host speaks ABI 1\.[0-9]+: rebuild the plugin against this evhost.s <evhost/plugin.h> \(or upgrade evhost: what a newer minor added would not be called here\)' \
    "newer ABI minor refused like another major"
check flags badflags 'badflags.so: plugin descriptor sets flags 0x80 this host \(ABI 1\.[0-9]+\) does not know: rebuild the plugin' \
    "unknown descriptor flags"
check size badsize 'badsize.so: plugin descriptor is [0-9]+ bytes, expected [0-9]+ for ABI 1\.[0-9]+: the plugin is corrupt' \
    "descriptor larger than this ABI's"
check noname noname 'noname.so: plugin descriptor has no name \(set .name in EVH_PLUGIN_DEFINE\)' \
    "descriptor without a name"
for m in 10 11; do
    cfg "old$m" "abi$m"
    out=$("$EVHOST" -t -c "$T/old$m.cfg" 2>&1); rc=$?
    is "$rc" 0 "a plugin built for ABI ${m:0:1}.${m:1} still loads on this host"
    like "$out" "configuration OK \(1 plugin instance\)" "ABI ${m:0:1}.${m:1}: configured"
done
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
# evhost -l runs the same checks: it lists that file as not usable, and why.
out=$(EVHOST_PLUGIN_PATH="$T/pdir" "$EVHOST" -l 2>&1)
like "$out" 'ww.so +- +.*/pdir/ww.so  NOT USABLE: refusing to load plugin: file .*/ww.so is writable by everyone' "-l: the world-writable plugin is not usable, with the loader's reason"
chmod 0644 "$T/pdir/ww.so"; chmod 0775 "$T/pdir"
check groupw "$T/pdir/ww.so" 'refusing to load plugin: directory .*/pdir is writable by its group' "group-writable plugin directory"
chmod 0755 "$T/pdir"
printf 'host = { plugin_dir = "%s"; };\nplugins = ( { plugin = "../../../evhost"; } );\n' "$libs" >"$T/rel.cfg"
out=$("$EVHOST" -t -c "$T/rel.cfg" 2>&1); rc=$?
is "$rc" 1 "relative plugin path escaping plugin_dir: exit 1"
like "$out" 'a relative plugin path must stay inside the plugin directory' "relative plugin path escaping plugin_dir: said"
done_testing
