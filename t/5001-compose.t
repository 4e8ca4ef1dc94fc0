#!/bin/bash
# compose.yml as users get it: valid for docker-compose, and holding the
# promises its header makes (one image for the four services, secrets as
# files, the client and the daemon cut off from InfluxDB, nothing
# published, health-gated start).  The image's configs pass `evhost -t`.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v docker-compose >/dev/null || skip_all "docker-compose not installed"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed"

# make-secrets: 0700 directory, readable files, never rotated by a re-run.
sh "$top_srcdir/containers/make-secrets" "$T/p/secrets" >/dev/null
is "$(stat -c %a "$T/p/secrets")" 700 "make-secrets: directory only the owner can reach"
is "$(stat -c %a "$T/p/secrets/influxdb_token")" 644 "make-secrets: files readable by the container user"
tok=$(cat "$T/p/secrets/influxdb_token")
ok "make-secrets: a 40+ character random token" test "${#tok}" -ge 40
sh "$top_srcdir/containers/make-secrets" "$T/p/secrets" >/dev/null
is "$(cat "$T/p/secrets/influxdb_token")" "$tok" "make-secrets: a re-run keeps existing secrets"
like "$(cat "$top_srcdir/.gitignore")" '/secrets/' "secrets/ is ignored by git"

cp "$top_srcdir/compose.yml" "$T/p/"
# docker-compose checks that a build context exists: Alertmanager's has to.
mkdir -p "$T/p/containers" && cp -r "$top_srcdir/containers/alertmanager" "$T/p/containers/"
(cd "$T/p" && docker-compose -f compose.yml config -q) 2>"$T/compose.err"
is "$?" 0 "docker-compose config accepts compose.yml"
(cd "$T/p" && docker-compose -f compose.yml config) |
    python3 -c 'import sys, yaml, json; json.dump(yaml.safe_load(sys.stdin), sys.stdout)' >"$T/all.json"
# The default stack: the services of no profile (the postgres profile is
# checked on its own below).
jq '.services |= with_entries(select(.value.profiles == null))' "$T/all.json" >"$T/c.json"
c() { jq -r "$1" "$T/c.json"; }
p() { jq -r "$1" "$T/all.json"; }
is "$(p '[.services | to_entries[] | select(.value.profiles == ["postgres"]) | .key] | join(" ")')" "pg-reader pg-writer postgres" \
    "the postgres profile: PostgreSQL, pg-writer, pg-reader"
is "$(p '.services.postgres.networks | keys | join(" ")')" "store" "  PostgreSQL only on the store network"
is "$(p '.services.postgres.environment.POSTGRES_PASSWORD_FILE')" /run/secrets/pg_password "  its password from a secret file"
is "$(p '.services["pg-writer"].depends_on.postgres.condition')" service_healthy "  pg-writer waits for a healthy PostgreSQL"
is "$(p '[.services["pg-writer","pg-reader"] | .image] | unique | join(" ")')" "evhost:latest" "  from the one image"

is "$(c '.services | keys | join(" ")')" "alerter alertmanager client daemon influxdb nats reader writer" "eight services"
is "$(c '[.services | to_entries[] | select(.value.image == "evhost:latest") | .key] | sort | join(" ")')" "alerter client daemon reader writer" "the five evhost services share one image"
is "$(c '[.services[] | select(.image == "evhost:latest") | .build.dockerfile] | unique | join(" ")')" "containers/Containerfile" "...built from containers/Containerfile"
is "$(c '.services.alertmanager.build.dockerfile')" "Containerfile" "Alertmanager: built from containers/alertmanager (Debian's package)"
like "$(c '.services.alertmanager.build.context')" 'containers/alertmanager$' "...in its own context"
for s in daemon writer reader client; do
    is "$(c ".services.$s.command | join(\" \")")" "-c /etc/evhost/$s.cfg" "$s differs only in its config"
    is "$(c ".services.$s.environment.EVHOST_CONFIG")" "/etc/evhost/$s.cfg" "$s: the healthcheck asks the right host"
