# Shared by the integration tests (sourced): checks and their tally, a collector per test,
# the sample rootfs and bundles, and cleanup of everything a test started.
# Integration tests need root, a BPF-capable kernel and runc; where something is missing the
# test is skipped, and under CI=true a skip is a failure.

set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${CRADLE_BUILD:-$REPO/build}
BIN=$BUILD/bin
BUNDLE_TOOL=$REPO/install/sample_bundle.py
WORK=$(mktemp -d /tmp/cradle-it.XXXXXX)
TEST_NAME=$(basename "$0" .sh)
passed=0
failed=0
skipped=0
declare -A collector_pid=() collector_flags=()
pin_dirs=()
containers=()

pass() { echo "  ok    $1"; passed=$((passed + 1)); }
fail() { echo "  FAIL  $1"; shift; for line in "$@"; do echo "        $line"; done; failed=$((failed + 1)); }

# Checks that later ones build on. `check --as KEY` records whether KEY holds. After
# `needs KEY...`, up to the next `part` or `needs`, a check is not run while one of these keys
# does not hold: it fails with one line naming the check that failed first, rather than for a
# reason of its own that hides that one. A check not run leaves its KEY failed for that reason.
declare -A held=() why_not=()
needed=()

# part TITLE: starts a part of a test, whose checks need nothing until `needs` says so.
part() {
    echo "$1"
    needed=()
}

# needs [KEY...]: the checks that follow need these keys (and no others).
needs() { needed=("$@"); }

# met KEY: KEY holds (its check passed).
met() { [[ -n ${held[$1]:-} ]]; }

# blocked DESCRIPTION [KEY]: when a needed key does not hold, fails DESCRIPTION as not run
# (KEY too) and returns 0; else returns 1. For tests that call pass and fail themselves.
blocked() {
    local description=$1 key=${2:-} need reason=
    for need in "${needed[@]}"; do
        met "$need" && continue
        reason=${why_not[$need]:-"$need was never checked"}
        break
    done
    [[ -n $reason ]] || return 1
    fail "$description" "not run: $reason"
    [[ -z $key ]] || why_not[$key]=$reason
    return 0
}

# check [--as KEY] DESCRIPTION COMMAND...: passes when COMMAND succeeds; returns as it did.
check() {
    local key=
    if [[ $1 == --as ]]; then
        key=$2
        shift 2
    fi
    local description=$1
    shift
    blocked "$description" "$key" && return 1
    if "$@" > "$WORK/check.out" 2>&1; then
        pass "$description"
        [[ -z $key ]] || held[$key]=yes
        return 0
    fi
    fail "$description" "$(tail -n 5 "$WORK/check.out")"
    [[ -z $key ]] || why_not[$key]="\"$description\" failed"
    return 1
}

# empty TEXT: succeeds when TEXT is empty, else prints it (so that a failed check shows it).
empty() { [[ -z $1 ]] || { echo "$1"; return 1; }; }

# equal EXPECTED ACTUAL: succeeds when they are the same text, else prints both.
equal() { [[ $1 == "$2" ]] || { printf 'expected "%s", got "%s"\n' "$1" "$2"; return 1; }; }

