#!/usr/bin/env bash
# Argument filters: a workload that opens AF_INET and AF_UNIX sockets, makes a UTS namespace,
# forks, spawns and asks its personality is recorded with the values it used; re-run under its
# profile it behaves the same, while AF_PACKET and AF_NETLINK sockets, a network namespace
# (unshare -n, or clone) and another personality are refused by the filter, which the same
# calls without the profile show the kernel itself would allow.
source "$(dirname "$0")/lib.sh"
require_platform
command -v cc > /dev/null || { skip "a C compiler is missing"; finish; }
command -v jq > /dev/null || { skip "jq is missing"; finish; }

make_rootfs
cc -O2 -static -o "$ROOTFS/bin/argument-probe" "$REPO/tests/integration/argument_probe.c" ||
    { fail "the argument probe builds (static)"; finish; }
start_collector main || { fail "collector starts"; finish; }
HOOK=$BIN/cradle-hook
# Docker's capabilities (NET_RAW among them, for AF_PACKET), and SYS_ADMIN for namespaces: so
# that without the profile the kernel allows every call probed here.
CAPS=AUDIT_WRITE,CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,MKNOD,NET_BIND_SERVICE,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT,SYS_ADMIN
# socket(AF_INET) before socket(AF_UNIX) in one process: the second value must be recorded too.
PROBE="/bin/argument-probe socket inet socket unix socket inet clone none unshare uts personality 0xffffffff"
PROBE+=" spawn /bin/true"
WORKLOAD="$PROBE; /bin/busybox unshare -u /bin/true && echo 'busybox unshare -u: 0'"

part "calibration: the runtime's post-filter syscalls"
check --as calibrated "cradle calibrate measures runc's window" \
    "$BIN/cradle" calibrate --socket "$SOCKET" --rootfs "$ROOTFS"

part "the workload is recorded with the argument values it used"
needs calibrated
bundle record --hook "$HOOK" --socket "$SOCKET" --profile arguments --caps "$CAPS" -- /bin/sh -c "$WORKLOAD"
check --as recorded "recorded container runs" run_container record "$WORK/record.out"
needs recorded
check --as tracefile "tracefile written" test -s "$OUT/arguments.tracefile"
check --as profile "seccomp profile written" test -s "$OUT/arguments.seccomp.json"
needs tracefile
check "recording is complete" empty "$(section "$OUT/arguments.tracefile" INCOMPLETE)"
section "$OUT/arguments.tracefile" ARGUMENTS > "$WORK/arguments"
echo "  (ARGUMENTS: $(paste -sd ',' "$WORK/arguments"))"
check "the workload made each call it was asked to" \
    test "$(grep -c ': 0$' "$WORK/record.out")" = "$(($(wc -w <<< "$PROBE") / 2 + 1))"
for line in "socket AF_INET" "socket AF_UNIX" "unshare CLONE_NEWUTS" "clone none" "personality 0xffffffff" \
    "clone3 none"; do
    check "ARGUMENTS has \"$line\"" grep -qx "$line" "$WORK/arguments"
done
# runc made every namespace of the container, and used netlink, in its setup: not the workload's.
check "only the workload's families: no AF_NETLINK or AF_PACKET" \
    bash -c "! grep -E '^socket (AF_NETLINK|AF_PACKET)$' '$WORK/arguments'"
check "only the workload's namespaces: no CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS" \
    bash -c "! grep -E 'CLONE_NEW(NET|PID|NS)$' '$WORK/arguments'"
needs profile
jq -c '.syscalls[] | select(.args) | {name: .names[0], args}' "$OUT/arguments.seccomp.json" > "$WORK/rules"
check "socket is allowed for AF_UNIX and AF_INET alone" test \
    "$(jq -r 'select(.name == "socket") | .args[] | "\(.op) \(.value)"' "$WORK/rules" | paste -sd ,)" = \
    "SCMP_CMP_EQ 1,SCMP_CMP_EQ 2"
check "clone3 is answered ENOSYS" test \
    "$(jq -r '.syscalls[] | select(.names == ["clone3"]) | .errnoRet' "$OUT/arguments.seccomp.json")" = 38

part "without the profile the kernel allows every call probed"
REFUSED="socket packet socket netlink unshare net clone net personality 0x0040000"
bundle unfiltered --caps "$CAPS" -- /bin/sh -c "/bin/argument-probe $REFUSED; /bin/busybox unshare -n /bin/true && echo 'busybox unshare -n: 0'"
check --as unfiltered "the probe runs without a profile" run_container unfiltered "$WORK/unfiltered.out"
needs unfiltered
check "every call succeeds there ($(grep -vc ': 0$' "$WORK/unfiltered.out") failed)" \
    test "$(grep -c ': 0$' "$WORK/unfiltered.out")" = 6

part "under the profile: the recorded workload runs the same"
needs profile
bundle enforced --seccomp "$OUT/arguments.seccomp.json" --caps "$CAPS" -- /bin/sh -c "$WORKLOAD"
check --as enforced "re-run under the profile exits 0" run_container enforced "$WORK/enforced.out"
needs enforced
check "re-run prints the same output (spawn falls back from clone3 to clone)" \
    diff "$WORK/record.out" "$WORK/enforced.out"

part "under the profile: what the workload never did is refused"
needs profile
bundle refused --seccomp "$OUT/arguments.seccomp.json" --caps "$CAPS" -- /bin/argument-probe $REFUSED \
    socket inet unshare uts
check --as refused-ran "the probe runs under the profile" run_container refused "$WORK/refused.out"
needs refused-ran
for refused in "socket packet" "socket netlink" "unshare net" "clone net" "personality 0x0040000"; do
    check "$refused: EPERM" grep -qx "$refused: EPERM" "$WORK/refused.out"
done
check "socket inet still works" grep -qx "socket inet: 0" "$WORK/refused.out"
check "unshare uts still works" grep -qx "unshare uts: 0" "$WORK/refused.out"
needs profile
bundle unshare-n --seccomp "$OUT/arguments.seccomp.json" --caps "$CAPS" -- /bin/busybox unshare -n /bin/true
unshare_n_fails() { ! run_container unshare-n "$WORK/unshare-n.out"; }
check --as unshare-n "busybox unshare -n fails under the profile" unshare_n_fails
needs unshare-n
check "with EPERM ($(cat "$WORK/unshare-n.out.err" 2> /dev/null))" grep -q "Operation not permitted" "$WORK/unshare-n.out.err"

finish
