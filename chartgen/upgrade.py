"""check-upgrade: what an upgrade from one set of values to another does to the component's data.

Both sides are rendered with `helm template`, so the claims and workloads
compared are the ones the chart really produces. A StatefulSet's claims do not
appear in the output: they are derived from its volumeClaimTemplates as the
controller names them, `<template>-<statefulset>-<ordinal>`.
"""

from __future__ import annotations

import enum
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from chartgen.errors import ChartgenError, UsageError
from chartgen.helm import DEFAULT_RELEASE, run_helm
from chartgen.helmvalues import UserValues, apply_set_flags, load_values_file
from chartgen.yamlio import load_all_documents

WORKLOAD_KINDS = ("StatefulSet", "Deployment")


class Outcome(str, enum.Enum):
    """The effect of an upgrade on one claim."""

    REUSED = "reused"
    ORPHANED = "orphaned"
    DELETED = "deleted"
    NEW = "new"
    UNMERGEABLE = "unmergeable"
    INCOMPATIBLE = "incompatible"

    def __str__(self) -> str:
        return self.value


# Outcomes after which data is lost, left unmounted, or the upgrade fails.
UNSAFE_OUTCOMES = (Outcome.ORPHANED, Outcome.DELETED, Outcome.UNMERGEABLE, Outcome.INCOMPATIBLE)

EXPLANATIONS = {
    Outcome.REUSED: "kept and mounted again",
    Outcome.ORPHANED: "kept with its data, but no longer mounted",
    Outcome.DELETED: "deleted with its data",
    Outcome.NEW: "created empty",
    Outcome.UNMERGEABLE: "per-instance data that cannot be merged into the one shared volume; kept but no longer mounted",
    Outcome.INCOMPATIBLE: "kept, but the new values ask for a claim that differs in a field Kubernetes cannot change",
}


@dataclass(frozen=True)
class Claim:
    """One PersistentVolumeClaim, as a side of the upgrade uses it."""

    name: str
    size: str
    access_modes: tuple[str, ...]
    storage_class: str | None
    origin: str  # "template" (a StatefulSet's), "chart" (rendered as an object) or "existing"
    ordinal: int | None = None
    retention_when_scaled: str = "Retain"
    retention_when_deleted: str = "Retain"
    keep: bool = False


@dataclass(frozen=True)
class Workload:
    kind: str
    name: str
    replicas: int | None
    spec: dict[str, Any]


@dataclass
class Side:
    """The rendering of one set of values: its workload and the claims it mounts or creates."""

    workload: Workload | None
    claims: dict[str, Claim]


@dataclass(frozen=True)
class VolumeChange:
    claim: str
    outcome: Outcome
    before: Claim | None
    after: Claim | None
    note: str = ""


@dataclass(frozen=True)
class ImmutableChange:
    """A change the API server rejects on an existing object, and what to do instead."""

    kind: str
    name: str
    field: str
    before: Any
    after: Any
    fix: str


@dataclass
class UpgradeReport:
    release: str
    namespace: str
    before: Side
    after: Side
    volumes: list[VolumeChange] = field(default_factory=list)
    immutable: list[ImmutableChange] = field(default_factory=list)
    needs_acknowledgement: bool = False

    @property
    def type_switch(self) -> bool:
        return bool(self.before.workload and self.after.workload and self.before.workload.kind != self.after.workload.kind)

    @property
    def safe(self) -> bool:
        unsafe_volume = any(change.outcome in UNSAFE_OUTCOMES for change in self.volumes)
        return not (unsafe_volume or self.immutable or self.needs_acknowledgement)


@dataclass
class UpgradeRequest:
    chart: Path
    new_values: list[Path]
    old_values: list[Path] = field(default_factory=list)
    set_flags: list[tuple[str, str]] = field(default_factory=list)
    release: str | None = None
    namespace: str = "default"
    helm: str | None = None

    @property
    def release_name(self) -> str:
        return self.release or DEFAULT_RELEASE


