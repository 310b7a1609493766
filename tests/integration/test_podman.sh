#!/usr/bin/env bash
# podman reaches cradle-hook through the hooks.d files Cradle ships (install/hooks.d): a container
# started with the annotation io.cradle.profile and nothing else configured is traced, its profile
# is in place when podman returns, and podman's spelling of the options (cradle options --format
# podman) runs it again the same while refusing what it never did. A restarted container, a
# repeated poststop and --rm each leave one complete profile; without the annotation the hooks'
# `when` does not match and nothing is traced.
source "$(dirname "$0")/lib.sh"
require_platform
command -v podman > /dev/null || { skip "podman is missing (apt-get install podman)"; finish; }
command -v jq > /dev/null || { skip "jq is missing"; finish; }

make_rootfs
start_collector main || { fail "collector starts"; finish; }

source "$(dirname "$0")/podman_lib.sh"
trap 'remove_podman_containers; cleanup' EXIT

# profiles: the entries of the output directory, one a line (hidden ones too).
profiles() { ls -A "$OUT"; }

part "the shipped hooks.d files, pointed at this test's build and collector"
check --as hooks "installed" install_hooks "$REPO/install/hooks.d" "$HOOKS_DIR" "$BIN/cradle-hook" --socket "$SOCKET"
needs hooks
check "createRuntime and poststop are the stages" \
    test "$(jq -r '.stages[]' "$HOOKS_DIR"/*.json | sort | paste -sd ' ')" = "createRuntime poststop"

part "calibration: podman starts every container under a seccomp filter, so each measures runc's window"
needs hooks
# What runc's Go runtime does after installing the filter varies from run to run: measure it a
# few times, as setup.sh does, before a profile is tried.
for _ in 1 2 3; do
    podman_run calibration --annotation io.cradle.profile=calibration -- /bin/true || fail "calibration container runs"
done
check "the runtime window was measured (execve after the filter)" \
    grep -qx execve <(section "$OUT/calibration.tracefile" RUNTIME_SYSCALLS)

part "podman run --rm with only the annotation is traced from its birth"
WORKLOAD='echo hello; cat /etc/passwd; touch /tmp/f; chown 1234:1234 /tmp/f; stat -c "%u %g" /tmp/f; rm /tmp/f; uname -s'
needs hooks
check --as recorded "recorded container runs" podman_run record --annotation io.cradle.profile=workload -- \
    /bin/sh -c "$WORKLOAD"
needs recorded
# The poststop hook has the collector write before podman returns.
check --as tracefile "tracefile written when podman returns" test -s "$OUT/workload.tracefile"
check --as profile "seccomp profile written when podman returns" test -s "$OUT/workload.seccomp.json"
needs tracefile
check "recording is complete" empty "$(section "$OUT/workload.tracefile" INCOMPLETE)"
section "$OUT/workload.tracefile" SYSCALLS > "$WORK/allowed"
for name in chown uname unlink execve; do
    check "$name recorded" grep -qxE "${name}(at)?" "$WORK/allowed"
done
for setup_only in pivot_root sethostname; do
    check "$setup_only (runc's setup) not allowed" bash -c "! grep -qx $setup_only '$WORK/allowed'"
done
check "CHOWN recorded as a granted capability" grep -qx chown <(section "$OUT/workload.tracefile" CAPABILITIES)
check "trace.json names runc, driven by podman" runs_runc "$OUT/workload.trace.json" podman

part "cradle options --format podman: the same output, and what it never did refused"
needs tracefile profile
"$BIN/cradle" options --format podman "$OUT/workload.tracefile" > "$WORK/options" 2> "$WORK/options.err"
check --as options "podman's spelling: --cap-drop=all, --cap-add=..., --security-opt seccomp=PATH" \
    grep -qxE -- "--cap-drop=all( --cap-add=[A-Z_]+)* --security-opt seccomp=$OUT/workload.seccomp.json" "$WORK/options"
