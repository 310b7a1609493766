#!/usr/bin/env bash
# cradle events (issue 8): a live stream of what new containers do, from event programs
# attached through BTF (no tracefs needed), filtered in the kernel, and with every loss counted.
source "$(dirname "$0")/lib.sh"
require_platform
command -v jq > /dev/null || { skip "jq is missing"; finish; }
command -v cc > /dev/null || { skip "a C compiler is missing"; finish; }

make_rootfs
start_collector main || { fail "collector starts"; finish; }
HOOK=$BIN/cradle-hook
# Paths, not applet names: busybox sh runs `ls` and `cat` without an exec of their own.
WORKLOAD='/bin/ls /; /bin/cat /etc/passwd'
stream_pid=

# start_stream NAME [cradle events options...]: the stream in the background, writing
# $WORK/NAME.out (its output) and $WORK/NAME.err; returns once it streams (10 s at most).
start_stream() {
    local name=$1
    shift
    "$BIN/cradle" events --socket "$SOCKET" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
    stream_pid=$!
    poll_until 10 grep -q "streaming" "$WORK/$name.err" && return 0
    cat "$WORK/$name.err" >&2
    return 1
}

# stop_stream: SIGINT, as Ctrl-C; returns the command's exit status.
stop_stream() {
    kill -INT "$stream_pid" 2> /dev/null
    wait "$stream_pid"
}

# events NAME JQ_FILTER: the events of stream NAME that match, one JSON object a line.
events() { jq -c "select(.event != null) | select($2)" "$WORK/$1.out"; }
count() { events "$@" | wc -l; }

part "a container started before the stream, and one after"
bundle before -- /bin/sh -c "$AWAIT; await go; /bin/touch /tmp/before-marker && echo before-ran"
run_container before "$WORK/before.log" &
before_job=$!
before_pid=$(container_pid before) || fail "the earlier container runs"
check --as streaming "cradle events --output json streams" start_stream default --output json
needs streaming
release before go
wait "$before_job"
# It lives a second longer: the stream asks cradled for a container's id while cradled traces
# it, and cradled forgets a container once it ended.
bundle watched --hook "$HOOK" --socket "$SOCKET" --profile watched -- /bin/sh -c "$WORKLOAD; /bin/sleep 1"
check --as watched "the new container runs" run_container watched "$WORK/watched.log"
cat /etc/hostname > /dev/null  # a host process: not reported
check "the stream ends on SIGINT with status 0" stop_stream
check "the summary counts what was shown and lost" grep -q "^events lost: 0$" "$WORK/default.err"
needs streaming watched
check "execve of /bin/ls with its argv" \
    test "$(count default '.event == "execve" and .args.pathname == "/bin/ls" and .args.argv == ["/bin/ls", "/"]')" -ge 1
check "openat of /etc/passwd with O_RDONLY" \
    test "$(count default '.event == "openat" and .args.pathname == "/etc/passwd" and .args.flags == "O_RDONLY" and .ret >= 0')" -ge 1
check "sched_process_exec of /bin/cat, read by the kernel" \
    test "$(count default '.event == "sched_process_exec" and .args.pathname == "/bin/cat"')" -ge 1
check "sched_process_exit of the container's processes" \
    test "$(count default '.event == "sched_process_exit" and .args.exit_code == 0')" -ge 2
watched_ns=$(events default '.event == "execve" and .args.pathname == "/bin/ls"' | jq -r .pid_ns | head -1)
check "events are in the container's own pid namespace, not the host's" \
    test -n "$watched_ns" -a "$watched_ns" != "$(stat -L -c %i /proc/self/ns/pid)"
check "no event from outside the new container" empty "$(events default ".pid_ns != ${watched_ns:-0}" | head -3)"
# (Its pid namespace's inode may be the new container's: the kernel reuses them.)
check "no event from the container started before the stream" \
    empty "$(events default '.args.pathname == "/tmp/before-marker"' | head -3)"