def check_upgrade(request: UpgradeRequest) -> UpgradeReport:
    """Render both sides and compare their claims and workloads."""
    with old_values_files(request) as old_files:
        before = render_side(request, [arg for path in old_files for arg in ("-f", str(path))], "deployed")
    after = render_side(request, [*(arg for path in request.new_values for arg in ("-f", str(path))), *flag_args(request.set_flags)], "new")

    report = UpgradeReport(release=request.release_name, namespace=request.namespace, before=before, after=after)
    report.volumes = compare_claims(before, after)
    report.immutable = compare_workloads(before, after, request.namespace)
    report.needs_acknowledgement = report.type_switch and not acknowledged(request)
    return report


def flag_args(flags: list[tuple[str, str]]) -> list[str]:
    return [part for flag, text in flags for part in (flag, text)]


@contextmanager
def old_values_files(request: UpgradeRequest) -> Iterator[list[Path]]:
    """Yield the values the release runs with: the --from files, or its values read from the cluster."""
    if request.old_values:
        yield request.old_values
        return
    if not request.release:
        raise UsageError("give the values the release runs with as --from FILE, or name the release with --release NAME.")

    deployed = read_deployed_values(request)
    handle, name = tempfile.mkstemp(prefix="chartgen-deployed-", suffix=".yaml")
    try:
        with open(handle, "w", encoding="utf-8") as file:
            file.write(deployed)
        yield [Path(name)]
    finally:
        Path(name).unlink(missing_ok=True)


def read_deployed_values(request: UpgradeRequest) -> str:
    """Return `helm get values --all` of the release; a cluster that cannot be reached is a usage error."""
    try:
        return run_helm(["get", "values", str(request.release), "--all", "--output", "yaml", "--namespace", request.namespace], helm=request.helm).stdout
    except ChartgenError as error:
        raise UsageError(
            f"cannot read the values of release {request.release!r} in namespace {request.namespace!r}: "
            f"helm could not get them from the cluster.\n{error.message}\n"
            "Pass the values the release was installed with as --from FILE to check the upgrade without a cluster."
        ) from error


def acknowledged(request: UpgradeRequest) -> bool:
    """True when the new values set typeSwitch.acknowledge, in a --to file or a --set flag."""
    user = UserValues()
    for path in request.new_values:
        user.merge(load_values_file(path), str(path))
    apply_set_flags(user, request.set_flags)
    return bool((user.values.get("typeSwitch") or {}).get("acknowledge"))


def render_side(request: UpgradeRequest, args: list[str], which: str) -> Side:
    """Render one side; values the chart rejects are a usage error, not an unsafe upgrade."""
    try:
        output = run_helm(
            ["template", request.release_name, str(request.chart), "--namespace", request.namespace, *args],
            helm=request.helm,
        ).stdout
    except ChartgenError as error:
        raise UsageError(
            f"the {which} values do not render with {request.chart}, so the upgrade cannot be compared. "
            f"`chartgen validate {request.chart} {' '.join(args)}` names each problem and its fix.\n{error.message}"
        ) from error
    return side_from_documents(list(load_all_documents(output)))


def side_from_documents(documents: list[dict[str, Any]]) -> Side:
    workloads = [document for document in documents if document.get("kind") in WORKLOAD_KINDS]
    if len(workloads) > 1:
        raise UsageError(f"the chart renders {len(workloads)} workloads; check-upgrade compares charts with one StatefulSet or Deployment.")
    workload = to_workload(workloads[0]) if workloads else None

    claims: dict[str, Claim] = {}
    for document in documents:
        if document.get("kind") == "PersistentVolumeClaim":
            claim = claim_from_spec(document["metadata"]["name"], document.get("spec") or {}, origin="chart")
            keep = (document["metadata"].get("annotations") or {}).get("helm.sh/resource-policy") == "keep"
            claims[claim.name] = Claim(**{**claim.__dict__, "keep": keep})
    if workload is not None:
        claims.update(template_claims(workload))
        for name in mounted_claim_names(workload):
            claims.setdefault(name, Claim(name, "", (), None, origin="existing"))
    return Side(workload=workload, claims=claims)


