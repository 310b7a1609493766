#!/usr/bin/env bash
# cradle calibrate measures the runtime's window where the collector reads it, and cradle verify
# proves recorded profiles on the bundles they came from: the same under the profile, the
# capabilities really needed (--minimize-capabilities), and a difference when the profile lacks
# a syscall the workload makes. (Issue 9: calibrate, verify.)
source "$(dirname "$0")/lib.sh"
require_platform
command -v jq > /dev/null || { skip "jq is missing"; finish; }

make_rootfs
start_collector main || { fail "collector starts"; finish; }
HOOK=$BIN/cradle-hook
CRADLE=$BIN/cradle
samples() { "$CRADLE" status --socket "$SOCKET" --format json | jq -r .runtime_baseline_samples; }

part "calibrate: cradled must be running"
"$CRADLE" calibrate --socket "$WORK/nowhere.sock" > /dev/null 2> "$WORK/no-collector.err"
check "without cradled it exits 2" test $? = 2
check "and says to start it" grep -qF "cradled is not running at $WORK/nowhere.sock: start it first" "$WORK/no-collector.err"

part "calibrate: the runtime's post-filter syscalls land in the collector's runtime baseline"
check --as fresh "a new collector has measured nothing" test "$(samples)" = 0
needs fresh
check --as calibrated "cradle calibrate runs" bash -c "'$CRADLE' calibrate --socket '$SOCKET' > '$WORK/calibrate.out' 2>&1 || { cat '$WORK/calibrate.out'; exit 1; }"
needs calibrated
check "the baseline counts its containers: 8 with noNewPrivileges, 8 without" test "$(samples)" = 16
check "it says what it measured" grep -q '^runtime baseline: [1-9][0-9]* syscalls from 16 containers' "$WORK/calibrate.out"
check "execve (the window's end) among the runtime's post-filter syscalls" \
    grep -qE '^the runtime.s post-filter syscalls:.* execve( |$)' "$WORK/calibrate.out"
check "no calibration container left behind" bash -c "! runc list -q | grep -q '^cradle-calibration-'"
# A container without a seccomp filter has no window of its own: its recording takes the
# baseline's, and is complete only because it was measured.
bundle plain --hook "$HOOK" --socket "$SOCKET" --profile plain -- /bin/sh -c 'echo hello'
check --as plain "a container without a filter is recorded" run_container plain "$WORK/plain.out"
needs calibrated plain
check "its RUNTIME_SYSCALLS come from the calibration (execve)" grep -qx execve <(section "$OUT/plain.tracefile" RUNTIME_SYSCALLS)
check "and its recording is complete" empty "$(section "$OUT/plain.tracefile" INCOMPLETE)"

part "record: a workload that needs CAP_CHOWN, and one that needs no capability"
CHOWN_WORKLOAD='touch /tmp/x; chown 1:1 /tmp/x; stat -c "%u:%g" /tmp/x; uname -s'
bundle chown --hook "$HOOK" --socket "$SOCKET" --profile chown -- /bin/sh -c "$CHOWN_WORKLOAD"
check --as chown-recorded "the chown workload is recorded" run_container chown "$WORK/chown.out"
bundle nocap --hook "$HOOK" --socket "$SOCKET" --profile nocap -- /bin/sh -c 'echo hello; uname -s'
check --as nocap-recorded "the workload without capabilities is recorded" run_container nocap "$WORK/nocap.out"
needs chown-recorded
check "chown is a recorded capability" grep -qx chown <(section "$OUT/chown.tracefile" CAPABILITIES)
needs nocap-recorded
echo "  (nocap recorded capabilities: $(section "$OUT/nocap.tracefile" CAPABILITIES | paste -sd ' '))"

