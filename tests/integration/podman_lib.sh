# Sourced after lib.sh by the tests that run podman: its state lives under $WORK/podman, so a
# test sees only its own containers, and every podman command names the hooks directory
# ($HOOKS_DIR, which the test fills), so that none reads the machine's own.
#   podman_cmd ARGS...              podman with that state and hooks directory, runtime runc
#   podman_run NAME [OPTIONS...] -- COMMAND...
#                                   podman run --rm as cradle-it-<pid>-NAME on $ROOTFS; its output
#                                   in $WORK/NAME.out and .err; returns podman's status
#   remove_podman_containers        removes every container of that state (for the EXIT trap)
#   install_hooks SOURCE DIR HOOK [ARGS...]
#                                   hooks.d files of this build's hook in DIR

PODMAN_STATE=(--root "$WORK/podman/root" --runroot "$WORK/podman/run" --tmpdir "$WORK/podman/tmp" --runtime runc)
HOOKS_DIR=$WORK/hooks.d
# podman's default rlimits need CAP_SYS_RESOURCE, which the development VM lacks; no test needs
# a network.
RUN_FLAGS=(--network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

podman_cmd() { podman "${PODMAN_STATE[@]}" --hooks-dir "$HOOKS_DIR" "$@"; }

podman_run() {
    local name=$1 options=()
    shift
    while [[ $1 != -- ]]; do
        options+=("$1")
        shift
    done
    shift
    podman_cmd run --rm "${RUN_FLAGS[@]}" --name "cradle-it-$$-$name" "${options[@]}" --rootfs "$ROOTFS" "$@" \
        > "$WORK/$name.out" 2> "$WORK/$name.err" < /dev/null
}

remove_podman_containers() {
    command -v podman > /dev/null && podman_cmd rm --all --force --time 0 > /dev/null 2>&1
    return 0
}

# install_hooks SOURCE DIR HOOK [ARGS...]: the hooks.d files of SOURCE (install/hooks.d or
# install/hooks.d-auto) in DIR, with only the hook's path changed to HOOK and ARGS put before its
# stage argument.
install_hooks() {
    local source=$1 directory=$2 hook=$3 file extra
    shift 3
    # (jq 1.6 would take an argument such as --socket for its own option after --args.)
    extra=$( (($#)) && printf '%s\n' "$@" | jq -R . | jq -s . || echo '[]')
    mkdir -p "$directory"
    for file in "$source"/*.json; do
        jq --arg hook "$hook" --argjson extra "$extra" \
            '.hook.path = $hook | .hook.args = [.hook.args[0]] + $extra + .hook.args[1:]' < "$file" \
            > "$directory/${file##*/}" || return 1
    done
}
