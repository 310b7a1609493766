#!/usr/bin/env bash
# bench/hook.sh [BUILD_DIR]: what cradle-hook adds to a container's start and stop.
#
# Times `runc run` of a busybox container running /bin/true, from the call to its return,
# in four forms that alternate (the order rotates every round so none always runs first):
#   plain:  no hooks, no annotation
#   true:   createRuntime + poststop hooks that are /bin/true (the floor of any hook: runc
#           spawning two processes)
#   hooked: the same hooks as traced, no annotation (cradle-hook's start-up, nothing traced)
#   traced: createRuntime + poststop cradle-hook and io.cradle.profile, cradled running
#   registered: createRuntime cradle-hook alone and io.cradle.profile: cradled flushes when
#           the cgroup goes; timed until runc run returned and the profile files exist
# The target is about traced - plain; true and hooked show where that time goes, registered
# what a setup without the poststop hook would pay.
# runc run returns after the container is gone and its poststop hooks have run, so the traced
# time includes the registration and the profile flush: each traced run is checked to have
# left the profile files by the time runc run returned (else the flush was not timed).
# Times are read from $EPOCHREALTIME, not a `date` process, which costs milliseconds here.
#
# Environment: ROUNDS (default 41). Needs root, runc and jq.
# Uses its own socket, pin and work directories and removes them, its containers and its
# collector on exit, also on failure. Exits 1 when a form could not be set up; timings never
# make it fail.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
build_dir=$(cd "${1:-$script_dir/../build}" && pwd)
bin=$build_dir/bin
rounds=${ROUNDS:-41}
bench=hook
source "$script_dir/lib.sh"
profile=cradle-bench-hook
id_prefix=cradle-bench-hook-$$

bench_setup runc jq -- cradle-hook
hook_env='["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]'
jq --arg root "$work/rootfs" '.process.terminal = false | .process.args = ["/bin/true"]
    | .root = {path: $root, readonly: false}' "$work/config.json" >"$work/plain.json"
mkdir -p "$work/plain" "$work/true" "$work/hooked" "$work/traced" "$work/registered"
cp "$work/plain.json" "$work/plain/config.json"
jq '.hooks = {createRuntime: [{path: "/bin/true"}], poststop: [{path: "/bin/true"}]}' \
    "$work/plain.json" >"$work/true/config.json"
jq --arg hook "$bin/cradle-hook" --arg socket "$socket" --argjson env "$hook_env" '.hooks = {
        createRuntime: [{path: $hook, args: ["cradle-hook", "--socket", $socket, "createRuntime"], env: $env}],
        poststop: [{path: $hook, args: ["cradle-hook", "--socket", $socket, "poststop"], env: $env}]}' \
    "$work/plain.json" >"$work/hooked/config.json"
jq --arg profile "$profile" '.annotations = {"io.cradle.profile": $profile}' \
    "$work/hooked/config.json" >"$work/traced/config.json"
jq 'del(.hooks.poststop)' "$work/traced/config.json" >"$work/registered/config.json"

start_cradled

# A pipe nobody writes to: `read -t` on it sleeps without starting a process.
exec {idle_fd}<> <(:)

# Waits (at most 2 s) until the profile files exist.
await_profile() {
    local tries
    for ((tries = 0; tries < 10000; tries++)); do
        [ -s "$profiles/$profile.tracefile" ] && return 0
        read -r -t 0.0002 -u "$idle_fd" || true
    done
    return 1
}

