#!/usr/bin/env bash
# Installs onto a Kubernetes node what its container runtime needs to reach the cradled that the
# DaemonSet runs there (cradle.yaml's init container runs it, with the host's directories under
# HOSTROOT):
#   HOSTROOT/opt/cradle/bin/cradle-hook, cradle-runc        the hook and the runtime wrapper
#   HOSTROOT/etc/cradle/cradle.json                          their configuration, and cradled's
#   HOSTROOT/usr/share/containers/oci/hooks.d/*.json         CRI-O (and podman): the hook
#   HOSTROOT/etc/containerd/config.toml                      containerd: the runtime handler "cradle",
#                                                            with --edit-containerd-config only
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
# containerd (1.6, 1.7: config.toml with version = 2) takes the runtime handler only in
# config.toml itself: an imported drop-in replaces the node's whole CRI table. Without
# --edit-containerd-config, config.toml is left as it is and the lines to add are printed. With
# it, they are added at its end between BEGIN and END comment lines (rewritten by the next run;
# the rest of the file is kept byte for byte), with a runc table equal to containerd's default
# when the file names no runc, since naming cradle alone would make runc vanish; with no
# config.toml, one is written (version = 2, and those lines). A config.toml of another version,
# naming a runtime "cradle" of its own, or that is a symbolic link, is left alone. Restarting
# containerd stays yours.
# A conf.d/cradle.toml that earlier versions installed is removed.
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
# hooks.d files and containerd's runtime handler name binaries by these paths.
readonly HOST_BIN=/opt/cradle/bin
readonly HOST_CONFIG=/etc/cradle/cradle.json
readonly HOST_HOOKS_D=/usr/share/containers/oci/hooks.d
readonly HOST_CONTAINERD=/etc/containerd

source_bin=${CRADLE_BIN:-/opt/cradle/bin}
source_hooks_d=${CRADLE_HOOKS_D:-/opt/cradle/share/hooks.d}
source_hooks_d_auto=${CRADLE_HOOKS_D_AUTO:-/opt/cradle/share/hooks.d-auto}
source_containerd=${CRADLE_CONTAINERD:-/opt/cradle/share/containerd}
socket=${CRADLE_SOCKET:-/run/cradle/cradle.sock}
output_dir=${CRADLE_OUTPUT_DIR:-/var/lib/kubelet/seccomp/cradle}

