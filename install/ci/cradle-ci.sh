#!/usr/bin/env bash
# Runs a workload's tests under Cradle in a CI job, publishes its hardened run settings as
# artifacts and gates on risky drift from a profile committed in the repository.
set -euo pipefail

usage() {
    cat << 'EOF'
Usage: cradle-ci.sh --name NAME [options] -- COMMAND [ARG...]

Run as root on a CI runner. Starts cradled in the background (no systemd needed), runs COMMAND
(the workload's tests), which starts its containers with the annotation or label
io.cradle.profile=NAME, waits until the collector has written NAME's profile, writes it and
every `cradle options` format into the artifacts directory, then compares it with the
committed baseline: `cradle diff --fail-on risky BASELINE NEW`. cradled is stopped on every
way out.

COMMAND runs with these in its environment, to give its containers:
  CRADLE_PROFILE=NAME     the profile name (docker run --label io.cradle.profile=$CRADLE_PROFILE,
                          podman run --annotation io.cradle.profile=$CRADLE_PROFILE, or
                          docker run --runtime=cradle -e CRADLE_PROFILE ...)
  CRADLE_HOOK=PATH        cradle-hook, for the hooks of an OCI bundle run with runc
  CRADLE_SOCKET=PATH      the collector's socket (cradle-hook --socket PATH)

Options:
  --name NAME         the profile name: letters, digits, '.', '_', '-' (required)
  --baseline FILE     the tracefile committed in the repository; when it does not exist yet
                      the run passes and says how to commit one
  --artifacts DIR     where the profile and the options go (default ./cradle-artifacts)
  --setup             first install Cradle from this checkout: install/setup.sh --install-only
                      (Debian or Ubuntu packages to build it, the build, /usr/local/bin, hooks.d)
  --bin DIR           where cradled, cradle and cradle-hook are (default /usr/local/bin)
  --socket PATH       the collector's socket (default: "socket" of /etc/cradle/cradle.json,
                      else /run/cradle/cradle.sock: where podman's hooks.d files and
                      cradle-runc look for it)
  --pin-dir DIR       cradled's bpffs directory (default: cradled's, from the same file)
  --no-calibrate      do not measure runc's post-filter window first (a recording then made
                      by runc without a seccomp filter in its config is marked INCOMPLETE)
  --timeout SECONDS   how long to wait for the profile once COMMAND returned (default 30)
  -h, --help          this help

Artifacts: NAME.tracefile and the collector's other NAME.* files; options.docker,
options.podman, options.json, options.kubernetes.yaml, options.oci.json, options.systemd
(`cradle options --format F`); options.findings (what `cradle options` found, if anything);
diff.txt (`cradle diff --fail-on risky`); cradled.log. Those of an earlier run in DIR are
replaced; each run records afresh, never merged with an earlier one.

Exit status: 0 the tests passed and nothing risky was newly allowed (or no baseline yet);
1 the profile newly allows a high-risk syscall or capability, named on stdout; 2 an error:
COMMAND failed, no profile was written, or Cradle could not be set up.

Examples:
  cradle-ci.sh --name web --baseline ci/web.tracefile -- make integration-test
  cradle-ci.sh --setup --name web --baseline ci/web.tracefile --artifacts out -- \
      sh -c 'podman run --rm --annotation io.cradle.profile=$CRADLE_PROFILE web:test ./run-tests'
  (Docker: docker run --runtime=cradle --label io.cradle.profile=$CRADLE_PROFILE, once dockerd
  knows the runtime cradle: README, "Tracing with Docker")
EOF
}

