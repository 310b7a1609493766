#!/usr/bin/env bash
# A busybox container started by runc with the hook is traced from its birth; its profile
# is then proven: the container re-run under it behaves the same, and what it never did is
# refused. (Issue 2, tests 1 to 6.)
source "$(dirname "$0")/lib.sh"
require_platform
command -v strace > /dev/null || { skip "strace is missing"; finish; }

make_rootfs
start_collector main || { fail "collector starts"; finish; }
HOOK=$BIN/cradle-hook
WORKLOAD='echo hello; cat /etc/passwd; touch /tmp/f; chown 1234:1234 /tmp/f; stat -c "%u %g" /tmp/f; uname -s'

part "calibration: the runtime's post-filter syscalls, measured under a permissive filter"
bundle calibration --hook "$HOOK" --socket "$SOCKET" --profile calibration --seccomp permissive -- /bin/true
check --as calibration-ran "calibration container runs" run_container calibration "$WORK/calibration.out"
needs calibration-ran
check --as calibration "calibration measured the runtime window (execve after the filter)" \
    grep -qx execve <(section "$OUT/calibration.tracefile" RUNTIME_SYSCALLS)
bundle calibration-nnp-off --hook "$HOOK" --socket "$SOCKET" --profile calibration-nnp-off --seccomp permissive \
    --allow-new-privileges -- /bin/true
needs
check --as calibration-nnp-off-ran "calibration without noNewPrivileges runs" \
    run_container calibration-nnp-off "$WORK/calibration-nnp-off.out"
needs calibration-nnp-off-ran
check "there runc drops privileges after the filter (setresuid or setuid in the window)" \
    grep -qE '^set(res)?uid$' <(section "$OUT/calibration-nnp-off.tracefile" RUNTIME_SYSCALLS)
# What runc's Go runtime does in the window varies from run to run: measure it a few times,
# as setup.sh does.
for _ in 2 3; do
    run_container calibration "$WORK/calibration.out" && run_container calibration-nnp-off "$WORK/calibration-nnp-off.out" ||
        fail "calibration containers run again"
done

# Every part from here on stands on the recording of test 1.
part "test 1: a container with Docker's default capabilities is traced from its birth"
bundle record --hook "$HOOK" --socket "$SOCKET" --profile workload -- /bin/sh -c "$WORKLOAD"
check --as recorded "recorded container runs" \
    run_container record "$WORK/record.out" strace -f -qq --decode-pids=pidns -o "$WORK/strace.txt"
needs recorded
check --as tracefile "tracefile written" test -s "$OUT/workload.tracefile"
check --as profile "seccomp profile written" test -s "$OUT/workload.seccomp.json"
needs tracefile
check "recording is complete" empty "$(section "$OUT/workload.tracefile" INCOMPLETE)"
expected_source=fexit/cap_capable
grep -qw __traceiter_cap_capable /proc/kallsyms && expected_source=tp_btf/cap_capable
check "capability checks come from $expected_source, the first this kernel offers" \
    grep -qx "# capability checks observed through $expected_source" "$OUT/workload.tracefile"
needs profile
check "seccomp profile denies by default" grep -q '"defaultAction": "SCMP_ACT_ERRNO"' "$OUT/workload.seccomp.json"
section "$OUT/workload.tracefile" SYSCALLS > "$WORK/allowed"
section "$OUT/workload.tracefile" RUNTIME_SYSCALLS > "$WORK/runtime"
section "$OUT/workload.tracefile" SETUP_SYSCALLS > "$WORK/setup"
section "$OUT/workload.tracefile" IMPLIED_SYSCALLS > "$WORK/implied"
section "$OUT/workload.tracefile" CAPABILITIES > "$WORK/capabilities"
needs tracefile
check "workload syscalls recorded (chown, uname)" grep -qx -e chown "$WORK/allowed"
check "uname recorded" grep -qx uname "$WORK/allowed"

part "test 4: the runtime's setup stays out of the allow-list"
needs tracefile
for setup_only in mount pivot_root sethostname umount2; do
    check "$setup_only seen in the setup phase" grep -qx "$setup_only" "$WORK/setup"
    check "$setup_only not allowed" bash -c "! grep -qx $setup_only '$WORK/allowed'"
