#!/usr/bin/env bash
# install/kubernetes without a cluster: cradle.yaml parsed, every document, and the fields that
# make it work checked against each other and against the files they name (the containerd
# runtime, the image's layout, the configuration install-host.sh writes); then install-host.sh
# run against a scratch directory standing for a node's root, as the DaemonSet's init container
# runs it against the host's: what lands where, with which modes, that a second run changes
# nothing, that the config.toml it edits keeps containerd's CRI plugin whole (containerd's own
# reading, and a containerd started with it), and what it refuses.
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
check "without --edit-containerd-config nothing for containerd is written (there was no config.toml)" \
    empty "$(find "$HOST/etc" -path '*containerd*')"
check "and it printed the lines to add, naming the installed cradle-runc" \
    grep -qF 'BinaryName = "/opt/cradle/bin/cradle-runc"' "$WORK/first.out"
check "with runc's table (a file naming cradle alone would lose runc)" \
    grep -qF '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]' "$WORK/first.out"

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

part "containerd's config.toml: the runtime handler merged into it, the CRI plugin kept whole"
# containerd 1.6 replaces a plugin's whole table with an imported file's, and forgets its default
# runc once a file names another runtime: install-host.sh edits config.toml itself. Three nodes:
# (a) one with its own CRI table (sandbox_image, runc with SystemdCgroup), (b) Debian's
# containerd package's config.toml (no runtimes), (c) none at all (containerd's defaults).
mkdir -p "$WORK/nodes"
NODE_A='version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.example/pause:3.9"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = true # the kubelet'"'"'s driver
'
# Debian 12's, as its containerd package ships it (/etc/containerd/config.toml).
NODE_B='version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
'
# node NAME [CONFIG_TOML]: a scratch host root $WORK/nodes/NAME, with that config.toml (else none);
# $WORK/nodes/NAME.before is what containerd runs without the edit.
node() {
    mkdir -p "$WORK/nodes/$1/etc/containerd"
    if (($# > 1)); then
        printf '%s' "$2" > "$WORK/nodes/$1/etc/containerd/config.toml"
        cp "$WORK/nodes/$1/etc/containerd/config.toml" "$WORK/nodes/$1.before"
    else
        echo 'version = 2' > "$WORK/nodes/$1.before"
    fi
}
# snapshot DIRECTORY: every file under it, with inode, mode, size and mtime.
snapshot() { find "$1" -type f -printf '%p %i %m %s %T@\n' | sort; }
# cri_kept BEFORE AFTER SYSTEMD_CGROUP: containerd's own reading (config dump) of AFTER has the CRI
# plugin of BEFORE, every setting the same, with the runtimes runc (as before: the same
# runtime_type, the same options, an option not written being its zero value) and cradle.
cri_kept() {
    python3 - "$@" << 'PYEOF'
import subprocess, sys, tomllib
def cri(path):
    dump = subprocess.run(["containerd", "-c", path, "config", "dump"], check=True, capture_output=True, text=True).stdout
    return tomllib.loads(dump)["plugins"]["io.containerd.grpc.v1.cri"]
before, after, systemd = cri(sys.argv[1]), cri(sys.argv[2]), sys.argv[3] == "true"
runtimes, runtimes_before = after["containerd"].pop("runtimes"), before["containerd"].pop("runtimes")
for key in set(before) | set(after):
    assert before.get(key) == after.get(key), f"{key}: {before.get(key)!r} became {after.get(key)!r}"
assert sorted(runtimes) == ["cradle", "runc"], sorted(runtimes)
def same(a, b):
    """Equal, a key missing on one side standing for its zero value."""
    return all(a.get(k, type(b.get(k))()) == b.get(k, type(a.get(k))()) for k in set(a) | set(b))
runc, runc_before = dict(runtimes["runc"]), dict(runtimes_before["runc"])
assert same(runc.pop("options"), runc_before.pop("options")), (runtimes["runc"], runtimes_before["runc"])
assert same(runc, runc_before), (runc, runc_before)
assert runtimes["runc"]["options"].get("SystemdCgroup", False) is systemd, runtimes["runc"]
cradle = runtimes["cradle"]
assert cradle["runtime_type"] == "io.containerd.runc.v2", cradle
assert cradle["options"] == {"BinaryName": "/opt/cradle/bin/cradle-runc", "SystemdCgroup": systemd}, cradle
assert "io.cradle.profile" in cradle["pod_annotations"] and "io.cradle.profile" in cradle["container_annotations"], cradle
PYEOF
}
node a "$NODE_A"
check --as plain "(a) without --edit-containerd-config" run_install "$WORK/nodes/a"
needs plain
cp "$WORK/check.out" "$WORK/nodes/a.out"
check "config.toml is left as it was" cmp "$WORK/nodes/a.before" "$WORK/nodes/a/etc/containerd/config.toml"
check "nothing else is written under /etc/containerd" equal config.toml "$(ls -A "$WORK/nodes/a/etc/containerd")"
check "the lines to add are printed: cradle with runc's SystemdCgroup = true, and no runc table (it has one)" \
    bash -c "grep -q '^ *SystemdCgroup = true\$' '$WORK/nodes/a.out' && ! grep -qF '.runtimes.runc]' '$WORK/nodes/a.out'"
# Those lines, pasted at the end of config.toml, are what --edit-containerd-config writes.
node pasted "$NODE_A"
sed -n '/^ *# BEGIN cradle/,/^ *# END cradle$/{s/^             //;p}' "$WORK/nodes/a.out" > "$WORK/nodes/pasted.lines"
printf '\n' >> "$WORK/nodes/pasted/etc/containerd/config.toml"
cat "$WORK/nodes/pasted.lines" >> "$WORK/nodes/pasted/etc/containerd/config.toml"
# config_untouched HOSTROOT: install-host.sh --edit-containerd-config leaves its config.toml as it is.
config_untouched() {
    local before
    before=$(snapshot "$1/etc/containerd")
    run_install --edit-containerd-config "$1" > /dev/null && diff <(echo "$before") <(snapshot "$1/etc/containerd")
}
check "pasting them by hand gives what --edit-containerd-config would: it then changes nothing" \
    config_untouched "$WORK/nodes/pasted"

node b "$NODE_B"
node c
for name in a b c; do
    needs
    host=$WORK/nodes/$name
    config=$host/etc/containerd/config.toml
    systemd=false
    [[ $name != a ]] || systemd=true
    check --as "edited-$name" "($name) with --edit-containerd-config" run_install --edit-containerd-config "$host"
    needs "edited-$name"
    if [[ $name != c ]]; then
        check "($name) the file as it was comes first, byte for byte" \
            cmp -n "$(stat -c %s "$WORK/nodes/$name.before")" "$WORK/nodes/$name.before" "$config"
    else
        check "($name) a config.toml of version 2, mode 644" \
            bash -c "[[ \$(head -n 1 '$config') == 'version = 2' && \$(stat -c %a '$config') == 644 ]]"
    fi
    if command -v containerd > /dev/null; then
        check "($name) containerd reads it: the node's CRI settings, runc as it was (SystemdCgroup = $systemd), and cradle" \
            cri_kept "$WORK/nodes/$name.before" "$config" "$systemd"
    else
        skip "containerd is not installed: its reading of the edited config.toml"
    fi
    snapshot "$host" > "$WORK/nodes/$name.snapshot"
    check "($name) a second run changes nothing" unchanged --edit-containerd-config "$host"
    check "($name) no file replaced or touched" diff "$WORK/nodes/$name.snapshot" <(snapshot "$host")
    check "($name) no temporary file left" empty "$(find "$host" -name '.cradle.*')"
done
needs edited-a
check "(a) the sandbox_image is still the node's" \
    grep -qx '  sandbox_image = "registry.example/pause:3.9"' "$WORK/nodes/a/etc/containerd/config.toml"
# The kubelet's driver changes: the lines are rewritten, once, and the rest stays.
sed -i 's/SystemdCgroup = true # the kubelet/SystemdCgroup = false # the kubelet/' "$WORK/nodes/a/etc/containerd/config.toml"
check "(a) runc's driver changed: a run rewrites the lines" run_install --edit-containerd-config "$WORK/nodes/a"
check "(a) once, with cradle's SystemdCgroup now false" bash -c "
    [[ \$(grep -c '^# BEGIN cradle' '$WORK/nodes/a/etc/containerd/config.toml') == 1 ]] &&
    [[ \$(grep -c '^ *SystemdCgroup = false\$' '$WORK/nodes/a/etc/containerd/config.toml') == 1 ]]"

# SYSTEMD_CGROUP of cradle's table on a node whose config.toml is CONFIG_TOML (a scratch host each time).
cradle_systemd_cgroup() {
    local host
    host=$(mktemp -d "$WORK/cgroup-driver.XXXXXX")
    mkdir -p "$host/etc/containerd"
    printf '%s' "$1" > "$host/etc/containerd/config.toml"
    run_install --edit-containerd-config "$host" > /dev/null || return 1
    sed -n '/runtimes\.cradle\.options\]/,$s/^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*//p' "$host/etc/containerd/config.toml"
}
needs
check "another runtime's SystemdCgroup = true is not runc's" equal false "$(cradle_systemd_cgroup 'version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]
  SystemdCgroup = true
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
')"

# refused_edit NAME CONFIG_TOML: --edit-containerd-config leaves that config.toml as it is.
refused_edit() {
    node "$1" "$2"
    run_install --edit-containerd-config "$WORK/nodes/$1" > /dev/null &&
        cmp "$WORK/nodes/$1.before" "$WORK/nodes/$1/etc/containerd/config.toml"
}
check "a version 3 file (containerd 2.x) is left alone" refused_edit v3 "version = 3
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true
"
check "a version 1 file (no version) is left alone" refused_edit v1 '[plugins.cri]
  sandbox_image = "registry.example/pause:3.9"
'
check "a file naming a runtime cradle of its own is left alone" refused_edit own 'version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."cradle"]
  runtime_type = "io.containerd.runc.v2"
'
node link
printf '%s' "$NODE_B" > "$WORK/nodes/link/etc/containerd/real.toml"
ln -s real.toml "$WORK/nodes/link/etc/containerd/config.toml"
link_kept() {
    run_install --edit-containerd-config "$WORK/nodes/link" > /dev/null &&
        [[ -L $WORK/nodes/link/etc/containerd/config.toml ]] &&
        cmp <(printf '%s' "$NODE_B") "$WORK/nodes/link/etc/containerd/real.toml"
}
check "a config.toml that is a symbolic link is left alone, link and file" link_kept
node old "$NODE_B"
mkdir -p "$WORK/nodes/old/etc/containerd/conf.d"
echo '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cradle]' > "$WORK/nodes/old/etc/containerd/conf.d/cradle.toml"
drop_in_removed() {
    run_install "$WORK/nodes/old" > /dev/null && [[ ! -e $WORK/nodes/old/etc/containerd/conf.d/cradle.toml ]]
}
check "the conf.d/cradle.toml of an earlier version is removed" drop_in_removed

part "containerd's config.toml: a real containerd loads its CRI plugin from it"
# serve_config CONFIG_TOML: starts containerd (root, state and sockets under $WORK) with
# CONFIG_TOML, its own top-level keys first; `cri_loaded` then says whether its CRI plugin loaded.
serve_config() {
    mkdir -p "$CONTAINERD"
    { printf '%s\n' "root = \"$CONTAINERD/root\"" "state = \"$CONTAINERD/state\""
      cat "$1"
      printf '%s\n' '' '[grpc]' "  address = \"$ADDRESS\"" '[ttrpc]' "  address = \"$CONTAINERD/containerd.ttrpc.sock\""
    } > "$CONTAINERD/config.toml"
    launch_containerd
}
cri_loaded() { ctr plugins ls | grep -Eq '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]].*[[:space:]]ok[[:space:]]*$'; }
cri_not_loaded() { ctr plugins ls | grep -Eq '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]].*[[:space:]]error[[:space:]]*$'; }
if [[ $(id -u) != 0 ]] || ! command -v containerd > /dev/null || ! command -v ctr > /dev/null; then
    skip "running containerd needs root, containerd and ctr"
else
    source "$(dirname "$0")/containerd_lib.sh"
    trap 'stop_containerd; cleanup' EXIT
    # The drop-in earlier versions installed, imported by node (a)'s config: the check below can fail.
    cp "$WORK/nodes/a.before" "$WORK/nodes/imports.toml"
    sed -i "1a imports = [\"$WORK/nodes/pasted.toml\"]" "$WORK/nodes/imports.toml"
    sed -n '/^\[plugins/,/^# END cradle$/p' "$WORK/nodes/pasted.lines" | grep -v '^# END' > "$WORK/nodes/pasted.toml"
    for name in imports a b c; do
        needs
        config=$WORK/nodes/$name/etc/containerd/config.toml
        [[ $name != imports ]] || config=$WORK/nodes/imports.toml
        check --as "serving-$name" "($name) containerd starts with it" serve_config "$config"
        needs "serving-$name"
        if [[ $name == imports ]]; then
            check "(control) with the handler as an imported drop-in, containerd 1.6's CRI plugin does not load" \
                cri_not_loaded
        else
            check "($name) its CRI plugin loaded (ctr plugins ls: io.containerd.grpc.v1 cri ok)" cri_loaded
        fi
        stop_containerd
        needs
    done
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
