#!/usr/bin/env bash
# install/ci/cradle-ci.sh as a CI job runs it: a sample workload (a busybox container run by runc
# with the hook) recorded without a baseline passes and writes every options format; committed
# as the baseline, the same workload passes again; changed to call unshare, it fails with exit 1
# and names unshare. The GitHub Actions and GitLab CI files are parsed and their jobs checked.
source "$(dirname "$0")/lib.sh"

CI_SCRIPT=$REPO/install/ci/cradle-ci.sh
missing=()
python3 -c 'import yaml' 2> /dev/null || missing+=("python3 with yaml (python3-yaml)")
command -v jq > /dev/null || missing+=("jq")
command -v systemd-analyze > /dev/null || missing+=("systemd-analyze")
if ((${#missing[@]})); then
    skip "$TEST_NAME needs: ${missing[*]}"
    finish
fi

part "the workflow files"
check "GitHub Actions: an ubuntu-latest job checks out, runs cradle-ci.sh with sudo, uploads its artifacts always" \
    python3 - "$REPO/install/ci/github-actions.yml" << 'PYEOF'
import shlex, sys, yaml
workflow = yaml.safe_load(open(sys.argv[1]))
# YAML 1.1 reads the key `on` as the boolean True.
assert workflow.get("on", workflow.get(True)), "no triggers"
(job,) = workflow["jobs"].values()
assert job["runs-on"] == "ubuntu-latest", job["runs-on"]
steps = job["steps"]
uses = [step.get("uses", "") for step in steps]
assert uses[0].startswith("actions/checkout@"), uses
(run,) = [step["run"] for step in steps if "cradle-ci.sh" in step.get("run", "")]
words = shlex.split(run)
assert words[0] == "sudo" and words[1].endswith("install/ci/cradle-ci.sh"), words
assert "--" in words and words.index("--") < len(words) - 1, "no test command after --"
artifacts = words[words.index("--artifacts") + 1]
(upload,) = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@")]
assert steps.index(upload) > [step.get("run", "") for step in steps].index(run), "upload before the run"
assert upload["if"] == "always()", upload
assert upload["with"]["path"].rstrip("/") == artifacts.rstrip("/"), (upload["with"], artifacts)
PYEOF
check "GitLab CI: a job runs cradle-ci.sh as root (sudo unless root) and keeps its artifacts always" \
    python3 - "$REPO/install/ci/gitlab-ci.yml" << 'PYEOF'
import shlex, sys, yaml
(job,) = [job for name, job in yaml.safe_load(open(sys.argv[1])).items() if not name.startswith(".")]
(line,) = [line for line in job["script"] if "cradle-ci.sh" in line]
words = shlex.split(line)
# As root: through sudo unless the job runs as root already (before_script sets SUDO).
assert words[0] == "$SUDO" and words[1].endswith("install/ci/cradle-ci.sh"), words
assert 'if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi' in job["before_script"], job["before_script"]
assert "--" in words and words.index("--") < len(words) - 1, "no test command after --"
artifacts = words[words.index("--artifacts") + 1]
assert job["artifacts"]["when"] == "always", job["artifacts"]
assert [path.rstrip("/") for path in job["artifacts"]["paths"]] == [artifacts.rstrip("/")], job["artifacts"]
PYEOF

require_platform
make_rootfs
# The workload's test command, as a repository would have it: a container with the annotation
# and hook from the variables cradle-ci.sh sets, running what $WORK/change adds to its work.
cat > "$WORK/run-tests.sh" << EOF
#!/bin/sh
set -e
bundle=\$(mktemp -d "$WORK/workload.XXXXXX")
"$BUNDLE_TOOL" bundle "\$bundle" --rootfs "$ROOTFS" --hook "\$CRADLE_HOOK" --socket "\$CRADLE_SOCKET" \\
    --profile "\$CRADLE_PROFILE" -- /bin/sh -c "echo testing; ls / > /dev/null; \$(cat "$WORK/change")" > /dev/null
runc run --bundle "\$bundle" "cradle-it-$$-workload-\${bundle##*.}" < /dev/null
EOF
chmod +x "$WORK/run-tests.sh"
echo true > "$WORK/change"
CI_SOCKET=$WORK/ci/cradle.sock
CI_PINS=/sys/fs/bpf/cradle-it-$$-ci
pin_dirs+=("$CI_PINS")
mkdir -p "$WORK/ci" "$WORK/repo/ci"
BASELINE=$WORK/repo/ci/web.tracefile

# ci_run ARTIFACTS [cradle-ci.sh options] -- COMMAND...: the script as the job runs it, its
# output in $WORK/ARTIFACTS.out; returns its exit status.
ci_run() {
    local artifacts=$WORK/$1
    shift
    "$CI_SCRIPT" --bin "$BIN" --socket "$CI_SOCKET" --pin-dir "$CI_PINS" --artifacts "$artifacts" "$@" \
        > "$WORK/${artifacts##*/}.out" 2>&1
}
# status_was EXPECTED ACTUAL OUTPUT: EXPECTED = ACTUAL, else the output's end.
status_was() { (($1 == $2)) || { echo "exit status $2, not $1"; tail -n 15 "$3"; return 1; }; }
cradled_gone() { ! "$BIN/cradle" status --socket "$CI_SOCKET" > /dev/null 2>&1; }

part "first run, no baseline committed yet"
status=0
ci_run first --name web --baseline "$BASELINE" -- "$WORK/run-tests.sh" || status=$?
check --as first "passes (exit 0)" status_was 0 $status "$WORK/first.out"
check "and says how to commit a baseline" grep -qF "cp $WORK/first/web.tracefile $BASELINE" "$WORK/first.out"
check "cradled is stopped" cradled_gone
needs first
A=$WORK/first
check "the tracefile holds the workload's syscalls" grep -qx execve <(section "$A/web.tracefile" SYSCALLS)
check "the seccomp profile is JSON that refuses by default" \
    python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["defaultAction"] == "SCMP_ACT_ERRNO"' \
    "$A/web.seccomp.json"
check "options.docker: docker run options naming the profile" \
    grep -qF -- "--cap-drop=ALL --security-opt seccomp=$A/web.seccomp.json" "$A/options.docker"
check "options.podman: podman run options naming the profile" \
    grep -qF -- "--cap-drop=all --security-opt seccomp=$A/web.seccomp.json" "$A/options.podman"
check "options.json: JSON with both run options, complete" python3 -c '
import json, sys
document, options = json.load(open(sys.argv[1])), open(sys.argv[2]).read().strip()
assert document["docker_run_options"] == options and document["incomplete"] == [], document' \
    "$A/options.json" "$A/options.docker"
check "options.kubernetes.yaml: a securityContext that drops ALL" python3 -c '
import sys, yaml
context = yaml.safe_load(open(sys.argv[1]))["securityContext"]
assert context["capabilities"]["drop"] == ["ALL"], context
assert context["seccompProfile"] == {"type": "Localhost", "localhostProfile": "cradle/web.seccomp.json"}, context' \
    "$A/options.kubernetes.yaml"
check "options.oci.json: linux.seccomp and process.capabilities" python3 -c '
import json, sys
fragment = json.load(open(sys.argv[1]))
assert "execve" in json.dumps(fragment["linux"]["seccomp"]["syscalls"]), fragment
assert fragment["process"]["capabilities"]["ambient"] == [], fragment' "$A/options.oci.json"
{ printf '[Unit]\nDescription=cradle ci test\n[Service]\nType=oneshot\nExecStart=/bin/true\n'; cat "$A/options.systemd"; } \
    > "$WORK/cradle-ci-web.service"
check "options.systemd: lines systemd-analyze verify accepts in a unit" \
    bash -c "grep -q '^SystemCallFilter=.*execve' '$A/options.systemd' && systemd-analyze verify '$WORK/cradle-ci-web.service' 2>&1 | { ! grep .; }"
check "no gate without a baseline: no diff.txt" test ! -e "$A/diff.txt"
cp "$A/web.tracefile" "$BASELINE"

part "the same workload against the committed baseline"
status=0
# As `sudo` runs it for a job's user (nobody, here), to whom the artifacts go back.
SUDO_UID=65534 SUDO_GID=65534 ci_run same --name web --baseline "$BASELINE" -- "$WORK/run-tests.sh" || status=$?
check "passes (exit 0)" status_was 0 $status "$WORK/same.out"
check "nothing risky newly allowed" grep -qx 'nothing risky newly allowed' "$WORK/same.out"
check "the artifacts belong to the user who ran sudo" \
    empty "$(find "$WORK/same" \( ! -user 65534 -o ! -group 65534 \) -print)"

part "the workload changed to call unshare"
echo 'unshare -n true || true' > "$WORK/change"
status=0
ci_run changed --name web --baseline "$BASELINE" -- "$WORK/run-tests.sh" || status=$?
check --as changed "fails (exit 1)" status_was 1 $status "$WORK/changed.out"
check "cradled is stopped" cradled_gone
needs changed
check "names unshare as newly allowed and risky" grep -q '^+syscall unshare: ' "$WORK/changed.out"
check "diff.txt says the same" grep -q '^+syscall unshare: ' "$WORK/changed/diff.txt"
check "and still writes every format" \
    bash -c 'cd "$1" && ls options.docker options.podman options.json options.kubernetes.yaml options.oci.json options.systemd' _ \
    "$WORK/changed"

part "errors: exit 2 and cradled stopped"
status=0
ci_run failing --name web --baseline "$BASELINE" -- sh -c 'exit 3' || status=$?
check "a failing test command" status_was 2 $status "$WORK/failing.out"
check "is named with its status" grep -qF 'the command failed with exit status 3' "$WORK/failing.out"
check "cradled is stopped" cradled_gone
status=0
ci_run untraced --name web --timeout 1 -- true || status=$?
check "a command that starts no container named web" status_was 2 $status "$WORK/untraced.out"
check "says so" grep -qF 'no container named web was traced' "$WORK/untraced.out"
check "cradled is stopped" cradled_gone

# As on a runner: --setup installs Cradle (setup.sh --install-only) and podman reaches the hook
# through the hooks.d files it installed; uninstall.sh removes all of it afterwards.
part "--setup, then a podman container through hooks.d"
source "$REPO/tests/integration/podman_lib.sh"
if ! command -v podman > /dev/null; then
    skip "podman is not installed"
elif pgrep -x cradled > /dev/null || [[ -e /etc/cradle || -e /usr/local/bin/cradled ]]; then
    skip "Cradle is installed on this machine: --setup would replace it"
else
    uninstall() { "$REPO/install/uninstall.sh" --purge > "$WORK/uninstall.log" 2>&1; }
    trap 'remove_podman_containers; uninstall; cleanup' EXIT
    # podman with the test's own state, and the machine's hooks.d: the one --setup fills.
    cat > "$WORK/podman-tests.sh" << EOF
#!/bin/sh
exec podman ${PODMAN_STATE[*]} run --rm ${RUN_FLAGS[*]} --annotation io.cradle.profile=\$CRADLE_PROFILE \\
    --rootfs "$ROOTFS" /bin/sh -c 'echo testing; touch /tmp/data; chown 1000 /tmp/data'
EOF
    chmod +x "$WORK/podman-tests.sh"
    status=0
    "$CI_SCRIPT" --setup --name podweb --artifacts "$WORK/podman-run" -- "$WORK/podman-tests.sh" \
        > "$WORK/podman-run.out" 2>&1 || status=$?
    check --as podman-run "passes (exit 0)" status_was 0 $status "$WORK/podman-run.out"
    needs podman-run
    check "setup.sh --install-only installed the hooks.d files" \
        grep -q 'hooks.d/90-cradle-poststop.json$' "$WORK/podman-run.out"
    check "the container's chown is in its profile" grep -qx chown <(section "$WORK/podman-run/podweb.tracefile" CAPABILITIES)
    check "and in the run options" grep -qF -- '--cap-drop=all --cap-add=CHOWN' "$WORK/podman-run/options.podman"
    check "uninstall.sh removes the installation" uninstall
    check "cradled is stopped" bash -c '! pgrep -x cradled'
fi

finish
