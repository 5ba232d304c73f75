"""`chartgen describe`: the objects a chart's values produce, as a tree.

The chart is rendered with `helm template`, so the tree shows what helm would
install. Objects that only exist at run time are derived as Kubernetes creates
them: a StatefulSet's pods are `<statefulset>-<ordinal>`, each with the claims
of its volumeClaimTemplates (`<template>-<statefulset>-<ordinal>`) and the DNS
name `<pod>.<governing service>.<namespace>.svc.<clusterDomain>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from chartgen.chart import load_chart
from chartgen.errors import HelmError
from chartgen.helm import DEFAULT_RELEASE, run_helm
from chartgen.helmvalues import UserValues, apply_set_flags, coalesce, load_values_file
from chartgen.upgrade import Claim, claim_from_spec, template_claims, to_workload
from chartgen.yamlio import load_all_documents

DEFAULT_CLUSTER_DOMAIN = "cluster.local"
WORKLOAD_KINDS = ("StatefulSet", "Deployment")
# Top-level objects are listed in this order of kinds, then in the order helm rendered them.
KIND_ORDER = (*WORKLOAD_KINDS, "HorizontalPodAutoscaler", "Service", "PodDisruptionBudget", "ServiceAccount", "Job", "PersistentVolumeClaim")


@dataclass
class DescribeRequest:
    chart: Path
    values_files: list[Path] = field(default_factory=list)
    set_flags: list[tuple[str, str]] = field(default_factory=list)
    release: str | None = None
    namespace: str = "default"
    helm: str | None = None

    @property
    def release_name(self) -> str:
        return self.release or DEFAULT_RELEASE


@dataclass
class Node:
    """One object of the tree: its kind and name, a one-line summary, kind-specific fields and the objects below it."""

    kind: str
    name: str
    summary: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}" + (f": {self.summary}" if self.summary else "")

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "summary": self.summary, **self.fields, "children": [child.to_json() for child in self.children]}


@dataclass
class Description:
    """Everything `chartgen describe` prints: the render's inputs and the tree of objects."""

    release: str
    namespace: str
    chart: str
    deployment_type: str | None
    cluster: bool
    cluster_domain: str
    objects: list[Node]

    @property
    def title(self) -> str:
        workloads = [node for node in self.objects if node.kind in WORKLOAD_KINDS]
        name = workloads[0].name if len(workloads) == 1 else self.release
        if not self.deployment_type:
            return name
        return f"{name} ({self.deployment_type}{' cluster' if self.cluster else ''})"

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "release": self.release,
            "namespace": self.namespace,
            "chart": self.chart,
            "deploymentType": self.deployment_type,
            "cluster": self.cluster,
            "clusterDomain": self.cluster_domain,
            "objects": [node.to_json() for node in self.objects],
        }


def describe_chart(request: DescribeRequest) -> Description:
    """Render the chart with the request's values and return the tree of what it produces."""
    chart = load_chart(request.chart)
    user = UserValues()
    for path in request.values_files:
        user.merge(load_values_file(path), str(path))
    apply_set_flags(user, request.set_flags)
    values = coalesce(user.values, chart.defaults)

    args = ["template", request.release_name, str(request.chart), "--namespace", request.namespace]
    for path in request.values_files:
        args += ["-f", str(path)]
    for flag, text in request.set_flags:
        args += [flag, text]
    try:
        output = run_helm(args, helm=request.helm).stdout
    except HelmError as error:
        raise HelmError(f"{error.message}\n`chartgen validate` with the same values names each invalid key and its fix.") from error
    documents = [document for document in load_all_documents(output) if isinstance(document, dict)]

    deployment_type = values.get("deploymentType")
    cluster_settings = values.get("cluster")
    cluster = deployment_type == "stateful-multi" and isinstance(cluster_settings, dict) and bool(cluster_settings.get("enabled"))
    cluster_domain = str(values.get("clusterDomain") or DEFAULT_CLUSTER_DOMAIN)
    return Description(
        release=request.release_name,
        namespace=request.namespace,
        chart=chart.name,
        deployment_type=deployment_type if isinstance(deployment_type, str) else None,
        cluster=cluster,
        cluster_domain=cluster_domain,
        objects=TreeBuilder(documents, request.namespace, cluster_domain).build(),
    )


