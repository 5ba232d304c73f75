"""The component spec: what `chartgen new` builds a chart from, given as options or as a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from chartgen import DEPLOYMENT_TYPES
from chartgen.errors import UsageError
from chartgen.resources import component_schema
from chartgen.schemacheck import explain
from chartgen.values import suggest
from chartgen.yamlio import load_yaml_file

DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
# The distribution reference grammar, simplified: an optional registry host
# with a port, then lowercase path components; tags of word characters, dots and hyphens.
IMAGE_REPOSITORY = re.compile(r"^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$")
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
IMAGE_DIGEST = re.compile(r"^[a-z0-9]+:[a-f0-9]{32,}$")
PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
ACCESS_MODES = ("ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany")

# The controller-revision-hash label is "<name>-<10-character hash>" and a label
# value may hold 63 characters, so a StatefulSet name may hold 52.
MAX_STATEFUL_NAME = 52
MAX_NAME = 63


@dataclass
class Port:
    name: str
    port: int
    service_port: int
    protocol: str = "TCP"


@dataclass
class Storage:
    size: str
    mount_path: str
    access_mode: str = "ReadWriteOnce"
    storage_class: str | None = None


@dataclass
class ImageReference:
    repository: str
    tag: str = ""
    digest: str = ""


@dataclass
class ComponentSpec:
    name: str
    deployment_type: str
    image: ImageReference
    replicas: int = 1
    cluster: bool = False
    peer_port: int | None = None
    ports: list[Port] = field(default_factory=list)
    storage: Storage | None = None
    description: str = ""
    chart: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    source: str = "command line"

    @property
    def is_stateful(self) -> bool:
        return self.deployment_type.startswith("stateful-")

    @property
    def app_version(self) -> str:
        if self.chart.get("appVersion"):
            return str(self.chart["appVersion"])
        if self.image.tag:
            return self.image.tag
        # A digest pins the image without naming a version; its first hex digits identify it.
        return self.image.digest.replace(":", "-")[:19] if self.image.digest else "latest"


def default_replicas(deployment_type: str, cluster: bool) -> int:
    """Instances when none are given: 3 for a cluster, 2 for other multi types, 1 for single types."""
    if cluster:
        return 3
    return 2 if deployment_type.endswith("-multi") else 1


def check_name(name: str, deployment_type: str, where: str = "NAME") -> None:
    if not DNS_LABEL.match(name):
        raise UsageError(
            f'{where} "{name}" is not a valid chart name. Use lowercase letters, digits and hyphens, '
            'starting with a letter and ending with a letter or digit, for example "my-app".'
        )

    limit = MAX_STATEFUL_NAME if deployment_type.startswith("stateful-") else MAX_NAME
    if len(name) > limit:
        kind = "a StatefulSet" if limit == MAX_STATEFUL_NAME else "a Deployment"
        raise UsageError(
            f'{where} "{name}" is {len(name)} characters, but {kind} name may be at most {limit}, '
            "and the release name usually comes in front of it. Choose a shorter name."
        )


def check_type(deployment_type: str, where: str = "--type") -> None:
    if deployment_type not in DEPLOYMENT_TYPES:
        raise UsageError(
            f'{where} "{deployment_type}" is not a deployment type.{suggest(deployment_type, DEPLOYMENT_TYPES)} '
            f"Choose one of: {', '.join(DEPLOYMENT_TYPES)}."
        )


def check_replicas(spec: ComponentSpec, where: str = "--replicas") -> None:
    if spec.replicas < 1:
        raise UsageError(f"{where} is {spec.replicas}, but a component needs at least 1 instance.")

    if spec.deployment_type.endswith("-single") and spec.replicas != 1:
        multi = spec.deployment_type.replace("-single", "-multi")
        raise UsageError(
            f"{where} is {spec.replicas}, but {spec.deployment_type} runs exactly 1 instance. "
            f"Drop {where}, or choose --type {multi} for more instances."
        )

    if spec.cluster and spec.deployment_type != "stateful-multi":
        raise UsageError(
            f"--cluster is set, but only stateful-multi runs as a cluster; the type is {spec.deployment_type}. "
            "Choose --type stateful-multi or drop --cluster."
        )

    if spec.cluster and (spec.replicas < 3 or spec.replicas % 2 == 0):
        nearest = max(3, spec.replicas + 1 if spec.replicas % 2 == 0 else spec.replicas)
        raise UsageError(
            f"{where} is {spec.replicas}, but a cluster needs an odd number of at least 3 members "
            f"to keep a majority when one fails. Use {nearest}."
        )


def check_storage(storage: Storage, spec: ComponentSpec, where: str = "--storage") -> None:
    if not QUANTITY.match(storage.size):
        hint = ""
        match = re.match(r"^([0-9.]+)\s*([KMGTPE])i?B$", storage.size, re.IGNORECASE)
        if match:
            hint = f' Did you mean "{match.group(1)}{match.group(2).upper()}i"?'
        raise UsageError(
            f'{where} size "{storage.size}" is not a Kubernetes quantity.{hint} '
            "Use a number followed by Ki, Mi, Gi or Ti (powers of 1024) or k, M, G or T (powers of 1000), for example 10Gi."
        )

    if re.match(r"^0+(\.0+)?[A-Za-z]*$", storage.size):
        raise UsageError(f'{where} size "{storage.size}" is zero. Give the volume a size such as 10Gi.')

    if not storage.mount_path.startswith("/") or storage.mount_path.rstrip("/") == "":
        raise UsageError(f'{where} mount path "{storage.mount_path}" must be an absolute path below the root, such as /data.')

    if storage.access_mode not in ACCESS_MODES:
        raise UsageError(
            f'{where} access mode "{storage.access_mode}" is not one of {", ".join(ACCESS_MODES)}.'
            f"{suggest(storage.access_mode, ACCESS_MODES)}"
        )

    shared = spec.deployment_type == "stateless-multi" and spec.replicas > 1
    if shared and storage.access_mode in ("ReadWriteOnce", "ReadWriteOncePod"):
        raise UsageError(
            f"{where} access mode is {storage.access_mode}, but {spec.replicas} stateless-multi replicas would share "
            "the one volume, and such a volume attaches to one node only. Use ReadWriteMany or ReadOnlyMany, "
            "or a stateful type so that each instance gets its own volume."
        )


def check_ports(ports: list[Port], where: str = "--port") -> None:
    seen: set[str] = set()
    for port in ports:
        if not (1 <= port.port <= 65535):
            raise UsageError(f"{where} {port.port} is not a port number. Use 1 to 65535.")
        if len(port.name) > 15 or not PORT_NAME.match(port.name) or not re.search("[a-z]", port.name):
            raise UsageError(
                f'{where} name "{port.name}" is not a valid port name. Use at most 15 lowercase letters, '
                "digits and hyphens, with at least one letter."
            )
        if port.name in seen:
            raise UsageError(f'{where} name "{port.name}" is used twice. Give each port its own name.')
        seen.add(port.name)

    for attribute, what in (("port", "container port"), ("service_port", "Service port")):
        numbers = [(getattr(port, attribute), port.protocol) for port in ports]
        repeated = sorted({number for number in numbers if numbers.count(number) > 1})
        if repeated:
            number, protocol = repeated[0]
            raise UsageError(f"{where}: the {what} {number}/{protocol} is given twice, and Kubernetes rejects duplicate ports. Give each port its own number.")


def check_spec(spec: ComponentSpec, *, from_file: bool = False) -> None:
    """Raise UsageError for the first problem in the spec, naming the option or key that sets it."""
    names = {
        "name": "name" if from_file else "NAME",
        "type": "type" if from_file else "--type",
        "replicas": "replicas" if from_file else "--replicas",
        "storage": "storage" if from_file else "--storage",
        "ports": "ports" if from_file else "--port",
    }
    if from_file:
        names = {key: f"{spec.source}::{value}" for key, value in names.items()}

    check_type(spec.deployment_type, names["type"])
    check_name(spec.name, spec.deployment_type, names["name"])
    check_replicas(spec, names["replicas"])
    check_ports(spec.ports, names["ports"])
    if spec.storage:
        check_storage(spec.storage, spec, names["storage"])


def parse_image(text: str, where: str = "--image") -> ImageReference:
    """Split REPOSITORY[:TAG][@DIGEST]; a colon before the last slash belongs to a registry host's port."""
    reference, _, digest = text.partition("@")
    slash = reference.rfind("/")
    colon = reference.rfind(":")
    if colon > slash:
        repository, tag = reference[:colon], reference[colon + 1:]
    else:
        repository, tag = reference, ""

    valid = (
        IMAGE_REPOSITORY.match(repository)
        and (not tag or IMAGE_TAG.match(tag))
        and (not digest or IMAGE_DIGEST.match(digest))
        and not (colon > slash and not tag)
    )
    if not valid:
        raise UsageError(
            f'{where} "{text}" is not an image reference. Use REPOSITORY[:TAG][@DIGEST] with a lowercase repository, '
            "for example nginx:1.27 or registry.example.com:5000/team/app:2.1.0."
        )
    return ImageReference(repository=repository, tag=tag, digest=digest)


