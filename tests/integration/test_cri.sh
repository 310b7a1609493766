#!/usr/bin/env bash
# Kubernetes pods reach Cradle through containerd's CRI plugin and the runtime handler "cradle"
# of install/containerd/cradle-runtime.toml: the calls a kubelet makes (RunPodSandbox with that
# handler, CreateContainer, StartContainer...), made here by a small CRI client, trace the
# containers of a pod annotated io.cradle.profile=NAME into the profile NAME and leave the pod's
# sandbox (pause) untraced; a pod without the annotation runs untraced; with auto_profile on, its
# container is named from the annotations containerd's CRI plugin sets.
# containerd runs with its own root, state and socket under $WORK, beside any system one; its
# images (a pause image from tests/integration/pause.c, the busybox rootfs) are imported from
# archives made here, since no registry can be reached. Pods use the host's network, so that no
# CNI plugin is needed.
source "$(dirname "$0")/lib.sh"
require_platform
for tool in containerd ctr jq cc; do
    command -v "$tool" > /dev/null || { skip "$tool is missing (apt-get install containerd jq gcc)"; finish; }
done
[[ -x $BIN/cradle-runc ]] || { skip "no $BIN/cradle-runc: build first"; finish; }
# The interpreter with Debian's gRPC modules: python3 on PATH may be another one.
PYTHON=
for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import grpc, grpc_tools.protoc' 2> /dev/null; then
        PYTHON=$candidate
        break
    fi
done
[[ -n $PYTHON ]] || { skip "python3 with gRPC is missing (apt-get install python3-grpcio python3-grpc-tools)"; finish; }

source "$(dirname "$0")/containerd_lib.sh"
HERE=$REPO/tests/integration
pods=()
trap 'remove_pods; stop_containerd; cleanup' EXIT

make_rootfs
start_collector main || { fail "collector starts"; finish; }
cat > "$WORK/cradle.json" << EOF
{"socket": "$SOCKET", "runc_wrapper": {"hook": "$BIN/cradle-hook"}}
EOF

# cri METHOD [REQUEST_JSON]: one call of the CRI RuntimeService; its response (JSON) on stdout.
cri() { "$PYTHON" "$HERE/cri_client.py" --address "$ADDRESS" --stubs "$WORK/cri" --timeout 20 "$@"; }
# cri_answer FILTER METHOD [REQUEST_JSON]: jq's FILTER on the response of a call that succeeded.
cri_answer() {
    local filter=$1 response
    shift
    response=$(cri "$@") && jq -er "$filter" <<< "$response"
}
k8s_ctr() { command ctr --address "$ADDRESS" --namespace k8s.io "$@"; }

part "containerd's CRI plugin, with the runtime handler cradle of install/containerd/cradle-runtime.toml"
mkdir -p "$WORK/cri"
check --as stubs "the CRI client's stubs are generated from cri_runtime.proto" \
    "$PYTHON" -m grpc_tools.protoc -I "$HERE" --python_out="$WORK/cri" --grpc_python_out="$WORK/cri" \
    "$HERE/cri_runtime.proto"

PAUSE_IMAGE=localhost/cradle-it/pause:1
BUSYBOX_IMAGE=localhost/cradle-it/busybox:1
make_images() {
    mkdir -p "$WORK/pause-rootfs" || return 1
    cc -O2 -static -o "$WORK/pause-rootfs/pause" "$HERE/pause.c" || return 1
    "$HERE/oci_image.py" "$WORK/pause-rootfs" "$PAUSE_IMAGE" "$WORK/pause.tar" --entrypoint /pause || return 1
    "$HERE/oci_image.py" "$ROOTFS" "$BUSYBOX_IMAGE" "$WORK/busybox.tar" --cmd /bin/sh
}
check --as images "the pause and busybox images are made (OCI archives)" make_images

# The shipped handler, with this build's cradle-runc and runc's state under $WORK: the rest of
# the file as users add it to their configuration.
sed "s|^\( *\)BinaryName = \"/usr/local/bin/cradle-runc\"$|\1BinaryName = \"$BIN/cradle-runc\"\n\1Root = \"$CONTAINERD/runc\"|" \
    "$REPO/install/containerd/cradle-runtime.toml" > "$WORK/cri.toml"
