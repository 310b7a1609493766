#!/usr/bin/env bash
# The capability fallbacks, of the collector and of `cradle events`, on a kernel that lacks
# tp_btf/cap_capable: Debian's 6.1 kernel boots under qemu (software emulation) on an initramfs
# holding busybox, the built binaries and their libraries, with fallback_init.sh as /init.
# There the collector observes capability checks through fexit/cap_capable, and, with every
# fexit program's attach refused by an LD_PRELOAD shim as a kernel without BPF trampolines
# refuses it (this one accepts it), through kprobe/cap_capable. In both the no-audit
# CAP_NET_ADMIN probe is told by cap_capable's opts argument and lands in PROBED_CAPABILITIES,
# not CAPABILITIES. The stream does the same in its two phases: its events tell the audited
# CAP_CHOWN check from the CAP_NET_ADMIN probe.
# The kernel package is downloaded once into $CRADLE_TEST_CACHE (default
# /var/cache/cradle-test); qemu-system-x86, cpio, busybox-static and gcc are installed when
# missing and the test runs as root.
source "$(dirname "$0")/lib.sh"
CACHE=${CRADLE_TEST_CACHE:-/var/cache/cradle-test}
# The phases take about 15 s under TCG on a 2-core VM; the timeout leaves room for a loaded
# machine and stays far below CI's limit.
BOOT_TIMEOUT=${CRADLE_VM_TIMEOUT:-120}
PHASES=(native nofexit events events-nofexit)

static_busybox() {
    local busybox
    busybox=$(command -v busybox) && ! ldd "$busybox" > /dev/null 2>&1
}

missing_packages() {
    command -v qemu-system-x86_64 > /dev/null || echo qemu-system-x86
    command -v cpio > /dev/null || echo cpio
    command -v cc > /dev/null || echo gcc
    command -v jq > /dev/null || echo jq
    static_busybox || echo busybox-static
}

