#!/usr/bin/env bash
# bench/runc_wrapper.sh [BUILD_DIR]: what cradle-runc adds to a runtime call it passes through.
#
# containerd and Docker call their runtime for every step of a container's life (create, start,
# state, kill, delete...), and cradle-runc stands before each call: it reads its configuration,
# finds runc on PATH and reads the command line before it executes runc in its place. Times
# `runc --version` and `runc state` of a container that does not exist, each directly, through
# the floor of any wrapper (a static program that only executes runc: exec_floor.c) and through
# cradle-runc (with the shipped configuration), and prints the ratios and the differences of the
# means. What cradle-runc itself adds is its difference from the floor.
#
# Uses hyperfine when installed (without a shell between it and the command), else a loop timed
# with $EPOCHREALTIME. Environment: RUNS (default 200). Needs runc; not root.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
build_dir=$(cd "${1:-$script_dir/../build}" && pwd)
wrapper=$build_dir/bin/cradle-runc
floor=$build_dir/bin/cradle-bench-exec-floor
runs=${RUNS:-200}
export CRADLE_CONFIG=$script_dir/../config/cradle.json

die() {
    echo "runc_wrapper.sh: FAILED: $*" >&2
    exit 1
}
runc=$(command -v runc) || die "runc is not installed"
for binary in "$wrapper" "$floor"; do
    [ -x "$binary" ] || die "\"$binary\" not found: build first (cmake --build BUILD_DIR)"
done
export CRADLE_BENCH_RUNTIME=$runc
"$wrapper" --version > /dev/null || die "cradle-runc --version failed"
work=$(mktemp -d /tmp/cradle-bench-runc-wrapper.XXXXXX)
trap 'rm -rf "$work"' EXIT

absent=cradle-bench-absent-$$
# mean_ms COMMAND...: the mean wall time of COMMAND over $runs runs, in ms (its status ignored).
mean_ms() {
    if command -v hyperfine > /dev/null; then
        hyperfine -N --runs "$runs" --warmup 10 --ignore-failure --style none --export-json "$work/run.json" \
            "$(printf '%q ' "$@")" > /dev/null 2>&1 || die "hyperfine failed on: $*"
        awk 'BEGIN { RS = "," } /"mean"/ { sub(/.*: */, ""); printf "%.3f\n", $0 * 1000; exit }' "$work/run.json"
        return
    fi
    local i start end
    for ((i = 0; i < 10; i++)); do "$@" > /dev/null 2>&1 || true; done
    start=$EPOCHREALTIME
    for ((i = 0; i < runs; i++)); do "$@" > /dev/null 2>&1 || true; done
    end=$EPOCHREALTIME
    awk -v s="$start" -v e="$end" -v n="$runs" 'BEGIN { printf "%.3f\n", (e - s) * 1000 / n }'
}

echo "cradle-runc pass-through: mean wall time over $runs runs ($(command -v hyperfine > /dev/null && echo hyperfine || echo 'a shell loop'))"
for form in "--version" "state $absent"; do
    read -ra arguments <<< "$form"
    direct=$(mean_ms "$runc" "${arguments[@]}")
    floored=$(mean_ms "$floor" "${arguments[@]}")
    wrapped=$(mean_ms "$wrapper" "${arguments[@]}")
    awk -v f="runc $form" -v d="$direct" -v l="$floored" -v w="$wrapped" 'BEGIN {
        printf "  %s\n    runc %6.3f ms; exec-only floor %6.3f ms (%+.3f ms); cradle-runc %6.3f ms: x%.2f of runc (%+.3f ms), %+.3f ms over the floor\n",
            f, d, l, l - d, w, w / d, w - d, w - l }'
done

# Wall time above moves with whatever else the machine runs; CPU time (perf's task-clock, summed
# over the processes of one call) moves much less. Here the runtime is a static program that
# does nothing, so that what remains is each wrapper's own start and its exec of the runtime.
if perf stat -e task-clock true > /dev/null 2>&1 && command -v cc > /dev/null; then
    printf 'int main(void) { return 0; }\n' > "$work/noop.c"
    cc -O2 -static -o "$work/noop" "$work/noop.c" || die "building a static no-op runtime failed"
    printf '{"runc_wrapper": {"runtime": "%s"}}\n' "$work/noop" > "$work/config.json"
    # task_clock_ms COMMAND...: the mean task-clock of COMMAND over $runs runs, in ms; the lowest
    # of three such means, as a burst elsewhere on the machine only ever adds.
    task_clock_ms() {
        local round
        for round in 1 2 3; do
            CRADLE_BENCH_RUNTIME=$work/noop CRADLE_CONFIG=$work/config.json perf stat -x, -r "$runs" -e task-clock \
                "$@" 2>&1 > /dev/null | awk -F, '$3 == "task-clock" { printf "%.3f\n", $1; exit }'
        done | sort -g | head -n 1
    }
    direct=$(task_clock_ms "$work/noop" state "$absent")
    floored=$(task_clock_ms "$floor" state "$absent")
    wrapped=$(task_clock_ms "$wrapper" state "$absent")
    echo "CPU time (perf task-clock, lowest of 3 means over $runs runs) of a call to a static no-op runtime:"
    awk -v d="$direct" -v l="$floored" -v w="$wrapped" 'BEGIN {
        printf "  the runtime alone %.3f ms; through the exec-only floor %.3f ms (%+.3f ms, one exec);\n", d, l, l - d
        printf "  through cradle-runc %.3f ms (%+.3f ms): %+.3f ms over the floor, what cradle-runc itself does\n", w, w - d, w - l }'
else
    echo "CPU time: skipped (perf stat or a C compiler is missing)"
fi