done

part "test 5: the allow-list equals what strace saw from the first exec, apart from the runtime's window"
needs tracefile
echo "  (and the implied syscalls, which a run may or may not make: $(tr '\n' ' ' < "$WORK/implied"))"
check "only signal returns and restart_syscall are implied" \
    bash -c "! grep -vxE 'restart_syscall|rt_sigreturn|sigreturn' '$WORK/implied'"
"$REPO/tests/integration/strace_workload.py" "$WORK/strace.txt" /bin/sh > "$WORK/strace_set"
comm -23 "$WORK/allowed" "$WORK/runtime" | comm -23 - "$WORK/implied" > "$WORK/ours"
comm -23 "$WORK/strace_set" "$WORK/runtime" | comm -23 - "$WORK/implied" > "$WORK/theirs"
if blocked "workload syscalls equal strace's"; then
    :
elif diff -q "$WORK/ours" "$WORK/theirs" > /dev/null; then
    pass "workload syscalls equal strace's ($(wc -l < "$WORK/ours") syscalls)"
else
    fail "workload syscalls equal strace's" "cradle only: $(comm -23 "$WORK/ours" "$WORK/theirs" | tr '\n' ' ')" \
        "strace only: $(comm -13 "$WORK/ours" "$WORK/theirs" | tr '\n' ' ')" \
        "cradle: $(tr '\n' ' ' < "$WORK/ours")" "strace: $(tr '\n' ' ' < "$WORK/theirs")"
fi
leaked=$(comm -12 "$WORK/setup" "$WORK/allowed" | comm -23 - "$WORK/strace_set" | comm -23 - "$WORK/runtime" |
    comm -23 - "$WORK/implied")
check "no setup syscall allowed that neither the workload nor the runtime window made" empty "$leaked"

part "test 6: a workload that needs a capability gets it"
needs tracefile
check "chown recorded as a granted capability" grep -qx chown "$WORK/capabilities"
check "net_raw (never used) not recorded" bash -c "! grep -qx net_raw '$WORK/capabilities'"
"$BIN/cradle" options "$OUT/workload.tracefile" > "$WORK/options" 2> "$WORK/options.err"
check "cradle options drops all and adds CHOWN" grep -q -- '--cap-drop=ALL.*--cap-add=CHOWN' "$WORK/options"
needs tracefile profile
check "cradle options names the seccomp profile" grep -q -- "--security-opt seccomp=$OUT/workload.seccomp.json" "$WORK/options"
recorded_caps=$(paste -sd, "$WORK/capabilities")

part "test 2: re-run under the profile: same output, exit 0"
needs tracefile profile
bundle enforced --seccomp "$OUT/workload.seccomp.json" --caps "$recorded_caps" -- /bin/sh -c "$WORKLOAD"
check --as enforced "re-run under the profile exits 0" run_container enforced "$WORK/enforced.out"
needs enforced
check "re-run prints the same output" diff "$WORK/record.out" "$WORK/enforced.out"

part "the capability profile is what runc takes as process.capabilities"
needs tracefile
check --as capfile "capability profile written" test -s "$OUT/workload.capabilities.json"
needs capfile
check "it grants CAP_CHOWN in bounding, effective and permitted, nothing inheritable or ambient" \
    jq -e 'all(.bounding, .effective, .permitted; index("CAP_CHOWN") != null) and .inheritable == [] and .ambient == []' \
    "$OUT/workload.capabilities.json"
check "it grants exactly the recorded capabilities" \
    diff <(jq -r '.bounding[]' "$OUT/workload.capabilities.json") <(tr a-z A-Z < "$WORK/capabilities" | sed 's/^/CAP_/' | sort)
needs capfile profile
bundle capfile --seccomp "$OUT/workload.seccomp.json" --caps none -- /bin/sh -c "$WORKLOAD"
jq --slurpfile caps "$OUT/workload.capabilities.json" '.process.capabilities = $caps[0]' "$WORK/capfile/config.json" \
    > "$WORK/capfile/config.new" && mv "$WORK/capfile/config.new" "$WORK/capfile/config.json"
check --as capfile-ran "a re-run with it as process.capabilities exits 0" run_container capfile "$WORK/capfile.out"
needs capfile-ran
check "and prints the same output" diff "$WORK/record.out" "$WORK/capfile.out"

