#!/usr/bin/env bash
# containerd reaches Cradle through cradle-runc, the runtime wrapper: `ctr run --runc-binary
# cradle-runc` traces a container annotated io.cradle.profile (or with CRADLE_PROFILE in its
# environment), leaves any other container's spec exactly as containerd wrote it, and the
# container's output is the same as under runc alone.
# containerd runs with its own root, state and socket under $WORK, beside any system one.
source "$(dirname "$0")/lib.sh"
require_platform
for tool in containerd ctr jq; do
    command -v "$tool" > /dev/null || { skip "$tool is missing (apt-get install containerd jq)"; finish; }
done
[[ -x $BIN/cradle-runc ]] || { skip "no $BIN/cradle-runc: build first"; finish; }

source "$(dirname "$0")/containerd_lib.sh"
trap 'stop_containerd; cleanup' EXIT

make_rootfs
start_collector main || { fail "collector starts"; finish; }

# The runtime cradle-runc calls: runc, after keeping a copy of the spec it is given, so that
# what reaches runc can be compared with what containerd wrote.
mkdir -p "$WORK/seen"
cat > "$WORK/recording-runc" << EOF
#!/bin/bash
bundle= command=
for ((i = 1; i <= \$#; i++)); do
    case \${!i} in
    create | run) [[ -n \$command ]] || command=\${!i} ;;
    --bundle | -b) j=\$((i + 1)); bundle=\${!j} ;;
    esac
done
[[ -z \$command ]] || cp "\${bundle:-.}/config.json" "$WORK/seen/\${!#}.json"
exec runc "\$@"
EOF
chmod 0755 "$WORK/recording-runc"
cat > "$WORK/cradle.json" << EOF
{"socket": "$SOCKET", "runc_wrapper": {"runtime": "$WORK/recording-runc", "hook": "$BIN/cradle-hook"}}
EOF

# ctr passes no flags to a runtime: cradle-runc finds its configuration in the environment
# containerd's shims pass on.
start_containerd CRADLE_CONFIG="$WORK/cradle.json" || { fail "containerd starts"; finish; }

WORKLOAD='echo hello; cat /etc/passwd; touch /tmp/f; chown 1234:1234 /tmp/f; stat -c "%u %g" /tmp/f; uname -s'
# ctr_run RUN ID RUNTIME [ctr run options...]: runs the workload as container cradle-it-<pid>-ID
# with --rm; its output goes to $WORK/RUN.out (stderr .err) and the spec runc was given to
# $WORK/RUN.json. Returns ctr's status.
ctr_run() {
    local run=$1 name=$2 runtime=$3 status
    shift 3
    ctr_run_as "$run" "$name" "$runtime" "$@" -- /bin/sh -c "$WORKLOAD"
    status=$?
    mv "$WORK/seen/cradle-it-$$-$name.json" "$WORK/$run.json" 2> /dev/null
    return $status
}
# hooks RUN STAGE: the paths of the hooks at STAGE in the spec of RUN, one per line.
hooks() { jq -r --arg stage "$2" '.hooks[$stage] // [] | .[].path' "$WORK/$1.json"; }
# same_but_hooks RUN RUN: the two specs are equal once their hooks are left out.
same_but_hooks() { diff <(jq -S 'del(.hooks)' "$WORK/$1.json") <(jq -S 'del(.hooks)' "$WORK/$2.json"); }

part "an annotated container is traced"
check --as traced "ctr run --runc-binary cradle-runc --annotation io.cradle.profile=ctr-web exits 0" \
    ctr_run traced web "$BIN/cradle-runc" --annotation io.cradle.profile=ctr-web
needs traced
check --as profile "its profile is written" wait_for_file "$OUT/ctr-web.seccomp.json"
needs profile
check "the recording is the workload's (uname among its syscalls)" grep -qx uname <(section "$OUT/ctr-web.tracefile" SYSCALLS)
check "with the capability it needed (chown)" grep -qx chown <(section "$OUT/ctr-web.tracefile" CAPABILITIES)
check "trace.json names runc (cradle-runc handed on to it), driven by containerd (ctr's namespace)" \
    runs_runc "$OUT/ctr-web.trace.json" containerd