# verify_json NAME BUNDLE PROFILE [FLAGS...]: cradle verify --format json into $WORK/NAME.json;
# returns its exit status.
verify_json() {
    local name=$1 bundle=$2 profile=$3
    shift 3
    "$CRADLE" verify --bundle "$WORK/$bundle" --profile "$profile" --format json "$@" > "$WORK/$name.json" 2> "$WORK/$name.err"
}
# padded NAME TRACEFILE CAPABILITY...: a copy of the recording (with its seccomp profile) under
# $WORK/NAME/ that lists more capabilities than it needed.
padded() {
    local name=$1 tracefile=$2
    shift 2
    mkdir -p "$WORK/$name"
    cp "${tracefile%.tracefile}.seccomp.json" "$WORK/$name/$name.seccomp.json"
    awk -v extra="$*" '{ print } $0 == "CAPABILITIES" { n = split(extra, names, " "); for (i = 1; i <= n; i++) print names[i] }' \
        "$tracefile" > "$WORK/$name/$name.tracefile"
}

part "verify: each recorded workload runs the same under its profile"
needs chown-recorded
sha256sum "$WORK/chown/config.json" "$OUT/chown.tracefile" > "$WORK/before.sha"
check "verify of the chown workload passes (exit 0)" "$CRADLE" verify --bundle "$WORK/chown" --profile "$OUT/chown.tracefile"
check "the bundle and the recording are untouched (verify records nothing)" sha256sum -c --quiet "$WORK/before.sha"
printf '{"socket": "%s", "output_dir": "%s"}\n' "$SOCKET" "$OUT" > "$WORK/cradle.json"
check "verify finds a profile by NAME in the configured output directory" \
    "$CRADLE" verify --bundle "$WORK/chown" --profile chown --config "$WORK/cradle.json"
needs nocap-recorded
check "verify of the workload without capabilities passes (exit 0)" "$CRADLE" verify --bundle "$WORK/nocap" --profile "$OUT/nocap.tracefile"

part "verify --minimize-capabilities: exactly what the workload needs"
needs chown-recorded
check --as min-chown "on the chown workload it exits 0" verify_json min-chown chown "$OUT/chown.tracefile" --minimize-capabilities
needs min-chown
check "it reports exactly CHOWN" test "$(jq -c .needed_capabilities "$WORK/min-chown.json")" = '["CAP_CHOWN"]'
needs chown-recorded
padded chown-padded "$OUT/chown.tracefile" fowner kill net_raw
check --as min-chown-padded "with capabilities it never needed added to the recording, it exits 0" \
    verify_json min-chown-padded chown "$WORK/chown-padded/chown-padded.tracefile" --minimize-capabilities
needs min-chown-padded
check "and still reports exactly CHOWN" test "$(jq -c .needed_capabilities "$WORK/min-chown-padded.json")" = '["CAP_CHOWN"]'
check "having dropped the others" test "$(jq -c .unneeded_capabilities "$WORK/min-chown-padded.json")" = '["CAP_FOWNER","CAP_KILL","CAP_NET_RAW"]'
needs nocap-recorded
padded nocap-padded "$OUT/nocap.tracefile" chown net_raw
check --as min-nocap "on the workload without capabilities (its recording padded with two) it exits 0" \
    verify_json min-nocap nocap "$WORK/nocap-padded/nocap-padded.tracefile" --minimize-capabilities
needs min-nocap
check "it reports nothing" test "$(jq -c .needed_capabilities "$WORK/min-nocap.json")" = '[]'
check "after a run without each" test "$(jq '.minimization | length' "$WORK/min-nocap.json")" = 2
check "no verify container left behind" bash -c "! runc list -q | grep -q '^cradle-verify-'"

part "verify: a profile that lacks a syscall the workload makes"
needs chown-recorded
mkdir -p "$WORK/no-uname"
cp "$OUT/chown.tracefile" "$WORK/no-uname/no-uname.tracefile"
jq '.syscalls |= map(.names -= ["uname"])' "$OUT/chown.seccomp.json" > "$WORK/no-uname/no-uname.seccomp.json"
check "uname was in the recorded profile" grep -qx uname <(section "$OUT/chown.tracefile" SYSCALLS)
"$CRADLE" verify --bundle "$WORK/chown" --profile "$WORK/no-uname/no-uname.tracefile" > "$WORK/no-uname.out" 2>&1
status=$?
check "verify exits 1" test "$status" = 1
check "and says the runs differ, and how" grep -q '^DIFFERENT under the profile: ' "$WORK/no-uname.out"
cat "$WORK/no-uname.out" | sed -n 's/^DIFFERENT/  (DIFFERENT/p' | sed 's/$/)/'

finish