check "which did run" grep -q before-ran "$WORK/before.log"
check "pids are the container's: its init is pid 1" \
    test "$(count default '.event == "execve" and .args.pathname == "/bin/sh" and .pid == 1')" -ge 1
check "uts_name is the container's hostname once runc set it" \
    empty "$(events default '(.comm | startswith("runc")) == false and .uts_name != "cradle-sample"' | head -3)"
# (Those before cradled's hook registered it cannot.)
check "events of a container cradled traces carry its id and profile" \
    test "$(count default ".event == \"openat\" and .args.pathname == \"/etc/passwd\" and .container_id == \"cradle-it-$$-watched\" and .profile == \"watched\"")" -ge 1

part "cradled's profile is the same with and without a stream watching"
bundle unwatched --hook "$HOOK" --socket "$SOCKET" --profile unwatched -- /bin/sh -c "$WORKLOAD; /bin/sleep 1"
check --as unwatched "the container runs without a stream" run_container unwatched "$WORK/unwatched.log"
needs watched unwatched
wait_for_file "$OUT/watched.tracefile" && wait_for_file "$OUT/unwatched.tracefile"
check "the workload's syscalls are the same" \
    diff <(section "$OUT/watched.tracefile" SYSCALLS) <(section "$OUT/unwatched.tracefile" SYSCALLS)
check "so are its capabilities" \
    diff <(section "$OUT/watched.tracefile" CAPABILITIES) <(section "$OUT/unwatched.tracefile" CAPABILITIES)

part "pid=new and comm= select what they say"
cp /bin/cat "$WORK/cradle-probe"
python3 -c "
import os, sys, time
while not os.path.exists('$WORK/old-done'):
    try: open('$WORK/old-marker').close()
    except OSError: pass
    time.sleep(0.01)
" &
old_pid=$!
check --as pid-new "a pid=new stream starts" start_stream pid-new --output json --trace pid=new --trace event=openat,execve
needs pid-new
cat "$WORK/new-marker" > /dev/null 2>&1
sleep 0.3
stop_stream
touch "$WORK/old-done"
wait "$old_pid"
check "a process born after the start is reported" \
    test "$(count pid-new ".event == \"openat\" and .args.pathname == \"$WORK/new-marker\"")" -ge 1
check "a process that ran before is not" \
    empty "$(events pid-new ".args.pathname == \"$WORK/old-marker\"" | head -3)"
check --as comm "a comm= stream starts" start_stream comm --output json --trace comm=cradle-probe --trace event=openat
needs comm
"$WORK/cradle-probe" "$WORK/comm-marker" > /dev/null 2>&1
cat "$WORK/comm-marker" > /dev/null 2>&1
stop_stream
check "comm=cradle-probe reports its openat" \
    test "$(count comm ".args.pathname == \"$WORK/comm-marker\"")" -eq 1
check "and nothing of another command" empty "$(events comm '.comm != "cradle-probe"' | head -3)"

part "table output"
check --as table "a table stream starts" start_stream table --trace pid=new --trace event=execve
needs table
/bin/true
stop_stream
header=$(head -1 "$WORK/table.out")
check "the header holds Tracee's columns in order" \
    grep -qE '^TIME\(s\) +UTS_NAME +MNT_NS +PID_NS +UID +EVENT +COMM +PID +TID +PPID +RET +ARGS$' <<< "$header"
column=$(awk -v h="$header" 'BEGIN { print index(h, "EVENT") }')
row=$(grep -m1 ' execve ' "$WORK/table.out")
check "rows are aligned under the header" test -n "$row" -a "${row:$((column - 1)):6}" == "execve"

part "container=ID: the container's own cgroup and those beneath it, not its siblings"
bundle nested --hook "$HOOK" --socket "$SOCKET" --profile nested -- /bin/sh -c \
    "$AWAIT; await early; /bin/cat /tmp/early-marker; await late; /bin/cat /tmp/late-marker; /bin/sleep 1"
