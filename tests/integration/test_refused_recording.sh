#!/usr/bin/env bash
# How containers that never end normally are flushed. A workload killed by a signal never calls
# exit_group, yet it ran: its profile is written, with exit_group implied (its next run may end
# normally). A container created and never started made nothing to profile: nothing is written,
# and once it is gone the collector forgets it, so it holds no slot. Neither is ever held back
# by the refusal rules, which stop profiles that cannot have come from a real run.
source "$(dirname "$0")/lib.sh"
require_platform
make_rootfs
HOOK=$BIN/cradle-hook
start_collector main || { fail "collector starts"; finish; }
LOG=$WORK/main/cradled.log
# runc's post-filter window, so that a profile written here can start a container.
check --as calibrated "cradle calibrate measures runc's window" \
    "$BIN/cradle" calibrate --socket "$SOCKET" --rootfs "$ROOTFS"
allows() { grep -qx "$2" <(section "$OUT/$1.tracefile" SYSCALLS); }
implies() { grep -qx "$2" <(section "$OUT/$1.tracefile" IMPLIED_SYSCALLS); }
forgotten() { ! traces "$SOCKET" "$1"; }

part "a workload killed by a signal: written, with exit_group implied"
needs
# (Killed from outside: the container's init ignores a SIGKILL of its own namespace.)
bundle killed --hook "$HOOK" --socket "$SOCKET" --profile killed -- /bin/cat /dev/zero
run_container killed "$WORK/killed.out" &
container_job=$!
check --as traced "the collector traces it" wait_for_traced "$SOCKET" killed
runc kill "cradle-it-$$-killed" KILL
wait "$container_job"
needs traced
check --as written "its files are written" wait_for_file "$OUT/killed.tracefile"
needs written
check "every file" test -s "$OUT/killed.seccomp.json" -a -s "$OUT/killed.capabilities.json" -a -s "$OUT/killed.trace.json"
check "what it did is allowed: cat's sendfile" allows killed sendfile
check "exit_group, which it never made, is allowed" allows killed exit_group
check "and listed as implied" implies killed exit_group
check "the collector forgets it" poll_until 5 forgotten killed
check "no refusal was logged" bash -c "! grep -q 'cannot have come from a real run' '$LOG'"

part "re-run under its profile, it ends normally"
needs written calibrated
bundle rerun --seccomp "$OUT/killed.seccomp.json" -- /bin/cat /proc/self/comm
check "the same program, ending through exit_group, runs under it" run_container rerun "$WORK/rerun.out"
check "and did its work" grep -qx cat "$WORK/rerun.out"

part "a container created and never started: nothing written, forgotten"
needs
bundle never --hook "$HOOK" --socket "$SOCKET" --profile never -- /bin/true
check --as created "runc create runs it up to its workload's exec" \
    bash -c "runc create --bundle '$WORK/never' 'cradle-it-$$-never' < /dev/null > /dev/null 2>&1"
needs created
check --as never-traced "the collector traces it" wait_for_traced "$SOCKET" never
runc delete -f "cradle-it-$$-never"
needs never-traced
check "the collector forgets it once it is gone" poll_until 5 forgotten never
check "and says why" grep -q 'container "cradle-it-[0-9]*-never" never started its workload: nothing to write' "$LOG"
check "no file is written for it" bash -c "! ls '$OUT' | grep -q '^never\\.'"
check "no refusal was logged" bash -c "! grep -q 'cannot have come from a real run' '$LOG'"

finish
