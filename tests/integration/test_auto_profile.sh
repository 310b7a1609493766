#!/usr/bin/env bash
# auto_profile: with the setting on, containers without the annotation io.cradle.profile are
# traced under the name the template gives them, from podman (the hooks.d-auto files in a
# scratch hooks directory), ctr and Docker (through cradle-runc), and two containers of one
# workload (Kubernetes-like annotations, pods with different generated suffixes) merge into one
# profile. A pod's sandbox is not traced; an explicit name still wins.
# containerd and dockerd run with their own state under $WORK, beside any system ones.
source "$(dirname "$0")/lib.sh"
require_platform
command -v jq > /dev/null || { skip "jq is missing"; finish; }
[[ -x $BIN/cradle-runc ]] || { skip "no $BIN/cradle-runc: build first"; finish; }
source "$(dirname "$0")/containerd_lib.sh"
source "$(dirname "$0")/docker_lib.sh"
source "$(dirname "$0")/podman_lib.sh"
trap 'remove_podman_containers; stop_dockerd; stop_containerd; cleanup' EXIT

make_rootfs
start_collector main || { fail "collector starts"; finish; }
cat > "$WORK/cradle.json" << EOF
{"socket": "$SOCKET", "runc_wrapper": {"hook": "$BIN/cradle-hook", "docker_root": "$DOCKER/data"},
 "auto_profile": {"enabled": true, "template": "{namespace}_{workload}_{container}|{name}|{hostname}|{id}"}}
EOF

# profile_has NAME SYSCALL: the profile NAME (written, at most 5 s from now) allows SYSCALL.
profile_has() { wait_for_file "$OUT/$1.tracefile" && grep -qx "$2" <(section "$OUT/$1.tracefile" SYSCALLS); }
# no_profile_matching PATTERN: no profile whose name matches PATTERN, half a second on.
no_profile_matching() { sleep 0.5; ! ls "$OUT" | grep -q -- "$1"; }

# Two workloads that make a syscall each the other never makes, so a merged profile shows both.
FIRST='echo one; uname -s'
SECOND='echo two; rmdir "$(mktemp -d)"'

part "podman: the hooks.d-auto files run cradle-hook for every container"
if ! command -v podman > /dev/null; then
    skip "podman is missing (apt-get install podman)"
else
    check --as hooks "installed, with this build's hook and the test's configuration" \
        install_hooks "$REPO/install/hooks.d-auto" "$HOOKS_DIR" "$BIN/cradle-hook" --config "$WORK/cradle.json"
    needs hooks
    # CRI-O's annotations, as CRI-O sets them; two pods of one Deployment.
    crio() { echo --annotation io.kubernetes.pod.namespace=shop --annotation "io.kubernetes.pod.name=$1" \
        --annotation io.kubernetes.container.name=nginx; }
    check --as pod1 "a container of pod web-7d4b9c6f5d-x2k9p runs" \
        podman_run pod1 $(crio web-7d4b9c6f5d-x2k9p) -- /bin/sh -c "$FIRST"
    check --as pod2 "a container of pod web-7d4b9c6f5d-bq7lm runs" \
        podman_run pod2 $(crio web-7d4b9c6f5d-bq7lm) -- /bin/sh -c "$SECOND"
    needs pod1 pod2
    check "both are in one profile, shop_web_nginx: the first's syscalls" profile_has shop_web_nginx uname
    check "and the second's" profile_has shop_web_nginx mkdir
    check "and no other profile is named after their pods" no_profile_matching 'x2k9p\|bq7lm'
    needs hooks
    check --as host "a container with --hostname podhost runs" podman_run host --hostname podhost -- /bin/sh -c "$FIRST"
    needs host
    check "it is traced as podhost (podman passes no name: the hostname comes next)" profile_has podhost uname
    needs hooks
    check --as bare "a container with nothing set runs" podman_run bare -- /bin/sh -c "$FIRST"
    needs bare
    check "it is traced under its hostname, podman's short id" bash -c \
        "ls '$OUT' | grep -qx '[0-9a-f]\{12\}\.tracefile'"
    needs hooks
    check --as explicit "an annotated container runs" podman_run explicit --annotation io.cradle.profile=podman-mine \
        -- /bin/sh -c "$FIRST"
    needs explicit
    check "it keeps its explicit name" profile_has podman-mine uname
    needs hooks
    check --as sandbox "a container marked as a pod's sandbox runs" podman_run sandbox \
        --annotation io.kubernetes.cri-o.ContainerType=sandbox --hostname sandboxhost -- /bin/true
    needs sandbox
    check "it is not traced" no_profile_matching sandboxhost
    remove_podman_containers