die() { # MESSAGE: the error, then exit 2
    echo "cradle-ci.sh: $*" >&2
    exit 2
}
say() { printf '== %s\n' "$*"; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
name=
baseline=
artifacts=cradle-artifacts
setup=
bin=/usr/local/bin
socket=
pin_dir=
calibrate=yes
timeout=30
while (($#)); do
    case $1 in
        --name | --baseline | --artifacts | --bin | --socket | --pin-dir | --timeout)
            (($# >= 2)) || die "$1 needs a value (see --help)"
            case $1 in
                --name) name=$2 ;;
                --baseline) baseline=$2 ;;
                --artifacts) artifacts=$2 ;;
                --bin) bin=$2 ;;
                --socket) socket=$2 ;;
                --pin-dir) pin_dir=$2 ;;
                --timeout) timeout=$2 ;;
            esac
            shift 2
            ;;
        --setup) setup=yes; shift ;;
        --no-calibrate) calibrate=; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; break ;;
        *) die "unknown argument \"$1\" (COMMAND goes after --; see --help)" ;;
    esac
done
(($#)) || die "no COMMAND: give the workload's test command after -- (see --help)"
# A fixed name: the baseline is compared by name, and strftime tokens would change it by date.
[[ $name =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] ||
    die "--name must be letters, digits, '.', '_' and '-', not starting with '.' or '-', at most 128 bytes (not \"$name\")"
[[ $timeout =~ ^[1-9][0-9]{0,4}$ ]] || die "--timeout takes a number of seconds, not \"$timeout\""
[[ $(id -u) == 0 ]] || die "run as root (sudo): cradled loads eBPF programs"

if [[ -n $setup ]]; then
    say "install Cradle (install/setup.sh --install-only)"
    "$HERE/../setup.sh" --install-only || die "install/setup.sh --install-only failed"
    bin=/usr/local/bin
fi
for binary in cradled cradle cradle-hook; do
    [[ -x $bin/$binary ]] || die "no $bin/$binary: give --bin DIR, or --setup to install Cradle from this checkout"
done
if [[ -z $socket ]]; then
    socket=$(jq -r '.socket // empty' /etc/cradle/cradle.json 2> /dev/null || true)
    socket=${socket:-/run/cradle/cradle.sock}
fi
mkdir -p "$artifacts"
artifacts=$(cd "$artifacts" && pwd)
rm -f "$artifacts/$name".* "$artifacts"/options.* "$artifacts/diff.txt" "$artifacts/cradled.log"

# cradled writes into a directory of its own, so that a profile of an earlier run with the same
# name is not merged into this one; the files are copied into the artifacts once written.
scratch=$(mktemp -d /tmp/cradle-ci.XXXXXX)
record=$scratch/profiles
cradled_pid=
stop_cradled() {
    [[ -n $cradled_pid ]] || return 0
    kill -TERM "$cradled_pid" 2> /dev/null || true
    wait "$cradled_pid" 2> /dev/null || true
    cradled_pid=
}
finish() {
    stop_cradled
    rm -rf "$scratch"
    # Run with sudo by a CI job's user, whose runner uploads the artifacts and cleans up after.
    [[ -z ${SUDO_UID:-} ]] || chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$artifacts" 2> /dev/null || true
}
trap finish EXIT
trap 'exit 2' INT TERM HUP

answers() { "$bin/cradle" status --socket "$socket" > /dev/null 2>&1; }
# Whether cradled still traces a container named $name (a container still running).
tracing() { "$bin/cradle" status --socket "$socket" --format json 2> /dev/null | jq -e --arg name "$name" \
    'any(.containers[]?; .name == $name)' > /dev/null; }

say "start cradled (socket $socket, log $artifacts/cradled.log)"
answers && die "a collector already answers on $socket: stop it, or give --socket another path"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
cradled_flags=(--socket "$socket" --output-dir "$record")
[[ -z $pin_dir ]] || cradled_flags+=(--pin-dir "$pin_dir")
"$bin/cradled" "${cradled_flags[@]}" >> "$artifacts/cradled.log" 2>&1 < /dev/null &
cradled_pid=$!
for _ in $(seq 100); do
    answers && break
    kill -0 "$cradled_pid" 2> /dev/null || break
    sleep 0.1
done
if ! answers; then
    tail -n 5 "$artifacts/cradled.log" >&2
    die "cradled did not start (pins of an older version are refused: 'cradled --unpin' removes them)"
fi

# runc's post-filter window, measured as setup.sh measures it (README, "Birth, precisely"):
# Docker and podman always start containers with a filter and are measured from the containers
# themselves.
if [[ -n $calibrate ]] && command -v runc > /dev/null; then
    say "calibrate: runc's post-filter window"
    "$bin/cradle" calibrate --socket "$socket" > "$scratch/calibrate.log" 2>&1 || {
        cat "$scratch/calibrate.log" >&2
        die "cradle calibrate failed"
    }
elif [[ -n $calibrate ]]; then
    say "calibrate: skipped (needs runc); containers started without a seccomp filter are marked INCOMPLETE"
fi

say "run: $*"
command_status=0
CRADLE_PROFILE=$name CRADLE_HOOK=$bin/cradle-hook CRADLE_SOCKET=$socket "$@" || command_status=$?
if ((command_status != 0)); then
    echo "cradle-ci.sh: the command failed with exit status $command_status" >&2
fi

# The profile is written when the last container named $name is gone (at once when the runtime
# ran cradle-hook at poststop, a few milliseconds after otherwise).
say "wait for the profile $name"
deadline=$((SECONDS + timeout))
until [[ -e $record/$name.tracefile ]] && ! tracing; do
    if ((SECONDS >= deadline)); then
        if tracing; then
            die "containers named $name still ran ${timeout}s after the command returned: the command must stop them"
        fi
        die "no container named $name was traced: give its containers io.cradle.profile=\$CRADLE_PROFILE (see --help)"
    fi
    sleep 0.1
done
stop_cradled
cp "$record/$name".* "$artifacts/"
tracefile=$artifacts/$name.tracefile
((command_status == 0)) || die "the command failed (exit status $command_status); what it recorded is in $artifacts"

say "options: $artifacts/options.*"
: > "$artifacts/options.findings"
for format in docker podman json kubernetes oci systemd; do
    case $format in
        json) file=options.json ;;
        oci) file=options.oci.json ;;
        kubernetes) file=options.kubernetes.yaml ;;
        *) file=options.$format ;;
    esac
    options_status=0
    "$bin/cradle" options --format "$format" "$tracefile" > "$artifacts/$file" 2> "$artifacts/options.err" ||
        options_status=$?
    # 1 is a finding (an incomplete recording, a refused capability): the files are written and
    # the finding shown; 2 is an error.
    ((options_status != 2)) || { cat "$artifacts/options.err" >&2; die "cradle options --format $format failed"; }
    sort -u "$artifacts/options.err" "$artifacts/options.findings" -o "$artifacts/options.findings"
    echo "$artifacts/$file"