check --as config "the handler runs this build's cradle-runc" grep -qF "BinaryName = \"$BIN/cradle-runc\"" "$WORK/cri.toml"
needs config
# cradle-runc finds its configuration in the environment containerd's shims pass on.
check --as containerd "containerd starts with its CRI plugin" \
    start_containerd_cri "$PAUSE_IMAGE" "$WORK/cri.toml" CRADLE_CONFIG="$WORK/cradle.json"
if ! met containerd; then
    finish
fi
needs containerd stubs
check --as api "it answers the CRI's Version as runtime.v1" \
    cri_answer '.runtime_name == "containerd" and .runtime_api_version == "v1"' Version '{}'
needs containerd images
import_images() { k8s_ctr images import "$WORK/pause.tar" && k8s_ctr images import "$WORK/busybox.tar"; }
check --as imported "the images are imported into the CRI's namespace, k8s.io" import_images

# pod_config KEY NAME NAMESPACE ANNOTATIONS_JSON: writes the pod's PodSandboxConfig (what a
# kubelet sends for a pod with hostNetwork) to $WORK/KEY.pod.json.
pod_config() {
    jq -n --arg name "$2" --arg uid "cradle-it-$$-$1" --arg namespace "$3" --arg logs "$WORK/logs/$1" \
        --argjson annotations "$4" \
        '{metadata: {name: $name, uid: $uid, namespace: $namespace, attempt: 0}, log_directory: $logs,
          annotations: $annotations,
          linux: {security_context: {namespace_options: {network: "NODE", pid: "CONTAINER", ipc: "POD"}}}}' \
        > "$WORK/$1.pod.json" && mkdir -p "$WORK/logs/$1"
}

# run_pod KEY NAME NAMESPACE ANNOTATIONS_JSON: RunPodSandbox with the handler cradle; the pod's
# id goes to $WORK/KEY.pod-id.
run_pod() {
    local id
    pod_config "$@" || return 1
    id=$(cri_answer .pod_sandbox_id RunPodSandbox "$(jq -c '{config: ., runtime_handler: "cradle"}' "$WORK/$1.pod.json")") \
        || return 1
    pods+=("$id")
    echo "$id" > "$WORK/$1.pod-id"
}

# sandbox_spec KEY FILTER: jq's FILTER holds for the spec cradle-runc handed runc for KEY's
# sandbox (pause) container, in its bundle, which lives as long as the pod.
sandbox_spec() { jq -e "$2" "$CONTAINERD/state/io.containerd.runtime.v2.task/k8s.io/$(< "$WORK/$1.pod-id")/config.json"; }

# start_workload KEY NAME SCRIPT: creates and starts the container NAME (busybox, `sh -c SCRIPT`,
# as a kubelet asks for it) in KEY's pod; its id goes to $WORK/KEY.ctr-id.
start_workload() {
    local id request
    request=$(jq -c --arg pod "$(< "$WORK/$1.pod-id")" --arg name "$2" --arg image "$BUSYBOX_IMAGE" --arg script "$3" \
        '{pod_sandbox_id: $pod, sandbox_config: .,
          config: {metadata: {name: $name, attempt: 0}, image: {image: $image},
                   command: ["/bin/sh", "-c", $script], log_path: ($name + "/0.log"),
                   linux: {security_context: {namespace_options: {network: "NODE", pid: "CONTAINER", ipc: "POD"}}}}}' \
        "$WORK/$1.pod.json") || return 1
    id=$(cri_answer .container_id CreateContainer "$request") || return 1
    echo "$id" > "$WORK/$1.ctr-id"
    cri StartContainer "{\"container_id\": \"$id\"}" > /dev/null
}

# container_spec KEY FILTER: jq's FILTER holds for the spec cradle-runc handed runc for KEY's
# container, in its bundle, which lives as long as the container runs.
container_spec() { jq -e "$2" "$CONTAINERD/state/io.containerd.runtime.v2.task/k8s.io/$(< "$WORK/$1.ctr-id")/config.json"; }

