# Debian packages the build, the tests and the demo need (sourced by
# t/check and t/demo).  Installs only what is missing; runs apt-get update
# only when something is.
EVH_DEPS="build-essential autoconf automake libtool pkg-config libsystemd-dev python3 \
libnats-dev libconfig-dev libjson-c-dev libcurl4-openssl-dev libmicrohttpd-dev libpq-dev \
nats-server influxdb curl jq openssl man-db groff-base valgrind \
mosquitto-clients lcov nginx-light wrk debhelper lintian prometheus systemd \
iproute2 python3-jsonschema python3-yaml postgresql prometheus-alertmanager"

evh_install_deps() {
    local missing=() p
    for p in $EVH_DEPS "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages: ${missing[*]} (run as root, or install them)" >&2
        return 1
    fi
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null &&
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
