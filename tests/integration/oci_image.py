#!/usr/bin/env python3
"""Makes an OCI image archive of one layer from a root filesystem, for `ctr images import`
where no registry can be reached.

    oci_image.py ROOTFS NAME ARCHIVE [--entrypoint ARG]... [--cmd ARG]...

The archive is an OCI image layout (oci-layout, index.json, blobs/sha256/...) in a tar file: an
uncompressed layer holding ROOTFS as it is (owners and modes kept), the image configuration for
this machine's architecture, and the manifest, named NAME (a full reference such as
localhost/cradle/pause:1) by the annotation containerd's importer reads.

Example:
    oci_image.py /tmp/rootfs localhost/cradle/busybox:1 /tmp/busybox.tar --cmd /bin/sh
"""
import argparse
import hashlib
import io
import json
import os
import platform
import sys
import tarfile
import tempfile

ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}


def layer_tar(rootfs, output):
    """Writes ROOTFS as a layer (paths relative to its root, sorted) to the file OUTPUT."""
    with tarfile.open(fileobj=output, mode="w", format=tarfile.PAX_FORMAT) as layer:
        for directory, subdirectories, files in os.walk(rootfs):
            subdirectories.sort()
            for name in sorted(subdirectories + files):
                path = os.path.join(directory, name)
                layer.add(path, arcname=os.path.relpath(path, rootfs), recursive=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("rootfs")
    parser.add_argument("name", help="the image's full reference")
    parser.add_argument("archive")
    parser.add_argument("--entrypoint", action="append", default=[], help="one argument of the entrypoint")
    parser.add_argument("--cmd", action="append", default=[], help="one argument of the command")
    args = parser.parse_args()
    if not os.path.isdir(args.rootfs):
        parser.error(f"no directory \"{args.rootfs}\"")
    architecture = ARCHITECTURES.get(platform.machine())
    if architecture is None:
        print(f"oci_image.py: unknown architecture \"{platform.machine()}\"", file=sys.stderr)
        return 2

    blobs = {}

    def blob(data, media_type):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    with tempfile.TemporaryFile() as layer_file:
        layer_tar(args.rootfs, layer_file)
        layer_file.seek(0)
        layer_data = layer_file.read()
    layer = blob(layer_data, "application/vnd.oci.image.layer.v1.tar")
    image_config = {
        "architecture": architecture,
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "WorkingDir": "/"},
        # An uncompressed layer is its own diff.
        "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]},
    }
    if args.entrypoint:
        image_config["config"]["Entrypoint"] = args.entrypoint
    if args.cmd:
        image_config["config"]["Cmd"] = args.cmd
    config = blob(json.dumps(image_config, sort_keys=True).encode(), "application/vnd.oci.image.config.v1+json")
    manifest = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                "config": config, "layers": [layer]}, sort_keys=True).encode(),
                    "application/vnd.oci.image.manifest.v1+json")
    tag = args.name.rsplit(":", 1)[1] if ":" in args.name.rsplit("/", 1)[-1] else "latest"
    manifest["platform"] = {"architecture": architecture, "os": "linux"}
    manifest["annotations"] = {"io.containerd.image.name": args.name, "org.opencontainers.image.ref.name": tag}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [manifest]}

    files = {"oci-layout": json.dumps({"imageLayoutVersion": "1.0.0"}).encode(),
             "index.json": json.dumps(index, sort_keys=True).encode()}
    files.update({"blobs/sha256/" + digest.split(":", 1)[1]: data for digest, data in blobs.items()})
    with tarfile.open(args.archive, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for directory in ("blobs", "blobs/sha256"):
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            archive.addfile(info)
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
