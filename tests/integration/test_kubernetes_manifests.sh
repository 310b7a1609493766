#!/usr/bin/env bash
# install/kubernetes without a cluster: cradle.yaml parsed, every document, and the fields that
# make it work checked against each other and against the files they name (the containerd
# runtime, the image's layout, the configuration install-host.sh writes); then install-host.sh
# run against a scratch directory standing for a node's root, as the DaemonSet's init container
# runs it against the host's: what lands where, with which modes, that a second run changes
# nothing, that containerd reads the drop-in, and what it refuses.
source "$(dirname "$0")/lib.sh"
KUBE=$REPO/install/kubernetes
MANIFEST=$KUBE/cradle.yaml
INSTALL=$KUBE/install-host.sh
HOST=$WORK/host

# run_install [OPTION] HOSTROOT: install-host.sh with the files of this tree.
run_install() {
    CRADLE_BIN=$BIN CRADLE_HOOKS_D=$REPO/install/hooks.d CRADLE_HOOKS_D_AUTO=$REPO/install/hooks.d-auto \
        CRADLE_CONTAINERD=$REPO/install/containerd "$INSTALL" "$@"
}
# unchanged [OPTION] HOSTROOT: install-host.sh succeeds and installs nothing (prints what it did).
unchanged() {
    local output
    output=$(run_install "$@") || { echo "$output"; return 1; }
    empty "$(grep '^installed' <<< "$output")"
}
# refused [OPTION] HOSTROOT: install-host.sh fails, saying why on stderr.
refused() {
    local status=0
    run_install "$@" > "$WORK/refused.out" 2> "$WORK/refused.err" || status=$?
    cat "$WORK/refused.err"
    ((status != 0))
}