done
rm -f "$artifacts/options.err"
[[ -s $artifacts/options.findings ]] || rm -f "$artifacts/options.findings"
[[ ! -e $artifacts/options.findings ]] || { echo "findings:"; cat "$artifacts/options.findings"; }
echo "docker run $(cat "$artifacts/options.docker") IMAGE"

if [[ -z $baseline || ! -e $baseline ]]; then
    say "no baseline${baseline:+ at $baseline}: nothing to compare with; this run passes"
    echo "To gate later runs, commit this run's profile to the repository:"
    echo "  cp $tracefile ${baseline:-ci/$name.tracefile} && git add ${baseline:-ci/$name.tracefile}"
    [[ -n $baseline ]] || echo "and pass --baseline ci/$name.tracefile"
    exit 0
fi
say "gate: cradle diff --fail-on risky $baseline $tracefile"
diff_status=0
"$bin/cradle" diff --fail-on risky "$baseline" "$tracefile" > "$artifacts/diff.txt" || diff_status=$?
cat "$artifacts/diff.txt"
case $diff_status in
    0)
        echo "nothing risky newly allowed"
        exit 0
        ;;
    1)
        echo "cradle-ci.sh: the profile newly allows what is risky (above); if that is intended, commit the new profile:"
        echo "  cp $tracefile $baseline && git add $baseline"
        exit 1
        ;;
    *) die "cradle diff failed (exit status $diff_status)" ;;
esac
