#!/bin/bash
# alert: evhost -t checks the rules and reports every problem at once,
# each with file:line and key path; the shipped etc/alert.cfg passes.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"

ok "etc/alert.cfg: configuration OK" "$EVHOST" -t -c "$top_srcdir/etc/alert.cfg"

cat >"$T/bad.cfg" <<'EOT'
nats = { servers = ["nats://127.0.0.1:1"]; };
plugins = ( { plugin = "alert"; subscribe = "events"; config = {
  alertmanagers = ["ftp://am"];
  rules = (
    { name = "a"; type = "threshold"; where = ["criticality >>= 8"]; },
    { name = "b"; type = "rate"; group_by = "key"; },
    { name = "c"; type = "deadman"; groups = ["x"]; count = 3; },
    { name = "a"; type = "sometimes"; },
    { name = "e"; type = "threshold"; labels = ["team"]; typo = 1; }
  ); }; } );
EOT
out=$("$EVHOST" -t -c "$T/bad.cfg" 2>&1)
is "$?" 1 "refused: exit 1"
like "$out" 'bad.cfg:3: plugins\[0\]\.config\.alertmanagers: \\?"ftp://am\\?": expected an http:// or https:// URL' "an Alertmanager URL that is not http"
like "$out" 'bad.cfg:5: plugins\[0\]\.config\.rules\.\[0\]\.where\.\[0\]: ' "a bad condition: file:line and path"
like "$out" 'bad.cfg:6: plugins\[0\]\.config\.rules\.\[1\]\.name: a rate rule needs `count`' "rate without count"
like "$out" 'bad.cfg:7: plugins\[0\]\.config\.rules\.\[2\]\.count: applies to rate rules only' "count on a deadman rule"
like "$out" 'bad.cfg:7: plugins\[0\]\.config\.rules\.\[2\]\.groups: needs `group_by`' "groups without group_by"
like "$out" 'bad.cfg:8: plugins\[0\]\.config\.rules\.\[3\]\.name: a second rule named \\?"a\\?"' "two rules with one name"
like "$out" 'bad.cfg:8: plugins\[0\]\.config\.rules\.\[3\]\.type: expected \\?"threshold\\?", \\?"rate\\?" or \\?"deadman\\?"' "an unknown type"
like "$out" 'bad.cfg:9: plugins\[0\]\.config\.rules\.\[4\]\.labels\.\[0\]: expected \\?"NAME=VALUE\\?"' "a label without a value"
like "$out" 'bad.cfg:9: plugins\[0\]\.config\.rules\[4\]\.typo: unknown key' "an unknown key inside a rule"
is "$(printf '%s\n' "$out" | grep -c 'level=error.*bad.cfg:[0-9]')" 9 "9 problems, all in one run"

cat >"$T/none.cfg" <<'EOT'
nats = { servers = ["nats://127.0.0.1:1"]; };
plugins = ( { plugin = "alert"; subscribe = "events"; config = { rules = (); }; } );
EOT
out=$("$EVHOST" -t -c "$T/none.cfg" 2>&1)
like "$out" 'none.cfg:2: plugins\[0\]\.config\.rules: at least one rule is needed' "no rules"
like "$out" 'none.cfg:2: plugins\[0\]\.config: no output' "no output"
done_testing
