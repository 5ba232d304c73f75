"""How values reach the templates: --set versus files, nulls, digests, and the NOTES shown after install."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from chartgen.yamlio import dump_yaml
from conftest import Helm

NUMBERS = {
    "replicaCount": 5,
    "cluster.peerPort": 2380,
    "podDisruptionBudget.minAvailable": 2,
    "terminationGracePeriodSeconds": 60,
}


def nested(flat: dict[str, object]) -> dict[str, object]:
    tree: dict[str, object] = {}
    for path, value in flat.items():
        node = tree
        *parents, leaf = path.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})  # type: ignore[assignment]
        node[leaf] = value
    return tree


def test_set_and_file_numbers_render_alike(helm: Helm, generated_charts: dict[str, Path], tmp_path: Path) -> None:
    """--set gives int64 and files give float64; the templates must treat both the same."""
    chart = generated_charts["stateful-cluster"]
    values_file = tmp_path / "numbers.yaml"
    values_file.write_text(dump_yaml(nested(NUMBERS)))

    from_file = helm.template(chart, "-f", str(values_file))
    from_set = helm.template(chart, *[arg for path, value in NUMBERS.items() for arg in ("--set", f"{path}={value}")])

    assert from_file == from_set
    statefulset = next(doc for doc in from_file if doc["kind"] == "StatefulSet")
    assert statefulset["spec"]["replicas"] == 5
    assert statefulset["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 60


def test_autoscaler_numbers_from_set(helm: Helm, generated_charts: dict[str, Path]) -> None:
    documents = helm.template(
        generated_charts["stateless-multi"],
        "--set", "autoscaling.enabled=true", "--set", "autoscaling.minReplicas=3", "--set", "autoscaling.maxReplicas=9",
    )
    autoscaler = next(doc for doc in documents if doc["kind"] == "HorizontalPodAutoscaler")
    assert autoscaler["spec"]["minReplicas"] == 3
    assert autoscaler["spec"]["maxReplicas"] == 9


@pytest.mark.parametrize(
    "key",
    ["cluster.peerPort", "persistence.storageClass", "terminationGracePeriodSeconds", "resources", "affinity", "command", "updateStrategy"],
)
def test_optional_key_accepts_null(helm: Helm, generated_charts: dict[str, Path], key: str) -> None:
    documents = helm.template(generated_charts["stateful-cluster"], "--set", f"{key}=null")
    assert any(doc["kind"] == "StatefulSet" for doc in documents)


def test_digest_overrides_tag(helm: Helm, generated_charts: dict[str, Path]) -> None:
    digest = "sha256:" + "ab" * 32
    documents = helm.template(generated_charts["stateless-multi"], "--set", f"image.digest={digest}", "--set-string", "image.tag=9.9")
    deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == f"nginxinc/nginx-unprivileged@{digest}"


def test_tag_defaults_to_app_version(helm: Helm, generated_charts: dict[str, Path]) -> None:
    documents = helm.template(generated_charts["stateless-multi"])
    deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginxinc/nginx-unprivileged:1.27.3"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "1.27.3"


def render_notes(helm: Helm, chart: Path, tmp_path: Path, *args: str) -> str:
    """Render NOTES.txt offline with both helm versions.

    `helm template` leaves NOTES.txt out and Helm 3.17's client-side dry run
    needs a cluster, so a copy of the chart wraps the notes in a define and
    renders them as a string inside a YAML document that --show-only prints.
    """
    copy = tmp_path / chart.name
    shutil.copytree(chart, copy)
    notes = (copy / "templates" / "NOTES.txt").read_text()
    (copy / "templates" / "_notes_preview.tpl").write_text('{{- define "preview.notes" -}}\n' + notes + "\n{{- end }}\n")
    (copy / "templates" / "notes-preview.yaml").write_text('notes: {{ include "preview.notes" . | toJson }}\n')
    documents = helm.template(copy, "--namespace", "apps", "--show-only", "templates/notes-preview.yaml", *args)
    return documents[0]["notes"]


def test_notes_list_instance_addresses(helm: Helm, generated_charts: dict[str, Path], tmp_path: Path) -> None:
    notes = render_notes(helm, generated_charts["stateful-cluster"], tmp_path, "--set", "replicaCount=5")

    hosts = re.findall(r"^  (\S+\.svc\.cluster\.local)$", notes, re.MULTILINE)
    assert hosts == [f"demo-stateful-cluster-{i}.demo-stateful-cluster-headless.apps.svc.cluster.local" for i in range(5)]
    assert "NotReady" in notes
    assert "not moved to another node automatically" in notes


def test_notes_of_stateless_type(helm: Helm, generated_charts: dict[str, Path], tmp_path: Path) -> None:
    notes = render_notes(helm, generated_charts["stateless-multi"], tmp_path)

    assert "Deployment demo-stateless-multi runs 2 replica(s)." in notes.splitlines()
    assert "NotReady" not in notes


def test_init_containers_get_builtin_env(helm: Helm, generated_charts: dict[str, Path]) -> None:
    init = [{"name": "render-config", "image": "busybox:1.36.1", "env": [{"name": "MODE", "value": "cluster"}]}]
    documents = helm.template(generated_charts["stateful-cluster"], "--set-json", f"initContainers={json.dumps(init)}")
    statefulset = next(doc for doc in documents if doc["kind"] == "StatefulSet")
    pod = statefulset["spec"]["template"]["spec"]

    init_env = [entry["name"] for entry in pod["initContainers"][0]["env"]]
    main_env = [entry["name"] for entry in pod["containers"][0]["env"]]
    assert init_env == [*main_env, "MODE"]
    assert "PEERS" in init_env


@pytest.mark.parametrize(
    ("probe", "kept"),
    [
        pytest.param({"httpGet": {"path": "/healthz", "port": "http"}}, "httpGet", id="httpGet"),
        pytest.param({"exec": {"command": ["true"]}, "httpGet": {"path": "/", "port": "http"}}, "exec", id="exec-first"),
        pytest.param({"grpc": {"port": 9090}}, "grpc", id="grpc"),
        pytest.param({}, "tcpSocket", id="default"),
    ],
)
def test_probe_keeps_one_handler(helm: Helm, generated_charts: dict[str, Path], probe: dict[str, object], kept: str) -> None:
    """Values merge a user's probe over the default tcpSocket check; the API server accepts only one handler."""
    documents = helm.template(generated_charts["stateless-multi"], "--set-json", f"readinessProbe={json.dumps(probe)}")
    deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
    rendered = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]

    handlers = [name for name in ("exec", "httpGet", "grpc", "tcpSocket") if name in rendered]
    assert handlers == [kept]
    assert rendered["periodSeconds"] == 5