run_container nested "$WORK/nested.log" &
nested_job=$!
nested_pid=$(container_pid nested) || fail "the nested container runs"
nested_cgroup=$(sed -n 's/^0:://p' "/proc/${nested_pid:-0}/cgroup" 2> /dev/null)
# cgroup2 at /sys/fs/cgroup, or at /sys/fs/cgroup/unified on a hybrid host.
nested_dir=$(findmnt -n -t cgroup2 -o TARGET | head -1)$nested_cgroup
nested_ns=$(stat -L -c %i "/proc/${nested_pid:-0}/ns/pid" 2> /dev/null)
sibling_dir=$(dirname "$nested_dir")/cradle-it-$$-sibling
# One child cgroup made before the stream starts (listed at its start), one after (added by
# the kernel side when it is made); the container's init moves into each in turn, as a
# cgroup manager inside it would move its processes.
check --as nested-cgroup "the container has a cgroup of its own, with a child" \
    mkdir "$nested_dir/early" "$sibling_dir"
check --as nested-stream "a container=ID stream starts" \
    start_stream nested --output json --trace "container=cradle-it-$$-nested" --trace event=openat
needs nested-cgroup nested-stream
check "the container's init moves into a child cgroup made before the stream" \
    sh -c "echo $nested_pid > '$nested_dir/early/cgroup.procs'"
release nested early
check "and into one made after the stream started" \
    sh -c "mkdir '$nested_dir/late' && sleep 0.2 && echo $nested_pid > '$nested_dir/late/cgroup.procs'"
# The kernel side's filter holds 1024 cgroups (EVENTS_MAX_FILTER_CGROUPS): with 1024 more made
# beneath the container, those that do not fit, as many as were there already, are counted.
beneath=$(find "$nested_dir" -type d | wc -l)
check --as filled "1024 more cgroups made beneath the container ($beneath there already)" \
    mkdir "$nested_dir"/fill-{1..1024}
rmdir "$nested_dir"/fill-* 2> /dev/null
release nested late
# A process in a sibling cgroup of the container's opens the same kind of marker.
sh -c "echo \$\$ > '$sibling_dir/cgroup.procs' && exec cat '$WORK/sibling-marker'" > /dev/null 2>&1
check "the container ran to its end" wait "$nested_job"
stop_stream
rmdir "$sibling_dir" 2> /dev/null
check "an openat in the child cgroup made before the stream is reported" \
    test "$(count nested '.args.pathname == "/tmp/early-marker"')" -ge 1
check "so is one in the child cgroup made after it" \
    test "$(count nested '.args.pathname == "/tmp/late-marker"')" -ge 1
check "and they carry the container's id and profile" \
    test "$(count nested ".args.pathname == \"/tmp/late-marker\" and .container_id == \"cradle-it-$$-nested\" and .profile == \"nested\"")" -ge 1
check "nothing from a sibling cgroup" \
    empty "$(events nested '.args.pathname | tostring | endswith("sibling-marker")' | head -3)"
check "nothing from outside the container" empty "$(events nested ".pid_ns != ${nested_ns:-0}" | head -3)"
needs nested-cgroup nested-stream filled
check "the cgroups that did not fit are a warning" \
    grep -q "^cradle events: warning: .* did not fit in the filter .*($beneath in all)$" "$WORK/nested.err"
check "and a line of the summary, apart from the events lost" \
    grep -qx "cgroups left out: $beneath" "$WORK/nested.err"

