#!/usr/bin/env bash
# Installs, from Debian's packages, everything Cradle needs to build, run and test.
# Idempotent: packages already present are left as they are.
#   ./install/deps.sh              everything
#   ./install/deps.sh --minimal    only what builds and runs Cradle (install/setup.sh --install-only)
set -euo pipefail

minimal=(
    # build
    cmake g++ make pkg-config clang llvm bpftool
    libbpf-dev libseccomp-dev nlohmann-json3-dev libcap-dev libspdlog-dev doctest-dev
    # run: the configuration (jq), the sample rootfs and calibration bundles (python3, busybox-static)
    jq python3 busybox-static
)
packages=(
    "${minimal[@]}"
    # run and test
    runc strace bpftrace python3-yaml util-linux procps
    # the 6.1 kernel under qemu, for the attach points this kernel refuses
    qemu-system-x86 cpio
    # podman, which reaches cradle-hook through hooks.d (its tests run it with --runtime runc)
    podman
    # the runtimes cradle-runc wraps runc for (tests/integration/test_containerd.sh, test_docker.sh)
    containerd docker.io
    # systemd-analyze, which checks the systemd lines of cradle options (test_run_option_formats)
    systemd
    # the CRI client test_cri.sh speaks to containerd's CRI plugin with, as a kubelet would
    # (Debian 12 has no crictl): gRPC, and protoc for its stubs
    python3-grpcio python3-grpc-tools
)
# gcc -m32 -static: the i386 program whose syscalls test_compat_abi records per ABI (amd64 only)
[[ $(dpkg --print-architecture) != amd64 ]] || packages+=(gcc-multilib)
# A CI runner brings its own container runtimes, and Debian's runc, containerd and docker.io
# conflict with those of GitHub's Ubuntu runner (moby-runc, moby-containerd, moby-engine).
[[ ${1:-} != --minimal ]] || packages=("${minimal[@]}")

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
