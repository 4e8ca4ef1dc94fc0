#!/bin/bash
# containers/k8s: the manifests parse, and each Deployment runs the one
# image as UID 10001 with a read-only root, its own config from the
# ConfigMap, a liveness probe asking that host for its counters, and the
# InfluxDB token (writer, reader) where the config expects it.  With
# kubeconform installed the manifests are also checked against the
# Kubernetes schemas (it is not packaged in Debian 12).
. "$top_srcdir/t/lib/tap.sh"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed"
K="$top_srcdir/containers/k8s"
check=$(python3 - "$K" "$top_srcdir/containers/etc" <<'PY'
import os, sys, yaml
k8s, etc = sys.argv[1], sys.argv[2]
docs = [d for f in ("evhost.yaml", "secret.example.yaml")
        for d in yaml.safe_load_all(open(os.path.join(k8s, f))) if d]
deps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
print("deployments", " ".join(sorted(deps)))
for name, d in sorted(deps.items()):
    svc = name.split("-", 1)[1]
    pod = d["spec"]["template"]["spec"]
    c = pod["containers"][0]
    cfg = "/etc/evhost/%s.cfg" % svc
    sel = d["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
    mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    text = open(os.path.join(etc, svc + ".cfg")).read()
    needs_token = "/run/secrets/influxdb_token" in text
    has_token = ("influxdb-token" in vols and vols["influxdb-token"]["secret"]["secretName"] == "evhost-influxdb"
                 and mounts.get("influxdb-token", {}).get("mountPath") == "/run/secrets")
    print(svc, "image", c["image"])
    print(svc, "nonroot", pod["securityContext"]["runAsNonRoot"], pod["securityContext"]["runAsUser"])
    print(svc, "readonly", c["securityContext"]["readOnlyRootFilesystem"])
    print(svc, "args", " ".join(c["args"]) == "-c " + cfg)
    print(svc, "probe", c["livenessProbe"]["exec"]["command"] == ["evhost", "--stats", "-c", cfg])
    print(svc, "config", vols["config"]["configMap"]["name"], mounts["config"]["mountPath"] == cfg)
    print(svc, "selector", sel)
    print(svc, "token", needs_token == has_token)
    print(svc, "memlimit", "memory" in c["resources"]["limits"])
PY
)
line() { printf '%s\n' "$check" | sed -n "s/^$1 //p"; }
is "$(line deployments)" "evhost-client evhost-daemon evhost-reader evhost-writer" "four Deployments"
for s in daemon writer reader client; do
    is "$(line "$s image")" "evhost:latest" "$s: the one image"
    is "$(line "$s nonroot")" "True 10001" "$s: runs as UID 10001, never root"
    is "$(line "$s readonly")" "True" "$s: read-only root file system"
    is "$(line "$s args")" "True" "$s: its own config"
    is "$(line "$s probe")" "True" "$s: liveness asks this host for its counters"
    is "$(line "$s config")" "evhost-config True" "$s: config from the ConfigMap"
    is "$(line "$s selector")" "True" "$s: the selector matches the pod labels"
    is "$(line "$s token")" "True" "$s: the InfluxDB token mounted exactly where its config reads it"
    is "$(line "$s memlimit")" "True" "$s: a memory limit"
done
if command -v kubeconform >/dev/null; then
    ok "kubeconform accepts the manifests" kubeconform -strict "$K/evhost.yaml" "$K/secret.example.yaml"
else
    diag "kubeconform not installed: schema check skipped"
fi
done_testing