missing=()
python3 -c 'import yaml, tomllib' 2> /dev/null || missing+=("python3 with yaml and tomllib (python3-yaml)")
[[ -x $BIN/cradle-hook && -x $BIN/cradle-runc && -x $BIN/cradle ]] || missing+=("a build in $BUILD")
if ((${#missing[@]})); then
    skip "$TEST_NAME needs: ${missing[*]}"
    finish
fi

# facts EXPRESSION: evaluates a Python EXPRESSION over cradle.yaml (docs: every document; ds,
# pod, cradled, init: the DaemonSet, its pod spec and its two containers; helpers below) and the
# scratch host; succeeds when it is true, else prints what it was.
facts() {
    python3 - "$MANIFEST" "$HOST" "$1" << 'EOF'
import json, os, sys, tomllib, yaml
manifest, host, expression = sys.argv[1:]
docs = [d for d in yaml.safe_load_all(open(manifest)) if d is not None]
def one(kind, name):
    found = [d for d in docs if d.get("kind") == kind and d["metadata"]["name"] == name]
    return found[0] if len(found) == 1 else None
ds = one("DaemonSet", "cradled") or {}
pod = ds.get("spec", {}).get("template", {}).get("spec", {})
def container(name, key="containers"):
    return next((c for c in pod.get(key, []) if c["name"] == name), {})
cradled, init = container("cradled"), container("install-host", "initContainers")
def volume(name):
    return next((v for v in pod.get("volumes", []) if v["name"] == name), {})
def mount(c, path):
    """The volume mount of container c at path, with its volume's hostPath as 'host'."""
    for m in c.get("volumeMounts", []):
        if os.path.normpath(m["mountPath"]) == os.path.normpath(path):
            return dict(m, host=volume(m["name"]).get("hostPath", {}).get("path"))
    return {}
def covering(c, path):
    """The mount of c whose mountPath holds path (the deepest), or {}."""
    found = [m for m in c.get("volumeMounts", []) if os.path.commonpath([m["mountPath"], path]) == m["mountPath"]]
    if not found:
        return {}
    best = max(found, key=lambda m: len(m["mountPath"]))
    return mount(c, best["mountPath"])
def reaches(c, inside, on_host):
    """What c writes at path inside lands at on_host: a mount of c holds inside, from the host."""
    m = covering(c, inside)
    return bool(m.get("host")) and os.path.normpath(os.path.join(m["host"], os.path.relpath(inside, m["mountPath"]))) == on_host
def same_host_path(c, path):
    """path is mounted in c from the host's path of the same name."""
    return reaches(c, path, path)
def command(c):
    return " ".join(c.get("command", []) + c.get("args", []))
def config():
    return json.load(open(host + "/etc/cradle/cradle.json"))
result = eval(expression)
if not result:
    print("false:", expression)
    sys.exit(1)
EOF
}

part "cradle.yaml: the documents"
check --as parsed "every document parses as YAML" python3 -c "import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))" "$MANIFEST"
needs parsed
check "a Namespace cradle-system" facts 'one("Namespace", "cradle-system") is not None'
check --as daemonset "a DaemonSet cradled in it" facts 'ds.get("metadata", {}).get("namespace") == "cradle-system"'
check "a RuntimeClass cradle" facts 'one("RuntimeClass", "cradle") is not None'
check "nothing else" facts 'sorted(d["kind"] for d in docs) == ["DaemonSet", "Namespace", "RuntimeClass"]'
runtime_name=$(python3 -c '
import sys, tomllib
runtimes = tomllib.load(open(sys.argv[1], "rb"))["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]
print(*runtimes)' "$REPO/install/containerd/cradle-runtime.toml")
check "the RuntimeClass's handler is the containerd runtime \"$runtime_name\"" \
    facts "one('RuntimeClass', 'cradle')['handler'] == '$runtime_name'"
check "one copy of the RuntimeClass in the tree" \
    empty "$(grep -rl --include='*.yaml' 'kind: RuntimeClass' "$REPO/install" | grep -v "^$MANIFEST\$")"

part "cradle.yaml: the DaemonSet"
needs daemonset
check "its selector matches its pod's labels" \
    facts 'ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()'
check "hostPID: true" facts 'pod.get("hostPID") is True'
check "only on linux/amd64 nodes, which the kernel side is built for" \
    facts 'pod.get("nodeSelector") == {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}'
check "tolerates every taint" facts '{"operator": "Exists"} in pod.get("tolerations", [])'
check "terminationGracePeriodSeconds set" facts 'isinstance(pod.get("terminationGracePeriodSeconds"), int)'
check --as containers "a container cradled and an init container install-host" facts 'cradled and init'
needs daemonset containers
check "cradled: privileged" facts 'cradled["securityContext"].get("privileged") is True'
check "cradled: runs cradled in the host's cgroup namespace" \
    facts 'command(cradled).startswith("nsenter --cgroup=/proc/1/ns/cgroup -- /opt/cradle/bin/cradled")'
check "cradled: ready when cradle status answers" \
    facts 'cradled["readinessProbe"]["exec"]["command"][:2] == ["/opt/cradle/bin/cradle", "status"]'
check "both: resource requests and a memory limit" \
    facts 'all(c["resources"]["requests"] and c["resources"]["limits"].get("memory") for c in (cradled, init))'
check "every hostPath volume is mounted" facts \
    '{v["name"] for v in pod["volumes"]} == {m["name"] for c in (cradled, init) for m in c["volumeMounts"]}'
check "cradled: bpffs at /sys/fs/bpf, Bidirectional" \
    facts 'mount(cradled, "/sys/fs/bpf").get("mountPropagation") == "Bidirectional" and same_host_path(cradled, "/sys/fs/bpf")'
check "cradled: the host's /sys/fs/cgroup, read-only" \
    facts 'mount(cradled, "/sys/fs/cgroup").get("readOnly") is True and same_host_path(cradled, "/sys/fs/cgroup")'
check "cradled: /sys/kernel/btf, read-only" \
    facts 'mount(cradled, "/sys/kernel/btf").get("readOnly") is True and same_host_path(cradled, "/sys/kernel/btf")'
check "cradled: /etc/cradle, where its --config is" \
    facts 'same_host_path(cradled, "/etc/cradle") and "--config /etc/cradle/cradle.json" in command(cradled)'
check "init: bpffs at /sys/fs/bpf, Bidirectional (it may mount it)" \
    facts 'mount(init, "/sys/fs/bpf").get("mountPropagation") == "Bidirectional" and same_host_path(init, "/sys/fs/bpf")'
check --as runs-installer "init: runs install-host.sh /host" facts '"/opt/cradle/install-host.sh /host" in command(init)'
check "init: privileged (mount, Bidirectional)" facts 'init["securityContext"].get("privileged") is True'
check "the image ships install-host.sh where the init container runs it" \
    grep -q '^COPY install/kubernetes/install-host.sh /opt/cradle/install-host.sh$' "$KUBE/Containerfile"
for variable in CRADLE_BIN:build/bin/cradled CRADLE_HOOKS_D:install/hooks.d/ CRADLE_HOOKS_D_AUTO:install/hooks.d-auto/ \
    CRADLE_CONTAINERD:install/containerd/cradle-runtime.toml; do
    name=${variable%%:*} source=${variable#*:}
    default=$(sed -n "s|^source_[a-z_]*=\${$name:-\(.*\)}\$|\1|p" "$INSTALL")
    check "install-host.sh's default $name ($default) is where the image puts $source" \
        grep -Eq "^COPY .*$source.* $default/?\$" "$KUBE/Containerfile"
done

part "install-host.sh against a scratch host root"
mkdir -p "$HOST"
check --as installed "install-host.sh runs to its end" run_install "$HOST"
cp "$WORK/check.out" "$WORK/first.out"
needs installed
for binary in cradle-hook cradle-runc; do
    check "/opt/cradle/bin/$binary: the built one, mode 755" \
        bash -c "cmp '$BIN/$binary' '$HOST/opt/cradle/bin/$binary' && [[ \$(stat -c %a '$HOST/opt/cradle/bin/$binary') == 755 ]]"
done
check "/etc/cradle/cradle.json: mode 644" test "$(stat -c %a "$HOST/etc/cradle/cradle.json")" == 644
check "cradle accepts the configuration" \
    grep -q 'collector at "/nonexistent"' <("$BIN/cradle" status --config "$HOST/etc/cradle/cradle.json" --socket /nonexistent 2>&1)
for hook_file in "$REPO"/install/hooks.d/*.json; do
    installed=$HOST/usr/share/containers/oci/hooks.d/${hook_file##*/}
    check "hooks.d/${hook_file##*/}: mode 644, as shipped but naming the installed hook, which exists" python3 -c '
import json, os, stat, sys
shipped, installed, host = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
path = installed["hook"]["path"]
assert stat.S_IMODE(os.stat(sys.argv[2]).st_mode) == 0o644, "mode"
assert path == "/opt/cradle/bin/cradle-hook", path
assert os.access(host + path, os.X_OK), host + path + " is not executable"
installed["hook"]["path"] = shipped["hook"]["path"]
assert installed == shipped, "differs from the shipped file beyond the path"' "$hook_file" "$installed" "$HOST"
done
check "containerd drop-in: runtime \"$runtime_name\" runs the installed cradle-runc" python3 -c '
import os, sys, tomllib
runtime = tomllib.load(open(sys.argv[1] + "/etc/containerd/conf.d/cradle.toml", "rb"))["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"][sys.argv[2]]
binary = runtime["options"]["BinaryName"]
assert binary == "/opt/cradle/bin/cradle-runc" and os.access(sys.argv[1] + binary, os.X_OK), binary' "$HOST" "$runtime_name"
check "it left config.toml alone (there was none)" test ! -e "$HOST/etc/containerd/config.toml"
check "and said the import is the administrator's step" grep -q 'imports = \["/etc/containerd/conf.d/\*.toml"\]' "$WORK/first.out"

part "what install-host.sh writes is what the DaemonSet mounts"
needs installed daemonset containers
check "the output directory is the kubelet's seccomp root's cradle/, mounted from the host" \
    facts 'config()["output_dir"] == "/var/lib/kubelet/seccomp/cradle" and same_host_path(cradled, config()["output_dir"])'
check "the socket's directory is mounted from the host" facts 'same_host_path(cradled, os.path.dirname(config()["socket"]))'
check "the pin directory is on the bpffs mount" facts 'covering(cradled, config()["pin_dir"]).get("mountPath") == "/sys/fs/bpf"'
# Every file install-host.sh wrote reaches the host through one of the init container's mounts.
while read -r written; do
    check "init: /host$written lands on the host's $written" facts "reaches(init, '/host$written', '$written')"
done < <(cd "$HOST" && find . -type f | sed 's|^\.||' | sort)

part "install-host.sh again: nothing changes"
needs installed
find "$HOST" -type f -printf '%p %i %m %s %T@\n' | sort > "$WORK/before"
check --as again "a second run succeeds and says every file is unchanged" unchanged "$HOST"
needs again
check "no file replaced or touched" diff "$WORK/before" <(find "$HOST" -type f -printf '%p %i %m %s %T@\n' | sort)
check "no temporary file left" empty "$(find "$HOST" -name '.cradle.*')"

part "containerd's config.toml"
needs installed
mkdir -p "$WORK/config"
printf 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n' \
    > "$HOST/etc/containerd/config.toml"
cp "$HOST/etc/containerd/config.toml" "$WORK/config/original.toml"
check --as plain "without --edit-containerd-config" run_install "$HOST"
needs plain
check "config.toml is left as it was" cmp "$WORK/config/original.toml" "$HOST/etc/containerd/config.toml"
check "the drop-in takes runc's SystemdCgroup from it" \
    grep -Eq '^[[:space:]]*SystemdCgroup = true$' "$HOST/etc/containerd/conf.d/cradle.toml"
check --as edited "with --edit-containerd-config" run_install --edit-containerd-config "$HOST"
needs edited
check "config.toml imports conf.d, as a top-level key, and keeps the rest" python3 -c '
import sys, tomllib
edited, original = tomllib.load(open(sys.argv[1], "rb")), tomllib.load(open(sys.argv[2], "rb"))
assert edited.pop("imports") == ["/etc/containerd/conf.d/*.toml"]
assert edited == original' "$HOST/etc/containerd/config.toml" "$WORK/config/original.toml"
check "a third run leaves it" unchanged --edit-containerd-config "$HOST"
# drop_in_systemd_cgroup CONFIG_TOML: the SystemdCgroup the drop-in takes from a node whose
# config.toml is CONFIG_TOML (a scratch host each time).
drop_in_systemd_cgroup() {
    local host
    host=$(mktemp -d "$WORK/cgroup-driver.XXXXXX")
    mkdir -p "$host/etc/containerd"
    printf '%s' "$1" > "$host/etc/containerd/config.toml"
    run_install "$host" > /dev/null || return 1
    sed -n 's/^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*//p' "$host/etc/containerd/conf.d/cradle.toml"
}
check "another runtime's SystemdCgroup = true is not runc's" equal false "$(drop_in_systemd_cgroup 'version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]
  SystemdCgroup = true
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
')"
check "containerd 2.x spelling of runc's table is read" equal true "$(drop_in_systemd_cgroup "version = 3
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true # the kubelet's driver
")"
if command -v containerd > /dev/null; then
    # containerd's own reading of the drop-in, through an imports line naming the scratch copy.
    printf 'version = 2\nimports = ["%s"]\n' "$HOST/etc/containerd/conf.d/*.toml" > "$WORK/config/scratch.toml"
    check "containerd $(containerd --version | awk '{print $3}') reads the drop-in: runtime \"$runtime_name\" with cradle-runc" python3 -c '
import subprocess, sys, tomllib
dump = tomllib.loads(subprocess.run(["containerd", "-c", sys.argv[1], "config", "dump"], check=True, capture_output=True, text=True).stdout)
runtime = dump["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"][sys.argv[2]]
assert runtime["options"]["BinaryName"] == "/opt/cradle/bin/cradle-runc", runtime
assert "io.cradle.profile" in runtime["pod_annotations"], runtime' "$WORK/config/scratch.toml" "$runtime_name"
else
    skip "containerd is not installed: its reading of the drop-in"
fi

part "install-host.sh --auto-profile: every container of the node, under its automatic name"
AUTO_HOST=$WORK/auto-host
mkdir -p "$AUTO_HOST"
check --as auto-installed "install-host.sh --auto-profile runs to its end" run_install --auto-profile "$AUTO_HOST"
needs auto-installed
check "the configuration turns auto_profile on" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["auto_profile"]["enabled"] is True' "$AUTO_HOST/etc/cradle/cradle.json"
check "cradle accepts it" \
    grep -q 'collector at "/nonexistent"' <("$BIN/cradle" status --config "$AUTO_HOST/etc/cradle/cradle.json" --socket /nonexistent 2>&1)
for hook_file in "$REPO"/install/hooks.d-auto/*.json; do
    check "hooks.d/${hook_file##*/}: the one that runs for every container" python3 -c '
import json, sys
installed = json.load(open(sys.argv[1]))
assert installed["when"] == {"always": True}, installed["when"]
assert installed["hook"]["path"] == "/opt/cradle/bin/cradle-hook"' "$AUTO_HOST/usr/share/containers/oci/hooks.d/${hook_file##*/}"
done
check "without --auto-profile it stays off" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["auto_profile"]["enabled"] is False' "$HOST/etc/cradle/cradle.json"

part "what install-host.sh refuses"
touch "$WORK/a-file"
check "a HOSTROOT that is a file" refused "$WORK/a-file"
check "saying so" grep -q 'is not a directory' "$WORK/refused.err"
check "a HOSTROOT that does not exist" refused "$WORK/nowhere"
mkdir -p "$WORK/quoted"
check "a socket path that would break the configuration's JSON" \
    bash -c "CRADLE_SOCKET='/run/a\"b' CRADLE_BIN='$BIN' CRADLE_HOOKS_D='$REPO/install/hooks.d' CRADLE_CONTAINERD='$REPO/install/containerd' '$INSTALL' '$WORK/quoted' 2>&1 | grep -q 'is not a plain absolute path'"
check "leaves nothing behind" empty "$(ls -A "$WORK/quoted")"
check "is not created" test ! -e "$WORK/nowhere"
# A binary that cannot be put in place: no hooks.d file may name it.
mkdir -p "$WORK/blocked/opt/cradle"
touch "$WORK/blocked/opt/cradle/bin"
check "a host where the binaries cannot go fails" refused "$WORK/blocked"
check "and leaves no hooks.d file, nor a temporary one" empty "$(find "$WORK/blocked" -name '*.json' -o -name '.cradle.*')"
mkdir -p "$WORK/nobinaries" "$WORK/fresh"
check "a source without the binaries is refused" bash -c \
    "! CRADLE_BIN='$WORK/nobinaries' CRADLE_HOOKS_D='$REPO/install/hooks.d' CRADLE_CONTAINERD='$REPO/install/containerd' '$INSTALL' '$WORK/fresh'"
check "and nothing is written" empty "$(ls -A "$WORK/fresh")"

finish
