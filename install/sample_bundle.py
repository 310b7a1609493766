#!/usr/bin/env python3
"""Makes the sample container: a busybox root filesystem and OCI bundles for runc.

  sample_bundle.py rootfs DIR
      A root filesystem from Debian's busybox-static (no registry needed).
  sample_bundle.py bundle DIR --rootfs ROOTFS [options] -- COMMAND...
      An OCI bundle (DIR/config.json from `runc spec`) running COMMAND in ROOTFS, read-only
      with a tmpfs on /tmp, with Docker's default capabilities unless --caps says otherwise.

Used by install/setup.sh and the integration tests.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

# Docker's default capability set (moby's oci/caps/defaults.go).
DOCKER_CAPABILITIES = [
    "CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
    "CAP_SETUID", "CAP_SYS_CHROOT",
]

# Installs a seccomp filter that refuses nothing a container does, so the runtime's own
# post-filter syscalls can be measured (see README, "calibration").
PERMISSIVE_SECCOMP = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}],
}

APPLETS = ["sh", "cat", "chown", "echo", "id", "ls", "mkdir", "rm", "sleep", "sync", "touch", "true",
           "uname", "grep", "wc", "head", "date", "stat"]


def make_rootfs(directory):
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox):
        sys.exit("sample_bundle.py: busybox not found (apt-get install busybox-static)")
    for sub in ("bin", "proc", "sys", "dev", "tmp", "etc"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    shutil.copy2(busybox, os.path.join(directory, "bin", "busybox"))
    for applet in APPLETS:
        link = os.path.join(directory, "bin", applet)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    with open(os.path.join(directory, "etc", "passwd"), "w") as passwd:
        passwd.write("root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n")


def capabilities(spec):
    if spec == "docker":
        return list(DOCKER_CAPABILITIES)
    if spec in ("", "none"):
        return []
    names = [name.strip().upper() for name in spec.split(",") if name.strip()]
    return sorted(name if name.startswith("CAP_") else "CAP_" + name for name in names)


def make_bundle(args):
    os.makedirs(args.directory, exist_ok=True)
    config_path = os.path.join(args.directory, "config.json")
    if os.path.exists(config_path):
        os.remove(config_path)
    subprocess.run(["runc", "spec"], cwd=args.directory, check=True)
    with open(config_path) as file:
        config = json.load(file)

    config["root"] = {"path": os.path.abspath(args.rootfs), "readonly": True}
    process = config["process"]
    process["terminal"] = False
    process["args"] = args.command
    process["noNewPrivileges"] = not args.allow_new_privileges
    caps = capabilities(args.caps)
    process["capabilities"] = {kind: list(caps) for kind in ("bounding", "effective", "permitted")}
    config["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                             "options": ["nosuid", "nodev", "mode=1777"]})
    config["hostname"] = "cradle-sample"

    if args.seccomp == "permissive":
        config["linux"]["seccomp"] = PERMISSIVE_SECCOMP
    elif args.seccomp:
        with open(args.seccomp) as file:
            config["linux"]["seccomp"] = json.load(file)

    if args.profile is not None:
        config["annotations"] = {"io.cradle.profile": args.profile}
    if args.hook:
        base = ["cradle-hook"] + (["--socket", args.socket] if args.socket else []) + \
               (["--config", args.hook_config] if args.hook_config else [])
        environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        # "status": no stage argument, the hook follows the state's status instead.
        stage_argument = lambda stage: [] if args.hook_stage == "status" else [stage]
        start_stage = "prestart" if args.hook_stage == "prestart" else "createRuntime"
        hooks = {start_stage: [{"path": args.hook, "args": base + stage_argument(start_stage), "env": environment}]}
        if not args.no_poststop:
            hooks["poststop"] = [{"path": args.hook, "args": base + stage_argument("poststop"), "env": environment}]
        config["hooks"] = hooks

    with open(config_path, "w") as file:
        json.dump(config, file, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="what", required=True)
    rootfs = commands.add_parser("rootfs")
    rootfs.add_argument("directory")
    bundle = commands.add_parser("bundle")
    bundle.add_argument("directory")
    bundle.add_argument("--rootfs", required=True)
    bundle.add_argument("--profile", help="value of the io.cradle.profile annotation")
    bundle.add_argument("--hook", help="path of cradle-hook; adds createRuntime and poststop hooks")
    bundle.add_argument("--socket", help="collector socket passed to the hook")
    bundle.add_argument("--hook-config", help="configuration file passed to the hook")
    bundle.add_argument("--no-poststop", action="store_true", help="leave out the poststop hook")
    bundle.add_argument("--hook-stage", choices=["createRuntime", "prestart", "status"], default="createRuntime",
                        help="where the hook registers; 'status': createRuntime without a stage argument")
    bundle.add_argument("--caps", default="docker", help="docker (default), none, or CHOWN,SETUID,...")
    bundle.add_argument("--seccomp", help="a seccomp profile file, or 'permissive'")
    bundle.add_argument("--allow-new-privileges", action="store_true")
    bundle.add_argument("command", nargs="+")
    args = parser.parse_args()
    if args.what == "rootfs":
        make_rootfs(args.directory)
    else:
        make_bundle(args)


if __name__ == "__main__":
    main()
