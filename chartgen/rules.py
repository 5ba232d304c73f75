"""Checks on merged values that JSON Schema cannot express, or that are advice rather than law.

Each rule has a stable id, a severity and a page section in docs/rules.md.
A rule gets values that already passed the schema, so it may rely on the
types the schema guarantees.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from chartgen.findings import Finding, Layer, Severity
from chartgen.helm import DEFAULT_RELEASE


@dataclass(frozen=True)
class RuleContext:
    """The input of a rule: the merged values and facts about the chart and the release."""

    values: dict[str, Any]
    chart_name: str
    app_version: str
    release_name: str | None = None


@dataclass(frozen=True)
class Hit:
    """One place where a rule applies: the key path, what is wrong, and the fix."""

    path: str
    message: str
    fix: str


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    check: Callable[[RuleContext], Iterable[Hit]]


RULES: list[Rule] = []


def rule(rule_id: str, name: str, severity: Severity, summary: str) -> Callable[[Callable[[RuleContext], Iterable[Hit]]], Callable[[RuleContext], Iterable[Hit]]]:
    """Register a check function as a rule."""

    def register(check: Callable[[RuleContext], Iterable[Hit]]) -> Callable[[RuleContext], Iterable[Hit]]:
        RULES.append(Rule(rule_id, name, severity, summary, check))
        return check

    return register


def run_rules(context: RuleContext, source_of: Callable[[str], str]) -> list[Finding]:
    """Run every rule and return its hits as findings, located by the file that set each key."""
    findings = []
    for registered in RULES:
        for hit in registered.check(context):
            findings.append(
                Finding(
                    layer=Layer.RULES,
                    severity=registered.severity,
                    source=source_of(hit.path),
                    path=hit.path,
                    message=hit.message,
                    fix=hit.fix,
                    rule_id=registered.id,
                )
            )
    return findings


# --- facts about the values, as the chart's templates compute them -------------------------------

# The release name `helm template` and `chartgen validate` use when none is given.
DEFAULT_RELEASE_NAME = DEFAULT_RELEASE
# A StatefulSet's name may be at most 52 characters: the controller appends "-" and a
# 10-character hash to it in the 63-character controller-revision-hash label.
STATEFULSET_NAME_LIMIT = 52
# Other object names, the Service's above all, are DNS labels of at most 63 characters.
OBJECT_NAME_LIMIT = 63
# CG008 warns when fewer characters than this are left for the release name. The threshold is a
# judgement call: 20 characters fit release names such as "payments-staging-eu1".
MIN_RELEASE_NAME_ROOM = 20
# Requests quoted in CG004's fix.
REQUEST_EXAMPLES = {"cpu": "100m", "memory": "128Mi"}
# The autoscaling keys that target a utilization of each resource.
UTILIZATION_TARGETS = {"cpu": "targetCPUUtilizationPercentage", "memory": "targetMemoryUtilizationPercentage"}
# The probe handlers the chart's "probe" template chooses from, in its order.
PROBE_HANDLERS = ("exec", "httpGet", "grpc", "tcpSocket")


def show(value: Any) -> str:
    """Return a value as a values file writes it: 3, "100%", true."""
    return json.dumps(value)


def section(values: dict[str, Any], key: str) -> dict[str, Any]:
    """Return a map-valued key, or {} when it is missing, null or not a map (the schema leaves some maps untyped)."""
    value = values.get(key)
    return value if isinstance(value, dict) else {}


def deployment_type(context: RuleContext) -> str:
    return str(context.values.get("deploymentType", ""))


def is_stateful(context: RuleContext) -> bool:
    return deployment_type(context).startswith("stateful-")


def is_multi(context: RuleContext) -> bool:
    return deployment_type(context).endswith("-multi")


def is_cluster(context: RuleContext) -> bool:
    return deployment_type(context) == "stateful-multi" and bool(section(context.values, "cluster").get("enabled"))


def is_autoscaled(context: RuleContext) -> bool:
    return deployment_type(context) == "stateless-multi" and bool(section(context.values, "autoscaling").get("enabled"))


def instance_count(context: RuleContext) -> int:
    """Instances the workload runs: 1 for single types, else replicaCount (the autoscaler's minimum when it scales)."""
    values = context.values
    if deployment_type(context).endswith("-single"):
        return 1
    if is_autoscaled(context):
        return int(section(values, "autoscaling").get("minReplicas", 1))
    return int(values.get("replicaCount", 1))


def instance_count_key(context: RuleContext) -> str:
    """Return the key that sets instance_count, for messages."""
    return "autoscaling.minReplicas" if is_autoscaled(context) else "replicaCount"


def max_instances(context: RuleContext) -> int:
    """Return the largest number of instances that may run at once: the autoscaler's maximum when it scales."""
    if is_autoscaled(context):
        return int(section(context.values, "autoscaling").get("maxReplicas", 1))
    return instance_count(context)


def scaled(value: Any, total: int, round_up: bool) -> int | None:
    """Resolve an int-or-percent field against `total` instances as Kubernetes does. Return None for any other value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if not (text.endswith("%") and text[:-1].isdigit()):
        return None
    share = int(text[:-1]) * total / 100
    return math.ceil(share) if round_up else math.floor(share)


def requested(values: dict[str, Any], resource: str) -> bool:
    """Return True when the container requests `resource`, or limits it: Kubernetes copies a limit into a missing request."""
    resources = section(values, "resources")
    return any(section(resources, kind).get(resource) not in (None, "") for kind in ("requests", "limits"))


def name_part(context: RuleContext) -> str:
    """Return what the chart's "name" template renders: nameOverride or the chart name, cut to 63 characters, one trailing "-" removed."""
    name = str(context.values.get("nameOverride") or context.chart_name)
    return name[:OBJECT_NAME_LIMIT].removesuffix("-")


def full_name(context: RuleContext, release: str) -> str:
    """Return what the chart's "fullname" template renders: the prefix of every object name."""
    override = context.values.get("fullnameOverride")
    if override:
        return str(override).removesuffix("-")
    name = name_part(context)
    if name in release:
        return release.removesuffix("-")
    return f"{release}-{name}".removesuffix("-")


def name_limit(context: RuleContext) -> tuple[int, str]:
    """Return the maximum length of the full name, and the workload's kind."""
    return (STATEFULSET_NAME_LIMIT, "StatefulSet") if is_stateful(context) else (OBJECT_NAME_LIMIT, "Deployment")


def name_key(context: RuleContext) -> str:
    """Return the key that shortens the name: the one the template's own length check names."""
    values = context.values
    return "nameOverride" if values.get("nameOverride") and not values.get("fullnameOverride") else "fullnameOverride"


def known_release(context: RuleContext) -> str | None:
    """Return the release name given with --release, or None when validate runs with the placeholder."""
    release = context.release_name
    return release if release and release != DEFAULT_RELEASE_NAME else None


# --- the rules ------------------------------------------------------------------------------------


@rule("CG001", "image-tag-not-pinned", Severity.WARNING, "The image has no tag, or the tag is latest.")
def image_tag_not_pinned(context: RuleContext) -> Iterator[Hit]:
    image = section(context.values, "image")
    if image.get("digest"):
        return
    tag = str(image.get("tag") or context.app_version or "")
    if tag == "":
        # Both empty: the chart renders "repository:" and the kubelet cannot pull it.
        yield Hit(
            path="image.tag",
            message=f"the image {image.get('repository')} has no tag: image.tag is empty and the chart has no appVersion",
            fix="set image.tag to a version, or image.digest to a sha256 digest",
        )
    elif tag == "latest":
        # "latest" moves: nodes that pull at different times run different builds.
        yield Hit(
            path="image.tag",
            message=f'the image {image.get("repository")} runs with tag "latest", so every node may pull a different build',
            fix="set image.tag to a version, or image.digest to a sha256 digest",
        )


def rendered_budget(context: RuleContext) -> tuple[str, Any] | None:
    """Return the field and value the chart's pdb.yaml renders, or None when it renders no PodDisruptionBudget."""
    budget = section(context.values, "podDisruptionBudget")
    if not is_multi(context) or not budget.get("enabled"):
        return None
    # helm drops null keys, so a field that is present is one the user set.
    for field in ("minAvailable", "maxUnavailable"):
        if budget.get(field) is not None:
            return field, budget[field]
    if is_cluster(context):
        return "minAvailable", instance_count(context) // 2 + 1
    return "maxUnavailable", 1


@rule("CG002", "pdb-blocks-eviction", Severity.ERROR, "The PodDisruptionBudget lets no instance be evicted.")
def pdb_blocks_eviction(context: RuleContext) -> Iterator[Hit]:
    budget = rendered_budget(context)
    if budget is None:
        return
    field, value = budget
    count = instance_count(context)
    # The disruption controller rounds both fields' percentages up.
    amount = scaled(value, count, round_up=True)
    if amount is None:
        return
    path = f"podDisruptionBudget.{field}"
    if field == "minAvailable" and amount >= count:
        yield Hit(
            path=path,
            message=f"{path} {show(value)} keeps all {count} instances ({instance_count_key(context)} {count}) up, so no pod can be evicted and every node drain waits forever",
            fix=f"remove {path}, so that the chart allows one instance down at a time, or set it below {count}",
        )
    elif field == "maxUnavailable" and amount == 0:
        yield Hit(
            path=path,
            message=f"{path} {show(value)} lets no instance go down, so no pod can be evicted and every node drain waits forever",
            fix=f"set {path} to 1",
        )


@rule("CG003", "session-affinity-on-stateless", Severity.WARNING, "A stateless component with several instances pins clients to one instance.")
def session_affinity_on_stateless(context: RuleContext) -> Iterator[Hit]:
    service = section(context.values, "service")
    if deployment_type(context) != "stateless-multi" or max_instances(context) < 2:
        return
    if not (service.get("enabled") and service.get("ports")) or service.get("sessionAffinity") != "ClientIP":
        return
    # Affinity hides state kept in one instance. That state is lost whenever the instance is
    # replaced, and clients behind one NAT all land on the same instance.
    yield Hit(
        path="service.sessionAffinity",
        message="service.sessionAffinity is ClientIP on stateless-multi, so each client sticks to one instance and loses its session when that instance is replaced",
        fix="keep sessions in an external store such as Redis or a database and set service.sessionAffinity to None, or choose stateful-multi",
    )


@rule("CG004", "no-resource-requests", Severity.WARNING, "The container requests no CPU or no memory.")
def no_resource_requests(context: RuleContext) -> Iterator[Hit]:
    missing = [resource for resource in ("cpu", "memory") if not requested(context.values, resource)]
    if not missing:
        return
    # Without requests the scheduler places the pod as if it used nothing, and under memory
    # pressure the kubelet first evicts the pods that use more than they request.
    path = "resources.requests" if len(missing) == 2 else f"resources.requests.{missing[0]}"
    yield Hit(
        path=path,
        message=f"resources.requests sets no {' and no '.join(missing)}, so the scheduler may put the pod on a node without room for it",
        fix=f"set {' and '.join(f'resources.requests.{resource}' for resource in missing)} to what one instance needs, such as {', '.join(f'{resource}: {REQUEST_EXAMPLES[resource]}' for resource in missing)}",
    )


@rule("CG005", "stateful-without-volume", Severity.WARNING, "A stateful type has no persistent volume.")
def stateful_without_volume(context: RuleContext) -> Iterator[Hit]:
    values = context.values
    if not is_stateful(context) or section(values, "persistence").get("enabled"):
        return
    volumes = values.get("extraVolumes") or []
    if any(isinstance(volume, dict) and volume.get("persistentVolumeClaim") for volume in volumes):
        return
    # Without a claim the data lives in the container or an emptyDir and is gone when the pod is replaced.
    yield Hit(
        path="persistence.enabled",
        message=f"deploymentType is {deployment_type(context)} but persistence.enabled is false and extraVolumes has no persistentVolumeClaim, so the data is lost whenever a pod is replaced",
        fix="set persistence.enabled to true, with persistence.size and persistence.mountPath, or choose a stateless type",
    )


@rule("CG006", "cluster-without-readiness-probe", Severity.ERROR, "A cluster member has no readiness probe.")
def cluster_without_readiness_probe(context: RuleContext) -> Iterator[Hit]:
    if not is_cluster(context) or context.values.get("readinessProbe"):
        return
    # Without a probe a member is ready as soon as its process starts, so the rolling update and the
    # PodDisruptionBudget may take down the next member before this one has rejoined.
    yield Hit(
        path="readinessProbe",
        message="cluster.enabled is true but readinessProbe is empty, so a member counts as ready before it has rejoined the cluster and an update can break quorum",
        fix="set readinessProbe to a check that passes only once the member has joined, such as httpGet on its health endpoint",
    )


@rule("CG007", "name-too-long", Severity.ERROR, "The object names exceed the Kubernetes limit with this release name.")
def name_too_long(context: RuleContext) -> Iterator[Hit]:
    limit, kind = name_limit(context)
    key = name_key(context)
    release = known_release(context)
    if release is not None or context.values.get("fullnameOverride"):
        name = full_name(context, release or "")
        if len(name) > limit:
            cause = f'with release "{release}" ' if release and not context.values.get("fullnameOverride") else ""
            yield Hit(
                path=key,
                message=f'{cause}the {kind} name "{name}" has {len(name)} characters, but at most {limit} fit',
                fix=f"use a release name {len(name) - limit} characters shorter, or set {key} to a shorter name" if cause else f"set {key} to at most {limit} characters",
            )
        return
    # No release name is known, but every full name contains the name part, so a name part
    # that is too long by itself fails whatever the release is called.
    part = name_part(context)
    if len(part) > limit:
        yield Hit(
            path=key,
            message=f'the {kind} name contains "{part}", which alone has {len(part)} characters, so it exceeds {limit} with any release name',
            fix=f"set {key} to a name of at most {limit} characters",
        )


@rule("CG008", "little-room-for-release-name", Severity.WARNING, "The name leaves few characters for the release name.")
def little_room_for_release_name(context: RuleContext) -> Iterator[Hit]:
    limit, kind = name_limit(context)
    if known_release(context) is not None or context.values.get("fullnameOverride"):
        return
    part = name_part(context)
    if len(part) > limit:
        return  # CG007 reports it as an error.
    # The full name is "<release>-<name>" unless the release name contains the name part.
    room = limit - len(part) - 1
    if room >= MIN_RELEASE_NAME_ROOM:
        return
    yield Hit(
        path="nameOverride",
        message=f'the name "{part}" leaves {max(room, 0)} characters for the release name in the {kind} name "<release>-{part}", which may have at most {limit}',
        fix=f'set nameOverride to a shorter name, or install with a release name of at most {max(room, 0)} characters or one that contains "{part}" (check it with --release NAME)',
    )


@rule("CG009", "autoscaling-min-above-max", Severity.ERROR, "The autoscaler's minimum is above its maximum.")
def autoscaling_min_above_max(context: RuleContext) -> Iterator[Hit]:
    autoscaling = section(context.values, "autoscaling")
    if not is_autoscaled(context):
        return
    low, high = int(autoscaling.get("minReplicas", 1)), int(autoscaling.get("maxReplicas", 1))
    if low > high:
        # The chart's template fails on it too, but this rule names both keys before anything renders.
        yield Hit(
            path="autoscaling.minReplicas",
            message=f"autoscaling.minReplicas {low} is greater than autoscaling.maxReplicas {high}, which the API server rejects",
            fix=f"lower autoscaling.minReplicas to {high} or less, or raise autoscaling.maxReplicas to {low} or more",
        )


@rule("CG010", "autoscaling-without-request", Severity.ERROR, "The autoscaler targets a utilization of a resource the container does not request.")
def autoscaling_without_request(context: RuleContext) -> Iterator[Hit]:
    autoscaling = section(context.values, "autoscaling")
    if not is_autoscaled(context):
        return
    targeted = {
        resource: f"autoscaling.{key} is {autoscaling[key]}"
        for resource, key in UTILIZATION_TARGETS.items()
        if autoscaling.get(key)
    }
    if not targeted:
        # The chart then writes no metrics, and Kubernetes gives such an autoscaler a target of 80% CPU.
        targeted = {"cpu": "autoscaling sets no target, so Kubernetes targets 80% CPU,"}
    for resource, reason in targeted.items():
        # Utilization is a share of the request, so without one the autoscaler cannot compute it and never scales.
        if not requested(context.values, resource):
            yield Hit(
                path=f"resources.requests.{resource}",
                message=f"{reason} but resources.requests.{resource} is not set, so the autoscaler cannot compute the utilization and never scales",
                fix=f"set resources.requests.{resource} to what one instance needs",
            )


def blocks_on_old_pod(strategy: dict[str, Any]) -> bool:
    """Return True when a one-replica Deployment starts the new pod before the old one stops."""
    if not strategy:
        return True  # The chart's default: RollingUpdate with maxSurge 25% and maxUnavailable 0.
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return False
    rolling = section(strategy, "rollingUpdate")
    # Kubernetes rounds maxSurge up and maxUnavailable down, and both default to 25%.
    surge = scaled(rolling.get("maxSurge", "25%"), 1, round_up=True)
    unavailable = scaled(rolling.get("maxUnavailable", "25%"), 1, round_up=False)
    return bool(surge) and unavailable == 0


@rule("CG011", "single-node-volume-rolling-update", Severity.WARNING, "A one-replica stateless-multi Deployment rolls over a volume only one node can mount.")
def single_node_volume_rolling_update(context: RuleContext) -> Iterator[Hit]:
    values = context.values
    persistence = section(values, "persistence")
    mode = persistence.get("accessMode")
    if deployment_type(context) != "stateless-multi" or not persistence.get("enabled") or mode not in ("ReadWriteOnce", "ReadWriteOncePod"):
        return
    # With two or more replicas the schema already rejects these modes.
    if max_instances(context) != 1 or not blocks_on_old_pod(section(values, "updateStrategy")):
        return
    where = "at all" if mode == "ReadWriteOncePod" else "on another node"
    yield Hit(
        path="persistence.accessMode",
        message=f"persistence.accessMode is {mode} and the rolling update starts the new pod before the old one stops, so the new pod cannot mount the volume {where} and the update stalls",
        fix="set updateStrategy.type to Recreate, or choose stateless-single, or use accessMode ReadWriteMany",
    )


def split_reference(repository: str) -> tuple[str, str, str] | None:
    """Split a repository that carries its own tag or digest into (name, field, value). Return None when it carries neither."""
    if "@" in repository:
        name, digest = repository.split("@", 1)
        return name, "digest", digest
    # A colon in the last path segment starts a tag. A colon before it ends a registry port (registry:5000/app).
    head, _, last = repository.rpartition("/")
    if ":" in last:
        base, tag = last.split(":", 1)
        return f"{head}/{base}" if head else base, "tag", tag
    return None


@rule("CG012", "tag-in-image-repository", Severity.ERROR, "image.repository carries a tag or a digest of its own.")
def tag_in_image_repository(context: RuleContext) -> Iterator[Hit]:
    image = section(context.values, "image")
    repository = str(image.get("repository", ""))
    digest = image.get("digest")
    parts = split_reference(repository)
    # "name:tag" followed by the digest the chart appends is still a valid reference.
    if parts is None or (parts[1] == "tag" and digest):
        return
    name, field, value = parts
    rendered = f"{repository}@{digest}" if digest else f"{repository}:{image.get('tag') or context.app_version}"
    yield Hit(
        path="image.repository",
        message=f'image.repository "{repository}" contains a {field}, so the image renders as "{rendered}", which the kubelet cannot pull',
        fix=f'set image.repository to "{name}" and image.{field} to "{value}"',
    )


@rule("CG013", "probe-without-handler", Severity.ERROR, "A probe has settings but no check to run.")
def probe_without_handler(context: RuleContext) -> Iterator[Hit]:
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = section(context.values, key)
        # A null handler in the user's values removes the chart's default one and keeps its
        # timings, so the API server rejects the pod template.
        if probe and not any(probe.get(handler) for handler in PROBE_HANDLERS):
            yield Hit(
                path=key,
                message=f"{key} sets {', '.join(sorted(probe))} but no exec, httpGet, grpc or tcpSocket check, which the API server rejects",
                fix=f"add one check to {key}, such as tcpSocket: {{port: http}}, or set {key} to null to drop the probe",
            )
