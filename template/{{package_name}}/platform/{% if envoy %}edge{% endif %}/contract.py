"""What Envoy needs of the contract: its descriptor set, its services, and
the JSON keys each transcoded method accepts. All of it is read from the
generated `v1_pb2`, so a new model and service reach Envoy through
`manage.py protos` alone."""

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FileDescriptor
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]

from ...v1 import v1_pb2


def descriptor_set() -> bytes:
    """The contract and everything it imports, as a serialized FileDescriptorSet."""
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}

    def add(file: FileDescriptor) -> None:
        for dependency in file.dependencies:
            add(dependency)
        if file.name not in files:
            proto = descriptor_pb2.FileDescriptorProto()
            file.CopyToProto(proto)
            files[file.name] = proto

    add(v1_pb2.DESCRIPTOR)
    # The transcoder prints an error's google.rpc.Status, details included,
    # only if it knows the detail types (google.rpc.BadRequest).
    add(status_pb2.DESCRIPTOR)
    add(error_details_pb2.DESCRIPTOR)
    return descriptor_pb2.FileDescriptorSet(file=list(files.values())).SerializeToString()


def service_names() -> list[str]:
    return sorted(service.full_name for service in v1_pb2.DESCRIPTOR.services_by_name.values())


def json_fields_by_path() -> dict[str, dict[str, str]]:
    """For each transcoded path, the JSON keys its request message accepts
    (proto names and their lowerCamelCase JSON names), each with the shape of
    its value: "list" for a repeated field, "object" for a message, "any" for a
    JSON value (google.protobuf.Value), else "single"."""
    paths = {}
    for service in v1_pb2.DESCRIPTOR.services_by_name.values():
        for method in service.methods:
            shapes = {}
            for message_field in method.input_type.fields:
                if message_field.is_repeated:
                    shape = "list"
                elif message_field.message_type is None:
                    shape = "single"
                elif message_field.message_type.full_name == "google.protobuf.Value":
                    shape = "any"  # a JSON column: any JSON value
                elif message_field.message_type.full_name == "google.protobuf.ListValue":
                    shape = "list"
                else:
                    shape = "object"
                shapes.update({message_field.name: shape, message_field.json_name: shape})
            paths[f"/{service.full_name}/{method.name}"] = dict(sorted(shapes.items()))
    return paths