# The options are shell words, as a user pastes them.
eval "options=($(< "$WORK/options"))"
needs options
check "with CHOWN added" grep -q -- "--cap-add=CHOWN" "$WORK/options"
check --as inspected "podman takes them (podman create)" \
    podman_cmd create "${RUN_FLAGS[@]}" --name "cradle-it-$$-inspect" "${options[@]}" --rootfs "$ROOTFS" /bin/true
needs inspected
inspect() { podman_cmd inspect --format "$1" "cradle-it-$$-inspect"; }
wanted_caps=$(section "$OUT/workload.tracefile" CAPABILITIES | tr '[:lower:]' '[:upper:]' | sed 's/^/CAP_/' | sort | paste -sd ' ')
given_caps() { inspect '{{.EffectiveCaps}}' | tr -d '[]' | tr ' ' '\n' | sed '/^$/d' | sort | paste -sd ' '; }
check "and gives the container the recorded capabilities, no more ($wanted_caps)" test "$(given_caps)" = "$wanted_caps"
check "and the recorded seccomp profile" test "$(inspect '{{.HostConfig.SecurityOpt}}')" = "[seccomp=$OUT/workload.seccomp.json]"
needs options
check --as enforced "re-run under the options exits 0" podman_run enforced "${options[@]}" -- /bin/sh -c "$WORKLOAD"
needs enforced
check "re-run prints the same output" diff "$WORK/record.out" "$WORK/enforced.out"
needs options
podman_run refused "${options[@]}" -- /bin/mkdir /tmp/never
check "mkdir, never made, is refused (EPERM)" grep -q "Operation not permitted" "$WORK/refused.err"
check "where podman's own profile allows it: the refusal is the profile's" podman_run unrefused -- /bin/mkdir /tmp/allowed

part "podman restart: both lives of one container make one profile"
needs hooks
# The first life touches a file; the second, which finds it, makes a directory. SIGTERM ends
# each at once.
LOOP='trap "exit 0" TERM; if [ -e /tmp/lived ]; then mkdir /tmp/second-life; else touch /tmp/lived; fi
echo up; while :; do sleep 0.1; done'
RESTARTED=cradle-it-$$-restarted
start_detached() {
    podman_cmd run -d "${RUN_FLAGS[@]}" --name "$RESTARTED" --annotation io.cradle.profile=restarted \
        --rootfs "$ROOTFS" /bin/sh -c "$LOOP" > "$WORK/restarted.id"
}
# lives N: the container has printed "up" N times (it lived N lives so far).
lives() { [[ $(podman_cmd logs "$RESTARTED" 2> /dev/null | grep -c '^up$') -ge $1 ]]; }
# first_life_only FILE: FILE's allow-list has the first life's touch (utimensat), not the mkdir.
first_life_only() {
    section "$1" SYSCALLS > "$WORK/first-life-allowed"
    grep -qx utimensat "$WORK/first-life-allowed" && ! grep -qxE 'mkdir(at)?' "$WORK/first-life-allowed"
}
check --as detached "podman run -d" start_detached
needs detached
check --as first-life "the first life is traced and runs" poll_until 10 lives 1
check "(traced as restarted)" wait_for_traced "$SOCKET" restarted
needs first-life
check --as restarted "podman restart" podman_cmd restart --time 10 "$RESTARTED"
needs restarted
check --as first-written "the first life's profile is written when podman restart returns" \
    cp "$OUT/restarted.tracefile" "$WORK/first-life.tracefile"
needs first-written
check "it holds the first life's touch, not yet the second's mkdir" first_life_only "$WORK/first-life.tracefile"
needs restarted
check --as second-life "the second life runs" poll_until 10 lives 2
needs second-life
check --as stopped "podman stop" podman_cmd stop --time 10 "$RESTARTED"
needs stopped
check "podman rm" podman_cmd rm "$RESTARTED"
section "$OUT/restarted.tracefile" SYSCALLS > "$WORK/restarted-allowed"
check "one profile for both lives: restarted.tracefile, its profiles and its JSON tracefile" \
    test "$(profiles | grep restarted | LC_ALL=C sort | paste -sd ' ')" = \
    "restarted.capabilities.json restarted.seccomp.json restarted.trace.json restarted.tracefile"
