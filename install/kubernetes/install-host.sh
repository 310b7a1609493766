#!/usr/bin/env bash
# Installs onto a Kubernetes node what its container runtime needs to reach the cradled that the
# DaemonSet runs there (cradle.yaml's init container runs it, with the host's directories under
# HOSTROOT):
#   HOSTROOT/opt/cradle/bin/cradle-hook, cradle-runc        the hook and the runtime wrapper
#   HOSTROOT/etc/cradle/cradle.json                          their configuration, and cradled's
#   HOSTROOT/usr/share/containers/oci/hooks.d/*.json         CRI-O (and podman): the hook
#   HOSTROOT/etc/containerd/conf.d/cradle.toml               containerd: the runtime handler "cradle"
#
#   install-host.sh [--edit-containerd-config] [--auto-profile] HOSTROOT
#
# --auto-profile traces every container of the node, each under its automatic name (README,
# "Automatic profiles"): the configuration turns auto_profile on, and the hooks.d files come from
# CRADLE_HOOKS_D_AUTO (they run the hook for every container) instead of CRADLE_HOOKS_D.
#
# Every file is written under a temporary name in its own directory and renamed into place, and a
# file whose content is already the one to install is left alone, so running it again changes
# nothing. The hooks.d files come after the binary they name: CRI-O reads every *.json there,
# and a file naming a missing hook makes every container start fail.
#
# containerd reads conf.d/cradle.toml only when its config.toml says
#   imports = ["/etc/containerd/conf.d/*.toml"]
# (a top-level key, before the first table), and only once restarted. Both are the
# administrator's steps: config.toml is left as it is unless --edit-containerd-config is given,
# which adds that line when config.toml has no `imports` key. Restarting containerd stays yours.
#
# Where the files come from (defaults: the image's layout, install/kubernetes/Containerfile):
#   CRADLE_BIN          the directory holding cradle-hook and cradle-runc    (/opt/cradle/bin)
#   CRADLE_HOOKS_D      the hooks.d files                                     (/opt/cradle/share/hooks.d)
#   CRADLE_HOOKS_D_AUTO the hooks.d files of --auto-profile                   (/opt/cradle/share/hooks.d-auto)
#   CRADLE_CONTAINERD   the directory holding cradle-runtime.toml             (/opt/cradle/share/containerd)
# The configuration written (cradled's socket and output directory, which must be the kubelet's
# seccomp root for pods to use a profile as Localhost "cradle/NAME.seccomp.json"):
#   CRADLE_SOCKET       (/run/cradle/cradle.sock)
#   CRADLE_OUTPUT_DIR   (/var/lib/kubelet/seccomp/cradle)
# (/etc/cradle/cradle.json is this script's: an edit there is undone by the next run.)
set -euo pipefail

# Where the files go on the host, as the host sees it (they are written under HOSTROOT). The
# hooks.d files and the containerd drop-in name binaries by these paths.
readonly HOST_BIN=/opt/cradle/bin
readonly HOST_CONFIG=/etc/cradle/cradle.json
readonly HOST_HOOKS_D=/usr/share/containers/oci/hooks.d
readonly HOST_CONTAINERD=/etc/containerd
readonly CONTAINERD_IMPORT="/etc/containerd/conf.d/*.toml"

source_bin=${CRADLE_BIN:-/opt/cradle/bin}
source_hooks_d=${CRADLE_HOOKS_D:-/opt/cradle/share/hooks.d}
source_hooks_d_auto=${CRADLE_HOOKS_D_AUTO:-/opt/cradle/share/hooks.d-auto}
source_containerd=${CRADLE_CONTAINERD:-/opt/cradle/share/containerd}
socket=${CRADLE_SOCKET:-/run/cradle/cradle.sock}
output_dir=${CRADLE_OUTPUT_DIR:-/var/lib/kubelet/seccomp/cradle}