# poll_until SECONDS COMMAND...: runs COMMAND every tenth of a second until it succeeds;
# returns 1 once SECONDS have passed without that.
poll_until() {
    local deadline=$((${EPOCHREALTIME//[!0-9]/} + $1 * 1000000))
    shift
    until "$@"; do
        ((${EPOCHREALTIME//[!0-9]/} < deadline)) || return 1
        sleep 0.1
    done
}

skip() {
    if [[ ${CI:-} == true ]]; then
        fail "$1" "skipped, and under CI=true a skip is a failure"
    else
        echo "  skip  $1"
        skipped=$((skipped + 1))
    fi
}

finish() {
    echo "$TEST_NAME: $passed passed, $failed failed, $skipped skipped"
    ((failed == 0))
    exit $?
}

cleanup() {
    local container pid pin
    for container in "${containers[@]}"; do runc delete -f "$container" > /dev/null 2>&1; done
    for pid in "${collector_pid[@]}"; do [[ -z $pid ]] || stop_collector_pid "$pid"; done
    for pin in "${pin_dirs[@]}"; do "$BIN/cradled" --unpin --pin-dir "$pin" > /dev/null 2>&1; done
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# require_platform: skips the whole test (exit) when the machine cannot run it.
require_platform() {
    local missing=()
    [[ $(id -u) == 0 ]] || missing+=("root")
    command -v runc > /dev/null || missing+=("runc")
    command -v busybox > /dev/null || missing+=("busybox")
    [[ -x $BIN/cradled && -x $BIN/cradle-hook ]] || missing+=("a build in $BUILD")
    [[ -r /sys/kernel/btf/vmlinux ]] || missing+=("kernel BTF")
    if ((${#missing[@]})); then
        skip "$TEST_NAME needs: ${missing[*]}"
        finish
    fi
    mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# start_collector NAME [EXTRA FLAGS...]: a collector with its own socket, pins and output
# directory under $WORK/NAME, once it answers; sets SOCKET, OUT and PIN_DIR for it.
start_collector() {
    local name=$1
    shift
    SOCKET=$WORK/$name/run/cradle.sock
    OUT=$WORK/$name/profiles
    PIN_DIR=/sys/fs/bpf/cradle-it-$$-$name
    mkdir -p "$WORK/$name"
    pin_dirs+=("$PIN_DIR")
    collector_flags[$name]=
    (($# == 0)) || collector_flags[$name]=$(printf '%q ' "$@")
    launch_collector "$name" "$@"
}

# launch_collector NAME [EXTRA FLAGS...]: cradled on NAME's socket, pins and output directory,
# logging to $WORK/NAME/cradled.log; returns once it answers `cradle status`, or 1 (with its
# log on stderr) when it exits or does not answer within 10 s.
launch_collector() {
    local name=$1
    shift
    local socket=$WORK/$name/run/cradle.sock
    "$BIN/cradled" --socket "$socket" --output-dir "$WORK/$name/profiles" --pin-dir "/sys/fs/bpf/cradle-it-$$-$name" \
        "$@" >> "$WORK/$name/cradled.log" 2>&1 &
    collector_pid[$name]=$!
    poll_until 10 answers_or_exited "$socket" "${collector_pid[$name]}"
    collector_answers "$socket" && return 0
    echo "collector $name did not start:" >&2
    cat "$WORK/$name/cradled.log" >&2
    return 1
}

collector_answers() { "$BIN/cradle" status --socket "$1" > /dev/null 2>&1; }
answers_or_exited() { collector_answers "$1" || ! kill -0 "$2" 2> /dev/null; }

# stop_collector NAME: SIGTERM to NAME's collector, if it runs; returns its exit status.
stop_collector() {
    local pid=${collector_pid[$1]:-}
    collector_pid[$1]=
    [[ -z $pid ]] || stop_collector_pid "$pid"
}

stop_collector_pid() {
    kill -TERM "$1" 2> /dev/null
    wait "$1" 2> /dev/null
}

# restart_collector NAME [EXTRA FLAGS...]: stops NAME's collector if it runs and starts it again
# on the same socket, pins and output directory, with these flags or, when none are given, those
# it was first started with; returns as launch_collector does.
restart_collector() {
    local name=$1
    shift
    (($#)) || eval "set -- ${collector_flags[$name]:-}"
    stop_collector "$name"
    launch_collector "$name" "$@"
}

make_rootfs() {
    ROOTFS=$WORK/rootfs
    [[ -d $ROOTFS ]] || "$BUNDLE_TOOL" rootfs "$ROOTFS"
}

# bundle DIR [sample_bundle.py options] -- COMMAND...: an OCI bundle in $WORK/DIR on $ROOTFS.
bundle() {
    local directory=$WORK/$1
    shift
    "$BUNDLE_TOOL" bundle "$directory" --rootfs "$ROOTFS" "$@" > /dev/null
}

# run_container BUNDLE_DIR OUTPUT_FILE [WRAPPER...]: runc run as container
# cradle-it-<test pid>-<bundle>; returns runc's status.
run_container() {
    local directory=$WORK/$1 output=$2
    local id=cradle-it-$$-$1
    shift 2
    containers+=("$id")
    "$@" runc run --bundle "$directory" "$id" > "$output" 2> "$output.err" < /dev/null
}

# The host pid of the init of the container run from BUNDLE_DIR, once it runs (10 s at most).
container_pid() { poll_until 10 init_pid "cradle-it-$$-$1"; }

# init_pid ID: prints the host pid of container ID's init; fails while it has none.
init_pid() {
    local pid
    pid=$(runc state "$1" 2> /dev/null | sed -n 's/^ *"pid": \([0-9]*\),*$/\1/p')
    [[ -n $pid && $pid != 0 ]] && echo "$pid"
}

# A command for containers that wait for the test: `await NAME` loops until /tmp/NAME exists.
# The test releases them with `release BUNDLE_DIR NAME` (the container's /tmp seen from the
# host). A container that cannot be released is killed, so that no test waits for it forever;
# release then fails.
AWAIT='await() { while [ ! -e /tmp/$1 ]; do sleep 0.05; done; }'
release() {
    local pid
    pid=$(container_pid "$1") && touch "/proc/$pid/root/tmp/$2" && return 0
    echo "cannot release container $1 ($2): killing it" >&2
    runc kill "cradle-it-$$-$1" KILL > /dev/null 2>&1
    return 1
}

# wait_for_traced SOCKET PROFILE: until the collector at SOCKET traces a container as PROFILE
# (10 s at most).
wait_for_traced() { poll_until 10 traces "$@"; }
traces() { "$BIN/cradle" status --socket "$1" --format json 2> /dev/null | grep -q "\"name\": \"$2\""; }

# section FILE NAME: the entries of a tracefile section, one per line; fails without a word
# when there is no FILE (the check that reads it says so).
section() {
    [[ -r $1 ]] || return 1
    awk -v name="$2" '/^[A-Z_]+$/ { current = $0; next } /^#/ || /^$/ { next } current == name { print }' "$1"
}

# runs_runc TRACE_JSON [MANAGER]: the JSON tracefile names this machine's runc as its only
# runtime, driven by MANAGER (with no manager when none is given).
runs_runc() {
    jq -e --arg path "$(readlink -f "$(command -v runc)")" --arg manager "${2:-}" \
        '.runtimes == [{"name": "runc", "path": $path} + if $manager == "" then {} else {"manager": $manager} end]' "$1"
}

# wait_for_file PATH: a collector writes asynchronously when a container goes without poststop
# (5 s at most).
wait_for_file() { poll_until 5 test -e "$1"; }
