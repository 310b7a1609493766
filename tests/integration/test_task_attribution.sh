#!/usr/bin/env bash
# Which processes belong to a traced container: the kernel side marks tasks, not cgroups, on
# the syscall path, so every way into a container's cgroup must mark them: a process the
# runtime puts there with `runc exec`, one moved there by writing cgroup.procs (every thread
# of it), and not one that merely runs beside it on the host. (Forks and the init process are
# covered by test_runc_profile, whose allow-list equals strace's.) Marks are also kept by pid:
# a pid that a process of another traced container takes over must be that container's.
source "$(dirname "$0")/lib.sh"
require_platform
make_rootfs
HOOK=$BIN/cradle-hook
start_collector main || { fail "collector starts"; finish; }

bundle waiter --hook "$HOOK" --socket "$SOCKET" --profile attribution -- /bin/sh -c "$AWAIT; await done"
run_container waiter "$WORK/waiter.out" &
container_pid=$!
check --as traced "collector traces the container" wait_for_traced "$SOCKET" attribution
init_pid=$(container_pid waiter)
cgroup=$(sed -n 's/^0:://p' "/proc/$init_pid/cgroup" 2> /dev/null)
# (without the container's cgroup, processes are moved nowhere rather than to the root cgroup)
[[ -n $cgroup ]] || cgroup=/cgroup-of-the-container-unknown
cgroup2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break; if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)

part "runc exec: the exec'd process joins the container's cgroup and is the container's"
needs traced
check --as exec "runc exec runs" runc exec "cradle-it-$$-waiter" /bin/mkdir /tmp/made-by-exec

part "a host process beside the container is not the container's (it calls rmdir)"
"$ROOTFS/bin/busybox" rmdir "/nonexistent-cradle-attribution-$$" 2> /dev/null

part "a host process moved into the container's cgroup is the container's from then on"
needs traced
check --as moved "the moved process runs" bash -c "echo \$\$ > '$cgroup2$cgroup/cgroup.procs' && exec '$ROOTFS/bin/busybox' ln -s x '$WORK/link-by-moved'"
needs moved
check "and it made its symlink" test -L "$WORK/link-by-moved"

part "a multi-threaded process moved in: its threads that already ran are the container's too"
needs traced
# The kernel reports a moved process by its leader alone; the thread (not the leader) calls
# getpriority, which nothing else here calls, only after the move. The process never execs,
# so what it does is a joiner's setup: the container's, but not its workload's.
python3 -c '
import os, sys, threading, time
def worker():
    while not os.path.exists(sys.argv[1]):
        time.sleep(0.01)
    os.getpriority(os.PRIO_PROCESS, 0)
thread = threading.Thread(target=worker)
thread.start()
print(os.getpid(), flush=True)
thread.join()
' "$WORK/moved-go" > "$WORK/moved.pid" &
mover=$!
poll_until 5 test -s "$WORK/moved.pid"
check --as threaded "the threaded process moved into the container's cgroup" \
    bash -c "echo '$(cat "$WORK/moved.pid")' > '$cgroup2$cgroup/cgroup.procs'"
touch "$WORK/moved-go"
wait "$mover"
status=$?
needs
check "and its thread ran to the end (exit $status)" test "$status" = 0

part "what the profile holds of each"
release waiter done
wait "$container_pid"
needs traced
check --as profile "profile written" test -s "$OUT/attribution.tracefile"
section "$OUT/attribution.tracefile" SYSCALLS > "$WORK/allowed"
section "$OUT/attribution.tracefile" SETUP_SYSCALLS > "$WORK/setup"
section "$OUT/attribution.tracefile" CAPABILITIES > "$WORK/capabilities"
needs profile exec
check "mkdir, made by the exec'd process, is allowed" grep -qxE 'mkdir(at)?' "$WORK/allowed"
check "runc exec's own work before that exec (capset, setgroups) is not" \
    bash -c "! grep -qxE 'capset|setgroups' '$WORK/allowed'"
check "nor are the capabilities it used for it (setgid, setuid, setpcap)" \
    bash -c "! grep -qxE 'setgid|setuid|setpcap' '$WORK/capabilities'"
