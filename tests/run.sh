#!/usr/bin/env bash
# Installs what Cradle needs, builds it and runs every test: the unit tests, then (as root)
# the integration tests against the real kernel and real runtimes.
#   sudo ./tests/run.sh                      everything
#   sudo ./tests/run.sh test_hook_faults     only the integration tests whose name matches
# Under CI=true an integration test that would skip fails instead. CRADLE_TEST_TIMEOUT (600 s)
# bounds each integration test.
set -uo pipefail
cd "$(dirname "$0")/.."
filter=${1:-}

if [[ $(id -u) == 0 ]]; then
    ./install/deps.sh || { echo "installing dependencies failed" >&2; exit 2; }
else
    echo "not root: dependencies are not installed and the integration tests will skip" >&2
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > build.log 2>&1 && cmake --build build -j2 >> build.log 2>&1 || {
    tail -n 40 build.log >&2
    echo "build failed (see build.log)" >&2
    exit 2
}

passed=0
failed=0
skipped=0

# tally LINE: adds a "NAME: P passed, F failed, S skipped" line to the totals; a LINE that is
# not such a summary counts as one failure (and tally fails).
tally() {
    local counts
    counts=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' <<< "$1")
    if [[ -z $counts ]]; then
        failed=$((failed + 1))
        return 1
    fi
    read -r p f s <<< "$counts"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
}

echo "== unit tests"
unit_output=$(./build/bin/cradle-unit 2>&1)
unit_status=$?
echo "$unit_output" | grep -E '^\[doctest\] (test cases|assertions)|ERROR|FAILED' | head -n 40
unit_summary=$(sed -nE 's/^\[doctest\] test cases: *([0-9]+) \| *([0-9]+) passed \| *([0-9]+) failed \| *([0-9]+) skipped.*/unit: \2 passed, \3 failed, \4 skipped/p' <<< "$unit_output")
if [[ -n $unit_summary ]]; then
    tally "$unit_summary"
fi
((unit_status == 0)) || [[ -n $unit_summary ]] || failed=$((failed + 1))

# Each integration test takes seconds; one that hangs is stopped (and counts as failed) long
# before CI's own limit.
test_timeout=${CRADLE_TEST_TIMEOUT:-600}
for test in tests/integration/test_*.sh; do
    name=$(basename "$test" .sh)
    [[ -z $filter || $name == *$filter* ]] || continue
    echo "== $name"
    started=$SECONDS
    output=$(timeout -k 10 "$test_timeout" "$test" 2>&1)
    status=$?
    echo "$output"
    ((status != 124 && status != 137)) || echo "$name: stopped after $test_timeout s"
    echo "($name took $((SECONDS - started)) s)"
    summary=$(tail -n 1 <<< "$output")
    tally "$summary" || continue
    ((status == 0)) || grep -q ' [1-9][0-9]* failed' <<< "$summary" || failed=$((failed + 1))
done

echo
echo "total: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
