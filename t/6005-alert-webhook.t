#!/bin/bash
# alert, webhook output: the receiver answers 500 to the first 3 POSTs,
# then 200.  The alert is delivered exactly once (one POST answered 200,
# after 3 refused ones), with the bearer token of token_file, which never
# appears in the log; the triggering message is acked only after it.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
. "$top_srcdir/t/lib/pipeline.sh" # stat
. "$top_srcdir/t/lib/alert.sh"
command -v jq >/dev/null || skip_all "jq not installed"
start_nats
start_receiver hook 3
printf 's3cr3t-t0ken\n' >"$T/token"
chmod 600 "$T/token"

host_cfg "$T/alert.cfg" alerter "$(alert_inst alert "
  webhook = { url = \"$RECV_URL_hook\"; token_file = \"$T/token\"; };
  retry_initial_ms = 200; retry_max_ms = 400;
  rules = ( { name = \"critical\"; type = \"threshold\"; where = [\"criticality >= 9\"];
              group_by = \"key\"; } );")"
start_evhost alerter "$T/alert.cfg"
ok "alert host running" wait_running "$T/alert.cfg" 60
{ for i in $(seq 1 9); do aev acme 3 "low $i"; done; aev acme 9 "intrusion"; } >"$T/events"
ok "published" publish "$T/events"

ok "delivered" wait_for 60 stat_eq "$T/alert.cfg" alert notifications 1
is "$(posts hook 'select(.status == 500)')" 3 "3 POSTs refused with 500"
is "$(posts hook 'select(.status == 200)')" 1 "delivered once"
is "$(posts hook)" 4 "4 POSTs in all"
is "$(stat "$T/alert.cfg" alert post_errors)" 3 "post_errors 3"
b=$(jq -c 'select(.status == 200) | .body' "$T/hook.posts")
is "$(printf '%s' "$b" | jq -r '.status + " " + (.alerts | length | tostring) + " " + .alerts[0].labels.key + " " + (.alerts[0].annotations.event | fromjson | .eventMessage)')" \
    "firing 1 acme intrusion" "body: one firing alert, acme, with its event"
is "$(jq -r 'select(.status == 200) | .auth' "$T/hook.posts")" "Bearer s3cr3t-t0ken" "bearer token sent"
is "$(grep -c 's3cr3t' "$T/alerter.log")" 0 "token not logged"
ok "all 10 acked" wait_for 30 settled
sleep 2
is "$(posts hook)" 4 "nothing more was sent"
stop_evhost alerter
is "$?" 0 "SIGTERM: exit 0"
done_testing
