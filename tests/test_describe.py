"""chartgen describe: the tree of objects matches what `helm template` renders, on both helm versions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner, Result

from chartgen.cli import cli
from conftest import CHART_OPTIONS, REPO_ROOT, Helm, describe, run_cli

EXAMPLE_SPECS = sorted((REPO_ROOT / "examples").glob("*.yaml"))
TREE_ONLY_KINDS = ("Pod",)


def run_describe(helm: Helm, chart: Path, *args: str) -> Result:
    """Run `chartgen describe` in-process with HELM_BIN pointing at the helm under test."""
    return CliRunner().invoke(cli, ["describe", str(chart), *args], env={"HELM_BIN": helm.path}, catch_exceptions=False)


def describe_json(helm: Helm, chart: Path, *args: str) -> dict[str, Any]:
    result = run_describe(helm, chart, "--output", "json", *args)
    assert result.exit_code == 0, describe(result)
    return json.loads(result.stdout)


def helm_args(args: tuple[str, ...]) -> list[str]:
    """Drop the options only describe has, leaving those helm template takes as they are."""
    template_args, skip_next = [], False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg == "--release":
            skip_next = True
        else:
            template_args.append(arg)
    return template_args


def walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from walk(node["children"])


def top(tree: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in tree["objects"] if node["kind"] == kind]


def of_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [document for document in documents if document["kind"] == kind]


def pod_spec(document: dict[str, Any]) -> dict[str, Any]:
    return document["spec"]["template"]["spec"]


def mounted_claims(document: dict[str, Any]) -> list[str]:
    return [volume["persistentVolumeClaim"]["claimName"] for volume in pod_spec(document).get("volumes", []) if "persistentVolumeClaim" in volume]


def assert_tree_matches_render(tree: dict[str, Any], documents: list[dict[str, Any]], namespace: str, cluster_domain: str) -> None:
    """Check every node of describe's JSON against the objects helm rendered for the same values."""
    rendered = {(document["kind"], document["metadata"]["name"]) for document in documents}
    tree_objects = {
        (node["kind"], node["name"]) for node in walk(tree["objects"])
        if node["kind"] not in TREE_ONLY_KINDS and node.get("origin") not in ("template", "existing")
    }
    assert tree_objects == rendered

    services = {document["metadata"]["name"]: document for document in of_kind(documents, "Service")}
    for statefulset in of_kind(documents, "StatefulSet"):
        check_statefulset(tree, statefulset, services, namespace, cluster_domain)
    for deployment in of_kind(documents, "Deployment"):
        check_deployment(tree, deployment, documents)

    for service in services.values():
        [node] = [node for node in top(tree, "Service") if node["name"] == service["metadata"]["name"]]
        assert node["headless"] is (service["spec"].get("clusterIP") == "None")
        assert node["type"] == service["spec"]["type"]
        assert [(port["name"], port["port"]) for port in node["ports"]] == [(port["name"], port["port"]) for port in service["spec"]["ports"]]
        assert node["dnsName"] == f"{service['metadata']['name']}.{namespace}.svc.{cluster_domain}"

    for budget in of_kind(documents, "PodDisruptionBudget"):
        [node] = top(tree, "PodDisruptionBudget")
        for key in ("minAvailable", "maxUnavailable"):
            assert node.get(key) == budget["spec"].get(key)

    for autoscaler in of_kind(documents, "HorizontalPodAutoscaler"):
        [node] = top(tree, "HorizontalPodAutoscaler")
        assert (node["minReplicas"], node["maxReplicas"]) == (autoscaler["spec"]["minReplicas"], autoscaler["spec"]["maxReplicas"])
        assert node["target"] == {"kind": autoscaler["spec"]["scaleTargetRef"]["kind"], "name": autoscaler["spec"]["scaleTargetRef"]["name"]}

    for account in of_kind(documents, "ServiceAccount"):
        [node] = top(tree, "ServiceAccount")
        assert node["automountServiceAccountToken"] == account["automountServiceAccountToken"]


