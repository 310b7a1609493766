#!/usr/bin/env bash
# bench/runc_wrapper.sh [BUILD_DIR]: what cradle-runc adds to a runtime call it passes through.
#
# containerd and Docker call their runtime for every step of a container's life (create, start,
# state, kill, delete...), and cradle-runc stands before each call: it reads its configuration,
# finds runc on PATH and reads the command line before it executes runc in its place. Times
# `runc --version` and `runc state` of a container that does not exist, each directly and
# through cradle-runc (with the shipped configuration), and prints the ratios and the
# difference of the means.
#
# Uses hyperfine when installed (without a shell between it and the command), else a loop timed
# with $EPOCHREALTIME. Environment: RUNS (default 200). Needs runc; not root.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
build_dir=$(cd "${1:-$script_dir/../build}" && pwd)
wrapper=$build_dir/bin/cradle-runc
runs=${RUNS:-200}
export CRADLE_CONFIG=$script_dir/../config/cradle.json

die() {
    echo "runc_wrapper.sh: FAILED: $*" >&2
    exit 1
}
runc=$(command -v runc) || die "runc is not installed"
[ -x "$wrapper" ] || die "\"$wrapper\" not found: build first (cmake --build BUILD_DIR)"
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
    wrapped=$(mean_ms "$wrapper" "${arguments[@]}")
    awk -v f="runc $form" -v d="$direct" -v w="$wrapped" 'BEGIN {
        printf "  %-40s runc %6.2f ms, through cradle-runc %6.2f ms: x%.2f (%+.2f ms)\n", f, d, w, w / d, w - d }'
done
