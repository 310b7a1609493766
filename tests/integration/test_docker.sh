#!/usr/bin/env bash
# Docker 20.10 reaches Cradle through cradle-runc, registered as the runtime "cradle" by
# install/docker/daemon.json: `docker run --runtime=cradle --label io.cradle.profile=NAME` (or
# `-e CRADLE_PROFILE=NAME`, or the label in the image) writes the profile; the container then
# runs under `cradle options` with Docker's default runtime and the same output, and what it
# never did is refused. A container without the label runs untraced.
# dockerd runs with its own data, exec root and socket under $WORK, on a containerd of its own
# (containerd_lib.sh), beside any system one; Debian's 20.10 client talks to it
# (/usr/local/bin/docker may be a newer one).
source "$(dirname "$0")/lib.sh"
require_platform
for tool in dockerd containerd jq; do
    command -v "$tool" > /dev/null || { skip "$tool is missing (apt-get install docker.io jq)"; finish; }
done
[[ -x /usr/bin/docker ]] || { skip "Debian's docker client /usr/bin/docker is missing (apt-get install docker.io)"; finish; }
[[ -x $BIN/cradle-runc ]] || { skip "no $BIN/cradle-runc: build first"; finish; }
source "$(dirname "$0")/containerd_lib.sh"
source "$(dirname "$0")/docker_lib.sh"

trap 'stop_dockerd; stop_containerd; cleanup' EXIT

make_rootfs
start_collector main || { fail "collector starts"; finish; }

cat > "$WORK/cradle.json" << EOF
{"socket": "$SOCKET", "runc_wrapper": {"hook": "$BIN/cradle-hook", "docker_root": "$DOCKER/data"}}
EOF
# The runtime inherits the environment of containerd's shims: this is how cradle-runc finds its
# configuration.
start_containerd CRADLE_CONFIG="$WORK/cradle.json" || { fail "containerd starts"; finish; }
start_dockerd
if ! docker version > /dev/null 2>&1; then
    fail "dockerd starts" "$(tail -n 5 "$DOCKER/dockerd.log")"
    finish
fi
check "dockerd knows the runtime cradle from install/docker/daemon.json" \
    jq -e '.cradle' <(docker info --format '{{json .Runtimes}}')

IMAGE=cradle-it-$$
check --as image "the busybox rootfs imported as an image" docker_image "$IMAGE"
# An image whose own label names its profile.
check --as labelled-image "and again with the label io.cradle.profile=docker-image" \
    docker_image "$IMAGE-labelled" --change 'LABEL io.cradle.profile=docker-image'

WORKLOAD='echo hello; cat /etc/passwd; touch /tmp/f; chown 1234:1234 /tmp/f; stat -c "%u %g" /tmp/f; uname -s'

part "docker run --runtime=cradle --label io.cradle.profile=docker-web: traced"
needs image
check --as traced "the container runs" docker_run traced --runtime=cradle --label io.cradle.profile=docker-web \
    "$IMAGE" /bin/sh -c "$WORKLOAD"
needs traced
check --as profile "its profile is written" wait_for_file "$OUT/docker-web.seccomp.json"
needs profile
check "the recording is complete" empty "$(section "$OUT/docker-web.tracefile" INCOMPLETE)"
check "the recording is the workload's (uname among its syscalls)" grep -qx uname <(section "$OUT/docker-web.tracefile" SYSCALLS)
check "Docker's seccomp filter let the runtime window be measured" test -n "$(section "$OUT/docker-web.tracefile" RUNTIME_SYSCALLS)"
check "trace.json names runc (cradle-runc handed on to it), driven by Docker" \
    runs_runc "$OUT/docker-web.trace.json" docker
"$BIN/cradle" options "$OUT/docker-web.tracefile" > "$WORK/options" 2> "$WORK/options.err"
read -ra OPTIONS < "$WORK/options"
check --as options "cradle options gives docker run options (${OPTIONS[*]})" \
    grep -q -- "--cap-drop=ALL.*--security-opt seccomp=$OUT/docker-web.seccomp.json" "$WORK/options"

part "the same container under its options, with Docker's default runtime"
needs options
check --as enforced "it runs (docker run \$(cradle options ...))" docker_run enforced "${OPTIONS[@]}" "$IMAGE" /bin/sh -c "$WORKLOAD"
needs enforced
check "with the same output" diff "$WORK/traced.out" "$WORK/enforced.out"
needs options
docker_run refused "${OPTIONS[@]}" "$IMAGE" /bin/mkdir /tmp/never
check "a syscall it never made (mkdir) is refused" grep -q "Operation not permitted" "$WORK/refused.err"

part "-e CRADLE_PROFILE=docker-env, and a label in the image, name the profile too"
needs image
check --as env "docker run --runtime=cradle -e CRADLE_PROFILE=docker-env runs" \
    docker_run env --runtime=cradle -e CRADLE_PROFILE=docker-env "$IMAGE" /bin/sh -c "$WORKLOAD"
needs env
check "its profile is written" wait_for_file "$OUT/docker-env.tracefile"
needs labelled-image
check --as image-run "docker run --runtime=cradle of the labelled image runs" \
    docker_run image-label --runtime=cradle "$IMAGE-labelled" /bin/sh -c "$WORKLOAD"
needs image-run
check "its profile is written" wait_for_file "$OUT/docker-image.tracefile"

part "docker run --runtime=cradle without the label: untraced, the same output"
needs image
ls "$OUT" > "$WORK/profiles-before"
check --as plain "the container runs" docker_run plain --runtime=cradle "$IMAGE" /bin/sh -c "$WORKLOAD"
check --as plain-runc "and under Docker's default runtime" docker_run plain-runc "$IMAGE" /bin/sh -c "$WORKLOAD"
needs plain plain-runc
check "with the same output" diff "$WORK/plain-runc.out" "$WORK/plain.out"
check "no profile is written for it" bash -c "sleep 0.5; diff '$WORK/profiles-before' <(ls '$OUT')"

finish
