#!/usr/bin/env bash
# The collector's life: it flushes containers whose poststop never ran, loses nothing
# across a restart, traces child cgroups, and two collectors run side by side.
source "$(dirname "$0")/lib.sh"
require_platform
make_rootfs
HOOK=$BIN/cradle-hook
start_collector first || { fail "collector starts"; finish; }
FIRST_SOCKET=$SOCKET FIRST_OUT=$OUT FIRST_PIN=$PIN_DIR

part "poststop never runs: the collector flushes the container once its cgroup is gone"
bundle no-poststop --hook "$HOOK" --socket "$SOCKET" --profile orphan --no-poststop -- /bin/echo hi
check --as orphan-ran "container runs" run_container no-poststop "$WORK/orphan.out"
needs orphan-ran
check --as orphan-profile "profile written by the collector itself" wait_for_file "$OUT/orphan.tracefile"
needs orphan-profile
section "$OUT/orphan.tracefile" SYSCALLS > "$WORK/orphan.allowed"
check "with what the workload did (echo's write)" grep -qx write "$WORK/orphan.allowed"
check "and the runtime's setup (pivot_root) out of the allow-list" bash -c "! grep -qx pivot_root '$WORK/orphan.allowed'"
check "but in SETUP_SYSCALLS" grep -qx pivot_root <(section "$OUT/orphan.tracefile" SETUP_SYSCALLS)
needs orphan-ran
check "and the container is forgotten" bash -c "'$BIN/cradle' status --socket '$SOCKET' --format json | grep -q '\"containers\": \\[\\]'"

part "restart: what happens while no collector runs is still recorded"
bundle restart --hook "$HOOK" --socket "$SOCKET" --profile restart -- \
    /bin/sh -c "$AWAIT; await go; sync; touch /tmp/synced; await done"
run_container restart "$WORK/restart.out" &
container_job=$!
check --as restart-traced "collector sees the container" wait_for_traced "$SOCKET" restart
init_pid=$(container_pid restart)
stop_collector first
status=$?
check "SIGTERM stops the collector cleanly (exit $status)" test "$status" = 0
check "and it removes its socket" test ! -e "$FIRST_SOCKET"
release restart go # the container calls sync(2) now, with no collector running
check "the container called sync while no collector ran" poll_until 5 test -e "/proc/$init_pid/root/tmp/synced"
check --as restarted "the collector starts again on the same socket and pins" restart_collector first
needs restart-traced restarted
check "restarted collector still traces the container" wait_for_traced "$FIRST_SOCKET" restart
release restart done
wait "$container_job"
status=$?
needs
check "container ran to its end (exit $status)" test "$status" = 0
needs restart-traced restarted
check --as restart-profile "profile written" wait_for_file "$FIRST_OUT/restart.tracefile"
needs restart-profile
check "sync, made while the collector was down, is in the profile" \
    grep -qx sync <(section "$FIRST_OUT/restart.tracefile" SYSCALLS)
check "its runtime, told at registration, outlived the restart" runs_runc "$FIRST_OUT/restart.trace.json"

# Every part from here on uses the restarted collector.
part "child cgroups belong to their container"
needs restarted
bundle child --hook "$HOOK" --socket "$FIRST_SOCKET" --profile child -- /bin/sh -c "$AWAIT; await go; sync"
run_container child "$WORK/child.out" &
container_job=$!
check --as child-traced "collector traces the container" wait_for_traced "$FIRST_SOCKET" child
if init_pid=$(container_pid child); then
    cgroup2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
    cgroup_dir=$cgroup2$(sed -n 's/^0:://p' "/proc/$init_pid/cgroup")
    mkdir "$cgroup_dir/child" && echo "$init_pid" > "$cgroup_dir/child/cgroup.procs"
fi
check --as child-moved "the container's init moved to a child cgroup" grep -q '/child$' "/proc/$init_pid/cgroup"
release child go
wait "$container_job"
needs child-traced
check --as child-profile "profile written" wait_for_file "$FIRST_OUT/child.tracefile"
needs child-profile child-moved
check "sync, made from the child cgroup, is in the profile" grep -qx sync <(section "$FIRST_OUT/child.tracefile" SYSCALLS)

part "the hook registers at prestart too, and follows the state's status without a stage argument"
for stage in prestart status; do
    needs restarted
    bundle "stage-$stage" --hook "$HOOK" --socket "$FIRST_SOCKET" --profile "stage-$stage" --hook-stage "$stage" -- /bin/uname
    check --as "stage-$stage" "container with the hook at $stage runs" run_container "stage-$stage" "$WORK/stage-$stage.out"
    needs "stage-$stage"
    check "traced from $stage: its profile holds uname" grep -qx uname <(section "$FIRST_OUT/stage-$stage.tracefile" SYSCALLS)
done

part "strftime tokens in the profile name are expanded"
needs restarted
bundle dated --hook "$HOOK" --socket "$FIRST_SOCKET" --profile 'dated-%Y-%V' -- /bin/echo hi
check --as dated "container with a dated profile name runs" run_container dated "$WORK/dated.out"
needs dated
check "profile written as dated-$(date -u +%Y-%V).tracefile" wait_for_file "$FIRST_OUT/dated-$(date -u +%Y-%V).tracefile"

