#!/usr/bin/env python3
"""A minimal CRI client for the tests: one call of the CRI's runtime.v1 RuntimeService.

It makes the call as a kubelet does, with the request and the response in proto3's JSON mapping.

    cri_client.py --address SOCKET --stubs DIR METHOD [REQUEST_JSON]

METHOD is a call of cri_runtime.proto (RunPodSandbox, CreateContainer, ContainerStatus...);
the request is REQUEST_JSON, else read from stdin ("{}" when empty). DIR holds the stubs that
`python3 -m grpc_tools.protoc --python_out=DIR --grpc_python_out=DIR cri_runtime.proto` made.
The response goes to stdout as JSON with the proto's field names, default values included.
Exit status: 0 on success, 1 when the call fails (its gRPC status and message on stderr), 2 on
a usage error or a request that does not parse.

Example:
    cri_client.py --address /run/containerd/containerd.sock --stubs /tmp/cri Version '{}'
"""
import argparse
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--address", required=True, help="the runtime's gRPC socket (a path)")
    parser.add_argument("--stubs", required=True, help="the directory of the generated stubs")
    parser.add_argument("--timeout", type=float, default=30, help="seconds a call may take (default 30)")
    parser.add_argument("method")
    parser.add_argument("request", nargs="?")
    args = parser.parse_args()

    sys.path.insert(0, args.stubs)
    try:
        import grpc
        from google.protobuf import json_format
        import cri_runtime_pb2
        import cri_runtime_pb2_grpc
    except ImportError as error:
        print(f"cri_client.py: {error} (python3-grpcio, and the stubs in \"{args.stubs}\")", file=sys.stderr)
        return 2

    service = cri_runtime_pb2.DESCRIPTOR.services_by_name["RuntimeService"]
    if args.method not in service.methods_by_name:
        parser.error(f"unknown method \"{args.method}\" (one of {', '.join(service.methods_by_name)})")
    request_type = getattr(cri_runtime_pb2, service.methods_by_name[args.method].input_type.name)
    text = args.request if args.request is not None else sys.stdin.read()
    try:
        request = json_format.Parse(text.strip() or "{}", request_type())
    except json_format.ParseError as error:
        print(f"cri_client.py: request for {args.method} does not parse: {error}", file=sys.stderr)
        return 2

    with grpc.insecure_channel(f"unix://{args.address}") as channel:
        call = getattr(cri_runtime_pb2_grpc.RuntimeServiceStub(channel), args.method)
        try:
            response = call(request, timeout=args.timeout)
        except grpc.RpcError as error:
            print(f"cri_client.py: {args.method}: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    print(json_format.MessageToJson(response, preserving_proto_field_name=True,
                                    including_default_value_fields=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