usage() { sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install-host.sh: $*" >&2; exit 1; }

edit_containerd_config=false
auto_profile=false
while (($#)); do
    case $1 in
        --edit-containerd-config) edit_containerd_config=true ;;
        --auto-profile) auto_profile=true ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "install-host.sh: unknown option \"$1\"" >&2; usage >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
(($# == 1)) || { usage >&2; exit 2; }
if $auto_profile; then
    source_hooks_d=$source_hooks_d_auto
fi
host_root=${1%/}
[[ -n $host_root ]] || host_root=/
[[ -d $host_root ]] || die "HOSTROOT \"$1\" is not a directory"
# Written into JSON as they are: a plain absolute path only.
for setting in "CRADLE_SOCKET=$socket" "CRADLE_OUTPUT_DIR=$output_dir"; do
    [[ ${setting#*=} =~ ^/[A-Za-z0-9._/-]+$ ]] || die "${setting%%=*} \"${setting#*=}\" is not a plain absolute path"
done
for file in "$source_bin/cradle-hook" "$source_bin/cradle-runc"; do
    [[ -x $file && -f $file ]] || die "\"$file\" is not an executable file (CRADLE_BIN)"
done
compgen -G "$source_hooks_d/*.json" > /dev/null || die "no hooks.d files in \"$source_hooks_d\" (CRADLE_HOOKS_D)"
[[ -f $source_containerd/cradle-runtime.toml ]] ||
    die "no cradle-runtime.toml in \"$source_containerd\" (CRADLE_CONTAINERD)"
[[ $socket == /* && $output_dir == /* ]] || die "CRADLE_SOCKET and CRADLE_OUTPUT_DIR must be absolute paths"

staged=
trap '[[ -z $staged ]] || rm -f "$staged"' EXIT

# place MODE TARGET: writes stdin to TARGET (a path on the host, written under HOSTROOT) with
# MODE, through a temporary file in TARGET's directory, flushed and then renamed over TARGET; the
# temporary name does not end in .json or .toml, so that no runtime reads it half-written. Leaves
# a TARGET that already has this content and mode as it is, and refuses empty content (a source
# that could not be read). Prints what it did. Stdin is a file or a process substitution, never
# a pipe: place must run in this shell, whose EXIT trap removes the temporary file on a failure.
place() {
    local mode=$1 target=$2
    local path=$host_root$target
    # A directory that exists keeps its mode: install -d would change it.
    [[ -d ${path%/*} ]] || install -d -m 0755 "${path%/*}"
    staged=$(mktemp "${path%/*}/.cradle.XXXXXX")
    cat > "$staged"
    [[ -s $staged ]] || die "nothing to write to $target"
    if [[ -f $path && ! -L $path ]] && cmp -s "$staged" "$path" && [[ $(stat -c %a "$path") == "${mode#0}" ]]; then
        rm -f "$staged"
        staged=
        echo "unchanged  $target"
        return 0
    fi
    chmod "$mode" "$staged"
    sync "$staged"
    mv -f "$staged" "$path"
    staged=
    echo "installed  $target"
}

# The binaries first: everything after names them. Both are static (hook/CMakeLists.txt), so
# they run on the host whatever its C library.
for binary in cradle-hook cradle-runc; do
    place 0755 "$HOST_BIN/$binary" < "$source_bin/$binary"
done

# The configuration the hook and cradle-runc read by default, and cradled (cradle.yaml) too: the
# same socket and output directory for all of them.
place 0644 "$HOST_CONFIG" << EOF
{
    "socket": "$socket",
    "output_dir": "$output_dir",
    "pin_dir": "/sys/fs/bpf/cradle",
    "hook": {
        "deadline_ms": 2000,
        "fail_closed": false
    },
    "runc_wrapper": {
        "runtime": "runc",
        "hook": "$HOST_BIN/cradle-hook",
        "poststop": false,
        "docker_root": "/var/lib/docker"
    },
    "auto_profile": {
        "enabled": $auto_profile,
        "template": "{namespace}_{workload}_{container}|{name}|{hostname}|{id}"
    }
}
EOF

for binary in cradle-hook cradle-runc; do
    [[ -x $host_root$HOST_BIN/$binary ]] || die "$HOST_BIN/$binary is not in place: no hooks.d files written"
done
for hook_file in "$source_hooks_d"/*.json; do
    place 0644 "$HOST_HOOKS_D/${hook_file##*/}" < <(sed "s|/usr/local/bin/cradle-hook|$HOST_BIN/cradle-hook|" "$hook_file")
done

# containerd: the runtime handler as a drop-in, with the binary where it is on this host and the
# cgroup driver runc has in the host's own configuration (the kubelet's must match it).
main_config=$host_root$HOST_CONTAINERD/config.toml
# Only runc's own options table counts (containerd 1.x's `...containerd.runtimes.runc.options`, 2.x's
# `...cri.v1.runtime'.containerd.runtimes.runc.options`): another runtime's setting says nothing of the kubelet's.
systemd_cgroup=false
if [[ -f $main_config ]] && awk '
    /^[[:space:]]*\[/ { in_runc = ($0 ~ /\.runtimes\.("runc"|'"'"'runc'"'"'|runc)\.options\][[:space:]]*(#.*)?$/) ; next }
    in_runc && /^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*true[[:space:]]*(#.*)?$/ { found = 1 }
    END { exit !found }' "$main_config"; then
    systemd_cgroup=true
fi
place 0644 "$HOST_CONTAINERD/conf.d/cradle.toml" < <(sed -e "s|/usr/local/bin/cradle-runc|$HOST_BIN/cradle-runc|" \
    -e "s|^\([[:space:]]*SystemdCgroup[[:space:]]*=\).*|\1 $systemd_cgroup|" "$source_containerd/cradle-runtime.toml")

if [[ ! -f $main_config ]]; then
    echo "note       $HOST_CONTAINERD/config.toml does not exist: not a containerd node, or containerd's defaults"
    echo "           (write one with version = 2 and imports = [\"$CONTAINERD_IMPORT\"] to use the drop-in)"
elif grep -Fq "\"$CONTAINERD_IMPORT\"" "$main_config"; then
    echo "note       $HOST_CONTAINERD/config.toml imports the drop-in; restart containerd once to load it"
elif grep -Eq '^[[:space:]]*imports[[:space:]]*=' "$main_config"; then
    echo "note       $HOST_CONTAINERD/config.toml has its own imports: add \"$CONTAINERD_IMPORT\" to them and restart containerd"
elif $edit_containerd_config; then
    # A top-level key must come before the first table: after `version = ...`, else first.
    place "$(stat -c %a "$main_config")" "$HOST_CONTAINERD/config.toml" < <(awk -v line="imports = [\"$CONTAINERD_IMPORT\"]" '
        !done && /^[[:space:]]*version[[:space:]]*=/ { print; print line; done = 1; next }
        !done && /^[[:space:]]*\[/ { print line; done = 1 }
        { print }
        END { if (!done) print line }' "$main_config")
    echo "note       restart containerd to load the runtime handler \"cradle\""
else
    echo "note       $HOST_CONTAINERD/config.toml does not import the drop-in: add"
    echo "             imports = [\"$CONTAINERD_IMPORT\"]"
    echo "           before its first table (or run with --edit-containerd-config), then restart containerd"
fi
