# Sourced after lib.sh and containerd_lib.sh by the tests that run Docker: dockerd runs with its
# own data, exec root and socket under $WORK/docker, on the test's containerd, beside any system
# one; Debian's 20.10 client talks to it (/usr/local/bin/docker may be a newer one).
#   start_dockerd        starts it with install/docker/daemon.json (the runtime "cradle" being
#                        this build's cradle-runc); returns 1 when it does not answer
#   docker ARGS...       Debian's client on it
#   docker_image NAME [IMPORT OPTIONS...]
#                        $ROOTFS imported as image NAME (no registry here)
#   docker_run RUN [RUN OPTIONS...] IMAGE [COMMAND...]
#                        docker run --rm --network=none; output in $WORK/RUN.out (stderr .err);
#                        returns its status
#   stop_dockerd         removes its containers and stops it (for the EXIT trap, before
#                        stop_containerd)

DOCKER=$WORK/docker
dockerd_pid=

docker() { /usr/bin/docker -H "unix://$DOCKER/docker.sock" "$@"; }

docker_image() {
    local name=$1
    shift
    tar -C "$ROOTFS" -c . | docker import "$@" - "$name"
}

docker_run() {
    local run=$1
    shift
    docker run --rm --network=none "$@" > "$WORK/$run.out" 2> "$WORK/$run.err" < /dev/null
}

start_dockerd() {
    mkdir -p "$DOCKER"
    # dockerd 20.10 would write its trust key to /etc/docker/key.json unless told otherwise.
    jq --arg runtime "$BIN/cradle-runc" --arg key "$DOCKER/key.json" \
        '.runtimes.cradle.path = $runtime | .["deprecated-key-path"] = $key' \
        "$REPO/install/docker/daemon.json" > "$DOCKER/daemon.json" || return 1
    # Without --containerd, dockerd 20.10 would start a containerd of its own, or use the system
    # one where its socket exists.
    dockerd --config-file "$DOCKER/daemon.json" --containerd "$ADDRESS" --data-root "$DOCKER/data" \
        --exec-root "$DOCKER/exec" -H "unix://$DOCKER/docker.sock" --pidfile "$DOCKER/docker.pid" \
        --iptables=false --ip6tables=false --bridge=none > "$DOCKER/dockerd.log" 2>&1 &
    dockerd_pid=$!
    poll_until 30 dockerd_answers_or_exited
    docker version > /dev/null 2>&1
}

dockerd_answers_or_exited() { docker version > /dev/null 2>&1 || ! kill -0 "$dockerd_pid" 2> /dev/null; }

stop_dockerd() {
    local id
    [[ -n $dockerd_pid ]] || return 0
    docker ps --all --quiet 2> /dev/null | while read -r id; do docker rm --force "$id" > /dev/null 2>&1; done
    kill -TERM "$dockerd_pid" 2> /dev/null
    poll_until 20 bash -c "! kill -0 $dockerd_pid 2> /dev/null" || kill -KILL "$dockerd_pid" 2> /dev/null
    wait "$dockerd_pid" 2> /dev/null
    dockerd_pid=
}