needs traced
check "runc was given one createRuntime hook: cradle-hook" test "$(hooks traced createRuntime)" = "$BIN/cradle-hook"
check "which reads the wrapper's configuration" test "$(jq -c '.hooks.createRuntime[0].args' "$WORK/traced.json")" = \
    "[\"cradle-hook\",\"--config\",\"$WORK/cradle.json\",\"createRuntime\"]"
check "and no poststop hook (the default)" empty "$(hooks traced poststop)"

part "the same container under runc alone: the same spec but for the hook, the same output"
check --as direct "ctr run --runc-binary runc --annotation io.cradle.profile=ctr-web exits 0" \
    ctr_run direct web "$WORK/recording-runc" --annotation io.cradle.profile=ctr-web
needs direct
check "runc alone is given no hook" empty "$(hooks direct createRuntime)"
needs direct traced
check "the specs are the same once the hooks are left out" same_but_hooks traced direct
check "the output is the same" diff "$WORK/direct.out" "$WORK/traced.out"

part "a container without the annotation runs untraced, its spec as containerd wrote it"
check --as plain "ctr run --runc-binary cradle-runc (no annotation) exits 0" ctr_run plain plain "$BIN/cradle-runc"
check --as plain-direct "ctr run --runc-binary runc (no annotation) exits 0" ctr_run plain-direct plain "$WORK/recording-runc"
needs plain plain-direct
check "runc is given the very same spec, byte for byte" cmp "$WORK/plain-direct.json" "$WORK/plain.json"
check "the output is the same" diff "$WORK/plain-direct.out" "$WORK/direct.out"
check "no profile is written for it" bash -c "sleep 0.5; ! ls '$OUT' | grep -qv '^ctr-web\.'"

part "CRADLE_PROFILE in the container's environment names its profile"
check --as env "ctr run --runc-binary cradle-runc --env CRADLE_PROFILE=ctr-env exits 0" \
    ctr_run env env "$BIN/cradle-runc" --env CRADLE_PROFILE=ctr-env
needs env
check "its profile is written" wait_for_file "$OUT/ctr-env.tracefile"
check "the name became the annotation" test "$(jq -r '.annotations["io.cradle.profile"]' "$WORK/env.json")" = ctr-env
check "and the environment stayed as it was" jq -e '.process.env | index("CRADLE_PROFILE=ctr-env")' "$WORK/env.json"

part "install/containerd/cradle-runtime.toml: containerd reads the runtime handler as written"
(echo 'version = 2'; cat "$REPO/install/containerd/cradle-runtime.toml") > "$WORK/cri.toml"
containerd --config "$WORK/cri.toml" config dump > "$WORK/cri.dump" 2>&1
# dumped TABLE LINE: containerd's dump of its configuration has LINE in TABLE.
dumped() { awk -v table="[$1]" '$0 ~ /^ *\[/ { current = $1 } current == table { sub(/^ +/, ""); print }' "$WORK/cri.dump" | grep -qxF "$2"; }
handler='plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cradle'
check "a runtime handler \"cradle\" of type io.containerd.runc.v2" dumped "$handler" 'runtime_type = "io.containerd.runc.v2"'
check "running /usr/local/bin/cradle-runc" dumped "$handler.options" 'BinaryName = "/usr/local/bin/cradle-runc"'
check "letting the pod annotation io.cradle.profile through" dumped "$handler" 'pod_annotations = ["io.cradle.profile"]'

part "every other runtime command passes through"
check "cradle-runc --version prints runc's version" diff <(runc --version) <(CRADLE_CONFIG=$WORK/cradle.json "$BIN/cradle-runc" --version)
state_status() { "$@" state "cradle-it-$$-absent" > /dev/null 2>&1; echo $?; }
check "state of an absent container: runc's exit status" test "$(state_status runc)" = "$(state_status "$BIN/cradle-runc")"

finish
