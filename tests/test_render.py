"""Every deployment type and every ci/ scenario: lint, render, and check the objects against the values."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chartgen.kube import default_kube_versions, validate_manifests
from chartgen.values import merge_values
from chartgen.yamlio import load_yaml_file
from conftest import CHART_OPTIONS, Helm

RELEASE = "demo"
NAMESPACE = "apps"


@dataclass(frozen=True)
class Case:
    chart: str
    scenario: str


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        # The scenario list is fixed per type by chartgen.scenarios; listing it
        # here keeps test ids readable without generating charts at collection.
        from chartgen.scenarios import scenarios_for

        cases = []
        for key, options in CHART_OPTIONS.items():
            deployment_type = options[options.index("--type") + 1]
            for scenario in scenarios_for(deployment_type, "--cluster" in options, key):
                cases.append(Case(key, scenario.name))
        metafunc.parametrize("case", cases, ids=lambda case: f"{case.chart}-{case.scenario}")


def effective_values(chart: Path, scenario: Path) -> dict[str, Any]:
    values = load_yaml_file(chart / "values.yaml")
    overrides = load_yaml_file(scenario) or {}
    return merge_values(copy.deepcopy(values), overrides)


def by_kind(documents: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        kinds.setdefault(document["kind"], []).append(document)
    return kinds


def expected_objects(values: dict[str, Any], fullname: str) -> set[tuple[str, str]]:
    """The (kind, name) pairs the chart must render for these values, derived from the documented rules."""
    stateful = values["deploymentType"].startswith("stateful-")
    multi = values["deploymentType"].endswith("-multi")
    objects = {("StatefulSet" if stateful else "Deployment", fullname), ("ServiceAccount", fullname)}
    if values["service"]["enabled"] and values["service"]["ports"]:
        objects.add(("Service", fullname))
    if stateful:
        objects.add(("Service", f"{fullname}-headless"))
    if not stateful and values["persistence"]["enabled"] and not values["persistence"].get("existingClaim"):
        objects.add(("PersistentVolumeClaim", f"data-{fullname}-0"))
    if values["deploymentType"] == "stateless-multi" and values["autoscaling"]["enabled"]:
        objects.add(("HorizontalPodAutoscaler", fullname))
    if multi and values["podDisruptionBudget"]["enabled"]:
        objects.add(("PodDisruptionBudget", fullname))
    return objects


def container_env(workload: dict[str, Any]) -> dict[str, Any]:
    container = workload["spec"]["template"]["spec"]["containers"][0]
    return {entry["name"]: entry.get("value", entry.get("valueFrom")) for entry in container["env"]}


def render(helm: Helm, chart: Path, scenario: Path) -> list[dict[str, Any]]:
    return helm.template(chart, "-f", str(scenario), "--namespace", NAMESPACE, release=RELEASE)


def test_lint_strict(helm: Helm, case: Case, generated_charts: dict[str, Path]) -> None:
    chart = generated_charts[case.chart]
    output = helm.run("lint", "--strict", str(chart), "-f", str(chart / "ci" / f"{case.scenario}-values.yaml"))
    assert "0 chart(s) failed" in output.splitlines()[-1]


def test_rendered_objects(helm: Helm, case: Case, generated_charts: dict[str, Path]) -> None:
    chart = generated_charts[case.chart]
    scenario = chart / "ci" / f"{case.scenario}-values.yaml"
    values = effective_values(chart, scenario)
    fullname = f"{RELEASE}-{chart.name}"
    documents = render(helm, chart, scenario)

    assert {(doc["kind"], doc["metadata"]["name"]) for doc in documents} == expected_objects(values, fullname)

    kinds = by_kind(documents)
    workload = (kinds.get("StatefulSet") or kinds["Deployment"])[0]
    check_workload(workload, values, fullname)
    check_services(kinds.get("Service", []), values, fullname)
    check_disruption_budget(kinds.get("PodDisruptionBudget", []), values)
    check_autoscaler(kinds.get("HorizontalPodAutoscaler", []), values, fullname)
    check_labels(documents, chart.name)


def check_workload(workload: dict[str, Any], values: dict[str, Any], fullname: str) -> None:
    deployment_type = values["deploymentType"]
    spec = workload["spec"]
    pod = spec["template"]["spec"]
    replicas = 1 if deployment_type.endswith("-single") else values["replicaCount"]
    autoscaled = deployment_type == "stateless-multi" and values["autoscaling"]["enabled"]

    if autoscaled:
        assert "replicas" not in spec
    else:
        assert spec["replicas"] == replicas

    assert spec["selector"]["matchLabels"] == {"app.kubernetes.io/name": values_name(fullname), "app.kubernetes.io/instance": RELEASE}
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = pod["containers"][0]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]

    env = container_env(workload)
    assert env["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}

    if workload["kind"] == "StatefulSet":
        check_statefulset(workload, values, fullname, replicas)
    else:
        check_deployment(workload, values, fullname)

    spread = pod.get("topologySpreadConstraints")
    if values["topologySpreadConstraints"]:
        assert spread == values["topologySpreadConstraints"]
    elif deployment_type.endswith("-multi"):
        assert spread[0]["whenUnsatisfiable"] == "ScheduleAnyway"
        assert spread[0]["topologyKey"] == "kubernetes.io/hostname"
    else:
        assert spread is None


def values_name(fullname: str) -> str:
    return fullname.removeprefix(f"{RELEASE}-")


def check_statefulset(workload: dict[str, Any], values: dict[str, Any], fullname: str, replicas: int) -> None:
    spec = workload["spec"]
    cluster = values["deploymentType"] == "stateful-multi" and values["cluster"]["enabled"]
    headless = f"{fullname}-headless"

    assert spec["serviceName"] == headless
    assert spec["podManagementPolicy"] == ("Parallel" if cluster else "OrderedReady")

    env = container_env(workload)
    assert env["HEADLESS_SERVICE_NAME"] == headless
    domain = values["clusterDomain"]
    if values["deploymentType"] == "stateful-multi":
        port = values["cluster"]["peerPort"]
        suffix = f":{port}" if port else ""
        expected = [f"{fullname}-{i}.{headless}.{NAMESPACE}.svc.{domain}{suffix}" for i in range(replicas)]
        assert env["PEERS"].split(",") == expected
    else:
        assert "PEERS" not in env

    persistence = values["persistence"]
    if not persistence["enabled"]:
        assert "volumeClaimTemplates" not in spec
        return

    [template] = spec["volumeClaimTemplates"]
    assert template["metadata"]["name"] == "data"
    assert "helm.sh/chart" not in template["metadata"]["labels"]
    assert "app.kubernetes.io/version" not in template["metadata"]["labels"]
    assert template["spec"]["accessModes"] == [persistence["accessMode"]]
    assert template["spec"]["resources"]["requests"]["storage"] == persistence["size"]
    assert template["spec"].get("storageClassName") == persistence["storageClass"]
    assert spec["persistentVolumeClaimRetentionPolicy"] == persistence["retentionPolicy"]
    mounts = {mount["name"]: mount["mountPath"] for mount in spec["template"]["spec"]["containers"][0]["volumeMounts"]}
    assert mounts["data"] == persistence["mountPath"]


def check_deployment(workload: dict[str, Any], values: dict[str, Any], fullname: str) -> None:
    spec = workload["spec"]
    persistence = values["persistence"]
    read_write_once = persistence["enabled"] and persistence["accessMode"] in ("ReadWriteOnce", "ReadWriteOncePod")

    if values["deploymentType"] == "stateless-single":
        assert spec["strategy"]["type"] == "Recreate"
    else:
        assert spec["strategy"]["type"] == "RollingUpdate"
    if read_write_once and values["deploymentType"] == "stateless-single":
        assert spec["strategy"] == {"type": "Recreate"}

    volumes = {volume["name"]: volume for volume in spec["template"]["spec"].get("volumes", [])}
    if persistence["enabled"]:
        assert volumes["data"]["persistentVolumeClaim"]["claimName"] == f"data-{fullname}-0"
    else:
        assert "data" not in volumes


def check_services(services: list[dict[str, Any]], values: dict[str, Any], fullname: str) -> None:
    by_name = {service["metadata"]["name"]: service for service in services}
    if f"{fullname}-headless" in by_name:
        headless = by_name[f"{fullname}-headless"]["spec"]
        assert headless["clusterIP"] == "None"
        assert headless["publishNotReadyAddresses"] is True
        assert [port["port"] for port in headless.get("ports", [])] == [port["containerPort"] for port in values["containerPorts"]]
    if fullname in by_name:
        client = by_name[fullname]["spec"]
        assert client["type"] == values["service"]["type"]
        assert "clusterIP" not in client
        assert [port["port"] for port in client["ports"]] == [port["port"] for port in values["service"]["ports"]]


def check_disruption_budget(budgets: list[dict[str, Any]], values: dict[str, Any]) -> None:
    if not budgets:
        return
    spec = budgets[0]["spec"]
    budget = values["podDisruptionBudget"]
    cluster = values["deploymentType"] == "stateful-multi" and values["cluster"]["enabled"]
    if budget["minAvailable"] is not None:
        assert spec == {"minAvailable": budget["minAvailable"], "selector": spec["selector"]}
    elif budget["maxUnavailable"] is not None:
        assert spec == {"maxUnavailable": budget["maxUnavailable"], "selector": spec["selector"]}
    elif cluster:
        assert spec["minAvailable"] == values["replicaCount"] // 2 + 1
        assert "maxUnavailable" not in spec
    else:
        assert spec["maxUnavailable"] == 1
        assert "minAvailable" not in spec


def check_autoscaler(autoscalers: list[dict[str, Any]], values: dict[str, Any], fullname: str) -> None:
    if not autoscalers:
        return
    spec = autoscalers[0]["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": fullname}
    assert spec["minReplicas"] == values["autoscaling"]["minReplicas"]
    assert spec["maxReplicas"] == values["autoscaling"]["maxReplicas"]
    targets = {metric["resource"]["name"]: metric["resource"]["target"]["averageUtilization"] for metric in spec["metrics"]}
    expected = {
        name: values["autoscaling"][key]
        for name, key in (("cpu", "targetCPUUtilizationPercentage"), ("memory", "targetMemoryUtilizationPercentage"))
        if values["autoscaling"][key] is not None
    }
    assert targets == expected


def check_labels(documents: list[dict[str, Any]], chart_name: str) -> None:
    for document in documents:
        labels = document["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == chart_name
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/component"] == chart_name
        if document["kind"] == "PersistentVolumeClaim":
            # A data claim outlives chart upgrades, so it carries no version.
            assert "helm.sh/chart" not in labels
            assert "app.kubernetes.io/version" not in labels
        else:
            assert labels["helm.sh/chart"] == f"{chart_name}-0.1.0"
            assert "app.kubernetes.io/version" in labels


def test_kubernetes_schemas(helm: Helm, case: Case, generated_charts: dict[str, Path]) -> None:
    chart = generated_charts[case.chart]
    documents = render(helm, chart, chart / "ci" / f"{case.scenario}-values.yaml")
    problems = validate_manifests(documents, default_kube_versions())
    assert [str(problem) for problem in problems] == []
