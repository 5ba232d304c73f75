"""check-upgrade: the outcome of every switch between deployment types, volume by volume."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from chartgen.yamlio import dump_yaml
from conftest import BASE_CHART, Helm, describe, run_cli

TYPES = ("stateful-single", "stateful-multi", "stateless-single", "stateless-multi")
SHORT = {"stateful-single": "SS", "stateful-multi": "SM", "stateless-single": "LS", "stateless-multi": "LM"}
RELEASE = "shop"

# Outcome of each claim data-shop-base-<ordinal> when every type runs with a
# ReadWriteMany data volume and multi types run 3 instances.
EXPECTED_WITH_STORAGE: dict[tuple[str, str], list[str]] = {
    ("SS", "SM"): ["reused", "new", "new"],
    ("SS", "LS"): ["reused"],
    ("SS", "LM"): ["reused"],
    ("SM", "SS"): ["reused", "orphaned", "orphaned"],
    ("SM", "LS"): ["reused", "unmergeable", "unmergeable"],
    ("SM", "LM"): ["reused", "unmergeable", "unmergeable"],
    ("LS", "SS"): ["reused"],
    ("LS", "SM"): ["reused", "new", "new"],
    ("LS", "LM"): ["reused"],
    ("LM", "SS"): ["reused"],
    ("LM", "SM"): ["reused", "new", "new"],
    ("LM", "LS"): ["reused"],
}
PAIRS = list(itertools.permutations(TYPES, 2))


def values_for(deployment_type: str, storage: bool, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "deploymentType": deployment_type,
        "replicaCount": 3 if deployment_type.endswith("-multi") else 1,
        "persistence": {"enabled": storage, "size": "5Gi", "accessMode": "ReadWriteMany"},
    }
    values.update(extra)
    return values


def write_values(path: Path, values: dict[str, Any]) -> Path:
    path.write_text(dump_yaml(values))
    return path


def check(tmp_path: Path, old: dict[str, Any], new: dict[str, Any], *args: str, chart: Path = BASE_CHART) -> tuple[int, dict[str, Any]]:
    old_file = write_values(tmp_path / "old.yaml", old)
    new_file = write_values(tmp_path / "new.yaml", new)
    result = run_cli("check-upgrade", str(chart), "--release", RELEASE, "--from", str(old_file), "--to", str(new_file), "--output", "json", *args)
    assert result.exit_code in (0, 1), describe(result)
    return result.exit_code, json.loads(result.stdout)


def outcomes(report: dict[str, Any]) -> list[str]:
    return [volume["outcome"] for volume in report["volumes"]]


@pytest.mark.parametrize(("old_type", "new_type"), PAIRS, ids=lambda value: SHORT.get(value, value))
def test_switch_with_storage(old_type: str, new_type: str, tmp_path: Path) -> None:
    expected = EXPECTED_WITH_STORAGE[(SHORT[old_type], SHORT[new_type])]
    status, report = check(
        tmp_path,
        values_for(old_type, storage=True),
        values_for(new_type, storage=True, typeSwitch={"acknowledge": True}),
    )

    assert outcomes(report) == expected
    assert [volume["claim"] for volume in report["volumes"]] == [f"data-{RELEASE}-base-{i}" for i in range(len(expected))]
    unsafe = {"orphaned", "unmergeable", "deleted", "incompatible"} & set(expected)
    assert report["safe"] is not bool(unsafe)
    assert status == (1 if unsafe else 0)


@pytest.mark.parametrize(("old_type", "new_type"), PAIRS, ids=lambda value: SHORT.get(value, value))
def test_switch_without_storage(old_type: str, new_type: str, tmp_path: Path) -> None:
    status, report = check(
        tmp_path,
        values_for(old_type, storage=False),
        values_for(new_type, storage=False, typeSwitch={"acknowledge": True}),
    )

    assert report["volumes"] == []
    assert report["safe"] is True
    assert status == 0


@pytest.mark.parametrize(("old_type", "new_type"), PAIRS, ids=lambda value: SHORT.get(value, value))
def test_acknowledgement_needed_for_kind_switch(old_type: str, new_type: str, tmp_path: Path) -> None:
    status, report = check(tmp_path, values_for(old_type, storage=False), values_for(new_type, storage=False))

    kind_changes = old_type.split("-")[0] != new_type.split("-")[0]
    assert report["typeSwitch"] is kind_changes
    assert report["needsAcknowledgement"] is kind_changes
    assert status == (1 if kind_changes else 0)


def test_acknowledgement_from_set_flag(tmp_path: Path) -> None:
    status, report = check(
        tmp_path, values_for("stateless-single", storage=True), values_for("stateful-single", storage=True),
        "--set", "typeSwitch.acknowledge=true",
    )
    assert report["needsAcknowledgement"] is False
    assert status == 0


def immutable_fields(report: dict[str, Any]) -> list[str]:
    return [change["field"] for change in report["immutable"]]


def test_storage_size_change_detected(tmp_path: Path) -> None:
    old = values_for("stateful-multi", storage=True)
    new = values_for("stateful-multi", storage=True, persistence={"enabled": True, "size": "10Gi", "accessMode": "ReadWriteMany"})
    status, report = check(tmp_path, old, new)

    assert status == 1
    assert immutable_fields(report) == ["spec.volumeClaimTemplates"]
    assert "kubectl patch pvc data-shop-base-<ordinal>" in report["immutable"][0]["fix"]
    assert "--cascade=orphan" in report["immutable"][0]["fix"]
    assert outcomes(report) == ["reused", "reused", "reused"]


def test_storage_class_change_detected(tmp_path: Path) -> None:
    old = values_for("stateful-single", storage=True)
    new = values_for("stateful-single", storage=True, persistence={"enabled": True, "size": "5Gi", "accessMode": "ReadWriteMany", "storageClass": "fast"})
    status, report = check(tmp_path, old, new)

    assert status == 1
    assert immutable_fields(report) == ["spec.volumeClaimTemplates"]
    assert "copy the data into new claims" in report["immutable"][0]["fix"]
    assert outcomes(report) == ["incompatible"]


def test_pod_management_policy_change_detected(tmp_path: Path) -> None:
    old = values_for("stateful-multi", storage=True)
    new = values_for("stateful-multi", storage=True, cluster={"enabled": True})
    status, report = check(tmp_path, old, new)

    assert status == 1
    assert immutable_fields(report) == ["spec.podManagementPolicy"]
    assert report["immutable"][0]["before"] == "OrderedReady"
    assert report["immutable"][0]["after"] == "Parallel"


def test_stateless_access_mode_change_incompatible(tmp_path: Path) -> None:
    old = values_for("stateless-single", storage=True, persistence={"enabled": True, "size": "5Gi", "accessMode": "ReadWriteOnce"})
    new = values_for("stateless-single", storage=True, persistence={"enabled": True, "size": "5Gi", "accessMode": "ReadWriteMany"})
    status, report = check(tmp_path, old, new)

    assert status == 1
    [volume] = report["volumes"]
    assert volume["outcome"] == "incompatible"
    assert "access mode ReadWriteOnce -> ReadWriteMany" in volume["note"]


def test_retention_delete_reports_deleted(tmp_path: Path) -> None:
    old = values_for("stateful-multi", storage=True, persistence={"enabled": True, "size": "5Gi", "accessMode": "ReadWriteMany", "retentionPolicy": {"whenScaled": "Delete"}})
    new = {**old, "replicaCount": 1}
    status, report = check(tmp_path, old, new)

    assert status == 1
    assert outcomes(report) == ["reused", "deleted", "deleted"]


def test_plan_uses_release_object_names(tmp_path: Path) -> None:
    status, report = check(
        tmp_path, values_for("stateful-multi", storage=True), values_for("stateless-multi", storage=True), "--plan", "-n", "prod",
    )
    assert status == 1
    commands = [command for step in report["plan"] for command in step["commands"]]
    titles = [step["title"].split(",")[0] for step in report["plan"]]

    assert titles[0] == "Stop the component"
    assert commands[0] == "kubectl scale statefulset/shop-base --replicas=0 -n prod"
    assert any("dataCopy.from=data-shop-base-2" in command and "kubectl apply -n prod -f -" in command for command in commands)
    assert any(command.startswith("helm upgrade shop ") and command.endswith("--set typeSwitch.acknowledge=true") for command in commands)
    assert "kubectl delete pvc data-shop-base-1 data-shop-base-2 -n prod" in commands


def test_plan_copy_job_renders(helm: Helm, tmp_path: Path) -> None:
    """The plan's copy commands render a Job and its target claim from the chart."""
    _, report = check(tmp_path, values_for("stateful-multi", storage=True), values_for("stateless-multi", storage=True), "--plan")
    render = next(command for step in report["plan"] for command in step["commands"] if "--show-only" in command)
    helm_args = render.split(" | ")[0].split()[1:]

    documents = helm.template(Path(helm_args[2]), *helm_args[3:], release=helm_args[1])
    kinds = sorted(document["kind"] for document in documents)
    assert kinds == ["Job", "PersistentVolumeClaim"]
    job = next(document for document in documents if document["kind"] == "Job")
    claims = [volume["persistentVolumeClaim"]["claimName"] for volume in job["spec"]["template"]["spec"]["volumes"]]
    assert claims == ["data-shop-base-0", "data-shop-base-0-backup"]