# The workloads wait for the test to look at them: `release_workload KEY` creates /tmp/go in KEY's
# container (found from the pid its verbose ContainerStatus gives), then waits until it has
# exited (30 s at most), its status in $WORK/KEY.status.json. A container that cannot be
# released is stopped, so that no test waits for it forever; release_workload then fails.
release_workload() {
    local request="{\"container_id\": \"$(< "$WORK/$1.ctr-id")\"}" pid
    pid=$(cri_answer '.info.info | fromjson | .pid' ContainerStatus "{\"container_id\": \"$(< "$WORK/$1.ctr-id")\", \"verbose\": true}")
    if [[ -z $pid ]] || ! touch "/proc/$pid/root/tmp/go"; then
        echo "cannot release container $1 (pid \"$pid\"): stopping it" >&2
        cri StopContainer "$request" > /dev/null
        return 1
    fi
    poll_until 30 exited "$1"
}
exited() {
    cri ContainerStatus "{\"container_id\": \"$(< "$WORK/$1.ctr-id")\"}" > "$WORK/$1.status.json" &&
        jq -e '.status.state == "CONTAINER_EXITED"' "$WORK/$1.status.json" > /dev/null
}

# exit_code KEY: the exit code ContainerStatus reported for KEY's container.
exit_code() { jq -r .status.exit_code "$WORK/$1.status.json" 2> /dev/null; }

# logged KEY NAME LINE...: the container NAME of KEY's pod wrote these lines on stdout (its CRI
# log).
logged() {
    local line
    for line in "${@:3}"; do grep -qxF "stdout F $line" <(cut -d ' ' -f 2- "$WORK/logs/$1/$2/0.log") || return 1; done
}

# remove_workload KEY: StopContainer (already exited: a no-op, as the kubelet calls it) and
# RemoveContainer.
remove_workload() {
    local request="{\"container_id\": \"$(< "$WORK/$1.ctr-id")\"}"
    cri StopContainer "$request" > /dev/null && cri RemoveContainer "$request" > /dev/null
}

# remove_pod KEY: StopPodSandbox and RemovePodSandbox.
remove_pod() {
    local id
    id=$(< "$WORK/$1.pod-id")
    cri StopPodSandbox "{\"pod_sandbox_id\": \"$id\"}" > /dev/null &&
        cri RemovePodSandbox "{\"pod_sandbox_id\": \"$id\"}" > /dev/null || return 1
    pods=("${pods[@]/$id/}")
}

# For the EXIT trap: every pod still there, the way a kubelet removes it.
remove_pods() {
    local id
    for id in "${pods[@]}"; do
        [[ -z $id ]] || { cri StopPodSandbox "{\"pod_sandbox_id\": \"$id\"}" &&
            cri RemovePodSandbox "{\"pod_sandbox_id\": \"$id\"}"; } > /dev/null 2>&1
    done
    pods=()
}

# profiles_besides NAME...: the profiles in the output directory other than these, half a
# second on (a collector writes asynchronously); fails when there is one.
profiles_besides() {
    local pattern
    sleep 0.5
    pattern=$(printf '%s\|' "$@")
    empty "$(ls "$OUT" | grep -v "^\(${pattern%\\|}\)\.\(tracefile\|seccomp\.json\|capabilities\.json\|trace\.json\)$")"
}

WORKLOAD="$AWAIT; await go; touch /tmp/x; chown 1:1 /tmp/x; stat -c '%u %g' /tmp/x; ls /; uname -s"
HOOKED="[.hooks.createRuntime[]?.path] == [\"$BIN/cradle-hook\"]"
UNHOOKED='(.hooks // {}) == {}'

part "a pod annotated io.cradle.profile=cri-web: its container is traced, its sandbox is not"
needs api imported
check --as traced-pod "RunPodSandbox with runtime_handler cradle and the annotation" \
    run_pod traced web-5c9f7b8d6d-h4kzq shop '{"io.cradle.profile": "cri-web"}'
needs traced-pod
check --as sandbox-spec "the sandbox's spec holds the annotation (the handler's pod_annotations)" \
    sandbox_spec traced '.annotations["io.cradle.profile"] == "cri-web"'
