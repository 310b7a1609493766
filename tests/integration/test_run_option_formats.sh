#!/usr/bin/env bash
# cradle options --format kubernetes, oci and systemd read by the tools that consume them:
# the securityContext parsed as YAML, the OCI fragment as JSON, the systemd lines in a unit that
# systemd-analyze verify loads without a complaint. No root, kernel or runtime needed.
source "$(dirname "$0")/lib.sh"

missing=()
python3 -c 'import yaml' 2> /dev/null || missing+=("python3 with yaml (python3-yaml)")
[[ -x $BIN/cradle ]] || missing+=("a build in $BUILD")
if ((${#missing[@]})); then
    skip "$TEST_NAME needs: ${missing[*]}"
    finish
fi

printf 'ARCH\nx86_64\nx86\n\nCAPABILITIES\nchown\nkill\n\nSYSCALLS\nexecve\nexit_group\nread\nwrite\n' > "$WORK/web.tracefile"
mkdir -p "$WORK/kubelet/cradle" "$WORK/other dir"

# yaml_facts FILE EXPRESSION: EXPRESSION over `sc`, the securityContext FILE holds.
yaml_facts() {
    python3 - "$1" "$2" << 'PYEOF'
import sys, yaml
document = yaml.safe_load(open(sys.argv[1]))
assert list(document) == ["securityContext"], document
sc = document["securityContext"]
if not eval(sys.argv[2]):
    sys.exit(f"not so: {sc}")
PYEOF
}

part "kubernetes"
"$BIN/cradle" options --format kubernetes --seccomp-root "$WORK/kubelet" --output "$WORK/kubelet/cradle/web.json" \
    "$WORK/web.tracefile" > "$WORK/beneath.yaml"
check "a profile beneath the root is named relative to it" yaml_facts "$WORK/beneath.yaml" \
    'sc["seccompProfile"] == {"type": "Localhost", "localhostProfile": "cradle/web.json"}'
check "capabilities: drop ALL, add the recorded ones" yaml_facts "$WORK/beneath.yaml" \
    'sc["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN", "KILL"]}'
check "allowPrivilegeEscalation is the boolean false" yaml_facts "$WORK/beneath.yaml" \
    'sc["allowPrivilegeEscalation"] is False and set(sc) == {"allowPrivilegeEscalation", "capabilities", "seccompProfile"}'
"$BIN/cradle" options --format kubernetes --seccomp-root "$WORK/kubelet" --output "$WORK/other dir/it's: #web.json" \
    "$WORK/web.tracefile" > "$WORK/outside.yaml"
check "a profile outside the root, with YAML's special characters, is cradle/<name>" yaml_facts "$WORK/outside.yaml" \
    "sc['seccompProfile']['localhostProfile'] == \"cradle/it's: #web.json\""
check "with a comment saying where to copy it" \
    grep -qF "# copy \"$WORK/other dir/it's: #web.json\" to \"$WORK/kubelet/cradle/it's: #web.json\"" "$WORK/outside.yaml"

part "kubernetes --crd"
"$BIN/cradle" options --format kubernetes --crd --namespace shop "$WORK/web.tracefile" > "$WORK/crd.yaml"
check "two YAML documents: the securityContext pointing at the operator's path, and a SeccompProfile" python3 - "$WORK/crd.yaml" << 'PYEOF'
import sys, yaml
context, profile = yaml.safe_load_all(open(sys.argv[1]))
sc = context["securityContext"]
assert sc["seccompProfile"] == {"type": "Localhost", "localhostProfile": "operator/shop/web.json"}, sc
assert sc["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN", "KILL"]}, sc
assert profile["apiVersion"] == "security-profiles-operator.x-k8s.io/v1beta1", profile
assert profile["kind"] == "SeccompProfile", profile
assert profile["metadata"] == {"name": "web", "namespace": "shop"}, profile
spec = profile["spec"]
# The fields of SPO v1.0.0's v1beta1 SeccompProfileSpec, and only those.
assert set(spec) <= {"defaultAction", "architectures", "syscalls"}, spec
assert spec["defaultAction"] == "SCMP_ACT_ERRNO", spec
assert spec["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], spec
allowed = [rule for rule in spec["syscalls"] if rule["action"] == "SCMP_ACT_ALLOW"]
assert [rule["names"] for rule in allowed] == [["execve", "exit_group", "read", "restart_syscall", "write"]], spec
for rule in spec["syscalls"]:
    assert set(rule) <= {"names", "action", "errnoRet", "args"}, rule
    assert rule["names"] and all(isinstance(name, str) for name in rule["names"]), rule
PYEOF
"$BIN/cradle" options --format kubernetes --crd --base "$REPO/tests/unit/data/docker-default.json" \
    "$WORK/web.tracefile" > "$WORK/crd-base.yaml" 2> "$WORK/crd-base.err"
check "with --base, the object holds Docker's default with its argument conditions" python3 - "$WORK/crd-base.yaml" << 'PYEOF'
import sys, yaml
context, profile = yaml.safe_load_all(open(sys.argv[1]))
assert context["securityContext"]["seccompProfile"]["localhostProfile"] == "operator/web.json", context
rules = profile["spec"]["syscalls"]
clone = [rule for rule in rules if "clone" in rule["names"]]
assert clone == [{"action": "SCMP_ACT_ALLOW", "names": ["clone"],
                  "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}], clone
assert all(set(rule) <= {"names", "action", "errnoRet", "args"} for rule in rules), rules
PYEOF

part "oci"
check "the fragment is JSON with the profile and the capabilities" python3 -c '
import json, subprocess, sys
cradle, tracefile = sys.argv[1:]
fragment = json.loads(subprocess.run([cradle, "options", "--format", "oci", "--errno", "ENOSYS", tracefile],
                                     check=True, capture_output=True, text=True).stdout)
assert fragment["linux"]["seccomp"]["defaultErrnoRet"] == 38, fragment
assert fragment["linux"]["seccomp"]["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], fragment
caps = fragment["process"]["capabilities"]
assert caps == {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"],
                "permitted": ["CAP_CHOWN", "CAP_KILL"], "inheritable": [], "ambient": []}, caps
' "$BIN/cradle" "$WORK/web.tracefile"

part "oci under runc"
if [[ $(id -u) != 0 ]] || ! command -v runc > /dev/null || ! command -v busybox > /dev/null; then
    skip "runc needs root, runc and busybox"
else
    # Every syscall of this architecture but mkdir: runc must take the fragment as it is and
    # the container's mkdir must get the ENOSYS asked for.
    { printf 'ARCH\nx86_64\n\nCAPABILITIES\nchown\n\nSYSCALLS\n'; "$BIN/cradle" syscall | awk '$2 != "mkdir" { print $2 }'; } \
        > "$WORK/all-but-mkdir.tracefile"
    "$BIN/cradle" options --format oci --errno ENOSYS "$WORK/all-but-mkdir.tracefile" > "$WORK/fragment.json"
    make_rootfs
    bundle oci -- /bin/sh -c 'mkdir /tmp/made; echo "mkdir status $?"'
    python3 -c '
import json, sys
config_path, fragment_path = sys.argv[1:]
config, fragment = json.load(open(config_path)), json.load(open(fragment_path))
config["linux"]["seccomp"] = fragment["linux"]["seccomp"]
config["process"]["capabilities"] = fragment["process"]["capabilities"]
json.dump(config, open(config_path, "w"), indent=2)
' "$WORK/oci/config.json" "$WORK/fragment.json"
    check "runc runs the container with the fragment in its config.json" run_container oci "$WORK/oci.out"
    check "and mkdir, left out, fails with ENOSYS" grep -q 'Function not implemented' "$WORK/oci.out.err" "$WORK/oci.out"
    check "the rest of the shell ran" grep -q 'mkdir status 1' "$WORK/oci.out"
fi

part "systemd"
if ! command -v systemd-analyze > /dev/null; then
    skip "systemd-analyze is not installed"
    finish
fi
# unit FILE LINES...: a oneshot service with LINES in its [Service] section.
unit() {
    local file=$1
    shift
    { printf '[Unit]\nDescription=cradle test\n[Service]\nType=oneshot\nExecStart=/bin/true\n'; printf '%s\n' "$@"; } > "$file"
}
mapfile -t lines < <("$BIN/cradle" options --format systemd --errno ENOSYS "$WORK/web.tracefile")
unit "$WORK/cradle-web.service" "${lines[@]}"
check "the lines are the filter, the errno, the architectures and the capabilities" \
    test "$(printf '%s\n' "${lines[@]}" | cut -d= -f1 | tr '\n' ' ')" = \
    "SystemCallFilter SystemCallErrorNumber SystemCallArchitectures CapabilityBoundingSet AmbientCapabilities NoNewPrivileges "
check "systemd-analyze verify loads the unit without a complaint" \
    bash -c "systemd-analyze verify '$WORK/cradle-web.service' 2>&1 | { ! grep .; }"
# That check can fail: a unit with names systemd does not know makes it complain.
unit "$WORK/cradle-bad.service" "SystemCallFilter=no_such_call" "SystemCallArchitectures=x86_65"
check "systemd-analyze verify complains about unknown names" \
    bash -c "systemd-analyze verify '$WORK/cradle-bad.service' 2>&1 | grep -q 'no_such_call'"

finish