part "two collectors side by side"
check --as second "a second collector starts" start_collector second
needs second
bundle beside --hook "$HOOK" --socket "$SOCKET" --profile beside -- /bin/echo hi
check --as beside "container traced by the second collector runs" run_container beside "$WORK/beside.out"
needs beside
check "its profile is in the second collector's directory" test -s "$OUT/beside.tracefile"
check "and not in the first's" test ! -e "$FIRST_OUT/beside.tracefile"
needs restarted
check "the first collector still answers" "$BIN/cradle" status --socket "$FIRST_SOCKET"

part "collectors do not trample each other, nor accept an output directory others can write"
# start_refused LOG FLAGS...: cradled, which should refuse to start; one that starts all the
# same is stopped after 10 s, so that the test fails rather than hangs.
start_refused() {
    local log=$1
    shift
    timeout -k 5 10 "$BIN/cradled" "$@" > "$log" 2>&1
}
needs restarted
if met restarted; then
    start_refused "$WORK/same-pins.log" --socket "$WORK/other.sock" --output-dir "$WORK/other" --pin-dir "$FIRST_PIN"
    start_refused "$WORK/same-socket.log" --socket "$FIRST_SOCKET" --output-dir "$WORK/other" --pin-dir "$FIRST_PIN-other"
    "$BIN/cradled" --unpin --pin-dir "$FIRST_PIN-other" > /dev/null 2>&1
fi
check "a second collector on the same pins is refused" grep -q "in use by another cradled" "$WORK/same-pins.log"
check "a second collector on a live socket is refused" grep -q "in use by another collector" "$WORK/same-socket.log"
needs
mkdir -m 0777 "$WORK/open-profiles"
start_refused "$WORK/open.log" --socket "$WORK/open.sock" --output-dir "$WORK/open-profiles" --pin-dir "$FIRST_PIN-open"
check "an output directory writable by others is refused" grep -q "not writable by group or others" "$WORK/open.log"
SECOND_SOCKET=$SOCKET SECOND_OUT=$OUT SECOND_PIN=$PIN_DIR
check --as shaped "a collector with --max-containers 8 starts" start_collector shaped --max-containers 8
needs shaped
if met shaped; then
    stop_collector shaped
    start_refused "$WORK/shaped.log" --socket "$SOCKET" --output-dir "$OUT" --pin-dir "$PIN_DIR"
fi
SOCKET=$SECOND_SOCKET OUT=$SECOND_OUT PIN_DIR=$SECOND_PIN
check "pins of another shape are refused, naming the map and both shapes" \
    grep -q 'pinned map ".*/containers" has .* 8 entries, flags .* where this cradled needs .* 1024 entries, flags ' "$WORK/shaped.log"
# The same sizes with other flags (BPF_F_MMAPABLE, 0x400): libbpf would refuse to reuse such a
# pin as well, so cradled names it before it loads anything.
FLAGGED_PIN=/sys/fs/bpf/cradle-it-$$-flagged
mkdir -p "$FLAGGED_PIN"
pin_dirs+=("$FLAGGED_PIN")
baseline=$(bpftool -j map show pinned "$SECOND_PIN/runtime_baseline" 2> /dev/null)
check --as flagged "a runtime_baseline map of the same sizes with other flags is pinned" \
    bpftool map create "$FLAGGED_PIN/runtime_baseline" type array key "$(jq .bytes_key <<< "$baseline")" \
    value "$(jq .bytes_value <<< "$baseline")" entries "$(jq .max_entries <<< "$baseline")" name runtime_baseline flags 1024
needs flagged
mkdir -p "$WORK/flagged"
met flagged && start_refused "$WORK/flagged.log" --socket "$WORK/flagged.sock" --output-dir "$WORK/flagged" --pin-dir "$FLAGGED_PIN"
check "pins of other flags are refused, naming the flags" \
    grep -q 'pinned map ".*/runtime_baseline" has .* flags 0x400 where this cradled needs .* flags 0x0' "$WORK/flagged.log"
needs

part "a container id the runtime reuses is traced again"
needs restarted
bundle reuse --hook "$HOOK" --socket "$FIRST_SOCKET" --profile reuse --no-poststop -- /bin/echo hi
run_container reuse "$WORK/reuse-1.out"
run_container reuse "$WORK/reuse-2.out"
check "both runs were traced" test "$(grep -c "tracing container \"cradle-it-$$-reuse\"" "$WORK/first/cradled.log")" = 2

part "a request that is not JSON gets a clear answer, and the collector lives on"
needs second
# ask TEXT: sends TEXT and a newline to the collector at $SOCKET, prints its answer.
ask() {
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline(), end="")' "$SOCKET" "$1"
}
check "garbage is answered: not JSON, and where" bash -c "$(declare -f ask); SOCKET='$SOCKET' ask garbage | grep -q 'request is not JSON (byte 1)'"
check "a number no double holds is answered the same way" \
    bash -c "$(declare -f ask); SOCKET='$SOCKET' ask '{\"op\":\"register\",\"pid\":1e999}' | grep -q 'request is not JSON (byte 28): number overflow parsing .1e999.'"
check "the collector still answers, with the kernel side's own error counters" \
    bash -c "'$BIN/cradle' status --socket '$SOCKET' --format json | grep -q '\"lost_pending_checks\": 0'"

part "only root may talk to the collector"
needs second
check "a non-root user is refused" bash -c "! setpriv --reuid 65534 --regid 65534 --clear-groups '$BIN/cradle' status --socket '$SOCKET'"

finish