runs=0
run_ms=
run_once() {  # run_once plain|true|hooked|traced|registered: sets run_ms
    local form=$1 start end
    container=$id_prefix-$((++runs))
    rm -f "$profiles/$profile".*
    start=$EPOCHREALTIME
    runc run --bundle "$work/$form" "$container" >"$work/run.out" 2>&1 </dev/null ||
        die "runc run ($form): $(cat "$work/run.out")"
    if [ "$form" = registered ]; then
        await_profile || die "(registered): no profile in \"$profiles\" 2 s after runc run returned"
    fi
    end=$EPOCHREALTIME
    container=
    run_ms=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) * 1000 }')
    if [ "$form" = traced ] || [ "$form" = registered ]; then
        [ -s "$profiles/$profile.tracefile" ] && [ -s "$profiles/$profile.seccomp.json" ] ||
            die "($form): no profile in \"$profiles\" when runc run returned: the flush was not part of the run ($(tail -n 3 "$work/cradled.log"))"
        grep -q "tracing container \"$id_prefix-$runs\"" "$work/cradled.log" ||
            die "($form): cradled did not register \"$id_prefix-$runs\""
    elif [ -e "$profiles/$profile.tracefile" ]; then
        die "($form): a profile was written for a container without the annotation"
    fi
    return 0
}

started=$SECONDS
echo "cradle hook: wall time of \`runc run\` of /bin/true, $rounds rounds, the forms rotating"
forms=(plain true hooked traced registered)
for form in "${forms[@]}"; do run_once "$form"; done  # warm-up: page cache, runc's first start
results=$work/results
: >"$results"
for ((round = 1; round <= rounds; round++)); do
    for ((f = 0; f < ${#forms[@]}; f++)); do
        form=${forms[(f + round) % ${#forms[@]}]}
        run_once "$form"
        echo "$round $form $run_ms" >>"$results"
    done
    awk -v r="$round" '$1 == r { v[$2] = $3 } END {
        printf "round %2d: plain %6.2f ms  true %6.2f ms  hooked %6.2f ms  traced %6.2f ms  registered %6.2f ms\n",
            r, v["plain"], v["true"], v["hooked"], v["traced"], v["registered"] }' "$results"
done

echo
# The target is judged on the difference of the medians; the median of the per-round
# differences (runs a few hundred ms apart, so drift cancels) is printed as a cross-check.
awk -v target=10 "$awk_median"'
    { v[$1, $2] = $3; all[$2] = all[$2] " " $3; if ($1 > rounds) rounds = $1 }
    END {
        for (r = 1; r <= rounds; r++) {
            diffs = diffs " " (v[r, "traced"] - v[r, "plain"])
            true_diffs = true_diffs " " (v[r, "true"] - v[r, "plain"])
            hooked_diffs = hooked_diffs " " (v[r, "hooked"] - v[r, "plain"]) }
        plain = median(all["plain"]); tru = median(all["true"]); hooked = median(all["hooked"]); traced = median(all["traced"])
        printf "median runc run, plain (no hooks):                  %7.2f ms\n", plain
        printf "median runc run, true (two /bin/true hooks):        %7.2f ms  (%+.2f ms, per round %+.2f ms)\n",
            tru, tru - plain, median(true_diffs)
        printf "median runc run, hooked (cradle-hook, no annot.):   %7.2f ms  (%+.2f ms, per round %+.2f ms)\n",
            hooked, hooked - plain, median(hooked_diffs)
        printf "median runc run, traced (cradle-hook + annotation): %7.2f ms\n", traced
        printf "added by tracing, difference of the medians:        %+7.2f ms\n", traced - plain
        printf "added by tracing, median of per-round differences:  %+7.2f ms\n", median(diffs)
        printf "  of which runc running any two hooks (true - plain): %+.2f ms; cradle-hook, cradled and the flush (traced - true): %+.2f ms\n",
            tru - plain, traced - tru
        registered = median(all["registered"])
        printf "median runc run, registered (createRuntime hook only, until the files exist): %7.2f ms  (%+.2f ms)\n",
            registered, registered - plain
        printf "added by the hook + annotation: %+.2f ms  target <= %d ms: %s\n", traced - plain, target, (traced - plain <= target) ? "met" : "NOT met"
    }' "$results"
echo "total time: $((SECONDS - started)) s"
