#!/usr/bin/env bash
# Full maps lose nothing silently: a container that finds no free slot runs untraced with a
# clear message, and a child cgroup that does not fit is counted and marks the recording
# incomplete.
source "$(dirname "$0")/lib.sh"
require_platform
make_rootfs
HOOK=$BIN/cradle-hook
start_collector small --max-containers 1 --max-cgroups 2 || { fail "collector with small maps starts"; finish; }

bundle holder --hook "$HOOK" --socket "$SOCKET" --profile holder -- /bin/sh -c "$AWAIT; await go; sync"
run_container holder "$WORK/holder.out" &
holder=$!
check --as holder "the first container takes the only slot" wait_for_traced "$SOCKET" holder
init_pid=$(container_pid holder)

part "no free container slot: the next container runs untraced, and the log says why"
bundle second --hook "$HOOK" --socket "$SOCKET" --profile second -- /bin/echo second
check --as second "the second container runs" run_container second "$WORK/second.out"
needs second
check "and prints its output" grep -qx second "$WORK/second.out"
needs holder second
check "the collector says the slots are full" grep -q "every one of the 1 container slots is in use" "$WORK/small/cradled.log"
check "no profile for the untraced container" test ! -e "$OUT/second.tracefile"

part "no room for a child cgroup: counted, and the recording is marked incomplete"
needs holder
if [[ -n $init_pid ]]; then
    cgroup2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
    cgroup_dir=$cgroup2$(sed -n 's/^0:://p' "/proc/$init_pid/cgroup")
    mkdir "$cgroup_dir/fits" "$cgroup_dir/does-not-fit"
fi
release holder go
wait "$holder"
check --as holder-profile "profile written" wait_for_file "$OUT/holder.tracefile"
needs holder-profile
check "lost_cgroups counted" grep -qx "lost_cgroups 1" <(section "$OUT/holder.tracefile" COUNTERS)
check "recording marked incomplete" grep -q "could not be traced" <(section "$OUT/holder.tracefile" INCOMPLETE)
check "the collector logs it" grep -q 'INCOMPLETE' "$WORK/small/cradled.log"
"$BIN/cradle" options "$OUT/holder.tracefile" > /dev/null 2>&1
status=$?
check "cradle options reports the incomplete recording (exit $status)" test "$status" = 1

finish