fi

part "ctr through cradle-runc: every container is traced, replicas merge"
if ! command -v containerd > /dev/null || ! command -v ctr > /dev/null; then
    skip "containerd is missing (apt-get install containerd)"
else
    check --as containerd "containerd starts, cradle-runc finding the configuration in CRADLE_CONFIG" \
        start_containerd CRADLE_CONFIG="$WORK/cradle.json"
    # ctr_run RUN [ctr run options...] -- COMMAND...: as container cradle-it-<pid>-RUN with --rm.
    ctr_run() { ctr_run_as "$1" "$1" "$BIN/cradle-runc" "${@:2}"; }
    # containerd's CRI annotations, as its CRI plugin sets them.
    cri() { echo --annotation io.kubernetes.cri.container-type=container \
        --annotation io.kubernetes.cri.sandbox-namespace=batch --annotation "io.kubernetes.cri.sandbox-name=$1" \
        --annotation io.kubernetes.cri.container-name=app; }
    needs containerd
    check --as ctr1 "a container of pod api-5c9f8b7d4-qzw8x runs" ctr_run ctr1 $(cri api-5c9f8b7d4-qzw8x) -- /bin/sh -c "$FIRST"
    check --as ctr2 "a container of pod api-5c9f8b7d4-m7n2t runs" ctr_run ctr2 $(cri api-5c9f8b7d4-m7n2t) -- /bin/sh -c "$SECOND"
    needs ctr1 ctr2
    check "both are in one profile, batch_api_app: the first's syscalls" profile_has batch_api_app uname
    check "and the second's" profile_has batch_api_app mkdir
    needs containerd
    check --as ctr-plain "a container with no annotation runs" ctr_run plain -- /bin/sh -c "$FIRST"
    needs ctr-plain
    check "it is traced under its id (ctr sets no hostname)" profile_has "cradle-it-$$-plain" uname
    needs containerd
    check --as ctr-sandbox "a pod's sandbox runs" ctr_run sandbox --annotation io.kubernetes.cri.container-type=sandbox \
        --annotation io.kubernetes.cri.sandbox-namespace=batch --annotation io.kubernetes.cri.sandbox-name=sbx-0 -- /bin/true
    needs ctr-sandbox
    check "it is not traced" no_profile_matching "sandbox\|batch_sbx"
    needs containerd
    check --as ctr-explicit "an annotated container runs" ctr_run explicit --annotation io.cradle.profile=ctr-mine \
        $(cri api-5c9f8b7d4-qzw8x) -- /bin/sh -c "$FIRST"
    needs ctr-explicit
    check "it keeps its explicit name" profile_has ctr-mine uname
fi

part "Docker through cradle-runc: a container is named after its Docker name"
if ! command -v dockerd > /dev/null || [[ ! -x /usr/bin/docker ]] || ! met containerd; then
    skip "dockerd, Debian's /usr/bin/docker or this test's containerd is missing"
else
    start_dockerd
    check --as dockerd "dockerd starts" docker version
    IMAGE=cradle-it-$$
    needs dockerd
    check --as image "the busybox rootfs imported as an image" docker_image "$IMAGE"
    needs image
    check --as docker-named "docker run --runtime=cradle --name web-$$ runs" \
        docker_run docker --runtime=cradle --name "web-$$" "$IMAGE" /bin/sh -c "$FIRST"
    needs docker-named
    check "it is traced as web-$$" profile_has "web-$$" uname
fi

finish