def parse_port(text: str, index: int) -> Port:
    """Parse [NAME:]PORT[/PROTOCOL] from --port."""
    body, _, protocol = text.partition("/")
    name, _, number = body.rpartition(":")
    if not number.isdigit():
        raise UsageError(f'--port "{text}" is not a port. Use [NAME:]PORT[/PROTOCOL], for example 8080 or peer:2380/TCP.')

    protocol = protocol.upper() or "TCP"
    if protocol not in ("TCP", "UDP", "SCTP"):
        raise UsageError(f'--port "{text}" has protocol "{protocol}". Use TCP, UDP or SCTP.')

    port = int(number)
    return Port(name=name or default_port_name(index, port), port=port, service_port=port, protocol=protocol)


def default_port_name(index: int, port: int) -> str:
    return "http" if index == 0 else f"port-{port}"


def parse_storage(text: str, storage_class: str | None) -> Storage:
    """Parse SIZE:MOUNT_PATH[:ACCESS_MODE] from --storage."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise UsageError(f'--storage "{text}" is not SIZE:MOUNT_PATH[:ACCESS_MODE]. Use for example 10Gi:/var/lib/data.')
    access_mode = parts[2] if len(parts) == 3 else "ReadWriteOnce"
    return Storage(size=parts[0], mount_path=parts[1], access_mode=access_mode, storage_class=storage_class)


def load_spec_file(path: Path) -> ComponentSpec:
    """Read and check a component spec file; every problem is a UsageError naming the file and key."""
    document = load_yaml_file(path)
    if not isinstance(document, dict):
        raise UsageError(f"{path}: a component spec is a mapping with at least name, type and image.")

    validator = jsonschema.Draft7Validator(component_schema())
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    if errors:
        raise UsageError(format_spec_error(path, errors[0]))

    check_values_block(path, document.get("values") or {})
    spec = spec_from_document(document, source=str(path))
    check_spec(spec, from_file=True)
    return spec


# Keys of the values block that the spec's own keys set. Two places for one
# setting would let the chart's values.yaml, README and ci/ files disagree.
SPEC_OWNED_VALUES = {
    "deploymentType": "type",
    "replicaCount": "replicas",
    "image": "image",
    "containerPorts": "ports",
    "cluster": "cluster",
}


def check_values_block(path: Path, values: dict[str, Any]) -> None:
    for key, spec_key in SPEC_OWNED_VALUES.items():
        if key in values:
            raise UsageError(f"{path}::values.{key}: set this with the spec's own `{spec_key}` key, not in the values block.")


def format_spec_error(path: Path, error: jsonschema.ValidationError) -> str:
    key_path, message, fix = explain(error)
    where = f"{path}::{key_path}" if key_path else str(path)
    return f"{where}: {message}" + (f" Fix: {fix}." if fix else "")


def spec_from_document(document: dict[str, Any], *, source: str) -> ComponentSpec:
    cluster = document.get("cluster") or {}
    ports = [
        Port(
            name=entry.get("name") or default_port_name(index, entry["port"]),
            port=entry["port"],
            service_port=entry.get("servicePort", entry["port"]),
            protocol=entry.get("protocol", "TCP"),
        )
        for index, entry in enumerate(document.get("ports") or [])
    ]
    storage_doc = document.get("storage")
    storage = (
        Storage(
            size=storage_doc["size"],
            mount_path=storage_doc["mountPath"],
            access_mode=storage_doc.get("accessMode", "ReadWriteOnce"),
            storage_class=storage_doc.get("storageClass"),
        )
        if storage_doc
        else None
    )
    cluster_enabled = "cluster" in document and cluster.get("enabled", True)
    return ComponentSpec(
        name=document["name"],
        deployment_type=document["type"],
        image=parse_image(document["image"], where=f"{source}::image"),
        replicas=document.get("replicas", default_replicas(document["type"], cluster_enabled)),
        cluster=cluster_enabled,
        peer_port=cluster.get("peerPort"),
        ports=ports,
        storage=storage,
        description=document.get("description", ""),
        chart=dict(document.get("chart") or {}),
        values=dict(document.get("values") or {}),
        source=source,
    )
