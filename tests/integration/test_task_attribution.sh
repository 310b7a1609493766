#!/usr/bin/env bash
# Which processes belong to a traced container: the kernel side marks tasks, not cgroups, on
# the syscall path, so every way into a container's cgroup must mark them: a process the
# runtime puts there with `runc exec`, one moved there by writing cgroup.procs, and not one
# that merely runs beside it on the host. (Forks and the init process are covered by
# test_runc_profile, whose allow-list equals strace's.)
source "$(dirname "$0")/lib.sh"
require_platform
make_rootfs
HOOK=$BIN/cradle-hook
start_collector main || { fail "collector starts"; finish; }

bundle waiter --hook "$HOOK" --socket "$SOCKET" --profile attribution -- /bin/sh -c "$AWAIT; await done"
run_container waiter "$WORK/waiter.out" &
container_pid=$!
check "collector traces the container" wait_for_traced "$SOCKET" attribution
init_pid=$(container_pid waiter)
cgroup=$(sed -n 's/^0:://p' "/proc/$init_pid/cgroup")
cgroup2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break; if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)

echo "runc exec: the exec'd process joins the container's cgroup and is the container's"
check "runc exec runs" runc exec "cradle-it-$$-waiter" /bin/mkdir /tmp/made-by-exec

echo "a host process beside the container is not the container's (it calls rmdir)"
"$ROOTFS/bin/busybox" rmdir "/nonexistent-cradle-attribution-$$" 2> /dev/null

echo "a host process moved into the container's cgroup is the container's from then on"
check "the moved process runs" bash -c "echo \$\$ > '$cgroup2$cgroup/cgroup.procs' && exec '$ROOTFS/bin/busybox' ln -s x '$WORK/link-by-moved'"
check "and it made its symlink" test -L "$WORK/link-by-moved"

release "$init_pid" done
wait "$container_pid"
check "profile written" test -s "$OUT/attribution.tracefile"
section "$OUT/attribution.tracefile" SYSCALLS > "$WORK/allowed"
check "mkdir, made by the exec'd process, is allowed" grep -qxE 'mkdir(at)?' "$WORK/allowed"
check "symlink, made by the moved process, is allowed" grep -qxE 'symlink(at)?' "$WORK/allowed"
check "rmdir, made only by the host process beside it, is not" bash -c "! grep -qx rmdir '$WORK/allowed'"
check "the recording is complete" test -z "$(section "$OUT/attribution.tracefile" INCOMPLETE | grep -v 'never measured')"

finish