usage() { sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//'; }
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


# containerd: the runtime handler "cradle" goes into config.toml itself, never into a drop-in.
# containerd 1.6 and 1.7 (config version 2) merge an imported file section by section: a
# plugin's whole table from the import replaces the main file's (mergeConfig in
# services/server/config/config.go, v1.6.x and v1.7.x: `to.Plugins[k] = v`), so a drop-in naming
# the CRI plugin drops the node's sandbox_image, runc and SystemdCgroup, and the CRI plugin then
# fails to load. And their CRI plugin decodes its table with go-toml v1, which builds the
# runtimes map afresh (vendor/github.com/pelletier/go-toml/marshal.go, reflect.MakeMap): a file
# that names any runtime loses the built-in default runc unless it names runc too. containerd
# 2.x (config version 3, whose CRI runtime plugin is io.containerd.cri.v1.runtime) merges plugin
# tables key by key (since 2.0.0, cmd/containerd/server/config/config.go) and decodes with
# go-toml v2 into the default map, but that is not run here: a version 3 file is left alone.
main_config=$host_root$HOST_CONTAINERD/config.toml
# Earlier versions of this script installed the drop-in: containerd 1.x breaks on it.
old_drop_in=$host_root$HOST_CONTAINERD/conf.d/cradle.toml
if [[ -f $old_drop_in ]]; then
    rm -f "$old_drop_in"
    echo "removed    $HOST_CONTAINERD/conf.d/cradle.toml (replaced by tables in config.toml)"
fi

# Only runc's own options table counts (containerd 1.x's `...containerd.runtimes.runc.options`, 2.x's
# `...cri.v1.runtime'.containerd.runtimes.runc.options`): another runtime's setting says nothing of the kubelet's.
systemd_cgroup=false
if [[ -f $main_config ]] && awk '
    /^[[:space:]]*\[/ { in_runc = ($0 ~ /\.runtimes\.("runc"|'"'"'runc'"'"'|runc)\.options\][[:space:]]*(#.*)?$/) ; next }
    in_runc && /^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*true[[:space:]]*(#.*)?$/ { found = 1 }
    END { exit !found }' "$main_config"; then
    systemd_cgroup=true
fi

# The lines this script owns in config.toml: from BEGIN to END, after one empty line. A later
# run removes them and writes them anew at the end, so they follow cradle-runc's path and runc's
# SystemdCgroup, and an unchanged result leaves the file alone.
readonly BEGIN_MARK="# BEGIN cradle: the runtime handler \"cradle\" (install-host.sh rewrites these lines)"
readonly END_MARK="# END cradle"
# unowned: config.toml without this script's lines (and the empty line before them).
unowned() {
    awk -v begin="$BEGIN_MARK" -v end="$END_MARK" '
        $0 == begin { skipping = 1; blank = 0; next }
        skipping { if ($0 == end) skipping = 0; next }
        blank { print ""; blank = 0 }
        $0 == "" { blank = 1; next }
        { print }
        END { if (blank) print "" }' "$main_config"
}
# mentions KEY: a line of config.toml outside this script's that is not a comment names the CRI
# runtime KEY (a table header or a dotted key, with KEY bare or quoted).
mentions() {
    local lines
    lines=$(unowned | grep -v '^[[:space:]]*#') || true
    grep -Eq "runtimes\\.(\"$1\"|'$1'|$1)([].[:space:]=]|\$)" <<< "$lines"
}
# The tables to add: runc's as containerd's default (runtime_type io.containerd.runc.v2, every
# option at its zero value but SystemdCgroup) where config.toml does not name runc, since naming
# cradle alone would make runc vanish; then cradle's, from cradle-runtime.toml without its
# leading comment, with the binary where it is on this host and runc's cgroup driver.
handler_tables() {
    echo "$BEGIN_MARK"
    if ! [[ -f $main_config ]] || ! mentions runc; then
        printf '%s\n' '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]' \
            '  runtime_type = "io.containerd.runc.v2"' '' \
            '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]' \
            "  SystemdCgroup = $systemd_cgroup" ''
    fi
    awk 'started || /^\[/ { started = 1; print }' "$source_containerd/cradle-runtime.toml" |
        sed -e "s|/usr/local/bin/cradle-runc|$HOST_BIN/cradle-runc|" \
            -e "s|^\([[:space:]]*SystemdCgroup[[:space:]]*=\).*|\1 $systemd_cgroup|"
    echo "$END_MARK"
}
# edited: config.toml as it is to be (a new one: version 2 and the tables).
edited() {
    if [[ -f $main_config ]]; then
        unowned
    else
        echo "version = 2"
    fi
    echo
    handler_tables
}
# show_edit WHAT: says what to add to config.toml, verbatim.
show_edit() {
    echo "note       $1; then restart containerd:"
    handler_tables | sed '/./s/^/             /'
}

config_version=
marks=
if [[ -f $main_config ]]; then
    # The top-level version, before the first table; and BEGIN/END as B/E, in order.
    config_version=$(awk '
        /^[[:space:]]*\[/ { exit }
        /^[[:space:]]*version[[:space:]]*=/ { sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]*(#.*)?$/, ""); print; exit }
        ' "$main_config")
    marks=$(awk -v begin="$BEGIN_MARK" -v end="$END_MARK" '
        $0 == begin { printf "B" }
        $0 == end { printf "E" }' "$main_config")
fi
if [[ -f $main_config && $config_version != 2 ]]; then
    # Version 1 names plugins otherwise; version 3 is containerd 2.x's (install/containerd/README.md).
    echo "note       $HOST_CONTAINERD/config.toml has version \"${config_version:-1}\", not 2: not edited;"
    echo "           add the runtime handler \"cradle\" by hand (install/containerd/README.md), then restart containerd"
elif [[ -n $marks && $marks != BE ]]; then
    echo "note       $HOST_CONTAINERD/config.toml has this script's BEGIN/END lines broken: not edited;"
    echo "           remove them"
elif [[ -f $main_config ]] && mentions cradle; then
    echo "note       $HOST_CONTAINERD/config.toml names a runtime \"cradle\" of its own: not edited"
elif [[ -f $main_config ]] && cmp -s <(edited) "$main_config"; then
    echo "unchanged  $HOST_CONTAINERD/config.toml (it has the runtime handler \"cradle\")"
elif $edit_containerd_config && [[ -L $main_config ]]; then
    # Renaming over it would replace the link, not the file it names.
    echo "note       $HOST_CONTAINERD/config.toml is a symbolic link: not edited; edit the file it names"
    show_edit "add these lines at its end"
elif $edit_containerd_config; then
    if [[ -f $main_config ]]; then
        place "$(stat -c %a "$main_config")" "$HOST_CONTAINERD/config.toml" < <(edited)
    else
        place 0644 "$HOST_CONTAINERD/config.toml" < <(edited)
    fi
    echo "note       restart containerd to load the runtime handler \"cradle\""
elif [[ ! -f $main_config ]]; then
    echo "note       $HOST_CONTAINERD/config.toml does not exist: not a containerd node, or containerd's defaults"
    show_edit "to add the runtime handler \"cradle\", write it with \"version = 2\" and these lines
           (or run with --edit-containerd-config)"
else
    [[ $marks != BE ]] || echo "note       $HOST_CONTAINERD/config.toml has the runtime handler \"cradle\", not as it is now"
    show_edit "$HOST_CONTAINERD/config.toml is left as it is: add these lines at its end, replacing any
           between the same BEGIN and END lines (or run with --edit-containerd-config)"
fi
