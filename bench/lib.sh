# bench/lib.sh: what bench/*.sh share. Sourced after `set -euo pipefail`, with `bench` set to
# the script's short name (its directories are named after it) and `bin` to the build's bin/.
#
# bench_setup TOOL... -- PROGRAM...: checks root, the tools on PATH and the built programs,
# refuses to run beside another run of the same script, mounts bpffs and tracefs where they
# are not, and makes
#   $work      /tmp/cradle-bench/$bench, with rootfs/ (busybox) and config.json (runc spec)
#   $profiles  $work/profiles, cradled's output directory
#   $socket    /run/cradle-bench/$bench.sock
#   $pin_dir   /sys/fs/bpf/cradle-bench-$bench
# and removes all of them, its collector and $container (when set) on exit, also on failure.
# A script with more to undo defines bench_cleanup, which runs first.

work=/tmp/cradle-bench/$bench
profiles=$work/profiles
socket=/run/cradle-bench/$bench.sock
pin_dir=/sys/fs/bpf/cradle-bench-$bench
cradled_pid=
container=

die() {
    echo "$bench.sh: FAILED: $*" >&2
    exit 1
}

bench_cleanup() { :; }

bench_exit() {
    set +e
    bench_cleanup
    [ -n "$container" ] && runc delete --force "$container" >/dev/null 2>&1
    [ -n "$cradled_pid" ] && kill -TERM "$cradled_pid" 2>/dev/null && wait "$cradled_pid" 2>/dev/null
    [ -e "$pin_dir" ] && "$bin/cradled" --unpin --pin-dir "$pin_dir" >/dev/null 2>&1
    rm -f "$socket"
    rm -rf "$work"
    rmdir "$(dirname "$socket")" "$(dirname "$work")" 2>/dev/null || true  # when nothing else is in them
}

bench_setup() {
    local tool
    [ "$(id -u)" = 0 ] || die "needs root"
    while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
        command -v "$1" >/dev/null || die "\"$1\" is not installed"
        shift
    done
    [ "$#" -gt 0 ] && shift
    for tool in cradled "$@"; do
        [ -x "$bin/$tool" ] || die "\"$bin/$tool\" not found: build first (cmake --build BUILD_DIR)"
    done
    [ -e "$socket" ] && die "socket \"$socket\" exists: another $bench.sh running?"
    [ -e "$pin_dir" ] && die "pin directory \"$pin_dir\" exists: another $bench.sh running? (cradled --unpin --pin-dir $pin_dir)"
    trap bench_exit EXIT
    trap 'exit 130' INT TERM

    mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
    # bpftrace attaches tracepoints through tracefs, which a fresh machine has not mounted.
    mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
    rm -rf "$work"
    mkdir -p "$work/rootfs/bin" "$profiles" "$(dirname "$socket")"
    cp /bin/busybox "$work/rootfs/bin/"
    for tool in sh true sleep cat; do ln -s busybox "$work/rootfs/bin/$tool"; done
    (cd "$work" && runc spec)
}

# Starts cradled on the script's socket, pins and output directory; returns once it serves.
start_cradled() {
    "$bin/cradled" --socket "$socket" --pin-dir "$pin_dir" --output-dir "$profiles" \
        >>"$work/cradled.log" 2>&1 &
    cradled_pid=$!
    local tries=0
    until [ -S "$socket" ]; do
        kill -0 "$cradled_pid" 2>/dev/null || die "cradled exited at start: $(tail -n 5 "$work/cradled.log")"
        ((++tries < 500)) || die "cradled not ready after 10 s"
        sleep 0.02
    done
}

# Stops cradled and removes its pins, so the next start attaches afresh.
stop_cradled() {
    kill -TERM "$cradled_pid"
    wait "$cradled_pid" || true
    cradled_pid=
    "$bin/cradled" --unpin --pin-dir "$pin_dir" >>"$work/cradled.log" 2>&1 || die "cradled --unpin failed"
    rm -f "$socket"
}

# An awk function for the report: median(LIST) of a space-separated list of numbers.
awk_median='
    function median(list,    n, i, j, t, v) {
        n = split(list, v, " ")
        for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }'
