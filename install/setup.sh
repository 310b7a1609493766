#!/usr/bin/env bash
# Quick start: installs Cradle's dependencies, builds and installs it, starts cradled, then
# traces the built-in sample container and prints its hardened run options, and re-runs the
# sample under them to show it still works.
#   sudo ./install/setup.sh
#   sudo ./install/setup.sh --install-only   # up to hooks.d, as a CI runner needs (install/ci/cradle-ci.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PREFIX=/usr/local
SOCKET=/run/cradle/cradle.sock
PROFILES=/var/lib/cradle/profiles
SAMPLE=/var/lib/cradle/sample

step() { printf '\n== %s\n' "$*"; }

if [[ $(id -u) != 0 ]]; then
    echo "setup.sh: run as root (sudo ./install/setup.sh)" >&2
    exit 2
fi
install_only=
case ${1:-} in
    "") ;;
    --install-only) install_only=yes ;;
    *) echo "setup.sh: unknown argument \"$1\" (only --install-only)" >&2; exit 2 ;;
esac

step "dependencies (Debian packages)"
./install/deps.sh ${install_only:+--minimal}

step "build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > build.log 2>&1 && cmake --build build -j2 >> build.log 2>&1 || {
    tail -n 40 build.log >&2
    exit 1
}

step "install into $PREFIX/bin and /etc/cradle"
# Each binary by rename: `install` alone unlinks the old file first, and a runtime starting a
# container meanwhile would find its hook (or, for containerd and Docker, cradle-runc, their
# runtime: install/containerd, install/docker) missing or half written.
for binary in cradled cradle-hook cradle cradle-runc; do
    staged=$(mktemp "$PREFIX/bin/.cradle.XXXXXX")
    install -m 0755 "build/bin/$binary" "$staged" && mv -f "$staged" "$PREFIX/bin/$binary" || { rm -f "$staged"; exit 1; }
done
install -d -m 0755 /etc/cradle "$PREFIX/share/cradle" "$PREFIX/share/doc/cradle"
[[ -e /etc/cradle/cradle.json ]] || install -m 0644 config/cradle.json /etc/cradle/cradle.json
install -m 0755 install/sample_bundle.py "$PREFIX/share/cradle/"
install -m 0644 README.md "$PREFIX/share/doc/cradle/"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# podman and CRI-O read every *.json file of their hooks.d for each container they create, and
# one broken or dangling file there makes every podman run fail (and CRI-O refuse to start). So
# the files come after the binary they name, and each is written under a name those readers skip
# (no .json), flushed, then renamed over the old one.
# With auto_profile enabled in /etc/cradle/cradle.json, the files of install/hooks.d-auto (the hook
# for every container, "always") go in under the same names, replacing those that run only for
# the annotation; run setup.sh again after changing the setting.
HOOKS_DIR=/usr/share/containers/oci/hooks.d
HOOKS_SOURCE=install/hooks.d
if python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])).get("auto_profile", {}).get("enabled") is True else 1)' \
    /etc/cradle/cradle.json 2> /dev/null; then
    HOOKS_SOURCE=install/hooks.d-auto
fi
step "hooks.d for podman and CRI-O: $HOOKS_DIR (from $HOOKS_SOURCE)"
[[ -x $PREFIX/bin/cradle-hook ]] || { echo "setup.sh: $PREFIX/bin/cradle-hook is not installed" >&2; exit 1; }
install -d -m 0755 "$HOOKS_DIR"
# The runtime kills a hook at its file's "timeout"; the hook gives up by itself at hook.deadline_ms.
# The timeout is that deadline rounded up plus 10 s (what cradle-runc gives the hook), so the hook
# always answers first, whatever deadline /etc/cradle/cradle.json sets.
render_hook_file() {
    python3 - "$1" "$PREFIX/bin/cradle-hook" /etc/cradle/cradle.json << 'EOF'
import json, sys
source, hook_path, config_path = sys.argv[1:]
hook_file = json.load(open(source))
try:
    deadline_ms = json.load(open(config_path)).get("hook", {}).get("deadline_ms", 2000)
except (OSError, ValueError, AttributeError):
    deadline_ms = 2000
if not isinstance(deadline_ms, int) or isinstance(deadline_ms, bool):
    deadline_ms = 2000
hook_file["hook"]["path"] = hook_path
hook_file["hook"]["timeout"] = -(-deadline_ms // 1000) + 10
print(json.dumps(hook_file, indent=2))
EOF
}
for hook_file in "$HOOKS_SOURCE"/*.json; do
    temporary=$(mktemp "$HOOKS_DIR/.cradle.XXXXXX")
    if ! { render_hook_file "$hook_file" > "$temporary" &&
        chmod 0644 "$temporary" && sync "$temporary" && mv -f "$temporary" "$HOOKS_DIR/${hook_file##*/}"; }; then
        rm -f "$temporary"
        exit 1
    fi
    echo "$HOOKS_DIR/${hook_file##*/}"