def to_workload(document: dict[str, Any]) -> Workload:
    spec = document.get("spec") or {}
    replicas = spec.get("replicas")
    return Workload(kind=document["kind"], name=document["metadata"]["name"], replicas=replicas, spec=spec)


def claim_from_spec(name: str, spec: dict[str, Any], origin: str, ordinal: int | None = None) -> Claim:
    return Claim(
        name=name,
        size=str(((spec.get("resources") or {}).get("requests") or {}).get("storage", "")),
        access_modes=tuple(spec.get("accessModes") or ()),
        storage_class=spec.get("storageClassName"),
        origin=origin,
        ordinal=ordinal,
    )


def template_claims(workload: Workload) -> Iterator[tuple[str, Claim]]:
    """Yield the claims a StatefulSet's controller creates, one per template and instance."""
    if workload.kind != "StatefulSet":
        return
    retention = workload.spec.get("persistentVolumeClaimRetentionPolicy") or {}
    for template in workload.spec.get("volumeClaimTemplates") or []:
        for ordinal in range(workload.replicas if workload.replicas is not None else 1):
            name = f"{template['metadata']['name']}-{workload.name}-{ordinal}"
            claim = claim_from_spec(name, template.get("spec") or {}, origin="template", ordinal=ordinal)
            yield name, Claim(
                **{
                    **claim.__dict__,
                    "retention_when_scaled": retention.get("whenScaled", "Retain"),
                    "retention_when_deleted": retention.get("whenDeleted", "Retain"),
                }
            )


def mounted_claim_names(workload: Workload) -> list[str]:
    pod = ((workload.spec.get("template") or {}).get("spec")) or {}
    return [
        volume["persistentVolumeClaim"]["claimName"]
        for volume in pod.get("volumes") or []
        if "persistentVolumeClaim" in volume
    ]


def compare_claims(before: Side, after: Side) -> list[VolumeChange]:
    """Classify every claim that either side has."""
    changes = []
    for name in sorted(set(before.claims) | set(after.claims), key=claim_sort_key):
        old, new = before.claims.get(name), after.claims.get(name)
        if old and new:
            changes.append(compare_kept_claim(old, new))
        elif old:
            changes.append(classify_dropped_claim(old, before, after))
        else:
            assert new is not None
            note = "" if new.origin != "existing" else "an existing claim that the chart does not create"
            changes.append(VolumeChange(name, Outcome.NEW if new.origin != "existing" else Outcome.REUSED, None, new, note))
    return changes


def claim_sort_key(name: str) -> tuple[str, int]:
    stem, _, ordinal = name.rpartition("-")
    return (stem, int(ordinal)) if ordinal.isdigit() else (name, -1)


def compare_kept_claim(old: Claim, new: Claim) -> VolumeChange:
    """Classify a claim both sides use: reused, unless the new side needs a field the existing claim cannot change."""
    problems = []
    if new.origin != "existing" and old.origin != "existing":
        if old.access_modes != new.access_modes:
            problems.append(f"access mode {'/'.join(old.access_modes)} -> {'/'.join(new.access_modes)}")
        if old.storage_class != new.storage_class:
            problems.append(f"StorageClass {old.storage_class or '(cluster default)'} -> {new.storage_class or '(cluster default)'}")
        if quantity(new.size) < quantity(old.size):
            problems.append(f"size {old.size} -> {new.size} (a claim cannot shrink)")
    if problems:
        return VolumeChange(old.name, Outcome.INCOMPATIBLE, old, new, "; ".join(problems))

    note = ""
    if old.size != new.size and new.origin != "existing":
        note = f"grows from {old.size} to {new.size}: the StorageClass must allow volume expansion"
    return VolumeChange(old.name, Outcome.REUSED, old, new, note)