def check_statefulset(tree: dict[str, Any], statefulset: dict[str, Any], services: dict[str, Any], namespace: str, cluster_domain: str) -> None:
    name, spec = statefulset["metadata"]["name"], statefulset["spec"]
    [node] = [node for node in top(tree, "StatefulSet") if node["name"] == name]
    assert node["replicas"] == spec["replicas"]
    assert node["podManagementPolicy"] == spec["podManagementPolicy"]
    assert services[spec["serviceName"]]["spec"]["clusterIP"] == "None"

    pods = [child for child in node["children"] if child["kind"] == "Pod"]
    assert [pod["name"] for pod in pods] == [f"{name}-{ordinal}" for ordinal in range(spec["replicas"])]
    templates = spec.get("volumeClaimTemplates", [])
    for ordinal, pod in enumerate(pods):
        assert pod["dnsName"] == f"{name}-{ordinal}.{spec['serviceName']}.{namespace}.svc.{cluster_domain}"
        assert [claim["name"] for claim in pod["children"]] == [f"{template['metadata']['name']}-{name}-{ordinal}" for template in templates]
        for claim, template in zip(pod["children"], templates):
            assert claim["size"] == template["spec"]["resources"]["requests"]["storage"]
            assert claim["accessModes"] == template["spec"]["accessModes"]
            assert claim["origin"] == "template"

    # The chart builds PEERS itself from the same names: describe must agree with it.
    env = {entry["name"]: entry.get("value") for entry in pod_spec(statefulset)["containers"][0]["env"]}
    if "PEERS" in env:
        peers = [peer.rsplit(":", 1)[0] if peer.count(":") else peer for peer in env["PEERS"].split(",")]
        assert peers == [pod["dnsName"] for pod in pods]


def check_deployment(tree: dict[str, Any], deployment: dict[str, Any], documents: list[dict[str, Any]]) -> None:
    name = deployment["metadata"]["name"]
    [node] = [node for node in top(tree, "Deployment") if node["name"] == name]
    autoscalers = [document for document in of_kind(documents, "HorizontalPodAutoscaler") if document["spec"]["scaleTargetRef"]["name"] == name]
    if autoscalers:
        assert node["replicas"] is None
        assert (node["autoscaling"]["minReplicas"], node["autoscaling"]["maxReplicas"]) == (autoscalers[0]["spec"]["minReplicas"], autoscalers[0]["spec"]["maxReplicas"])
    else:
        assert node["replicas"] == deployment["spec"]["replicas"]
        assert node["autoscaling"] is None
    assert node["updateStrategy"] == deployment["spec"]["strategy"]["type"]
    assert [claim["name"] for claim in node["children"]] == mounted_claims(deployment)
    rendered_claims = {document["metadata"]["name"] for document in of_kind(documents, "PersistentVolumeClaim")}
    for claim in node["children"]:
        assert claim["origin"] == ("chart" if claim["name"] in rendered_claims else "existing")


# --- every example and every deployment type --------------------------------------------------------


@pytest.fixture(scope="module")
def example_charts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    output = tmp_path_factory.mktemp("examples")
    charts = {}
    for spec in EXAMPLE_SPECS:
        result = run_cli("new", "--from", str(spec), "-o", str(output))
        assert result.exit_code == 0, describe(result)
        charts[spec.stem] = Path(result.stdout.strip())
    return charts


@pytest.mark.parametrize("example", [spec.stem for spec in EXAMPLE_SPECS])
def test_example_tree_matches_render(example: str, example_charts: dict[str, Path], helm: Helm) -> None:
    chart = example_charts[example]
    tree = describe_json(helm, chart)
    documents = helm.template(chart, release="release-name")

    assert tree["release"] == "release-name"
    assert tree["chart"] == example
    assert_tree_matches_render(tree, documents, "default", "cluster.local")


@pytest.mark.parametrize("chart_id", list(CHART_OPTIONS))
def test_type_tree_matches_render(chart_id: str, generated_charts: dict[str, Path], helm: Helm) -> None:
    chart = generated_charts[chart_id]
    tree = describe_json(helm, chart)
    documents = helm.template(chart, release="release-name")

    workload_kind = "StatefulSet" if chart_id.startswith("stateful-") else "Deployment"
    assert [node["kind"] for node in tree["objects"]][0] == workload_kind
    assert tree["deploymentType"] == ("stateful-multi" if chart_id == "stateful-cluster" else chart_id)
    assert tree["cluster"] is (chart_id == "stateful-cluster")
    assert_tree_matches_render(tree, documents, "default", "cluster.local")


