"""The rules layer as a user runs it: each rule on values that trigger it and on values that do not."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chartgen.errors import HelmError
from chartgen.rules import RULES
from conftest import BASE_CHART, REPO_ROOT, Helm, describe, run_cli

RULES_PAGE = REPO_ROOT / "docs" / "rules.md"
DIGEST = "sha256:" + "a" * 64
LONG_NAME = "a-very-long-component-name-for-tests"  # 36 characters
REQUESTS = "resources:\n  requests:\n    cpu: 100m\n    memory: 128Mi\n"


@dataclass(frozen=True)
class Case:
    """Values for one rule; `path` is where the rule must report, or None when it must stay silent."""

    rule: str
    values: str
    path: str | None
    args: tuple[str, ...] = ()


def hit(rule: str, values: str, path: str, *args: str) -> Case:
    return Case(rule, values, path, args)


def miss(rule: str, values: str, *args: str) -> Case:
    return Case(rule, values, None, args)


STATELESS_MULTI = "deploymentType: stateless-multi\n"
AUTOSCALED = STATELESS_MULTI + "autoscaling:\n  enabled: true\n  minReplicas: 2\n  maxReplicas: 5\n"
SINGLE_RWO = STATELESS_MULTI + "replicaCount: 1\npersistence:\n  enabled: true\n"

CASES = {
    "tag-latest": hit("CG001", "image:\n  tag: latest\n", "image.tag"),
    "tag-pinned": miss("CG001", "image:\n  tag: 1.27.3\n"),
    "tag-latest-with-digest": miss("CG001", f"image:\n  tag: latest\n  digest: {DIGEST}\n"),
    "tag-from-app-version": miss("CG001", "image:\n  tag: null\n"),

    "pdb-min-equals-replicas": hit("CG002", STATELESS_MULTI + "replicaCount: 3\npodDisruptionBudget:\n  minAvailable: 3\n", "podDisruptionBudget.minAvailable"),
    "pdb-min-100-percent": hit("CG002", "deploymentType: stateful-multi\nreplicaCount: 5\npodDisruptionBudget:\n  minAvailable: 100%\n", "podDisruptionBudget.minAvailable"),
    "pdb-min-60-percent-of-2": hit("CG002", STATELESS_MULTI + "replicaCount: 2\npodDisruptionBudget:\n  minAvailable: 60%\n", "podDisruptionBudget.minAvailable"),
    "pdb-max-0": hit("CG002", STATELESS_MULTI + "replicaCount: 3\npodDisruptionBudget:\n  maxUnavailable: 0\n", "podDisruptionBudget.maxUnavailable"),
    "pdb-max-0-percent": hit("CG002", STATELESS_MULTI + "replicaCount: 3\npodDisruptionBudget:\n  maxUnavailable: 0%\n", "podDisruptionBudget.maxUnavailable"),
    "pdb-min-autoscaler-minimum": hit("CG002", AUTOSCALED + REQUESTS + "podDisruptionBudget:\n  minAvailable: 2\n", "podDisruptionBudget.minAvailable"),
    "pdb-min-below-replicas": miss("CG002", STATELESS_MULTI + "replicaCount: 3\npodDisruptionBudget:\n  minAvailable: 2\n"),
    "pdb-min-50-percent-of-3": miss("CG002", STATELESS_MULTI + "replicaCount: 3\npodDisruptionBudget:\n  minAvailable: 50%\n"),
    "pdb-max-10-percent-of-3": miss("CG002", STATELESS_MULTI + "replicaCount: 3\npodDisruptionBudget:\n  maxUnavailable: 10%\n"),
    "pdb-cluster-default": miss("CG002", "deploymentType: stateful-multi\nreplicaCount: 3\ncluster:\n  enabled: true\n"),
    "pdb-default-one-replica": miss("CG002", STATELESS_MULTI + "replicaCount: 1\n"),
    "pdb-disabled": miss("CG002", STATELESS_MULTI + "replicaCount: 3\npodDisruptionBudget:\n  enabled: false\n  minAvailable: 3\n"),
    "pdb-single-type-renders-none": miss("CG002", "podDisruptionBudget:\n  minAvailable: 1\n"),

    "affinity-replicas": hit("CG003", STATELESS_MULTI + "replicaCount: 3\nservice:\n  sessionAffinity: ClientIP\n", "service.sessionAffinity"),
    "affinity-autoscaled": hit("CG003", AUTOSCALED + REQUESTS + "service:\n  sessionAffinity: ClientIP\n", "service.sessionAffinity"),
    "affinity-none": miss("CG003", STATELESS_MULTI + "replicaCount: 3\nservice:\n  sessionAffinity: None\n"),
    "affinity-one-replica": miss("CG003", STATELESS_MULTI + "replicaCount: 1\nservice:\n  sessionAffinity: ClientIP\n"),
    "affinity-stateful": miss("CG003", "deploymentType: stateful-multi\nreplicaCount: 3\nservice:\n  sessionAffinity: ClientIP\n"),

    "requests-none": hit("CG004", "", "resources.requests"),
    "requests-cpu-limit-only": hit("CG004", "resources:\n  limits:\n    cpu: 500m\n", "resources.requests.memory"),
    "requests-both": miss("CG004", REQUESTS),
    "requests-from-limits": miss("CG004", "resources:\n  limits:\n    cpu: 500m\n    memory: 256Mi\n"),

    "volume-none": hit("CG005", "deploymentType: stateful-single\n", "persistence.enabled"),
    "volume-empty-dir-only": hit("CG005", "deploymentType: stateful-multi\nreplicaCount: 2\nextraVolumes:\n  - name: scratch\n    emptyDir: {}\n", "persistence.enabled"),
    "volume-persistence": miss("CG005", "deploymentType: stateful-single\npersistence:\n  enabled: true\n"),
    "volume-extra-claim": miss("CG005", "deploymentType: stateful-single\nextraVolumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: shared\n"),
    "volume-stateless": miss("CG005", "deploymentType: stateless-single\n"),

    "cluster-readiness-null": hit("CG006", "deploymentType: stateful-multi\nreplicaCount: 3\ncluster:\n  enabled: true\nreadinessProbe: null\n", "readinessProbe"),
    "cluster-readiness-default": miss("CG006", "deploymentType: stateful-multi\nreplicaCount: 3\ncluster:\n  enabled: true\n"),
    # A map merges with the chart's default probe, so `{}` keeps it.
    "cluster-readiness-empty-map": miss("CG006", "deploymentType: stateful-multi\nreplicaCount: 3\ncluster:\n  enabled: true\nreadinessProbe: {}\n"),
    "no-cluster-readiness-null": miss("CG006", "deploymentType: stateful-multi\nreplicaCount: 3\nreadinessProbe: null\n"),

    "name-long-with-release": hit("CG007", f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", "nameOverride", "--release", "production-eu-west"),
    "name-fits-release": miss("CG007", f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", "--release", "prod"),
    "name-release-contains-name": miss("CG007", f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", "--release", f"eu-{LONG_NAME}"),
    "name-stateless-limit-63": miss("CG007", f"nameOverride: {LONG_NAME}\n", "--release", "production-eu-west"),
    "name-full-override": miss("CG007", "deploymentType: stateful-single\nfullnameOverride: web\n", "--release", "a-release-name-that-is-far-too-long-for-a-statefulset"),

    "room-small": hit("CG008", f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", "nameOverride"),
    "room-ample": miss("CG008", "deploymentType: stateful-single\nnameOverride: db\n"),
    "room-release-given": miss("CG008", f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", "--release", "prod"),
    "room-stateless-limit-63": miss("CG008", f"nameOverride: {LONG_NAME}\n"),

    "hpa-min-above-max": hit("CG009", STATELESS_MULTI + REQUESTS + "autoscaling:\n  enabled: true\n  minReplicas: 5\n  maxReplicas: 3\n", "autoscaling.minReplicas"),
    "hpa-min-equals-max": miss("CG009", STATELESS_MULTI + REQUESTS + "autoscaling:\n  enabled: true\n  minReplicas: 3\n  maxReplicas: 3\n"),

    "hpa-cpu-target-no-request": hit("CG010", AUTOSCALED, "resources.requests.cpu"),
    "hpa-memory-target-no-request": hit(
        "CG010", AUTOSCALED + "  targetCPUUtilizationPercentage: null\n  targetMemoryUtilizationPercentage: 75\nresources:\n  requests:\n    cpu: 100m\n",
        "resources.requests.memory",
    ),
    "hpa-default-target-no-request": hit("CG010", AUTOSCALED + "  targetCPUUtilizationPercentage: null\n", "resources.requests.cpu"),
    "hpa-cpu-from-limit": miss("CG010", AUTOSCALED + "resources:\n  limits:\n    cpu: 500m\n"),
    "hpa-off": miss("CG010", STATELESS_MULTI + "replicaCount: 2\n"),

    "rwo-default-strategy": hit("CG011", SINGLE_RWO, "persistence.accessMode"),
    "rwop-rolling-defaults": hit("CG011", SINGLE_RWO + "  accessMode: ReadWriteOncePod\nupdateStrategy:\n  type: RollingUpdate\n", "persistence.accessMode"),
    "rwo-recreate": miss("CG011", SINGLE_RWO + "updateStrategy:\n  type: Recreate\n"),
    "rwo-stop-first": miss("CG011", SINGLE_RWO + "updateStrategy:\n  type: RollingUpdate\n  rollingUpdate:\n    maxSurge: 0\n    maxUnavailable: 1\n"),
    "rwx": miss("CG011", SINGLE_RWO + "  accessMode: ReadWriteMany\n"),

    "repository-with-tag": hit("CG012", "image:\n  repository: registry.local:5000/team/app:2.1\n", "image.repository"),
    "repository-with-digest": hit("CG012", f"image:\n  repository: nginx@{DIGEST}\n", "image.repository"),
    "repository-with-port": miss("CG012", "image:\n  repository: registry.local:5000/team/app\n"),
    "repository-tag-and-digest": miss("CG012", f"image:\n  repository: nginx:1.27\n  digest: {DIGEST}\n"),

    "probe-handler-removed": hit("CG013", "livenessProbe:\n  tcpSocket: null\n", "livenessProbe"),
    "probe-handler-replaced": miss("CG013", "livenessProbe:\n  tcpSocket: null\n  httpGet:\n    path: /healthz\n    port: http\n"),
    "probe-dropped": miss("CG013", "livenessProbe: null\nreadinessProbe: null\n"),
}


def validate_rules(chart: Path, values_file: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("validate", str(chart), "-f", str(values_file), "--layer", "rules", "--output", "json", *args)
    assert result.exit_code in (0, 1), describe(result)
    return result.exit_code, json.loads(result.stdout)


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [finding for case in report["cases"] for finding in case["findings"]]


def severity_of(rule_id: str) -> str:
    return {registered.id: str(registered.severity) for registered in RULES}[rule_id]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rule_case(case: Case, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(case.values)
    status, report = validate_rules(BASE_CHART, values, *case.args)
    everything = findings(report)
    found = [finding for finding in everything if finding["rule"] == case.rule]
    report_text = json.dumps(everything, indent=2)

    if case.path is None:
        assert found == [], report_text
        return
    assert len(found) == 1, report_text
    [finding] = found
    assert finding["layer"] == "rules"
    assert finding["path"] == case.path, report_text
    assert finding["severity"] == severity_of(case.rule)
    assert finding["message"], report_text
    assert "\n" not in finding["message"], report_text
    assert finding["fix"], report_text
    assert "\n" not in finding["fix"], report_text
    assert case.path in finding["message"] + finding["fix"], "the finding must name its key"
    # The default --fail-on error: only errors fail, and every other finding of these values is a warning.
    assert [other["rule"] for other in everything if other["severity"] == "error" and other is not finding] == [], report_text
    assert status == (1 if finding["severity"] == "error" else 0)
    assert report["valid"] is (status == 0)


def test_every_rule_has_cases() -> None:
    """Each registered rule has values that trigger it and values that do not."""
    for registered in RULES:
        kinds = {case.path is None for case in CASES.values() if case.rule == registered.id}
        assert kinds == {True, False}, f"{registered.id} needs a case that triggers it and one that does not"


def test_finding_names_setting_file(tmp_path: Path) -> None:
    values = tmp_path / "prod.yaml"
    values.write_text(STATELESS_MULTI + "replicaCount: 3\npodDisruptionBudget:\n  maxUnavailable: 0\n")
    _, report = validate_rules(BASE_CHART, values)

    by_rule = {finding["rule"]: finding for finding in findings(report)}
    assert by_rule["CG002"]["location"] == f"{values}::podDisruptionBudget.maxUnavailable"
    # resources comes from the chart's default `resources: {}`.
    assert by_rule["CG004"]["source"] == str(BASE_CHART / "values.yaml")


@pytest.mark.parametrize(("fail_on", "expected"), [("warning", 1), ("error", 0)])
def test_fail_on_with_warning(fail_on: str, expected: int, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(REQUESTS + STATELESS_MULTI + "replicaCount: 3\nservice:\n  sessionAffinity: ClientIP\n")
    status, report = validate_rules(BASE_CHART, values, "--fail-on", fail_on)

    assert [(finding["rule"], finding["severity"]) for finding in findings(report)] == [("CG003", "warning")]
    assert status == expected
    assert report["valid"] is (expected == 0)


def test_fail_on_error_with_error(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(REQUESTS + "livenessProbe:\n  tcpSocket: null\n")
    status, report = validate_rules(BASE_CHART, values, "--fail-on", "error")

    assert [(finding["rule"], finding["severity"]) for finding in findings(report)] == [("CG013", "error")]
    assert status == 1


def test_generated_cluster_chart_readiness(generated_charts: dict[str, Path], tmp_path: Path) -> None:
    """The etcd-like chart that `chartgen new --cluster` writes is clean of CG006 until its probe is dropped."""
    chart = generated_charts["stateful-cluster"]
    values = tmp_path / "values.yaml"
    values.write_text("")
    _, clean = validate_rules(chart, values)
    values.write_text("readinessProbe: null\n")
    status, dropped = validate_rules(chart, values)

    assert "CG006" not in [finding["rule"] for finding in findings(clean)]
    assert [finding["path"] for finding in findings(dropped) if finding["rule"] == "CG006"] == ["readinessProbe"]
    assert status == 1


def test_long_chart_name_turned_stateful(tmp_path: Path) -> None:
    """A 60-character stateless chart name cannot become a StatefulSet with any release name."""
    name = "orders-" + "x" * 53
    result = run_cli("new", name, "--type", "stateless-single", "--image", "ghcr.io/example/orders:1.0.0", "-o", str(tmp_path))
    assert result.exit_code == 0, describe(result)
    chart = Path(result.stdout.strip())
    values = tmp_path / "values.yaml"
    values.write_text("deploymentType: stateful-single\npersistence:\n  enabled: true\n")

    status, report = validate_rules(chart, values)
    rules = [(finding["rule"], finding["path"]) for finding in findings(report)]
    assert ("CG007", "fullnameOverride") in rules
    assert "CG008" not in [rule for rule, _ in rules]
    assert status == 1


NAME_CASES = [
    pytest.param("deploymentType: stateful-single\n", "r" * 47, id="stateful-52"),
    pytest.param("deploymentType: stateful-single\n", "r" * 48, id="stateful-53"),
    pytest.param(f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", "prod-eu-west", id="override-fits"),
    pytest.param(f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", "production-eu-west", id="override-too-long"),
    pytest.param(f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", f"eu-{LONG_NAME}", id="release-contains-name"),
    pytest.param(f"deploymentType: stateful-single\nnameOverride: {LONG_NAME}\n", "r" * 17 + LONG_NAME, id="release-contains-name-53"),
    pytest.param("nameOverride: " + "n" * 50 + "\n", "r" * 12, id="deployment-63"),
    pytest.param("nameOverride: " + "n" * 50 + "\n", "r" * 13, id="deployment-64"),
    pytest.param("deploymentType: stateful-single\nfullnameOverride: web\n", "r" * 53, id="full-override"),
]


@pytest.mark.parametrize(("values_text", "release"), NAME_CASES)
def test_name_rule_agrees_with_helm(values_text: str, release: str, helm: Helm, tmp_path: Path) -> None:
    """CG007 reports exactly the names the chart's own length check makes helm reject."""
    values = tmp_path / "values.yaml"
    values.write_text(values_text)
    _, report = validate_rules(BASE_CHART, values, "--release", release)
    reported = any(finding["rule"] == "CG007" for finding in findings(report))
    try:
        helm.run("template", release, str(BASE_CHART), "-f", str(values))
        helm_failed = False
    except HelmError as error:
        assert "at most" in error.message, error.message
        helm_failed = True
    assert reported == helm_failed


def rules_page_sections() -> dict[str, tuple[str, str]]:
    """Map each rule id of docs/rules.md to the rule name in its heading and the severity its section states."""
    text = RULES_PAGE.read_text(encoding="utf-8")
    sections = {}
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    for part in parts:
        heading, _, body = part.partition("\n")
        match = re.fullmatch(r"(CG\d{3}) ([a-z0-9-]+)", heading.strip())
        if not match:
            assert not heading.startswith("CG"), f"malformed rule heading: ## {heading}"
            continue
        severity = re.search(r"^\*\*Severity:\*\* (error|warning)$", body, flags=re.MULTILINE)
        assert severity, f"the section of {match[1]} states no severity"
        assert match[1] not in sections, f"{match[1]} has two sections"
        sections[match[1]] = (match[2], severity[1])
    return sections


def test_rules_page_lists_every_rule() -> None:
    """docs/rules.md has one section per registered rule, with its name and severity, and no other rule."""
    documented = rules_page_sections()
    registered = {rule.id: (rule.name, str(rule.severity)) for rule in RULES}
    assert documented == registered


def test_rule_ids_are_unique() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"CG\d{3}", rule_id) for rule_id in ids)