def classify_dropped_claim(old: Claim, before: Side, after: Side) -> VolumeChange:
    """Classify a claim only the old side uses: kept unmounted, deleted, or unmergeable."""
    if old.origin == "existing":
        return VolumeChange(old.name, Outcome.ORPHANED, old, None, "an existing claim the new values no longer mount")

    after_kind = after.workload.kind if after.workload else None
    if old.origin == "template" and after_kind == "Deployment" and (old.ordinal or 0) > 0:
        return VolumeChange(old.name, Outcome.UNMERGEABLE, old, None, f"instance {old.ordinal}'s data stays in this claim")

    if old.origin == "template":
        scaled_down = after_kind == "StatefulSet"
        policy = old.retention_when_scaled if scaled_down else old.retention_when_deleted
        if policy == "Delete":
            reason = "whenScaled" if scaled_down else "whenDeleted"
            return VolumeChange(old.name, Outcome.DELETED, old, None, f"persistence.retentionPolicy.{reason} is Delete")
        return VolumeChange(old.name, Outcome.ORPHANED, old, None, "the StatefulSet's Retain policy keeps it")

    if old.keep:
        return VolumeChange(old.name, Outcome.ORPHANED, old, None, "helm.sh/resource-policy: keep leaves it in place")
    return VolumeChange(old.name, Outcome.DELETED, old, None, "helm deletes it with the upgrade")


QUANTITY_FACTORS = {
    "": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}


def quantity(text: str) -> float:
    """Bytes of a Kubernetes quantity such as 10Gi; 0 for an empty or unknown one."""
    number = text.rstrip("kMGTPEi")
    suffix = text[len(number):]
    try:
        return float(number) * QUANTITY_FACTORS[suffix]
    except (ValueError, KeyError):
        return 0.0


def compare_workloads(before: Side, after: Side, namespace: str) -> list[ImmutableChange]:
    """List the fields of an existing workload that the new values change but the API server cannot."""
    old, new = before.workload, after.workload
    if not (old and new and old.kind == new.kind and old.name == new.name):
        return []

    fields = ["spec.selector"]
    if old.kind == "StatefulSet":
        fields += ["spec.serviceName", "spec.podManagementPolicy", "spec.volumeClaimTemplates"]

    changes = []
    for path in fields:
        old_value, new_value = dig(old.spec, path), dig(new.spec, path)
        if path == "spec.volumeClaimTemplates":
            old_value, new_value = normalize_templates(old_value), normalize_templates(new_value)
        if old_value != new_value:
            changes.append(ImmutableChange(old.kind, old.name, path, old_value, new_value, immutable_fix(old, path, namespace, old_value, new_value)))
    return changes


def dig(spec: dict[str, Any], path: str) -> Any:
    node: Any = spec
    for part in path.split(".")[1:]:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def normalize_templates(templates: Any) -> list[dict[str, Any]]:
    """Return the parts of volumeClaimTemplates whose change the API server rejects."""
    return [
        {"name": template["metadata"]["name"], "spec": template.get("spec") or {}, "labels": template["metadata"].get("labels") or {}}
        for template in templates or []
    ]


def immutable_fix(workload: Workload, path: str, namespace: str, old_value: Any, new_value: Any) -> str:
    orphan = (
        f"delete the StatefulSet but not its pods with `kubectl delete statefulset {workload.name} --cascade=orphan -n {namespace}`, "
        "then upgrade: the new StatefulSet adopts the running pods"
    )
    if path != "spec.volumeClaimTemplates":
        return orphan

    old_specs = {template["name"]: template["spec"] for template in old_value}
    new_specs = {template["name"]: template["spec"] for template in new_value}
    resized = [
        name for name in old_specs
        if name in new_specs
        and {**old_specs[name], "resources": None} == {**new_specs[name], "resources": None}
    ]
    if resized and len(resized) == len(new_specs) == len(old_specs):
        size = next(iter(new_specs.values()))["resources"]["requests"]["storage"]
        return (
            f"resize each claim directly with `kubectl patch pvc data-{workload.name}-<ordinal> -n {namespace} "
            f"-p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"{size}\"}}}}}}}}'` (the StorageClass must allow "
            f"volume expansion), then {orphan}"
        )
    return (
        "a claim's access mode and StorageClass cannot change: copy the data into new claims (see --plan), "
        f"then {orphan}"
    )