def test_release_without_cluster_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    result = run_cli("check-upgrade", str(BASE_CHART), "--release", RELEASE, "--set", "replicaCount=1")

    assert result.exit_code == 2
    assert "cannot read the values of release 'shop'" in result.stderr
    assert "--from FILE" in result.stderr


def test_text_report_names_claims(tmp_path: Path) -> None:
    old_file = write_values(tmp_path / "old.yaml", values_for("stateful-multi", storage=True))
    new_file = write_values(tmp_path / "new.yaml", values_for("stateful-single", storage=True))
    result = run_cli("check-upgrade", str(BASE_CHART), "--release", RELEASE, "--from", str(old_file), "--to", str(new_file))

    assert result.exit_code == 1
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines() if line.startswith("  data-")}
    assert rows == {"data-shop-base-0": "reused", "data-shop-base-1": "orphaned", "data-shop-base-2": "orphaned"}
    assert result.stdout.splitlines()[-1].startswith("Unsafe: 2 orphaned")


# --- the chart's own guard ------------------------------------------------------------------------


def chart_with_deployed(tmp_path: Path, kind: str) -> Path:
    """A copy of the base chart whose lookup of the deployed workload returns `kind`.

    There is no API server here, and lookup returns nothing under helm
    template, so the copy replaces the one define that calls lookup.
    """
    chart = tmp_path / "base"
    shutil.copytree(BASE_CHART, chart)
    validate = chart / "templates" / "_validate.tpl"
    text = validate.read_text()
    start = text.index('{{- define "base.deployedWorkloadKind" -}}')
    end = text.index("{{- end }}\n{{- end }}", start) + len("{{- end }}\n{{- end }}")
    validate.write_text(text[:start] + f'{{{{- define "base.deployedWorkloadKind" -}}}}{kind}{{{{- end }}}}' + text[end:])
    return chart


