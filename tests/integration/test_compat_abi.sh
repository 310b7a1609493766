#!/usr/bin/env bash
# A 32-bit (i386) program in a container: its syscalls are recorded apart from the native ones,
# named from the i386 table, and its profile lists x86 and lets it run, while what it never did
# is refused; a container that made no 32-bit syscall gets a profile that refuses the whole
# 32-bit ABI. (Issue 9, per-ABI sets.)
source "$(dirname "$0")/lib.sh"
require_platform
if [[ $(uname -m) != x86_64 ]]; then
    skip "per-ABI sets are tested with an i386 program on x86_64, and this machine is $(uname -m)"
    finish
fi
PROBE32=$WORK/syscall-probe-32
if ! gcc -m32 -static -O2 -o "$PROBE32" "$REPO/tests/integration/syscall_probe.c" 2> "$WORK/cc32.err"; then
    skip "gcc cannot build a static 32-bit program (gcc-multilib, install/deps.sh): $(tail -n 1 "$WORK/cc32.err")"
    finish
fi
if ! "$PROBE32" mkdirat > /dev/null 2>&1; then
    skip "this kernel does not run 32-bit programs (IA32 emulation is off)"
    finish
fi

make_rootfs
cp "$PROBE32" "$ROOTFS/bin/syscall-probe-32"
cc -O2 -static -o "$ROOTFS/bin/syscall-probe" "$REPO/tests/integration/syscall_probe.c"
start_collector main || { fail "collector starts"; finish; }
HOOK=$BIN/cradle-hook

part "calibration: the runtime's post-filter syscalls"
check --as calibrated "cradle calibrate measures runc's window" \
    "$BIN/cradle" calibrate --socket "$SOCKET" --rootfs "$ROOTFS"

part "a 32-bit program's syscalls are recorded apart, with their i386 names"
bundle record --hook "$HOOK" --socket "$SOCKET" --profile compat -- /bin/syscall-probe-32 socketcall _llseek
check --as recorded "the 32-bit probe runs traced" run_container record "$WORK/record.out"
needs recorded
check "it answers as the kernel does (socketcall: EAFNOSUPPORT, _llseek: EBADF)" \
    equal $'socketcall: EAFNOSUPPORT\n_llseek: EBADF' "$(cat "$WORK/record.out")"
needs
check --as tracefile "tracefile written" wait_for_file "$OUT/compat.tracefile"
check --as profile "seccomp profile written" wait_for_file "$OUT/compat.seccomp.json"
needs tracefile
section "$OUT/compat.tracefile" ARCH > "$WORK/compat.arch"
section "$OUT/compat.tracefile" SYSCALLS > "$WORK/compat.native"
section "$OUT/compat.tracefile" COMPAT_SYSCALLS > "$WORK/compat.compat"
section "$OUT/compat.tracefile" RUNTIME_SYSCALLS > "$WORK/compat.runtime"
section "$OUT/compat.tracefile" IMPLIED_SYSCALLS > "$WORK/compat.implied"
check "recording is complete" empty "$(section "$OUT/compat.tracefile" INCOMPLETE)"
check "ARCH lists x86 beside x86_64" equal $'x86\nx86_64' "$(cat "$WORK/compat.arch")"
for name in socketcall _llseek set_thread_area exit_group; do
    check "COMPAT_SYSCALLS has $name, named from the i386 table" grep -qx "$name" "$WORK/compat.compat"
    check "SYSCALLS (the native set) does not" bash -c "! grep -qx $name '$WORK/compat.native'"
done
# The workload is the 32-bit program alone: the native set holds the runtime's window (the
# exec into the program among it) and the implied syscalls, and nothing of the program's.
check "SYSCALLS holds only the runtime's window and the implied syscalls" \
    empty "$(sort -u "$WORK/compat.runtime" "$WORK/compat.implied" | comm -23 "$WORK/compat.native" -)"
needs profile
check "the seccomp profile lists SCMP_ARCH_X86" \
    equal '["SCMP_ARCH_X86_64","SCMP_ARCH_X86"]' "$(jq -c .architectures "$OUT/compat.seccomp.json")"
needs tracefile profile
check "the seccomp profile allows what COMPAT_SYSCALLS has" \
    empty "$(jq -r '.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]' "$OUT/compat.seccomp.json" |
        sort | comm -13 - "$WORK/compat.compat")"
# x86_64 has no syscall of these names, so the profile cannot allow them there.
for name in socketcall _llseek; do
    check "$name is no x86_64 syscall (cradle syscall $name finds nothing)" \
        bash -c "! '$BIN/cradle' syscall $name"
done

part "re-run under its profile: the 32-bit program works, what it never did is refused"
needs
bundle unfiltered --caps none -- /bin/syscall-probe-32 socketcall _llseek mkdirat
check --as unfiltered "the 32-bit probe runs without a profile" run_container unfiltered "$WORK/unfiltered.out"
needs unfiltered
check "there mkdirat gets the kernel's own answer (ENOENT)" grep -qx "mkdirat: ENOENT" "$WORK/unfiltered.out"
needs profile
bundle enforced --seccomp "$OUT/compat.seccomp.json" --caps none -- /bin/syscall-probe-32 socketcall _llseek mkdirat
enforced_runs() {
    run_container enforced "$WORK/enforced.out" && return 0
    echo "stderr: $(tail -n 5 "$WORK/enforced.out.err" | paste -sd ' ')"
    echo "stdout: $(paste -sd ' ' "$WORK/enforced.out")"
    return 1
}
check --as enforced "the 32-bit probe runs under its profile" enforced_runs
needs enforced
check "socketcall and _llseek answer as without the profile" \
    equal $'socketcall: EAFNOSUPPORT\n_llseek: EBADF' "$(head -n 2 "$WORK/enforced.out")"
check "mkdirat, which the 32-bit probe never made, is refused: EPERM" grep -qx "mkdirat: EPERM" "$WORK/enforced.out"

part "a container that made no 32-bit syscall: no compat set, and the 32-bit ABI refused whole"
needs
bundle native --hook "$HOOK" --socket "$SOCKET" --profile native -- /bin/syscall-probe mkdirat
check --as native-recorded "the 64-bit probe runs traced" run_container native "$WORK/native.out"
needs native-recorded
check --as native-profile "its seccomp profile written" wait_for_file "$OUT/native.seccomp.json"
needs native-profile
check "its tracefile has no COMPAT_SYSCALLS section" bash -c "! grep -qx COMPAT_SYSCALLS '$OUT/native.tracefile'"
check "its ARCH is x86_64 alone" equal x86_64 "$(section "$OUT/native.tracefile" ARCH)"
check "its profile lists SCMP_ARCH_X86_64 alone" \
    equal '["SCMP_ARCH_X86_64"]' "$(jq -c .architectures "$OUT/native.seccomp.json")"
bundle native-32 --seccomp "$OUT/native.seccomp.json" --caps none -- /bin/syscall-probe-32 mkdirat
run_container native-32 "$WORK/native-32.out"
check "under it the 32-bit probe cannot even print (its every syscall is refused)" empty "$(cat "$WORK/native-32.out")"
bundle native-64 --seccomp "$OUT/native.seccomp.json" --caps none -- /bin/syscall-probe mkdirat
check --as native-64 "while the 64-bit probe runs under it" run_container native-64 "$WORK/native-64.out"
needs native-64
check "and gets the kernel's own answer for mkdirat, which it made while recorded (ENOENT)" \
    grep -qx "mkdirat: ENOENT" "$WORK/native-64.out"

finish
