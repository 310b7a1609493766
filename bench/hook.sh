#!/usr/bin/env bash
# bench/hook.sh [BUILD_DIR]: what tracing adds to a container's life, start to removal,
# flush included.
#
# Times `runc run` of a busybox container running /bin/true, from the call to its return,
# in six forms that alternate (the order rotates every round so none always runs first):
#   plain:       no hooks, no annotation
#   true:        a createRuntime hook that is /bin/true (runc's cost of running any hook)
#   untraced:    the createRuntime cradle-hook, no annotation (what a container that is not
#                traced pays where the hook is configured for every container)
#   traced:      the createRuntime cradle-hook and io.cradle.profile, the recommended setup:
#                cradled flushes when the cgroup goes; timed until runc run returned and the
#                profile files exist
#   true-both:   createRuntime and poststop hooks that are /bin/true
#   traced-both: createRuntime and poststop cradle-hook and io.cradle.profile: the files are
#                in place when runc run returns (each run is checked to have left them)
# The target (at most 10 ms) is judged for both setups on the difference of the medians,
# traced - plain and traced-both - plain; true - plain and true-both - plain show how much of
# that is runc running hooks at all. Times are read from $EPOCHREALTIME, not a `date`
# process, which costs milliseconds here.
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
forms=(plain true untraced traced true-both traced-both)
jq --arg root "$work/rootfs" '.process.terminal = false | .process.args = ["/bin/true"]
    | .root = {path: $root, readonly: false}' "$work/config.json" >"$work/plain.json"
for form in "${forms[@]}"; do mkdir -p "$work/$form"; done
cp "$work/plain.json" "$work/plain/config.json"
jq '.hooks = {createRuntime: [{path: "/bin/true"}]}' "$work/plain.json" >"$work/true/config.json"
jq '.hooks.poststop = [{path: "/bin/true"}]' "$work/true/config.json" >"$work/true-both/config.json"
jq --arg hook "$bin/cradle-hook" --arg socket "$socket" --argjson env "$hook_env" '.hooks = {
        createRuntime: [{path: $hook, args: ["cradle-hook", "--socket", $socket, "createRuntime"], env: $env}]}' \
    "$work/plain.json" >"$work/untraced/config.json"
jq --arg profile "$profile" '.annotations = {"io.cradle.profile": $profile}' \
    "$work/untraced/config.json" >"$work/traced/config.json"
jq --arg hook "$bin/cradle-hook" --arg socket "$socket" --argjson env "$hook_env" '.hooks.poststop = [
        {path: $hook, args: ["cradle-hook", "--socket", $socket, "poststop"], env: $env}]' \
    "$work/traced/config.json" >"$work/traced-both/config.json"

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
run_once() {  # run_once FORM: sets run_ms
    local form=$1 start end
    container=$id_prefix-$((++runs))
    rm -f "$profiles/$profile".*
    start=$EPOCHREALTIME
    runc run --bundle "$work/$form" "$container" >"$work/run.out" 2>&1 </dev/null ||
        die "runc run ($form): $(cat "$work/run.out")"
    if [ "$form" = traced ]; then
        await_profile || die "(traced): no profile in \"$profiles\" 2 s after runc run returned"
    fi
    end=$EPOCHREALTIME
    container=
    run_ms=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) * 1000 }')
    case $form in
    traced | traced-both)
        [ -s "$profiles/$profile.tracefile" ] && [ -s "$profiles/$profile.seccomp.json" ] ||
            die "($form): no profile in \"$profiles\" when runc run returned: the flush was not part of the run ($(tail -n 3 "$work/cradled.log"))"
        grep -q "tracing container \"$id_prefix-$runs\"" "$work/cradled.log" ||
            die "($form): cradled did not register \"$id_prefix-$runs\""
        ;;
    *)
        [ -e "$profiles/$profile.tracefile" ] && die "($form): a profile was written for a container without the annotation"
        ;;
    esac
    return 0
}

started=$SECONDS
echo "cradle hook: wall time of \`runc run\` of /bin/true, $rounds rounds, the forms rotating"
for form in "${forms[@]}"; do run_once "$form"; done  # warm-up: page cache, runc's first start
results=$work/results
: >"$results"
for ((round = 1; round <= rounds; round++)); do
    for ((f = 0; f < ${#forms[@]}; f++)); do
        form=${forms[(f + round) % ${#forms[@]}]}
        run_once "$form"
        echo "$round $form $run_ms" >>"$results"
    done
    awk -v r="$round" -v order="${forms[*]}" '$1 == r { v[$2] = $3 }
        END { n = split(order, f, " "); for (i = 1; i <= n; i++) line = line sprintf("  %s %6.2f", f[i], v[f[i]])
              printf "round %2d:%s\n", r, line }' "$results"
done

echo
# The target is judged on the difference of the medians; the median of the per-round
# differences (runs a few hundred ms apart, so drift cancels) is printed as a cross-check.
awk -v target=10 "$awk_median"'
    { v[$1, $2] = $3; all[$2] = all[$2] " " $3; if ($1 > rounds) rounds = $1 }
    function added(form,    r, diffs) {  # "+X ms (per round +Y ms)" over plain
        for (r = 1; r <= rounds; r++) diffs = diffs " " (v[r, form] - v[r, "plain"])
        return sprintf("%+6.2f ms (per round %+6.2f ms)", median(all[form]) - plain, median(diffs))
    }
    function verdict(form,    extra) {
        extra = median(all[form]) - plain
        return sprintf("%+.2f ms, target <= %d ms: %s", extra, target, extra <= target ? "met" : "NOT met")
    }
    END {
        plain = median(all["plain"])
        printf "median runc run, plain (no hooks):                        %7.2f ms\n", plain
        printf "added over plain, difference of the medians:\n"
        printf "  true        (a /bin/true createRuntime hook):            %s\n", added("true")
        printf "  untraced    (cradle-hook, no annotation):                %s\n", added("untraced")
        printf "  traced      (cradle-hook + annotation, until the files): %s\n", added("traced")
        printf "  true-both   (/bin/true createRuntime + poststop):        %s\n", added("true-both")
        printf "  traced-both (cradle-hook at both + annotation):          %s\n", added("traced-both")
        printf "cradle'"'"'s own part (over the same hooks as /bin/true): createRuntime %+.2f ms, both stages %+.2f ms\n",
            median(all["traced"]) - median(all["true"]), median(all["traced-both"]) - median(all["true-both"])
        printf "tracing, createRuntime hook (recommended):   %s\n", verdict("traced")
        printf "tracing, createRuntime and poststop hooks:   %s\n", verdict("traced-both")
    }' "$results"
echo "total time: $((SECONDS - started)) s"
