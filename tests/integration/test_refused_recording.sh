#!/usr/bin/env bash
# The refusal rules at flush: a recording that cannot have come from a real run (here: a
# workload killed by a signal never calls exit_group) writes no profile, but the collector keeps
# it, logs why, and writes it once a later container of the same name makes the union whole.
source "$(dirname "$0")/lib.sh"
require_platform
make_rootfs
HOOK=$BIN/cradle-hook
start_collector main || { fail "collector starts"; finish; }
LOG=$WORK/main/cradled.log

part "a workload killed by a signal: refused, kept and logged"
needs
# (Killed from outside: the container's init ignores a SIGKILL of its own namespace.)
bundle killed --hook "$HOOK" --socket "$SOCKET" --profile shared -- /bin/cat /dev/zero
run_container killed "$WORK/killed.out" &
container_job=$!
check --as traced "the collector traces it" wait_for_traced "$SOCKET" shared
runc kill "cradle-it-$$-killed" KILL
wait "$container_job"
needs traced
check --as refused "the collector logs why it writes nothing" \
    poll_until 5 grep -q 'building "shared.seccomp.json": cannot have come from a real run: no exit_group (nor exit)' "$LOG"
needs refused
check "no file is written" empty "$(ls "$OUT")"
check "the collector keeps the recording (cradle status lists it)" traces "$SOCKET" shared
check "the poststop flush answered the refusal, not success" \
    grep -q 'flush request failed: flushing container "cradle-it-[0-9]*-killed": .*no exit_group' "$LOG"

part "a later run of the same name makes the union whole: both are written"
bundle clean --hook "$HOOK" --socket "$SOCKET" --profile shared -- /bin/sh -c 'echo bye'
check --as clean "a container that exits runs" run_container clean "$WORK/clean.out"
needs clean
check --as written "its files are written" wait_for_file "$OUT/shared.tracefile"
needs written
check "every file" test -s "$OUT/shared.seccomp.json" -a -s "$OUT/shared.capabilities.json" -a -s "$OUT/shared.trace.json"
allows() { grep -qx "$1" <(section "$OUT/shared.tracefile" SYSCALLS); }
# (It may be flushed in the same scan as the clean run, or at the next, a second later.)
check --as kept-written "the kept recording is written too: cat's sendfile, which only it made, is allowed" \
    poll_until 5 allows sendfile
needs kept-written
check "and the collector forgets it" poll_until 5 bash -c "! '$BIN/cradle' status --socket '$SOCKET' --format json | grep -q '\"name\": \"shared\"'"

finish