needs profile moved
check "symlink, made by the moved process after its exec, is allowed" grep -qxE 'symlink(at)?' "$WORK/allowed"
needs profile threaded
if [[ $("$BIN/cradle" status --socket "$SOCKET" --format json) == *'"marks_moved_threads": true'* ]]; then
    check "getpriority, made by a thread of the moved process after the move, is the container's" \
        grep -qx getpriority "$WORK/setup"
    check "but not allowed: that process never exec'd, as a process the runtime starts does" \
        bash -c "! grep -qx getpriority '$WORK/allowed'"
else
    skip "every thread of a moved process: this kernel has no task iterator kfuncs (6.7+)"
fi
needs profile
check "rmdir, made only by the host process beside it, is not" bash -c "! grep -qx rmdir '$WORK/allowed'"
check "the recording is complete" empty "$(section "$OUT/attribution.tracefile" INCOMPLETE | grep -v 'never measured')"

part "a pid reused in another traced container: the process is the new container's"
# Both containers share the host's pid namespace, so pids inside are the kernel's own; the
# second may write /proc/sys/kernel/ns_last_pid (CAP_SYS_ADMIN, /proc/sys writable) to give
# its next process the pid a process of the first container had.
mkdir -p "$WORK/shared"
host_pids() {  # host_pids BUNDLE: no pid namespace, /proc/sys writable, CAP_SYS_ADMIN, /shared
    local config=$WORK/$1/config.json
    jq --arg shared "$WORK/shared" '
        .linux.namespaces |= map(select(.type != "pid"))
        | .linux.readonlyPaths |= map(select(. != "/proc/sys"))
        | .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])
        | .mounts += [{destination: "/shared", type: "bind", source: $shared, options: ["rbind", "rw"]}]' \
        "$config" > "$config.new" && mv "$config.new" "$config"
}
# The first container's process calls mkdir too: what its pid's entry notes of it must not
# keep the second container's process from recording its own.
bundle old-owner --hook "$HOOK" --socket "$SOCKET" --profile pid-old -- \
    /bin/sh -c "$AWAIT; mkdir /tmp/made-by-old-pid & echo \$! > /shared/old-pid; wait; touch /shared/old-gone; await done"
host_pids old-owner
run_container old-owner "$WORK/old-owner.out" &
old_container=$!
check --as old-gone "the first container's short-lived process ran and is gone" wait_for_file "$WORK/shared/old-gone"
old_pid=$(cat "$WORK/shared/old-pid" 2> /dev/null)
reused=
needs old-gone
if met old-gone; then
    for attempt in 1 2 3 4 5; do  # another process on the machine may take the pid first
        # (the trailing `true` keeps the shell from running the subshell in its own process)
        bundle new-owner-$attempt --hook "$HOOK" --socket "$SOCKET" --profile pid-new-$attempt -- /bin/sh -c \
            "echo $((old_pid - 1)) > /proc/sys/kernel/ns_last_pid && (read pid rest < /proc/self/stat; echo \$pid > /shared/new-pid; rmdir /tmp/none 2> /dev/null; exec mkdir /tmp/made-by-reused-pid); true"
        host_pids new-owner-$attempt
        run_container new-owner-$attempt "$WORK/new-owner.out"
        if [[ $(cat "$WORK/shared/new-pid" 2> /dev/null) == "$old_pid" ]]; then
            reused=yes
            break
        fi
    done
fi
check --as reused "the second container's process got pid $old_pid, which the first container's had" test -n "$reused"
release old-owner done
wait "$old_container"
# (each attempt has a profile of its own: only the one that got the pid may count)
needs old-gone
check --as profiles "both profiles written" test -s "$OUT/pid-old.tracefile" -a -s "$OUT/pid-new-$attempt.tracefile"
section "$OUT/pid-new-$attempt.tracefile" SYSCALLS > "$WORK/new-allowed"
section "$OUT/pid-old.tracefile" SYSCALLS > "$WORK/old-allowed"
needs profiles
check "the first container's process made mkdir" grep -qxE 'mkdir(at)?' "$WORK/old-allowed"
needs profiles reused
check "mkdir, made again under the reused pid, is the second container's too" grep -qxE 'mkdir(at)?' "$WORK/new-allowed"
check "rmdir, made only under the reused pid, is the second container's" grep -qx rmdir "$WORK/new-allowed"
check "and not the first's" bash -c "! grep -qx rmdir '$WORK/old-allowed'"

finish