VARIANTS = [
    pytest.param("stateless-multi", ("--set", "autoscaling.enabled=true,autoscaling.minReplicas=3,autoscaling.maxReplicas=7"), id="autoscaled"),
    pytest.param("stateless-multi", ("--set", "persistence.enabled=true,persistence.accessMode=ReadWriteMany"), id="shared-claim"),
    pytest.param("stateless-single", ("--set", "persistence.enabled=true,persistence.existingClaim=old-data"), id="existing-claim"),
    pytest.param("stateless-single", ("--set", "dataCopy.enabled=true,dataCopy.from=old-data,dataCopy.to=new-data,dataCopy.createTarget=true"), id="data-copy-job"),
    pytest.param("stateful-cluster", ("--set", "replicaCount=5,clusterDomain=example.internal", "-n", "infra", "--release", "store"), id="domain-namespace-release"),
    pytest.param("stateful-multi", ("--set", "persistence.retentionPolicy.whenScaled=Delete,podDisruptionBudget.enabled=false"), id="retention-no-pdb"),
    pytest.param("stateful-single", ("--set", "serviceAccount.create=false,service.enabled=false"), id="no-service-account"),
]


@pytest.mark.parametrize(("chart_id", "args"), VARIANTS)
def test_variant_tree_matches_render(chart_id: str, args: tuple[str, ...], generated_charts: dict[str, Path], helm: Helm) -> None:
    chart = generated_charts[chart_id]
    tree = describe_json(helm, chart, *args)
    release = args[args.index("--release") + 1] if "--release" in args else "release-name"
    namespace = args[args.index("-n") + 1] if "-n" in args else "default"
    documents = helm.template(chart, *helm_args(args), release=release)

    assert tree["namespace"] == namespace
    assert tree["release"] == release
    cluster_domain = "example.internal" if "clusterDomain=example.internal" in " ".join(args) else "cluster.local"
    assert tree["clusterDomain"] == cluster_domain
    assert_tree_matches_render(tree, documents, namespace, cluster_domain)


