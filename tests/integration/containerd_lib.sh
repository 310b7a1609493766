# Sourced after lib.sh by the tests that need a containerd of their own: its root, state and
# sockets are under $WORK/containerd, so that it runs beside any system containerd.
#   start_containerd [NAME=VALUE...]   starts it with these variables in its environment (its
#                                      shims, and through them the runtime, inherit them);
#                                      returns 1, with its log on stderr, when it does not answer
#   ctr ARGS...                        ctr on it, in the namespace cradle-it
#   stop_containerd                    removes its containers (every namespace), stops it and
#                                      its shims, and unmounts what is left under $WORK
# The test's EXIT trap calls stop_containerd (after whatever uses it) and then cleanup.

CONTAINERD=$WORK/containerd
ADDRESS=$CONTAINERD/containerd.sock
containerd_pid=

ctr() { command ctr --address "$ADDRESS" --namespace cradle-it "$@"; }

start_containerd() {
    mkdir -p "$CONTAINERD"
    printf '%s\n' 'version = 2' "root = \"$CONTAINERD/root\"" "state = \"$CONTAINERD/state\"" \
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]' \
        '[grpc]' "  address = \"$ADDRESS\"" '[ttrpc]' "  address = \"$CONTAINERD/containerd.ttrpc.sock\"" \
        > "$CONTAINERD/config.toml"
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
