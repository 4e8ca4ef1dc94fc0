#!/bin/bash
# The man pages: each formats without a single groff/man warning, and each
# plugin's section-7 page documents every config key that plugin reads.
. "$top_srcdir/t/lib/tap.sh"

command -v man >/dev/null 2>&1 || skip_all "man is not installed"
command -v groff >/dev/null 2>&1 || skip_all "groff is not installed"

M="$top_srcdir/man"
pages="evhost.8 evhost.cfg.5 evhost-plugin.3 evhost-generator.7
       evhost-influx-sink.7 evhost-influx-query.7 evhost-query-client.7
       evhost-file-sink.7 evhost-tail.7 evhost-http-ingest.7 evhost-http-query.7
       evhost-pg-sink.7 evhost-pg-query.7 evhost-alert.7"

for p in $pages; do
    if ! ok "man/$p exists" test -f "$M/$p"; then
        continue
    fi
    w=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
        man --warnings -E UTF-8 -l "$M/$p" 2>&1 >/dev/null)
    if [ -z "$w" ]; then
        ok "man/$p formats without warnings" true
    else
        ok "man/$p formats without warnings" false
        diag "$w"
    fi
done

# Keys a plugin reads with a literal name (evh_config_*(inst, "key", ...)).
plugin_keys() { # plugin-dir
    grep -ohE 'evh_config_(string|int|double|bool|has|count|elem_string|elem_int|secret_file)\([^,]+, *"[a-z_]+"' \
        "$top_srcdir/plugins/$1/"*.c | grep -oE '"[a-z_]+"' | tr -d '"' | sort -u
}

for plugin in generator influx-sink influx-query query-client file-sink tail http-ingest http-query pg-sink pg-query alert; do
    page="$M/evhost-$plugin.7"
    [ -f "$page" ] || continue
    keys=$(plugin_keys "$plugin")
    ok "$plugin: config keys found in its source" test -n "$keys"
    missing=
    for k in $keys; do
        # Documented as a tagged key (.B/.BR key ...) or in bold inline.
        grep -qE "^\.BR? $k( |\$)" "$page" || grep -qF -- "\\fB$k\\f" "$page" ||
            missing="$missing $k"
    done
    if [ -z "$missing" ]; then
        ok "evhost-$plugin(7) documents every key the plugin reads" true
    else
        ok "evhost-$plugin(7) documents every key the plugin reads" false
        diag "undocumented in man/evhost-$plugin.7:$missing"
    fi
done
done_testing