def test_autoscaled_deployment_shows_range(generated_charts: dict[str, Path], helm: Helm) -> None:
    # A release name that contains the chart's name is the full name of every object.
    result = run_describe(helm, generated_charts["stateless-multi"], "--release", "web-stateless-multi", "--set", "autoscaling.enabled=true")
    assert result.exit_code == 0, describe(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "web-stateless-multi (stateless-multi)"
    assert lines[1] == "├── Deployment web-stateless-multi: 2 to 10 replicas, autoscaled, RollingUpdate (maxSurge 25%, maxUnavailable 0)"
    assert lines[2] == "├── HorizontalPodAutoscaler web-stateless-multi: 2 to 10 replicas of Deployment web-stateless-multi, cpu 80%"


def test_shared_claim_under_deployment(generated_charts: dict[str, Path], helm: Helm) -> None:
    tree = describe_json(helm, generated_charts["stateless-multi"], "--set", "persistence.enabled=true,persistence.accessMode=ReadWriteMany")
    [deployment] = top(tree, "Deployment")
    [claim] = deployment["children"]
    assert claim["name"] == "data-release-name-stateless-multi-0"
    assert claim["accessModes"] == ["ReadWriteMany"]
    assert claim["keep"] is True
    assert claim["summary"] == "8Gi, ReadWriteMany, kept by helm on uninstall, shared by every pod"
    assert top(tree, "PersistentVolumeClaim") == [], "a mounted claim is shown only under its workload"


def test_values_file_sets_instances(generated_charts: dict[str, Path], helm: Helm, tmp_path: Path) -> None:
    values = tmp_path / "prod.yaml"
    values.write_text("replicaCount: 5\nclusterDomain: corp.example\n")
    tree = describe_json(helm, generated_charts["stateful-cluster"], "-f", str(values), "--release", "stateful-cluster")

    [statefulset] = top(tree, "StatefulSet")
    pods = [child["dnsName"] for child in statefulset["children"]]
    assert pods == [f"stateful-cluster-{i}.stateful-cluster-headless.default.svc.corp.example" for i in range(5)]
    [budget] = top(tree, "PodDisruptionBudget")
    assert budget["minAvailable"] == 3


def test_stateful_single_text_tree(example_charts: dict[str, Path], helm: Helm) -> None:
    result = run_describe(helm, example_charts["mysql"], "--release", "mysql")
    assert result.exit_code == 0, describe(result)
    assert result.stdout == (
        "mysql (stateful-single)\n"
        "├── StatefulSet mysql: 1 instance, OrderedReady start, RollingUpdate\n"
        "│   └── Pod mysql-0: mysql-0.mysql-headless.default.svc.cluster.local\n"
        "│       └── PersistentVolumeClaim data-mysql-0: 10Gi, ReadWriteOnce\n"
        "├── Service mysql-headless: headless, mysql 3306\n"
        "├── Service mysql: ClusterIP, mysql 3306\n"
        "└── ServiceAccount mysql: no API token mounted\n"
    )


def test_service_target_port_resolved(example_charts: dict[str, Path], helm: Helm) -> None:
    tree = describe_json(helm, example_charts["grafana"])
    [service] = top(tree, "Service")
    assert service["ports"][0]["port"] == 80
    assert service["ports"][0]["targetPort"] == "http"
    assert service["ports"][0]["containerPort"] == 3000
    assert service["summary"] == "ClusterIP, http 80->3000"
    assert service["selects"] == ["release-name-grafana"]


@pytest.mark.parametrize("example", [spec.stem for spec in EXAMPLE_SPECS])
def test_mermaid_has_every_node(example: str, example_charts: dict[str, Path], helm: Helm) -> None:
    chart = example_charts[example]
    tree = describe_json(helm, chart)
    result = run_describe(helm, chart, "--output", "mermaid")
    assert result.exit_code == 0, describe(result)

    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart TB"
    node_lines = [line for line in lines if '["' in line]
    nodes = list(walk(tree["objects"]))
    assert len(node_lines) == len(nodes)
    for line, node in zip(node_lines, nodes):
        assert f'["{node["kind"]} {node["name"]}' in line
    tree_edges = [line for line in lines if " --> " in line]
    assert len(tree_edges) == sum(len(node["children"]) for node in nodes)
    dashed = [line for line in lines if " -.->|" in line]
    services = top(tree, "Service")
    assert sum("|selects|" in line for line in dashed) == sum(len(service["selects"]) for service in services)


def test_readme_diagrams_match_describe(helm: Helm) -> None:
    """The README's trees and diagrams are what describe prints for the reference charts."""
    env = {**os.environ, "HELM_BIN": helm.path}
    result = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "readme_diagrams.py"), "--check"], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"

    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("<!-- chartgen:diagrams:start -->"): readme.index("<!-- chartgen:diagrams:end -->")]
    for deployment_type in ("stateful-single", "stateful-multi", "stateless-single", "stateless-multi"):
        assert f"### {deployment_type}\n" in section
    assert section.count("```mermaid\n") == 4
    assert readme.index("## What each type renders") < readme.index("## Tests")


def test_helm_failure_exits_1(generated_charts: dict[str, Path], helm: Helm) -> None:
    result = run_describe(helm, generated_charts["stateful-cluster"], "--set", "replicaCount=4")
    assert result.exit_code == 1, describe(result)
    assert result.stdout == ""
    assert "helm template" in result.stderr
    assert "replicaCount" in result.stderr
    assert "`chartgen validate` with the same values" in result.stderr


def test_bad_values_file_exits_2(generated_charts: dict[str, Path], helm: Helm, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("replicaCount: [\n")
    result = run_describe(helm, generated_charts["stateless-multi"], "-f", str(broken))
    assert result.exit_code == 2, describe(result)
    assert "broken.yaml" in result.stderr

    missing = run_describe(helm, generated_charts["stateless-multi"], "-f", str(tmp_path / "missing.yaml"))
    assert missing.exit_code == 2, describe(missing)