install_missing() {
    local missing
    mapfile -t missing < <(missing_packages)
    ((${#missing[@]})) && [[ $(id -u) == 0 ]] || return 0
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$WORK/apt.log" 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >> "$WORK/apt.log" 2>&1
}

# The newest linux-image-6.1.0-N-cloud-amd64-unsigned that apt knows of.
kernel_package() {
    apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' 2> /dev/null |
        awk '{ print $1 }' | sort -V | tail -n 1
}

# Sets KERNEL to a cached vmlinuz, downloading and unpacking the package the first time.
fetch_kernel() {
    KERNEL=$(ls "$CACHE"/linux-image-6.1.0-*/boot/vmlinuz-6.1.0-* 2> /dev/null | sort -V | tail -n 1)
    [[ -n $KERNEL ]] && return 0
    local package
    package=$(kernel_package)
    if [[ -z $package && $(id -u) == 0 ]]; then
        apt-get update -qq > "$WORK/apt-update.log" 2>&1
        package=$(kernel_package)
    fi
    [[ -n $package ]] || { echo "apt knows no linux-image-6.1.0-*-cloud-amd64-unsigned"; return 1; }
    mkdir -p "$CACHE" || return 1
    echo "downloading $package into $CACHE"
    (cd "$CACHE" && apt-get download "$package") > "$WORK/download.log" 2>&1 ||
        { cat "$WORK/download.log"; return 1; }
    rm -rf "$CACHE/$package.tmp"
    mkdir -p "$CACHE/$package.tmp"
    dpkg-deb --fsys-tarfile "$CACHE/${package}"_*.deb | tar -x -C "$CACHE/$package.tmp" ./boot || return 1
    rm -rf "${CACHE:?}/$package"
    mv "$CACHE/$package.tmp" "$CACHE/$package"
    KERNEL=$(ls "$CACHE/$package"/boot/vmlinuz-* | tail -n 1)
}

# copy_binary FILE DEST: without debug information (the initramfs stays small).
copy_binary() {
    strip --strip-debug -o "$2" "$1" 2> /dev/null || cp -L "$1" "$2"
}

# refuse_fexit.so DEST: an LD_PRELOAD shim for libbpf's syscall(2) that refuses to attach fexit
# programs (ENOTSUPP, 524) while letting them load, as a kernel without BPF trampolines (arm64
# before 6.0) does: a link whose attach type is BPF_TRACE_FEXIT, or a raw tracepoint opened
# for a program loaded as fexit (libbpf's way on kernels before bpf links). Everything else
# goes to the kernel.
build_refuse_fexit() {
    cat > "$WORK/refuse_fexit.c" << 'EOF_C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>

#define ENOTSUPP 524 /* the kernel's own, which arch_prepare_bpf_trampoline returns */

static long (*real)(long, ...);
static unsigned int fexit_ids[64]; /* the ids of the fexit programs loaded */
static int fexit_count;

static unsigned int program_id(long fd) {
    struct bpf_prog_info info;
    union bpf_attr attr;
    memset(&info, 0, sizeof(info));
    memset(&attr, 0, sizeof(attr));
    attr.info.bpf_fd = fd;
    attr.info.info_len = sizeof(info);
    attr.info.info = (unsigned long)&info;
    return real(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) == 0 ? info.id : 0;
}

static int is_fexit(long fd) {
    unsigned int id = program_id(fd);
    for (int i = 0; id && i < fexit_count; i++)
        if (fexit_ids[i] == id) return 1;
    return 0;
}

long syscall(long number, ...) {
    va_list arguments;
    long a[6];
    va_start(arguments, number);
    for (int i = 0; i < 6; i++) a[i] = va_arg(arguments, long);
    va_end(arguments);
    if (!real) real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    if (number == SYS_bpf) {
        const union bpf_attr* attr = (const union bpf_attr*)a[1];
        if ((a[0] == BPF_LINK_CREATE && attr->link_create.attach_type == BPF_TRACE_FEXIT) ||
            (a[0] == BPF_RAW_TRACEPOINT_OPEN && !attr->raw_tracepoint.name && is_fexit(attr->raw_tracepoint.prog_fd))) {
            errno = ENOTSUPP;
            return -1;
        }
        if (a[0] == BPF_PROG_LOAD && attr->prog_type == BPF_PROG_TYPE_TRACING &&
            attr->expected_attach_type == BPF_TRACE_FEXIT) {
            long fd = real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
            if (fd >= 0 && fexit_count < 64) fexit_ids[fexit_count++] = program_id(fd);
            return fd;
        }
    }
    return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
EOF_C
    cc -shared -fPIC -O2 -o "$1" "$WORK/refuse_fexit.c"
}

# Packs busybox, the binaries, every shared library they load (at the path the loader looks
# for it) and /init into $WORK/initrd.gz.
make_initramfs() {
    local root=$WORK/initramfs applet binary library
    mkdir -p "$root"/{bin,sbin,lib,usr/bin,usr/sbin,dev,proc,sys,tmp,run}
    cp -L "$(command -v busybox)" "$root/bin/busybox"
    for applet in $(busybox --list-full); do
        [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
    done
    for binary in cradled cradle-hook cradle; do
        copy_binary "$BIN/$binary" "$root/bin/$binary"
        for library in $(ldd "$BIN/$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
            [[ -e $root$library ]] && continue
            mkdir -p "$root$(dirname "$library")"
            copy_binary "$library" "$root$library"
        done
    done
    build_refuse_fexit "$root/lib/refuse_fexit.so" || return 1
    cp "$REPO/tests/integration/fallback_init.sh" "$root/init"
    chmod 755 "$root/init"
    (cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$WORK/initrd.gz"
}

# phase_part PHASE PART: the lines the VM printed for one part of a phase.
phase_part() {
    awk -v begin="=== cradle-vm phase $1: $2 ===" '
        $0 == begin { inside = 1; next }
        /^=== cradle-vm / { inside = 0 }
        inside { print }' "$WORK/serial.log"
}

install_missing
mapfile -t missing < <(missing_packages)
[[ -x $BIN/cradled && -x $BIN/cradle-hook && -x $BIN/cradle ]] || missing+=("a build in $BUILD")
if ((${#missing[@]})); then
    skip "$TEST_NAME needs: ${missing[*]}"
    finish
fi
if ! fetch_kernel; then
    skip "$TEST_NAME needs Debian's linux-image-6.1.0-*-cloud-amd64-unsigned (apt-get download)"
    finish
fi
echo "kernel: $KERNEL"
if ! make_initramfs; then
    fail "initramfs built"
    finish
fi

# Always TCG, never KVM even where /dev/kvm is writable: under nested KVM on an AMD host this
# kernel stops at its first instructions ("KVM internal error. Suberror: 1", an emulation
# failure) and qemu then waits forever, while TCG boots it in seconds on every machine.
accelerator=tcg
echo "accelerator: $accelerator"
phases=$(IFS=,; echo "${PHASES[*]}")
started=$SECONDS
# -k: a qemu that ignores SIGTERM is killed 10 s later, so nothing outlives the timeout.
timeout -k 10 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel "$accelerator" -m 1024 -smp 1 -nographic -no-reboot \
    -kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
    -append "console=ttyS0 panic=-1 quiet cradle_phases=$phases" < /dev/null 2>&1 | tr -d '\r' > "$WORK/serial.log"
status=${PIPESTATUS[0]}
echo "the VM ran $((SECONDS - started)) s (qemu exit $status)"
check "the VM ran every phase and powered off" grep -qx '=== cradle-vm done ===' "$WORK/serial.log"
if ! grep -qx '=== cradle-vm done ===' "$WORK/serial.log"; then
    tail -n 40 "$WORK/serial.log"
fi

# section_has FILE SECTION ENTRY, section_lacks FILE SECTION ENTRY
section_has() { section "$1" "$2" | grep -qx "$3"; }
section_lacks() { ! section "$1" "$2" | grep -qx "$3"; }

# check_phase PHASE SOURCE: the collector observed capability checks through SOURCE.
check_phase() {
    local phase=$1 source=$2
    phase_part "$phase" cradled.log > "$WORK/$phase.log"
    phase_part "$phase" tracefile > "$WORK/$phase.tracefile"
    phase_part "$phase" status > "$WORK/$phase.status"
    part "phase $phase: $(grep -o 'capability checks observed through [^ ,]*' "$WORK/$phase.log")"
    check --as "$phase" "$phase: the VM ran the phase to its end" \
        grep -qx "=== cradle-vm phase $phase: end ===" "$WORK/serial.log"
    needs "$phase"
    check "$phase: cradled observes capability checks through $source" \
        grep -q "capability checks observed through $source" "$WORK/$phase.log"
    check "$phase: tp_btf/cap_capable was passed over (this kernel has no such tracepoint)" \
        grep -q "passed over: loading the BPF programs with tp_btf/cap_capable" "$WORK/$phase.log"
    check "$phase: the tracefile says so" grep -qx "# capability checks observed through $source" "$WORK/$phase.tracefile"
    check "$phase: and so does cradle status" grep -q "\"capability_source\": \"$source\"" "$WORK/$phase.status"
    check "$phase: chown is in SYSCALLS" section_has "$WORK/$phase.tracefile" SYSCALLS chown
    check "$phase: chown is in CAPABILITIES" section_has "$WORK/$phase.tracefile" CAPABILITIES chown
    check "$phase: the no-audit net_admin probe is in PROBED_CAPABILITIES" \
        section_has "$WORK/$phase.tracefile" PROBED_CAPABILITIES net_admin
    check "$phase: and not in CAPABILITIES" section_lacks "$WORK/$phase.tracefile" CAPABILITIES net_admin
    check "$phase: sys_admin (probed, never checked audited) is not in CAPABILITIES" \
        section_lacks "$WORK/$phase.tracefile" CAPABILITIES sys_admin
}

check_phase native fexit/cap_capable
check_phase nofexit kprobe/cap_capable
needs native
check "native: without the task iterator (6.7+), moved processes have their leader marked" \
    grep -q '"marks_moved_threads": false' "$WORK/native.status"
needs nofexit
check "nofexit: fexit loaded, and was passed over because its attach was refused" \
    grep -qF 'attaching the BPF programs with fexit/cap_capable ("cap_capable_fexit"): Unknown error 524' \
    "$WORK/nofexit.log"
# The events of the stream of the phase being checked ($stream) that match JQ_FILTER, one JSON
# object a line.
stream_events() { jq -c "select(.event != null) | select($1)" "$stream"; }
stream_has() { [[ -n $(stream_events "$1" | head -n 1) ]]; }

# check_events_phase PHASE SOURCE: the stream reported capability checks through SOURCE.
check_events_phase() {
    local phase=$1 source=$2
    stream=$WORK/$phase.stream
    part "cradle events on this kernel, $phase"
    phase_part "$phase" stderr > "$WORK/$phase.err"
    phase_part "$phase" stream > "$WORK/$phase.stream"
    check --as "$phase" "$phase: the VM ran the phase to its end" \
        grep -qx "=== cradle-vm phase $phase: end ===" "$WORK/serial.log"
    needs "$phase"
    check "$phase: the stream loaded its programs, capability checks through $source" \
        grep -q "streaming; capability checks through $source" "$WORK/$phase.err"
    check "$phase: it ended on SIGINT and lost nothing" grep -qx "events lost: 0" "$WORK/$phase.err"
    check "$phase: the workload's shell is pid 1 of its namespace" \
        stream_has '.event == "sched_process_exec" and .args.pathname == "/bin/busybox" and .pid == 1'
    check "$phase: openat of the sysctl with O_RDONLY" \
        stream_has '.event == "openat" and .args.pathname == "/proc/sys/net/core/somaxconn" and .args.flags == "O_RDONLY" and .ret >= 0'
    check "$phase: the chown's CAP_CHOWN check, granted and audited" \
        stream_has '.event == "cap_capable" and .args.cap == "CAP_CHOWN" and .args.granted and (.args.no_audit | not)'
    check "$phase: the sysctl's CAP_NET_ADMIN check is a no-audit probe" \
        stream_has '.event == "cap_capable" and .args.cap == "CAP_NET_ADMIN" and .args.no_audit'
    check "$phase: nothing from outside the new pid namespace" \
        test "$(stream_events '.pid_ns' | jq -r .pid_ns | sort -u | wc -l)" -eq 1
}

check_events_phase events fexit/cap_capable
check_events_phase events-nofexit kprobe/cap_capable
needs events-nofexit
check "events-nofexit: fexit loaded, and was passed over because its attach was refused" \
    grep -q "prog 'cap_capable_fexit': failed to attach: " "$WORK/events-nofexit.err"
[[ $failed == 0 ]] || { echo "serial console (without libbpf's debug lines):"; grep -v "\[debug\] libbpf:" "$WORK/serial.log"; }
finish
