#!/bin/bash
# Secret files (a plugin's evh_config_secret_file, nats.password_file): a
# file the running user owns that its group or others can read is refused
# with the chmod to run; a FIFO, a device or a directory is refused at once
# (a FIFO used to block evhost -t forever); a file owned by another user
# (a container runtime's or Kubernetes' secret mount) is read, as ssh does.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/servers.sh"

pcfg() { # name secret-path -> $T/name.cfg with a testplug reading it
    printf 'nats = { servers = ["nats://127.0.0.1:1"]; };\nplugins = ( { plugin = "testplug"; config = { secret_file = "%s"; }; } );\n' "$2" >"$T/$1.cfg"
}
t_check() { # name secret-path -> $rc $out of evhost -t (10 s at most)
    pcfg "$1" "$2"
    out=$(timeout -k 5 10 "$EVHOST" -t -c "$T/$1.cfg" 2>&1); rc=$?
}

SECRET="s3cret-$RANDOM$RANDOM"
(umask 077 && printf '%s\n' "$SECRET" >"$T/ok")
t_check ok "$T/ok"
is "$rc" 0 "0600 secret owned by the user: accepted"

cp -p "$T/ok" "$T/world"; chmod 0644 "$T/world"
t_check world "$T/world"
is "$rc" 1 "0644 secret: evhost -t exits 1"
like "$out" "secret_file.*world is accessible by others \(mode 0644\): a secret file must be readable by its owner only; run: chmod go-rwx $T/world" "0644 secret: says why and the chmod"
unlike "$out" "$SECRET" "0644 secret: the secret is not printed"

cp -p "$T/ok" "$T/group"; chmod 0640 "$T/group"
t_check group "$T/group"
is "$rc" 1 "0640 secret: refused"
like "$out" "group is accessible by its group \(mode 0640\).*chmod go-rwx" "0640 secret: names the group"

mkfifo -m 0600 "$T/fifo"
t_check fifo "$T/fifo"
is "$rc" 1 "a FIFO as secret file: evhost -t exits 1 (124 would be a hang)"
like "$out" "fifo is a FIFO, not a regular file" "a FIFO: said so"

t_check dev /dev/zero
is "$rc" 1 "a device as secret file: refused"
like "$out" "/dev/zero is a character device, not a regular file" "a device: said so"

mkdir -m 0700 "$T/dir"
t_check dir "$T/dir"
is "$rc" 1 "a directory as secret file: refused"
like "$out" "dir is a directory, not a regular file" "a directory: said so"

ln -s "$T/ok" "$T/link"
t_check link "$T/link"
is "$rc" 0 "a symlink to a 0600 secret (Kubernetes secret volumes): accepted"
ln -s "$T/world" "$T/link-world"
t_check linkw "$T/link-world"
is "$rc" 1 "a symlink to a 0644 secret: the target's mode is checked"

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    cp "$T/ok" "$T/other"; chmod 0444 "$T/other"; chown nobody "$T/other"
    t_check other "$T/other"
    is "$rc" 0 "0444 secret owned by another user (a podman/compose secret mount): accepted"
else
    is skipped skipped "not root: cannot make a file owned by another user"
fi

# nats.password_file is read when the host connects: a FIFO is a prompt
# error (exit 1), not a host stuck before its first log line.
start_nats
printf 'nats = { servers = ["%s"]; user = "u"; password_file = "%s"; };\nplugins = ( { plugin = "testplug"; } );\n' "$NATS_URL" "$T/fifo" >"$T/npw.cfg"
timeout -k 5 20 "$EVHOST" -c "$T/npw.cfg" >"$T/npw.log" 2>&1; rc=$?
is "$rc" 1 "nats.password_file is a FIFO: the host exits 1"
like "$(cat "$T/npw.log")" "nats.password_file: .*fifo is a FIFO, not a regular file" "nats.password_file FIFO: said so"
printf 'nats = { servers = ["%s"]; user = "u"; password_file = "%s"; };\nplugins = ( { plugin = "testplug"; } );\n' "$NATS_URL" "$T/world" >"$T/npw2.cfg"
timeout -k 5 20 "$EVHOST" -c "$T/npw2.cfg" >"$T/npw2.log" 2>&1; rc=$?
is "$rc" 1 "nats.password_file 0644: the host exits 1"
like "$(cat "$T/npw2.log")" "nats.password_file: .*world is accessible by others.*chmod go-rwx" "nats.password_file 0644: the chmod"
unlike "$(cat "$T"/*.log)" "$SECRET" "no secret in any log"
done_testing