check "complete" empty "$(section "$OUT/restarted.tracefile" INCOMPLETE)"
check "the first life's touch is allowed (utimensat)" grep -qx utimensat "$WORK/restarted-allowed"
check "the second life's mkdir is allowed" grep -qxE 'mkdir(at)?' "$WORK/restarted-allowed"
check "the loop's sleep is allowed" grep -qxE '(clock_)?nanosleep' "$WORK/restarted-allowed"
check "cradle options finds nothing to report" "$BIN/cradle" options --format podman "$OUT/restarted.tracefile"

part "a second poststop leaves the profile as it was"
needs stopped
# podman has run poststop twice for one stop; 4.3.1 runs it once, so the second comes by hand:
# as the shipped poststop entry runs the hook, with the state podman gives there.
sha256sum "$OUT"/restarted.* > "$WORK/before-poststop"
poststop_again() {
    local entry=$HOOKS_DIR/90-cradle-poststop.json environment arguments
    mapfile -t environment < <(jq -r '.hook.env[]' "$entry")
    mapfile -t arguments < <(jq -r '.hook.args[1:][]' "$entry")
    jq -n --arg id "$(< "$WORK/restarted.id")" \
        '{ociVersion: "1.0.2-dev", id: $id, status: "stopped", annotations: {"io.cradle.profile": "restarted"}}' |
        env -i "${environment[@]}" "$(jq -r '.hook.path' "$entry")" "${arguments[@]}"
}
check "the hook exits 0" poststop_again
check "the files are unchanged" sha256sum --quiet -c "$WORK/before-poststop"

part "without the annotation the hooks' when does not match"
needs hooks
profiles > "$WORK/profiles-before"
check "a container without the annotation runs" podman_run unannotated -- /bin/sh -c 'echo untraced'
check "and no profile is written" diff "$WORK/profiles-before" <(profiles)
# The `when` itself, seen through a hook that only notes its calls: the anchored regex matches
# io.cradle.profile, and nothing that merely contains it.
printf '#!/bin/sh\ncat > /dev/null\necho "$1" >> %s\n' "$WORK/tripwire.calls" > "$WORK/tripwire"
chmod +x "$WORK/tripwire"
# tripwire_sees HOOKS ANNOTATION: a container with ANNOTATION=x ran the tripwire at HOOKS (the
# stages, space-separated; empty for none).
tripwire_sees() {
    : > "$WORK/tripwire.calls"
    HOOKS_DIR=$WORK/tripwire.d podman_run tripwire --annotation "$2=x" -- /bin/true || return 1
    local seen
    seen=$(paste -sd ' ' "$WORK/tripwire.calls")
    [[ $seen == "$1" ]] || { echo "hooks run: \"$seen\""; return 1; }
}
check --as tripwire "the shipped files pointed at a tripwire" install_hooks "$REPO/install/hooks.d" "$WORK/tripwire.d" "$WORK/tripwire"
needs tripwire
check "io.cradle.profile: the hooks run (createRuntime, poststop)" tripwire_sees "createRuntime poststop" io.cradle.profile
for annotation in xio.cradle.profile io.cradle.profilex io-cradle-profile; do
    check "$annotation: no hook runs" tripwire_sees "" "$annotation"
done

part "what is left"
needs hooks
remove_podman_containers
check "no container of this test is left" test -z "$(podman_cmd ps -a -q)"
no_containers() { "$BIN/cradle" status --socket "$SOCKET" --format json | jq -e '.containers == []' > /dev/null; }
check "the collector traces nothing any more" poll_until 5 no_containers
check "no temporary file in the output directory" empty "$(profiles | grep '^\.')"
check "one set of files per name (calibration, restarted, workload)" \
    test "$(profiles | LC_ALL=C sort | paste -sd ' ')" = "$(for name in calibration restarted workload; do
        printf '%s ' "$name.capabilities.json" "$name.seccomp.json" "$name.trace.json" "$name.tracefile"
    done | sed 's/ $//')"

finish
