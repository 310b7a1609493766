#!/usr/bin/env bash
# Removes what install/setup.sh installed, in the order that never leaves a runtime calling a
# missing hook: the hooks.d files first (a dangling one makes every podman run fail), then the
# collector and its pins, then the binaries and configuration. Recorded profiles stay unless
# asked for.
#   sudo ./install/uninstall.sh             keep /var/lib/cradle/profiles
#   sudo ./install/uninstall.sh --purge     remove the recorded profiles too
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=/usr/local
HOOKS_DIR=/usr/share/containers/oci/hooks.d
PIN_DIR=/sys/fs/bpf/cradle
purge=false

case "${1:-}" in
    "") ;;
    --purge) purge=true ;;
    -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown option \"$1\" (--purge or nothing)" >&2; exit 2 ;;
esac
if [[ $(id -u) != 0 ]]; then
    echo "uninstall.sh: run as root (sudo ./install/uninstall.sh)" >&2
    exit 2
fi

step() { printf '== %s\n' "$*"; }

step "hooks.d files for podman and CRI-O"
for hook_file in install/hooks.d/*.json; do
    rm -fv "$HOOKS_DIR/${hook_file##*/}"
done

step "cradled"
if [[ -d /run/systemd/system && -e /etc/systemd/system/cradled.service ]]; then
    systemctl disable --now cradled > /dev/null 2>&1 || true
    rm -f /etc/systemd/system/cradled.service
    systemctl daemon-reload
elif pkill -TERM -x cradled; then
    for _ in $(seq 50); do pgrep -x cradled > /dev/null || break; sleep 0.1; done
fi
# Stopping cradled leaves the pinned programs recording; unpinning detaches them.
if [[ -e $PIN_DIR && -x $PREFIX/bin/cradled ]]; then
    "$PREFIX/bin/cradled" --unpin --pin-dir "$PIN_DIR"
fi
rm -rf /run/cradle

step "binaries, configuration, documentation"
for binary in cradled cradle-hook cradle; do
    rm -fv "$PREFIX/bin/$binary"
done
# containerd and Docker call cradle-runc for every step of their containers, also to stop and
# delete those it started: while their configuration names it, it stays (without
# /etc/cradle/cradle.json it traces nothing and only hands each call to runc).
if grep -rqs "$PREFIX/bin/cradle-runc" /etc/docker/daemon.json /etc/containerd; then
    echo "kept $PREFIX/bin/cradle-runc: /etc/docker/daemon.json or /etc/containerd still names it; remove it from there first"
else
    rm -fv "$PREFIX/bin/cradle-runc"
fi
rm -rf /etc/cradle "$PREFIX/share/cradle" "$PREFIX/share/doc/cradle" /var/lib/cradle/sample

if $purge; then
    step "recorded profiles"
    rm -rf /var/lib/cradle
else
    [[ -d /var/lib/cradle/profiles ]] && echo "kept the recorded profiles in /var/lib/cradle/profiles (--purge removes them)"
fi
