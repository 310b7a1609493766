# Sourced after lib.sh by the tests that need a containerd of their own: its root, state and
# sockets are under $WORK/containerd, so that it runs beside any system containerd.
#   start_containerd [NAME=VALUE...]   starts it with these variables in its environment (its
#                                      shims, and through them the runtime, inherit them);
#                                      returns 1, with its log on stderr, when it does not answer
#   start_containerd_cri SANDBOX_IMAGE TOML [NAME=VALUE...]
#                                      the same with its CRI plugin on (the kubelet's API, on the
#                                      same socket), configured as a node's: the default runtime
#                                      runc (its state under $CONTAINERD/runc), this pause image,
#                                      CNI configurations from $CONTAINERD/cni (none: pods use the
#                                      host's network), and TOML's tables (runtime handlers)
#   ctr ARGS...                        ctr on it, in the namespace cradle-it
#   ctr_run_as RUN ID RUNTIME [OPTIONS...] -- COMMAND...
#                                      ctr run --rm of COMMAND on $ROOTFS as container
#                                      cradle-it-<pid>-ID, with runc binary RUNTIME; its output in
#                                      $WORK/RUN.out and .err; returns ctr's status
#   stop_containerd                    removes its containers (every namespace), stops it and
#                                      its shims, and unmounts what is left under $WORK
# The test's EXIT trap calls stop_containerd (after whatever uses it) and then cleanup.

CONTAINERD=$WORK/containerd
ADDRESS=$CONTAINERD/containerd.sock
containerd_pid=

ctr() { command ctr --address "$ADDRESS" --namespace cradle-it "$@"; }

ctr_run_as() {
    local run=$1 id=cradle-it-$$-$2 runtime=$3 options=()
    shift 3
    while [[ $1 != -- ]]; do
        options+=("$1")
        shift
    done
    shift
    ctr run --rm --runc-binary "$runtime" --runc-root "$CONTAINERD/runc" --fifo-dir "$CONTAINERD/fifo" \
        "${options[@]}" --rootfs "$ROOTFS" "$id" "$@" > "$WORK/$run.out" 2> "$WORK/$run.err" < /dev/null
}

start_containerd() {
    write_containerd_config 'disabled_plugins = ["io.containerd.grpc.v1.cri"]'
    launch_containerd "$@"
}

start_containerd_cri() {
    local image=$1 snippet=$2
    shift 2
    write_containerd_config 'disabled_plugins = []'
    # Once a configuration names any runtime, containerd 1.6 forgets its default one, and its CRI
    # plugin does not load without the runtime default_runtime_name names: a node's configuration
    # (`containerd config default`) has runc.
    # restrict_oom_score_adj: the pause container's -998 needs CAP_SYS_RESOURCE, which a test
    # machine (a container, a VM) may not give; containerd then keeps it at its own.
    printf '%s\n' '[plugins."io.containerd.grpc.v1.cri"]' "  sandbox_image = \"$image\"" '  restrict_oom_score_adj = true' \
        '[plugins."io.containerd.grpc.v1.cri".cni]' "  conf_dir = \"$CONTAINERD/cni\"" '  bin_dir = "/usr/lib/cni"' \
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]' '  runtime_type = "io.containerd.runc.v2"' \
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]' "  Root = \"$CONTAINERD/runc\"" \
        >> "$CONTAINERD/config.toml"
    cat "$snippet" >> "$CONTAINERD/config.toml" || return 1
    mkdir -p "$CONTAINERD/cni"
    launch_containerd "$@"
}

# write_containerd_config LINE: the configuration's top, with LINE among its top-level keys.
write_containerd_config() {
    mkdir -p "$CONTAINERD"
    printf '%s\n' 'version = 2' "root = \"$CONTAINERD/root\"" "state = \"$CONTAINERD/state\"" "$1" \
        '[grpc]' "  address = \"$ADDRESS\"" '[ttrpc]' "  address = \"$CONTAINERD/containerd.ttrpc.sock\"" \
        > "$CONTAINERD/config.toml"
}

launch_containerd() {
    env "$@" containerd --config "$CONTAINERD/config.toml" > "$CONTAINERD/containerd.log" 2>&1 &
    containerd_pid=$!
    poll_until 20 containerd_answers_or_exited
    ctr version > /dev/null 2>&1 && return 0
    echo "containerd did not start:" >&2
    tail -n 5 "$CONTAINERD/containerd.log" >&2
    return 1
}

containerd_answers_or_exited() { ctr version > /dev/null 2>&1 || ! kill -0 "$containerd_pid" 2> /dev/null; }

stop_containerd() {
    local namespace id pid mount
    if [[ -n $containerd_pid ]]; then
        for namespace in $(command ctr --address "$ADDRESS" namespaces list --quiet 2> /dev/null); do
            for id in $(command ctr --address "$ADDRESS" --namespace "$namespace" containers list --quiet 2> /dev/null); do
                command ctr --address "$ADDRESS" --namespace "$namespace" task kill --signal KILL "$id" > /dev/null 2>&1
                command ctr --address "$ADDRESS" --namespace "$namespace" task delete --force "$id" > /dev/null 2>&1
                command ctr --address "$ADDRESS" --namespace "$namespace" containers delete "$id" > /dev/null 2>&1
            done
        done
        kill -TERM "$containerd_pid" 2> /dev/null
        wait "$containerd_pid" 2> /dev/null
        containerd_pid=
    fi
    # Shims outlive containerd by design: those of this one name its socket.
    for pid in $(pgrep -f -- "-address $ADDRESS( |$)"); do kill -KILL "$pid" 2> /dev/null; done
    findmnt -rn -o TARGET | grep "^$WORK/" | sort -r | while read -r mount; do umount -l "$mount"; done
}
