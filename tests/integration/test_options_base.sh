#!/usr/bin/env bash
# cradle options --base: a workload that calls mkdir, recorded, held against Docker's default
# profile without mkdir. The result refuses mkdir and says so, and runc enforces it: in the
# re-run container mkdir fails with EPERM while the rest of the workload runs.
source "$(dirname "$0")/lib.sh"
require_platform

make_rootfs
start_collector main || { fail "collector starts"; finish; }
WORKLOAD='echo start; mkdir /tmp/made; echo "mkdir status $?"; cat /etc/passwd > /dev/null; echo done'

part "the workload, recorded"
bundle record --hook "$BIN/cradle-hook" --socket "$SOCKET" --profile workload -- /bin/sh -c "$WORKLOAD"
check --as recorded "recorded container runs" run_container record "$WORK/record.out"
needs recorded
check "mkdir worked while recording" grep -qx 'mkdir status 0' "$WORK/record.out"
check --as tracefile "tracefile written" test -s "$OUT/workload.tracefile"
needs tracefile
section "$OUT/workload.tracefile" SYSCALLS > "$WORK/allowed"
grep -xE 'mkdir|mkdirat' "$WORK/allowed" > "$WORK/mkdir-calls"
check --as made-mkdir "the recording holds mkdir (or mkdirat)" test -s "$WORK/mkdir-calls"

part "held against Docker's default without mkdir"
needs made-mkdir
python3 - "$REPO/tests/unit/data/docker-default.json" "$WORK/base.json" << 'PYEOF'
import json, sys
base = json.load(open(sys.argv[1]))
for rule in base["syscalls"]:
    rule["names"] = [name for name in rule["names"] if name not in ("mkdir", "mkdirat")]
json.dump(base, open(sys.argv[2], "w"), indent=2)
PYEOF
status=0
"$BIN/cradle" options --base "$WORK/base.json" --output "$WORK/merged.json" "$OUT/workload.tracefile" \
    > "$WORK/options.out" 2> "$WORK/options.err" || status=$?
check "cradle options exits 1: a finding" test "$status" = 1
while read -r call; do
    check "the finding names $call" grep -qF "finding: the workload made syscall $call, which the base refuses" \
        "$WORK/options.err"
done < "$WORK/mkdir-calls"
check "and nothing else is refused" test "$(grep -c 'finding:' "$WORK/options.err")" = "$(wc -l < "$WORK/mkdir-calls")"
check --as merged "--output holds the result" test -s "$WORK/merged.json"
needs merged
check "the result allows neither mkdir nor mkdirat, and keeps Docker's conditions" python3 -c '
import json, sys
profile = json.load(open(sys.argv[1]))
allowed = {name for rule in profile["syscalls"] if rule["action"] == "SCMP_ACT_ALLOW" for name in rule["names"]}
assert not allowed & {"mkdir", "mkdirat"}, allowed
assert profile["defaultAction"] == "SCMP_ACT_ERRNO", profile["defaultAction"]
assert any(rule.get("args") for rule in profile["syscalls"] if rule["names"] == ["clone"]), "clone lost its condition"
assert not any("includes" in rule or "excludes" in rule for rule in profile["syscalls"])
' "$WORK/merged.json"
check "the options name the result" grep -qF -- "--security-opt seccomp=$WORK/merged.json" "$WORK/options.out"

part "runc enforces the result"
needs merged
recorded_caps=$(section "$OUT/workload.tracefile" CAPABILITIES | paste -sd,)
bundle enforced --seccomp "$WORK/merged.json" --caps "${recorded_caps:-none}" -- /bin/sh -c "$WORKLOAD"
check "the container runs to its end and exits 0" run_container enforced "$WORK/enforced.out"
check "mkdir fails" grep -qx 'mkdir status 1' "$WORK/enforced.out"
check "with EPERM" grep -q 'Operation not permitted' "$WORK/enforced.out.err"
check "the rest ran" grep -qx done "$WORK/enforced.out"

finish