needs sandbox-spec
check "and marks it as the pod's sandbox" sandbox_spec traced '.annotations["io.kubernetes.cri.container-type"] == "sandbox"'
check "cradle-runc gave it no hook: the pause container is not traced" sandbox_spec traced "$UNHOOKED"
needs traced-pod
check --as traced-start "CreateContainer and StartContainer of a busybox command" \
    start_workload traced nginx "$WORKLOAD"
needs traced-start
check "cradle-runc gave runc its spec with cradle-hook at createRuntime" container_spec traced "$HOOKED"
check --as traced-run "it exits once released" release_workload traced
needs traced-run
check "ContainerStatus: exit code 0" equal 0 "$(exit_code traced)"
check "its output is in its CRI log (chown took effect, ls saw /bin)" \
    logged traced nginx "1 1" bin
check "StopContainer and RemoveContainer" remove_workload traced
check --as profile "the profile cri-web is written" wait_for_file "$OUT/cri-web.seccomp.json"
needs profile
check "the recording is the workload's (uname among its syscalls)" grep -qx uname <(section "$OUT/cri-web.tracefile" SYSCALLS)
check "and ls's (getdents64)" grep -qx getdents64 <(section "$OUT/cri-web.tracefile" SYSCALLS)
check "with the capability it needed (chown)" grep -qx chown <(section "$OUT/cri-web.tracefile" CAPABILITIES)
check "trace.json names runc, driven by containerd's CRI plugin" runs_runc "$OUT/cri-web.trace.json" containerd-cri
check "the seccomp profile allows what it did" \
    jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index("uname")' "$OUT/cri-web.seccomp.json"
check "no profile for anything else (the sandbox)" profiles_besides cri-web
needs traced-pod
check "StopPodSandbox and RemovePodSandbox" remove_pod traced

part "a pod without the annotation, on the same handler, runs untraced"
needs api imported
check --as plain-pod "RunPodSandbox with runtime_handler cradle, no annotation" run_pod plain db-0 shop '{}'
needs plain-pod
check --as plain-start "its busybox container is created and started" start_workload plain postgres "$WORKLOAD"
needs plain-start
check "cradle-runc gave runc its spec without a hook" container_spec plain "$UNHOOKED"
check --as plain-run "it exits once released" release_workload plain
needs plain-run
check "ContainerStatus: exit code 0" equal 0 "$(exit_code plain)"
check "its output is in its CRI log, as the traced one's" logged plain postgres "1 1" bin
check "StopContainer and RemoveContainer" remove_workload plain
check "no profile is written for it" profiles_besides cri-web
needs plain-pod
check "StopPodSandbox and RemovePodSandbox" remove_pod plain

part "auto_profile: an unannotated pod's container is named from containerd's CRI annotations"
# cradle-runc reads its configuration at each call.
jq '.auto_profile = {enabled: true}' "$WORK/cradle.json" > "$WORK/cradle.json.new" && mv "$WORK/cradle.json.new" "$WORK/cradle.json"
needs api imported
check --as auto-pod "RunPodSandbox of pod api-7d4b9c6f5d-x2k9p in namespace shop, no annotation" \
    run_pod auto api-7d4b9c6f5d-x2k9p shop '{}'
needs auto-pod
check --as auto-start "its container server is created and started" start_workload auto server "$WORKLOAD"
needs auto-start
check "cradle-runc gave runc its spec with cradle-hook at createRuntime" container_spec auto "$HOOKED"
check "but not its sandbox's" sandbox_spec auto "$UNHOOKED"
check --as auto-run "it exits once released" release_workload auto
needs auto-run
check "ContainerStatus: exit code 0" equal 0 "$(exit_code auto)"
check "StopContainer and RemoveContainer" remove_workload auto
check --as auto-profile "it is traced as shop_api_server ({namespace}_{workload}_{container})" \
    wait_for_file "$OUT/shop_api_server.tracefile"
needs auto-profile
check "the recording is the workload's (uname among its syscalls)" grep -qx uname <(section "$OUT/shop_api_server.tracefile" SYSCALLS)
check "and its sandbox is not traced (no other profile)" profiles_besides cri-web shop_api_server
needs auto-pod
check "StopPodSandbox and RemovePodSandbox" remove_pod auto

finish
