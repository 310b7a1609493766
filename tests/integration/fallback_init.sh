#!/bin/sh
# /init of the kernel-fallback VM: test_kernel_fallback.sh packs it into an initramfs with
# busybox, cradled, cradle-hook, cradle and their libraries, and boots Debian's 6.1 kernel
# on it. For each phase named by cradle_phases= on the kernel command line (the kernel hands
# such parameters to init as environment variables) it starts a collector, traces one
# workload in a cgroup of its own, and prints between marker lines what the collector
# logged, the tracefile it wrote and its status; then it powers the machine off.
# Runs as pid 1 under busybox sh; the host reads everything from the serial console.
#
# Phases:
#   native   the collector as it is: 6.1 has no tp_btf/cap_capable, so it falls back to fexit
#   nofexit  the same with every fexit program's attach refused (/lib/refuse_fexit.so, an
#            LD_PRELOAD shim the test builds, as a kernel without BPF trampolines refuses
#            it), so it falls back to kprobes
#   events   `cradle events` (no collector) streams what the workload does in a new pid
#            namespace: its event programs load on this kernel, capability checks through
#            fexit
#   events-nofexit  the same with every fexit program's attach refused, as for nofexit, so
#            capability checks come through kprobes

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec < /dev/console > /dev/console 2>&1
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /tmp /run

# The workload: blocks on a fifo until it is registered, then execs (the first exec starts
# its workload phase), chowns a file as root (CAP_CHOWN, an audited check) and reads a net
# sysctl (net_ctl_permissions probes CAP_NET_ADMIN with CAP_OPT_NOAUDIT through
# security_capable). The CAP_SYS_ADMIN probe behind every accounted private writable mapping
# is no help on this kernel: Debian's 6.1 inlines cap_capable into cap_vm_enough_memory, so
# neither fexit nor kprobes on cap_capable see it.
WORKLOAD='touch /tmp/f; chown 1234 /tmp/f; cat /proc/sys/net/core/somaxconn > /dev/null'

run_phase() {
    phase=$1
    dir=/run/$phase
    socket=$dir/cradle.sock
    cgroup=/sys/fs/cgroup/traced-$phase
    mkdir -p "$dir"
    echo "=== cradle-vm phase $phase: begin ==="
    case $phase in
        native) preload= ;;
        nofexit) preload=/lib/refuse_fexit.so ;;
        *) echo "cradle-vm: unknown phase \"$phase\""; return 1 ;;
    esac

    LD_PRELOAD=$preload cradled --verbose --socket "$socket" --output-dir "$dir/profiles" --pin-dir "/sys/fs/bpf/cradle-$phase" \
        > "$dir/cradled.log" 2>&1 &
    collector=$!
    tries=0
    while [ ! -S "$socket" ] && [ $tries -lt 600 ] && kill -0 $collector 2> /dev/null; do
        usleep 100000
        tries=$((tries + 1))
    done

    if [ -S "$socket" ]; then
        mkdir "$cgroup"
        rm -f /tmp/go /tmp/f
        mkfifo /tmp/go
        sh -c "read go < /tmp/go; exec /bin/busybox sh -c '$WORKLOAD'" &
        workload=$!
        echo $workload > "$cgroup/cgroup.procs"
        echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$phase\",\"status\":\"creating\",\"pid\":$workload,\"annotations\":{\"io.cradle.profile\":\"$phase\"}}" |
            cradle-hook --socket "$socket" createRuntime
        echo "cradle-vm: createRuntime hook exited $?"
        echo go > /tmp/go
        wait $workload
        echo "cradle-vm: workload exited $?"
        rmdir "$cgroup"
        echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$phase\",\"status\":\"stopped\",\"annotations\":{\"io.cradle.profile\":\"$phase\"}}" |
            cradle-hook --socket "$socket" poststop
        echo "cradle-vm: poststop hook exited $?"
        tries=0
        while [ ! -e "$dir/profiles/$phase.tracefile" ] && [ $tries -lt 100 ]; do
            usleep 100000
            tries=$((tries + 1))
        done
        echo "=== cradle-vm phase $phase: status ==="
        cradle status --socket "$socket" --format json
    else
        echo "cradle-vm: the collector did not start"
    fi

    kill -TERM $collector 2> /dev/null
    wait $collector
    cradled --unpin --pin-dir "/sys/fs/bpf/cradle-$phase"
    echo "=== cradle-vm phase $phase: cradled.log ==="
    cat "$dir/cradled.log"
    echo "=== cradle-vm phase $phase: tracefile ==="
    cat "$dir/profiles/$phase.tracefile"
    echo "=== cradle-vm phase $phase: end ==="
}

# An events phase: the stream, started before the workload, which runs in a pid namespace of
# its own (the stream's default filter, container=new), then stopped as Ctrl-C stops it.
run_events_phase() {
    phase=$1
    dir=/run/$phase
    mkdir -p "$dir"
    echo "=== cradle-vm phase $phase: begin ==="
    case $phase in
        events) preload= ;;
        events-nofexit) preload=/lib/refuse_fexit.so ;;
    esac
    LD_PRELOAD=$preload cradle events --output json --output-file "$dir/stream.json" 2> "$dir/events.err" &
    stream=$!
    tries=0
    while ! grep -q streaming "$dir/events.err" && [ $tries -lt 300 ] && kill -0 $stream 2> /dev/null; do
        usleep 100000
        tries=$((tries + 1))
    done
    rm -f /tmp/f
    unshare --pid --fork /bin/busybox sh -c "$WORKLOAD"
    echo "cradle-vm: workload exited $?"
    kill -INT $stream 2> /dev/null
    wait $stream
    echo "cradle-vm: cradle events exited $?"
    echo "=== cradle-vm phase $phase: stderr ==="
    cat "$dir/events.err"
    echo "=== cradle-vm phase $phase: stream ==="
    cat "$dir/stream.json"
    echo "=== cradle-vm phase $phase: end ==="
}

echo "cradle-vm: kernel $(uname -r)"
for phase in $(echo "${cradle_phases:-native}" | tr , ' '); do
    case $phase in
        events | events-nofexit) run_events_phase "$phase" ;;
        *) run_phase "$phase" ;;
    esac
done
echo "=== cradle-vm done ==="
sync
sleep 1
poweroff -f