part "clone3's flags, and a 32-bit process's syscalls decoded"
cc -O2 -static -o "$ROOTFS/bin/argument-probe" "$REPO/tests/integration/argument_probe.c"
if gcc -m32 -static -O2 -o "$ROOTFS/bin/open32" "$REPO/tests/integration/open_flood.c" 2> "$WORK/cc32.err" &&
    gcc -m32 -static -O2 -o "$ROOTFS/bin/argument-probe32" "$REPO/tests/integration/argument_probe.c" 2>> "$WORK/cc32.err"; then
    # posix_spawn: the C library's clone3(CLONE_VM|CLONE_VFORK, exit_signal SIGCHLD), then the
    # child's execve; open32 makes one i386 openat(AT_FDCWD, PATH, O_RDONLY).
    bundle abi -- /bin/sh -c \
        "/bin/argument-probe spawn /bin/true; /bin/open32 1 /etc/passwd; /bin/argument-probe32 spawn /bin/true"
    check --as abi "a stream of clone3, openat and execve starts" \
        start_stream abi --output json --trace container=new --trace event=clone3,openat,execve
    needs abi
    check --as abi-ran "the container runs" run_container abi "$WORK/abi.log"
    stop_stream
    needs abi abi-ran
    check "clone3's flags and exit signal, read from its clone_args in the task's memory" \
        test "$(count abi '.event == "clone3" and .compat != true and .args.cl_args == "CLONE_VM|CLONE_VFORK|SIGCHLD" and (.user_memory | index("cl_args")) != null')" -ge 1
    check "a 32-bit openat of a path, decoded" \
        test "$(count abi '.event == "openat" and .compat == true and .args.pathname == "/etc/passwd" and .args.flags == "O_RDONLY" and .args.dirfd == "AT_FDCWD"')" -eq 1
    check "a 32-bit execve with its argv of 32-bit pointers" \
        test "$(count abi '.event == "execve" and .compat == true and .args.pathname == "/bin/true" and .args.argv == ["/bin/true"]')" -ge 1
    check "a 32-bit clone3 too" \
        test "$(count abi '.event == "clone3" and .compat == true and .args.cl_args == "CLONE_VM|CLONE_VFORK|SIGCHLD"')" -ge 1
else
    skip "gcc cannot build a static 32-bit program (gcc-multilib, install/deps.sh): $(tail -n 1 "$WORK/cc32.err")"
fi

part "a flood through a tiny buffer: every loss is counted"
cc -O2 -static -o "$ROOTFS/bin/cradle-flood" "$REPO/tests/integration/open_flood.c"
FLOOD_COUNT=100000
bundle flood -- /bin/cradle-flood "$FLOOD_COUNT" /etc/passwd
# The filter: the flood's openat calls alone, in a new container.
flood_filter=(--output json --trace container=new --trace comm=cradle-flood --trace event=openat)
check --as flood-big "a stream with the default buffer starts" start_stream flood-big "${flood_filter[@]}"
needs flood-big
check --as flooded-big "the flood runs" run_container flood "$WORK/flood-big.log"
sleep 0.5
stop_stream
runc delete -f "cradle-it-$$-flood" > /dev/null 2>&1
generated=$(count flood-big '.event == "openat"')
check "the default buffer delivers the flood with no loss" grep -q "^events lost: 0$" "$WORK/flood-big.err"
check "the flood's openat calls are all there ($generated)" test "$generated" -ge "$FLOOD_COUNT"
check --as flood-small "a stream with a one-page buffer starts" start_stream flood-small "${flood_filter[@]}" \
    --buffer-pages 1
needs flood-small
check --as flooded-small "the flood runs again" run_container flood "$WORK/flood-small.log"
sleep 0.5
stop_stream
delivered=$(count flood-small '.event == "openat"')
lost=$(jq -r 'select(.lost != null) | .lost' "$WORK/flood-small.out" | tail -1)
check "a one-page buffer loses events, and says so in the stream" test "${lost:-0}" -gt 0
check "what was lost is what was not delivered ($delivered delivered + ${lost:-0} lost = $generated)" \
    test "$((delivered + ${lost:-0}))" -eq "$generated"
check "the summary agrees" grep -q "^events lost: ${lost:-x}$" "$WORK/flood-small.err"
finish
