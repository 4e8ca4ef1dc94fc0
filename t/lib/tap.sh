# Minimal TAP producer for bash tests (sourced).
#   plan N | ok "desc" cmd... | is GOT WANT "desc" | like GOT REGEX "desc"
#   unlike GOT REGEX "desc" | diag "text" | skip_all "why" | done_testing
# A test script exits non-zero when any assertion failed.
_tap_n=0
_tap_failed=0
_tap_planned=

plan() { _tap_planned=$1; echo "1..$1"; }

_tap_result() { # status desc
    _tap_n=$((_tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $_tap_n - $2"
    else
        echo "not ok $_tap_n - $2"
        _tap_failed=$((_tap_failed + 1))
    fi
    return "$1"
}

diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

ok() { # desc cmd...
    local desc=$1; shift
    "$@"
    local rc=$?
    [ $rc -eq 0 ] || diag "command failed (exit $rc): $*"
    _tap_result $((rc != 0)) "$desc"
}

is() { # got want desc
    if [ "$1" = "$2" ]; then
        _tap_result 0 "$3"
    else
        _tap_result 1 "$3"
        diag "     got: '$1'" "expected: '$2'"
    fi
}

like() { # got regex desc
    if [[ $1 =~ $2 ]]; then
        _tap_result 0 "$3"
    else
        _tap_result 1 "$3"
        diag "     got: '$(printf '%s' "$1" | tail -c 2000)'" "expected to match: '$2'"
    fi
}

unlike() { # got regex desc
    if [[ $1 =~ $2 ]]; then
        _tap_result 1 "$3"
        diag "     got: '$(printf '%s' "$1" | tail -c 2000)'" "expected NOT to match: '$2'"
    else
        _tap_result 0 "$3"
    fi
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

done_testing() {
    [ -n "$_tap_planned" ] || echo "1..$_tap_n"
    if [ -n "$_tap_planned" ] && [ "$_tap_planned" -ne "$_tap_n" ]; then
        diag "planned $_tap_planned tests but ran $_tap_n"
        exit 1
    fi
    [ "$_tap_failed" -eq 0 ] || exit 1
    exit 0
}