done
is "$(c '[.services[] | .restart] | unique | join(" ")')" "unless-stopped" "every service restarts unless stopped"
is "$(c '[.services[] | select(.ports)] | length')" 0 "no port published"
is "$(c '.services.client.networks | keys | join(" ")')" "bus" "client: NATS network only (cannot reach InfluxDB)"
is "$(c '.services.daemon.networks | keys | join(" ")')" "bus" "daemon: NATS network only"
is "$(c '.services.influxdb.networks | keys | join(" ")')" "store" "InfluxDB only on the store network"
is "$(c '.services.alerter.command | join(" ")')" "-c /etc/evhost/alert.cfg" "alerter: the image with alert.cfg"
is "$(c '.services.alerter.environment.EVHOST_CONFIG')" "/etc/evhost/alert.cfg" "alerter: the healthcheck asks the right host"
is "$(c '.services.alerter.networks | keys | join(" ")')" "alerts bus" "alerter: on bus (events) and alerts (Alertmanager)"
is "$(c '.services.alertmanager.networks | keys | join(" ")')" "alerts" "Alertmanager: on the alerts network only"
is "$(c '.services.alerter.depends_on.alertmanager.condition')" service_healthy "alerter waits for a healthy Alertmanager"
like "$(grep -o 'alertmanagers = \[[^]]*\]' "$top_srcdir/containers/etc/alert.cfg")" 'http://alertmanager:9093' "alert config: Alertmanager by its compose name"
is "$(c '.networks.store.internal')" true "the store network is internal"
is "$(c '.services.client.environment.MIN_CRITICALITY')" 5 "client: MIN_CRITICALITY in its environment"
is "$(c '.services.writer.depends_on.influxdb.condition')" service_healthy "writer waits for a healthy InfluxDB"
is "$(c '.services.reader.depends_on.nats.condition')" service_healthy "reader waits for a healthy NATS"
is "$(c '.services.client.depends_on.reader.condition')" service_healthy "client waits for a healthy reader"
is "$(c '[.services[] | select(.healthcheck == null and .image != "evhost:latest")] | length')" 0 "the servers have health checks"
is "$(c '.services.influxdb.environment | keys | map(select(test("PASSWORD$|TOKEN$"))) | length')" 0 "no InfluxDB password or token in the environment"
is "$(c '.services.influxdb.environment.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN_FILE')" /run/secrets/influxdb_token "InfluxDB admin token from a secret file"
like "$(c '.secrets.influxdb_token.file')" '/secrets/influxdb_token$' "secrets are files under secrets/"
is "$(c '.services.nats.command | join(" ")')" "-c /etc/nats/nats.conf" "NATS: started from containers/nats/nats.conf"
like "$(c '.services.nats.volumes[0] | if type == "string" then . else "\(.source):\(.target)" end')" '^nats-data:/data' "NATS: the named volume holds the store"
like "$(c '.services.nats.volumes[1] | if type == "string" then . else "\(.source):\(.target)" end')" 'containers/nats/nats.conf:/etc/nats/nats.conf' "NATS: its config mounted"
NC="$top_srcdir/containers/nats/nats.conf"
like "$(sed 's/#.*//' "$NC" | tr -s ' \n' ' ')" 'jetstream \{ store_dir: "/data" sync_interval: always \}' "NATS: JetStream on /data with sync_interval: always (fsync before the ack)"
like "$(sed 's/#.*//' "$NC")" 'http: 0\.0\.0\.0:8222' "NATS: monitoring on 8222 (the health check)"
# Debian 12's nats-server (2.9.10) refuses sync_interval; 2.10+ takes it.
# Whichever is installed, the file is otherwise valid for it.
ver=$(nats-server --version | sed 's/.*v//')
if nats-server -t -c "$NC" >/dev/null 2>&1; then
    ok "nats-server $ver accepts containers/nats/nats.conf" nats-server -t -c "$NC"
else
    like "$(nats-server -t -c "$NC" 2>&1)" 'unknown field "sync_interval"' "nats-server $ver refuses only sync_interval (2.10+ needed)"
    sed '/sync_interval/d' "$NC" >"$T/nats-2.9.conf"
    ok "  without it, nats-server $ver accepts the file" nats-server -t -c "$T/nats-2.9.conf"
fi

# The image's configs: every key known, every plugin configured.
# In the container the secret files belong to whoever ran make-secrets, not
# to UID 10001 that evhost runs as, so their 0644 is accepted (evhost
# refuses a group/other-readable secret only when it owns it): the same here,
# with copies owned by nobody.  Without root, copies the user owns, 0600.
mkdir -p "$T/cfg" "$T/run-secrets"
cp -p "$T/p/secrets/"* "$T/run-secrets/"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chown nobody "$T/run-secrets/"*
else
    chmod 600 "$T/run-secrets/"*
fi
for f in "$top_srcdir"/containers/etc/*.cfg; do
    sed "s|/run/secrets/|$T/run-secrets/|g" "$f" >"$T/cfg/${f##*/}"
    out=$(MIN_CRITICALITY=5 "$EVHOST" -t -c "$T/cfg/${f##*/}" 2>&1)
    is "$?" 0 "containers/etc/${f##*/} passes evhost -t"
    [ $? -eq 0 ] || diag "$out"
done
like "$(cat "$top_srcdir"/containers/etc/writer.cfg)" 'url = "http://influxdb:8086"' "writer config: InfluxDB by its compose name"
like "$(cat "$top_srcdir"/containers/etc/pg-writer.cfg)" 'host=postgres ' "pg-writer config: PostgreSQL by its compose name"
like "$(cat "$top_srcdir"/containers/etc/daemon.cfg)" 'nats://nats:4222' "daemon config: NATS by its compose name"
done_testing