class TreeBuilder:
    """Builder of the top-level nodes from rendered objects, with pods and claims below the object that creates or mounts them."""

    def __init__(self, documents: list[dict[str, Any]], namespace: str, cluster_domain: str) -> None:
        self.documents = documents
        self.namespace = namespace
        self.cluster_domain = cluster_domain
        self.claims = {name_of(document): document for document in self.of_kind("PersistentVolumeClaim")}
        self.services = {name_of(document): document for document in self.of_kind("Service")}
        self.mounted: set[str] = set()

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [document for document in self.documents if document.get("kind") == kind]

    def build(self) -> list[Node]:
        nodes: list[Node] = []
        for document in self.documents:
            kind = document.get("kind")
            if kind == "StatefulSet":
                nodes.append(self.statefulset(document))
            elif kind == "Deployment":
                nodes.append(self.deployment(document))
            elif kind == "Job":
                nodes.append(self.job(document))
            elif kind == "HorizontalPodAutoscaler":
                nodes.append(autoscaler_node(document))
            elif kind == "Service":
                nodes.append(self.service(document))
            elif kind == "PodDisruptionBudget":
                nodes.append(self.disruption_budget(document))
            elif kind == "ServiceAccount":
                nodes.append(self.service_account(document))
            elif kind != "PersistentVolumeClaim":
                nodes.append(Node(str(kind), name_of(document)))
        # Claims come last: only those no workload or Job mounts stay at the top.
        nodes += [claim_node(claim_from_document(document)) for name, document in self.claims.items() if name not in self.mounted]
        return sorted(nodes, key=top_level_order)

    # --- workloads ------------------------------------------------------------------------------

    def statefulset(self, document: dict[str, Any]) -> Node:
        workload = to_workload(document)
        spec = workload.spec
        replicas = workload.replicas if workload.replicas is not None else 1
        policy = spec.get("podManagementPolicy") or "OrderedReady"
        strategy = (spec.get("updateStrategy") or {}).get("type") or "RollingUpdate"
        service_name = spec.get("serviceName") or ""
        retention = spec.get("persistentVolumeClaimRetentionPolicy") or {}

        node = Node(
            "StatefulSet",
            workload.name,
            f"{plural(replicas, 'instance')}, {policy} start, {strategy}",
            {
                "replicas": replicas,
                "podManagementPolicy": policy,
                "updateStrategy": strategy,
                "serviceName": service_name,
                "claimRetention": {"whenDeleted": retention.get("whenDeleted", "Retain"), "whenScaled": retention.get("whenScaled", "Retain")},
                **pod_fields(document),
            },
        )
        claims_by_ordinal: dict[int, list[Claim]] = {}
        for _, claim in template_claims(workload):
            claims_by_ordinal.setdefault(claim.ordinal or 0, []).append(claim)

        dns_problem = self.dns_problem(service_name)
        for ordinal in range(replicas):
            pod_name = f"{workload.name}-{ordinal}"
            dns_name = None if dns_problem else f"{pod_name}.{service_name}.{self.namespace}.svc.{self.cluster_domain}"
            pod = Node("Pod", pod_name, dns_name or f"no DNS name: {dns_problem}", {"ordinal": ordinal, "dnsName": dns_name})
            pod.children = [claim_node(claim) for claim in claims_by_ordinal.get(ordinal, [])]
            node.children.append(pod)
        node.children += self.mounted_claims(workload.spec, replicas)
        return node

    def dns_problem(self, service_name: str) -> str | None:
        """Return why a StatefulSet's pods get no DNS names of their own, or None when they get them."""
        if not service_name:
            return "the StatefulSet names no serviceName"
        service = self.services.get(service_name)
        if service is None:
            return f"its Service {service_name} is not part of the chart"
        if (service.get("spec") or {}).get("clusterIP") != "None":
            return f"its Service {service_name} is not headless"
        return None

    def deployment(self, document: dict[str, Any]) -> Node:
        workload = to_workload(document)
        autoscalers = [
            autoscaler for autoscaler in self.of_kind("HorizontalPodAutoscaler")
            if (autoscaler.get("spec") or {}).get("scaleTargetRef", {}).get("kind") == "Deployment"
            and autoscaler["spec"]["scaleTargetRef"].get("name") == workload.name
        ]
        strategy = workload.spec.get("strategy") or {}
        strategy_type = strategy.get("type") or "RollingUpdate"
        rolling = strategy.get("rollingUpdate") or {}
        strategy_text = strategy_type
        if strategy_type == "RollingUpdate" and rolling:
            strategy_text += " (" + ", ".join(f"{key} {rolling[key]}" for key in ("maxSurge", "maxUnavailable") if key in rolling) + ")"

        fields: dict[str, Any] = {"replicas": workload.replicas, "autoscaling": None, "updateStrategy": strategy_type, **pod_fields(document)}
        if autoscalers:
            scaler = autoscalers[0]
            minimum, maximum = scaler["spec"].get("minReplicas", 1), scaler["spec"].get("maxReplicas")
            fields["autoscaling"] = {"horizontalPodAutoscaler": name_of(scaler), "minReplicas": minimum, "maxReplicas": maximum}
            scale_text = f"{minimum} to {maximum} replicas, autoscaled"
            max_pods = maximum
        else:
            replicas = workload.replicas if workload.replicas is not None else 1
            scale_text = plural(replicas, "replica")
            max_pods = replicas

        node = Node("Deployment", workload.name, f"{scale_text}, {strategy_text}", fields)
        node.children = self.mounted_claims(workload.spec, max_pods)
        return node

    def job(self, document: dict[str, Any]) -> Node:
        spec = document.get("spec") or {}
        node = Node("Job", name_of(document), "runs to completion", pod_fields(document))
        node.children = self.mounted_claims(spec, 1)
        return node

    def mounted_claims(self, workload_spec: dict[str, Any], pods: int | None) -> list[Node]:
        """Return nodes for the claims a pod template mounts, which every pod of the workload shares."""
        nodes = []
        volumes = ((workload_spec.get("template") or {}).get("spec") or {}).get("volumes") or []
        for name in [volume["persistentVolumeClaim"]["claimName"] for volume in volumes if "persistentVolumeClaim" in volume]:
            self.mounted.add(name)
            document = self.claims.get(name)
            claim = claim_from_document(document) if document else Claim(name, "", (), None, origin="existing")
            node = claim_node(claim)
            if pods is not None and pods > 1:
                node.summary += ", shared by every pod"
            nodes.append(node)
        return nodes

    # --- the objects around the workload -------------------------------------------------------

    def service(self, document: dict[str, Any]) -> Node:
        spec = document.get("spec") or {}
        name = name_of(document)
        headless = spec.get("clusterIP") == "None"
        service_type = "headless" if headless else spec.get("type") or "ClusterIP"
        selected = self.selected_workloads(spec.get("selector") or {})
        container_ports = {port.get("name"): port.get("containerPort") for workload in selected for port in container_ports_of(workload)}

        ports = []
        texts = []
        for port in spec.get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            resolved = container_ports.get(target, target) if isinstance(target, str) else target
            entry = {"name": port.get("name"), "port": port.get("port"), "targetPort": target, "containerPort": resolved, "protocol": port.get("protocol", "TCP")}
            if port.get("nodePort"):
                entry["nodePort"] = port["nodePort"]
            ports.append(entry)
            text = f"{port.get('name') or 'port'} {port.get('port')}"
            if resolved != port.get("port"):
                text += f"->{resolved}"
            if entry["protocol"] != "TCP":
                text += f"/{entry['protocol']}"
            texts.append(text)

        summary = f"{service_type}, " + (", ".join(texts) if texts else "no ports")
        return Node("Service", name, summary, {
            "type": spec.get("type") or "ClusterIP",
            "headless": headless,
            "dnsName": f"{name}.{self.namespace}.svc.{self.cluster_domain}",
            "ports": ports,
            "selects": [name_of(workload) for workload in selected],
        })

    def disruption_budget(self, document: dict[str, Any]) -> Node:
        spec = document.get("spec") or {}
        limits = {key: spec[key] for key in ("minAvailable", "maxUnavailable") if key in spec}
        selected = self.selected_workloads((spec.get("selector") or {}).get("matchLabels") or {})
        summary = ", ".join(f"{key} {value}" for key, value in limits.items())
        return Node("PodDisruptionBudget", name_of(document), summary, {**limits, "selects": [name_of(workload) for workload in selected]})

    def service_account(self, document: dict[str, Any]) -> Node:
        name = name_of(document)
        automount = document.get("automountServiceAccountToken", True)
        users = [name_of(workload) for workload in self.workloads() if pod_spec(workload).get("serviceAccountName") == name]
        return Node("ServiceAccount", name, "API token mounted" if automount else "no API token mounted", {"automountServiceAccountToken": automount, "usedBy": users})

    def workloads(self) -> list[dict[str, Any]]:
        return [document for document in self.documents if document.get("kind") in WORKLOAD_KINDS]

    def selected_workloads(self, selector: dict[str, Any]) -> list[dict[str, Any]]:
        """Return the workloads whose pod labels match a label selector given as a map."""
        if not selector:
            return []
        return [
            workload for workload in self.workloads()
            if selector.items() <= (((workload.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}).items()
        ]


def autoscaler_node(document: dict[str, Any]) -> Node:
    spec = document.get("spec") or {}
    target = spec.get("scaleTargetRef") or {}
    metrics = []
    for metric in spec.get("metrics") or []:
        resource = metric.get("resource") or {}
        utilization = (resource.get("target") or {}).get("averageUtilization")
        if resource.get("name") and utilization is not None:
            metrics.append({"resource": resource["name"], "averageUtilization": utilization})

    summary = f"{spec.get('minReplicas', 1)} to {spec.get('maxReplicas')} replicas of {target.get('kind')} {target.get('name')}"
    if metrics:
        summary += ", " + ", ".join(f"{metric['resource']} {metric['averageUtilization']}%" for metric in metrics)
    return Node("HorizontalPodAutoscaler", name_of(document), summary, {
        "minReplicas": spec.get("minReplicas", 1),
        "maxReplicas": spec.get("maxReplicas"),
        "target": {"kind": target.get("kind"), "name": target.get("name")},
        "metrics": metrics,
    })


def claim_from_document(document: dict[str, Any]) -> Claim:
    claim = claim_from_spec(name_of(document), document.get("spec") or {}, origin="chart")
    keep = ((document.get("metadata") or {}).get("annotations") or {}).get("helm.sh/resource-policy") == "keep"
    return Claim(**{**claim.__dict__, "keep": keep})


def claim_node(claim: Claim) -> Node:
    if claim.origin == "existing":
        return Node("PersistentVolumeClaim", claim.name, "existing claim, not created by this chart", {"origin": "existing"})

    parts = [claim.size or "no size", "/".join(claim.access_modes) or "no access mode"]
    if claim.storage_class is not None:
        parts.append(f"StorageClass {claim.storage_class or '(empty)'}")
    fields: dict[str, Any] = {
        "origin": claim.origin,
        "size": claim.size,
        "accessModes": list(claim.access_modes),
        "storageClass": claim.storage_class,
    }
    if claim.origin == "template":
        fields["retention"] = {"whenDeleted": claim.retention_when_deleted, "whenScaled": claim.retention_when_scaled}
        if claim.retention_when_deleted == "Delete":
            parts.append("deleted with the StatefulSet")
        if claim.retention_when_scaled == "Delete":
            parts.append("deleted on scale-down")
    else:
        fields["keep"] = claim.keep
        if claim.keep:
            parts.append("kept by helm on uninstall")
    return Node("PersistentVolumeClaim", claim.name, ", ".join(parts), fields)


def pod_spec(document: dict[str, Any]) -> dict[str, Any]:
    return (((document.get("spec") or {}).get("template") or {}).get("spec")) or {}


def pod_fields(document: dict[str, Any]) -> dict[str, Any]:
    return {"serviceAccountName": pod_spec(document).get("serviceAccountName")}


def container_ports_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [port for container in pod_spec(document).get("containers") or [] for port in container.get("ports") or []]


def name_of(document: dict[str, Any]) -> str:
    return str((document.get("metadata") or {}).get("name", ""))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def top_level_order(node: Node) -> tuple[int, bool]:
    """Sort by KIND_ORDER, with headless Services before the others; sorting is stable, so helm's order breaks ties."""
    kind_rank = KIND_ORDER.index(node.kind) if node.kind in KIND_ORDER else len(KIND_ORDER)
    return kind_rank, not node.fields.get("headless", False)


# --- output ------------------------------------------------------------------------------------


def render_text(description: Description) -> str:
    """Return the tree drawn with box-drawing characters, one object per line."""
    lines = [description.title]

    def draw(node: Node, prefix: str, last: bool) -> None:
        lines.append(f"{prefix}{'└── ' if last else '├── '}{node.label}")
        inner = prefix + ("    " if last else "│   ")
        for index, child in enumerate(node.children):
            draw(child, inner, index == len(node.children) - 1)

    for index, node in enumerate(description.objects):
        draw(node, "", index == len(description.objects) - 1)
    return "\n".join(lines) + "\n"


def render_json(description: Description) -> str:
    return json.dumps(description.to_json(), indent=2) + "\n"


def render_mermaid(description: Description) -> str:
    """Return a Mermaid flowchart: solid arrows from each object to what it creates or mounts, dashed ones for references."""
    ids: dict[tuple[str, str], str] = {}
    lines = ["flowchart TB"]
    edges: list[str] = []
    every_node = [node for top in description.objects for node in top.walk()]
    for node in every_node:
        if (node.kind, node.name) in ids:
            continue  # a claim that two workloads mount is drawn once
        ids[(node.kind, node.name)] = f"n{len(ids) + 1}"
        text = f"{node.kind} {node.name}" + (f"<br/>{node.summary}" if node.summary else "")
        lines.append(f'    {ids[(node.kind, node.name)]}["{mermaid_escape(text)}"]')
    for node in every_node:
        for child in node.children:
            edges.append(f"    {ids[(node.kind, node.name)]} --> {ids[(child.kind, child.name)]}")

    for node in description.objects:
        source = ids[(node.kind, node.name)]
        for kind, name, label in references(node):
            target = ids.get((kind, name))
            if target:
                edges.append(f"    {source} -.->|{label}| {target}")
    return "\n".join(lines + edges) + "\n"


def references(node: Node) -> Iterator[tuple[str, str, str]]:
    """Yield (kind, name, label) for each object this top-level node points at without creating it."""
    for workload in node.fields.get("selects", []) if node.kind in ("Service", "PodDisruptionBudget") else []:
        for kind in WORKLOAD_KINDS:
            yield kind, workload, "selects" if node.kind == "Service" else "protects"
    if node.kind == "HorizontalPodAutoscaler":
        yield node.fields["target"]["kind"], node.fields["target"]["name"], "scales"
    if node.kind in (*WORKLOAD_KINDS, "Job") and node.fields.get("serviceAccountName"):
        yield "ServiceAccount", node.fields["serviceAccountName"], "runs as"


def mermaid_escape(text: str) -> str:
    return text.replace('"', "#quot;")