def test_guard_silent_under_template(helm: Helm) -> None:
    documents = helm.template(BASE_CHART, "--set", "deploymentType=stateful-single")
    assert any(document["kind"] == "StatefulSet" for document in documents)


def test_guard_rejects_unacknowledged_switch(helm: Helm, tmp_path: Path) -> None:
    chart = chart_with_deployed(tmp_path, "StatefulSet")
    error = helm.error("template", "shop", str(chart), "--set", "deploymentType=stateless-single", "-n", "prod")

    assert "typeSwitch.acknowledge: release \"shop\" runs StatefulSet shop-base" in error
    assert "kubectl scale statefulset/shop-base --replicas=0 -n prod" in error
    assert "--set typeSwitch.acknowledge=true" in error


def test_guard_accepts_acknowledged_switch(helm: Helm, tmp_path: Path) -> None:
    chart = chart_with_deployed(tmp_path, "StatefulSet")
    documents = helm.template(chart, "--set", "deploymentType=stateless-single", "--set", "typeSwitch.acknowledge=true")
    assert [document["kind"] for document in documents if document["kind"] in ("StatefulSet", "Deployment")] == ["Deployment"]


def test_guard_ignores_same_kind(helm: Helm, tmp_path: Path) -> None:
    chart = chart_with_deployed(tmp_path, "Deployment")
    documents = helm.template(chart, "--set", "deploymentType=stateless-multi", "--set", "replicaCount=2")
    assert any(document["kind"] == "Deployment" for document in documents)


def test_claim_names_and_ownership_line_up(helm: Helm) -> None:
    """stateless-single's claim is the claim stateful-single's instance 0 uses, with the marks helm adopts by."""
    stateless = helm.template(BASE_CHART, "--set", "persistence.enabled=true", "-n", "prod", release="shop")
    stateful = helm.template(BASE_CHART, "--set", "deploymentType=stateful-single", "--set", "persistence.enabled=true", "-n", "prod", release="shop")

    claim = next(document for document in stateless if document["kind"] == "PersistentVolumeClaim")
    statefulset = next(document for document in stateful if document["kind"] == "StatefulSet")
    [template] = statefulset["spec"]["volumeClaimTemplates"]

    assert claim["metadata"]["name"] == f"{template['metadata']['name']}-{statefulset['metadata']['name']}-0"
    assert claim["spec"] == template["spec"]
    assert claim["metadata"]["labels"] == template["metadata"]["labels"]
    assert claim["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert template["metadata"]["annotations"]["meta.helm.sh/release-name"] == "shop"
    assert template["metadata"]["annotations"]["meta.helm.sh/release-namespace"] == "prod"
    assert statefulset["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}


def test_invalid_new_values_exit_2(tmp_path: Path) -> None:
    old_file = write_values(tmp_path / "old.yaml", values_for("stateless-multi", storage=False))
    result = run_cli("check-upgrade", str(BASE_CHART), "--from", str(old_file), "--set", "replicaCount=4", "--set", "deploymentType=stateful-single")

    assert result.exit_code == 2, describe(result)
    assert "the new values do not render" in result.stderr
    assert "chartgen validate" in result.stderr


def test_plan_grows_claims_in_place(tmp_path: Path) -> None:
    old = values_for("stateful-multi", storage=True)
    new = values_for("stateful-multi", storage=True, persistence={"enabled": True, "size": "10Gi", "accessMode": "ReadWriteMany"})
    _, report = check(tmp_path, old, new, "--plan")

    commands = [command for step in report["plan"] for command in step["commands"]]
    patches = [command for command in commands if command.startswith("kubectl patch pvc")]
    assert len(patches) == 3
    assert all('"storage":"10Gi"' in command for command in patches)
    assert commands.index(patches[-1]) < next(index for index, command in enumerate(commands) if "--cascade=orphan" in command)