part "the JSON tracefile"
needs tracefile
check --as tracejson "JSON tracefile written, schema cradle.trace/v1" \
    jq -e '.schema == "cradle.trace/v1"' "$OUT/workload.trace.json"
needs tracejson
check "it names the capability attach point ($expected_source)" \
    jq -e --arg source "$expected_source" '.recorded_by.attach_points.capability_checks == $source' "$OUT/workload.trace.json"
check "and this kernel and machine" jq -e --arg release "$(uname -r)" --arg machine "$(uname -m)" \
    '.recorded_by.kernel_release == $release and .recorded_by.machine == $machine' "$OUT/workload.trace.json"
check "it names runc, run by hand: no manager" runs_runc "$OUT/workload.trace.json"
check "its allowed syscalls are the tracefile's" \
    diff <(jq -r '.syscalls | to_entries[] | select(.value.allowed) | .key' "$OUT/workload.trace.json") "$WORK/allowed"
check "uname is the workload's, pivot_root the setup's and not allowed" jq -e \
    '(.syscalls.uname.phases | index("workload")) != null and .syscalls.pivot_root == {"allowed": false, "implied": false, "phases": ["setup"]}' \
    "$OUT/workload.trace.json"
check "the runtime window's syscalls read runtime" \
    diff <(jq -r '.syscalls | to_entries[] | select(.value.phases | index("runtime")) | .key' "$OUT/workload.trace.json") \
    "$WORK/runtime"

part "test 3: under the profile, what the workload never did is refused"
needs tracefile profile
bundle refused --seccomp "$OUT/workload.seccomp.json" --caps "$recorded_caps" -- /bin/sh -c 'mkdir /tmp/d'
run_container refused "$WORK/refused.out"
check "mkdir fails with EPERM" grep -q "Operation not permitted" "$WORK/refused.out.err"
# A syscall that callers try before an older one gets ENOSYS, so they fall back as on an
# older kernel; the probe shows the kernel's own answer without the profile.
cc -O2 -static -o "$ROOTFS/bin/syscall-probe" "$REPO/tests/integration/syscall_probe.c"
fallbacks=$(for name in clone3 faccessat2 openat2; do grep -qx "$name" "$WORK/allowed" || echo "$name"; done | paste -sd ' ')
bundle probe-unfiltered --caps "$recorded_caps" -- /bin/syscall-probe $fallbacks mkdirat
run_container probe-unfiltered "$WORK/probe-unfiltered.out"
bundle probe --seccomp "$OUT/workload.seccomp.json" --caps "$recorded_caps" -- /bin/sh -c "/bin/syscall-probe $fallbacks mkdirat"
probe_runs() {
    run_container probe "$WORK/probe.out" && return 0
    echo "stderr: $(tail -n 5 "$WORK/probe.out.err" | paste -sd ' ')"
    echo "stdout: $(tail -n 5 "$WORK/probe.out" | paste -sd ' ')"
    echo "allowed: $(paste -sd ' ' "$WORK/allowed")"
    return 1
}
check --as probe "the probe runs under the profile" probe_runs
check "the workload left some of clone3, faccessat2, openat2 unmade ($fallbacks)" test -n "$fallbacks"
for name in $fallbacks; do
    needs tracefile
    check "$name: the kernel refuses the probe itself ($(sed -n "s/^$name: //p" "$WORK/probe-unfiltered.out"))" \
        grep -qE "^$name: E" "$WORK/probe-unfiltered.out"
    needs probe
    check "$name: under the profile ENOSYS" grep -qx "$name: ENOSYS" "$WORK/probe.out"
done
needs probe
check "mkdirat under the profile: EPERM" grep -qx "mkdirat: EPERM" "$WORK/probe.out"

part "exec probes: a container recorded with runc exec runs it again under its profile"
# As a Kubernetes exec probe or docker exec does. runc exec's own way in (keyctl, capset,
# setgroups...) is its setup, not the workload's, but what it does under the filter it
# installs must be allowed: with noNewPrivileges the filter comes just before its exec,
# without it before it drops privileges.
PROBE_COMMAND=(/bin/cat /etc/passwd)
bundle exec-record --hook "$HOOK" --socket "$SOCKET" --profile exec-probed --seccomp permissive -- \
    /bin/sh -c "$AWAIT; await done; echo done"
