#!/usr/bin/env bash
# The hook never hangs a container start, fails open when the collector is away, refuses
# hostile profile names, and never writes outside the output directory. (Issue 2, test 8.)
source "$(dirname "$0")/lib.sh"
require_platform
make_rootfs
HOOK=$BIN/cradle-hook

# elapsed COMMAND...: runs COMMAND, sets ELAPSED (whole seconds) and STATUS.
elapsed() {
    local start=$SECONDS
    "$@"
    STATUS=$?
    ELAPSED=$((SECONDS - start))
}

part "collector down: the container starts untraced"
bundle down --hook "$HOOK" --socket "$WORK/nobody/cradle.sock" --profile down -- /bin/echo started
elapsed run_container down "$WORK/down.out"
check "container runs (exit $STATUS)" test "$STATUS" = 0
check "its output is intact" grep -qx started "$WORK/down.out"
check "does not hang (${ELAPSED}s; the hook's deadline is 2 s)" test "$ELAPSED" -lt 10

part "collector that accepts and never answers: the hook gives up at its deadline"
mkdir -p "$WORK/mute"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
connections = []
while True:
    connection, _ = s.accept(); connections.append(connection)
' "$WORK/mute/cradle.sock" &
mute_pid=$!
check --as mute "a collector that never answers listens" poll_until 5 test -S "$WORK/mute/cradle.sock"
needs mute
bundle mute --hook "$HOOK" --socket "$WORK/mute/cradle.sock" --profile mute -- /bin/echo started
elapsed run_container mute "$WORK/mute.out"
check "container runs (exit $STATUS)" test "$STATUS" = 0
check "does not hang (${ELAPSED}s for two hooks with a 2 s deadline each)" test "$ELAPSED" -lt 15
# runc drops the stderr of a hook that succeeds (it goes to syslog too), so ask directly.
echo "{\"ociVersion\":\"1.0.2\",\"id\":\"mute\",\"status\":\"creating\",\"pid\":$$,\"annotations\":{\"io.cradle.profile\":\"mute\"}}" |
    "$HOOK" --socket "$WORK/mute/cradle.sock" createRuntime 2> "$WORK/mute.err"
check "the hook exits 0 and says why the container is untraced" grep -q "untraced.*\|timed out" "$WORK/mute.err"
kill "$mute_pid" 2> /dev/null

part "fail-closed configuration: no collector, no container"
echo '{"hook": {"fail_closed": true, "deadline_ms": 500}}' > "$WORK/fail-closed.json"
bundle closed --hook "$HOOK" --socket "$WORK/nobody/cradle.sock" --hook-config "$WORK/fail-closed.json" \
    --profile closed -- /bin/echo started
run_container closed "$WORK/closed.out"
STATUS=$?
check "container refused (exit $STATUS)" test "$STATUS" != 0
check "and the message says so" grep -q "fail_closed" "$WORK/closed.out.err"

part "malformed and endless stdin"
echo 'this is not json' | "$HOOK" --socket "$WORK/nobody/cradle.sock" createRuntime > /dev/null 2> "$WORK/malformed.err"
STATUS=$?
check "malformed state: exit 0 (fail-open)" test "$STATUS" = 0
check "malformed state: a clear message" grep -q "reading the OCI state" "$WORK/malformed.err"
elapsed bash -c "yes | timeout 30 '$HOOK' --socket '$WORK/nobody/cradle.sock' createRuntime 2> '$WORK/endless.err'"
check "endless stdin: exit 0, not killed by timeout (exit $STATUS)" test "$STATUS" = 0
check "endless stdin: returns at the deadline (${ELAPSED}s)" test "$ELAPSED" -lt 10
check "endless stdin: a clear message" grep -q "deadline" "$WORK/endless.err"

start_collector faults || { fail "collector starts"; finish; }
part "hostile profile names: refused, the container does not start, nothing written"
mkdir -p "$WORK/outside"
long_name=$(head -c 4096 /dev/zero | tr '\0' a)
names=("../outside/x" "/etc/cradle-hostile" ".hidden" "$long_name" $'evil\nname' 'a/b' '%n' '..')
for name in "${names[@]}"; do
    label=$(printf '%q' "$name" | cut -c1-24)
    bundle hostile --hook "$HOOK" --socket "$SOCKET" --profile "$name" -- /bin/echo started
    run_container hostile "$WORK/hostile.out"
    STATUS=$?
    check "name $label: container refused (exit $STATUS)" test "$STATUS" != 0
    check "name $label: message names the rule" grep -q 'profile name' "$WORK/hostile.out.err"
done
check "nothing written outside the output directory" test -z "$(ls -A "$WORK/outside")"
check "nothing written to /etc" test ! -e /etc/cradle-hostile
check "nothing written in the output directory either" test -z "$(ls -A "$OUT")"

part "a symlink planted in the output directory is replaced, never followed"
echo original > "$WORK/outside/victim"
ln -s "$WORK/outside/victim" "$OUT/planted.tracefile"
ln -s "$WORK/outside/victim" "$OUT/planted.seccomp.json"
bundle planted --hook "$HOOK" --socket "$SOCKET" --profile planted -- /bin/echo started
check --as planted "container runs" run_container planted "$WORK/planted.out"
needs planted
check "the file outside is untouched" grep -qx original "$WORK/outside/victim"
check "the tracefile is now a regular file" test -f "$OUT/planted.tracefile" -a ! -L "$OUT/planted.tracefile"
check "the seccomp profile is now a regular file" test -f "$OUT/planted.seccomp.json" -a ! -L "$OUT/planted.seccomp.json"

part "poststop twice (podman does this): the second is a no-op"
state='{"ociVersion":"1.0.2","id":"twice","status":"stopped","annotations":{"io.cradle.profile":"twice"}}'
echo "$state" | "$HOOK" --socket "$SOCKET" poststop 2> "$WORK/twice.err"
check "second poststop of an unknown container exits 0" test $? = 0

finish
