#!/usr/bin/env bash
# The quick start as a user runs it: install/setup.sh installs, starts cradled, traces the
# sample and re-runs it under its profile; install/uninstall.sh then removes everything it
# installed, hooks.d files first, keeping the recorded profiles unless --purge.
source "$(dirname "$0")/lib.sh"
require_platform
PREFIX=/usr/local
HOOKS_DIR=/usr/share/containers/oci/hooks.d
PROFILES=/var/lib/cradle/profiles

# A machine where a user's own cradled runs is not touched: setup.sh would replace it.
if pgrep -x cradled > /dev/null; then
    skip "$TEST_NAME: a cradled of this machine's own runs; not replacing it"
    finish
fi

part "setup.sh, as the quick start says"
# A configuration already in place is kept; this one's hook deadline (9.5 s) is near the 10 s
# timeout the hooks.d files ship with, so the installed files must give the hook longer.
config_preset=false
if [[ ! -e /etc/cradle/cradle.json ]]; then
    mkdir -p /etc/cradle
    python3 -c '
import json, sys
config = json.load(open(sys.argv[1]))
config["hook"]["deadline_ms"] = 9500
json.dump(config, open(sys.argv[2], "w"), indent=4)' "$REPO/config/cradle.json" /etc/cradle/cradle.json
    config_preset=true
fi
check --as setup "setup.sh runs to its end" bash -c "'$REPO/install/setup.sh' > '$WORK/setup.log' 2>&1 || { tail -n 20 '$WORK/setup.log'; exit 1; }"
needs setup
check "it printed the sample's hardened options" grep -q -- '--cap-drop=ALL' "$WORK/setup.log"
check "the sample worked under its profile" grep -q 'the hardened sample works' "$WORK/setup.log"
check "and what it never did was refused" grep -q 'what it never did is refused' "$WORK/setup.log"
check "cradled answers" "$PREFIX/bin/cradle" status
check "it calibrated the runtime with cradle calibrate" grep -q '^runtime baseline: [1-9][0-9]* syscalls from' "$WORK/setup.log"
check "and cradled counts the calibration in its runtime baseline" \
    bash -c "'$PREFIX/bin/cradle' status | grep -qE '^runtime baseline: +[1-9][0-9]* syscalls from [1-9]'"
check "the README's cradle verify example proves the sample's profile, CAP_CHOWN needed" bash -c \
    "'$PREFIX/bin/cradle' verify --bundle /var/lib/cradle/sample/record --profile sample --minimize-capabilities | grep -qx 'capabilities the workload needs (proven minimal): CAP_CHOWN'"
check "cradle-runc installed beside cradle-hook" test -x "$PREFIX/bin/cradle-runc"
check "no temporary file left in $PREFIX/bin" bash -c "! ls -A '$PREFIX/bin' | grep -q '^\.cradle\.'"
for hook_file in "$REPO"/install/hooks.d/*.json; do
    check "hooks.d: ${hook_file##*/} installed, naming the installed hook" \
        grep -q "\"$PREFIX/bin/cradle-hook\"" "$HOOKS_DIR/${hook_file##*/}"
done
check "no temporary file left in hooks.d" bash -c "! ls -A '$HOOKS_DIR' | grep -q '^\\.cradle\\.'"
if $config_preset; then
    for hook_file in "$REPO"/install/hooks.d/*.json; do
        check "hooks.d: ${hook_file##*/} gives the hook its 9.5 s deadline and 10 s more" equal 20 \
            "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hook"]["timeout"])' "$HOOKS_DIR/${hook_file##*/}")"
    done
fi

part "uninstall.sh keeps the recorded profiles"
needs setup
check --as uninstall "uninstall.sh runs to its end" "$REPO/install/uninstall.sh"
needs uninstall
for hook_file in "$REPO"/install/hooks.d/*.json; do
    check "hooks.d: ${hook_file##*/} removed" test ! -e "$HOOKS_DIR/${hook_file##*/}"
done
check "cradled stopped" bash -c "! pgrep -x cradled"
check "its pins removed" test ! -e /sys/fs/bpf/cradle
for binary in cradled cradle-hook cradle cradle-runc; do
    check "$binary removed" test ! -e "$PREFIX/bin/$binary"
done
check "configuration removed" test ! -e /etc/cradle
check "the sample's profile kept" test -e "$PROFILES/sample.tracefile"
check --as purge "uninstall.sh --purge runs to its end" "$REPO/install/uninstall.sh" --purge
needs purge
check "and then the profiles are gone" test ! -e /var/lib/cradle

finish