done
# A CI job starts cradled itself, with its own output directory, and has no use for the sample.
[[ -z $install_only ]] || exit 0

step "start cradled"
if [[ -d /run/systemd/system ]]; then
    install -m 0644 install/cradled.service /etc/systemd/system/cradled.service
    systemctl daemon-reload
    systemctl enable cradled > /dev/null
    systemctl restart cradled
    echo "cradled runs as the systemd service cradled (journalctl -u cradled)"
else
    # No systemd: cradled runs in the background, logging to /var/log/cradled.log.
    pkill -TERM -x cradled && sleep 0.5 || true
    setsid "$PREFIX/bin/cradled" >> /var/log/cradled.log 2>&1 < /dev/null &
    echo "cradled runs in the background (pid $!), log /var/log/cradled.log"
fi
# Until cradled answers: a socket file alone may be a stale one a killed cradled left behind.
for _ in $(seq 100); do "$PREFIX/bin/cradle" status > /dev/null 2>&1 && break; sleep 0.1; done
if ! "$PREFIX/bin/cradle" status > /dev/null 2>&1; then
    echo "cradled did not start; what it said:" >&2
    if [[ -d /run/systemd/system ]]; then journalctl -u cradled -n 5 --no-pager >&2; else tail -n 5 /var/log/cradled.log >&2; fi
    echo "(pins of an older version are refused: 'cradled --unpin' removes them, with what they recorded)" >&2
    exit 1
fi
"$PREFIX/bin/cradle" status

TOOL=$PREFIX/share/cradle/sample_bundle.py
[[ -d $SAMPLE/rootfs ]] || "$TOOL" rootfs "$SAMPLE/rootfs"
WORKLOAD='echo "hello from the sample"; touch /tmp/data; chown 1000:1000 /tmp/data; stat -c "%n %u:%g" /tmp/data; uname -s'
run_sample() { # BUNDLE: runs it under runc with a fresh id, output on stdout
    runc run --bundle "$SAMPLE/$1" "cradle-sample-$$-$1" < /dev/null
}

step "calibration: the runtime's post-filter syscalls (cradle calibrate)"
# Every profile made on this machine is joined with what runc itself does after installing a
# container's seccomp filter (README, "Birth, precisely"): cradle calibrate has cradled measure
# it, with and without noNewPrivileges, three times each, on the sample's root filesystem.
"$PREFIX/bin/cradle" calibrate --rootfs "$SAMPLE/rootfs"

step "the sample container: a busybox rootfs started by runc with the hook"
"$TOOL" bundle "$SAMPLE/record" --rootfs "$SAMPLE/rootfs" --hook "$PREFIX/bin/cradle-hook" \
    --profile sample -- /bin/sh -c "$WORKLOAD" > /dev/null
run_sample record | tee "$SAMPLE/record.out"

step "what it did: $PROFILES/sample.tracefile"
sed -n '/^CAPABILITIES$/,$p' "$PROFILES/sample.tracefile"

step "hardened options (cradle options $PROFILES/sample.tracefile)"
"$PREFIX/bin/cradle" options "$PROFILES/sample.tracefile" | tee "$SAMPLE/options"

step "the sample again, under its profile (seccomp $PROFILES/sample.seccomp.json, only the recorded capabilities)"
caps=$(sed -n '/^CAPABILITIES$/,/^$/p' "$PROFILES/sample.tracefile" | sed '1d;/^$/d' | paste -sd,)
"$TOOL" bundle "$SAMPLE/hardened" --rootfs "$SAMPLE/rootfs" --seccomp "$PROFILES/sample.seccomp.json" \
    --caps "${caps:-none}" -- /bin/sh -c "$WORKLOAD" > /dev/null
run_sample hardened | tee "$SAMPLE/hardened.out"
if cmp -s "$SAMPLE/record.out" "$SAMPLE/hardened.out"; then
    echo "same output under the profile: the hardened sample works"
else
    echo "setup.sh: the sample behaved differently under its profile" >&2
    exit 1
fi
"$TOOL" bundle "$SAMPLE/refused" --rootfs "$SAMPLE/rootfs" --seccomp "$PROFILES/sample.seccomp.json" \
    --caps "${caps:-none}" -- /bin/mkdir /tmp/never > /dev/null
if run_sample refused 2> "$SAMPLE/refused.err"; then
    echo "setup.sh: mkdir, which the sample never made, was allowed" >&2
    exit 1
fi
echo "and what it never did is refused: $(head -n 1 "$SAMPLE/refused.err")"