run_container exec-record "$WORK/exec-record.out" &
record_pid=$!
check --as exec-traced "the exec-probed container is traced" wait_for_traced "$SOCKET" exec-probed
container_pid exec-record > /dev/null # (runc exec needs it running)
for no_new_privileges in true false; do
    check --as "exec-$no_new_privileges" "runc exec in the recorded container (noNewPrivileges $no_new_privileges)" \
        bash -c "runc exec --no-new-privs=$no_new_privileges cradle-it-$$-exec-record ${PROBE_COMMAND[*]} > '$WORK/exec-record.probe'"
done
release exec-record done
wait "$record_pid"
needs exec-traced
check --as exec-profile "exec-probed profile written" wait_for_file "$OUT/exec-probed.seccomp.json"
section "$OUT/exec-probed.tracefile" SYSCALLS > "$WORK/exec-allowed"
needs exec-profile exec-true exec-false
# (setgroups, capset and the like may be allowed all the same: runc's own start makes them
# under its filter without noNewPrivileges, which the calibration measured.)
check "runc exec's way in before its filter is not allowed (keyctl)" bash -c "! grep -qx keyctl '$WORK/exec-allowed'"
exec_caps=$(section "$OUT/exec-probed.tracefile" CAPABILITIES | paste -sd,)
check "nor are the capabilities it used for it (${exec_caps:-none})" test -z "$exec_caps"
# exec_under_profile NO_NEW_PRIVILEGES: runc exec in the enforced container, with the output
# it had in the recorded one.
exec_under_profile() {
    if ! runc exec --no-new-privs="$1" "cradle-it-$$-exec-enforced" "${PROBE_COMMAND[@]}" > "$WORK/exec-enforced.probe" 2>&1; then
        tail -n 3 "$WORK/exec-enforced.probe"
        echo "allowed: $(paste -sd ' ' "$WORK/exec-allowed")"
        return 1
    fi
    diff "$WORK/exec-record.probe" "$WORK/exec-enforced.probe"
}
for allow in "" --allow-new-privileges; do
    bundle exec-enforced --seccomp "$OUT/exec-probed.seccomp.json" --caps "${exec_caps:-none}" $allow -- \
        /bin/sh -c "$AWAIT; await done; echo done"
    run_container exec-enforced "$WORK/exec-enforced.out" &
    enforced_pid=$!
    container_pid exec-enforced > /dev/null # (runc exec needs it running)
    no_new_privileges=$([[ -z $allow ]] && echo true || echo false)
    needs exec-profile exec-true exec-false
    check "runc exec under the profile works, with the same output (noNewPrivileges $no_new_privileges)" \
        exec_under_profile "$no_new_privileges"
    release exec-enforced done
    wait "$enforced_pid"
    needs exec-profile
    check "and the container ran to its end under it (noNewPrivileges $no_new_privileges)" grep -qx done "$WORK/exec-enforced.out"
    runc delete --force "cradle-it-$$-exec-enforced" > /dev/null 2>&1
done

part "under the profile, the process has the recorded capabilities and needs them"
needs tracefile profile
bundle caps-status --seccomp "$OUT/workload.seccomp.json" --caps "$recorded_caps" -- /bin/cat /proc/self/status
run_container caps-status "$WORK/status.out"
effective=$(awk '/^CapEff:/ { print $2 }' "$WORK/status.out")
check --as capeff "the process runs with the recorded capabilities (CapEff $effective)" test -n "$effective"
needs capeff
check "CAP_CHOWN (bit 0) present" bash -c "(( 0x$effective & (1 << 0) ))"
check "CAP_NET_RAW (bit 13), never used, absent" bash -c "(( ! (0x$effective & (1 << 13)) ))"
needs tracefile profile
bundle no-chown --seccomp "$OUT/workload.seccomp.json" --caps none -- /bin/sh -c "$WORKLOAD"
run_container no-chown "$WORK/no-chown.out"
check "without CHOWN the workload's chown is refused (the capability is really needed)" \
    grep -q "Operation not permitted" "$WORK/no-chown.out.err"

finish
